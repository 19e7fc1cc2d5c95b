"""Smart Charging (Part 2 block K) end to end: profiles from the CSMS over a WebSocket
frame path, the limit at the pilot, the store across restarts (MockClock)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import trio

from station.control.iec61851 import PWM_RAISE_INTERVAL_S
from station.devicemodel.model import key
from station.ocpp.datetimes import format_date_time
from tests.conftest import START, booted, call, make_config, running_station

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def profile(
    id=1,
    purpose="TxDefaultProfile",
    periods=((0, 10.0),),
    *,
    stack=0,
    kind="Absolute",
    unit="A",
    start=START,
    duration=None,
    **extra,
):
    schedule = {
        "id": id,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": limit} for s, limit in periods],
    }
    if kind != "Relative":
        schedule["startSchedule"] = format_date_time(start)
    if duration is not None:
        schedule["duration"] = duration
    return {
        "id": id,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
        **extra,
    }


async def offered_after_a_period(env, evse=1) -> float:
    await trio.sleep(0.2)  # a few control periods
    return offered(env, evse)


def offered(env, evse=1) -> float:
    """The current the PWM offers, to the 0.05 % duty resolution of the pilot."""
    return round(env.station.loops[evse].snapshot.offered_current, 1)


async def charge(env, evse=1, card=CARD):
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.1)
    sim.tap(card)
    await env.csms.wait(
        lambda: env.station.transactions.transaction_id(evse) is not None, timeout=30
    )
    await trio.sleep(0.1)
    sim.set_ev_state(evse, "C")
    await trio.sleep(0.5)
    assert env.station.loops[evse].snapshot.relay_closed
    return env.station.transactions.transaction_id(evse)


async def test_tc_k_01_tx_default_profile_on_an_evse_limits_its_pilot_and_is_reported(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        assert await offered_after_a_period(env) == 32
        sent = profile(periods=((0, 10.0),), duration=60)
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": sent})
        assert answer["status"] == "Accepted"
        assert await offered_after_a_period(env) == 10  # K01.FR.07, K01.FR.32
        assert await offered_after_a_period(env, 2) == 0  # EVSE 2: no EV
        answer = await call(
            env,
            "GetChargingProfiles",
            {"requestId": 7, "chargingProfile": {"chargingProfileId": [1]}},
        )
        assert answer["status"] == "Accepted"
        [report] = await env.csms.wait_for("ReportChargingProfiles")
        assert report.payload["requestId"] == 7
        assert report.payload["evseId"] == 1
        assert report.payload["chargingLimitSource"] == "CSO"
        assert report.payload["chargingProfile"] == [sent]  # the same profile as sent
        # K01.FR.11: after the schedule's duration, no limit from it.
        await trio.sleep(60)
        assert await offered_after_a_period(env) == 32


async def test_schedule_boundary_changes_the_duty_within_a_control_period(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        now = env.station.clock.now()
        sent = profile(periods=((0, 16.0), (30, 8.0)), start=now)
        await call(env, "SetChargingProfile", {"evseId": 0, "chargingProfile": sent})
        assert await offered_after_a_period(env) == 16
        await trio.sleep(30 - 0.2 - 0.1)
        assert offered(env) == 16
        await trio.sleep(0.2)  # the boundary plus two control periods
        assert offered(env) == 8


async def test_a_limit_below_6_amperes_pauses_the_ev_not_an_illegal_duty(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        sent = profile(periods=((0, 4.0),))
        await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": sent})
        await trio.sleep(0.2)
        snapshot = env.station.loops[1].snapshot
        assert snapshot.offered_current == 0
        assert snapshot.duty == 100.0  # +12 V steady: no PWM (IEC 61851-1 state C1)
        await env.csms.wait(
            lambda: any(
                r.payload["transactionInfo"].get("chargingState") == "SuspendedEVSE"
                for r in env.csms.of("TransactionEvent")
            ),
            timeout=30,
        )


async def test_tx_profile_rules_k01_fr_09_16_33(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        tx = profile(id=5, purpose="TxProfile", periods=((0, 12.0),), transactionId="nope")
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": tx})
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"]["reasonCode"] == "NoTransaction"  # K01.FR.09
        transaction = await charge(env)
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": tx})
        assert answer["statusInfo"]["reasonCode"] == "TxNotFound"  # K01.FR.33
        answer = await call(env, "SetChargingProfile", {"evseId": 0, "chargingProfile": tx})
        assert answer["status"] == "Rejected"  # K01.FR.16
        tx["transactionId"] = transaction
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": tx})
        assert answer["status"] == "Accepted"
        assert await offered_after_a_period(env) == 12


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"stackLevel": 11}, "InvalidStackLevel"),
        ({"chargingProfilePurpose": "ChargingStationExternalConstraints"}, "InvalidProfile"),
        ({"chargingProfileKind": "Recurring"}, "InvalidSchedule"),
    ],
)
async def test_set_charging_profile_rejections_name_their_reason(
    config, autojump_clock, change, reason
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sent = {**profile(), **change}
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": sent})
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"]["reasonCode"] == reason


async def test_rejections_for_periods_units_and_evses(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        too_many = profile(periods=tuple((i * 60, 10.0) for i in range(49)))
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": too_many})
        assert answer["statusInfo"]["reasonCode"] == "InvalidSchedule"
        answer = await call(env, "SetChargingProfile", {"evseId": 9, "chargingProfile": profile()})
        assert answer["statusInfo"]["reasonCode"] == "UnknownEvse"  # K01.FR.28
        late_start = profile(periods=((60, 10.0),))
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": late_start})
        assert answer["statusInfo"]["reasonCode"] == "InvalidSchedule"  # K01.FR.31
        station_wide = profile(id=2, stack=1)
        assert (
            await call(env, "SetChargingProfile", {"evseId": 0, "chargingProfile": station_wide})
        )["status"] == "Accepted"
        same_level = profile(id=3, stack=1)
        answer = await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": same_level})
        assert answer["statusInfo"]["reasonCode"] == "DuplicateProfile"  # K01.FR.53


async def test_k01_fr_27_profiles_survive_a_restart_and_apply_offline(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sent = profile(periods=((0, 13.0),), purpose="ChargingStationMaxProfile")
        answer = await call(env, "SetChargingProfile", {"evseId": 0, "chargingProfile": sent})
        assert answer["status"] == "Accepted"
    async with running_station(config, control_period=0.05) as env:
        env.csms.refuse_next = 10**6  # offline from the start
        await trio.sleep(1)
        await charge(env)
        assert await offered_after_a_period(env) == 13


async def test_k08_composite_schedule_and_k10_clear(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        now = env.station.clock.now().replace(microsecond=0)
        await call(
            env,
            "SetChargingProfile",
            {
                "evseId": 0,
                "chargingProfile": profile(
                    id=1, purpose="ChargingStationMaxProfile", periods=((0, 20.0),), start=now
                ),
            },
        )
        await call(
            env,
            "SetChargingProfile",
            {
                "evseId": 1,
                "chargingProfile": profile(
                    id=2, periods=((0, 10.0), (300, 25.0)), start=now, duration=900
                ),
            },
        )
        answer = await call(
            env, "GetCompositeSchedule", {"evseId": 1, "duration": 1200, "chargingRateUnit": "A"}
        )
        assert answer["status"] == "Accepted"
        schedule = answer["schedule"]
        assert schedule["evseId"] == 1
        assert schedule["duration"] == 1200
        assert schedule["chargingRateUnit"] == "A"
        start = schedule["scheduleStart"]
        # scheduleStart: the time of the request rounded up to a whole second.
        asked = env.station.clock.now()
        whole = asked.replace(microsecond=0)
        begins = whole if whole == asked else whole + timedelta(seconds=1)
        assert start == format_date_time(begins)
        elapsed = int((begins - now).total_seconds())
        assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]] == [
            (0, 10.0),
            (300 - elapsed, 20.0),
        ]
        in_watts = await call(
            env, "GetCompositeSchedule", {"evseId": 1, "duration": 0, "chargingRateUnit": "W"}
        )
        assert in_watts["schedule"]["chargingSchedulePeriod"][0]["limit"] == 2300.0
        unknown = await call(env, "GetCompositeSchedule", {"evseId": 5, "duration": 60})
        assert unknown["status"] == "Rejected"  # K08.FR.05
        grid = await call(env, "GetCompositeSchedule", {"evseId": 0, "duration": 60})
        assert grid["schedule"]["chargingSchedulePeriod"][0]["limit"] == 20.0  # 10 + 32, max 20
        cleared = await call(
            env,
            "ClearChargingProfile",
            {"chargingProfileCriteria": {"chargingProfilePurpose": "TxDefaultProfile"}},
        )
        assert cleared["status"] == "Accepted"
        again = await call(env, "ClearChargingProfile", {"chargingProfileId": 2})
        assert again["status"] == "Unknown"
        after = await call(env, "GetCompositeSchedule", {"evseId": 1, "duration": 0})
        assert after["schedule"]["chargingSchedulePeriod"][0]["limit"] == 20.0
        none = await call(
            env, "GetChargingProfiles", {"requestId": 1, "chargingProfile": {"stackLevel": 4}}
        )
        assert none["status"] == "NoProfiles"
        entries = key("SmartChargingCtrlr", "Entries", "ChargingProfiles")
        assert env.station.device_model.get_int(entries) == 1


def tes(env, trigger=None):
    return [
        r.payload
        for r in env.csms.of("TransactionEvent")
        if trigger is None or r.payload["triggerReason"] == trigger
    ]


async def test_f01_fr_08_10_request_start_with_a_tx_profile_limits_that_transaction(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        start = {
            "idToken": {"idToken": CARD, "type": "ISO14443"},
            "remoteStartId": 41,
            "evseId": 1,
            "chargingProfile": profile(id=9, purpose="TxProfile", periods=((0, 8.0),)),
        }
        answer = await call(env, "RequestStartTransaction", start)
        assert answer["status"] == "Accepted"
        sim = env.station.hardware.sim
        sim.plug(1)
        await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is not None)
        sim.set_ev_state(1, "C")
        assert await offered_after_a_period(env) == 8
        transaction = env.station.transactions.transaction_id(1)
        await call(
            env, "GetChargingProfiles", {"requestId": 3, "chargingProfile": {"stackLevel": 0}}
        )
        [report] = await env.csms.wait_for("ReportChargingProfiles")
        [installed] = report.payload["chargingProfile"]
        assert installed["transactionId"] == transaction
        assert installed["chargingProfilePurpose"] == "TxProfile"


@pytest.mark.parametrize(
    "change", [{"chargingProfilePurpose": "TxDefaultProfile"}, {"transactionId": "given"}]
)
async def test_f01_fr_09_11_request_start_profile_must_be_a_tx_profile_without_transaction(
    config, autojump_clock, change
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        start = {
            "idToken": {"idToken": CARD, "type": "ISO14443"},
            "remoteStartId": 42,
            "chargingProfile": {**profile(id=9, purpose="TxProfile"), **change},
        }
        answer = await call(env, "RequestStartTransaction", start)
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"]["reasonCode"] == "InvalidProfile"


async def test_a_significant_limit_change_is_reported_as_charging_rate_changed(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        await trio.sleep(0.5)
        small = profile(id=1, periods=((0, 31.0),))  # 3 % < LimitChangeSignificance 10 %
        await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": small})
        await trio.sleep(0.5)
        assert tes(env, "ChargingRateChanged") == []
        large = profile(id=1, periods=((0, 16.0),))
        await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": large})
        await env.csms.wait(lambda: tes(env, "ChargingRateChanged"), timeout=5)
        [event] = tes(env, "ChargingRateChanged")
        assert event["eventType"] == "Updated"


async def test_grid_limit_is_shared_by_the_authorized_evses_and_never_exceeded(
    tmp_path, autojump_clock
):
    config = make_config(tmp_path / "data", hardware={"driver": "sim", "grid_max_current": 40})
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        allocations: list[dict[int, float]] = []

        async def watch() -> None:
            while True:
                allocations.append(dict(env.station.smart_charging.applied))
                await trio.sleep(0.01)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch)
            await charge(env, 1)
            assert await offered_after_a_period(env, 1) == 32  # alone: its own maximum
            await charge(env, 2, card="0DD0FEED")
            assert await offered_after_a_period(env, 1) == 20
            assert await offered_after_a_period(env, 2) == 20
            env.station.hardware.sim.unplug(1)
            # The PWM is raised no sooner than PWM_RAISE_INTERVAL_S after its last change.
            await trio.sleep(PWM_RAISE_INTERVAL_S)
            assert await offered_after_a_period(env, 2) == 32
            nursery.cancel_scope.cancel()
        assert all(sum(a.values()) <= 40 for a in allocations)
        assert any(a == {1: 20.0, 2: 20.0} for a in allocations)


async def test_an_authorization_within_a_started_transaction_reshares_the_grid_at_once(
    tmp_path, autojump_clock
):
    """TxStartPoint EVConnected: EVSE 2's transaction starts at the plug, and its card comes
    later. The authorization alone (the transaction is the same) gives it its share."""
    config = make_config(tmp_path / "data", hardware={"driver": "sim", "grid_max_current": 40})
    variables = {"TxCtrlr.TxStartPoint": "EVConnected"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env, 1)
        sim = env.station.hardware.sim
        sim.plug(2)
        transactions = env.station.transactions
        await env.csms.wait(lambda: transactions.transaction_id(2) is not None, timeout=30)
        started = transactions.transaction_id(2)
        assert await offered_after_a_period(env, 1) == 32  # EVSE 2 has no authorization yet
        sim.tap("0DD0FEED")
        await env.csms.wait(lambda: transactions.session(2).authorized, timeout=30)
        assert transactions.transaction_id(2) == started
        assert await offered_after_a_period(env, 1) == 20  # well within the 60 s re-check
        assert env.station.smart_charging.applied[2] == 20


async def test_k11_k13_external_limit_during_a_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        smart = env.station.smart_charging
        assert await smart.set_external_limit(1, 10.0, "EMS") is True
        assert await offered_after_a_period(env) == 10  # K11.FR.01
        [notify] = env.csms.of("NotifyChargingLimit")
        assert notify.payload["evseId"] == 1
        assert notify.payload["chargingLimit"]["chargingLimitSource"] == "EMS"  # K11.FR.05
        assert "chargingSchedule" not in notify.payload  # NotifyChargingLimitWithSchedules false
        await env.csms.wait(lambda: tes(env, "ChargingRateChanged"), timeout=5)  # K11.FR.04
        # Less than LimitChangeSignificance (10 %): applied, not notified (K11.FR.02).
        assert await smart.set_external_limit(1, 9.5, "EMS") is False
        assert await offered_after_a_period(env) == 9.5
        assert len(env.csms.of("NotifyChargingLimit")) == 1
        # K11.FR.06: reported as ChargingStationExternalConstraints, with its source.
        await call(
            env,
            "GetChargingProfiles",
            {"requestId": 2, "chargingProfile": {"chargingLimitSource": ["EMS"]}},
        )
        [report] = await env.csms.wait_for("ReportChargingProfiles")
        assert report.payload["chargingLimitSource"] == "EMS"
        [external] = report.payload["chargingProfile"]
        assert external["chargingProfilePurpose"] == "ChargingStationExternalConstraints"
        assert external["id"] < 0
        # The CSMS cannot clear it; the local source can (K13).
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileId": external["id"]})
        assert cleared["status"] == "Unknown"
        assert await smart.clear_external_limit(1, "EMS") is True
        [released] = await env.csms.wait_for("ClearedChargingLimit")  # K13.FR.02
        assert released.payload == {"chargingLimitSource": "EMS", "evseId": 1}
        await trio.sleep(PWM_RAISE_INTERVAL_S)
        assert await offered_after_a_period(env) == 32  # K13.FR.01
        assert len(tes(env, "ChargingRateChanged")) == 2  # K13.FR.03


async def test_k12_station_wide_external_limit_without_a_transaction_survives_a_restart(
    config, autojump_clock
):
    variables = {"SmartChargingCtrlr.NotifyChargingLimitWithSchedules": "true"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await env.station.smart_charging.set_external_limit(0, 12.0, "SO", grid_critical=True)
        [notify] = env.csms.of("NotifyChargingLimit")
        assert notify.payload["evseId"] == 0
        assert notify.payload["chargingLimit"] == {
            "chargingLimitSource": "SO",
            "isGridCritical": True,
        }
        [schedule] = notify.payload["chargingSchedule"]  # K12.FR.03
        assert schedule["chargingSchedulePeriod"] == [{"startPeriod": 0, "limit": 12.0}]
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        assert await offered_after_a_period(env) == 12  # K12.FR.01, kept across the restart


async def test_daily_profile_follows_the_station_time_zone_across_dst(config, autojump_clock):
    """A daily profile set for 18:00 local in summer time still starts at 18:00 local in
    winter (ClockCtrlr.TimeZone), an hour later in UTC."""
    variables = {"ClockCtrlr.TimeZone": "Europe/Amsterdam"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        summer = datetime(2025, 10, 25, 16, 0, tzinfo=UTC)  # 18:00 CEST (UTC+2)
        sent = profile(
            id=5, kind="Recurring", start=summer, duration=3600, periods=((0, 8.0),),
            recurrencyKind="Daily",
        )  # fmt: skip
        assert (await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": sent}))[
            "status"
        ] == "Accepted"
        answer = await call(env, "GetCompositeSchedule", {"evseId": 1, "duration": 12 * 3600})
        start = datetime.fromisoformat(answer["schedule"]["scheduleStart"])
        periods = answer["schedule"]["chargingSchedulePeriod"]
        begins = start + timedelta(seconds=periods[1]["startPeriod"])
        assert (begins.hour, begins.minute, periods[1]["limit"]) == (17, 0, 8.0)  # 18:00 CET
        ends = start + timedelta(seconds=periods[2]["startPeriod"])
        assert ends - begins == timedelta(hours=1)


async def test_the_offered_current_of_a_profile_is_reported_as_current_offered(
    config, autojump_clock
):
    variables = {
        "SampledDataCtrlr.TxUpdatedMeasurands": "Current.Offered,Power.Offered",
        "SampledDataCtrlr.TxUpdatedInterval": 5,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile()})

        def offered() -> list[tuple[str, float]]:
            return [
                (sampled["measurand"], sampled["value"])
                for event in tes(env)
                for value in event.get("meterValue", [])
                for sampled in value["sampledValue"]
                if sampled.get("measurand", "").endswith("Offered")
            ]

        def near(measurand: str, value: float, tolerance: float) -> bool:
            # The PWM duty has a resolution: 10 A is offered as 9.99–10.01 A.
            return any(m == measurand and abs(v - value) <= tolerance for m, v in offered())

        await env.csms.wait(lambda: near("Current.Offered", 10.0, 0.05), timeout=30)
        # 10 A × the measured voltage × 1 phase.
        assert near("Power.Offered", 2300.0, 30.0), offered()


async def test_a_profile_whose_write_fails_is_taken_back_and_not_accepted(config, autojump_clock):
    async with running_station(config) as env:
        await booted(env)
        await call(env, "SetChargingProfile", {"evseId": 1, "chargingProfile": profile()})
        assert env.station.smart_charging.limit(1) == 10
        store, run = env.station.store, env.station.store.run

        async def disk_full(fn):
            await trio.sleep(0.01)  # the new profile is applied meanwhile
            raise sqlite3.OperationalError("database or disk is full")

        store.run = disk_full
        try:
            frame = await env.csms.call(
                "SetChargingProfile",
                {"evseId": 1, "chargingProfile": profile(periods=((0, 16.0),))},
            )
        finally:
            store.run = run
        assert hasattr(frame, "code")  # a CALLERROR, not Accepted
        # The profile it was to replace is back, with its limit.
        assert env.station.smart_charging.limit(1) == 10
        [stored] = env.station.smart_charging.profiles()
        assert stored.periods[0].limit == 10


# -- Station-level limits: the EVSEs together (K04.FR.05) --------------------------------


async def composite_now(env, evse: int, unit: str = "A", duration: int = 0) -> list:
    answer = await call(
        env,
        "GetCompositeSchedule",
        {"evseId": evse, "duration": duration, "chargingRateUnit": unit},
    )
    assert answer["status"] == "Accepted"
    return [(p["startPeriod"], p["limit"]) for p in answer["schedule"]["chargingSchedulePeriod"]]


class Allocations:
    """Every allocation the station applies, sampled each 10 ms of (mock) time."""

    def __init__(self, env) -> None:
        self.seen: list[dict[int, float]] = []
        self._env = env

    async def watch(self) -> None:
        while True:
            self.seen.append(dict(self._env.station.smart_charging.applied))
            await trio.sleep(0.01)


async def test_a_charging_station_max_profile_is_shared_by_the_evses_not_given_to_each(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, 1)
        second = await charge(env, 2, card="0DD0FEED")
        own = profile(id=2, periods=((0, 20.0),))  # EVSE 2's own limit
        assert (await call(env, "SetChargingProfile", {"evseId": 2, "chargingProfile": own}))[
            "status"
        ] == "Accepted"
        # No station-level limit: nothing is shared, each EVSE has its own limit.
        assert (await offered_after_a_period(env, 1), offered(env, 2)) == (32, 20)
        allocations = Allocations(env)
        async with trio.open_nursery() as nursery:
            station_max = profile(id=1, purpose="ChargingStationMaxProfile", periods=((0, 32.0),))
            answer = await call(
                env, "SetChargingProfile", {"evseId": 0, "chargingProfile": station_max}
            )
            assert answer["status"] == "Accepted"
            nursery.start_soon(allocations.watch)
            # K04.FR.05: 32 A for the station, 16 + 16, not 32 + 20.
            assert (await offered_after_a_period(env, 1), offered(env, 2)) == (16, 16)
            # K08.FR.04: an EVSE's composite is at most the station's maximum (TC_K_41);
            # K08.FR.03: the grid connection's is the EVSEs together, at most it too.
            assert await composite_now(env, 1) == [(0, 32.0)]
            assert await composite_now(env, 2) == [(0, 20.0)]
            assert await composite_now(env, 0) == [(0, 32.0)]
            # EVSE 1's transaction ends: EVSE 2 may have all 32 A, up to its own 20 A.
            env.station.hardware.sim.unplug(1)
            await trio.sleep(PWM_RAISE_INTERVAL_S)
            assert await offered_after_a_period(env, 2) == 20
            # 16 → 20 A is a significant change of what EVSE 2's transaction is offered.
            await env.csms.wait(
                lambda: any(
                    e["transactionInfo"]["transactionId"] == second
                    for e in tes(env, "ChargingRateChanged")
                ),
                timeout=10,
            )
            await call(env, "ClearChargingProfile", {"chargingProfileId": 2})
            await trio.sleep(PWM_RAISE_INTERVAL_S)
            assert await offered_after_a_period(env, 2) == 32
            nursery.cancel_scope.cancel()
        assert all(sum(a.values()) <= 32 for a in allocations.seen)
        assert {1: 16.0, 2: 16.0} in allocations.seen


async def test_a_station_max_profile_in_watts_is_converted_and_shared_at_its_boundaries(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, 1)
        await charge(env, 2, card="0DD0FEED")
        now = env.station.clock.now()
        # 7360 W = 32 A and 4600 W = 20 A on the reference station's one phase at 230 V.
        station_max = profile(
            id=1, purpose="ChargingStationMaxProfile", unit="W", start=now,
            periods=((0, 7360.0), (60, 4600.0)),
        )  # fmt: skip
        answer = await call(
            env, "SetChargingProfile", {"evseId": 0, "chargingProfile": station_max}
        )
        assert answer["status"] == "Accepted"
        assert (await offered_after_a_period(env, 1), offered(env, 2)) == (16, 16)
        assert await composite_now(env, 0, "W") == [(0, 7360.0)]
        await trio.sleep(60 - 0.2 - 0.1)
        assert (offered(env, 1), offered(env, 2)) == (16, 16)
        await trio.sleep(0.2)  # the boundary plus two control periods: lowered at once
        assert (offered(env, 1), offered(env, 2)) == (10, 10)
        # An EVSE that ends its transaction leaves its share to the other.
        env.station.hardware.sim.unplug(2)
        await trio.sleep(PWM_RAISE_INTERVAL_S)
        assert await offered_after_a_period(env, 1) == 20


async def test_a_station_wide_local_limit_is_shared_by_the_evses(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, 1)
        await charge(env, 2, card="0DD0FEED")
        smart = env.station.smart_charging
        await smart.set_external_limit(0, 24.0, "EMS")  # K12: for the station as a whole
        assert (await offered_after_a_period(env, 1), offered(env, 2)) == (12, 12)
        assert smart.applied == {1: 12.0, 2: 12.0}  # Modbus EFFECTIVE_LIMIT reads these
        assert await composite_now(env, 0) == [(0, 24.0)]
        # EVSE 1's own local limit of 8 A leaves the rest of the station's to EVSE 2.
        await smart.set_external_limit(1, 8.0, "EMS")
        await trio.sleep(PWM_RAISE_INTERVAL_S)
        assert (await offered_after_a_period(env, 1), offered(env, 2)) == (8, 16)
        # Released: no station-level limit, each EVSE its own limit again.
        await smart.clear_external_limit(0, "EMS")
        await trio.sleep(PWM_RAISE_INTERVAL_S)
        assert (await offered_after_a_period(env, 1), offered(env, 2)) == (8, 32)


async def test_k08_fr_03_the_grid_composite_follows_the_station_maximum_where_no_evse_changes(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        start = env.station.clock.now().replace(microsecond=0)
        station_max = profile(
            id=1, purpose="ChargingStationMaxProfile", start=start,
            periods=((0, 64.0), (120, 40.0)),
        )  # fmt: skip
        answer = await call(
            env, "SetChargingProfile", {"evseId": 0, "chargingProfile": station_max}
        )
        assert answer["status"] == "Accepted"
        answer = await call(
            env, "GetCompositeSchedule", {"evseId": 0, "duration": 300, "chargingRateUnit": "A"}
        )
        begin = datetime.fromisoformat(answer["schedule"]["scheduleStart"])
        periods = [
            (begin + timedelta(seconds=p["startPeriod"]), p["limit"])
            for p in answer["schedule"]["chargingSchedulePeriod"]
        ]
        # Each EVSE's composite is its 32 A throughout; the EVSEs together, 64 A, are
        # capped at 40 A from the maximum's second period.
        assert periods == [(begin, 64.0), (start + timedelta(seconds=120), 40.0)]
