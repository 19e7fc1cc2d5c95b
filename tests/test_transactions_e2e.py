"""Core block E/F/C/G/J/B scenarios on the simulator with the in-memory CSMS (MockClock).

Each test follows the spirit of an OCTT test case (named in the test); the CSMS side is
scripted, the station side is the real assembly on simulated hardware.
"""

from __future__ import annotations

import pytest
import trio

from station.control.iec61851 import C1_FORCE_OPEN_S
from tests.conftest import make_config, running_station, set_variable
from tests.memcsms import NoReply

CARD = "04A1B2C3"
OTHER = "0DD0FEED"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def tes(env, **match):
    return [
        r.payload
        for r in env.csms.of("TransactionEvent")
        if all(r.payload.get(k) == v for k, v in match.items())
    ]


def statuses(env, evse=1):
    return [
        r.payload["connectorStatus"]
        for r in env.csms.of("StatusNotification")
        if r.payload["evseId"] == evse
    ]


async def booted(env):
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)


async def next_te(env, count_before=None):
    count = len(tes(env)) if count_before is None else count_before
    events = await env.csms.wait_for("TransactionEvent", count=count + 1, timeout=60)
    return events[count].payload


async def call(env, action, payload):
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def charge(env, evse=1, card=CARD):
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.1)
    sim.tap(card)
    await env.csms.wait(lambda: env.station.transactions.transaction_id(evse) is not None)
    await trio.sleep(0.1)
    sim.set_ev_state(evse, "C")
    # The contactor closes after two readings of C under PWM, well inside the 3 s of
    # IEC 61851-1 Table A.6 sequence 4 (at this test's coarse control periods too).
    loop = env.station.loops[evse]
    with trio.fail_after(3):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()
    await trio.sleep(0.5)  # the charging-state event goes out
    assert loop.snapshot.relay_closed
    return env.station.transactions.transaction_id(evse)


