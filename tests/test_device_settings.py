"""Device-model settings that change what the station does (issue: settings that did nothing).

Each test sets one variable, runs the station on the simulator with the in-memory CSMS
(MockClock), and checks what the CSMS sees.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
import trio

from station.app import RESET_RETRY_DELAY, Runtime, Station, run_station
from station.clock import WallClock, local_time
from station.devicemodel.model import key
from station.offload import InlineOffload
from station.ops.commands import render_status
from station.store import StoreError
from tests.conftest import START, make_config, running_station
from tests.memcsms import MemoryCsms, NoReply
from tests.test_transactions_e2e import CARD, booted, call, charge, tes


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def test_sampled_data_disabled_sends_no_sampled_meter_values(config, autojump_clock):
    """SampledDataCtrlr.Enabled = false: no Transaction.Begin/End, periodic or Ended
    samples (Part 2 SampledDataCtrlr.Enabled), whatever the intervals say."""
    variables = {
        "SampledDataCtrlr.Enabled": "false",
        "SampledDataCtrlr.TxUpdatedInterval": 10,
        "SampledDataCtrlr.TxEndedInterval": 10,
        "AlignedDataCtrlr.Interval": 0,
        "AlignedDataCtrlr.TxEndedInterval": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        await trio.sleep(60)
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait(lambda: tes(env, eventType="Ended"), timeout=60)
        events = tes(env)
        assert [e["triggerReason"] for e in events if e["eventType"] == "Updated"].count(
            "MeterValuePeriodic"
        ) == 0
        assert all("meterValue" not in e for e in events), events


async def test_sampled_data_enabled_sends_them(config, autojump_clock):
    """The same run with sampled data enabled (the default): the values are there."""
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 10,
        "SampledDataCtrlr.TxEndedInterval": 10,
        "AlignedDataCtrlr.Interval": 0,
        "AlignedDataCtrlr.TxEndedInterval": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        await trio.sleep(60)
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait(lambda: tes(env, eventType="Ended"), timeout=60)
        assert tes(env, triggerReason="MeterValuePeriodic")
        assert tes(env, eventType="Started")[0]["meterValue"]
        assert len(tes(env, eventType="Ended")[0]["meterValue"]) > 2


async def test_aligned_data_disabled_sends_no_clock_aligned_values(config, autojump_clock):
    """AlignedDataCtrlr.Enabled = false: no MeterValues at the quarter hours while idle,
    none in a transaction, no Sample.Clock values in the Ended event."""
    variables = {
        "AlignedDataCtrlr.Enabled": "false",
        "AlignedDataCtrlr.Interval": 900,
        "AlignedDataCtrlr.TxEndedInterval": 900,
    }
    async with running_station(config, variables=variables, control_period=0.25) as env:
        await booted(env)
        await trio.sleep(1000)
        assert env.csms.of("MeterValues") == []
        await charge(env)
        await trio.sleep(1000)
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait(lambda: tes(env, eventType="Ended"), timeout=60)
        assert tes(env, triggerReason="MeterValueClock") == []
        (ended,) = tes(env, eventType="Ended")
        contexts = {sv.get("context") for mv in ended["meterValue"] for sv in mv["sampledValue"]}
        assert "Sample.Clock" not in contexts
        # Enabling it takes effect without a restart.
        await env.station.device_model.set(key("AlignedDataCtrlr", "Enabled"), "true")
        values = await env.csms.wait_for("MeterValues", count=2, timeout=1000)
        assert values[0].payload["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"


def set_variable(component: str, variable: str, value: str) -> dict:
    return {
        "setVariableData": [
            {
                "component": {"name": component},
                "variable": {"name": variable},
                "attributeValue": value,
            }
        ]
    }


def get_variable(component: str, variable: str) -> dict:
    return {"getVariableData": [{"component": {"name": component}, "variable": {"name": variable}}]}


async def test_time_zone_is_checked_and_shows_the_local_time(config, autojump_clock):
    """ClockCtrlr.TimeZone (PICS C-26) is for display: `station status` shows the local
    time in that zone, daylight saving included; a name that is no zone is Rejected and
    every OCPP timestamp stays UTC."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        bad = await call(env, "SetVariables", set_variable("ClockCtrlr", "TimeZone", "Mars/Base"))
        assert bad["setVariableResult"][0]["attributeStatus"] == "Rejected"
        good = await call(
            env, "SetVariables", set_variable("ClockCtrlr", "TimeZone", "Europe/Oslo")
        )
        assert good["setVariableResult"][0]["attributeStatus"] == "Accepted"
        status = env.station.status()
        # START is 08:00 UTC on a January day: Oslo is at +01:00 then.
        assert status["local_time"].startswith("2026-01-05T09:00")
        assert status["local_time"].endswith("+01:00")
        assert "local time: 2026-01-05T09:00" in render_status(status)
        env.station.hardware.sim.plug(1)
        notification = await env.csms.wait_for("StatusNotification", count=3)
        assert notification[-1].payload["timestamp"].endswith("Z")


