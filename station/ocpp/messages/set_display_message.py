"""The SetDisplayMessage request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.message_info import MessageInfoType
from .shared.status_info import StatusInfoType


class DisplayMessageStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to display the message."""

    Accepted = "Accepted"
    NotSupportedMessageFormat = "NotSupportedMessageFormat"
    Rejected = "Rejected"
    NotSupportedPriority = "NotSupportedPriority"
    NotSupportedState = "NotSupportedState"
    UnknownTransaction = "UnknownTransaction"


class SetDisplayMessageRequest(Message):
    """SetDisplayMessage CALL payload."""

    ACTION: ClassVar[str] = "SetDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message: MessageInfoType


class SetDisplayMessageResponse(Message):
    """SetDisplayMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DisplayMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
