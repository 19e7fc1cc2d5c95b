"""The SendLocalList request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.id_token import IdTokenType
from .shared.id_token_info import IdTokenInfoType
from .shared.status_info import StatusInfoType


class SendLocalListStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station has successfully received and applied the..."""

    Accepted = "Accepted"
    Failed = "Failed"
    VersionMismatch = "VersionMismatch"


class UpdateEnumType(OcppEnum):
    """This contains the type of update (full or differential) of this request."""

    Differential = "Differential"
    Full = "Full"


class AuthorizationData(OcppType):
    """Contains the identifier to use for authorization."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    id_token_info: Omittable[IdTokenInfoType] = Field(
        default=None,
        validation_alias="idTokenInfo",
        serialization_alias="idTokenInfo",
    )


class SendLocalListRequest(Message):
    """SendLocalList CALL payload."""

    ACTION: ClassVar[str] = "SendLocalList"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    local_authorization_list: Omittable[list[AuthorizationData]] = Field(
        default=None,
        validation_alias="localAuthorizationList",
        serialization_alias="localAuthorizationList",
        min_length=1,
    )
    version_number: int = Field(
        validation_alias="versionNumber",
        serialization_alias="versionNumber",
    )
    update_type: UpdateEnumType = Field(
        validation_alias="updateType",
        serialization_alias="updateType",
    )


class SendLocalListResponse(Message):
    """SendLocalList CALLRESULT payload."""

    ACTION: ClassVar[str] = "SendLocalList"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: SendLocalListStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
