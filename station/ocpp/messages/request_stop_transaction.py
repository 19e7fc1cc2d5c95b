"""The RequestStopTransaction request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType
from .shared.request_start_stop_status import RequestStartStopStatusEnumType
from .shared.status_info import StatusInfoType


class RequestStopTransactionRequest(Message):
    """RequestStopTransaction CALL payload."""

    ACTION: ClassVar[str] = "RequestStopTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    transaction_id: str = Field(
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class RequestStopTransactionResponse(Message):
    """RequestStopTransaction CALLRESULT payload."""

    ACTION: ClassVar[str] = "RequestStopTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: RequestStartStopStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
