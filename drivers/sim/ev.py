"""A simulated electric vehicle on the far end of the control-pilot line.

Pure data and functions: what the EV presents on the pilot (IEC 61851-1 states A-F), how it
reads the EVSE's PWM duty as a current limit, and what the EVSE's peak detectors would
measure for a given pilot output. No clocks, no I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: The states an EV can put on the pilot line, as accepted by `SimulatedEv.state`.
EV_STATES = ("A", "B", "C", "D", "E", "F")

#: Positive plateau (V) the EV's resistors make of the EVSE's +12 V (IEC 61851-1 Table A.4).
_PLATEAU = {"A": 12.0, "B": 9.0, "C": 6.0, "D": 3.0}

#: Highest current IEC 61851-1 lets a PWM duty advertise (A).
MAX_PILOT_CURRENT = 80.0


class PilotOutput(enum.Enum):
    """What the EVSE drives onto the pilot line."""

    HIGH = "high"  # steady +12 V (X1)
    PWM = "pwm"  # 1 kHz ±12 V square wave (X2)
    NEGATIVE = "negative"  # steady -12 V (state F)


@dataclass
class SimulatedEv:
    """The EV side of one connector.

    ``state`` is what the EV presents: A unplugged, B connected, C ready (charging),
    D ready with ventilation, E pilot shorted to PE, F an EV-side fault that pulls the
    pilot to -12 V. ``max_current`` is the EV's own limit (0 = it does not ask for
    power although it sits in C). ``diode_fault`` shorts the EV's pilot diode, so the
    negative plateau follows the positive one. ``ignores_pwm`` makes it draw
    ``max_current`` whatever the PWM offers.
    """

    state: str = "A"
    max_current: float = 32.0
    diode_fault: bool = False
    ignores_pwm: bool = False

    @property
    def plugged(self) -> bool:
        """True unless the EV is in state A."""
        return self.state != "A"

    @property
    def wants_power(self) -> bool:
        """True in C and D: the EV has closed S2 and will draw current if offered."""
        return self.state in ("C", "D")


def offered_current(duty: float) -> float:
    """Current (A) an EV reads from a PWM duty cycle (%), per IEC 61851-1 Annex A.

    Below 8 % (digital communication, or an error) and above 97 % no current is
    offered; 8-10 % means 6 A; 10-85 % D x 0.6 A; 85-96 % (D - 64) x 2.5 A;
    96-97 % 80 A.
    """
    if duty < 8.0 or duty > 97.0:
        return 0.0
    if duty < 10.0:
        return 6.0
    if duty <= 85.0:
        return duty * 0.6
    if duty <= 96.0:
        return (duty - 64.0) * 2.5
    return MAX_PILOT_CURRENT


def pilot_levels(output: PilotOutput, ev: SimulatedEv) -> tuple[float, float]:
    """The (positive, negative) plateaus the EVSE's peak detectors see, in volts.

    A steady +12 V has no negative half, so both plateaus equal the EV's level; PWM
    gives the EV's level and -12 V (the diode blocks the negative half, unless it is
    shorted, in which case the EV's resistor divides it like the positive half); a
    steady -12 V reads -12 V on both. State E (pilot shorted) reads 0 V and an EV-side
    fault F reads -12 V whatever the EVSE drives.
    """
    if ev.state == "E":
        return 0.0, 0.0
    if ev.state == "F":
        return -12.0, -12.0
    level = _PLATEAU[ev.state]
    shorted_diode = ev.diode_fault and ev.plugged
    if output is PilotOutput.HIGH:
        return level, level
    if output is PilotOutput.PWM:
        return level, -level if shorted_diode else -12.0
    negative = -level if shorted_diode else -12.0
    return negative, negative
