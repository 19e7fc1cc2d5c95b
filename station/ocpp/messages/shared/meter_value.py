"""MeterValueType and what only it shares; used by MeterValues, TransactionEvent.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import DateTime, OcppEnum, OcppType, Omittable
from .custom_data import CustomDataType


class LocationEnumType(OcppEnum):
    """Indicates where the measured value has been sampled. Default = "Outlet" """

    Body = "Body"
    Cable = "Cable"
    EV = "EV"
    Inlet = "Inlet"
    Outlet = "Outlet"


class MeasurandEnumType(OcppEnum):
    """Type of measurement. Default = "Energy.Active.Import.Register" """

    Current_Export = "Current.Export"
    Current_Import = "Current.Import"
    Current_Offered = "Current.Offered"
    Energy_Active_Export_Register = "Energy.Active.Export.Register"
    Energy_Active_Import_Register = "Energy.Active.Import.Register"
    Energy_Reactive_Export_Register = "Energy.Reactive.Export.Register"
    Energy_Reactive_Import_Register = "Energy.Reactive.Import.Register"
    Energy_Active_Export_Interval = "Energy.Active.Export.Interval"
    Energy_Active_Import_Interval = "Energy.Active.Import.Interval"
    Energy_Active_Net = "Energy.Active.Net"
    Energy_Reactive_Export_Interval = "Energy.Reactive.Export.Interval"
    Energy_Reactive_Import_Interval = "Energy.Reactive.Import.Interval"
    Energy_Reactive_Net = "Energy.Reactive.Net"
    Energy_Apparent_Net = "Energy.Apparent.Net"
    Energy_Apparent_Import = "Energy.Apparent.Import"
    Energy_Apparent_Export = "Energy.Apparent.Export"
    Frequency = "Frequency"
    Power_Active_Export = "Power.Active.Export"
    Power_Active_Import = "Power.Active.Import"
    Power_Factor = "Power.Factor"
    Power_Offered = "Power.Offered"
    Power_Reactive_Export = "Power.Reactive.Export"
    Power_Reactive_Import = "Power.Reactive.Import"
    SoC = "SoC"
    Voltage = "Voltage"


class PhaseEnumType(OcppEnum):
    """Indicates how the measured value is to be interpreted."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    N = "N"
    L1_N = "L1-N"
    L2_N = "L2-N"
    L3_N = "L3-N"
    L1_L2 = "L1-L2"
    L2_L3 = "L2-L3"
    L3_L1 = "L3-L1"


class ReadingContextEnumType(OcppEnum):
    """Type of detail value: start, end or sample. Default = "Sample.Periodic" """

    Interruption_Begin = "Interruption.Begin"
    Interruption_End = "Interruption.End"
    Other = "Other"
    Sample_Clock = "Sample.Clock"
    Sample_Periodic = "Sample.Periodic"
    Transaction_Begin = "Transaction.Begin"
    Transaction_End = "Transaction.End"
    Trigger = "Trigger"


class SignedMeterValueType(OcppType):
    """Represent a signed version of the meter value."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    signed_meter_data: str = Field(
        validation_alias="signedMeterData",
        serialization_alias="signedMeterData",
        max_length=2500,
    )
    signing_method: str = Field(
        validation_alias="signingMethod",
        serialization_alias="signingMethod",
        max_length=50,
    )
    encoding_method: str = Field(
        validation_alias="encodingMethod",
        serialization_alias="encodingMethod",
        max_length=50,
    )
    public_key: str = Field(
        validation_alias="publicKey",
        serialization_alias="publicKey",
        max_length=2500,
    )


class UnitOfMeasureType(OcppType):
    """Represents a UnitOfMeasure with a multiplier"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    unit: Omittable[str] = Field(default=None, max_length=20)
    multiplier: Omittable[int] = None


class SampledValueType(OcppType):
    """Single sampled value in MeterValues. Each value can be accompanied by optional fields."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    value: float
    context: Omittable[ReadingContextEnumType] = None
    measurand: Omittable[MeasurandEnumType] = None
    phase: Omittable[PhaseEnumType] = None
    location: Omittable[LocationEnumType] = None
    signed_meter_value: Omittable[SignedMeterValueType] = Field(
        default=None,
        validation_alias="signedMeterValue",
        serialization_alias="signedMeterValue",
    )
    unit_of_measure: Omittable[UnitOfMeasureType] = Field(
        default=None,
        validation_alias="unitOfMeasure",
        serialization_alias="unitOfMeasure",
    )


class MeterValueType(OcppType):
    """Collection of one or more sampled values in MeterValuesRequest and TransactionEvent."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    sampled_value: list[SampledValueType] = Field(
        validation_alias="sampledValue",
        serialization_alias="sampledValue",
        min_length=1,
    )
    timestamp: DateTime
