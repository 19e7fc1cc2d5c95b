"""The end of a life: everything calms down, every message must reach the CSMS, every
EVSE must be Available again and take a new session; then the transaction invariants
are checked over everything the CSMS received."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import trio

from drivers.sim.card_reader import SimulatedCardReader
from station.app import Station
from station.ocpp.client import BootState
from station.transactions.service import UNPLACED
from tools.simulate.drivers import VALID_CARDS
from tools.simulate.invariants import all_transaction_violations
from tools.simulate.world import EVSES

if TYPE_CHECKING:
    from tools.simulate.life import Life

#: How long the end of a life may take to deliver everything and run a last session.
DRAIN_LIMIT = 3 * 3600.0


async def finish(life: Life) -> None:
    """Everything calms down; every message must reach the CSMS; every EVSE must be
    Available again and take a new session."""
    assert life.csms is not None
    csms = life.csms
    csms.calm = True
    csms.down = False
    station = await life.when_up()
    for evse_id in EVSES:
        life.sim().evse(evse_id).clear_faults()
        life.sim().evse(evse_id).meter_failure = None
        life.sim().release_pilot_voltage(evse_id)
        if evse_id in life.welded:
            await station.loops[evse_id].clear_latched_faults()
    life.sim().card_reader.failing = False
    for evse_id in EVSES:
        life.sim().set_ev_state(evse_id, "B")
    await trio.sleep(10)
    for evse_id in EVSES:
        life.sim().unplug(evse_id)
        life.sim().set_ev_ignores_pwm(evse_id, False)
        life.sim().set_ev_max_current(evse_id, 32)
    await _until_answered(
        life,
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": "5",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "MessageAttempts", "instance": "TransactionEvent"},
                }
            ]
        },
    )
    # Whatever the operator set Inoperative comes back (the life's pending restores
    # were cancelled with the rest of the busy phase).
    await _until_answered(life, "ChangeAvailability", {"operationalStatus": "Operative"})
    for evse_id in EVSES:
        await _until_answered(
            life, "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": evse_id}}
        )
    with trio.move_on_after(DRAIN_LIMIT) as drained:
        # The current station: an OnIdle Reset may restart it now that it is idle.
        # Settled at two polls in a row: an answer that arrives at a poll is applied
        # just after it (an Authorize answered at that moment authorizes a second later).
        while True:
            await wait_until(lambda: calm(life))
            await trio.sleep(1)
            if calm(life):
                break
    station = await life.when_up()
    if drained.cancelled_caught:
        life.violation(
            f"not settled {DRAIN_LIMIT:g}s after the faults stopped: "
            f"queue={station.queue.count()} connected={station.client.connected} "
            f"statuses={[station.availability.status(e).value for e in EVSES]}"
        )
        return
    with trio.move_on_after(300):
        await station.availability.wait_reported()
    await trio.sleep(5)
    for evse_id in EVSES:
        if station.availability.status(evse_id).value != "Available":
            life.violation(
                f"evse {evse_id} is {station.availability.status(evse_id).value} at the end"
            )
        last = csms.statuses.get(evse_id, ["-"])[-1]
        if last != "Available":
            life.violation(f"evse {evse_id}: the CSMS last heard {last}, not Available")
    for evse_id in EVSES:
        await last_session(life, evse_id)
    check_transactions(life)


async def _until_answered(life: Life, action: str, payload: dict) -> None:
    """Send a CALL until the station answers it (it may be restarting)."""
    assert life.csms is not None
    while True:
        await life.csms.wait_connected()
        if life.csms.answer_json(await life.csms.call(action, payload)) is not None:
            return
        await trio.sleep(5)


def calm(life: Life) -> bool:
    """The current station is `settled` and its card reader holds no card it has not
    reported yet."""
    station = life.station
    return (
        station is not None
        and station.hardware is not None
        and station.hardware.sim is not None
        and not card_unread(station.hardware.sim.card_reader)
        and settled(station)
    )


def card_unread(reader: SimulatedCardReader) -> bool:
    """A card is in the reader's field that no poll has reported yet.

    A card a driver of the busy phase tapped while the reader failed stays there until
    the reader is polled again, which is up to the poller's back-off (30 s) after the
    end of the life repaired it (seed 8837). Reported after the station looked settled,
    it authorized the first last session's EV; that driver's own card then waited for
    an EV and took the second one, whose driver's tap of the same card ended the
    transaction. Once it is reported, `settled` waits until its authorization is used
    or expires (EVConnectionTimeOut).
    """
    held = reader.held()
    return held is not None and not held.seen


def settled(station: Station) -> bool:
    """Nothing left over: the station is idle, connected, accepted and Available."""
    return (
        station.client.connected
        and station.client.boot_state is BootState.Accepted
        and station.queue.count() == 0
        and all(station.transactions.transaction_id(e) is None for e in EVSES)
        # No authorization still waiting for an EV, nor an Authorize on its way (its
        # late answer lives until EVConnectionTimeOut): the last sessions' cards would
        # end it as a card of the same group instead of starting their own (seed 244).
        and not any(station.transactions.session(e).authorized for e in (0, *EVSES))
        and "Authorize" not in station.client.calls_in_flight()
        and "Authorize" not in station.client.calls_waiting()
        and all(station.availability.status(e).value == "Available" for e in EVSES)
    )


async def wait_until(predicate: Callable[[], bool]) -> None:
    """Wait until ``predicate`` holds."""
    # Polled once a virtual second: what it waits for spans the station's restarts,
    # so there is no one event to wait on.
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(1)


async def last_session(life: Life, evse_id: int) -> None:
    """A driver with a valid card charges for a minute: the station must take it."""
    assert life.csms is not None
    await life.when_up()
    before = set(life.csms.transactions)
    sim = life.sim()
    sim.plug(evse_id)
    await trio.sleep(2)
    sim.tap(VALID_CARDS[0])
    await trio.sleep(5)
    sim.set_ev_state(evse_id, "C")
    with trio.move_on_after(60):
        await wait_until(lambda: sim.evse(evse_id).status()["relay"]["feedback"])
    if not sim.evse(evse_id).status()["relay"]["feedback"]:
        life.violation(f"evse {evse_id}: a valid session did not close the contactor")
    await trio.sleep(60)
    sim.set_ev_state(evse_id, "B")
    await trio.sleep(2)
    sim.unplug(evse_id)
    with trio.move_on_after(600):
        await wait_until(
            lambda: (
                life.station is not None
                and life.station.queue.count() == 0
                and life.station.transactions.transaction_id(evse_id) is None
            )
        )
    new = set(life.csms.transactions) - before
    if len(new) != 1:
        life.violation(f"evse {evse_id}: the last session made {len(new)} transactions")


def check_transactions(life: Life) -> None:
    """The transaction invariants over everything the CSMS received."""
    assert life.csms is not None
    active = set()
    if life.station is not None:
        # UNPLACED too: a transaction started at an authorization without an EV, whose
        # EVConnectionTimeOut left it open (Authorized no stop point, TC_E_05), runs on
        # until the next authorization takes it up.
        active = {
            t
            for e in (UNPLACED, *EVSES)
            if (t := life.station.transactions.transaction_id(e)) is not None
        }
    for problem in all_transaction_violations(
        life.csms.transactions, life.log.discarded, life.seen_transactions, active
    ):
        life.violation(problem)
