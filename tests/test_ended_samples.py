"""Meter data for a transaction's Ended event: thinned (J02.FR.20) and stored append-only."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import trio

from station.devicemodel.catalogue import SUPPORTED_MEASURANDS
from station.ocpp.datetimes import format_date_time
from station.ocpp.messages import ReadingContextEnumType
from station.transactions.session import MAX_ENDED_SAMPLES, Policy, Reason, Trigger, thin_samples
from tests.conftest import make_config, running_station
from tests.test_transaction_session import CARD, Clock, session
from tests.test_transactions_e2e import booted, charge, next_te, tes

#: The largest Ended event a transaction can produce (stated in the README).
ENDED_EVENT_BOUND = 64 * 1024


def test_thinning_removes_intermediate_samples_and_keeps_first_and_last():
    samples = list(range(MAX_ENDED_SAMPLES))
    kept = thin_samples(samples)
    assert kept[0] == 0 and kept[-1] == MAX_ENDED_SAMPLES - 1
    assert 1 not in kept and 3 not in kept  # 2nd, 4th... go first
    assert len(kept) == MAX_ENDED_SAMPLES // 2 + 1
    assert thin_samples(samples[:-1]) == samples[:-1], "below the limit nothing goes"


def test_a_week_long_transaction_with_every_measurand_has_a_bounded_ended_event():
    """Every measurand in both TxEnded lists, a sample every second for a week: the Ended
    event still carries the Transaction.Begin value (the start of billing) first, the
    Transaction.End value last, both exact, and stays under ENDED_EVENT_BOUND."""
    everything = tuple(SUPPORTED_MEASURANDS)
    p = Policy(
        start_points=frozenset({"PowerPathClosed"}),
        stop_points=frozenset({"EVConnected", "Authorized"}),
        started_measurands=everything,
        ended_measurands=everything,
    )
    s, c = session(), Clock()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    begin_energy = c.energy
    for _ in range(7 * 24 * 3600 // 60):  # a minute's worth of clock per call
        c.t += 59
        s.record_for_end(c.moment(p), everything, ReadingContextEnumType.Sample_Periodic)
        assert len(s.transaction.ended_values) <= MAX_ENDED_SAMPLES
    (ended,) = [e.to_payload() for e in s.abort(c.moment(p), Trigger.StopAuthorized, Reason.Local)]
    text = json.dumps(ended, separators=(",", ":"))
    assert len(text.encode()) < ENDED_EVENT_BOUND, len(text)
    values = ended["meterValue"]
    assert len(values) <= MAX_ENDED_SAMPLES + 1

    def energy(mv):
        return next(
            sv["value"]
            for sv in mv["sampledValue"]
            if sv.get("measurand") == "Energy.Active.Import.Register"
        )

    assert values[0]["sampledValue"][0]["context"] == "Transaction.Begin"
    assert energy(values[0]) == begin_energy
    assert values[-1]["sampledValue"][0]["context"] == "Transaction.End"
    assert energy(values[-1]) == c.energy
    stamps = [mv["timestamp"] for mv in values]
    assert stamps == sorted(stamps)


def end_values(ended: dict) -> list[tuple[str, float]]:
    return [
        (mv["timestamp"], sv["value"])
        for mv in ended["meterValue"]
        for sv in mv["sampledValue"]
        if sv.get("context") == "Transaction.End"
    ]


def interrupted(s, p):
    """The session as a new process finds it in the store (the state's JSON round trip)."""
    from station.transactions.session import EvseSession, SessionState

    state = SessionState.from_json(json.loads(json.dumps(s.state.to_json())))
    return EvseSession(state, lambda: "unused")


def test_an_interrupted_transaction_ends_with_the_reading_taken_after_the_restart():
    """E06.FR.11: the Ended of a transaction a power cut interrupted carries the meter's
    register as read when the station came back, stamped with that reading's time."""
    p = policy_with_energy()
    s, c = session(), Clock()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    s.meter_update(
        c.moment(p), Trigger.MeterValuePeriodic, (), ReadingContextEnumType.Sample_Periodic
    )
    restarted = c.moment(p)  # the register outlived the cut; read again after it
    (ended,) = [
        e.to_payload()
        for e in interrupted(s, p).abort(restarted, Trigger.AbnormalCondition, Reason.PowerLoss)
    ]
    assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
    assert end_values(ended) == [(ended["timestamp"], c.energy)]


def test_an_interrupted_transaction_whose_meter_fails_after_restart_ends_with_its_last_reading():
    """No reading after the restart (the meter fails): the Ended still carries a
    Transaction.End value (E06.FR.11), the latest reading the transaction saw before the
    power went, with the time it was read -- never less than what its events reported."""
    p = policy_with_energy()
    s, c = session(), Clock()
    s.plug(c.moment(p))
    s.authorize(c.moment(p), CARD)
    (updated,) = s.meter_update(
        c.moment(p),
        Trigger.MeterValuePeriodic,
        p.ended_measurands,
        ReadingContextEnumType.Sample_Periodic,
    )
    last = c.moment(p)  # an input after the last event (the EV paused): its reading counts
    s.ev_status(last, requesting=False, delivering=False, offering=True)
    after = c.moment(p)
    restarted = replace(after, reading=None)
    (ended,) = [
        e.to_payload()
        for e in interrupted(s, p).abort(restarted, Trigger.AbnormalCondition, Reason.PowerLoss)
    ]
    stamp = format_date_time(last.reading.timestamp)
    assert end_values(ended) == [(stamp, last.reading.sample.energy_import_wh)]
    reported = updated.to_payload()["meterValue"][0]["sampledValue"][0]["value"]
    assert end_values(ended)[0][1] >= reported


def policy_with_energy() -> Policy:
    return Policy(
        start_points=frozenset({"PowerPathClosed"}),
        stop_points=frozenset({"EVConnected", "Authorized"}),
        started_measurands=("Energy.Active.Import.Register",),
        ended_measurands=("Energy.Active.Import.Register",),
    )


def rows(config, table: str) -> list:
    db = sqlite3.connect(config.station.data_dir / "station.db")
    try:
        return db.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        db.close()


async def test_ended_samples_are_stored_apart_and_survive_a_power_loss(tmp_path, autojump_clock):
    """The session row no longer carries the samples; they are rows of their own, thinned
    in the store too, and the PowerLoss Ended event after a restart carries them."""
    config = make_config(tmp_path / "data")
    variables = {
        "SampledDataCtrlr.TxEndedInterval": 10,
        "SampledDataCtrlr.TxUpdatedInterval": 0,
        "AlignedDataCtrlr.Interval": 0,
        "AlignedDataCtrlr.TxEndedInterval": 0,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        tx = await charge(env)
        await trio.sleep(10 * (MAX_ENDED_SAMPLES + 5))
        (state,) = [r for r in rows(config, "transactions") if r[0] == 1]
        assert json.loads(state[1])["transaction"]["ended_values"] == []
        samples = [r for r in rows(config, "ended_samples") if r[0] == tx]
        assert 2 < len(samples) <= MAX_ENDED_SAMPLES
        numbers = sorted(r[1] for r in samples)
        assert numbers[0] == 0, "the sample at the start stays"
        assert numbers[-1] >= MAX_ENDED_SAMPLES, "the newest sample is there"
        # The station disappears here.
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        ended = await next_te(env, 0)
        assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
        contexts = [mv["sampledValue"][0]["context"] for mv in ended["meterValue"]]
        # TC_J_10: with a TxEndedInterval the start value is the first Sample.Periodic one.
        assert contexts[-1] == "Transaction.End"
        assert contexts.count("Sample.Periodic") == len(samples) == len(contexts) - 1
        await env.station.queue.drained()
        await trio.sleep(1)
        assert rows(config, "ended_samples") == [], "an ended transaction leaves no samples"
        assert tes(env, eventType="Ended")
