"""The NotifyChargingLimit request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppType, Omittable
from .shared.charging_limit_source import ChargingLimitSourceEnumType
from .shared.charging_schedule import ChargingScheduleType
from .shared.custom_data import CustomDataType


class ChargingLimitType(OcppType):
    """OCPP 2.0.1 data type ChargingLimitType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_limit_source: ChargingLimitSourceEnumType = Field(
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
    )
    is_grid_critical: Omittable[bool] = Field(
        default=None,
        validation_alias="isGridCritical",
        serialization_alias="isGridCritical",
    )


class NotifyChargingLimitRequest(Message):
    """NotifyChargingLimit CALL payload."""

    ACTION: ClassVar[str] = "NotifyChargingLimit"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_schedule: Omittable[list[ChargingScheduleType]] = Field(
        default=None,
        validation_alias="chargingSchedule",
        serialization_alias="chargingSchedule",
        min_length=1,
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    charging_limit: ChargingLimitType = Field(
        validation_alias="chargingLimit",
        serialization_alias="chargingLimit",
    )


class NotifyChargingLimitResponse(Message):
    """NotifyChargingLimit CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyChargingLimit"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
