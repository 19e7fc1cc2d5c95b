"""OCPP 2.0.1 payloads: pydantic models of the request and response of every action.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py from the OCA JSON schemas that
ship in the `ocpp` package (ocpp/v201/schemas, "OCPP 2.0.1 FINAL").
Regenerate with `python tools/gen_messages.py`; add `--check` to see whether this file is current.

Conventions:

* Attributes are snake_case; the wire (camelCase) property names are the aliases. Models are
  built by attribute name in Python (`ChargingStationType(model="m", vendor_name="v")`) and
  from the wire by alias (see `station.ocpp.validation`).
* An optional property is `None` in Python when it is absent; it is never sent as `null` and
  a received `null` is rejected. `None` given to a constructor or assigned means "absent".
* Validation is strict, as JSON Schema is: `"12"` is not an integer, `1` is not a string.
  Enum properties accept the enum member or its string value.
* `format: date-time` properties are timezone-aware `datetime`s; they are written by
  `station.ocpp.datetimes.format_date_time`: RFC 3339 in UTC with a `Z` suffix and at most
  three fractional digits (Part 2 §2.1.4).
* `to_payload()` gives the JSON-ready wire dict of a model, `to_json()` the same as text.
"""

import enum
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias, TypeVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    PlainValidator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from station.ocpp.datetimes import format_date_time

if TYPE_CHECKING:
    _T = TypeVar("_T")
    Omittable: TypeAlias = _T | None
else:

    class Omittable:
        """`Omittable[T]`: an optional property, `None` when absent, never `null` on the wire.

        Type checkers see `T | None`. At run time the annotation is plain `T` with a default
        of `None`: pydantic does not validate defaults, so an absent property becomes `None`
        while an explicit `null` fails validation like any other value of the wrong type.
        """

        def __class_getitem__(cls, item: Any) -> Any:
            return item


_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def _validate_date_time(value: object) -> datetime:
    """Accept an RFC 3339 `date-time` string or an aware `datetime`.

    A leap second (`23:59:60`), which `datetime` cannot hold, becomes the last microsecond
    of the minute.
    """
    if isinstance(value, str):
        if _DATE_TIME.fullmatch(value):
            text = value.upper()
            leap_second = text[17:19] == "60"
            if leap_second:
                text = f"{text[:17]}59{text[19:]}"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return moment.replace(microsecond=999999) if leap_second else moment
        raise PydanticCustomError(
            "date_time_format", "malformed date-time {value}", {"value": value[:40]}
        )
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise PydanticCustomError("date_time_naive", "datetime without a timezone")
        return value
    raise PydanticCustomError("date_time_type", "expected a date-time string")


DateTime = Annotated[
    datetime,
    PlainValidator(_validate_date_time, json_schema_input_type=str),
    PlainSerializer(format_date_time, return_type=str, when_used="json"),
]


class OcppEnum(enum.StrEnum):
    """Base of the OCPP enumerations; the wire value is the string itself."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast(core_schema.EnumSchema, handler(source))
        if schema["type"] != "enum":
            raise TypeError(f"{cls.__name__}: unexpected core schema {schema['type']!r}")
        schema["strict"] = False  # strict models would accept only members, not wire strings
        return schema


class OcppType(BaseModel):
    """Base of every OCPP model: strict, closed, snake_case in Python, camelCase on the wire."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        allow_inf_nan=False,
        # Each model builds its validator and serializer when first used, not at import:
        # a station uses a few dozen of the ~250 models in a day, and building them all
        # cost most of its start-up time and memory.
        defer_build=True,
    )

    def __init__(self, /, **data: Any) -> None:
        """Build from attribute names; a `None` argument leaves that property unset."""
        super().__init__(**{name: value for name, value in data.items() if value is not None})

    # Tell pydantic this is not a "custom" __init__ (as RootModel does): otherwise it would
    # validate nested wire objects by calling __init__, by name, dropping nulls, slowly.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_payload(self) -> dict[str, Any]:
        """The wire form: camelCase keys, `None` properties left out, JSON types only.

        Also leaves out `null` values that the schemas would allow (DataTransfer `data`, vendor
        keys of `customData`): OCPP gives them no meaning beyond absence.
        """
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        """`to_payload()` as compact JSON text, serialised in one pass (no dict in between)."""
        return self.__pydantic_serializer__.to_json(
            self, by_alias=True, exclude_none=True
        ).decode()


class Message(OcppType):
    """Base of the request and response payloads; `ACTION` names the OCPP action."""

    ACTION: ClassVar[str]


class APNAuthenticationEnumType(OcppEnum):
    """Authentication method."""

    CHAP = "CHAP"
    NONE = "NONE"
    PAP = "PAP"
    AUTO = "AUTO"


class AttributeEnumType(OcppEnum):
    """Attribute type for which value is requested. When absent, default Actual is assumed."""

    Actual = "Actual"
    Target = "Target"
    MinSet = "MinSet"
    MaxSet = "MaxSet"


class AuthorizationStatusEnumType(OcppEnum):
    """Current status of the ID Token."""

    Accepted = "Accepted"
    Blocked = "Blocked"
    ConcurrentTx = "ConcurrentTx"
    Expired = "Expired"
    Invalid = "Invalid"
    NoCredit = "NoCredit"
    NotAllowedTypeEVSE = "NotAllowedTypeEVSE"
    NotAtThisLocation = "NotAtThisLocation"
    NotAtThisTime = "NotAtThisTime"
    Unknown = "Unknown"


class AuthorizeCertificateStatusEnumType(OcppEnum):
    """Certificate status information."""

    Accepted = "Accepted"
    SignatureError = "SignatureError"
    CertificateExpired = "CertificateExpired"
    CertificateRevoked = "CertificateRevoked"
    NoCertificateAvailable = "NoCertificateAvailable"
    CertChainError = "CertChainError"
    ContractCancelled = "ContractCancelled"


class BootReasonEnumType(OcppEnum):
    """This contains the reason for sending this message to the CSMS."""

    ApplicationReset = "ApplicationReset"
    FirmwareUpdate = "FirmwareUpdate"
    LocalReset = "LocalReset"
    PowerUp = "PowerUp"
    RemoteReset = "RemoteReset"
    ScheduledReset = "ScheduledReset"
    Triggered = "Triggered"
    Unknown = "Unknown"
    Watchdog = "Watchdog"


class CancelReservationStatusEnumType(OcppEnum):
    """This indicates the success or failure of the canceling of a reservation by CSMS."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class CertificateActionEnumType(OcppEnum):
    """Defines whether certificate needs to be installed or updated."""

    Install = "Install"
    Update = "Update"


class CertificateSignedStatusEnumType(OcppEnum):
    """Returns whether certificate signing has been accepted, otherwise rejected."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class CertificateSigningUseEnumType(OcppEnum):
    """Indicates the type of the signed certificate that is returned."""

    ChargingStationCertificate = "ChargingStationCertificate"
    V2GCertificate = "V2GCertificate"


class ChangeAvailabilityStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to perform the availability change."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Scheduled = "Scheduled"


class ChargingLimitSourceEnumType(OcppEnum):
    """Source of the charging limit."""

    EMS = "EMS"
    Other = "Other"
    SO = "SO"
    CSO = "CSO"


class ChargingProfileKindEnumType(OcppEnum):
    """Indicates the kind of schedule."""

    Absolute = "Absolute"
    Recurring = "Recurring"
    Relative = "Relative"


class ChargingProfilePurposeEnumType(OcppEnum):
    """Defines the purpose of the schedule transferred by this profile"""

    ChargingStationExternalConstraints = "ChargingStationExternalConstraints"
    ChargingStationMaxProfile = "ChargingStationMaxProfile"
    TxDefaultProfile = "TxDefaultProfile"
    TxProfile = "TxProfile"


class ChargingProfileStatusEnumType(OcppEnum):
    """Returns whether the Charging Station has been able to process the message successfully."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class ChargingRateUnitEnumType(OcppEnum):
    """The unit of measure Limit is expressed in."""

    W = "W"
    A = "A"


class ChargingStateEnumType(OcppEnum):
    """Current charging state, is required when state"""

    Charging = "Charging"
    EVConnected = "EVConnected"
    SuspendedEV = "SuspendedEV"
    SuspendedEVSE = "SuspendedEVSE"
    Idle = "Idle"


class ClearCacheStatusEnumType(OcppEnum):
    """Accepted if the Charging Station has executed the request, otherwise rejected."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class ClearChargingProfileStatusEnumType(OcppEnum):
    """Indicates if the Charging Station was able to execute the request."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class ClearMessageStatusEnumType(OcppEnum):
    """Returns whether the Charging Station has been able to remove the message."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class ClearMonitoringStatusEnumType(OcppEnum):
    """Result of the clear request for this monitor, identified by its Id."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotFound = "NotFound"


class ComponentCriterionEnumType(OcppEnum):
    """OCPP 2.0.1 data type ComponentCriterionEnumType."""

    Active = "Active"
    Available = "Available"
    Enabled = "Enabled"
    Problem = "Problem"


class ConnectorEnumType(OcppEnum):
    """This field specifies the connector type."""

    cCCS1 = "cCCS1"
    cCCS2 = "cCCS2"
    cG105 = "cG105"
    cTesla = "cTesla"
    cType1 = "cType1"
    cType2 = "cType2"
    s309_1P_16A = "s309-1P-16A"
    s309_1P_32A = "s309-1P-32A"
    s309_3P_16A = "s309-3P-16A"
    s309_3P_32A = "s309-3P-32A"
    sBS1361 = "sBS1361"
    sCEE_7_7 = "sCEE-7-7"
    sType2 = "sType2"
    sType3 = "sType3"
    Other1PhMax16A = "Other1PhMax16A"
    Other1PhOver16A = "Other1PhOver16A"
    Other3Ph = "Other3Ph"
    Pan = "Pan"
    wInductive = "wInductive"
    wResonant = "wResonant"
    Undetermined = "Undetermined"
    Unknown = "Unknown"


class ConnectorStatusEnumType(OcppEnum):
    """This contains the current status of the Connector."""

    Available = "Available"
    Occupied = "Occupied"
    Reserved = "Reserved"
    Unavailable = "Unavailable"
    Faulted = "Faulted"


class CostKindEnumType(OcppEnum):
    """The kind of cost referred to in the message element amount"""

    CarbonDioxideEmission = "CarbonDioxideEmission"
    RelativePricePercentage = "RelativePricePercentage"
    RenewableGenerationPercentage = "RenewableGenerationPercentage"


class CustomerInformationStatusEnumType(OcppEnum):
    """Indicates whether the request was accepted."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Invalid = "Invalid"


