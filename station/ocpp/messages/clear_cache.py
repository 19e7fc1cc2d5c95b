"""The ClearCache request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ClearCacheStatusEnumType(OcppEnum):
    """Accepted if the Charging Station has executed the request, otherwise rejected."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class ClearCacheRequest(Message):
    """ClearCache CALL payload."""

    ACTION: ClassVar[str] = "ClearCache"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class ClearCacheResponse(Message):
    """ClearCache CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearCache"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearCacheStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
