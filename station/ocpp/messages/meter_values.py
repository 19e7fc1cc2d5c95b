"""The MeterValues request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType
from .shared.meter_value import MeterValueType


class MeterValuesRequest(Message):
    """MeterValues CALL payload."""

    ACTION: ClassVar[str] = "MeterValues"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    meter_value: list[MeterValueType] = Field(
        validation_alias="meterValue",
        serialization_alias="meterValue",
        min_length=1,
    )


class MeterValuesResponse(Message):
    """MeterValues CALLRESULT payload."""

    ACTION: ClassVar[str] = "MeterValues"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
