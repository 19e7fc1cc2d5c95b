"""The Charging-Station test cases of the OCA Smart Charging profile (Part 5 §4.5), one
test each, following each case's steps and tool validations (Part 6, TC_K_*)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import trio

from station.ocpp.datetimes import format_date_time
from tests.conftest import booted, call, make_config, running_station
from tests.test_smart_charging_cases import CARD, charge, profile

#: The station's own maximum where no profile limits ("local limit", not validated).
LOCAL = 32.0


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def now_s(env):
    """The station's time rounded up to a whole second (the composite's scheduleStart)."""
    now = env.station.clock.now()
    whole = now.replace(microsecond=0)
    return whole if whole == now else whole + timedelta(seconds=1)


async def set_profile(env, evse: int, sent: dict) -> dict:
    return await call(env, "SetChargingProfile", {"evseId": evse, "chargingProfile": sent})


async def report(env, request: dict) -> tuple[dict, list[dict]]:
    """GetChargingProfiles and the ReportChargingProfiles it brings (all parts)."""
    before = len(env.csms.of("ReportChargingProfiles"))
    answer = await call(env, "GetChargingProfiles", {"requestId": 77, **request})
    if answer["status"] != "Accepted":
        return answer, []
    await env.csms.wait(
        lambda: any("tbc" not in r.payload for r in env.csms.of("ReportChargingProfiles")[before:]),
        timeout=10,
    )
    reports = [r.payload for r in env.csms.of("ReportChargingProfiles")[before:]]
    assert all(r["requestId"] == 77 for r in reports)
    return answer, reports


async def composite(env, evse: int, duration: int, unit: str = "A") -> list[tuple[int, float]]:
    answer = await call(
        env,
        "GetCompositeSchedule",
        {"evseId": evse, "duration": duration, "chargingRateUnit": unit},
    )
    assert answer["status"] == "Accepted"
    schedule = answer["schedule"]
    assert (schedule["evseId"], schedule["duration"], schedule["chargingRateUnit"]) == (
        evse,
        duration,
        unit,
    )
    assert schedule["scheduleStart"] == format_date_time(now_s(env))
    return [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]


# -- Set Charging Profile ----------------------------------------------------------------


async def test_tc_k_10_tx_default_profile_all_evses(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sent = profile(id=10, periods=((0, 6.0),), duration=3600)
        assert (await set_profile(env, 0, sent))["status"] == "Accepted"
        _, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [10]}})
        assert (part["evseId"], part["chargingProfile"]) == (0, [sent])
        await charge(env, 2)
        await trio.sleep(0.2)
        assert round(env.station.loops[2].snapshot.offered_current, 1) == 6  # K01.FR.14


async def test_tc_k_60_tx_profile_with_ongoing_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction = await charge(env)
        sent = profile(
            id=60,
            purpose="TxProfile",
            kind="Relative",
            periods=((0, 6.0),),
            transactionId=transaction,
        )
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
        _, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [60]}})
        assert part["chargingProfile"] == [sent]


async def test_tc_k_02_tx_profile_without_ongoing_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sent = profile(id=2, purpose="TxProfile", kind="Relative", transactionId="x")
        assert (await set_profile(env, 1, sent))["status"] == "Rejected"


async def test_tc_k_11_unable_to_set_tx_profile_on_all_evses(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction = await charge(env)
        sent = profile(id=11, purpose="TxProfile", kind="Relative", transactionId=transaction)
        assert (await set_profile(env, 0, sent))["status"] == "Rejected"


async def test_tc_k_03_charging_station_max_profile(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sent = profile(id=3, purpose="ChargingStationMaxProfile", periods=((0, 16.0),))
        assert (await set_profile(env, 0, sent))["status"] == "Accepted"
        answer, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [3]}})
        assert answer["status"] == "Accepted"
        assert (part["evseId"], part["chargingProfile"]) == (0, [sent])


@pytest.mark.parametrize("recurrency", ["Daily", "Weekly"])
async def test_tc_k_19_recurring_profile(config, autojump_clock, recurrency):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        start = now_s(env) - timedelta(days=8, hours=1)
        sent = profile(
            id=19,
            kind="Recurring",
            recurrencyKind=recurrency,
            start=start,
            duration=7200,
            periods=((0, 8.0),),
        )
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
        # One hour into today's (or this week's) recurrence of a 2 h schedule.
        expected = [(0, 8.0), (3600, LOCAL)] if recurrency == "Daily" else [(0, LOCAL)]
        if recurrency == "Weekly":
            # The weekly run began 1 day and 1 h ago: its 2 h are over.
            assert await composite(env, 1, 3600) == expected
        else:
            assert await composite(env, 1, 7200) == expected


async def test_tc_k_13_persistent_over_reboot(config, autojump_clock):
    sent = profile(id=13, periods=((0, 10.0),))
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [13]}})
        assert (part["evseId"], part["chargingProfile"]) == (1, [sent])


async def test_tc_k_14_unexisting_evse_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await set_profile(env, 3, profile()))["status"] == "Rejected"


async def test_tc_k_28_tx_default_profile_with_transaction_ongoing(config, autojump_clock):
    variables = {"SmartChargingCtrlr.LimitChangeSignificance": 1.0}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        now = now_s(env)
        sent = profile(
            id=28,
            start=now - timedelta(seconds=5),
            duration=300,
            periods=((0, 6.0),),
            validFrom=format_date_time(now - timedelta(seconds=5)),
            validTo=format_date_time(now + timedelta(seconds=305)),
        )
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
        assert (await composite(env, 1, 300))[0] == (0, 6.0)


async def test_tc_k_16_unknown_transaction_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        sent = profile(id=16, purpose="TxProfile", kind="Relative", transactionId="unknown-tx")
        assert (await set_profile(env, 1, sent))["status"] == "Rejected"


async def test_tc_k_21_valid_from(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        now = now_s(env)
        sent = profile(
            id=21,
            kind="Relative",
            periods=((0, 6.0),),
            validFrom=format_date_time(now + timedelta(seconds=300)),
        )
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
        assert await composite(env, 1, 400) == [(0, LOCAL), (300, 6.0)]


async def test_tc_k_22_valid_to(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        now = now_s(env)
        sent = profile(
            id=22,
            start=now,
            periods=((0, 6.0),),
            validFrom=format_date_time(now - timedelta(seconds=5)),
            validTo=format_date_time(now + timedelta(seconds=300)),
        )
        assert (await set_profile(env, 0, sent))["status"] == "Accepted"
        # For EVSE 0 the limit is that of both EVSEs together.
        assert await composite(env, 0, 400) == [(0, 12.0), (300, 2 * LOCAL)]
        for evse in (1, 2):
            assert await composite(env, evse, 400) == [(0, 6.0), (300, LOCAL)]


async def test_tc_k_23_start_schedule(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        now = now_s(env)
        sent = profile(
            id=23,
            start=now + timedelta(seconds=60),
            periods=((0, 6.0),),
            validFrom=format_date_time(now + timedelta(seconds=50)),
            validTo=format_date_time(now + timedelta(seconds=400)),
        )
        assert (await set_profile(env, 1, sent))["status"] == "Accepted"
        assert await composite(env, 1, 300) == [(0, LOCAL), (60, 6.0)]


async def test_tc_k_04_replace_charging_profile_with_the_same_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await set_profile(env, 1, profile(id=4, periods=((0, 10.0),)))
        replacement = profile(id=4, periods=((0, 12.0),), stack=2)
        assert (await set_profile(env, 1, replacement))["status"] == "Accepted"
        _, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [4]}})
        assert part["chargingProfile"] == [replacement]


# -- Remote start with a charging profile ------------------------------------------------


async def test_tc_k_37_remote_start_with_a_relative_tx_profile(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.plug(1)  # EVConnectedPreSession
        await trio.sleep(0.2)
        start = {
            "idToken": {"idToken": CARD, "type": "ISO14443"},
            "remoteStartId": 37,
            "evseId": 1,
            "chargingProfile": profile(
                id=37, purpose="TxProfile", kind="Relative", periods=((0, 6.0),)
            ),
        }
        assert (await call(env, "RequestStartTransaction", start))["status"] == "Accepted"
        await env.csms.wait(
            lambda: env.station.transactions.transaction_id(1) is not None, timeout=30
        )
        env.station.hardware.sim.set_ev_state(1, "C")  # EnergyTransferStarted
        await trio.sleep(0.5)
        assert env.station.loops[1].snapshot.relay_closed
        assert round(env.station.loops[1].snapshot.offered_current, 1) == 6


# -- Get Composite Schedule --------------------------------------------------------------


async def test_tc_k_39_no_charging_profile_installed(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await composite(env, 0, 300))[0][0] == 0


async def test_tc_k_40_stacking_charging_profiles(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        now = now_s(env)
        window = {
            "validFrom": format_date_time(now),
            "validTo": format_date_time(now + timedelta(seconds=401)),
        }
        first = profile(
            id=1, start=now, duration=400, periods=((0, 6.0), (100, 8.0), (200, 10.0)), **window
        )
        second = profile(
            id=2, stack=1, start=now, duration=150, periods=((0, 7.0), (100, 9.0)), **window
        )
        assert (await set_profile(env, 1, first))["status"] == "Accepted"
        assert (await set_profile(env, 1, second))["status"] == "Accepted"
        assert await composite(env, 1, 350) == [(0, 7.0), (100, 9.0), (150, 8.0), (200, 10.0)]


async def test_tc_k_41_combining_charging_profile_purposes(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction = await charge(env)
        now = now_s(env)
        window = {
            "validFrom": format_date_time(now),
            "validTo": format_date_time(now + timedelta(seconds=401)),
        }
        station_max = profile(
            id=1, purpose="ChargingStationMaxProfile", start=now, duration=86400,
            periods=((0, 10.0),),
        )  # fmt: skip
        default = profile(
            id=2, start=now, duration=300,
            periods=((0, 6.0), (60, 10.0), (120, 8.0), (180, 15.0), (260, 8.0)), **window,
        )  # fmt: skip
        tx = profile(
            id=3, purpose="TxProfile", start=now, duration=260, transactionId=transaction,
            periods=((0, 8.0), (50, 11.0), (140, 16.0), (200, 6.0), (240, 12.0)), **window,
        )  # fmt: skip
        assert (await set_profile(env, 0, station_max))["status"] == "Accepted"
        assert (await set_profile(env, 1, default))["status"] == "Accepted"
        assert (await set_profile(env, 1, tx))["status"] == "Accepted"
        periods = await composite(env, 1, 400)
        assert periods[:4] == [(0, 8.0), (50, 10.0), (200, 6.0), (240, 10.0)]
        # After the TxProfile's 260 s the TxDefaultProfile shows through (8 A until its
        # 300 s end), then the station maximum.
        assert periods[4:] == [(260, 8.0), (300, 10.0)]


async def test_tc_k_47_unknown_evse_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(env, "GetCompositeSchedule", {"evseId": 5, "duration": 300})
        assert answer["status"] == "Rejected"


# -- Get Charging Profiles ---------------------------------------------------------------


async def two_profiles(env) -> tuple[dict, dict]:
    station_max = profile(id=101, purpose="ChargingStationMaxProfile", periods=((0, 20.0),))
    default = profile(id=102, stack=1, periods=((0, 10.0),))
    assert (await set_profile(env, 0, station_max))["status"] == "Accepted"
    assert (await set_profile(env, 1, default))["status"] == "Accepted"
    return station_max, default


async def test_tc_k_29_get_charging_profiles_evse_0(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        station_max, _ = await two_profiles(env)
        _, [part] = await report(env, {"evseId": 0, "chargingProfile": {}})
        assert part["chargingProfile"] == [station_max]


async def test_tc_k_30_get_charging_profiles_evse_above_0(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        _, [part] = await report(env, {"evseId": 1, "chargingProfile": {}})
        assert (part["evseId"], part["chargingProfile"]) == (1, [default])


async def test_tc_k_31_get_charging_profiles_without_evse(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        station_max, default = await two_profiles(env)
        _, parts = await report(env, {"chargingProfile": {}})
        reported = [p for part in parts for p in part["chargingProfile"]]
        assert sorted(reported, key=lambda p: p["id"]) == [station_max, default]


async def test_tc_k_32_get_charging_profiles_by_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        _, [part] = await report(env, {"chargingProfile": {"chargingProfileId": [102]}})
        assert part["chargingProfile"] == [default]


async def test_tc_k_33_get_charging_profiles_evse_and_stack_level(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        _, [part] = await report(env, {"evseId": 1, "chargingProfile": {"stackLevel": 1}})
        assert part["chargingProfile"] == [default]
        answer, _ = await report(env, {"evseId": 1, "chargingProfile": {"stackLevel": 0}})
        assert answer["status"] == "NoProfiles"


async def test_tc_k_34_get_charging_profiles_evse_and_limit_source(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        criterion = {"chargingLimitSource": ["CSO"]}
        _, [part] = await report(env, {"evseId": 1, "chargingProfile": criterion})
        assert part["chargingProfile"] == [default]
        assert part["chargingLimitSource"] == "CSO"
        criterion = {"chargingLimitSource": ["EMS"]}
        answer, _ = await report(env, {"evseId": 1, "chargingProfile": criterion})
        assert answer["status"] == "NoProfiles"


async def test_tc_k_35_get_charging_profiles_evse_and_purpose(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        criterion = {"chargingProfilePurpose": "TxDefaultProfile"}
        _, [part] = await report(env, {"evseId": 1, "chargingProfile": criterion})
        assert part["chargingProfile"] == [default]


async def test_tc_k_36_get_charging_profiles_evse_purpose_and_stack_level(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        _, default = await two_profiles(env)
        criterion = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1}
        _, [part] = await report(env, {"evseId": 1, "chargingProfile": criterion})
        assert part["chargingProfile"] == [default]


# -- Clear Charging Profile --------------------------------------------------------------


async def test_tc_k_05_clear_with_charging_profile_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await two_profiles(env)
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileId": 102})
        assert cleared["status"] == "Accepted"
        answer, _ = await report(env, {"chargingProfile": {"chargingProfileId": [102]}})
        assert answer["status"] == "NoProfiles"


async def test_tc_k_06_clear_with_stack_level_and_purpose(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)  # EnergyTransferStarted
        await two_profiles(env)
        criteria = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 1}
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileCriteria": criteria})
        assert cleared["status"] == "Accepted"
        answer, _ = await report(env, {"chargingProfile": criteria})
        assert answer["status"] == "NoProfiles"


async def test_tc_k_07_clear_with_unknown_stack_level_and_purpose(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await set_profile(env, 1, profile(id=7, stack=1))
        criteria = {"chargingProfilePurpose": "ChargingStationMaxProfile", "stackLevel": 0}
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileCriteria": criteria})
        assert cleared["status"] == "Unknown"


async def test_tc_k_08_clear_without_previous_charging_profile(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileId": 8})
        assert cleared["status"] == "Unknown"


async def test_tc_k_09_clear_a_tx_default_profile_with_ongoing_transaction(config, autojump_clock):
    variables = {"SmartChargingCtrlr.LimitChangeSignificance": 1.0}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        now = now_s(env)
        await set_profile(
            env,
            1,
            profile(
                id=9,
                start=now,
                duration=400,
                periods=((0, 6.0),),
                validFrom=format_date_time(now),
                validTo=format_date_time(now + timedelta(seconds=401)),
            ),
        )
        await charge(env)
        assert (await composite(env, 1, 300))[0] == (0, 6.0)
        criteria = {"chargingProfilePurpose": "TxDefaultProfile"}
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileCriteria": criteria})
        assert cleared["status"] == "Accepted"
        assert await composite(env, 1, 300) == [(0, LOCAL)]


async def test_tc_k_24_clear_with_stack_level_and_purpose_for_several_profiles(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await set_profile(env, 1, profile(id=241, stack=2)))["status"] == "Accepted"
        assert (await set_profile(env, 2, profile(id=242, stack=2)))["status"] == "Accepted"
        criteria = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": 2}
        cleared = await call(env, "ClearChargingProfile", {"chargingProfileCriteria": criteria})
        assert cleared["status"] == "Accepted"
        answer, _ = await report(env, {"chargingProfile": criteria})
        assert answer["status"] == "NoProfiles"
