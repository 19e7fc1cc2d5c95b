"""One simulated station life: the whole station on a virtual clock, with drivers,
a moody CSMS, faults and power cuts, and the invariants checked all along.

A life is a function of its seed. Everything random comes from generators seeded from it
(the station's own `Runtime.rng`, the CSMS, every EV driver, the faults), trio's
scheduler is made deterministic and seeded too, and the clock is trio's `MockClock`, so
running a seed again replays the same life, down to its summary line.

The station is assembled as `station run --single-process` assembles it: `Station.create`
and `Station.run` with both sides of the process split in one trio loop over memory
streams, simulated hardware (`drivers.sim`, with its world file so that EVs and meter
registers outlive a restart), the store on a real SQLite file in a temporary directory.
A power cut cancels the station at whatever point it has reached: from that moment its
store refuses every write (what SQLite had committed is what the next start finds), the
hardware is dropped and a new station is created from the data directory, as after a
real power cut.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import random
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import trio
import trio.testing

from drivers.sim.station import SimulatedStation
from station import privacy
from station.app import RestartRequested, Runtime, Station
from station.clock import WallClock
from station.config import StationConfig, parse_config
from station.control.service import ControlSettings
from station.ocpp.client import INBOUND_BACKLOG, MAX_FOLLOW_UPS, BootState
from tools.simulate.csms import CARDS, Mood, SimCsms
from tools.simulate.invariants import (
    ContactorView,
    all_transaction_violations,
    contactor_problem,
    grace,
)

T = TypeVar("T")

START = datetime(2026, 3, 1, 6, 0, 0, tzinfo=UTC)
#: Control period of the simulated station: coarse, so that hours of life stay cheap; the
#: contactor invariant allows for it.
CONTROL_PERIOD = 0.5
METER_INTERVAL = 5.0
CARD_INTERVAL = 0.5
#: The link heartbeats and health reports between the two sides (1 s in production) say
#: nothing in one process; a longer interval saves most of the scheduler's work.
LINK_HEARTBEAT = 30.0
EVSES = (1, 2)
#: How long the end of a life may take to deliver everything and run a last session.
DRAIN_LIMIT = 3 * 3600.0

#: Mean seconds between two faults, and between two operations of the CSMS.
FAULT_EVERY = 600.0
OPERATION_EVERY = 600.0
FAULT_WEIGHTS = {
    "power_cut": 3,
    "clock_step": 2,
    "csms_outage": 2,
    "csms_disconnect": 2,
    "rcd_trip": 1,
    "diode_fault": 1,
    "welded_contactor": 1,
    "meter_error": 1,
    "meter_hang": 1,
    "card_reader_error": 1,
    "task_crash": 2,
    "pilot_glitch": 1,
}
OPERATIONS = {
    "RequestStartTransaction": 2,
    "RequestStopTransaction": 2,
    "ChangeAvailability": 2,
    "Reset": 1,
    "SetVariables": 3,
    "TriggerMessage": 2,
    "GetBaseReport": 1,
}
SETTINGS: dict[tuple[str, str, str | None], Callable[[random.Random], str]] = {
    ("OCPPCommCtrlr", "HeartbeatInterval", None): lambda r: str(r.choice((60, 300, 900, 3600))),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"): lambda r: str(r.randint(1, 5)),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"): lambda r: str(
        r.choice((1, 10, 30, 60))
    ),
    ("TxCtrlr", "TxStartPoint", None): lambda r: r.choice(
        ("PowerPathClosed", "Authorized", "EVConnected", "Authorized,EVConnected")
    ),
    ("TxCtrlr", "TxStopPoint", None): lambda r: r.choice(
        ("PowerPathClosed", "EVConnected", "Authorized", "EVConnected,Authorized")
    ),
    ("SampledDataCtrlr", "TxUpdatedInterval", None): lambda r: str(r.choice((0, 30, 60, 300))),
    ("AlignedDataCtrlr", "Interval", None): lambda r: str(r.choice((0, 300, 900))),
}
VALID_CARDS = [uid for uid, status in CARDS.items() if status == "Accepted"]
BAD_CARDS = [uid for uid, status in CARDS.items() if status != "Accepted"]


class SimulatedCrash(RuntimeError):
    """A task crash injected by the simulator."""


class PowerLost(RuntimeError):
    """The store's power is gone: no more writes reach the disk."""


