"""The NotifyCustomerInformation request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, Omittable
from .shared.custom_data import CustomDataType


class NotifyCustomerInformationRequest(Message):
    """NotifyCustomerInformation CALL payload."""

    ACTION: ClassVar[str] = "NotifyCustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    data: str = Field(max_length=512)
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")


class NotifyCustomerInformationResponse(Message):
    """NotifyCustomerInformation CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyCustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
