"""The Master Pass on a station without UI (Part 2 C16, PICS C-08): the Core test cases
it makes applicable (Part 5 §4.2: TC_C_45, TC_C_49), one test each, following each case's
steps and tool validations (Part 6), and the rules around them: a Master Pass known from
the cache or the list (TC_C_14, C16.FR.04/05), offline, the remote start (C16.FR.03) and
what "all ongoing transactions" takes in.

An idToken whose groupIdToken is AuthCtrlr.MasterPassGroupId starts nothing; presented,
it ends every transaction as E07 does, with stoppedReason MasterPass (C16.FR.07 of the
2025 errata). The station runs on MockClock against the in-memory CSMS, which plays the
test tool message by message.
"""

from __future__ import annotations

import pytest
import trio

from tests.conftest import booted, call, make_config, running_station, set_variable
from tests.test_auth_cache_octt import (
    CARD,
    OTHER,
    answer_transaction_event,
    authorized_in,
    come_back,
    energy_transfer_started,
    ev_connected,
    ev_disconnected,
    go_offline,
    id_token_cached,
    nothing_starts,
    present,
    since,
)

#: <Configured masterpass_idtoken> and <Configured MasterPassGroupId>.
MASTER = "0BAD9E01"
MASTER_GROUP = "POLICE-NL"
MASTER_INFO = {"groupIdToken": {"idToken": MASTER_GROUP, "type": "Central"}}
MASTER_TOKEN = {"idToken": MASTER, "type": "ISO14443"}


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def configure_master_pass(env) -> None:
    """AuthCtrlr.MasterPassGroupId is <Configured MasterPassGroupId>."""
    result = await set_variable(env, "AuthCtrlr", "MasterPassGroupId", MASTER_GROUP)
    assert result["attributeStatus"] == "Accepted"


def answer_authorize(env, **master_info) -> None:
    """The CSMS accepts every idToken; the Master Pass with the Master Pass group."""
    env.csms.responses["Authorize"] = lambda p: {
        "idTokenInfo": {"status": "Accepted", **(master_info or MASTER_INFO)}
        if p["idToken"]["idToken"] == MASTER
        else {"status": "Accepted"}
    }


def stopped_by_master_pass(events: list[dict]) -> list[dict]:
    return [p for p in events if p["transactionInfo"].get("stoppedReason") == "MasterPass"]


# -- TC_C_45: Authorization by GroupId - Master pass - Not able to start transaction ------


@pytest.mark.parametrize("start_point", ["Authorized", "PowerPathClosed"])
async def test_tc_c_45_a_master_pass_does_not_start_a_transaction(
    config, autojump_clock, start_point
):
    variables = {"TxCtrlr.TxStartPoint": start_point}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        # The group as the CSMS spells it: idTokens compare case-insensitively.
        answer_authorize(env, groupIdToken={"idToken": MASTER_GROUP.lower(), "type": "Central"})
        mark = len(env.csms.received)
        await present(env, MASTER)
        # Step 1: the AuthorizeRequest with the Master Pass's idToken.
        assert since(env, mark, "Authorize") == [{"idToken": MASTER_TOKEN}]
        # C16.FR.03: Accepted, but of the Master Pass group: no authorization, and so no
        # TransactionEvent (TxStartPoint Authorized).
        assert not env.station.transactions.session(0).authorized
        assert since(env, mark, "TransactionEvent") == []
        # Steps 3-4: EVConnectedPreSession; no transaction charges.
        await ev_connected(env)
        await nothing_starts(env)
        assert not any(
            p["transactionInfo"].get("chargingState") == "Charging"
            or p["triggerReason"] == "Authorized"
            for p in since(env, mark, "TransactionEvent")
        )
        # The EV still gets energy with a card that is no Master Pass.
        env.station.hardware.sim.set_ev_state(1, "B")
        await trio.sleep(1)
        await present(env, CARD)
        await energy_transfer_started(env)


# -- TC_C_49: Stop Transaction with a Master Pass - Without UI ----------------------------


