"""The Charging-Station test cases of the OCA Reservation profile (Part 5 §4.7), one test
each, following each case's steps and tool validations (Part 6, TC_H_* and TC_B_24)."""

from __future__ import annotations

import pytest
import trio

from tests.conftest import booted, call, make_config, running_station
from tests.test_reservation_cases import CARD, OTHER, last_status, reserve, settle, tes

THIRD = "0BADCAFE"
GROUP = {"groupIdToken": {"idToken": "FLEET-1", "type": "Central"}}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def energy_transfer(env, evse: int, uid: str) -> dict:
    """Reusable states Authorized + EnergyTransferStarted; the event that named the idToken."""
    env.station.hardware.sim.tap(uid)
    await trio.sleep(0.5)
    return await energy_transfer_after_tap(env, evse, uid)


async def energy_transfer_after_tap(env, evse: int, uid: str) -> dict:
    """EnergyTransferStarted for the idToken already presented; the event that named it."""
    sim = env.station.hardware.sim
    sim.plug(evse)
    await env.csms.wait(
        lambda: env.station.transactions.transaction_id(evse) is not None, timeout=30
    )
    sim.set_ev_state(evse, "C")
    await trio.sleep(0.5)
    assert env.station.loops[evse].snapshot.relay_closed
    return next(p for p in tes(env) if p.get("idToken", {}).get("idToken") == uid)


async def test_tc_b_24_reserved_persists_reset(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 24, evseId=1))["status"] == "Accepted"
        assert (await call(env, "Reset", {"type": "OnIdle"}))["status"] == "Accepted"
        await env.csms.wait(lambda: len(env.csms.of("BootNotification")) == 2, timeout=60)
        assert env.csms.of("BootNotification")[-1].payload["reason"] == "RemoteReset"
        await env.csms.wait(lambda: len(env.csms.of("StatusNotification")) >= 5, timeout=60)
        await settle(env)
        assert (last_status(env, 1), last_status(env, 2)) == ("Reserved", "Available")


async def test_tc_h_01_reserve_a_specific_evse_accepted_valid_id_token(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, evseId=1))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        env.station.hardware.sim.tap(CARD)  # Authorized: the reservation is used up
        await settle(env)
        assert last_status(env, 1) == "Available"
        started = await energy_transfer_after_tap(env, 1, CARD)
        assert started["reservationId"] == 1


async def test_tc_h_02_reserved_evse_refuses_a_different_id_token(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 2, evseId=1))["status"] == "Accepted"
        sim = env.station.hardware.sim
        sim.plug(1)  # EVConnectedPreSession
        await settle(env)
        sim.tap(OTHER)
        sim.set_ev_state(1, "C")
        await trio.sleep(30)  # the message timeout of the case
        assert not any(p["transactionInfo"].get("chargingState") == "Charging" for p in tes(env))
        assert not env.station.loops[1].snapshot.relay_closed


async def test_tc_h_03_occupied_when_the_evse_is_reserved(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, evseId=1))["status"] == "Accepted"
        assert (await reserve(env, 2, OTHER, evseId=1))["status"] == "Occupied"


async def test_tc_h_04_occupied_when_the_evse_is_charging(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await energy_transfer(env, 1, CARD)
        assert (await reserve(env, 1, OTHER, evseId=1))["status"] == "Occupied"


async def test_tc_h_06_unavailable(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
        )
        await settle(env)
        assert (await reserve(env, 1, OTHER, evseId=1))["status"] == "Unavailable"


async def test_tc_h_07_reservation_ended_not_used(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        expiry_minutes = 1
        assert (await reserve(env, 7, evseId=1, minutes=expiry_minutes))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        [update] = await env.csms.wait_for("ReservationStatusUpdate", timeout=90)
        assert update.payload["reservationUpdateStatus"] == "Expired"
        await settle(env)
        assert last_status(env, 1) == "Available"
        started = await energy_transfer(env, 1, OTHER)  # anyone may charge again
        assert "reservationId" not in started


async def test_tc_h_22_configured_to_reject(config, autojump_clock):
    variables = {"ReservationCtrlr.Enabled": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, evseId=1))["status"] == "Rejected"


async def test_tc_h_23_replace_reservation(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 23, CARD, evseId=1))["status"] == "Accepted"
        assert (await reserve(env, 23, OTHER, evseId=1))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        started = await energy_transfer(env, 1, OTHER)
        assert started["reservationId"] == 23