class DataEnumType(OcppEnum):
    """Data type of this variable."""

    string = "string"
    decimal = "decimal"
    integer = "integer"
    dateTime = "dateTime"
    boolean = "boolean"
    OptionList = "OptionList"
    SequenceList = "SequenceList"
    MemberList = "MemberList"


class DataTransferStatusEnumType(OcppEnum):
    """This indicates the success or failure of the data transfer."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownMessageId = "UnknownMessageId"
    UnknownVendorId = "UnknownVendorId"


class DeleteCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if it can process the request."""

    Accepted = "Accepted"
    Failed = "Failed"
    NotFound = "NotFound"


class DisplayMessageStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to display the message."""

    Accepted = "Accepted"
    NotSupportedMessageFormat = "NotSupportedMessageFormat"
    Rejected = "Rejected"
    NotSupportedPriority = "NotSupportedPriority"
    NotSupportedState = "NotSupportedState"
    UnknownTransaction = "UnknownTransaction"


class EnergyTransferModeEnumType(OcppEnum):
    """Mode of energy transfer requested by the EV."""

    DC = "DC"
    AC_single_phase = "AC_single_phase"
    AC_two_phase = "AC_two_phase"
    AC_three_phase = "AC_three_phase"


class EventNotificationEnumType(OcppEnum):
    """Specifies the event notification type of the message."""

    HardWiredNotification = "HardWiredNotification"
    HardWiredMonitor = "HardWiredMonitor"
    PreconfiguredMonitor = "PreconfiguredMonitor"
    CustomMonitor = "CustomMonitor"


class EventTriggerEnumType(OcppEnum):
    """Type of monitor that triggered this event, e.g. exceeding a threshold value."""

    Alerting = "Alerting"
    Delta = "Delta"
    Periodic = "Periodic"


class FirmwareStatusEnumType(OcppEnum):
    """This contains the progress status of the firmware installation."""

    Downloaded = "Downloaded"
    DownloadFailed = "DownloadFailed"
    Downloading = "Downloading"
    DownloadScheduled = "DownloadScheduled"
    DownloadPaused = "DownloadPaused"
    Idle = "Idle"
    InstallationFailed = "InstallationFailed"
    Installing = "Installing"
    Installed = "Installed"
    InstallRebooting = "InstallRebooting"
    InstallScheduled = "InstallScheduled"
    InstallVerificationFailed = "InstallVerificationFailed"
    InvalidSignature = "InvalidSignature"
    SignatureVerified = "SignatureVerified"


class GenericDeviceModelStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotSupported = "NotSupported"
    EmptyResultSet = "EmptyResultSet"


class GenericStatusEnumType(OcppEnum):
    """The Charging Station will indicate if it was"""

    Accepted = "Accepted"
    Rejected = "Rejected"


class GetCertificateIdUseEnumType(OcppEnum):
    """OCPP 2.0.1 data type GetCertificateIdUseEnumType."""

    V2GRootCertificate = "V2GRootCertificate"
    MORootCertificate = "MORootCertificate"
    CSMSRootCertificate = "CSMSRootCertificate"
    V2GCertificateChain = "V2GCertificateChain"
    ManufacturerRootCertificate = "ManufacturerRootCertificate"


class GetCertificateStatusEnumType(OcppEnum):
    """This indicates whether the charging station was able to retrieve the OCSP certificate..."""

    Accepted = "Accepted"
    Failed = "Failed"


class GetChargingProfileStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to process this request and will..."""

    Accepted = "Accepted"
    NoProfiles = "NoProfiles"


class GetDisplayMessagesStatusEnumType(OcppEnum):
    """Indicates if the Charging Station has Display Messages that match the request criteria..."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class GetInstalledCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if it can process the request."""

    Accepted = "Accepted"
    NotFound = "NotFound"


class GetVariableStatusEnumType(OcppEnum):
    """Result status of getting the variable."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"


class HashAlgorithmEnumType(OcppEnum):
    """Used algorithms for the hashes provided."""

    SHA256 = "SHA256"
    SHA384 = "SHA384"
    SHA512 = "SHA512"


class IdTokenEnumType(OcppEnum):
    """Enumeration of possible idToken types."""

    Central = "Central"
    eMAID = "eMAID"
    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KeyCode = "KeyCode"
    Local = "Local"
    MacAddress = "MacAddress"
    NoAuthorization = "NoAuthorization"


class InstallCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if installation was successful."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Failed = "Failed"


class InstallCertificateUseEnumType(OcppEnum):
    """Indicates the certificate type that is sent."""

    V2GRootCertificate = "V2GRootCertificate"
    MORootCertificate = "MORootCertificate"
    CSMSRootCertificate = "CSMSRootCertificate"
    ManufacturerRootCertificate = "ManufacturerRootCertificate"


class Iso15118EVCertificateStatusEnumType(OcppEnum):
    """Indicates whether the message was processed properly."""

    Accepted = "Accepted"
    Failed = "Failed"


class LocationEnumType(OcppEnum):
    """Indicates where the measured value has been sampled. Default = "Outlet" """

    Body = "Body"
    Cable = "Cable"
    EV = "EV"
    Inlet = "Inlet"
    Outlet = "Outlet"


class LogEnumType(OcppEnum):
    """This contains the type of log file that the Charging Station"""

    DiagnosticsLog = "DiagnosticsLog"
    SecurityLog = "SecurityLog"


class LogStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    AcceptedCanceled = "AcceptedCanceled"


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


class MessageFormatEnumType(OcppEnum):
    """Format of the message."""

    ASCII = "ASCII"
    HTML = "HTML"
    URI = "URI"
    UTF8 = "UTF8"


class MessagePriorityEnumType(OcppEnum):
    """With what priority should this message be shown"""

    AlwaysFront = "AlwaysFront"
    InFront = "InFront"
    NormalCycle = "NormalCycle"


class MessageStateEnumType(OcppEnum):
    """During what state should this message be shown."""

    Charging = "Charging"
    Faulted = "Faulted"
    Idle = "Idle"
    Unavailable = "Unavailable"


class MessageTriggerEnumType(OcppEnum):
    """Type of message to be triggered."""

    BootNotification = "BootNotification"
    LogStatusNotification = "LogStatusNotification"
    FirmwareStatusNotification = "FirmwareStatusNotification"
    Heartbeat = "Heartbeat"
    MeterValues = "MeterValues"
    SignChargingStationCertificate = "SignChargingStationCertificate"
    SignV2GCertificate = "SignV2GCertificate"
    StatusNotification = "StatusNotification"
    TransactionEvent = "TransactionEvent"
    SignCombinedCertificate = "SignCombinedCertificate"
    PublishFirmwareStatusNotification = "PublishFirmwareStatusNotification"


class MonitorEnumType(OcppEnum):
    """The type of this monitor, e.g. a threshold, delta or periodic monitor."""

    UpperThreshold = "UpperThreshold"
    LowerThreshold = "LowerThreshold"
    Delta = "Delta"
    Periodic = "Periodic"
    PeriodicClockAligned = "PeriodicClockAligned"


class MonitoringBaseEnumType(OcppEnum):
    """Specify which monitoring base will be set"""

    All = "All"
    FactoryDefault = "FactoryDefault"
    HardWiredOnly = "HardWiredOnly"


class MonitoringCriterionEnumType(OcppEnum):
    """OCPP 2.0.1 data type MonitoringCriterionEnumType."""

    ThresholdMonitoring = "ThresholdMonitoring"
    DeltaMonitoring = "DeltaMonitoring"
    PeriodicMonitoring = "PeriodicMonitoring"


class MutabilityEnumType(OcppEnum):
    """Defines the mutability of this attribute. Default is ReadWrite when omitted."""

    ReadOnly = "ReadOnly"
    WriteOnly = "WriteOnly"
    ReadWrite = "ReadWrite"


class NotifyEVChargingNeedsStatusEnumType(OcppEnum):
    """Returns whether the CSMS has been able to process the message successfully."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Processing = "Processing"


