"""Smart charging: a SetChargingProfile from the CSMS → the new PWM duty at the pilot.

The station runs in this process (real time, real sockets, simulated hardware, both
sides in one process, as `bench.control_loop` without ``--split``) against a small CSMS
served in this process on trio-websocket. An EV charges on EVSE 1; the CSMS sends
TxDefaultProfiles with a lower limit each time (a raise of the PWM is deliberately held
back for ``PWM_RAISE_INTERVAL_S``, so only lowering measures the path), and the harness
times each from the moment the CALL leaves the CSMS to the first control-loop snapshot
that offers the new current (watched from before the CALL leaves: the duty may change
before the answer arrives). Printed with the same run's baselines: the control period
(the issue's goal is ≤ 2 periods) and the SetChargingProfile round trip (the part of the
path that is the OCPP side's).

    python -m bench.smart_charging [--samples N]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import trio
from trio_websocket import WebSocketConnection, WebSocketRequest, serve_websocket

from bench.common import STAT_COLUMNS, Stats, ratio, stats_row, table

if TYPE_CHECKING:
    from station.control.loop import ControlLoop

PASSWORD = "bench-password-0001"
#: Limits of successive profiles (A), each lower than the one before.
LADDER = (28.0, 25.0, 22.0, 19.0, 16.0, 13.0, 10.0, 7.0)


def _now(ago: float = 0.0) -> str:
    moment = datetime.now(UTC) - timedelta(seconds=ago)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Csms:
    """Answers what a booting and charging station sends; sends what the harness asks."""

    def __init__(self) -> None:
        self.connection: WebSocketConnection | None = None
        self.connected = trio.Event()
        self._waiting: dict[str, trio.MemorySendChannel] = {}
        self._counter = 0

    async def serve(self, request: WebSocketRequest) -> None:
        ws = await request.accept(subprotocol="ocpp2.0.1")
        self.connection = ws
        self.connected.set()
        while True:
            frame = json.loads(await ws.get_message())
            if frame[0] == 2:
                _, message_id, action, payload = frame
                await ws.send_message(json.dumps([3, message_id, self._answer(action, payload)]))
            elif frame[0] in (3, 4) and frame[1] in self._waiting:
                self._waiting.pop(frame[1]).send_nowait(frame)

    @staticmethod
    def _answer(action: str, payload: dict) -> dict:
        if action == "BootNotification":
            return {"currentTime": _now(), "interval": 300, "status": "Accepted"}
        if action == "Heartbeat":
            return {"currentTime": _now()}
        if action == "Authorize":
            return {"idTokenInfo": {"status": "Accepted"}}
        if action == "TransactionEvent" and "idToken" in payload:
            return {"idTokenInfo": {"status": "Accepted"}}
        return {}

    async def call(self, action: str, payload: dict) -> tuple[float, float, list]:
        """Send a CALL; (time it left, time of the answer, the answer)."""
        assert self.connection is not None
        self._counter += 1
        message_id = f"bench-{self._counter}"
        send, receive = trio.open_memory_channel[list](1)
        self._waiting[message_id] = send
        sent = trio.current_time()
        await self.connection.send_message(json.dumps([2, message_id, action, payload]))
        answer = await receive.receive()
        return sent, trio.current_time(), answer


def _profile(profile_id: int, limit: float) -> dict:
    return {
        "id": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": profile_id,
                # A second ago, not "now": the station's clock, set from the
                # BootNotification answer, runs behind this one by that answer's
                # latency, and a profile that starts in the station's future has no
                # limit until then (the one it replaces is gone): the harness would
                # time the clock offset, not the path.
                "startSchedule": _now(ago=1.0),
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            }
        ],
    }


async def _first_offer(
    loop: ControlLoop,
    limit: float,
    seen: list[float],
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Note when the loop's snapshot first offers ``limit``."""
    task_status.started()
    with trio.fail_after(10):
        while abs(loop.snapshot.offered_current - limit) > 0.2:
            await loop.wait_snapshot()
    seen.append(trio.current_time())