def test_local_time_follows_daylight_saving_time():
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert local_time(summer, "Europe/Oslo").isoformat() == "2026-07-01T14:00:00+02:00"
    assert local_time(summer, "").isoformat() == "2026-07-01T12:00:00+00:00"


async def test_queue_all_messages_is_read_only_false(config, autojump_clock):
    """OCPPCommCtrlr.QueueAllMessages says what the station does (it queues transaction
    and security messages only), and cannot be set to promise more."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(
            env, "SetVariables", set_variable("OCPPCommCtrlr", "QueueAllMessages", "true")
        )
        assert answer["setVariableResult"][0]["attributeStatus"] == "Rejected"
        got = await call(env, "GetVariables", get_variable("OCPPCommCtrlr", "QueueAllMessages"))
        assert got["getVariableResult"][0]["attributeValue"] == "false"


async def _station_whose_restarts_fail(config, monkeypatch, failures: int):
    """Station.create fails ``failures`` times after the first start (a reset that fails)."""
    real_create = Station.create.__func__
    attempts: list[float] = []

    async def create(cls, config, runtime=None):
        attempts.append(trio.current_time())
        if 1 < len(attempts) <= 1 + failures:
            raise StoreError("data directory is not readable")
        return await real_create(cls, config, runtime)

    monkeypatch.setattr(Station, "create", classmethod(create))
    return attempts


def _runtime(csms: MemoryCsms, clock: WallClock) -> Runtime:
    return Runtime(
        clock=clock,
        rng=random.Random(1),
        offload=InlineOffload(),
        dial=csms.dial,
        control_period=0.05,
    )


async def _reset(csms: MemoryCsms, retries: int) -> None:
    await csms.wait_for("StatusNotification", count=2)
    answer = await csms.call(
        "SetVariables", set_variable("OCPPCommCtrlr", "ResetRetries", str(retries))
    )
    assert answer.payload["setVariableResult"][0]["attributeStatus"] == "Accepted"
    answer = await csms.call("Reset", {"type": "Immediate"})
    assert answer.payload["status"] == "Accepted"


async def test_a_failed_reset_is_retried_reset_retries_times(config, autojump_clock, monkeypatch):
    """OCPPCommCtrlr.ResetRetries: a reset whose restart fails is tried again, up to that
    many times, RESET_RETRY_DELAY apart."""
    attempts = await _station_whose_restarts_fail(config, monkeypatch, failures=2)
    clock = WallClock(start=START)
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        csms = MemoryCsms(nursery, now=lambda: clock.now().isoformat())
        nursery.start_soon(run_station, config, _runtime(csms, clock), stop)
        await _reset(csms, retries=2)
        boots = await csms.wait_for("BootNotification", count=2, timeout=120)
        assert boots[1].payload["reason"] == "RemoteReset"
        assert len(attempts) == 4  # the first start, two failed restarts, one that worked
        assert attempts[3] - attempts[2] == pytest.approx(RESET_RETRY_DELAY)
        stop.set()
        nursery.cancel_scope.cancel()


async def test_a_reset_that_keeps_failing_gives_up_after_reset_retries(
    config, autojump_clock, monkeypatch
):
    """After ResetRetries failed retries the error ends `run_station` (and the process:
    the service manager takes over)."""
    attempts = await _station_whose_restarts_fail(config, monkeypatch, failures=10)
    clock = WallClock(start=START)
    async with trio.open_nursery() as nursery:
        csms = MemoryCsms(nursery, now=lambda: clock.now().isoformat())

        async def reset_when_up() -> None:
            await _reset(csms, retries=1)

        nursery.start_soon(reset_when_up)
        with pytest.raises(StoreError):
            await run_station(config, _runtime(csms, clock))
        assert len(attempts) == 3  # the first start, the restart and one retry
        nursery.cancel_scope.cancel()


async def test_authorize_unanswered_while_online_refuses_the_card(config, autojump_clock):
    """An Authorize that times out while the WebSocket is open is no "Offline" case
    (Part 2 terminology): the card is refused even though the offline rules
    (LocalAuthorizeOffline, OfflineTxForUnknownIdEnabled: both true) would accept it."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        env.csms.responses["Authorize"] = NoReply
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.2)
        sim.tap(CARD)
        await env.csms.wait_for("Authorize")
        await trio.sleep(60)  # well past the 30 s message timeout
        assert env.station.client.connected
        assert not env.station.transactions.session(1).authorized
        assert tes(env) == []
        assert not env.station.loops[1].snapshot.relay_closed


async def test_authorize_unanswered_while_online_can_apply_the_offline_rules(
    config, autojump_clock
):
    """AuthCtrlr.OfflineRulesOnAuthorizeTimeout = true: the timeout falls back to the
    offline rules, which accept an unknown card (OfflineTxForUnknownIdEnabled)."""
    variables = {"AuthCtrlr.OfflineRulesOnAuthorizeTimeout": "true"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.csms.responses["Authorize"] = NoReply
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.2)
        sim.tap(CARD)
        started = await env.csms.wait(lambda: tes(env, eventType="Started"), timeout=120)
        assert started is None
        assert env.station.transactions.session(1).authorized
        assert tes(env, eventType="Started")[0]["idToken"]["idToken"] == CARD
