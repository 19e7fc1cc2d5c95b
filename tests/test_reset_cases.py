"""Part 6 block B Reset test cases (B11, B12) on the simulator.

Each test is named after its OCTT test case and asserts the case's tool validations: the
ResetResponse status, the BootNotification reason after the reboot and the
StatusNotification of every connector that follows it. The CSMS side is the in-memory
CSMS; the station side is the real assembly on simulated hardware, restarted in-process
as `run_station` does.
"""

from __future__ import annotations

import logging

import pytest
import trio

from station.reset import DRAIN_TIMEOUT
from tests.conftest import connector_statuses as statuses
from tests.conftest import make_config, running_station
from tests.memcsms import NoReply

CARD = "04A1B2C3"
OTHER = "0DD0FEED"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def booted(env) -> None:
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)


async def call(env, action: str, payload: dict) -> dict:
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def charge(env, evse: int, card: str = CARD) -> str:
    """The EnergyTransferStarted reusable state on one EVSE (plug, tap, EV in C)."""
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.1)
    sim.tap(card)
    await env.csms.wait(lambda: env.station.transactions.transaction_id(evse) is not None)
    await trio.sleep(0.1)
    sim.set_ev_state(evse, "C")
    loop = env.station.loops[evse]
    with trio.fail_after(3):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()
    await trio.sleep(0.5)  # the charging-state event goes out
    return env.station.transactions.transaction_id(evse)


async def reports_after_reboot(env, boot_index: int = 1) -> list[dict]:
    """The StatusNotifications the station sent after its (boot_index+1)-th boot, once
    every connector was reported."""
    await env.csms.wait_for("BootNotification", count=boot_index + 1, timeout=600)

    def after() -> list[dict]:
        actions = env.csms.received
        boots = [i for i, r in enumerate(actions) if r.action == "BootNotification"]
        return [
            r.payload for r in actions[boots[boot_index] + 1 :] if r.action == "StatusNotification"
        ]

    await env.csms.wait(lambda: len({p["evseId"] for p in after()}) == 2, timeout=60)
    await trio.sleep(2)
    return after()


class EvseResets(logging.Handler):
    """Counts the station's per-EVSE resets from its log (the CSMS does not see them)."""

    def __init__(self, evse_id: int) -> None:
        super().__init__(logging.WARNING)
        self._needle = f"event=reset scope=evse evse={evse_id}"
        self.count = 0
        self._changed = trio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self._needle in record.getMessage():
            self.count += 1
            self._changed.set()
            self._changed = trio.Event()

    async def wait_for(self, count: int, timeout: float = 60) -> None:
        with trio.fail_after(timeout):
            while self.count < count:
                await self._changed.wait()


@pytest.fixture
def evse_1_resets():
    handler = EvseResets(1)
    logger = logging.getLogger("station.reset")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def ended_events(env, transaction_id: str) -> list[dict]:
    return [
        r.payload
        for r in env.csms.of("TransactionEvent")
        if r.payload["eventType"] == "Ended"
        and r.payload["transactionInfo"]["transactionId"] == transaction_id
    ]


