"""The control service: the side of the station that owns the hardware.

It runs, under supervisors, each EVSE's `ControlLoop` and `MeterSampler` and the
`CardPoller`, and serves the control protocol (`station.control.protocol`) to one OCPP
side at a time. It does no network I/O, no SQLite write and no parsing of CSMS input:
whatever the OCPP side does, these loops keep their period.

The OCPP side can ask, never force. Its requests only feed the inputs of each EVSE's
pilot machine (`station.control.iec61851`), which closes a contactor only under the
conditions of rule 4 (docs/architecture.md) whatever it was asked; a current limit is clamped to the
EVSE's configured maximum; an EVSE id the service does not have, a negative limit or a
malformed frame is a protocol error that drops the link. A fault the service found itself
(its supervisor gave up on the meter or the loop) cannot be cleared by the OCPP side.

Policy when the OCPP side is away (its link closed, or no frame from it for
``peer_timeout`` seconds, or it stopped reading so that its outbox overflowed):

- a running charge goes on as it would offline: the last authorization, availability and
  current limit stay in force;
- new authorization changes wait for the OCPP side; the one change the service makes
  itself is that an EV unplugging ends the authorization of its EVSE (a different EV
  plugged in next must not charge on the previous driver's authorization);
- card presentations and meter readings while it is away are not kept (the next OCPP
  side gets the latest reading);
- when an OCPP side connects it first gets the full state — per EVSE its snapshot, the
  requests in force (`Commands`) and the latest reading — then `Synced`, then live reports.

A connected OCPP side is sent the readings it asked for (`SampleMeter`), every reading of
a meter it watches (`WatchMeter`), and otherwise one reading an idle interval
(`_on_reading`).
"""

from __future__ import annotations

import logging
import math
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

from drivers import Hardware, HardwareConfig
from station.control.cards import CardPoller
from station.control.channel import ChannelClosed, ControlChannel
from station.control.latches import LatchFile
from station.control.loop import ControlLoop
from station.control.meter import MeterSampler
from station.control.protocol import (
    HEARTBEAT_INTERVAL,
    PEER_TIMEOUT,
    AllowCharging,
    CardGone,
    CardPresented,
    Commands,
    Health,
    Heartbeat,
    Message,
    MeterReading,
    ProtocolError,
    ResetEvse,
    ResetLatchedFaults,
    Role,
    SampleDone,
    SampleMeter,
    SetCurrentLimit,
    SetExternalFault,
    SetOperative,
    SimCommand,
    SimResult,
    Snapshot,
    StopAll,
    Synced,
    WatchMeter,
)
from station.control.reading import Reading
from station.control.simargs import EV_SETTINGS, ev_settings
from station.control.spawn import bind_link
from station.control.timing import DEFAULT_PERIOD
from station.evse import EvseSnapshot
from station.offload import Offload, ThreadOffload
from station.privacy import token_ref
from station.supervision import Supervisor

if TYPE_CHECKING:
    from drivers.sim.station import SimulatedStation

log = logging.getLogger(__name__)

#: Longest a new OCPP side waits for the control loops to confirm the pilot states
#: before it gets the full state (s); a few control periods suffice.
SETTLE_WAIT = 1.0


@dataclass(frozen=True)
class ControlSettings:
    """Periods and bounds of the control service."""

    period: float = DEFAULT_PERIOD
    meter_interval: float = 1.0
    #: The meter's interval while no energy can flow (contactor open, no fault).
    idle_meter_interval: float = 10.0
    card_interval: float = 0.3
    supervisor_window: float = 60.0
    #: Each side sends a heartbeat this often ...
    heartbeat_interval: float = HEARTBEAT_INTERVAL
    #: ... and drops a peer it heard nothing from for this long.
    peer_timeout: float = PEER_TIMEOUT
    #: Reports queued for a peer that does not read them before it is dropped.
    outbox_limit: int = 10_000
    #: Meter requests of a peer in progress at once.
    max_pending_samples: int = 16
    #: Simulated hardware without an interlock only (a fleet of stations): an idle
    #: control loop and the card poller sleep until the simulator reports a change of
    #: their inputs (or a command arrives), at most this long; None: their periods.
    sim_idle_wait: float | None = None


