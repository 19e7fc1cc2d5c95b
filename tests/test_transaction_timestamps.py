"""A transaction's timestamps never go back on the wire (station/transactions/timestamps.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from station.transactions.timestamps import Floor, hold_timestamps


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def value(timestamp: str, context: str = "Sample.Periodic", wh: float = 100.0) -> dict:
    return {
        "timestamp": timestamp,
        "sampledValue": [{"value": wh, "context": context}],
    }


def payload(event_type: str, timestamp: str, *values: dict) -> dict:
    message = {
        "eventType": event_type,
        "timestamp": timestamp,
        "triggerReason": "MeterValuePeriodic",
        "seqNo": 3,
        "transactionInfo": {"transactionId": "tx-1"},
    }
    if values:
        message["meterValue"] = list(values)
    return message


def test_the_first_message_of_a_transaction_sets_the_floor_and_is_sent_as_it_is():
    first = payload("Started", "2026-03-01T06:00:00Z", value("2026-03-01T05:59:58Z"))
    sent, floor = hold_timestamps(first, None)
    assert sent is first
    assert floor == Floor(at("2026-03-01T06:00:00Z"), at("2026-03-01T05:59:58Z"))


def test_an_event_stamped_after_a_clock_step_back_keeps_the_latest_time_already_sent():
    floor = Floor(at("2026-03-01T06:36:22.077Z"), at("2026-03-01T06:36:20Z"))
    stepped = payload("Updated", "2026-03-01T06:10:28.883Z", value("2026-03-01T06:10:25Z"))
    sent, after = hold_timestamps(stepped, floor)
    assert sent["timestamp"] == "2026-03-01T06:36:22.077Z"
    # The sample read after the step is not "before" the sample the CSMS already has.
    assert sent["meterValue"][0]["timestamp"] == "2026-03-01T06:36:20Z"
    assert sent["meterValue"][0]["sampledValue"] == stepped["meterValue"][0]["sampledValue"]
    assert after == floor
    assert stepped["timestamp"] == "2026-03-01T06:10:28.883Z", "the stored payload is unchanged"


def test_a_sample_read_just_before_its_event_keeps_its_own_time():
    floor = Floor(at("2026-03-01T06:01:00Z"), at("2026-03-01T06:00:55Z"))
    normal = payload("Updated", "2026-03-01T06:02:00Z", value("2026-03-01T06:01:57Z"))
    sent, after = hold_timestamps(normal, floor)
    assert sent is normal
    assert after == Floor(at("2026-03-01T06:02:00Z"), at("2026-03-01T06:01:57Z"))


def test_an_ended_keeps_its_series_times_and_holds_its_transaction_end_value():
    floor = Floor(at("2026-03-01T06:36:22Z"), at("2026-03-01T06:36:20Z"))
    ended = payload(
        "Ended",
        "2026-03-01T06:10:28Z",
        value("2026-03-01T06:30:47Z", "Transaction.Begin", 0.0),
        value("2026-03-01T06:31:47Z", "Sample.Periodic", 50.0),
        value("2026-03-01T06:10:28Z", "Transaction.End", 900.0),
    )
    sent, _ = hold_timestamps(ended, floor)
    assert [v["timestamp"] for v in sent["meterValue"]] == [
        "2026-03-01T06:30:47Z",
        "2026-03-01T06:31:47Z",
        "2026-03-01T06:36:20Z",
    ]
    assert sent["timestamp"] == "2026-03-01T06:36:22Z"