class CuttableOffload:
    """Runs store work inline (virtual time), until the power is cut."""

    def __init__(self) -> None:
        self.cut = False

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` now; after a power cut nothing runs any more."""
        if self.cut:
            raise PowerLost("power cut: the store is gone")
        result = fn()
        await trio.lowlevel.checkpoint()
        return result


class VirtualClock(trio.abc.Clock):
    """trio's time in a life: it jumps to the next deadline as soon as every task waits.

    What `trio.testing.MockClock(autojump_threshold=0)` does, for a world with nothing
    outside the loop (no sockets, no threads, no `wait_all_tasks_blocked`): trio asks the
    clock how long to sleep only when no task can run, and the answer is "not at all,
    it is that time already". MockClock finds out it is idle by polling once for
    nothing, then jumps, then polls again: two passes of the run loop per wake-up where
    this takes one.
    """

    def __init__(self) -> None:
        self._now = 0.0

    def start_clock(self) -> None:
        """Nothing to start: the time is where the life left it."""

    def current_time(self) -> float:
        """The virtual time."""
        return self._now

    def deadline_to_sleep_time(self, deadline: float) -> float:
        """Jump to ``deadline`` (no task can run before it); never sleep. With no
        deadline at all every task waits forever: sleep, as MockClock would."""
        if deadline == math.inf:
            return 86400.0
        if deadline > self._now:
            self._now = deadline
        return 0.0


class SteppedClock(WallClock):
    """The station's system time, which an NTP daemon (or a lost RTC) may step."""

    def step(self, seconds: float) -> None:
        """Step the system time by ``seconds`` (either way)."""
        assert self._start is not None
        self._start += timedelta(seconds=seconds)


@dataclass
class SimRuntime(Runtime):
    """`Runtime` of a simulated station: the link's liveness traffic slowed down."""

    def control_settings(self) -> ControlSettings:
        """As the station's, with the longer heartbeat interval (peers never time out
        in one process)."""
        settings = super().control_settings()
        return ControlSettings(
            period=settings.period,
            meter_interval=settings.meter_interval,
            card_interval=settings.card_interval,
            supervisor_window=settings.supervisor_window,
            heartbeat_interval=LINK_HEARTBEAT,
            peer_timeout=settings.peer_timeout,
        )


@dataclass
class LifeResult:
    """What one life did and found."""

    seed: int
    simulated_s: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    transactions: int = 0
    messages: int = 0
    sessions: int = 0
    restarts: int = 0
    discarded: int = 0
    csms: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line, the same on every replay of the seed."""
        faults = ",".join(f"{k}={v}" for k, v in sorted(self.faults.items())) or "-"
        return (
            f"seed={self.seed} simulated_h={self.simulated_s / 3600:.3f} "
            f"sessions={self.sessions} transactions={self.transactions} "
            f"messages={self.messages} restarts={self.restarts} discarded={self.discarded} "
            f"checks={self.checks} faults={faults} violations={len(self.violations)}"
        )


class _Discards(logging.Handler):
    """Collects the station's log of discarded transaction messages (E13.FR.04), and
    crashes of supervised tasks that the simulator did not cause."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.discarded: dict[str, set[int]] = {}
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if message.startswith("event=transaction_message_discarded"):
            _, transaction_id, _, _, seq_no = record.args  # type: ignore[misc]
            self.discarded.setdefault(str(transaction_id), set()).add(int(str(seq_no)))
        elif message.startswith("event=child_crashed"):
            child, _, error = record.args  # type: ignore[misc]
            self.crashes.append(f"{child}: {error}")


def make_config(data_dir: Path) -> StationConfig:
    """The simulated station: two single-phase EVSEs, simulated hardware."""
    return parse_config(
        {
            "station": {
                "identity": "CS-SIM-01",
                "serial_number": "SIM-0001",
                "vendor_name": "OpenCharge",
                "model": "AC22-2",
                "data_dir": str(data_dir),
            },
            "csms": {
                "url": "ws://csms.invalid/ocpp",
                "security_profile": 1,
                "basic_auth_password": "0123456789abcdefABCDEF",
                "message_timeout": 30,
            },
            "hardware": {"driver": "sim"},
        }
    )


class Life:
    """One seeded life of one station."""

    def __init__(self, seed: int, hours: float, data_dir: Path) -> None:
        self.seed = seed
        self.duration = hours * 3600.0
        self.config = make_config(data_dir)
        self.result = LifeResult(seed)
        self._rng = {
            name: random.Random(f"{seed}/{name}")
            for name in ("station", "csms", "ev1", "ev2", "faults", "operations", "plan")
        }
        #: The station's wall clock in its current process (a new one after a power cut).
        self.clock: SteppedClock | None = None
        #: The system time's distance from `START` + virtual time (NTP steps, no RTC).
        self.system_offset = 0.0
        self.csms: SimCsms | None = None
        self.station: Station | None = None
        self.up = trio.Event()
        self._offload: CuttableOffload | None = None
        self._scope: trio.CancelScope | None = None
        self._cutting = False
        self._down_for = 0.0
        self._crash_armed = False
        self._injected_crashes = 0
        self._seen_transactions: set[str] = set()
        self._welded: set[int] = set()
        self._since: dict[int, tuple[str, float] | None] = {e: None for e in EVSES}
        self._log = _Discards()

    # -- the station's lifecycle ---------------------------------------------------------

    def sim(self) -> SimulatedStation:
        """The current station's simulated hardware (the station is up)."""
        assert self.station is not None and self.station.hardware is not None
        sim = self.station.hardware.sim
        assert sim is not None
        return sim

    async def when_up(self) -> Station:
        """Wait until a station runs; return it."""
        while self.station is None or not self.up.is_set():
            await self.up.wait()
        return self.station

    async def _run_stations(self) -> None:
        """Create and run stations until the life ends: again after a Reset, and from the
        store after a power cut."""
        assert self.csms is not None
        restart_after = 0.0
        starts = 0
        while True:
            await trio.sleep(restart_after)
            starts += 1
            self.result.restarts = starts - 1
            restart_after = 0.0
            if self.clock is None:
                # A new process: its wall clock starts from the system time, unsynchronised
                # (the station restores its last offset from the store). A Reset restarts
                # the station in the same process, with the same clock.
                self.clock = SteppedClock(start=self.system_time())
            self._offload = CuttableOffload()
            runtime = SimRuntime(
                clock=self.clock,
                rng=self._rng["station"],
                offload=self._offload,
                dial=self.csms.dial,
                control_period=CONTROL_PERIOD,
                meter_interval=METER_INTERVAL,
                card_interval=CARD_INTERVAL,
            )
            station = await Station.create(self.config, runtime)
            station.link.heartbeat_interval = LINK_HEARTBEAT
            # The operator's control socket is a real Unix socket, bound in a worker thread:
            # real time would leak into the virtual one (and nobody types commands here).
            station.control_socket.run = _no_control_socket  # type: ignore[method-assign]
            self._arm_crashes(station)
            self.station = station
            self._scope = trio.CancelScope()
            self.up.set()
            crashed: BaseException | None = None
            try:
                with self._scope:
                    await station.run()
            except RestartRequested:
                pass
            except Exception as exc:
                if not self._cutting:
                    crashed = exc
            self.up = trio.Event()
            self.station = None
            try:
                if self._cutting:
                    self._offload.cut = True
                station.close()
            except Exception as exc:
                if not self._cutting:
                    self.violation(f"closing the station failed: {exc!r}")
            if crashed is not None:
                # The process ended with an error: systemd starts it again.
                self.violation(f"station.run raised {crashed!r}")
                restart_after = 10.0
                self.clock = None
            if self._cutting:
                self.clock = None
                self._cutting = False
                restart_after = self._down_for

    def _arm_crashes(self, station: Station) -> None:
        """A crash injected at the next CALL any task of the OCPP side makes."""
        original = station.client.call

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self._crash_armed:
                self._crash_armed = False
                self._injected_crashes += 1
                raise SimulatedCrash("injected task crash")
            return await original(*args, **kwargs)

        station.client.call = call  # type: ignore[method-assign]

    async def power_cut(self, down_for: float) -> None:
        """Cut the power now; it comes back after ``down_for`` seconds."""
        if self._scope is None or not self.up.is_set() or self._offload is None:
            return
        self._offload.cut = True
        self._cutting = True
        self._down_for = down_for
        self._scope.cancel()
        if self._rng["faults"].random() < 0.5:
            # No RTC: the system time restarts where it was when the power went.
            self.system_offset -= down_for

    def system_time(self) -> datetime:
        """The host's system time now (what a new process's wall clock starts from)."""
        return START + timedelta(seconds=trio.current_time() + self.system_offset)

    def violation(self, text: str) -> None:
        """Record a broken invariant (with the virtual time it was seen at)."""
        self.result.violations.append(f"t={trio.current_time():.2f}s {text}")

    # -- the invariants checked after every step -----------------------------------------

    async def _check_continuously(self) -> None:
        while True:
            await trio.sleep(CONTROL_PERIOD)
            if self.up.is_set() and self.station is not None:
                self.check_now(self.station)

    def check_now(self, station: Station) -> None:
        """The invariants that hold at every moment."""
        self.result.checks += 1
        control = station.control
        assert control is not None and station.hardware is not None
        sim = station.hardware.sim
        assert sim is not None
        now = trio.current_time()
        for evse_id in EVSES:
            hardware = sim.evse(evse_id).contactor_inputs()
            problem = None
            # Open (or welded, which no command opens): nothing else can be wrong.
            if hardware.contacts_closed and not hardware.welded:
                requests = control.requests[evse_id]
                view = ContactorView(
                    contacts_closed=True,
                    welded=False,
                    ev_state=hardware.ev_state,
                    diode_fault=hardware.diode_fault,
                    rcd_tripped=hardware.rcd_tripped,
                    pwm_on=hardware.pwm_on,
                    allowed=requests.allowed,
                    operative=requests.operative,
                    external_fault=requests.external_fault,
                    authorized=station.transactions.session(evse_id).may_offer_energy,
                    in_transaction=station.transactions.transaction_id(evse_id) is not None,
                )
                problem = contactor_problem(view)
            since = self._since[evse_id]
            if problem is None:
                self._since[evse_id] = None
            elif since is None or since[0] != problem:
                self._since[evse_id] = (problem, now)
            elif now - since[1] > grace(problem, CONTROL_PERIOD):
                self.violation(
                    f"evse {evse_id}: contactor closed for {now - since[1]:.2f}s with {problem}"
                )
                self._since[evse_id] = (problem, math.inf)  # reported once
            transaction_id = station.transactions.transaction_id(evse_id)
            if transaction_id is not None:
                self._seen_transactions.add(transaction_id)
            used = station._snapshots[evse_id][1].statistics().current_buffer_used
            if used > 1000:
                self.violation(f"evse {evse_id}: {used} snapshots waiting for the event pump")
        inbound = station.client.inbound
        if inbound.backlog_peak > INBOUND_BACKLOG:
            self.violation(f"inbound CALL backlog reached {inbound.backlog_peak}")
            inbound.backlog_peak = 0  # reported once
        if inbound.follow_ups_peak > MAX_FOLLOW_UPS:
            self.violation(f"{inbound.follow_ups_peak} follow-ups ran at once")
            inbound.follow_ups_peak = 0
        peer = control._peer
        if peer is not None and (peer.overflowed or len(peer.outbox) > peer.limit):
            self.violation(f"the control side's reports overflowed ({len(peer.outbox)} queued)")

    # -- drivers -------------------------------------------------------------------------

    async def _driver(self, evse_id: int) -> None:
        rng = self._rng[f"ev{evse_id}"]
        while True:
            await trio.sleep(rng.expovariate(1 / 900))
            await self._session(evse_id, rng)

    async def _act(self, action: Callable[[SimulatedStation], object]) -> None:
        await self.when_up()
        action(self.sim())

    async def _session(self, evse_id: int, rng: random.Random) -> None:
        assert self.csms is not None
        self.result.sessions += 1
        start = rng.choices(
            ("card_first", "plug_first", "remote_evse", "remote_any", "bad_card"),
            (3, 4, 1, 1, 1),
        )[0]
        behaviour = rng.choices(
            ("normal", "pause", "no_draw", "overdraw", "unplug_mid"), (5, 2, 1, 1, 1)
        )[0]
        card = rng.choice(VALID_CARDS if start != "bad_card" else BAD_CARDS)
        await self._act(
            lambda s: s.set_ev_max_current(evse_id, 0 if behaviour == "no_draw" else 32)
        )
        await self._act(lambda s: s.set_ev_ignores_pwm(evse_id, behaviour == "overdraw"))
        if start == "card_first":
            await self._act(lambda s: s.tap(card))
            await trio.sleep(rng.uniform(1, 25))
            await self._act(lambda s: s.plug(evse_id))
        elif start in ("plug_first", "bad_card"):
            await self._act(lambda s: s.plug(evse_id))
            await trio.sleep(rng.uniform(1, 30))
            await self._act(lambda s: s.tap(card))
        else:
            await self._act(lambda s: s.plug(evse_id))
            await trio.sleep(rng.uniform(1, 20))
            request: dict[str, Any] = {
                "idToken": {"idToken": f"APP-{evse_id}", "type": "Central"},
                "remoteStartId": rng.randint(1, 1_000_000),
            }
            if start == "remote_evse":
                request["evseId"] = evse_id
            await self.csms.call("RequestStartTransaction", request)
        await trio.sleep(rng.uniform(1, 10))
        await self._act(lambda s: s.set_ev_state(evse_id, "C"))
        charging = rng.uniform(120, 5400)
        if behaviour == "pause":
            await trio.sleep(charging / 3)
            await self._act(lambda s: s.set_ev_state(evse_id, "B"))
            await trio.sleep(rng.uniform(10, 600))
            await self._act(lambda s: s.set_ev_state(evse_id, "C"))
            charging /= 2
        await trio.sleep(charging)
        end = (
            "unplug"
            if behaviour == "unplug_mid"
            else rng.choice(("card", "group_card", "ev_done", "remote_stop"))
        )
        if end in ("card", "group_card"):
            stopper = card if end == "card" else "04A1B2C4" if card == "04A1B2C3" else card
            await self._act(lambda s: s.tap(stopper))
            await trio.sleep(rng.uniform(2, 20))
        elif end == "remote_stop":
            transaction_id = self.csms_transaction_on(evse_id)
            if transaction_id is not None:
                await self.csms.call("RequestStopTransaction", {"transactionId": transaction_id})
            await trio.sleep(rng.uniform(2, 20))
        if end != "unplug":
            await self._act(lambda s: s.set_ev_state(evse_id, "B"))
            await trio.sleep(rng.uniform(5, 120))
        await self._act(lambda s: s.unplug(evse_id))
        await self._act(lambda s: s.set_ev_ignores_pwm(evse_id, False))

    def csms_transaction_on(self, evse_id: int) -> str | None:
        """The transaction the CSMS believes runs on ``evse_id`` (from what it received)."""
        assert self.csms is not None
        for transaction_id, messages in reversed(self.csms.transactions.items()):
            if any(m.event_type == "Ended" for m in messages):
                continue
            station = self.station
            if station is not None and station.transactions.transaction_id(evse_id) == (
                transaction_id
            ):
                return transaction_id
        return None

    # -- faults --------------------------------------------------------------------------

    async def _faults(self, nursery: trio.Nursery) -> None:
        rng = self._rng["faults"]
        kinds = list(FAULT_WEIGHTS)
        weights = list(FAULT_WEIGHTS.values())
        while True:
            await trio.sleep(rng.expovariate(1 / FAULT_EVERY))
            kind = rng.choices(kinds, weights)[0]
            await self.when_up()
            self.result.faults[kind] += 1
            await self._inject(kind, rng, nursery)

    async def _inject(self, kind: str, rng: random.Random, nursery: trio.Nursery) -> None:
        assert self.csms is not None and self.clock is not None
        evse_id = rng.choice(EVSES)
        lasting = rng.uniform(5, 300)
        if kind == "power_cut":
            await self.power_cut(rng.choice((1.0, 5.0, 60.0, 600.0)) * rng.random() + 0.5)
        elif kind == "clock_step":
            seconds = rng.choice((-1, 1)) * rng.choice((1.0, 30.0, 600.0, 7200.0)) * rng.random()
            if rng.random() < 0.5:
                self.system_offset += seconds
                self.clock.step(seconds)
            else:
                self.csms.clock_offset += seconds
        elif kind == "csms_outage":
            self.csms.down = True
            await self.csms.disconnect()
            nursery.start_soon(
                self._later, rng.choice((20.0, 300.0, 3600.0)) * rng.random(), self._csms_back
            )
        elif kind == "csms_disconnect":
            await self.csms.disconnect()
        elif kind == "rcd_trip":
            self.sim().evse(evse_id).set_rcd_tripped(True)
            nursery.start_soon(
                self._repair, lasting, lambda s: s.evse(evse_id).set_rcd_tripped(False)
            )
        elif kind == "diode_fault":
            self.sim().evse(evse_id).set_diode_fault(True)
            nursery.start_soon(
                self._repair, lasting, lambda s: s.evse(evse_id).set_diode_fault(False)
            )
        elif kind == "welded_contactor":
            self.sim().evse(evse_id).set_welded(True)
            self._welded.add(evse_id)
            nursery.start_soon(self._later, lasting, lambda: self._unweld(evse_id))
        elif kind in ("meter_error", "meter_hang"):
            self.sim().evse(evse_id).meter_failure = kind.removeprefix("meter_")
            nursery.start_soon(self._repair, lasting, lambda s: _set_meter(s, evse_id, None))
        elif kind == "card_reader_error":
            self.sim().card_reader.failing = True
            nursery.start_soon(self._repair, lasting, lambda s: _set_reader(s, False))
        elif kind == "task_crash":
            self._crash_armed = True
        elif kind == "pilot_glitch":
            # A disturbed pilot line: readings in no state's band for a moment.
            high = rng.choice((10.5, 7.5, 14.0, -6.0))
            self.sim().inject_pilot_voltage(evse_id, high, -12.0)
            nursery.start_soon(
                self._repair, rng.uniform(0.2, 3), lambda s: s.release_pilot_voltage(evse_id)
            )

    async def _later(self, delay: float, action: Callable[[], Awaitable[None]]) -> None:
        await trio.sleep(delay)
        await action()

    async def _repair(self, delay: float, action: Callable[[SimulatedStation], object]) -> None:
        await trio.sleep(delay)
        await self._act(action)

    async def _csms_back(self) -> None:
        assert self.csms is not None
        self.csms.down = False

    async def _unweld(self, evse_id: int) -> None:
        """A technician frees the contactor and clears the latched fault."""
        station = await self.when_up()
        self.sim().evse(evse_id).set_welded(False)
        self._welded.discard(evse_id)
        await station.loops[evse_id].clear_latched_faults()

    # -- the CSMS's own operations -------------------------------------------------------

    async def _operations(self, nursery: trio.Nursery) -> None:
        assert self.csms is not None
        rng = self._rng["operations"]
        names, weights = list(OPERATIONS), list(OPERATIONS.values())
        while True:
            await trio.sleep(rng.expovariate(1 / OPERATION_EVERY))
            if not self.csms.connected:
                continue
            await self._operation(rng.choices(names, weights)[0], rng, nursery)

    async def _operation(self, name: str, rng: random.Random, nursery: trio.Nursery) -> None:
        assert self.csms is not None
        csms = self.csms
        if name == "RequestStartTransaction":
            request: dict[str, Any] = {
                "idToken": {"idToken": "OPERATOR", "type": "Central"},
                "remoteStartId": rng.randint(1, 1_000_000),
            }
            if rng.random() < 0.7:
                request["evseId"] = rng.choice(EVSES)
            await csms.call(name, request)
        elif name == "RequestStopTransaction":
            transaction_id = self.csms_transaction_on(rng.choice(EVSES))
            await csms.call(name, {"transactionId": transaction_id or "unknown-transaction"})
        elif name == "ChangeAvailability":
            target: dict[str, Any] = {"operationalStatus": "Inoperative"}
            if rng.random() < 0.7:
                target["evse"] = {"id": rng.choice(EVSES)}
            await csms.call(name, target)
            back = {**target, "operationalStatus": "Operative"}
            nursery.start_soon(self._later, rng.uniform(30, 1800), lambda: self._call(name, back))
        elif name == "Reset":
            reset: dict[str, Any] = {"type": rng.choice(("OnIdle", "Immediate"))}
            if rng.random() < 0.3:
                reset["evseId"] = rng.choice(EVSES)
            await csms.call(name, reset)
        elif name == "SetVariables":
            (component, variable, instance), value = rng.choice(list(SETTINGS.items()))
            entry: dict[str, Any] = {
                "attributeValue": value(rng),
                "component": {"name": component},
                "variable": {"name": variable},
            }
            if instance is not None:
                entry["variable"]["instance"] = instance
            await csms.call(name, {"setVariableData": [entry]})
        elif name == "TriggerMessage":
            message = rng.choice(
                (
                    "StatusNotification",
                    "Heartbeat",
                    "MeterValues",
                    "TransactionEvent",
                    "BootNotification",
                )
            )
            request = {"requestedMessage": message}
            if message in ("StatusNotification", "TransactionEvent") or rng.random() < 0.5:
                request["evse"] = {"id": rng.choice(EVSES)}
                if message == "StatusNotification":
                    request["evse"]["connectorId"] = 1
            await csms.call(name, request)
        elif name == "GetBaseReport":
            await csms.call(
                name,
                {
                    "requestId": rng.randint(1, 1_000_000),
                    "reportBase": rng.choice(
                        ("FullInventory", "ConfigurationInventory", "SummaryInventory")
                    ),
                },
            )

    async def _call(self, action: str, payload: dict) -> None:
        assert self.csms is not None
        await self.csms.wait_connected()
        await self.csms.call(action, payload)

    # -- the end of a life ---------------------------------------------------------------

    async def _finish(self) -> None:
        """Everything calms down; every message must reach the CSMS; every EVSE must be
        Available again and take a new session."""
        assert self.csms is not None
        csms = self.csms
        csms.calm = True
        csms.down = False
        station = await self.when_up()
        for evse_id in EVSES:
            self.sim().evse(evse_id).clear_faults()
            self.sim().evse(evse_id).meter_failure = None
            self.sim().release_pilot_voltage(evse_id)
            if evse_id in self._welded:
                await station.loops[evse_id].clear_latched_faults()
        self.sim().card_reader.failing = False
        for evse_id in EVSES:
            self.sim().set_ev_state(evse_id, "B")
        await trio.sleep(10)
        for evse_id in EVSES:
            self.sim().unplug(evse_id)
            self.sim().set_ev_ignores_pwm(evse_id, False)
            self.sim().set_ev_max_current(evse_id, 32)
        await self._until_answered(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "5",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "MessageAttempts", "instance": "TransactionEvent"},
                    }
                ]
            },
        )
        # Whatever the operator set Inoperative comes back (the life's pending restores
        # were cancelled with the rest of the busy phase).
        await self._until_answered("ChangeAvailability", {"operationalStatus": "Operative"})
        for evse_id in EVSES:
            await self._until_answered(
                "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": evse_id}}
            )
        with trio.move_on_after(DRAIN_LIMIT) as drained:
            # The current station: an OnIdle Reset may restart it now that it is idle.
            # Settled at two polls in a row: an answer that arrives at a poll is applied
            # just after it (an Authorize answered at that moment authorizes a second later).
            while True:
                await self._wait(lambda: self.station is not None and self._settled(self.station))
                await trio.sleep(1)
                if self.station is not None and self._settled(self.station):
                    break
        station = await self.when_up()
        if drained.cancelled_caught:
            self.violation(
                f"not settled {DRAIN_LIMIT:g}s after the faults stopped: "
                f"queue={station.queue.count()} connected={station.client.connected} "
                f"statuses={[station.availability.status(e).value for e in EVSES]}"
            )
            return
        with trio.move_on_after(300):
            await station.availability.wait_reported()
        await trio.sleep(5)
        for evse_id in EVSES:
            if station.availability.status(evse_id).value != "Available":
                self.violation(
                    f"evse {evse_id} is {station.availability.status(evse_id).value} at the end"
                )
            last = csms.statuses.get(evse_id, ["-"])[-1]
            if last != "Available":
                self.violation(f"evse {evse_id}: the CSMS last heard {last}, not Available")
        for evse_id in EVSES:
            await self._last_session(evse_id)
        self.check_transactions()

    async def _until_answered(self, action: str, payload: dict) -> None:
        """Send a CALL until the station answers it (it may be restarting)."""
        assert self.csms is not None
        while True:
            await self.csms.wait_connected()
            if self.csms.answer_json(await self.csms.call(action, payload)) is not None:
                return
            await trio.sleep(5)

    def _settled(self, station: Station) -> bool:
        return (
            station.client.connected
            and station.client.boot_state is BootState.Accepted
            and station.queue.count() == 0
            and all(station.transactions.transaction_id(e) is None for e in EVSES)
            # No authorization still waiting for an EV, nor an Authorize on its way (its
            # late answer lives until EVConnectionTimeOut): the last sessions' cards would
            # end it as a card of the same group instead of starting their own (seed 244).
            and not any(station.transactions.session(e).authorized for e in (0, *EVSES))
            and "Authorize" not in station.client.calls_in_flight()
            and "Authorize" not in station.client.calls_waiting()
            and all(station.availability.status(e).value == "Available" for e in EVSES)
        )

    async def _wait(self, predicate: Callable[[], bool]) -> None:
        # Polled once a virtual second: what it waits for spans the station's restarts,
        # so there is no one event to wait on.
        while not predicate():  # noqa: ASYNC110
            await trio.sleep(1)

    async def _last_session(self, evse_id: int) -> None:
        """A driver with a valid card charges for a minute: the station must take it."""
        assert self.csms is not None
        await self.when_up()
        before = set(self.csms.transactions)
        sim = self.sim()
        sim.plug(evse_id)
        await trio.sleep(2)
        sim.tap(VALID_CARDS[0])
        await trio.sleep(5)
        sim.set_ev_state(evse_id, "C")
        with trio.move_on_after(60):
            await self._wait(lambda: sim.evse(evse_id).status()["relay"]["feedback"])
        if not sim.evse(evse_id).status()["relay"]["feedback"]:
            self.violation(f"evse {evse_id}: a valid session did not close the contactor")
        await trio.sleep(60)
        sim.set_ev_state(evse_id, "B")
        await trio.sleep(2)
        sim.unplug(evse_id)
        with trio.move_on_after(600):
            await self._wait(
                lambda: (
                    self.station is not None
                    and self.station.queue.count() == 0
                    and self.station.transactions.transaction_id(evse_id) is None
                )
            )
        new = set(self.csms.transactions) - before
        if len(new) != 1:
            self.violation(f"evse {evse_id}: the last session made {len(new)} transactions")

    def check_transactions(self) -> None:
        """The transaction invariants over everything the CSMS received."""
        assert self.csms is not None
        active = set()
        if self.station is not None:
            active = {
                t for e in EVSES if (t := self.station.transactions.transaction_id(e)) is not None
            }
        for problem in all_transaction_violations(
            self.csms.transactions, self._log.discarded, self._seen_transactions, active
        ):
            self.violation(problem)

    # -- the whole life ------------------------------------------------------------------

    async def run(self) -> LifeResult:
        """Live the life; return what happened."""
        loggers = [
            logging.getLogger(n) for n in ("station.transactions.queue", "station.supervision")
        ]
        for logger in loggers:
            logger.addHandler(self._log)
        try:
            with trio.move_on_after(self.duration + 2 * DRAIN_LIMIT) as capped:
                await self._live()
            if capped.cancelled_caught:
                self.violation("the life did not end: the station never settled or answered")
        except Exception as exc:  # the station (or the simulator) broke: say so, go on
            self.violation(f"the life ended with {type(exc).__name__}: {exc}")
        finally:
            for logger in loggers:
                logger.removeHandler(self._log)
        result = self.result
        result.simulated_s = trio.current_time()
        if self.csms is None:
            return result
        result.transactions = len(self.csms.transactions)
        result.messages = self.csms.stats.calls
        result.discarded = sum(len(s) for s in self._log.discarded.values())
        result.csms = {
            "callerrors": self.csms.stats.callerrors,
            "no_answers": self.csms.stats.no_answers,
            "malformed": self.csms.stats.malformed,
            "drops": self.csms.stats.drops,
            "slow": self.csms.stats.slow,
        }
        expected = {"SimulatedCrash", "ProtocolFault", "DeviceTimeout", "PowerLost"}
        for crash in self._log.crashes:
            if not any(name in crash for name in expected):
                result.violations.append(f"a supervised task crashed: {crash}")
        return result

    async def _live(self) -> None:
        plan = self._rng["plan"]
        async with trio.open_nursery() as nursery:
            self.csms = SimCsms(
                nursery,
                self._rng["csms"],
                lambda: START + timedelta(seconds=trio.current_time()),
                mood=Mood.draw(plan),
                boot_mode=plan.choice(("Accepted", "Accepted", "Pending", "Rejected")),
            )
            nursery.start_soon(self._run_stations)
            nursery.start_soon(self._check_continuously)
            with trio.CancelScope() as busy:
                async with trio.open_nursery() as life:
                    for evse_id in EVSES:
                        life.start_soon(self._driver, evse_id)
                    life.start_soon(self._faults, life)
                    life.start_soon(self._operations, life)
                    await trio.sleep(self.duration)
                    busy.cancel()
            await self._finish()
            nursery.cancel_scope.cancel()


async def _no_control_socket(
    *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    task_status.started()
    await trio.sleep_forever()


def _set_meter(sim: SimulatedStation, evse_id: int, failure: str | None) -> None:
    sim.evse(evse_id).meter_failure = failure


def _set_reader(sim: SimulatedStation, failing: bool) -> None:
    sim.card_reader.failing = failing


def seed_scheduler(seed: int) -> None:
    """Make trio's scheduler deterministic for this seed (as hypothesis runs do): the
    order in which ready tasks run is a seeded shuffle of their creation order."""
    from trio._core import _run

    setattr(_run, "_ALLOW_DETERMINISTIC_SCHEDULING", True)  # noqa: B010
    _run._r.seed(f"{seed}/scheduler")


def run_life(seed: int, hours: float) -> LifeResult:
    """Run one life on trio's MockClock in a fresh temporary directory."""
    seed_scheduler(seed)
    # The log's idToken references are keyed by a random key: a seeded one here, so that a
    # life replays identically down to its log.
    privacy.key_source = random.Random(f"{seed}/privacy").randbytes
    # A memory-backed directory where there is one: the store's fsyncs then cost nothing,
    # and what a power cut leaves is still exactly what SQLite had committed.
    where = os.environ.get("SIMULATE_TMPDIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
    # What the process holds before the life (modules, the message models) outlives it:
    # out of the collector's passes, each life starts from the same empty generations,
    # and the station's own full pass when it is ready costs only what the life built.
    gc.collect()
    gc.freeze()
    with tempfile.TemporaryDirectory(prefix="station-life-", dir=where) as directory:
        life = Life(seed, hours, Path(directory) / "data")
        try:
            return trio.run(life.run, clock=VirtualClock())
        finally:
            # The station freezes what it built once it is ready (`gc.freeze`): in a
            # process that runs life after life, that would keep every life's cycles.
            # One full pass frees them; what survives is frozen again for the next life.
            gc.unfreeze()
            gc.collect()
            gc.freeze()
