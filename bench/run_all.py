"""Run every harness and write ``results.json`` and ``results.md``.

    python -m bench.run_all [--quick] [--out bench-results]

The defaults take about three minutes on a 2-core machine; ``--quick`` (what CI's smoke
test runs) takes seconds and gives figures too rough to read anything into.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import control_loop, footprint, ping, remote_start_stop, response_latency, triggered

DEFAULT: dict[str, dict[str, Any]] = {
    "response_latency": {"samples": 30},
    "triggered": {"samples": 10},
    "remote_start_stop": {"samples": 5},
    "ping": {"samples": 10, "interval": 1.0},
    "control_loop": {"duration": 12.0},
    "footprint": {"samples": 3, "charge": 20.0, "idle": 10.0},
}
QUICK: dict[str, dict[str, Any]] = {
    "response_latency": {"samples": 2},
    "triggered": {"samples": 1},
    "remote_start_stop": {"samples": 1},
    "ping": {"samples": 2, "interval": 1.0},
    "control_loop": {"duration": 0.5, "scenarios": ("quiet", "flood")},
    "footprint": {"samples": 1, "charge": 1.0, "idle": 0.5},
}
#: Each harness's ``run``: keyword settings in, its results (with a ``text`` table) out.
HARNESSES: dict[str, Callable[..., dict]] = {
    "response_latency": response_latency.run,
    "triggered": triggered.run,
    "remote_start_stop": remote_start_stop.run,
    "ping": ping.run,
    "control_loop": control_loop.run,
    "footprint": footprint.run,
}


def targets(results: dict) -> list[dict]:
    """The issue's targets, each with the measured figure and whether it is met."""
    rows = []

    def add(what: str, value: float, limit: float, unit: str = "") -> None:
        rows.append(
            {
                "target": what,
                "measured": value,
                "limit": limit,
                "unit": unit,
                "met": "yes" if value <= limit else "no",
            }
        )

    if "response_latency" in results:
        r = results["response_latency"]["ratios"]
        add("response p99 / floor p99", r["ours/floor p99"], 2.0)
        add("response p99 / ocpp-library p99", r["ours/ocpplib p99"], 0.5)
    if "triggered" in results:
        full = results["triggered"]["results"]["ours"]["FullInventory"]
        add("FullInventory report complete, p99", full["p99"], 50.0, "ms")
    if "control_loop" in results:
        for scenario, data in results["control_loop"]["results"].items():
            add(f"control-loop lateness p99 ({scenario})", data["lateness_ms"]["p99"], 2.0, "ms")
            add(f"relay reaction max ({scenario})", data["reaction_ms"]["max"], 100.0, "ms")
    if "footprint" in results:
        boot = results["footprint"]["results"]["boot_ms"]["ours"]["p50"] / 1000
        add("start → BootNotification p50", boot, 1.0, "s")
    return rows


def markdown(results: dict, meta: dict) -> str:
    from bench.common import table

    parts = [
        "# Benchmark results",
        "",
        f"{meta['when']} · {meta['machine']} · Python {meta['python']} · "
        f"{meta['mode']} run in {meta['seconds']:.0f} s",
        "",
        "## Targets",
        table(targets(results), ("target", "measured", "limit", "unit", "met")),
        "",
    ]
    parts += [results[name]["text"] + "\n" for name in results]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny samples (smoke test)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--only", help="comma-separated harness names")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else DEFAULT
    names = [n for n in HARNESSES if not args.only or n in args.only.split(",")]
    started = time.perf_counter()
    results = {}
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = HARNESSES[name](**settings[name])
        print(results[name]["text"] + "\n", flush=True)
    meta = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "mode": "quick" if args.quick else "default",
        "seconds": time.perf_counter() - started,
        "settings": {n: settings[n] for n in names},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "targets": targets(results), "results": results}
    (args.out / "results.json").write_text(json.dumps(payload, indent=1, default=str))
    (args.out / "results.md").write_text(markdown(results, meta))
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
