"""The pure transaction core of one EVSE: start/stop points, triggers, fields sent once."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.interfaces import MeterSample
from station.ocpp.messages import ReadingContextEnumType
from station.transactions.meter_values import Reading
from station.transactions.session import (
    Authorization,
    EvseSession,
    Moment,
    Policy,
    Reason,
    SessionState,
    Token,
    Transaction,
    Trigger,
)

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CARD = Token("04A1B2C3", "ISO14443")


class Clock:
    def __init__(self):
        self.t = 0.0
        self.energy = 1000.0

    def moment(self, policy: Policy, offline: bool = False) -> Moment:
        self.t += 1
        self.energy += 10
        sample = MeterSample(
            T0 + timedelta(seconds=self.t), 230.0, 16.0, 3680.0, 0.99, 50.0, self.energy, 0.0
        )
        return Moment(
            T0 + timedelta(seconds=self.t), self.t, offline, Reading(sample, 16.0), policy
        )


def session(evse_id: int | None = 1) -> EvseSession:
    ids = (f"tx-{n}" for n in itertools.count(1))
    return EvseSession(SessionState(evse_id=evse_id), lambda: next(ids))


def policy(start="PowerPathClosed", stop="EVConnected,Authorized") -> Policy:
    return Policy(start_points=frozenset(start.split(",")), stop_points=frozenset(stop.split(",")))


def payloads(events):
    return [e.to_payload() for e in events]


def test_cable_first_default_points_start_at_authorization_and_end_at_local_stop():
    s, c, p = session(), Clock(), policy()
    assert s.plug(c.moment(p)) == []
    (started,) = payloads(s.authorize(c.moment(p), CARD))
    assert started["eventType"] == "Started"
    assert started["triggerReason"] == "Authorized"
    assert started["seqNo"] == 0
    assert started["evse"] == {"id": 1, "connectorId": 1}
    assert started["idToken"] == {"idToken": "04A1B2C3", "type": "ISO14443"}
    # EV in B, no PWM offered yet: EVConnected, not SuspendedEV (nothing was offered).
    assert started["transactionInfo"]["chargingState"] == "EVConnected"
    (begin,) = started["meterValue"]
    assert begin["sampledValue"][0]["context"] == "Transaction.Begin"
    (charging,) = payloads(s.ev_status(c.moment(p), requesting=True, delivering=True))
    assert charging["triggerReason"] == "ChargingStateChanged"
    assert charging["transactionInfo"]["chargingState"] == "Charging"
    assert "evse" not in charging and "idToken" not in charging
    (ended,) = payloads(
        s.end_authorization(c.moment(p), Trigger.StopAuthorized, Reason.Local, CARD)
    )
    assert ended["eventType"] == "Ended"
    assert ended["triggerReason"] == "StopAuthorized"
    assert ended["transactionInfo"]["stoppedReason"] == "Local"
    assert ended["idToken"]["idToken"] == "04A1B2C3"
    assert ended["seqNo"] == 2
    contexts = [v["sampledValue"][0]["context"] for v in ended["meterValue"]]
    assert contexts == ["Transaction.Begin", "Transaction.End"]
    assert s.transaction is None


def test_ev_connected_start_point_starts_on_plug_and_unplug_ends_with_ev_disconnected():
    s, c, p = session(), Clock(), policy(start="EVConnected", stop="EVConnected")
    (started,) = payloads(s.plug(c.moment(p)))
    assert (started["eventType"], started["triggerReason"]) == ("Started", "CablePluggedIn")
    assert started["transactionInfo"]["chargingState"] == "EVConnected"
    assert started["evse"]["id"] == 1
    (auth,) = payloads(s.authorize(c.moment(p), CARD))
    assert (auth["eventType"], auth["triggerReason"]) == ("Updated", "Authorized")
    assert auth["idToken"]["idToken"] == "04A1B2C3"
    (ended,) = payloads(s.unplug(c.moment(p)))
    assert ended["triggerReason"] == "EVCommunicationLost"
    assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
    assert ended["transactionInfo"]["chargingState"] == "Idle"


def test_local_stop_with_ev_connected_stop_point_is_remembered_until_unplug():
    s, c, p = session(), Clock(), policy(start="EVConnected", stop="EVConnected")
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    (offered,) = payloads(s.ev_status(c.moment(p), requesting=False, delivering=False))
    assert offered["transactionInfo"]["chargingState"] == "SuspendedEV"  # PWM on, EV in B
    (stop,) = payloads(s.end_authorization(c.moment(p), Trigger.StopAuthorized, Reason.Local, CARD))
    assert (stop["eventType"], stop["transactionInfo"]["chargingState"]) == (
        "Updated",
        "EVConnected",
    )
    (ended,) = payloads(s.unplug(c.moment(p)))
    assert ended["transactionInfo"]["stoppedReason"] == "Local"


def test_remote_start_reports_remote_start_id_with_trigger_remote_start():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    (started,) = payloads(s.authorize(c.moment(p), Token("R1", "Central"), remote_start_id=42))
    assert started["triggerReason"] == "RemoteStart"
    assert started["transactionInfo"]["remoteStartId"] == 42
    (update,) = payloads(s.ev_status(c.moment(p), requesting=True, delivering=True))
    assert "remoteStartId" not in update["transactionInfo"]


def test_remote_start_after_a_transaction_started_reports_remote_start_in_next_event():
    s, c, p = session(), Clock(), policy(start="EVConnected")
    s.plug(c.moment(p))
    (update,) = payloads(s.authorize(c.moment(p), Token("R1", "Central"), remote_start_id=7))
    assert update["triggerReason"] == "RemoteStart"
    assert update["transactionInfo"]["remoteStartId"] == 7


def test_authorization_before_the_evse_is_known_reports_evse_at_plug_in():
    s, c, p = session(evse_id=None), Clock(), policy(start="Authorized", stop="Authorized")
    (started,) = payloads(s.authorize(c.moment(p), CARD))
    assert "evse" not in started
    s.state.evse_id = 2
    (plugged,) = payloads(s.plug(c.moment(p)))
    assert plugged["triggerReason"] == "CablePluggedIn"
    assert plugged["evse"] == {"id": 2, "connectorId": 1}


def test_connection_timeout_ends_a_started_transaction_with_timeout():
    s, c, p = session(evse_id=None), Clock(), policy(start="Authorized", stop="Authorized")
    s.authorize(c.moment(p), CARD)
    (ended,) = payloads(s.end_authorization(c.moment(p), Trigger.EVConnectTimeout, Reason.Timeout))
    assert ended["eventType"] == "Ended"
    assert ended["triggerReason"] == "EVConnectTimeout"
    assert ended["transactionInfo"]["stoppedReason"] == "Timeout"


def test_connection_timeout_without_transaction_sends_nothing():
    s, c, p = session(), Clock(), policy()
    s.authorize(c.moment(p), CARD)
    assert s.end_authorization(c.moment(p), Trigger.EVConnectTimeout, Reason.Timeout) == []
    assert not s.authorized


@pytest.mark.parametrize(
    ("stop", "expected"), [("EVConnected,Authorized", "Ended"), ("EVConnected", "Updated")]
)
def test_tc_e_05_local_authorization_timeout_ends_only_with_authorized_stop_point(stop, expected):
    s, c, p = session(None), Clock(), policy(start="Authorized", stop=stop)
    (started,) = payloads(s.authorize(c.moment(p), CARD))
    (timeout,) = payloads(
        s.end_authorization(c.moment(p), Trigger.EVConnectTimeout, Reason.Timeout)
    )
    assert timeout["triggerReason"] == "EVConnectTimeout"
    assert timeout["eventType"] == expected
    if expected == "Ended":
        assert timeout["transactionInfo"]["stoppedReason"] == "Timeout"
        return
    # The transaction waits for the next authorization (TC_E_05 steps 3-4), then the EV.
    assert s.transaction is not None and not s.authorized
    (again,) = payloads(s.authorize(c.moment(p), CARD))
    assert again["eventType"] == "Updated"
    assert again["transactionInfo"]["transactionId"] == started["transactionInfo"]["transactionId"]


def test_f02_fr_07_a_remote_start_that_times_out_always_ends_the_transaction():
    s, c, p = session(None), Clock(), policy(start="Authorized", stop="EVConnected")
    s.authorize(c.moment(p), Token("R1", "Central"), remote_start_id=3)
    (timeout,) = payloads(
        s.end_authorization(c.moment(p), Trigger.EVConnectTimeout, Reason.Timeout)
    )
    assert timeout["eventType"] == "Ended"
    assert timeout["transactionInfo"]["stoppedReason"] == "Timeout"


def test_charging_state_follows_what_the_evse_offers():
    # Issue 14 item 4: SuspendedEV only when current is offered and the EV takes none.
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    (started,) = payloads(s.authorize(c.moment(p), CARD))
    assert started["transactionInfo"]["chargingState"] == "EVConnected"
    (offered,) = payloads(
        s.ev_status(c.moment(p), requesting=False, delivering=False, offering=True)
    )
    assert offered["transactionInfo"]["chargingState"] == "SuspendedEV"
    (charging,) = payloads(
        s.ev_status(c.moment(p), requesting=True, delivering=True, offering=True)
    )
    assert charging["transactionInfo"]["chargingState"] == "Charging"
    # The energy limit of an invalidated idToken (E05.FR.03) withdraws the PWM: the EVSE
    # holds the EV back, SuspendedEVSE at once (C15.FR.06), while the contactor is still
    # closed, and whether the EV still asks or not.
    (held,) = payloads(s.limit_energy(c.moment(p), 0))
    assert held["transactionInfo"]["chargingState"] == "SuspendedEVSE"
    assert held["triggerReason"] == "ChargingStateChanged"
    assert s.ev_status(c.moment(p), requesting=True, delivering=True, offering=False) == []
    assert s.ev_status(c.moment(p), requesting=True, delivering=False, offering=False) == []
    # The EV stops asking: still SuspendedEVSE, so no ChargingStateChanged event.
    assert s.ev_status(c.moment(p), requesting=False, delivering=False, offering=False) == []


def test_energy_transfer_start_point_starts_when_power_flows():
    s, c, p = session(), Clock(), policy(start="EnergyTransfer", stop="EVConnected")
    s.plug(c.moment(p))
    assert s.authorize(c.moment(p), CARD) == []
    (started,) = payloads(s.ev_status(c.moment(p), requesting=True, delivering=True))
    assert started["eventType"] == "Started"
    assert started["transactionInfo"]["chargingState"] == "Charging"
    assert started["idToken"]["idToken"] == "04A1B2C3"


def test_immediate_reset_ends_with_reset_command_and_immediate_reset():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    s.ev_status(c.moment(p), requesting=False, delivering=False)  # PWM on, EV in B
    (ended,) = payloads(s.abort(c.moment(p), Trigger.ResetCommand, Reason.ImmediateReset))
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert ended["transactionInfo"]["chargingState"] == "EVConnected"  # B12.FR.04
    assert "idToken" not in ended


def test_offline_events_carry_the_offline_flag():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p, offline=True))
    (started,) = payloads(s.authorize(c.moment(p, offline=True), CARD))
    assert started["offline"] is True


def test_time_spent_charging_counts_only_charging():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)  # t=2
    s.ev_status(c.moment(p), requesting=True, delivering=True)  # t=3
    s.ev_status(c.moment(p), requesting=False, delivering=False)  # t=4: 1 s charging
    c.t += 10
    (ended,) = payloads(s.end_authorization(c.moment(p), Trigger.StopAuthorized, Reason.Local))
    assert ended["transactionInfo"]["timeSpentCharging"] == 1


@pytest.mark.parametrize("offset", [-1e6, 0.0, 5e4])
def test_time_spent_charging_survives_a_restart_whatever_the_new_clock_offset(offset):
    # Issue 14 item 7: a persisted trio instant gave -1409, -63829 or 30099 s after a restart.
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    s.ev_status(c.moment(p), requesting=True, delivering=True)  # charging from t=3
    c.t += 100
    s.meter_update(
        c.moment(p),
        Trigger.MeterValuePeriodic,
        p.started_measurands,
        ReadingContextEnumType.Sample_Periodic,
    )  # t=104: the last input the store saw
    stored = json.loads(json.dumps(s.state.to_json()))
    assert stored["transaction"]["charging_since"] is None
    assert stored["transaction"]["charging_seconds"] == 101

    # A new process: its trio clock starts somewhere else entirely.
    after = EvseSession(SessionState.from_json(stored), lambda: "tx-new")
    c.t += offset
    (ended,) = payloads(after.abort(c.moment(p), Trigger.AbnormalCondition, Reason.PowerLoss))
    assert ended["transactionInfo"]["timeSpentCharging"] == 101


def test_e01_fr_16_the_event_after_plug_in_names_the_evse_again():
    s, c, p = session(), Clock(), policy(start="Authorized", stop="Authorized")
    (started,) = payloads(s.authorize(c.moment(p), CARD))
    assert started["evse"] == {"id": 1, "connectorId": 1}
    (plugged,) = payloads(s.plug(c.moment(p)))
    assert plugged["triggerReason"] == "CablePluggedIn"
    assert plugged["evse"] == {"id": 1, "connectorId": 1}


def test_a_transaction_starts_only_on_the_input_that_makes_a_start_point_true():
    # TxStartPoint EVConnected, default stop points: the local stop ends the transaction
    # while the EV stays connected; the contactor opening later is no new start.
    s, c, p = session(), Clock(), policy(start="EVConnected")
    (started,) = payloads(s.plug(c.moment(p)))
    s.authorize(c.moment(p), CARD)
    s.ev_status(c.moment(p), requesting=True, delivering=True)
    (ended,) = payloads(s.end_authorization(c.moment(p), Trigger.StopAuthorized, Reason.Local))
    assert ended["eventType"] == "Ended"
    assert s.ev_status(c.moment(p), requesting=True, delivering=False) == []
    assert s.ev_status(c.moment(p), requesting=False, delivering=False) == []
    assert s.transaction is None
    # Unplug and plug again: that is a new start.
    s.unplug(c.moment(p))
    (again,) = payloads(s.plug(c.moment(p)))
    assert again["eventType"] == "Started"
    assert again["transactionInfo"]["transactionId"] != started["transactionInfo"]["transactionId"]


def test_every_stored_field_of_a_session_survives_the_store():
    """`SessionState.to_json` names its fields one by one: none may be left out, whatever
    a later change adds (only the samples, stored apart, and the charging clock, which
    restarts with the process, are not kept)."""
    transaction = Transaction(
        transaction_id="tx-9",
        next_seq_no=7,
        charging_state="Charging",
        evse_reported=True,
        token_reported=True,
        remote_start_reported=False,
        stop_reason="Local",
        held={"EVConnected", "Authorized"},
        charging_seconds=12.5,
        charging_since=3.0,
        ended_values=[(0, {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": []})],
        next_sample_no=1,
        start_energy_wh=1000.0,
        begin_reported=False,
        last_timestamp="2026-01-01T00:00:01+00:00",
        last_epoch="epoch-1",
        last_end_value={"timestamp": "2026-01-01T00:00:01Z", "sampledValue": [{"value": 1}]},
    )
    defaults = Transaction("tx-0")
    names = {f.name for f in dataclasses.fields(Transaction)}
    assert {
        name for name in names if getattr(transaction, name) == getattr(defaults, name)
    } == set(), "give every field a value other than its default"
    state = SessionState(
        evse_id=2,
        ev_connected=True,
        requesting=True,
        delivering=True,
        offering=True,
        authorization=Authorization(Token("ABC", "ISO14443", "G1"), 5, 2000.0, 3),
        transaction=transaction,
        conditions={"Authorized", "EVConnected"},
    )
    assert {f.name for f in dataclasses.fields(SessionState)} <= {name for name in state.to_json()}
    restored = SessionState.from_json(json.loads(json.dumps(state.to_json())))
    assert restored == dataclasses.replace(
        state,
        transaction=dataclasses.replace(transaction, charging_since=None, ended_values=[]),
    )


def test_state_round_trips_through_json_and_continues_seq_no():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    s.record_for_end(
        c.moment(p), ("Energy.Active.Import.Register",), ReadingContextEnumType.Sample_Periodic
    )
    restored_state = SessionState.from_json(s.state.to_json())
    # The Ended samples are stored apart, append-only (the service restores them).
    assert restored_state.transaction.ended_values == []
    restored_state.transaction.ended_values = s.transaction.ended_values
    restored = EvseSession(restored_state, lambda: "unused")
    (ended,) = payloads(restored.abort(c.moment(p), Trigger.AbnormalCondition, Reason.PowerLoss))
    assert ended["seqNo"] == 1
    assert ended["transactionInfo"]["transactionId"] == "tx-1"
    assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
    assert len(ended["meterValue"]) == 3


actions = st.sampled_from(
    ["plug", "unplug", "auth", "remote", "stop", "charge", "suspend", "meter"]
)
points = st.sets(
    st.sampled_from(["EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer"]), min_size=1
)
stop_points = st.sets(st.sampled_from(["EVConnected", "Authorized", "PowerPathClosed"]), min_size=1)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(actions, max_size=40), points, stop_points)
def test_any_sequence_gives_well_formed_transactions(steps, start, stop):
    s, c = session(), Clock()
    p = Policy(start_points=frozenset(start), stop_points=frozenset(stop))
    events = []
    plugs = 0
    for step in steps:
        m = c.moment(p)
        if step == "plug":
            plugged = s.plug(m)
            plugs += 1
            # E01.FR.16: the event that follows the EV's connection names the EVSE.
            assert all("evse" in e for e in payloads(plugged))
            events += plugged
        elif step == "unplug":
            events += s.unplug(m)
        elif step == "auth":
            events += s.authorize(m, CARD)
        elif step == "remote":
            events += s.authorize(m, CARD, remote_start_id=5)
        elif step == "stop":
            events += s.end_authorization(m, Trigger.StopAuthorized, Reason.Local, CARD)
        elif step == "charge":
            events += s.ev_status(m, requesting=True, delivering=True)
        elif step == "suspend":
            events += s.ev_status(m, requesting=False, delivering=False)
        else:
            events += s.meter_update(
                m,
                Trigger.MeterValuePeriodic,
                ("Energy.Active.Import.Register",),
                ReadingContextEnumType.Sample_Periodic,
            )
    by_tx: dict[str, list[dict]] = {}
    for e in payloads(events):
        by_tx.setdefault(e["transactionInfo"]["transactionId"], []).append(e)
    for tx_events in by_tx.values():
        assert [e["seqNo"] for e in tx_events] == list(range(len(tx_events)))
        assert tx_events[0]["eventType"] == "Started"
        assert all(e["eventType"] == "Updated" for e in tx_events[1:-1])
        ends = [e for e in tx_events if e["eventType"] == "Ended"]
        assert len(ends) <= 1
        if ends:
            assert tx_events[-1] is ends[0]
            assert "stoppedReason" in ends[0]["transactionInfo"]
        # The EVSE is announced when it is known, then again only after a plug-in.
        assert sum("evse" in e for e in tx_events) <= 1 + plugs
    # Energy is offered only with an EV and an authorization.
    assert s.may_offer_energy == (s.state.ev_connected and s.authorized)


@pytest.mark.parametrize("reason", list(Reason))
def test_every_stopped_reason_can_be_carried(reason):
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    (ended,) = payloads(s.abort(c.moment(p), Trigger.AbnormalCondition, reason))
    assert ended["transactionInfo"]["stoppedReason"] in {r.value for r in Reason}


def test_energy_limit_after_an_invalid_verdict_survives_a_restart():
    s, c, p = session(), Clock(), policy()
    s.plug(c.moment(p))
    (started,) = s.authorize(c.moment(p), CARD)
    assert started.event_type.value == "Started"
    start = c.energy
    s.energy_wh = start
    assert s.limit_energy(c.moment(p), 25.0) == [], "below the limit: nothing changes yet"

    assert s.authorized, "E05.FR.02/03: the transaction stays authorized"
    s.energy_wh = start + 24.9
    assert s.may_offer_energy
    s.energy_wh = start + 25.0
    assert not s.may_offer_energy
    restored = EvseSession(SessionState.from_json(s.state.to_json()), lambda: "unused")
    assert not restored.may_offer_energy, "no reading yet after a restart: offer nothing"
    restored.energy_wh = start + 1
    assert restored.may_offer_energy