@dataclass
class EvseRequests:
    """What the OCPP side asked of one EVSE, and the service's own fault."""

    current_limit: float
    allowed: bool = False
    operative: bool = True
    ocpp_fault: str | None = None
    supervisor_fault: str | None = None

    @property
    def external_fault(self) -> str | None:
        """The fault the loop sees (the service's own first)."""
        return self.supervisor_fault or self.ocpp_fault


@dataclass
class _Peer:
    """One connected OCPP side: the reports waiting to be sent to it."""

    limit: int
    outbox: deque[Message] = field(default_factory=deque)
    wake: trio.Event = field(default_factory=trio.Event)
    overflowed: bool = False
    #: Per EVSE: its meter requests in progress, whose readings it is sent.
    asked: dict[int, int] = field(default_factory=dict)
    #: The EVSEs whose every reading it is sent (`WatchMeter`).
    watched: set[int] = field(default_factory=set)
    #: Per EVSE: when it was last sent a reading (the full state's not counted).
    sent_reading_at: dict[int, float] = field(default_factory=dict)
    #: Writes a report at once where the link can (`ControlChannel.send_now`).
    send_now: Callable[[Message], bool] | None = None

    def put(self, message: Message) -> None:
        # Never blocks the caller (a control loop): a peer that does not read is dropped.
        # With nothing queued before it, a report the link takes at once needs no round
        # of the sender task (the in-process link of one process: a simulator, a fleet).
        if not self.outbox and self.send_now is not None and self.send_now(message):
            return
        if len(self.outbox) >= self.limit:
            self.overflowed = True
        else:
            self.outbox.append(message)
        self.wake.set()


