"""The fleet HTTP API's own cost: answer times, and how long it holds the fleet's loop.

    python -m bench.fleet_api [--stations 1000] [--samples 50]

The API runs in the fleet's trio loop, so every request is time the stations' tasks wait.
This harness serves the API (Hypercorn on 127.0.0.1, as ``station fleet --api-port``)
over ``--stations`` handles that answer at once with a summary of a 2-EVSE station (the
shape `FleetStation.summary` gives), so the figures are the API's part alone, not the
stations'. It prints, with baselines measured in the same run:

* answer times of ``GET /stations``, ``GET /health``, ``GET /stations/{identity}`` and a
  drive (``POST .../plug``) to a client in another process, next to building the same
  summaries without HTTP;
* the lateness of a task that wakes every millisecond in the fleet's loop, while that
  client's requests to ``/stations`` follow one another, and while the API is idle for as
  long (the baseline): what a thousand-station listing costs the stations.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import trio

from bench.common import Stats


class Station:
    """A handle that answers at once (`station.fleet.handles.StationHandle`)."""

    def __init__(self, index: int) -> None:
        self.identity = f"FLEET-{index:04d}"
        self.evse_ids: Sequence[int] = (1, 2)

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        await trio.lowlevel.checkpoint()
        return None

    def summary(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "state": "accepted",
            "connected": True,
            "incarnations": 1,
            "error": None,
            "evses": [
                {"id": 1, "status": "Available", "transaction_id": None},
                {"id": 2, "status": "Occupied", "transaction_id": "c1f0a7d2-6a51-4f7e"},
            ],
        }


class Fleet:
    """A `FleetView` of ``count`` `Station`s."""

    def __init__(self, count: int) -> None:
        self._stations = {s.identity: s for s in (Station(i) for i in range(1, count + 1))}

    @property
    def stations(self) -> Mapping[str, Station]:
        return self._stations


#: The client: another process (as a person's curl or a test harness is), keeping one
#: connection open; prints the answer times in ms as JSON.
CLIENT = """
import http.client, json, sys, time
host, port, method, path, count = sys.argv[1:]
connection = http.client.HTTPConnection(host, int(port))
times = []
for _ in range(int(count) + 1):
    start = time.perf_counter()
    connection.request(method, path)
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, (answer.status, path)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps(times[1:]))
"""


async def requests(url: str, method: str, path: str, samples: int) -> Stats:
    """Answer times (ms) of ``samples`` requests from a client process."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    done = await trio.run_process(
        [sys.executable, "-c", CLIENT, host, port, method, path, str(samples)],
        capture_stdout=True,
    )
    return Stats.of(json.loads(done.stdout))


async def lateness(during: Any) -> Stats:
    """How late (ms) a task of the loop that sleeps 1 ms at a time wakes, while
    ``during()`` runs."""
    late: list[float] = []
    async with trio.open_nursery() as nursery:

        async def ticker() -> None:
            deadline = trio.current_time()
            while True:
                deadline += 0.001
                await trio.sleep_until(deadline)
                late.append(max(0.0, trio.current_time() - deadline) * 1000)
                deadline = max(deadline, trio.current_time())

        nursery.start_soon(ticker)
        await during()
        nursery.cancel_scope.cancel()
    return Stats.of(late)


def row(name: str, stats: Stats, baseline: Stats | None = None) -> str:
    ratio = f"{stats.p50 / baseline.p50:8.1f}×" if baseline and baseline.p50 > 0 else " " * 9
    return f"{name:<38} {stats.n:6d} {stats.p50:9.2f} {stats.p99:9.2f} {stats.max:9.2f}  {ratio}"


async def run(stations: int, samples: int) -> None:
    """Measure and print the table."""
    from station.fleet.http import serve

    fleet = Fleet(stations)
    middle = f"FLEET-{max(1, stations // 2):04d}"
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(serve, fleet, port=0))
        times = []
        for _ in range(samples):
            start = time.perf_counter()
            [h.summary() for h in fleet.stations.values()]
            times.append((time.perf_counter() - start) * 1000)
        baseline = Stats.of(times)
        health = await requests(url, "GET", "/health", samples)
        one = await requests(url, "GET", f"/stations/{middle}", samples)
        plug = await requests(url, "POST", f"/stations/{middle}/evses/1/plug", samples)
        listed: list[Stats] = []

        async def listing() -> None:
            listed.append(await requests(url, "GET", "/stations", samples))

        busy = await lateness(listing)

        async def idle() -> None:
            await trio.sleep(listed[0].mean * samples / 1000)

        quiet = await lateness(idle)
        nursery.cancel_scope.cancel()

    print(f"fleet API over {stations} stations, {samples} requests each (ms)")
    print(f"{'':<38} {'n':>6} {'p50':>9} {'p99':>9} {'max':>9}  {'÷ base':>9}")
    print(row("the summaries without HTTP (baseline)", baseline))
    print(row("GET /stations", listed[0], baseline))
    print(row("GET /health", health, baseline))
    print(row(f"GET /stations/{middle}", one))
    print(row(f"POST /stations/{middle}/evses/1/plug", plug))
    print(row("loop lateness, API idle (baseline)", quiet))
    print(row("loop lateness, GET /stations in a row", busy, quiet))
    print(f"per station in GET /stations: {listed[0].p50 / stations * 1000:.1f} µs (p50)")


def main(argv: list[str] | None = None) -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args(argv)
    trio.run(run, args.stations, args.samples)


if __name__ == "__main__":
    main()
