"""The control task on MockClock with the simulator's devices: timing and fail-safe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

import pytest
import trio

from drivers.interfaces import DeviceTimeout, DeviceUnavailable, PilotReading
from drivers.sim.evse import SimulatedEvse, SimulatedFaultInputs, SimulatedPilot, SimulatedRelay
from station.control.loop import ControlLoop

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
    blocking: ClassVar[bool] = True

    def rcd_tripped(self) -> bool:
        import time

        time.sleep(1.0)  # a device that hangs in its (blocking) driver call
        return False


async def test_a_hanging_blocking_driver_times_out_and_fails_safe():
    # Real clock: the hang happens in a worker thread.
    sim = SimulatedEvse(1, now=trio.current_time, wall_clock=lambda: datetime.now(UTC))
    loop = ControlLoop(
        1,
        pilot=SimulatedPilot(sim),
        relay=SimulatedRelay(sim),
        faults=HangingFaults(sim),
        max_current=32,
        period=PERIOD,
        driver_timeout=0.05,
    )
    with pytest.raises(DeviceTimeout, match="RCD input"):
        await loop.run()
    assert sim.status()["relay"]["commanded"] is False


async def test_deadlines_do_not_drift_and_lateness_is_recorded(autojump_clock):
    _sim, loop = make()
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