class OCPPInterfaceEnumType(OcppEnum):
    """Applicable Network Interface."""

    Wired0 = "Wired0"
    Wired1 = "Wired1"
    Wired2 = "Wired2"
    Wired3 = "Wired3"
    Wireless0 = "Wireless0"
    Wireless1 = "Wireless1"
    Wireless2 = "Wireless2"
    Wireless3 = "Wireless3"


class OCPPTransportEnumType(OcppEnum):
    """Defines the transport protocol (e.g."""

    JSON = "JSON"
    SOAP = "SOAP"


class OCPPVersionEnumType(OcppEnum):
    """Defines the OCPP version used for this communication function."""

    OCPP12 = "OCPP12"
    OCPP15 = "OCPP15"
    OCPP16 = "OCPP16"
    OCPP20 = "OCPP20"


class OperationalStatusEnumType(OcppEnum):
    """This contains the type of availability change that the Charging Station should perform."""

    Inoperative = "Inoperative"
    Operative = "Operative"


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


class PublishFirmwareStatusEnumType(OcppEnum):
    """This contains the progress status of the publishfirmware"""

    Idle = "Idle"
    DownloadScheduled = "DownloadScheduled"
    Downloading = "Downloading"
    Downloaded = "Downloaded"
    Published = "Published"
    DownloadFailed = "DownloadFailed"
    DownloadPaused = "DownloadPaused"
    InvalidChecksum = "InvalidChecksum"
    ChecksumVerified = "ChecksumVerified"
    PublishFailed = "PublishFailed"


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


class RecurrencyKindEnumType(OcppEnum):
    """Indicates the start point of a recurrence."""

    Daily = "Daily"
    Weekly = "Weekly"


class RegistrationStatusEnumType(OcppEnum):
    """This contains whether the Charging Station has been registered"""

    Accepted = "Accepted"
    Pending = "Pending"
    Rejected = "Rejected"


class ReportBaseEnumType(OcppEnum):
    """This field specifies the report base."""

    ConfigurationInventory = "ConfigurationInventory"
    FullInventory = "FullInventory"
    SummaryInventory = "SummaryInventory"


class RequestStartStopStatusEnumType(OcppEnum):
    """Status indicating whether the Charging Station accepts the request to start a transaction."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class ReservationUpdateStatusEnumType(OcppEnum):
    """The updated reservation status."""

    Expired = "Expired"
    Removed = "Removed"


class ReserveNowStatusEnumType(OcppEnum):
    """This indicates the success or failure of the reservation."""

    Accepted = "Accepted"
    Faulted = "Faulted"
    Occupied = "Occupied"
    Rejected = "Rejected"
    Unavailable = "Unavailable"


class ResetEnumType(OcppEnum):
    """This contains the type of reset that the Charging Station or EVSE should perform."""

    Immediate = "Immediate"
    OnIdle = "OnIdle"


class ResetStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to perform the reset."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Scheduled = "Scheduled"


class SendLocalListStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station has successfully received and applied the..."""

    Accepted = "Accepted"
    Failed = "Failed"
    VersionMismatch = "VersionMismatch"


class SetMonitoringStatusEnumType(OcppEnum):
    """Status is OK if a value could be returned."""

    Accepted = "Accepted"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    UnsupportedMonitorType = "UnsupportedMonitorType"
    Rejected = "Rejected"
    Duplicate = "Duplicate"


class SetNetworkProfileStatusEnumType(OcppEnum):
    """Result of operation."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Failed = "Failed"


class SetVariableStatusEnumType(OcppEnum):
    """Result status of setting the variable."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"
    RebootRequired = "RebootRequired"


class TransactionEventEnumType(OcppEnum):
    """This contains the type of this event."""

    Ended = "Ended"
    Started = "Started"
    Updated = "Updated"


class TriggerMessageStatusEnumType(OcppEnum):
    """Indicates whether the Charging Station will send the requested notification or not."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotImplemented = "NotImplemented"


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


class UnlockStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station has unlocked the connector."""

    Unlocked = "Unlocked"
    UnlockFailed = "UnlockFailed"
    OngoingAuthorizedTransaction = "OngoingAuthorizedTransaction"
    UnknownConnector = "UnknownConnector"


class UnpublishFirmwareStatusEnumType(OcppEnum):
    """Indicates whether the Local Controller succeeded in unpublishing the firmware."""

    DownloadOngoing = "DownloadOngoing"
    NoFirmware = "NoFirmware"
    Unpublished = "Unpublished"


class UpdateEnumType(OcppEnum):
    """This contains the type of update (full or differential) of this request."""

    Differential = "Differential"
    Full = "Full"


class UpdateFirmwareStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    AcceptedCanceled = "AcceptedCanceled"
    InvalidCertificate = "InvalidCertificate"
    RevokedCertificate = "RevokedCertificate"


class UploadLogStatusEnumType(OcppEnum):
    """This contains the status of the log upload."""

    BadMessage = "BadMessage"
    Idle = "Idle"
    NotSupportedOperation = "NotSupportedOperation"
    PermissionDenied = "PermissionDenied"
    Uploaded = "Uploaded"
    UploadFailure = "UploadFailure"
    Uploading = "Uploading"
    AcceptedCanceled = "AcceptedCanceled"


class VPNEnumType(OcppEnum):
    """Type of VPN"""

    IKEv2 = "IKEv2"
    IPSec = "IPSec"
    L2TP = "L2TP"
    PPTP = "PPTP"


class CustomDataType(OcppType):
    """This class does not get 'AdditionalProperties = false' in the schema generation, so it..."""

    model_config = ConfigDict(extra="allow")

    vendor_id: str = Field(
        validation_alias="vendorId",
        serialization_alias="vendorId",
        max_length=255,
    )


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


class APNType(OcppType):
    """APN"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    apn: str = Field(max_length=512)
    apn_user_name: Omittable[str] = Field(
        default=None,
        validation_alias="apnUserName",
        serialization_alias="apnUserName",
        max_length=20,
    )
    apn_password: Omittable[str] = Field(
        default=None,
        validation_alias="apnPassword",
        serialization_alias="apnPassword",
        max_length=20,
    )
    sim_pin: Omittable[int] = Field(
        default=None,
        validation_alias="simPin",
        serialization_alias="simPin",
    )
    preferred_network: Omittable[str] = Field(
        default=None,
        validation_alias="preferredNetwork",
        serialization_alias="preferredNetwork",
        max_length=6,
    )
    use_only_preferred_network: Omittable[bool] = Field(
        default=None,
        validation_alias="useOnlyPreferredNetwork",
        serialization_alias="useOnlyPreferredNetwork",
    )
    apn_authentication: APNAuthenticationEnumType = Field(
        validation_alias="apnAuthentication",
        serialization_alias="apnAuthentication",
    )


class AdditionalInfoType(OcppType):
    """Contains a case insensitive identifier to use for the authorization and the type of..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    additional_id_token: str = Field(
        validation_alias="additionalIdToken",
        serialization_alias="additionalIdToken",
        max_length=36,
    )
    type: str = Field(max_length=50)


class CertificateHashDataType(OcppType):
    """OCPP 2.0.1 data type CertificateHashDataType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    hash_algorithm: HashAlgorithmEnumType = Field(
        validation_alias="hashAlgorithm",
        serialization_alias="hashAlgorithm",
    )
    issuer_name_hash: str = Field(
        validation_alias="issuerNameHash",
        serialization_alias="issuerNameHash",
        max_length=128,
    )
    issuer_key_hash: str = Field(
        validation_alias="issuerKeyHash",
        serialization_alias="issuerKeyHash",
        max_length=128,
    )
    serial_number: str = Field(
        validation_alias="serialNumber",
        serialization_alias="serialNumber",
        max_length=40,
    )


class CertificateHashDataChainType(OcppType):
    """OCPP 2.0.1 data type CertificateHashDataChainType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_hash_data: CertificateHashDataType = Field(
        validation_alias="certificateHashData",
        serialization_alias="certificateHashData",
    )
    certificate_type: GetCertificateIdUseEnumType = Field(
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )
    child_certificate_hash_data: Omittable[list[CertificateHashDataType]] = Field(
        default=None,
        validation_alias="childCertificateHashData",
        serialization_alias="childCertificateHashData",
        min_length=1,
        max_length=4,
    )


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


class ChargingProfileCriterionType(OcppType):
    """A ChargingProfile consists of ChargingSchedule, describing the amount of power or..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_profile_purpose: Omittable[ChargingProfilePurposeEnumType] = Field(
        default=None,
        validation_alias="chargingProfilePurpose",
        serialization_alias="chargingProfilePurpose",
    )
    stack_level: Omittable[int] = Field(
        default=None,
        validation_alias="stackLevel",
        serialization_alias="stackLevel",
    )
    charging_profile_id: Omittable[list[int]] = Field(
        default=None,
        validation_alias="chargingProfileId",
        serialization_alias="chargingProfileId",
        min_length=1,
    )
    charging_limit_source: Omittable[list[ChargingLimitSourceEnumType]] = Field(
        default=None,
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
        min_length=1,
        max_length=4,
    )


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


class ClearChargingProfileType(OcppType):
    """A ChargingProfile consists of a ChargingSchedule, describing the amount of power or..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    charging_profile_purpose: Omittable[ChargingProfilePurposeEnumType] = Field(
        default=None,
        validation_alias="chargingProfilePurpose",
        serialization_alias="chargingProfilePurpose",
    )
    stack_level: Omittable[int] = Field(
        default=None,
        validation_alias="stackLevel",
        serialization_alias="stackLevel",
    )


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


