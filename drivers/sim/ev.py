"""A simulated electric vehicle on the far end of the control-pilot line.

Pure data and functions: what the EV presents on the pilot (IEC 61851-1 states A-F), how it
reads the EVSE's PWM duty as a current limit, what the EVSE's peak detectors would
measure for a given pilot output, and how much current its battery accepts at a state of
charge (`charging_limit`). No clocks, no I/O.

The battery model is the shape every on-board charger shows on a meter: constant current
(the smaller of the EV's own maximum and the offer) up to a knee, then a taper that
shrinks the current towards full, and at 100 % the EV opens S2 (state C -> B) and draws
nothing, which the station reports as SuspendedEV.
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

#: State of charge (%) up to which the battery takes the full current.
KNEE_SOC = 80.0
#: Share of the full current the taper ends with just before 100 % (a real BMS stops
#: the constant-voltage phase at a small current, not at none).
TAPER_FLOOR = 0.1
#: Share of the metered (AC) energy that reaches the battery (on-board charger losses).
CHARGER_EFFICIENCY = 0.9
#: Time the EV takes to follow a new PWM offer while it draws current (s). IEC 61851-1
#: allows 5 s to follow a lower offer; cars on the market answer within 1-2 s.
RESPONSE_TIME = 1.0
#: Largest battery the simulator accepts (kWh): above any road vehicle's.
MAX_CAPACITY_KWH = 1000.0


@dataclass
class Battery:
    """The traction battery: its usable ``capacity_kwh`` and its state of charge (%)."""

    capacity_kwh: float
    soc: float

    @property
    def full(self) -> bool:
        """True at 100 %: the EV takes no more energy."""
        return self.soc >= 100.0

    def charge(self, wh: float) -> None:
        """Store ``wh`` watt-hours (already net of the charger's losses), up to full."""
        self.soc = min(100.0, self.soc + 100.0 * wh / (self.capacity_kwh * 1000.0))


def charging_limit(soc: float) -> float:
    """Share (0-1) of its full current a battery at ``soc`` % accepts.

    1 up to `KNEE_SOC`, then falling linearly to `TAPER_FLOOR` at 100 %, 0 when full.
    """
    if soc >= 100.0:
        return 0.0
    if soc <= KNEE_SOC:
        return 1.0
    return max(TAPER_FLOOR, (100.0 - soc) / (100.0 - KNEE_SOC))


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
    pilot to -12 V. ``max_current`` is the EV's own limit per phase (0 = it does not ask
    for power although it sits in C); ``phases`` how many phases its charger uses (on a
    single-phase supply it uses one). ``diode_fault`` shorts the EV's pilot diode, so the
    negative plateau follows the positive one. ``ignores_pwm`` makes it draw
    ``max_current`` whatever the PWM offers.

    ``battery`` None is an EV with no battery model: it draws what it is offered for
    ever and its state of charge is unknown. With a `Battery` the current follows
    `charging_limit`, and ``full`` says the EV left state C by itself because the
    battery was full (it asks again when its state of charge is set lower).
    """

    state: str = "A"
    max_current: float = 32.0
    diode_fault: bool = False
    ignores_pwm: bool = False
    phases: int = 3
    battery: Battery | None = None
    full: bool = False

    @property
    def plugged(self) -> bool:
        """True unless the EV is in state A."""
        return self.state != "A"

    @property
    def wants_power(self) -> bool:
        """True in C and D: the EV has closed S2 and will draw current if offered."""
        return self.state in ("C", "D")

    @property
    def soc(self) -> float | None:
        """State of charge (%), None without a battery model."""
        return None if self.battery is None else self.battery.soc

    def current_limit(self) -> float:
        """The most current (A per phase) the EV takes now: its maximum, tapered by the
        battery near full."""
        if self.battery is None:
            return self.max_current
        return self.max_current * charging_limit(self.battery.soc)


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
