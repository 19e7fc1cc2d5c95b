"""The configuration file seeds the store; afterwards the store decides. Say so.

A few of the file's values are also things OCPP changes at run time: the CSMS URL, the
security profile and the message timeout (network profile slot 1, SetNetworkProfile),
the Basic-auth password and the organization name (device-model variables,
SetVariables), the CSMS root and the station certificate (InstallCertificate,
CertificateSigned). The file only seeds them into the store on the first start; from
then on the store's value is used, because the CSMS may have changed it and must find
it as it left it (docs/architecture.md, "Where state lives").

That rule must not be silent. At every start `reconcile` logs one line per seeded value
whose file and store values differ, naming the value used and why: the CSMS (or
``station config set``) changed the store, the file was edited after the first start,
or both. To tell these apart, a fingerprint of each file value is kept in the store's
``meta`` table when it seeds (or agrees with) the store. ``station run --reseed`` takes
the file's values again and lists what changes (`reseed`); ``station check`` uses
`read_only` to probe the CSMS that ``station run`` will use.

Secrets and certificates are compared by fingerprint and never shown.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from station.config import StationConfig
from station.devicemodel.model import Attribute, DeviceModel, key, store_key

log = logging.getLogger(__name__)
T = TypeVar("T")

#: meta key: JSON {config key: fingerprint of the file's value when it last seeded the store}.
RECORD_META = "config_seed_fingerprints"

PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")
ORGANIZATION = key("SecurityCtrlr", "OrganizationName")
SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
PRIORITY = key("OCPPCommCtrlr", "NetworkConfigurationPriority")

#: Who changes each value in the store after the first start.
_NETWORK = "the CSMS (SetNetworkProfile)"
_VARIABLE = "the CSMS (SetVariables) or `station config set`"
_CERTIFICATES = "the CSMS (InstallCertificate, DeleteCertificate)"
_STATION_CERTIFICATE = "the CSMS (CertificateSigned)"


@dataclass(frozen=True)
class Seeded:
    """One value the file seeds, as the file and the store hold it now."""

    key: str
    file: str | None
    store: str | None
    changed_by: str
    #: Shown as "(not shown)": a password, or a certificate (shown by fingerprint only).
    secret: bool = False

    def shown(self, value: str | None) -> str:
        """The value as a log line may show it."""
        if value is None:
            return "(none)"
        return "(not shown)" if self.secret else repr(value)


@dataclass(frozen=True)
class Difference:
    """A seeded value whose file and store values differ; the store's is used."""

    key: str
    line: str
    #: The file was edited after it seeded the store (the operator probably expects the
    #: new value to apply): logged as a warning, not as information.
    file_edited: bool


@dataclass(frozen=True)
class StoredState:
    """What the store holds that decides where and how the station connects."""

    seeded: list[Seeded]
    recorded: dict[str, str]
    #: slot -> (url, security profile)
    profiles: dict[int, tuple[str, int]]
    priority: list[int]

    def slot_in_use(self) -> int | None:
        """The slot `station run` tries first: the first of NetworkConfigurationPriority
        that holds a profile (`ConnectionManager`)."""
        for slot in self.priority:
            if slot in self.profiles:
                return slot
        return None


def fingerprint(value: str | None) -> str:
    """A short digest (the record never holds a password in clear)."""
    if value is None:
        return ""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def file_values(config: StationConfig) -> dict[str, str | None]:
    """The seeded values as the file gives them (certificates as fingerprints)."""
    csms = config.csms
    return {
        "csms.url": csms.url,
        "csms.security_profile": str(csms.security_profile),
        "csms.message_timeout": str(csms.message_timeout),
        "csms.basic_auth_password": csms.basic_auth_password,
        "station.organization_name": config.station.organization_name or config.station.vendor_name,
        "csms.ca_file": _pem_fingerprints(csms.ca_file),
        "csms.cert_file": _pem_fingerprints(csms.cert_file, first_only=True),
    }


