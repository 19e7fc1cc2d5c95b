"""The composite schedule (K08) and the limit of each profile over time (K01)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from station.smartcharging.schedule import (
    CompositePeriod,
    Electrical,
    Kind,
    Period,
    Profile,
    Purpose,
    Situation,
    Unit,
    composite_schedule,
    evse_limit_at,
    limit_at,
    profile_limit_at,
    station_limit_at,
    station_schedule,
)

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
ONE_PHASE = Electrical(voltage=230.0, phases=1, max_current=32.0)
NO_TX = Situation(now=T0)


def absolute(
    id: int,
    periods: list[tuple[int, float]],
    *,
    purpose: Purpose = Purpose.TX_DEFAULT,
    stack: int = 0,
    start: datetime = T0,
    duration: int | None = None,
    unit: Unit = Unit.A,
    evse: int = 0,
    **extra,
) -> Profile:
    return Profile(
        id=id,
        stack_level=stack,
        purpose=purpose,
        kind=Kind.ABSOLUTE,
        unit=unit,
        periods=tuple(Period(s, limit) for s, limit in periods),
        evse_id=evse,
        start_schedule=start,
        duration=duration,
        **extra,
    )


def test_k01_fr_12_a_period_lasts_until_the_next_and_k01_fr_11_ends_with_the_duration():
    p = absolute(1, [(0, 10), (600, 16)], duration=1200)
    at = lambda s: profile_limit_at(p, T0 + timedelta(seconds=s), NO_TX, ONE_PHASE)  # noqa: E731
    assert at(-1) is None
    assert at(0).current == 10
    assert at(599).current == 10
    assert at(600).current == 16
    assert at(1199).current == 16
    assert at(1200) is None


def test_k01_fr_36_37_valid_from_inclusive_valid_to_exclusive():
    p = absolute(1, [(0, 10)], valid_from=T0 + timedelta(hours=1), valid_to=T0 + timedelta(hours=2))
    assert profile_limit_at(p, T0 + timedelta(minutes=59), NO_TX, ONE_PHASE) is None
    assert profile_limit_at(p, T0 + timedelta(hours=1), NO_TX, ONE_PHASE).current == 10
    assert profile_limit_at(p, T0 + timedelta(hours=2), NO_TX, ONE_PHASE) is None


def test_k01_fr_17_higher_stack_level_wins_and_the_lower_shows_through_after_it_ends():
    low = absolute(1, [(0, 20)], stack=0)
    high = absolute(2, [(0, 8)], stack=3, duration=600)
    schedule = composite_schedule([low, high], 1, T0, 1200, NO_TX, ONE_PHASE)
    assert schedule == [CompositePeriod(0, 8, 1), CompositePeriod(600, 20, 1)]


def test_tx_profile_overrules_tx_default_only_for_its_transaction():
    default = absolute(1, [(0, 20)], stack=5)
    tx = absolute(2, [(0, 12)], purpose=Purpose.TX, evse=1, transaction_id="tx-1")
    with_tx = Situation(transaction_id="tx-1", transaction_start=T0)
    other_tx = Situation(transaction_id="tx-2", transaction_start=T0)
    assert limit_at([default, tx], 1, T0, with_tx, ONE_PHASE).current == 12
    assert limit_at([default, tx], 1, T0, other_tx, ONE_PHASE).current == 20
    assert limit_at([default, tx], 2, T0, with_tx, ONE_PHASE).current == 20


def test_k01_fr_14_15_tx_default_of_evse_0_and_of_the_evse_compete_by_stack_level():
    station_wide = absolute(1, [(0, 20)], stack=1, evse=0)
    evse_2 = absolute(2, [(0, 10)], stack=2, evse=2)
    assert limit_at([station_wide, evse_2], 1, T0, NO_TX, ONE_PHASE).current == 20
    assert limit_at([station_wide, evse_2], 2, T0, NO_TX, ONE_PHASE).current == 10
    higher_station = absolute(3, [(0, 14)], stack=3, evse=0)
    assert limit_at([higher_station, evse_2], 2, T0, NO_TX, ONE_PHASE).current == 14


def test_k08_fr_04_the_composite_is_the_lowest_of_max_external_and_tx_and_the_evse_max():
    station_max = absolute(1, [(0, 16), (300, 40)], purpose=Purpose.STATION_MAX)
    external = absolute(2, [(0, 25), (600, 6)], purpose=Purpose.EXTERNAL, evse=1)
    default = absolute(3, [(0, 20)])
    schedule = composite_schedule([station_max, external, default], 1, T0, 900, NO_TX, ONE_PHASE)
    # 0–300 station max 16; 300–600 the default's 20; from 600 the external 6.
    assert schedule == [
        CompositePeriod(0, 16, 1),
        CompositePeriod(300, 20, 1),
        CompositePeriod(600, 6, 1),
    ]
    no_profiles = composite_schedule([], 1, T0, 900, NO_TX, ONE_PHASE)
    assert no_profiles == [CompositePeriod(0, 32, 1)], "the EVSE's maximum where none limits"


def test_k04_fr_05_station_level_limits_are_apart_from_the_evse_own_limit():
    station_max = absolute(1, [(0, 7360), (60, 4600)], purpose=Purpose.STATION_MAX, unit=Unit.W)
    station_external = absolute(
        -1, [(0, 24)], purpose=Purpose.EXTERNAL, evse=0, start=T0 + timedelta(seconds=30)
    )
    evse_external = absolute(-2, [(0, 18)], purpose=Purpose.EXTERNAL, evse=1)
    default = absolute(3, [(0, 20)], evse=0)  # applies to each EVSE on its own
    profiles = [station_max, station_external, evse_external, default]
    # The EVSE's own limit leaves the station's limits out (they are shared).
    assert evse_limit_at(profiles, 1, T0, NO_TX, ONE_PHASE).current == 18
    assert evse_limit_at(profiles, 2, T0, NO_TX, ONE_PHASE).current == 20
    # The station's: the lower of the maximum profile (W on one phase) and its own
    # external constraints, from their starts.
    at = lambda s: station_limit_at(profiles, T0 + timedelta(seconds=s), NO_TX, ONE_PHASE)  # noqa: E731
    assert at(0).current == 32
    assert at(30).current == 24
    assert at(60).current == 20
    assert station_limit_at([default, evse_external], T0, NO_TX, ONE_PHASE) is None
    assert station_schedule(profiles, T0, 120, NO_TX, ONE_PHASE) == [
        CompositePeriod(0, 32, 1),
        CompositePeriod(30, 24, 1),
        CompositePeriod(60, 20, 1),
    ]
    assert station_schedule([default], T0, 120, NO_TX, ONE_PHASE) == [
        CompositePeriod(0, float("inf"), 1)
    ]
    # The composite of an EVSE is capped by all of them (K08.FR.04).
    assert limit_at(profiles, 1, T0 + timedelta(seconds=60), NO_TX, ONE_PHASE).current == 18
    assert limit_at(profiles, 2, T0 + timedelta(seconds=30), NO_TX, ONE_PHASE).current == 20


def test_the_external_limits_of_the_station_and_of_the_evse_both_apply():
    """The station's (evseId 0: an overall limit for the whole station) is not a default
    that the EVSE's own overrules, whatever their order or ids."""
    station = absolute(-1, [(0, 10)], purpose=Purpose.EXTERNAL, evse=0)
    own = absolute(-2, [(0, 16)], purpose=Purpose.EXTERNAL, evse=1)
    assert limit_at([station, own], 1, T0, NO_TX, ONE_PHASE).current == 10
    assert limit_at([own, station], 1, T0, NO_TX, ONE_PHASE).current == 10
    lower_own = absolute(-2, [(0, 8)], purpose=Purpose.EXTERNAL, evse=1)
    assert limit_at([station, lower_own], 1, T0, NO_TX, ONE_PHASE).current == 8


