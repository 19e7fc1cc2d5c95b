"""Smart Charging on the OCPP side: charging profiles installed by the CSMS, kept in the
store, and the limit they set applied to each EVSE's pilot (Part 2 K01–K10).

* SetChargingProfile (K01) checks every rule Part 2 gives the station, answers Rejected
  with a reason code where one fails, stores the profile (K01.FR.27) and re-evaluates the
  limits (K01.FR.07);
* ClearChargingProfile (K10), GetChargingProfiles → ReportChargingProfiles (K09),
  GetCompositeSchedule (K08);
* a task applies each EVSE's limit as its current limit (the control process turns it
  into the PWM duty; below 6 A the EV is paused, never offered an illegal duty), at each
  schedule boundary and whenever a profile, a transaction or the time zone changes: the
  EVSE's own limit (its profiles and local limit), and of the station-level limits (the
  ChargingStationMaxProfile, the station's local limit, the grid connection) the share
  the EVSEs split between them, for those are limits of the EVSEs together (K04.FR.05).
  Profiles apply offline as online.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trio

from station.devicemodel.catalogue import SMART_CHARGING_CAPACITY
from station.devicemodel.model import DeviceModel, key
from station.evse import EvseCommands
from station.ocpp.client import Admission, CallFailed, OcppClient, Offline, Reply
from station.ocpp.messages import CustomDataType, Message, StatusInfoType
from station.smartcharging.schedule import (
    Electrical,
    Kind,
    Period,
    Profile,
    Purpose,
    Situation,
    Unit,
    composite_schedule,
    evse_limit_at,
    from_amperes,
    limit_at,
    next_change,
    station_limit_at,
    station_schedule,
)
from station.store import Store

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        ChargingLimitSourceEnumType,
        ChargingProfileType,
        ClearChargingProfileRequest,
        ClearChargingProfileResponse,
        ClearedChargingLimitRequest,
        GetChargingProfilesRequest,
        GetCompositeScheduleRequest,
        GetCompositeScheduleResponse,
        NotifyChargingLimitRequest,
        SetChargingProfileRequest,
        SetChargingProfileResponse,
    )

log = logging.getLogger(__name__)

CTRLR = "SmartChargingCtrlr"
ENABLED = key(CTRLR, "Enabled")
ENTRIES = key(CTRLR, "Entries", "ChargingProfiles")
RATE_UNIT = key(CTRLR, "RateUnit")
STACK_LEVEL = key(CTRLR, "ProfileStackLevel")
PERIODS = key(CTRLR, "PeriodsPerSchedule")
SIGNIFICANCE = key(CTRLR, "LimitChangeSignificance")
WITH_SCHEDULES = key(CTRLR, "NotifyChargingLimitWithSchedules")
#: vendorId of what the station keeps in a profile's customData.
VENDOR = "ocpp-station"
TIME_ZONE = key("ClockCtrlr", "TimeZone")

#: The lowest current a PWM may offer (IEC 61851-1); a smaller share pauses the EV.
MIN_OFFER = 6.0
#: Longest wait between two evaluations while a profile is installed: a clock step (NTP,
#: SetVariables of the time) is noticed within this many seconds even without a boundary.
MAX_WAIT = 60.0
#: Profiles per ReportChargingProfiles message.
REPORT_CHUNK = 8


class ProfileRejected(Exception):
    """A SetChargingProfile that a rule of Part 2 refuses: ``reason`` is the reasonCode,
    ``detail`` the additionalInfo."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class SmartChargingService:
    """Charging profiles: the handlers, the store, and the limits applied to the EVSEs."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: Store,
        device_model: DeviceModel,
        now: Callable[[], datetime],
        evses: Mapping[int, EvseCommands],
        electrical: Mapping[int, Electrical],
        transaction_id: Callable[[int], str | None],
        on_transactions_changed: Callable[[Callable[[], None]], None] | None = None,
        remote_start_id: Callable[[int], int | None] | None = None,
        rate_changed: Callable[[int], Awaitable[object]] | None = None,
        grid_max_current: float | None = None,
        authorized: Callable[[int], bool] | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._dm = device_model
        self._now = now
        self._evses = evses
        self._electrical = electrical
        self._transaction_id = transaction_id
        self._remote_start_id = remote_start_id
        self._rate_changed = rate_changed
        self._grid_max = grid_max_current
        self._authorized = authorized or (lambda evse_id: True)
        #: Profiles of RequestStartTransactions waiting for their transaction, by
        #: remoteStartId (F01.FR.10).
        self._start_profiles: dict[int, ChargingProfileType] = {}
        #: EVSEs whose offered limit changed significantly during a transaction.
        self._significant: list[int] = []
        self._significant_set = trio.Event()
        #: Installed profiles by id, each with the wire form the CSMS sent (GetChargingProfiles
        #: reports it back as it was given).
        self._profiles: dict[int, tuple[Profile, dict]] = {}
        #: When each EVSE's present transaction was first seen (Relative profiles start
        #: there, K01.FR.42); after a restart, from the restart.
        self._tx_start: dict[int, tuple[str, datetime]] = {}
        #: The limit last applied to each EVSE (A).
        self.applied: dict[int, float] = {}
        self._changed = trio.Event()
        #: What the limits last read of the sessions (`_sessions_key`); None: not yet.
        self._seen_sessions: tuple[object, ...] | None = None
        if on_transactions_changed is not None:
            on_transactions_changed(self._follow_sessions)
        client.route("SetChargingProfile", self.set_profile)
        client.route("ClearChargingProfile", self.clear_profile)
        client.route("GetChargingProfiles", self.get_profiles)
        client.route("GetCompositeSchedule", self.composite)
        device_model.bind_live(ENTRIES, lambda: len(self._profiles))

    # -- state ---------------------------------------------------------------------------

    async def load(self) -> None:
        """Read the installed profiles (K01.FR.27: they survive restarts)."""
        rows = await self._store.run(
            lambda db: db.execute("SELECT id, evse_id, profile FROM charging_profiles").fetchall()
        )
        for profile_id, evse_id, text in rows:
            # Here, not above: without stored profiles a boot does not build their models.
            from station.ocpp.messages import ChargingProfileType

            try:
                wire = json.loads(text)
                model = ChargingProfileType.model_validate(wire)
                self._profiles[profile_id] = (_profile(model, evse_id), wire)
            except (ValueError, ProfileRejected) as exc:
                # A row this software cannot read is dropped, loudly, not applied half.
                log.error("event=charging_profile_unreadable id=%s reason=%r", profile_id, str(exc))
        if self._profiles:
            log.info("event=charging_profiles_loaded count=%d", len(self._profiles))

    def profiles(self) -> list[Profile]:
        """The installed profiles."""
        return [profile for profile, _ in self._profiles.values()]

    def _zone(self) -> tzinfo | None:
        name = self._dm.get(TIME_ZONE)
        if not name:
            return None
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def _situation(self, evse_id: int, now: datetime) -> Situation:
        transaction = self._transaction_id(evse_id) if evse_id in self._evses else None
        start = None
        if transaction is not None:
            seen = self._tx_start.get(evse_id)
            if seen is None or seen[0] != transaction:
                seen = (transaction, now)
                self._tx_start[evse_id] = seen
            start = seen[1]
        else:
            self._tx_start.pop(evse_id, None)
        return Situation(
            transaction_id=transaction, transaction_start=start, zone=self._zone(), now=now
        )

    def limit(self, evse_id: int, now: datetime | None = None) -> float:
        """The EVSE's composite limit now (A per phase, K08.FR.04); what it is offered
        (`applied`) is at most this, less where it shares a station-level limit."""
        now = now or self._now()
        profiles = self.profiles() if self.enabled() else []
        situation = self._situation(evse_id, now)
        return limit_at(profiles, evse_id, now, situation, self._electrical[evse_id]).current

    def enabled(self) -> bool:
        """Whether smart charging is on (SmartChargingCtrlr.Enabled)."""
        return bool(self._dm.get(ENABLED))

    def changed(self) -> None:
        """Re-evaluate the limits now (a profile, a transaction or a setting changed)."""
        self._changed.set()

    # -- applying ------------------------------------------------------------------------

    async def run(self) -> None:
        """Apply each EVSE's limit for the station's lifetime, at every boundary and change
        (a profile, a setting, a transaction starting or ending)."""
        async with trio.open_nursery() as nursery:
            if self._rate_changed is not None:
                nursery.start_soon(self._report_rate_changes, self._rate_changed)
            await self._apply_forever()

    def _follow_sessions(self) -> None:
        """After each change of a session: re-evaluate if it changed what the limits
        depend on, not at every change (each periodic meter value of a transaction is
        one)."""
        key = self._sessions_key()
        if key != self._seen_sessions:
            self._seen_sessions = key
            self.changed()

    def _sessions_key(self) -> tuple[object, ...]:
        """What the limits read of the sessions: each EVSE's transaction (TxProfiles,
        Relative profiles' start), its authorization (load balancing shares among the
        authorized) and each remote start id, EVSE 0's included (a RequestStart's
        TxProfile waits for its transaction, and is dropped with its remote start)."""
        remote_start_id = self._remote_start_id
        return tuple(
            (
                self._transaction_id(e) if e in self._evses else None,
                self._authorized(e) if e in self._evses else None,
                None if remote_start_id is None else remote_start_id(e),
            )
            for e in [0, *self._evses]
        )

    async def _apply_forever(self) -> None:
        while True:
            self._changed = trio.Event()
            await self._bind_start_profiles()
            now = self._now()
            wake = self._apply(now)
            if self._significant:
                self._significant_set.set()
            if not self._profiles:
                # No profile, no schedule: nothing here changes with the time (a clock
                # step included); a new profile or a change of a session wakes it.
                delay = math.inf
            else:
                delay = MAX_WAIT if wake is None else (wake - now).total_seconds()
                delay = min(max(delay, 0.0), MAX_WAIT)
            with trio.move_on_after(delay):
                await self._changed.wait()

    async def _report_rate_changes(self, rate_changed: Callable[[int], Awaitable[object]]) -> None:
        """ChargingRateChanged events, apart from the applying: a TransactionEvent takes
        a fresh meter reading and a durable write, and the next limit (a lower one the
        grid needs now) must not wait for them."""
        while True:
            await self._significant_set.wait()
            self._significant_set = trio.Event()
            while self._significant:
                await rate_changed(self._significant.pop(0))

    def _apply(self, now: datetime) -> datetime | None:
        """Apply the limits at ``now``; return when the next may change."""
        profiles = self.profiles() if self.enabled() else []
        wake: datetime | None = None
        limits: dict[int, float] = {}
        situations: dict[int, Situation] = {}
        for evse_id in self._evses:
            situation = situations[evse_id] = self._situation(evse_id, now)
            electrical = self._electrical[evse_id]
            limits[evse_id] = evse_limit_at(profiles, evse_id, now, situation, electrical).current
            upcoming = next_change(profiles, now, situation)
            if upcoming is not None and (wake is None or upcoming < wake):
                wake = upcoming
        cap = self._station_cap(profiles, now)
        if cap is not None:
            limits = self._share(limits, cap)
        # Lower first, then raise: the EVSEs never offer more together than either the old
        # or the new allocation does (the station's limit holds through the change).
        order = sorted(limits, key=lambda e: limits[e] - self.applied.get(e, math.inf))
        for evse_id in order:
            limit = limits[evse_id]
            before = self.applied.get(evse_id)
            if before == limit:
                continue
            self.applied[evse_id] = limit
            if (
                before is not None
                and self._significant_change(before, limit, situations[evse_id])
                and evse_id not in self._significant  # one event reports the latest rate
            ):
                self._significant.append(evse_id)
            self._evses[evse_id].set_current_limit(limit)
            log.info("event=charging_limit evse=%d amps=%.1f", evse_id, limit)
        return wake

    def _grid(self) -> Electrical:
        """The grid connection: the station's phases at the EVSEs' nominal voltage, no cap
        of its own (the station-level limits are the caps)."""
        return Electrical(
            voltage=next(iter(self._electrical.values())).voltage,
            phases=max(e.phases for e in self._electrical.values()),
            max_current=math.inf,
        )

    def _station_cap(self, profiles: Sequence[Profile], now: datetime) -> float | None:
        """The current per phase the EVSEs may draw together at ``now`` (A): the lowest of
        the ChargingStationMaxProfile (K04.FR.05), the station's external limit (K12) and
        ``[hardware] grid_max_current``; None when none of them limits."""
        situation = Situation(now=now, zone=self._zone())
        station = station_limit_at(profiles, now, situation, self._grid())
        candidates = (None if station is None else station.current, self._grid_max)
        caps = [c for c in candidates if c is not None]  # 0 A is a cap too
        return min(caps) if caps else None

    def _share(self, limits: dict[int, float], cap: float) -> dict[int, float]:
        """Load balancing: the EVSEs with an authorization share the station's ``cap``,
        each at most its own limit (water-filling); the others get 0 until they have one
        (a session change re-runs this at once). An EVSE whose share would be below 6 A,
        where no PWM may be offered, gets 0 and leaves its share to the others, the
        highest EVSE id first."""
        active = sorted(e for e in limits if self._authorized(e))
        shared = dict.fromkeys(limits, 0.0)
        while active:
            remaining = cap
            allocation: dict[int, float] = {}
            for index, evse_id in enumerate(sorted(active, key=lambda e: limits[e])):
                share = remaining / (len(active) - index)
                allocation[evse_id] = min(limits[evse_id], share)
                remaining -= allocation[evse_id]
            starved = [e for e in active if allocation[e] < MIN_OFFER and limits[e] >= MIN_OFFER]
            if not starved:
                shared.update(allocation)
                break
            active.remove(max(starved))
        return shared

    def _significant_change(self, before: float, after: float, situation: Situation) -> bool:
        """A change of the offered limit that a running transaction reports
        (SmartChargingCtrlr.LimitChangeSignificance, in percent of the former limit)."""
        if situation.transaction_id is None:
            return False
        threshold = self._dm.get_float(SIGNIFICANCE) or 0.0
        base = max(before, 1e-9)
        return abs(after - before) * 100 / base >= threshold

    # -- External limits (K11–K13) -------------------------------------------------------

    async def set_external_limit(
        self, evse_id: int, amps: float, source: str = "EMS", *, grid_critical: bool = False
    ) -> bool:
        """K11/K12: a local source (an energy manager, an inverter) limits an EVSE, or (0)
        the whole station, to ``amps`` per phase from now on. It is kept as a
        ChargingStationExternalConstraints profile (K11.FR.06) with a negative id, applied
        like any profile (K11.FR.01, K12.FR.01), and the CSMS learns it by
        NotifyChargingLimit when it changed by LimitChangeSignificance (K11.FR.02,
        K12.FR.02). Returns whether the CSMS was notified."""
        notification = await self.install_external_limit(
            evse_id, amps, source, grid_critical=grid_critical
        )
        return notification is not None and await self.notify_limit(notification)

    def external_limit(self, evse_id: int) -> tuple[float, str] | None:
        """The local limit of an EVSE (0: the station) in force, and its source."""
        found = self._profiles.get(_external_id(evse_id))
        if found is None:
            return None
        profile, wire = found
        return profile.periods[0].limit, _source(profile, wire).value

    async def install_external_limit(
        self, evse_id: int, amps: float, source: str = "EMS", *, grid_critical: bool = False
    ) -> NotifyChargingLimitRequest | None:
        """`set_external_limit` without the wait for the CSMS: the limit is stored and
        applied when this returns; the NotifyChargingLimit it calls for (None when the
        change is below LimitChangeSignificance) is the caller's to send
        (`notify_limit`), so that a local source is not held up by the CSMS."""
        from station.ocpp.messages import (
            ChargingLimitType,
            ChargingProfileKindEnumType,
            ChargingProfilePurposeEnumType,
            ChargingProfileType,
            ChargingRateUnitEnumType,
            ChargingSchedulePeriodType,
            ChargingScheduleType,
            NotifyChargingLimitRequest,
        )

        limit_source = _external_source(source)
        if evse_id != 0 and evse_id not in self._evses:
            raise ValueError(f"evse {evse_id} does not exist")
        if not math.isfinite(amps) or amps < 0:
            raise ValueError(f"amps {amps} is not a current")
        profile_id = _external_id(evse_id)
        previous = self._profiles.get(profile_id)
        now = self._now().replace(microsecond=0)
        model = ChargingProfileType(
            id=profile_id,
            stack_level=0,
            charging_profile_purpose=ChargingProfilePurposeEnumType.ChargingStationExternalConstraints,
            charging_profile_kind=ChargingProfileKindEnumType.Absolute,
            charging_schedule=[
                ChargingScheduleType(
                    id=profile_id,
                    start_schedule=now,
                    charging_rate_unit=ChargingRateUnitEnumType.A,
                    charging_schedule_period=[
                        ChargingSchedulePeriodType(start_period=0, limit=amps)
                    ],
                )
            ],
            custom_data=CustomDataType.model_validate(
                {"vendorId": VENDOR, "chargingLimitSource": limit_source.value}
            ),
        )
        await self._install(_profile(model, evse_id), model.to_payload())
        before = previous[0].periods[0].limit if previous is not None else None
        significance = self._dm.get_float(SIGNIFICANCE) or 0.0
        if before is not None and abs(amps - before) * 100 / max(before, 1e-9) < significance:
            return None
        return NotifyChargingLimitRequest(
            charging_limit=ChargingLimitType(
                charging_limit_source=limit_source,  # K11.FR.05: never CSO
                is_grid_critical=grid_critical or None,
            ),
            evse_id=evse_id,
            charging_schedule=model.charging_schedule  # K11.FR.03
            if self._dm.get(WITH_SCHEDULES)
            else None,
        )

    async def clear_external_limit(self, evse_id: int, source: str = "EMS") -> bool:
        """K13: the local source releases its limit: charging is no longer limited by it
        (K13.FR.01) and the CSMS gets ClearedChargingLimit (K13.FR.02). False when there
        was no such limit."""
        notification = await self.release_external_limit(evse_id, source)
        if notification is None:
            return False
        await self.notify_limit(notification)
        return True

    async def release_external_limit(
        self, evse_id: int, source: str = "EMS"
    ) -> ClearedChargingLimitRequest | None:
        """`clear_external_limit` without the wait for the CSMS: the limit is gone when
        this returns; the ClearedChargingLimit it calls for (None: there was no limit) is
        the caller's to send (`notify_limit`)."""
        from station.ocpp.messages import ClearedChargingLimitRequest

        limit_source = _external_source(source)
        profile_id = _external_id(evse_id)
        if profile_id not in self._profiles:
            return None
        await self._store.run(
            lambda db: db.execute("DELETE FROM charging_profiles WHERE id = ?", (profile_id,))
        )
        del self._profiles[profile_id]
        log.info("event=external_limit_cleared evse=%d source=%s", evse_id, limit_source.value)
        self.changed()
        return ClearedChargingLimitRequest(charging_limit_source=limit_source, evse_id=evse_id)

    async def notify_limit(self, request: Message) -> bool:
        """Send a NotifyChargingLimit or ClearedChargingLimit; whether the CSMS took it
        (offline or refused: logged, and the limit applies all the same)."""
        try:
            await self._client.call(request)
        except CallFailed as exc:  # Offline included
            # The limit applies all the same; the CSMS sees it in the composite schedule.
            log.warning(
                "event=limit_notification_not_sent action=%s reason=%r", request.ACTION, str(exc)
            )
            return False
        return True

    # -- RequestStartTransaction with a charging profile (F01.FR.08–11) ------------------

    def check(self, evse_id: int, model: ChargingProfileType) -> str | None:
        """The reason code that refuses a RequestStartTransaction's TxProfile, or None."""
        if not self.enabled():
            return "NotEnabled"
        try:
            profile = _profile(model, evse_id)
            self._check_limits(profile)
            if evse_id in self._evses:
                self._check_phases(profile, evse_id)
        except ProfileRejected as refusal:
            return refusal.reason
        return None

    async def bind(self, evse_id: int, model: ChargingProfileType, remote_start_id: int) -> None:
        """F01.FR.10: the profile becomes the TxProfile of the transaction this remote start
        begins (on ``evse_id``, or on the EVSE the EV is plugged into), once it has begun;
        nothing is installed when the authorization ends without a transaction. Returns at
        once: the applying task does the waiting."""
        self._start_profiles[remote_start_id] = model
        self.changed()

    async def _bind_start_profiles(self) -> None:
        for remote_start_id, model in list(self._start_profiles.items()):
            assert self._remote_start_id is not None
            for evse in self._evses:
                transaction = self._transaction_id(evse)
                if transaction is not None and self._remote_start_id(evse) == remote_start_id:
                    del self._start_profiles[remote_start_id]
                    bound = model.model_copy(update={"transaction_id": transaction})
                    await self._install(_profile(bound, evse), bound.to_payload())
                    break
            else:
                if all(self._remote_start_id(e) != remote_start_id for e in [0, *self._evses]):
                    del self._start_profiles[remote_start_id]
                    log.info("event=start_profile_dropped remote_start_id=%d", remote_start_id)

    # -- SetChargingProfile (K01) --------------------------------------------------------

    async def set_profile(self, request: SetChargingProfileRequest) -> SetChargingProfileResponse:
        """K01: check, store, apply."""
        from station.ocpp.messages import ChargingProfileStatusEnumType, SetChargingProfileResponse

        try:
            profile = self._check(request)
        except ProfileRejected as refusal:
            log.warning(
                "event=charging_profile_rejected id=%s reason=%s detail=%r",
                request.charging_profile.id,
                refusal.reason,
                refusal.detail,
            )
            return SetChargingProfileResponse(
                status=ChargingProfileStatusEnumType.Rejected,
                status_info=StatusInfoType(
                    reason_code=refusal.reason, additional_info=refusal.detail[:512]
                ),
            )
        await self._install(profile, request.charging_profile.to_payload())
        return SetChargingProfileResponse(status=ChargingProfileStatusEnumType.Accepted)

    async def _install(self, profile: Profile, wire: dict) -> None:
        """Apply a checked profile (K01.FR.07) and store it (before Accepted, K01.FR.27).

        Applied first, while the durable write runs: a lower limit reaches the pilot
        without waiting for the disk. Should the write fail, the profile is taken back
        (the error goes to the caller, the CSMS gets no Accepted); a raise it brought
        has not reached the pilot by then, which holds a raise back for 5 s."""
        text = json.dumps(wire, separators=(",", ":"))
        previous = self._profiles.get(profile.id)
        self._profiles[profile.id] = (profile, wire)  # K01.FR.05: same id replaces
        self.changed()  # K01.FR.07
        try:
            await self._store.run(
                lambda db: db.execute(
                    "INSERT OR REPLACE INTO charging_profiles (id, evse_id, profile) "
                    "VALUES (?, ?, ?)",
                    (profile.id, profile.evse_id, text),
                )
            )
        except BaseException:
            if previous is None:
                self._profiles.pop(profile.id, None)
            else:
                self._profiles[profile.id] = previous
            self.changed()
            raise
        log.info(
            "event=charging_profile_set id=%d evse=%d purpose=%s stack_level=%d",
            profile.id,
            profile.evse_id,
            profile.purpose.value,
            profile.stack_level,
        )

    def _check(self, request: SetChargingProfileRequest) -> Profile:
        if not self.enabled():
            raise ProfileRejected("NotEnabled", "SmartChargingCtrlr.Enabled is false")
        evse_id = request.evse_id
        if evse_id != 0 and evse_id not in self._evses:
            raise ProfileRejected("UnknownEvse", f"evseId {evse_id} does not exist")  # K01.FR.28
        model = request.charging_profile
        profile = _profile(model, evse_id)
        if profile.purpose is Purpose.EXTERNAL:
            raise ProfileRejected(  # K01.FR.22
                "InvalidProfile", "ChargingStationExternalConstraints is set by local sources"
            )
        if profile.purpose is Purpose.STATION_MAX and evse_id != 0:
            raise ProfileRejected(
                "InvalidProfile", "a ChargingStationMaxProfile is for evseId 0 only"
            )
        if profile.purpose is Purpose.STATION_MAX and profile.kind is Kind.RELATIVE:
            raise ProfileRejected(  # K01.FR.38
                "InvalidProfile", "a ChargingStationMaxProfile cannot be Relative"
            )
        if profile.purpose is Purpose.TX:
            if evse_id == 0:
                raise ProfileRejected("InvalidProfile", "a TxProfile needs an EVSE")  # K01.FR.16
            running = self._transaction_id(evse_id)
            if running is None:
                raise ProfileRejected(  # K01.FR.09
                    "NoTransaction", f"no transaction on EVSE {evse_id}"
                )
            if profile.transaction_id is None:
                raise ProfileRejected(  # K01.FR.03
                    "InvalidProfile", "a TxProfile needs the transactionId"
                )
            if profile.transaction_id != running:
                raise ProfileRejected(  # K01.FR.33
                    "TxNotFound", f"transaction {profile.transaction_id} is not on EVSE {evse_id}"
                )
        self._check_limits(profile)
        self._check_phases(profile, evse_id)
        self._check_duplicates(profile)
        if profile.id not in self._profiles and len(self._profiles) >= SMART_CHARGING_CAPACITY:
            raise ProfileRejected(
                "NoCapacity", f"{SMART_CHARGING_CAPACITY} profiles installed, the most kept"
            )
        return profile

    def _check_limits(self, profile: Profile) -> None:
        """K01.FR.26 and the SmartChargingCtrlr limits."""
        units = set(self._dm.get_list(RATE_UNIT) or ())
        if profile.unit.value not in units:
            raise ProfileRejected(  # K01.FR.26
                "UnsupportedRateUnit",
                f"chargingRateUnit {profile.unit.value} not in {sorted(units)}",
            )
        max_stack = self._dm.get_int(STACK_LEVEL)
        if max_stack is not None and profile.stack_level > max_stack:
            raise ProfileRejected(
                "InvalidStackLevel", f"stackLevel {profile.stack_level} above {max_stack}"
            )
        max_periods = self._dm.get_int(PERIODS)
        if max_periods is not None and len(profile.periods) > max_periods:
            raise ProfileRejected(
                "InvalidSchedule", f"{len(profile.periods)} periods, at most {max_periods}"
            )

    def _check_phases(self, profile: Profile, evse_id: int) -> None:
        """K01.FR.43/48: a phase count the EVSE cannot keep to, or a phase to use it cannot
        switch to, is refused."""
        targets = [evse_id] if evse_id != 0 else list(self._evses)
        for period in profile.periods:
            for target in targets:
                phases = self._electrical[target].phases
                if period.phases is not None and period.phases < phases:
                    raise ProfileRejected(
                        "InvalidSchedule",
                        f"numberPhases {period.phases}: EVSE {target} cannot switch "
                        f"from {phases} phases",
                    )
        for phase in profile.raw_phase_to_use:
            if phase is not None and not (
                phase == 1 and all(self._electrical[t].phases == 1 for t in targets)
            ):
                raise ProfileRejected(
                    "InvalidSchedule", "phaseToUse: the EVSE cannot switch phases"
                )

    def _check_duplicates(self, profile: Profile) -> None:
        for other, _ in self._profiles.values():
            if other.id == profile.id or other.stack_level != profile.stack_level:
                continue
            if other.purpose is not profile.purpose:
                continue
            if profile.purpose is Purpose.TX:
                if other.transaction_id == profile.transaction_id:  # K01.FR.39
                    raise ProfileRejected(
                        "DuplicateProfile",
                        f"profile {other.id} has this stack level for the transaction",
                    )
                continue
            if profile.purpose is Purpose.TX_DEFAULT and (
                (profile.evse_id == 0) != (other.evse_id == 0)
            ):
                raise ProfileRejected(  # K01.FR.52/53
                    "DuplicateProfile",
                    f"TxDefaultProfile {other.id} on EVSE {other.evse_id} has stack level "
                    f"{other.stack_level}",
                )
            if other.evse_id == profile.evse_id and _overlap(profile, other):
                raise ProfileRejected(  # K01.FR.06
                    "DuplicateProfile",
                    f"profile {other.id} has this purpose, stack level and EVSE",
                )

    # -- ClearChargingProfile (K10) ------------------------------------------------------

    async def clear_profile(
        self, request: ClearChargingProfileRequest
    ) -> ClearChargingProfileResponse:
        """K10: by id, or by EVSE / purpose / stack level (all that are given)."""
        from station.ocpp.messages import (
            ClearChargingProfileResponse,
            ClearChargingProfileStatusEnumType,
        )

        criteria = request.charging_profile_criteria
        matches = []
        for profile, _ in self._profiles.values():
            if profile.purpose is Purpose.EXTERNAL:
                continue  # set by local sources, cleared by them
            if request.charging_profile_id is not None:
                if profile.id == request.charging_profile_id:
                    matches.append(profile.id)
                continue
            if criteria is None:
                matches.append(profile.id)
                continue
            if criteria.evse_id is not None and profile.evse_id != criteria.evse_id:
                continue
            purpose = criteria.charging_profile_purpose
            if purpose is not None and profile.purpose.value != purpose.value:
                continue
            if criteria.stack_level is not None and profile.stack_level != criteria.stack_level:
                continue
            matches.append(profile.id)
        if not matches:
            return ClearChargingProfileResponse(status=ClearChargingProfileStatusEnumType.Unknown)
        await self._store.run(
            lambda db: db.executemany(
                "DELETE FROM charging_profiles WHERE id = ?", [(i,) for i in matches]
            )
        )
        for profile_id in matches:
            self._profiles.pop(profile_id, None)
        log.info("event=charging_profiles_cleared ids=%s", ",".join(map(str, matches)))
        self.changed()
        return ClearChargingProfileResponse(status=ClearChargingProfileStatusEnumType.Accepted)

    # -- GetChargingProfiles (K09) -------------------------------------------------------

    async def get_profiles(self, request: GetChargingProfilesRequest) -> Reply:
        """K09: Accepted and the matching profiles in ReportChargingProfiles, or NoProfiles."""
        from station.ocpp.messages import (
            ChargingProfileType,
            GetChargingProfilesResponse,
            GetChargingProfileStatusEnumType,
            ReportChargingProfilesRequest,
        )

        criterion = request.charging_profile
        found: list[tuple[Profile, dict]] = []
        for profile, wire in sorted(self._profiles.values(), key=lambda p: p[0].id):
            if request.evse_id is not None and profile.evse_id != request.evse_id:
                continue
            if criterion.charging_profile_id and profile.id not in criterion.charging_profile_id:
                continue
            purpose = criterion.charging_profile_purpose
            if purpose is not None and profile.purpose.value != purpose.value:
                continue
            if criterion.stack_level is not None and profile.stack_level != criterion.stack_level:
                continue
            source = _source(profile, wire)
            sources = criterion.charging_limit_source
            if sources and source.value not in {s.value for s in sources}:
                continue
            found.append((profile, wire))
        if not found:
            return Reply(
                GetChargingProfilesResponse(status=GetChargingProfileStatusEnumType.NoProfiles)
            )

        async def report() -> None:
            groups: dict[tuple[int, ChargingLimitSourceEnumType], list[dict]] = {}
            for profile, wire in found:
                groups.setdefault((profile.evse_id, _source(profile, wire)), []).append(wire)
            messages = []
            for (evse_id, source), wires in groups.items():
                for start in range(0, len(wires), REPORT_CHUNK):
                    messages.append((evse_id, source, wires[start : start + REPORT_CHUNK]))
            for number, (evse_id, source, wires) in enumerate(messages):
                message = ReportChargingProfilesRequest(
                    request_id=request.request_id,
                    charging_limit_source=source,
                    evse_id=evse_id,
                    charging_profile=[ChargingProfileType.model_validate(w) for w in wires],
                    tbc=True if number < len(messages) - 1 else None,
                )
                try:
                    await self._client.call(
                        message, admission=Admission.REQUESTED, wait=True, bulk=True
                    )
                except Offline:
                    log.warning(
                        "event=charging_profiles_report_aborted request_id=%d", request.request_id
                    )
                    return

        return Reply(
            GetChargingProfilesResponse(status=GetChargingProfileStatusEnumType.Accepted), report
        )

    # -- GetCompositeSchedule (K08) ------------------------------------------------------

    async def composite(self, request: GetCompositeScheduleRequest) -> GetCompositeScheduleResponse:
        """K08: the schedule from now for ``duration`` seconds, for an EVSE or (0) the grid
        connection."""
        from station.ocpp.messages import (
            ChargingRateUnitEnumType,
            ChargingSchedulePeriodType,
            CompositeScheduleType,
            GenericStatusEnumType,
            GetCompositeScheduleResponse,
        )

        evse_id = request.evse_id
        if evse_id != 0 and evse_id not in self._evses:  # K08.FR.05
            return _composite_rejected("UnknownEvse", f"evseId {evse_id} does not exist")
        unit = Unit(request.charging_rate_unit.value) if request.charging_rate_unit else Unit.A
        units = set(self._dm.get_list(RATE_UNIT) or ())
        if unit.value not in units:  # K08.FR.07
            return _composite_rejected(
                "UnsupportedRateUnit", f"chargingRateUnit {unit.value} not in {sorted(units)}"
            )
        if request.duration < 0:
            return _composite_rejected("InvalidValue", "duration is negative")
        # Whole seconds: the periods' offsets are whole seconds from scheduleStart. Rounded
        # up, not down: a profile that began within this second (startSchedule "now", as a
        # CSMS sends it) applies from the start, not after a one-second period of no limit.
        now = _next_whole_second(self._now())
        profiles = self.profiles() if self.enabled() else []
        if evse_id != 0:
            periods = composite_schedule(
                profiles,
                evse_id,
                now,
                request.duration,
                self._situation(evse_id, now),
                self._electrical[evse_id],
                unit,
            )
            wire = [(p.start, p.limit, p.phases) for p in periods]
        else:
            wire = self._grid_schedule(profiles, now, request.duration, unit)  # K08.FR.03
        return GetCompositeScheduleResponse(
            status=GenericStatusEnumType.Accepted,
            schedule=CompositeScheduleType(
                evse_id=evse_id,
                duration=request.duration,
                schedule_start=now,
                charging_rate_unit=ChargingRateUnitEnumType(unit.value),
                charging_schedule_period=[
                    ChargingSchedulePeriodType(
                        start_period=start, limit=limit, number_phases=phases
                    )
                    for start, limit, phases in wire
                ],
            ),
        )

    def _grid_schedule(
        self, profiles: Sequence[Profile], now: datetime, duration: int, unit: Unit
    ) -> list[tuple[int, float, int]]:
        """K08.FR.03: what the station expects to draw from the grid: the EVSEs' limits
        together, never above the station-level limits (the ChargingStationMaxProfile,
        K04.FR.05; the station's external limit; ``grid_max_current``), which the EVSEs
        share."""
        per_evse = {
            evse_id: composite_schedule(
                profiles,
                evse_id,
                now,
                duration,
                self._situation(evse_id, now),
                self._electrical[evse_id],
                unit,
            )
            for evse_id in self._evses
        }
        grid = self._grid()
        station = station_schedule(
            profiles, now, duration, Situation(now=now, zone=self._zone()), grid, unit
        )
        grid_max = (
            math.inf
            if self._grid_max is None
            else from_amperes(self._grid_max, unit, grid.phases, grid)
        )
        starts = sorted({p.start for periods in [*per_evse.values(), station] for p in periods})
        result: list[tuple[int, float, int]] = []
        for start in starts:
            total = 0.0
            for periods in per_evse.values():
                current = [p for p in periods if p.start <= start][-1]
                total += current.limit
            cap = [p for p in station if p.start <= start][-1].limit
            total = min(total, cap, grid_max)
            total = math.floor(total * 10 + 1e-9) / 10
            if result and result[-1][1] == total:
                continue
            result.append((start, total, grid.phases))
        return result