class EVSEType(OcppType):
    """EVSE"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    connector_id: Omittable[int] = Field(
        default=None,
        validation_alias="connectorId",
        serialization_alias="connectorId",
    )


class ComponentType(OcppType):
    """A physical or logical component"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    name: str = Field(max_length=50)
    instance: Omittable[str] = Field(default=None, max_length=50)


class FirmwareType(OcppType):
    """Firmware"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    location: str = Field(max_length=512)
    retrieve_date_time: DateTime = Field(
        validation_alias="retrieveDateTime",
        serialization_alias="retrieveDateTime",
    )
    install_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="installDateTime",
        serialization_alias="installDateTime",
    )
    signing_certificate: Omittable[str] = Field(
        default=None,
        validation_alias="signingCertificate",
        serialization_alias="signingCertificate",
        max_length=5500,
    )
    signature: Omittable[str] = Field(default=None, max_length=800)


class IdTokenType(OcppType):
    """Contains a case insensitive identifier to use for the authorization and the type of..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    additional_info: Omittable[list[AdditionalInfoType]] = Field(
        default=None,
        validation_alias="additionalInfo",
        serialization_alias="additionalInfo",
        min_length=1,
    )
    id_token: str = Field(validation_alias="idToken", serialization_alias="idToken", max_length=36)
    type: IdTokenEnumType


class LogParametersType(OcppType):
    """Log"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    remote_location: str = Field(
        validation_alias="remoteLocation",
        serialization_alias="remoteLocation",
        max_length=512,
    )
    oldest_timestamp: Omittable[DateTime] = Field(
        default=None,
        validation_alias="oldestTimestamp",
        serialization_alias="oldestTimestamp",
    )
    latest_timestamp: Omittable[DateTime] = Field(
        default=None,
        validation_alias="latestTimestamp",
        serialization_alias="latestTimestamp",
    )


class MessageContentType(OcppType):
    """Contains message details, for a message to be displayed on a Charging Station."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    format: MessageFormatEnumType
    language: Omittable[str] = Field(default=None, max_length=8)
    content: str = Field(max_length=512)


class IdTokenInfoType(OcppType):
    """Contains status information about an identifier."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: AuthorizationStatusEnumType
    cache_expiry_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="cacheExpiryDateTime",
        serialization_alias="cacheExpiryDateTime",
    )
    charging_priority: Omittable[int] = Field(
        default=None,
        validation_alias="chargingPriority",
        serialization_alias="chargingPriority",
    )
    language1: Omittable[str] = Field(default=None, max_length=8)
    evse_id: Omittable[list[int]] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
        min_length=1,
    )
    group_id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="groupIdToken",
        serialization_alias="groupIdToken",
    )
    language2: Omittable[str] = Field(default=None, max_length=8)
    personal_message: Omittable[MessageContentType] = Field(
        default=None,
        validation_alias="personalMessage",
        serialization_alias="personalMessage",
    )


class AuthorizationData(OcppType):
    """Contains the identifier to use for authorization."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    id_token_info: Omittable[IdTokenInfoType] = Field(
        default=None,
        validation_alias="idTokenInfo",
        serialization_alias="idTokenInfo",
    )


class MessageInfoType(OcppType):
    """Contains message details, for a message to be displayed on a Charging Station."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    display: Omittable[ComponentType] = None
    id: int
    priority: MessagePriorityEnumType
    state: Omittable[MessageStateEnumType] = None
    start_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="startDateTime",
        serialization_alias="startDateTime",
    )
    end_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="endDateTime",
        serialization_alias="endDateTime",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
    message: MessageContentType


class ModemType(OcppType):
    """Defines parameters required for initiating and maintaining wireless communication with..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    iccid: Omittable[str] = Field(default=None, max_length=20)
    imsi: Omittable[str] = Field(default=None, max_length=20)


class ChargingStationType(OcppType):
    """The physical system where an Electrical Vehicle (EV) can be charged."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    serial_number: Omittable[str] = Field(
        default=None,
        validation_alias="serialNumber",
        serialization_alias="serialNumber",
        max_length=25,
    )
    model: str = Field(max_length=20)
    modem: Omittable[ModemType] = None
    vendor_name: str = Field(
        validation_alias="vendorName",
        serialization_alias="vendorName",
        max_length=50,
    )
    firmware_version: Omittable[str] = Field(
        default=None,
        validation_alias="firmwareVersion",
        serialization_alias="firmwareVersion",
        max_length=50,
    )


class OCSPRequestDataType(OcppType):
    """OCPP 2.0.1 data type OCSPRequestDataType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    hash_algorithm: HashAlgorithmEnumType = Field(
        validation_alias="hashAlgorithm",
        serialization_alias="hashAlgorithm",
    )
    issuer_name_hash: str = Field(
        validation_alias="issuerNameHash",
        serialization_alias="issuerNameHash",
        max_length=128,
    )
    issuer_key_hash: str = Field(
        validation_alias="issuerKeyHash",
        serialization_alias="issuerKeyHash",
        max_length=128,
    )
    serial_number: str = Field(
        validation_alias="serialNumber",
        serialization_alias="serialNumber",
        max_length=40,
    )
    responder_url: str = Field(
        validation_alias="responderURL",
        serialization_alias="responderURL",
        max_length=512,
    )


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


class StatusInfoType(OcppType):
    """Element providing more information about the status."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reason_code: str = Field(
        validation_alias="reasonCode",
        serialization_alias="reasonCode",
        max_length=20,
    )
    additional_info: Omittable[str] = Field(
        default=None,
        validation_alias="additionalInfo",
        serialization_alias="additionalInfo",
        max_length=512,
    )


class ClearMonitoringResultType(OcppType):
    """OCPP 2.0.1 data type ClearMonitoringResultType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearMonitoringStatusEnumType
    id: int
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


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


class VPNType(OcppType):
    """VPN"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    server: str = Field(max_length=512)
    user: str = Field(max_length=20)
    group: Omittable[str] = Field(default=None, max_length=20)
    password: str = Field(max_length=20)
    key: str = Field(max_length=255)
    type: VPNEnumType


class NetworkConnectionProfileType(OcppType):
    """The NetworkConnectionProfile defines the functional and technical parameters of a..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    apn: Omittable[APNType] = None
    ocpp_version: OCPPVersionEnumType = Field(
        validation_alias="ocppVersion",
        serialization_alias="ocppVersion",
    )
    ocpp_transport: OCPPTransportEnumType = Field(
        validation_alias="ocppTransport",
        serialization_alias="ocppTransport",
    )
    ocpp_csms_url: str = Field(
        validation_alias="ocppCsmsUrl",
        serialization_alias="ocppCsmsUrl",
        max_length=512,
    )
    message_timeout: int = Field(
        validation_alias="messageTimeout",
        serialization_alias="messageTimeout",
    )
    security_profile: int = Field(
        validation_alias="securityProfile",
        serialization_alias="securityProfile",
    )
    ocpp_interface: OCPPInterfaceEnumType = Field(
        validation_alias="ocppInterface",
        serialization_alias="ocppInterface",
    )
    vpn: Omittable[VPNType] = None


class VariableAttributeType(OcppType):
    """Attribute data of a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: Omittable[AttributeEnumType] = None
    value: Omittable[str] = Field(default=None, max_length=2500)
    mutability: Omittable[MutabilityEnumType] = None
    persistent: Omittable[bool] = None
    constant: Omittable[bool] = None


class VariableCharacteristicsType(OcppType):
    """Fixed read-only parameters of a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    unit: Omittable[str] = Field(default=None, max_length=16)
    data_type: DataEnumType = Field(validation_alias="dataType", serialization_alias="dataType")
    min_limit: Omittable[float] = Field(
        default=None,
        validation_alias="minLimit",
        serialization_alias="minLimit",
    )
    max_limit: Omittable[float] = Field(
        default=None,
        validation_alias="maxLimit",
        serialization_alias="maxLimit",
    )
    values_list: Omittable[str] = Field(
        default=None,
        validation_alias="valuesList",
        serialization_alias="valuesList",
        max_length=1000,
    )
    supports_monitoring: bool = Field(
        validation_alias="supportsMonitoring",
        serialization_alias="supportsMonitoring",
    )


class VariableMonitoringType(OcppType):
    """A monitoring setting for a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    transaction: bool
    value: float
    type: MonitorEnumType
    severity: int


class VariableType(OcppType):
    """Reference key to a component-variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    name: str = Field(max_length=50)
    instance: Omittable[str] = Field(default=None, max_length=50)


class ComponentVariableType(OcppType):
    """Class to report components, variables and variable attributes and characteristics."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: Omittable[VariableType] = None


class EventDataType(OcppType):
    """Class to report an event notification for a component-variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    event_id: int = Field(validation_alias="eventId", serialization_alias="eventId")
    timestamp: DateTime
    trigger: EventTriggerEnumType
    cause: Omittable[int] = None
    actual_value: str = Field(
        validation_alias="actualValue",
        serialization_alias="actualValue",
        max_length=2500,
    )
    tech_code: Omittable[str] = Field(
        default=None,
        validation_alias="techCode",
        serialization_alias="techCode",
        max_length=50,
    )
    tech_info: Omittable[str] = Field(
        default=None,
        validation_alias="techInfo",
        serialization_alias="techInfo",
        max_length=500,
    )
    cleared: Omittable[bool] = None
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
    component: ComponentType
    variable_monitoring_id: Omittable[int] = Field(
        default=None,
        validation_alias="variableMonitoringId",
        serialization_alias="variableMonitoringId",
    )
    event_notification_type: EventNotificationEnumType = Field(
        validation_alias="eventNotificationType",
        serialization_alias="eventNotificationType",
    )
    variable: VariableType


