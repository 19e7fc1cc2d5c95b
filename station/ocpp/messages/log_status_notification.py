"""The LogStatusNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class UploadLogStatusEnumType(OcppEnum):
    """This contains the status of the log upload."""

    BadMessage = "BadMessage"
    Idle = "Idle"
    NotSupportedOperation = "NotSupportedOperation"
    PermissionDenied = "PermissionDenied"
    Uploaded = "Uploaded"
    UploadFailure = "UploadFailure"
    Uploading = "Uploading"
    AcceptedCanceled = "AcceptedCanceled"


class LogStatusNotificationRequest(Message):
    """LogStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "LogStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UploadLogStatusEnumType
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class LogStatusNotificationResponse(Message):
    """LogStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "LogStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