async def _measure(samples: int, directory: Path) -> dict:
    from station.app import Runtime, Station
    from station.config import parse_config
    from station.control.iec61851 import PWM_RAISE_INTERVAL_S

    csms = Csms()
    to_pilot: list[float] = []
    round_trip: list[float] = []
    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, csms.serve, "127.0.0.1", 0, None)
        port = server.port
        config = parse_config(
            {
                "station": {
                    "identity": "BENCH-SC",
                    "serial_number": "BENCH-SN-SC",
                    "vendor_name": "OpenCharge",
                    "model": "AC22-2",
                    "data_dir": str(directory / "data"),
                    "control_socket": str(directory / "sc.sock"),
                    "log_level": "warning",
                },
                "csms": {
                    "url": f"ws://127.0.0.1:{port}/ocpp",
                    "security_profile": 1,
                    "basic_auth_password": PASSWORD,
                },
                "hardware": {"driver": "sim"},
            }
        )
        station = await Station.create(config, Runtime(rng=random.Random(1)))
        try:
            nursery.start_soon(station.run)
            await station.ready.wait()
            with trio.fail_after(30):
                await csms.connected.wait()
                await station.client.wait_until(
                    lambda: station.client.boot_state.value == "Accepted"
                )
            assert station.hardware is not None and station.hardware.sim is not None
            sim, loop = station.hardware.sim, station.loops[1]
            sim.plug(1)
            sim.tap("04000001")
            sim.set_ev_state(1, "C")
            with trio.fail_after(30):
                while not loop.snapshot.relay_closed:
                    await loop.wait_snapshot()
            period = loop.period
            profile_id = 0
            while len(to_pilot) < samples:
                for limit in LADDER:
                    profile_id += 1
                    seen: list[float] = []
                    # Watched while the CALL is out: the duty may change before the
                    # answer comes back (the profile is applied while it is stored).
                    async with trio.open_nursery() as watch:
                        await watch.start(_first_offer, loop, limit, seen)
                        sent, answered, _ = await csms.call(
                            "SetChargingProfile",
                            {"evseId": 1, "chargingProfile": _profile(1, limit)},
                        )
                    to_pilot.append(seen[0] - sent)
                    round_trip.append(answered - sent)
                    if len(to_pilot) >= samples:
                        break
                    await trio.sleep(0.05)
                # Back to the top: the PWM is raised only after PWM_RAISE_INTERVAL_S.
                await csms.call("ClearChargingProfile", {"chargingProfileId": 1})
                await trio.sleep(PWM_RAISE_INTERVAL_S + 0.5)
        finally:
            nursery.cancel_scope.cancel()
            station.close()
    return {
        "period_ms": period * 1000,
        "to_pilot_ms": Stats.of(to_pilot).scaled(1000).as_dict(),
        "round_trip_ms": Stats.of(round_trip).scaled(1000).as_dict(),
    }


def run(samples: int = 40) -> dict:
    """Measure; the figures as a dict (for `bench.run_all`)."""
    with tempfile.TemporaryDirectory(prefix="bench-sc-") as scratch:
        return trio.run(_measure, samples, Path(scratch))


def report(result: dict) -> str:
    """The figures as a table, with ratios to the control period and the round trip."""
    pilot = Stats(**result["to_pilot_ms"])
    trip = Stats(**result["round_trip_ms"])
    period = result["period_ms"]
    rows = [
        stats_row("profile → duty at the pilot", pilot, p99_periods=ratio(pilot.p99, period)),
        stats_row("SetChargingProfile round trip", trip, p99_periods=ratio(trip.p99, period)),
    ]
    lines = [
        table(rows, [*STAT_COLUMNS, "p99_periods"]),
        f"control period {period:g} ms; goal: profile → duty p99 ≤ 2 control periods "
        f"(measured {ratio(pilot.p99, period):.2f}); duty p99 ÷ round-trip p99 = "
        f"{ratio(pilot.p99, trip.p99):.2f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args(argv)
    result = run(args.samples)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