class ControlService:
    """The hardware side of a station: control loops, meters, card reader, and the
    control-protocol server the OCPP side talks to."""

    def __init__(
        self,
        config: HardwareConfig,
        hardware: Hardware,
        settings: ControlSettings | None = None,
        *,
        latch_dir: Path | None = None,
        offload: Offload | None = None,
    ) -> None:
        """``latch_dir``: where each EVSE's latched faults (a welded contactor) are kept
        across Reset and restart (the station's data directory); None keeps them in
        memory only. ``offload`` runs those file writes (a worker thread by default)."""
        self.config = config
        self.hardware = hardware
        self.settings = settings = settings or ControlSettings()
        evse_config = {e.id: e for e in config.evse}
        sim = hardware.sim
        # Only a simulator tells of its changes; a station with a simulated interlock
        # keeps the real idle rate, so that its interlock model sees what a board sees.
        idle_wait = (
            settings.sim_idle_wait
            if sim is not None and config.sim.interlock_window is None
            else None
        )
        self.requests = {
            d.id: EvseRequests(current_limit=evse_config[d.id].max_current) for d in hardware.evses
        }
        self.loops = {
            d.id: ControlLoop(
                d.id,
                pilot=d.pilot,
                relay=d.relay,
                faults=d.faults,
                max_current=evse_config[d.id].max_current,
                period=settings.period,
                on_snapshot=self._on_snapshot,
                heartbeat=d.heartbeat,
                latches=None
                if latch_dir is None
                else LatchFile.for_evse(latch_dir, d.id, offload or ThreadOffload()),
                max_reading_age=evse_config[d.id].pilot.max_reading_age,
                idle_wait=idle_wait,
                changes_at=None
                if idle_wait is None or sim is None
                else sim.evse(d.id).next_change_at,
            )
            for d in hardware.evses
        }
        window = config.sim.interlock_window
        if hardware.sim is not None and window is not None and window < 2 * settings.period:
            # The heartbeat toggles once per period: a window this short drops the
            # simulated contactor between two healthy iterations.
            log.warning(
                "event=interlock_window_too_short window_s=%g control_period_s=%g",
                window,
                settings.period,
            )
        self.samplers = {
            d.id: MeterSampler(
                d.id,
                d.meter,
                offered_current=partial(self._offered_current, d.id),
                on_reading=self._on_reading,
                interval=settings.meter_interval,
                idle_interval=settings.idle_meter_interval,
                phases=evse_config[d.id].phases,
            )
            for d in hardware.evses
        }
        # A real reader beside simulated EVSEs tells of nothing: it keeps its interval.
        simulated_reader = sim is not None and hardware.card_reader is sim.card_reader
        self.cards = CardPoller(
            hardware.card_reader,
            self._on_card,
            interval=settings.card_interval,
            idle_interval=max(idle_wait, settings.card_interval)
            if idle_wait is not None and simulated_reader
            else None,
        )
        if idle_wait is not None:
            assert sim is not None
            for evse_id, loop in self.loops.items():
                sim.evse(evse_id).on_input = loop.wake
            if simulated_reader:
                sim.card_reader.on_tap = self.cards.wake
        rfid = Supervisor("rfid", window=settings.supervisor_window)
        rfid.add("poller", self.cards.run)
        rfid.add("card_gone", self._watch_card_gone)
        #: The supervisors of the tree (`run` runs them), for status reports.
        self.supervisors = [*(self._evse_supervisor(e) for e in sorted(self.loops)), rfid]
        self._card_presented = trio.Event()
        #: Called with the reason when an OCPP side is dropped for silence (it hangs).
        self.on_peer_hung: Callable[[str], None] | None = None
        self._peer: _Peer | None = None
        self._peer_scope: trio.CancelScope | None = None
        self._connected: dict[int, bool] = {e: False for e in self.loops}

    @property
    def evse_ids(self) -> tuple[int, ...]:
        """The EVSEs this service controls."""
        return tuple(sorted(self.loops))

    @property
    def peer_connected(self) -> bool:
        """Whether an OCPP side is connected now."""
        return self._peer is not None

    # -- the supervised tree -------------------------------------------------------------

    async def run(self) -> None:
        """Run every EVSE's loop and meter and the card reader until cancelled."""
        async with trio.open_nursery() as nursery:
            for supervisor in self.supervisors:
                nursery.start_soon(supervisor.run, name=supervisor.name)

    def _evse_supervisor(self, evse_id: int) -> Supervisor:
        supervisor = Supervisor(f"evse{evse_id}", window=self.settings.supervisor_window)
        requests = self.requests[evse_id]

        def escalate(child: str, error: BaseException) -> None:
            requests.supervisor_fault = "supervisor"  # shows as Faulted; offers no energy
            self._apply_fault(evse_id)

        def recover(child: str) -> None:
            requests.supervisor_fault = None
            self._apply_fault(evse_id)

        loop, sampler = self.loops[evse_id], self.samplers[evse_id]
        supervisor.add("control", loop.run, on_escalate=escalate, on_recover=recover)
        supervisor.add("meter", sampler.run, on_escalate=escalate, on_recover=recover)
        return supervisor

    def healthy(self, now: float) -> bool:
        """Every control loop meets its deadlines."""
        return all(loop.healthy(now) for loop in self.loops.values())

    async def wait_first_iterations(self) -> None:
        """Return once every control loop ran once (the station is in control)."""
        for loop in self.loops.values():
            await loop.first_iteration.wait()

    async def stop(self) -> None:
        """Shutdown: every contactor open and kept open."""
        for evse_id, loop in self.loops.items():
            self.requests[evse_id].allowed = False
            self.requests[evse_id].operative = False
            await loop.stop()

    def close(self) -> None:
        """Release the hardware (contactors first)."""
        self.hardware.close()

    # -- reports from the hardware -------------------------------------------------------

    def _emit(self, message: Message) -> None:
        if self._peer is not None:
            self._peer.put(message)

    def _on_snapshot(self, snapshot: EvseSnapshot) -> None:
        evse_id = snapshot.evse_id
        was_connected = self._connected.get(evse_id, False)
        self._connected[evse_id] = snapshot.ev_connected
        requests = self.requests[evse_id]
        # Energy can flow only through a closed (or welded) contactor: the meter is read
        # often only then.
        self.samplers[evse_id].set_active(snapshot.relay_closed or snapshot.fault is not None)
        if self._peer is None and was_connected and not snapshot.ev_connected and requests.allowed:
            # Offline policy: the unplug ends the authorization (see the module docstring).
            log.warning("event=authorization_withdrawn evse=%s reason='unplugged offline'", evse_id)
            requests.allowed = False
            self.loops[evse_id].allow_charging(False)
        self._emit(_snapshot_message(snapshot))

    def _withdraw_unplugged(self) -> None:
        """Offline policy for an EV that left while the OCPP side hung (before it was
        dropped): no authorization stays on an EVSE without an EV."""
        for evse_id, requests in self.requests.items():
            if requests.allowed and not self.loops[evse_id].snapshot.ev_connected:
                log.warning(
                    "event=authorization_withdrawn evse=%s reason='no EV, OCPP side gone'",
                    evse_id,
                )
                requests.allowed = False
                self.loops[evse_id].allow_charging(False)

    def _offered_current(self, evse_id: int) -> float:
        return self.loops[evse_id].snapshot.offered_current

    def _on_reading(self, evse_id: int, reading: Reading) -> None:
        self.loops[evse_id].set_measured_current(reading.sample.current)  # over-current check
        peer = self._peer
        if peer is None:
            return
        # The OCPP side reads the meter afresh for every value it sends (`sample_meter`);
        # it follows every reading only while it watches the meter, and is otherwise sent
        # one an idle interval, give or take half a sampling interval (a sample may wake a
        # little late): the age of `station status`'s and EVSE.Power's figures.
        now = trio.current_time()
        settings = self.settings
        if (
            evse_id in peer.watched
            or peer.asked.get(evse_id)
            or now - peer.sent_reading_at.get(evse_id, -math.inf)
            >= settings.idle_meter_interval - settings.meter_interval / 2
        ):
            peer.sent_reading_at[evse_id] = now
            peer.put(_reading_message(evse_id, reading))

    async def _on_card(self, uid: str) -> None:
        self._card_presented.set()
        if self._peer is None:
            log.warning(
                "event=card_ignored uid=%s reason='OCPP side not connected'", token_ref(uid)
            )
        self._emit(CardPresented(uid))

    async def _watch_card_gone(self) -> None:
        while True:
            await self._card_presented.wait()
            self._card_presented = trio.Event()
            await self.cards.wait_card_gone()
            self._emit(CardGone())

    # -- requests from the OCPP side -----------------------------------------------------

    def _apply_fault(self, evse_id: int) -> None:
        self.loops[evse_id].set_external_fault(self.requests[evse_id].external_fault)

    async def _apply(self, message: Message, peer: _Peer, nursery: trio.Nursery) -> None:
        """Carry out one request (`ProtocolError` for one the service refuses)."""
        evse_id = getattr(message, "evse", None)
        if evse_id is not None and evse_id not in self.loops:
            raise ProtocolError(f"{message.TYPE}: unknown EVSE {evse_id}; EVSEs {self.evse_ids}")
        if isinstance(message, Heartbeat):
            return
        log.debug("event=control_request message=%r", message)
        if isinstance(message, AllowCharging):
            self.requests[message.evse].allowed = message.allowed
            self.loops[message.evse].allow_charging(message.allowed)
        elif isinstance(message, SetOperative):
            self.requests[message.evse].operative = message.operative
            self.loops[message.evse].set_operative(message.operative)
        elif isinstance(message, SetCurrentLimit):
            if message.amps < 0:
                raise ProtocolError(f"set_current_limit.amps: {message.amps} is negative")
            # The loop clamps it to the configured maximum.
            self.requests[message.evse].current_limit = message.amps
            self.loops[message.evse].set_current_limit(message.amps)
        elif isinstance(message, SetExternalFault):
            self.requests[message.evse].ocpp_fault = message.reason
            self._apply_fault(message.evse)
        elif isinstance(message, ResetEvse):
            self.loops[message.evse].reset()
        elif isinstance(message, ResetLatchedFaults):
            # The operator's `station clear-fault`, forwarded by the OCPP side (no OCPP
            # message clears a latch: a Reset does not).
            log.warning("event=latched_faults_reset evse=%s by=operator", message.evse)
            nursery.start_soon(self._clear_latched, message.evse)
        elif isinstance(message, SampleMeter):
            if sum(peer.asked.values()) >= self.settings.max_pending_samples:
                raise ProtocolError(
                    f"more than {self.settings.max_pending_samples} meter requests in progress"
                )
            peer.asked[message.evse] = peer.asked.get(message.evse, 0) + 1
            nursery.start_soon(self._sample, message, peer)
        elif isinstance(message, WatchMeter):
            if message.watch:
                peer.watched.add(message.evse)
            else:
                peer.watched.discard(message.evse)
        elif isinstance(message, StopAll):
            await self.stop()
        elif isinstance(message, SimCommand):
            peer.put(self._simulate(message))
        else:  # pragma: no cover - the protocol lets the OCPP side send nothing else
            raise ProtocolError(f"{message.TYPE}: not a request")

    def _simulate(self, command: SimCommand) -> SimResult:
        """Carry out a `station sim` command on the simulated devices."""
        sim = self.hardware.sim
        if sim is None:
            return SimResult(command.request, "this station has no simulated hardware")
        actions = {
            "plug": lambda: sim.plug(_number(command.evse)),
            "unplug": lambda: sim.unplug(_number(command.evse)),
            "ev_state": lambda: sim.set_ev_state(_number(command.evse), str(command.value)),
            "tap": lambda: sim.tap(str(command.value)),
            "fault": lambda: sim.fault(_number(command.evse), str(command.value)),
            "pilot_voltage": lambda: apply_pilot_voltage(sim, _number(command.evse), command.value),
            "ev_ignore_pwm": lambda: sim.set_ev_ignores_pwm(
                _number(command.evse), _on_off(command.value)
            ),
            "ev": lambda: apply_ev_settings(sim, _number(command.evse), command.value),
            "soc": lambda: sim.set_ev_soc(_number(command.evse), _percent(command.value)),
        }
        action = actions.get(command.name)
        if action is None:
            return SimResult(command.request, f"unknown sim command {command.name!r}")
        try:
            result = action()
        except (ValueError, KeyError, TypeError) as exc:
            return SimResult(command.request, str(exc)[:200])
        return SimResult(command.request, None, None if result is None else str(result)[:200])

    async def _clear_latched(self, evse_id: int) -> None:
        try:
            cleared = await self.loops[evse_id].clear_latched_faults()
        except OSError as exc:
            log.error("event=latched_faults_clear_failed evse=%s error=%r", evse_id, str(exc))
            return
        log.warning("event=latched_faults_cleared evse=%s faults=%s", evse_id, cleared)

    async def _sample(self, request: SampleMeter, peer: _Peer) -> None:
        try:
            await self.samplers[request.evse].sample_now()
        finally:
            peer.asked[request.evse] -= 1
            peer.put(SampleDone(request.evse, request.request))

    # -- serving the OCPP side -----------------------------------------------------------

    def _full_state(self) -> list[Message]:
        messages: list[Message] = []
        for evse_id in self.evse_ids:
            requests = self.requests[evse_id]
            messages.append(_snapshot_message(self.loops[evse_id].snapshot))
            messages.append(
                Commands(
                    evse_id,
                    requests.allowed,
                    requests.operative,
                    requests.current_limit,
                    requests.external_fault,
                )
            )
            latest = self.samplers[evse_id].latest
            if latest is not None:
                messages.append(_reading_message(evse_id, latest))
        messages.append(Synced())
        return messages

    async def serve(self, stream: trio.abc.Stream) -> None:
        """Serve one OCPP side on ``stream`` until it goes away; a newer connection
        replaces an older one (a restarted OCPP side while the old link still hangs)."""
        try:
            channel = await ControlChannel.open(stream, Role.CONTROL, evses=self.evse_ids)
        except (ProtocolError, ChannelClosed) as exc:
            log.warning("event=control_link_refused reason=%r", str(exc))
            return
        if self._peer_scope is not None:
            log.warning("event=control_link_replaced")
            self._peer_scope.cancel()
        # The first full state describes the hardware as the loops confirmed it, so that
        # an EV plugged in across a restart is reported connected from the start (the
        # statuses after a boot, B01.FR.03). Bounded: a pilot that never settles must
        # not keep the OCPP side from the rest of the state.
        with trio.move_on_after(SETTLE_WAIT):
            for loop in self.loops.values():
                await loop.settled.wait()
        peer = _Peer(self.settings.outbox_limit, send_now=channel.send_now)
        peer.outbox.extend(self._full_state())
        self._peer = peer
        log.info("event=control_link_up")
        reason = "cancelled"
        try:
            with trio.CancelScope() as scope:
                self._peer_scope = scope
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._send_reports, channel, peer)
                    nursery.start_soon(self._heartbeats, peer)
                    reason = await self._receive_requests(channel, peer, nursery)
                    nursery.cancel_scope.cancel()
        except* (ChannelClosed, ProtocolError) as group:
            reason = str(group.exceptions[0])
        finally:
            if self._peer is peer:
                self._peer = None
                self._peer_scope = None
                self._withdraw_unplugged()
            await channel.aclose()
            log.warning(
                "event=control_link_down reason=%r policy='charges continue; "
                "authorization changes wait for the OCPP side'",
                reason,
            )

    async def _receive_requests(
        self, channel: ControlChannel, peer: _Peer, nursery: trio.Nursery
    ) -> str:
        """Apply requests until the link ends; returns why it ended."""
        timeout = self.settings.peer_timeout
        while True:
            try:
                message = await channel.receive_within(timeout)
            except ChannelClosed as exc:
                return str(exc)
            except ProtocolError as exc:
                log.error("event=control_protocol_error side=ocpp error=%r", str(exc))
                return f"protocol error: {exc}"
            if message is None:  # nothing within the timeout
                reason = f"no frame from the OCPP side for {timeout:g} s"
                if self.on_peer_hung is not None:
                    self.on_peer_hung(reason)
                return reason
            try:
                await self._apply(message, peer, nursery)
            except ProtocolError as exc:
                log.error("event=control_request_refused error=%r", str(exc))
                return f"refused request: {exc}"

    async def _send_reports(self, channel: ControlChannel, peer: _Peer) -> None:
        while True:
            while peer.outbox:
                # What queued meanwhile goes in one write (readings and health reports
                # come in bursts); the queue's bound stays the peer's limit.
                burst = list(peer.outbox)
                peer.outbox.clear()
                await channel.send_many(burst)
            if peer.overflowed:
                raise ChannelClosed(f"the OCPP side read none of {peer.limit} reports")
            await peer.wake.wait()
            peer.wake = trio.Event()

    async def _heartbeats(self, peer: _Peer) -> None:
        seq = 0
        while True:
            seq += 1
            peer.put(Heartbeat(seq))
            now = trio.current_time()
            for evse_id, loop in sorted(self.loops.items()):
                timing = loop.timing()
                peer.put(
                    Health(
                        evse_id,
                        loop.healthy(now),
                        loop.iterations,
                        timing.overruns,
                        timing.p50,
                        timing.p99,
                        timing.max,
                    )
                )
            await trio.sleep(self.settings.heartbeat_interval)

    async def serve_unix(
        self,
        path: Path,
        *,
        sock: socket.socket | None = None,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on a Unix socket (mode 0600) and serve the OCPP side connecting to it;
        ``sock``: that socket already bound and listening at ``path``
        (`station.control.spawn.bind_link`, before the event loop)."""
        where = trio.Path(path)
        if sock is None:
            sock = await trio.to_thread.run_sync(bind_link, path)
        listener = trio.SocketListener(trio.socket.from_stdlib_socket(sock))
        log.info("event=control_service_listening path=%s", path)
        task_status.started()
        try:
            await trio.serve_listeners(self.serve, [listener])
        finally:
            with trio.CancelScope(shield=True):
                await where.unlink(missing_ok=True)


def apply_pilot_voltage(sim: SimulatedStation, evse: int, value: str | None) -> None:
    """``station sim pilot-voltage``: ``value`` "HIGH,LOW" (volts of the positive and
    negative plateau) injects a raw reading; None reads the modelled EV again."""
    if value is None or value == "auto":
        sim.release_pilot_voltage(evse)
        return
    try:
        high, low = (float(part) for part in value.split(","))
    except ValueError:
        raise ValueError(f"pilot voltage {value!r}: expected HIGH,LOW in volts") from None
    sim.inject_pilot_voltage(evse, high, low)


def apply_ev_settings(sim: SimulatedStation, evse: int, value: str | None) -> str:
    """``station sim ev`` / ``soc``: ``value`` "name=value,..." (`ev_settings_value`)
    changes the EV of ``evse``; returns the EV in words."""
    args: dict[str, Any] = {}
    for part in (value or "").split(","):
        if not part:
            continue
        name, _, text = part.partition("=")
        kind = EV_SETTINGS.get(name)
        if kind is None:
            raise ValueError(f"sim.ev: unknown setting {name!r}; expected {', '.join(EV_SETTINGS)}")
        try:
            args[name] = kind(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {text!r}") from None
    return sim.configure_ev(evse, **ev_settings(args))


def _percent(value: str | None) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise ValueError(f"soc must be a number, got {value!r}") from None


def _on_off(value: str | None) -> bool:
    if value not in ("on", "off"):
        raise ValueError(f"expected on or off, not {value!r}")
    return value == "on"


def _number(evse: int | None) -> int:
    if evse is None:
        raise ValueError("this sim command needs an EVSE")
    return evse


def _snapshot_message(s: EvseSnapshot) -> Snapshot:
    return Snapshot(
        s.evse_id,
        s.ev_connected,
        s.ev_requesting,
        s.relay_closed,
        s.offered_current,
        s.fault,
        s.pilot_state,
        s.duty,
    )


def _reading_message(evse_id: int, reading: Reading) -> MeterReading:
    s = reading.sample
    return MeterReading(
        evse=evse_id,
        timestamp=s.timestamp.isoformat(),
        voltage=_finite(s.voltage),
        current=_finite(s.current),
        power=_finite(s.power),
        power_factor=_finite(s.power_factor),
        frequency=_finite(s.frequency),
        energy_import_wh=_finite(s.energy_import_wh),
        energy_export_wh=_finite(s.energy_export_wh),
        offered_current=_finite(reading.offered_current),
        phases=reading.phases,
        soc=None if s.soc is None else _finite(s.soc),
    )


def _finite(value: float) -> float | None:
    """A meter may not measure everything (NaN); the protocol says None for that."""
    return value if math.isfinite(value) else None
