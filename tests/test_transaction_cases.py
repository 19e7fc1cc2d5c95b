"""Part 6 transaction cases of blocks E (E01-E07, E12, E14) and C (C01, C09) on the
simulator.

Each test is named after its OCTT test case and asserts the case's tool validations,
including those of the reusable states it runs through (Part 6 §"Reusable states"). The
CSMS side is the in-memory CSMS; the station side is the real assembly on simulated
hardware.
"""

from __future__ import annotations

import pytest
import trio

from tests.conftest import make_config, running_station
from tests.memcsms import NoReply

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def tes(env, transaction_id: str | None = None) -> list[dict]:
    return [
        r.payload
        for r in env.csms.of("TransactionEvent")
        if transaction_id is None or r.payload["transactionInfo"]["transactionId"] == transaction_id
    ]


async def booted(env) -> None:
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)


async def call(env, action: str, payload: dict) -> dict:
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def energy_transfer_started(env, evse: int = 1) -> str:
    """The EnergyTransferStarted reusable state (plug, tap, EV in C); the transaction id."""
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.1)
    sim.tap(CARD)
    await env.csms.wait(lambda: env.station.transactions.transaction_id(evse) is not None)
    transaction_id = env.station.transactions.transaction_id(evse)
    await trio.sleep(0.1)
    sim.set_ev_state(evse, "C")
    await env.csms.wait(
        lambda: any(
            e["transactionInfo"].get("chargingState") == "Charging"
            for e in tes(env, transaction_id)
        ),
        timeout=60,
    )
    assert env.station.loops[evse].snapshot.relay_closed
    await trio.sleep(3)  # the card leaves the reader's field (Configured Transaction Duration)
    return transaction_id


async def contactor_opens(env, evse: int = 1) -> None:
    """The energy offer is withdrawn at once; the contactor opens when the EV stops
    drawing, or at the latest after the control loop's grace period."""
    loop = env.station.loops[evse]
    with trio.fail_after(10):
        while loop.snapshot.duty != 100.0 and loop.snapshot.relay_closed:
            await loop.wait_snapshot()
        while loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def ended(env, transaction_id: str) -> dict:
    await env.csms.wait(
        lambda: any(e["eventType"] == "Ended" for e in tes(env, transaction_id)), timeout=600
    )
    (event,) = [e for e in tes(env, transaction_id) if e["eventType"] == "Ended"]
    return event


POWER_PATH_CLOSED = {"TxCtrlr.TxStopPoint": "PowerPathClosed"}


