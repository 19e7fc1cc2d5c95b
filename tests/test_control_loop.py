"""The control task on MockClock with the simulator's devices: timing and fail-safe."""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

import pytest
import trio

from drivers.interfaces import DeviceTimeout, DeviceUnavailable, PilotReading
from drivers.sim.evse import SimulatedEvse, SimulatedFaultInputs, SimulatedPilot, SimulatedRelay
from station.control.iec61851 import Output
from station.control.latches import LatchFile
from station.control.loop import IDLE_PERIODS, ControlLoop
from station.offload import InlineOffload

PERIOD = 0.01


def make(evse_id=1, **kwargs):
    sim = SimulatedEvse(evse_id, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    loop = ControlLoop(
        evse_id,
        pilot=kwargs.pop("pilot", SimulatedPilot(sim)),
        relay=SimulatedRelay(sim),
        faults=SimulatedFaultInputs(sim),
        max_current=32,
        period=PERIOD,
        **kwargs,
    )
    return sim, loop


async def charging(sim, loop):
    loop.allow_charging(True)
    sim.set_ev_state("B")
    await trio.sleep(0.05)
    sim.set_ev_state("C")
    await trio.sleep(0.05)
    assert loop.snapshot.relay_closed


@pytest.mark.parametrize("to", ["B", "A", "E", "F"])
async def test_contactor_opens_within_one_period_when_the_ev_leaves_c(to, autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        changed_at = trio.current_time()
        sim.set_ev_state(to)
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert trio.current_time() - changed_at <= PERIOD + 1e-9
        assert sim.status()["relay"]["commanded"] is False
        nursery.cancel_scope.cancel()


async def test_rcd_trip_opens_within_one_period(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        tripped_at = trio.current_time()
        sim.set_rcd_tripped(True)
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert trio.current_time() - tripped_at <= PERIOD + 1e-9
        assert loop.snapshot.fault == "rcd"
        nursery.cancel_scope.cancel()


async def test_cancellation_opens_the_contactor_and_shows_state_f(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        nursery.cancel_scope.cancel()
    assert sim.status()["relay"]["commanded"] is False
    assert sim.status()["pilot"]["output"] == "negative"


class FailingPilot(SimulatedPilot):
    fail = False

    def read(self) -> PilotReading:
        if self.fail:
            raise DeviceUnavailable("EVSE 1 pilot ADC: SPI device gone")
        return super().read()


async def test_a_failing_driver_ends_the_loop_with_the_contactor_open(autojump_clock):
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    pilot = FailingPilot(sim)
    sim_loop = ControlLoop(
        1,
        pilot=pilot,
        relay=SimulatedRelay(sim),
        faults=SimulatedFaultInputs(sim),
        max_current=32,
        period=PERIOD,
    )
    with pytest.RaisesGroup(DeviceUnavailable):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(sim_loop.run)
            await charging(sim, sim_loop)
            pilot.fail = True
    assert sim.status()["relay"]["commanded"] is False


class HangingFaults(SimulatedFaultInputs):
    """A device that hangs in its (blocking) driver call until the test releases it."""

    blocking: ClassVar[bool] = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()

    def rcd_tripped(self) -> bool:
        self.release.wait(timeout=60)  # bounded, so that a broken test cannot hang for ever
        return False


async def test_a_hanging_blocking_driver_times_out_and_fails_safe():
    # Real clock: the hang happens in a worker thread.
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    faults = HangingFaults(sim)
    loop = ControlLoop(
        1,
        pilot=SimulatedPilot(sim),
        relay=SimulatedRelay(sim),
        faults=faults,
        max_current=32,
        period=PERIOD,
        driver_timeout=0.05,
    )
    try:
        with pytest.raises(DeviceTimeout, match="RCD input"):
            await loop.run()
    finally:
        faults.release.set()
    assert sim.status()["relay"]["commanded"] is False


async def test_deadlines_do_not_drift_and_lateness_is_recorded(autojump_clock):
    sim, loop = make()
    sim.set_ev_state("B")  # an EV connected: the loop runs at its full period
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    assert loop.iterations == pytest.approx(1000, abs=2)
    stats = loop.timing()
    assert stats.max == 0.0 and stats.overruns == 0
    assert loop.healthy(trio.current_time())


async def test_operator_reset_of_a_welded_contactor(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        sim.set_welded(True)
        sim.set_ev_state("B")
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded"
        sim.set_welded(False)
        sim.set_ev_state("A")
        await trio.sleep(30)
        assert loop.snapshot.fault == "welded", "a welded contactor is never cleared by itself"
        loop.reset_latched_faults()
        await trio.sleep(1)
        assert loop.snapshot.fault is None
        nursery.cancel_scope.cancel()


# -- fail-safety of the pilot (issue: readings in no band, stale readings, over-current,
# -- latched faults, heartbeat interlock) ------------------------------------------------


def timeline(loop):
    """Record (time, snapshot) of every published snapshot."""
    seen = []

    def record(snapshot):
        seen.append((trio.current_time(), snapshot))

    loop._on_snapshot = record
    return seen


async def test_an_ev_already_in_c_gets_the_contactor_two_readings_after_the_pwm(autojump_clock):
    sim, loop = make()
    seen = timeline(loop)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        sim.set_ev_state("C")
        await trio.sleep(0.1)
        assert not loop.snapshot.relay_closed
        loop.allow_charging(True)
        await trio.sleep(0.1)
        nursery.cancel_scope.cancel()
    pwm_at = next(t for t, s in seen if s.duty not in (None, 0.0, 100.0))
    closed_at = next(t for t, s in seen if s.relay_closed)
    assert closed_at - pwm_at == pytest.approx(2 * PERIOD)


async def test_a_pilot_reading_in_no_band_opens_the_contactor(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        injected_at = trio.current_time()
        sim.inject_pilot_voltage(-5.0, -12.0)
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert trio.current_time() - injected_at <= PERIOD + 1e-9
        assert loop.snapshot.fault == "pilot_out_of_range"
        assert sim.status()["relay"]["feedback"] is False
        nursery.cancel_scope.cancel()


async def test_a_negative_plateau_of_minus_8_volts_opens_the_contactor(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        sim.inject_pilot_voltage(6.0, -8.0)
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert loop.snapshot.fault == "pilot_negative_out_of_range"
        nursery.cancel_scope.cancel()


class SlowPilot(SimulatedPilot):
    """A pilot whose (non-blocking) read takes ``delay`` seconds of the mock clock."""

    clock = None
    delay = 0.0

    def read(self) -> PilotReading:
        if self.delay:
            self.clock.jump(self.delay)
        return super().read()


async def test_a_pilot_reading_older_than_50_ms_opens_the_contactor(autojump_clock):
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    pilot = SlowPilot(sim)
    pilot.clock = autojump_clock
    _, loop = make(pilot=pilot)
    loop._relay = SimulatedRelay(sim)
    loop._faults = SimulatedFaultInputs(sim)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        pilot.delay = 0.04  # slow, but inside the bound
        await trio.sleep(0.5)
        assert loop.snapshot.relay_closed
        pilot.delay = 0.06
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert loop.snapshot.fault == "pilot_reading_stale"
        assert sim.status()["relay"]["feedback"] is False
        nursery.cancel_scope.cancel()


async def test_the_staleness_bound_is_configurable(autojump_clock):
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    pilot = SlowPilot(sim)
    pilot.clock = autojump_clock
    _, loop = make(pilot=pilot, max_reading_age=0.1)
    loop._relay = SimulatedRelay(sim)
    loop._faults = SimulatedFaultInputs(sim)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        pilot.delay = 0.08
        await trio.sleep(1)
        assert loop.snapshot.relay_closed and loop.snapshot.fault is None
        nursery.cancel_scope.cancel()


class HangingPilot(SimulatedPilot):
    """A pilot driver whose read hangs in its worker thread once `start_hanging` ran.

    It declares itself blocking only then: on MockClock a worker thread's real time is
    invisible, so the normal reads stay direct calls.
    """

    def __init__(self, evse):
        super().__init__(evse)
        self.released = threading.Event()

    def start_hanging(self) -> None:
        self.blocking = True

    def read(self) -> PilotReading:
        if self.blocking:
            self.released.wait(5)
        return super().read()


async def test_a_hanging_pilot_driver_opens_the_contactor_within_the_staleness_bound(
    autojump_clock,
):
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    pilot = HangingPilot(sim)
    _, loop = make(pilot=pilot)
    loop._relay = SimulatedRelay(sim)
    loop._faults = SimulatedFaultInputs(sim)
    seen = timeline(loop)
    try:
        with pytest.RaisesGroup(DeviceTimeout):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(loop.run)
                await charging(sim, loop)
                hung_at = trio.current_time()
                pilot.start_hanging()
                await trio.sleep_forever()
    finally:
        pilot.released.set()
    opened_at = next(t for t, s in seen if t >= hung_at and not s.relay_closed)
    assert opened_at - hung_at <= 0.05 + PERIOD + 1e-9
    assert any(s.fault == "pilot_reading_stale" for _, s in seen)
    assert sim.status()["relay"]["commanded"] is False


async def feed_meter(sim, loop, interval=1.0):
    """What the station's meter sampler does: pass each reading's current to the loop."""
    while True:
        loop.set_measured_current(sim.meter.sample().current)
        await trio.sleep(interval)


async def test_an_ev_that_ignores_the_pwm_gets_a_lower_offer_then_the_contactor_opens(
    autojump_clock,
):
    sim, loop = make()
    loop.set_current_limit(16)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        nursery.start_soon(feed_meter, sim, loop)
        await charging(sim, loop)
        offered = loop.snapshot.duty
        sim.set_ev_ignores_pwm(True)  # draws its own 32 A
        started = trio.current_time()
        while loop.snapshot.duty == offered:
            await loop.wait_snapshot()
        lowered_at = trio.current_time()
        assert loop.snapshot.relay_closed and loop.snapshot.duty < offered
        assert 7.0 <= lowered_at - started <= 9.0
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        assert 7.0 <= trio.current_time() - lowered_at <= 9.0
        assert loop.snapshot.fault == "overcurrent"
        assert sim.status()["meter"]["current"] == 0.0
        nursery.cancel_scope.cancel()


async def test_an_ev_within_the_tolerance_keeps_charging(autojump_clock):
    sim, loop = make()
    loop.set_current_limit(16)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        nursery.start_soon(feed_meter, sim, loop)
        await charging(sim, loop)
        sim.set_ev_max_current(17.5)  # 15.96 A offered: within 10 % + 0.5 A
        sim.set_ev_ignores_pwm(True)
        await trio.sleep(60)
        assert loop.snapshot.relay_closed and loop.snapshot.fault is None
        nursery.cancel_scope.cancel()


async def test_the_welded_latch_survives_reset_and_restart_until_cleared(autojump_clock, tmp_path):
    latches = LatchFile.for_evse(tmp_path, 1, InlineOffload())
    sim, loop = make(latches=latches)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        sim.set_welded(True)
        sim.set_ev_state("B")
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded"
        assert latches.read() == {"welded"}
        sim.set_welded(False)
        sim.set_ev_state("A")
        loop.reset()
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded", "a Reset does not clear the latch"
        nursery.cancel_scope.cancel()

    # A restart: a new loop on the same file starts out of service.
    sim, loop = make(latches=latches)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        loop.allow_charging(True)
        sim.set_ev_state("C")
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded" and not loop.snapshot.relay_closed
        assert await loop.clear_latched_faults() == ["welded"]
        assert latches.read() == frozenset()
        await trio.sleep(12)
        assert loop.snapshot.fault is None and loop.snapshot.relay_closed
        nursery.cancel_scope.cancel()


def test_a_damaged_latch_file_counts_as_a_welded_contactor(tmp_path):
    latches = LatchFile.for_evse(tmp_path, 1, InlineOffload())
    latches.path.parent.mkdir(parents=True)
    latches.path.write_text("{not json")
    assert latches.read() == {"welded"}


async def test_a_hung_loop_stops_the_heartbeat_and_the_interlock_opens_the_contactor(
    autojump_clock,
):
    sim = SimulatedEvse(
        1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC), interlock_window=0.05
    )
    faults = HangingRcd(sim)
    loop = ControlLoop(
        1,
        pilot=SimulatedPilot(sim),
        relay=SimulatedRelay(sim),
        faults=faults,
        max_current=32,
        period=PERIOD,
        heartbeat=sim.heartbeat,
    )
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(loop.run)
            await charging(sim, loop)
            assert sim.status()["interlock"]["open"] is False
            faults.start_hanging()  # the loop blocks in its next RCD read (0.5 s timeout)
            hung_at = trio.current_time()
            await trio.sleep(0.1)
            status = sim.status()
            assert status["relay"]["commanded"] is True, "the software has not reacted yet"
            assert status["relay"]["feedback"] is False
            assert status["interlock"]["open"] is True
            assert status["interlock"]["opened_at"] - hung_at <= 0.05 + PERIOD + 1e-9
            # The PWM is replaced by a steady +12 V: no energy offered (C1).
            assert status["pilot"]["output"] == "high"
            assert status["meter"]["current"] == 0.0
            nursery.cancel_scope.cancel()
    finally:
        faults.released.set()


async def test_without_a_heartbeat_the_interlock_holds_the_pilot_at_dc_and_the_contactor_open(
    autojump_clock,
):
    sim = SimulatedEvse(
        1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC), interlock_window=0.05
    )
    _, loop = make()
    loop._pilot, loop._relay, loop._faults = sim.pilot, sim.relay, sim.faults
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        loop.allow_charging(True)
        sim.set_ev_state("C")
        seen_closed = False
        while loop.snapshot.fault is None:
            await loop.wait_snapshot()
            seen_closed |= sim.status()["relay"]["feedback"]
        assert not seen_closed
        # The interlock holds the pilot at a steady +12 V: the readings under the
        # commanded PWM have no negative plateau, which is a fault.
        assert loop.snapshot.fault == "pilot_negative_out_of_range"
        assert not sim.status()["relay"]["feedback"]
        nursery.cancel_scope.cancel()


class HangingRcd(SimulatedFaultInputs):
    """An RCD input whose read hangs in its worker thread once `start_hanging` ran."""

    def __init__(self, evse):
        super().__init__(evse)
        self.released = threading.Event()

    def start_hanging(self) -> None:
        self.blocking = True

    def rcd_tripped(self) -> bool:
        if self.blocking:
            self.released.wait(5)
        return super().rcd_tripped()


class FlakyLatchStore:
    """A `LatchStore` in memory whose saves fail while ``broken`` is set."""

    def __init__(self, saved=frozenset()):
        self.saved = frozenset(saved)
        self.broken = False
        self.attempts = 0

    async def load(self):
        return self.saved

    async def save(self, faults):
        self.attempts += 1
        if self.broken:
            raise OSError("No space left on device")
        self.saved = frozenset(faults)


async def test_a_failed_latch_save_keeps_the_latch_and_is_retried(autojump_clock):
    store = FlakyLatchStore()
    store.broken = True
    sim, loop = make(latches=store)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        sim.set_welded(True)
        sim.set_ev_state("B")
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded" and store.attempts == 1, "one try, then a pause"
        store.broken = False
        await trio.sleep(5)
        assert store.saved == {"welded"} and store.attempts == 2
        store.broken = True
        with pytest.raises(OSError, match="saving failed"):
            await loop.clear_latched_faults()
        nursery.cancel_scope.cancel()


async def test_an_unknown_latched_fault_name_keeps_the_evse_out_of_service(autojump_clock):
    sim, loop = make(latches=FlakyLatchStore({"melted"}))
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        loop.allow_charging(True)
        sim.set_ev_state("C")
        await trio.sleep(1)
        assert loop.snapshot.fault == "welded" and not loop.snapshot.relay_closed
        nursery.cancel_scope.cancel()


async def test_snapshots_are_published_on_change_only_and_follow_the_external_fault(
    autojump_clock,
):
    """An idle loop publishes nothing new period after period; an external fault set and
    cleared between iterations still reaches the snapshot both ways and stays."""
    sim, loop = make()
    seen = timeline(loop)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(1.0)
        # Nothing changed from the initial snapshot (no EV, +12 V): nothing published.
        assert loop.iterations >= 9 and seen == []  # idle: every 10th period
        loop.set_external_fault("supervisor")
        await trio.sleep(0.05)
        assert loop.snapshot.fault == "supervisor" and not loop.snapshot.relay_closed
        loop.set_external_fault(None)
        await trio.sleep(1.0)
        assert loop.snapshot.fault is None
        sim.set_ev_state("B")
        await trio.sleep((IDLE_PERIODS + 2) * PERIOD)  # seen at the next idle iteration
        assert loop.snapshot.ev_connected and loop.snapshot.fault is None
        published = len(seen)
        await trio.sleep(1.0)
        assert len(seen) == published
        nursery.cancel_scope.cancel()
    faults = [s.fault for _, s in seen]
    assert faults[:2] == ["supervisor", None]


class RecordingHeartbeat:
    """A heartbeat output that remembers when it was toggled (once per iteration)."""

    blocking: ClassVar[bool] = False

    def __init__(self):
        self.toggled_at: list[float] = []

    def toggle(self) -> None:
        self.toggled_at.append(trio.current_time())

    def close(self) -> None:
        pass


async def test_loops_started_apart_iterate_on_one_shared_grid(autojump_clock):
    """Two EVSEs' loops started at different times (a restart of one of them) iterate at
    the same instants, a period apart, so that the process wakes once a period for both;
    the first interval of the later one is shorter, never longer, than a period."""
    beats = [RecordingHeartbeat(), RecordingHeartbeat()]
    made = [make(n + 1, heartbeat=beats[n]) for n in range(2)]
    for sim, _ in made:
        sim.set_ev_state("B")  # EVs connected: every period
    loops = [loop for _, loop in made]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loops[0].run)
        await trio.sleep(0.0537)
        nursery.start_soon(loops[1].run)
        await trio.sleep(0.5)
        nursery.cancel_scope.cancel()
    first, second = (b.toggled_at[2:] for b in beats)  # without the arming pulse
    assert second[0] == pytest.approx(0.0537)  # the later loop's first reading: at once
    assert second[1] == pytest.approx(0.06)
    shared = set(second[1:])
    assert shared and shared <= set(first)
    gaps = [b - a for a, b in itertools.pairwise(first)]
    assert gaps == pytest.approx([PERIOD] * len(gaps))


class LevelHeartbeat:
    """A heartbeat output that records its rising edges (as the interlock counts them)."""

    blocking: ClassVar[bool] = False

    def __init__(self):
        self.level = False
        self.rising: list[float] = []

    def toggle(self) -> None:
        self.level = not self.level
        if self.level:
            self.rising.append(trio.current_time())

    def close(self) -> None:
        pass


async def test_an_idle_loop_wakes_every_idle_period_and_leaves_the_heartbeat_still(
    autojump_clock,
):
    """No EV: one iteration every 100 ms on the shared grid, and no heartbeat edge once
    the machine settled: the interlock holds what an idle loop commands anyway."""
    beat = LevelHeartbeat()
    _sim, loop = make(heartbeat=beat)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await loop.settled.wait()
        settled_at = trio.current_time()
        before = loop.iterations
        await trio.sleep(1.0)
        assert loop.slow and not loop.interlock_armed
        assert loop.iterations - before == pytest.approx(10, abs=1)
        nursery.cancel_scope.cancel()
    assert IDLE_PERIODS == 10
    assert beat.rising and max(beat.rising) <= settled_at + PERIOD + 1e-9


class GateWatch:
    """Follows a simulated EVSE with its interlock: the pilot's and the coil's commands,
    the heartbeat's rising edges, and every moment something needed the interlock armed
    while it was open."""

    def __init__(self, sim):
        self.sim = sim
        self.rising: list[float] = []
        self.level = False
        self.violations: list[tuple[float, str]] = []
        self.closed_at: list[float] = []
        self.pwm_at: list[float] = []

    def heartbeat(self):
        watch, heartbeat = self, self.sim.heartbeat

        class Both:
            blocking: ClassVar[bool] = False

            def toggle(self) -> None:
                watch.level = not watch.level
                if watch.level:
                    watch.rising.append(trio.current_time())
                heartbeat.toggle()

            def close(self) -> None:
                heartbeat.close()

        return Both()

    def check(self) -> None:
        """The coil and the PWM are commanded only on a closed interlock."""
        status = self.sim.status()
        now = trio.current_time()
        if status["relay"]["commanded"]:
            if status["interlock"]["open"] or not status["relay"]["feedback"]:
                self.violations.append((now, "coil commanded on an open interlock"))
        if self.sim._output.value == "pwm" and status["pilot"]["output"] != "pwm":
            self.violations.append((now, "PWM commanded on an open interlock"))

    def relay(self):
        watch = self

        class Relay(SimulatedRelay):
            def set_closed(self, closed: bool) -> None:
                super().set_closed(closed)
                if closed:
                    watch.closed_at.append(trio.current_time())
                watch.check()

        return Relay(self.sim)

    def pilot(self):
        watch = self

        class Pilot(SimulatedPilot):
            def set_duty(self, duty: float) -> None:
                super().set_duty(duty)
                watch.pwm_at.append(trio.current_time())
                watch.check()

        return Pilot(self.sim)


def gated(window=0.05):
    """A loop on a simulated EVSE with its interlock, watched by a `GateWatch`."""
    sim = SimulatedEvse(
        1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC), interlock_window=window
    )
    watch = GateWatch(sim)
    loop = ControlLoop(
        1,
        pilot=watch.pilot(),
        relay=watch.relay(),
        faults=SimulatedFaultInputs(sim),
        max_current=32,
        period=PERIOD,
        heartbeat=watch.heartbeat(),
    )
    return sim, loop, watch


async def test_slow_idle_never_drops_the_pilot_or_the_coil_of_a_healthy_station(
    autojump_clock,
):
    """Idle → plugged → charging → unplugged → idle, three times, with the interlock
    modelled (window 40 ms, its lower bound): while idle the interlock is open and the
    pilot still reads +12 V (no fault, plug-in seen); every PWM and every closing is
    commanded on a closed interlock; while the EV is there the rising edges come at
    most 2 periods apart, and the charge is never interrupted."""
    sim, loop, watch = gated(window=0.04)
    seen = timeline(loop)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        for _ in range(3):
            await trio.sleep(10)  # idle; and the contactor's 10 s between closings
            assert loop.slow and sim.status()["interlock"]["open"] is True
            assert sim.pilot.read() == PilotReading(12.0, 12.0)
            loop.allow_charging(True)
            sim.set_ev_state("B")
            await trio.sleep(0.15)
            sim.set_ev_state("C")
            await trio.sleep(0.1)
            assert loop.snapshot.relay_closed
            charging_from = trio.current_time()
            for _ in range(100):
                await trio.sleep(PERIOD / 2)
                watch.check()
                assert sim.status()["relay"]["feedback"] is True
            edges = [t for t in watch.rising if t >= charging_from - 2 * PERIOD]
            gaps = [b - a for a, b in itertools.pairwise(edges)]
            assert max(gaps) <= 2 * PERIOD + 1e-9
            sim.set_ev_state("A")
            loop.allow_charging(False)
            await trio.sleep(0.5)
        nursery.cancel_scope.cancel()
    assert watch.violations == []
    assert len(watch.closed_at) == 3
    assert all(s.fault is None for _, s in seen)


async def test_an_ev_in_c_at_the_end_of_a_slow_idle_gets_the_interlock_armed_first(
    autojump_clock,
):
    """Authorized, no EV, slow idle with the interlock open for long: an EV arriving in C
    gets the PWM only after a rising heartbeat edge in the same iteration, and the
    contactor two readings under PWM later with the interlock closed."""
    sim, loop, watch = gated()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        loop.allow_charging(True)
        await trio.sleep(5.0)
        assert loop.slow and sim.status()["interlock"]["open"] is True
        edges_before = len(watch.rising)
        sim.set_ev_state("C")
        with trio.fail_after(1):
            while not loop.snapshot.relay_closed:
                await loop.wait_snapshot()
        nursery.cancel_scope.cancel()
    assert watch.violations == []
    first_pwm, closed = watch.pwm_at[0], watch.closed_at[0]
    arming = watch.rising[edges_before]
    assert arming <= first_pwm  # the arming edge came first (same iteration at most)
    assert closed - first_pwm >= 2 * PERIOD - 1e-9
    assert closed - max(t for t in watch.rising if t <= closed) <= 2 * PERIOD + 1e-9


async def test_outputs_asked_for_on_the_first_iteration_after_idle_wait_for_the_arming_edge(
    autojump_clock,
):
    """Whatever the machine decides on the iteration that leaves the idle rate, the PWM
    and the coil are driven only after the interlock's arming edge (a decision asking
    for both at once stands in for any machine that would)."""
    sim, loop, watch = gated()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(2.0)
        assert loop.slow and sim.status()["interlock"]["open"] is True
        machine = loop.machine
        step = machine.step

        def eager(inputs):
            decision = step(inputs)
            machine.relay_closed = True
            return replace(decision, output=Output.PWM, duty=50.0, relay_closed=True)

        machine.step = eager
        loop.allow_charging(True)  # wakes the loop at once
        await trio.sleep(0.0001)
        nursery.cancel_scope.cancel()
    assert watch.pwm_at and watch.closed_at
    assert watch.violations == []


async def test_a_loop_that_dies_while_idle_leaves_a_safe_state(autojump_clock):
    """A hung (or dead) idle loop: nothing changes at the interlock (coil off, steady
    +12 V), and an EV that arrives meanwhile gets neither PWM nor energy."""
    sim = SimulatedEvse(
        1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC), interlock_window=0.05
    )
    pilot = HangingPilot(sim)
    loop = ControlLoop(
        1,
        pilot=pilot,
        relay=SimulatedRelay(sim),
        faults=SimulatedFaultInputs(sim),
        max_current=32,
        period=PERIOD,
        heartbeat=sim.heartbeat,
        driver_timeout=30.0,
        max_reading_age=30.0,  # the hang is not noticed: the loop just stops
    )
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(loop.run)
            loop.allow_charging(True)
            await trio.sleep(1.0)
            assert loop.slow
            before = sim.status()
            pilot.start_hanging()
            await trio.sleep(0.5)
            sim.set_ev_state("C")  # an EV arrives while nothing watches
            await trio.sleep(0.5)
            status = sim.status()
            assert status["interlock"] == before["interlock"]  # open all along
            assert status["pilot"]["output"] == "high" and status["pilot"]["duty"] is None
            assert status["relay"] == {"commanded": False, "feedback": False, "welded": False}
            assert status["meter"]["current"] == 0.0
            assert sim.pilot.read() == PilotReading(6.0, 6.0)  # C1: no energy offered
            nursery.cancel_scope.cancel()
    finally:
        pilot.released.set()


@pytest.mark.parametrize("state", ["B", "C", "E", "F"])
async def test_an_idle_loop_sees_a_plug_in_within_the_idle_period_and_a_period(
    state, autojump_clock
):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(0.5031)
        changed_at = trio.current_time()
        sim.set_ev_state(state)
        while loop.snapshot.pilot_state == "A":
            await loop.wait_snapshot()
        assert trio.current_time() - changed_at <= (IDLE_PERIODS + 1) * PERIOD + 1e-9
        assert loop.snapshot.pilot_state == state
        assert not loop.snapshot.relay_closed
        # Back on every period as long as the EV is there.
        before = loop.iterations
        await trio.sleep(0.1)
        assert loop.iterations - before == pytest.approx(10, abs=1)
        nursery.cancel_scope.cancel()


async def test_an_ev_arriving_in_c_while_idle_gets_the_contactor_only_after_pwm_readings(
    autojump_clock,
):
    sim, loop = make()
    seen = timeline(loop)
    loop.allow_charging(True)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(0.5)
        sim.set_ev_state("C")
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        nursery.cancel_scope.cancel()
    closed_at = next(t for t, s in seen if s.relay_closed)
    pwm_at = next(t for t, s in seen if s.duty not in (None, 0.0, 100.0))
    # Two readings taken with the PWM on, a period apart, before the contactor.
    assert closed_at - pwm_at >= 2 * PERIOD - 1e-9


async def test_an_rcd_trip_while_idle_is_seen_and_ends_the_idle_rate(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(0.5)
        tripped_at = trio.current_time()
        sim.set_rcd_tripped(True)
        with trio.fail_after(1):
            while loop.snapshot.fault is None:
                await loop.wait_snapshot()
        assert loop.snapshot.fault == "rcd"
        assert trio.current_time() - tripped_at <= IDLE_PERIODS * PERIOD + 1e-9
        before = loop.iterations
        await trio.sleep(0.1)
        assert loop.iterations - before == pytest.approx(10, abs=1)
        nursery.cancel_scope.cancel()


async def test_an_idle_rate_slower_than_the_plug_in_bound_is_refused():
    with pytest.raises(ValueError, match=r"idle_periods must be 1\.\.10 \(a plug-in must"):
        make(idle_periods=11)


async def test_a_lower_limit_reaches_the_pilot_at_once_and_the_deadlines_stay(autojump_clock):
    sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        await trio.sleep(PERIOD / 2)  # half-way between two deadlines
        iterations, lowered_at = loop.iterations, trio.current_time()
        loop.set_current_limit(10)
        while loop.snapshot.offered_current > 10:
            await loop.wait_snapshot()
        assert trio.current_time() == lowered_at  # not at the next deadline
        assert loop.iterations == iterations + 1
        assert sim.status()["pilot"]["duty"] == 16.6
        # The next iteration comes at the deadline it was waiting for, not a period later.
        deadline = math.ceil(lowered_at / PERIOD) * PERIOD
        await trio.sleep_until(deadline - PERIOD / 10)
        assert loop.iterations == iterations + 1
        await trio.sleep_until(deadline + PERIOD / 10)
        assert loop.iterations == iterations + 2
        nursery.cancel_scope.cancel()


async def test_a_higher_limit_waits_for_the_next_deadline(autojump_clock):
    sim, loop = make()
    loop.set_current_limit(10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await charging(sim, loop)
        await trio.sleep(PERIOD / 2)
        iterations = loop.iterations
        loop.set_current_limit(12)  # a raise: no extra iteration (and the machine holds it)
        await trio.sleep(PERIOD / 10)
        assert loop.iterations == iterations
        nursery.cancel_scope.cancel()


# -- simulated hardware in a fleet: idle until the simulator reports a change --------------


def make_waiting(idle_wait=10.0):
    """A loop whose idle sleep ends on the simulator's reports (as a fleet runs it)."""
    sim, loop = make(idle_wait=idle_wait)
    sim.on_input = loop.wake
    return sim, loop


async def test_an_idle_loop_with_an_idle_wait_iterates_once_per_wait(autojump_clock):
    _sim, loop = make_waiting(idle_wait=10.0)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await loop.settled.wait()
        before = loop.iterations
        await trio.sleep(100.0)
        # Once per 10 s on the shared grid (a real loop: 5,000 iterations).
        assert loop.iterations - before == pytest.approx(10, abs=1)
        assert loop.healthy(trio.current_time())
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize("state", ["B", "C", "E", "F"])
async def test_a_waiting_idle_loop_sees_a_plug_in_at_once_and_is_back_on_every_period(
    state, autojump_clock
):
    sim, loop = make_waiting()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(3.4567)  # in the middle of a 10 s idle wait
        changed_at = trio.current_time()
        sim.set_ev_state(state)
        while loop.snapshot.pilot_state == "A":
            await loop.wait_snapshot()
        # The wake-up's reading, then the machine's confirmation a period later.
        assert trio.current_time() - changed_at <= 2 * PERIOD + 1e-9
        assert loop.snapshot.pilot_state == state
        before = loop.iterations
        await trio.sleep(0.1)
        assert loop.iterations - before == pytest.approx(10, abs=1)
        nursery.cancel_scope.cancel()


async def test_a_waiting_idle_loop_charges_as_a_real_one_and_goes_back_to_waiting(autojump_clock):
    sim, loop = make_waiting()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(5.0)
        await charging(sim, loop)
        sim.set_rcd_tripped(True)  # a fault input reported by the simulator
        await trio.sleep(2 * PERIOD)
        assert not loop.snapshot.relay_closed
        sim.set_rcd_tripped(False)
        sim.set_ev_state("A")
        await trio.sleep(1.0)
        before = loop.iterations
        await trio.sleep(30.0)
        assert loop.iterations - before <= 4  # waiting again
        nursery.cancel_scope.cancel()


async def test_commands_wake_an_idle_loop_at_once_but_not_one_on_every_period(autojump_clock):
    _sim, waiting = make_waiting()
    _sim2, idle = make()
    sim3, busy = make()
    sim3.set_ev_state("B")  # an EV: every period
    loops = (waiting, idle, busy)
    async with trio.open_nursery() as nursery:
        for loop in loops:
            nursery.start_soon(loop.run)
        await trio.sleep(5.005)  # between two deadlines of every loop
        assert idle.slow and not busy.slow
        before = [loop.iterations for loop in loops]
        for loop in loops:
            loop.set_operative(False)
        await trio.sleep(0.001)
        assert [loop.iterations - b for loop, b in zip(loops, before, strict=True)] == [1, 1, 0]
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    "command",
    [
        lambda loop: loop.allow_charging(True),
        lambda loop: loop.set_current_limit(6),
        lambda loop: loop.set_operative(False),
        lambda loop: loop.set_external_fault("meter"),
        lambda loop: loop.reset(),
    ],
    ids=["authorize", "limit", "availability", "external_fault", "reset"],
)
async def test_a_command_is_taken_by_an_idle_loop_at_once(command, autojump_clock):
    """Every command reaches an idle loop's machine within the instant, not at the next
    100 ms deadline; what changes the output puts the loop back on every period."""
    _sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(2.0037)
        assert loop.slow
        before = loop.iterations
        command(loop)
        await trio.sleep(0.0001)
        assert loop.iterations == before + 1
        nursery.cancel_scope.cancel()


async def test_an_external_fault_keeps_an_idle_loop_on_every_period(autojump_clock):
    _sim, loop = make()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(1.0)
        loop.set_external_fault("meter")
        await trio.sleep(0.0001)
        before = loop.iterations
        await trio.sleep(0.1)
        assert not loop.slow and loop.iterations - before == pytest.approx(10, abs=1)
        nursery.cancel_scope.cancel()


async def test_an_idle_wait_shorter_than_the_period_is_refused():
    refused = r"idle_wait must be at least the period 0\.01, got 0\.001"
    with pytest.raises(ValueError, match=refused):
        make(idle_wait=0.001)


# -- simulated hardware: a steady loop sleeps until something can change -------------------


def make_pair():
    """Two EVSEs with the same EV and the same commands, both woken by their simulated
    inputs (``idle_wait``): one loop reads every period while an EV is connected (as the
    simulator ran before), the other sleeps through steady states too (``changes_at``, as
    the simulator and a fleet run it now). Each records its snapshots with their times."""
    made = []
    for dozing in (False, True):
        timeline: list[tuple[float, object]] = []
        sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
        loop = ControlLoop(
            1,
            pilot=SimulatedPilot(sim),
            relay=SimulatedRelay(sim),
            faults=SimulatedFaultInputs(sim),
            max_current=32,
            period=0.5,
            idle_wait=10.0,
            changes_at=sim.next_change_at if dozing else None,
            on_snapshot=lambda s, t=timeline: t.append((trio.current_time(), s)),
        )
        sim.on_input = loop.wake
        made.append((sim, loop, timeline))
    return made


async def _meter(sim, loop, interval=5.0):
    """A meter sampler's part: the EV's current every ``interval`` s, as the station's."""
    while True:
        await trio.sleep(interval)
        loop.set_measured_current(sim.status()["meter"]["current"])


def _battery_nearly_full(sim, loop):
    sim.configure_ev(capacity_kwh=1.0, soc=99.0)


def _limit_down_then_up(sim, loop):
    loop.set_current_limit(8)


def _withdrawn_while_drawing(sim, loop):
    sim.set_ev_ignores_pwm(True)  # stays in C, drawing
    loop.allow_charging(False)


def _over_current(sim, loop):
    sim.set_ev_ignores_pwm(True)  # draws its 32 A whatever is offered
    loop.set_current_limit(10)


def _welded_then_stopped(sim, loop):
    sim.set_welded(True)
    loop.allow_charging(False)
    sim.set_ev_state("B")


SCENARIOS = {
    "battery_full": _battery_nearly_full,
    "limit_raise": _limit_down_then_up,
    "c1_forced_open": _withdrawn_while_drawing,
    "over_current": _over_current,
    "welded": _welded_then_stopped,
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_a_loop_that_sleeps_through_steady_states_decides_what_a_polling_one_does(
    scenario, autojump_clock
):
    """The same EV, commands and meter readings to a loop that reads every period and one
    that sleeps until its machine's next timer, its hardware's next change of its own or a
    new input: the same snapshots at the same moments, with a fraction of the iterations."""
    pair = make_pair()
    async with trio.open_nursery() as nursery:
        for sim, loop, _ in pair:
            nursery.start_soon(loop.run)
            nursery.start_soon(_meter, sim, loop)
        await trio.sleep(1.0)
        for sim, loop, _ in pair:
            loop.allow_charging(True)
            sim.set_ev_state("C")
        await trio.sleep(30.0)
        assert all(loop.snapshot.relay_closed for _, loop, _ in pair)
        for sim, loop, _ in pair:
            SCENARIOS[scenario](sim, loop)
        await trio.sleep(2.25)
        if scenario == "limit_raise":
            for _, loop, _ in pair:
                loop.set_current_limit(32)  # raised 5 s after the lowering, not at once
        await trio.sleep(300.0)
        nursery.cancel_scope.cancel()
    (_, polling, polled), (_, dozing, dozed) = pair
    assert dozed == polled
    # What each scenario is about happened, at the moment its rule sets.
    changes = [(when, s.relay_closed, s.offered_current, s.fault) for when, s in polled]
    assert changes[1] == (2.5, True, pytest.approx(32.0, abs=0.1), None)  # C confirmed, closed
    assert EXPECTED[scenario] in changes
    assert dozing.iterations * 5 < polling.iterations


#: A change each scenario makes: (when, relay closed, offered A, fault).
EXPECTED = {
    "battery_full": (86.0, False, pytest.approx(32.0, abs=0.1), None),  # the EV stopped asking
    "c1_forced_open": (37.0, False, 0.0, None),  # withdrawn at 31 s, the EV kept drawing
    "limit_raise": (
        36.0,
        True,
        pytest.approx(32.0, abs=0.1),
        None,
    ),  # lowered at 31 s, raised 5 s on
    "over_current": (45.5, False, 0.0, "overcurrent"),  # lowered at 38.5 s, then tripped
    "welded": (31.5, False, 0.0, "welded"),  # the feedback checked 0.25 s after opening
}


async def test_a_meter_current_above_the_offer_wakes_a_sleeping_loop_at_once(autojump_clock):
    (_, _, _), (sim, loop, _) = make_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        loop.allow_charging(True)
        sim.set_ev_state("C")
        await trio.sleep(5.0)
        assert loop.snapshot.relay_closed
        before = loop.iterations
        await trio.sleep(3.0)
        assert loop.iterations == before  # a steady charge: nothing to read
        # Within the tolerance of the 32 A offered: the guard has nothing to do.
        loop.set_measured_current(16.0)
        await trio.sleep(3.0)
        assert loop.iterations == before
        loop.set_measured_current(40.0)  # an excess begins
        await trio.sleep(0.001)  # virtual: the clock moves once every task waits
        assert loop.iterations == before + 1
        nursery.cancel_scope.cancel()


async def test_a_meter_current_leaves_an_idle_loop_asleep(autojump_clock):
    """No EV, contactor open: the over-current guard reads no current, so a reading (one
    every meter interval on a real station) is no reason to iterate."""
    (_, _, _), (_, loop, _) = make_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(loop.run)
        await trio.sleep(5.0)
        before = loop.iterations
        for amps in (0.0, 40.0, 0.0):  # within the idle wait of 10 s
            loop.set_measured_current(amps)
            await trio.sleep(1.0)
        assert loop.iterations == before
        assert not loop.snapshot.relay_closed
        nursery.cancel_scope.cancel()
