"""This station's answers to the OCA PICS (Part 5 §3.1, Appendices A and B).

A charger maker fills the test lab's form with these answers, and the conformance matrix
(``tools/conformance.py``) uses them to decide which Part 6 test cases apply. Answers that
depend on the hardware (number of EVSEs, phases, connector type) come from the
configuration; answers tied to a device-model variable come from the station's catalogue
(the variable exists, is writable, its valuesList), so a feature that lands or is dropped
changes its answer here without a second edit. The rest is stated with the code that
makes it true.

Each item also carries the reference product's answer (the OCA certificate of the
product this station is modelled on), so that the differences can be shown.

The module imports no pydantic and opens no connection: ``station pics`` without a config
runs in a fraction of a second.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from station.devicemodel.catalogue import EvseTopology, build_catalogue
from station.devicemodel.model import Mutability, Variable

Answer = bool | int | str | tuple[str, ...]

#: The hardware when no config is given: the EVSEs of ``drivers.config``'s defaults
#: (two EVSEs, one phase, fixed Type 1 cable, 32 A at 230 V); a test keeps them in step.
DEFAULT_TOPOLOGY: tuple[EvseTopology, ...] = tuple(
    EvseTopology(evse_id, "cType1", 1, 32.0 * 230.0) for evse_id in (1, 2)
)


@dataclass(frozen=True)
class Station:
    """What the answers depend on: the EVSEs and the device model's declarations."""

    evses: tuple[EvseTopology, ...]
    variables: dict[str, Variable]

    @classmethod
    def from_topology(cls, evses: Sequence[EvseTopology], identity: str = "CS") -> Station:
        """The station with these EVSEs and this software's device-model catalogue."""
        catalogue = build_catalogue(evses, identity=identity)
        return cls(tuple(evses), {str(v.key): v for v in catalogue})

    def has(self, reference: str) -> bool:
        """The device model declares this variable (``Component.Variable[instance]``)."""
        return reference in self.variables

    def writable(self, reference: str) -> bool:
        """The CSMS can change this variable."""
        variable = self.variables.get(reference)
        return variable is not None and variable.mutability is not Mutability.ReadOnly

    def default(self, reference: str) -> str | None:
        """The variable's value on a first start (None when it is not declared)."""
        variable = self.variables.get(reference)
        return None if variable is None else variable.default

    def values_list(self, reference: str) -> tuple[str, ...]:
        """The variable's valuesList (empty when it is not declared or has none)."""
        variable = self.variables.get(reference)
        return () if variable is None or variable.values_list is None else variable.values_list

    def max_limit(self, reference: str) -> float | None:
        """The variable's maxLimit."""
        variable = self.variables.get(reference)
        return None if variable is None else variable.max_limit

    def phases(self) -> set[int]:
        """The phase counts of the EVSEs."""
        return {e.phases for e in self.evses}

    def detachable_cable(self) -> bool:
        """An EVSE has a socket (ConnectorEnumType ``s…``): the EV driver brings the cable."""
        return any(e.connector_type.startswith("s") for e in self.evses)

    def fixed_cable(self) -> bool:
        """An EVSE has a fixed cable (ConnectorEnumType ``c…``)."""
        return any(e.connector_type.startswith("c") for e in self.evses)


Rule = Callable[[Station], Answer]


@dataclass(frozen=True)
class Item:
    """One PICS item: its id and text, how this station answers it, and why."""

    id: str
    section: str
    text: str
    reference: Answer
    rule: Rule
    why: str = ""


@dataclass(frozen=True)
class Answered:
    """An item with this station's answer."""

    item: Item
    answer: Answer
    differs: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "differs", _norm(self.answer) != _norm(self.item.reference))


def _norm(value: Answer) -> object:
    if isinstance(value, tuple):
        return tuple(sorted(value))
    return value


def _const(value: Answer) -> Rule:
    return lambda _: value


def _writable(reference: str) -> Rule:
    return lambda s: s.writable(reference)


#: Writable settings that nothing in the station reads yet: a CSMS may set them, but the
#: feature they name is not there, so the PICS must not claim it (issue 14, defect 8).
#: Remove an entry when the setting takes effect.
NOT_ACTED_ON: frozenset[str] = frozenset()