class GetVariableDataType(OcppType):
    """Class to hold parameters for GetVariables request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    component: ComponentType
    variable: VariableType


class GetVariableResultType(OcppType):
    """Class to hold results of GetVariables request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="attributeStatusInfo",
        serialization_alias="attributeStatusInfo",
    )
    attribute_status: GetVariableStatusEnumType = Field(
        validation_alias="attributeStatus",
        serialization_alias="attributeStatus",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    attribute_value: Omittable[str] = Field(
        default=None,
        validation_alias="attributeValue",
        serialization_alias="attributeValue",
        max_length=2500,
    )
    component: ComponentType
    variable: VariableType


class MonitoringDataType(OcppType):
    """Class to hold parameters of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: VariableType
    variable_monitoring: list[VariableMonitoringType] = Field(
        validation_alias="variableMonitoring",
        serialization_alias="variableMonitoring",
        min_length=1,
    )


class ReportDataType(OcppType):
    """Class to report components, variables and variable attributes and characteristics."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: VariableType
    variable_attribute: list[VariableAttributeType] = Field(
        validation_alias="variableAttribute",
        serialization_alias="variableAttribute",
        min_length=1,
        max_length=4,
    )
    variable_characteristics: Omittable[VariableCharacteristicsType] = Field(
        default=None,
        validation_alias="variableCharacteristics",
        serialization_alias="variableCharacteristics",
    )


class SetMonitoringDataType(OcppType):
    """Class to hold parameters of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[int] = None
    transaction: Omittable[bool] = None
    value: float
    type: MonitorEnumType
    severity: int
    component: ComponentType
    variable: VariableType


class SetMonitoringResultType(OcppType):
    """Class to hold result of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[int] = None
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    status: SetMonitoringStatusEnumType
    type: MonitorEnumType
    component: ComponentType
    variable: VariableType
    severity: int


class SetVariableDataType(OcppType):
    """OCPP 2.0.1 data type SetVariableDataType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    attribute_value: str = Field(
        validation_alias="attributeValue",
        serialization_alias="attributeValue",
        max_length=1000,
    )
    component: ComponentType
    variable: VariableType


class SetVariableResultType(OcppType):
    """OCPP 2.0.1 data type SetVariableResultType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    attribute_status: SetVariableStatusEnumType = Field(
        validation_alias="attributeStatus",
        serialization_alias="attributeStatus",
    )
    attribute_status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="attributeStatusInfo",
        serialization_alias="attributeStatusInfo",
    )
    component: ComponentType
    variable: VariableType


class AuthorizeRequest(Message):
    """Authorize CALL payload."""

    ACTION: ClassVar[str] = "Authorize"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    certificate: Omittable[str] = Field(default=None, max_length=5500)
    iso15118_certificate_hash_data: Omittable[list[OCSPRequestDataType]] = Field(
        default=None,
        validation_alias="iso15118CertificateHashData",
        serialization_alias="iso15118CertificateHashData",
        min_length=1,
        max_length=4,
    )


class AuthorizeResponse(Message):
    """Authorize CALLRESULT payload."""

    ACTION: ClassVar[str] = "Authorize"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token_info: IdTokenInfoType = Field(
        validation_alias="idTokenInfo",
        serialization_alias="idTokenInfo",
    )
    certificate_status: Omittable[AuthorizeCertificateStatusEnumType] = Field(
        default=None,
        validation_alias="certificateStatus",
        serialization_alias="certificateStatus",
    )


class BootNotificationRequest(Message):
    """BootNotification CALL payload."""

    ACTION: ClassVar[str] = "BootNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_station: ChargingStationType = Field(
        validation_alias="chargingStation",
        serialization_alias="chargingStation",
    )
    reason: BootReasonEnumType


class BootNotificationResponse(Message):
    """BootNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "BootNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    current_time: DateTime = Field(
        validation_alias="currentTime",
        serialization_alias="currentTime",
    )
    interval: int
    status: RegistrationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class CancelReservationRequest(Message):
    """CancelReservation CALL payload."""

    ACTION: ClassVar[str] = "CancelReservation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reservation_id: int = Field(
        validation_alias="reservationId",
        serialization_alias="reservationId",
    )


class CancelReservationResponse(Message):
    """CancelReservation CALLRESULT payload."""

    ACTION: ClassVar[str] = "CancelReservation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CancelReservationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class CertificateSignedRequest(Message):
    """CertificateSigned CALL payload."""

    ACTION: ClassVar[str] = "CertificateSigned"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_chain: str = Field(
        validation_alias="certificateChain",
        serialization_alias="certificateChain",
        max_length=10000,
    )
    certificate_type: Omittable[CertificateSigningUseEnumType] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )


class CertificateSignedResponse(Message):
    """CertificateSigned CALLRESULT payload."""

    ACTION: ClassVar[str] = "CertificateSigned"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CertificateSignedStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ChangeAvailabilityRequest(Message):
    """ChangeAvailability CALL payload."""

    ACTION: ClassVar[str] = "ChangeAvailability"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    operational_status: OperationalStatusEnumType = Field(
        validation_alias="operationalStatus",
        serialization_alias="operationalStatus",
    )


class ChangeAvailabilityResponse(Message):
    """ChangeAvailability CALLRESULT payload."""

    ACTION: ClassVar[str] = "ChangeAvailability"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ChangeAvailabilityStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ClearCacheRequest(Message):
    """ClearCache CALL payload."""

    ACTION: ClassVar[str] = "ClearCache"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class ClearCacheResponse(Message):
    """ClearCache CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearCache"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearCacheStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ClearChargingProfileRequest(Message):
    """ClearChargingProfile CALL payload."""

    ACTION: ClassVar[str] = "ClearChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_profile_id: Omittable[int] = Field(
        default=None,
        validation_alias="chargingProfileId",
        serialization_alias="chargingProfileId",
    )
    charging_profile_criteria: Omittable[ClearChargingProfileType] = Field(
        default=None,
        validation_alias="chargingProfileCriteria",
        serialization_alias="chargingProfileCriteria",
    )


class ClearChargingProfileResponse(Message):
    """ClearChargingProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ClearDisplayMessageRequest(Message):
    """ClearDisplayMessage CALL payload."""

    ACTION: ClassVar[str] = "ClearDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int


class ClearDisplayMessageResponse(Message):
    """ClearDisplayMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ClearVariableMonitoringRequest(Message):
    """ClearVariableMonitoring CALL payload."""

    ACTION: ClassVar[str] = "ClearVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: list[int] = Field(min_length=1)


class ClearVariableMonitoringResponse(Message):
    """ClearVariableMonitoring CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    clear_monitoring_result: list[ClearMonitoringResultType] = Field(
        validation_alias="clearMonitoringResult",
        serialization_alias="clearMonitoringResult",
        min_length=1,
    )


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


class CostUpdatedRequest(Message):
    """CostUpdated CALL payload."""

    ACTION: ClassVar[str] = "CostUpdated"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    total_cost: float = Field(validation_alias="totalCost", serialization_alias="totalCost")
    transaction_id: str = Field(
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class CostUpdatedResponse(Message):
    """CostUpdated CALLRESULT payload."""

    ACTION: ClassVar[str] = "CostUpdated"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class CustomerInformationRequest(Message):
    """CustomerInformation CALL payload."""

    ACTION: ClassVar[str] = "CustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    customer_certificate: Omittable[CertificateHashDataType] = Field(
        default=None,
        validation_alias="customerCertificate",
        serialization_alias="customerCertificate",
    )
    id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="idToken",
        serialization_alias="idToken",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    report: bool
    clear: bool
    customer_identifier: Omittable[str] = Field(
        default=None,
        validation_alias="customerIdentifier",
        serialization_alias="customerIdentifier",
        max_length=64,
    )


class CustomerInformationResponse(Message):
    """CustomerInformation CALLRESULT payload."""

    ACTION: ClassVar[str] = "CustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CustomerInformationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class DataTransferRequest(Message):
    """DataTransfer CALL payload."""

    ACTION: ClassVar[str] = "DataTransfer"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message_id: Omittable[str] = Field(
        default=None,
        validation_alias="messageId",
        serialization_alias="messageId",
        max_length=50,
    )
    data: Omittable[Any] = None
    vendor_id: str = Field(
        validation_alias="vendorId",
        serialization_alias="vendorId",
        max_length=255,
    )


class DataTransferResponse(Message):
    """DataTransfer CALLRESULT payload."""

    ACTION: ClassVar[str] = "DataTransfer"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DataTransferStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    data: Omittable[Any] = None


class DeleteCertificateRequest(Message):
    """DeleteCertificate CALL payload."""

    ACTION: ClassVar[str] = "DeleteCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_hash_data: CertificateHashDataType = Field(
        validation_alias="certificateHashData",
        serialization_alias="certificateHashData",
    )


class DeleteCertificateResponse(Message):
    """DeleteCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "DeleteCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DeleteCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class FirmwareStatusNotificationRequest(Message):
    """FirmwareStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "FirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: FirmwareStatusEnumType
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class FirmwareStatusNotificationResponse(Message):
    """FirmwareStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "FirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class Get15118EVCertificateRequest(Message):
    """Get15118EVCertificate CALL payload."""

    ACTION: ClassVar[str] = "Get15118EVCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    iso15118_schema_version: str = Field(
        validation_alias="iso15118SchemaVersion",
        serialization_alias="iso15118SchemaVersion",
        max_length=50,
    )
    action: CertificateActionEnumType
    exi_request: str = Field(
        validation_alias="exiRequest",
        serialization_alias="exiRequest",
        max_length=5600,
    )


