"""The GetDisplayMessages request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.message_priority import MessagePriorityEnumType, MessageStateEnumType
from .shared.status_info import StatusInfoType


class GetDisplayMessagesStatusEnumType(OcppEnum):
    """Indicates if the Charging Station has Display Messages that match the request criteria..."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class GetDisplayMessagesRequest(Message):
    """GetDisplayMessages CALL payload."""

    ACTION: ClassVar[str] = "GetDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[list[int]] = Field(default=None, min_length=1)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    priority: Omittable[MessagePriorityEnumType] = None
    state: Omittable[MessageStateEnumType] = None


class GetDisplayMessagesResponse(Message):
    """GetDisplayMessages CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetDisplayMessagesStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
