"""Running many stations in one process: `Fleet` and its `FleetStation`s.

Each `FleetStation` is a full station: the configuration `station run` would load (built
here instead of read from a TOML file), run by `station.app.run_station`, so a Reset
restarts it in place exactly as it restarts a station of its own. What a fleet shares
is what carries no station state:

* the process (modules, pydantic models, the event loop);
* the worker threads: one pool for every store, message log and certificate store
  (`FleetOffload`: each station's calls still run one at a time, in order);
* the connection ramp (`RampedDialer`): at most ``ramp`` WebSocket handshakes a second
  across the fleet, on the first connection and on every reconnection, so a CSMS that
  comes back from an outage is not hit by N handshakes at once.

Each station's dialer goes through its own `NetworkLink` (`station.fleet.outage`), which
the fleet cuts to give that station, or all of them, a network outage.

What each station keeps for itself: its identity, data directory (store, certificates,
message log, simulated world, control socket), its connection, its hardware and its
control service. See docs/fleet.md.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import trio

from station.app import Runtime, Station, run_station
from station.config import StationConfig
from station.fleet import logs
from station.fleet.handles import OUTAGE, RESTORE, StationDown
from station.fleet.outage import NetworkLink
from station.fleet.settings import (
    FLEET_IDLE_METER_INTERVAL,
    FLEET_SIM_IDLE_WAIT,
    FLEET_STORE_CACHE_KIB,
    FleetSettings,
    station_config,
    write_credentials,
)
from station.ocpp.client import BootState, OcppClient
from station.ocpp.connection import Dialer
from station.ocpp.transport import Endpoint, Transport, dial_websocket
from station.offload import Offload

log = logging.getLogger(__name__)

#: Wait before a station whose run failed (its store unusable, a task that kept
#: crashing) is started again, doubling up to `MAX_FAILURE_BACKOFF` (what a service
#: manager does for `station run`).
FAILURE_BACKOFF = 5.0
MAX_FAILURE_BACKOFF = 300.0


class FleetOffload:
    """One station's `Offload` on the fleet's shared worker threads.

    A station's store needs its calls one at a time and in order (one SQLite connection,
    one transaction per call); the fleet needs the threads bounded. A per-station lock
    gives the first, a limiter shared by every station the second.
    """

    def __init__(self, pool: trio.CapacityLimiter | None) -> None:
        """``pool`` is the fleet's limiter: how many worker threads run at once (None:
        each call runs on the event loop itself, see `FleetSettings.worker_threads`)."""
        self._pool = pool
        self._turn = trio.Lock()

    async def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in a worker thread after this station's earlier calls."""
        async with self._turn:
            if self._pool is None:
                result = fn()
                await trio.lowlevel.checkpoint()
                return result
            return await trio.to_thread.run_sync(fn, limiter=self._pool)


class RampedDialer:
    """A `Dialer` that lets at most ``rate`` connection attempts a second start, fleet-wide.

    Attempts are spaced ``1 / rate`` apart in the order they asked; an attempt that was
    cancelled while waiting gives its slot up.
    """

    def __init__(self, rate: float, dial: Dialer = dial_websocket) -> None:
        """``rate``: attempts per second (``math.inf`` = no ramp)."""
        if not rate > 0:
            raise ValueError(f"ramp rate must be above 0 connections per second, not {rate}")
        self.rate = rate
        self._dial = dial
        self._next = -math.inf
        #: Attempts started so far (for the fleet's status and the bench).
        self.attempts = 0

    async def __call__(self, nursery: trio.Nursery, endpoint: Endpoint) -> Transport:
        """Wait for this attempt's slot, then dial."""
        if math.isfinite(self.rate):
            now = trio.current_time()
            slot = max(now, self._next)
            self._next = slot + 1 / self.rate
            await trio.sleep_until(slot)
        else:
            await trio.lowlevel.checkpoint()
        self.attempts += 1
        return await self._dial(nursery, endpoint)


