"""The control task of one EVSE: runs the IEC 61851 machine at a fixed period.

Every ``period`` seconds (10 ms by default: one reading of the peak detectors takes about
3.5 ms, and a state change then reaches the contactor within one or two periods, far
inside IEC 61851-1's 100 ms) the loop reads the pilot, the RCD input and the contactor's
mirror contact, feeds the `PilotMachine`, carries out its decision and publishes an
`EvseSnapshot` when something the layers above care about changed.

Deadlines are the multiples of the period (a grid that every loop of the process
shares, so that their iterations share one wake-up of the process), never computed from
"now", so the loop does not drift; an iteration that ends more than a period late skips
ahead (the next iteration at once, the one after it on the grid) and is counted as an
overrun. Lateness is recorded for the bench and for the watchdog (`healthy`).

Safety: whatever ends the loop — an exception from a driver, a timeout, cancellation —
the ``finally`` opens the contactor first (shielded from cancellation), then puts the
pilot in state F. A pilot reading older than ``max_reading_age`` (50 ms) when the
machine decides is a fault; a blocking pilot driver gets that long to answer, and one
that does not opens the contactor, shows the fault and ends the loop (its supervisor
restarts it with back-off, so a hung ADC does not leave a thread behind every period).

An iteration does no avoidable work: drivers that never block are called directly
(only blocking ones go through a worker thread with a timeout; a blocking pilot through
a `DeviceThread` of its own), and while the machine
hands back the same `Decision` no snapshot is built, compared or sent, and with no fault
and nothing latched on file no latched-fault set is built. Every reading is still
classified and every fault input read in every period.

Every iteration that is not idle (below) ends by toggling the heartbeat output that the
hardware interlock watches: a loop that stops (a hung driver call, a dead process) stops
toggling, and the interlock drops the contactor coil and replaces the pilot's PWM by a
steady +12 V ("no energy offered") within its window (docs/safety.md).

While no EV is connected (state A settled, +12 V steady, no PWM, contactor commanded open
and its mirror contact open, no fault, no reset pending) the loop wakes every
``idle_periods`` periods (as many as fit in ``IDLE_INTERVAL``, 100 ms: 10 at the 10 ms
period) instead of every period, on the same shared
grid, and does not drive the heartbeat: the interlock then holds the coil off and the
pilot at +12 V, which is exactly what the loop commands, so a loop that dies while idle
leaves nothing unsafe behind. Nothing that the IEC 61851-1 reaction times cover is
slowed: with no EV there is no current to switch off and no PWM to withdraw. The first
reading that is not a settled A (a plug-in, an EV arriving in C, a short, a fault input)
puts the loop back on every period; every command (`allow_charging`, `set_operative`,
`set_current_limit`, `reset`, `set_external_fault`) wakes it for an iteration at once,
which stays on every period unless it finds the EVSE idle again (an authorization with
no EV changes no output). A plug-in is seen within
100 ms and confirmed a period later (IEC 61851-1 sets no tight bound on that; peer
controllers scan their pilots every 50 ms).

Leaving idle, the first fast iteration *pulses* the heartbeat (two toggles: one rising
edge, whatever the line's level) and the following ones toggle it, so the interlock is
armed from the end of the first fast iteration and gets a rising edge every 2 periods
from then on. The PWM and the coil are only ever commanded on an armed interlock: should
a decision ask for either before the arming pulse (an EV already in C when the loop
leaves idle), the loop pulses right after the decision, before it drives the outputs.
Closing needs two readings of C taken under PWM anyway, so two fast periods at least.

Simulated hardware in a fleet of stations (``idle_wait``, never set for real hardware nor
with a simulated interlock): an idle loop sleeps until its simulated inputs change (the
simulator calls `wake` on a plug-in, an EV state, a fault, an injected voltage) or a
command arrives (also `wake`), or at most ``idle_wait`` seconds. So does a loop whose
machine handed back the same `Decision` twice (a steady charge, an EV waiting for a
card): it sleeps until the machine's next timer (`PilotMachine.quiet_until`), the
hardware's next change of its own (``changes_at``: contacts moving, a battery getting
full), a meter current that moves the over-current guard (`PilotMachine.current_matters`:
one above the tolerance, or one that ends an excess; a current growing stale moves
nothing, and neither does one while the contactor is open), a `wake`, or ``idle_wait``,
whichever comes first, and wakes on the grid where the polling loop would have seen
the change. Its decisions are the same; they are only taken when something they depend
on can have changed.

Latched faults (a welded contactor) are handed to a `LatchStore` when they appear or are
cleared, after the outputs of that iteration are applied, and loaded again when the
loop starts: they survive a Reset and a restart until an operator clears them.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import trio

from drivers.interfaces import (
    ContactorRelay,
    ControlPilot,
    DeviceTimeout,
    FaultInputs,
    HeartbeatOutput,
)
from station.control.devicethread import DeviceThread
from station.control.iec61851 import (
    MAX_READING_AGE_S,
    Decision,
    Inputs,
    Output,
    PilotMachine,
    PilotState,
)
from station.control.latches import LatchKeeper, LatchStore
from station.control.timing import DEFAULT_PERIOD, TimingStats
from station.evse import EvseSnapshot

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A blocking driver call that takes longer than this is a hung device.
DRIVER_TIMEOUT = 0.5
#: A meter current older than this is not used for the over-current check (the meter is
#: sampled every 1-2 s).
MEASURED_CURRENT_MAX_AGE = 5.0
#: A time this close below a multiple of the period (in periods) counts as on the grid:
#: ``0.03 / 0.01`` is 2.9999999999999996 in floating point.
GRID_EPSILON = 1e-6


def grid_after(now: float, interval: float) -> float:
    """The first multiple of ``interval`` after ``now``: periodic tasks that sleep to it
    share the process's wake-ups (many stations in one process wake it once, not once
    each)."""
    return (math.floor(now / interval + GRID_EPSILON) + 1) * interval


#: Longest time between two iterations while no EV is connected (see the module
#: docstring). The interlock needs no heartbeat while idle (it holds exactly what an idle
#: loop commands); the bound is how soon a plug-in is seen.
IDLE_INTERVAL = 0.100
#: Periods between two idle iterations at the default period (10 ms): 100 ms.
IDLE_PERIODS = 10


def idle_periods_for(period: float) -> int:
    """How many periods an idle loop waits between iterations: as many as fit in
    ``IDLE_INTERVAL``, at least one."""
    return max(1, math.floor(IDLE_INTERVAL / period + GRID_EPSILON))


async def call_driver(
    fn: Callable[..., T],
    *args: Any,
    blocking: bool,
    timeout: float = DRIVER_TIMEOUT,
    name: str = "device",
) -> T:
    """Call a driver method: directly if it never blocks, else in a worker thread with a
    timeout (a hung device raises `DeviceTimeout`; the thread is abandoned)."""
    if not blocking:
        return fn(*args)
    try:
        with trio.fail_after(timeout):
            return await trio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=True)
    except trio.TooSlowError:
        raise DeviceTimeout(f"{name} did not answer within {timeout:g} s") from None


class ControlLoop:
    """Runs one EVSE's pilot and contactor; the layers above talk to it by its commands."""

    def __init__(
        self,
        evse_id: int,
        *,
        pilot: ControlPilot,
        relay: ContactorRelay,
        faults: FaultInputs,
        max_current: float,
        period: float = DEFAULT_PERIOD,
        on_snapshot: Callable[[EvseSnapshot], None] | None = None,
        history: int = 10_000,
        driver_timeout: float = DRIVER_TIMEOUT,
        heartbeat: HeartbeatOutput | None = None,
        latches: LatchStore | None = None,
        max_reading_age: float = MAX_READING_AGE_S,
        idle_periods: int | None = None,
        idle_wait: float | None = None,
        changes_at: Callable[[], float] | None = None,
    ) -> None:
        """``idle_wait`` (simulated hardware only, see the module docstring): while idle,
        sleep until `wake` or at most this long instead of ``idle_periods`` periods; None
        (real hardware) keeps the idle rate. ``idle_periods`` defaults to as many periods
        as fit in ``IDLE_INTERVAL``. ``changes_at`` (with ``idle_wait``): when the
        simulated inputs next change by themselves; with it, a steady loop sleeps too."""
        most = idle_periods_for(period)
        if idle_periods is None:
            idle_periods = most
        if not 1 <= idle_periods <= most:
            raise ValueError(
                f"idle_periods must be 1..{most} (a plug-in must be seen within"
                f" {IDLE_INTERVAL * 1000:g} ms), got {idle_periods}"
            )
        if idle_wait is not None and not idle_wait >= period:
            raise ValueError(f"idle_wait must be at least the period {period}, got {idle_wait}")
        self.evse_id = evse_id
        self.idle_periods = idle_periods
        self.idle_wait = idle_wait
        self._changes_at = changes_at if idle_wait is not None else None
        #: Sleeping through a steady state (simulated hardware): a meter current that
        #: `PilotMachine.current_matters` says moves the over-current guard wakes it.
        self._dozing = False
        self._pilot = pilot
        self._relay = relay
        self._faults = faults
        self._heartbeat = heartbeat
        self._latches = LatchKeeper(latches, evse_id) if latches is not None else None
        self.period = period
        self._timeout = driver_timeout
        self._max_reading_age = max_reading_age
        self._on_snapshot = on_snapshot
        self.machine = PilotMachine(max_reading_age=max_reading_age)
        self._measured: tuple[float, float] | None = None  # (amperes, when)
        self._allowed = False
        self._operative = True
        self._limit = max_current
        self._max_current = max_current
        self._external_fault: str | None = None
        self.snapshot = EvseSnapshot(evse_id)
        self._published = self.snapshot
        self._lateness: deque[float] = deque(maxlen=history)
        self.overruns = 0
        self.iterations = 0
        self.last_healthy = -math.inf
        self.reaction_times: deque[float] = deque(maxlen=1000)
        self._changed = trio.Event()
        #: Set when a limit below the offered current arrives: the loop runs an iteration
        #: at once instead of at its next deadline (see `set_current_limit`).
        self._lowered = trio.Event()
        self._reset_requested = False
        #: control_loop_stopped was logged for this run (`stop`, then the run's own end).
        self._stop_logged = False
        #: Set after the first complete iteration (the station is in control).
        self.first_iteration = trio.Event()
        # Built once: the names of the devices in DeviceTimeout messages and logs.
        self._pilot_name = f"EVSE {evse_id} pilot"
        self._rcd_name = f"EVSE {evse_id} RCD input"
        self._feedback_name = f"EVSE {evse_id} contactor feedback"
        self._relay_name = f"EVSE {evse_id} contactor"
        self._pilot_thread = DeviceThread(self._pilot_name)
        # The decision and the external fault the published snapshot was made from: an
        # iteration that decides the same (the machine hands back the same `Decision`
        # while nothing changed) builds and compares no snapshot.
        self._snapshot_source: tuple[Decision, str | None] | None = None
        #: Set once the machine confirmed what the pilot shows (an EV plugged in before
        #: the start is seen as such), CLOSE_CONFIRMATIONS readings at most.
        self.settled = trio.Event()
        #: The loop runs at the idle rate now (the last iteration was idle): a command
        #: wakes it at once (`wake`), and the interlock is not armed.
        self.slow = False
        #: The heartbeat gave a rising edge since the loop last left the idle rate (or
        #: started), and has toggled every period since: the interlock passes the coil
        #: and the PWM. Without a heartbeat output it stays False.
        self.interlock_armed = False
        #: Counts `wake` calls: a command that arrives while an iteration is under way
        #: keeps that iteration from going idle (it may have read the old inputs).
        self._wakes = 0

    # -- commands (EvseCommands) ---------------------------------------------------------

    def wake(self) -> None:
        """A command arrived or an input changed: a loop at the idle rate (or waiting up
        to ``idle_wait`` for simulated inputs) runs an iteration at once, and goes on
        every period unless that iteration finds it idle again. A loop already on every
        period keeps its deadlines."""
        self._wakes += 1
        if self.slow or self.idle_wait is not None:
            self._lowered.set()

    def allow_charging(self, allowed: bool) -> None:
        """Whether an authorized session lets this EVSE offer energy."""
        self._allowed = allowed
        self.wake()

    def set_operative(self, operative: bool) -> None:
        """Availability: an inoperative EVSE offers no energy."""
        self._operative = operative
        self.wake()

    def set_current_limit(self, amps: float) -> None:
        """Upper bound of the offered current, never above the configured maximum.

        A limit below what the PWM offers now wakes the loop for an iteration at once
        rather than at its next deadline: a lower offer is always safe, and it is what a
        grid or home limit needs soonest (the EV follows within IEC 61851-1's 5 s, and
        the loop's part of that should be as small as it can be). The iteration is an
        ordinary one (a fresh reading, the machine's rules); the grid of deadlines stays
        as it was. A higher limit waits for the next deadline: the machine holds a raise
        back anyway (``PWM_RAISE_INTERVAL_S``)."""
        limit = min(amps, self._max_current)
        if limit < self._limit and limit < self.snapshot.offered_current:
            self._lowered.set()
        self._limit = limit
        self.wake()

    def set_external_fault(self, reason: str | None) -> None:
        """A fault found outside the loop (e.g. the supervisor gave up on the meter)."""
        self._external_fault = reason
        self._publish(self.snapshot)
        self.wake()

    async def stop(self) -> None:
        """Shutdown: offer nothing, open the contactor now, and keep it open."""
        self._operative = False
        self._allowed = False
        await self._fail_safe()
        if not self._stop_logged:
            self._stop_logged = True
            log.info("event=control_loop_stopped evse=%s relay=open", self.evse_id)

    def reset(self) -> None:
        """Reset the EVSE (B11 per-EVSE reset): contactor open, machine back to its start."""
        self._reset_requested = True
        self.wake()

    def reset_latched_faults(self) -> None:
        """Operator action after inspecting a welded contactor (saved by the next iteration)."""
        self.machine.reset_latched_faults()

    async def clear_latched_faults(self) -> list[str]:
        """Operator action: clear the latched faults and save that at once; returns the
        faults cleared. A contactor that is still welded latches again 250 ms later."""
        cleared = sorted(f.value for f in self.machine.latched)
        self.machine.reset_latched_faults()
        if self._latches is not None:
            failed = await self._latches.save(self.machine.latched)
            if failed is not None:
                raise OSError(f"cleared until the next restart only; saving failed: {failed}")
        log.info("event=latched_faults_cleared evse=%s faults=%s", self.evse_id, cleared)
        return cleared

    def set_measured_current(self, amps: float) -> None:
        """The EV's current from a new meter reading, for the over-current check."""
        self._measured = (amps, trio.current_time())
        if self._dozing and self.machine.current_matters(amps):
            self._lowered.set()

    # -- observation ---------------------------------------------------------------------

    def timing(self) -> TimingStats:
        """Lateness statistics of the recent iterations."""
        values = sorted(self._lateness)
        if not values:
            return TimingStats(0, 0.0, 0.0, 0.0, self.overruns)

        def pct(p: float) -> float:
            return values[min(len(values) - 1, int(p * len(values)))]

        return TimingStats(len(values), pct(0.5), pct(0.99), values[-1], self.overruns)

    def healthy(self, now: float) -> bool:
        """Whether the loop met its deadline recently (for the systemd watchdog)."""
        # A loop waiting for its simulated inputs to change is healthy for that long.
        return now - self.last_healthy <= max(10 * self.period, 0.5) + (self.idle_wait or 0.0)

    async def wait_snapshot(self) -> EvseSnapshot:
        """Wait for the next published snapshot."""
        await self._changed.wait()
        return self.snapshot

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until cancelled or a driver fails; the contactor is open when this returns."""
        log.info(
            "event=control_loop_started evse=%s period_ms=%.1f", self.evse_id, self.period * 1000
        )
        self._stop_logged = False
        applied_output: tuple[Output, float] | None = None
        applied_relay: bool | None = None
        try:
            if self._latches is not None:
                self.machine.faults |= await self._latches.load()
            self.slow = False
            self.interlock_armed = False
            # Arm the interlock before the first reading: a pulse is one rising edge
            # whatever level the line was left at (a restarted loop).
            self._pulse()
            deadline = trio.current_time()
            # Deadlines lie on one grid, multiples of the period, shared by every loop of
            # the process: the EVSEs' iterations wake the process together, once a
            # period, even after one of them restarted or skipped ahead (a wake-up of
            # the run loop costs more than an iteration's own work).
            tick = math.floor(deadline / self.period + GRID_EPSILON)
            # The run's clock, read directly: what `trio.current_time` returns, without
            # its two layers of lookup, four times an iteration.
            current_time = trio.lowlevel.current_clock().current_time
            latches = self._latches
            previous: Decision | None = None  # the last iteration's decision
            while True:
                self._dozing = False
                if self._reset_requested:
                    self._reset_requested = False
                    await self._fail_safe()
                    log.info("event=evse_reset evse=%s relay=open", self.evse_id)
                    # A Reset restarts the machine, never a latched fault (welded contactor).
                    self.machine = PilotMachine(
                        output=Output.NEGATIVE,  # what the fail-safe just drove
                        duty=0.0,
                        faults=set(self.machine.latched),
                        max_reading_age=self._max_reading_age,
                    )
                    applied_output, applied_relay = None, None
                woke = current_time()
                wakes = self._wakes
                early = woke < deadline
                if not early:
                    self._lateness.append(woke - deadline)
                taken_at = woke
                # Drivers that never block (the simulator, GPIO inputs) are called
                # directly; the others go through `call_driver`'s worker thread with a
                # timeout. ``blocking`` is read every time: a driver may change it.
                pilot = self._pilot
                try:
                    # A blocking pilot (the gpio peak detectors) is read in a thread of
                    # its own, not one of trio's worker threads: a third of the CPU and a
                    # sixth of the latency per read, 100 times a second.
                    reading = (
                        await self._pilot_thread.call(
                            pilot.read, timeout=min(self._timeout, self._max_reading_age)
                        )
                        if pilot.blocking
                        else pilot.read()
                    )
                except DeviceTimeout:
                    await self._pilot_too_slow()
                    raise
                read_at = current_time()
                faults = self._faults
                rcd = (
                    await call_driver(
                        faults.rcd_tripped,
                        blocking=True,
                        timeout=self._timeout,
                        name=self._rcd_name,
                    )
                    if faults.blocking
                    else faults.rcd_tripped()
                )
                relay = self._relay
                feedback = (
                    await call_driver(
                        relay.feedback,
                        blocking=True,
                        timeout=self._timeout,
                        name=self._feedback_name,
                    )
                    if relay.blocking
                    else relay.feedback()
                )
                now = current_time()
                inputs = Inputs(
                    now=now,
                    reading=reading,
                    reading_taken_at=taken_at,
                    charging_allowed=self._allowed,
                    operative=self._operative and self._external_fault is None,
                    current_limit=self._limit,
                    rcd_tripped=rcd,
                    relay_feedback=feedback,
                    measured_current=None if self._measured is None else self._fresh_current(now),
                )
                decision = self.machine.step(inputs)
                if not self.interlock_armed and (
                    decision.relay_closed or decision.output is Output.PWM
                ):
                    # The PWM and the coil pass the interlock only while it is armed:
                    # arm it now, after the decision, before the outputs that need it.
                    self._pulse()
                # Open before anything else; close only after the pilot offers current.
                if applied_relay is not False and not decision.relay_closed:
                    await self._set_relay(False)
                    if decision.opened_for_safety:
                        self.reaction_times.append(current_time() - read_at)
                    applied_relay = False
                if applied_output is None or (
                    decision.output is not applied_output[0] or decision.duty != applied_output[1]
                ):
                    await self._drive(decision)
                    applied_output = (decision.output, decision.duty)
                if decision.relay_closed and applied_relay is not True:
                    await self._set_relay(True)
                    applied_relay = True
                for event in decision.events:
                    log.info(
                        "event=pilot evse=%s what=%s state=%s",
                        self.evse_id,
                        event,
                        decision.state.value,
                    )
                source = self._snapshot_source
                if (
                    source is None
                    or source[0] is not decision
                    or source[1] != self._external_fault
                    or self.snapshot is not self._published
                ):
                    self._publish(self._snapshot_of(decision))
                    self._snapshot_source = (decision, self._external_fault)
                    self._published = self.snapshot
                # Slow down only while no EV is connected and nothing is pending: no
                # current to switch off, no PWM to withdraw, no change to confirm.
                idle = (
                    decision.state is PilotState.A
                    and decision.output is Output.HIGH
                    and not decision.relay_closed
                    and applied_relay is False
                    and not feedback
                    and not decision.faults
                    and self._external_fault is None
                    and not self._reset_requested
                    and self._wakes == wakes  # no command arrived meanwhile
                    and self.machine.settled
                )
                # Last: only a loop that got through all of the above keeps the
                # interlock (and with it the contactor coil and the PWM) alive.
                if idle and (self.idle_periods > 1 or self.idle_wait is not None):
                    # No edges while idle: the interlock drops within its window and
                    # holds what the loop commands anyway (coil off, +12 V).
                    self.slow = True
                    self.interlock_armed = False
                elif not self.interlock_armed:
                    self._pulse()  # leaving idle: armed from this iteration on
                elif self._heartbeat is not None:
                    self._heartbeat.toggle()
                # With no fault and nothing latched on file there is nothing to save:
                # no set built, no coroutine run.
                if latches is not None and (self.machine.faults or not latches.nothing_saved):
                    await latches.follow(self.machine.latched)
                self.iterations += 1
                if not self.first_iteration.is_set():
                    self.first_iteration.set()
                if not self.settled.is_set() and self.machine.settled:
                    self.settled.set()
                if early:
                    # An extra iteration (a lowered limit): the deadline stays, unless
                    # it ended an idle sleep (a command, simulated inputs changed):
                    # then back on every period.
                    if not idle:
                        tick = min(tick, math.floor(woke / self.period + GRID_EPSILON) + 1)
                elif idle:
                    # The next multiple of idle_periods (or of the idle wait): idle
                    # EVSEs wake together.
                    step = self.idle_periods
                    if self.idle_wait is not None:
                        step = max(step, round(self.idle_wait / self.period))
                    tick = (tick // step + 1) * step
                else:
                    tick += 1
                    if (
                        self._changes_at is not None
                        and decision is previous
                        and self._wakes == wakes
                        and not self._reset_requested
                    ):
                        tick = self._doze(tick, inputs)
                previous = decision
                if not idle:
                    self.slow = False
                deadline = tick * self.period  # never later than idle_periods after the last
                now = current_time()
                if now > deadline + self.period:
                    self.overruns += 1
                    # Skip ahead rather than burst to catch up: the next iteration now,
                    # the one after it back on the grid.
                    tick = math.floor(now / self.period + GRID_EPSILON)
                    deadline = now
                else:
                    self.last_healthy = now
                # Until the deadline, or at once for a lowered limit (`set_current_limit`).
                if not self._lowered.is_set():
                    with trio.move_on_at(deadline):
                        await self._lowered.wait()
                if self._lowered.is_set():
                    self._lowered = trio.Event()
        finally:
            with trio.CancelScope(shield=True):
                await self._fail_safe()
            # Once per stop: after `stop` the loop's cancellation opens it again (a second
            # command, kept for safety), which is no second event.
            if not self._stop_logged:
                self._stop_logged = True
                log.info("event=control_loop_stopped evse=%s relay=open", self.evse_id)

    def _doze(self, tick: int, inputs: Inputs) -> int:
        """The next tick of a steady loop on simulated hardware (see the module
        docstring): the first tick at or after the earliest moment anything it decides
        on can change by itself, at most ``idle_wait`` away; ``tick`` if that is sooner."""
        assert self._changes_at is not None and self.idle_wait is not None
        until = min(
            self.machine.quiet_until(inputs),
            self._changes_at(),
            inputs.now + self.idle_wait,
        )
        if until <= tick * self.period:
            return tick
        self._dozing = True
        return math.ceil(until / self.period - GRID_EPSILON)

    def _pulse(self) -> None:
        """Two toggles of the heartbeat: one rising edge whatever the line's level, so
        the interlock is armed now; then toggling every period keeps a rising edge every
        2 periods."""
        if self._heartbeat is None:
            return
        self._heartbeat.toggle()
        self._heartbeat.toggle()
        self.interlock_armed = True

    async def _set_relay(self, closed: bool) -> None:
        if self._relay.blocking:
            await call_driver(
                self._relay.set_closed,
                closed,
                blocking=True,
                timeout=self._timeout,
                name=self._relay_name,
            )
        else:
            self._relay.set_closed(closed)

    def _fresh_current(self, now: float) -> float | None:
        """The meter's current if it was measured at most `MEASURED_CURRENT_MAX_AGE`
        before ``now`` (the time the machine decides at)."""
        if self._measured is None:
            return None
        amps, at = self._measured
        return amps if now - at <= MEASURED_CURRENT_MAX_AGE else None

    async def _pilot_too_slow(self) -> None:
        """The pilot did not answer within the reading's age bound: contactor open first,
        then the machine learns the fault so that the layers above see why."""
        await call_driver(
            self._relay.set_closed,
            False,
            blocking=self._relay.blocking,
            timeout=self._timeout,
            name=f"EVSE {self.evse_id} contactor",
        )
        decision = self.machine.step(
            # The reading never arrived: infinitely old.
            Inputs(now=trio.current_time(), reading=None, reading_taken_at=-math.inf)
        )
        self._publish(self._snapshot_of(decision))

    async def _drive(self, decision: Decision) -> None:
        pilot = self._pilot
        fn: Callable[..., None]
        args: tuple[float, ...]
        if decision.output is Output.PWM:
            fn, args, timeout = pilot.set_duty, (decision.duty,), DRIVER_TIMEOUT
        elif decision.output is Output.HIGH:
            fn, args, timeout = pilot.set_high, (), self._timeout
        else:
            fn, args, timeout = pilot.set_negative, (), self._timeout
        if pilot.blocking:
            await call_driver(fn, *args, blocking=True, timeout=timeout, name=self._pilot_name)
        else:
            fn(*args)

    async def _fail_safe(self) -> None:
        """Contactor open first, then pilot to F; each step tried even if another fails."""
        try:
            await call_driver(
                self._relay.set_closed,
                False,
                blocking=self._relay.blocking,
                timeout=self._timeout,
                name=f"EVSE {self.evse_id} contactor",
            )
        except Exception:
            log.exception("event=fail_safe_relay_open_failed evse=%s", self.evse_id)
        try:
            await call_driver(
                self._pilot.set_negative,
                blocking=self._pilot.blocking,
                timeout=self._timeout,
                name=f"EVSE {self.evse_id} pilot",
            )
        except Exception:
            log.exception("event=fail_safe_pilot_failed evse=%s", self.evse_id)
        self.machine.relay_closed = False
        self._publish(
            replace(self.snapshot, relay_closed=False, ev_requesting=False, offered_current=0.0)
        )

    def _snapshot_of(self, decision: Decision) -> EvseSnapshot:
        state = decision.state
        connected = state in (PilotState.B, PilotState.C, PilotState.D) or (
            state in (PilotState.E, PilotState.F) and self.snapshot.ev_connected
        )
        fault = ",".join(sorted(f.value for f in decision.faults)) or None
        return EvseSnapshot(
            evse_id=self.evse_id,
            ev_connected=connected,
            ev_requesting=state in (PilotState.C, PilotState.D),
            relay_closed=decision.relay_closed,
            offered_current=decision.offered_current,
            fault=fault,
            pilot_state=state.value,
            duty=decision.duty,
        )

    def _publish(self, snapshot: EvseSnapshot) -> None:
        if self._external_fault and not snapshot.fault:
            snapshot = replace(snapshot, fault=self._external_fault)
        if snapshot == self.snapshot:
            return
        self.snapshot = snapshot
        if self._on_snapshot is not None:
            self._on_snapshot(snapshot)
        self._changed.set()
        self._changed = trio.Event()
