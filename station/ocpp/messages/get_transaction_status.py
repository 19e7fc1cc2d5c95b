"""The GetTransactionStatus request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType


class GetTransactionStatusRequest(Message):
    """GetTransactionStatus CALL payload."""

    ACTION: ClassVar[str] = "GetTransactionStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class GetTransactionStatusResponse(Message):
    """GetTransactionStatus CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetTransactionStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ongoing_indicator: Omittable[bool] = Field(
        default=None,
        validation_alias="ongoingIndicator",
        serialization_alias="ongoingIndicator",
    )
    messages_in_queue: bool = Field(
        validation_alias="messagesInQueue",
        serialization_alias="messagesInQueue",
    )
