"""The invariants watched while a life runs, after every step (`check_now`), and the
station's log lines they need (`StationLog`)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import trio

from station.app import Station
from station.ocpp.client import INBOUND_BACKLOG, MAX_FOLLOW_UPS
from tools.simulate.invariants import ContactorView, contactor_problem, grace
from tools.simulate.world import CONTROL_PERIOD, EVSES

if TYPE_CHECKING:
    from drivers.sim.evse import SimulatedEvse
    from station.control.remote import RemoteEvse
    from station.control.service import ControlService, EvseRequests
    from tools.simulate.life import Life


class StationLog(logging.Handler):
    """Collects the station's log of discarded transaction messages (E13.FR.04), and
    crashes of supervised tasks that the simulator did not cause."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.discarded: dict[str, set[int]] = {}
        self.crashes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if message.startswith("event=transaction_message_discarded"):
            _, transaction_id, _, _, seq_no = record.args  # type: ignore[misc]
            self.discarded.setdefault(str(transaction_id), set()).add(int(str(seq_no)))
        elif message.startswith("event=child_crashed"):
            child, _, error = record.args  # type: ignore[misc]
            self.crashes.append(f"{child}: {error}")


#: A grace ends at an instant; the check that may find it over runs just after it.
GRACE_MARGIN = 1e-3


async def watch(life: Life) -> None:
    """Wake the life when a problem's grace is over, so that a check runs then even if
    nothing else happens at that moment (a closed contactor keeps its control loop
    iterating every period anyway; this does not rely on it)."""
    while True:
        now = trio.current_time()
        due = [
            at + grace(problem, CONTROL_PERIOD) + GRACE_MARGIN
            for problem, at in filter(None, life.since.values())
        ]
        # A grace that ended while no station ran is checked once one runs again.
        with trio.move_on_at(min((d for d in due if d > now), default=math.inf)):
            await life.problem_seen.wait()
        if life.problem_seen.is_set():
            life.problem_seen = trio.Event()


@dataclass(frozen=True, slots=True)
class WatchedEvse:
    """One EVSE's objects that `check_now` reads, looked up once per station."""

    evse_id: int
    hardware: SimulatedEvse
    requests: EvseRequests
    evse: RemoteEvse
    snapshots: trio.MemoryReceiveChannel


@dataclass(frozen=True, slots=True)
class Watched:
    """The running station and its EVSEs' objects that `check_now` reads."""

    station: Station
    control: ControlService
    evses: tuple[WatchedEvse, ...]

    @classmethod
    def of(cls, station: Station) -> Watched:
        control = station.control
        assert control is not None and station.hardware is not None
        sim = station.hardware.sim
        assert sim is not None
        return cls(
            station,
            control,
            tuple(
                WatchedEvse(
                    evse_id,
                    sim.evse(evse_id),
                    control.requests[evse_id],
                    station.evses[evse_id],
                    station._snapshots[evse_id][1],
                )
                for evse_id in EVSES
            ),
        )


def check_now(life: Life, station: Station) -> None:
    """The invariants that hold at every moment, checked after every step of the life
    (`Life.after_step`): what each reads can only change in a step."""
    life.result.checks += 1
    watched = life.watched
    if watched is None or watched.station is not station:
        watched = life.watched = Watched.of(station)
    now = trio.current_time()
    session_of = station.transactions.session  # a session object lasts a session only
    for w in watched.evses:
        evse_id = w.evse_id
        evse = w.hardware
        session = session_of(evse_id)
        transaction = session.transaction
        transaction_id = None if transaction is None else transaction.transaction_id
        problem = None
        # Open (or welded, which no command opens): nothing else can be wrong. Contacts
        # at rest open need no look at the rest (most steps of a life).
        hardware = None if evse.contacts_open_at_rest() else evse.contactor_inputs()
        if hardware is not None and hardware.contacts_closed and not hardware.welded:
            requests = w.requests
            view = ContactorView(
                contacts_closed=True,
                welded=False,
                ev_state=hardware.ev_state,
                diode_fault=hardware.diode_fault,
                rcd_tripped=hardware.rcd_tripped,
                pwm_on=hardware.pwm_on,
                allowed=requests.allowed,
                operative=requests.operative,
                external_fault=requests.external_fault,
                authorized=session.may_offer_energy,
                in_transaction=transaction_id is not None,
            )
            problem = contactor_problem(view)
        since = life.since[evse_id]
        if problem is None:
            if since is not None:
                life.since[evse_id] = None
        elif since is None or since[0] != problem:
            life.since[evse_id] = (problem, now)
            life.problem_seen.set()  # `watch` wakes when its grace is over
        elif now - since[1] > grace(problem, CONTROL_PERIOD):
            life.violation(
                f"evse {evse_id}: contactor closed for {now - since[1]:.2f}s with {problem}"
            )
            life.since[evse_id] = (problem, math.inf)  # reported once
        if transaction_id is not None:
            life.seen_transactions.add(transaction_id)
        # The event pump's buffer grows only by a snapshot the link hands on, which it
        # makes its EVSE's latest first: with the same latest, it cannot have grown.
        latest = w.evse.snapshot
        if latest is not life.snapshot_seen.get(evse_id):
            life.snapshot_seen[evse_id] = latest
            used = w.snapshots.statistics().current_buffer_used
            if used > 1000:
                life.violation(f"evse {evse_id}: {used} snapshots waiting for the event pump")
    inbound = station.client.inbound
    if inbound.backlog_peak > INBOUND_BACKLOG:
        life.violation(f"inbound CALL backlog reached {inbound.backlog_peak}")
        inbound.backlog_peak = 0  # reported once
    if inbound.follow_ups_peak > MAX_FOLLOW_UPS:
        life.violation(f"{inbound.follow_ups_peak} follow-ups ran at once")
        inbound.follow_ups_peak = 0
    peer = watched.control._peer
    if peer is not None and (peer.overflowed or len(peer.outbox) > peer.limit):
        life.violation(f"the control side's reports overflowed ({len(peer.outbox)} queued)")