def _acted_on(reference: str) -> Rule:
    return lambda s: s.writable(reference) and reference not in NOT_ACTED_ON


#: The Authorization Cache and the Local Authorization List work (station.transactions.
#: localauth), but the PICS claims them, and with them the OCA test cases that depend on
#: them, only once those test cases are covered in the conformance matrix.
LOCAL_AUTHORIZATION_CLAIMED = False
_NOT_CLAIMED = (
    "cache and list are built (transactions/localauth.py); not claimed until their test "
    "cases are covered in docs/conformance.md"
)


#: Reservations (station.reservation): claimed, its test cases are covered in the
#: conformance matrix.
RESERVATION_CLAIMED = True


def _claimed(rule: Rule, otherwise: Answer) -> Rule:
    """``rule`` once the local authorization features are claimed, else ``otherwise``."""
    return lambda s: rule(s) if LOCAL_AUTHORIZATION_CLAIMED else otherwise


def _has(reference: str) -> Rule:
    return lambda s: s.has(reference)


def _member(reference: str, member: str) -> Rule:
    return lambda s: member in s.values_list(reference)


def _values(reference: str) -> Rule:
    return lambda s: s.values_list(reference)


def _int(reference: str, *, limit: bool = False) -> Rule:
    def rule(s: Station) -> Answer:
        value = s.max_limit(reference) if limit else s.default(reference)
        return int(float(value)) if value is not None else "not declared"

    return rule


def _ev_side_disconnect(keep_authorization: bool) -> Rule:
    # C-06: StopTxOnEVSideDisconnect. Writable supports both; a constant supports its value.
    ref = "TxCtrlr.StopTxOnEVSideDisconnect"

    def rule(s: Station) -> Answer:
        if not s.has(ref):
            return False
        if s.writable(ref):
            return True
        return (s.default(ref) == "false") is keep_authorization

    return rule


def _unlock_on_ev_side_disconnect(unlock: bool) -> Rule:
    ref = "OCPPCommCtrlr.UnlockOnEVSideDisconnect"

    def rule(s: Station) -> Answer:
        if s.writable(ref):
            return True
        return (s.default(ref) == "true") is unlock

    return rule


def _available(controller: str) -> Rule:
    return lambda s: s.default(f"{controller}.Available") == "true"


CORE = "Core"
SECURITY = "Advanced Security"
QUESTIONS = "Additional questions"
SETTINGS = "Other relevant settings"
HARDWARE = "Hardware feature set"
PROFILES = "Certification profiles"

_TX_START = "TxCtrlr.TxStartPoint"
_TX_STOP = "TxCtrlr.TxStopPoint"
_SUPPORTED_TOKENS = "AuthCtrlr.SupportedIdTokenTypes"

