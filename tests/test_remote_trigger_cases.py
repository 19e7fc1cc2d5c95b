"""Part 6 block F test cases (remote start F01/F02, TriggerMessage F06) on the simulator.

Each test is named after its OCTT test case and asserts the case's tool validations. The
CSMS side is the in-memory CSMS; the station side is the real assembly on simulated
hardware.
"""

from __future__ import annotations

import pytest
import trio

from tests.conftest import make_config, running_station

REMOTE = {"idToken": "REMOTE1", "type": "Central"}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def tes(env) -> list[dict]:
    return [r.payload for r in env.csms.of("TransactionEvent")]


async def booted(env) -> None:
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)


async def call(env, action: str, payload: dict) -> dict:
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def relay_closed(env, evse: int) -> None:
    loop = env.station.loops[evse]
    with trio.fail_after(3):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def remote_start_first(env, *, authorize: bool) -> None:
    """Authorized (remote), then EnergyTransferStarted, with the request before the EV."""
    answer = await call(
        env, "RequestStartTransaction", {"idToken": REMOTE, "remoteStartId": 42, "evseId": 1}
    )
    assert answer["status"] == "Accepted"
    if authorize:
        # AuthorizeRemoteStart true: the station authorizes the token like a local one.
        (request,) = await env.csms.wait_for("Authorize", timeout=60)
        assert request.payload["idToken"] == REMOTE
    await trio.sleep(2)
    # The EV driver connects within EVConnectionTimeOut, and the EV asks for energy.
    sim = env.station.hardware.sim
    sim.plug(1)
    await trio.sleep(0.5)
    sim.set_ev_state(1, "C")
    await relay_closed(env, 1)
    await env.csms.wait(
        lambda: any(e["transactionInfo"].get("chargingState") == "Charging" for e in tes(env)),
        timeout=60,
    )
    events = tes(env)
    assert events[0]["eventType"] == "Started"
    # Part 6 on the reusable state Authorized (remote): the first event after the request
    # carries triggerReason RemoteStart and the remoteStartId.
    first = events[0]
    assert first["triggerReason"] == "RemoteStart"
    assert first["transactionInfo"]["remoteStartId"] == 42
    assert first["idToken"] == REMOTE
    # The EVSE goes with the first event that knows it (E01.FR.16), here the first one.
    assert first["evse"] == {"id": 1, "connectorId": 1}
    assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
    assert "Ended" not in [e["eventType"] for e in events]
    assert env.station.loops[1].snapshot.relay_closed


async def test_tc_f_02_remote_start_first_with_authorize_remote_start(config, autojump_clock):
    variables = {"AuthCtrlr.AuthorizeRemoteStart": "true"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await remote_start_first(env, authorize=True)
        # The Authorize preceded the transaction.
        actions = env.csms.actions()
        assert actions.index("Authorize") < actions.index("TransactionEvent")


async def test_tc_f_03_remote_start_first_without_authorize_remote_start(config, autojump_clock):
    variables = {"AuthCtrlr.AuthorizeRemoteStart": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await remote_start_first(env, authorize=False)
        assert env.csms.of("Authorize") == []


async def test_tc_f_12_trigger_meter_values_for_every_evse(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await trio.sleep(2)  # the meters have readings
        before = len(env.csms.of("MeterValues"))
        answer = await call(env, "TriggerMessage", {"requestedMessage": "MeterValues"})
        assert answer == {"status": "Accepted"}
        await env.csms.wait_for("MeterValues", count=before + 2, timeout=60)
        await trio.sleep(2)
        triggered = [r.payload for r in env.csms.of("MeterValues")[before:]]
        # Step 3, for every EVSE once.
        assert sorted(p["evseId"] for p in triggered) == [1, 2]
        for payload in triggered:
            assert payload["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"


@pytest.mark.parametrize(
    ("case", "plugged", "expected"),
    [("TC_F_23", False, "Available"), ("TC_F_24", True, "Occupied")],
)
async def test_tc_f_23_24_trigger_status_notification(
    config, autojump_clock, case, plugged, expected
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        if plugged:  # EVConnectedPreSession: the EV is plugged, no one authorized
            env.station.hardware.sim.plug(1)
            await env.csms.wait_for("StatusNotification", count=3, timeout=60)
            await trio.sleep(1)
        before = len(env.csms.of("StatusNotification"))
        answer = await call(
            env,
            "TriggerMessage",
            {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}},
        )
        assert answer == {"status": "Accepted"}, case
        sent = await env.csms.wait_for("StatusNotification", count=before + 1, timeout=60)
        report = sent[before].payload
        assert (report["evseId"], report["connectorId"]) == (1, 1)
        assert report["connectorStatus"] == expected


async def test_tc_f_17_trigger_firmware_status_notification_naming_an_evse(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(
            env,
            "TriggerMessage",
            {"requestedMessage": "FirmwareStatusNotification", "evse": {"id": 1}},
        )
        assert answer == {"status": "Accepted"}
        (sent,) = await env.csms.wait_for("FirmwareStatusNotification", count=1, timeout=60)
        # No firmware update ran: Idle (F06.FR.16); the EVSE is not relevant (F06.FR.03).
        assert sent.payload["status"] == "Idle"


async def test_tc_k_38_remote_start_ignores_the_charging_profile(config, autojump_clock):
    # TC_K_38 is for a station without smart charging: here, smart charging switched off.
    variables = {"SmartChargingCtrlr.Enabled": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        # EVConnectedPreSession.
        env.station.hardware.sim.plug(1)
        await env.csms.wait_for("StatusNotification", count=3, timeout=60)
        profile = {
            "id": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Relative",
            "chargingSchedule": [
                {
                    "id": 1,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6, "numberPhases": 3}],
                }
            ],
        }
        answer = await call(
            env,
            "RequestStartTransaction",
            {"idToken": REMOTE, "remoteStartId": 38, "evseId": 1, "chargingProfile": profile},
        )
        # Step 2: without smart charging the profile is ignored, the start is not.
        assert answer["status"] == "Accepted"
        (started,) = await env.csms.wait_for("TransactionEvent", count=1, timeout=60)
        # Step 5.
        assert started.payload["triggerReason"] == "RemoteStart"
        assert started.payload["transactionInfo"]["remoteStartId"] == 38
        # EnergyTransferStarted, at the station's own current, not the profile's 6 A.
        env.station.hardware.sim.set_ev_state(1, "C")
        await relay_closed(env, 1)
        await env.csms.wait(
            lambda: any(e["transactionInfo"].get("chargingState") == "Charging" for e in tes(env)),
            timeout=60,
        )
        assert env.station.loops[1].snapshot.offered_current > 6
