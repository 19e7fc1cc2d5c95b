"""Keep-alive timing: WebSocket ping intervals and Heartbeat intervals, as the CSMS sees them,
against the configured interval (OCPPCommCtrlr.WebSocketPingInterval, HeartbeatInterval).

The error of each interval is |measured − configured|. Baseline in the same run: the
`ocpp`-library station's WebSocket keep-alive (the `websockets` client's ping_interval)
at the same interval. The 120 s default is exercised by the test suite on a virtual
clock; here a short interval (default 1 s) gives many samples quickly.

    python -m bench.ping [--samples N] [--interval S] [--external --bind 0.0.0.0]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading

from bench.common import (
    STAT_COLUMNS,
    Stats,
    add_rig_options,
    peer_process,
    ratio,
    rig_of,
    station_process,
    stats_row,
    table,
)
from bench.csms import BenchCsms


def _set(csms: BenchCsms, component: str, variable: str, value: float) -> None:
    _, frame = csms.call(
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": str(int(value)),
                    "component": {"name": component},
                    "variable": {"name": variable},
                }
            ]
        },
    )
    status = frame[2]["setVariableResult"][0]["attributeStatus"]
    if status not in ("Accepted", "RebootRequired"):
        raise RuntimeError(f"{component}.{variable} = {value}: {status}")


def _intervals(times: list[float], samples: int) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)][:samples]


def measure_ours(csms: BenchCsms, samples: int, interval: float) -> dict[str, list[float]]:
    _set(csms, "OCPPCommCtrlr", "WebSocketPingInterval", interval)
    _set(csms, "OCPPCommCtrlr", "HeartbeatInterval", interval)
    start = len(csms.pings)
    csms.wait(lambda: len(csms.pings) - start >= samples + 2, timeout=samples * interval * 3 + 30)
    beats = csms.wait_for("Heartbeat", count=samples + 2, timeout=samples * interval * 3 + 30)
    return {
        "ping": _intervals(csms.pings[start + 1 :], samples),  # the first follows the change
        "heartbeat": _intervals([b.at for b in beats[1:]], samples),
    }


def run_ours(samples: int, interval: float, out: dict, rig: dict | None) -> None:
    if rig is not None:
        with BenchCsms(host=rig["bind"], port=rig["port"]) as csms:
            print(f"waiting for the station at {csms.url}/<identity> ...", file=sys.stderr)
            csms.wait_for("BootNotification", timeout=600)
            out["ours"] = measure_ours(csms, samples, interval)
        return
    with BenchCsms() as csms, station_process(csms.url):
        csms.wait_for("BootNotification", timeout=60)
        out["ours"] = measure_ours(csms, samples, interval)


def run_peer(samples: int, interval: float, out: dict) -> None:
    with BenchCsms() as csms, peer_process("ocpplib", csms.url, ping=interval):
        csms.wait_for("BootNotification", timeout=60)
        start = len(csms.pings)
        csms.wait(
            lambda: len(csms.pings) - start >= samples + 1, timeout=samples * interval * 3 + 30
        )
        out["ocpplib"] = {"ping": _intervals(csms.pings[start:], samples)}


def run(samples: int = 10, interval: float = 1.0, rig: dict | None = None) -> dict:
    out: dict[str, dict[str, list[float]]] = {}
    errors: list[BaseException] = []

    def guarded(target, *args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=guarded, args=(run_ours, samples, interval, out, rig)),
        threading.Thread(target=guarded, args=(run_peer, samples, interval, out)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    summary = {}
    rows = []
    for kind, series in (
        ("ours: WebSocket ping", out["ours"]["ping"]),
        ("ours: Heartbeat", out["ours"]["heartbeat"]),
        ("ocpplib: WebSocket ping", out["ocpplib"]["ping"]),
    ):
        measured = Stats.of(series).scaled(1000)
        error = Stats.of([abs(v - interval) for v in series]).scaled(1000)
        summary[kind] = {"interval": measured.as_dict(), "error": error.as_dict()}
        rows.append(stats_row(f"{kind} interval", measured))
        rows.append(stats_row(f"{kind} error", error))
    ratios = {
        "ours/ocpplib ping error p99": ratio(
            summary["ours: WebSocket ping"]["error"]["p99"],
            summary["ocpplib: WebSocket ping"]["error"]["p99"],
        )
    }
    text = "\n".join(
        [
            f"## ping (configured interval {interval:g} s)",
            table(rows, STAT_COLUMNS),
            "",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
        ]
    )
    return {
        "name": "ping",
        "samples": samples,
        "interval_s": interval,
        "results": summary,
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ping", description=__doc__)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds (whole numbers)")
    parser.add_argument("--json", action="store_true")
    add_rig_options(parser)
    args = parser.parse_args(argv)
    result = run(args.samples, args.interval, rig_of(args))
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