async def test_tc_c_49_a_master_pass_stops_every_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        answer_authorize(env)
        # Reusable state EnergyTransferStarted on EVSE 1 (valid_idtoken) and EVSE 2
        # (valid_idtoken2).
        for evse, uid in ((1, CARD), (2, OTHER)):
            await ev_connected(env, evse)
            await present(env, uid)
            await energy_transfer_started(env, evse)
        ids = {evse: env.station.transactions.transaction_id(evse) for evse in (1, 2)}
        assert None not in ids.values()
        answer_transaction_event(env, "Accepted", **MASTER_INFO)  # step 4
        mark = len(env.csms.received)
        await present(env, MASTER)
        # Steps 1-2: the Master Pass is authorized by the CSMS.
        assert since(env, mark, "Authorize") == [{"idToken": MASTER_TOKEN}]
        # Step 3: one Ended per transaction: stoppedReason MasterPass (C16.FR.07), the
        # Master Pass's idToken, triggerReason StopAuthorized (E07); TxStopPoint holds
        # Authorized, so each ends at once.
        await env.csms.wait(
            lambda: len(stopped_by_master_pass(since(env, mark, "TransactionEvent"))) == 2,
            timeout=10,
        )
        events = since(env, mark, "TransactionEvent")
        ended = stopped_by_master_pass(events)
        assert sorted(p["transactionInfo"]["transactionId"] for p in ended) == sorted(ids.values())
        for event in ended:
            assert event["eventType"] == "Ended"
            assert event["triggerReason"] == "StopAuthorized"
            assert event["idToken"] == MASTER_TOKEN
        assert len(events) == 2  # nothing else: no transaction for the Master Pass
        await trio.sleep(1)
        for evse in (1, 2):
            assert env.station.transactions.transaction_id(evse) is None
            assert not env.station.transactions.session(evse).authorized
            assert env.station.loops[evse].snapshot.offered_current == 0
        # Steps 5-7: EVConnectedPostSession, EVDisconnected, ParkingBayUnoccupied.
        for evse in (1, 2):
            env.station.hardware.sim.set_ev_state(evse, "B")
            await trio.sleep(1)
            assert not env.station.loops[evse].snapshot.relay_closed
            await ev_disconnected(env, evse)
        assert since(env, mark, "TransactionEvent") == events  # no new transaction


async def test_master_pass_group_id_is_checked_like_the_tool_sets_it(config, autojump_clock):
    """Part 2 §2.3.7: ReadWrite, at most 36 characters; a longer value is refused and the
    group in force stays."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        result = await set_variable(env, "AuthCtrlr", "MasterPassGroupId", "G" * 37)
        assert result["attributeStatus"] == "Rejected"
        answer = await call(
            env,
            "GetVariables",
            {
                "getVariableData": [
                    {"component": {"name": "AuthCtrlr"}, "variable": {"name": "MasterPassGroupId"}}
                ]
            },
        )
        [read] = answer["getVariableResult"]
        assert (read["attributeStatus"], read["attributeValue"]) == ("Accepted", MASTER_GROUP)


async def test_without_a_master_pass_group_the_card_is_an_ordinary_one(config, autojump_clock):
    """MasterPassGroupId empty (the default): a card of any group starts as usual."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer_authorize(env)
        await ev_connected(env)
        mark = len(env.csms.received)
        await present(env, MASTER)
        assert len(authorized_in(env, mark)) == 1
        await energy_transfer_started(env)


# -- The Master Pass from the cache or the list (C16.FR.04/05) ----------------------------


