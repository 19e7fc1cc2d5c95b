"""End-to-end charging on the simulator against the in-memory CSMS, on MockClock."""

from __future__ import annotations

import pytest
import trio

from tests.conftest import make_config, running_station

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def te(env, **match):
    return [
        r.payload
        for r in env.csms.of("TransactionEvent")
        if all(r.payload.get(k) == v for k, v in match.items())
    ]


async def settle(env, seconds=2.0):
    """Let the control loop and the pumps act (virtual time)."""
    await trio.sleep(seconds)


async def boot(env):
    await env.csms.wait_for("StatusNotification", count=2)


async def test_plug_tap_charge_unplug(config, autojump_clock):
    async with running_station(config, control_period=0.01) as env:
        await boot(env)
        sim = env.station.hardware.sim
        sim.plug(1)
        await settle(env)
        status = [r.payload for r in env.csms.of("StatusNotification")]
        assert status[-1]["connectorStatus"] == "Occupied"
        sim.tap(CARD)
        (started,) = await env.csms.wait_for("TransactionEvent")
        assert env.csms.of("Authorize")[0].payload["idToken"] == {
            "idToken": CARD,
            "type": "ISO14443",
        }
        assert started.payload["eventType"] == "Started"
        assert started.payload["triggerReason"] == "Authorized"
        assert started.payload["evse"] == {"id": 1, "connectorId": 1}
        # The EVSE now offers current: the EV closes S2 (state C) and the contactor closes.
        await settle(env, 0.05)
        assert env.station.loops[1].snapshot.duty == pytest.approx(53.3)
        sim.set_ev_state(1, "C")
        await settle(env)
        assert env.station.loops[1].snapshot.relay_closed
        charging = te(env, triggerReason="ChargingStateChanged")
        assert charging[-1]["transactionInfo"]["chargingState"] == "Charging"
        # Energy flows and is reported periodically (TxUpdatedInterval 60 s).
        await trio.sleep(130)
        periodic = te(env, triggerReason="MeterValuePeriodic")
        assert len(periodic) == 2
        energy = [v["sampledValue"][0]["value"] for p in periodic for v in p["meterValue"]]
        assert energy[1] > energy[0] > 0
        # The driver presents the card again: authorization ends, the transaction ends.
        sim.tap(CARD)
        ended = await env.csms.wait_for("TransactionEvent", count=len(te(env)) + 1)
        last = ended[-1].payload
        assert last["eventType"] == "Ended"
        assert last["transactionInfo"]["stoppedReason"] == "Local"
        # PWM is withdrawn at once; the EV draws nothing, and the contactor opens when the
        # EV leaves C or, as this simulated EV stays in C, after the 6 s of IEC 61851-1.
        await settle(env, 1)
        assert env.station.loops[1].snapshot.offered_current == 0
        await settle(env, 6)
        assert not env.station.loops[1].snapshot.relay_closed
        seq = [p["seqNo"] for p in te(env)]
        assert seq == list(range(len(seq)))


async def test_unplug_while_charging_opens_the_contactor_and_ends_with_ev_disconnected(
    config, autojump_clock
):
    async with running_station(config, control_period=0.01) as env:
        await boot(env)
        sim = env.station.hardware.sim
        sim.plug(2)
        sim.tap(CARD)
        await env.csms.wait_for("TransactionEvent")
        sim.set_ev_state(2, "C")
        await settle(env)
        assert env.station.loops[2].snapshot.relay_closed
        sim.unplug(2)
        await trio.sleep(0.05)
        assert not env.station.loops[2].snapshot.relay_closed
        await settle(env)
        last = te(env)[-1]
        assert last["eventType"] == "Ended"
        assert last["triggerReason"] == "EVCommunicationLost"
        assert last["transactionInfo"]["stoppedReason"] == "EVDisconnected"
        assert [r.payload["connectorStatus"] for r in env.csms.of("StatusNotification")][
            -1
        ] == "Available"


async def _until_waiting(lock: trio.Lock, tasks: int) -> None:
    """Until ``tasks`` tasks wait for ``lock`` (virtual time: the station's loops tick)."""
    with trio.fail_after(30):
        while lock.statistics().tasks_waiting < tasks:  # noqa: ASYNC110 - no event for it
            await trio.sleep(0.01)


async def test_card_answered_while_the_plug_in_waits_for_its_turn_authorizes_that_evse(
    config, autojump_clock
):
    # The race of a tap that comes with the plug-in: the CSMS's Authorize answer arrives
    # after the plug-in's snapshot reached the transactions but before it was applied
    # (another input holds them). The authorization must not be parked for an EVSE-less
    # session that the plug-in, already past that point, never looks at again.
    async with running_station(config, control_period=0.01) as env:
        await boot(env)
        sim = env.station.hardware.sim
        lock = env.station.transactions._lock
        await lock.acquire()  # another input of the transactions in progress
        try:
            sim.plug(1)
            await _until_waiting(lock, 1)  # the plug-in, seen, waits for its turn
            sim.tap(CARD)
            await env.csms.wait_for("Authorize")
            await _until_waiting(lock, 2)  # the accepted card too, after it
        finally:
            lock.release()
        sim.set_ev_state(1, "C")
        loop = env.station.loops[1]
        with trio.fail_after(10):
            while not loop.snapshot.relay_closed:
                await loop.wait_snapshot()
        (started,) = [p for p in te(env) if p["eventType"] == "Started"]
        assert started["evse"] == {"id": 1, "connectorId": 1}
        assert started["idToken"] == {"idToken": CARD, "type": "ISO14443"}
        assert not env.station.transactions.session(0).authorized


async def test_card_answered_while_the_ev_s_evse_is_faulted_charges_once_the_fault_clears(
    config, autojump_clock
):
    # The EV is plugged in when its EVSE shows a fault for a moment (a pilot reading that
    # fits no state) just as the CSMS accepts the card: the authorization cannot take a
    # Faulted EVSE and waits for a plug-in. The EV here, plugged in all along, gets it
    # when the fault clears; the contactor never closes while the fault is there.
    async with running_station(config, control_period=0.01) as env:
        await boot(env)
        sim = env.station.hardware.sim
        loop = env.station.loops[1]
        sim.plug(1)
        sim.set_ev_state(1, "C")
        with trio.fail_after(5):
            while not loop.snapshot.ev_connected:
                await loop.wait_snapshot()
        sim.inject_pilot_voltage(1, -5.0, -12.0)  # fits no IEC 61851-1 state
        with trio.fail_after(5):
            while loop.snapshot.fault is None:
                await loop.wait_snapshot()
        sim.tap(CARD)
        await env.csms.wait_for("Authorize")
        with trio.fail_after(5):
            while not env.station.transactions.session(0).authorized:  # noqa: ASYNC110 - no event for it
                await trio.sleep(0.01)
        assert not loop.snapshot.relay_closed
        sim.release_pilot_voltage(1)
        with trio.fail_after(10):
            while not loop.snapshot.relay_closed:
                await loop.wait_snapshot()
        (started,) = [p for p in te(env) if p["eventType"] == "Started"]
        assert started["evse"] == {"id": 1, "connectorId": 1}
        assert not env.station.transactions.session(0).authorized
