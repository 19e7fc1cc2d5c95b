"""The PublishFirmwareStatusNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import Annotated, ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class PublishFirmwareStatusEnumType(OcppEnum):
    """This contains the progress status of the publishfirmware"""

    Idle = "Idle"
    DownloadScheduled = "DownloadScheduled"
    Downloading = "Downloading"
    Downloaded = "Downloaded"
    Published = "Published"
    DownloadFailed = "DownloadFailed"
    DownloadPaused = "DownloadPaused"
    InvalidChecksum = "InvalidChecksum"
    ChecksumVerified = "ChecksumVerified"
    PublishFailed = "PublishFailed"


class PublishFirmwareStatusNotificationRequest(Message):
    """PublishFirmwareStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "PublishFirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: PublishFirmwareStatusEnumType
    location: Omittable[list[Annotated[str, Field(max_length=512)]]] = Field(
        default=None,
        min_length=1,
    )
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class PublishFirmwareStatusNotificationResponse(Message):
    """PublishFirmwareStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "PublishFirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
