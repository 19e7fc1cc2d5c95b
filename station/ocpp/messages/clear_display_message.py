"""The ClearDisplayMessage request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ClearMessageStatusEnumType(OcppEnum):
    """Returns whether the Charging Station has been able to remove the message."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class ClearDisplayMessageRequest(Message):
    """ClearDisplayMessage CALL payload."""

    ACTION: ClassVar[str] = "ClearDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int


class ClearDisplayMessageResponse(Message):
    """ClearDisplayMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
