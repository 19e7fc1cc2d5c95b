"""The session generator: seeded, at the configured rates, tolerant of stations that are
down, and able to drive a real station through a charge."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from typing import Any

import pytest
import trio

from station.fleet.handles import StationDown
from station.fleet.traffic import (
    Traffic,
    TrafficController,
    TrafficError,
    TrafficSettings,
    dwell_time,
    outage_duration,
)
from tests.conftest import booted, make_config, running_station

KNOWN = ("04A1B2C3", "04A1B2C4", "04A1B2C5")
HOUR = 3600.0


class FakeStation:
    """A station handle that records every command and behaves like a station enough for
    the generator: a known card or a remote start (after ``remote_after`` s, or never)
    closes the contactor of the EV in C; ``down`` is a (from, to) window of StationDown."""

    def __init__(
        self,
        identity: str,
        evse_ids=(1, 2),
        *,
        remote_after: float | None = 10.0,
        down: tuple[float, float] | None = None,
    ) -> None:
        self.identity = identity
        self.evse_ids = list(evse_ids)
        self.log: list[tuple[float, str, str]] = []
        self.remote_after = remote_after
        self.down = down
        self.plugged: dict[int, float | None] = dict.fromkeys(self.evse_ids)
        #: The card that authorized each EVSE (False: none).
        self.authorized: dict[int, str | bool] = dict.fromkeys(self.evse_ids, False)
        self.ev_state: dict[int, str] = dict.fromkeys(self.evse_ids, "A")
        self.tapped: dict[int, bool] = dict.fromkeys(self.evse_ids, False)
        self.t0 = trio.current_time()
        self.last_plugged: int | None = None
        #: Taps that reached another EV than the one plugged in last.
        self.misrouted = 0

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        now = trio.current_time() - self.t0
        if self.down is not None and self.down[0] <= now < self.down[1]:
            raise StationDown(self.identity)
        self.log.append((round(now, 6), name, json.dumps(args, sort_keys=True)))
        evse = args.get("evse")
        if name == "sim.plug":
            self.plugged[evse], self.tapped[evse], self.last_plugged = now, False, evse
            self.ev_state[evse] = "B"
        elif name == "sim.unplug":
            self.plugged[evse], self.authorized[evse], self.ev_state[evse] = None, False, "A"
        elif name == "sim.ev_state":
            self.ev_state[evse] = args["state"]
        elif name == "sim.tap":
            uid = args["uid"]
            mine = [e for e in self.evse_ids if self.authorized[e] == uid]
            waiting = [
                e
                for e in self.evse_ids
                if self.plugged[e] is not None
                and not self.authorized[e]
                and self._relay(e, now) == "open"  # not started remotely either
            ]
            if mine:  # C01: the card that started a session ends it
                self.authorized[mine[0]] = False
            elif waiting:
                # The driver who tapped is the one who plugged in last.
                self.misrouted += waiting[0] != self.last_plugged
                self.tapped[waiting[0]] = True  # the CSMS starts no remote session then
                if uid in KNOWN:
                    self.authorized[waiting[0]] = uid
        elif name == "status":
            relays = {str(e): {"relay": self._relay(e, now)} for e in self.evse_ids}
            return {"evses": relays}
        elif name not in ("sim.ev", "sim.fault", "evse.clear_fault", "network.outage"):
            raise KeyError(name)
        return None

    def _relay(self, evse: int, now: float) -> str:
        plugged_at = self.plugged[evse]
        remote = (
            plugged_at is not None
            and not self.tapped[evse]
            and self.remote_after is not None
            and now - plugged_at >= self.remote_after
        )
        charging = self.ev_state[evse] == "C" and (bool(self.authorized[evse]) or remote)
        return "closed" if charging else "open"

    def summary(self) -> dict[str, Any]:
        return {"identity": self.identity}


async def run_for(traffic: Traffic, seconds: float) -> None:
    with trio.move_on_after(seconds):
        await traffic.run()


def fleet(count: int, **options) -> list[FakeStation]:
    return [FakeStation(f"CS-{n:03d}", **options) for n in range(count)]


SETTINGS = TrafficSettings(
    seed=7,
    arrivals_per_hour=1.0,
    dwell_mean_s=1800,
    dwell_spread_s=600,
    cards=KNOWN,
    unknown_card_share=0.1,
    remote_start_share=0.2,
    full_share=0.1,
    faults_per_hour=0.1,
    fault_kinds=("rcd", "welded"),
)


async def test_the_same_seed_gives_the_same_commands_at_the_same_instants(autojump_clock):
    # Each run starts at another instant of the clock; the fakes log times from their start.
    first = fleet(3)
    await run_for(Traffic(first, SETTINGS), 24 * HOUR)
    second = fleet(3)
    await run_for(Traffic(second, SETTINGS), 24 * HOUR)
    other = fleet(3)
    await run_for(Traffic(other, TrafficSettings(**{**SETTINGS.__dict__, "seed": 8})), 24 * HOUR)
    assert [s.log for s in first] == [s.log for s in second]
    assert sum(len(s.log) for s in first) > 100
    assert [s.log for s in first] != [s.log for s in other]
    # Stations differ from each other too (their identities seed their streams).
    assert first[0].log != first[1].log


async def test_rates_and_shares_over_a_long_virtual_period(autojump_clock):
    stations = fleet(10)
    traffic = Traffic(stations, SETTINGS)
    hours = 200.0
    await run_for(traffic, hours * HOUR)
    c = traffic.counts
    evse_hours = 10 * 2 * hours
    # Poisson arrivals: 4000 expected, within 4 standard deviations.
    expected = SETTINGS.arrivals_per_hour * evse_hours
    assert abs(c.arrivals - expected) < 4 * math.sqrt(expected), c
    # A driver finds the EVSE busy about as often as it is busy (~1/(1 + 1/(λ·stay))).
    assert 0.2 < c.turned_away / c.arrivals < 0.45, c
    sessions = c.sessions_started
    # Every driver who stayed plugged in (but those still at the reader at the end).
    assert 0 <= c.arrivals - c.turned_away - sessions <= 20, c
    assert abs(c.remote_waits / sessions - 0.2) < 0.04, c
    assert abs(c.full_sessions / sessions - 0.1) < 0.03, c
    assert abs(c.unknown_card_sessions / c.card_sessions - 0.1) < 0.03, c
    # Unknown cards are refused, known ones start; remote starts all come (after 10 s).
    assert c.not_authorized == c.unknown_card_sessions
    assert c.remote_started == c.remote_waits and c.remote_timeouts == 0
    assert c.charging == c.remote_started + c.card_sessions - c.not_authorized
    assert c.stopped_by_card > 0.3 * (c.card_sessions - c.not_authorized)
    # Faults at 0.1 per hour and EVSE (less the time a fault lasts).
    assert abs(c.faults - 0.1 * evse_hours) < 4 * math.sqrt(0.1 * evse_hours), c
    assert c.station_down == 0 and c.errors == 0
    # Every welded fault was cleared by the operator as well.
    clears = sum(1 for s in stations for _, name, _ in s.log if name == "evse.clear_fault")
    welded = sum(1 for s in stations for _, _, a in s.log if '"kind": "welded"' in a)
    assert clears == welded > 0


async def test_one_card_reader_serves_one_driver_at_a_time(autojump_clock):
    # Two EVSEs, one reader: a tap always reaches the EV of the driver who tapped, so no
    # session starts on another's card, and no card is used twice at once.
    stations = fleet(4)
    busy = TrafficSettings(
        **{**SETTINGS.__dict__, "arrivals_per_hour": 3.0, "unknown_card_share": 0.0}
    )
    traffic = Traffic(stations, busy)
    await run_for(traffic, 100 * HOUR)
    assert traffic.counts.card_sessions > 500
    assert sum(s.misrouted for s in stations) == 0
    assert traffic.counts.not_authorized == 0  # no card stopped another driver's session


async def test_a_remote_start_that_never_comes_makes_the_driver_leave(autojump_clock):
    stations = fleet(2, remote_after=None)
    settings = TrafficSettings(
        seed=1, arrivals_per_hour=2, remote_start_share=1.0, cards=(), remote_start_timeout_s=90
    )
    traffic = Traffic(stations, settings)
    await run_for(traffic, 20 * HOUR)
    c = traffic.counts
    assert c.remote_waits > 20 and c.remote_timeouts == c.remote_waits
    assert c.charging == 0 and c.card_sessions == 0
    # Each waiting driver unplugged after the timeout.
    for station in stations:
        plugs = [t for t, name, _ in station.log if name == "sim.plug"]
        unplugs = [t for t, name, _ in station.log if name == "sim.unplug"]
        for plugged, unplugged in zip(plugs, unplugs, strict=False):
            assert 90 <= unplugged - plugged <= 90 + settings.poll_interval_s


async def test_a_station_that_is_down_is_skipped_counted_and_tidied_up_after(autojump_clock):
    down = FakeStation("CS-DOWN", down=(5 * HOUR, 9 * HOUR))
    up = FakeStation("CS-UP")
    traffic = Traffic([down, up], SETTINGS)
    await run_for(traffic, 30 * HOUR)
    c = traffic.counts
    assert c.station_down > 0 and c.errors == 0
    assert not [t for t, *_ in down.log if 5 * HOUR <= t < 9 * HOUR]
    assert [t for t, *_ in down.log if t >= 9 * HOUR], "the station is used again once up"
    # The station that stayed up saw no gap.
    assert [t for t, *_ in up.log if 5 * HOUR <= t < 9 * HOUR]
    # A session cut short leaves its EV; the next driver there first takes it away.
    after = [(name, json.loads(a)) for t, name, a in down.log if t >= 9 * HOUR]
    first_per_evse: dict[int, str] = {}
    for name, args in after:
        if "evse" in args and args["evse"] not in first_per_evse and name != "sim.fault":
            first_per_evse[args["evse"]] = name
    assert "sim.unplug" in first_per_evse.values()


async def test_a_refused_command_is_counted_with_its_reason(autojump_clock):
    class Refusing(FakeStation):
        async def command(self, name: str, args: Mapping[str, Any]) -> Any:
            if name == "sim.ev":
                raise ValueError("this station has no simulated hardware")
            return await super().command(name, args)

    traffic = Traffic([Refusing("CS-REAL")], SETTINGS)
    await run_for(traffic, 10 * HOUR)
    assert traffic.counts.errors > 0 and traffic.counts.sessions_started == 0
    assert traffic.last_error == "CS-REAL sim.ev: this station has no simulated hardware"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"arrivals_per_hour": 0}, "arrivals_per_hour must be above 0 and at most 3600, got 0"),
        ({"arrivals_per_hour": "often"}, "arrivals_per_hour must be a number, got 'often'"),
        ({"dwell_mean_s": 10}, "dwell_mean_s must be at least 60"),
        ({"remote_start_share": 1.5}, "remote_start_share must be at least 0 and at most 1"),
        ({"unknown_card_share": -0.1}, "unknown_card_share must be at least 0"),
        ({"cards": ["04A1B2C3", "xyz"]}, "cards: 'xyz' is not an ISO 14443 UID"),
        ({"cards": "04A1B2C3"}, "cards must be a list of UIDs"),
        ({"cards": []}, "at least one card is needed unless remote_start_share is 1"),
        ({"fault_kinds": ["fire"]}, "fault_kinds: 'fire' is not one of rcd, diode, welded"),
        ({"fault_kinds": []}, "fault_kinds must be a non-empty list"),
        ({"seed": 1.5}, "seed must be an integer, got 1.5"),
        ({"arrival_rate": 2}, "unknown setting 'arrival_rate'"),
        ({"outages_per_hour": -1}, "outages_per_hour must be at least 0 and at most 3600, got -1"),
        ({"csms_outages_per_hour": "x"}, "csms_outages_per_hour must be a number, got 'x'"),
        ({"outage_mean_s": 0}, "outage_mean_s must be at least 1 and at most 604800, got 0"),
        ({"outage_spread_s": -5}, "outage_spread_s must be at least 0 and at most 604800"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(values, message):
    with pytest.raises(TrafficError, match=message):
        TrafficSettings.from_mapping(values)


def test_settings_from_json_values_round_trip():
    settings = TrafficSettings.from_mapping({"cards": ["04a1b2c3"], "seed": 3})
    assert settings.cards == ("04A1B2C3",)
    assert TrafficSettings.from_mapping(settings.to_json()) == settings


def test_the_dwell_time_has_the_configured_mean_and_spread():
    import random
    import statistics

    rng = random.Random(1)
    samples = [dwell_time(rng, 3600, 1200) for _ in range(20000)]
    assert statistics.fmean(samples) == pytest.approx(3600, rel=0.03)
    assert statistics.stdev(samples) == pytest.approx(1200, rel=0.05)
    assert dwell_time(rng, 600, 0) == 600 and min(samples) >= 60


def outages(station: FakeStation) -> list[tuple[float, dict[str, Any]]]:
    return [(t, json.loads(args)) for t, name, args in station.log if name == "network.outage"]


OUTAGES = TrafficSettings(
    seed=11,
    arrivals_per_hour=0.5,
    cards=KNOWN,
    outages_per_hour=0.5,
    csms_outages_per_hour=0.1,
    outage_mean_s=600,
    outage_spread_s=300,
)


async def test_the_same_seed_gives_the_same_outage_schedule(autojump_clock):
    runs = []
    for settings in (OUTAGES, OUTAGES, TrafficSettings(**{**OUTAGES.__dict__, "seed": 12})):
        stations = fleet(3)
        traffic = Traffic(stations, settings)
        await run_for(traffic, 48 * HOUR)
        runs.append(([outages(s) for s in stations], traffic.counts))
    (first, counts), (second, _), (other, _) = runs
    assert first == second
    assert first != other
    assert counts.outages > 0 and counts.csms_outages > 0
    # Each station's own outages, and the CSMS's on every station at the same instant.
    own = [[(t, a) for t, a in station if a["cause"] == "network"] for station in first]
    csms = [[(t, a) for t, a in station if a["cause"] == "csms"] for station in first]
    assert sum(len(o) for o in own) == counts.outages
    assert csms[0] == csms[1] == csms[2] and len(csms[0]) == counts.csms_outages
    assert own[0] != own[1]
    for schedule in own:
        # A station's next outage starts after its previous one ended.
        for (start, args), (next_start, _) in itertools.pairwise(schedule):
            assert next_start >= start + args["duration_s"]
        assert all(1 <= a["duration_s"] <= 7 * 86400 for _, a in schedule)


async def test_outages_come_at_the_configured_rate(autojump_clock):
    stations = fleet(4, evse_ids=(1,))
    settings = TrafficSettings(
        seed=5, arrivals_per_hour=0.1, cards=KNOWN, outages_per_hour=1.0, outage_mean_s=60
    )
    traffic = Traffic(stations, settings)
    await run_for(traffic, 200 * HOUR)
    # A Poisson process of 1 an hour while up (up 59/60 of the time), 4 stations × 200 h.
    expected = 4 * 200 * (1 / (1 + 60 / 3600))
    assert traffic.counts.outages == pytest.approx(expected, rel=0.12)
    assert traffic.counts.csms_outages == 0
    assert {a["duration_s"] for s in stations for _, a in outages(s)} == {60.0}


def test_the_outage_duration_has_the_configured_mean_and_spread():
    import random
    import statistics

    rng = random.Random(2)
    samples = [outage_duration(rng, 300, 150) for _ in range(20000)]
    assert statistics.fmean(samples) == pytest.approx(300, rel=0.03)
    assert statistics.stdev(samples) == pytest.approx(150, rel=0.05)
    assert min(samples) >= 1 and outage_duration(rng, 30, 0) == 30


async def test_the_controller_starts_reports_and_stops(autojump_clock):
    stations = fleet(2)
    async with trio.open_nursery() as nursery:
        controller = TrafficController(stations, nursery)
        assert controller.status() == {
            "running": False,
            "settings": None,
            "stations": 0,
            "elapsed_s": 0.0,
            "counts": None,
            "last_error": None,
        }
        controller.start(SETTINGS)
        with pytest.raises(TrafficError, match="already running"):
            controller.start(SETTINGS)
        await trio.sleep(10 * HOUR)
        status = controller.status()
        assert status["running"] is True and status["elapsed_s"] == 10 * HOUR
        assert status["settings"]["seed"] == 7 and status["stations"] == 2
        assert status["counts"]["sessions_started"] > 0
        controller.stop()
        commands = sum(len(s.log) for s in stations)
        await trio.sleep(10 * HOUR)
        assert sum(len(s.log) for s in stations) == commands  # nothing after the stop
        stopped = controller.status()
        assert stopped["running"] is False and stopped["elapsed_s"] == 10 * HOUR
        controller.start(TrafficSettings(seed=2))  # a new run after a stop
        assert controller.status()["counts"]["arrivals"] == 0
        controller.stop()


class InProcessHandle:
    """A StationHandle on a station of the test harness: its control socket, in process."""

    def __init__(self, env) -> None:
        self.env = env
        self.identity = env.station.config.station.identity
        self.evse_ids = sorted(env.station.evses)

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        line = json.dumps({"command": name, "args": dict(args)}).encode()
        answer = await self.env.station.control_socket.handle(line)
        if not answer["ok"]:
            raise ValueError(answer["error"])
        return answer["result"]

    def summary(self) -> dict[str, Any]:
        return {"identity": self.identity}


async def test_a_generated_session_charges_a_real_station(tmp_path, autojump_clock):
    config = make_config(tmp_path / "data")
    settings = TrafficSettings(
        seed=3,
        arrivals_per_hour=4,
        dwell_mean_s=900,
        dwell_spread_s=0,
        cards=("04A1B2C3",),
        unknown_card_share=0,
        remote_start_share=0,
        full_share=0,
        card_stop_share=1.0,
    )
    async with running_station(config) as env:
        await booted(env)
        traffic = Traffic([InProcessHandle(env)], settings)
        with trio.move_on_after(3 * HOUR):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(traffic.run)
                await env.csms.wait(
                    lambda: any(
                        r.payload["eventType"] == "Ended" for r in env.csms.of("TransactionEvent")
                    ),
                    timeout=3 * HOUR,
                )
                nursery.cancel_scope.cancel()
    events = [r.payload for r in env.csms.of("TransactionEvent")]
    assert traffic.counts.charging >= 1 and traffic.counts.errors == 0
    started = next(e for e in events if e["eventType"] == "Started")
    ended = next(e for e in events if e["eventType"] == "Ended")
    assert ended["transactionInfo"]["transactionId"] == started["transactionInfo"]["transactionId"]
    assert any(e["transactionInfo"].get("chargingState") == "Charging" for e in events)
    assert ended["transactionInfo"]["stoppedReason"] == "Local"  # the driver's card
    assert any(e.get("idToken", {}).get("idToken") == "04A1B2C3" for e in events)
