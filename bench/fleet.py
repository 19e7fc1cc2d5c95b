"""`station fleet` at scale: boot time, idle CPU and RSS of N stations in one process, and
the lateness of meter values under sustained load.

``python -m bench.fleet [--counts 10,100,1000] [--idle 30] [--sessions 100 --duration 600]``

For each N a fleet (``python -m station fleet``, N stations × 2 EVSEs, its own process)
connects to a local CSMS (``python -m bench.fleet csms``, asyncio `websockets`, its own
process) that answers every CALL and notes when each station's first BootNotification
arrived. Printed per N:

* boot: fleet spawned → the last station's BootNotification (and p50/p99 over stations);
* idle CPU of the fleet's process over ``--idle`` seconds, as % of one core, in all and
  per station; the CSMS's CPU over the same window;
* RSS of the fleet's process, in all and per station (above the one-station fleet's).

Baselines measured in the same run: one station run by `station run` (both its processes)
against the same CSMS, and the CSMS alone (idle, before any station connects).

``--sessions K --duration S`` then keeps K sessions charging on the first K stations
(EVSE 1: plug, tap, EV in state C through each station's control socket) with
TxUpdatedInterval set to ``--interval`` (10 s) by the CSMS (SetVariables after the boot),
for S seconds, and prints the lateness of each periodic meter value on the CSMS's clock
(its arrival minus the arrival of the transaction's Started event + k × interval; the
Started event's own delay moves every slot alike): p50/p99/max and how many were late by
more than 1 s, overall and for each minute of the run (by arrival), with the fleet's CPU
in each minute and its RSS at each minute's end, and its RSS before the sessions
started: a fleet that falls behind or grows shows it minute by minute. Also on the
station's clock, its meter reading's timestamp against the transaction's start + k ×
interval ("read late": the station's own timer lateness).

Goals (issue 20): 1,000 stations × 2 EVSEs booted within 60 s, idle CPU ≤ 25 % of a
core, RSS ≤ 1.5 GiB; 100 sessions with meter values every 10 s sustained for 10 minutes
with no message late by more than 1 s:

    python -m bench.fleet --counts 1000 --sessions 100 --duration 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    ROOT,
    Stats,
    children,
    cpu_seconds,
    process_env,
    rss_kib,
    station_process,
    table,
)

PASSWORD = "bench-fleet-password-01"
PREFIX = "BF-"
CARD = "04A1B2C3"


# -- the CSMS (its own process) ------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def _csms(expect: int, sustain: int, interval: int) -> None:
    from websockets.asyncio.server import serve
    from websockets.typing import Subprotocol

    booted: dict[str, float] = {}
    started: dict[str, tuple[float, float]] = {}
    #: Per periodic meter value: [arrival (wall clock), lateness on the CSMS's clock,
    #: lateness of the reading on the station's clock], in seconds.
    samples: list[list[float]] = []
    counts = {"calls": 0, "updated": 0}

    async def handle(ws) -> None:
        identity = ws.request.path.rsplit("/", 1)[-1]
        match = re.search(r"(\d+)$", identity)
        index = int(match.group(1)) if match else 0
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame[0] != 2:
                    continue
                counts["calls"] += 1
                action, payload = frame[2], frame[3]
                answer: dict = {}
                if action == "BootNotification":
                    answer = {"currentTime": _now(), "interval": 3600, "status": "Accepted"}
                elif action == "Heartbeat":
                    answer = {"currentTime": _now()}
                elif action == "Authorize":
                    answer = {"idTokenInfo": {"status": "Accepted"}}
                elif action == "TransactionEvent":
                    arrived = time.time()
                    _transaction(payload, arrived)
                    if "idToken" in payload:
                        answer = {"idTokenInfo": {"status": "Accepted"}}
                await ws.send(json.dumps([3, frame[1], answer]))
                if action == "BootNotification":
                    if identity not in booted:
                        booted[identity] = time.time()
                        if len(booted) == expect:
                            print(f"booted {time.time()}", flush=True)
                    if index <= sustain:
                        setting = {
                            "component": {"name": "SampledDataCtrlr"},
                            "variable": {"name": "TxUpdatedInterval"},
                            "attributeValue": str(interval),
                        }
                        call = [2, f"s{index}", "SetVariables", {"setVariableData": [setting]}]
                        await ws.send(json.dumps(call))
        except Exception:
            pass

    def _transaction(payload: dict, arrived: float) -> None:
        # Two clocks, never mixed: the station's (its timestamps, set from the CSMS's time
        # at its boot, off by however late that answer was handled) and the CSMS's own.
        transaction = payload["transactionInfo"]["transactionId"]
        if payload["eventType"] == "Started":
            started[transaction] = (_parse(payload["timestamp"]), arrived)
        elif payload.get("triggerReason") == "MeterValuePeriodic" and transaction in started:
            counts["updated"] += 1
            begun, begun_arrived = started[transaction]
            sampled = _parse(payload["meterValue"][0]["timestamp"])
            slots = round((sampled - begun) / interval)
            # CSMS clock: arrival against the Started event's arrival + k intervals.
            late = arrived - (begun_arrived + slots * interval)
            # Station clock: when it read the meter against its own schedule.
            read_late = sampled - (begun + slots * interval)
            samples.append([arrived, late, read_late])

    server = await serve(
        handle,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp2.0.1")],
        ping_interval=None,
        max_size=None,
    )
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    report = {"booted": booted, "samples": samples, "counts": counts}
    print("report " + json.dumps(report), flush=True)
    server.close()


# -- the harness -----------------------------------------------------------------------------


class Csms:
    """The CSMS process: its port, and the lines it prints."""

    def __init__(self, expect: int, sustain: int = 0, interval: int = 10) -> None:
        command = [sys.executable, "-m", "bench.fleet", "csms", "--expect", str(expect)]
        command += ["--sustain", str(sustain), "--interval", str(interval)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=process_env(), stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"ws://127.0.0.1:{self.port}/ocpp"

    def wait_booted(self) -> float:
        """Wall time at which the last expected station booted."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("booted "):
            raise RuntimeError(f"CSMS ended before every station booted: {line!r}")
        return float(line.split()[1])

    def stop(self) -> dict:
        """Terminate; its report (boot times, lateness, counts)."""
        self.process.send_signal(signal.SIGTERM)
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("report "):
                self.process.wait(30)
                return json.loads(line[len("report ") :])
        self.process.wait(30)
        return {}