async def test_tc_h_19_use_a_reserved_evse_with_group_id(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 19, CARD, evseId=1, **GROUP))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        env.csms.responses["Authorize"] = lambda p: {"idTokenInfo": {"status": "Accepted", **GROUP}}
        started = await energy_transfer(env, 1, OTHER)
        assert started["reservationId"] == 19


# -- Reserve an unspecified EVSE / a connector type (R-2) --------------------------------


async def test_tc_h_08_unspecified_evse_accepted(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 8))["status"] == "Accepted"
        started = await energy_transfer(env, 1, CARD)
        assert started["reservationId"] == 8


async def test_tc_h_09_unspecified_evse_occupied_when_all_are_reserved(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, CARD, evseId=1))["status"] == "Accepted"
        assert (await reserve(env, 2, OTHER, evseId=2))["status"] == "Accepted"
        assert (await reserve(env, 3, THIRD))["status"] == "Occupied"


async def test_tc_h_10_unspecified_evse_occupied_when_all_charge(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await energy_transfer(env, 1, CARD)
        await energy_transfer(env, 2, OTHER)
        assert (await reserve(env, 3, THIRD))["status"] == "Occupied"


async def test_tc_h_12_unspecified_evse_unavailable(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await call(env, "ChangeAvailability", {"operationalStatus": "Inoperative"})
        await settle(env)
        assert (await reserve(env, 12))["status"] == "Unavailable"


async def test_tc_h_13_unspecified_evse_rejected_without_non_evse_specific(config, autojump_clock):
    variables = {"ReservationCtrlr.NonEvseSpecific": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 13))["status"] == "Rejected"


async def test_tc_h_14_as_many_reservations_as_available_evses(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, CARD))["status"] == "Accepted"
        assert (await reserve(env, 2, OTHER))["status"] == "Accepted"
        await settle(env)
        assert (last_status(env, 1), last_status(env, 2)) == ("Reserved", "Reserved")


async def test_tc_h_24_unspecified_evse_with_group_id_token(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 24, CARD, **GROUP))["status"] == "Accepted"
        env.csms.responses["Authorize"] = lambda p: {"idTokenInfo": {"status": "Accepted", **GROUP}}
        started = await energy_transfer(env, 2, OTHER)
        assert started["reservationId"] == 24


async def test_tc_h_15_connector_type_success(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, OTHER, evseId=1))["status"] == "Accepted"
        # One Available connector of the type left: it is Reserved for this one.
        assert (await reserve(env, 15, CARD, connectorType="cType1"))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 2) == "Reserved"
        started = await energy_transfer(env, 2, CARD)
        assert started["reservationId"] == 15


async def test_tc_h_16_connector_type_occupied_when_all_are_reserved(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, CARD, evseId=1))["status"] == "Accepted"
        assert (await reserve(env, 2, OTHER, evseId=2))["status"] == "Accepted"
        answer = await reserve(env, 16, THIRD, connectorType="cType1")
        assert answer["status"] == "Occupied"


# -- Cancel reservation ------------------------------------------------------------------


async def test_tc_h_17_cancel_success(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 17, evseId=1))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        assert (await call(env, "CancelReservation", {"reservationId": 17}))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Available"


async def test_tc_h_18_cancel_rejected(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await call(env, "CancelReservation", {"reservationId": 1}))["status"] == "Rejected"


async def test_tc_h_21_station_cancels_a_reservation_when_unavailable(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 21, evseId=1))["status"] == "Accepted"
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}}
        )
        assert answer["status"] == "Accepted"
        [update] = await env.csms.wait_for("ReservationStatusUpdate", timeout=30)
        assert update.payload == {"reservationId": 21, "reservationUpdateStatus": "Removed"}
        await settle(env)
        assert last_status(env, 1) == "Unavailable"
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 1}}
        )
        assert answer["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Available"
