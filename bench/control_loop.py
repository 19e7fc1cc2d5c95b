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
  waiting for the answers;
* ``busy_side``: the OCPP side keeps a core at 100 % (a thread of interpreter work,
  `bench.busy`) while it goes on serving its CSMS. With ``--split`` the thread runs in
  the OCPP side's process; in one process it runs in the station's own interpreter, so
  the figures show what sharing a process and its interpreter lock costs. The CPU the
  busy side got is printed, as a share of one core.

The CPU this process used during each scenario's window is printed per control-loop
iteration (everything the process did, divided by both loops' iterations): in one
process that is the whole station, with ``--split`` the control process alone; in one
process ``busy_side`` has no figure (its burner thread runs in this process).

The station's resident memory is printed before the load starts (both EVSEs charging),
its highest sample during the run and after it, with how the station took the CSMS's
CALLs (handled, refused beyond the backlog) and what the CSMS got back.

With ``--split`` the station runs as `station run` does, in two processes: this process
is the control process (the control service with its loops, meters and card reader,
serving the control protocol on a Unix socket) and the OCPP side is a child process
(``station ocpp-side``) that talks to the load CSMS, so the figures show what the load on
the network side still costs the control loops across the process boundary.

Reaction: the simulated EV goes from C to B (it stops asking for power); the time until
the control loop commands the contactor open is measured from outside the loop. The
IEC 61851-1 bound for opening after such a change is 100 ms (Table A.6). Because the
contactor is not re-closed within 10 s of its last closing, each EVSE gives one sample
per 10 s; longer ``--duration`` gives more samples.

    python -m bench.control_loop [--duration S]
        [--scenarios quiet,flood,storm,slow_meter,hostile,big_frames,busy_side] [--split]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import trio

from bench.busy import Burner
from bench.common import (
    PASSWORD,
    ROOT,
    STAT_COLUMNS,
    Stats,
    cpu_seconds,
    process_env,
    ratio,
    stats_row,
    table,
)

IEC_BOUND_MS = 100.0
SCENARIOS = ("quiet", "flood", "storm", "slow_meter", "hostile", "big_frames", "busy_side")
#: Scenarios whose load starts on a signal, once both EVSEs charge (RSS measured before).
ON_SIGNAL = {"hostile": "hostile", "big_frames": "bigframes"}

if TYPE_CHECKING:
    from drivers.sim.station import SimulatedStation
    from station.control.loop import ControlLoop
    from station.control.meter import MeterSampler

    #: What a station under test yields: its control loops and meter samplers by EVSE id,
    #: its simulated hardware, and the `Probe`.
    UnderTest = tuple[dict[int, ControlLoop], dict[int, MeterSampler], SimulatedStation, "Probe"]


class RecordingRelay:
    """Wraps a contactor driver; remembers when it was commanded open."""

    # Declared for the ContactorRelay protocol; read from the wrapped driver (__getattr__).
    blocking: ClassVar[bool]

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

    blocking: ClassVar[bool] = True

    def __init__(self, meter, delay: float) -> None:
        self._meter = meter
        self._delay = delay

    def sample(self):
        time.sleep(self._delay)
        return self._meter.sample()

    def __getattr__(self, name: str):
        return getattr(self._meter, name)


def _load_csms(scenario: str, pki) -> tuple[subprocess.Popen, int]:
    load = {
        "quiet": "quiet",
        "flood": "flood",
        "storm": "storm",
        "slow_meter": "quiet",
        "busy_side": "quiet",
    }.get(scenario) or ON_SIGNAL[scenario]
    command = [sys.executable, "-m", "bench.loadcsms", load]
    if scenario == "storm":
        command += ["--cert", str(pki.server.chain), "--key", str(pki.server.key)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def _rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process of the station under test, in MB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class Probe:
    """What the bench reads of the station under test besides its control loops: the
    resident memory of its processes (summed), how its OCPP side took the CSMS's CALLs
    (known only when that side runs in this process), and the busy side's switch."""

    def __init__(
        self, pids: list[int | str], client: object | None = None, side: int | None = None
    ) -> None:
        self.pids = pids
        self.client = client
        self.side = side  # pid of the OCPP side when it is a child process
        self._burner: Burner | None = None
        self._busy_from = 0.0
        self._side_cpu = 0.0

    def start_busy(self) -> None:
        """Make the OCPP side spin a core (``busy_side``)."""
        self._busy_from = time.perf_counter()
        if self.side is not None:
            self._side_cpu = cpu_seconds(self.side)
            os.kill(self.side, signal.SIGUSR1)
        else:
            self._burner = Burner()
            self._burner.start()

    def stop_busy(self) -> float:
        """Stop the in-process burner; the busy side's CPU since `start_busy`, in cores."""
        elapsed = time.perf_counter() - self._busy_from
        if self.side is not None:
            used = cpu_seconds(self.side) - self._side_cpu
        elif self._burner is not None:
            self._burner.stop()
            used = self._burner.cpu_seconds
        else:
            return float("nan")  # never started
        return used / elapsed if elapsed > 0 else float("nan")

    def rss_mb(self) -> float:
        return sum(_rss_mb(pid) for pid in self.pids)

    def calls_taken(self) -> dict:
        if self.client is None:
            return {"handled": 0, "refused": 0, "backlog_peak": 0}
        inbound = self.client.inbound  # type: ignore[attr-defined]
        return {
            "handled": inbound.handled,
            "refused": inbound.refused,
            "backlog_peak": inbound.backlog_peak,
        }


async def _wait_relay(loop, closed: bool, timeout: float = 15.0) -> None:
    with trio.fail_after(timeout):
        while loop.snapshot.relay_closed is not closed:
            await loop.wait_snapshot()


def _toml(data: dict) -> str:
    """A config as TOML (tables of strings and integers are all the bench writes)."""
    lines = []
    for table_name, values in data.items():
        lines.append(f"[{table_name}]")
        for name, value in values.items():
            lines.append(f"{name} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


@asynccontextmanager
async def _in_process(config) -> AsyncIterator[UnderTest]:
    """The station in this process; yields its control loops and simulated hardware."""
    from station.app import Runtime, Station

    station = await Station.create(config, Runtime(rng=random.Random(1)))
    probe = Probe(["self"], station.client)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(station.run)
            await station.ready.wait()
            client = station.client
            with trio.fail_after(30):
                await client.wait_until(lambda: client.boot_state.value == "Accepted")
            # The bench configures simulated hardware, run by this (the control) process.
            assert station.hardware is not None and station.hardware.sim is not None
            yield station.loops, station.samplers, station.hardware.sim, probe
            nursery.cancel_scope.cancel()
    finally:
        probe.stop_busy()  # a burner thread must not outlive its scenario
        station.close()


@asynccontextmanager
async def _split(
    config, data: dict, directory: Path, busy_side: bool = False
) -> AsyncIterator[UnderTest]:
    """This process as the control process, the OCPP side as a child process (wrapped by
    `bench.busy` when ``busy_side``: it spins a core once told to)."""
    from drivers import build_hardware
    from station.control.process import link_path, ocpp_side_argv
    from station.control.realtime import enter_realtime
    from station.control.service import ControlService

    granted = enter_realtime()  # as `station run` does (logged when refused)
    print(f"# control process real-time: {granted}", file=sys.stderr)
    path = directory / f"{config.station.identity}.toml"
    path.write_text(_toml(data))
    hardware = build_hardware(config.hardware, now=trio.current_time, wall_clock=_utc)
    service = ControlService(config.hardware, hardware)
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await nursery.start(service.serve_unix, link_path(config))
            argv = ocpp_side_argv(path, link_path(config))
            assert argv[-1] == str(os.getpid())
            if busy_side:
                assert argv[1:3] == ["-m", "station"]
                argv[1:3] = ["-m", "bench.busy"]
            child = await trio.lowlevel.open_process(argv, env=process_env())
            try:
                await service.wait_first_iterations()
                with trio.fail_after(30):
                    while not service.peer_connected:  # noqa: ASYNC110 - no event for it
                        await trio.sleep(0.05)
                assert hardware.sim is not None  # the bench configures simulated hardware
                probe = Probe(["self", child.pid], side=child.pid)
                yield service.loops, service.samplers, hardware.sim, probe
            finally:
                child.terminate()
                with trio.CancelScope(shield=True):
                    await child.wait()
            nursery.cancel_scope.cancel()
    finally:
        service.close()


def _utc():
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def _scenario(
    scenario: str, duration: float, directory: Path, pki, split: bool = False
) -> dict:
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
    data = {
        "station": {
            "identity": "BENCH-LOOP",
            "serial_number": "BENCH-SN-2",
            "vendor_name": "OpenCharge",
            "model": "AC22-2",
            "data_dir": str(directory / scenario),
            "control_socket": str(directory / f"{scenario}.sock"),
            "log_level": "warning",
        },
        "csms": csms,
        "hardware": {"driver": "sim"},
    }
    config = parse_config(data)
    under_test = (
        _split(config, data, directory, scenario == "busy_side") if split else _in_process(config)
    )
    busy_cores = float("nan")
    reactions: list[float] = []
    rss = {"before": float("nan"), "max": float("nan"), "after": float("nan")}
    answered: dict = {}
    taken = {"handled": 0, "refused": 0, "backlog_peak": 0}
    try:
        async with under_test as (loops, samplers, sim, probe):
            relays = {}
            for evse_id, loop in loops.items():
                relays[evse_id] = RecordingRelay(loop._relay)
                loop._relay = relays[evse_id]
            if scenario == "slow_meter":
                for sampler in samplers.values():
                    sampler._meter = SlowMeter(sampler._meter, 0.2)
            for evse_id, card in ((1, "04000001"), (2, "04000002")):
                sim.plug(evse_id)
                sim.tap(card)
                sim.set_ev_state(evse_id, "C")  # the EV asks for power
                await _wait_relay(loops[evse_id], True, timeout=30)
                await trio.sleep(2)  # the card leaves the reader before the next one
            for loop in loops.values():
                loop._lateness.clear()
            rss["before"] = rss["max"] = probe.rss_mb()
            if scenario in ON_SIGNAL:
                process.send_signal(signal.SIGUSR1)  # the load starts now
            if scenario == "busy_side":
                probe.start_busy()
            iterations = sum(loop.iterations for loop in loops.values())
            cpu = time.process_time()
            end = time.perf_counter() + duration
            while time.perf_counter() < end:
                rss["max"] = max(rss["max"], probe.rss_mb())
                for evse_id, loop in loops.items():
                    if not loop.snapshot.relay_closed:
                        continue
                    opened = len(relays[evse_id].opened_at)
                    changed = time.perf_counter()
                    sim.set_ev_state(evse_id, "B")
                    await _wait_relay(loop, False)
                    reactions.append(relays[evse_id].opened_at[opened] - changed)
                    sim.set_ev_state(evse_id, "C")
                await trio.sleep(0.25)
            cpu = time.process_time() - cpu
            iterations = sum(loop.iterations for loop in loops.values()) - iterations
            # In one process the busy side's thread burns this process's CPU: no figure.
            if scenario == "busy_side" and not split:
                cpu = float("nan")
            rss["after"] = probe.rss_mb()
            if scenario == "busy_side":
                busy_cores = probe.stop_busy()
            taken = probe.calls_taken()
            lateness = [v for loop in loops.values() for v in loop._lateness]
            overruns = sum(loop.overruns for loop in loops.values())
            period = next(iter(loops.values())).period
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
        lines = out.strip().splitlines()
        answered = json.loads(lines[-1]) if lines else {}
    return {
        "lateness_ms": Stats.of(lateness).scaled(1000).as_dict(),
        "reaction_ms": Stats.of(reactions).scaled(1000).as_dict(),
        "overruns": overruns,
        "period_ms": period * 1000,
        "iterations": iterations,
        "cpu_us_per_iteration": cpu / iterations * 1e6 if iterations else float("nan"),
        "rss_mb": rss,
        "calls_taken": taken,
        "csms_got": answered,
        "busy_side_cores": busy_cores,
    }


def run(
    duration: float = 20.0, scenarios: tuple[str, ...] = SCENARIOS, split: bool = False
) -> dict:
    from tools.testpki import make_test_pki

    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as scratch:
        directory = Path(scratch)
        pki = make_test_pki(directory / "pki", hosts=("localhost", "127.0.0.1"))
        for scenario in scenarios:
            results[scenario] = trio.run(_scenario, scenario, duration, directory, pki, split)
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
            f"## control_loop{' (two processes)' if split else ''} "
            f"(period {period:g} ms, both EVSEs charging, {duration:g} s each)",
            table(rows, STAT_COLUMNS),
            "",
            "overruns: " + ", ".join(f"{s} = {d['overruns']}" for s, d in results.items()),
            "CPU of this process per control-loop iteration, µs (all its work in the window"
            f" ÷ the iterations of both loops{'; the control process only' if split else ''}): "
            + ", ".join(
                f"{s} = {d['cpu_us_per_iteration']:.1f} ({d['iterations']} iterations)"
                for s, d in results.items()
            ),
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
            *(
                [f"busy OCPP side CPU during the load: {busy:.2f} of a core"]
                if (busy := results.get("busy_side", {}).get("busy_side_cores")) is not None
                else []
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
    parser.add_argument(
        "--split", action="store_true", help="the OCPP side in a child process, as `station run`"
    )
    args = parser.parse_args(argv)
    result = run(args.duration, tuple(s for s in args.scenarios.split(",") if s), args.split)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