def _cpu_percent(pids: list[int], window: float) -> float:
    before = sum(cpu_seconds(p) for p in pids)
    time.sleep(window)
    return (sum(cpu_seconds(p) for p in pids) - before) / window * 100


def baseline_station(idle: float) -> dict:
    """One station by `station run` (control process + OCPP side) and the CSMS alone."""
    csms = Csms(expect=1)
    try:
        csms_idle = _cpu_percent([csms.process.pid], min(idle, 10))
        spawned = time.time()
        with station_process(csms.url) as station:
            booted = csms.wait_booted()
            time.sleep(5)
            pids = [station.pid, *children(station.pid)]
            cpu = _cpu_percent(pids, idle)
            rss = sum(rss_kib(p) for p in pids)
    finally:
        csms.stop()
    return {
        "what": "1 station, `station run`",
        "boot s": booted - spawned,
        "idle CPU %": cpu,
        "RSS MiB": rss / 1024,
        "csms idle CPU %": csms_idle,
    }


def run_fleet(count: int, idle: float, args: argparse.Namespace, data_dir: Path) -> dict:
    """Boot ``count`` stations, measure them idle, and (optionally) under sustained load."""
    sustain = args.sessions if count >= args.sessions else 0
    csms = Csms(expect=count, sustain=sustain if args.duration else 0, interval=args.interval)
    command = [sys.executable, "-m", "station", "fleet", "--csms", csms.url]
    command += ["--count", str(count), "--data-dir", str(data_dir), "--password", PASSWORD]
    command += ["--identity-prefix", PREFIX, "--ramp", str(args.ramp), "--evses", "2"]
    log = open(data_dir.with_suffix(".log"), "w")
    spawned = time.time()
    fleet = subprocess.Popen(command, cwd=ROOT, env=process_env(), stdout=log, stderr=log)
    row: dict = {"what": f"fleet of {count}"}
    try:
        booted = csms.wait_booted()
        row["boot s"] = booted - spawned
        time.sleep(5)
        csms_before = cpu_seconds(csms.process.pid)
        row["idle CPU %"] = _cpu_percent([fleet.pid], idle)
        row["csms idle CPU %"] = (cpu_seconds(csms.process.pid) - csms_before) / idle * 100
        row["RSS MiB"] = rss_kib(fleet.pid) / 1024
        row["open files"] = len(list(Path(f"/proc/{fleet.pid}/fd").iterdir()))
        if sustain and args.duration:
            sustained = _sustain(data_dir, count, sustain, args, fleet.pid)
    finally:
        fleet.send_signal(signal.SIGINT)
        try:
            fleet.wait(120)
        except subprocess.TimeoutExpired:
            fleet.kill()
            fleet.wait()
        log.close()
        report = csms.stop()
    boots = [t - spawned for t in report.get("booted", {}).values()]
    row["boot p50 s"] = Stats.of(boots).p50
    if sustain and args.duration:
        row.update(_lateness(sustained, report.get("samples", [])))
    return row


