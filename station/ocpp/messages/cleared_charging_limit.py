"""The ClearedChargingLimit request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.charging_limit_source import ChargingLimitSourceEnumType
from .shared.custom_data import CustomDataType


class ClearedChargingLimitRequest(Message):
    """ClearedChargingLimit CALL payload."""

    ACTION: ClassVar[str] = "ClearedChargingLimit"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_limit_source: ChargingLimitSourceEnumType = Field(
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )


class ClearedChargingLimitResponse(Message):
    """ClearedChargingLimit CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearedChargingLimit"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
