"""Charging sessions against the independent judge CSMS (schemas checked by the `ocpp` lib).

Real time, real WebSocket, simulated hardware. The judge validates every message the
station sends; these tests check that whole sessions are well formed end to end.
"""

from __future__ import annotations

import trio

from tests.conftest import FAST, live_station, make_config

CARD = "04A1B2C3"
SESSION = FAST | {
    "SampledDataCtrlr.TxUpdatedInterval": 1,
    "SampledDataCtrlr.TxUpdatedMeasurands": "Energy.Active.Import.Register,Power.Active.Import,"
    "Current.Import,Voltage,Current.Offered,Power.Offered,Power.Factor,Frequency,"
    "Energy.Active.Export.Register",
}


async def wait_tx(station, evse, present=True):
    with trio.fail_after(10):
        while (station.transactions.transaction_id(evse) is not None) != present:
            await station.transactions.wait_changed()


async def test_local_session_plug_tap_charge_stop_unplug(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=SESSION) as station:
        await judge.wait_for("StatusNotification", count=2)
        sim = station.hardware.sim
        sim.plug(1)
        await judge.wait_for(
            "StatusNotification", where=lambda p: p["connectorStatus"] == "Occupied"
        )
        sim.tap(CARD)
        await wait_tx(station, 1)
        sim.set_ev_state(1, "C")
        await judge.wait_for(
            "TransactionEvent", count=3, where=lambda p: p["triggerReason"] == "MeterValuePeriodic"
        )
        await trio.sleep(1.6)  # the card leaves the reader's field
        sim.tap(CARD)
        await wait_tx(station, 1, present=False)
        sim.set_ev_state(1, "B")
        sim.unplug(1)
        await judge.wait_for(
            "StatusNotification",
            count=2,
            where=lambda p: p["connectorStatus"] == "Available" and p["evseId"] == 1,
        )
        await station.queue.drained()
    events = [r.payload for r in judge.received if r.action == "TransactionEvent"]
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert events[0]["eventType"] == "Started" and events[-1]["eventType"] == "Ended"
    assert events[-1]["transactionInfo"]["stoppedReason"] == "Local"
    measurands = {
        s.get("measurand")
        for e in events
        for v in e.get("meterValue", [])
        for s in v["sampledValue"]
    }
    assert {"Voltage", "Current.Offered", "Power.Offered", "Frequency"} <= measurands
    assert not judge.violations


async def test_remote_start_and_stop(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=SESSION) as station:
        await judge.wait_for("StatusNotification", count=2)
        station.hardware.sim.plug(2)
        result = await judge.call(
            "RequestStartTransaction",
            {
                "idToken": {"idToken": "CSMS-ID-1", "type": "Central"},
                "remoteStartId": 42,
                "evseId": 2,
            },
        )
        assert result["status"] == "Accepted"
        await wait_tx(station, 2)
        (started,) = await judge.wait_for("TransactionEvent")
        assert started.payload["transactionInfo"]["remoteStartId"] == 42
        tx = started.payload["transactionInfo"]["transactionId"]
        status = await judge.call("GetTransactionStatus", {"transactionId": tx})
        assert status["ongoingIndicator"] is True
        result = await judge.call("RequestStopTransaction", {"transactionId": tx})
        assert result["status"] == "Accepted"
        ended = await judge.wait_for("TransactionEvent", where=lambda p: p["eventType"] == "Ended")
        assert ended[0].payload["transactionInfo"]["stoppedReason"] == "Remote"
    assert not judge.violations


async def test_change_availability_and_triggers_are_schema_valid(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=SESSION):
        await judge.wait_for("StatusNotification", count=2)
        result = await judge.call(
            "ChangeAvailability",
            {"operationalStatus": "Inoperative", "evse": {"id": 1, "connectorId": 1}},
        )
        assert result["status"] == "Accepted"
        await judge.wait_for(
            "StatusNotification", where=lambda p: p["connectorStatus"] == "Unavailable"
        )
        for message in (
            "MeterValues",
            "StatusNotification",
            "Heartbeat",
            "FirmwareStatusNotification",
            "LogStatusNotification",
        ):
            payload = {"requestedMessage": message}
            if message in ("StatusNotification", "MeterValues"):
                payload["evse"] = {"id": 2, "connectorId": 1}
            result = await judge.call("TriggerMessage", payload)
            assert result["status"] == "Accepted", message
            await judge.wait_for(message, where=None)
    assert not judge.violations
