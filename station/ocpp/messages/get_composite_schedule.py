"""The GetCompositeSchedule request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppType, Omittable
from .shared.charging_schedule_period import ChargingRateUnitEnumType, ChargingSchedulePeriodType
from .shared.custom_data import CustomDataType
from .shared.generic_status import GenericStatusEnumType
from .shared.status_info import StatusInfoType


class CompositeScheduleType(OcppType):
    """OCPP 2.0.1 data type CompositeScheduleType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_schedule_period: list[ChargingSchedulePeriodType] = Field(
        validation_alias="chargingSchedulePeriod",
        serialization_alias="chargingSchedulePeriod",
        min_length=1,
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    duration: int
    schedule_start: DateTime = Field(
        validation_alias="scheduleStart",
        serialization_alias="scheduleStart",
    )
    charging_rate_unit: ChargingRateUnitEnumType = Field(
        validation_alias="chargingRateUnit",
        serialization_alias="chargingRateUnit",
    )


class GetCompositeScheduleRequest(Message):
    """GetCompositeSchedule CALL payload."""

    ACTION: ClassVar[str] = "GetCompositeSchedule"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    duration: int
    charging_rate_unit: Omittable[ChargingRateUnitEnumType] = Field(
        default=None,
        validation_alias="chargingRateUnit",
        serialization_alias="chargingRateUnit",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")


class GetCompositeScheduleResponse(Message):
    """GetCompositeSchedule CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetCompositeSchedule"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    schedule: Omittable[CompositeScheduleType] = None
