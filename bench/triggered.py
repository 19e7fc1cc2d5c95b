"""Triggered functions: the time from the CSMS's CALL to the message it asked for.

* GetBaseReport(FullInventory) → the last NotifyReport part (tbc false) of that request.
* TriggerMessage(StatusNotification) → the StatusNotification.
* TriggerMessage(MeterValues) → the MeterValues.

Baselines in the same run: the transport floor and the `ocpp`-library station (each
answers and sends one message: the floor pre-built, the `ocpp` library built and validated
against the schema on each request). For GetBaseReport both send the report items our
station sent in the same run (its last FullInventory, every part's items in one
NotifyReport), so that the three send the same content; our station builds its report
from the device model on each request. ``ocpplib-empty`` is the `ocpp`-library station
sending a NotifyReport without items (what the baselines sent before they sent ours).

    python -m bench.triggered [--samples N] [--external --bind 0.0.0.0 --port 9000]
    python -m bench.triggered --profile FILE [--samples 100]
        (only our station, in one process under cProfile; the heaviest functions printed)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from itertools import count
from pathlib import Path

from bench.common import (
    STAT_COLUMNS,
    Stats,
    add_rig_options,
    peer_process,
    print_profile,
    ratio,
    rig_of,
    station_process,
    stats_row,
    table,
    timings_table,
)
from bench.csms import BenchCsms

_request_ids = count(1000)


def report_items(csms: BenchCsms) -> list[dict]:
    """The items of the last report the station sent, every part's in order."""
    parts = [i.payload for i in csms.incoming if i.action == "NotifyReport"]
    if not parts:
        return []
    last = parts[-1]["requestId"]
    return [item for p in parts if p["requestId"] == last for item in p.get("reportData", [])]


def full_report(csms: BenchCsms) -> tuple[float, int]:
    """Seconds until the last part, and the number of parts."""
    request_id = next(_request_ids)
    sent = csms.send_at("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    (last,) = csms.wait_for(
        "NotifyReport",
        after=sent,
        where=lambda p: p.get("requestId") == request_id and not p.get("tbc", False),
    )
    parts = [
        i
        for i in csms.incoming
        if i.action == "NotifyReport" and i.payload.get("requestId") == request_id
    ]
    return last.at - sent, len(parts)


def triggered(csms: BenchCsms, message: str) -> float:
    # StatusNotification is per connector (F06.FR.12); MeterValues for the same EVSE.
    sent = csms.send_at(
        "TriggerMessage",
        {"requestedMessage": message, "evse": {"id": 1, "connectorId": 1}},
    )
    (arrived,) = csms.wait_for(message, after=sent)
    return arrived.at - sent


def measure(csms: BenchCsms, samples: int) -> dict:
    results: dict[str, list[float]] = {
        "FullInventory": [],
        "StatusNotification": [],
        "MeterValues": [],
    }
    parts = 0
    full_report(csms)  # warm-up
    for _ in range(samples):
        elapsed, parts = full_report(csms)
        results["FullInventory"].append(elapsed)
        results["StatusNotification"].append(triggered(csms, "StatusNotification"))
        results["MeterValues"].append(triggered(csms, "MeterValues"))
    return {"times": results, "report_parts": parts, "report_items": report_items(csms)}


def run_peer(
    kind: str,
    samples: int,
    rig: dict | None = None,
    profile: Path | None = None,
    report: Path | None = None,
) -> dict:
    """``report``: the items the baselines send for GetBaseReport (see the docstring)."""
    if rig is not None:
        with BenchCsms(host=rig["bind"], port=rig["port"]) as csms:
            print(f"waiting for the station at {csms.url}/<identity> ...", file=sys.stderr)
            csms.wait_for("BootNotification", timeout=600)
            return measure(csms, samples)
    with BenchCsms() as csms:
        context = (
            station_process(csms.url, profile=profile)
            if kind == "ours"
            else peer_process(kind, csms.url, report=report)
        )
        with context:
            csms.wait_for("BootNotification", timeout=60)
            if kind == "ours":
                csms.wait_for("StatusNotification", count=2, timeout=30)
            return measure(csms, samples)


def run(samples: int = 10, rig: dict | None = None) -> dict:
    raw = {"ours": run_peer("ours", samples, rig)}
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        report = Path(scratch) / "report.json"
        report.write_text(json.dumps(raw["ours"]["report_items"]))
        for kind in ("floor", "ocpplib"):
            raw[kind] = run_peer(kind, samples, report=report)
    # And the `ocpp` library sending a report without items: the baseline of earlier runs.
    raw["ocpplib-empty"] = run_peer("ocpplib", samples)
    summary = {
        kind: {name: Stats.of(v).scaled(1000).as_dict() for name, v in data["times"].items()}
        for kind, data in raw.items()
    }
    rows = [
        stats_row(f"{kind}: {name}", Stats(**values))
        for name in ("FullInventory", "StatusNotification", "MeterValues")
        for kind, by_name in summary.items()
        for n, values in by_name.items()
        if n == name
    ]
    ratios = {
        f"ours/{base} {name} p50": ratio(summary["ours"][name]["p50"], summary[base][name]["p50"])
        for base in ("floor", "ocpplib")
        for name in ("FullInventory", "StatusNotification", "MeterValues")
    }
    ratios["ours/ocpplib-empty FullInventory p50"] = ratio(
        summary["ours"]["FullInventory"]["p50"], summary["ocpplib-empty"]["FullInventory"]["p50"]
    )
    text = "\n".join(
        [
            "## triggered (CALL → the requested message)",
            table(rows, STAT_COLUMNS),
            "",
            f"our FullInventory report: {raw['ours']['report_parts']} NotifyReport parts, "
            f"{len(raw['ours']['report_items'])} items (the baselines send the same items)",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
            "reference product (lab, WiFi): min/avg/max = 110/350/670 ms; spec limit 30 s",
        ]
    )
    return {
        "name": "triggered",
        "samples": samples,
        "results": summary,
        "report_parts": raw["ours"]["report_parts"],
        "report_items": len(raw["ours"]["report_items"]),
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.triggered", description=__doc__)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="profile our station alone (cProfile)"
    )
    add_rig_options(parser)
    args = parser.parse_args(argv)
    if args.profile is not None:
        data = run_peer("ours", args.samples, profile=args.profile)
        print_profile(args.profile)
        print(timings_table("ours (profiled)", data["times"]))
        return 0
    result = run(args.samples, rig_of(args))
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
