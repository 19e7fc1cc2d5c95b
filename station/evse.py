"""What the OCPP side knows of an EVSE, and what it can ask of it.

The control loop (``station.control``) owns the pilot and the contactor; the transaction
and availability layers never touch hardware. They meet here, in a narrow interface in
the spirit of EVerest's EVSE manager: a snapshot of the EVSE's state (the control loop
publishes a new one on every change) and three commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class EvseSnapshot:
    """The state of one EVSE as the control loop sees it."""

    evse_id: int
    ev_connected: bool = False  # pilot in B, C or D (both cable ends connected)
    ev_requesting: bool = False  # pilot in C or D: the EV asks for energy
    relay_closed: bool = False  # contactor closed: energy can flow
    offered_current: float = 0.0  # A, what the PWM duty currently offers
    fault: str | None = None  # e.g. "rcd", "diode", "welded"; None when healthy
    pilot_state: str = "A"
    duty: float = 100.0

    @property
    def delivering(self) -> bool:
        """Energy transfer: the EV asks and the contactor is closed."""
        return self.ev_requesting and self.relay_closed


class EvseCommands(Protocol):
    """What the OCPP side may ask of an EVSE."""

    def allow_charging(self, allowed: bool) -> None:
        """Whether an authorized session lets the EVSE offer energy."""

    def set_operative(self, operative: bool) -> None:
        """Availability: an inoperative EVSE offers nothing and shows state F or B1."""

    def set_current_limit(self, amps: float) -> None:
        """Upper bound of the offered current (config maximum; smart charging later)."""
