"""Faults injected into a life, every 10 minutes on average: power cuts, clock steps,
CSMS outages and disconnects, and the hardware's and the tasks' own failures, each
repaired after a while (a latched one by an operator)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

import trio

from drivers.sim.station import SimulatedStation
from tools.simulate.world import EVSES, PowerLost

if TYPE_CHECKING:
    from tools.simulate.life import Life

#: Mean seconds between two faults, and between two operations of the CSMS.
FAULT_EVERY = 600.0
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


async def inject_faults(life: Life, nursery: trio.Nursery) -> None:
    """Inject a fault of a random kind every `FAULT_EVERY` seconds on average."""
    rng = life.rng["faults"]
    kinds = list(FAULT_WEIGHTS)
    weights = list(FAULT_WEIGHTS.values())
    while True:
        await trio.sleep(rng.expovariate(1 / FAULT_EVERY))
        kind = rng.choices(kinds, weights)[0]
        await life.when_up()
        life.result.faults[kind] += 1
        await inject(life, kind, rng, nursery)


async def inject(life: Life, kind: str, rng: random.Random, nursery: trio.Nursery) -> None:
    """Inject one fault of ``kind`` (its repair is scheduled in ``nursery``)."""
    assert life.csms is not None and life.clock is not None
    evse_id = rng.choice(EVSES)
    lasting = rng.uniform(5, 300)
    if kind == "power_cut":
        await life.power_cut(rng.choice((1.0, 5.0, 60.0, 600.0)) * rng.random() + 0.5)
    elif kind == "clock_step":
        seconds = rng.choice((-1, 1)) * rng.choice((1.0, 30.0, 600.0, 7200.0)) * rng.random()
        if rng.random() < 0.5:
            life.system_offset += seconds
            life.clock.step(seconds)
        else:
            life.csms.clock_offset += seconds
    elif kind == "csms_outage":
        life.csms.down = True
        await life.csms.disconnect()
        nursery.start_soon(
            life.later, rng.choice((20.0, 300.0, 3600.0)) * rng.random(), lambda: _csms_back(life)
        )
    elif kind == "csms_disconnect":
        await life.csms.disconnect()
    elif kind == "rcd_trip":
        life.sim().evse(evse_id).set_rcd_tripped(True)
        nursery.start_soon(_repair, life, lasting, lambda s: s.evse(evse_id).set_rcd_tripped(False))
    elif kind == "diode_fault":
        life.sim().evse(evse_id).set_diode_fault(True)
        nursery.start_soon(_repair, life, lasting, lambda s: s.evse(evse_id).set_diode_fault(False))
    elif kind == "welded_contactor":
        life.sim().evse(evse_id).set_welded(True)
        life.welded.add(evse_id)
        nursery.start_soon(life.later, lasting, lambda: _unweld(life, evse_id))
    elif kind in ("meter_error", "meter_hang"):
        life.sim().evse(evse_id).meter_failure = kind.removeprefix("meter_")
        nursery.start_soon(_repair, life, lasting, lambda s: _set_meter(s, evse_id, None))
    elif kind == "card_reader_error":
        life.sim().card_reader.failing = True
        nursery.start_soon(_repair, life, lasting, lambda s: _set_reader(s, False))
    elif kind == "task_crash":
        life.crash_armed = True
    elif kind == "pilot_glitch":
        # A disturbed pilot line: readings in no state's band for a moment.
        high = rng.choice((10.5, 7.5, 14.0, -6.0))
        life.sim().inject_pilot_voltage(evse_id, high, -12.0)
        nursery.start_soon(
            _repair, life, rng.uniform(0.2, 3), lambda s: s.release_pilot_voltage(evse_id)
        )


async def _repair(life: Life, delay: float, action: Callable[[SimulatedStation], object]) -> None:
    await trio.sleep(delay)
    await life.act(action)


async def _csms_back(life: Life) -> None:
    assert life.csms is not None
    life.csms.down = False


async def _unweld(life: Life, evse_id: int) -> None:
    """A technician frees the contactor and clears the latched fault. A power cut before
    the cleared latch was saved brings the station back with the fault latched: the
    technician clears it again then (until then the end of the life would too)."""
    while True:
        station = await life.when_up()
        life.sim().evse(evse_id).set_welded(False)
        try:
            await station.loops[evse_id].clear_latched_faults()
        except PowerLost:
            # The power went (the store refuses writes from that moment on, while the
            # station winds down): again with the station that comes back.
            await life.when_gone(station)
            continue
        life.welded.discard(evse_id)
        return


def _set_meter(sim: SimulatedStation, evse_id: int, failure: str | None) -> None:
    sim.evse(evse_id).meter_failure = failure


def _set_reader(sim: SimulatedStation, failing: bool) -> None:
    sim.card_reader.failing = failing
