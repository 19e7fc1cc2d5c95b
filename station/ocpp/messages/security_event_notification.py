"""The SecurityEventNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, Omittable
from .shared.custom_data import CustomDataType


class SecurityEventNotificationRequest(Message):
    """SecurityEventNotification CALL payload."""

    ACTION: ClassVar[str] = "SecurityEventNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: str = Field(max_length=50)
    timestamp: DateTime
    tech_info: Omittable[str] = Field(
        default=None,
        validation_alias="techInfo",
        serialization_alias="techInfo",
        max_length=255,
    )


class SecurityEventNotificationResponse(Message):
    """SecurityEventNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "SecurityEventNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
