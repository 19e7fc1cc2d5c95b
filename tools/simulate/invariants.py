"""The invariants a simulated station life must keep, as plain functions over what the
simulator observed: the hardware as it is, the station's view, the CSMS's records.

Each check returns the violations it found as sentences (empty: it held). The simulator
calls `contactor_violations` after every step and the transaction checks at the end of a
life, once every queued message had its chance to reach the CSMS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from station.ocpp.datetimes import format_date_time
from tools.simulate.csms import TransactionMessage

#: States in which an EV may draw power (D is not offered: no ventilation here).
CHARGING_STATES = frozenset({"C"})


@dataclass(slots=True)
class ContactorView:
    """One EVSE at one moment: the hardware, the control side, the OCPP side.

    Built after every step while contacts are closed: not frozen, whose ``__init__``
    costs four times as much; nothing keeps or changes one."""

    contacts_closed: bool
    welded: bool
    ev_state: str
    diode_fault: bool
    rcd_tripped: bool
    pwm_on: bool
    allowed: bool  # the control side's authorization input
    operative: bool
    external_fault: str | None
    authorized: bool  # the OCPP side's session may offer energy
    in_transaction: bool = True  # the OCPP side runs a transaction on this EVSE


def contactor_problem(view: ContactorView) -> str | None:
    """Why the contacts may not be closed now (None: they may, or they are open or
    welded, which no command can open)."""
    if not view.contacts_closed or view.welded:
        return None
    if view.ev_state not in CHARGING_STATES:
        return f"EV in state {view.ev_state}"
    if view.rcd_tripped:
        return "RCD tripped"
    if not view.pwm_on:
        # Withdrawn PWM (C1) is bounded by the IEC 61851-1 wait; a diode fault shows only
        # on the PWM's negative plateau, so none can be seen then (seed 1805).
        return "no PWM offered"
    if view.diode_fault:
        return "diode fault"
    if view.external_fault is not None:
        return f"fault {view.external_fault}"
    if not view.operative:
        return "EVSE inoperative"
    if not view.allowed:
        return "charging not allowed by the control side"
    if not view.authorized:
        return "no authorization on the OCPP side"
    if not view.in_transaction:
        # E01: whatever the start point, a transaction runs once the power path is
        # closed (PowerPathClosed is the latest start point): no energy goes unbilled.
        return "energy flows outside a transaction"
    return None


#: How long each reason may last while the contacts are closed: the machine opens on the
#: next reading (2 periods of margin), and withdraws the PWM first when charging stops
#: being allowed, forcing the contactor open 6 s later (IEC 61851-1 C1, see iec61851.py).
def grace(problem: str, period: float) -> float:
    """Seconds a closed contactor may outlive ``problem``."""
    slow = ("no PWM", "inoperative", "not allowed", "no authorization")
    if any(word in problem for word in slow):
        return 6.0 + 3 * period
    return 3 * period


def transaction_violations(
    transaction_id: str,
    messages: list[TransactionMessage],
    discarded: Iterable[int],
    *,
    still_active: bool,
) -> list[str]:
    """Check one transaction's messages as the CSMS received them (resends included).

    ``discarded`` are the seqNos the station logged as discarded after their last
    attempt (E13.FR.04); only those may be missing. ``still_active``: the station still
    runs it, so no Ended is due yet.
    """
    problems: list[str] = []
    gone = set(discarded)
    name = f"transaction {transaction_id}"
    first: dict[int, TransactionMessage] = {}
    order: list[int] = []
    for message in messages:
        earlier = first.get(message.seq_no)
        if earlier is None:
            if order and message.seq_no < order[-1]:
                problems.append(
                    f"{name}: seqNo {message.seq_no} arrived after seqNo {order[-1]} (out of order)"
                )
            first[message.seq_no] = message
            order.append(message.seq_no)
        elif earlier.event_type != message.event_type:
            problems.append(
                f"{name}: seqNo {message.seq_no} resent as {message.event_type}, "
                f"first sent as {earlier.event_type}"
            )
    if not first:
        return [f"{name}: no message reached the CSMS"]
    highest = max(first)
    missing = sorted(set(range(highest + 1)) - set(first) - gone)
    if missing:
        problems.append(f"{name}: seqNo {missing} never arrived and were not discarded")
    started = sorted(s for s, m in first.items() if m.event_type == "Started")
    if 0 in first and first[0].event_type != "Started":
        problems.append(f"{name}: seqNo 0 is {first[0].event_type}, not Started")
    if started not in ([0], []) or (not started and 0 not in gone):
        problems.append(f"{name}: Started at seqNo {started} (expected exactly one, seqNo 0)")
    ended = sorted(s for s, m in first.items() if m.event_type == "Ended")
    if len(ended) > 1:
        problems.append(f"{name}: {len(ended)} Ended events (seqNo {ended})")
    if ended and ended[-1] != highest:
        problems.append(f"{name}: Ended at seqNo {ended[-1]} but seqNo {highest} exists")
    if not ended and not still_active and highest + 1 not in gone:
        # An Ended discarded after its attempts would be the next seqNo, logged.
        problems.append(f"{name}: no Ended and the station no longer runs it")
    # A message's values are in time order; across messages the last reading of each
    # counts. An Ended one carries the transaction's series (TxEndedMeasurands) from its
    # start, which is checked within itself, and then its Transaction.End value: the
    # register at the end, or the latest reading the station had when the meter cannot
    # be read then (after a power cut): never below what an earlier event reported.
    last_energy = None
    last_time: datetime | None = None
    # The samples taken at the events' moments form one series in time too (an Ended's
    # series from the start is its own; its Transaction.End value belongs here).
    last_value_time: datetime | None = None
    for seq_no in sorted(first):
        message = first[seq_no]
        if any(b < a - 1e-6 for a, b in zip(message.energy, message.energy[1:], strict=False)):
            problems.append(f"{name}: energy register goes down within seqNo {seq_no}")
        if message.energy and message.event_type != "Ended":
            value = message.energy[-1]
            if last_energy is not None and value < last_energy - 1e-6:
                problems.append(
                    f"{name}: energy register went down from {last_energy} to {value} "
                    f"(seqNo {seq_no})"
                )
            last_energy = value
        moment = datetime.fromisoformat(message.timestamp.replace("Z", "+00:00"))
        if last_time is not None and moment < last_time:
            problems.append(
                f"{name}: timestamp {message.timestamp} of seqNo {seq_no} is before "
                f"{format_date_time(last_time)}"
            )
        last_time = moment if last_time is None else max(last_time, moment)
        for text in message.value_times:
            taken = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if last_value_time is not None and taken < last_value_time:
                problems.append(
                    f"{name}: meter value at {text} in seqNo {seq_no} is before "
                    f"{format_date_time(last_value_time)}"
                )
            last_value_time = taken if last_value_time is None else max(last_value_time, taken)
    ended_message = first[ended[0]] if ended else None
    if ended_message is not None:
        reported = any(m.energy for m in first.values())
        if ended_message.end_energy is None and reported:
            # E06.FR.11: the register is configured for the Ended (TxEndedMeasurands), and
            # the station had a reading (an event carried one).
            problems.append(f"{name}: the Ended (seqNo {ended[0]}) has no Transaction.End register")
        elif (
            ended_message.end_energy is not None
            and last_energy is not None
            and ended_message.end_energy < last_energy - 1e-6
        ):
            problems.append(
                f"{name}: the Ended's Transaction.End register {ended_message.end_energy} is "
                f"below {last_energy} reported before"
            )
    return problems


def all_transaction_violations(
    received: Mapping[str, list[TransactionMessage]],
    discarded: Mapping[str, set[int]],
    started_by_station: Iterable[str],
    still_active: Iterable[str],
) -> list[str]:
    """Check every transaction the CSMS heard of or the station was seen running."""
    active = set(still_active)
    problems = []
    for transaction_id in sorted(set(received) | set(started_by_station)):
        messages = received.get(transaction_id, [])
        gone = discarded.get(transaction_id, set())
        if not messages and 0 in gone:
            continue  # its Started was discarded after its attempts (logged)
        problems += transaction_violations(
            transaction_id, messages, gone, still_active=transaction_id in active
        )
    return problems