def test_k01_fr_50_limits_in_watts_on_one_phase():
    p = absolute(1, [(0, 2300), (60, 7360)], unit=Unit.W)
    assert limit_at([p], 1, T0, NO_TX, ONE_PHASE).current == 10
    assert limit_at([p], 1, T0 + timedelta(seconds=60), NO_TX, ONE_PHASE).current == 32
    in_watts = composite_schedule([p], 1, T0, 120, NO_TX, ONE_PHASE, unit=Unit.W)
    assert in_watts == [CompositePeriod(0, 2300, 1), CompositePeriod(60, 7360, 1)]
    three = Electrical(voltage=230.0, phases=3, max_current=16.0)
    assert limit_at([p], 1, T0, NO_TX, three).current == 2300 / 690  # K01.FR.49: 3 phases


def test_relative_profile_starts_with_the_transaction_or_now_without_one():
    p = Profile(
        id=1,
        stack_level=0,
        purpose=Purpose.TX_DEFAULT,
        kind=Kind.RELATIVE,
        unit=Unit.A,
        periods=(Period(0, 6), Period(3600, 16)),
    )
    tx = Situation(transaction_id="t", transaction_start=T0 - timedelta(minutes=50))
    assert limit_at([p], 1, T0, tx, ONE_PHASE).current == 6
    assert limit_at([p], 1, T0 + timedelta(minutes=10), tx, ONE_PHASE).current == 16
    # K08.FR.06: without a transaction, as if one started at the request.
    assert composite_schedule([p], 1, T0, 7200, NO_TX, ONE_PHASE) == [
        CompositePeriod(0, 6, 1),
        CompositePeriod(3600, 16, 1),
    ]


