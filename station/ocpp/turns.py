"""Whose CALL goes out next: one CALL in flight, bulk traffic after everything else.

Part 4 §4.1.1 lets the station have one CALL in flight; every other CALL the station wants
to send waits for its turn. A plain FIFO lock would let a report of many NotifyReport
parts (or a queue of them) push a transaction's Ended event back by as many round trips
as there are waiters ahead of it. `CallTurns` hands the next turn to the oldest waiting
*ordinary* CALL, and to a *bulk* CALL (report parts and other long streams the CSMS asked
for) only when no ordinary CALL waits. A bulk stream therefore delays an ordinary CALL by
at most the one bulk CALL already in flight; bulk CALLs keep their order among
themselves. Ordinary CALLs are never starved; bulk ones wait while ordinary traffic is
continuous, which is the point (a report can always be asked for again, a transaction
event cannot be late).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import trio


@dataclass(order=True)
class _Ticket:
    rank: tuple[int, int]
    label: str = field(compare=False, default="")
    event: trio.Event = field(compare=False, default_factory=trio.Event)
    abandoned: bool = field(compare=False, default=False)


class CallTurns:
    """A lock for the right to send one CALL, granting ordinary waiters before bulk ones."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[_Ticket] = []
        self._order = itertools.count()
        self._changed = trio.Event()

    def waiting(self) -> list[str]:
        """Labels of the CALLs waiting for their turn, in the order they will get it."""
        return [ticket.label for ticket in sorted(self._waiting) if not ticket.abandoned]

    async def wait_changed(self) -> None:
        """Wait until a CALL starts waiting or a turn passes (status, tests)."""
        await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    @asynccontextmanager
    async def turn(self, *, bulk: bool = False, label: str = "") -> AsyncIterator[None]:
        """Hold the turn for the body: wait until no CALL is in flight and no waiter of a
        better rank (ordinary before bulk, then first come) is ahead. ``label`` names the
        waiter in `waiting`."""
        await trio.lowlevel.checkpoint_if_cancelled()
        if not self._busy:  # then nobody waits either: _pass_on empties the queue first
            self._busy = True
            await trio.lowlevel.cancel_shielded_checkpoint()
        else:
            ticket = _Ticket((int(bulk), next(self._order)), label)
            heapq.heappush(self._waiting, ticket)
            self._notify()
            try:
                await ticket.event.wait()
            except BaseException:
                if ticket.event.is_set():
                    self._pass_on()  # the turn came with the cancellation: hand it over
                else:
                    ticket.abandoned = True
                raise
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        self._notify()
        while self._waiting:
            ticket = heapq.heappop(self._waiting)
            if not ticket.abandoned:
                ticket.event.set()  # the turn passes directly: _busy stays True
                return
        self._busy = False


__all__ = ["CallTurns"]
