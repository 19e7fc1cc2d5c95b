"""Card reader polling: a supervised task that turns card presentations into events.

Polls the reader every ``interval`` seconds (250–500 ms is usual for a PN532). A card
that stays in the field is reported once; it is reported again only after it was away for
``gone_after`` seconds, so holding a card to the reader does not start and stop a session.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import trio

from drivers.interfaces import CardReader
from station.control.loop import call_driver, grid_after
from station.privacy import token_ref

log = logging.getLogger(__name__)


class CardPoller:
    """Polls one reader; calls ``on_card(uid_hex)`` once per presentation."""

    def __init__(
        self,
        reader: CardReader,
        on_card: Callable[[str], Awaitable[None]],
        *,
        interval: float = 0.3,
        gone_after: float = 1.5,
        idle_interval: float | None = None,
    ) -> None:
        """``idle_interval`` (a simulated reader only): while no card is held, poll this
        seldom, and at once after `wake` (the simulator's tap); None polls every
        ``interval``."""
        if idle_interval is not None and not idle_interval >= interval:
            raise ValueError(
                f"idle_interval must be at least the interval {interval}, got {idle_interval}"
            )
        self.idle_interval = idle_interval
        self._woken = trio.Event()
        self._reader = reader
        self._on_card = on_card
        self.interval = interval
        self.gone_after = gone_after
        self._current: str | None = None
        self._last_seen = -float("inf")
        self._gone = trio.Event()

    async def wait_card_gone(self) -> None:
        """Wait until no card is held to the reader (until then presenting it again would
        not count as a new presentation)."""
        while self._current is not None:
            await self._gone.wait()

    def wake(self) -> None:
        """A card was tapped (simulated reader): poll now rather than after the idle
        interval."""
        self._woken.set()

    async def run(self) -> None:
        """Poll until cancelled; reader errors propagate to the supervisor."""
        while True:
            uid = await call_driver(
                self._reader.poll, blocking=self._reader.blocking, timeout=2.0, name="card reader"
            )
            now = trio.current_time()
            if uid is not None:
                uid = uid.upper()
                new = uid != self._current or now - self._last_seen > self.gone_after
                self._current, self._last_seen = uid, now
                if new:
                    log.info("event=card_presented uid=%s", token_ref(uid))
                    await self._on_card(uid)
            elif now - self._last_seen > self.gone_after and self._current is not None:
                self._current = None
                self._gone.set()
                self._gone = trio.Event()
            # The next multiple of the interval: every poller of the process (a fleet's
            # stations) wakes it once per interval, not once each.
            if self.idle_interval is None:
                await trio.sleep_until(grid_after(trio.current_time(), self.interval))
                continue
            # A simulated reader tells of a tap (`wake`): with no card held, the poller
            # sleeps until then; a held card is followed at the interval until it is gone.
            interval = self.interval if self._current is not None else self.idle_interval
            if not self._woken.is_set():
                with trio.move_on_at(grid_after(trio.current_time(), interval)):
                    await self._woken.wait()
            self._woken = trio.Event()
