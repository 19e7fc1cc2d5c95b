"""A transaction's timestamps never go back on the wire, whatever the clock did.

The station's wall clock can step back: NTP corrects it, the CSMS's time (BootNotification,
Heartbeat) is behind the station's, or the station restarts after a power cut with an
unsynchronised clock whose stamps are corrected by the first adjustment before they are
sent (see clock.py). A CSMS orders a transaction's events by ``seqNo`` and computes
durations and tariffs from their timestamps and meter values, so an event stamped before
its predecessor, or a sample taken "before" the sample that preceded it, breaks its
accounting.

The one place that sees every message of a transaction as it goes out, in ``seqNo``
order, is the transaction queue. Just before a message is sent (after the correction of
unsynchronised stamps), `hold_timestamps` raises its timestamp to the latest event
timestamp already sent for the same transaction, and the timestamps of the meter values
taken at its moment to the latest such value sent (its *floor*): the message then says
"as late as we can tell, never before what you already have". The values of an Ended's
series (TxEndedMeasurands, from the start of the transaction) keep the times they were
read; its Transaction.End value is held like the others. The queue persists the floor and
the payload as sent, so a resend after a restart is the same message and the next one is
held at what the CSMS saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from station.ocpp.datetimes import format_date_time


def parse_timestamp(text: str) -> datetime:
    """A wire dateTime (``...Z`` or with an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _held_value(value: object, event_type: str) -> bool:
    """Whether a meterValue entry was taken at its event's moment (held like the event)."""
    if event_type != "Ended":
        return True
    if not isinstance(value, dict):
        return False
    return any(
        isinstance(sampled, dict) and sampled.get("context") == "Transaction.End"
        for sampled in value.get("sampledValue", ())
    )


@dataclass(frozen=True, slots=True)
class Floor:
    """The latest timestamps sent for one transaction: of its events, and of the meter
    values taken at their moments (None: none sent yet)."""

    event: datetime
    value: datetime | None = None


def hold_timestamps(payload: dict, floor: Floor | None) -> tuple[dict, Floor]:
    """``payload`` (a TransactionEventRequest in wire form, timestamps already corrected)
    with its timestamp raised to ``floor.event`` and the timestamps of the meter values
    taken at its moment raised to ``floor.value`` where they are earlier, and the floor
    for the transaction's next message. Returns ``payload`` itself when nothing changed.

    Events and samples have floors of their own: a sample read a few seconds before the
    event that carries it keeps its time, unless the clock stepped back behind a sample
    already sent."""
    moment = parse_timestamp(payload["timestamp"])
    result = payload
    if floor is not None and moment < floor.event:
        result = dict(payload)
        result["timestamp"] = format_date_time(floor.event)
        moment = floor.event
    latest = None if floor is None else floor.value
    values = payload.get("meterValue")
    if isinstance(values, list):
        event_type = payload.get("eventType", "")
        new_values = []
        for value in values:
            if (
                _held_value(value, event_type)
                and isinstance(value, dict)
                and isinstance(value.get("timestamp"), str)
            ):
                taken = parse_timestamp(value["timestamp"])
                if latest is not None and taken < latest:
                    value = dict(value, timestamp=format_date_time(latest))
                else:
                    latest = taken
            new_values.append(value)
        if any(new is not old for new, old in zip(new_values, values, strict=True)):
            result = dict(result) if result is payload else result
            result["meterValue"] = new_values
    return result, Floor(moment, latest)
