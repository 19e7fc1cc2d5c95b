"""The NotifyEVChargingNeeds request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class EnergyTransferModeEnumType(OcppEnum):
    """Mode of energy transfer requested by the EV."""

    DC = "DC"
    AC_single_phase = "AC_single_phase"
    AC_two_phase = "AC_two_phase"
    AC_three_phase = "AC_three_phase"


class NotifyEVChargingNeedsStatusEnumType(OcppEnum):
    """Returns whether the CSMS has been able to process the message successfully."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Processing = "Processing"


class ACChargingParametersType(OcppType):
    """EV AC charging parameters."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    energy_amount: int = Field(validation_alias="energyAmount", serialization_alias="energyAmount")
    ev_min_current: int = Field(validation_alias="evMinCurrent", serialization_alias="evMinCurrent")
    ev_max_current: int = Field(validation_alias="evMaxCurrent", serialization_alias="evMaxCurrent")
    ev_max_voltage: int = Field(validation_alias="evMaxVoltage", serialization_alias="evMaxVoltage")


class DCChargingParametersType(OcppType):
    """EV DC charging parameters"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ev_max_current: int = Field(validation_alias="evMaxCurrent", serialization_alias="evMaxCurrent")
    ev_max_voltage: int = Field(validation_alias="evMaxVoltage", serialization_alias="evMaxVoltage")
    energy_amount: Omittable[int] = Field(
        default=None,
        validation_alias="energyAmount",
        serialization_alias="energyAmount",
    )
    ev_max_power: Omittable[int] = Field(
        default=None,
        validation_alias="evMaxPower",
        serialization_alias="evMaxPower",
    )
    state_of_charge: Omittable[int] = Field(
        default=None,
        validation_alias="stateOfCharge",
        serialization_alias="stateOfCharge",
        ge=0,
        le=100,
    )
    ev_energy_capacity: Omittable[int] = Field(
        default=None,
        validation_alias="evEnergyCapacity",
        serialization_alias="evEnergyCapacity",
    )
    full_soc: Omittable[int] = Field(
        default=None,
        validation_alias="fullSoC",
        serialization_alias="fullSoC",
        ge=0,
        le=100,
    )
    bulk_soc: Omittable[int] = Field(
        default=None,
        validation_alias="bulkSoC",
        serialization_alias="bulkSoC",
        ge=0,
        le=100,
    )


class ChargingNeedsType(OcppType):
    """OCPP 2.0.1 data type ChargingNeedsType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ac_charging_parameters: Omittable[ACChargingParametersType] = Field(
        default=None,
        validation_alias="acChargingParameters",
        serialization_alias="acChargingParameters",
    )
    dc_charging_parameters: Omittable[DCChargingParametersType] = Field(
        default=None,
        validation_alias="dcChargingParameters",
        serialization_alias="dcChargingParameters",
    )
    requested_energy_transfer: EnergyTransferModeEnumType = Field(
        validation_alias="requestedEnergyTransfer",
        serialization_alias="requestedEnergyTransfer",
    )
    departure_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="departureTime",
        serialization_alias="departureTime",
    )


class NotifyEVChargingNeedsRequest(Message):
    """NotifyEVChargingNeeds CALL payload."""

    ACTION: ClassVar[str] = "NotifyEVChargingNeeds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    max_schedule_tuples: Omittable[int] = Field(
        default=None,
        validation_alias="maxScheduleTuples",
        serialization_alias="maxScheduleTuples",
    )
    charging_needs: ChargingNeedsType = Field(
        validation_alias="chargingNeeds",
        serialization_alias="chargingNeeds",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")


class NotifyEVChargingNeedsResponse(Message):
    """NotifyEVChargingNeeds CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyEVChargingNeeds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: NotifyEVChargingNeedsStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