def read_state(db: sqlite3.Connection, config: StationConfig) -> StoredState:
    """The store's side, read from an open store connection (no writes)."""
    profiles: dict[int, tuple[str, int, int]] = {}
    for slot, text in db.execute("SELECT slot, profile FROM network_profiles").fetchall():
        wire = json.loads(text)
        profiles[int(slot)] = (
            wire["ocppCsmsUrl"],
            int(wire["securityProfile"]),
            int(wire["messageTimeout"]),
        )

    def variable(variable_key) -> str | None:
        row = db.execute(
            "SELECT value FROM variables WHERE key = ?",
            (store_key(variable_key, Attribute.Actual),),
        ).fetchone()
        return None if row is None else row[0]

    row = db.execute("SELECT value FROM meta WHERE name = ?", (RECORD_META,)).fetchone()
    recorded = json.loads(row[0]) if row is not None else {}
    priority_text = variable(PRIORITY) or "1"
    priority = [int(slot) for slot in priority_text.split(",") if slot.strip()]
    slot1 = profiles.get(1)
    directory = config.station.data_dir / "certificates"
    file = file_values(config)
    seeded = [
        Seeded("csms.url", file["csms.url"], slot1[0] if slot1 else None, _NETWORK),
        Seeded(
            "csms.security_profile",
            file["csms.security_profile"],
            str(slot1[1]) if slot1 else None,
            _NETWORK,
        ),
        Seeded(
            "csms.message_timeout",
            file["csms.message_timeout"],
            str(slot1[2]) if slot1 else None,
            _NETWORK,
        ),
        Seeded(
            "csms.basic_auth_password",
            file["csms.basic_auth_password"],
            variable(PASSWORD),
            _VARIABLE,
            secret=True,
        ),
        Seeded(
            "station.organization_name",
            file["station.organization_name"],
            variable(ORGANIZATION),
            _VARIABLE,
        ),
    ]
    if config.csms.ca_file is not None:
        seeded.append(
            Seeded(
                "csms.ca_file",
                file["csms.ca_file"],
                _stored_roots(directory, config.csms.ca_file, file["csms.ca_file"]),
                _CERTIFICATES,
                secret=True,
            )
        )
    if config.csms.cert_file is not None:
        seeded.append(
            Seeded(
                "csms.cert_file",
                file["csms.cert_file"],
                _pem_fingerprints(directory / "station" / "chain.pem", first_only=True),
                _STATION_CERTIFICATE,
                secret=True,
            )
        )
    return StoredState(
        seeded=seeded,
        recorded=recorded,
        profiles={slot: (url, sp) for slot, (url, sp, _) in profiles.items()},
        priority=priority,
    )


def differences(state: StoredState) -> list[Difference]:
    """One `Difference` per seeded value whose file and store values differ."""
    found = []
    for value in state.seeded:
        if value.file is None or value.file == value.store:
            # A key the file leaves out seeds nothing (no password with profile 3).
            continue
        file_print, store_print = fingerprint(value.file), fingerprint(value.store)
        recorded = state.recorded.get(value.key)
        if recorded is None:
            why = "the file seeds the store only on the first start"
            edited = True
        elif recorded == file_print:
            why = f"changed by {value.changed_by} since the file seeded it"
            edited = False
        elif recorded == store_print:
            why = "the file was edited after it seeded the store"
            edited = True
        else:
            why = (
                f"the file was edited, and the store changed by {value.changed_by}, "
                "since the file seeded it"
            )
            edited = True
        found.append(
            Difference(
                value.key,
                f"{value.key}: file {value.shown(value.file)}, store "
                f"{value.shown(value.store)}: using the store's value ({why}); "
                "`station run --reseed` takes the file's",
                edited,
            )
        )
    first = state.slot_in_use()
    if first is not None and first != 1:
        url, _ = state.profiles[first]
        found.append(
            Difference(
                "csms.url",
                f"csms.url: network profile slot {first} ({url!r}) comes before slot 1 (the "
                "file's) in NetworkConfigurationPriority, set by the CSMS: it is tried first",
                False,
            )
        )
    return found


def _agreeing(state: StoredState) -> dict[str, str]:
    """The record with every value on which file and store agree (they were seeded so)."""
    record = dict(state.recorded)
    for value in state.seeded:
        if value.file is not None and value.file == value.store:
            record[value.key] = fingerprint(value.file)
    return record


async def reconcile(run: Callable, config: StationConfig) -> list[Difference]:
    """At start (after the store was seeded): log one line per difference and keep the
    fingerprints of the values file and store agree on. ``run`` is `Store.run`."""

    def work(db: sqlite3.Connection) -> list[Difference]:
        state = read_state(db, config)
        record = _agreeing(state)
        if record != state.recorded:
            db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (RECORD_META, json.dumps(record, sort_keys=True)),
            )
        return differences(state)

    found = await run(work)
    for difference in found:
        (log.warning if difference.file_edited else log.info)(
            "event=config_differs_from_store key=%s detail=%r", difference.key, difference.line
        )
    return found


def read_only(config: StationConfig) -> StoredState | None:
    """The store's state without writing anything (for `station check`, while a station
    may be running); None before the first start (no store yet)."""
    return query_read_only(config, lambda db: read_state(db, config))


def query_read_only(config: StationConfig, query: Callable[[sqlite3.Connection], T]) -> T | None:
    """``query`` on a read-only connection to the store; None when there is no store yet.
    Raises `sqlite3.Error` when the file cannot be read."""
    path = config.station.data_dir / "station.db"
    if not path.exists():
        return None
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return query(connection)
    finally:
        connection.close()


