"""CPU of the control service alone: what its control loops cost per iteration.

The control service (`station.control.service.ControlService`) runs in this process with
simulated hardware and its default settings (2 EVSEs, 10 ms period, meters every second,
the card reader every 0.3 s), without an OCPP side, for a window of wall-clock time. For
each scenario it prints:

* the CPU the whole process used, as a share of one core (the goal of the idle station is
  ≤ 1 %);
* that CPU divided by the control-loop iterations in the window (µs per iteration: all
  idle work counted, the trio scheduler's wake-ups included);
* the CPU of the control-loop task's own steps, per iteration (p50 / p99 / max, from a
  trio instrument that reads the thread's CPU clock around each step of the tasks that
  run the loops; measured in a second window so that the instrument's own cost stays out
  of the first figure).

Scenarios: ``idle`` (no EV on either EVSE), ``charging`` (both EVSEs in state C with the
contactor closed, the meter drawing current) and ``threaded`` (idle, but each pilot
reading goes through a worker thread as the gpio pilot's blocking ADC read does on a
Raspberry Pi: what that path costs per period). ``floor`` is the baseline: two bare trio
tasks that do nothing but sleep until their next 10 ms deadline, what any design with one
trio task per EVSE costs before it does any work.

    python -m bench.control_idle [--seconds S] [--scenarios floor,idle,charging,threaded]
        [--virtual S] [--profile FILE]

On a loaded machine the figures above move by half their value from one run to the next
(a loop that sleeps 10 ms wakes to cold caches, and the run loop's own wake-up is most of
the cost). ``--virtual S`` adds a steadier figure for comparing two versions of the code:
the floor, idle and charging scenarios run again for S seconds of `trio.testing.MockClock`
time, so that the iterations follow each other without sleeping, and the CPU per
iteration is the work of the iteration and of trio's timer machinery alone.

``--profile FILE`` runs cProfile over the first window of each scenario and writes the
statistics to FILE.<scenario> (read them with ``python -m pstats``); the figures of a
profiled run are not comparable with an unprofiled one.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from datetime import UTC, datetime
from typing import ClassVar

import trio
import trio.testing

from bench.common import Stats, stats_row, table

SCENARIOS = ("floor", "idle", "charging", "threaded")
#: The name the EVSE supervisors give the task that runs a `ControlLoop` ("evse1.control").
LOOP_TASK = ".control"


class StepClock(trio.abc.Instrument):
    """Thread CPU time of each step of the control-loop tasks (seconds)."""

    def __init__(self) -> None:
        self.steps: list[float] = []
        self._started = 0.0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        """Note the CPU clock before a control-loop task runs."""
        if task.name.endswith(LOOP_TASK):
            self._started = time.thread_time()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        """Record the CPU the step took."""
        if task.name.endswith(LOOP_TASK):
            self.steps.append(time.thread_time() - self._started)


class ThreadedPilot:
    """A simulated pilot that declares itself blocking, so that the control loop calls it
    from a worker thread with a timeout, as it calls the gpio pilot."""

    blocking: ClassVar[bool] = True

    def __init__(self, pilot) -> None:
        self._pilot = pilot

    def __getattr__(self, name: str):
        return getattr(self._pilot, name)


def _utc() -> datetime:
    return datetime.now(UTC)


async def _settle(predicate, timeout: float = 10.0) -> None:
    with trio.fail_after(timeout):
        while not predicate():  # noqa: ASYNC110 - state owned by the control loops
            await trio.sleep(0.05)


async def _floor(seconds: float) -> dict:
    count = [0]

    async def ticker() -> None:
        deadline = trio.current_time()
        while True:
            count[0] += 1
            deadline += 0.010
            await trio.sleep_until(deadline)

    async with trio.open_nursery() as nursery:
        for _ in range(2):
            nursery.start_soon(ticker)
        await trio.sleep(1.0)
        iterations, cpu, wall = count[0], time.process_time(), time.perf_counter()
        await trio.sleep(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        iterations = count[0] - iterations
        nursery.cancel_scope.cancel()
    return {
        "cpu_percent": cpu / wall * 100,
        "iterations_per_s": iterations / wall,
        "us_per_iteration": cpu / iterations * 1e6,
        "loop_step_us": None,
        "_steps": None,
    }


async def _scenario(name: str, seconds: float, profile: str | None, virtual: bool = False) -> dict:
    if name == "floor":
        return await _floor(seconds)
    from dataclasses import replace

    from drivers import HardwareConfig, build_hardware
    from station.control.service import ControlService

    config = HardwareConfig()
    # The simulation's clock must be readable from the worker threads of ``threaded``.
    now = trio.current_time if virtual else time.perf_counter
    hardware = build_hardware(config, now=now, wall_clock=_utc)
    if name == "threaded":
        evses = tuple(replace(d, pilot=ThreadedPilot(d.pilot)) for d in hardware.evses)
        hardware = replace(hardware, evses=evses)
    service = ControlService(config, hardware)
    loops = service.loops.values()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await service.wait_first_iterations()
            if name == "charging":
                assert hardware.sim is not None
                for evse_id, loop in service.loops.items():
                    hardware.sim.plug(evse_id)
                    hardware.sim.set_ev_state(evse_id, "C")
                    loop.allow_charging(True)
                await _settle(lambda: all(loop.snapshot.relay_closed for loop in loops))
            await trio.sleep(1.0)  # start-up work (first meter samples) out of the window

            profiler = cProfile.Profile() if profile else None
            iterations = sum(loop.iterations for loop in loops)
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler is not None:
                profiler.enable()
            await trio.sleep(seconds)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(f"{profile}.{name}")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            iterations = sum(loop.iterations for loop in loops) - iterations

            clock = StepClock()
            if not virtual:
                trio.lowlevel.add_instrument(clock)
                await trio.sleep(min(seconds, 5.0))
                trio.lowlevel.remove_instrument(clock)
            if name == "charging":
                assert all(loop.snapshot.relay_closed for loop in loops), "a charge stopped"
            nursery.cancel_scope.cancel()
    finally:
        service.close()
    return {
        "cpu_percent": cpu / wall * 100,
        "iterations_per_s": iterations / wall,
        "us_per_iteration": cpu / iterations * 1e6 if iterations else float("nan"),
        "loop_step_us": Stats.of(clock.steps).scaled(1e6).as_dict(),
        "_steps": Stats.of(clock.steps).scaled(1e6),
    }


def run(
    seconds: float = 20.0,
    scenarios: tuple[str, ...] = SCENARIOS,
    profile: str | None = None,
    virtual: float = 0.0,
) -> dict:
    """Measure each scenario in turn (a fresh service each) and format the report."""
    results = {name: trio.run(_scenario, name, seconds, profile) for name in scenarios}
    lines = ["## control_idle", f"control service alone, 2 EVSEs, {seconds:g} s window each", ""]
    for name, r in results.items():
        lines.append(
            f"{name}: {r['cpu_percent']:.2f} % of a core, {r['iterations_per_s']:.0f}"
            f" iterations/s, {r['us_per_iteration']:.1f} µs CPU per iteration (all work)"
        )
    lines += [
        "",
        "CPU of one control-loop step (µs, thread clock):",
        table(
            [
                stats_row(name, steps, unit="µs")
                for name, r in results.items()
                if (steps := r.pop("_steps")) is not None
            ],
            ("what", "n", "min µs", "p50 µs", "p99 µs", "max µs"),
        ),
    ]
    if virtual:
        lines += ["", f"virtual time ({virtual:g} s of MockClock each, no sleeping):"]
        for name in scenarios:
            if name == "threaded":
                continue  # worker threads run in real time: not on a MockClock
            clock = trio.testing.MockClock(autojump_threshold=0)
            r = trio.run(_scenario, name, virtual, None, True, clock=clock)
            r.pop("_steps")
            results[f"{name}_virtual"] = r
            lines.append(f"{name}: {r['us_per_iteration']:.1f} µs CPU per iteration")
    return {"name": "control_idle", "results": results, "text": "\n".join(lines)}


def main(argv: list[str] | None = None) -> int:
    """Command line of the harness."""
    parser = argparse.ArgumentParser(prog="python -m bench.control_idle", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="window per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--profile", metavar="FILE", help="write cProfile statistics")
    parser.add_argument(
        "--virtual", type=float, default=0.0, metavar="S", help="also S s of MockClock time"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    scenarios = tuple(s for s in args.scenarios.split(",") if s)
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {SCENARIOS}")
    result = run(args.seconds, scenarios, args.profile, args.virtual)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
