"""The CostUpdated request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType


class CostUpdatedRequest(Message):
    """CostUpdated CALL payload."""

    ACTION: ClassVar[str] = "CostUpdated"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    total_cost: float = Field(validation_alias="totalCost", serialization_alias="totalCost")
    transaction_id: str = Field(
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class CostUpdatedResponse(Message):
    """CostUpdated CALLRESULT payload."""

    ACTION: ClassVar[str] = "CostUpdated"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