#: The PICS items, in the order of the lab's form. ``why`` names the code behind a
#: constant answer, or what is missing for a "No".
ITEMS: tuple[Item, ...] = (
    # -- Certification profiles (Part 5 §2) -------------------------------------------------
    Item("P-Core", PROFILES, "Core", True, _const(True)),
    Item("P-AdvancedSecurity", PROFILES, "Advanced Security", True, _const(True)),
    Item(
        "P-LocalAuthListManagement",
        PROFILES,
        "Local Authorization List Management",
        False,
        _claimed(_available("LocalAuthListCtrlr"), False),
        _NOT_CLAIMED,
    ),
    Item(
        "P-SmartCharging",
        PROFILES,
        "Smart Charging",
        False,
        _available("SmartChargingCtrlr"),
        "charging profiles, composite schedules and local limits in smartcharging/",
    ),
    Item(
        "P-AdvancedDeviceManagement",
        PROFILES,
        "Advanced Device Management",
        False,
        _available("MonitoringCtrlr"),
        "no variable monitoring (MonitoringCtrlr.Available = false)",
    ),
    Item(
        "P-Reservation",
        PROFILES,
        "Reservation",
        False,
        lambda s: RESERVATION_CLAIMED and _available("ReservationCtrlr")(s),
        "reservations in reservation.py",
    ),
    Item(
        "P-AdvancedUserInterface",
        PROFILES,
        "Advanced User Interface",
        False,
        _available("DisplayMessageCtrlr"),
        "no display messages or tariffs (DisplayMessageCtrlr.Available = false)",
    ),
    Item(
        "P-ISO15118Support",
        PROFILES,
        "ISO 15118 Support",
        False,
        _available("ISO15118Ctrlr"),
        "IEC 61851-1 PWM only, no high-level communication (ISO15118Ctrlr.Available = false)",
    ),
    # -- Core (Part 5 Table 2) --------------------------------------------------------------
    Item(
        "C-01",
        CORE,
        "Support for offline authorization of transactions",
        True,
        lambda s: (
            s.has("AuthCtrlr.LocalAuthorizeOffline")
            and s.has("AuthCtrlr.OfflineTxForUnknownIdEnabled")
        ),
        "C15: offline rules in transactions/service.py (LocalAuthorizeOffline, "
        "OfflineTxForUnknownIdEnabled)",
    ),
    Item(
        "C-02",
        CORE,
        "Support for allowing Offline Authorization for Unknown Ids",
        True,
        _writable("AuthCtrlr.OfflineTxForUnknownIdEnabled"),
    ),
    Item(
        "C-03",
        CORE,
        "Support for maximizing energy for invalid ids",
        False,
        _writable("TxCtrlr.MaxEnergyOnInvalidId"),
        "E05.FR.02/03: the energy limit after an invalid verdict (transactions/session.py)",
    ),
    Item(
        "C-04",
        CORE,
        "Support to limit StatusNotifications",
        False,
        _has("OCPPCommCtrlr.MinimumStatusDuration"),
        "MinimumStatusDuration is not built",
    ),
    Item(
        "C-06.1",
        CORE,
        "Support for maintaining authorization when cable disconnected on EV side",
        False,
        _ev_side_disconnect(keep_authorization=True),
        "StopTxOnEVSideDisconnect is a constant true: an unplugged EV ends the transaction",
    ),
    Item(
        "C-06.2",
        CORE,
        "Support for not maintaining authorization when cable disconnected on EV side",
        True,
        _ev_side_disconnect(keep_authorization=False),
    ),
    Item(
        "C-07",
        CORE,
        "Support for using a Master Pass for charging stations with UI",
        False,
        _has("AuthCtrlr.MasterPassGroupId"),
        "MasterPassGroupId is not built",
    ),
    Item(
        "C-08",
        CORE,
        "Support for using a Master Pass for charging stations without UI",
        False,
        _has("AuthCtrlr.MasterPassGroupId"),
        "MasterPassGroupId is not built",
    ),
    *(
        Item(
            f"C-09.{n}",
            CORE,
            f"Start transaction options - {p}",
            ref,
            _member(_TX_START, p),
        )
        for n, p, ref in (
            (1, "EVConnected", True),
            (2, "Authorized", True),
            (3, "DataSigned", False),
            (4, "PowerPathClosed", True),
            (5, "EnergyTransfer", True),
            (6, "ParkingBayOccupancy", False),
        )
    ),
    *(
        Item(
            f"C-10.{n}", CORE, f"Stop transaction options - {point}", ref, _member(_TX_STOP, point)
        )
        for n, point, ref in (
            (1, "EVConnected", True),
            (2, "Authorized", True),
            (3, "PowerPathClosed", True),
            (4, "EnergyTransfer", False),
            (5, "ParkingBayOccupancy", False),
        )
    ),
    Item(
        "C-12.1",
        CORE,
        "Support for unlocking connector when cable disconnected on EV side",
        False,
        _unlock_on_ev_side_disconnect(unlock=True),
        "UnlockOnEVSideDisconnect is a constant false (fixed cable, no lock)",
    ),
    Item(
        "C-12.2",
        CORE,
        "Support for not unlocking when cable disconnected on EV side",
        True,
        _unlock_on_ev_side_disconnect(unlock=False),
    ),
    Item(
        "C-13",
        CORE,
        "Support for Reset per EVSE",
        False,
        lambda s: all(s.default(f"EVSE#{e.evse_id}.AllowReset") == "true" for e in s.evses),
        "B11/B12 per EVSE in reset.py (EVSE.AllowReset = true): TC_B_25-27 apply, "
        "TC_B_28/29 (Not Supported) do not",
    ),
    Item(
        "C-14",
        CORE,
        "Support for retrieving / deleting CustomerInformation - CustomerIdentifier",
        False,
        _const(False),
        "the station keeps no data by customerIdentifier (maintenance/customer.py reports "
        "that nothing is held)",
    ),
    Item(
        "C-20",
        CORE,
        "Allowing New Sessions Pending a FirmwareUpdate",
        False,
        _has("ChargingStation.AllowNewSessionsPendingFirmwareUpdate"),
        "AllowNewSessionsPendingFirmwareUpdate is not built",
    ),
    Item(
        "C-21",
        CORE,
        "Support for queuing all or only Transaction related messages until they are "
        "delivered to the CSMS",
        False,
        _acted_on("OCPPCommCtrlr.QueueAllMessages"),
        "Yes once OCPPCommCtrlr.QueueAllMessages is writable and acted on",
    ),
    Item(
        "C-23",
        CORE,
        "Supported time sources",
        ("Heartbeat", "NTP"),
        lambda s: tuple(v for v in s.values_list("ClockCtrlr.TimeSource") if v == "Heartbeat"),
        "the clock follows the CSMS's time (BootNotification, Heartbeat); NTP is left to the "
        "operating system and the station does not act on TimeSource NTP",
    ),
    Item(
        "C-25",
        CORE,
        "Support for setting a TimeOffset",
        False,
        _has("ClockCtrlr.TimeOffset"),
        "TimeOffset is not built",
    ),
    Item(
        "C-26",
        CORE,
        "Support for setting the TimeZone",
        True,
        _acted_on("ClockCtrlr.TimeZone"),
        "Yes once ClockCtrlr.TimeZone is writable and acted on",
    ),
    Item(
        "C-28",
        CORE,
        "Toggle sending clock aligned meter values when a transaction is ongoing / Idle",
        False,
        _has("AlignedDataCtrlr.SendDuringIdle"),
        "AlignedDataCtrlr.SendDuringIdle is not built",
    ),
    *(
        Item(
            f"C-29.{n}",
            CORE,
            f"Trigger message - {message}",
            ref,
            _const(True),
            "registered in the TriggerMessage table (app.py, ocpp/trigger.py)",
        )
        for n, message, ref in (
            (1, "MeterValues", False),
            (2, "TransactionEvent", False),
            (3, "LogStatusNotification", False),
            (4, "FirmwareStatusNotification", False),
            (5, "StatusNotification", True),
            (6, "BootNotification", True),
        )
    ),
    Item(
        "C-30",
        CORE,
        "Local start: Authorization - using RFID ISO14443",
        True,
        _member(_SUPPORTED_TOKENS, "ISO14443"),
        "one ISO 14443 reader (PN532)",
    ),
    Item("C-31", CORE, "Local start: Authorization - using RFID ISO15693", False, _const(False)),
    Item("C-32", CORE, "Local start: Authorization - using KeyCode", False, _const(False)),
    Item(
        "C-33",
        CORE,
        "Local start: Authorization - using locally generated id",
        False,
        _const(False),
    ),
    Item("C-34", CORE, "Local start: Authorization - MacAddress", False, _const(False)),
    Item(
        "C-35",
        CORE,
        "Local start: Authorization - NoAuthorization",
        False,
        _const(False),
        "a local start always needs a card (AuthCtrlr.Enabled = false accepts every card "
        "without asking the CSMS, it does not start without one)",
    ),
    Item(
        "C-36",
        CORE,
        "Remote start: Authorization - using RFID ISO14443",
        True,
        _member(_SUPPORTED_TOKENS, "ISO14443"),
    ),
    Item("C-37", CORE, "Remote start: Authorization - using RFID ISO15693", False, _const(False)),
    Item(
        "C-38",
        CORE,
        "Remote start: Authorization - using centrally, in the CSMS generated id",
        False,
        _member(_SUPPORTED_TOKENS, "Central"),
        "RequestStartTransaction takes any idToken type (transactions/service.py)",
    ),
    Item(
        "C-39",
        CORE,
        "Remote start: Authorization - NoAuthorization",
        False,
        _const(True),
        "RequestStartTransaction takes any idToken type; with AuthorizeRemoteStart false "
        "it is not checked",
    ),
    Item(
        "C-40.1",
        CORE,
        "SampledTxStartedMeasurands",
        ("Energy.Active.Import.Register", "SoC"),
        _values("SampledDataCtrlr.TxStartedMeasurands"),
        "every meter driver gives all of them (transactions/meter_values.py); SoC is "
        "accepted and sent when the EV's state of charge is known (the simulator's "
        "battery model; ISO 15118 on hardware), left out otherwise",
    ),
    Item(
        "C-40.2",
        CORE,
        "SampledTxUpdatedMeasurands",
        (
            "Energy.Active.Import.Register",
            "Energy.Active.Export.Register",
            "Voltage",
            "Current.Import",
            "Current.Offered",
            "Power.Active.Import",
            "Power.Factor",
            "Power.Offered",
            "SoC",
        ),
        _values("SampledDataCtrlr.TxUpdatedMeasurands"),
    ),
    Item(
        "C-40.3",
        CORE,
        "SampledTxEndedMeasurands",
        ("Energy.Active.Import.Register", "Energy.Active.Export.Register", "Voltage", "SoC"),
        _values("SampledDataCtrlr.TxEndedMeasurands"),
    ),
    Item(
        "C-40.4",
        CORE,
        "AlignedDataMeasurands",
        ("Energy.Active.Import.Register", "Energy.Active.Export.Register", "Voltage"),
        _values("AlignedDataCtrlr.Measurands"),
    ),
    Item(
        "C-40.5",
        CORE,
        "AlignedDataTxEndedMeasurands",
        ("Energy.Active.Import.Register", "Energy.Active.Export.Register", "Voltage"),
        _values("AlignedDataCtrlr.TxEndedMeasurands"),
    ),
    Item(
        "C-41",
        CORE,
        "Supported Cipher Suites",
        (
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        ),
        _const(
            (
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            )
        ),
        "ocpp/tls.py TLS12_CIPHER_STRING (A00.FR.319/422); also ECDHE-RSA-AES-GCM, which "
        "the PICS does not list; static-RSA suites are not offered (no forward secrecy)",
    ),
    Item(
        "C-42",
        CORE,
        "Signed Metervalues",
        False,
        _has("SampledDataCtrlr.SignReadings"),
        "no signing meter",
    ),
    Item(
        "C-43",
        CORE,
        "Install and activate Firmware with ongoing transaction",
        False,
        _const(False),
        "the installation waits until no transaction is ongoing (maintenance/firmware.py)",
    ),
    Item(
        "C-47",
        CORE,
        "Support for falling back to default OCPP reconnection mechanism when "
        "NetworkConnection profile connection has failed",
        True,
        _has("OCPPCommCtrlr.NetworkProfileConnectionAttempts"),
        "B10.FR.07 in ocpp/connection.py",
    ),
    Item(
        "C-48.1",
        CORE,
        "Option for authorization in case of a remote start",
        False,
        _writable("AuthCtrlr.AuthorizeRemoteStart"),
    ),
    Item(
        "C-48.2",
        CORE,
        "Option for no authorization in case of a remote start",
        True,
        lambda s: (
            s.writable("AuthCtrlr.AuthorizeRemoteStart")
            or s.default("AuthCtrlr.AuthorizeRemoteStart") == "false"
        ),
    ),
    Item(
        "C-58",
        CORE,
        "Option for disabling remote authorization",
        False,
        _has("AuthCtrlr.DisableRemoteAuthorization"),
        "DisableRemoteAuthorization is not built",
    ),
    Item(
        "C-49",
        CORE,
        "Authorization Cache",
        False,
        _claimed(_available("AuthCacheCtrlr"), False),
        _NOT_CLAIMED,
    ),
    Item(
        "C-59",
        CORE,
        "Option for disabling remote authorization for cached invalid idTokens",
        False,
        _claimed(_has("AuthCacheCtrlr.DisablePostAuthorize"), False),
        _NOT_CLAIMED,
    ),
    Item("C-51", CORE, "Configurable TxStartPoint", True, _writable(_TX_START)),
    Item("C-52", CORE, "Configurable TxStopPoint", True, _writable(_TX_STOP)),
    Item(
        "C-53",
        CORE,
        "Support for lifetime cached token",
        False,
        _claimed(_has("AuthCacheCtrlr.LifeTime"), False),
        _NOT_CLAIMED,
    ),
    Item(
        "C-54",
        CORE,
        "Supported policies for replacing cached entries",
        (),
        _claimed(_values("AuthCacheCtrlr.Policy"), ()),
        _NOT_CLAIMED,
    ),
    Item(
        "C-56",
        CORE,
        "Support for providing the SummaryInventory",
        True,
        _const(True),
        "B07.FR.09 in devicemodel/handlers.py",
    ),
    Item(
        "C-57",
        CORE,
        "Support for cancelling ongoing log file upload",
        True,
        _const(True),
        "N01 AcceptedCanceled in maintenance/getlog.py",
    ),
    Item(
        "C-60",
        CORE,
        "Support for cancelling ongoing firmware update",
        True,
        _const(True),
        "L01 AcceptedCanceled in maintenance/firmware.py",
    ),
    # -- Advanced Security ------------------------------------------------------------------
    Item(
        "AS-2",
        SECURITY,
        "Additional root certificate check mechanism implemented",
        False,
        _writable("SecurityCtrlr.AdditionalRootCertificateCheck"),
        "AdditionalRootCertificateCheck is a constant false",
    ),
    Item(
        "AS-3",
        SECURITY,
        "Update Charging Station Certificate - CertificateSignedRequest Timeout",
        True,
        lambda s: (
            s.writable("SecurityCtrlr.CertSigningWaitMinimum")
            and s.writable("SecurityCtrlr.CertSigningRepeatTimes")
        ),
        "A02.FR.17-19 in security/service.py",
    ),
    # -- Reservation ------------------------------------------------------------------------
    Item(
        "R-2",
        "Reservation",
        "Support for reservation of unspecified EVSE (ReservationNonEvseSpecific)",
        False,
        lambda s: RESERVATION_CLAIMED and s.has("ReservationCtrlr.NonEvseSpecific"),
        "ReservationCtrlr.NonEvseSpecific; connector-type reservations too",
    ),
    Item(
        "R-3",
        "Reservation",
        "Reservation support (ReservationEnabled)",
        False,
        lambda s: RESERVATION_CLAIMED and s.writable("ReservationCtrlr.Enabled"),
        "ReservationCtrlr.Enabled",
    ),
    # -- Smart Charging ---------------------------------------------------------------------
    Item(
        "SC-2.1",
        "Smart Charging",
        "Supported charging rate units (ChargingScheduleChargingRateUnit) - A",
        False,
        _member("SmartChargingCtrlr.RateUnit", "A"),
        "SmartChargingCtrlr.RateUnit",
    ),
    Item(
        "SC-2.2",
        "Smart Charging",
        "Supported charging rate units (ChargingScheduleChargingRateUnit) - W",
        False,
        _member("SmartChargingCtrlr.RateUnit", "W"),
        "SmartChargingCtrlr.RateUnit; W converts with the EVSE's nominal voltage and phases",
    ),
    # -- ISO 15118 support (only the item a Core test case depends on) ---------------------
    Item(
        "ISO-3",
        "ISO 15118 support",
        "Combined charging station Certificate (for both OCPP and ISO 15118)",
        False,
        _const(False),
        "no ISO 15118",
    ),
    # -- Additional questions (Part 5 Appendix A) -------------------------------------------
    Item(
        "AQ-1",
        QUESTIONS,
        "Can the last CSMSRootCertificate be removed?",
        True,
        _const(True),
        "DeleteCertificate removes any trust anchor (security/certificates.py)",
    ),
    Item(
        "AQ-2",
        QUESTIONS,
        "Does the Charging Station have a cable lock, which prevents the EV driver to "
        "connect the EV and EVSE before authorization?",
        False,
        _const(False),
    ),
    Item(
        "AQ-3",
        QUESTIONS,
        "Can the last ChargingStationCertificate be removed?",
        False,
        _const(False),
        "M04.FR.06: DeleteCertificate of the station's own certificate answers Failed",
    ),
    Item(
        "AQ-4",
        QUESTIONS,
        "Is there at least one unsupported NumberOfPhases?",
        False,
        lambda s: s.phases() != {1, 2, 3},
        "no phase switching: an EVSE charges on its wired phases only",
    ),
    Item(
        "AQ-5",
        QUESTIONS,
        "Does the Charging Station have at least one hardWired monitor?",
        False,
        _const(False),
    ),
    Item(
        "AQ-6",
        QUESTIONS,
        "Does the Charging Station have a pre-configured monitor?",
        False,
        _const(False),
    ),
    Item(
        "AQ-7",
        QUESTIONS,
        "Is your Charging Station able to download firmware while there is an ongoing transaction?",
        True,
        _const(True),
        "the download runs, the installation waits for the transactions (maintenance/firmware.py)",
    ),
    Item(
        "AQ-8",
        QUESTIONS,
        "Does your Charging Station enforce a selection of EVSE prior to authorization?",
        False,
        _const(False),
        "a card is taken before the EV is plugged; the EVSE is chosen at plug-in",
    ),
    Item(
        "AQ-9",
        QUESTIONS,
        "Does your Charging Station support charging an EV using IEC 61851-1?",
        True,
        _const(True),
        "control pilot per IEC 61851-1 (control/iec61851.py)",
    ),
    # -- Other relevant settings ------------------------------------------------------------
    Item(
        "ORS-1",
        SETTINGS,
        "ItemsPerMessageGetReport",
        1000,
        _int("DeviceDataCtrlr.ItemsPerMessage[GetReport]"),
    ),
    Item(
        "ORS-2",
        SETTINGS,
        "ItemsPerMessageGetVariables",
        1000,
        _int("DeviceDataCtrlr.ItemsPerMessage[GetVariables]"),
    ),
    Item(
        "ORS-3",
        SETTINGS,
        "ItemsPerMessageSetVariables",
        1000,
        _int("DeviceDataCtrlr.ItemsPerMessage[SetVariables]"),
    ),
    Item(
        "ORS-4",
        SETTINGS,
        "BytesPerMessageGetReport",
        1000,
        _int("DeviceDataCtrlr.BytesPerMessage[GetReport]"),
    ),
    Item(
        "ORS-5",
        SETTINGS,
        "BytesPerMessageGetVariables",
        1000000,
        _int("DeviceDataCtrlr.BytesPerMessage[GetVariables]"),
    ),
    Item(
        "ORS-6",
        SETTINGS,
        "BytesPerMessageSetVariables",
        1000000,
        _int("DeviceDataCtrlr.BytesPerMessage[SetVariables]"),
    ),
    Item(
        "ORS-8",
        SETTINGS,
        "Maximum MessageAttemptIntervalTransactionEvent supported",
        3600,
        _int("OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]", limit=True),
    ),
    Item(
        "ORS-16",
        SETTINGS,
        "WebSocketPingInterval",
        120,
        _int("OCPPCommCtrlr.WebSocketPingInterval"),
    ),
    Item(
        "ORS-24",
        SETTINGS,
        "Supported file transfer protocols",
        ("HTTP", "HTTPS"),
        _values("OCPPCommCtrlr.FileTransferProtocols"),
    ),
    # -- Hardware feature set (Part 5 Appendix B) -------------------------------------------
    Item("HFS-1", HARDWARE, "Has a detachable cable", False, Station.detachable_cable),
    Item("HFS-2", HARDWARE, "Has a fixed cable", True, Station.fixed_cable),
    Item("HFS-3", HARDWARE, "Has AC support", True, _const(True)),
    Item("HFS-4", HARDWARE, "Has DC support", False, _const(False)),
    Item("HFS-5", HARDWARE, "Has 1 phase support", True, lambda s: 1 in s.phases()),
    Item("HFS-6", HARDWARE, "Has 2 phase support", False, lambda s: 2 in s.phases()),
    Item("HFS-7", HARDWARE, "Has 3 phase support", False, lambda s: 3 in s.phases()),
    Item("HFS-8", HARDWARE, "No. EVSEs", 2, lambda s: len(s.evses)),
    Item(
        "HFS-9",
        HARDWARE,
        "Communication technology",
        "WiFi / mobile network",
        _const("Ethernet / WiFi"),
        "the Raspberry Pi's network interfaces",
    ),
    Item("HFS-10", HARDWARE, "RFID readers", "Single", _const("Single"), "one PN532 reader"),
)