class Get15118EVCertificateResponse(Message):
    """Get15118EVCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "Get15118EVCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: Iso15118EVCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    exi_response: str = Field(
        validation_alias="exiResponse",
        serialization_alias="exiResponse",
        max_length=7500,
    )


class GetBaseReportRequest(Message):
    """GetBaseReport CALL payload."""

    ACTION: ClassVar[str] = "GetBaseReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    report_base: ReportBaseEnumType = Field(
        validation_alias="reportBase",
        serialization_alias="reportBase",
    )


class GetBaseReportResponse(Message):
    """GetBaseReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetBaseReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericDeviceModelStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class GetCertificateStatusRequest(Message):
    """GetCertificateStatus CALL payload."""

    ACTION: ClassVar[str] = "GetCertificateStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ocsp_request_data: OCSPRequestDataType = Field(
        validation_alias="ocspRequestData",
        serialization_alias="ocspRequestData",
    )


class GetCertificateStatusResponse(Message):
    """GetCertificateStatus CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetCertificateStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    ocsp_result: Omittable[str] = Field(
        default=None,
        validation_alias="ocspResult",
        serialization_alias="ocspResult",
        max_length=5500,
    )


class GetChargingProfilesRequest(Message):
    """GetChargingProfiles CALL payload."""

    ACTION: ClassVar[str] = "GetChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    charging_profile: ChargingProfileCriterionType = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class GetChargingProfilesResponse(Message):
    """GetChargingProfiles CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
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


class GetDisplayMessagesRequest(Message):
    """GetDisplayMessages CALL payload."""

    ACTION: ClassVar[str] = "GetDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[list[int]] = Field(default=None, min_length=1)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    priority: Omittable[MessagePriorityEnumType] = None
    state: Omittable[MessageStateEnumType] = None


class GetDisplayMessagesResponse(Message):
    """GetDisplayMessages CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetDisplayMessagesStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class GetInstalledCertificateIdsRequest(Message):
    """GetInstalledCertificateIds CALL payload."""

    ACTION: ClassVar[str] = "GetInstalledCertificateIds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_type: Omittable[list[GetCertificateIdUseEnumType]] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
        min_length=1,
    )


class GetInstalledCertificateIdsResponse(Message):
    """GetInstalledCertificateIds CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetInstalledCertificateIds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetInstalledCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    certificate_hash_data_chain: Omittable[list[CertificateHashDataChainType]] = Field(
        default=None,
        validation_alias="certificateHashDataChain",
        serialization_alias="certificateHashDataChain",
        min_length=1,
    )


class GetLocalListVersionRequest(Message):
    """GetLocalListVersion CALL payload."""

    ACTION: ClassVar[str] = "GetLocalListVersion"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class GetLocalListVersionResponse(Message):
    """GetLocalListVersion CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetLocalListVersion"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    version_number: int = Field(
        validation_alias="versionNumber",
        serialization_alias="versionNumber",
    )


class GetLogRequest(Message):
    """GetLog CALL payload."""

    ACTION: ClassVar[str] = "GetLog"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    log: LogParametersType
    log_type: LogEnumType = Field(validation_alias="logType", serialization_alias="logType")
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    retries: Omittable[int] = None
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )


class GetLogResponse(Message):
    """GetLog CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetLog"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: LogStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    filename: Omittable[str] = Field(default=None, max_length=255)


class GetMonitoringReportRequest(Message):
    """GetMonitoringReport CALL payload."""

    ACTION: ClassVar[str] = "GetMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component_variable: Omittable[list[ComponentVariableType]] = Field(
        default=None,
        validation_alias="componentVariable",
        serialization_alias="componentVariable",
        min_length=1,
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    monitoring_criteria: Omittable[list[MonitoringCriterionEnumType]] = Field(
        default=None,
        validation_alias="monitoringCriteria",
        serialization_alias="monitoringCriteria",
        min_length=1,
        max_length=3,
    )


class GetMonitoringReportResponse(Message):
    """GetMonitoringReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericDeviceModelStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class GetReportRequest(Message):
    """GetReport CALL payload."""

    ACTION: ClassVar[str] = "GetReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component_variable: Omittable[list[ComponentVariableType]] = Field(
        default=None,
        validation_alias="componentVariable",
        serialization_alias="componentVariable",
        min_length=1,
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    component_criteria: Omittable[list[ComponentCriterionEnumType]] = Field(
        default=None,
        validation_alias="componentCriteria",
        serialization_alias="componentCriteria",
        min_length=1,
        max_length=4,
    )


class GetReportResponse(Message):
    """GetReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericDeviceModelStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class GetTransactionStatusRequest(Message):
    """GetTransactionStatus CALL payload."""

    ACTION: ClassVar[str] = "GetTransactionStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class GetTransactionStatusResponse(Message):
    """GetTransactionStatus CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetTransactionStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ongoing_indicator: Omittable[bool] = Field(
        default=None,
        validation_alias="ongoingIndicator",
        serialization_alias="ongoingIndicator",
    )
    messages_in_queue: bool = Field(
        validation_alias="messagesInQueue",
        serialization_alias="messagesInQueue",
    )


class GetVariablesRequest(Message):
    """GetVariables CALL payload."""

    ACTION: ClassVar[str] = "GetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    get_variable_data: list[GetVariableDataType] = Field(
        validation_alias="getVariableData",
        serialization_alias="getVariableData",
        min_length=1,
    )


class GetVariablesResponse(Message):
    """GetVariables CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    get_variable_result: list[GetVariableResultType] = Field(
        validation_alias="getVariableResult",
        serialization_alias="getVariableResult",
        min_length=1,
    )


class HeartbeatRequest(Message):
    """Heartbeat CALL payload."""

    ACTION: ClassVar[str] = "Heartbeat"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class HeartbeatResponse(Message):
    """Heartbeat CALLRESULT payload."""

    ACTION: ClassVar[str] = "Heartbeat"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    current_time: DateTime = Field(
        validation_alias="currentTime",
        serialization_alias="currentTime",
    )


class InstallCertificateRequest(Message):
    """InstallCertificate CALL payload."""

    ACTION: ClassVar[str] = "InstallCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_type: InstallCertificateUseEnumType = Field(
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )
    certificate: str = Field(max_length=5500)


class InstallCertificateResponse(Message):
    """InstallCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "InstallCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: InstallCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class LogStatusNotificationRequest(Message):
    """LogStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "LogStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UploadLogStatusEnumType
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class LogStatusNotificationResponse(Message):
    """LogStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "LogStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class MeterValuesRequest(Message):
    """MeterValues CALL payload."""

    ACTION: ClassVar[str] = "MeterValues"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    meter_value: list[MeterValueType] = Field(
        validation_alias="meterValue",
        serialization_alias="meterValue",
        min_length=1,
    )


class MeterValuesResponse(Message):
    """MeterValues CALLRESULT payload."""

    ACTION: ClassVar[str] = "MeterValues"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
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


class NotifyCustomerInformationRequest(Message):
    """NotifyCustomerInformation CALL payload."""

    ACTION: ClassVar[str] = "NotifyCustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    data: str = Field(max_length=512)
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")


class NotifyCustomerInformationResponse(Message):
    """NotifyCustomerInformation CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyCustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class NotifyDisplayMessagesRequest(Message):
    """NotifyDisplayMessages CALL payload."""

    ACTION: ClassVar[str] = "NotifyDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message_info: Omittable[list[MessageInfoType]] = Field(
        default=None,
        validation_alias="messageInfo",
        serialization_alias="messageInfo",
        min_length=1,
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    tbc: Omittable[bool] = None


class NotifyDisplayMessagesResponse(Message):
    """NotifyDisplayMessages CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyDisplayMessages"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
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


class NotifyEventRequest(Message):
    """NotifyEvent CALL payload."""

    ACTION: ClassVar[str] = "NotifyEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    event_data: list[EventDataType] = Field(
        validation_alias="eventData",
        serialization_alias="eventData",
        min_length=1,
    )


class NotifyEventResponse(Message):
    """NotifyEvent CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class NotifyMonitoringReportRequest(Message):
    """NotifyMonitoringReport CALL payload."""

    ACTION: ClassVar[str] = "NotifyMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    monitor: Omittable[list[MonitoringDataType]] = Field(default=None, min_length=1)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )


