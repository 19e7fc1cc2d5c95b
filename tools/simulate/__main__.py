"""``python -m tools.simulate --seeds N`` runs N lives; ``--seed S`` replays one.

Prints one summary line per life (``--quiet``: only failing ones), then the totals:
lives, simulated hours, wall time, lives per second, CPU seconds per life (each life's
own, in whichever process ran it), faults injected by kind, invariant checks,
violations. A failing life prints its violations and the command that replays it.
Exit status 1 when any life broke an invariant.

``--profile FILE`` runs the lives in this process under cProfile and writes its
statistics to FILE (``python -m cProfile -m tools.simulate`` would profile only the
first process: the simulator re-executes itself to pin PYTHONHASHSEED).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import trio

from station.logs import recent_records
from tools.simulate.life import LifeResult, run_life

#: Simulated hours of one life unless told otherwise.
DEFAULT_HOURS = 2.0


def _life(arguments: tuple[int, float]) -> LifeResult:
    seed, hours = arguments
    return run_life(seed, hours)


def _results(seeds: list[int], hours: float, jobs: int) -> Iterator[LifeResult]:
    if jobs <= 1:
        for seed in seeds:
            yield run_life(seed, hours)
        return
    with ProcessPoolExecutor(jobs) as pool:
        yield from pool.map(_life, [(seed, hours) for seed in seeds], chunksize=1)


def replay_command(seed: int, hours: float) -> str:
    """The command that replays one life."""
    extra = "" if hours == DEFAULT_HOURS else f" --hours {hours:g}"
    return f"python -m tools.simulate --seed {seed}{extra}"


def main(argv: list[str] | None = None) -> int:
    """Run the lives the arguments ask for; 1 when an invariant broke."""
    parser = argparse.ArgumentParser(prog="python -m tools.simulate", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--seeds", type=int, metavar="N", help="run lives with seeds 0..N-1")
    which.add_argument("--seed", type=int, metavar="S", help="replay the life of seed S")
    parser.add_argument("--first", type=int, default=0, help="first seed of --seeds (0)")
    parser.add_argument(
        "--hours", type=float, default=DEFAULT_HOURS, help="simulated hours of each life"
    )
    parser.add_argument("--jobs", type=int, default=1, help="lives run in parallel processes")
    parser.add_argument("--quiet", action="store_true", help="print failing lives only")
    parser.add_argument("--log", action="store_true", help="print the station's log (one life)")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="run the lives in this process under cProfile; its statistics go to FILE",
    )
    args = parser.parse_args(argv)
    if args.hours <= 0:
        parser.error(f"--hours must be positive, got {args.hours:g}")
    if args.seeds is not None and args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    if args.profile is not None and args.jobs > 1:
        parser.error("--profile runs the lives in this process: leave out --jobs")
    # The station's log goes to stdout with --log (one life), nowhere otherwise.
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_virtual_time)
    handler.setFormatter(logging.Formatter("t=%(virtual)s %(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO if args.log else logging.CRITICAL + 1)
    logging.getLogger().handlers[:] = [handler]
    # Without --log nobody reads the station's INFO lines, and making each record costs
    # several percent of a life: its loggers keep WARNING and above (the lines the
    # invariants read, discarded messages and crashed tasks, are errors). A life does
    # not depend on it. `recent_records` sets them to INFO when first called: it goes
    # first.
    recent_records()
    for name in ("station", "drivers"):
        logging.getLogger(name).setLevel(logging.INFO if args.log else logging.WARNING)
    seeds = (
        [args.seed] if args.seed is not None else list(range(args.first, args.first + args.seeds))
    )
    started = time.perf_counter()
    totals: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    failed: list[LifeResult] = []
    cpu_s = 0.0
    profiler = None
    if args.profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for result in _results(seeds, args.hours, args.jobs if args.seed is None else 1):
        totals["lives"] += 1
        totals["simulated_s"] += int(result.simulated_s)
        totals["checks"] += result.checks
        totals["violations"] += len(result.violations)
        totals["transactions"] += result.transactions
        totals["sessions"] += result.sessions
        cpu_s += result.cpu_s
        faults.update(result.faults)
        if result.violations:
            failed.append(result)
        if not args.quiet or result.violations:
            print(result.summary(), flush=True)
        for violation in result.violations:
            print(f"  violation: {violation}", flush=True)
        if result.violations:
            print(f"  replay: {replay_command(result.seed, args.hours)}", flush=True)
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print(
        f"lives={totals['lives']} simulated_h={totals['simulated_s'] / 3600:.1f} "
        f"wall_s={elapsed:.1f} lives_per_s={totals['lives'] / elapsed:.2f} "
        f"cpu_s_per_life={cpu_s / totals['lives']:.3f} "
        f"sessions={totals['sessions']} transactions={totals['transactions']} "
        f"checks={totals['checks']} violations={totals['violations']} failed_lives={len(failed)}"
    )
    print("faults: " + (", ".join(f"{k}={v}" for k, v in sorted(faults.items())) or "none"))
    for result in failed:
        print(f"FAILED seed={result.seed}: {replay_command(result.seed, args.hours)}")
    return 1 if failed else 0


def _virtual_time(record: logging.LogRecord) -> bool:
    """Stamp a log record with the life's virtual time (the host's time means nothing)."""
    try:
        record.virtual = f"{trio.current_time():.2f}"
    except RuntimeError:  # outside trio.run
        record.virtual = "-"
    return True


def _hash_seed_pinned() -> None:
    """Sets and dicts of strings iterate in an order that depends on PYTHONHASHSEED: pin
    it (re-executing once) so that a life replays the same in every process."""
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, "-m", "tools.simulate", *sys.argv[1:]])


if __name__ == "__main__":
    _hash_seed_pinned()
    sys.exit(main())