def answer(station: Station) -> list[Answered]:
    """Every item with this station's answer."""
    return [Answered(item, item.rule(station)) for item in ITEMS]


def answers_by_id(station: Station) -> dict[str, Answer]:
    """Item id → answer (what the conformance matrix evaluates its conditions on)."""
    return {a.item.id: a.answer for a in answer(station)}


def _text(value: Answer) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple):
        return " ".join(value) if value else "(none)"
    return str(value)


def evse_table(station: Station) -> list[str]:
    """The EVSE rows of the hardware section (current, phases, connector, cable)."""
    rows = []
    for e in station.evses:
        cable = "Fixed Cable" if e.connector_type.startswith("c") else "Socket"
        rows.append(f"{e.evse_id}\tAC\t{e.phases}\t1\t{e.connector_type}\t{cable}")
    return rows


def render_text(station: Station) -> str:
    """The PICS as the lab's form shows it, one item a line, differences marked."""
    lines: list[str] = []
    section = None
    for a in answer(station):
        if a.item.section != section:
            section = a.item.section
            lines += ["", section, ""]
            if section == HARDWARE:
                lines += ["EVSE\tCurrent\tPhases\tConnector\tType\tCable Type"]
                lines += evse_table(station)
                lines += [""]
        line = f"{a.item.id}\t{a.item.text}\t{_text(a.answer)}"
        if a.differs:
            line += f"\t(reference product: {_text(a.item.reference)})"
        lines.append(line)
        if a.item.why:
            lines.append(f"\t\t{a.item.why}")
    return "\n".join(lines).lstrip("\n") + "\n"


