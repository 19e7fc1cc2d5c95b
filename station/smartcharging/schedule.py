"""Charging profiles over time: the limit each profile sets, and the composite schedule (K08).

Pure functions of the installed profiles, the transaction and the time; nothing here does
I/O, so that the control side, the GetCompositeSchedule handler and the tests compute the
same thing. The rules, from Part 2 block K:

* a profile is valid from ``valid_from`` (inclusive) to ``valid_to`` (exclusive)
  (K01.FR.10, .36, .37);
* a schedule starts at ``start_schedule`` (Absolute), at that time plus whole days or weeks
  (Recurring, on the station's wall clock, so a daily profile keeps its local hour across a
  DST change), or at the transaction's start (Relative; K01.FR.41/42). Without a
  transaction a Relative profile starts now (K08.FR.06: as if a transaction were ongoing);
* a period lasts until the next one starts or the schedule's ``duration`` ends
  (K01.FR.11/12); a Recurring schedule repeats only within its recurrence interval;
* within one purpose the valid profile with the highest stack level that has a period at
  that moment sets the limit (K01.FR.17); a lower one shows through where the higher has
  none;
* a TxProfile of the EVSE's transaction overrules the TxDefaultProfiles; the
  TxDefaultProfiles of EVSE 0 and of the EVSE compete by stack level (K01.FR.14/15: the
  same stack level cannot be on both);
* the EVSE's composite limit is the lowest of the ChargingStationMaxProfile, the external
  constraints and the transaction's profile (K08.FR.04), and never above the EVSE's own
  maximum, which is also what is reported where no profile limits;
* the ChargingStationMaxProfile and the external constraints of EVSE 0 limit the station
  as a whole, the EVSEs together (K04.FR.05): `station_limit_at` gives that limit apart
  from each EVSE's own (`evse_limit_at`), so that the EVSEs can share it.

Limits are compared in amperes per phase (K01.FR.51); a limit in W is converted with the
nominal voltage and the number of phases (K01.FR.50; 3 phases when the period does not say,
K01.FR.49, but never more than the EVSE has).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class Purpose(StrEnum):
    """ChargingProfilePurposeEnumType."""

    STATION_MAX = "ChargingStationMaxProfile"
    EXTERNAL = "ChargingStationExternalConstraints"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class Kind(StrEnum):
    """ChargingProfileKindEnumType."""

    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Unit(StrEnum):
    """ChargingRateUnitEnumType."""

    A = "A"
    W = "W"


@dataclass(frozen=True, slots=True)
class Period:
    """One ChargingSchedulePeriod: from ``start`` seconds after the schedule's start."""

    start: int
    limit: float
    phases: int | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """An installed charging profile with the one schedule a non-ISO 15118 station takes
    (K01.FR.34). ``evse_id`` 0 is the station."""

    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    unit: Unit
    periods: tuple[Period, ...]
    evse_id: int = 0
    start_schedule: datetime | None = None
    duration: int | None = None
    recurrency: str | None = None  # "Daily" or "Weekly"
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    transaction_id: str | None = None
    min_rate: float | None = None
    #: phaseToUse of each period as given (checked against the EVSE, K01.FR.48).
    raw_phase_to_use: tuple[int | None, ...] = ()

    def valid_at(self, t: datetime) -> bool:
        """K01.FR.36/37: validFrom ≤ t < validTo."""
        if self.valid_from is not None and t < self.valid_from:
            return False
        return self.valid_to is None or t < self.valid_to


@dataclass(frozen=True, slots=True)
class Electrical:
    """What converts between A and W, and caps every limit: the EVSE's nominal voltage
    (line to neutral), its phases and its maximum current per phase."""

    voltage: float = 230.0
    phases: int = 1
    max_current: float = 32.0


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit in force: amperes per phase, the phases it allows, and its source."""

    current: float
    phases: int
    source: Purpose | None = None


@dataclass(frozen=True, slots=True)
class CompositePeriod:
    """One period of a composite schedule, ``start`` seconds after the schedule's start."""

    start: int
    limit: float
    phases: int


