"""Reconnect back-off of Part 4 §5.3 (with errata 2025-04), as a pure calculator.

The first reconnect waits ``RetryBackOffWaitMinimum`` plus a random part in
``[0, RetryBackOffRandomRange]``. Each further failed attempt doubles the previous base
wait, at most ``RetryBackOffRepeatTimes`` times, and adds a fresh random part; after that
the last base wait is kept. A successful connection resets the sequence.

TC_B_57 (RandomRange 0, RepeatTimes 2): waits are WaitMinimum, 2×, 4×, 4×, ...
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackoffSettings:
    """The three OCPPCommCtrlr.RetryBackOff* values, in seconds / counts."""

    wait_minimum: float
    random_range: float
    repeat_times: int


class ReconnectBackoff:
    """Tells how long to wait before the next connection attempt."""

    def __init__(self, rng: random.Random) -> None:
        """``rng`` is the station's injectable random source (same seed, same waits)."""
        self._rng = rng
        self._failures = 0

    def next_wait(self, settings: BackoffSettings) -> float:
        """The wait before the next attempt; counts one more failure."""
        doublings = min(self._failures, max(settings.repeat_times, 0))
        self._failures += 1
        base = settings.wait_minimum * (2**doublings)
        jitter = self._rng.uniform(0, settings.random_range) if settings.random_range > 0 else 0.0
        return base + jitter

    def reset(self) -> None:
        """A connection succeeded: start again from the minimum."""
        self._failures = 0

    @property
    def failures(self) -> int:
        """Consecutive failed attempts (or losses) since the last success."""
        return self._failures