#: The sustained run is reported per window of this many seconds.
WINDOW = 60.0
#: Issue 20's bound: no message later than this (s).
LATE_BOUND = 1.0


def _sustain(data_dir: Path, count: int, sessions: int, args: argparse.Namespace, pid: int) -> dict:
    """Start the sessions, then sample the fleet's CPU and RSS at the end of every
    `WINDOW` for ``args.duration`` seconds. Returns the windows' bounds (wall clock) and
    figures."""
    from station.ops.control_client import request

    width = max(4, len(str(count)))
    rss_before = rss_kib(pid) / 1024
    for index in range(1, sessions + 1):
        socket = data_dir / f"{PREFIX}{index:0{width}d}" / "station.sock"
        request(socket, "sim.plug", {"evse": 1})
        request(socket, "sim.tap", {"uid": CARD})
        request(socket, "sim.ev_state", {"evse": 1, "state": "C"})
    start = time.time()
    windows = []
    cpu, at = cpu_seconds(pid), time.monotonic()
    edge = 0.0
    while edge < args.duration:
        previous, edge = edge, min(edge + WINDOW, args.duration)
        time.sleep(max(0.0, start + edge - time.time()))
        cpu_now, at_now = cpu_seconds(pid), time.monotonic()
        windows.append(
            {
                "from": start + previous,
                "to": start + edge,
                "CPU %": (cpu_now - cpu) / (at_now - at) * 100,
                "RSS MiB": rss_kib(pid) / 1024,
            }
        )
        cpu, at = cpu_now, at_now
    total_cpu = sum(w["CPU %"] * (w["to"] - w["from"]) for w in windows) / args.duration
    return {
        "start": start,
        "windows": windows,
        "sustained CPU %": total_cpu,
        "RSS before sessions MiB": rss_before,
    }


def _late_figures(values: list[list[float]]) -> dict:
    """p50/p99/max lateness (ms) on the CSMS's clock, how many over `LATE_BOUND`, and
    the station's read lateness p99/max (ms)."""
    late = Stats.of([v[1] for v in values]).scaled(1000)
    read = Stats.of([v[2] for v in values]).scaled(1000)
    return {
        "late n": late.n,
        "late p50 ms": late.p50,
        "late p99 ms": late.p99,
        "late max ms": late.max,
        "late > 1 s": sum(1 for v in values if v[1] > LATE_BOUND),
        "read late p50 ms": read.p50,
        "read late p99 ms": read.p99,
        "read late max ms": read.max,
    }


def _lateness(sustained: dict, samples: list[list[float]]) -> dict:
    """The sustained run's figures, overall and per window: each periodic meter value
    counts in the window in which it arrived (values of the sessions' first slot, sent
    while the sessions still start, arrive in the first)."""
    windows = sustained["windows"]
    end = windows[-1]["to"] if windows else sustained["start"]
    inside = [v for v in samples if sustained["start"] <= v[0] <= end]
    per_window = []
    for number, window in enumerate(windows, start=1):
        mine = [v for v in inside if window["from"] <= v[0] < window["to"]]
        if number == len(windows):
            mine += [v for v in inside if v[0] == window["to"]]
        per_window.append(
            {
                "minute": number,
                **_late_figures(mine),
                "CPU %": window["CPU %"],
                "RSS MiB": window["RSS MiB"],
            }
        )
    first, last = (windows[0], windows[-1]) if windows else ({}, {})
    return {
        **_late_figures(inside),
        "sustained CPU %": sustained["sustained CPU %"],
        "CPU first min %": first.get("CPU %"),
        "CPU last min %": last.get("CPU %"),
        "RSS start MiB": sustained["RSS before sessions MiB"],
        "RSS end MiB": last.get("RSS MiB"),
        "per minute": per_window,
    }


