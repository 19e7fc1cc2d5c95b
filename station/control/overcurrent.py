"""Over-current of an EV that draws more than the pilot offers: pure logic, no I/O.

IEC 61851-1 lets the EV follow a change of the PWM within 5 s, and the meter's current
has some noise; peers allow the offered current + 10 % + 0.5 A and act only after the
excess lasted several seconds (a soft over-current timeout of 7 s is common,
never below 6 s). `OverCurrentGuard` does that in two stages:

1. the measured current stays above ``offered × 1.1 + 0.5 A`` for ``LOWER_AFTER_S``:
   the offer is lowered by the excess (never below 6 A), for an EV that reads the duty
   a little high;
2. it stays above that tolerance of the *original* offer (the current the installation
   can carry) for ``TRIP_AFTER_S`` more: `OverCurrentGuard.update` says "trip", and the
   machine opens the contactor with `Fault.OVERCURRENT`.

A reading at or below the tolerance ends the episode; the lowered offer stays until the
contactor opens (the EV showed it over-draws; the next charge starts afresh).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TOLERANCE_RATIO = 0.10
TOLERANCE_A = 0.5
LOWER_AFTER_S = 7.0
TRIP_AFTER_S = 7.0
MIN_OFFER_A = 6.0


def tolerated(offered: float) -> float:
    """The highest current (A) an EV offered ``offered`` amperes may draw."""
    return offered * (1 + TOLERANCE_RATIO) + TOLERANCE_A


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the guard asks for: an upper bound of the offer, a trip, and log events."""

    cap: float | None
    trip: bool
    events: tuple[str, ...] = ()


#: The verdict of every period with no excess and no lowered offer (the common case, once
#: a control period while charging): handed back, not built again.
NOTHING = Verdict(None, False)


@dataclass
class OverCurrentGuard:
    """Watches one EVSE's measured current against its offer while the contactor is closed."""

    _since: float | None = None  # start of the current excess
    _reference: float | None = None  # the offer the excess is measured against
    _cap: float | None = None  # the lowered offer
    _lowered_at: float | None = None

    def reset(self) -> None:
        """Forget everything (the contactor opened)."""
        self._since = self._reference = self._cap = self._lowered_at = None

    def quiet_until(self, offered: float, measured: float | None) -> float:
        """The earliest time at which `update` with this offer and measurement could say
        or remember something new: the end of a stage of the excess in progress; inf if
        never; -inf if the next update already would (an excess begins or ends)."""
        if measured is None or not math.isfinite(measured):
            return math.inf
        reference = self._reference if self._reference is not None else offered
        if measured <= tolerated(reference):
            ends = self._since is not None or (self._cap is None and self._reference is not None)
            return -math.inf if ends else math.inf
        if self._since is None:
            return -math.inf
        if self._cap is None:
            return self._since + LOWER_AFTER_S
        assert self._lowered_at is not None
        return max(self._since, self._lowered_at) + TRIP_AFTER_S

    def update(self, now: float, offered: float, measured: float | None) -> Verdict:
        """One control period while the contactor is closed and ``offered`` A are offered."""
        if measured is None or not math.isfinite(measured):
            return NOTHING if self._cap is None else Verdict(self._cap, False)
        reference = self._reference if self._reference is not None else offered
        if measured <= tolerated(reference):
            self._since = None
            if self._cap is None:
                self._reference = None
                return NOTHING
            return Verdict(self._cap, False)
        events: list[str] = []
        if self._since is None:
            self._since = now
            self._reference = reference
            events.append(f"overcurrent measured={measured:.1f}A offered={reference:.1f}A")
        if self._cap is None and now - self._since >= LOWER_AFTER_S:
            self._cap = max(MIN_OFFER_A, 2 * reference - measured)
            self._lowered_at = now
            events.append(f"overcurrent_pwm_lowered to={self._cap:.1f}A")
        # The excess must outlast the lowering by TRIP_AFTER_S in one unbroken episode.
        trip = (
            self._lowered_at is not None
            and now - max(self._since, self._lowered_at) >= TRIP_AFTER_S
        )
        return Verdict(self._cap, trip, tuple(events))
