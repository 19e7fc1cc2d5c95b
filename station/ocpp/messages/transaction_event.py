"""The TransactionEvent request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.evse import EVSEType
from .shared.id_token import IdTokenType
from .shared.id_token_info import IdTokenInfoType
from .shared.message_content import MessageContentType
from .shared.meter_value import MeterValueType


class ChargingStateEnumType(OcppEnum):
    """Current charging state, is required when state"""

    Charging = "Charging"
    EVConnected = "EVConnected"
    SuspendedEV = "SuspendedEV"
    SuspendedEVSE = "SuspendedEVSE"
    Idle = "Idle"


class ReasonEnumType(OcppEnum):
    """This contains the reason why the transaction was stopped."""

    DeAuthorized = "DeAuthorized"
    EmergencyStop = "EmergencyStop"
    EnergyLimitReached = "EnergyLimitReached"
    EVDisconnected = "EVDisconnected"
    GroundFault = "GroundFault"
    ImmediateReset = "ImmediateReset"
    Local = "Local"
    LocalOutOfCredit = "LocalOutOfCredit"
    MasterPass = "MasterPass"
    Other = "Other"
    OvercurrentFault = "OvercurrentFault"
    PowerLoss = "PowerLoss"
    PowerQuality = "PowerQuality"
    Reboot = "Reboot"
    Remote = "Remote"
    SOCLimitReached = "SOCLimitReached"
    StoppedByEV = "StoppedByEV"
    TimeLimitReached = "TimeLimitReached"
    Timeout = "Timeout"


class TransactionEventEnumType(OcppEnum):
    """This contains the type of this event."""

    Ended = "Ended"
    Started = "Started"
    Updated = "Updated"


class TriggerReasonEnumType(OcppEnum):
    """Reason the Charging Station sends this message to the CSMS"""

    Authorized = "Authorized"
    CablePluggedIn = "CablePluggedIn"
    ChargingRateChanged = "ChargingRateChanged"
    ChargingStateChanged = "ChargingStateChanged"
    Deauthorized = "Deauthorized"
    EnergyLimitReached = "EnergyLimitReached"
    EVCommunicationLost = "EVCommunicationLost"
    EVConnectTimeout = "EVConnectTimeout"
    MeterValueClock = "MeterValueClock"
    MeterValuePeriodic = "MeterValuePeriodic"
    TimeLimitReached = "TimeLimitReached"
    Trigger = "Trigger"
    UnlockCommand = "UnlockCommand"
    StopAuthorized = "StopAuthorized"
    EVDeparted = "EVDeparted"
    EVDetected = "EVDetected"
    RemoteStop = "RemoteStop"
    RemoteStart = "RemoteStart"
    AbnormalCondition = "AbnormalCondition"
    SignedDataReceived = "SignedDataReceived"
    ResetCommand = "ResetCommand"


class TransactionType(OcppType):
    """Transaction"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    transaction_id: str = Field(
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
    charging_state: Omittable[ChargingStateEnumType] = Field(
        default=None,
        validation_alias="chargingState",
        serialization_alias="chargingState",
    )
    time_spent_charging: Omittable[int] = Field(
        default=None,
        validation_alias="timeSpentCharging",
        serialization_alias="timeSpentCharging",
    )
    stopped_reason: Omittable[ReasonEnumType] = Field(
        default=None,
        validation_alias="stoppedReason",
        serialization_alias="stoppedReason",
    )
    remote_start_id: Omittable[int] = Field(
        default=None,
        validation_alias="remoteStartId",
        serialization_alias="remoteStartId",
    )


class TransactionEventRequest(Message):
    """TransactionEvent CALL payload."""

    ACTION: ClassVar[str] = "TransactionEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    event_type: TransactionEventEnumType = Field(
        validation_alias="eventType",
        serialization_alias="eventType",
    )
    meter_value: Omittable[list[MeterValueType]] = Field(
        default=None,
        validation_alias="meterValue",
        serialization_alias="meterValue",
        min_length=1,
    )
    timestamp: DateTime
    trigger_reason: TriggerReasonEnumType = Field(
        validation_alias="triggerReason",
        serialization_alias="triggerReason",
    )
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    offline: Omittable[bool] = None
    number_of_phases_used: Omittable[int] = Field(
        default=None,
        validation_alias="numberOfPhasesUsed",
        serialization_alias="numberOfPhasesUsed",
    )
    cable_max_current: Omittable[int] = Field(
        default=None,
        validation_alias="cableMaxCurrent",
        serialization_alias="cableMaxCurrent",
    )
    reservation_id: Omittable[int] = Field(
        default=None,
        validation_alias="reservationId",
        serialization_alias="reservationId",
    )
    transaction_info: TransactionType = Field(
        validation_alias="transactionInfo",
        serialization_alias="transactionInfo",
    )
    evse: Omittable[EVSEType] = None
    id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="idToken",
        serialization_alias="idToken",
    )


class TransactionEventResponse(Message):
    """TransactionEvent CALLRESULT payload."""

    ACTION: ClassVar[str] = "TransactionEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    total_cost: Omittable[float] = Field(
        default=None,
        validation_alias="totalCost",
        serialization_alias="totalCost",
    )
    charging_priority: Omittable[int] = Field(
        default=None,
        validation_alias="chargingPriority",
        serialization_alias="chargingPriority",
    )
    id_token_info: Omittable[IdTokenInfoType] = Field(
        default=None,
        validation_alias="idTokenInfo",
        serialization_alias="idTokenInfo",
    )
    updated_personal_message: Omittable[MessageContentType] = Field(
        default=None,
        validation_alias="updatedPersonalMessage",
        serialization_alias="updatedPersonalMessage",
    )
