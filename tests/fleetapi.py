"""A real fleet (`station.fleet.core.Fleet`) on the in-memory CSMS, with its HTTP API on a
free port of 127.0.0.1, in real time (the API is real sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import trio

from station.fleet.core import Fleet, FleetStation
from station.fleet.handles import StationHandle
from station.fleet.settings import FleetSettings
from station.fleet.traffic import TrafficController
from tests.memcsms import MemoryCsms, Received


@dataclass
class FleetUnderTest:
    """The API's URL, the fleet and the CSMS its stations are connected to."""

    url: str
    fleet: Fleet
    csms: MemoryCsms
    traffic: TrafficController

    def station(self, identity: str) -> FleetStation:
        """A station of the fleet by identity."""
        return self.fleet.stations[identity]

    def calls(self, identity: str, action: str) -> list[Received]:
        """The CALLs of ``action`` the CSMS received from station ``identity``."""
        mine = {
            index
            for index, record in enumerate(self.csms.connections)
            if record["endpoint"].identity == identity
        }
        return [r for r in self.csms.of(action) if r.connection in mine]

    async def until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; it is looked at whenever the CSMS hears from
        a station (a station reports every change of state to it)."""
        await self.csms.wait(predicate, timeout=20)


@asynccontextmanager
async def fleet_api(
    data_dir: Path, count: int, *, generator: bool = True
) -> AsyncIterator[FleetUnderTest]:
    """``count`` stations (FLEET-0001, ...), each with 2 EVSEs, every one Accepted, and
    the API over them (with the fleet's session generator, idle, unless ``generator`` is
    false)."""
    from station.fleet.http import serve

    settings = FleetSettings(
        csms_url="ws://127.0.0.1:9/ocpp",
        count=count,
        data_dir=data_dir,
        password="0123456789abcdefABCDEF",
        seed=1,
        ramp=1000,
        control_period=0.05,
    )
    async with trio.open_nursery() as nursery:
        csms = MemoryCsms(nursery)
        fleet = Fleet(settings, dial=csms.dial)
        await nursery.start(fleet.run)
        traffic = TrafficController(lambda: list(fleet.stations.values()), nursery)
        url = await nursery.start(partial(serve, fleet, traffic if generator else None, port=0))
        under_test = FleetUnderTest(url, fleet, csms, traffic)
        with trio.fail_after(30):
            await fleet.wait_accepted()
            # Booted: every station reported both connectors.
            await csms.wait(
                lambda: all(
                    len(under_test.calls(identity, "StatusNotification")) >= 2
                    for identity in fleet.stations
                )
            )
        try:
            yield under_test
        finally:
            fleet.stop()
            nursery.cancel_scope.cancel()


async def stopped(station: FleetStation) -> None:
    """Wait until the station has stopped."""
    while station.state != "stopped":
        await station.wait_changed()


class HandFleet:
    """A `FleetView` of the handles given."""

    def __init__(self, *handles: StationHandle) -> None:
        self._stations = {h.identity: h for h in handles}

    @property
    def stations(self) -> Mapping[str, StationHandle]:
        return self._stations
