"""ChargingSchedulePeriodType and what only it shares; used by GetCompositeSchedule,
NotifyChargingLimit, NotifyEVChargingSchedule, ReportChargingProfiles, RequestStartTransaction,
SetChargingProfile.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppEnum, OcppType, Omittable
from .custom_data import CustomDataType


class ChargingRateUnitEnumType(OcppEnum):
    """The unit of measure Limit is expressed in."""

    W = "W"
    A = "A"


class ChargingSchedulePeriodType(OcppType):
    """Charging schedule period structure defines a time period in a charging schedule."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    start_period: int = Field(validation_alias="startPeriod", serialization_alias="startPeriod")
    limit: float
    number_phases: Omittable[int] = Field(
        default=None,
        validation_alias="numberPhases",
        serialization_alias="numberPhases",
    )
    phase_to_use: Omittable[int] = Field(
        default=None,
        validation_alias="phaseToUse",
        serialization_alias="phaseToUse",
    )
