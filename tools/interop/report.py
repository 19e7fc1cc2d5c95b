"""Checks and their summary: each check passes or fails with a reason and, when it fails,
the frames that went over the wire while it ran."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from station.ops.control_socket import ControlClientError
from tools.interop.services import ServiceError
from tools.interop.station_process import Frame, WaitFailed

__all__ = ["CheckFailed", "Outcome", "Report"]


class CheckFailed(AssertionError):
    """A check found something wrong; the message says what was expected and what came."""


#: The failures a check reports as a failed check (anything else is a bug of the suite).
EXPECTED_FAILURES = (
    CheckFailed,
    AssertionError,
    WaitFailed,
    ServiceError,
    TimeoutError,
    ControlClientError,
)


@dataclass
class Outcome:
    """The result of one check."""

    name: str
    status: str  # "PASS", "FAIL" or "SKIP"
    seconds: float
    detail: str = ""
    frames: list[str] = field(default_factory=list)


class Report:
    """Runs checks one after the other and writes the summary."""

    def __init__(self, out: Callable[[str], None] = print) -> None:
        self.outcomes: list[Outcome] = []
        self.notes: list[str] = []
        self._out = out

    @contextlib.contextmanager
    def check(
        self, name: str, frames: Callable[[], list[Frame]] | None = None
    ) -> Iterator[list[str]]:
        """Run the body as check ``name``. The body may append lines of detail to the
        yielded list; ``frames`` gives the frames logged so far, to show those of a failure.
        A failure is recorded, not raised: the next check runs."""
        details: list[str] = []
        before = len(frames()) if frames is not None else 0
        started = time.monotonic()
        try:
            yield details
        except EXPECTED_FAILURES as exc:
            shown: list[str] = []
            if frames is not None:
                with contextlib.suppress(Exception):
                    shown = [f.text() for f in frames()[before:]][-40:]
            outcome = Outcome(
                name, "FAIL", time.monotonic() - started, f"{type(exc).__name__}: {exc}", shown
            )
        else:
            outcome = Outcome(name, "PASS", time.monotonic() - started, "; ".join(details))
        self.outcomes.append(outcome)
        self._out(self.line(outcome))
        for text in outcome.frames:
            self._out(f"        {text}")

    def skip(self, name: str, reason: str) -> None:
        """Record a check that does not apply, with why."""
        outcome = Outcome(name, "SKIP", 0.0, reason)
        self.outcomes.append(outcome)
        self._out(self.line(outcome))

    def note(self, text: str) -> None:
        """A remark for the summary (a peer's quirk worked around, a figure)."""
        self.notes.append(text)
        self._out(f"  note: {text}")

    @staticmethod
    def line(outcome: Outcome) -> str:
        """One summary line."""
        detail = f"  {outcome.detail}" if outcome.detail else ""
        return f"  {outcome.status:<4}  {outcome.name:<58} {outcome.seconds:6.1f} s{detail}"

    @property
    def failed(self) -> list[Outcome]:
        """The failed checks."""
        return [o for o in self.outcomes if o.status == "FAIL"]

    def summary(self, title: str, seconds: float) -> str:
        """The closing summary: every check, then the failures with their frames."""
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("PASS", "FAIL", "SKIP")}
        lines = [
            "",
            f"== {title}: {counts['PASS']} passed, {counts['FAIL']} failed, "
            f"{counts['SKIP']} skipped in {seconds:.0f} s ==",
        ]
        lines += [self.line(o) for o in self.outcomes]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {n}" for n in self.notes]
        for outcome in self.failed:
            lines.append(f"FAILED {outcome.name}: {outcome.detail}")
            if outcome.frames:
                lines.append("  frames while it ran:")
                lines += [f"    {t}" for t in outcome.frames]
        return "\n".join(lines)