def daily(start: datetime, periods: list[tuple[int, float]], duration: int | None = None):
    return Profile(
        id=7,
        stack_level=0,
        purpose=Purpose.TX_DEFAULT,
        kind=Kind.RECURRING,
        recurrency="Daily",
        unit=Unit.A,
        periods=tuple(Period(s, limit) for s, limit in periods),
        start_schedule=start,
        duration=duration,
    )


def test_recurring_daily_profile_across_midnight():
    # Every evening 22:00–06:00 (8 h): 16 A until midnight, then 32 A; outside: no limit
    # from it (the EVSE's max), here shown under a 10 A station-wide default.
    night = daily(datetime(2026, 12, 1, 22, tzinfo=UTC), [(0, 16), (7200, 32)], 8 * 3600)
    base = absolute(2, [(0, 10)], stack=0, start=datetime(2026, 1, 1, tzinfo=UTC))
    night = Profile(**{**_fields(night), "stack_level": 1})
    begin = datetime(2026, 12, 4, 21, tzinfo=UTC)
    schedule = composite_schedule([base, night], 1, begin, 12 * 3600, NO_TX, ONE_PHASE)
    assert schedule == [
        CompositePeriod(0, 10, 1),
        CompositePeriod(3600, 16, 1),  # 22:00
        CompositePeriod(3 * 3600, 32, 1),  # 00:00 the next day
        CompositePeriod(9 * 3600, 10, 1),  # 06:00: the night profile's duration is over
    ]


def _fields(p: Profile) -> dict:
    return {name: getattr(p, name) for name in p.__slots__}


def test_recurring_daily_profile_keeps_its_local_hour_across_a_dst_change():
    zone = ZoneInfo("Europe/Amsterdam")
    # 18:00 local on 28 March 2026 (CET, UTC+1); DST starts on 29 March (CEST, UTC+2).
    start = datetime(2026, 3, 28, 18, tzinfo=zone).astimezone(UTC)
    p = daily(start, [(0, 6)], duration=3600)
    situation = Situation(zone=zone, now=start)
    after = datetime(2026, 3, 29, 18, tzinfo=zone).astimezone(UTC)
    assert after - start == timedelta(hours=23)
    assert profile_limit_at(p, after, situation, ONE_PHASE).current == 6
    assert profile_limit_at(p, after - timedelta(seconds=1), situation, ONE_PHASE) is None
    assert profile_limit_at(p, after + timedelta(seconds=3599), situation, ONE_PHASE) is not None
    assert profile_limit_at(p, after + timedelta(seconds=3600), situation, ONE_PHASE) is None


def test_composite_of_duration_0_is_the_limit_in_force():
    p = absolute(1, [(0, 10), (60, 16)])
    assert composite_schedule([p], 1, T0 + timedelta(seconds=90), 0, NO_TX, ONE_PHASE) == [
        CompositePeriod(0, 16, 1)
    ]


# -- property: the composite equals the limit second by second ---------------------------

periods_strategy = st.lists(
    st.tuples(st.integers(1, 3000), st.integers(6, 40)), min_size=0, max_size=4
).map(lambda rest: sorted({s: limit for s, limit in rest}.items()))


