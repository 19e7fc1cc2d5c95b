"""Which meter readings cross the control link, in a whole station: every one while an
energy limit is in force (MaxEnergyOnInvalidId is compared with each) or shortly after
`station status` asked, else one an idle interval."""

from __future__ import annotations

from itertools import pairwise

import pytest
import trio

from station.app import STATUS_WATCH_S
from tests.conftest import booted, make_config, running_station
from tests.test_auth_cache_octt import BASE, ev_disconnected, offline_start_with_cached_card

METER_INTERVAL, IDLE_METER_INTERVAL = 1.0, 10.0


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def readings_seen(env, evse: int) -> list[float]:
    """Record when each reading of ``evse`` reaches the OCPP side (virtual time)."""
    seen: list[float] = []
    reading = env.station.transactions.reading

    def recording(evse_id, value) -> None:
        if evse_id == evse:
            seen.append(trio.current_time())
        reading(evse_id, value)

    env.station.transactions.reading = recording  # type: ignore[method-assign]
    return seen


def gaps(times: list[float]) -> set[float]:
    return {round(b - a, 3) for a, b in pairwise(times)}


def every_sample(times: list[float]) -> bool:
    """No sample was left out (those the station asked for come in between)."""
    return len(times) > 2 and max(gaps(times)) == METER_INTERVAL


async def test_an_energy_limit_gets_every_reading_while_it_is_in_force(config, autojump_clock):
    variables = BASE | {
        "AuthCtrlr.LocalAuthorizeOffline": "true",
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "true",
        "TxCtrlr.StopTxOnInvalidId": "false",
        "TxCtrlr.MaxEnergyOnInvalidId": 10_000,  # Wh: not reached here
    }
    async with running_station(
        config,
        variables=variables,
        control_period=0.05,
        meter_interval=METER_INTERVAL,
        idle_meter_interval=IDLE_METER_INTERVAL,
    ) as env:
        station = env.station
        seen = readings_seen(env, 1)
        # Charging, authorized without a limit: one reading an idle interval (and the
        # ones the station asked for at each event).
        await offline_start_with_cached_card(env)
        with trio.fail_after(30):
            while not station.transactions.session(1).energy_limited:
                await station.transactions.wait_changed()
        assert station.control is not None and station.control._peer is not None
        await trio.sleep(0.5)
        assert station.control._peer.watched == {1}
        limited_at = trio.current_time()
        await trio.sleep(5 * METER_INTERVAL)
        assert every_sample([t for t in seen if t > limited_at])
        # The session ends with the unplug: the meter is no longer watched.
        await ev_disconnected(env)
        with trio.fail_after(30):
            while station.transactions.session(1).energy_limited:
                await station.transactions.wait_changed()
        await trio.sleep(0.5)
        assert station.control._peer.watched == set()


async def test_unwatched_a_charging_evse_sends_a_reading_an_idle_interval(config, autojump_clock):
    async with running_station(
        config,
        control_period=0.05,
        meter_interval=METER_INTERVAL,
        idle_meter_interval=IDLE_METER_INTERVAL,
    ) as env:
        await booted(env)
        station = env.station
        seen = readings_seen(env, 1)
        assert station.hardware is not None and station.hardware.sim is not None
        station.hardware.sim.plug(1)
        station.hardware.sim.tap("04a1b2c3")
        station.hardware.sim.set_ev_state(1, "C")
        with trio.fail_after(30):
            while not station.loops[1].snapshot.relay_closed:
                await station.evses[1].wait_snapshot()
        await trio.sleep(IDLE_METER_INTERVAL)
        since = trio.current_time()
        await trio.sleep(4 * IDLE_METER_INTERVAL)
        assert gaps([t for t in seen if t > since]) == {IDLE_METER_INTERVAL}
        # `station status` asks: every reading for a while, so that the power it shows
        # next is at most a sampling interval old.
        station._status_asked({})
        asked_at = trio.current_time()
        await trio.sleep(STATUS_WATCH_S)
        assert every_sample([t for t in seen if t > asked_at])
        await trio.sleep(METER_INTERVAL)
        assert station.control is not None and station.control._peer is not None
        await trio.sleep(0.5)
        assert station.control._peer.watched == set()
        quiet_at = trio.current_time()
        await trio.sleep(3 * IDLE_METER_INTERVAL)
        assert gaps([t for t in seen if t > quiet_at]) == {IDLE_METER_INTERVAL}
