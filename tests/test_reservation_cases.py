"""Reservations (Part 2 H01–H04) over the CSMS link, on MockClock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import trio

from station.ocpp.datetimes import format_date_time
from tests.conftest import booted, call, make_config, running_station

CARD = "04A1B2C3"
OTHER = "0DD0FEED"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def reserve(env, reservation_id: int, uid: str = CARD, minutes: int = 30, **fields):
    expiry = env.station.clock.now() + timedelta(minutes=minutes)
    payload = {
        "id": reservation_id,
        "expiryDateTime": format_date_time(expiry),
        "idToken": {"idToken": uid, "type": "ISO14443"},
        **fields,
    }
    return await call(env, "ReserveNow", payload)


def last_status(env, evse: int) -> str:
    return [
        r.payload["connectorStatus"]
        for r in env.csms.of("StatusNotification")
        if r.payload["evseId"] == evse
    ][-1]


async def settle(env):
    await trio.sleep(0.5)


def tes(env):
    return [r.payload for r in env.csms.of("TransactionEvent")]


async def test_h01_fr_23_a_reserved_evse_is_reserved_for_its_id_token_only(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 11, evseId=1))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 1) == "Reserved"
        assert last_status(env, 2) == "Available"
        sim = env.station.hardware.sim
        sim.plug(1)
        await settle(env)
        sim.tap(OTHER)  # H03.FR.01: another idToken may not charge on EVSE 1
        await trio.sleep(1)
        assert env.station.transactions.transaction_id(1) is None
        await trio.sleep(60)  # OTHER's authorization waits for EVSE 2, then times out
        sim.tap(CARD)
        await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is not None)
        await settle(env)
        started = next(p for p in tes(env) if "idToken" in p)
        assert started["idToken"]["idToken"] == CARD
        assert started["reservationId"] == 11  # H01.FR.15
        assert last_status(env, 1) == "Occupied"
        # H03.FR.09: used up; cancelling it now finds nothing.
        assert (await call(env, "CancelReservation", {"reservationId": 11}))["status"] == "Rejected"


async def test_h01_fr_04_20_reservations_without_evse(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1))["status"] == "Accepted"
        await settle(env)
        # One reservation, two Available EVSEs: neither is held yet.
        assert (last_status(env, 1), last_status(env, 2)) == ("Available", "Available")
        assert (await reserve(env, 2, OTHER))["status"] == "Accepted"
        await settle(env)
        # H01.FR.20: as many reservations as Available EVSEs: all Reserved.
        assert (last_status(env, 1), last_status(env, 2)) == ("Reserved", "Reserved")
        assert (await reserve(env, 3, "0BADCAFE"))["status"] == "Occupied"  # H01.FR.11


async def test_h01_fr_19_without_non_evse_specific_an_evse_is_needed(config, autojump_clock):
    variables = {"ReservationCtrlr.NonEvseSpecific": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1))["status"] == "Rejected"
        assert (await reserve(env, 2, evseId=2))["status"] == "Accepted"


async def test_h01_fr_01_disabled_reservations_are_rejected(config, autojump_clock):
    variables = {"ReservationCtrlr.Enabled": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 1, evseId=1))["status"] == "Rejected"


async def test_h01_fr_11_12_14_the_evse_state_answers_a_reservation_it_cannot_take(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        sim = env.station.hardware.sim
        sim.plug(1)
        await settle(env)
        assert (await reserve(env, 1, evseId=1))["status"] == "Occupied"
        answer = await call(
            env, "ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}
        )
        assert answer["status"] == "Accepted"
        await settle(env)
        assert (await reserve(env, 2, evseId=2))["status"] == "Unavailable"
        sim.unplug(1)
        sim.fault(1, "rcd")
        await settle(env)
        assert (await reserve(env, 3, evseId=1))["status"] == "Faulted"


async def test_h04_an_expired_reservation_is_reported_and_the_evse_is_available_again(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 7, evseId=2, minutes=10))["status"] == "Accepted"
        await settle(env)
        assert last_status(env, 2) == "Reserved"
        [update] = await env.csms.wait_for("ReservationStatusUpdate", timeout=11 * 60)
        assert update.payload == {"reservationId": 7, "reservationUpdateStatus": "Expired"}
        await settle(env)
        assert last_status(env, 2) == "Available"  # H04.FR.03


async def test_h01_fr_16_a_faulted_evse_removes_its_reservation(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 8, evseId=1))["status"] == "Accepted"
        env.station.hardware.sim.fault(1, "rcd")
        [update] = await env.csms.wait_for("ReservationStatusUpdate", timeout=30)
        assert update.payload == {"reservationId": 8, "reservationUpdateStatus": "Removed"}


async def test_h02_cancel_and_h01_fr_02_replace(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 5, evseId=1))["status"] == "Accepted"
        assert (await reserve(env, 5, evseId=2))["status"] == "Accepted"  # replaces
        await settle(env)
        assert (last_status(env, 1), last_status(env, 2)) == ("Available", "Reserved")
        assert (await call(env, "CancelReservation", {"reservationId": 5}))["status"] == "Accepted"
        assert (await call(env, "CancelReservation", {"reservationId": 5}))["status"] == "Rejected"
        await settle(env)
        assert last_status(env, 2) == "Available"


async def test_a_reservation_survives_a_restart(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await reserve(env, 9, evseId=2))["status"] == "Accepted"
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await settle(env)
        assert last_status(env, 2) == "Reserved"


async def test_h03_fr_04_a_card_of_the_reserving_group_may_use_the_reservation(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        group = {"groupIdToken": {"idToken": "FLEET-1", "type": "Central"}}
        assert (await reserve(env, 4, evseId=1, **group))["status"] == "Accepted"
        env.csms.responses["Authorize"] = lambda p: {"idTokenInfo": {"status": "Accepted", **group}}
        sim = env.station.hardware.sim
        sim.plug(1)
        await settle(env)
        sim.tap(OTHER)  # another card of the same group
        await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is not None)
        await settle(env)
        started = next(p for p in tes(env) if "idToken" in p)
        assert started["reservationId"] == 4
