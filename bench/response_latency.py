"""OCPP response time: CSMS CALL → CALLRESULT, one request at a time, in a realistic mix.

Our station runs on simulated hardware with both EVSEs charging and sampled meter values
every second. The same requests go to baselines measured in the same run: the transport
floor (`bench.peers floor`, asyncio `websockets`), the same floor on trio-websocket, the
transport the station is built on (`floor-trio`: ours/floor-trio is what the station adds,
floor-trio/floor what the WebSocket library costs), floor-trio storing each SetVariables
value durably in a worker thread before it answers (`floor-durable`: what no station built
as the design fixes it, and keeping B05's rule, goes below on this disk), and a station on
the `ocpp` library (`bench.peers ocpplib`). Ratios in one run hold across machines.

    python -m bench.response_latency [--samples N] [--idle]
    python -m bench.response_latency --external --bind 0.0.0.0 --port 9000
        (bench rig: this machine is the CSMS; the station under test, e.g. on a Raspberry
        Pi, is configured with the printed URL and connects to it; only "ours" is measured,
        and the EVSEs charge only if someone plugs in)
    python -m bench.response_latency --profile FILE [--samples 300]
        (only our station, in one process under cProfile: where its time goes, receive →
        parse → validate → handle → serialise → send; statistics in FILE, the heaviest
        functions printed)
    python -m bench.response_latency --steps FILE [--samples 200] [--idle]
        (only our station, in one process: its task steps over 0.3 ms and the garbage
        collector's passes, in FILE and printed; see bench.steps)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.common import (
    STAT_COLUMNS,
    StationProcess,
    Stats,
    add_rig_options,
    fsync_seconds,
    peer_process,
    print_profile,
    ratio,
    rig_of,
    sim,
    sqlite_commit_seconds,
    station_process,
    stats_row,
    table,
    timings_table,
)
from bench.csms import BenchCsms


def _variable_refs(count: int) -> list[dict]:
    """``count`` readable variables of our device model (the same list goes to every peer)."""
    from station.devicemodel.catalogue import EvseTopology, build_catalogue

    refs = []
    for declaration in build_catalogue([EvseTopology(1, "cType1", 1, 7360.0)], identity="x"):
        if declaration.mutability.value == "WriteOnly":
            continue
        ref = declaration.key.component
        component: dict = {"name": ref.name}
        if ref.instance is not None:
            component["instance"] = ref.instance
        if ref.evse is not None:
            evse: dict = {"id": ref.evse}
            if ref.connector is not None:
                evse["connectorId"] = ref.connector
            component["evse"] = evse
        variable = {"name": declaration.key.name}
        if declaration.key.instance is not None:
            variable["instance"] = declaration.key.instance
        refs.append({"component": component, "variable": variable})
        if len(refs) == count:
            break
    return refs


#: Every station measured: ours and the baselines (`bench.peers`).
KINDS = ("ours", "floor", "floor-durable", "floor-trio", "ocpplib")

#: Name of the availability changes measured after the mix.
CHANGE = "ChangeAvailability (a change)"


def request_mix() -> dict[str, tuple[str, dict]]:
    """name → (action, payload): the requests of one round."""
    hundred = _variable_refs(100)
    return {
        "GetVariables×1": (
            "GetVariables",
            {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            },
        ),
        "GetVariables×100": ("GetVariables", {"getVariableData": hundred}),
        "SetVariables": (
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "1",
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedInterval"},
                    }
                ]
            },
        ),
        "TriggerMessage": ("TriggerMessage", {"requestedMessage": "Heartbeat"}),
        "ChangeAvailability": (
            "ChangeAvailability",
            {"operationalStatus": "Operative", "evse": {"id": 2}},
        ),
        "GetTransactionStatus": ("GetTransactionStatus", {}),
    }


def start_charging(csms: BenchCsms, config) -> None:
    """Both EVSEs charging, meter values every second."""
    csms.call(*request_mix()["SetVariables"])
    for evse in (1, 2):
        sim(config, "plug", str(evse))
        csms.call(
            "RequestStartTransaction",
            {
                "idToken": {"idToken": f"BENCH{evse}", "type": "Central"},
                "remoteStartId": evse,
                "evseId": evse,
            },
        )
    csms.wait_for(
        "TransactionEvent",
        where=lambda p: p.get("triggerReason") == "MeterValuePeriodic",
        count=2,
        timeout=30,
    )


#: Requests whose answer waits for a durable commit in our station (not in the mix's
#: ChangeAvailability: it asks for the state EVSE 2 is in, G03.FR.03, already stored).
DURABLE = ("SetVariables", CHANGE)


def measure(csms: BenchCsms, samples: int) -> dict[str, list[float]]:
    """``samples`` rounds of the mix, then ``samples`` availability changes (not part of
    the mix); seconds per request name."""
    mix = request_mix()
    times: dict[str, list[float]] = {name: [] for name in mix}
    for action, payload in mix.values():  # warm-up, not counted
        csms.call(action, payload)
    for _ in range(samples):
        for name, (action, payload) in mix.items():
            elapsed, frame = csms.call(action, payload)
            if frame[0] != 3:
                raise RuntimeError(f"{name}: CALLERROR {frame}")
            times[name].append(elapsed)
    # A change our station persists before it answers (G03.FR.08): EVSE 2 to Inoperative
    # (Scheduled while it charges, G03.FR.05) and back, one at a time.
    times[CHANGE] = []
    for index in range(samples):
        status = "Inoperative" if index % 2 == 0 else "Operative"
        payload = {"operationalStatus": status, "evse": {"id": 2}}
        elapsed, frame = csms.call("ChangeAvailability", payload)
        if frame[0] != 3:
            raise RuntimeError(f"{CHANGE}: CALLERROR {frame}")
        times[CHANGE].append(elapsed)
    if samples % 2:
        csms.call("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 2}})
    return times


def run_peer(
    kind: str,
    samples: int,
    rig: dict | None = None,
    profile: Path | None = None,
    charging: bool = True,
    steps: Path | None = None,
) -> dict[str, list[float]]:
    if rig is not None:  # a station on another machine connects to us
        with BenchCsms(host=rig["bind"], port=rig["port"]) as csms:
            print(f"waiting for the station at {csms.url}/<identity> ...", file=sys.stderr)
            csms.wait_for("BootNotification", timeout=600)
            return measure(csms, samples)
    with BenchCsms() as csms:
        context = (
            station_process(csms.url, profile=profile, steps=steps)
            if kind == "ours"
            else peer_process(kind, csms.url)
        )
        with context as process:
            csms.wait_for("BootNotification", timeout=60)
            if kind == "ours":
                assert isinstance(process, StationProcess)
                csms.wait_for("StatusNotification", count=2, timeout=30)
                if charging:
                    start_charging(csms, process.config)
            return measure(csms, samples)


def run(samples: int = 300, rig: dict | None = None, charging: bool = True) -> dict:
    """``charging``: both EVSEs of our station charge with meter values every second
    (the realistic case); False measures it idle, connected, no EV (what the request path
    costs without the charging work that shares its event loop)."""
    results = {
        kind: run_peer(kind, samples, rig if kind == "ours" else None, charging=charging)
        for kind in KINDS
    }
    rows = []
    summary = {}
    for kind, times in results.items():
        # "all requests" is the mix: the availability changes are measured on their own.
        every = [t for name, values in times.items() if name != CHANGE for t in values]
        overall = Stats.of(every).scaled(1000)
        volatile = [t for name, values in times.items() if name not in DURABLE for t in values]
        summary[kind] = {
            "overall": overall.as_dict(),
            "volatile": Stats.of(volatile).scaled(1000).as_dict(),
            "by_request": {n: Stats.of(v).scaled(1000).as_dict() for n, v in times.items()},
        }
        rows.append(stats_row(f"{kind}: all requests", overall))
    ours, floor, durable, trio_floor, lib = (summary[k]["overall"] for k in KINDS)
    ratios = {
        # What the station adds where no commit is waited for (every request but SetVariables).
        "ours/floor p99 without SetVariables": ratio(
            summary["ours"]["volatile"]["p99"], summary["floor"]["volatile"]["p99"]
        ),
        "ours/floor p50": ratio(ours["p50"], floor["p50"]),
        "ours/floor p99": ratio(ours["p99"], floor["p99"]),
        # floor-trio committing each SetVariables in a worker thread, as the station must
        # (B05) and as the design has it do (no blocking call on the event loop):
        # floor-durable/floor is what that alone does to the mix, ours/floor-durable what
        # the station's own code adds to it.
        "floor-durable/floor p99": ratio(durable["p99"], floor["p99"]),
        "ours/floor-durable p99": ratio(ours["p99"], durable["p99"]),
        "ours/floor-trio p50": ratio(ours["p50"], trio_floor["p50"]),
        "ours/floor-trio p99": ratio(ours["p99"], trio_floor["p99"]),
        "floor-trio/floor p50": ratio(trio_floor["p50"], floor["p50"]),
        "ours/ocpplib p50": ratio(ours["p50"], lib["p50"]),
        "ours/ocpplib p99": ratio(ours["p99"], lib["p99"]),
    }
    by_request = [
        stats_row(f"ours: {name}", Stats(**values))
        for name, values in summary["ours"]["by_request"].items()
    ]
    # SetVariables answers only after its value is durably committed: one fsync of the
    # store's disk is the floor of that request, whatever the code does.
    fsync = Stats.of(fsync_seconds()).scaled(1000)
    summary["fsync"] = fsync.as_dict()
    by_request.append(stats_row("fsync of the stores' disk (50 × 200 B)", fsync))
    commit = Stats.of(sqlite_commit_seconds()).scaled(1000)
    summary["sqlite_commit"] = commit.as_dict()
    by_request.append(stats_row("SQLite commit on that disk (WAL, FULL, 1 row; 50)", commit))
    ratios["ours SetVariables/SQLite commit p99"] = ratio(
        summary["ours"]["by_request"]["SetVariables"]["p99"], commit.p99
    )
    # The same request to the floor, which answers an empty CALLRESULT: what the station
    # adds per request, and which request sets the overall p99 (the floor does neither
    # the work nor the sending of a large answer, e.g. 100 GetVariables results).
    per_request = {
        name: (
            ratio(values["p50"], summary["floor"]["by_request"][name]["p50"]),
            ratio(values["p99"], summary["floor"]["by_request"][name]["p99"]),
        )
        for name, values in summary["ours"]["by_request"].items()
        if name in summary["floor"]["by_request"]
    }
    summary["ours_over_floor_by_request"] = {
        name: {"p50": p50, "p99": p99} for name, (p50, p99) in per_request.items()
    }
    text = "\n".join(
        [
            "## response_latency (CALL → CALLRESULT, loopback)"
            + ("" if charging else ", our station idle (no EV)"),
            table(rows + by_request, STAT_COLUMNS),
            "",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
            "ours/floor by request (p50, p99): "
            + ", ".join(f"{n} {a:.2f}, {b:.2f}" for n, (a, b) in per_request.items()),
            "reference product (lab, WiFi): min/avg/max = 90/130/530 ms; spec limit 10 s",
        ]
    )
    return {
        "name": "response_latency",
        "samples": samples,
        "results": summary,
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.response_latency", description=__doc__)
    parser.add_argument("--samples", type=int, default=300, help="rounds of the request mix")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--idle",
        action="store_true",
        help="our station idle, no EV (default: both EVSEs charging, meter values every 1 s)",
    )
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="profile our station alone (cProfile)"
    )
    parser.add_argument(
        "--steps",
        type=Path,
        metavar="FILE",
        help="our station alone, in one process, with its long task steps and the garbage"
        " collector's pauses written to FILE (bench.steps): what a response's tail waits for",
    )
    add_rig_options(parser)
    args = parser.parse_args(argv)
    if args.steps is not None:
        times = run_peer("ours", args.samples, charging=not args.idle, steps=args.steps)
        print(timings_table("ours (one process)", times))
        print(args.steps.read_text())
        return 0
    if args.profile is not None:
        times = run_peer("ours", args.samples, profile=args.profile, charging=not args.idle)
        print_profile(args.profile)
        print(timings_table("ours (profiled)", times))
        return 0
    result = run(args.samples, rig_of(args), charging=not args.idle)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
