"""The PublishFirmware request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType
from .shared.generic_status import GenericStatusEnumType
from .shared.status_info import StatusInfoType


class PublishFirmwareRequest(Message):
    """PublishFirmware CALL payload."""

    ACTION: ClassVar[str] = "PublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    location: str = Field(max_length=512)
    retries: Omittable[int] = None
    checksum: str = Field(max_length=32)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )


class PublishFirmwareResponse(Message):
    """PublishFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "PublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
