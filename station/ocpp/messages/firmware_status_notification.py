"""The FirmwareStatusNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class FirmwareStatusEnumType(OcppEnum):
    """This contains the progress status of the firmware installation."""

    Downloaded = "Downloaded"
    DownloadFailed = "DownloadFailed"
    Downloading = "Downloading"
    DownloadScheduled = "DownloadScheduled"
    DownloadPaused = "DownloadPaused"
    Idle = "Idle"
    InstallationFailed = "InstallationFailed"
    Installing = "Installing"
    Installed = "Installed"
    InstallRebooting = "InstallRebooting"
    InstallScheduled = "InstallScheduled"
    InstallVerificationFailed = "InstallVerificationFailed"
    InvalidSignature = "InvalidSignature"
    SignatureVerified = "SignatureVerified"


class FirmwareStatusNotificationRequest(Message):
    """FirmwareStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "FirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: FirmwareStatusEnumType
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class FirmwareStatusNotificationResponse(Message):
    """FirmwareStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "FirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
