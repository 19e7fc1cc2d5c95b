"""Connection, boot and heartbeat timing on MockClock against an in-memory CSMS."""

from __future__ import annotations

import itertools

import pytest
import trio

from station.devicemodel.model import key
from station.ocpp.client import BootState
from tests.conftest import make_config, running_station
from tests.memcsms import NoReply, Reject

COMM = "OCPPCommCtrlr"


async def configure(station, **values):
    for name, value in values.items():
        instance = None
        if "__" in name:
            name, instance = name.split("__")
        await station.device_model.set(key(COMM, name, instance), str(value))


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def answer_boot(env, interval: int, status: str = "Accepted", at: str = "2026-01-05T08:00:00Z"):
    """The CSMS answers BootNotification with this status, interval and time."""
    env.csms.responses["BootNotification"] = lambda p: {
        "currentTime": at,
        "interval": interval,
        "status": status,
    }


async def test_boot_is_the_first_message_and_accepted_boot_reports_startup(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        assert env.csms.actions()[0] == "BootNotification"
        boot = env.csms.of("BootNotification")[0].payload
        assert boot["reason"] == "PowerUp"
        assert boot["chargingStation"] == {
            "model": "AC22-2",
            "vendorName": "OpenCharge",
            "serialNumber": "SN-0001",
            "firmwareVersion": boot["chargingStation"]["firmwareVersion"],
        }
        event = env.csms.of("SecurityEventNotification")[0].payload
        assert event["type"] == "StartupOfTheDevice"


async def test_accepted_boot_interval_becomes_heartbeat_interval_and_heartbeats_follow_it(
    config, autojump_clock
):
    async with running_station(config) as env:
        answer_boot(env, 90)
        heartbeats = await env.csms.wait_for("Heartbeat", count=4)
        assert env.station.device_model.get(key(COMM, "HeartbeatInterval")) == 90
        gaps = [b.at - a.at for a, b in itertools.pairwise(heartbeats)]
        assert gaps == pytest.approx([90, 90, 90])


async def test_another_call_restarts_the_heartbeat_interval(config, autojump_clock):
    """G02.FR.05: the interval counts from the last CALL the station sent, whatever it was."""
    async with running_station(config) as env:
        answer_boot(env, 90)
        first = (await env.csms.wait_for("Heartbeat", count=1))[0]
        await trio.sleep_until(first.at + 40)
        before = len(env.csms.of("StatusNotification"))
        await env.csms.call(
            "TriggerMessage",
            {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        )
        status = (await env.csms.wait_for("StatusNotification", count=before + 1))[-1]
        assert status.at == pytest.approx(first.at + 40, abs=0.01)
        beats = await env.csms.wait_for("Heartbeat", count=3)
        assert beats[1].at - status.at == pytest.approx(90, abs=0.01)
        assert beats[2].at - beats[1].at == pytest.approx(90)


async def test_heartbeat_interval_change_applies_without_restart(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("Heartbeat", count=1)
        frame = await env.csms.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "20",
                        "component": {"name": COMM},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            },
        )
        assert frame.payload["setVariableResult"][0]["attributeStatus"] == "Accepted"
        changed_at = trio.current_time()
        beats = await env.csms.wait_for("Heartbeat", count=3)
        assert beats[1].at - changed_at == pytest.approx(20, abs=0.01)
        assert beats[2].at - beats[1].at == pytest.approx(20)


async def test_reconnect_back_off_doubles_as_in_tc_b_57(config, autojump_clock):
    async def setup(env):
        await configure(
            env.station,
            RetryBackOffRepeatTimes=2,
            RetryBackOffRandomRange=0,
            RetryBackOffWaitMinimum=10,
        )

    async with running_station(config) as env:
        await setup(env)
        await env.csms.wait_for("SecurityEventNotification")
        # 1. the CSMS closes the connection; 2. the station waits WaitMinimum and reconnects.
        closed_at = trio.current_time()
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 2)
        assert env.csms.attempts[-1] - closed_at == pytest.approx(10)
        # 4. closed again; 6. the next attempt is refused; 7. then waits twice as long.
        env.csms.refuse_next = 1
        closed_at = trio.current_time()
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 3)
        first, second = env.csms.attempts[-2:]
        assert first - closed_at == pytest.approx(10)
        assert second - first == pytest.approx(20)


async def test_back_off_is_capped_after_repeat_times_and_random_part_bounded(
    config, autojump_clock
):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        await configure(
            env.station,
            RetryBackOffRepeatTimes=2,
            RetryBackOffRandomRange=3,
            RetryBackOffWaitMinimum=5,
        )
        env.csms.refuse_next = 5
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 2)
        attempts = env.csms.attempts[-6:]
        gaps = [b - a for a, b in itertools.pairwise(attempts)]
        for gap, base in zip(gaps, [10, 20, 20, 20, 20], strict=True):
            assert base <= gap <= base + 3