@st.composite
def profiles(draw) -> list[Profile]:
    result = []
    for id in range(draw(st.integers(0, 5))):
        purpose = draw(st.sampled_from(list(Purpose)))
        kind = draw(st.sampled_from([Kind.ABSOLUTE, Kind.RECURRING, Kind.RELATIVE]))
        if purpose is Purpose.STATION_MAX and kind is Kind.RELATIVE:
            kind = Kind.ABSOLUTE  # K01.FR.38
        unit = draw(st.sampled_from(list(Unit)))
        scale = 230 if unit is Unit.W else 1  # the same currents, given in W on one phase
        first = draw(st.integers(6, 40))
        periods = tuple(Period(s, lim * scale) for s, lim in [(0, first), *draw(periods_strategy)])
        offset = timedelta(seconds=draw(st.integers(-90000, 3000)))
        valid_from = draw(st.none() | st.integers(-3000, 3000))
        valid_to = draw(st.none() | st.integers(0, 7200))
        result.append(
            Profile(
                id=id,
                stack_level=draw(st.integers(0, 3)) * 10 + id,  # K01.FR.06: no ties
                purpose=purpose,
                kind=kind,
                unit=unit,
                periods=periods,
                evse_id=1 if purpose is Purpose.TX else draw(st.sampled_from([0, 1, 2])),
                start_schedule=None if kind is Kind.RELATIVE else T0 + offset,
                duration=draw(st.none() | st.integers(1, 5000)),
                recurrency=draw(st.sampled_from(["Daily", "Weekly"]))
                if kind is Kind.RECURRING
                else None,
                valid_from=None if valid_from is None else T0 + timedelta(seconds=valid_from),
                valid_to=None if valid_to is None else T0 + timedelta(seconds=valid_to),
                transaction_id="tx" if purpose is Purpose.TX else None,
            )
        )
    return result


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    profiles=profiles(),
    with_tx=st.booleans(),
    tx_start=st.integers(-4000, 0),
    unit=st.sampled_from(list(Unit)),
)
def test_composite_schedule_equals_the_limit_second_by_second(profiles, with_tx, tx_start, unit):
    situation = (
        Situation(transaction_id="tx", transaction_start=T0 + timedelta(seconds=tx_start))
        if with_tx
        else NO_TX
    )
    duration = 7200
    schedule = composite_schedule(profiles, 1, T0, duration, situation, ONE_PHASE, unit=unit)
    assert schedule[0].start == 0
    assert all(a.start < b.start for a, b in itertools.pairwise(schedule))
    index = 0
    for second in range(0, duration, 7):
        while index + 1 < len(schedule) and schedule[index + 1].start <= second:
            index += 1
        expected = reference_limit(profiles, T0 + timedelta(seconds=second), situation)
        if unit is Unit.W:
            expected *= 230
        assert abs(schedule[index].limit - expected) <= 0.1 + 1e-9, (second, schedule)


def reference_limit(profiles: list[Profile], t: datetime, situation: Situation) -> float:
    """K08 by the letter, written apart from the module: per purpose the highest stack
    level with a limit (the external constraints of the station and of the EVSE apart);
    TxProfile before TxDefaultProfile; the lowest of all, at most 32."""

    def winner(candidates: list[Profile]) -> float | None:
        limited = [
            (p.stack_level, lim.current)
            for p in candidates
            if (lim := profile_limit_at(p, t, situation, ONE_PHASE)) is not None
        ]
        return max(limited)[1] if limited else None

    def of(purpose: Purpose, evse_ok) -> list[Profile]:
        return [p for p in profiles if p.purpose is purpose and evse_ok(p)]

    station_max = winner(of(Purpose.STATION_MAX, lambda p: True))
    # The external constraints of EVSE 0 are a limit of the whole station, not a default
    # that the EVSE's own overrules (SetChargingProfileRequest.evseId): both apply.
    station_external = winner(of(Purpose.EXTERNAL, lambda p: p.evse_id == 0))
    external = winner(of(Purpose.EXTERNAL, lambda p: p.evse_id == 1))
    tx = None
    if situation.transaction_id is not None:
        tx = winner(
            of(
                Purpose.TX,
                lambda p: p.evse_id == 1 and p.transaction_id == situation.transaction_id,
            )
        )
    if tx is None:
        tx = winner(of(Purpose.TX_DEFAULT, lambda p: p.evse_id in (0, 1)))
    limits = (32.0, station_max, station_external, external, tx)
    return min(x for x in limits if x is not None)
