"""RequestStartTransaction → the TransactionEvent carrying triggerReason RemoteStart, and
RequestStopTransaction → TransactionEvent Ended (the certificate says "not measurable").

Our station runs on simulated hardware with an EV plugged in before each start; the
baselines (floor and `ocpp` library) answer and send a pre-built TransactionEvent.

    python -m bench.remote_start_stop [--samples N]
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.common import (
    STAT_COLUMNS,
    StationProcess,
    Stats,
    peer_process,
    ratio,
    sim,
    station_process,
    stats_row,
    table,
)
from bench.csms import BenchCsms


def cycle(csms: BenchCsms, remote_id: int, config=None) -> tuple[float, float]:
    """One start/stop; seconds to the RemoteStart event and to the Ended event."""
    if config is not None:
        sim(config, "plug", "1")
    sent = csms.send_at(
        "RequestStartTransaction",
        {
            "idToken": {"idToken": "BENCH", "type": "Central"},
            "remoteStartId": remote_id,
            "evseId": 1,
        },
    )
    (started,) = csms.wait_for(
        "TransactionEvent",
        after=sent,
        where=lambda p: p.get("triggerReason") == "RemoteStart",
    )
    transaction_id = started.payload["transactionInfo"]["transactionId"]
    stop_sent = csms.send_at("RequestStopTransaction", {"transactionId": transaction_id})
    (ended,) = csms.wait_for(
        "TransactionEvent", after=stop_sent, where=lambda p: p.get("eventType") == "Ended"
    )
    if config is not None:
        sim(config, "unplug", "1")
        csms.wait_for(
            "StatusNotification",
            after=ended.at,
            where=lambda p: p.get("evseId") == 1 and p.get("connectorStatus") == "Available",
        )
    return started.at - sent, ended.at - stop_sent


def run_peer(kind: str, samples: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"start": [], "stop": []}
    with BenchCsms() as csms:
        context = station_process(csms.url) if kind == "ours" else peer_process(kind, csms.url)
        with context as process:
            csms.wait_for("BootNotification", timeout=60)
            config = None
            if kind == "ours":
                assert isinstance(process, StationProcess)
                csms.wait_for("StatusNotification", count=2, timeout=30)
                config = process.config
            cycle(csms, 1, config)  # warm-up
            for n in range(samples):
                start, stop = cycle(csms, n + 2, config)
                times["start"].append(start)
                times["stop"].append(stop)
    return times


def run(samples: int = 5) -> dict:
    raw = {k: run_peer(k, samples) for k in ("ours", "floor", "ocpplib")}
    summary = {
        kind: {name: Stats.of(v).scaled(1000).as_dict() for name, v in times.items()}
        for kind, times in raw.items()
    }
    rows = [
        stats_row(f"{kind}: {label}", Stats(**summary[kind][name]))
        for name, label in (
            ("start", "RequestStart → TE RemoteStart"),
            ("stop", "RequestStop → TE Ended"),
        )
        for kind in summary
    ]
    ratios = {
        f"ours/{base} {name} p50": ratio(summary["ours"][name]["p50"], summary[base][name]["p50"])
        for base in ("floor", "ocpplib")
        for name in ("start", "stop")
    }
    text = "\n".join(
        [
            "## remote_start_stop",
            table(rows, STAT_COLUMNS),
            "",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
            "reference product: not measurable; spec limit 30 s",
        ]
    )
    return {
        "name": "remote_start_stop",
        "samples": samples,
        "results": summary,
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.remote_start_stop", description=__doc__)
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.samples)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
