"""dateTime on the wire (Part 2 §2.1.4) and the judge's Part 2 format checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from station.devicemodel.datatypes import DataType, format_value
from station.ocpp.datetimes import format_date_time
from station.ocpp.messages import HeartbeatResponse, StatusNotificationRequest
from tests import part2_formats


def test_a_moment_with_microseconds_is_written_with_at_most_three_fractional_digits() -> None:
    moment = datetime(2026, 12, 4, 18, 31, 55, 884123, tzinfo=UTC)
    assert format_date_time(moment) == "2026-12-04T18:31:55.884Z"


def test_a_whole_second_is_written_without_a_fraction() -> None:
    assert format_date_time(datetime(2026, 12, 4, 18, 31, 55, tzinfo=UTC)) == (
        "2026-12-04T18:31:55Z"
    )
    # Below a millisecond truncates to the whole second, never rounds up into the next one.
    assert format_date_time(datetime(2026, 12, 4, 18, 31, 55, 999, tzinfo=UTC)) == (
        "2026-12-04T18:31:55Z"
    )


def test_another_offset_is_written_in_utc() -> None:
    cet = timezone(timedelta(hours=1))
    moment = datetime(2019, 12, 19, 16, 39, 57, 520000, tzinfo=cet)
    assert format_date_time(moment) == "2019-12-19T15:39:57.520Z"


def test_a_moment_outside_the_utc_years_keeps_its_offset() -> None:
    moment = datetime(1, 1, 1, 0, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert format_date_time(moment) == "0001-01-01T00:30:00.123+01:00"


def test_every_message_writes_the_part2_form() -> None:
    moment = datetime(2026, 12, 4, 18, 31, 55, 884000, tzinfo=UTC)
    request = StatusNotificationRequest(
        timestamp=moment, connector_status="Available", evse_id=1, connector_id=1
    )
    assert request.to_payload()["timestamp"] == "2026-12-04T18:31:55.884Z"
    assert '"timestamp":"2026-12-04T18:31:55.884Z"' in request.to_json()
    response = HeartbeatResponse(current_time=moment.replace(microsecond=0))
    assert response.to_payload() == {"currentTime": "2026-12-04T18:31:55Z"}


def test_device_model_date_time_values_use_the_same_form() -> None:
    moment = datetime(2026, 12, 4, 18, 31, 55, 884999, tzinfo=UTC)
    assert format_value(moment, DataType.dateTime) == "2026-12-04T18:31:55.884Z"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2026-12-04T18:31:55Z", True),
        ("2026-12-04T18:31:55.884Z", True),
        ("2019-04-12T23:20:50.52Z", True),
        ("2019-12-19T16:39:57+01:00", True),
        ("2026-12-04T18:31:55.884000Z", False),
        ("2026-12-04 18:31:55Z", False),
    ],
)
def test_the_judge_knows_the_part2_date_time(text: str, ok: bool) -> None:
    assert (part2_formats.date_time_problem(text) is None) is ok


def test_the_judge_flags_six_fractional_digits_anywhere_in_a_message() -> None:
    payload = {
        "eventType": "Started",
        "timestamp": "2026-12-04T18:31:55.884Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-1"},
        "meterValue": [
            {
                "timestamp": "2026-12-04T18:31:55.884000Z",
                "sampledValue": [{"value": 1.5}],
            }
        ],
    }
    found = part2_formats.violations("TransactionEvent", "Request", payload, from_csms=False)
    assert found == [
        "TransactionEventRequest.meterValue[0].timestamp: "
        "'2026-12-04T18:31:55.884000Z' has 6 fractional digits (at most 3)"
    ]


def test_the_judge_flags_identifier_strings_outside_the_character_set() -> None:
    payload = {
        "eventType": "Started",
        "timestamp": "2026-12-04T18:31:55Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx 1"},
        "idToken": {"idToken": "04A1B2C3", "type": "ISO14443"},
    }
    found = part2_formats.violations("TransactionEvent", "Request", payload, from_csms=False)
    assert found == [
        "TransactionEventRequest.transactionInfo.transactionId: 'tx 1' is not an identifierString"
    ]


def test_the_judge_flags_decimals_from_the_csms_with_more_than_six_places() -> None:
    assert part2_formats.decimal_places(0.1234567) == 7
    assert part2_formats.decimal_places(1e-7) == 7
    assert part2_formats.decimal_places(16.0) == 0
    assert part2_formats.decimal_places(2.5e3) == 0


def test_the_judge_flags_a_basic_auth_password_outside_password_string() -> None:
    payload = {
        "setVariableData": [
            {
                "attributeValue": "correct horse battery",
                "component": {"name": "SecurityCtrlr"},
                "variable": {"name": "BasicAuthPassword"},
            }
        ]
    }
    found = part2_formats.violations("SetVariables", "Request", payload, from_csms=True)
    assert len(found) == 1 and "passwordString" in found[0]


def test_the_judge_checks_date_time_values_in_a_report() -> None:
    payload = {
        "requestId": 1,
        "generatedAt": "2026-12-04T18:31:55Z",
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "ClockCtrlr"},
                "variable": {"name": "DateTime"},
                "variableAttribute": [{"value": "2026-12-04T18:31:55.884000Z"}],
                "variableCharacteristics": {"dataType": "dateTime", "supportsMonitoring": False},
            }
        ],
    }
    found = part2_formats.violations("NotifyReport", "Request", payload, from_csms=False)
    assert len(found) == 1 and "6 fractional digits" in found[0]
