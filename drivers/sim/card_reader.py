"""A simulated ISO 14443 card reader: a tapped card stays in the field for a while."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from drivers.interfaces import DeviceUnavailable, ProtocolFault
from drivers.sim.world import CardWorld

_SEPARATORS = re.compile(r"[\s:-]")
_HEX = re.compile(r"[0-9A-F]+")


def normalize_uid(uid_hex: str) -> str:
    """Upper-case hex of a 4, 7 or 10 byte UID; ``:``, ``-`` and spaces are dropped."""
    uid = _SEPARATORS.sub("", uid_hex).upper() if isinstance(uid_hex, str) else ""
    if not _HEX.fullmatch(uid) or len(uid) not in (8, 14, 20):
        raise ValueError(
            f"uid must be 8, 14 or 20 hex digits (a 4, 7 or 10 byte ISO 14443 UID), got {uid_hex!r}"
        )
    return uid


class SimulatedCardReader:
    """`CardReader` fed by `tap`.

    A tapped UID is returned by every poll for ``present_for`` seconds of the injected
    monotonic clock ``now``, like a card held to a real reader; the first poll after a
    tap returns it even if that window has already passed, so a slow poller (or a test
    on an auto-jumping MockClock) never misses a tap.
    """

    blocking: ClassVar[bool] = False

    def __init__(
        self,
        *,
        now: Callable[[], float],
        present_for: float = 1.0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        if present_for <= 0:
            raise ValueError(f"present_for must be positive, got {present_for}")
        self._now = now
        self._present_for = present_for
        self._uid: str | None = None
        self._until = 0.0
        self._seen = False
        self._closed = False
        self._failing = False
        self.on_change = on_change
        #: Called after every tap and every change of `failing` (a poller that sleeps
        #: while no card is held wakes on it: the next poll sees the card or the failure).
        self.on_tap: Callable[[], None] | None = None

    @property
    def failing(self) -> bool:
        """A failing reader raises on every poll (a broken reader, a garbled frame)."""
        return self._failing

    @failing.setter
    def failing(self, failing: bool) -> None:
        changed = failing != self._failing
        self._failing = failing
        if changed and self.on_tap is not None:
            self.on_tap()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def held(self) -> CardWorld | None:
        """The card in the field with what is left of its window, or None."""
        if self.present() is None:
            return None
        assert self._uid is not None
        remaining = max(0.0, self._until - self._now())
        return CardWorld(uid=self._uid, remaining=remaining, seen=self._seen)

    def hold(self, card: CardWorld) -> None:
        """Put back a card that was in the field (with ``card.remaining`` of its window)
        before a restart; an unseen one is still reported by the next poll."""
        self._uid = normalize_uid(card.uid)
        self._until = self._now() + min(card.remaining, self._present_for)
        self._seen = card.seen

    def tap(self, uid_hex: str) -> str:
        """Hold a card with this UID to the reader; returns the UID as `poll` will report it."""
        uid = normalize_uid(uid_hex)
        self._uid = uid
        self._until = self._now() + self._present_for
        self._seen = False
        self._changed()
        if self.on_tap is not None:
            self.on_tap()
        return uid

    def present(self) -> str | None:
        """The UID in the field right now, without consuming the first-poll guarantee."""
        if self._uid is None:
            return None
        if self._seen and self._now() >= self._until:
            self._uid = None
            self._changed()
        return self._uid

    def poll(self) -> str | None:
        """The UID of the card in the field, or None."""
        if self._closed:
            raise DeviceUnavailable("simulated card reader is closed")
        if self.failing:
            raise ProtocolFault("simulated card reader: bad frame")
        if self._uid is not None and not self._seen:
            uid = self._uid
            self._seen = True
            # The listener (the world file) reads the field, which drops a card whose
            # window has passed: this first poll still reports it.
            self._changed()
            return uid
        return self.present()

    def close(self) -> None:
        """Release the reader."""
        self._closed = True