@dataclass(frozen=True, slots=True)
class Situation:
    """What the schedule depends on besides the profiles: the EVSE's transaction (its id
    and when its Relative profiles start) and the station's time zone (recurrences)."""

    transaction_id: str | None = None
    transaction_start: datetime | None = None
    zone: tzinfo | None = None
    #: Relative profiles without a transaction start here (K08.FR.06).
    now: datetime | None = None


@dataclass(slots=True)
class _Occurrence:
    start: datetime
    end: datetime | None  # exclusive; None = open-ended


def to_amperes(limit: float, unit: Unit, phases: int, electrical: Electrical) -> float:
    """K01.FR.50/51: a limit in A is per phase already; one in W is divided by the nominal
    voltage and the phases in use."""
    if unit is Unit.A:
        return limit
    return limit / (electrical.voltage * phases)


def from_amperes(current: float, unit: Unit, phases: int, electrical: Electrical) -> float:
    """The inverse of `to_amperes`."""
    if unit is Unit.A:
        return current
    return current * electrical.voltage * phases


def _wall_shift(start: datetime, step: timedelta, count: int, zone: tzinfo | None) -> datetime:
    """``start`` plus ``count`` recurrence steps on the wall clock of ``zone`` (a daily
    profile at 18:00 stays at 18:00 local across a DST change)."""
    if zone is None:
        return start + step * count
    local = start.astimezone(zone).replace(tzinfo=None) + step * count
    return local.replace(tzinfo=zone).astimezone(start.tzinfo)


def _schedule_start(profile: Profile, situation: Situation) -> datetime | None:
    if profile.kind is Kind.RELATIVE:
        return situation.transaction_start or situation.now
    return profile.start_schedule


def _step(profile: Profile) -> timedelta:
    return WEEK if profile.recurrency == "Weekly" else DAY


def _recurrence(profile: Profile, start: datetime, t: datetime, zone: tzinfo | None) -> int:
    """The number of the recurrence (0 = the first) that has begun at ``t`` ≥ ``start``."""
    step = _step(profile)
    # Whole steps of elapsed time, then corrected on the wall clock for DST edges.
    count = max(0, int((t - start) / step) - 1)
    while _wall_shift(start, step, count + 1, zone) <= t:
        count += 1
    return count


def _occurrence(profile: Profile, start: datetime, count: int, zone: tzinfo | None) -> _Occurrence:
    """Recurrence ``count`` of a Recurring profile's schedule; it ends where the next
    begins, or earlier at the schedule's duration (K01.FR.13)."""
    step = _step(profile)
    begin = _wall_shift(start, step, count, zone)
    end = _wall_shift(start, step, count + 1, zone)
    if profile.duration is not None:
        end = min(end, begin + timedelta(seconds=profile.duration))
    return _Occurrence(begin, end)


def _occurrence_at(profile: Profile, t: datetime, situation: Situation) -> _Occurrence | None:
    """The run of the profile's schedule that covers ``t``, if any."""
    start = _schedule_start(profile, situation)
    if start is None or t < start:
        return None
    if profile.kind is Kind.RECURRING:
        count = _recurrence(profile, start, t, situation.zone)
        return _occurrence(profile, start, count, situation.zone)
    end = None if profile.duration is None else start + timedelta(seconds=profile.duration)
    return _Occurrence(start, end)


def profile_limit_at(
    profile: Profile, t: datetime, situation: Situation, electrical: Electrical
) -> Limit | None:
    """The limit ``profile`` sets at ``t``, or None where it sets none (not valid, not
    started, past its duration, or before its first period)."""
    if not profile.valid_at(t):
        return None
    occurrence = _occurrence_at(profile, t, situation)
    if occurrence is None or (occurrence.end is not None and t >= occurrence.end):
        return None
    offset = (t - occurrence.start).total_seconds()
    current: Period | None = None
    for period in profile.periods:  # ordered by start (K01.FR.35)
        if period.start > offset:
            break
        current = period
    if current is None:
        return None
    phases = min(current.phases or 3, electrical.phases)  # K01.FR.49
    amps = to_amperes(current.limit, profile.unit, phases, electrical)
    return Limit(amps, phases, profile.purpose)


