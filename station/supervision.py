"""Supervision: restart crashed tasks with back-off, and escalate when they keep crashing.

A `Supervisor` runs its children in one nursery, one_for_one: a child that raises is
logged with its traceback and restarted after an exponential back-off, without
disturbing its siblings. A child that crashes more than ``max_restarts`` times within
``window`` seconds is escalated: the ``on_escalate`` callback runs once (the EVSE goes
Faulted), and restarts continue at the longest back-off so that a device plugged back
in recovers by itself; ``on_recover`` runs when the child then stays up for ``window``
seconds. With ``escalate_by_raising=True`` (the station's top level) the supervisor
instead raises `EscalationError`, so the process exits non-zero and systemd restarts it.

Cancellation is not a crash: cancelling the supervisor cancels its children cleanly.
With trio's strict exception groups, a child that raises an `ExceptionGroup` is a crash
like any other, while a group holding only `trio.Cancelled` is cancellation.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio

log = logging.getLogger(__name__)


class EscalationError(Exception):
    """A child of a top-level supervisor crashed too often."""


@dataclass
class ChildStatus:
    """What the status command shows of one child."""

    name: str
    state: str = "starting"  # running, backing-off, escalated, stopped
    restarts: int = 0
    last_error: str | None = None
    escalated: bool = False


@dataclass
class _Child:
    name: str
    run: Callable[[], Awaitable[object]]
    on_escalate: Callable[[str, BaseException], None] | None
    on_recover: Callable[[str], None] | None
    status: ChildStatus
    crashes: deque = field(default_factory=deque)


class Supervisor:
    """one_for_one supervisor with back-off and an intensity limit."""

    def __init__(
        self,
        name: str,
        *,
        max_restarts: int = 5,
        window: float = 60.0,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        escalate_by_raising: bool = False,
    ) -> None:
        self.name = name
        self.max_restarts = max_restarts
        self.window = window
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.escalate_by_raising = escalate_by_raising
        self._children: list[_Child] = []

    def add(
        self,
        name: str,
        run: Callable[[], Awaitable[object]],
        *,
        on_escalate: Callable[[str, BaseException], None] | None = None,
        on_recover: Callable[[str], None] | None = None,
    ) -> None:
        """Declare a child; ``run()`` is called again after each crash."""
        self._children.append(
            _Child(
                f"{self.name}.{name}",
                run,
                on_escalate,
                on_recover,
                ChildStatus(f"{self.name}.{name}"),
            )
        )

    def status(self) -> list[ChildStatus]:
        """One entry per child."""
        return [child.status for child in self._children]

    async def run(self) -> None:
        """Run all children until cancelled (or, top level, until one escalates)."""
        async with trio.open_nursery() as nursery:
            for child in self._children:
                nursery.start_soon(self._supervise, child, name=child.name)

    async def _supervise(self, child: _Child) -> None:
        backoff = self.initial_backoff
        while True:
            child.status.state = "running"
            started = trio.current_time()
            try:
                async with trio.open_nursery() as watch:
                    if child.status.escalated and child.on_recover is not None:
                        watch.start_soon(self._recover_after_window, child)
                    await child.run()
                    watch.cancel_scope.cancel()
                # A child that returns is done unless it is meant to run for ever.
                log.warning("event=child_returned child=%s", child.name)
                error: BaseException = RuntimeError("returned")
            except Exception as exc:  # includes ExceptionGroups of plain exceptions
                error = _unwrap(exc)
            now = trio.current_time()
            if now - started > self.window:
                backoff = self.initial_backoff  # it ran fine for a while: start afresh
            child.crashes.append(now)
            while child.crashes and child.crashes[0] < now - self.window:
                child.crashes.popleft()
            child.status.restarts += 1
            child.status.last_error = f"{type(error).__name__}: {error}"[:200]
            log.error(
                "event=child_crashed child=%s restarts=%d error=%r",
                child.name,
                child.status.restarts,
                child.status.last_error,
                exc_info=error,
            )
            if len(child.crashes) > self.max_restarts and not child.status.escalated:
                child.status.escalated = True
                child.status.state = "escalated"
                log.error(
                    "event=child_escalated child=%s crashes_in_window=%d window_s=%g",
                    child.name,
                    len(child.crashes),
                    self.window,
                )
                if self.escalate_by_raising:
                    raise EscalationError(
                        f"{child.name} crashed {len(child.crashes)} times in "
                        f"{self.window:g} s: {child.status.last_error}"
                    ) from error
                if child.on_escalate is not None:
                    try:
                        child.on_escalate(child.name, error)
                    except Exception:
                        log.exception("event=escalation_handler_failed child=%s", child.name)
            wait = self.max_backoff if child.status.escalated else backoff
            child.status.state = "backing-off"
            await trio.sleep(wait)
            backoff = min(backoff * 2, self.max_backoff)

    async def _recover_after_window(self, child: _Child) -> None:
        await trio.sleep(self.window)
        child.status.escalated = False
        child.crashes.clear()
        log.warning("event=child_recovered child=%s", child.name)
        assert child.on_recover is not None
        try:
            child.on_recover(child.name)
        except Exception:
            log.exception("event=recovery_handler_failed child=%s", child.name)


def _unwrap(error: Exception) -> Exception:
    """The one exception inside single-member groups (nurseries wrap what they carry)."""
    while isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
