"""The one way the station writes a dateTime (OCPP 2.0.1 Part 2 §2.1.4).

Part 2 allows at most three fractional digits in a dateTime and recommends none; a CSMS
that enforces the rule (CitrineOS does) answers a message with six digits with
FormatViolation, which for a TransactionEvent means the transaction never reaches it. The
JSON schemas do not encode the rule, so it is kept here: every dateTime the station puts
on the wire, in a device-model value or in a log it uploads goes through
`format_date_time`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def format_date_time(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, truncated to milliseconds, the fraction left out when
    it is zero (``2026-12-04T18:31:55.884Z``, ``2026-12-04T18:31:55Z``).

    A naive datetime is taken as UTC. A moment whose UTC form falls outside the years
    1..9999 keeps its own offset (it cannot be written in UTC).
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        timespec = "milliseconds" if value.microsecond >= 1000 else "seconds"
        return value.isoformat(timespec=timespec)
    timespec = "milliseconds" if utc.microsecond >= 1000 else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"
