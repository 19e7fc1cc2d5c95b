"""What holds a station's event loop up: its long task steps and the collector's pauses.

    python -m bench.steps OUT -- run --config FILE --single-process

runs ``station`` with the arguments after ``--`` and a trio instrument that times every
task step, and records every pass of the cyclic garbage collector. When the station stops
(SIGTERM: it stops in order), OUT gets, per task, the steps longer than `LONG_STEP` (how
many, p50, max) and, per collector generation, its passes (how many, max, total). One
process only: the OCPP side is run with the control loops (``--single-process``), as for
``--profile``. A request waits for whatever step runs when it arrives, and the collector
runs inside whatever allocates: these are the causes of a response's tail
(`bench.response_latency --steps FILE`).
"""

from __future__ import annotations

import gc
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import trio

#: Steps at least this long are recorded (seconds).
LONG_STEP = 0.0003


class StepTimes(trio.abc.Instrument):
    """The steps of each task that took at least `LONG_STEP`, by task name."""

    def __init__(self) -> None:
        self.long: defaultdict[str, list[float]] = defaultdict(list)
        self._started = 0.0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._started = time.perf_counter()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        took = time.perf_counter() - self._started
        if took >= LONG_STEP:
            self.long[task.name.rsplit(".", 1)[-1]].append(took)


class CollectorPauses:
    """The duration of each pass of the garbage collector, by generation, and the objects
    the passes freed (unreachable cycles: what made a pass worth its time)."""

    def __init__(self) -> None:
        self.passes: defaultdict[int, list[float]] = defaultdict(list)
        self.collected: defaultdict[int, int] = defaultdict(int)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.passes[info["generation"]].append(time.perf_counter() - self._started)
            self.collected[info["generation"]] += info.get("collected", 0)


def report(steps: StepTimes, pauses: CollectorPauses) -> str:
    """The text written to OUT."""
    lines = [f"task steps of at least {LONG_STEP * 1000:g} ms, by task (ms):"]
    for name, times in sorted(steps.long.items(), key=lambda item: -sum(item[1])):
        times.sort()
        lines.append(
            f"  {name:<40} n={len(times):<6} p50={times[len(times) // 2] * 1000:.2f}"
            f" max={times[-1] * 1000:.2f}"
        )
    lines.append("garbage collector passes, by generation (ms):")
    for generation, times in sorted(pauses.passes.items()):
        lines.append(
            f"  gen{generation} n={len(times):<6} max={max(times) * 1000:.2f}"
            f" total={sum(times) * 1000:.1f} collected={pauses.collected[generation]}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    steps, pauses = StepTimes(), CollectorPauses()
    run = trio.run

    def instrumented(*args: Any, **kwargs: Any) -> Any:
        kwargs["instruments"] = [*kwargs.get("instruments", ()), steps]
        return run(*args, **kwargs)

    trio.run = instrumented  # type: ignore[assignment]
    gc.callbacks.append(pauses)
    from station.cli import main as station

    try:
        return station(argv[2:])
    finally:
        gc.callbacks.remove(pauses)
        trio.run = run
        out.write_text(report(steps, pauses))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
