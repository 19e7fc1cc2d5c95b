"""Offline authorization of unknown cards (C15, PICS C-02) and the station that no CSMS
has ever accepted: by default it does not hand out energy to any card while offline,
however OfflineTxForUnknownIdEnabled is set; once a CSMS accepted it, the offline rules
apply as configured, across restarts."""

from __future__ import annotations

import pytest
import trio

from station.devicemodel.model import key
from tests.conftest import make_config, running_station

CARD = "DEADBEEF"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def tap_offline(env) -> str | None:
    """Plug, tap, EV asks for power; the transaction id (None if the card was refused)."""
    sim = env.station.hardware.sim
    sim.plug(1)
    await trio.sleep(0.5)
    sim.tap(CARD)
    await trio.sleep(0.5)
    sim.set_ev_state(1, "C")
    await trio.sleep(2)
    return env.station.transactions.transaction_id(1)


async def never_reachable(env) -> None:
    env.csms.refuse_next = 10**6
    with trio.fail_after(60):
        await env.station.connection.wait_failed_attempts(1)
    assert not env.station.client.connected


async def test_a_station_never_accepted_refuses_an_unknown_card_offline(config, autojump_clock):
    csms_refuses = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "true"}
    async with running_station(config, variables=csms_refuses, control_period=0.05) as env:
        await never_reachable(env)
        assert await tap_offline(env) is None
        assert not env.station.loops[1].snapshot.relay_closed
        assert env.station.loops[1].snapshot.duty in (None, 100.0, 0.0)


async def test_the_vendor_variable_allows_it_before_any_accept(config, autojump_clock):
    variables = {
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "true",
        "AuthCtrlr.OfflineTxForUnknownIdBeforeAccepted": "true",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await never_reachable(env)
        assert await tap_offline(env) is not None


async def test_once_accepted_the_offline_rules_apply_even_after_a_restart(tmp_path, autojump_clock):
    config = make_config(tmp_path / "data")
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        assert env.station.transactions.accepted_once
    # A new run, the CSMS unreachable from the start: accepted once is remembered.
    async with running_station(config, control_period=0.05) as env:
        await never_reachable(env)
        assert env.station.transactions.accepted_once
        assert await tap_offline(env) is not None


async def test_the_defaults(config, autojump_clock):
    async with running_station(config) as env:
        dm = env.station.device_model
        auth = "AuthCtrlr"
        assert dm.get(key(auth, "LocalAuthorizeOffline")) is True
        assert dm.get(key(auth, "OfflineTxForUnknownIdEnabled")) is True
        assert dm.get(key(auth, "OfflineTxForUnknownIdBeforeAccepted")) is False


def test_check_notes_the_rules_of_a_station_never_accepted(tmp_path):
    from station.ops.check import offline_authorization

    (note,) = offline_authorization(make_config(tmp_path / "data"))
    assert (note.item, note.verdict) == ("offline authorization", "NOTE")
    assert note.detail == (
        "unknown cards are refused offline until a CSMS has accepted this station once; "
        "after that any card charges while the CSMS is unreachable (AuthCtrlr "
        "LocalAuthorizeOffline=true, OfflineTxForUnknownIdEnabled=true, "
        "OfflineTxForUnknownIdBeforeAccepted=false; defaults: first start)"
    )
    assert "station config set AuthCtrlr." in note.fix


async def test_check_notes_the_stored_rules_once_accepted(tmp_path, autojump_clock):
    from station.ops.check import offline_authorization

    config = make_config(tmp_path / "data")
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
    (note,) = offline_authorization(config)
    assert note.detail.startswith(
        "any card charges while the CSMS is unreachable (a CSMS accepted this station) "
    )
    assert note.detail.endswith("; store)")