def run(args: argparse.Namespace) -> dict:
    rows = []
    if args.baselines:
        rows.append(baseline_station(args.idle))
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as scratch:
        for count in args.counts:
            rows.append(run_fleet(count, args.idle, args, Path(scratch) / f"fleet-{count}"))
    smallest = next((r for r in rows if r["what"].startswith("fleet of")), None)
    for row in rows:
        count = int(row["what"].split()[-1]) if row["what"].startswith("fleet of") else 1
        row["CPU %/station"] = row["idle CPU %"] / count
        if smallest is not None and row is not smallest and count > 1:
            small = int(smallest["what"].split()[-1])
            extra = (row["RSS MiB"] - smallest["RSS MiB"]) / (count - small)
            row["MiB/station"] = extra
    return {"rows": rows}


COLUMNS = (
    "what",
    "boot s",
    "boot p50 s",
    "idle CPU %",
    "CPU %/station",
    "RSS MiB",
    "MiB/station",
    "open files",
    "csms idle CPU %",
)
SUSTAINED = (
    "what",
    "late n",
    "late p50 ms",
    "late p99 ms",
    "late max ms",
    "late > 1 s",
    "read late p50 ms",
    "read late p99 ms",
    "read late max ms",
    "sustained CPU %",
    "CPU first min %",
    "CPU last min %",
    "RSS start MiB",
    "RSS end MiB",
)
PER_MINUTE = (
    "minute",
    "late n",
    "late p50 ms",
    "late p99 ms",
    "late max ms",
    "late > 1 s",
    "read late p99 ms",
    "CPU %",
    "RSS MiB",
)


def sustained_report(rows: list[dict], sessions: int, duration: float, interval: int) -> str:
    """The sustained-load tables: overall, then per minute for each fleet, and whether
    the bound held."""
    loaded = [r for r in rows if "late n" in r]
    if not loaded:
        return "sustained load: no fleet had as many stations as --sessions"
    lines = [
        f"sustained load: {sessions} sessions, TxUpdatedInterval {interval} s, "
        f"{duration:g} s; lateness of each periodic meter value (ms)",
        "",
        table(loaded, SUSTAINED),
    ]
    for row in loaded:
        lines += ["", f"{row['what']}, per minute:", "", table(row["per minute"], PER_MINUTE)]
        held = "held" if row["late > 1 s"] == 0 else "NOT held"
        rss_growth = (row["RSS end MiB"] or 0) - row["RSS start MiB"]
        lines.append(
            f"{row['what']}: no message late by more than {LATE_BOUND:g} s: {held} "
            f"({row['late > 1 s']} of {row['late n']} late); CPU first minute "
            f"{row['CPU first min %']:.1f} %, last minute {row['CPU last min %']:.1f} %; "
            f"RSS {row['RSS start MiB']:.0f} MiB before the sessions, "
            f"{row['RSS end MiB']:.0f} MiB at the end ({rss_growth:+.1f} MiB)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__)
    parser.add_argument("mode", nargs="?", choices=("bench", "csms"), default="bench")
    parser.add_argument("--counts", default="10,100,1000", help="fleet sizes, comma-separated")
    parser.add_argument("--idle", type=float, default=30.0, help="idle window (s)")
    parser.add_argument("--sessions", type=int, default=100, help="concurrent sessions")
    parser.add_argument("--duration", type=float, default=0.0, help="sustained load (s); 0: none")
    parser.add_argument("--interval", type=int, default=10, help="TxUpdatedInterval (s)")
    parser.add_argument("--ramp", type=float, default=25.0, help="connections a second")
    parser.add_argument("--no-baselines", dest="baselines", action="store_false")
    parser.add_argument("--expect", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--sustain", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.mode == "csms":
        asyncio.run(_csms(args.expect, args.sustain, args.interval))
        return 0
    args.counts = [int(c) for c in args.counts.split(",")]
    result = run(args)
    print(table(result["rows"], COLUMNS))
    if args.duration:
        print()
        print(sustained_report(result["rows"], args.sessions, args.duration, args.interval))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
