"""The NotifyEVChargingSchedule request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, Omittable
from .shared.charging_schedule import ChargingScheduleType
from .shared.custom_data import CustomDataType
from .shared.generic_status import GenericStatusEnumType
from .shared.status_info import StatusInfoType


class NotifyEVChargingScheduleRequest(Message):
    """NotifyEVChargingSchedule CALL payload."""

    ACTION: ClassVar[str] = "NotifyEVChargingSchedule"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    time_base: DateTime = Field(validation_alias="timeBase", serialization_alias="timeBase")
    charging_schedule: ChargingScheduleType = Field(
        validation_alias="chargingSchedule",
        serialization_alias="chargingSchedule",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")


class NotifyEVChargingScheduleResponse(Message):
    """NotifyEVChargingSchedule CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyEVChargingSchedule"

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
