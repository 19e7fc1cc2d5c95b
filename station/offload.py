"""Where blocking work runs: a worker thread in production, inline under MockClock tests.

Rule 3 of docs/architecture.md: blocking calls (SQLite, serial, GPIO, key generation)
never run on the event loop. They go through an `Offload`. `ThreadOffload` runs them in
trio's worker threads (one at a time when given a limiter of one). `InlineOffload` runs
them on the calling task; tests that use ``MockClock(autojump_threshold=0)`` use it, because a
virtual clock jumps ahead while a real thread is busy, which would make timeouts fire
that never would in real time. `DirectOffload` with `run_to_completion` lets a command-line
tool use the same async code without an event loop (and without importing trio).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

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
        import trio  # here, not at the top: command-line tools use this module without trio

        self._limiter = trio.CapacityLimiter(max_threads)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a thread; cancellation waits for the thread to finish first."""
        import trio

        return await trio.to_thread.run_sync(fn, limiter=self._limiter)


def own_worker(offload: Offload) -> Offload:
    """A worker like ``offload`` that shares nothing with it: a thread of its own for a
    `ThreadOffload`; an inline or direct offload (no threads to share), or any other kind
    (a fleet's shared pool, which bounds the threads of many stations), as it is.

    The store runs on one: its commits answer SetVariables and ChangeAvailability, and
    behind a shared thread they waited for whatever blocking work came first (often the
    message log's append of the very CALL being answered)."""
    return ThreadOffload(1) if type(offload) is ThreadOffload else offload


class InlineOffload:
    """Run each call directly on the event loop (tests on a virtual clock only)."""

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` now, then yield to the scheduler once."""
        import trio

        result = fn()
        await trio.lowlevel.checkpoint()
        return result


class DirectOffload:
    """Run each call directly and never yield: for `run_to_completion`, outside any event
    loop (a one-shot command whose blocking is its whole job)."""

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` now."""
        return fn()


def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits (its blocking work goes through a `DirectOffload`)
    to its end, without an event loop; one that does wait is an error.

    Starting trio's run loop, and importing trio, is most of the time a short command such
    as ``station config get`` would otherwise take.
    """
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("run_to_completion: the coroutine waited for an event loop")