def render_json(station: Station) -> str:
    """The PICS as JSON: a list of items with answer, reference answer and note."""

    def wire(value: Answer) -> object:
        return list(value) if isinstance(value, tuple) else value

    items = [
        {
            "id": a.item.id,
            "section": a.item.section,
            "text": a.item.text,
            "answer": wire(a.answer),
            "reference": wire(a.item.reference),
            "differs": a.differs,
            "note": a.item.why,
        }
        for a in answer(station)
    ]
    evses = [
        {"id": e.evse_id, "connector_type": e.connector_type, "phases": e.phases}
        for e in station.evses
    ]
    return json.dumps({"evses": evses, "items": items}, indent=2) + "\n"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station pics`` to the CLI."""
    parser = commands.add_parser(
        "pics",
        help="print this station's answers to the OCPP certification PICS",
        description="Print the station's answers to the OCA PICS items (Part 5: C-01 … C-60, "
        "AS-*, AQ-*, ORS-*, HFS-*), derived from the config and the device model, with "
        "the reference product's answer where it differs.",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="station TOML file (default: two AC EVSEs)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    station = station_of(args.config)
    sys.stdout.write(render_json(station) if args.format == "json" else render_text(station))
    return 0


def station_of(config_path: Path | None) -> Station:
    """The station a config file describes, or the default hardware without one."""
    if config_path is None:
        return Station.from_topology(DEFAULT_TOPOLOGY)
    from station.cli import load_or_exit  # pydantic, only when there is a file to check

    config = load_or_exit(config_path)
    evses = tuple(
        EvseTopology(e.id, e.connector_type, e.phases, e.max_current * e.nominal_voltage * e.phases)
        for e in config.hardware.evse
    )
    return Station.from_topology(evses, identity=config.station.identity)