async def test_tc_b_20_reset_on_idle_then_every_connector_available(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await call(env, "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
        reports = await reports_after_reboot(env)
        assert env.csms.of("BootNotification")[1].payload["reason"] == "RemoteReset"
        # Step 5 and the post-scenario validation: every connector, Available.
        assert sorted((p["evseId"], p["connectorId"]) for p in reports) == [(1, 1), (2, 1)]
        assert {p["connectorStatus"] for p in reports} == {"Available"}


async def test_tc_b_23_unavailable_connector_persists_a_reset(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        # Memory state: Unavailable for the configured connector.
        answer = await call(
            env,
            "ChangeAvailability",
            {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        )
        assert answer["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable")
        assert await call(env, "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
        reports = await reports_after_reboot(env)
        assert env.csms.of("BootNotification")[1].payload["reason"] == "RemoteReset"
        by_evse = {p["evseId"]: p["connectorStatus"] for p in reports}
        assert by_evse == {1: "Unavailable", 2: "Available"}
        assert env.restarts == ["RemoteReset"]


async def test_tc_b_25_reset_of_one_idle_evse(config, autojump_clock, evse_1_resets):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(env, "Reset", {"type": "OnIdle", "evseId": 1})
        assert answer == {"status": "Accepted"}
        await evse_1_resets.wait_for(1)
        await trio.sleep(5)
        # Only the EVSE resets: the station neither reboots nor reconnects.
        assert len(env.csms.of("BootNotification")) == 1
        assert len(env.csms.connections) == 1 and env.station.client.connected
        assert env.restarts == []
        # The reset EVSE takes a new session.
        env.station.hardware.sim.plug(1)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Occupied", timeout=60)


async def test_tc_b_26_reset_on_idle_of_a_busy_evse_is_scheduled(
    config, autojump_clock, evse_1_resets
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction_id = await charge(env, evse=1)
        answer = await call(env, "Reset", {"type": "OnIdle", "evseId": 1})
        assert answer == {"status": "Scheduled"}
        await trio.sleep(5)
        assert evse_1_resets.count == 0 and env.station.loops[1].snapshot.relay_closed
        assert not ended_events(env, transaction_id)
        # Step 3, StopAuthorized: the transaction ends, then the EVSE resets.
        env.station.hardware.sim.tap(CARD)
        await evse_1_resets.wait_for(1)
        await env.csms.wait(lambda: len(ended_events(env, transaction_id)) == 1, timeout=60)
        (ended,) = ended_events(env, transaction_id)
        assert ended["transactionInfo"]["stoppedReason"] == "Local"
        # Steps 4-6: the EV leaves; the station itself never rebooted.
        env.station.hardware.sim.unplug(1)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Available", timeout=60)
        assert len(env.csms.of("BootNotification")) == 1 and env.restarts == []


async def test_tc_b_41_reset_on_idle_waits_for_the_last_of_two_transactions(config, autojump_clock):
    # TxStopPoint EVConnected: each transaction ends when its EV leaves (step 9 of the
    # case), so the EVSEs are idle, and every connector Available, after the reboot.
    variables = {"TxCtrlr.TxStopPoint": "EVConnected"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        first = await charge(env, evse=1, card=CARD)
        await trio.sleep(3)  # the first card leaves the reader's field
        second = await charge(env, evse=2, card=OTHER)
        assert await call(env, "Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
        sim = env.station.hardware.sim
        # Steps 3-6 on EVSE 1: its transaction ends, the other keeps the station up.
        await trio.sleep(3)
        sim.tap(CARD)
        await trio.sleep(2)
        sim.unplug(1)
        await env.csms.wait(lambda: len(ended_events(env, first)) == 1, timeout=60)
        await trio.sleep(5)
        assert len(env.csms.of("BootNotification")) == 1 and env.restarts == []
        assert env.station.loops[2].snapshot.relay_closed
        # Steps 7-9 on EVSE 2: its transaction ends, and with it the wait.
        sim.tap(OTHER)
        await trio.sleep(2)
        assert not ended_events(env, second), "TxStopPoint EVConnected: still running"
        sim.unplug(2)
        reports = await reports_after_reboot(env)
        assert len(ended_events(env, second)) == 1
        # Step 11.
        assert env.csms.of("BootNotification")[1].payload["reason"] == "ScheduledReset"
        # Step 13: no transaction stopped at step 3 is left with an EV, so Available.
        assert sorted((p["evseId"], p["connectorStatus"]) for p in reports) == [
            (1, "Available"),
            (2, "Available"),
        ]


async def test_a_meter_values_trigger_accepted_before_the_restart_is_sent_before_it(
    config, autojump_clock
):
    # F06: an Accepted TriggerMessage is followed by the message. An Immediate reset waits
    # for its Ended event (here never answered, so up to its drain timeout); a trigger
    # accepted meanwhile must not be cancelled by the restart that follows.
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, 1)
        env.csms.responses["TransactionEvent"] = NoReply()
        assert await call(env, "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
        # The Ended event is out and holds the one CALL in flight (Part 4).
        await env.csms.wait(
            lambda: any(r.payload["eventType"] == "Ended" for r in env.csms.of("TransactionEvent")),
            timeout=30,
        )
        trigger = {"requestedMessage": "MeterValues", "evse": {"id": 1}}
        assert await call(env, "TriggerMessage", trigger) == {"status": "Accepted"}
        # The drain is over; the restart waits for the MeterValues, whose turn comes when
        # the Ended event times out. Meanwhile the station promises nothing more.
        await trio.sleep(DRAIN_TIMEOUT + 1)
        assert not env.csms.of("MeterValues")
        refused = await call(env, "TriggerMessage", {"requestedMessage": "Heartbeat"})
        assert refused["status"] == "Rejected"
        assert refused["statusInfo"]["reasonCode"] == "Restarting"
        await env.csms.wait_for("BootNotification", count=2, timeout=600)
        (sent,) = env.csms.of("MeterValues")
        assert sent.connection == 0  # before the restart
        assert sent.payload["evseId"] == 1
        assert sent.payload["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
        assert env.restarts == ["RemoteReset"]
