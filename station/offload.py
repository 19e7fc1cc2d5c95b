"""Where blocking work runs: a worker thread in production, inline under MockClock tests.

Rule 3 of docs/architecture.md: blocking calls (SQLite, serial, GPIO, key generation)
never run on the event loop. They go through an `Offload`. `ThreadOffload` runs them in
trio's worker threads (one at a time when given a limiter of one). `InlineOffload` runs
them on the calling task; tests that use ``MockClock(autojump_threshold=0)`` use it, because a
virtual clock jumps ahead while a real thread is busy, which would make timeouts fire
that never would in real time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import trio

T = TypeVar("T")


class Offload(Protocol):
    """Runs a blocking callable without blocking the event loop."""

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` and return its result (or raise its exception)."""
        ...


class ThreadOffload:
    """Run each call in a trio worker thread, at most ``max_threads`` at a time."""

    def __init__(self, max_threads: int = 1) -> None:
        """``max_threads=1`` serialises the calls (what an SQLite connection needs)."""
        self._limiter = trio.CapacityLimiter(max_threads)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a thread; cancellation waits for the thread to finish first."""
        return await trio.to_thread.run_sync(fn, limiter=self._limiter)


class InlineOffload:
    """Run each call directly on the event loop (tests on a virtual clock only)."""

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` now, then yield to the scheduler once."""
        result = fn()
        await trio.lowlevel.checkpoint()
        return result
