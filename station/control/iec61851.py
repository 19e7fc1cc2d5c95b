"""IEC 61851-1 control of one EVSE as a pure state machine: readings in, decisions out.

`PilotMachine.step` takes one set of inputs (the time, the measured pilot plateaus, what
the layers above allow, the fault inputs) and returns the `Decision`: what the pilot must
output (+12 V steady, PWM at a duty, -12 V steady), whether the contactor is closed, and
the events for the layers above. No I/O, no clock reads.

Detection (the hysteresis table of Linux-side IEC 61851-1 implementations):
positive plateau A 11..13 V, B 8..10, C 5..7, D 2..4, E -1..2, F -13..-11. The gaps
between two bands (10..11, 7..8, 4..5) and at the edge of E (-2..-1) and F (-11..-10) are
hysteresis: a reading there keeps the current state *only if the gap borders that state*
(noise at the edge of the band the EV is in). Any other reading fits no state and is a
fault (`Fault.PILOT_RANGE`, rule 4 of docs/architecture.md): a gap that borders another state, the
-10..-2 V region where no IEC 61851-1 state lives, anything beyond ±13 V. One such reading
opens the contactor. That is the fail-safe choice: a pilot line that reads no state may be
broken, and a wrong "still C" costs more than an interrupted charge; measurement noise is
kept out by the peak detectors and the hysteresis gaps, not by ignoring readings. The
price of one spurious reading: F for 300 ms, then the PWM again, and the contactor
closes 10 s after its last closing at the earliest (a board whose readings are that
noisy needs better filtering in hardware, not a laxer machine).

While PWM runs the negative plateau must be about -12 V (-13..-11 V): if it follows the
positive one the EV's diode is missing (`Fault.DIODE`); any other value outside the band
(e.g. -8 V: a leaking diode, a loaded or broken output stage) is `Fault.PILOT_NEGATIVE`.
A reading older than ``max_reading_age`` (50 ms by default: a slow ADC, a stuck driver,
a loop that stalled between reading and deciding) is `Fault.PILOT_STALE`.

Safety (rule 4 of docs/architecture.md):

* the contactor is *closed* only while the EV requests power (C, or D with ventilation),
  the EVSE is operative, charging is allowed, PWM is offered and no fault is present, and
  only after two consecutive readings of C/D *taken while the PWM was on* with a good
  diode and negative plateau (an EV already in C when charging is allowed gets the PWM
  first and the contactor two readings later);
* it is *opened* on the first reading of A, B, E, F, a diode fault, an RCD trip or an
  unusable reading (one control period, far inside the 100 ms of IEC 61851-1 Table A.6);
* when charging stops being allowed the PWM is withdrawn first (state C1); the EV then
  goes to B and the contactor opens without load, or it is forced open after 6 s;
* a contactor whose mirror contact stays closed 250 ms after an open command is welded:
  the EVSE is Faulted until an operator clears it (`reset_latched_faults`); the layer
  that runs the machine persists the latch (a new machine takes it in ``faults``);
* an EV that draws more than the offered current beyond the tolerance gets a lower PWM,
  then the contactor opens (`station.control.overcurrent`);
* after a fault the pilot shows F (-12 V) for at least 300 ms, then +12 V so that the
  EV's state can be watched again;
* the contactor is not re-closed within 10 s of its last closing (contact wear).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from drivers.interfaces import PilotReading
from station.control.overcurrent import OverCurrentGuard


class PilotState(StrEnum):
    """IEC 61851-1 states of the control pilot."""

    A = "A"  # no EV
    B = "B"  # EV connected, not ready
    C = "C"  # EV ready, charging
    D = "D"  # EV ready, charging with ventilation
    E = "E"  # pilot shorted to PE / EVSE without power
    F = "F"  # EVSE not available (we drive -12 V) or EV-side fault


class Output(StrEnum):
    """What the pilot generator drives."""

    HIGH = "+12V"  # X1: steady +12 V, no current offered
    PWM = "PWM"  # X2: 1 kHz, duty = offered current
    NEGATIVE = "-12V"  # state F


class Fault(StrEnum):
    """Faults this machine detects (or is told about)."""

    RCD = "rcd"
    DIODE = "diode"
    PILOT_SHORT = "pilot_short"  # state E
    PILOT_RANGE = "pilot_out_of_range"
    VENTILATION = "ventilation"  # D while ventilation is not allowed
    WELDED = "welded"  # latched
    CONTACTOR_STUCK_OPEN = "contactor_not_closing"
    EV_ERROR = "ev_error"  # EV pulls the pilot to F
    PILOT_NEGATIVE = "pilot_negative_out_of_range"  # negative plateau not -12 V under PWM
    PILOT_STALE = "pilot_reading_stale"  # the reading is older than max_reading_age
    OVERCURRENT = "overcurrent"  # the EV kept drawing more than offered


#: Faults that are never cleared automatically.
LATCHED = frozenset({Fault.WELDED})
#: Faults that clear only once their cause is gone and the EV was unplugged.
UNTIL_UNPLUGGED = frozenset(
    {
        Fault.RCD,
        Fault.DIODE,
        Fault.PILOT_NEGATIVE,
        Fault.CONTACTOR_STUCK_OPEN,
        Fault.OVERCURRENT,
    }
)

# Detection bands of the positive plateau (volts): (state, low, high).
BANDS = (
    (PilotState.A, 11.0, 13.0),
    (PilotState.B, 8.0, 10.0),
    (PilotState.C, 5.0, 7.0),
    (PilotState.D, 2.0, 4.0),
    (PilotState.E, -1.0, 2.0),
)
NEGATIVE_BAND = (-13.0, -11.0)
# Hysteresis gaps (volts): (low, high, the states whose reading may fall in it).
GAPS = (
    (10.0, 11.0, frozenset({PilotState.A, PilotState.B})),
    (7.0, 8.0, frozenset({PilotState.B, PilotState.C})),
    (4.0, 5.0, frozenset({PilotState.C, PilotState.D})),
    (-2.0, -1.0, frozenset({PilotState.E})),
    (-11.0, -10.0, frozenset({PilotState.F})),
)
DIODE_TOLERANCE = 1.2  # |high + low| below this while PWM runs: the diode is missing

CLOSE_CONFIRMATIONS = 2
MAX_READING_AGE_S = 0.05
C1_FORCE_OPEN_S = 6.0
F_HOLD_S = 0.3
FEEDBACK_TIMEOUT_S = 0.25
PWM_RAISE_INTERVAL_S = 5.0
MIN_CLOSE_INTERVAL_S = 10.0
MIN_CURRENT_A = 6.0
MAX_CURRENT_A = 80.0


def duty_for_current(amps: float) -> float | None:
    """IEC 61851-1 duty cycle (percent) offering ``amps``; None below 6 A (no offer).

    6-51 A: I / 0.6; 51-80 A: I / 2.5 + 64. Rounded *down* to 0.1 % so that the EV never
    reads more than is available.
    """
    if not math.isfinite(amps) or amps < MIN_CURRENT_A:
        return None
    amps = min(amps, MAX_CURRENT_A)
    duty = amps / 0.6 if amps <= 51.0 else amps / 2.5 + 64.0
    return math.floor(duty * 10 + 1e-9) / 10


def current_for_duty(duty: float) -> float:
    """The current (A) an EV reads from a duty cycle (the inverse, EV side)."""
    if duty < 8.0 or duty > 97.0:
        return 0.0
    if duty < 10.0:
        return 6.0
    if duty <= 85.0:
        return duty * 0.6
    return min((duty - 64.0) * 2.5, 80.0)


def classify(reading: PilotReading, previous: PilotState, output: Output) -> PilotState | Fault:
    """The state the positive plateau shows, given what we drive and the current state.

    A reading in a hysteresis gap keeps ``previous`` when the gap borders it; a reading
    that fits no state is `Fault.PILOT_RANGE`.
    """
    high, low = reading.high, reading.low
    if not (math.isfinite(high) and math.isfinite(low)):
        return Fault.PILOT_RANGE
    if output is Output.NEGATIVE:
        return PilotState.F
    if NEGATIVE_BAND[0] <= high <= NEGATIVE_BAND[1]:
        return PilotState.F  # the EV pulls the line to -12 V
    for state, lowest, highest in BANDS:
        if lowest <= high <= highest:
            return state
    for lowest, highest, bordering in GAPS:
        if lowest < high < highest and previous in bordering:
            return previous  # noise at the edge of the current state's band
    return Fault.PILOT_RANGE


def negative_plateau_fault(reading: PilotReading, output: Output, seen: PilotState) -> Fault | None:
    """The fault the negative plateau shows while PWM runs, or None.

    Only PWM has a negative half; a steady output says nothing about it. In state A the
    line is open (-12 V), in E shorted (the E fault says it already), in F at -12 V.
    """
    if output is not Output.PWM or seen is PilotState.E:
        return None
    high, low = reading.high, reading.low
    if seen is not PilotState.A and high > 2.0 and abs(high + low) <= DIODE_TOLERANCE:
        return Fault.DIODE  # the negative half follows the positive one: no diode
    if not NEGATIVE_BAND[0] <= low <= NEGATIVE_BAND[1]:
        return Fault.PILOT_NEGATIVE
    return None


# Not frozen: a frozen dataclass's ``__init__`` sets each of the ten fields through
# ``object.__setattr__``, and one `Inputs` is built every control period. Nothing keeps
# or changes one after the step it was built for.
@dataclass(slots=True)
class Inputs:
    """Everything one step depends on."""

    now: float
    reading: PilotReading | None  # None: the pilot could not be read
    #: When the reading was started (None: at ``now``; -inf: it never arrived); older
    #: than the machine's ``max_reading_age`` at ``now`` makes it stale.
    reading_taken_at: float | None = None
    charging_allowed: bool = False
    operative: bool = True
    current_limit: float = 32.0
    rcd_tripped: bool = False
    relay_feedback: bool | None = None
    ventilation_allowed: bool = False
    #: The EV's current (A, the meter's latest fresh reading); None: not known.
    measured_current: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do after one step."""

    output: Output
    duty: float  # percent; 100 for HIGH, 0 for NEGATIVE
    relay_closed: bool
    state: PilotState
    faults: frozenset[Fault]
    events: tuple[str, ...] = ()
    opened_for_safety: bool = False  # the relay was opened by this step because of a hazard

    @property
    def offered_current(self) -> float:
        """Current the EV may draw now (A)."""
        return current_for_duty(self.duty) if self.output is Output.PWM else 0.0