def _winner(
    profiles: Iterable[Profile], t: datetime, situation: Situation, electrical: Electrical
) -> Limit | None:
    """K01.FR.17: the highest stack level with a limit at ``t``."""
    best: tuple[int, Limit] | None = None
    for profile in profiles:
        limit = profile_limit_at(profile, t, situation, electrical)
        if limit is not None and (best is None or profile.stack_level > best[0]):
            best = (profile.stack_level, limit)
    return None if best is None else best[1]


def _lowest(start: Limit, candidates: Iterable[Limit | None]) -> Limit:
    """The lowest of ``start`` and the candidates; the phases are the fewest any allows."""
    result = start
    for candidate in candidates:
        if candidate is None:
            continue
        phases = min(candidate.phases, result.phases)
        if candidate.current < result.current:
            result = Limit(candidate.current, phases, candidate.source)
        else:
            result = Limit(result.current, phases, result.source)
    return result


def evse_limit_at(
    profiles: Sequence[Profile],
    evse_id: int,
    t: datetime,
    situation: Situation,
    electrical: Electrical,
) -> Limit:
    """The EVSE's own limit at ``t``: its external constraints and its transaction's
    profile, never above its maximum; without the station-level limits, which are for
    the EVSEs together (`station_limit_at`)."""
    external = _winner(
        (p for p in profiles if p.purpose is Purpose.EXTERNAL and p.evse_id == evse_id),
        t,
        situation,
        electrical,
    )
    tx: Limit | None = None
    if situation.transaction_id is not None:
        tx = _winner(
            (
                p
                for p in profiles
                if p.purpose is Purpose.TX
                and p.evse_id == evse_id
                and p.transaction_id == situation.transaction_id
            ),
            t,
            situation,
            electrical,
        )
    if tx is None:
        # K01.FR.14/15: a TxDefaultProfile of EVSE 0 applies to each EVSE on its own.
        tx = _winner(
            (p for p in profiles if p.purpose is Purpose.TX_DEFAULT and p.evse_id in (0, evse_id)),
            t,
            situation,
            electrical,
        )
    return _lowest(Limit(electrical.max_current, electrical.phases, None), (external, tx))


def station_limit_at(
    profiles: Sequence[Profile], t: datetime, situation: Situation, electrical: Electrical
) -> Limit | None:
    """The limit of the station as a whole at ``t`` (the EVSEs together): the lower of
    the ChargingStationMaxProfile (K04.FR.05) and the ChargingStationExternalConstraints
    of EVSE 0 (SetChargingProfileRequest.evseId: for these purposes evseId 0 is "an
    overall limit for the whole Charging Station"); None where neither limits. W are
    converted with ``electrical``, the grid connection's voltage and phases."""
    station_max = _winner(
        (p for p in profiles if p.purpose is Purpose.STATION_MAX), t, situation, electrical
    )
    external = _winner(
        (p for p in profiles if p.purpose is Purpose.EXTERNAL and p.evse_id == 0),
        t,
        situation,
        electrical,
    )
    if station_max is None and external is None:
        return None
    return _lowest(Limit(math.inf, electrical.phases, None), (station_max, external))


def limit_at(
    profiles: Sequence[Profile],
    evse_id: int,
    t: datetime,
    situation: Situation,
    electrical: Electrical,
) -> Limit:
    """The EVSE's composite limit at ``t`` (K08.FR.04: at most the lowest of the merged
    schedules, the station-level ones included, as TC_K_41 checks), never above its
    maximum. What the EVSE is offered can be less: the station-level limits are shared
    with the other EVSEs."""
    own = evse_limit_at(profiles, evse_id, t, situation, electrical)
    return _lowest(own, (station_limit_at(profiles, t, situation, electrical),))


