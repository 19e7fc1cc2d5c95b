"""The Charging-Station test cases of the OCA Local Authorization List Management profile
(Part 5 §4.4), one test each, following each case's steps and tool validations (Part 6,
TC_C_21–31, TC_C_40/43/58 and TC_D_01–10).

The authorization cases run the station on MockClock against the in-memory CSMS (the
offline periods and the retry back-off take minutes of virtual time). The Send Local List
and Get Local List Version cases (TC_D_*) are request and answer only: they run over a
real WebSocket against the judge, a CSMS on the `ocpp` library that validates every
request and answer against the official schemas.
"""

from __future__ import annotations

import pytest
import trio

from station.devicemodel.catalogue import TX_START_POINTS
from tests.conftest import FAST, booted, live_station, make_config, running_station
from tests.test_local_authorization import CARD, OTHER, QUICK_TIMEOUT, entry, go_offline, send_list

#: <Configured RetryBackOffWaitMinimum_duration> of the offline cases: long enough for the
#: manual actions, which take a few seconds of virtual time here.
WAIT_MINIMUM = 120
#: The offline cases' Before (Preparations): OfflineThreshold is the wait minimum + 60 s.
OFFLINE_SETTINGS = {
    "OCPPCommCtrlr.OfflineThreshold": WAIT_MINIMUM + 60,
    "OCPPCommCtrlr.RetryBackOffWaitMinimum": WAIT_MINIMUM,
    "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
}
GROUP = {"idToken": "FAMILY-7", "type": "Central"}
TOKEN_TYPE = "ISO14443"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def tes(env) -> list[dict]:
    """Every TransactionEvent payload the in-memory CSMS received, in order."""
    return [r.payload for r in env.csms.of("TransactionEvent")]


def answer_transaction_events(env, status: str = "Accepted", **info) -> None:
    """The CSMS answers a TransactionEvent that names an idToken with ``status``."""
    env.csms.responses["TransactionEvent"] = lambda p: (
        {"idTokenInfo": {"status": status, **info}} if "idToken" in p else {}
    )


async def reconnect(env) -> None:
    """The CSMS accepts the next connection; the station's queue empties."""
    env.csms.refuse_next = 0
    await env.station.client.wait_until(lambda: env.station.client.connected)
    with trio.fail_after(600):
        await env.station.queue.drained()


async def ev_connected_pre_session(
    env, evse: int = 1, *, event: str | None = None, authorized: bool = False
) -> None:
    """Reusable state EVConnectedPreSession: the EV is plugged in; the connector reports
    Occupied (step 1); a TransactionEvent of type ``event`` follows where TxStartPoint
    holds EVConnected, or the transaction runs already, or it starts now because the state
    is Authorized and TxStartPoint is PowerPathClosed (step 3)."""
    statuses = len(env.csms.of("StatusNotification"))
    events = len(tes(env))
    env.station.hardware.sim.plug(evse)

    def occupied() -> list[dict]:
        return [
            r.payload
            for r in env.csms.of("StatusNotification")[statuses:]
            if r.payload["evseId"] == evse and r.payload["connectorStatus"] == "Occupied"
        ]

    await env.csms.wait(lambda: bool(occupied()), timeout=30)
    assert occupied()[0]["connectorId"] == 1
    if event is None:
        await trio.sleep(1)
        assert len(tes(env)) == events  # no transaction yet
        return
    await env.csms.wait(lambda: len(tes(env)) > events, timeout=30)
    plugged = tes(env)[events]
    assert (plugged["eventType"], plugged["triggerReason"]) == (event, "CablePluggedIn")
    allowed = {"EVConnected", "SuspendedEVSE", "Charging"} if authorized else {"EVConnected"}
    assert plugged["transactionInfo"]["chargingState"] in allowed
    if event == "Started":
        assert plugged["evse"] == {"id": evse, "connectorId": 1}


async def card_leaves(env) -> None:
    """The card leaves the reader's field, so the next tap is a new presentation."""
    await trio.sleep(3)


async def energy_is_transferred(env, evse: int = 1) -> None:
    """EnergyTransferStarted: the EV asks for power and the contactor closes."""
    env.station.hardware.sim.set_ev_state(evse, "C")
    await env.csms.wait(
        lambda: any(e["transactionInfo"].get("chargingState") == "Charging" for e in tes(env)),
        timeout=60,
    )
    assert env.station.loops[evse].snapshot.relay_closed


