"""Real in-process stations behind the fleet's handle protocol, and the API served over them.

Each `LocalStation` wraps a full `Station` (simulated hardware, in-memory CSMS) run by
`tests.conftest.running_station`, and runs commands through the station's own control
socket table, so the API is tested against what a station really answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import trio

from station.fleet.handles import StationDown, TrafficControl
from tests.conftest import SimEnv, make_config, running_station


class LocalStation:
    """A `StationHandle` over one station of `running_station`."""

    def __init__(self, env: SimEnv) -> None:
        self.env = env
        #: What `StationDown` says while set (the test "stops" the station).
        self.down: str | None = None

    @property
    def identity(self) -> str:
        return self.env.station.config.station.identity

    @property
    def evse_ids(self) -> Sequence[int]:
        return sorted(self.env.station.evses)

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        if self.down is not None:
            raise StationDown(self.down)
        socket = self.env.station.control_socket
        if name not in socket.commands():
            raise KeyError(name)
        answer = await socket.handle(json.dumps({"command": name, "args": dict(args)}).encode())
        if not answer["ok"]:
            raise ValueError(answer["error"])
        return answer["result"]

    def summary(self) -> dict[str, Any]:
        station = self.env.station
        if self.down is not None:
            state = "stopped"
        elif not station.client.connected:
            state = "connecting"
        else:
            state = station.client.boot_state.value.lower().replace("unknown", "connecting")
        return {
            "identity": self.identity,
            "state": state,
            "connected": station.client.connected,
            "evses": [
                {
                    "id": evse_id,
                    "status": station.availability.status(evse_id).value,
                    "transaction_id": station.transactions.transaction_id(evse_id),
                }
                for evse_id in self.evse_ids
            ],
        }


class LocalFleet:
    """A `FleetView` of `LocalStation`s."""

    def __init__(self, stations: list[LocalStation]) -> None:
        self.by_identity = {s.identity: s for s in stations}

    @property
    def stations(self) -> Mapping[str, LocalStation]:
        return self.by_identity


class RecordingTraffic:
    """A `TrafficControl` that keeps what it was told; refuses a negative rate as the
    generator would."""

    def __init__(self) -> None:
        self.running = False
        self.settings: dict[str, Any] = {}
        self.starts = 0

    async def start(self, settings: Mapping[str, Any]) -> None:
        rate = settings.get("arrivals_per_hour", 1)
        if not isinstance(rate, int | float) or rate <= 0:
            raise ValueError(f"arrivals_per_hour: must be a number above 0, not {rate!r}")
        self.settings = dict(settings)
        self.running = True
        self.starts += 1

    async def stop(self) -> None:
        self.running = False

    def status(self) -> dict[str, Any]:
        return {"running": self.running, "settings": self.settings, "starts": self.starts}


@asynccontextmanager
async def fleet_api(
    tmp_path: Path, identities: Sequence[str], traffic: TrafficControl | None = None
) -> AsyncIterator[tuple[str, LocalFleet]]:
    """Stations with these identities, booted, and the API over them on a free port of
    127.0.0.1; yields the API's URL and the fleet."""
    from station.fleet.http import serve

    async with AsyncExitStack() as stack:
        handles = []
        for identity in identities:
            config = make_config(tmp_path / identity, station={"identity": identity})
            env = await stack.enter_async_context(running_station(config, control_period=0.05))
            handles.append(LocalStation(env))
        for handle in handles:
            await handle.env.csms.wait_for("StatusNotification", count=len(handle.evse_ids))
        fleet = LocalFleet(handles)
        async with trio.open_nursery() as nursery:
            url = await nursery.start(partial(serve, fleet, traffic, port=0))
            try:
                yield url, fleet
            finally:
                nursery.cancel_scope.cancel()