def _next_whole_second(moment: datetime) -> datetime:
    """``moment`` rounded up to a whole second."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def _composite_rejected(reason: str, detail: str) -> GetCompositeScheduleResponse:
    from station.ocpp.messages import GenericStatusEnumType, GetCompositeScheduleResponse

    return GetCompositeScheduleResponse(
        status=GenericStatusEnumType.Rejected,
        status_info=StatusInfoType(reason_code=reason, additional_info=detail),
    )


def _source(profile: Profile, wire: dict | None = None) -> ChargingLimitSourceEnumType:
    """Profiles from SetChargingProfile come from the CSO; local limits name their own."""
    from station.ocpp.messages import ChargingLimitSourceEnumType

    if profile.purpose is Purpose.EXTERNAL and wire is not None:
        named = (wire.get("customData") or {}).get("chargingLimitSource")
        if isinstance(named, str) and named in ChargingLimitSourceEnumType.__members__:
            return ChargingLimitSourceEnumType(named)
        return ChargingLimitSourceEnumType.Other
    return ChargingLimitSourceEnumType.CSO


def _external_source(source: str) -> ChargingLimitSourceEnumType:
    """EMS, SO or Other: a local limit is never the CSO's (K11.FR.05, K12.FR.04)."""
    from station.ocpp.messages import ChargingLimitSourceEnumType

    if source not in ("EMS", "SO", "Other"):
        raise ValueError(f"source {source!r}: one of EMS, SO, Other")
    return ChargingLimitSourceEnumType(source)


