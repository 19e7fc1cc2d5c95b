"""Assembling a station from its configuration, and running its supervised task tree.

`Station.create` opens the store, loads the device model, the network profiles, the
security log and the transactions in progress, builds the hardware drivers the config
names, and wires the OCPP session to the features. `Station.run` runs the tree of
docs/architecture.md:

    station                         (top level: escalation ends the process)
    ├── ocpp        connection, heartbeat, security events, transaction queue
    ├── features    transaction timers, status notifications, control socket
    ├── control     the link to the control service (`station.control.remote`)
    └── evse N      event pump: snapshots to availability and transactions

The hardware (control loops, meters, card reader) belongs to the control service
(`station.control.service`), reached through the control protocol: in another process in
production (`station.control.process`), or — ``Runtime.control_connect`` unset, for the
simulator, the demo and the tests — in this process over an in-process stream, with the same
protocol code (then ``Station.control`` is that service and ``loops``, ``samplers`` and
``cards`` are its objects, for tests and tools that look inside).

Everything that touches the outside world (time, randomness, where blocking work runs,
how a connection is dialled) comes from a `Runtime`, so tests run the same assembly on
trio's MockClock against an in-memory CSMS.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

import trio

from station import __version__, privacy
from station.availability import Availability
from station.clock import WallClock, local_time
from station.config import StationConfig
from station.control.inprocess import stream_pair
from station.control.protocol import HEARTBEAT_INTERVAL, PEER_TIMEOUT
from station.control.remote import Connect, ControlLink
from station.control.simargs import ev_settings, ev_settings_value
from station.control.timing import DEFAULT_PERIOD
from station.devicemodel.catalogue import CERTIFICATE_CAPACITY
from station.devicemodel.handlers import DeviceModelService
from station.devicemodel.model import DeviceModel, key
from station.devicemodel.seeding import build_device_model
from station.devicemodel.seeding import config_seeds as _seeds
from station.evse import EvseSnapshot
from station.logs import recent_records
from station.maintenance import FIRMWARE_STATE
from station.ocpp.client import Admission, BootState, OcppClient
from station.ocpp.connection import ConnectionManager, Dialer, NetworkProfile, NetworkProfiles
from station.ocpp.datetimes import format_date_time
from station.ocpp.declined import Declined
from station.ocpp.messages import (
    BootReasonEnumType,
    ChargingStationType,
    HeartbeatRequest,
    ReadingContextEnumType,
)
from station.ocpp.network import NetworkService
from station.ocpp.ondemand import OnDemand
from station.ocpp.provisioning import Provisioning
from station.ocpp.revocation import CrlChecker
from station.ocpp.transport import Endpoint, dial_websocket
from station.ocpp.trigger import Triggers
from station.offload import Offload, ThreadOffload, own_worker
from station.ops.control_socket import ControlSocket
from station.ops.data_dir import prepare as prepare_data_dir
from station.ops.data_dir import private_umask
from station.ops.message_log import MessageLog
from station.ops.message_log_reader import read_entries
from station.ops.systemd import Notifier, watchdog
from station.reservation import Reservations
from station.reset import ResetService
from station.security.certificates import CSMS_ROOT, CertificateStore
from station.security.events import SecurityLog, deliver_critical_events
from station.security.resources import PERIOD as RESOURCE_PERIOD
from station.security.resources import ResourceWatch, Usage, cgroup_memory
from station.security.service import CertificateService
from station.seeding import reconcile
from station.smartcharging.schedule import Electrical
from station.smartcharging.service import SmartChargingService

if TYPE_CHECKING:
    from station.ems.service import EmsService
from station.store import Store
from station.supervision import Supervisor
from station.transactions.localauth import LocalAuthorization
from station.transactions.queue import TransactionQueue
from station.transactions.service import TransactionService
from station.transactions.session import Reason

if TYPE_CHECKING:
    from station.control.service import ControlService, ControlSettings
    from station.maintenance.customer import CustomerInformation
    from station.maintenance.firmware import FirmwareUpdates
    from station.maintenance.getlog import LogUploads

log = logging.getLogger(__name__)

SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")
ORGANIZATION = key("SecurityCtrlr", "OrganizationName")
WILDCARDS = key("SecurityCtrlr", "AllowCSMSTLSWildcards")
DATE_TIME = key("ClockCtrlr", "DateTime")
ALIGNED_MEASURANDS = key("AlignedDataCtrlr", "Measurands")
TIME_ZONE = key("ClockCtrlr", "TimeZone")
RESET_RETRIES = key("OCPPCommCtrlr", "ResetRetries")

#: meta key holding why the station restarted itself (consumed at the next start).
BOOT_REASON_META = "boot_reason"
#: After `station status` (or `station top`) asked, every meter reading crosses the link
#: for this long (s), so that the power it shows next is at most a sampling interval old.
STATUS_WATCH_S = 30.0
#: meta key holding the wall clock's last offset to the system time, in seconds.
CLOCK_OFFSET_META = "clock_offset_s"


class RestartRequested(Exception):
    """The station must restart (Reset); ``reason`` is the next BootNotification's reason."""

    def __init__(self, reason: BootReasonEnumType) -> None:
        super().__init__(f"restart requested ({reason.value})")
        self.reason = reason


