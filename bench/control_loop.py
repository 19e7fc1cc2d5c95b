"""Control-loop timing: lateness of each EVSE's iterations against their deadlines, and the
reaction from a pilot change to the contactor-open command, idle and under load.

The station runs in this process (real time, real threads and sockets, simulated
hardware) with both EVSEs charging; the CSMS is another process (`bench.loadcsms`) so
that its work does not share our interpreter. Scenarios:

* ``quiet``: both EVSEs charging, nothing else (the baseline of the other scenarios);
* ``flood``: the CSMS sends FullInventory reports and 100-item GetVariables back to back;
* ``storm``: the CSMS drops the TLS connection 0.3 s after every boot (TLS handshakes,
  boots, status reports over and over);
* ``slow_meter``: each meter reading blocks for 200 ms (a Modbus meter at 2400 baud);
* ``hostile``: the CSMS sends CALLs without waiting for the answers (2000 GetBaseReport
  every 0.2 s, OCPP-J 4.1.1 broken on purpose);
* ``big_frames``: the CSMS sends DataTransfer CALLs of about 1 MB back to back, without
  waiting for the answers.

The station's resident memory is printed before the load starts (both EVSEs charging),
its highest sample during the run and after it, with how the station took the CSMS's
CALLs (handled, refused beyond the backlog) and what the CSMS got back.

Reaction: the simulated EV goes from C to B (it stops asking for power); the time until
the control loop commands the contactor open is measured from outside the loop. The
IEC 61851-1 bound for opening after such a change is 100 ms (Table A.6). Because the
contactor is not re-closed within 10 s of its last closing, each EVSE gives one sample
per 10 s; longer ``--duration`` gives more samples.

    python -m bench.control_loop [--duration S]
        [--scenarios quiet,flood,storm,slow_meter,hostile,big_frames]
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from bench.common import PASSWORD, ROOT, STAT_COLUMNS, Stats, ratio, stats_row, table

IEC_BOUND_MS = 100.0
SCENARIOS = ("quiet", "flood", "storm", "slow_meter", "hostile", "big_frames")
#: Scenarios whose load starts on a signal, once both EVSEs charge (RSS measured before).
ON_SIGNAL = {"hostile": "hostile", "big_frames": "bigframes"}


class RecordingRelay:
    """Wraps a contactor driver; remembers when it was commanded open."""

    def __init__(self, relay) -> None:
        self._relay = relay
        self.opened_at: list[float] = []

    def set_closed(self, closed: bool) -> None:
        if not closed:
            self.opened_at.append(time.perf_counter())
        self._relay.set_closed(closed)

    def __getattr__(self, name: str):
        return getattr(self._relay, name)


class SlowMeter:
    """A meter whose every reading blocks for ``delay`` seconds (in a worker thread)."""

    blocking = True

    def __init__(self, meter, delay: float) -> None:
        self._meter = meter
        self._delay = delay

    def sample(self):
        time.sleep(self._delay)
        return self._meter.sample()

    def __getattr__(self, name: str):
        return getattr(self._meter, name)


def _load_csms(scenario: str, pki) -> tuple[subprocess.Popen, int]:
    load = {"quiet": "quiet", "flood": "flood", "storm": "storm", "slow_meter": "quiet"}.get(
        scenario
    ) or ON_SIGNAL[scenario]
    command = [sys.executable, "-m", "bench.loadcsms", load]
    if scenario == "storm":
        command += ["--cert", str(pki.server.chain), "--key", str(pki.server.key)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def _rss_mb() -> float:
    """Resident memory of this process (the station under test), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _wait_relay(loop, closed: bool, timeout: float = 15.0) -> None:
    with trio.fail_after(timeout):
        while loop.snapshot.relay_closed is not closed:
            await loop.wait_snapshot()


