"""MessageInfoType and what only it shares; used by NotifyDisplayMessages, SetDisplayMessage.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import DateTime, OcppType, Omittable
from .component import ComponentType
from .custom_data import CustomDataType
from .message_content import MessageContentType
from .message_priority import MessagePriorityEnumType, MessageStateEnumType


class MessageInfoType(OcppType):
    """Contains message details, for a message to be displayed on a Charging Station."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    display: Omittable[ComponentType] = None
    id: int
    priority: MessagePriorityEnumType
    state: Omittable[MessageStateEnumType] = None
    start_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="startDateTime",
        serialization_alias="startDateTime",
    )
    end_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="endDateTime",
        serialization_alias="endDateTime",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
    message: MessageContentType