@dataclass
class Runtime:
    """The station's view of the outside world; tests replace parts of it."""

    clock: WallClock = field(default_factory=WallClock)
    rng: random.Random = field(default_factory=random.Random)
    offload: Offload = field(default_factory=lambda: ThreadOffload(1))
    dial: Dialer = dial_websocket
    control_period: float = DEFAULT_PERIOD
    meter_interval: float = 1.0
    #: The meter's interval while no energy can flow (`MeterSampler.set_active`).
    idle_meter_interval: float = 10.0
    card_interval: float = 0.3
    supervisor_window: float = 60.0
    #: The store's page cache (None: SQLite's 2 MiB) and whether each commit waits for
    #: the disk (`station.store.Store.open_sync`); a fleet of simulated stations lowers both.
    store_cache_kib: int | None = None
    store_durable: bool = True
    #: Simulated hardware: an idle control loop and card poller sleep until the
    #: simulator reports a change, at most this long (`ControlSettings.sim_idle_wait`;
    #: a fleet sets it); None keeps their periods.
    sim_idle_wait: float | None = None
    notifier: Notifier = field(default_factory=Notifier)
    #: Whether the station takes what it built by READY out of the collector's passes
    #: (`gc.freeze`). A process that runs station after station (the simulator's lives)
    #: sets False: undoing a freeze puts everything the process holds back into them.
    freeze_heap: bool = True
    #: How to reach a control service in another process; None runs one in this process.
    control_connect: Connect | None = None
    #: What `ResourceWatch` reads as the flash's and the RAM's use (None: the data
    #: directory's file system and the cgroup's memory). The simulator gives its own:
    #: the host's disk and memory are no input a replayed life may depend on.
    disk_usage: Callable[[], Usage | None] | None = None
    memory_usage: Callable[[], Usage | None] = cgroup_memory
    #: Seconds between two looks of `ResourceWatch`. The simulator's flash and RAM are
    #: constants: it looks less often.
    resource_period: float = RESOURCE_PERIOD

    def control_settings(self) -> ControlSettings:
        """The periods of an in-process control service."""
        from station.control.service import ControlSettings

        return ControlSettings(
            period=self.control_period,
            meter_interval=self.meter_interval,
            idle_meter_interval=self.idle_meter_interval,
            card_interval=self.card_interval,
            supervisor_window=self.supervisor_window,
            sim_idle_wait=self.sim_idle_wait,
            # In one process neither side can hang without the other: a loop blocked for
            # a while must not look like a hung peer once it runs again. So no heartbeat
            # says anything, nor do the loops' health reports, which only the OCPP side
            # of another process reads (`Station.healthy` asks this service itself).
            peer_timeout=math.inf,
            heartbeat_interval=math.inf,
        )