async def test_tc_e_09_ev_connected_start_point(config, autojump_clock):
    variables = {"TxCtrlr.TxStartPoint": "EVConnected", "TxCtrlr.TxStopPoint": "EVConnected"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.plug(1)
        started = await next_te(env, 0)
        assert started["eventType"] == "Started"
        assert started["triggerReason"] == "CablePluggedIn"
        assert started["transactionInfo"]["chargingState"] == "EVConnected"
        assert started["evse"] == {"id": 1, "connectorId": 1}
        env.station.hardware.sim.unplug(1)
        ended = await next_te(env, 1)
        assert (ended["eventType"], ended["transactionInfo"]["stoppedReason"]) == (
            "Ended",
            "EVDisconnected",
        )


async def test_a_start_point_set_while_running_decides_the_next_plug_in(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sim = env.station.hardware.sim
        sim.plug(1)  # decided under PowerPathClosed: no transaction without a card
        await trio.sleep(1)
        sim.unplug(1)
        await trio.sleep(1)
        assert tes(env) == []
        result = await set_variable(env, "TxCtrlr", "TxStartPoint", "EVConnected")
        assert result["attributeStatus"] == "Accepted"
        sim.plug(1)
        started = await next_te(env, 0)
        assert (started["eventType"], started["triggerReason"]) == ("Started", "CablePluggedIn")


async def test_a_failing_session_listener_is_logged_and_the_event_still_goes_out(
    config, autojump_clock, caplog
):
    variables = {"TxCtrlr.TxStartPoint": "EVConnected"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)

        def broken() -> None:
            raise RuntimeError("a follower's bug")

        env.station.transactions.on_changed(broken)
        env.station.hardware.sim.plug(1)
        started = await next_te(env, 0)
        assert (started["eventType"], started["triggerReason"]) == ("Started", "CablePluggedIn")
    assert "event=session_listener_failed" in caplog.text


async def test_tc_e_04_authorize_first_then_plug_in(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sim = env.station.hardware.sim
        sim.tap(CARD)
        await env.csms.wait_for("Authorize")
        await trio.sleep(1)
        assert tes(env) == [], "PowerPathClosed: no transaction before the EV is connected"
        sim.plug(2)
        started = await next_te(env, 0)
        assert started["triggerReason"] == "CablePluggedIn"
        assert started["evse"]["id"] == 2
        assert started["idToken"]["idToken"] == CARD


async def test_tc_e_39_authorized_start_point_connection_timeout(config, autojump_clock):
    variables = {"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.EVConnectionTimeOut": 30}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.tap(CARD)
        started = await next_te(env, 0)
        assert started["triggerReason"] == "Authorized" and "evse" not in started
        ended = await next_te(env, 1)
        assert ended["eventType"] == "Ended"
        assert ended["triggerReason"] == "EVConnectTimeout"
        assert ended["transactionInfo"]["stoppedReason"] == "Timeout"
        assert env.csms.of("TransactionEvent")[1].at - env.csms.of("TransactionEvent")[
            0
        ].at == pytest.approx(30, abs=0.2)


async def test_a_lowered_connection_timeout_ends_a_waiting_authorization_at_once(
    config, autojump_clock
):
    # The deadline moves with EVConnectionTimeOut, not only with the next session change.
    variables = {"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.EVConnectionTimeOut": 300}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.tap(CARD)
        started = await next_te(env, 0)
        assert started["triggerReason"] == "Authorized"
        await trio.sleep(10)
        result = await set_variable(env, "TxCtrlr", "EVConnectionTimeOut", "30")
        assert result["attributeStatus"] == "Accepted"
        ended = await next_te(env, 1)
        assert ended["triggerReason"] == "EVConnectTimeout"
        first, last = env.csms.of("TransactionEvent")[:2]
        assert last.at - first.at == pytest.approx(30, abs=0.2)


async def test_tc_f_04_remote_start_first_cable_plugin_timeout(config, autojump_clock):
    variables = {"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.EVConnectionTimeOut": 45}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        answer = await call(
            env,
            "RequestStartTransaction",
            {
                "idToken": {"idToken": "REMOTE1", "type": "Central"},
                "remoteStartId": 77,
                "evseId": 1,
            },
        )
        assert answer["status"] == "Accepted"
        started = await next_te(env, 0)
        assert started["triggerReason"] == "RemoteStart"
        assert started["transactionInfo"]["remoteStartId"] == 77
        ended = await next_te(env, 1)
        assert ended["triggerReason"] == "EVConnectTimeout"
        assert ended["transactionInfo"]["stoppedReason"] == "Timeout"


async def test_tc_f_01_remote_start_cable_first_and_tc_f_08_remote_stop(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.plug(1)
        await trio.sleep(0.5)
        answer = await call(
            env,
            "RequestStartTransaction",
            {"idToken": {"idToken": "REMOTE1", "type": "Central"}, "remoteStartId": 5},
        )
        assert answer["status"] == "Accepted"
        assert env.csms.of("Authorize") == [], "AuthorizeRemoteStart is false (PICS C-48.2)"
        started = await next_te(env, 0)
        assert (started["triggerReason"], started["transactionInfo"]["remoteStartId"]) == (
            "RemoteStart",
            5,
        )
        tx = started["transactionInfo"]["transactionId"]
        assert (await call(env, "RequestStopTransaction", {"transactionId": "nope"}))[
            "status"
        ] == "Rejected"
        assert (await call(env, "RequestStopTransaction", {"transactionId": tx}))[
            "status"
        ] == "Accepted"
        ended = await next_te(env, 1)
        assert ended["triggerReason"] == "RemoteStop"
        assert ended["transactionInfo"]["stoppedReason"] == "Remote"


async def test_remote_start_is_rejected_on_an_unavailable_evse_and_while_pending(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}
        )
        answer = await call(
            env,
            "RequestStartTransaction",
            {"idToken": {"idToken": "R", "type": "Central"}, "remoteStartId": 1, "evseId": 2},
        )
        assert answer["status"] == "Rejected"


async def test_authorize_remote_start_true_sends_authorize_first(config, autojump_clock):
    async with running_station(
        config, variables={"AuthCtrlr.AuthorizeRemoteStart": "true"}, control_period=0.05
    ) as env:
        await booted(env)
        env.station.hardware.sim.plug(1)
        await trio.sleep(0.5)
        await call(
            env,
            "RequestStartTransaction",
            {"idToken": {"idToken": "R2", "type": "Central"}, "remoteStartId": 9},
        )
        await env.csms.wait_for("Authorize")
        started = await next_te(env, 0)
        assert started["transactionInfo"]["remoteStartId"] == 9


@pytest.mark.parametrize("status", ["Invalid", "Blocked", "Expired", "Unknown", "NoCredit"])
async def test_tc_c_02_06_07_refused_card_starts_nothing(config, autojump_clock, status):
    async with running_station(config, control_period=0.05) as env:
        env.csms.responses["Authorize"] = {"idTokenInfo": {"status": status}}
        await booted(env)
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.5)
        sim.tap(OTHER)
        await env.csms.wait_for("Authorize")
        assert tes(env) == []
        assert env.station.loops[1].snapshot.offered_current == 0


async def test_tc_c_39_another_card_of_the_same_group_stops(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        env.csms.responses["Authorize"] = {
            "idTokenInfo": {
                "status": "Accepted",
                "groupIdToken": {"idToken": "FAMILY", "type": "Central"},
            }
        }
        await booted(env)
        await charge(env)
        count = len(tes(env))
        await trio.sleep(3)  # the first card leaves the reader's field
        env.station.hardware.sim.tap(OTHER)
        ended = await next_te(env, count)
        assert ended["eventType"] == "Ended"
        assert ended["triggerReason"] == "StopAuthorized"
        assert ended["idToken"]["idToken"] == OTHER


async def plug_and_tap_a_card_the_csms_invalidates(env):
    """Authorize accepts the card; the TransactionEvent response then says Invalid."""
    env.csms.responses["TransactionEvent"] = lambda p: (
        {"idTokenInfo": {"status": "Invalid"}} if "idToken" in p else {}
    )
    env.csms.responses["Authorize"] = {"idTokenInfo": {"status": "Accepted"}}
    await booted(env)
    sim = env.station.hardware.sim
    sim.plug(1)
    await trio.sleep(0.2)
    sim.tap(CARD)
    return sim


async def test_tc_e_16_deauthorized_by_the_transaction_event_response(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await plug_and_tap_a_card_the_csms_invalidates(env)
        ended = await next_te(env, 1)
        assert ended["eventType"] == "Ended"
        assert ended["triggerReason"] == "Deauthorized"
        assert ended["transactionInfo"]["stoppedReason"] == "DeAuthorized"
        await trio.sleep(0.5)
        assert env.station.loops[1].snapshot.offered_current == 0


@pytest.mark.parametrize("max_energy", [0, 30])
async def test_e05_invalid_verdict_without_stop_suspends_at_max_energy(
    config, autojump_clock, max_energy
):
    """E05.FR.02/03: StopTxOnInvalidId false keeps the transaction; energy flows until the
    transaction has delivered MaxEnergyOnInvalidId Wh (none when 0), then SuspendedEVSE."""
    variables = {
        "TxCtrlr.StopTxOnInvalidId": "false",
        "TxCtrlr.MaxEnergyOnInvalidId": max_energy,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        sim = await plug_and_tap_a_card_the_csms_invalidates(env)
        started = await next_te(env, 0)
        assert started["eventType"] == "Started"
        begin = started["meterValue"][0]["sampledValue"][0]
        assert begin["measurand"] == "Energy.Active.Import.Register" or "measurand" not in begin
        await trio.sleep(0.5)  # the verdict has arrived
        sim.set_ev_state(1, "C")
        await env.csms.wait(
            lambda: any(
                p["transactionInfo"].get("chargingState") == "SuspendedEVSE" for p in tes(env)
            ),
            timeout=600,
        )
        suspended = next(
            p for p in tes(env) if p["transactionInfo"].get("chargingState") == "SuspendedEVSE"
        )
        assert suspended["eventType"] == "Updated"
        assert suspended["triggerReason"] == "ChargingStateChanged"
        # C15.FR.06: reported when the PWM is withdrawn; the EV (still in C) draws nothing
        # and the contactor is forced open after the IEC 61851-1 time.
        await trio.sleep(0.2)
        assert env.station.loops[1].snapshot.offered_current == 0
        await trio.sleep(C1_FORCE_OPEN_S)
        assert not env.station.loops[1].snapshot.relay_closed
        delivered = env.station.samplers[1].latest.sample.energy_import_wh - begin["value"]
        # Past the limit: at most one meter interval's energy (the reading that crossed it)
        # plus what flows while the loop withdraws the PWM and opens the contactor (two
        # control periods of 0.05 s). Which side of a period boundary the crossing reading
        # falls on depends on trio's scheduling order, so the bound must hold for both.
        per_sample = 230 * 32 / 3600
        reaction = 230 * 32 * 2 * 0.05 / 3600
        assert max_energy <= delivered <= max_energy + per_sample + reaction
        charged = [p for p in tes(env) if p["transactionInfo"].get("chargingState") == "Charging"]
        assert bool(charged) == (max_energy > 0)
        assert tes(env, eventType="Ended") == []
        sim.unplug(1)
        ended = await next_te(env, len(tes(env)))
        assert ended["eventType"] == "Ended"


def register(event: dict, context: str) -> float:
    """The Energy.Active.Import.Register value of ``context`` in a TransactionEvent."""
    return next(
        sv["value"]
        for mv in event["meterValue"]
        for sv in mv["sampledValue"]
        if sv.get("context") == context
        and sv.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"
    )


async def test_start_and_stop_carry_the_meter_value_of_their_moment(config, autojump_clock):
    """The meter is read for the Started and Ended events themselves: with a 10 s sampling
    interval, a stop 5 s after the last sample must not lose those 5 s of energy."""
    async with running_station(config, control_period=0.05, meter_interval=10.0) as env:
        await booted(env)
        await charge(env)
        sampler = env.station.samplers[1]
        await sampler.next_reading()
        await trio.sleep(5)  # mid-interval: the latest periodic reading is 5 s old
        evse = env.station.hardware.sim.evse(1)
        count = len(tes(env))
        env.station.hardware.sim.tap(CARD)
        ended = await next_te(env, count)
        assert ended["eventType"] == "Ended"
        energy_at_stop = evse.status()["meter"]["energy_import_wh"]
        await trio.sleep(2)  # the EV stops drawing once the PWM is withdrawn
        energy_after = evse.status()["meter"]["energy_import_wh"]
        end = register(ended, "Transaction.End")
        assert end <= energy_at_stop + 1e-6
        # A reading 5 s old would leave ~10 Wh (5 s at 7.4 kW) outside the transaction.
        assert energy_after - end < 0.5, "energy delivered after the Ended event's reading"


async def test_tc_e_40_connection_loss_during_transaction_queues_offline_events(
    config, autojump_clock
):
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 10,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": 60,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
        "OCPPCommCtrlr.OfflineThreshold": 120,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        before = len(tes(env))
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await trio.sleep(45)
        env.csms.refuse_next = 0
        await env.csms.wait(lambda: len(env.csms.connections) == 2)
        await env.station.queue.drained()
        queued = [r.payload for r in env.csms.of("TransactionEvent") if r.connection == 1]
        assert len(queued) >= 4
        assert all(p["offline"] is True for p in queued)
        assert all(p["eventType"] == "Updated" and p["meterValue"] for p in queued)
        seq = [p["seqNo"] for p in tes(env)]
        assert seq == list(range(len(seq))), "nothing lost, nothing reordered"
        assert before + len(queued) == len(tes(env))


async def test_tc_e_43_offline_start_with_an_unknown_card_and_late_verdict(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await env.station.client.wait_until(lambda: not env.station.client.connected)
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.2)
        sim.tap(CARD)  # OfflineTxForUnknownIdEnabled: accepted offline
        await trio.sleep(0.5)
        sim.set_ev_state(1, "C")
        await trio.sleep(0.5)
        assert env.station.loops[1].snapshot.relay_closed
        assert env.csms.of("Authorize") == []
        env.csms.responses["TransactionEvent"] = lambda p: (
            {"idTokenInfo": {"status": "Invalid"}} if "idToken" in p else {}
        )
        env.csms.refuse_next = 0
        await env.csms.wait(lambda: any(p["eventType"] == "Ended" for p in tes(env)), timeout=600)
        started = tes(env, eventType="Started")[0]
        assert started["offline"] is True
        ended = tes(env, eventType="Ended")[0]
        assert ended["transactionInfo"]["stoppedReason"] == "DeAuthorized"


async def test_tc_c_26_offline_unknown_id_invalid_verdict_without_stop(config, autojump_clock):
    """TC_C_26 (C15.FR.02/06/08, C13.FR.04): an unknown card starts charging offline; on
    reconnection the queue is emptied, the CSMS answers the idToken Invalid, and with
    StopTxOnInvalidId false and MaxEnergyOnInvalidId 0 the station suspends the delivery at
    once: one SuspendedEVSE event, and every message of the emptied queue offline."""
    variables = {"TxCtrlr.StopTxOnInvalidId": "false", "TxCtrlr.MaxEnergyOnInvalidId": 0}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await env.station.client.wait_until(lambda: not env.station.client.connected)
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.2)
        sim.tap(CARD)  # C15.FR.08: accepted offline
        await trio.sleep(0.5)
        sim.set_ev_state(1, "C")
        await trio.sleep(0.5)
        assert env.station.loops[1].snapshot.relay_closed
        offline_count = env.station.transactions._queue.count()
        env.csms.responses["TransactionEvent"] = lambda p: (
            {"idTokenInfo": {"status": "Invalid"}} if "idToken" in p else {}
        )
        reconnected = trio.current_time()
        env.csms.refuse_next = 0

        def suspended() -> list[dict]:
            return [
                p for p in tes(env) if p["transactionInfo"].get("chargingState") == "SuspendedEVSE"
            ]

        await env.csms.wait(lambda: suspended(), timeout=600)
        # C15.FR.06: the delivery stops at once, the contactor no later than the IEC 61851-1
        # time the EV has to leave state C.
        assert trio.current_time() - reconnected < 5
        [event] = suspended()
        assert event["eventType"] == "Updated"
        assert event["triggerReason"] == "ChargingStateChanged"
        await trio.sleep(0.2)  # two control periods: the loop withdraws the PWM
        assert env.station.loops[1].snapshot.offered_current == 0
        emptied = tes(env)
        assert len(emptied) == offline_count + 1
        assert all(p.get("offline") is True for p in emptied)
        assert tes(env, eventType="Ended") == []
        sim.set_ev_state(1, "B")
        await trio.sleep(1)
        assert not env.station.loops[1].snapshot.relay_closed
        assert len(suspended()) == 1
        # Once the queue is delivered, new events are live again.
        sim.unplug(1)
        await env.csms.wait(lambda: tes(env, eventType="Ended"), timeout=60)
        assert tes(env, eventType="Ended")[0].get("offline") is None


async def test_station_killed_mid_transaction_ends_it_with_power_loss_on_restart(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        tx = await charge(env)
        await trio.sleep(30)
        seq = [p["seqNo"] for p in tes(env)]
        # The station disappears here: no clean shutdown of the transaction.
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        ended = await next_te(env, 0)
        assert ended["transactionInfo"]["transactionId"] == tx
        assert ended["eventType"] == "Ended"
        assert ended["triggerReason"] == "AbnormalCondition"
        assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
        assert ended["seqNo"] == seq[-1] + 1
        assert env.csms.of("BootNotification")[0].payload["reason"] == "PowerUp"


@pytest.mark.parametrize(("tx_id", "ongoing", "queued"), [("unknown", False, False)])
async def test_tc_e_28_transaction_status_unknown(config, autojump_clock, tx_id, ongoing, queued):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(env, "GetTransactionStatus", {"transactionId": tx_id})
        assert answer == {"ongoingIndicator": ongoing, "messagesInQueue": queued}


async def test_tc_e_29_30_33_34_transaction_status(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await call(env, "GetTransactionStatus", {}) == {"messagesInQueue": False}
        tx = await charge(env)
        assert await call(env, "GetTransactionStatus", {"transactionId": tx}) == {
            "ongoingIndicator": True,
            "messagesInQueue": False,
        }
        env.csms.responses["TransactionEvent"] = NoReply
        await trio.sleep(3)  # the card left the reader's field since it started the session
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait(lambda: env.station.queue.count() > 0)
        answer = await call(env, "GetTransactionStatus", {"transactionId": tx})
        assert answer == {"ongoingIndicator": False, "messagesInQueue": True}
        assert await call(env, "GetTransactionStatus", {}) == {"messagesInQueue": True}


async def test_tc_g_03_04_change_availability_evse_and_back(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
        )
        assert answer["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env)[-1] == "Unavailable")
        assert (
            await call(
                env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
            )
        )["status"] == "Accepted"
        await call(env, "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 1}})
        await env.csms.wait(lambda: statuses(env)[-1] == "Available")
        assert statuses(env, 2) == ["Available"]


async def test_tc_g_11_with_ongoing_transaction_is_scheduled(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
        )
        assert answer["status"] == "Scheduled"
        assert env.station.loops[1].snapshot.relay_closed, "the transaction goes on"
        env.station.hardware.sim.unplug(1)
        await env.csms.wait(lambda: statuses(env)[-1] == "Unavailable")
        assert "Available" not in statuses(env)[-1:]


async def test_tc_g_14_station_inoperative_during_a_transaction_waits_only_for_the_busy_evse(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, evse=1)
        answer = await call(env, "ChangeAvailability", {"operationalStatus": "Inoperative"})
        assert answer["status"] == "Scheduled"  # G04.FR.06
        # Step 3: the EVSE without a transaction goes Unavailable at once.
        await env.csms.wait(lambda: statuses(env, 2)[-1] == "Unavailable", timeout=60)
        assert statuses(env, 1)[-1] == "Occupied"
        assert env.station.loops[1].snapshot.relay_closed, "the transaction goes on"
        await trio.sleep(3)  # the card left the reader's field since it started the session
        env.station.hardware.sim.tap(CARD)  # StopAuthorized
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable", timeout=60)
        assert tes(env)[-1]["eventType"] == "Ended"
        assert not env.station.availability.state.station
        assert not env.station.availability.state.scheduled


async def test_change_availability_evse_id_0_addresses_the_whole_station(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 0}}
        )
        assert answer["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == statuses(env, 2)[-1] == "Unavailable")
        assert not env.station.availability.state.station
        answer = await call(
            env,
            "ChangeAvailability",
            {"operationalStatus": "Operative", "evse": {"id": 0, "connectorId": 1}},
        )
        assert answer == {"status": "Rejected", "statusInfo": {"reasonCode": "UnknownConnector"}}


async def test_tc_g_18_21_unavailable_persists_across_reboot(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await call(env, "ChangeAvailability", {"operationalStatus": "Inoperative"})
        await env.csms.wait(lambda: statuses(env, 2)[-1] == "Unavailable")
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert statuses(env, 1) == ["Unavailable"] and statuses(env, 2) == ["Unavailable"]


async def test_tc_b_51_52_statuses_after_an_outage(config, autojump_clock):
    variables = {
        "OCPPCommCtrlr.OfflineThreshold": 100,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": 30,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        # Short outage, EVSE 1 changes: only EVSE 1 is reported again.
        await env.csms.disconnect()
        env.station.hardware.sim.plug(1)
        await env.csms.wait(lambda: len(env.csms.connections) == 2, timeout=2000)
        await env.csms.wait(lambda: len(env.csms.of("StatusNotification")) == 3, timeout=200)
        assert [r.payload["evseId"] for r in env.csms.of("StatusNotification")] == [1, 2, 1]
        # Long outage without change: every connector is reported.
        env.csms.refuse_next = 4
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 3, timeout=2000)
        await env.csms.wait(lambda: len(env.csms.of("StatusNotification")) == 5, timeout=200)


async def test_tc_b_20_reset_on_idle_restarts_with_remote_reset(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(env, "Reset", {"type": "OnIdle"})
        assert answer["status"] == "Accepted"
        boots = await env.csms.wait_for("BootNotification", count=2, timeout=60)
        assert boots[1].payload["reason"] == "RemoteReset"
        assert env.restarts == ["RemoteReset"]
        events = await env.csms.wait_for("SecurityEventNotification", count=2)
        assert events[1].payload["type"] == "ResetOrReboot"


async def test_tc_b_21_reset_on_idle_with_transaction_is_scheduled(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        assert (await call(env, "Reset", {"type": "OnIdle"}))["status"] == "Scheduled"
        assert env.station.client.connected
        await trio.sleep(3)
        env.station.hardware.sim.tap(CARD)
        boots = await env.csms.wait_for("BootNotification", count=2, timeout=60)
        # B12.FR.01/03: the reset waited for the transaction, so it is a scheduled one.
        assert boots[1].payload["reason"] == "ScheduledReset"
        assert env.restarts == ["ScheduledReset"]
        assert tes(env)[-1]["transactionInfo"]["stoppedReason"] == "Local"


async def test_tc_b_21_on_idle_reset_waits_for_a_transaction_without_an_evse(
    config, autojump_clock
):
    # TxStartPoint Authorized: the card alone starts a transaction that has no EVSE yet.
    variables = {"TxCtrlr.TxStartPoint": "Authorized", "TxCtrlr.EVConnectionTimeOut": 30}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.station.hardware.sim.tap(CARD)
        (started,) = await env.csms.wait_for("TransactionEvent", count=1, timeout=60)
        assert started.payload["eventType"] == "Started" and "evse" not in started.payload
        assert (await call(env, "Reset", {"type": "OnIdle"}))["status"] == "Scheduled"
        # No EV comes: EVConnectionTimeOut ends the authorization, and with it the transaction.
        boots = await env.csms.wait_for("BootNotification", count=2, timeout=600)
        assert boots[1].payload["reason"] == "ScheduledReset"
        assert tes(env)[-1]["eventType"] == "Ended"
        assert tes(env)[-1]["transactionInfo"]["stoppedReason"] == "Timeout"


async def test_tc_b_22_immediate_reset_ends_the_transaction_first(config, autojump_clock):
    """TC_B_22: the transaction ends first; after the reboot the EV, still plugged in
    (the simulated world survives the restart), makes its connector Occupied."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        count = len(tes(env))
        assert (await call(env, "Reset", {"type": "Immediate"}))["status"] == "Accepted"
        ended = await next_te(env, count)
        assert ended["eventType"] == "Ended"
        assert ended["triggerReason"] == "ResetCommand"
        assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
        assert "idToken" not in ended
        assert ended["transactionInfo"]["chargingState"] == "EVConnected"
        # The station reboots (in this process); the EV is still plugged in and
        # ready, as it would be at a real charger, so its connector is Occupied.
        boots = await env.csms.wait_for("BootNotification", count=2, timeout=60)
        assert boots[1].payload["reason"] == "RemoteReset"
        await env.csms.wait(lambda: len(statuses(env, 1)) >= 3 and len(statuses(env, 2)) >= 2)
        assert statuses(env, 1)[-1] == "Occupied"
        assert statuses(env, 2)[-1] == "Available"
        ev = env.station.hardware.sim.status()["evses"]["1"]["ev"]
        assert ev["plugged"] and ev["state"] == "C"


async def test_reset_of_one_evse_c13(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, evse=2)
        count = len(tes(env))
        assert (await call(env, "Reset", {"type": "Immediate", "evseId": 2}))[
            "status"
        ] == "Accepted"
        ended = await next_te(env, count)
        assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
        await trio.sleep(0.5)
        assert env.station.client.connected, "an EVSE reset does not restart the station"
        assert (await call(env, "Reset", {"type": "Immediate", "evseId": 7}))[
            "status"
        ] == "Rejected"


async def test_tc_f_11_23_27_trigger_messages(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await trio.sleep(2)  # a meter reading exists
        for message, evse, expected, action in [
            ("StatusNotification", {"id": 1, "connectorId": 1}, "Accepted", "StatusNotification"),
            ("MeterValues", {"id": 1}, "Accepted", "MeterValues"),
            ("Heartbeat", None, "Accepted", "Heartbeat"),
            ("LogStatusNotification", None, "Accepted", "LogStatusNotification"),
            ("FirmwareStatusNotification", None, "Accepted", "FirmwareStatusNotification"),
            ("TransactionEvent", {"id": 1}, "Rejected", None),
            ("SignV2GCertificate", None, "NotImplemented", None),
        ]:
            before = len(env.csms.of(action)) if action else 0
            payload = {"requestedMessage": message} | ({"evse": evse} if evse else {})
            assert (await call(env, "TriggerMessage", payload))["status"] == expected, message
            if action:
                sent = await env.csms.wait_for(action, count=before + 1)
                if action == "MeterValues":
                    value = sent[-1].payload["meterValue"][0]["sampledValue"][0]
                    assert value["context"] == "Trigger"


async def test_tc_j_08_transaction_begin_values_go_with_the_first_event_naming_the_evse(
    config, autojump_clock
):
    variables = {
        "TxCtrlr.TxStartPoint": "Authorized",
        "SampledDataCtrlr.TxStartedMeasurands": "Energy.Active.Import.Register,Voltage",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await trio.sleep(2)  # the meters have readings
        env.station.hardware.sim.tap(CARD)  # no EV yet: the EVSE is not known
        (started,) = await env.csms.wait_for("TransactionEvent", count=1, timeout=60)
        assert "evse" not in started.payload and "meterValue" not in started.payload
        env.station.hardware.sim.plug(2)
        await env.csms.wait(lambda: any("evse" in e for e in tes(env)), timeout=60)
        first = next(e for e in tes(env) if "evse" in e)
        assert first["evse"] == {"id": 2, "connectorId": 1}
        (begin,) = first["meterValue"]
        contexts = {v.get("context") for v in begin["sampledValue"]}
        assert contexts == {"Transaction.Begin"}
        measurands = [
            v.get("measurand", "Energy.Active.Import.Register") for v in begin["sampledValue"]
        ]
        assert sorted(measurands) == ["Energy.Active.Import.Register", "Voltage"]


async def test_tc_f_13_trigger_transaction_event(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env)
        await trio.sleep(2)
        count = len(tes(env))
        await call(
            env, "TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}}
        )
        event = await next_te(env, count)
        assert event["triggerReason"] == "Trigger"
        assert event.get("evse", {"id": 1})["id"] == 1
        # The state did not change since the last event, but a triggered event reports it.
        assert event["transactionInfo"]["chargingState"] == "Charging"
        assert event["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"


async def test_tc_f_14_trigger_transaction_event_for_the_station_names_each_evse(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, evse=1)
        await trio.sleep(3)  # the first card left the reader's field
        await charge(env, evse=2, card="04A1B2C4")
        await trio.sleep(2)
        count = len(tes(env))
        await call(env, "TriggerMessage", {"requestedMessage": "TransactionEvent"})
        await env.csms.wait_for("TransactionEvent", count=count + 2, timeout=60)
        triggered = tes(env)[count:]
        assert [e["triggerReason"] for e in triggered] == ["Trigger", "Trigger"]
        assert sorted(e["evse"]["id"] for e in triggered) == [1, 2]
        assert {e["transactionInfo"]["chargingState"] for e in triggered} == {"Charging"}
        for event in triggered:
            assert event["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"


async def test_tc_j_01_02_clock_aligned_meter_values(config, autojump_clock):
    variables = {"AlignedDataCtrlr.Interval": 900}
    async with running_station(config, variables=variables, control_period=0.25) as env:
        await booted(env)
        # Idle: MeterValues per EVSE at each quarter hour (START is 08:00:00).
        values = await env.csms.wait_for("MeterValues", count=2, timeout=1000)
        assert {v.payload["evseId"] for v in values} == {1, 2}
        assert values[0].payload["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"
        assert env.station.clock.now().minute == 15
        await charge(env)
        clock_event = await env.csms.wait(
            lambda: tes(env, triggerReason="MeterValueClock"), timeout=1000
        )
        assert clock_event is None
        (event,) = tes(env, triggerReason="MeterValueClock")
        assert event["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"


async def test_unlock_connector_on_a_fixed_cable(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await call(env, "UnlockConnector", {"evseId": 1, "connectorId": 1}))[
            "status"
        ] == "UnlockFailed"
        assert (await call(env, "UnlockConnector", {"evseId": 3, "connectorId": 1}))[
            "status"
        ] == "UnknownConnector"
        await charge(env)
        assert (await call(env, "UnlockConnector", {"evseId": 1, "connectorId": 1}))[
            "status"
        ] == "OngoingAuthorizedTransaction"


async def test_tc_p_01_data_transfer_and_clear_cache(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await call(env, "DataTransfer", {"vendorId": "com.example", "messageId": "x"})
        assert answer["status"] == "UnknownVendorId"
        assert (await call(env, "ClearCache", {}))["status"] == "Accepted"  # C11.FR.03