async def test_tc_e_07_local_stop_with_stop_point_power_path_closed(config, autojump_clock):
    async with running_station(config, variables=POWER_PATH_CLOSED, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        count = len(tes(env, transaction_id))
        # StopAuthorized (local): the same card again.
        env.station.hardware.sim.tap(CARD)
        last = await ended(env, transaction_id)
        # Part 2 E: with PowerPathClosed as stop point the transaction ends when the
        # authorization ends, so the StopAuthorized event (step 1) is the Ended one
        # (step 3): the card or no idToken, EVConnected, stoppedReason Local.
        assert tes(env, transaction_id)[count:] == [last]
        assert last["triggerReason"] == "StopAuthorized"
        assert last.get("idToken", {"idToken": CARD})["idToken"] == CARD
        assert last["transactionInfo"]["chargingState"] == "EVConnected"
        assert last["transactionInfo"].get("stoppedReason", "Local") == "Local"
        assert env.station.transactions.transaction_id(1) is None
        await contactor_opens(env)


async def test_tc_e_35_remote_stop_with_stop_point_power_path_closed(config, autojump_clock):
    async with running_station(config, variables=POWER_PATH_CLOSED, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        answer = await call(env, "RequestStopTransaction", {"transactionId": transaction_id})
        assert answer == {"status": "Accepted"}
        last = await ended(env, transaction_id)
        assert last["triggerReason"] == "RemoteStop"
        assert last["transactionInfo"]["stoppedReason"] == "Remote"
        await contactor_opens(env)


async def test_tc_e_37_ev_side_disconnect_with_stop_point_power_path_closed(config, autojump_clock):
    # StopTxOnEVSideDisconnect is read-only true here, so the case leaves it as it is.
    async with running_station(config, variables=POWER_PATH_CLOSED, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        # EnergyTransferSuspended: the EV suspends (state B).
        count = len(tes(env, transaction_id))
        env.station.hardware.sim.set_ev_state(1, "B")
        await env.csms.wait(lambda: len(tes(env, transaction_id)) > count, timeout=60)
        suspended = tes(env, transaction_id)[count]
        # A pause does not end a PowerPathClosed transaction (Part 2 E, TxStopPoint).
        assert suspended["eventType"] == "Updated"
        assert suspended["transactionInfo"]["chargingState"] in ("EVConnected", "SuspendedEV")
        if suspended["transactionInfo"]["chargingState"] == "SuspendedEV":
            assert suspended["triggerReason"] == "ChargingStateChanged"
        # The EV is disconnected on its side.
        env.station.hardware.sim.unplug(1)
        last = await ended(env, transaction_id)
        assert last["triggerReason"] == "EVCommunicationLost"
        assert last["transactionInfo"]["chargingState"] == "Idle"
        assert last["transactionInfo"]["stoppedReason"] in ("EVDisconnected", "StoppedByEV")


async def test_tc_e_32_status_of_an_ended_and_delivered_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        # StopAuthorized, EVDisconnected, ParkingBayUnoccupied.
        env.station.hardware.sim.tap(CARD)
        await trio.sleep(2)
        env.station.hardware.sim.unplug(1)
        await ended(env, transaction_id)
        await env.station.queue.drained()
        answer = await call(env, "GetTransactionStatus", {"transactionId": transaction_id})
        assert answer == {"ongoingIndicator": False, "messagesInQueue": False}


async def test_tc_e_29_ongoing_transaction_with_messages_queued_while_offline(
    config, autojump_clock
):
    wait_minimum = 60
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 10,
        "OCPPCommCtrlr.OfflineThreshold": wait_minimum + 60,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": wait_minimum,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        # Steps 1-2: the connection closes and reconnects are refused for a while.
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await trio.sleep(wait_minimum)
        # The queued events wait for the CSMS's answer; the request of step 3 goes out as
        # the connection is restored, before the queue is emptied.
        env.csms.responses["TransactionEvent"] = NoReply
        env.csms.refuse_next = 0
        await env.csms.wait(lambda: len(env.csms.connections) == 2, timeout=600)
        answer = await call(env, "GetTransactionStatus", {"transactionId": transaction_id})
        # Step 4.
        assert answer == {"ongoingIndicator": True, "messagesInQueue": True}
        # Step 5: the queue empties, its events sent offline with meter values.
        env.csms.responses["TransactionEvent"] = {}
        with trio.fail_after(600):
            await env.station.queue.drained()
        queued = [r.payload for r in env.csms.of("TransactionEvent") if r.connection == 1]
        offline = [p for p in queued if p.get("offline")]
        assert offline, "events created while offline"
        for event in offline:
            assert event["eventType"] == "Updated"
            assert event["meterValue"]
            assert event["offline"] is True
        answer = await call(env, "GetTransactionStatus", {"transactionId": transaction_id})
        assert answer == {"ongoingIndicator": True, "messagesInQueue": False}


async def test_tc_e_44_local_stop_while_offline(config, autojump_clock):
    wait_minimum = 120
    variables = {
        "OCPPCommCtrlr.OfflineThreshold": wait_minimum + 60,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": wait_minimum,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        delivered = len(tes(env, transaction_id))
        # Step 1: the connection closes and reconnects are refused.
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await env.station.client.wait_until(lambda: not env.station.client.connected)
        sim = env.station.hardware.sim
        sim.tap(CARD)  # the same card: a local stop, offline
        await trio.sleep(2)
        sim.unplug(1)
        await trio.sleep(2)
        assert env.station.transactions.transaction_id(1) is None
        assert not env.station.loops[1].snapshot.relay_closed
        # Step 2: the reconnection is accepted; step 3: the queue empties.
        env.csms.refuse_next = 0
        await ended(env, transaction_id)
        with trio.fail_after(600):
            await env.station.queue.drained()
        queued = tes(env, transaction_id)[delivered:]
        assert queued and all(e["offline"] is True for e in queued)
        assert [e["eventType"] for e in queued].count("Ended") == 1
        seq = [e["seqNo"] for e in tes(env, transaction_id)]
        assert seq == list(range(len(seq)))


async def test_tc_c_04_a_different_card_does_not_stop_the_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        transaction_id = await energy_transfer_started(env)
        count = len(tes(env, transaction_id))
        before = len(env.csms.of("Authorize"))
        # The other card is unknown to the cache and the list, of no group; OCTT accepts it.
        env.station.hardware.sim.tap("0DD0FEED")
        authorizations = await env.csms.wait_for("Authorize", count=before + 1, timeout=60)
        assert authorizations[-1].payload["idToken"]["idToken"] == "0DD0FEED"
        await trio.sleep(30)  # OCTT waits <Configured message timeout>
        after = tes(env, transaction_id)[count:]
        assert not any(e["eventType"] == "Ended" for e in after)
        assert not any("idToken" in e for e in after)
        assert env.station.transactions.transaction_id(1) == transaction_id
        assert env.station.loops[1].snapshot.relay_closed


async def test_tc_c_42_an_invalid_card_of_the_same_group_does_not_stop(config, autojump_clock):
    group = {"idToken": "FAMILY", "type": "Central"}
    invalid = "0DD0FEED"

    def authorize(payload: dict) -> dict:
        status = "Invalid" if payload["idToken"]["idToken"] == invalid else "Accepted"
        return {"idTokenInfo": {"status": status, "groupIdToken": group}}

    async with running_station(config, control_period=0.05) as env:
        env.csms.responses["Authorize"] = authorize
        env.csms.responses["TransactionEvent"] = lambda p: (
            {"idTokenInfo": {"status": "Accepted", "groupIdToken": group}} if "idToken" in p else {}
        )
        await booted(env)
        # EVConnectedPreSession, then the valid card of the group (steps 1-4).
        transaction_id = await energy_transfer_started(env)
        (first,) = env.csms.of("Authorize")
        assert first.payload["idToken"]["idToken"] == CARD
        authorized = next(e for e in tes(env, transaction_id) if e["triggerReason"] == "Authorized")
        assert authorized["idToken"]["idToken"] == CARD
        count = len(tes(env, transaction_id))
        # Step 6: an invalid card of the same group.
        env.station.hardware.sim.tap(invalid)
        await env.csms.wait_for("Authorize", count=2, timeout=60)
        await trio.sleep(30)  # OCTT waits to see that no TransactionEvent follows
        after = tes(env, transaction_id)[count:]
        assert not any(e["eventType"] == "Ended" or "idToken" in e for e in after)
        # Post-scenario: the energy transfer is not stopped.
        assert env.station.transactions.transaction_id(1) == transaction_id
        assert env.station.loops[1].snapshot.relay_closed
        assert env.station.loops[1].snapshot.duty != 100.0


async def test_tc_e_43_transaction_started_and_ended_offline(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "true"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        # TransactionEventsInQueueEnded: the connection closes, no reconnect accepted.
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        await env.station.client.wait_until(lambda: not env.station.client.connected)
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.5)
        sim.tap(CARD)
        await trio.sleep(0.5)
        transaction_id = env.station.transactions.transaction_id(1)
        assert transaction_id is not None
        await trio.sleep(3)  # the card leaves the reader's field
        sim.tap(CARD)  # the same card ends it
        await trio.sleep(2)
        sim.unplug(1)
        await trio.sleep(2)
        assert env.station.transactions.transaction_id(1) is None
        assert tes(env) == []
        # The reconnection is accepted: step 2, the queue empties.
        env.csms.refuse_next = 0
        await ended(env, transaction_id)
        with trio.fail_after(600):
            await env.station.queue.drained()
        queued = tes(env)
        assert {e["transactionInfo"]["transactionId"] for e in queued} == {transaction_id}
        assert all(e["offline"] is True for e in queued)
        kinds = [e["eventType"] for e in queued]
        assert kinds[0] == "Started" and kinds.count("Ended") == 1
        assert [e["seqNo"] for e in queued] == list(range(len(queued)))