def station_schedule(
    profiles: Sequence[Profile],
    begin: datetime,
    duration: int,
    situation: Situation,
    electrical: Electrical,
    unit: Unit = Unit.A,
) -> list[CompositePeriod]:
    """`station_limit_at` from ``begin`` for ``duration`` seconds, in ``unit``, as periods
    where it changes (``math.inf`` where no station-level limit is in force)."""
    end = begin + timedelta(seconds=max(duration, 0))
    station = [
        p
        for p in profiles
        if p.purpose is Purpose.STATION_MAX or (p.purpose is Purpose.EXTERNAL and p.evse_id == 0)
    ]
    moments = [begin] if duration <= 0 else _boundaries(station, begin, end, situation)
    periods: list[CompositePeriod] = []
    for moment in moments:
        limit = station_limit_at(station, moment, situation, electrical)
        if limit is None:
            value, phases = math.inf, electrical.phases
        else:
            value = from_amperes(limit.current, unit, limit.phases, electrical)
            value, phases = math.floor(value * 10 + 1e-9) / 10, limit.phases
        offset = math.ceil((moment - begin).total_seconds() - 1e-6)
        if periods and periods[-1].start == offset:
            periods.pop()
        if periods and periods[-1].limit == value and periods[-1].phases == phases:
            continue
        periods.append(CompositePeriod(offset, value, phases))
    return periods


def _boundaries(
    profiles: Sequence[Profile],
    begin: datetime,
    end: datetime,
    situation: Situation,
) -> list[datetime]:
    """Every moment in [begin, end) where some profile's limit may change."""
    moments = {begin}

    def add(t: datetime | None) -> None:
        if t is not None and begin < t < end:
            moments.add(t)

    for profile in profiles:
        add(profile.valid_from)
        add(profile.valid_to)
        start = _schedule_start(profile, situation)
        if start is None:
            continue
        if profile.kind is Kind.RECURRING:
            count = _recurrence(profile, start, max(begin, start), situation.zone)
            while True:
                run = _occurrence(profile, start, count, situation.zone)
                if run.start >= end:
                    break
                add(run.start)
                for period in profile.periods:
                    add(run.start + timedelta(seconds=period.start))
                add(run.end)
                count += 1
        else:
            add(start)
            for period in profile.periods:
                add(start + timedelta(seconds=period.start))
            if profile.duration is not None:
                add(start + timedelta(seconds=profile.duration))
    return sorted(moments)


def composite_schedule(
    profiles: Sequence[Profile],
    evse_id: int,
    begin: datetime,
    duration: int,
    situation: Situation,
    electrical: Electrical,
    unit: Unit = Unit.A,
) -> list[CompositePeriod]:
    """K08: the EVSE's limits from ``begin`` for ``duration`` seconds, in ``unit``, as
    periods that start where the limit changes (equal neighbours merged). A duration of 0
    reports the limit in force at ``begin`` as one period."""
    end = begin + timedelta(seconds=max(duration, 0))
    if duration <= 0:
        moments = [begin]
    else:
        moments = _boundaries(profiles, begin, end, situation)
    periods: list[CompositePeriod] = []
    for moment in moments:
        limit = limit_at(profiles, evse_id, moment, situation, electrical)
        value = from_amperes(limit.current, unit, limit.phases, electrical)
        value = math.floor(value * 10 + 1e-9) / 10  # one decimal, never rounded up
        # A change inside a second is reported from the next whole second, when it holds.
        offset = math.ceil((moment - begin).total_seconds() - 1e-6)
        if periods and periods[-1].start == offset:
            periods.pop()
        if periods and periods[-1].limit == value and periods[-1].phases == limit.phases:
            continue
        periods.append(CompositePeriod(offset, value, limit.phases))
    return periods


def next_change(
    profiles: Sequence[Profile], now: datetime, situation: Situation, horizon: int = 8 * 86400
) -> datetime | None:
    """The first moment after ``now`` (within ``horizon`` seconds) where a limit may change."""
    end = now + timedelta(seconds=horizon)
    later = [t for t in _boundaries(profiles, now, end, situation) if t > now]
    return later[0] if later else None
