"""Assembling a station from its configuration, and running its task tree.

`Station.create` opens the store, loads the device model, the network profiles and the
security log, and wires the OCPP session to the features. `Station.run` runs the tree of
DESIGN.md under supervision. Everything that touches the outside world (time, randomness,
where blocking work runs, how a connection is dialled) comes from a `Runtime`, so tests
run the same assembly on trio's MockClock against an in-memory CSMS.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

import trio

from station import __version__
from station.clock import WallClock
from station.config import StationConfig
from station.devicemodel.catalogue import EvseTopology, build_catalogue
from station.devicemodel.handlers import DeviceModelService
from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import Admission, OcppClient
from station.ocpp.connection import ConnectionManager, Dialer, NetworkProfile, NetworkProfiles
from station.ocpp.messages import (
    BootReasonEnumType,
    ChargingStationType,
    HeartbeatRequest,
    MessageTriggerEnumType,
)
from station.ocpp.provisioning import Provisioning
from station.ocpp.transport import Endpoint, dial_websocket
from station.ocpp.trigger import Triggers
from station.offload import Offload, ThreadOffload
from station.security.events import SecurityLog, deliver_critical_events
from station.store import Store

log = logging.getLogger(__name__)

SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")
ORGANIZATION = key("SecurityCtrlr", "OrganizationName")
WILDCARDS = key("SecurityCtrlr", "AllowCSMSTLSWildcards")
DATE_TIME = key("ClockCtrlr", "DateTime")

#: meta key holding why the station restarted itself (consumed at the next start).
BOOT_REASON_META = "boot_reason"


@dataclass
class Runtime:
    """The station's view of the outside world; tests replace parts of it."""

    clock: WallClock = field(default_factory=WallClock)
    rng: random.Random = field(default_factory=random.Random)
    offload: Offload = field(default_factory=lambda: ThreadOffload(1))
    dial: Dialer = dial_websocket