async def relay_closes(env, evse: int = 1) -> None:
    """The contactor closes (the EV draws energy)."""
    loop = env.station.loops[evse]
    with trio.fail_after(30):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def no_energy(env, evse: int = 1) -> None:
    """An EV that asks for power gets none: no transaction, no energy offer."""
    env.station.hardware.sim.set_ev_state(evse, "C")
    await trio.sleep(30)  # <Configured message timeout>
    snapshot = env.station.loops[evse].snapshot
    assert not snapshot.relay_closed
    assert snapshot.duty == 100.0  # no PWM: nothing is offered
    assert env.station.transactions.transaction_id(evse) is None


def token(uid: str) -> dict:
    return {"idToken": uid, "type": TOKEN_TYPE}


# -- Offline authorization through local authorization list (C13) ------------------------


async def test_tc_c_21_offline_local_list_accepted(config, autojump_clock):
    variables = {
        "AuthCtrlr.LocalPreAuthorize": "true",
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "false",
        "AuthCtrlr.LocalAuthorizeOffline": "true",
        **OFFLINE_SETTINGS,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        answer_transaction_events(env, "Accepted")
        assert (await send_list(env, 1, "Full", [entry(CARD)]))["status"] == "Accepted"
        # Reusable state StartOfflineTransaction: offline, present the idToken, connect.
        await go_offline(env)
        sim = env.station.hardware.sim
        sim.tap(CARD)
        await trio.sleep(0.5)
        sim.plug(1)
        await trio.sleep(0.5)
        sim.set_ev_state(1, "C")
        await relay_closes(env)  # C13.FR.02: the list authorizes
        assert env.station.transactions.transaction_id(1) is not None
        await reconnect(env)
        offline_events = len(tes(env))
        assert offline_events > 0
        # Main: present the idToken again, unplug (no parking bay sensor).
        await card_leaves(env)
        sim.tap(CARD)
        await env.csms.wait(
            lambda: any(e["triggerReason"] == "StopAuthorized" for e in tes(env)), timeout=60
        )
        sim.unplug(1)
        await env.csms.wait(lambda: any(e["eventType"] == "Ended" for e in tes(env)), timeout=60)
        # Step 1: the messages before the StopAuthorized one were created offline.
        events = tes(env)
        stop = next(i for i, e in enumerate(events) if e["triggerReason"] == "StopAuthorized")
        assert stop >= offline_events
        assert all(e.get("offline") is True for e in events[:offline_events])
        assert not events[stop].get("offline")  # the stop happened online
        assert events[0]["idToken"] == token(CARD)
        assert env.csms.of("Authorize") == []  # the list decided, offline and online


async def offline_refusal(env, status: str) -> None:
    """TC_C_22–24: an idToken the list knows as not Accepted is refused offline."""
    await booted(env)
    assert (await send_list(env, 1, "Full", [entry(CARD, status)]))["status"] == "Accepted"
    # Step 1: the connection closes, no reconnect accepted. Step 2: the EV arrives (no
    # parking bay sensor). Step 3: the idToken is presented.
    await go_offline(env)
    sim = env.station.hardware.sim
    sim.tap(CARD)
    await trio.sleep(0.5)
    # The refusal holds: an EV plugged in now gets no energy (C13.FR.02).
    sim.plug(1)
    await no_energy(env)
    # Step 4: the reconnection is accepted. Step 5 happens only with the start point
    # ParkingBayOccupancy, which this station does not offer: no TransactionEvent at all.
    assert "ParkingBayOccupancy" not in TX_START_POINTS
    await reconnect(env)
    await trio.sleep(30)
    assert tes(env) == []
    assert env.csms.of("Authorize") == []


OFFLINE_REFUSAL_SETTINGS = {
    "AuthCtrlr.LocalPreAuthorize": "true",
    "AuthCtrlr.OfflineTxForUnknownIdEnabled": "false",
    "AuthCtrlr.LocalAuthorizeOffline": "true",
    **OFFLINE_SETTINGS,
}


async def test_tc_c_22_offline_local_list_invalid(config, autojump_clock):
    async with running_station(
        config, variables=OFFLINE_REFUSAL_SETTINGS, control_period=0.05
    ) as env:
        await offline_refusal(env, "Invalid")


async def test_tc_c_23_offline_local_list_blocked(config, autojump_clock):
    async with running_station(
        config, variables=OFFLINE_REFUSAL_SETTINGS, control_period=0.05
    ) as env:
        await offline_refusal(env, "Blocked")


async def test_tc_c_24_offline_local_list_expired(config, autojump_clock):
    async with running_station(
        config, variables=OFFLINE_REFUSAL_SETTINGS, control_period=0.05
    ) as env:
        await offline_refusal(env, "Expired")


async def test_tc_c_25_offline_local_list_has_priority_over_the_cache(config, autojump_clock):
    variables = {
        "AuthCtrlr.LocalPreAuthorize": "true",
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "true",
        "AuthCtrlr.LocalAuthorizeOffline": "true",
        "TxCtrlr.StopTxOnInvalidId": "false",
        **OFFLINE_SETTINGS,
        **QUICK_TIMEOUT,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        # Memory state: the cache holds the idToken as Accepted (from an Authorize), the
        # list holds it as Invalid.
        env.csms.responses["Authorize"] = {"idTokenInfo": {"status": "Accepted"}}
        sim = env.station.hardware.sim
        sim.tap(CARD)
        await env.csms.wait_for("Authorize")
        await trio.sleep(6)  # that authorization without EV times out
        assert (await send_list(env, 1, "Full", [entry(CARD, "Invalid")]))["status"] == "Accepted"
        await ev_connected_pre_session(env)
        # Step 1: offline; the idToken is presented.
        await go_offline(env)
        sim.tap(CARD)
        # Step 3: no transaction starts (C13.FR.01, C14.FR.01): neither the cache's
        # Accepted nor OfflineTxForUnknownIdEnabled (the idToken is not unknown) counts.
        await no_energy(env)
        await trio.sleep(60)  # <Configured Transaction Duration>
        await reconnect(env)  # step 2
        await trio.sleep(30)
        assert tes(env) == []
        assert len(env.csms.of("Authorize")) == 1


# -- Online authorization through local authorization list (C14) -------------------------


async def test_tc_c_27_online_local_list_accepted(config, autojump_clock):
    # TxStartPoint Authorized, so that step 1 (a TransactionEvent at the authorization)
    # happens; with the default PowerPathClosed the case skips it.
    variables = {"AuthCtrlr.LocalPreAuthorize": "true", "TxCtrlr.TxStartPoint": "Authorized"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        answer_transaction_events(env, "Accepted")
        assert (await send_list(env, 1, "Full", [entry(CARD)]))["status"] == "Accepted"
        sim = env.station.hardware.sim
        sim.tap(CARD)
        [first] = await env.csms.wait_for("TransactionEvent", timeout=30)
        # Step 1: C14.FR.02, started at once, without an Authorize.
        assert first.payload["eventType"] == "Started"
        assert first.payload["triggerReason"] == "Authorized"
        assert first.payload["idToken"] == token(CARD)
        assert env.csms.of("Authorize") == []
        # Steps 3-4: EVConnectedPreSession, EnergyTransferStarted; energy is transferred.
        await ev_connected_pre_session(env, event="Updated", authorized=True)
        await energy_is_transferred(env)
        transaction_ids = {e["transactionInfo"]["transactionId"] for e in tes(env)}
        assert len(transaction_ids) == 1
        assert env.csms.of("Authorize") == []


ONLINE_NOT_ACCEPTED_SETTINGS = {
    "AuthCtrlr.LocalPreAuthorize": "true",
    "LocalAuthListCtrlr.DisablePostAuthorize": "false",
}


async def test_tc_c_28_online_local_list_invalid_and_not_accepted(config, autojump_clock):
    async with running_station(
        config, variables=ONLINE_NOT_ACCEPTED_SETTINGS, control_period=0.05
    ) as env:
        await booted(env)
        env.csms.responses["Authorize"] = {"idTokenInfo": {"status": "Invalid"}}
        assert (await send_list(env, 1, "Full", [entry(CARD, "Invalid")]))["status"] == "Accepted"
        env.station.hardware.sim.tap(CARD)
        # Step 1: C14.FR.03, the station asks the CSMS.
        [authorize] = await env.csms.wait_for("Authorize", timeout=30)
        assert authorize.payload["idToken"] == token(CARD)
        # Step 2's Invalid stands: nothing starts.
        env.station.hardware.sim.plug(1)
        await no_energy(env)
        assert tes(env) == []


async def test_tc_c_31_online_local_list_invalid_and_accepted(config, autojump_clock):
    async with running_station(
        config, variables=ONLINE_NOT_ACCEPTED_SETTINGS, control_period=0.05
    ) as env:
        await booted(env)
        env.csms.responses["Authorize"] = {"idTokenInfo": {"status": "Accepted"}}
        answer_transaction_events(env, "Accepted")
        assert (await send_list(env, 1, "Full", [entry(CARD, "Invalid")]))["status"] == "Accepted"
        # Step 1: reusable state Authorized with the idToken the list says Invalid: the
        # CSMS is asked (C14.FR.03) and its Accepted counts.
        sim = env.station.hardware.sim
        sim.tap(CARD)
        [authorize] = await env.csms.wait_for("Authorize", timeout=30)
        assert authorize.payload["idToken"] == token(CARD)
        # Steps 2-3: EVConnectedPreSession (authorized, TxStartPoint PowerPathClosed: the
        # transaction starts), EnergyTransferStarted.
        await ev_connected_pre_session(env, event="Started", authorized=True)
        await energy_is_transferred(env)
        started = tes(env)[0]
        assert started["eventType"] == "Started"
        assert started["idToken"] == token(CARD)


async def online_refusal(env, status: str) -> None:
    """TC_C_29/30: an idToken the list knows as ``status`` is asked about, and refused."""
    await booted(env)
    env.csms.responses["Authorize"] = {"idTokenInfo": {"status": status}}
    assert (await send_list(env, 1, "Full", [entry(CARD, status)]))["status"] == "Accepted"
    await ev_connected_pre_session(env)
    env.station.hardware.sim.tap(CARD)
    # Step 1: C14.FR.03, an Authorize with the idToken.
    [authorize] = await env.csms.wait_for("Authorize", timeout=30)
    assert authorize.payload["idToken"] == token(CARD)
    await no_energy(env)
    assert tes(env) == []


async def test_tc_c_29_online_local_list_blocked(config, autojump_clock):
    async with running_station(
        config, variables=ONLINE_NOT_ACCEPTED_SETTINGS, control_period=0.05
    ) as env:
        # Part 6 answers "Restricted", which AuthorizationStatusEnumType does not have; the
        # case's name for the Blocked status.
        await online_refusal(env, "Blocked")


async def test_tc_c_30_online_local_list_expired(config, autojump_clock):
    async with running_station(
        config, variables=ONLINE_NOT_ACCEPTED_SETTINGS, control_period=0.05
    ) as env:
        await online_refusal(env, "Expired")


async def test_tc_c_58_local_auth_list_disable_post_authorize(config, autojump_clock):
    variables = {
        "AuthCtrlr.LocalPreAuthorize": "true",
        "LocalAuthListCtrlr.DisablePostAuthorize": "true",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert (await send_list(env, 1, "Full", [entry(CARD, "Invalid")]))["status"] == "Accepted"
        sim = env.station.hardware.sim
        sim.tap(CARD)
        # Step 1: no Authorize, and the authorization is refused (LA-3).
        await trio.sleep(30)
        assert env.csms.of("Authorize") == []
        sim.plug(1)
        await no_energy(env)
        assert tes(env) == []
        assert env.csms.of("Authorize") == []


# -- Authorization by GroupId (C09) -------------------------------------------------------

#: A transaction from the EV's connection to its disconnection, so that the idToken
#: events of the group cases are Updated ones, as their validations read.
GROUP_CASE_SETTINGS = {
    "AuthCtrlr.LocalPreAuthorize": "true",
    "TxCtrlr.TxStartPoint": "EVConnected",
    "TxCtrlr.TxStopPoint": "EVConnected",
}


async def test_tc_c_40_group_id_success_with_local_list(config, autojump_clock):
    async with running_station(config, variables=GROUP_CASE_SETTINGS, control_period=0.05) as env:
        await booted(env)
        answer_transaction_events(env, "Accepted", groupIdToken=GROUP)
        listed = [entry(CARD, groupIdToken=GROUP), entry(OTHER, groupIdToken=GROUP)]
        assert (await send_list(env, 1, "Full", listed))["status"] == "Accepted"
        sim = env.station.hardware.sim
        await ev_connected_pre_session(env, event="Started")
        sim.tap(CARD)
        # Step 1: Authorized, with the idToken; the transaction already runs: Updated.
        await env.csms.wait(lambda: any("idToken" in e for e in tes(env)), timeout=30)
        authorized = next(e for e in tes(env) if "idToken" in e)
        assert (authorized["eventType"], authorized["triggerReason"]) == ("Updated", "Authorized")
        assert authorized["idToken"] == token(CARD)
        await energy_is_transferred(env)  # step 3
        await card_leaves(env)
        count = len(tes(env))
        # The second idToken of the group ends the authorization (C09.FR.03/07).
        sim.tap(OTHER)
        await env.csms.wait(lambda: len(tes(env)) > count, timeout=30)
        stop = tes(env)[count]
        # Step 4: StopAuthorized, Updated (the transaction ends at the disconnection).
        assert (stop["eventType"], stop["triggerReason"]) == ("Updated", "StopAuthorized")
        assert stop["idToken"] == token(OTHER)
        assert env.csms.of("Authorize") == []  # C09.FR.07: no Authorize first
        # Steps 5-6: EVConnectedPostSession, EVDisconnected.
        sim.set_ev_state(1, "B")
        await trio.sleep(1)
        assert not env.station.loops[1].snapshot.relay_closed
        sim.unplug(1)
        await env.csms.wait(lambda: tes(env)[-1]["eventType"] == "Ended", timeout=30)
        assert tes(env)[-1]["triggerReason"] == "EVCommunicationLost"


async def test_tc_c_43_group_id_invalid_status_with_local_list(config, autojump_clock):
    async with running_station(config, variables=GROUP_CASE_SETTINGS, control_period=0.05) as env:
        await booted(env)
        answer_transaction_events(env, "Accepted", groupIdToken=GROUP)
        env.csms.responses["Authorize"] = {
            "idTokenInfo": {"status": "Invalid", "groupIdToken": GROUP}
        }
        listed = [entry(CARD, groupIdToken=GROUP), entry(OTHER, "Invalid", groupIdToken=GROUP)]
        assert (await send_list(env, 1, "Full", listed))["status"] == "Accepted"
        sim = env.station.hardware.sim
        await ev_connected_pre_session(env, event="Started")
        sim.tap(CARD)
        await env.csms.wait(lambda: any("idToken" in e for e in tes(env)), timeout=30)
        authorized = next(e for e in tes(env) if "idToken" in e)
        # Step 1.
        assert (authorized["eventType"], authorized["triggerReason"]) == ("Updated", "Authorized")
        assert authorized["idToken"] == token(CARD)
        await energy_is_transferred(env)  # step 3
        await card_leaves(env)
        count = len(tes(env))
        # Step 4: the invalid idToken of the group is not Accepted in the list: the CSMS
        # is asked (C14.FR.03); its Invalid does not stop the transaction (C09.FR.11).
        sim.tap(OTHER)
        [authorize] = await env.csms.wait_for("Authorize", timeout=30)
        assert authorize.payload["idToken"] == token(OTHER)
        await trio.sleep(30)  # the tool waits to see that no TransactionEvent follows
        assert not any("idToken" in e or e["eventType"] == "Ended" for e in tes(env)[count:])
        assert env.station.loops[1].snapshot.relay_closed
        # Step 6: the valid idToken ends the authorization.
        await card_leaves(env)
        count = len(tes(env))
        sim.tap(CARD)
        await env.csms.wait(
            lambda: any(e["triggerReason"] == "StopAuthorized" for e in tes(env)[count:]),
            timeout=30,
        )
        stop = next(e for e in tes(env)[count:] if e["triggerReason"] == "StopAuthorized")
        assert (stop["eventType"], stop["idToken"]) == ("Updated", token(CARD))
        assert len(env.csms.of("Authorize")) == 1


# -- Send Local Authorization List, Get Local List Version (D01, D02), over the judge -----


@pytest.fixture
async def station(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        yield station


async def judge_send_list(judge, version: int, update: str, entries: list | None) -> dict:
    payload: dict = {"versionNumber": version, "updateType": update}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    return await judge.call("SendLocalList", payload)


async def judge_version(judge) -> int:
    return (await judge.call("GetLocalListVersion", {}))["versionNumber"]


async def judge_entries(judge) -> int:
    """LocalAuthListCtrlr.Entries, read with GetVariables."""
    (result,) = (
        await judge.call(
            "GetVariables",
            {
                "getVariableData": [
                    {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "Entries"}}
                ]
            },
        )
    )["getVariableResult"]
    assert result["attributeStatus"] == "Accepted"
    return int(result["attributeValue"])


#: <Configured versionNumber>.
VERSION = 5


async def with_list(judge) -> None:
    """Memory state IdTokenLocalAuthList for the valid idToken, at <Configured versionNumber>."""
    answer = await judge_send_list(judge, VERSION, "Full", [entry(CARD)])
    assert answer == {"status": "Accepted"}


async def test_tc_d_01_send_local_list_full(judge, station):
    answer = await judge_send_list(judge, VERSION, "Full", [entry(CARD)])
    assert answer["status"] == "Accepted"  # step 2 (D01.FR.02, D01.FR.15)
    assert await judge_version(judge) == VERSION  # step 4
    assert await judge_entries(judge) == 1


async def test_tc_d_02_send_local_list_differential_update(judge, station):
    await with_list(judge)
    answer = await judge_send_list(judge, VERSION + 1, "Differential", [entry(OTHER)])
    assert answer["status"] == "Accepted"  # D01.FR.16
    assert await judge_version(judge) == VERSION + 1
    assert await judge_entries(judge) == 2


async def test_tc_d_03_send_local_list_differential_remove(judge, station):
    await with_list(judge)
    answer = await judge_send_list(judge, VERSION + 1, "Differential", [entry(CARD, None)])
    assert answer["status"] == "Accepted"  # D01.FR.17
    assert await judge_version(judge) == VERSION + 1
    assert await judge_entries(judge) == 0


async def test_tc_d_04_send_local_list_full_with_empty_list(judge, station):
    await with_list(judge)
    answer = await judge_send_list(judge, VERSION, "Full", None)
    assert answer["status"] == "Accepted"  # D01.FR.04
    assert await judge_version(judge) == VERSION
    assert await judge_entries(judge) == 0


async def test_tc_d_05_send_local_list_differential_with_empty_list(judge, station):
    await with_list(judge)
    answer = await judge_send_list(judge, VERSION + 1, "Differential", None)
    assert answer["status"] == "Accepted"  # D01.FR.05: the version only
    assert await judge_version(judge) == VERSION + 1
    assert await judge_entries(judge) == 1


async def test_tc_d_06_send_local_list_version_mismatch(judge, station):
    await with_list(judge)
    answer = await judge_send_list(judge, VERSION - 1, "Differential", [entry(OTHER)])
    assert answer["status"] == "VersionMismatch"  # D01.FR.19
    assert await judge_version(judge) == VERSION
    assert await judge_entries(judge) == 1  # nothing was applied


async def test_tc_d_07_send_local_list_persistent_over_reboot(judge, station):
    await with_list(judge)
    # Charging State Booted: the station reboots (Reset), and boots again.
    assert (await judge.call("Reset", {"type": "Immediate"}))["status"] == "Accepted"
    await judge.wait_for("BootNotification", count=2, timeout=60)
    await judge.wait_for("StatusNotification", count=4, timeout=60)
    assert await judge_version(judge) == VERSION  # D01.FR.10
    assert await judge_entries(judge) == 1


async def test_tc_d_08_get_local_list_version_success(judge, station):
    await with_list(judge)
    assert await judge_version(judge) == VERSION  # D02.FR.01


async def test_tc_d_10_get_local_list_version_function_disabled(judge, station):
    await with_list(judge)
    (result,) = (
        await judge.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "component": {"name": "LocalAuthListCtrlr"},
                        "variable": {"name": "Enabled"},
                        "attributeValue": "false",
                    }
                ]
            },
        )
    )["setVariableResult"]
    assert result["attributeStatus"] == "Accepted"
    assert await judge_version(judge) == 0  # D02.FR.03