class NotifyMonitoringReportResponse(Message):
    """NotifyMonitoringReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class NotifyReportRequest(Message):
    """NotifyReport CALL payload."""

    ACTION: ClassVar[str] = "NotifyReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    report_data: Omittable[list[ReportDataType]] = Field(
        default=None,
        validation_alias="reportData",
        serialization_alias="reportData",
        min_length=1,
    )
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")


class NotifyReportResponse(Message):
    """NotifyReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class PublishFirmwareRequest(Message):
    """PublishFirmware CALL payload."""

    ACTION: ClassVar[str] = "PublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    location: str = Field(max_length=512)
    retries: Omittable[int] = None
    checksum: str = Field(max_length=32)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )


class PublishFirmwareResponse(Message):
    """PublishFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "PublishFirmware"

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


class PublishFirmwareStatusNotificationRequest(Message):
    """PublishFirmwareStatusNotification CALL payload."""

    ACTION: ClassVar[str] = "PublishFirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: PublishFirmwareStatusEnumType
    location: Omittable[list[Annotated[str, Field(max_length=512)]]] = Field(
        default=None,
        min_length=1,
    )
    request_id: Omittable[int] = Field(
        default=None,
        validation_alias="requestId",
        serialization_alias="requestId",
    )


class PublishFirmwareStatusNotificationResponse(Message):
    """PublishFirmwareStatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "PublishFirmwareStatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class ReportChargingProfilesRequest(Message):
    """ReportChargingProfiles CALL payload."""

    ACTION: ClassVar[str] = "ReportChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    charging_limit_source: ChargingLimitSourceEnumType = Field(
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
    )
    charging_profile: list[ChargingProfileType] = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
        min_length=1,
    )
    tbc: Omittable[bool] = None
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")


class ReportChargingProfilesResponse(Message):
    """ReportChargingProfiles CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReportChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class RequestStartTransactionRequest(Message):
    """RequestStartTransaction CALL payload."""

    ACTION: ClassVar[str] = "RequestStartTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    group_id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="groupIdToken",
        serialization_alias="groupIdToken",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    remote_start_id: int = Field(
        validation_alias="remoteStartId",
        serialization_alias="remoteStartId",
    )
    charging_profile: Omittable[ChargingProfileType] = Field(
        default=None,
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class RequestStartTransactionResponse(Message):
    """RequestStartTransaction CALLRESULT payload."""

    ACTION: ClassVar[str] = "RequestStartTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: RequestStartStopStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )


class RequestStopTransactionRequest(Message):
    """RequestStopTransaction CALL payload."""

    ACTION: ClassVar[str] = "RequestStopTransaction"

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


class RequestStopTransactionResponse(Message):
    """RequestStopTransaction CALLRESULT payload."""

    ACTION: ClassVar[str] = "RequestStopTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: RequestStartStopStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ReservationStatusUpdateRequest(Message):
    """ReservationStatusUpdate CALL payload."""

    ACTION: ClassVar[str] = "ReservationStatusUpdate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reservation_id: int = Field(
        validation_alias="reservationId",
        serialization_alias="reservationId",
    )
    reservation_update_status: ReservationUpdateStatusEnumType = Field(
        validation_alias="reservationUpdateStatus",
        serialization_alias="reservationUpdateStatus",
    )


class ReservationStatusUpdateResponse(Message):
    """ReservationStatusUpdate CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReservationStatusUpdate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class ReserveNowRequest(Message):
    """ReserveNow CALL payload."""

    ACTION: ClassVar[str] = "ReserveNow"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    expiry_date_time: DateTime = Field(
        validation_alias="expiryDateTime",
        serialization_alias="expiryDateTime",
    )
    connector_type: Omittable[ConnectorEnumType] = Field(
        default=None,
        validation_alias="connectorType",
        serialization_alias="connectorType",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    group_id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="groupIdToken",
        serialization_alias="groupIdToken",
    )


class ReserveNowResponse(Message):
    """ReserveNow CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReserveNow"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ReserveNowStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ResetRequest(Message):
    """Reset CALL payload."""

    ACTION: ClassVar[str] = "Reset"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: ResetEnumType
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )


class ResetResponse(Message):
    """Reset CALLRESULT payload."""

    ACTION: ClassVar[str] = "Reset"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ResetStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SecurityEventNotificationRequest(Message):
    """SecurityEventNotification CALL payload."""

    ACTION: ClassVar[str] = "SecurityEventNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: str = Field(max_length=50)
    timestamp: DateTime
    tech_info: Omittable[str] = Field(
        default=None,
        validation_alias="techInfo",
        serialization_alias="techInfo",
        max_length=255,
    )


class SecurityEventNotificationResponse(Message):
    """SecurityEventNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "SecurityEventNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class SendLocalListRequest(Message):
    """SendLocalList CALL payload."""

    ACTION: ClassVar[str] = "SendLocalList"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    local_authorization_list: Omittable[list[AuthorizationData]] = Field(
        default=None,
        validation_alias="localAuthorizationList",
        serialization_alias="localAuthorizationList",
        min_length=1,
    )
    version_number: int = Field(
        validation_alias="versionNumber",
        serialization_alias="versionNumber",
    )
    update_type: UpdateEnumType = Field(
        validation_alias="updateType",
        serialization_alias="updateType",
    )


class SendLocalListResponse(Message):
    """SendLocalList CALLRESULT payload."""

    ACTION: ClassVar[str] = "SendLocalList"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: SendLocalListStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SetChargingProfileRequest(Message):
    """SetChargingProfile CALL payload."""

    ACTION: ClassVar[str] = "SetChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    charging_profile: ChargingProfileType = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class SetChargingProfileResponse(Message):
    """SetChargingProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SetDisplayMessageRequest(Message):
    """SetDisplayMessage CALL payload."""

    ACTION: ClassVar[str] = "SetDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    message: MessageInfoType


class SetDisplayMessageResponse(Message):
    """SetDisplayMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetDisplayMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DisplayMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SetMonitoringBaseRequest(Message):
    """SetMonitoringBase CALL payload."""

    ACTION: ClassVar[str] = "SetMonitoringBase"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    monitoring_base: MonitoringBaseEnumType = Field(
        validation_alias="monitoringBase",
        serialization_alias="monitoringBase",
    )


class SetMonitoringBaseResponse(Message):
    """SetMonitoringBase CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetMonitoringBase"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericDeviceModelStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SetMonitoringLevelRequest(Message):
    """SetMonitoringLevel CALL payload."""

    ACTION: ClassVar[str] = "SetMonitoringLevel"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    severity: int


class SetMonitoringLevelResponse(Message):
    """SetMonitoringLevel CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetMonitoringLevel"

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


class SetNetworkProfileRequest(Message):
    """SetNetworkProfile CALL payload."""

    ACTION: ClassVar[str] = "SetNetworkProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    configuration_slot: int = Field(
        validation_alias="configurationSlot",
        serialization_alias="configurationSlot",
    )
    connection_data: NetworkConnectionProfileType = Field(
        validation_alias="connectionData",
        serialization_alias="connectionData",
    )


class SetNetworkProfileResponse(Message):
    """SetNetworkProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetNetworkProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: SetNetworkProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class SetVariableMonitoringRequest(Message):
    """SetVariableMonitoring CALL payload."""

    ACTION: ClassVar[str] = "SetVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_monitoring_data: list[SetMonitoringDataType] = Field(
        validation_alias="setMonitoringData",
        serialization_alias="setMonitoringData",
        min_length=1,
    )


class SetVariableMonitoringResponse(Message):
    """SetVariableMonitoring CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_monitoring_result: list[SetMonitoringResultType] = Field(
        validation_alias="setMonitoringResult",
        serialization_alias="setMonitoringResult",
        min_length=1,
    )


class SetVariablesRequest(Message):
    """SetVariables CALL payload."""

    ACTION: ClassVar[str] = "SetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_variable_data: list[SetVariableDataType] = Field(
        validation_alias="setVariableData",
        serialization_alias="setVariableData",
        min_length=1,
    )


class SetVariablesResponse(Message):
    """SetVariables CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_variable_result: list[SetVariableResultType] = Field(
        validation_alias="setVariableResult",
        serialization_alias="setVariableResult",
        min_length=1,
    )


class SignCertificateRequest(Message):
    """SignCertificate CALL payload."""

    ACTION: ClassVar[str] = "SignCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    csr: str = Field(max_length=5500)
    certificate_type: Omittable[CertificateSigningUseEnumType] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )


class SignCertificateResponse(Message):
    """SignCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "SignCertificate"

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


