"""The NotifyDisplayMessages request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType
from .shared.message_info import MessageInfoType


class NotifyDisplayMessagesRequest(Message):
    """NotifyDisplayMessages CALL payload."""

    ACTION: ClassVar[str] = "NotifyDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message_info: Omittable[list[MessageInfoType]] = Field(
        default=None,
        validation_alias="messageInfo",
        serialization_alias="messageInfo",
        min_length=1,
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    tbc: Omittable[bool] = None


class NotifyDisplayMessagesResponse(Message):
    """NotifyDisplayMessages CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