async def _scenario(scenario: str, duration: float, directory: Path, pki) -> dict:
    from station.app import Runtime, Station
    from station.config import parse_config

    process, port = _load_csms(scenario, pki)
    tls = scenario == "storm"
    csms = {
        "url": f"{'wss://localhost' if tls else 'ws://127.0.0.1'}:{port}/ocpp",
        "security_profile": 2 if tls else 1,
        "basic_auth_password": PASSWORD,
    }
    if tls:
        csms["ca_file"] = str(pki.csms_root.cert)
    config = parse_config(
        {
            "station": {
                "identity": "BENCH-LOOP",
                "serial_number": "BENCH-SN-2",
                "vendor_name": "OpenCharge",
                "model": "AC22-2",
                "data_dir": str(directory / scenario),
                "log_level": "warning",
            },
            "csms": csms,
            "hardware": {"driver": "sim"},
        }
    )
    station = await Station.create(config, Runtime(rng=random.Random(1)))
    relays = {}
    for evse_id, loop in station.loops.items():
        relays[evse_id] = RecordingRelay(loop._relay)
        loop._relay = relays[evse_id]
    if scenario == "slow_meter":
        for sampler in station.samplers.values():
            sampler._meter = SlowMeter(sampler._meter, 0.2)
    reactions: list[float] = []
    rss = {"before": float("nan"), "max": float("nan"), "after": float("nan")}
    answered: dict = {}
    taken = {"handled": 0, "refused": 0, "backlog_peak": 0}
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(station.run)
            await station.ready.wait()
            client = station.client
            with trio.fail_after(30):
                await client.wait_until(lambda: client.boot_state.value == "Accepted")
            sim = station.hardware.sim
            for evse_id, card in ((1, "04000001"), (2, "04000002")):
                sim.plug(evse_id)
                sim.tap(card)
                sim.set_ev_state(evse_id, "C")  # the EV asks for power
                await _wait_relay(station.loops[evse_id], True, timeout=30)
            for loop in station.loops.values():
                loop._lateness.clear()
            rss["before"] = rss["max"] = _rss_mb()
            if scenario in ON_SIGNAL:
                process.send_signal(signal.SIGUSR1)  # the load starts now
            end = time.perf_counter() + duration
            while time.perf_counter() < end:
                rss["max"] = max(rss["max"], _rss_mb())
                for evse_id, loop in station.loops.items():
                    if not loop.snapshot.relay_closed:
                        continue
                    opened = len(relays[evse_id].opened_at)
                    changed = time.perf_counter()
                    sim.set_ev_state(evse_id, "B")
                    await _wait_relay(loop, False)
                    reactions.append(relays[evse_id].opened_at[opened] - changed)
                    sim.set_ev_state(evse_id, "C")
                await trio.sleep(0.25)
            rss["after"] = _rss_mb()
            inbound = station.client.inbound
            taken = {
                "handled": inbound.handled,
                "refused": inbound.refused,
                "backlog_peak": inbound.backlog_peak,
            }
            lateness = [v for loop in station.loops.values() for v in loop._lateness]
            overruns = sum(loop.overruns for loop in station.loops.values())
            period = next(iter(station.loops.values())).period
            nursery.cancel_scope.cancel()
    finally:
        station.close()
        process.terminate()
        out, _ = process.communicate(timeout=10)
        lines = out.strip().splitlines()
        answered = json.loads(lines[-1]) if lines else {}
    return {
        "lateness_ms": Stats.of(lateness).scaled(1000).as_dict(),
        "reaction_ms": Stats.of(reactions).scaled(1000).as_dict(),
        "overruns": overruns,
        "period_ms": period * 1000,
        "rss_mb": rss,
        "calls_taken": taken,
        "csms_got": answered,
    }


def run(duration: float = 20.0, scenarios: tuple[str, ...] = SCENARIOS) -> dict:
    from tools.testpki import make_test_pki

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as scratch:
        directory = Path(scratch)
        pki = make_test_pki(directory / "pki", hosts=("localhost", "127.0.0.1"))
        for scenario in scenarios:
            results[scenario] = trio.run(_scenario, scenario, duration, directory, pki)
    rows = []
    for scenario, data in results.items():
        rows.append(stats_row(f"{scenario}: lateness", Stats(**data["lateness_ms"])))
        rows.append(
            stats_row(
                f"{scenario}: C→B → contactor open",
                Stats(**data["reaction_ms"]),
            )
        )
    quiet = results.get("quiet")
    ratios = {}
    for scenario, data in results.items():
        ratios[f"{scenario} reaction p99 / IEC 100 ms"] = ratio(
            data["reaction_ms"]["p99"], IEC_BOUND_MS
        )
        if quiet and scenario != "quiet":
            ratios[f"{scenario}/quiet lateness p99"] = ratio(
                data["lateness_ms"]["p99"], quiet["lateness_ms"]["p99"]
            )
    period = next(iter(results.values()))["period_ms"] if results else 0
    text = "\n".join(
        [
            f"## control_loop (period {period:g} ms, both EVSEs charging, {duration:g} s each)",
            table(rows, STAT_COLUMNS),
            "",
            "overruns: " + ", ".join(f"{s} = {d['overruns']}" for s, d in results.items()),
            "station RSS, MB (before load / max / after): "
            + ", ".join(
                f"{s} = {d['rss_mb']['before']:.0f} / {d['rss_mb']['max']:.0f} / "
                f"{d['rss_mb']['after']:.0f}"
                for s, d in results.items()
            ),
            "CSMS CALLs (handled / refused beyond the backlog; the CSMS got): "
            + ", ".join(
                f"{s} = {d['calls_taken']['handled']} / {d['calls_taken']['refused']}"
                f" {json.dumps(d['csms_got'], sort_keys=True)}"
                for s, d in results.items()
                if s in ON_SIGNAL or d["calls_taken"]["refused"]
            ),
            "ratios: " + ", ".join(f"{k} = {v:.3g}" for k, v in ratios.items()),
        ]
    )
    return {
        "name": "control_loop",
        "duration_s": duration,
        "results": results,
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.control_loop", description=__doc__)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.duration, tuple(s for s in args.scenarios.split(",") if s))
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