class StatusNotificationRequest(Message):
    """StatusNotification CALL payload."""

    ACTION: ClassVar[str] = "StatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    timestamp: DateTime
    connector_status: ConnectorStatusEnumType = Field(
        validation_alias="connectorStatus",
        serialization_alias="connectorStatus",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    connector_id: int = Field(validation_alias="connectorId", serialization_alias="connectorId")


class StatusNotificationResponse(Message):
    """StatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "StatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
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


class TriggerMessageRequest(Message):
    """TriggerMessage CALL payload."""

    ACTION: ClassVar[str] = "TriggerMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    requested_message: MessageTriggerEnumType = Field(
        validation_alias="requestedMessage",
        serialization_alias="requestedMessage",
    )


class TriggerMessageResponse(Message):
    """TriggerMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "TriggerMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: TriggerMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class UnlockConnectorRequest(Message):
    """UnlockConnector CALL payload."""

    ACTION: ClassVar[str] = "UnlockConnector"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    connector_id: int = Field(validation_alias="connectorId", serialization_alias="connectorId")


class UnlockConnectorResponse(Message):
    """UnlockConnector CALLRESULT payload."""

    ACTION: ClassVar[str] = "UnlockConnector"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UnlockStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class UnpublishFirmwareRequest(Message):
    """UnpublishFirmware CALL payload."""

    ACTION: ClassVar[str] = "UnpublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    checksum: str = Field(max_length=32)


class UnpublishFirmwareResponse(Message):
    """UnpublishFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "UnpublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UnpublishFirmwareStatusEnumType


class UpdateFirmwareRequest(Message):
    """UpdateFirmware CALL payload."""

    ACTION: ClassVar[str] = "UpdateFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    retries: Omittable[int] = None
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    firmware: FirmwareType


class UpdateFirmwareResponse(Message):
    """UpdateFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "UpdateFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UpdateFirmwareStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


ACTIONS: frozenset[str] = frozenset(
    {
        "Authorize",
        "BootNotification",
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "ClearedChargingLimit",
        "CostUpdated",
        "CustomerInformation",
        "DataTransfer",
        "DeleteCertificate",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetBaseReport",
        "GetCertificateStatus",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "Heartbeat",
        "InstallCertificate",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmware",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReservationStatusUpdate",
        "ReserveNow",
        "Reset",
        "SecurityEventNotification",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)

REQUESTS: dict[str, type[Message]] = {
    "Authorize": AuthorizeRequest,
    "BootNotification": BootNotificationRequest,
    "CancelReservation": CancelReservationRequest,
    "CertificateSigned": CertificateSignedRequest,
    "ChangeAvailability": ChangeAvailabilityRequest,
    "ClearCache": ClearCacheRequest,
    "ClearChargingProfile": ClearChargingProfileRequest,
    "ClearDisplayMessage": ClearDisplayMessageRequest,
    "ClearVariableMonitoring": ClearVariableMonitoringRequest,
    "ClearedChargingLimit": ClearedChargingLimitRequest,
    "CostUpdated": CostUpdatedRequest,
    "CustomerInformation": CustomerInformationRequest,
    "DataTransfer": DataTransferRequest,
    "DeleteCertificate": DeleteCertificateRequest,
    "FirmwareStatusNotification": FirmwareStatusNotificationRequest,
    "Get15118EVCertificate": Get15118EVCertificateRequest,
    "GetBaseReport": GetBaseReportRequest,
    "GetCertificateStatus": GetCertificateStatusRequest,
    "GetChargingProfiles": GetChargingProfilesRequest,
    "GetCompositeSchedule": GetCompositeScheduleRequest,
    "GetDisplayMessages": GetDisplayMessagesRequest,
    "GetInstalledCertificateIds": GetInstalledCertificateIdsRequest,
    "GetLocalListVersion": GetLocalListVersionRequest,
    "GetLog": GetLogRequest,
    "GetMonitoringReport": GetMonitoringReportRequest,
    "GetReport": GetReportRequest,
    "GetTransactionStatus": GetTransactionStatusRequest,
    "GetVariables": GetVariablesRequest,
    "Heartbeat": HeartbeatRequest,
    "InstallCertificate": InstallCertificateRequest,
    "LogStatusNotification": LogStatusNotificationRequest,
    "MeterValues": MeterValuesRequest,
    "NotifyChargingLimit": NotifyChargingLimitRequest,
    "NotifyCustomerInformation": NotifyCustomerInformationRequest,
    "NotifyDisplayMessages": NotifyDisplayMessagesRequest,
    "NotifyEVChargingNeeds": NotifyEVChargingNeedsRequest,
    "NotifyEVChargingSchedule": NotifyEVChargingScheduleRequest,
    "NotifyEvent": NotifyEventRequest,
    "NotifyMonitoringReport": NotifyMonitoringReportRequest,
    "NotifyReport": NotifyReportRequest,
    "PublishFirmware": PublishFirmwareRequest,
    "PublishFirmwareStatusNotification": PublishFirmwareStatusNotificationRequest,
    "ReportChargingProfiles": ReportChargingProfilesRequest,
    "RequestStartTransaction": RequestStartTransactionRequest,
    "RequestStopTransaction": RequestStopTransactionRequest,
    "ReservationStatusUpdate": ReservationStatusUpdateRequest,
    "ReserveNow": ReserveNowRequest,
    "Reset": ResetRequest,
    "SecurityEventNotification": SecurityEventNotificationRequest,
    "SendLocalList": SendLocalListRequest,
    "SetChargingProfile": SetChargingProfileRequest,
    "SetDisplayMessage": SetDisplayMessageRequest,
    "SetMonitoringBase": SetMonitoringBaseRequest,
    "SetMonitoringLevel": SetMonitoringLevelRequest,
    "SetNetworkProfile": SetNetworkProfileRequest,
    "SetVariableMonitoring": SetVariableMonitoringRequest,
    "SetVariables": SetVariablesRequest,
    "SignCertificate": SignCertificateRequest,
    "StatusNotification": StatusNotificationRequest,
    "TransactionEvent": TransactionEventRequest,
    "TriggerMessage": TriggerMessageRequest,
    "UnlockConnector": UnlockConnectorRequest,
    "UnpublishFirmware": UnpublishFirmwareRequest,
    "UpdateFirmware": UpdateFirmwareRequest,
}

RESPONSES: dict[str, type[Message]] = {
    "Authorize": AuthorizeResponse,
    "BootNotification": BootNotificationResponse,
    "CancelReservation": CancelReservationResponse,
    "CertificateSigned": CertificateSignedResponse,
    "ChangeAvailability": ChangeAvailabilityResponse,
    "ClearCache": ClearCacheResponse,
    "ClearChargingProfile": ClearChargingProfileResponse,
    "ClearDisplayMessage": ClearDisplayMessageResponse,
    "ClearVariableMonitoring": ClearVariableMonitoringResponse,
    "ClearedChargingLimit": ClearedChargingLimitResponse,
    "CostUpdated": CostUpdatedResponse,
    "CustomerInformation": CustomerInformationResponse,
    "DataTransfer": DataTransferResponse,
    "DeleteCertificate": DeleteCertificateResponse,
    "FirmwareStatusNotification": FirmwareStatusNotificationResponse,
    "Get15118EVCertificate": Get15118EVCertificateResponse,
    "GetBaseReport": GetBaseReportResponse,
    "GetCertificateStatus": GetCertificateStatusResponse,
    "GetChargingProfiles": GetChargingProfilesResponse,
    "GetCompositeSchedule": GetCompositeScheduleResponse,
    "GetDisplayMessages": GetDisplayMessagesResponse,
    "GetInstalledCertificateIds": GetInstalledCertificateIdsResponse,
    "GetLocalListVersion": GetLocalListVersionResponse,
    "GetLog": GetLogResponse,
    "GetMonitoringReport": GetMonitoringReportResponse,
    "GetReport": GetReportResponse,
    "GetTransactionStatus": GetTransactionStatusResponse,
    "GetVariables": GetVariablesResponse,
    "Heartbeat": HeartbeatResponse,
    "InstallCertificate": InstallCertificateResponse,
    "LogStatusNotification": LogStatusNotificationResponse,
    "MeterValues": MeterValuesResponse,
    "NotifyChargingLimit": NotifyChargingLimitResponse,
    "NotifyCustomerInformation": NotifyCustomerInformationResponse,
    "NotifyDisplayMessages": NotifyDisplayMessagesResponse,
    "NotifyEVChargingNeeds": NotifyEVChargingNeedsResponse,
    "NotifyEVChargingSchedule": NotifyEVChargingScheduleResponse,
    "NotifyEvent": NotifyEventResponse,
    "NotifyMonitoringReport": NotifyMonitoringReportResponse,
    "NotifyReport": NotifyReportResponse,
    "PublishFirmware": PublishFirmwareResponse,
    "PublishFirmwareStatusNotification": PublishFirmwareStatusNotificationResponse,
    "ReportChargingProfiles": ReportChargingProfilesResponse,
    "RequestStartTransaction": RequestStartTransactionResponse,
    "RequestStopTransaction": RequestStopTransactionResponse,
    "ReservationStatusUpdate": ReservationStatusUpdateResponse,
    "ReserveNow": ReserveNowResponse,
    "Reset": ResetResponse,
    "SecurityEventNotification": SecurityEventNotificationResponse,
    "SendLocalList": SendLocalListResponse,
    "SetChargingProfile": SetChargingProfileResponse,
    "SetDisplayMessage": SetDisplayMessageResponse,
    "SetMonitoringBase": SetMonitoringBaseResponse,
    "SetMonitoringLevel": SetMonitoringLevelResponse,
    "SetNetworkProfile": SetNetworkProfileResponse,
    "SetVariableMonitoring": SetVariableMonitoringResponse,
    "SetVariables": SetVariablesResponse,
    "SignCertificate": SignCertificateResponse,
    "StatusNotification": StatusNotificationResponse,
    "TransactionEvent": TransactionEventResponse,
    "TriggerMessage": TriggerMessageResponse,
    "UnlockConnector": UnlockConnectorResponse,
    "UnpublishFirmware": UnpublishFirmwareResponse,
    "UpdateFirmware": UpdateFirmwareResponse,
}
