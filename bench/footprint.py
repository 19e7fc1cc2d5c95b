"""Footprint: process start → BootNotification, import time, memory and idle CPU.

* start → BootNotification: from spawning ``python -m station run`` to the CSMS receiving
  the BootNotification (sim hardware, local CSMS); baseline: the `ocpp`-library station
  process doing the same, and a bare ``python -c pass``.
* import time of the station (``station.app``) against the `ocpp` library with
  `websockets` (what the baseline imports).
* RSS after boot, and after a charging run with both EVSEs charging and meter values
  every second; the baseline's RSS after boot.
* the libraries' floor (`bench.floor_libraries`): a process that loads only what the
  OCPP side cannot do without (trio, trio-websocket, ssl, pydantic with one model built,
  sqlite3) and sends BootNotification. Its start-up and RSS are what no station on these
  libraries goes below on this machine; ours minus it is the station's own cost.
* CPU of an idle station (connected, no EV) over a window, as seconds per hour and as a
  share of one core: what a Raspberry Pi's budget must hold; the baseline idles too.
  `station run` is two processes (the control process and its OCPP side): RSS and CPU are
  given for each and for both.
* the operator commands against that running station (``station sim status``,
  ``station status``, ``station log``, ``station config get``): wall time from spawn to
  exit, against a bare ``python -c pass`` measured alongside.

    python -m bench.footprint [--samples N] [--charge S] [--idle S]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

from bench.common import (
    ROOT,
    STAT_COLUMNS,
    Stats,
    children,
    cpu_seconds,
    peer_process,
    process_env,
    ratio,
    rss_by_mapping,
    rss_kib,
    sim,
    station_process,
    stats_row,
    table,
)
from bench.csms import BenchCsms
from station.control.loop import IDLE_PERIODS
from station.control.timing import DEFAULT_PERIOD


def _python(code: str) -> float:
    """Seconds a fresh interpreter needs to run ``code`` (as reported by itself)."""
    script = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=process_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def _process_start(command_args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *command_args],
        cwd=ROOT,
        env=process_env(),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


#: The operator commands timed against a running station (arguments after ``--config``).
COMMANDS: dict[str, tuple[str, ...]] = {
    "station sim status": ("sim", "--config", "{config}", "status"),
    "station status": ("status", "--config", "{config}"),
    "station log": ("log", "--config", "{config}", "--action", "BootNotification"),
    "station config get": (
        "config",
        "--config",
        "{config}",
        "get",
        "OCPPCommCtrlr.HeartbeatInterval",
    ),
}


def boot_time(kind: str) -> tuple[float, dict[str, Any]]:
    """Seconds from spawn to BootNotification, and the RSS (KiB) of each process right
    after the boot (``control`` and ``ocpp_side`` for ours, ``station`` for a peer)."""
    with BenchCsms() as csms:
        started = time.perf_counter()
        context = station_process(csms.url) if kind == "ours" else peer_process(kind, csms.url)
        with context as process:
            (boot,) = csms.wait_for("BootNotification", timeout=60)
            if kind == "ours":
                csms.wait_for("StatusNotification", count=2, timeout=30)
            return boot.at - started, _rss(kind, process.pid)


def _rss(kind: str, pid: int) -> dict[str, Any]:
    if kind != "ours":
        return {"station": rss_kib(pid)}
    sides = children(pid)
    return {
        "control": rss_kib(pid),
        "ocpp_side": sum(rss_kib(c) for c in sides),
        "ocpp_side_by_mapping": rss_by_mapping(sides[0]) if sides else {},
    }


def _cpu(pid: int) -> float:
    return cpu_seconds(pid) + sum(cpu_seconds(c) for c in children(pid))


def idle_cpu(kind: str, window: float, commands: int = 0) -> tuple[dict[str, float], dict]:
    """CPU seconds per hour of a connected, idle station (per process for ours), and the
    wall times of ``commands`` rounds of the operator commands against it."""
    with BenchCsms() as csms:
        context = station_process(csms.url) if kind == "ours" else peer_process(kind, csms.url)
        with context as process:
            csms.wait_for("BootNotification", timeout=60)
            if kind == "ours":
                csms.wait_for("StatusNotification", count=2, timeout=30)
            time.sleep(1.0)  # let start-up work settle before the window opens
            pids = {"control": process.pid, "ocpp_side": (children(process.pid) or [0])[0]}
            if kind != "ours":
                pids = {"station": process.pid}
            before = {k: cpu_seconds(p) if p else 0.0 for k, p in pids.items()}
            started = time.perf_counter()
            time.sleep(window)  # the measurement window itself
            elapsed = time.perf_counter() - started
            used = {
                k: ((cpu_seconds(p) if p else 0.0) - before[k]) / elapsed * 3600
                for k, p in pids.items()
            }
            times: dict[str, list[float]] = {name: [] for name in COMMANDS}
            config = getattr(process, "config", None)  # a StationProcess: ours
            for _ in range(commands if config is not None else 0):
                for name, args in COMMANDS.items():
                    command = [a.format(config=config) for a in args]
                    times[name].append(_process_start(["-m", "station", *command]))
            return used, times


def charging_rss(seconds: float) -> tuple[int, int]:
    """RSS (KiB) after boot and after ``seconds`` of both EVSEs charging."""
    with BenchCsms() as csms, station_process(csms.url) as process:
        csms.wait_for("BootNotification", timeout=60)
        csms.wait_for("StatusNotification", count=2, timeout=30)
        after_boot = rss_kib(process.pid)
        from bench.response_latency import start_charging

        start_charging(csms, process.config)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            csms.wait_for(
                "TransactionEvent", after=time.perf_counter(), count=2, timeout=30
            )  # meter values keep coming
        sim(process.config, "unplug", "1")
        return after_boot, rss_kib(process.pid)


def run(samples: int = 3, charge: float = 20.0, idle: float = 10.0) -> dict:
    boots = {k: [boot_time(k) for _ in range(samples)] for k in ("ours", "ocpplib", "libraries")}
    bare = [_process_start(["-c", "pass"]) for _ in range(samples)]
    imports = {
        "station.app": [_python("import station.app") for _ in range(samples)],
        "station.control.process": [
            _python("import station.control.process") for _ in range(samples)
        ],
        "ocpp.v201 + websockets": [
            _python("import ocpp.v201, websockets.asyncio.client") for _ in range(samples)
        ],
    }
    ours_cpu, command_times = idle_cpu("ours", idle, commands=samples)
    lib_cpu, _ = idle_cpu("ocpplib", idle)
    cpu = {"ours": sum(ours_cpu.values()), "ocpplib": lib_cpu["station"]}
    after_boot, after_charging = charging_rss(charge)
    boot_stats = {k: Stats.of([b[0] for b in v]).scaled(1000) for k, v in boots.items()}
    command_stats = {k: Stats.of(v).scaled(1000) for k, v in command_times.items()}
    bare_stats = Stats.of(bare).scaled(1000)
    rows = [
        stats_row("ours: start → BootNotification", boot_stats["ours"]),
        stats_row("ocpplib: start → BootNotification", boot_stats["ocpplib"]),
        stats_row("libraries' floor: start → BootNotification", boot_stats["libraries"]),
        stats_row("python -c pass", bare_stats),
        *(stats_row(name, stats) for name, stats in command_stats.items()),
        *(stats_row(f"import {name}", Stats.of(v).scaled(1000)) for name, v in imports.items()),
    ]

    def p50_mib(kind: str, process: str) -> float:
        return Stats.of([b[1][process] for b in boots[kind]]).p50 / 1024

    # Where the OCPP side's memory is, by mapping (p50 of each category over the boots).
    categories = sorted({c for b in boots["ours"] for c in b[1]["ocpp_side_by_mapping"]})
    by_mapping = {
        c: Stats.of([b[1]["ocpp_side_by_mapping"].get(c, 0) for b in boots["ours"]]).p50 / 1024
        for c in categories
    }
    memory = {
        "ours_rss_after_boot_mib": after_boot / 1024,
        "ours_control_rss_after_boot_mib": p50_mib("ours", "control"),
        "ours_ocpp_side_rss_after_boot_mib": p50_mib("ours", "ocpp_side"),
        "ours_rss_after_charging_mib": after_charging / 1024,
        "ocpplib_rss_after_boot_mib": p50_mib("ocpplib", "station"),
        "libraries_rss_after_boot_mib": p50_mib("libraries", "station"),
        "charging_seconds": charge,
    }
    # What the station's own code and state hold above what its libraries cannot go below.
    memory["ocpp_side_own_rss_after_boot_mib"] = (
        memory["ours_ocpp_side_rss_after_boot_mib"] - memory["libraries_rss_after_boot_mib"]
    )
    cpu_table = {f"{k}_idle_cpu_s_per_hour": v for k, v in cpu.items()} | {
        f"{k}_idle_cpu_percent": v / 36 for k, v in cpu.items()
    }
    cpu_table |= {f"ours_{k}_idle_cpu_percent": v / 36 for k, v in ours_cpu.items()}
    # The baseline has no hardware to run and idles at ~0; a ratio would say nothing. What
    # a Pi budget needs is the cost of the control loops, which do nearly all idle work.
    # No EV connected: each loop wakes every IDLE_PERIODS periods (docs/safety.md).
    idle_rate = 1 / (DEFAULT_PERIOD * IDLE_PERIODS)
    iterations_per_hour = 2 * 3600 * idle_rate
    cpu_table["ours_idle_cpu_us_per_control_iteration"] = cpu["ours"] / iterations_per_hour * 1e6
    ratios = {
        "ours/ocpplib boot p50": ratio(boot_stats["ours"].p50, boot_stats["ocpplib"].p50),
        "ours/libraries' floor boot p50": ratio(
            boot_stats["ours"].p50, boot_stats["libraries"].p50
        ),
        "ours control/ocpplib RSS after boot": ratio(
            memory["ours_control_rss_after_boot_mib"], memory["ocpplib_rss_after_boot_mib"]
        ),
        "ours OCPP side/ocpplib RSS after boot": ratio(
            memory["ours_ocpp_side_rss_after_boot_mib"], memory["ocpplib_rss_after_boot_mib"]
        ),
    } | {
        f"{name}/python -c pass p50": ratio(stats.p50, bare_stats.p50)
        for name, stats in command_stats.items()
    }
    text = "\n".join(
        [
            "## footprint",
            table(rows, STAT_COLUMNS),
            "",
            f"RSS after boot: ours control process"
            f" {memory['ours_control_rss_after_boot_mib']:.1f} MiB, OCPP side"
            f" {memory['ours_ocpp_side_rss_after_boot_mib']:.1f} MiB (p50 of {samples});"
            f" ocpplib {memory['ocpplib_rss_after_boot_mib']:.1f} MiB; the libraries' floor"
            f" {memory['libraries_rss_after_boot_mib']:.1f} MiB, so the OCPP side's own code"
            f" and state hold {memory['ocpp_side_own_rss_after_boot_mib']:.1f} MiB. Control"
            " process"
            f" {memory['ours_rss_after_boot_mib']:.1f} MiB after boot,"
            f" {memory['ours_rss_after_charging_mib']:.1f} MiB after {charge:g} s charging"
            " (2 EVSEs)",
            "OCPP side after boot, by mapping (p50, MiB): "
            + ", ".join(
                f"{c} {v:.1f}" for c, v in sorted(by_mapping.items(), key=lambda cv: -cv[1])
            ),
            "bytecode: compiled beforehand, as a pip-installed station has it (see"
            " bench.common.process_env)",
            "idle CPU: "
            + ", ".join(f"{k} {v:.1f} s/h ({v / 36:.2f} % of a core)" for k, v in cpu.items())
            + " (ours: "
            + ", ".join(f"{k} {v / 36:.2f} %" for k, v in ours_cpu.items())
            + ")"
            + f"; ours = {cpu_table['ours_idle_cpu_us_per_control_iteration']:.0f} µs per"
            f" control-loop iteration (2 EVSEs × {idle_rate:.0f} Hz idle, all idle work"
            " counted; the ocpp-library station has no hardware loops)",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
        ]
    )
    return {
        "name": "footprint",
        "samples": samples,
        "results": {
            "boot_ms": {k: v.as_dict() for k, v in boot_stats.items()},
            "python_start_ms": bare_stats.as_dict(),
            "command_ms": {k: v.as_dict() for k, v in command_stats.items()},
            "import_ms": {k: Stats.of(v).scaled(1000).as_dict() for k, v in imports.items()},
            "memory": memory,
            "ocpp_side_rss_by_mapping_mib": by_mapping,
            "cpu": cpu_table,
        },
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.footprint", description=__doc__)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--charge", type=float, default=20.0, help="seconds of charging")
    parser.add_argument("--idle", type=float, default=10.0, help="idle CPU window (s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.samples, args.charge, args.idle)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
