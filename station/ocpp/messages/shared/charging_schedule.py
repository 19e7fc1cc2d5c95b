"""ChargingScheduleType and what only it shares; used by NotifyChargingLimit, NotifyEVChargingSchedule,
ReportChargingProfiles, RequestStartTransaction, SetChargingProfile.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import DateTime, OcppEnum, OcppType, Omittable
from .charging_schedule_period import ChargingRateUnitEnumType, ChargingSchedulePeriodType
from .custom_data import CustomDataType


class CostKindEnumType(OcppEnum):
    """The kind of cost referred to in the message element amount"""

    CarbonDioxideEmission = "CarbonDioxideEmission"
    RelativePricePercentage = "RelativePricePercentage"
    RenewableGenerationPercentage = "RenewableGenerationPercentage"


class CostType(OcppType):
    """Cost"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    cost_kind: CostKindEnumType = Field(validation_alias="costKind", serialization_alias="costKind")
    amount: int
    amount_multiplier: Omittable[int] = Field(
        default=None,
        validation_alias="amountMultiplier",
        serialization_alias="amountMultiplier",
    )


class ConsumptionCostType(OcppType):
    """OCPP 2.0.1 data type ConsumptionCostType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    start_value: float = Field(validation_alias="startValue", serialization_alias="startValue")
    cost: list[CostType] = Field(min_length=1, max_length=3)


class RelativeTimeIntervalType(OcppType):
    """OCPP 2.0.1 data type RelativeTimeIntervalType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    start: int
    duration: Omittable[int] = None


class SalesTariffEntryType(OcppType):
    """OCPP 2.0.1 data type SalesTariffEntryType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    relative_time_interval: RelativeTimeIntervalType = Field(
        validation_alias="relativeTimeInterval",
        serialization_alias="relativeTimeInterval",
    )
    e_price_level: Omittable[int] = Field(
        default=None,
        validation_alias="ePriceLevel",
        serialization_alias="ePriceLevel",
        ge=0,
    )
    consumption_cost: Omittable[list[ConsumptionCostType]] = Field(
        default=None,
        validation_alias="consumptionCost",
        serialization_alias="consumptionCost",
        min_length=1,
        max_length=3,
    )


class SalesTariffType(OcppType):
    """NOTE: This dataType is based on dataTypes from ISO 15118-2."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    sales_tariff_description: Omittable[str] = Field(
        default=None,
        validation_alias="salesTariffDescription",
        serialization_alias="salesTariffDescription",
        max_length=32,
    )
    num_e_price_levels: Omittable[int] = Field(
        default=None,
        validation_alias="numEPriceLevels",
        serialization_alias="numEPriceLevels",
    )
    sales_tariff_entry: list[SalesTariffEntryType] = Field(
        validation_alias="salesTariffEntry",
        serialization_alias="salesTariffEntry",
        min_length=1,
        max_length=1024,
    )


class ChargingScheduleType(OcppType):
    """Charging schedule structure defines a list of charging periods, as used in..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    start_schedule: Omittable[DateTime] = Field(
        default=None,
        validation_alias="startSchedule",
        serialization_alias="startSchedule",
    )
    duration: Omittable[int] = None
    charging_rate_unit: ChargingRateUnitEnumType = Field(
        validation_alias="chargingRateUnit",
        serialization_alias="chargingRateUnit",
    )
    charging_schedule_period: list[ChargingSchedulePeriodType] = Field(
        validation_alias="chargingSchedulePeriod",
        serialization_alias="chargingSchedulePeriod",
        min_length=1,
        max_length=1024,
    )
    min_charging_rate: Omittable[float] = Field(
        default=None,
        validation_alias="minChargingRate",
        serialization_alias="minChargingRate",
    )
    sales_tariff: Omittable[SalesTariffType] = Field(
        default=None,
        validation_alias="salesTariff",
        serialization_alias="salesTariff",
    )