class Station:
    """One charging station: its state, its OCPP session, its hardware and features."""

    def __init__(
        self,
        config: StationConfig,
        runtime: Runtime,
        store: Store,
        device_model: DeviceModel,
        control: ControlService | None,
    ) -> None:
        """``control`` is the in-process control service, or None when it runs in
        another process (``runtime.control_connect``)."""
        self.config = config
        self.runtime = runtime
        self.store = store
        self.device_model = device_model
        self.control = control
        self.hardware = control.hardware if control is not None else None
        # The control service's own objects, when it runs in this process (tests, tools).
        self.loops = dict(control.loops) if control is not None else {}
        self.samplers = dict(control.samplers) if control is not None else {}
        #: Until when `station status` keeps every meter reading coming (`_status_asked`).
        self._status_watch_until: float | None = None
        self.cards = control.cards if control is not None else None
        self.clock = runtime.clock
        self.client = OcppClient(rng=runtime.rng, message_timeout=config.csms.message_timeout)
        self.security_log = SecurityLog(store, self.clock.now)
        self.profiles = NetworkProfiles(store)
        self.certificates = CertificateStore(
            config.station.data_dir / "certificates",
            runtime.offload,
            self.clock.now,
            capacity=CERTIFICATE_CAPACITY,
            manufacturer_root_pinned=config.security.pin_manufacturer_root,
        )
        self._crl_checker = (
            CrlChecker(now=self.clock.now)
            if config.security.csms_revocation_check == "crl"
            else None
        )
        self.boot_reason = BootReasonEnumType.PowerUp
        self.triggers = Triggers(self.client)
        self.control_socket = ControlSocket(config.control_socket)
        self.message_log = MessageLog(
            config.station.data_dir,
            runtime.offload,
            now=lambda: runtime.clock.now().astimezone(),
            secret_variables=device_model.secret_variable_names(),
        )
        self.client.observe_frames(self.message_log.observe)
        recent_records()  # the diagnostics log's buffer, from the first record on
        self.client.invalid_message_sink = lambda text: self.security_log.record(
            "InvalidMessages", text
        )
        # Events a peer can repeat at will: at most one a minute of each type.
        self.client.security_event_sink = self.security_log.record_limited
        self.message_log.on_dropped = lambda count: self.security_log.record_limited(
            "MemoryExhaustion", f"message log: {count} lines dropped, its queue bound reached"
        )
        self.resources = ResourceWatch(
            config.station.data_dir,
            runtime.offload,
            self.security_log.record,
            disk=runtime.disk_usage,
            memory=runtime.memory_usage,
            period=runtime.resource_period,
        )
        self.started_at = 0.0
        self.ready = trio.Event()
        self._restart: BootReasonEnumType | None = None
        self._scope = trio.CancelScope()
        evse_ids = [e.id for e in config.hardware.evse]
        # Each EVSE's snapshots go into a channel that its event pump reads, so that no
        # transition (a short C, a quick unplug) is lost between two reads.
        self._snapshots: dict[int, tuple[trio.MemorySendChannel, trio.MemoryReceiveChannel]] = {
            evse_id: trio.open_memory_channel[EvseSnapshot](math.inf) for evse_id in evse_ids
        }
        self.link = ControlLink(
            evse_ids,
            on_snapshot=lambda s: self._snapshots[s.evse_id][0].send_nowait(s),
            on_reading=self._on_reading,
            on_card=lambda uid: self.transactions.card_presented(uid),
            peer_timeout=math.inf if control is not None else PEER_TIMEOUT,
            heartbeat_interval=math.inf if control is not None else HEARTBEAT_INTERVAL,
        )
        #: The EVSEs and meters of the control service, as the OCPP side commands them.
        self.evses = self.link.evses
        self.meters = self.link.meters
        self.queue = TransactionQueue(store, self.client, device_model)
        self.availability = Availability(
            client=self.client,
            store=store,
            device_model=device_model,
            clock=self.clock,
            evse_ids=sorted(self.evses),
            apply_operative=lambda e, operative: self.evses[e].set_operative(operative),
            transaction_active=lambda e: self.transactions.transaction_active(e),
        )
        self.transactions = TransactionService(
            client=self.client,
            store=store,
            device_model=device_model,
            clock=self.clock,
            rng=runtime.rng,
            queue=self.queue,
            evses=dict(self.evses),
            usable=lambda e: self.availability.status(e).value not in ("Unavailable", "Faulted"),
            phases={e.id: e.phases for e in config.hardware.evse},
            read_meter=lambda e: self.meters[e].sample_now(),
            watch_meter=lambda e, on: self.meters[e].watch("energy limit", on),
        )
        self.transactions.on_transaction_ended(self.availability.transaction_ended)
        self.local_auth = LocalAuthorization(
            client=self.client, store=store, device_model=device_model, now=self.clock.now
        )
        self.transactions.local_auth = self.local_auth
        self.reservations = Reservations(
            client=self.client,
            store=store,
            device_model=device_model,
            now=self.clock.now,
            connector_types={e.id: e.connector_type for e in config.hardware.evse},
            base_status=self.availability.base_status,
            changed=self.availability.refresh,
        )
        self.availability.reserved = self.reservations.reserved
        self.availability.status_listeners.append(self.reservations.statuses_changed)
        self.transactions.reservations = self.reservations
        self.link.on_first_sync = self._resume_kept_charges
        self.transactions.interrupted_gate = self._first_sync
        self.reset = ResetService(
            client=self.client,
            transactions=self.transactions,
            evse_ids=sorted(self.evses),
            restart=self.request_restart,
            reset_evse=lambda e: self.evses[e].reset(),
            drained=self.queue.drained,
        )
        self.smart_charging = SmartChargingService(
            client=self.client,
            store=store,
            device_model=device_model,
            now=self.clock.now,
            evses=self.evses,
            electrical={
                e.id: Electrical(
                    voltage=e.nominal_voltage, phases=e.phases, max_current=e.max_current
                )
                for e in config.hardware.evse
            },
            transaction_id=self.transactions.transaction_id,
            on_transactions_changed=self.transactions.on_changed,
            remote_start_id=self.transactions.remote_start_id,
            rate_changed=self.transactions.charging_rate_changed,
            grid_max_current=config.hardware.grid_max_current,
            authorized=lambda e: self.transactions.session(e).authorized,
        )
        self.transactions.start_profile = self.smart_charging
        #: The energy manager's Modbus TCP server (``[ems]``), when enabled.
        self.ems: EmsService | None = None
        if config.ems.enabled:
            # Imported here: pymodbus's server side loads only where it is used.
            from station.ems.service import EmsService, evse_facts_reader

            self.ems = EmsService(
                limits=self.smart_charging,
                evse_facts=evse_facts_reader(
                    lambda e: self.evses[e].snapshot,
                    lambda e: self.meters[e].latest,
                    lambda e: self.availability.status(e).value,
                    self.smart_charging.applied,
                ),
                max_currents={e.id: e.max_current for e in config.hardware.evse},
                station_max=config.station_max_current,
                unit_id=config.ems.unit_id,
                bind=config.ems.bind,
                port=config.ems.port,
                failsafe_timeout=config.ems.failsafe_timeout,
                failsafe_current=config.ems.failsafe_current,
            )
            # The energy manager reads each EVSE's power and energy as they are.
            for meter in self.meters.values():
                meter.watch("energy manager", True)
        Declined(self.client)
        DeviceModelService(self.client, device_model, self.clock.now)
        self.provisioning: Provisioning | None = None
        self.connection: ConnectionManager | None = None
        self.supervisors: list[Supervisor] = []

    @classmethod
    async def create(cls, config: StationConfig, runtime: Runtime | None = None) -> Station:
        """Open the store, build the hardware, load everything persistent; nothing runs yet."""
        runtime = runtime or Runtime()
        with private_umask():  # everything under data_dir 0600/0700 (docs/security.md)
            return await cls._create(config, runtime)

    @classmethod
    async def _create(cls, config: StationConfig, runtime: Runtime) -> Station:
        await runtime.offload.run(lambda: prepare_data_dir(config.station.data_dir))
        await runtime.offload.run(lambda: privacy.load_key(config.station.data_dir))
        store = await Store.open(
            config.station.data_dir / "station.db",
            offload=own_worker(runtime.offload),
            cache_kib=runtime.store_cache_kib,
            durable=runtime.store_durable,
        )
        device_model = build_device_model(config, store)
        await device_model.load(_seeds(config))
        control = None
        if runtime.control_connect is None:
            # Imported here: the OCPP side of `station run` (its own process) never runs
            # the control service, and starts faster without it.
            from drivers import build_hardware
            from station.control.service import ControlService

            try:
                hardware = build_hardware(
                    config.hardware,
                    now=trio.current_time,
                    wall_clock=runtime.clock.now,
                    data_dir=config.station.data_dir,
                )
            except BaseException:
                store.close()
                raise
            control = ControlService(
                config.hardware,
                hardware,
                runtime.control_settings(),
                latch_dir=config.station.data_dir,
                offload=runtime.offload,
            )
        station = cls(config, runtime, store, device_model, control)
        try:
            await station._load()
        except BaseException:
            station.close()
            raise
        return station

    async def _load(self) -> None:
        config = self.config
        dm = self.device_model
        dm.bind_live(DATE_TIME, self.clock.now)
        dm.bind_live(key("SecurityCtrlr", "CertificateEntries"), self.certificates.count)
        for evse_id in self.evses:
            dm.bind_live(key("EVSE", "Power", evse=evse_id), partial(self._power, evse_id))
        await self.security_log.load()
        await self.certificates.load(
            csms_root=config.csms.ca_file,
            certificate=config.csms.cert_file,
            key=config.csms.key_file,
        )
        for problem in self.certificates.problems:
            await self.security_log.record("ReconfigurationOfSecurityParameters", problem[:255])
        await self.profiles.load(
            NetworkProfile(
                slot=1,
                url=config.csms.url,
                security_profile=config.csms.security_profile,
                message_timeout=config.csms.message_timeout,
            )
        )
        # The store decides after the first start; say where the file differs, and why.
        await reconcile(self.store.run, config)
        reason_text = await self.store.run(lambda db: _take_meta(db, BOOT_REASON_META))
        await self._restore_clock_offset()
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
        await self.availability.load()
        await self.local_auth.load()
        await self.reservations.load()
        await self.transactions.load()
        await self.smart_charging.load()
        self.transactions.interrupted_reason = (
            Reason.PowerLoss if self.boot_reason is BootReasonEnumType.PowerUp else Reason.Reboot
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
        self.provisioning.on_time_set(self._clock_set)
        self.provisioning.on_accepted(self._accepted)
        self.connection = ConnectionManager(
            client=self.client,
            device_model=dm,
            profiles=self.profiles,
            endpoint_for=self.endpoint_for,
            dial=self.runtime.dial,
            rng=self.runtime.rng,
            security_event=self.security_log.record,
            now=self.clock.now,
        )
        NetworkService(
            client=self.client,
            device_model=dm,
            profiles=self.profiles,
            connection=self.connection,
            provisioning=self.provisioning,
            security_event=self.security_log.record,
            has_csms_root=self.certificates.has_valid_csms_root,
            has_station_certificate=self.certificates.has_valid_station_certificate,
        )
        connection = self.connection
        self.certificate_service = CertificateService(
            client=self.client,
            store=self.certificates,
            device_model=dm,
            serial_number=config.station.serial_number,
            security_event=self.security_log.record,
            reconnect=connection.reconnect,
            active_security_profile=lambda: (
                connection.active.security_profile if connection.active else None
            ),
            failed_attempts=lambda: connection.failed_attempts,
            wait_failed_attempts=connection.wait_failed_attempts,
            key_type=config.csms.csr_key_type,
        )
        service = self.certificate_service
        connection.on_connected(lambda profile: service.connected(profile.security_profile))
        # Features most boots never use: their modules load on their first CALL (or
        # trigger), see station.ocpp.ondemand.
        self.log_uploads: OnDemand[LogUploads] = OnDemand(
            "log_upload",
            self._log_uploads,
            client=self.client,
            handlers={"GetLog": "get_log"},
            prepare=self.certificates.prepare_transfers,
        )
        OnDemand(
            "customer_information",
            self._customer_information,
            client=self.client,
            handlers={"CustomerInformation": "customer_information"},
        )
        self.firmware: OnDemand[FirmwareUpdates] = OnDemand(
            "firmware",
            self._firmware,
            client=self.client,
            handlers={"UpdateFirmware": "update_firmware"},
            prepare=self.certificates.prepare_transfers,
        )
        if await self._firmware_pending():
            # An update to report after its restart, or files to clean up: as at every
            # boot before, the feature picks them up now.
            await self.firmware.get().load()
        self._register_triggers()
        self._register_commands()

    def _log_uploads(self) -> LogUploads:
        from station.maintenance.getlog import LogUploads
        from station.maintenance.transfer import MIB, trust

        config = self.config
        return LogUploads(
            client=self.client,
            build=self._build_log,
            identity=config.station.identity,
            now=self.clock.now,
            verify=lambda: trust(self.certificates.bundle_path),
            max_bytes=int(config.transfers.max_log_mib * MIB),
            deadline=config.transfers.max_transfer_minutes * 60,
        )

    def _customer_information(self) -> CustomerInformation:
        from station.maintenance.customer import CustomerInformation, MessageLogFiles

        return CustomerInformation(
            client=self.client,
            offload=self.runtime.offload,
            message_log=MessageLogFiles(self.config.station.data_dir),
            sessions=self._sessions,
            now=self.clock.now,
            recent=recent_records(),
            flush_message_log=self.message_log.flush,
            key_dir=self.config.station.data_dir,
            local_auth=self.local_auth,
        )

    def _firmware(self) -> FirmwareUpdates:
        from station.maintenance.firmware import FirmwareUpdates
        from station.maintenance.transfer import MIB, DownloadLimits, trust

        config = self.config
        return FirmwareUpdates(
            client=self.client,
            certificates=self.certificates,
            store=self.store,
            offload=self.runtime.offload,
            now=self.clock.now,
            directory=config.station.data_dir / "firmware",
            installer=config.firmware.installer,
            install_timeout=config.firmware.install_timeout,
            security_event=self.security_log.record,
            transactions_active=self.transactions.any_transaction,
            wait_transactions_changed=self.transactions.wait_changed,
            hold=self._hold_for_firmware,
            restart=lambda: self.request_restart(BootReasonEnumType.FirmwareUpdate),
            drained=self.queue.drained,
            verify=lambda: trust(self.certificates.bundle_path),
            limits=DownloadLimits(
                max_bytes=int(config.transfers.max_firmware_mib * MIB),
                reserve_bytes=int(config.transfers.min_free_mib * MIB),
                deadline=config.transfers.max_transfer_minutes * 60,
            ),
            allow_downgrade=config.firmware.allow_downgrade,
        )

    async def _firmware_pending(self) -> bool:
        """Whether an update left something for this boot: its state in the store (to
        report once the CSMS accepted the new version) or files in its directory."""
        directory = self.config.station.data_dir / "firmware"
        row = await self.store.run(
            lambda db: db.execute("SELECT 1 FROM meta WHERE name = ?", (FIRMWARE_STATE,)).fetchone()
        )
        files = await self.runtime.offload.run(
            lambda: directory.is_dir() and any(directory.iterdir())
        )
        return row is not None or bool(files)

    async def _hold_for_firmware(self, held: bool) -> None:
        """Idle EVSEs Unavailable while an installation waits or runs (L01.FR.07); returns
        once the CSMS was told (TC_L_10 expects Unavailable before Installing)."""
        evse_ids = sorted(self.evses)
        if held:
            evse_ids = [e for e in evse_ids if not self.transactions.transaction_active(e)]
        self.availability.hold(evse_ids, held)
        if held:
            with trio.move_on_after(self.config.csms.message_timeout):
                await self.availability.wait_reported(evse_ids)

    def _sessions(self) -> list[tuple[int, str | None, str]]:
        sessions = []
        for evse_id in sorted(self.evses):
            authorization = self.transactions.session(evse_id).state.authorization
            if authorization is not None:
                sessions.append(
                    (
                        evse_id,
                        self.transactions.transaction_id(evse_id),
                        authorization.token.id_token,
                    )
                )
        return sessions

    async def _build_log(self, log_type, oldest, latest) -> bytes:
        """GetLog content: the security log, or the diagnostics (status, recent log
        lines, OCPP messages) within [oldest, latest]."""
        if log_type.value == "SecurityLog":
            from station.maintenance.getlog import render_security_log

            return render_security_log(await self.security_log.entries(oldest, latest))
        lines = [
            f"# diagnostics of {self.config.station.identity} "
            f"(serial {self.config.station.serial_number}, version {__version__})",
            f"# generated {format_date_time(self.clock.now())} window "
            f"{format_date_time(oldest) if oldest else '-'} .. "
            f"{format_date_time(latest) if latest else '-'}",
            "## status",
            json.dumps(self.status(), indent=1, default=str),
            "## log",
            *recent_records().between(
                oldest.timestamp() if oldest else None, latest.timestamp() if latest else None
            ),
            "## ocpp messages",
        ]

        def messages() -> list[str]:
            found = []
            for entry in read_entries(self.config.station.data_dir):
                try:
                    moment = datetime.fromisoformat(entry["time"])
                except (KeyError, TypeError, ValueError):
                    continue
                if (oldest is None or moment >= oldest) and (latest is None or moment <= latest):
                    found.append(json.dumps(entry, separators=(",", ":")))
            return found

        await self.message_log.flush()  # every frame up to this request is in the file
        lines += await self.runtime.offload.run(messages)
        return ("\n".join(lines) + "\n").encode()

    async def _accepted(self) -> None:
        self.availability.boot_accepted()
        await self.transactions.boot_accepted()

    def _power(self, evse_id: int) -> float:
        reading = self.meters[evse_id].latest if evse_id in self.meters else None
        return round(max(reading.sample.power, 0.0), 1) if reading is not None else 0.0

    def _on_reading(self, evse_id: int, reading) -> None:
        self.transactions.reading(evse_id, reading)
        if self._status_watch_until is not None and trio.current_time() > self._status_watch_until:
            self._status_watch_until = None
            for meter in self.meters.values():
                meter.watch("status", False)

    def _status_asked(self, args: object) -> dict:
        """`status` on the control socket: the status, and every reading for a while."""
        if self._status_watch_until is None:
            for meter in self.meters.values():
                meter.watch("status", True)
        self._status_watch_until = trio.current_time() + STATUS_WATCH_S
        return self.status()

    # -- triggers and operator commands --------------------------------------------------

    def _register_triggers(self) -> None:
        provisioning = self.provisioning
        assert provisioning is not None
        evse_ids = sorted(self.evses)

        def evses(evse) -> list[int] | None:
            if evse is None or evse.id == 0:
                return evse_ids
            return [evse.id] if evse.id in self.evses else None

        def boot(evse):
            if not provisioning.can_trigger():
                return None

            async def send() -> None:
                provisioning.trigger()

            return send

        def heartbeat(evse):
            async def send() -> None:
                await self.client.call(HeartbeatRequest(), admission=Admission.REQUESTED)

            return send

        def status(evse):
            # F06.FR.12: StatusNotification is per connector.
            if evse is None or evse.id not in self.evses or evse.connector_id not in (None, 1):
                return None

            async def send() -> None:
                await self.availability.notify(evse.id, admission=Admission.REQUESTED)

            return send

        def meter_values(evse):
            targets = evses(evse)
            if targets is None:
                return None

            async def send() -> None:
                measurands = self.device_model.get_list(ALIGNED_MEASURANDS) or ()
                for evse_id in targets:
                    await self.transactions.send_meter_values(
                        evse_id, measurands, ReadingContextEnumType.Trigger, Admission.REQUESTED
                    )

            return send

        def transaction_event(evse):
            targets = evses(evse)
            if targets is None or not any(self.transactions.transaction_active(e) for e in targets):
                return None

            async def send() -> None:
                for evse_id in targets:
                    await self.transactions.trigger_transaction_event(evse_id)

            return send

        # requestedMessage values (MessageTriggerEnumType), as strings: a boot does not
        # build the TriggerMessage models.
        table = {
            "BootNotification": boot,
            "Heartbeat": heartbeat,
            "StatusNotification": status,
            "MeterValues": meter_values,
            "TransactionEvent": transaction_event,
            "LogStatusNotification": lambda evse: self.log_uploads.get().trigger(evse),
            "FirmwareStatusNotification": lambda evse: self.firmware.get().trigger(evse),
            "SignChargingStationCertificate": self.certificate_service.trigger,
        }
        for message, trigger in table.items():
            self.triggers.register(message, trigger)

    def _register_commands(self) -> None:
        socket = self.control_socket
        socket.register("status", self._status_asked)
        # `station config get|list`, answered from the device model this station holds.
        from station.devicemodel.cli import serve as config_commands

        for name, command in config_commands(self.device_model).items():
            socket.register(name, command)
        socket.register("evse.clear_fault", self._clear_fault)
        socket.register("limit.set", self._set_limit)
        socket.register("limit.clear", self._clear_limit)
        if self.control is None:
            # The simulated hardware lives in the control process: ask it there.
            link = self.link
            socket.register("sim.plug", lambda a: link.simulate("plug", int(a["evse"])))
            socket.register("sim.unplug", lambda a: link.simulate("unplug", int(a["evse"])))
            socket.register(
                "sim.ev_state",
                lambda a: link.simulate("ev_state", int(a["evse"]), str(a["state"])),
            )
            socket.register("sim.tap", lambda a: link.simulate("tap", None, str(a["uid"])))
            socket.register(
                "sim.fault", lambda a: link.simulate("fault", int(a["evse"]), str(a["kind"]))
            )
            socket.register(
                "sim.pilot_voltage",
                lambda a: link.simulate("pilot_voltage", int(a["evse"]), _pilot_levels(a)),
            )
            socket.register(
                "sim.ev_ignore_pwm",
                lambda a: link.simulate(
                    "ev_ignore_pwm", int(a["evse"]), "on" if a["on"] else "off"
                ),
            )
            socket.register(
                "sim.ev", lambda a: link.simulate("ev", int(a["evse"]), ev_settings_value(a))
            )
            socket.register(
                "sim.soc",
                lambda a: link.simulate("soc", int(a["evse"]), str(_soc_percent(a))),
            )
            return
        sim = self.hardware.sim if self.hardware is not None else None
        if sim is None:
            return
        from station.control.service import apply_pilot_voltage  # in-process control only

        socket.register("sim.plug", lambda a: sim.plug(int(a["evse"])))
        socket.register("sim.unplug", lambda a: sim.unplug(int(a["evse"])))
        socket.register("sim.ev_state", lambda a: sim.set_ev_state(int(a["evse"]), str(a["state"])))
        socket.register("sim.tap", lambda a: sim.tap(str(a["uid"])))
        socket.register("sim.fault", lambda a: sim.fault(int(a["evse"]), str(a["kind"])))
        socket.register(
            "sim.pilot_voltage",
            lambda a: apply_pilot_voltage(sim, int(a["evse"]), _pilot_levels(a)),
        )
        socket.register(
            "sim.ev_ignore_pwm", lambda a: sim.set_ev_ignores_pwm(int(a["evse"]), a["on"])
        )
        socket.register("sim.ev", lambda a: sim.configure_ev(int(a["evse"]), **ev_settings(a)))
        socket.register("sim.soc", lambda a: sim.set_ev_soc(int(a["evse"]), _soc_percent(a)))

    async def _set_limit(self, args: dict) -> str:
        """Local limit command (an energy manager, K11/K12): ``evse`` (0 = the station),
        ``amps`` per phase, ``source`` EMS / SO / Other."""
        evse_id, amps = args.get("evse"), args.get("amps")
        if isinstance(evse_id, bool) or not isinstance(evse_id, int):
            raise ValueError(f"evse {evse_id!r} is not an EVSE id")
        if isinstance(amps, bool) or not isinstance(amps, int | float):
            raise ValueError(f"amps {amps!r} is not a number")
        source = str(args.get("source", "EMS"))
        notified = await self.smart_charging.set_external_limit(evse_id, float(amps), source)
        where = f"EVSE {evse_id}" if evse_id else "the station"
        told = "CSMS notified" if notified else "CSMS not notified (offline or not significant)"
        return f"{where}: limited to {float(amps):g} A by {source}; {told}"

    async def _clear_limit(self, args: dict) -> str:
        """Release a local limit (K13)."""
        evse_id = args.get("evse")
        if isinstance(evse_id, bool) or not isinstance(evse_id, int):
            raise ValueError(f"evse {evse_id!r} is not an EVSE id")
        source = str(args.get("source", "EMS"))
        if not await self.smart_charging.clear_external_limit(evse_id, source):
            return f"EVSE {evse_id}: no local limit to clear"
        return f"EVSE {evse_id}: local limit cleared"

    async def _clear_fault(self, args: dict) -> str:
        """Operator command: clear an EVSE's latched faults (a welded contactor)."""
        evse_id = args["evse"]
        if isinstance(evse_id, bool) or not isinstance(evse_id, int) or evse_id not in self.evses:
            raise ValueError(f"unknown EVSE {evse_id!r}; this station has {sorted(self.evses)}")
        if self.control is None:
            # The latch lives in the control process: ask it there (it logs what it cleared).
            self.evses[evse_id].reset_latched_faults()
            log.warning("event=operator_cleared_latched_faults evse=%s via=control_link", evse_id)
            return f"EVSE {evse_id}: clearing requested from the control process"
        cleared = await self.loops[evse_id].clear_latched_faults()
        log.warning("event=operator_cleared_latched_faults evse=%s faults=%s", evse_id, cleared)
        if not cleared:
            return f"EVSE {evse_id} has no latched fault"
        return f"EVSE {evse_id}: cleared {', '.join(cleared)}"

    def status(self) -> dict:
        """What `station status` and `station sim status` print."""
        connection = self.connection
        evses = {}
        for evse_id, evse in sorted(self.evses.items()):
            snap = evse.snapshot
            reading = self.meters[evse_id].latest
            evses[str(evse_id)] = {
                "pilot_state": snap.pilot_state,
                "duty": snap.duty,
                "relay": "closed" if snap.relay_closed else "open",
                "fault": snap.fault,
                "connector_status": self.availability.status(evse_id).value,
                "transaction_id": self.transactions.transaction_id(evse_id),
                "energy_wh": round(reading.sample.energy_import_wh, 1) if reading else None,
                "power_w": round(reading.sample.power, 1) if reading else None,
            }
        result = {
            "identity": self.config.station.identity,
            "connected": self.client.connected,
            "boot": self.client.boot_state.value,
            "security_profile": (
                connection.active.security_profile if connection and connection.active else None
            ),
            "last_connection_failure": connection.last_failure if connection else None,
            "last_connection_failure_at": (
                format_date_time(connection.last_failure_at)
                if connection and connection.last_failure_at
                else None
            ),
            "queued_transaction_messages": self.queue.count(),
            "uptime_s": round(trio.current_time() - self.started_at, 1),
            # ClockCtrlr.TimeZone is for display (Part 2 §3.1.1): the operator's view.
            "local_time": local_time(
                self.clock.now(), str(self.device_model.get(TIME_ZONE) or "")
            ).isoformat(timespec="seconds"),
            "evses": evses,
            "supervision": [
                {
                    "child": c.name,
                    "state": c.state,
                    "restarts": c.restarts,
                    "last_error": c.last_error,
                }
                for supervisor in self.supervisors
                for c in supervisor.status()
            ],
        }
        if self.hardware is not None and self.hardware.sim is not None:
            result["hardware"] = self.hardware.sim.status()
        # `station top` shows where the station is connected.
        result["csms_url"] = connection.active.url if connection and connection.active else None
        return result

    # -- connection ----------------------------------------------------------------------

    def endpoint_for(self, profile: NetworkProfile) -> Endpoint:
        """Connection parameters for a network profile, with the current credentials."""
        certificates = self.certificates
        context = None
        if profile.security_profile >= 2:
            from station.ocpp.tls import cached_client_context

            client = profile.security_profile == 3
            if client and certificates.station_certificate is None:
                raise RuntimeError(
                    "security profile 3 but no ChargingStationCertificate is installed"
                )
            # A renewed certificate on trial, else the established one (A02.FR.28).
            chain, key_file = self.certificate_service.client_files()
            context = cached_client_context(
                ca_files=[certificates.bundle_path] if certificates.roots(CSMS_ROOT) else [],
                cert_file=chain if client else None,
                key_file=key_file if client else None,
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
            revocation=self._crl_checker,
        )

    async def _restore_clock_offset(self) -> None:
        """Without a real-time clock the system time after a power cut can be far off: start
        from the last offset the CSMS's time gave, until the CSMS answers again. The clock
        stays "unsynchronised" meanwhile (what it stamps is marked, see station.clock)."""
        text = await self.store.run(
            lambda db: db.execute(
                "SELECT value FROM meta WHERE name = ?", (CLOCK_OFFSET_META,)
            ).fetchone()
        )
        self._clock_unsynchronised_at_start = not self.clock.synchronised
        if text is not None and not self.clock.synchronised:
            self.clock.restore_offset(float(text[0]))
            log.info("event=clock_offset_restored offset_s=%s", text[0])

    async def _clock_set(self) -> None:
        """The CSMS's time was adopted: keep the offset; if this was the clock's first
        synchronisation in this run, correct what the security log stamped before it."""
        if self._clock_unsynchronised_at_start and self.clock.first_jump is not None:
            self._clock_unsynchronised_at_start = False
            await self.security_log.correct_early_timestamps(self.clock.first_jump)
        offset = repr(self.clock.offset_seconds)
        await self.store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (CLOCK_OFFSET_META, offset),
            )
        )

    # -- running -------------------------------------------------------------------------

    async def request_restart(self, reason: BootReasonEnumType) -> None:
        """Stop the tree and restart with ``reason`` as the next boot reason."""
        # F06: a trigger answered Accepted is followed by its message, so the messages
        # promised so far go out first. One may wait for its turn behind a CALL in flight
        # (one message timeout at most), then take one message timeout itself.
        with trio.move_on_after(2 * self.client.message_timeout):
            await self.triggers.close()
        await self.store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (BOOT_REASON_META, reason.value),
            )
        )
        self._restart = reason
        self._scope.cancel()

    def _evse_supervisor(self, evse_id: int) -> Supervisor:
        supervisor = Supervisor(f"evse{evse_id}", window=self.runtime.supervisor_window)
        supervisor.add("events", lambda: self._pump(evse_id))
        return supervisor

    def _resume_kept_charges(self) -> None:
        """The control process kept charging where it kept an authorization (this OCPP
        side restarted, the control process did not): those transactions go on, and an
        authorization without a transaction behind it is withdrawn."""
        for evse_id, evse in self.evses.items():
            if evse.commands is None or not evse.commands.allowed:
                continue
            if self.transactions.interrupted(evse_id):
                self.transactions.resume_interrupted(evse_id)
            else:
                # An authorization no session of ours holds (the transaction ended just
                # before a restart): it ends here.
                evse.allow_charging(self.transactions.session(evse_id).may_offer_energy)

    async def _first_sync(self) -> None:
        # Bounded: a control process that does not answer must not keep transactions
        # open for ever (they end as interrupted then).
        with trio.move_on_after(self.config.csms.message_timeout):
            await self.link.first_sync.wait()

    async def _connection(self) -> None:
        # The CSMS hears of the station once its hardware is under control: after the
        # control service's first full state (bounded, as for the boot statuses). `station
        # run` starts the OCPP side before its control process has built the hardware; if
        # that fails, the control process ends the OCPP side before it said anything.
        await self._first_sync()
        assert self.connection is not None
        await self.connection.run()

    async def _availability(self) -> None:
        # The statuses sent after the boot (B01.FR.03; TC_B_22 step 7) describe the
        # hardware, so they wait for the control service's first full state: an EV still
        # plugged in after a reboot is Occupied from the first one on, not Available first.
        await self._first_sync()
        for evse in self.evses.values():
            self.availability.update(evse.snapshot)
        await self.availability.run()

    async def _pump(self, evse_id: int) -> None:
        # The first full state decides on resumed transactions before any snapshot counts.
        await self.link.first_sync.wait()
        receive = self._snapshots[evse_id][1]
        async for snapshot in receive:
            self.availability.update(snapshot)
            await self.transactions.evse_changed(snapshot)

    async def run(self, stop_signal: trio.Event | None = None) -> None:
        """Run the station's tree until cancelled, or until ``stop_signal`` is set (then
        shut down in order and return); raises `RestartRequested` after a Reset."""
        with private_umask():  # files made while running are private too
            await self._run(stop_signal)

    async def _run(self, stop_signal: trio.Event | None) -> None:
        assert self.connection is not None and self.provisioning is not None
        self.started_at = trio.current_time()
        top = Supervisor("station", window=self.runtime.supervisor_window, escalate_by_raising=True)
        top.add("ocpp.connection", self._connection)
        top.add("ocpp.heartbeat", self.provisioning.run_heartbeat)
        top.add(
            "ocpp.security_events", lambda: deliver_critical_events(self.security_log, self.client)
        )
        top.add("security.certificates", self.certificate_service.run)
        top.add("maintenance.log_upload", self.log_uploads.run)
        top.add("maintenance.firmware", self.firmware.run)
        top.add("transactions.queue", self.queue.run)
        top.add("transactions.timers", self.transactions.run)
        top.add("smart_charging", self.smart_charging.run)
        if self.ems is not None:
            top.add("ems.modbus", self.ems.run)
        top.add("reservations", self.reservations.run)
        top.add("availability", self._availability)
        top.add("control_socket", self.control_socket.run)
        top.add("message_log", self.message_log.run)
        top.add("security.resources", self.resources.run)
        top.add(
            "systemd.watchdog", lambda: watchdog(self.runtime.notifier, self.healthy, self.ready)
        )
        top.add("systemd.ready", self._ready)
        evse_supervisors = [self._evse_supervisor(e) for e in sorted(self.evses)]
        with self._scope:
            async with trio.open_nursery() as nursery:
                connect = self.runtime.control_connect
                if self.control is not None:
                    # Both sides in this process: the control service first, so that the
                    # hardware is under control before the OCPP side asks anything.
                    nursery.start_soon(self.control.run, name="control")
                    connect = _in_process(self.control, nursery)
                assert connect is not None
                top.add("control.link", lambda: self.link.run(connect))
                control_supervisors = self.control.supervisors if self.control else []
                self.supervisors = [top, *control_supervisors, *evse_supervisors]
                for supervisor in evse_supervisors:
                    nursery.start_soon(supervisor.run, name=supervisor.name)
                nursery.start_soon(top.run, name="station")
                if stop_signal is not None:
                    nursery.start_soon(self._stop_on, stop_signal)
        if self._restart is not None:
            raise RestartRequested(self._restart)

    def healthy(self, now: float) -> bool:
        """Every control loop meets its deadlines (what the service watchdog vouches for)."""
        if self.control is not None:
            return self.control.healthy(now)
        return self.link.connected and all(e.healthy(now) for e in self.evses.values())

    async def _ready(self) -> None:
        """READY=1 once every control loop ran and the OCPP side knows the EVSEs' state."""
        if self.control is not None:
            await self.control.wait_first_iterations()
        await self.link.first_sync.wait()
        self.runtime.notifier.notify("READY=1")
        self.ready.set()
        log.info("event=ready evses=%d", len(self.evses))
        # Everything built so far lives as long as the station: keep it out of the
        # collector's full passes, which otherwise stall the event loop (and the control
        # loops on it) for tens of milliseconds under load (see bench/control_loop.py).
        # The one full pass this takes (~50 ms here) waits until the boot is done so as not
        # to delay the first BootNotification (it is well inside the contactor's 100 ms
        # even if a charge started offline meanwhile).
        with trio.move_on_after(10):
            await self.client.wait_until(lambda: self.client.boot_state is BootState.Accepted)
        if self.runtime.freeze_heap:
            gc.collect()  # what is garbage already need not be frozen
            gc.freeze()
        await trio.sleep_forever()

    async def _stop_on(self, signal: trio.Event) -> None:
        await signal.wait()
        await self.stop()

    async def stop(self) -> None:
        """Orderly shutdown: contactors open first, then the tree is cancelled (the store
        is closed by the caller, the WebSocket closes with 1001 on cancellation)."""
        self.runtime.notifier.notify("STOPPING=1")
        if self.control is not None:
            await self.control.stop()
            log.info("event=stopping relays=open")
        else:
            # The control process stays in charge of the contactors (it stops them itself
            # when it is stopped; a running charge goes on while the OCPP side restarts).
            log.info("event=stopping")
        self._scope.cancel()

    def close(self) -> None:
        """Release the hardware (contactors first) and the store."""
        try:
            if self.control is not None:
                self.control.close()
        finally:
            self.store.close()