async def test_tc_c_14_a_cached_master_pass_stops_without_authorize(config, autojump_clock):
    """TC_C_14 (C12.FR.09, C16.FR.04): LocalPreAuthorize true and the Master Pass in the
    cache: presented during a transaction, it ends it without an Authorize; the
    TransactionEvent says StopAuthorized with its idToken and, Ended, MasterPass."""
    variables = {
        "AuthCacheCtrlr.Enabled": "true",
        "AuthCtrlr.LocalPreAuthorize": "true",
        "TxCtrlr.EVConnectionTimeOut": 5,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        await id_token_cached(env, MASTER, **MASTER_INFO)  # memory state
        assert env.station.transactions.session(0).transaction is None  # it started none
        await ev_connected(env)
        await present(env, CARD)  # the CSMS authorizes the card
        await energy_transfer_started(env)
        mark = len(env.csms.received)
        await present(env, MASTER)
        assert since(env, mark, "Authorize") == []
        [stopped] = since(env, mark, "TransactionEvent")
        assert (stopped["triggerReason"], stopped["idToken"]) == ("StopAuthorized", MASTER_TOKEN)
        assert (stopped["eventType"], stopped["transactionInfo"]["stoppedReason"]) == (
            "Ended",
            "MasterPass",
        )


async def test_offline_a_listed_master_pass_stops_and_never_starts(config, autojump_clock):
    """C16.FR.05 offline: the list says the card is a Master Pass; presented with no
    transaction it starts none, presented during one it ends it; the events reach the
    CSMS once the connection is back, offline true."""
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        entry = {"idToken": MASTER_TOKEN, "idTokenInfo": {"status": "Accepted", **MASTER_INFO}}
        answer = await call(
            env,
            "SendLocalList",
            {"versionNumber": 1, "updateType": "Full", "localAuthorizationList": [entry]},
        )
        assert answer["status"] == "Accepted"
        await ev_connected(env)
        await present(env, CARD)
        await energy_transfer_started(env)
        transaction_id = env.station.transactions.transaction_id(1)
        await go_offline(env)
        # OfflineTxForUnknownIdEnabled is true by default: an unknown card would start;
        # the Master Pass is known, and does not.
        env.station.hardware.sim.plug(2)
        await trio.sleep(1)
        await present(env, MASTER)
        assert env.station.transactions.transaction_id(1) is None
        assert not env.station.transactions.session(2).authorized
        assert env.station.transactions.transaction_id(2) is None
        mark = len(env.csms.received)
        await come_back(env)
        events = since(env, mark, "TransactionEvent")
        [ended] = stopped_by_master_pass(events)
        assert ended["transactionInfo"]["transactionId"] == transaction_id
        assert (ended["offline"], ended["idToken"]) == (True, MASTER_TOKEN)
        assert not any(p.get("idToken") == MASTER_TOKEN and p is not ended for p in events)


async def test_a_master_pass_ends_transactions_without_authorization_too(config, autojump_clock):
    """C16.FR.02 says all ongoing transactions: an authorization still waiting for its EV
    ends (without event: there is no transaction yet), and so does a transaction that
    started at EVConnected and was never authorized (with the Master Pass's idToken)."""
    variables = {"TxCtrlr.TxStartPoint": "EVConnected"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        answer_authorize(env)
        await present(env, CARD)  # no EV yet: the authorization waits for one
        assert env.station.transactions.session(0).authorized
        mark = len(env.csms.received)
        await present(env, MASTER)
        assert not env.station.transactions.session(0).authorized
        assert since(env, mark, "TransactionEvent") == []
        # The EV that comes now finds no authorization: its transaction (EVConnected)
        # starts without idToken and nothing charges.
        await ev_connected(env, 1)
        [started] = since(env, mark, "TransactionEvent")
        assert (started["eventType"], "idToken" in started) == ("Started", False)
        await nothing_starts(env, 1)
        mark = len(env.csms.received)
        await present(env, MASTER)
        [ended] = stopped_by_master_pass(since(env, mark, "TransactionEvent"))
        assert (
            ended["transactionInfo"]["transactionId"] == started["transactionInfo"]["transactionId"]
        )
        assert (ended["eventType"], ended["triggerReason"], ended["idToken"]) == (
            "Ended",
            "StopAuthorized",
            MASTER_TOKEN,
        )
        assert env.station.transactions.transaction_id(1) is None


# -- RequestStartTransaction (C16.FR.03) --------------------------------------------------


async def test_a_remote_start_for_a_master_pass_is_rejected(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await configure_master_pass(env)
        await ev_connected(env)
        answer = await call(
            env,
            "RequestStartTransaction",
            {
                "idToken": MASTER_TOKEN,
                "remoteStartId": 7,
                "evseId": 1,
                "groupIdToken": {"idToken": MASTER_GROUP, "type": "Central"},
            },
        )
        assert answer["status"] == "Rejected"
        assert answer["statusInfo"]["reasonCode"] == "InvalidIdToken"
        await nothing_starts(env)
        # With AuthorizeRemoteStart the group comes from the Authorize answer: the start
        # is accepted as a request, and the Master Pass then starts nothing.
        result = await set_variable(env, "AuthCtrlr", "AuthorizeRemoteStart", "true")
        assert result["attributeStatus"] == "Accepted"
        answer_authorize(env)
        mark = len(env.csms.received)
        asked = len(env.csms.of("Authorize"))
        answer = await call(
            env,
            "RequestStartTransaction",
            {"idToken": MASTER_TOKEN, "remoteStartId": 8, "evseId": 1},
        )
        assert answer["status"] == "Accepted"
        await env.csms.wait_for("Authorize", count=asked + 1)
        await trio.sleep(2)
        assert since(env, mark, "Authorize") == [{"idToken": MASTER_TOKEN}]
        assert not any(
            p["triggerReason"] == "RemoteStart" for p in since(env, mark, "TransactionEvent")
        )
        await nothing_starts(env)