# -- reseed -------------------------------------------------------------------------------


async def reseed(
    config: StationConfig,
    run: Callable,
    device_model: DeviceModel,
    put_slot1: Callable,
    import_certificates: Callable,
) -> list[str]:
    """Take the file's seeded values again; returns one line per value that changed.

    ``run`` is `Store.run`, ``device_model`` the loaded model, ``put_slot1(url,
    security_profile, message_timeout)`` stores network profile slot 1,
    ``import_certificates()`` imports ca_file/cert_file/key_file as on a first start.
    """
    state = await run(lambda db: read_state(db, config))
    changes = []
    for value in state.seeded:
        if value.file is None or value.file == value.store:
            continue
        if value.secret:
            changes.append(f"{value.key}: replaced with the file's (not shown)")
        else:
            changes.append(f"{value.key}: {value.shown(value.store)} -> {value.shown(value.file)}")
    csms = config.csms
    await put_slot1(csms.url, csms.security_profile, csms.message_timeout)
    # The file's profile is the operator's decision on site: it may lower what a CSMS
    # raised (A05 forbids only the CSMS to lower it).
    await device_model.set(SECURITY_PROFILE, str(csms.security_profile))
    if csms.basic_auth_password is not None:
        await device_model.set(PASSWORD, csms.basic_auth_password)
    await device_model.set(ORGANIZATION, file_values(config)["station.organization_name"] or "")
    if state.slot_in_use() != 1:
        rest = [slot for slot in state.priority if slot != 1]
        await device_model.set(PRIORITY, ",".join(map(str, [1, *rest])))
        changes.append(
            "NetworkConfigurationPriority: "
            f"{','.join(map(str, state.priority))} -> {','.join(map(str, [1, *rest]))} "
            "(slot 1, the file's, first)"
        )
    await import_certificates()
    fresh = await run(lambda db: read_state(db, config))
    record = {v.key: fingerprint(v.file) for v in fresh.seeded if v.file is not None}
    await run(
        lambda db: db.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
            (RECORD_META, json.dumps(record, sort_keys=True)),
        )
    )
    return changes


async def reseed_store(config: StationConfig) -> list[str]:
    """`reseed` on the store of a stopped station (``station run --reseed``)."""
    from datetime import UTC, datetime

    from station.app import _seeds, build_device_model
    from station.devicemodel.catalogue import CERTIFICATE_CAPACITY
    from station.ocpp.connection import NetworkProfile, NetworkProfiles
    from station.offload import InlineOffload
    from station.security.certificates import CertificateStore
    from station.store import Store

    offload = InlineOffload()
    store = Store.open_sync(config.station.data_dir / "station.db", offload=offload)
    try:
        device_model = build_device_model(config, store)
        await device_model.load(_seeds(config))
        csms = config.csms

        def slot1(url: str, security_profile: int, message_timeout: int) -> NetworkProfile:
            return NetworkProfile(
                slot=1, url=url, security_profile=security_profile, message_timeout=message_timeout
            )

        profiles = NetworkProfiles(store)
        await profiles.load(slot1(csms.url, csms.security_profile, csms.message_timeout))
        certificates = CertificateStore(
            config.station.data_dir / "certificates",
            offload,
            lambda: datetime.now(UTC),
            capacity=CERTIFICATE_CAPACITY,
        )

        async def put_slot1(url: str, security_profile: int, message_timeout: int) -> None:
            await profiles.put(slot1(url, security_profile, message_timeout))

        async def import_certificates() -> None:
            await certificates.import_configured(
                csms_root=csms.ca_file, certificate=csms.cert_file, key=csms.key_file
            )

        return await reseed(config, store.run, device_model, put_slot1, import_certificates)
    finally:
        store.close()


# -- certificates -------------------------------------------------------------------------


def _pem_fingerprints(path: Path | None, *, first_only: bool = False) -> str | None:
    """SHA-256 of the DER of each certificate in a PEM file, joined; None if unreadable."""
    if path is None:
        return None
    from station.security.certificates import CertificateError, parse_pem_chain

    try:
        chain = parse_pem_chain(path.read_bytes())
    except (OSError, CertificateError, ValueError):
        return None
    if first_only:
        chain = chain[:1]
    return ",".join(_der_digest(c) for c in chain)


def _der_digest(certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def _stored_roots(directory: Path, ca_file: Path, wanted: str | None) -> str | None:
    """``wanted`` when every root of ``ca_file`` is among the stored CSMS roots (they are
    stored as ``<sha256 of DER>.pem``), else the digests of the ones present."""
    if wanted is None:
        return None
    folder = directory / "CSMSRootCertificate"
    present = [digest for digest in wanted.split(",") if (folder / f"{digest}.pem").exists()]
    return ",".join(present) if present else None