class FleetStation:
    """One station of a fleet: its configuration, and the task that runs it (Reset
    restarts included) and starts it again after a failure."""

    def __init__(
        self,
        index: int,
        config: StationConfig,
        runtime: Runtime,
        network: NetworkLink | None = None,
    ) -> None:
        """``index`` counts from 1 in start order; ``network`` is the link that
        ``runtime.dial`` goes through (None: the station's network cannot be cut)."""
        self.index = index
        self.config = config
        self.runtime = runtime
        self.network = network
        #: The running incarnation (None while starting, restarting or stopped).
        self.station: Station | None = None
        #: How many times it was built (1 + restarts after a Reset or a failure).
        self.incarnations = 0
        #: Why the last run failed (None when it did not).
        self.error: str | None = None
        self._state = "starting"
        self._changed = trio.Event()
        self._evse_ids = tuple(sorted(e.id for e in config.hardware.evse))
        self._building: trio.Semaphore | None = None

    # -- StationHandle -------------------------------------------------------------------

    @property
    def identity(self) -> str:
        """The station's OCPP identity."""
        return self.config.station.identity

    @property
    def evse_ids(self) -> Sequence[int]:
        """Its EVSE ids, ascending."""
        return self._evse_ids

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        """Run a control command of the current incarnation, or a network command
        (`station.fleet.handles`)."""
        if name == OUTAGE or name == RESTORE:
            return await self._network_command(name, args)
        station = self.station
        if station is None:
            raise StationDown(f"station {self.identity} is {self.state}")
        return await station.control_socket.call(name, dict(args))

    def summary(self) -> dict[str, Any]:
        """Identity, state, connection, the outage in force, and per EVSE its status and
        transaction."""
        station = self.station
        evses: list[dict[str, Any]] = []
        for evse_id in self._evse_ids:
            status = transaction = None
            if station is not None:
                status = station.availability.status(evse_id).value
                transaction = station.transactions.transaction_id(evse_id)
            evses.append({"id": evse_id, "status": status, "transaction_id": transaction})
        return {
            "identity": self.identity,
            "state": self.state,
            "connected": station is not None and station.client.connected,
            "outage": None if self.network is None else self.network.state(),
            "incarnations": self.incarnations,
            "error": self.error,
            "evses": evses,
        }

    async def _network_command(self, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        if self.network is None:
            raise KeyError(
                f"unknown command {name!r}: station {self.identity}'s network is not the fleet's"
            )
        known = {"duration_s", "cause"} if name == OUTAGE else set()
        extra = sorted(set(args) - known)
        if extra:
            raise ValueError(
                f"unknown argument {extra[0]!r}; expected {', '.join(sorted(known)) or 'none'}"
            )
        if name == RESTORE:
            self.network.restore()
            await trio.lowlevel.checkpoint()
            return {"outage": None}
        if "duration_s" not in args:
            raise ValueError("missing argument 'duration_s'")
        return {"outage": await self.network.cut(args["duration_s"], args.get("cause", "network"))}

    # -- state ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """starting, connecting, pending, accepted, rejected or stopped."""
        station = self.station
        if station is None:
            return self._state
        if not station.client.connected:
            return "connecting"
        boot = station.client.boot_state
        if boot is BootState.Unknown:
            return "connecting"
        return boot.value.lower()

    async def wait_accepted(self) -> None:
        """Return once the current incarnation's BootNotification was Accepted."""
        while True:
            station = self.station
            if station is not None and station.client.boot_state is BootState.Accepted:
                return
            async with trio.open_nursery() as nursery:
                # Whichever comes first: a new incarnation, or this one's boot state.
                nursery.start_soon(_then_cancel, self.wait_changed, nursery.cancel_scope)
                if station is not None:
                    client = station.client
                    nursery.start_soon(
                        _then_cancel,
                        partial(client.wait_until, partial(_accepted, client)),
                        nursery.cancel_scope,
                    )

    async def wait_changed(self) -> None:
        """Wait until an incarnation starts or ends."""
        await self._changed.wait()

    def _incarnation(self, station: Station | None) -> None:
        self.station = station
        if station is not None:
            self._release_build()
            self.incarnations += 1
        else:
            self._state = "starting"
        self._changed.set()
        self._changed = trio.Event()

    # -- running -------------------------------------------------------------------------

    async def run(self, stop: trio.Event, building: trio.Semaphore | None = None) -> None:
        """Run the station until ``stop`` is set; a failed run starts again after a
        back-off (doubling), as a service manager would restart `station run`.

        ``building`` bounds how many stations of a fleet are being built at once: this
        one holds it from the start of a build until its station exists (or failed).
        """
        backoff = FAILURE_BACKOFF
        # Every task and worker thread of this station logs with its identity.
        logs.CURRENT.set(self.identity)
        try:
            while not stop.is_set():
                self._state = "starting"
                if building is not None:
                    await building.acquire()
                    self._building = building
                    if stop.is_set():
                        break
                try:
                    await run_station(self.config, self.runtime, stop, on_station=self._incarnation)
                    return
                except Exception as exc:  # one station's failure never ends the fleet
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.exception(
                        "event=fleet_station_failed station=%s backoff_s=%g",
                        self.identity,
                        backoff,
                    )
                self._release_build()
                self._state = "stopped"
                with trio.move_on_after(backoff):
                    await stop.wait()
                backoff = min(backoff * 2, MAX_FAILURE_BACKOFF)
        finally:
            self._release_build()
            self.station = None
            self._state = "stopped"
            self._changed.set()

    def _release_build(self) -> None:
        if self._building is not None:
            self._building.release()
            self._building = None


@dataclass
class Fleet:
    """N stations in this process, started at once and connected through one ramp."""

    settings: FleetSettings
    #: How connections are opened (tests may pass an in-memory CSMS's dialer).
    dial: Dialer = dial_websocket
    #: Builds each station's `Runtime` from the shared parts (the bench and tests use
    #: it to change periods); the default is `fleet_runtime`.
    runtime_factory: Callable[[FleetSettings, int, Offload, Dialer], Runtime] | None = None
    _stations: dict[str, FleetStation] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        """Write and load every station's configuration (raises `FleetSettingsError`)."""
        threads = self.settings.worker_threads
        self.pool = trio.CapacityLimiter(threads) if threads else None
        self.dialer = RampedDialer(self.settings.ramp, self.dial)
        factory = self.runtime_factory or fleet_runtime
        configs = [station_config(self.settings, i) for i in range(1, self.settings.count + 1)]
        #: Identity and password of every station, for the CSMS's registration.
        self.credentials = write_credentials(self.settings, configs)
        for index, config in enumerate(configs, start=1):
            # Below the station's OCPP stack, its network: what an outage cuts.
            network = NetworkLink(self.dialer)
            runtime = factory(self.settings, index, FleetOffload(self.pool), network)
            self._stations[config.station.identity] = FleetStation(index, config, runtime, network)
        self.stop_signal = trio.Event()
        self._building = trio.Semaphore(self.settings.concurrent_builds)

    @property
    def stations(self) -> Mapping[str, FleetStation]:
        """Every station by identity, in start order."""
        return self._stations

    def counts(self) -> dict[str, int]:
        """How many stations are in each state."""
        counts: dict[str, int] = {}
        for station in self._stations.values():
            counts[station.state] = counts.get(station.state, 0) + 1
        return counts

    async def run(self, *, task_status: trio.TaskStatus[Fleet] = trio.TASK_STATUS_IGNORED) -> None:
        """Run every station until `stop` is called (or the task is cancelled). Stations
        are built a few at a time (building is local work; the ramp paces connections)."""
        async with trio.open_nursery() as nursery:
            for station in self._stations.values():
                nursery.start_soon(station.run, self.stop_signal, self._building)
            task_status.started(self)

    def stop(self) -> None:
        """Stop every station in order (contactors open, WebSockets closed with 1001)."""
        self.stop_signal.set()

    async def outage(self, duration_s: float, cause: str = "csms") -> int:
        """Cut every station off at once for ``duration_s`` seconds (by default as a CSMS
        outage: their connections drop and reconnection attempts are refused); returns how
        many were cut. `OutageError` for a bad duration or cause, and nothing is cut."""
        from station.fleet.outage import check_outage

        duration_s, cause = check_outage(duration_s, cause)
        stations = [s for s in self._stations.values() if s.network is not None]
        for station in stations:
            assert station.network is not None
            await station.network.cut(duration_s, cause)
        return len(stations)

    def restore(self) -> int:
        """End every station's outage now; returns how many had one."""
        return sum(
            1 for s in self._stations.values() if s.network is not None and s.network.restore()
        )

    async def wait_accepted(self) -> None:
        """Return once every station's BootNotification was Accepted."""
        for station in self._stations.values():
            await station.wait_accepted()


async def _then_cancel(wait: Callable[[], Awaitable[Any]], scope: trio.CancelScope) -> None:
    await wait()
    scope.cancel()


def _accepted(client: OcppClient) -> bool:
    return client.boot_state is BootState.Accepted


def fleet_runtime(settings: FleetSettings, index: int, offload: Offload, dial: Dialer) -> Runtime:
    """The `Runtime` of station ``index``: the fleet's offload and dialer, its own
    random stream (seeded from the fleet's seed when one is given), and the fleet's
    simulated-hardware periods and idle wait (`FLEET_SIM_IDLE_WAIT`)."""
    rng = random.Random(None if settings.seed is None else f"{settings.seed}/{index}")
    return Runtime(
        rng=rng,
        offload=offload,
        dial=dial,
        control_period=settings.control_period,
        meter_interval=settings.meter_interval,
        idle_meter_interval=FLEET_IDLE_METER_INTERVAL,
        card_interval=settings.card_interval,
        sim_idle_wait=FLEET_SIM_IDLE_WAIT,
        store_cache_kib=FLEET_STORE_CACHE_KIB,
        # A simulated station's commits need not wait for the disk: a killed fleet loses
        # nothing (WAL), only a power cut of the host could lose its last commits.
        store_durable=False,
    )