class Station:
    """One charging station: its state, its OCPP session and its features."""

    def __init__(
        self, config: StationConfig, runtime: Runtime, store: Store, device_model: DeviceModel
    ) -> None:
        self.config = config
        self.runtime = runtime
        self.store = store
        self.device_model = device_model
        self.clock = runtime.clock
        self.client = OcppClient(rng=runtime.rng, message_timeout=config.csms.message_timeout)
        self.security_log = SecurityLog(store, self.clock.now)
        self.profiles = NetworkProfiles(store)
        self.boot_reason = BootReasonEnumType.PowerUp
        self.provisioning: Provisioning | None = None
        self.connection: ConnectionManager | None = None
        self.triggers = Triggers(self.client)
        self.started = trio.Event()

    @classmethod
    async def create(cls, config: StationConfig, runtime: Runtime | None = None) -> Station:
        """Open the store and load everything persistent; nothing runs yet."""
        runtime = runtime or Runtime()
        store = await Store.open(config.station.data_dir / "station.db", offload=runtime.offload)
        topology = [
            EvseTopology(
                e.id, e.connector_type, e.phases, e.max_current * e.nominal_voltage * e.phases
            )
            for e in config.hardware.evse
        ]
        device_model = DeviceModel(
            build_catalogue(topology, identity=config.station.identity), store
        )
        await device_model.load(_seeds(config))
        station = cls(config, runtime, store, device_model)
        await station._load()
        return station

    async def _load(self) -> None:
        config = self.config
        dm = self.device_model
        dm.bind_live(DATE_TIME, self.clock.now)
        await self.security_log.load()
        await self.profiles.load(
            NetworkProfile(
                slot=1,
                url=config.csms.url,
                security_profile=config.csms.security_profile,
                message_timeout=config.csms.message_timeout,
            )
        )
        stored = self.profiles.get(1)
        if stored is not None and stored.url != config.csms.url:
            log.warning(
                "event=config_url_ignored config_url=%s stored_url=%s "
                "detail='network profile 1 was changed over OCPP; the stored one is used'",
                config.csms.url,
                stored.url,
            )
        reason_text = await self.store.run(lambda db: _take_meta(db, BOOT_REASON_META))
        self.boot_reason = (
            BootReasonEnumType(reason_text) if reason_text else BootReasonEnumType.PowerUp
        )
        if self.store.recovery:
            # The damaged store held the security log: say that it is gone.
            await self.security_log.record("SecurityLogWasCleared", self.store.recovery)
        for problem in dm.load_problems:
            await self.security_log.record("ReconfigurationOfSecurityParameters", problem)
        # Reusable state "Booted": StartupOfTheDevice after power-up, ResetOrReboot otherwise.
        await self.security_log.record(
            "StartupOfTheDevice"
            if self.boot_reason is BootReasonEnumType.PowerUp
            else "ResetOrReboot",
            f"boot reason {self.boot_reason}",
        )

        self.provisioning = Provisioning(
            client=self.client,
            device_model=dm,
            clock=self.clock,
            charging_station=ChargingStationType(
                model=config.station.model,
                vendor_name=config.station.vendor_name,
                serial_number=config.station.serial_number,
                firmware_version=config.station.firmware_version or __version__,
            ),
            reason=self.boot_reason,
            security_event=self.security_log.record,
        )
        self.connection = ConnectionManager(
            client=self.client,
            device_model=dm,
            profiles=self.profiles,
            endpoint_for=self.endpoint_for,
            dial=self.runtime.dial,
            rng=self.runtime.rng,
            security_event=self.security_log.record,
        )
        DeviceModelService(self.client, dm, self.clock.now)
        self._register_triggers()

    def _register_triggers(self) -> None:
        provisioning = self.provisioning
        assert provisioning is not None

        def boot(evse):
            if not provisioning.can_trigger():
                return None

            async def follow_up() -> None:
                provisioning.trigger()

            return follow_up

        def heartbeat(evse):
            async def follow_up() -> None:
                await self.client.call(HeartbeatRequest(), admission=Admission.REQUESTED)

            return follow_up

        self.triggers.register(MessageTriggerEnumType.BootNotification, boot)
        self.triggers.register(MessageTriggerEnumType.Heartbeat, heartbeat)

    def endpoint_for(self, profile: NetworkProfile) -> Endpoint:
        """Connection parameters for a network profile, with the current credentials."""
        csms = self.config.csms
        context = None
        if profile.security_profile >= 2:
            from station.ocpp.tls import client_context

            context = client_context(
                ca_files=[csms.ca_file] if csms.ca_file else [],
                cert_file=csms.cert_file if profile.security_profile == 3 else None,
                key_file=csms.key_file if profile.security_profile == 3 else None,
            )
        password = self.device_model.get(PASSWORD)
        return Endpoint(
            url=profile.url,
            identity=self.config.station.identity,
            security_profile=profile.security_profile,
            basic_auth_password=str(password) if password is not None else None,
            ssl_context=context,
            allow_wildcards=bool(self.device_model.get(WILDCARDS)),
            connect_timeout=float(profile.message_timeout),
        )

    async def remember_boot_reason(self, reason: BootReasonEnumType) -> None:
        """Store why the station is about to restart; the next start boots with it."""
        await self.store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (BOOT_REASON_META, reason.value),
            )
        )

    async def run(self) -> None:
        """Run the station's task tree until cancelled."""
        assert self.connection is not None and self.provisioning is not None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self.connection.run, name="ocpp.connection")
            nursery.start_soon(self.provisioning.run_heartbeat, name="ocpp.heartbeat")
            nursery.start_soon(
                deliver_critical_events, self.security_log, self.client, name="ocpp.security_events"
            )
            self.started.set()

    def close(self) -> None:
        """Release the store."""
        self.store.close()


def _take_meta(db, name: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    db.execute("DELETE FROM meta WHERE name = ?", (name,))
    return None if row is None else row[0]


def _seeds(config: StationConfig) -> dict:
    seeds = {
        SECURITY_PROFILE: str(config.csms.security_profile),
        ORGANIZATION: config.station.organization_name or config.station.vendor_name,
    }
    if config.csms.basic_auth_password:
        seeds[PASSWORD] = config.csms.basic_auth_password
    return seeds


def data_path(config: StationConfig) -> Path:
    """Where the store lives."""
    return config.station.data_dir / "station.db"