async def test_no_boot_notification_after_reconnect_once_accepted(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        await configure(env.station, RetryBackOffWaitMinimum=1, RetryBackOffRandomRange=0)
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 2)
        await env.csms.wait_for("Heartbeat")
        assert env.csms.actions().count("BootNotification") == 1


async def test_ping_every_interval_and_missing_pong_drops_the_connection(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        await configure(
            env.station,
            WebSocketPingInterval=120,
            RetryBackOffWaitMinimum=1,
            RetryBackOffRandomRange=0,
        )
        first = env.csms.connections[0]["transport"]
        first_opened = env.csms.connections[0]["opened"]
        await trio.sleep_until(first_opened + 120 * 3 + 1)
        assert first.pings_received == 3
        # The CSMS stops answering pings: after MessageTimeout without pong the station drops
        # the connection and reconnects.
        first.answer_pings(False)
        await env.csms.wait(lambda: env.csms.connections[0]["closed"] is not None)
        closed = env.csms.connections[0]["closed"]
        # Pings at 120, 240, 360 were answered; the one at 480 was not: closed 30 s later.
        assert closed - first_opened == pytest.approx(480 + 30)
        await env.csms.wait(lambda: len(env.csms.connections) == 2)


async def test_ping_interval_zero_disables_pings(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        await configure(env.station, WebSocketPingInterval=0)
        env.csms.connections[0]["transport"].answer_pings(False)
        await trio.sleep(3600)
        assert env.csms.connections[0]["closed"] is None


async def test_pending_boot_retries_after_interval_and_allows_only_requested_messages(
    config, autojump_clock
):
    async with running_station(config) as env:
        answer_boot(env, 60, "Pending")
        boots = await env.csms.wait_for("BootNotification", count=2)
        assert boots[1].at - boots[0].at == pytest.approx(60)
        # While Pending the CSMS may configure the station (B02.FR.01) ...
        frame = await env.csms.call(
            "GetVariables",
            {
                "getVariableData": [
                    {"component": {"name": COMM}, "variable": {"name": "OfflineThreshold"}}
                ]
            },
        )
        assert frame.payload["getVariableResult"][0]["attributeStatus"] == "Accepted"
        # ... and trigger a boot, which then carries reason Triggered.
        answer_boot(env, 300)
        frame = await env.csms.call("TriggerMessage", {"requestedMessage": "BootNotification"})
        assert frame.payload["status"] == "Accepted"
        boots = await env.csms.wait_for("BootNotification", count=3)
        assert boots[2].payload["reason"] == "Triggered"
        # Nothing but BootNotification went out before the Accepted one (B02.FR.02).
        actions = env.csms.actions()
        third_boot = [i for i, a in enumerate(actions) if a == "BootNotification"][2]
        assert set(actions[: third_boot + 1]) == {"BootNotification"}


async def test_trigger_boot_notification_after_accepted_is_rejected(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("SecurityEventNotification")
        frame = await env.csms.call("TriggerMessage", {"requestedMessage": "BootNotification"})
        assert frame.payload["status"] == "Rejected"


async def test_rejected_boot_answers_security_error_and_stays_silent_until_interval(
    config, autojump_clock
):
    async with running_station(config) as env:
        answer_boot(env, 500, "Rejected")
        await env.csms.wait_for("BootNotification")
        client = env.station.client
        await client.wait_until(lambda: client.boot_state is BootState.Rejected)
        frame = await env.csms.call(
            "GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}
        )
        assert frame.code == "SecurityError"
        await trio.sleep(499)
        assert env.csms.actions() == ["BootNotification"]
        boots = await env.csms.wait_for("BootNotification", count=2)
        assert boots[1].at - boots[0].at == pytest.approx(500)


async def test_boot_without_answer_is_retried(config, autojump_clock):
    async with running_station(config) as env:
        env.csms.responses["BootNotification"] = NoReply
        boots = await env.csms.wait_for("BootNotification", count=2)
        # MessageTimeout 30 s, then our own retry delay of 30 s.
        assert boots[1].at - boots[0].at == pytest.approx(60)


async def test_call_error_to_boot_is_retried(config, autojump_clock):
    async with running_station(config) as env:
        env.csms.responses["BootNotification"] = Reject("InternalError")
        boots = await env.csms.wait_for("BootNotification", count=2)
        assert boots[1].at - boots[0].at == pytest.approx(30)


async def test_clock_follows_csms_time_and_large_jump_is_a_security_event(config, autojump_clock):
    async with running_station(config) as env:
        answer_boot(env, 300, at="2030-06-01T12:00:00Z")
        events = await env.csms.wait_for("SecurityEventNotification", count=2)
        assert {e.payload["type"] for e in events} == {"StartupOfTheDevice", "SettingSystemTime"}
        assert env.station.clock.now().year == 2030
