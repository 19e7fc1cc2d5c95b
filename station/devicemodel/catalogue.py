"""Every component and variable the station has, declared in one table.

Sources: OCPP 2.0.1 Part 2 "Referenced Components and Variables" and the appendix CSVs
(required variables of the Core and Advanced Security controllers), the reference
product's PICS and "Other Relevant Settings" (items per message, ping interval, file
transfer protocols, time sources...), and the station's topology from the config.

Optional controllers the station does not implement yet report ``Available = false`` and
``Enabled = false`` so that a CSMS can tell; they are updated as features land.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from station.clock import time_zone_problem
from station.devicemodel.datatypes import DataType
from station.devicemodel.model import Attribute, Mutability, Variable, key

RO = Mutability.ReadOnly
RW = Mutability.ReadWrite
WO = Mutability.WriteOnly

#: Measurands the station can sample (PICS C-40: what the meter and the pilot provide).
#: SoC comes from the EV and only when it tells (ISO 15118, or the simulator's battery
#: model); configured on hardware that cannot know it, it is left out of the values.
SUPPORTED_MEASURANDS = (
    "Current.Import",
    "Current.Offered",
    "Energy.Active.Export.Register",
    "Energy.Active.Import.Register",
    "Frequency",
    "Power.Active.Import",
    "Power.Factor",
    "Power.Offered",
    "SoC",
    "Voltage",
)
TX_START_POINTS = ("EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer")
TX_STOP_POINTS = ("EVConnected", "Authorized", "PowerPathClosed")
NETWORK_SLOTS = ("1", "2", "3")
AVAILABILITY_STATES = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
#: The Local Authorization List and the Authorization Cache: most entries, per message.
LOCAL_LIST_CAPACITY = 2000
LOCAL_LIST_ITEMS_PER_MESSAGE = 250
LOCAL_LIST_BYTES_PER_MESSAGE = 65536
AUTH_CACHE_CAPACITY = 1000
#: Smart Charging limits (SmartChargingCtrlr.Entries maxLimit, PeriodsPerSchedule,
#: ProfileStackLevel).
SMART_CHARGING_CAPACITY = 64
SMART_CHARGING_PERIODS = 48
SMART_CHARGING_STACK_LEVEL = 10
#: Capacity of the certificate store (SecurityCtrlr.CertificateEntries maxLimit).
CERTIFICATE_CAPACITY = 50
#: passwordString characters (Part 2 §2.1.5).
PASSWORD_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-_=:+|@."
)


@dataclass(frozen=True, slots=True)
class EvseTopology:
    """What the device model needs to know about one EVSE (one connector each)."""

    evse_id: int
    connector_type: str
    phases: int
    max_power_w: float


def _check_password(value: object) -> str | None:
    text = str(value)
    if set(text) - PASSWORD_CHARS:
        return "contains characters outside OCPP's passwordString set"
    return None


def _check_time_zone(value: object) -> str | None:
    return time_zone_problem(str(value))


def _refuse_profile_change(_: object) -> str:
    # A05: the profile changes only by connecting with a higher-profile network profile.
    return "SecurityProfile changes only through a new network profile (A05)"


def controller_variables(identity: str) -> list[Variable]:
    """Variables of the station-wide controllers; ``identity`` comes from the config."""
    v = Variable
    dt = DataType
    s = "s"
    comm = "OCPPCommCtrlr"
    sec = "SecurityCtrlr"
    auth = "AuthCtrlr"
    tx = "TxCtrlr"
    sampled = "SampledDataCtrlr"
    aligned = "AlignedDataCtrlr"
    data = "DeviceDataCtrlr"
    clock = "ClockCtrlr"
    sc = "SmartChargingCtrlr"
    measurands = SUPPORTED_MEASURANDS
    return [
        # -- OCPPCommCtrlr ---------------------------------------------------------------
        v(key(comm, "ActiveNetworkProfile"), dt.integer, RO),
        v(
            key(comm, "FileTransferProtocols"),
            dt.MemberList,
            RO,
            "HTTP,HTTPS",
            values_list=("HTTP", "HTTPS"),
            constant=True,
        ),
        v(
            key(comm, "HeartbeatInterval"),
            dt.integer,
            RW,
            "300",
            unit=s,
            min_limit=1,
            max_limit=86400,
        ),
        v(key(comm, "MessageTimeout", "Default"), dt.integer, RO, unit=s),
        v(
            key(comm, "MessageAttempts", "TransactionEvent"),
            dt.integer,
            RW,
            "3",
            min_limit=1,
            max_limit=10,
        ),
        v(
            key(comm, "MessageAttemptInterval", "TransactionEvent"),
            dt.integer,
            RW,
            "60",
            unit=s,
            min_limit=1,
            max_limit=3600,
        ),
        v(
            key(comm, "NetworkConfigurationPriority"),
            dt.SequenceList,
            RW,
            "1",
            values_list=NETWORK_SLOTS,
        ),
        v(
            key(comm, "NetworkProfileConnectionAttempts"),
            dt.integer,
            RW,
            "3",
            min_limit=1,
            max_limit=100,
        ),
        v(
            key(comm, "OfflineThreshold"),
            dt.integer,
            RW,
            "60",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        # Read-only false: what must not be lost is queued and persisted whatever this
        # says (TransactionEvents E04.FR.01, security events A04.FR.02); the other
        # messages report a present state that the station sends afresh after a reconnect
        # (StatusNotification, B04.FR.01/G01) or answer a request of that connection.
        v(key(comm, "QueueAllMessages"), dt.boolean, RO, "false", constant=True),
        v(key(comm, "ResetRetries"), dt.integer, RW, "3", min_limit=0, max_limit=10),
        v(
            key(comm, "RetryBackOffRandomRange"),
            dt.integer,
            RW,
            "10",
            unit=s,
            min_limit=0,
            max_limit=3600,
        ),
        v(key(comm, "RetryBackOffRepeatTimes"), dt.integer, RW, "3", min_limit=0, max_limit=20),
        v(
            key(comm, "RetryBackOffWaitMinimum"),
            dt.integer,
            RW,
            "5",
            unit=s,
            min_limit=0,
            max_limit=3600,
        ),
        v(key(comm, "UnlockOnEVSideDisconnect"), dt.boolean, RO, "false", constant=True),
        v(
            key(comm, "WebSocketPingInterval"),
            dt.integer,
            RW,
            "120",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        # -- SecurityCtrlr ---------------------------------------------------------------
        v(
            key(sec, "SecurityProfile"),
            dt.integer,
            RO,
            min_limit=1,
            max_limit=3,
            write_rule=_refuse_profile_change,
        ),
        v(key(sec, "OrganizationName"), dt.string, RW, max_limit=64),
        v(key(sec, "CertificateEntries"), dt.integer, RO, max_limit=CERTIFICATE_CAPACITY),
        v(
            key(sec, "BasicAuthPassword"),
            dt.string,
            WO,
            min_limit=16,
            max_limit=40,
            check=_check_password,
            secret=True,
        ),
        v(key(sec, "Identity"), dt.string, RO, identity, max_limit=48, constant=True),
        v(key(sec, "AdditionalRootCertificateCheck"), dt.boolean, RO, "false", constant=True),
        v(key(sec, "MaxCertificateChainSize"), dt.integer, RO, "10000", constant=True),
        v(
            key(sec, "CertSigningWaitMinimum"),
            dt.integer,
            RW,
            "30",
            unit=s,
            min_limit=1,
            max_limit=86400,
        ),
        v(key(sec, "CertSigningRepeatTimes"), dt.integer, RW, "3", min_limit=0, max_limit=20),
        v(key(sec, "AllowSecurityProfileDowngrade"), dt.boolean, RO, "false", constant=True),
        v(key(sec, "AllowCSMSTLSWildcards"), dt.boolean, RW, "false"),
        # -- AuthCtrlr -------------------------------------------------------------------
        v(key(auth, "Enabled"), dt.boolean, RW, "true"),
        v(key(auth, "AuthorizeRemoteStart"), dt.boolean, RW, "false"),
        v(key(auth, "LocalAuthorizeOffline"), dt.boolean, RW, "true"),
        v(key(auth, "LocalPreAuthorize"), dt.boolean, RW, "false"),
        v(key(auth, "OfflineTxForUnknownIdEnabled"), dt.boolean, RW, "true"),
        # Vendor-specific: an AuthorizeRequest unanswered within the message timeout while
        # the connection is open is no "Offline" case (Part 2 terminology), so the card is
        # refused; true applies the offline rules above instead (C15), as if offline.
        v(key(auth, "OfflineRulesOnAuthorizeTimeout"), dt.boolean, RW, "false"),
        # Vendor-specific: OfflineTxForUnknownIdEnabled applies only once a CSMS has
        # accepted the station (a first BootNotification Accepted, remembered for good);
        # true lets unknown ids charge offline before that too (a station without CSMS).
        v(key(auth, "OfflineTxForUnknownIdBeforeAccepted"), dt.boolean, RW, "false"),
        v(
            key(auth, "SupportedIdTokenTypes"),
            dt.MemberList,
            RO,
            "Central,ISO14443",
            values_list=("Central", "ISO14443"),
            constant=True,
        ),
        # -- TxCtrlr ---------------------------------------------------------------------
        v(
            key(tx, "TxStartPoint"),
            dt.MemberList,
            RW,
            "PowerPathClosed",
            values_list=TX_START_POINTS,
        ),
        v(
            key(tx, "TxStopPoint"),
            dt.MemberList,
            RW,
            "EVConnected,Authorized",
            values_list=TX_STOP_POINTS,
        ),
        v(
            key(tx, "EVConnectionTimeOut"),
            dt.integer,
            RW,
            "120",
            unit=s,
            min_limit=1,
            max_limit=3600,
        ),
        v(key(tx, "StopTxOnInvalidId"), dt.boolean, RW, "true"),
        # Energy a transaction may deliver in all once the CSMS has invalidated its idToken
        # while StopTxOnInvalidId is false (E05.FR.02/03); 0 stops the energy at once.
        v(key(tx, "MaxEnergyOnInvalidId"), dt.integer, RW, "0", unit="Wh", min_limit=0),
        v(key(tx, "StopTxOnEVSideDisconnect"), dt.boolean, RO, "true", constant=True),
        # -- SampledDataCtrlr ------------------------------------------------------------
        v(key(sampled, "Enabled"), dt.boolean, RW, "true"),
        v(key(sampled, "Available"), dt.boolean, RO, "true", constant=True),
        v(
            key(sampled, "TxStartedMeasurands"),
            dt.MemberList,
            RW,
            "Energy.Active.Import.Register",
            values_list=measurands,
        ),
        v(
            key(sampled, "TxUpdatedMeasurands"),
            dt.MemberList,
            RW,
            "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage",
            values_list=measurands,
        ),
        v(
            key(sampled, "TxUpdatedInterval"),
            dt.integer,
            RW,
            "60",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        v(
            key(sampled, "TxEndedMeasurands"),
            dt.MemberList,
            RW,
            "Energy.Active.Import.Register",
            values_list=measurands,
        ),
        v(
            key(sampled, "TxEndedInterval"),
            dt.integer,
            RW,
            "0",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        v(key(sampled, "RegisterValuesWithoutPhases"), dt.boolean, RW, "true"),
        # -- AlignedDataCtrlr ------------------------------------------------------------
        v(key(aligned, "Enabled"), dt.boolean, RW, "true"),
        v(key(aligned, "Available"), dt.boolean, RO, "true", constant=True),
        v(
            key(aligned, "Measurands"),
            dt.MemberList,
            RW,
            "Energy.Active.Import.Register",
            values_list=measurands,
        ),
        v(key(aligned, "Interval"), dt.integer, RW, "900", unit=s, min_limit=0, max_limit=86400),
        v(
            key(aligned, "TxEndedMeasurands"),
            dt.MemberList,
            RW,
            "Energy.Active.Import.Register",
            values_list=measurands,
        ),
        v(
            key(aligned, "TxEndedInterval"),
            dt.integer,
            RW,
            "900",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        # -- DeviceDataCtrlr (reference product's ORS-1..6) ------------------------------
        v(key(data, "ItemsPerMessage", "GetReport"), dt.integer, RO, "1000", constant=True),
        v(key(data, "ItemsPerMessage", "GetVariables"), dt.integer, RO, "1000", constant=True),
        v(key(data, "ItemsPerMessage", "SetVariables"), dt.integer, RO, "1000", constant=True),
        v(key(data, "BytesPerMessage", "GetReport"), dt.integer, RO, "1000000", constant=True),
        v(key(data, "BytesPerMessage", "GetVariables"), dt.integer, RO, "1000000", constant=True),
        v(key(data, "BytesPerMessage", "SetVariables"), dt.integer, RO, "1000000", constant=True),
        v(key(data, "ConfigurationValueSize"), dt.integer, RO, "1000", constant=True),
        v(key(data, "ReportingValueSize"), dt.integer, RO, "2500", constant=True),
        v(key(data, "ValueSize"), dt.integer, RO, "2500", constant=True),
        # -- ClockCtrlr ------------------------------------------------------------------
        v(key(clock, "DateTime"), dt.dateTime, RO),
        v(
            key(clock, "TimeSource"),
            dt.SequenceList,
            RW,
            "Heartbeat",
            values_list=("Heartbeat", "NTP"),
        ),
        # PICS C-26. For display (Part 2 §3.1.1): the station's local time in `station
        # status`; every OCPP timestamp stays UTC.
        v(key(clock, "TimeZone"), dt.string, RW, "", max_limit=64, check=_check_time_zone),
        v(
            key(clock, "TimeAdjustmentReportingThreshold"),
            dt.integer,
            RW,
            "20",
            unit=s,
            min_limit=0,
            max_limit=86400,
        ),
        # -- LocalAuthListCtrlr (D01–D04) and AuthCacheCtrlr (C10–C12) --------------------
        v(key("LocalAuthListCtrlr", "Available"), dt.boolean, RO, "true", constant=True),
        v(key("LocalAuthListCtrlr", "Enabled"), dt.boolean, RW, "true"),
        v(
            key("LocalAuthListCtrlr", "Entries"),
            dt.integer,
            RO,
            max_limit=LOCAL_LIST_CAPACITY,
        ),
        v(
            key("LocalAuthListCtrlr", "ItemsPerMessage"),
            dt.integer,
            RO,
            str(LOCAL_LIST_ITEMS_PER_MESSAGE),
            constant=True,
        ),
        v(
            key("LocalAuthListCtrlr", "BytesPerMessage"),
            dt.integer,
            RO,
            str(LOCAL_LIST_BYTES_PER_MESSAGE),
            constant=True,
        ),
        # LA-3: a list entry that is not Accepted is refused without asking the CSMS.
        v(key("LocalAuthListCtrlr", "DisablePostAuthorize"), dt.boolean, RW, "false"),
        v(key("AuthCacheCtrlr", "Available"), dt.boolean, RO, "true", constant=True),
        v(key("AuthCacheCtrlr", "Enabled"), dt.boolean, RW, "true"),
        v(key("AuthCacheCtrlr", "LifeTime"), dt.integer, RW, "86400", unit="s", min_limit=1),
        v(
            key("AuthCacheCtrlr", "Policy"),
            dt.OptionList,
            RO,
            "LRU",
            values_list=("LRU",),
            constant=True,
        ),
        # Entries in the cache (maxLimit: the most it keeps before it drops the least used).
        v(key("AuthCacheCtrlr", "Storage"), dt.integer, RO, max_limit=AUTH_CACHE_CAPACITY),
        # C-59: a cached idToken that is not Accepted is refused without asking the CSMS.
        v(key("AuthCacheCtrlr", "DisablePostAuthorize"), dt.boolean, RW, "false"),
        # -- ReservationCtrlr (H01–H04) ---------------------------------------------------
        v(key("ReservationCtrlr", "Available"), dt.boolean, RO, "true", constant=True),
        v(key("ReservationCtrlr", "Enabled"), dt.boolean, RW, "true"),
        # H01.FR.18: reservations without an EVSE (or by connector type) are taken.
        v(key("ReservationCtrlr", "NonEvseSpecific"), dt.boolean, RW, "true"),
        # -- SmartChargingCtrlr (K01–K10) ------------------------------------------------
        v(key(sc, "Available"), dt.boolean, RO, "true", constant=True),
        v(key(sc, "Enabled"), dt.boolean, RW, "true"),
        v(
            key(sc, "Entries", "ChargingProfiles"),
            dt.integer,
            RO,
            max_limit=SMART_CHARGING_CAPACITY,
        ),
        # Below this change (percent) of the offered limit no ChargingRateChanged is sent.
        v(key(sc, "LimitChangeSignificance"), dt.decimal, RW, "10", unit="Percent", min_limit=0),
        v(
            key(sc, "PeriodsPerSchedule"),
            dt.integer,
            RO,
            str(SMART_CHARGING_PERIODS),
            constant=True,
        ),
        v(
            key(sc, "ProfileStackLevel"),
            dt.integer,
            RO,
            str(SMART_CHARGING_STACK_LEVEL),
            constant=True,
        ),
        v(
            key(sc, "RateUnit"),
            dt.MemberList,
            RO,
            "A,W",
            values_list=("A", "W"),
            constant=True,
        ),
        v(key(sc, "ExternalControlSignalsEnabled"), dt.boolean, RW, "false"),
        v(key(sc, "NotifyChargingLimitWithSchedules"), dt.boolean, RW, "false"),
        v(key(sc, "Phases3to1"), dt.boolean, RO, "false", constant=True),
        # -- Optional controllers: what the station does not implement (yet) ------------
        *[
            variable
            for name in (
                "TariffCostCtrlr",
                "DisplayMessageCtrlr",
                "MonitoringCtrlr",
                "ISO15118Ctrlr",
            )
            for variable in (
                v(key(name, "Available"), dt.boolean, RO, "false", constant=True),
                v(key(name, "Enabled"), dt.boolean, RO, "false", constant=True),
            )
        ],
    ]


def topology_variables(evses: Sequence[EvseTopology]) -> list[Variable]:
    """ChargingStation, EVSE n and Connector n,1 components."""
    v = Variable
    dt = DataType
    station_phases = max(e.phases for e in evses)
    states = AVAILABILITY_STATES
    variables = [
        v(key("ChargingStation", "Available"), dt.boolean, RO, "true", constant=True),
        v(key("ChargingStation", "AvailabilityState"), dt.OptionList, RO, values_list=states),
        v(
            key("ChargingStation", "SupplyPhases"),
            dt.integer,
            RO,
            str(station_phases),
            constant=True,
        ),
    ]
    for evse in evses:
        n = evse.evse_id
        variables += [
            v(key("EVSE", "Available", evse=n), dt.boolean, RO, "true", constant=True),
            v(key("EVSE", "AvailabilityState", evse=n), dt.OptionList, RO, values_list=states),
            v(key("EVSE", "SupplyPhases", evse=n), dt.integer, RO, str(evse.phases), constant=True),
            v(
                key("EVSE", "Power", evse=n),
                dt.decimal,
                RO,
                unit="W",
                max_limit=evse.max_power_w,
                attributes=(Attribute.Actual,),
            ),
            v(key("EVSE", "AllowReset", evse=n), dt.boolean, RO, "true", constant=True),
            v(
                key("Connector", "Available", evse=n, connector=1),
                dt.boolean,
                RO,
                "true",
                constant=True,
            ),
            v(
                key("Connector", "AvailabilityState", evse=n, connector=1),
                dt.OptionList,
                RO,
                values_list=states,
            ),
            v(
                key("Connector", "SupplyPhases", evse=n, connector=1),
                dt.integer,
                RO,
                str(evse.phases),
                constant=True,
            ),
            v(
                key("Connector", "ConnectorType", evse=n, connector=1),
                dt.string,
                RO,
                evse.connector_type,
                constant=True,
            ),
        ]
    return variables


def build_catalogue(evses: Sequence[EvseTopology], *, identity: str) -> list[Variable]:
    """All variables of a station with the given EVSEs and identity."""
    return controller_variables(identity) + topology_variables(evses)