def _in_process(control: ControlService, nursery: trio.Nursery) -> Connect:
    """Connect to a control service in this process over an in-process stream pair."""

    async def connect() -> trio.abc.Stream:
        ocpp_end, control_end = stream_pair()
        nursery.start_soon(control.serve, control_end, name="control.serve")
        return ocpp_end

    return connect


def _pilot_levels(args: dict) -> str | None:
    """``sim.pilot_voltage`` arguments {"evse", "high", "low"} as the sim command's value:
    "HIGH,LOW" volts, or None to read the modelled EV again."""
    if args.get("high") is None and args.get("low") is None:
        return None
    return f"{float(args['high'])},{float(args['low'])}"


def _soc_percent(args: dict) -> float:
    """``sim.soc`` {"evse", "percent"}: the percent, checked to be a number (its range is
    the simulated EV's to check)."""
    percent = args["percent"]
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        raise ValueError(f"percent must be a number, got {percent!r}")
    return float(percent)


def _take_meta(db, name: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
    db.execute("DELETE FROM meta WHERE name = ?", (name,))
    return None if row is None else row[0]


class FirmwareRestart(Exception):
    """A new firmware version was installed: the process must end so that the service
    manager starts the new version (`station run` exits with `EXIT_FIRMWARE_RESTART`)."""


#: Exit status of `station run` after a firmware installation (systemd restarts it).
EXIT_FIRMWARE_RESTART = 75


async def run_station(
    config: StationConfig,
    runtime: Runtime | None = None,
    stop_signal: trio.Event | None = None,
    *,
    exit_on_firmware_update: bool = False,
    on_station: Callable[[Station | None], None] | None = None,
) -> None:
    """Run a station, restarting its tree in-process after a Reset, until ``stop_signal``.

    With ``exit_on_firmware_update`` a restart after a firmware installation raises
    `FirmwareRestart` instead: new code needs a new process. ``on_station`` is told of
    each incarnation once it is built, and of None when it is closed (a fleet drives the
    current one, `station.fleet`).
    """
    station = await Station.create(config, runtime)
    while True:
        if on_station is not None:
            on_station(station)
        try:
            await station.run(stop_signal)
            return
        except RestartRequested as restart:
            log.warning("event=restarting reason=%s", restart.reason.value)
            if exit_on_firmware_update and restart.reason is BootReasonEnumType.FirmwareUpdate:
                raise FirmwareRestart from None
            retries = station.device_model.get_int(RESET_RETRIES) or 0
        finally:
            if on_station is not None:
                on_station(None)
            station.close()
        station = await _restart(config, runtime, retries)


#: Wait between the attempts of a restart that failed (OCPPCommCtrlr.ResetRetries).
RESET_RETRY_DELAY = 5.0


async def _restart(config: StationConfig, runtime: Runtime | None, retries: int) -> Station:
    """The station after a reset: a reset fails when the new station cannot be built (store
    unreadable, a serial port gone...); it is retried ``retries`` times
    (OCPPCommCtrlr.ResetRetries) before the error ends the process for the service manager."""
    for attempt in range(retries + 1):
        try:
            return await Station.create(config, runtime)
        except Exception as exc:
            if attempt == retries:
                raise
            log.exception(
                "event=reset_failed attempt=%d retries=%d error=%r", attempt + 1, retries, str(exc)
            )
        await trio.sleep(RESET_RETRY_DELAY)
    raise AssertionError("unreachable")
