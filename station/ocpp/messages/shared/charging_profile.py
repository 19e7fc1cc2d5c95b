"""ChargingProfileType and what only it shares; used by ReportChargingProfiles,
RequestStartTransaction, SetChargingProfile.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import DateTime, OcppEnum, OcppType, Omittable
from .charging_profile_purpose import ChargingProfilePurposeEnumType
from .charging_schedule import ChargingScheduleType
from .custom_data import CustomDataType


class ChargingProfileKindEnumType(OcppEnum):
    """Indicates the kind of schedule."""

    Absolute = "Absolute"
    Recurring = "Recurring"
    Relative = "Relative"


class RecurrencyKindEnumType(OcppEnum):
    """Indicates the start point of a recurrence."""

    Daily = "Daily"
    Weekly = "Weekly"


class ChargingProfileType(OcppType):
    """A ChargingProfile consists of ChargingSchedule, describing the amount of power or..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    stack_level: int = Field(validation_alias="stackLevel", serialization_alias="stackLevel")
    charging_profile_purpose: ChargingProfilePurposeEnumType = Field(
        validation_alias="chargingProfilePurpose",
        serialization_alias="chargingProfilePurpose",
    )
    charging_profile_kind: ChargingProfileKindEnumType = Field(
        validation_alias="chargingProfileKind",
        serialization_alias="chargingProfileKind",
    )
    recurrency_kind: Omittable[RecurrencyKindEnumType] = Field(
        default=None,
        validation_alias="recurrencyKind",
        serialization_alias="recurrencyKind",
    )
    valid_from: Omittable[DateTime] = Field(
        default=None,
        validation_alias="validFrom",
        serialization_alias="validFrom",
    )
    valid_to: Omittable[DateTime] = Field(
        default=None,
        validation_alias="validTo",
        serialization_alias="validTo",
    )
    charging_schedule: list[ChargingScheduleType] = Field(
        validation_alias="chargingSchedule",
        serialization_alias="chargingSchedule",
        min_length=1,
        max_length=3,
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