def _external_id(evse_id: int) -> int:
    """The id of an EVSE's external-limit profile: negative (K11.FR.06's recommendation),
    so that it never meets a CSMS's id."""
    return -1 - evse_id


def _overlap(a: Profile, b: Profile) -> bool:
    """Whether the validity periods of two profiles overlap (K01.FR.06)."""
    a_start = a.valid_from or datetime.min.replace(tzinfo=UTC)
    b_start = b.valid_from or datetime.min.replace(tzinfo=UTC)
    a_end = a.valid_to or datetime.max.replace(tzinfo=UTC)
    b_end = b.valid_to or datetime.max.replace(tzinfo=UTC)
    return a_start < b_end and b_start < a_end


def _profile(model: ChargingProfileType, evse_id: int) -> Profile:
    """The schedule model of a ChargingProfileType, or ProfileRejected for a profile that
    breaks a structural rule of K01."""
    if len(model.charging_schedule) != 1:
        raise ProfileRejected(  # K01.FR.34
            "InvalidSchedule", "exactly one chargingSchedule without ISO 15118"
        )
    schedule = model.charging_schedule[0]
    kind = Kind(model.charging_profile_kind.value)
    periods = tuple(
        Period(p.start_period, p.limit, p.number_phases) for p in schedule.charging_schedule_period
    )
    if periods[0].start != 0:
        raise ProfileRejected("InvalidSchedule", "the first startPeriod must be 0")  # K01.FR.31
    if any(b.start <= a.start for a, b in itertools.pairwise(periods)):
        raise ProfileRejected(  # K01.FR.35
            "InvalidSchedule", "startPeriod values must increase"
        )
    if any(p.limit < 0 for p in periods):
        raise ProfileRejected("InvalidSchedule", "a limit is negative")
    if kind is Kind.RELATIVE and schedule.start_schedule is not None:
        raise ProfileRejected(  # K01.FR.41
            "InvalidSchedule", "a Relative profile has no startSchedule"
        )
    if kind is not Kind.RELATIVE and schedule.start_schedule is None:
        raise ProfileRejected(  # K01.FR.40
            "InvalidSchedule", f"an {kind.value} profile needs startSchedule"
        )
    if kind is Kind.RECURRING and model.recurrency_kind is None:
        raise ProfileRejected("InvalidSchedule", "a Recurring profile needs recurrencyKind")
    if schedule.duration is not None and schedule.duration <= 0:
        raise ProfileRejected("InvalidSchedule", "duration must be positive")
    if (
        model.valid_from is not None
        and model.valid_to is not None
        and model.valid_to <= model.valid_from
    ):
        raise ProfileRejected("InvalidProfile", "validTo is not after validFrom")
    profile = Profile(
        id=model.id,
        stack_level=model.stack_level,
        purpose=Purpose(model.charging_profile_purpose.value),
        kind=kind,
        unit=Unit(schedule.charging_rate_unit.value),
        periods=periods,
        evse_id=evse_id,
        start_schedule=schedule.start_schedule,
        duration=schedule.duration,
        recurrency=model.recurrency_kind.value if model.recurrency_kind else None,
        valid_from=model.valid_from,
        valid_to=model.valid_to,
        transaction_id=model.transaction_id,
        min_rate=schedule.min_charging_rate,
        raw_phase_to_use=tuple(p.phase_to_use for p in schedule.charging_schedule_period),
    )
    return profile