@dataclass
class PilotMachine:
    """The per-EVSE IEC 61851-1 machine. Create once; call `step` every control period.

    ``faults`` may start with the latched faults a previous machine left (after a Reset or
    a restart); ``max_reading_age`` bounds the age of a usable pilot reading.
    """

    state: PilotState = PilotState.A
    output: Output = Output.HIGH
    duty: float = 100.0
    relay_closed: bool = False
    faults: set[Fault] = field(default_factory=set)
    max_reading_age: float = MAX_READING_AGE_S
    _candidate: PilotState | None = None
    _candidate_count: int = 0
    _pwm_readings: int = 0  # consecutive readings of C/D taken under PWM, diode good
    _last_duty_change: float = -math.inf
    _last_close: float = -math.inf
    _relay_changed_at: float = -math.inf
    _pwm_withdrawn_at: float | None = None
    _fault_since: float | None = None
    _overcurrent: OverCurrentGuard = field(default_factory=OverCurrentGuard)
    _cap: float | None = None
    # The previous step's decision, handed back again while nothing in it changed (the
    # common case, once per control period), so that its caller can tell "same as
    # before" by identity and skip its own work.
    _decision: Decision | None = field(default=None, repr=False, compare=False)

    def reset_latched_faults(self) -> None:
        """Operator action: clear a welded-contactor fault after inspection."""
        self.faults -= LATCHED

    @property
    def settled(self) -> bool:
        """The last reading agreed with ``state``: no change waits for confirmation."""
        return self._candidate is None

    @property
    def latched(self) -> frozenset[Fault]:
        """The latched faults present now (what must survive a Reset and a restart)."""
        return frozenset(self.faults & LATCHED)

    def step(self, inputs: Inputs) -> Decision:
        """Advance one control period."""
        events: list[str] = []
        was_closed = self.relay_closed
        driven = self.output  # what the pilot showed while this reading was taken
        observed = self._observe(inputs, events)
        self._count_pwm_readings(inputs, observed, driven)
        self._update_faults(inputs, observed, events)
        self._decide(inputs, events)
        opened_for_safety = (
            was_closed
            and not self.relay_closed
            and (bool(self.faults) or self.state not in (PilotState.C, PilotState.D))
        )
        if self.relay_closed != was_closed:
            self._relay_changed_at = inputs.now
            events.append("relay_closed" if self.relay_closed else "relay_opened")
            if self.relay_closed:
                self._last_close = inputs.now
        last = self._decision
        if (
            last is not None
            and not (events or last.events)
            and not (opened_for_safety or last.opened_for_safety)
            and last.output is self.output
            and last.duty == self.duty
            and last.relay_closed == self.relay_closed
            and last.state is self.state
            and last.faults == self.faults
        ):
            return last
        self._decision = decision = Decision(
            self.output,
            self.duty,
            self.relay_closed,
            self.state,
            frozenset(self.faults),
            tuple(events),
            opened_for_safety,
        )
        return decision

    def quiet_until(self, inputs: Inputs) -> float:
        """After `step` (``inputs``): the earliest time at which stepping again with the
        same inputs, only later, could decide otherwise or change what a later step
        decides. ``-inf`` while a change waits for more readings (a state to confirm, the
        readings under PWM before closing); ``inf`` when only new inputs change anything.

        For a loop whose inputs tell it when they change (simulated hardware): until then
        its iterations would hand back the same `Decision`, and it may skip them."""
        if self._candidate is not None:
            return -math.inf
        now = inputs.now
        until = math.inf
        if now - self._relay_changed_at < FEEDBACK_TIMEOUT_S:
            until = self._relay_changed_at + FEEDBACK_TIMEOUT_S
        if self.faults:
            if self._fault_since is not None and now - self._fault_since < F_HOLD_S:
                until = min(until, self._fault_since + F_HOLD_S)
            return until
        until = min(until, self._guard_quiet_until(inputs.measured_current))
        duty, offer, requesting = self._wanted(inputs)
        if offer and duty is not None and duty > self.duty:
            until = min(until, self._last_duty_change + PWM_RAISE_INTERVAL_S)
        if requesting and self.relay_closed and not offer and self._pwm_withdrawn_at is not None:
            until = min(until, self._pwm_withdrawn_at + C1_FORCE_OPEN_S)
        if requesting and not self.relay_closed and offer and self.output is Output.PWM:
            if self._pwm_readings < CLOSE_CONFIRMATIONS:
                return -math.inf
            until = min(until, self._last_close + MIN_CLOSE_INTERVAL_S)
        return until

    def current_matters(self, amps: float | None) -> bool:
        """Whether a meter current of ``amps`` (None: none fresh) could make the next step
        decide otherwise, or remember something new, before `quiet_until` says: only the
        over-current guard reads the current, only while the contactor is closed under
        PWM, and a current within the tolerance with no excess in progress moves nothing.
        A loop that dozes wakes for such a current only; a current growing stale moves
        nothing either (the guard holds its episode as it is until one arrives)."""
        return self._guard_quiet_until(amps) != math.inf

    def _guard_quiet_until(self, amps: float | None) -> float:
        """The over-current guard's `OverCurrentGuard.quiet_until` with the current offer;
        inf unless the contactor is closed under PWM (the guard only runs then)."""
        if not (self.relay_closed and self.output is Output.PWM):
            return math.inf
        return self._overcurrent.quiet_until(current_for_duty(self.duty), amps)

    # -- reading the pilot -----------------------------------------------------------------

    def _observe(self, inputs: Inputs, events: list[str]) -> PilotState | Fault | None:
        taken_at = inputs.now if inputs.reading_taken_at is None else inputs.reading_taken_at
        if inputs.now - taken_at > self.max_reading_age:
            return Fault.PILOT_STALE  # the line may have changed since: act as if unreadable
        if inputs.reading is None:
            return Fault.PILOT_RANGE
        seen = classify(inputs.reading, self.state, self.output)
        if isinstance(seen, Fault):
            return seen
        if self.output is Output.NEGATIVE:
            return None  # we drive F: nothing to learn about the EV
        negative = negative_plateau_fault(inputs.reading, self.output, seen)
        if seen is self.state:
            self._candidate, self._candidate_count = None, 0
            return negative or seen
        # Leaving C/D (or reaching A, E, F) acts on the first reading: that opens the relay.
        urgent = self.state in (PilotState.C, PilotState.D) or seen in (
            PilotState.A,
            PilotState.E,
            PilotState.F,
        )
        if seen is self._candidate:
            self._candidate_count += 1
        else:
            self._candidate, self._candidate_count = seen, 1
        if urgent or self._candidate_count >= CLOSE_CONFIRMATIONS:
            events.append(f"state_{self.state.value}_to_{seen.value}")
            self.state = seen
            self._candidate, self._candidate_count = None, 0
        return negative or seen

    def _count_pwm_readings(
        self, inputs: Inputs, seen: PilotState | Fault | None, driven: Output
    ) -> None:
        # Rule 4 (docs/architecture.md): only readings taken while the PWM was on show that the EV
        # answers our offer and that its diode is there; a reading with a fault resets.
        requesting = seen is PilotState.C or (seen is PilotState.D and inputs.ventilation_allowed)
        if driven is Output.PWM and requesting:
            self._pwm_readings += 1
        else:
            self._pwm_readings = 0

    # -- faults ----------------------------------------------------------------------------

    def _update_faults(
        self, inputs: Inputs, seen: PilotState | Fault | None, events: list[str]
    ) -> None:
        raised: set[Fault] = set()
        if inputs.rcd_tripped:
            raised.add(Fault.RCD)
        if isinstance(seen, Fault):
            raised.add(seen)
        if self.state is PilotState.E and self.output is not Output.NEGATIVE:
            raised.add(Fault.PILOT_SHORT)
        if self.state is PilotState.F and self.output is not Output.NEGATIVE:
            raised.add(Fault.EV_ERROR)
        if self.state is PilotState.D and not inputs.ventilation_allowed:
            raised.add(Fault.VENTILATION)
        settled = inputs.now - self._relay_changed_at >= FEEDBACK_TIMEOUT_S
        if inputs.relay_feedback is not None and settled:
            if inputs.relay_feedback and not self.relay_closed:
                raised.add(Fault.WELDED)
            if self.relay_closed and not inputs.relay_feedback:
                raised.add(Fault.CONTACTOR_STUCK_OPEN)
        if self.relay_closed and self.output is Output.PWM:
            verdict = self._overcurrent.update(
                inputs.now, current_for_duty(self.duty), inputs.measured_current
            )
            self._cap = verdict.cap
            events.extend(verdict.events)
            if verdict.trip:
                raised.add(Fault.OVERCURRENT)

        if not raised and not self.faults:
            return  # the common case: nothing raised, nothing to clear
        cleared: set[Fault] = set()
        for fault in self.faults - raised:
            if fault in LATCHED:
                continue
            if fault in UNTIL_UNPLUGGED:
                # Cleared once the cause is gone *and* the EV was unplugged.
                if self.state is PilotState.A and self.output is not Output.NEGATIVE:
                    cleared.add(fault)
            elif self.output is not Output.NEGATIVE:
                cleared.add(fault)  # state-like faults clear with their state
        for fault in sorted(raised - self.faults):
            events.append(f"fault_{fault.value}")
        for fault in sorted(cleared):
            events.append(f"fault_cleared_{fault.value}")
        if raised - self.faults:
            self._fault_since = inputs.now
        self.faults = (self.faults | raised) - cleared

    # -- outputs ---------------------------------------------------------------------------

    def _decide(self, inputs: Inputs, events: list[str]) -> None:
        now = inputs.now
        if self.faults:
            self._open()
            self._pwm_withdrawn_at = None
            # F for at least 300 ms after a fault, then +12 V to watch the EV again
            # (a latched fault keeps F: the EVSE is out of service).
            hold = self._fault_since is not None and now - self._fault_since < F_HOLD_S
            if hold or self.faults & LATCHED:
                self._set_output(Output.NEGATIVE, 0.0, now)
            else:
                self._set_output(Output.HIGH, 100.0, now)
            return

        duty, offer, requesting = self._wanted(inputs)

        if offer:
            assert duty is not None
            self._pwm_withdrawn_at = None
            if self.output is not Output.PWM or duty < self.duty:
                self._set_output(Output.PWM, duty, now)  # lowering is never delayed
            elif duty > self.duty and now - self._last_duty_change >= PWM_RAISE_INTERVAL_S:
                self._set_output(Output.PWM, duty, now)
        else:
            if self.output is Output.PWM:
                self._pwm_withdrawn_at = now
                events.append("pwm_withdrawn")
            self._set_output(Output.HIGH, 100.0, now)

        if not requesting:
            self._open()  # C→B, A, E, F: open at once
            self._pwm_withdrawn_at = None
        elif self.relay_closed and not offer:
            # C1: wait for the EV to stop drawing (go to B), at most 6 s.
            withdrawn = self._pwm_withdrawn_at if self._pwm_withdrawn_at is not None else now
            if now - withdrawn >= C1_FORCE_OPEN_S:
                self._open()
                events.append("forced_open_in_c1")
        elif (
            not self.relay_closed
            and offer
            and self.output is Output.PWM
            and self._pwm_readings >= CLOSE_CONFIRMATIONS
            and now - self._last_close >= MIN_CLOSE_INTERVAL_S
        ):
            self.relay_closed = True

    def _wanted(self, inputs: Inputs) -> tuple[float | None, bool, bool]:
        """The duty the limit allows (None: below 6 A), whether energy may be offered, and
        whether the EV asks for it."""
        connected = self.state in (PilotState.B, PilotState.C, PilotState.D)
        limit = inputs.current_limit if self._cap is None else min(inputs.current_limit, self._cap)
        duty = duty_for_current(limit)
        offer = connected and inputs.operative and inputs.charging_allowed and duty is not None
        requesting = self.state is PilotState.C or (
            self.state is PilotState.D and inputs.ventilation_allowed
        )
        return duty, offer, requesting

    def _open(self) -> None:
        self.relay_closed = False
        self._overcurrent.reset()  # a new closing starts a new watch with the full offer
        self._cap = None

    def _set_output(self, output: Output, duty: float, now: float) -> None:
        if (output, duty) != (self.output, self.duty):
            self.output, self.duty = output, duty
            self._last_duty_change = now
