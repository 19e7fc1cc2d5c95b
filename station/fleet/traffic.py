"""Automatic traffic for a fleet: a seeded generator of charging sessions.

A CSMS developer wants a day of realistic load without scripting it. `Traffic` plays
drivers and EVs at every EVSE of a sequence of stations, through nothing but the control
commands a person would type (`station.fleet.handles.StationHandle.command`: ``sim.ev``,
``sim.plug``, ``sim.tap``, ``sim.ev_state``, ``sim.unplug``, ``sim.fault``):

* drivers arrive at each EVSE as a Poisson process (``arrivals_per_hour``); one who finds
  the EVSE taken goes elsewhere (counted as turned away);
* each brings an EV of its own (battery, state of charge, maximum current, phases; a
  share arrive nearly full and stop early, which the station reports as SuspendedEV);
* most plug in and tap a card of the list (a share tap an unknown card, are refused and
  leave); a share plug in and wait for the CSMS to start the charge remotely
  (RequestStartTransaction), giving up and unplugging after a timeout;
* they stay for a dwell time drawn from a log-normal distribution (mean, spread), then
  stop with their card or simply unplug;
* faults (``sim.fault`` kinds) strike each EVSE at a chosen rate and are cleared after a
  while, as a technician would;
* network outages (``network.outage``) cut each station off at a chosen rate, and CSMS
  outages cut all the generator's stations at once, each for a log-normal duration; the
  stations ride them out on their own (offline queue, retries, reconnection).

A station that is down (restarting after a Reset, or failed) is tolerated: a command that
meets `StationDown` ends that session (counted), and the next driver at that EVSE first
takes away the EV the interrupted one left behind.

**Deterministic.** Every EVSE draws from its own `random.Random`, seeded from the seed,
the station's identity and the EVSE id (outages: from the station's identity; CSMS
outages: from the seed alone), and every session's plan is drawn before its
first command; on trio's MockClock the same seed gives every station the same commands
at the same instants. One card reader serves all EVSEs of a station, so a driver holds
the station's reader from plugging in until the charge started (or until leaving): a
tap then always reaches that driver's EV, as on a real station where people take turns.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import trio

from station.fleet.handles import OUTAGE, StationDown, StationHandle
from station.fleet.outage import MAX_OUTAGE_S

log = logging.getLogger(__name__)

#: Faults the generator may inject (``sim.fault`` kinds; "clear" undoes them).
FAULT_KINDS = ("rcd", "diode", "welded")
#: Batteries (kWh) the arriving EVs carry: small city car to large SUV.
CAPACITIES_KWH = (40.0, 58.0, 77.0, 100.0)
#: An EV's own maximum current (A) and phases: common on-board chargers.
ON_BOARD_CHARGERS = ((16.0, 1), (32.0, 1), (16.0, 3), (32.0, 3))


class TrafficError(ValueError):
    """Settings the generator cannot run with, or a start while it runs."""


def _number(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TrafficError(f"{name} must be a number, got {value!r}")
    if value < low or value > high or (low_open and value == low):
        bound = f"above {low:g}" if low_open else f"at least {low:g}"
        raise TrafficError(f"{name} must be {bound} and at most {high:g}, got {value:g}")
    return float(value)


def _share(name: str, value: Any) -> float:
    return _number(name, value, 0.0, 1.0)


def _uid(value: Any) -> str:
    if not isinstance(value, str):
        raise TrafficError(f"cards: a UID must be a string of hex digits, got {value!r}")
    uid = value.upper()
    if len(uid) not in (8, 14, 20) or any(c not in "0123456789ABCDEF" for c in uid):
        raise TrafficError(f"cards: {value!r} is not an ISO 14443 UID (4, 7 or 10 bytes in hex)")
    return uid


@dataclass(frozen=True)
class TrafficSettings:
    """What the generator does; every field is checked when the settings are made.

    Rates are per EVSE; shares are of the sessions (0-1); durations in seconds.
    """

    #: Same seed, same sessions (on the same stations, on MockClock the same instants).
    seed: int = 0
    #: Drivers arriving at each EVSE per hour (a Poisson process).
    arrivals_per_hour: float = 0.5
    #: How long a driver stays plugged in: mean and spread (standard deviation) of a
    #: log-normal distribution, at least a minute.
    dwell_mean_s: float = 2 * 3600.0
    dwell_spread_s: float = 3600.0
    #: The cards drivers tap (UIDs in hex); at least one unless every session is remote.
    cards: tuple[str, ...] = ("04A1B2C3",)
    #: Share of card sessions with a card the CSMS does not know (refused; the driver
    #: leaves after ``authorization_timeout_s``).
    unknown_card_share: float = 0.05
    #: Share of sessions started remotely: the driver plugs in and does not tap.
    remote_start_share: float = 0.1
    #: How long such a driver waits for the CSMS to start the charge before unplugging.
    remote_start_timeout_s: float = 120.0
    #: Share of sessions whose EV arrives nearly full and stops early (SuspendedEV).
    full_share: float = 0.1
    #: Share of card sessions the driver ends with the card before unplugging.
    card_stop_share: float = 0.5
    #: Faults per hour and EVSE, their kinds, and how long one lasts before it is cleared.
    faults_per_hour: float = 0.0
    fault_kinds: tuple[str, ...] = ("rcd",)
    fault_duration_s: float = 60.0
    #: Network outages per hour and station (its own connection), CSMS outages per hour
    #: (every station of the generator at once), and how long one lasts: mean and spread
    #: (standard deviation) of a log-normal distribution, at least a second.
    outages_per_hour: float = 0.0
    csms_outages_per_hour: float = 0.0
    outage_mean_s: float = 300.0
    outage_spread_s: float = 0.0
    #: How long a driver waits for the charge to start after tapping.
    authorization_timeout_s: float = 30.0
    #: How often a waiting driver looks whether the charge started.
    poll_interval_s: float = 2.0

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TrafficError(f"seed must be an integer, got {self.seed!r}")
        _number("arrivals_per_hour", self.arrivals_per_hour, 0.0, 3600.0, low_open=True)
        _number("dwell_mean_s", self.dwell_mean_s, 60.0, 7 * 86400.0)
        _number("dwell_spread_s", self.dwell_spread_s, 0.0, 7 * 86400.0)
        cards = self.cards
        if isinstance(cards, str) or not isinstance(cards, Sequence):
            raise TrafficError(f"cards must be a list of UIDs, got {cards!r}")
        object.__setattr__(self, "cards", tuple(_uid(uid) for uid in cards))
        for name in ("unknown_card_share", "remote_start_share", "full_share", "card_stop_share"):
            _share(name, getattr(self, name))
        if not self.cards and self.remote_start_share < 1.0:
            raise TrafficError("cards: at least one card is needed unless remote_start_share is 1")
        _number("remote_start_timeout_s", self.remote_start_timeout_s, 1.0, 86400.0)
        _number("faults_per_hour", self.faults_per_hour, 0.0, 3600.0)
        kinds = self.fault_kinds
        if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
            raise TrafficError(f"fault_kinds must be a non-empty list, got {kinds!r}")
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise TrafficError(f"fault_kinds: {kind!r} is not one of {', '.join(FAULT_KINDS)}")
        object.__setattr__(self, "fault_kinds", tuple(kinds))
        _number("fault_duration_s", self.fault_duration_s, 1.0, 86400.0)
        _number("outages_per_hour", self.outages_per_hour, 0.0, 3600.0)
        _number("csms_outages_per_hour", self.csms_outages_per_hour, 0.0, 3600.0)
        _number("outage_mean_s", self.outage_mean_s, 1.0, MAX_OUTAGE_S)
        _number("outage_spread_s", self.outage_spread_s, 0.0, MAX_OUTAGE_S)
        _number("authorization_timeout_s", self.authorization_timeout_s, 1.0, 3600.0)
        _number("poll_interval_s", self.poll_interval_s, 0.1, 60.0)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> TrafficSettings:
        """Settings from JSON-like values (the HTTP API's body); an unknown name is an error."""
        known = {f.name for f in fields(cls)}
        for name in values:
            if name not in known:
                raise TrafficError(f"unknown setting {name!r}; known: {', '.join(sorted(known))}")
        return cls(**dict(values))

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON-ready values."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass
class TrafficCounts:
    """What the generator did, for status."""

    arrivals: int = 0
    #: Drivers who found the EVSE taken (or its previous session still going).
    turned_away: int = 0
    #: Sessions in which an EV was plugged in.
    sessions_started: int = 0
    #: ... of which the charge started (by card or remotely), and those that ended with
    #: the driver unplugging as planned.
    charging: int = 0
    sessions_completed: int = 0
    card_sessions: int = 0
    unknown_card_sessions: int = 0
    #: Taps that did not lead to a charge within the authorization timeout.
    not_authorized: int = 0
    remote_waits: int = 0
    remote_started: int = 0
    remote_timeouts: int = 0
    #: Sessions whose EV arrived nearly full.
    full_sessions: int = 0
    stopped_by_card: int = 0
    faults: int = 0
    #: Network outages of one station, and CSMS outages (all stations at once).
    outages: int = 0
    csms_outages: int = 0
    #: Commands (and so sessions or faults) cut short because the station was down.
    station_down: int = 0
    #: Commands a station refused (``ValueError``/``KeyError``).
    errors: int = 0
    commands: int = 0


@dataclass(frozen=True)
class SessionPlan:
    """One driver's session, drawn before its first command."""

    remote: bool
    unknown_card: bool
    uid: str | None
    capacity_kwh: float
    max_current: float
    phases: int
    soc: float
    full: bool
    dwell_s: float
    stop_by_card: bool
    walk_s: float


class _Abort(Exception):
    """The session (or fault) cannot go on: its station is down or refused a command."""


@dataclass
class _StationState:
    reader: trio.Lock = field(default_factory=trio.Lock)
    cards_in_use: set[str] = field(default_factory=set)


def _rng(seed: int, identity: str, evse: int, stream: str) -> random.Random:
    # A string seed is hashed (SHA-512): the same on every run and every machine.
    return random.Random(f"{seed}/{identity}/{evse}/{stream}")


def dwell_time(rng: random.Random, mean: float, spread: float) -> float:
    """A log-normal dwell with the given mean and standard deviation (s), at least 60 s."""
    return lognormal(rng, mean, spread, 60.0)


def outage_duration(rng: random.Random, mean: float, spread: float) -> float:
    """A log-normal outage with the given mean and standard deviation (s), 1 s to a week."""
    return min(MAX_OUTAGE_S, lognormal(rng, mean, spread, 1.0))


def lognormal(rng: random.Random, mean: float, spread: float, floor: float) -> float:
    """A log-normal draw with the given mean and standard deviation, at least ``floor``
    (no draw at all when ``spread`` is 0: then always ``mean``)."""
    if spread <= 0:
        return max(floor, mean)
    sigma2 = math.log(1 + (spread / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2
    return max(floor, rng.lognormvariate(mu, math.sqrt(sigma2)))


class Traffic:
    """Sessions and faults at every EVSE of ``stations``, until cancelled."""

    def __init__(self, stations: Sequence[StationHandle], settings: TrafficSettings) -> None:
        self.stations = list(stations)
        self.settings = settings
        self.counts = TrafficCounts()
        self.last_error: str | None = None
        self._state = {s.identity: _StationState() for s in self.stations}
        #: EVSEs whose last session was cut short with an EV perhaps still plugged in.
        self._leftover: set[tuple[str, int]] = set()

    async def run(self) -> None:
        """Generate until cancelled."""
        async with trio.open_nursery() as nursery:
            for station in self.stations:
                for evse in station.evse_ids:
                    nursery.start_soon(self._arrivals, station, evse)
                    if self.settings.faults_per_hour > 0:
                        nursery.start_soon(self._faults, station, evse)
                if self.settings.outages_per_hour > 0:
                    nursery.start_soon(self._outages, station)
            if self.settings.csms_outages_per_hour > 0:
                nursery.start_soon(self._csms_outages)

    # -- sessions ------------------------------------------------------------------------

    def plan(self, rng: random.Random, station: StationHandle) -> SessionPlan:
        """Draw one session's plan (always the same number of draws, in the same order)."""
        s = self.settings
        remote = rng.random() < s.remote_start_share
        unknown = rng.random() < s.unknown_card_share
        full = rng.random() < s.full_share
        capacity = rng.choice(CAPACITIES_KWH)
        max_current, phases = rng.choice(ON_BOARD_CHARGERS)
        soc = rng.uniform(92.0, 99.0) if full else rng.uniform(10.0, 70.0)
        dwell = dwell_time(rng, s.dwell_mean_s, s.dwell_spread_s)
        stop_by_card = rng.random() < s.card_stop_share
        walk = rng.uniform(5.0, 30.0)
        pick = rng.random()
        unknown_uid = f"{rng.getrandbits(32):08X}"
        uid: str | None = None
        if not remote:
            if unknown:
                uid = unknown_uid if unknown_uid not in s.cards else None
            else:
                # A card not in use at this station: the same card twice would stop the
                # other session (C01: a second tap of a card ends its transaction).
                free = [c for c in s.cards if c not in self._state[station.identity].cards_in_use]
                uid = free[int(pick * len(free))] if free else None
            if uid is None:
                remote, unknown = True, False  # no card at hand: the driver uses the app
        return SessionPlan(
            remote=remote,
            unknown_card=unknown and not remote,
            uid=uid,
            capacity_kwh=capacity,
            max_current=max_current,
            phases=phases,
            soc=round(soc, 1),
            full=full,
            dwell_s=dwell,
            stop_by_card=stop_by_card and not remote,
            walk_s=walk,
        )

    async def _arrivals(self, station: StationHandle, evse: int) -> None:
        rng = _rng(self.settings.seed, station.identity, evse, "sessions")
        rate = self.settings.arrivals_per_hour / 3600.0
        arrival = trio.current_time() + rng.expovariate(rate)
        while True:
            await trio.sleep_until(arrival)
            self.counts.arrivals += 1
            await self._session(station, evse, self.plan(rng, station))
            arrival += rng.expovariate(rate)
            # Drivers who came while this one was here went elsewhere (Poisson arrivals).
            while arrival <= trio.current_time():
                self.counts.arrivals += 1
                self.counts.turned_away += 1
                arrival += rng.expovariate(rate)

    async def _session(self, station: StationHandle, evse: int, plan: SessionPlan) -> None:
        key = (station.identity, evse)
        state = self._state[station.identity]
        try:
            if key in self._leftover:
                await self._command(station, "sim.unplug", {"evse": evse})
                self._leftover.discard(key)
            await self._command(
                station,
                "sim.ev",
                {
                    "evse": evse,
                    "capacity_kwh": plan.capacity_kwh,
                    "max_current": plan.max_current,
                    "phases": plan.phases,
                    "soc": plan.soc,
                },
            )
            if plan.uid is not None:
                state.cards_in_use.add(plan.uid)
            try:
                await self._drive(station, evse, plan, state)
            finally:
                if plan.uid is not None:
                    state.cards_in_use.discard(plan.uid)
        except _Abort:
            self._leftover.add(key)

    async def _drive(
        self, station: StationHandle, evse: int, plan: SessionPlan, state: _StationState
    ) -> None:
        s = self.settings
        async with state.reader:
            # Plugged in and authorized while holding the reader: no other driver's tap
            # can reach this EV meanwhile.
            await self._command(station, "sim.plug", {"evse": evse})
            self.counts.sessions_started += 1
            self.counts.full_sessions += plan.full
            if plan.remote:
                self.counts.remote_waits += 1
                await self._command(station, "sim.ev_state", {"evse": evse, "state": "C"})
                started = await self._wait_charging(station, evse, s.remote_start_timeout_s)
                if started:
                    self.counts.remote_started += 1
                else:
                    self.counts.remote_timeouts += 1
            else:
                assert plan.uid is not None
                self.counts.card_sessions += 1
                self.counts.unknown_card_sessions += plan.unknown_card
                await trio.sleep(plan.walk_s)
                await self._command(station, "sim.tap", {"uid": plan.uid})
                await self._command(station, "sim.ev_state", {"evse": evse, "state": "C"})
                started = await self._wait_charging(station, evse, s.authorization_timeout_s)
                if not started:
                    self.counts.not_authorized += 1
            if not started:
                await self._command(station, "sim.unplug", {"evse": evse})
                return
        self.counts.charging += 1
        await trio.sleep(plan.dwell_s)
        if plan.stop_by_card:
            assert plan.uid is not None
            # Between this tap and the unplugging the EV is plugged in without an
            # authorization: another driver's tap would reach it, so hold the reader.
            async with state.reader:
                await self._command(station, "sim.tap", {"uid": plan.uid})
                self.counts.stopped_by_card += 1
                await trio.sleep(plan.walk_s)
                await self._command(station, "sim.unplug", {"evse": evse})
        else:
            await self._command(station, "sim.unplug", {"evse": evse})
        self.counts.sessions_completed += 1

    async def _wait_charging(self, station: StationHandle, evse: int, timeout: float) -> bool:
        """True once the station shows the EVSE's contactor closed (the charge started)."""
        deadline = trio.current_time() + timeout
        while True:
            status = await self._command(station, "status", {})
            try:
                if status["evses"][str(evse)]["relay"] == "closed":
                    return True
            except (KeyError, TypeError):
                self._refused(station, "status", f"no EVSE {evse} in the station's status")
                raise _Abort from None
            if trio.current_time() >= deadline:
                return False
            await trio.sleep(min(self.settings.poll_interval_s, deadline - trio.current_time()))

    # -- faults --------------------------------------------------------------------------

    async def _faults(self, station: StationHandle, evse: int) -> None:
        s = self.settings
        rng = _rng(s.seed, station.identity, evse, "faults")
        rate = s.faults_per_hour / 3600.0
        while True:
            await trio.sleep(rng.expovariate(rate))
            kind = rng.choice(s.fault_kinds)
            try:
                await self._command(station, "sim.fault", {"evse": evse, "kind": kind})
                self.counts.faults += 1
                await trio.sleep(s.fault_duration_s)
                await self._command(station, "sim.fault", {"evse": evse, "kind": "clear"})
                if kind == "welded":
                    # A welded contactor latches; a technician clears it after inspection.
                    await self._command(station, "evse.clear_fault", {"evse": evse})
            except _Abort:
                continue

    # -- outages -------------------------------------------------------------------------

    async def _outages(self, station: StationHandle) -> None:
        """Outages of one station's network: starts a Poisson process while it is up."""
        s = self.settings
        rng = _rng(s.seed, station.identity, 0, "outages")
        rate = s.outages_per_hour / 3600.0
        while True:
            await trio.sleep(rng.expovariate(rate))
            duration = outage_duration(rng, s.outage_mean_s, s.outage_spread_s)
            try:
                await self._command(station, OUTAGE, {"duration_s": duration, "cause": "network"})
                self.counts.outages += 1
            except _Abort:
                pass
            await trio.sleep(duration)

    async def _csms_outages(self) -> None:
        """Outages of the CSMS: every station of the generator cut at the same instant."""
        s = self.settings
        rng = random.Random(f"{s.seed}/csms/outages")
        rate = s.csms_outages_per_hour / 3600.0
        while True:
            await trio.sleep(rng.expovariate(rate))
            duration = outage_duration(rng, s.outage_mean_s, s.outage_spread_s)
            self.counts.csms_outages += 1
            log.info("event=traffic_csms_outage duration_s=%.1f", duration)
            for station in self.stations:
                with contextlib.suppress(_Abort):
                    await self._command(station, OUTAGE, {"duration_s": duration, "cause": "csms"})
            await trio.sleep(duration)

    # -- commands ------------------------------------------------------------------------

    async def _command(self, station: StationHandle, name: str, args: dict[str, Any]) -> Any:
        self.counts.commands += 1
        try:
            return await station.command(name, args)
        except StationDown:
            self.counts.station_down += 1
            log.info("event=traffic_station_down station=%s command=%s", station.identity, name)
            raise _Abort from None
        except (KeyError, ValueError) as exc:
            self._refused(station, name, str(exc))
            raise _Abort from None

    def _refused(self, station: StationHandle, name: str, reason: str) -> None:
        self.counts.errors += 1
        self.last_error = f"{station.identity} {name}: {reason}"
        log.warning(
            "event=traffic_command_refused station=%s command=%s reason=%r",
            station.identity,
            name,
            reason,
        )


class TrafficController:
    """Starts and stops one `Traffic` in ``nursery`` and reports on it (the HTTP API's
    and the command line's handle on the generator)."""

    def __init__(
        self,
        stations: Sequence[StationHandle] | Callable[[], Sequence[StationHandle]],
        nursery: trio.Nursery,
    ) -> None:
        self._stations = stations
        self._nursery = nursery
        self._traffic: Traffic | None = None
        self._scope: trio.CancelScope | None = None
        self._started_at: float | None = None
        self._stopped_at: float | None = None

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._scope is not None

    def start(self, settings: TrafficSettings | Mapping[str, Any]) -> None:
        """Start generating with ``settings`` (or their JSON form, as the HTTP API's
        body); `TrafficError` for a bad setting or if it already runs."""
        if self._scope is not None:
            raise TrafficError("the session generator is already running; stop it first")
        if not isinstance(settings, TrafficSettings):
            settings = TrafficSettings.from_mapping(settings)
        stations = self._stations() if callable(self._stations) else self._stations
        traffic = Traffic(stations, settings)
        scope = trio.CancelScope()
        self._traffic, self._scope = traffic, scope
        self._started_at, self._stopped_at = trio.current_time(), None

        async def run() -> None:
            with scope:
                await traffic.run()

        self._nursery.start_soon(run, name="fleet.traffic")
        log.info(
            "event=traffic_started stations=%s seed=%s arrivals_per_hour=%s",
            len(traffic.stations),
            settings.seed,
            settings.arrivals_per_hour,
        )

    def stop(self) -> None:
        """Stop generating (EVs plugged in stay as they are); nothing if not running."""
        if self._scope is None:
            return
        self._scope.cancel()
        self._scope = None
        self._stopped_at = trio.current_time()
        log.info("event=traffic_stopped")

    def status(self) -> dict[str, Any]:
        """JSON-ready: running, settings, seconds run, counts and the last refusal."""
        traffic = self._traffic
        if traffic is None:
            return {
                "running": False,
                "settings": None,
                "stations": 0,
                "elapsed_s": 0.0,
                "counts": None,
                "last_error": None,
            }
        assert self._started_at is not None
        end = self._stopped_at if self._stopped_at is not None else trio.current_time()
        return {
            "running": self.running,
            "settings": traffic.settings.to_json(),
            "stations": len(traffic.stations),
            "elapsed_s": round(end - self._started_at, 1),
            "counts": asdict(traffic.counts),
            "last_error": traffic.last_error,
        }
