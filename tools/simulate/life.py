"""One simulated station life: the whole station on a virtual clock, with drivers,
a moody CSMS, faults and power cuts, and the invariants checked all along.

A life is a function of its seed. Everything random comes from generators seeded from it
(the station's own `Runtime.rng`, the CSMS, every EV driver, the faults), trio's
scheduler is made deterministic and seeded too, and the clock is virtual, so running a
seed again replays the same life, down to its summary line.

The station is assembled as `station run --single-process` assembles it: `Station.create`
and `Station.run` with both sides of the process split in one trio loop, simulated
hardware (`drivers.sim`, with its world file so that EVs and meter registers outlive a
restart), the store on a real SQLite file in a temporary directory. A power cut cancels
the station at whatever point it has reached: from that moment its store refuses every
write (what SQLite had committed is what the next start finds), the hardware is dropped
and a new station is created from the data directory, as after a real power cut.

This module runs the life and its stations; what happens in it lives beside it:
`drivers` (EV drivers), `operations` (the CSMS's own requests), `faults`, `checks` (the
invariants watched all along), `ending` (the end of a life and its final checks), and
`world` (clocks, power, runtime, configuration).
"""

from __future__ import annotations

import gc
import logging
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import trio

from drivers.sim.station import SimulatedStation
from station import privacy
from station.app import RestartRequested, Runtime, Station
from tools.simulate.checks import StationLog, Watched, check_now, watch
from tools.simulate.csms import Mood, SimCsms
from tools.simulate.drivers import drive
from tools.simulate.ending import DRAIN_LIMIT, finish
from tools.simulate.faults import inject_faults
from tools.simulate.operations import operate
from tools.simulate.world import (
    CARD_INTERVAL,
    CONTROL_PERIOD,
    EVSES,
    IDLE_METER_INTERVAL,
    METER_INTERVAL,
    RESOURCE_PERIOD,
    SIM_FLASH,
    SIM_IDLE_WAIT,
    START,
    CuttableOffload,
    SimulatedCrash,
    SteppedClock,
    VirtualClock,
    make_config,
    no_control_socket,
    seed_scheduler,
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
    #: CPU seconds the life took in its process (not in the summary: it is no part of
    #: the life, and differs from run to run).
    cpu_s: float = 0.0

    def summary(self) -> str:
        """One line, the same on every replay of the seed."""
        faults = ",".join(f"{k}={v}" for k, v in sorted(self.faults.items())) or "-"
        return (
            f"seed={self.seed} simulated_h={self.simulated_s / 3600:.3f} "
            f"sessions={self.sessions} transactions={self.transactions} "
            f"messages={self.messages} restarts={self.restarts} discarded={self.discarded} "
            f"checks={self.checks} faults={faults} violations={len(self.violations)}"
        )


class Life:
    """One seeded life of one station."""

    def __init__(self, seed: int, hours: float, data_dir: Path) -> None:
        self.seed = seed
        self.duration = hours * 3600.0
        self.config = make_config(data_dir)
        self.result = LifeResult(seed)
        self.rng = {
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
        #: Set (and replaced) whenever a station stops running (`when_gone`).
        self._gone = trio.Event()
        self._offload: CuttableOffload | None = None
        self._scope: trio.CancelScope | None = None
        self._cutting = False
        self._down_for = 0.0
        #: The next CALL of the OCPP side raises (a task crash, `faults`).
        self.crash_armed = False
        self._injected_crashes = 0
        #: Every transaction the station was seen running (`checks`, `ending`).
        self.seen_transactions: set[str] = set()
        #: EVSEs whose contactor is welded until an operator frees it.
        self.welded: set[int] = set()
        #: Per EVSE, the contactor problem seen and since when (`checks`).
        self.since: dict[int, tuple[str, float] | None] = {e: None for e in EVSES}
        #: Set when a contactor problem appears (`checks.watch` then wakes at its grace).
        self.problem_seen = trio.Event()
        #: Per EVSE, the latest snapshot the link had handed on at the last check.
        self.snapshot_seen: dict[int, object] = {}
        #: What `check_now` reads of the running station, looked up once per station.
        self.watched: Watched | None = None
        #: The station's log lines the invariants read.
        self.log = StationLog()

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

    async def when_gone(self, station: Station) -> None:
        """Wait until ``station`` no longer runs (a power cut or a Reset ended it)."""
        while self.station is station:
            await self._gone.wait()

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
            runtime = Runtime(
                clock=self.clock,
                rng=self.rng["station"],
                offload=self._offload,
                dial=self.csms.dial,
                control_period=CONTROL_PERIOD,
                meter_interval=METER_INTERVAL,
                idle_meter_interval=IDLE_METER_INTERVAL,
                card_interval=CARD_INTERVAL,
                sim_idle_wait=SIM_IDLE_WAIT,
                disk_usage=lambda: SIM_FLASH,
                memory_usage=lambda: None,
                resource_period=RESOURCE_PERIOD,
                # What the life builds is collected with it (`run_life`), not frozen.
                freeze_heap=False,
            )
            station = await Station.create(self.config, runtime)
            # The operator's control socket is a real Unix socket, bound in a worker thread:
            # real time would leak into the virtual one (and nobody types commands here).
            station.control_socket.run = no_control_socket  # type: ignore[method-assign]
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
            self._gone.set()
            self._gone = trio.Event()
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
            if self.crash_armed:
                self.crash_armed = False
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
        if self.rng["faults"].random() < 0.5:
            # No RTC: the system time restarts where it was when the power went.
            self.system_offset -= down_for

    def system_time(self) -> datetime:
        """The host's system time now (what a new process's wall clock starts from)."""
        return START + timedelta(seconds=trio.current_time() + self.system_offset)

    def after_step(self) -> None:
        """Check the invariants that hold at every moment, after every step of the life
        (`VirtualClock.after_step`) while a station runs."""
        station = self.station
        if station is None or not self.up.is_set():
            return
        try:
            check_now(self, station)
        except Exception as exc:  # a check that cannot run is a finding, not a crash
            self.violation(f"the invariant check failed: {exc!r}")

    def violation(self, text: str) -> None:
        """Record a broken invariant (with the virtual time it was seen at)."""
        self.result.violations.append(f"t={trio.current_time():.2f}s {text}")

    async def act(self, action: Callable[[SimulatedStation], object]) -> None:
        """Do ``action`` to the hardware as soon as a station runs."""
        await self.when_up()
        action(self.sim())

    async def later(self, delay: float, action: Callable[[], Awaitable[None]]) -> None:
        """Do ``action`` after ``delay`` seconds."""
        await trio.sleep(delay)
        await action()

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

    # -- the whole life ------------------------------------------------------------------

    async def run(self) -> LifeResult:
        """Live the life; return what happened."""
        loggers = [
            logging.getLogger(n) for n in ("station.transactions.queue", "station.supervision")
        ]
        for logger in loggers:
            logger.addHandler(self.log)
        try:
            with trio.move_on_after(self.duration + 2 * DRAIN_LIMIT) as capped:
                await self._live()
            if capped.cancelled_caught:
                self.violation("the life did not end: the station never settled or answered")
        except Exception as exc:  # the station (or the simulator) broke: say so, go on
            self.violation(f"the life ended with {type(exc).__name__}: {exc}")
        finally:
            for logger in loggers:
                logger.removeHandler(self.log)
        result = self.result
        result.simulated_s = trio.current_time()
        if self.csms is None:
            return result
        result.transactions = len(self.csms.transactions)
        result.messages = self.csms.stats.calls
        result.discarded = sum(len(s) for s in self.log.discarded.values())
        result.csms = {
            "callerrors": self.csms.stats.callerrors,
            "no_answers": self.csms.stats.no_answers,
            "malformed": self.csms.stats.malformed,
            "drops": self.csms.stats.drops,
            "slow": self.csms.stats.slow,
        }
        expected = {"SimulatedCrash", "ProtocolFault", "DeviceTimeout", "PowerLost"}
        for crash in self.log.crashes:
            if not any(name in crash for name in expected):
                result.violations.append(f"a supervised task crashed: {crash}")
        return result

    async def _live(self) -> None:
        plan = self.rng["plan"]
        async with trio.open_nursery() as nursery:
            self.csms = SimCsms(
                nursery,
                self.rng["csms"],
                lambda: START + timedelta(seconds=trio.current_time()),
                mood=Mood.draw(plan),
                boot_mode=plan.choice(("Accepted", "Accepted", "Pending", "Rejected")),
            )
            nursery.start_soon(self._run_stations)
            nursery.start_soon(watch, self)
            with trio.CancelScope() as busy:
                async with trio.open_nursery() as life:
                    for evse_id in EVSES:
                        life.start_soon(drive, self, evse_id)
                    life.start_soon(inject_faults, self, life)
                    life.start_soon(operate, self, life)
                    await trio.sleep(self.duration)
                    busy.cancel()
            await finish(self)
            nursery.cancel_scope.cancel()


#: Non-empty once the process's heap before its first life was frozen (`run_life`).
_heap_frozen: list[bool] = []


def run_life(seed: int, hours: float) -> LifeResult:
    """Run one life on a virtual clock in a fresh temporary directory."""
    started = time.process_time()
    result = _run_life(seed, hours)
    result.cpu_s = time.process_time() - started
    return result


def _run_life(seed: int, hours: float) -> LifeResult:
    seed_scheduler(seed)
    # The log's idToken references are keyed by a random key: a seeded one here, so that a
    # life replays identically down to its log.
    privacy.key_source = random.Random(f"{seed}/privacy").randbytes
    # A memory-backed directory where there is one: the store's fsyncs then cost nothing,
    # and what a power cut leaves is still exactly what SQLite had committed.
    where = os.environ.get("SIMULATE_TMPDIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
    # What the process holds before its first life (modules, the message models)
    # outlives every life: out of the collector's passes, so that a pass costs only what
    # the lives built. Frozen once: what a life leaves behind stays in the passes (frozen,
    # it would never be freed once it became garbage, and memory would grow life by life).
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen.append(True)
    gc.collect()  # each life starts from the same empty generations
    with tempfile.TemporaryDirectory(prefix="station-life-", dir=where) as directory:
        life = Life(seed, hours, Path(directory) / "data")
        clock = VirtualClock(after_step=life.after_step)
        try:
            return trio.run(life.run, clock=clock, instruments=[clock])
        finally:
            # The station leaves what it built unfrozen (`Runtime.freeze_heap`): one pass
            # frees the life's cycles without going through what the process held before
            # its first life (a pass through everything costs ~60 ms, a tenth of a
            # quarter-hour life).
            gc.collect()
