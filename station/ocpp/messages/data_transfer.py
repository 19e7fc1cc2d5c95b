"""The DataTransfer request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import Any, ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class DataTransferStatusEnumType(OcppEnum):
    """This indicates the success or failure of the data transfer."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownMessageId = "UnknownMessageId"
    UnknownVendorId = "UnknownVendorId"


class DataTransferRequest(Message):
    """DataTransfer CALL payload."""

    ACTION: ClassVar[str] = "DataTransfer"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message_id: Omittable[str] = Field(
        default=None,
        validation_alias="messageId",
        serialization_alias="messageId",
        max_length=50,
    )
    data: Omittable[Any] = None
    vendor_id: str = Field(
        validation_alias="vendorId",
        serialization_alias="vendorId",
        max_length=255,
    )


class DataTransferResponse(Message):
    """DataTransfer CALLRESULT payload."""

    ACTION: ClassVar[str] = "DataTransfer"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DataTransferStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    data: Omittable[Any] = None
