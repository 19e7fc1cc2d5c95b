"""The Heartbeat request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, Omittable
from .shared.custom_data import CustomDataType


class HeartbeatRequest(Message):
    """Heartbeat CALL payload."""

    ACTION: ClassVar[str] = "Heartbeat"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class HeartbeatResponse(Message):
    """Heartbeat CALLRESULT payload."""

    ACTION: ClassVar[str] = "Heartbeat"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    current_time: DateTime = Field(
        validation_alias="currentTime",
        serialization_alias="currentTime",
    )
