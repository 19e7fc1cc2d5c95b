"""The IEC 61851-1 machine: detection, duty formula, timing rules and the safety invariant."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from drivers.interfaces import PilotReading
from station.control.iec61851 import (
    Fault,
    Inputs,
    Output,
    PilotMachine,
    PilotState,
    classify,
    current_for_duty,
    duty_for_current,
)

LEVEL = {"A": 12.0, "B": 9.0, "C": 6.0, "D": 3.0, "E": 0.0}


def reading(state: str, machine: PilotMachine, *, diode_ok: bool = True) -> PilotReading:
    """What the peak detectors show for an EV in ``state`` given the machine's output."""
    if state == "F":
        return PilotReading(-12.0, -12.0)
    level = LEVEL[state]
    if machine.output is Output.NEGATIVE:
        return PilotReading(-12.0, -12.0)
    if machine.output is Output.HIGH or state in ("A", "E"):
        return PilotReading(level, level)
    return PilotReading(level, -12.0 if diode_ok else -level)


class Rig:
    """Drives a machine through time like the control loop does (10 ms period)."""

    def __init__(self, **defaults):
        self.m = PilotMachine()
        self.t = 100.0
        self.ev = "A"
        self.defaults = {
            "charging_allowed": True,
            "operative": True,
            "current_limit": 16.0,
        } | defaults
        self.last = None

    def step(self, n: int = 1, **inputs):
        for _ in range(n):
            self.t += 0.01
            args = self.defaults | inputs
            self.last = self.m.step(Inputs(now=self.t, reading=reading(self.ev, self.m), **args))
        return self.last


@pytest.mark.parametrize(
    ("high", "state"),
    [
        (12.0, PilotState.A),
        (11.2, PilotState.A),
        (9.0, PilotState.B),
        (6.0, PilotState.C),
        (3.0, PilotState.D),
        (0.0, PilotState.E),
        (-12.0, PilotState.F),
    ],
)
def test_detection_bands(high, state):
    assert classify(PilotReading(high, -12.0), PilotState.A, Output.PWM) is state


@pytest.mark.parametrize(
    ("gap", "state"),
    [
        (10.5, PilotState.A),
        (10.5, PilotState.B),
        (7.5, PilotState.B),
        (7.5, PilotState.C),
        (4.5, PilotState.C),
        (4.5, PilotState.D),
        (-1.5, PilotState.E),
        (-10.5, PilotState.F),
    ],
)
def test_a_reading_in_a_gap_bordering_the_state_keeps_it(gap, state):
    assert classify(PilotReading(gap, -12.0), state, Output.PWM) is state


@pytest.mark.parametrize(
    ("gap", "state"),
    [
        (4.5, PilotState.B),
        (7.5, PilotState.A),
        (10.5, PilotState.C),
        (7.5, PilotState.D),
        (-1.5, PilotState.C),
        (-10.5, PilotState.C),
    ],
)
def test_a_reading_in_a_gap_next_to_another_state_is_a_fault(gap, state):
    assert classify(PilotReading(gap, -12.0), state, Output.PWM) is Fault.PILOT_RANGE


@pytest.mark.parametrize("bad", [14.0, -14.0, -5.0, -2.5, -9.9, math.nan, math.inf])
def test_implausible_readings_are_a_fault(bad):
    assert classify(PilotReading(bad, -12.0), PilotState.B, Output.PWM) is Fault.PILOT_RANGE


@pytest.mark.parametrize(
    ("amps", "duty"),
    [(6, 10.0), (16, 26.6), (32, 53.3), (51, 85.0), (63, 89.2), (80, 96.0), (100, 96.0)],
)
def test_duty_formula_rounds_down(amps, duty):
    assert duty_for_current(amps) == pytest.approx(duty)


@pytest.mark.parametrize("amps", [0, 5.9, -3, math.nan])
def test_below_six_amps_nothing_is_offered(amps):
    assert duty_for_current(amps) is None


@given(st.floats(min_value=6, max_value=80))
def test_the_ev_never_reads_more_than_offered(amps):
    duty = duty_for_current(amps)
    assert duty is not None
    assert current_for_duty(duty) <= amps + 1e-9


def test_plug_authorize_charge_and_stop():
    rig = Rig(charging_allowed=False)
    rig.ev = "B"
    d = rig.step(3)
    assert (d.state, d.output, d.relay_closed) == (PilotState.B, Output.HIGH, False)
    rig.defaults["charging_allowed"] = True
    d = rig.step(1)
    assert (d.output, d.duty) == (Output.PWM, 26.6)
    rig.ev = "C"
    d = rig.step(1)
    assert not d.relay_closed, "one reading of C is not enough to close"
    d = rig.step(1)
    assert d.relay_closed and d.state is PilotState.C
    rig.ev = "B"
    d = rig.step(1)
    assert not d.relay_closed, "C→B opens on the first reading"


@pytest.mark.parametrize("to", ["A", "E", "F"])
def test_leaving_c_opens_on_the_first_reading(to):
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    assert rig.step(3).relay_closed
    rig.ev = to
    d = rig.step(1)
    assert not d.relay_closed
    assert d.opened_for_safety


def test_rcd_trip_opens_and_shows_f_for_300_ms_then_x1_until_unplug():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    rig.step(3)
    d = rig.step(1, rcd_tripped=True)
    assert not d.relay_closed and Fault.RCD in d.faults and d.output is Output.NEGATIVE
    d = rig.step(29, rcd_tripped=False)
    assert d.output is Output.NEGATIVE
    d = rig.step(2)
    assert d.output is Output.HIGH and Fault.RCD in d.faults, "cleared only after unplug"
    rig.ev = "A"
    d = rig.step(2)
    assert not d.faults


def test_diode_fault_is_detected_while_pwm_runs():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.t += 0.01
    d = rig.m.step(
        Inputs(now=rig.t, reading=PilotReading(9.0, -9.0), charging_allowed=True, current_limit=16)
    )
    assert Fault.DIODE in d.faults and not d.relay_closed


def test_welded_contactor_latches_until_operator_reset():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    rig.step(3, relay_feedback=True)
    rig.ev = "B"
    d = rig.step(30, relay_feedback=True)  # commanded open, mirror contact stays closed
    assert Fault.WELDED in d.faults and d.output is Output.NEGATIVE
    rig.ev = "A"
    d = rig.step(100, relay_feedback=False)
    assert Fault.WELDED in d.faults, "never cleared automatically"
    rig.m.reset_latched_faults()
    assert not rig.step(40, relay_feedback=False).faults


def test_withdrawing_authorization_waits_for_the_ev_then_forces_open_after_6_s():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    rig.step(3)
    d = rig.step(1, charging_allowed=False)
    assert d.output is Output.HIGH and d.relay_closed, "C1: PWM off, EV gets time to stop"
    d = rig.step(590, charging_allowed=False)
    assert d.relay_closed
    d = rig.step(20, charging_allowed=False)
    assert not d.relay_closed


def test_ventilation_state_d_is_refused_when_not_allowed():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "D"
    d = rig.step(3)
    assert not d.relay_closed and Fault.VENTILATION in d.faults


def test_no_reclose_within_10_s():
    rig = Rig()
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    rig.step(3)
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    assert not rig.step(100).relay_closed
    assert rig.step(900).relay_closed


def test_raising_the_offer_waits_5_s_lowering_does_not():
    rig = Rig()
    rig.ev = "B"
    rig.step(3, current_limit=16)
    assert rig.step(1, current_limit=10).duty == pytest.approx(16.6)
    assert rig.step(1, current_limit=32).duty == pytest.approx(16.6)
    assert rig.step(500, current_limit=32).duty == pytest.approx(53.3)


def charging_rig(**defaults) -> Rig:
    """A machine with the EV in C and the contactor closed."""
    rig = Rig(**defaults)
    rig.ev = "B"
    rig.step(3)
    rig.ev = "C"
    assert rig.step(3).relay_closed
    return rig


def test_a_reading_in_no_band_while_charging_opens_the_contactor():
    rig = charging_rig()
    rig.t += 0.01
    d = rig.m.step(Inputs(now=rig.t, reading=PilotReading(-5.0, -12.0), current_limit=16))
    assert not d.relay_closed and d.opened_for_safety
    assert Fault.PILOT_RANGE in d.faults and d.output is Output.NEGATIVE


def test_a_single_noisy_reading_at_the_edge_of_c_keeps_charging():
    rig = charging_rig()
    rig.t += 0.01
    d = rig.m.step(
        Inputs(now=rig.t, reading=PilotReading(7.4, -12.0), charging_allowed=True, current_limit=16)
    )
    assert d.relay_closed and not d.faults


@pytest.mark.parametrize("low", [-8.0, -10.5, -13.5, 0.0])
def test_a_negative_plateau_out_of_range_under_pwm_is_a_fault(low):
    rig = charging_rig()
    rig.t += 0.01
    d = rig.m.step(
        Inputs(now=rig.t, reading=PilotReading(6.0, low), charging_allowed=True, current_limit=16)
    )
    assert not d.relay_closed and Fault.PILOT_NEGATIVE in d.faults


def test_the_negative_plateau_is_not_checked_without_pwm():
    rig = Rig(charging_allowed=False)
    rig.ev = "B"
    rig.step(3)
    rig.t += 0.01
    d = rig.m.step(Inputs(now=rig.t, reading=PilotReading(9.0, 9.0)))
    assert not d.faults, "a steady +12 V has no negative half"


def test_an_ev_already_in_c_gets_the_pwm_first_and_the_contactor_two_readings_later():
    rig = Rig(charging_allowed=False)
    rig.ev = "C"
    d = rig.step(5)
    assert (d.state, d.output, d.relay_closed) == (PilotState.C, Output.HIGH, False)
    d = rig.step(1, charging_allowed=True)
    assert d.output is Output.PWM and not d.relay_closed, "no reading under PWM yet"
    d = rig.step(1, charging_allowed=True)
    assert not d.relay_closed, "one reading under PWM is not enough"
    d = rig.step(1, charging_allowed=True)
    assert d.relay_closed


def test_a_missing_diode_on_the_first_pwm_reading_never_closes():
    rig = Rig(charging_allowed=False)
    rig.ev = "C"
    rig.step(5)
    d = rig.step(1, charging_allowed=True)
    assert d.output is Output.PWM
    for _ in range(3):
        rig.t += 0.01
        d = rig.m.step(
            Inputs(
                now=rig.t,
                reading=PilotReading(6.0, -6.0),
                charging_allowed=True,
                current_limit=16,
            )
        )
        assert not d.relay_closed
    assert Fault.DIODE in d.faults


def test_a_stale_reading_opens_the_contactor():
    rig = charging_rig()
    rig.t += 0.01
    d = rig.m.step(
        Inputs(
            now=rig.t,
            reading=PilotReading(6.0, -12.0),
            reading_taken_at=rig.t - 0.051,
            charging_allowed=True,
            current_limit=16,
        )
    )
    assert not d.relay_closed and Fault.PILOT_STALE in d.faults


def test_the_staleness_bound_is_configurable():
    rig = charging_rig()
    rig.m.max_reading_age = 0.2
    rig.t += 0.01
    d = rig.m.step(
        Inputs(
            now=rig.t,
            reading=PilotReading(6.0, -12.0),
            reading_taken_at=rig.t - 0.1,
            charging_allowed=True,
            current_limit=16,
        )
    )
    assert d.relay_closed and not d.faults


def test_an_ev_drawing_more_than_offered_gets_a_lower_pwm_then_the_contactor_opens():
    rig = charging_rig()  # 16 A offered: 26.6 %, the EV reads 15.96 A
    d = rig.step(100, measured_current=18.0)  # within 10 % + 0.5 A
    assert d.relay_closed and d.duty == pytest.approx(26.6)
    d = rig.step(690, measured_current=25.0)
    assert d.relay_closed and d.duty == pytest.approx(26.6), "not before 7 s"
    d = rig.step(20, measured_current=25.0)
    assert d.relay_closed and d.duty < 26.6, "after 7 s the offer is lowered"
    lowered = d.duty
    d = rig.step(680, measured_current=25.0)
    assert d.relay_closed and d.duty == lowered
    d = rig.step(20, measured_current=25.0)
    assert not d.relay_closed and Fault.OVERCURRENT in d.faults
    d = rig.step(100)
    assert Fault.OVERCURRENT in d.faults, "kept until the EV is unplugged"
    rig.ev = "A"
    assert not rig.step(40).faults


def test_an_ev_that_follows_the_lowered_offer_keeps_charging():
    rig = charging_rig()
    rig.step(710, measured_current=20.0)
    assert rig.last.duty < 26.6
    d = rig.step(2000, measured_current=15.0)
    assert d.relay_closed and not d.faults


def test_a_short_excess_is_tolerated():
    rig = charging_rig()
    for _ in range(5):
        rig.step(600, measured_current=30.0)
        rig.step(10, measured_current=15.0)
    assert rig.last.relay_closed and rig.last.duty == pytest.approx(26.6)


def test_a_latched_fault_handed_to_a_new_machine_keeps_the_evse_out_of_service():
    rig = Rig()
    rig.m = PilotMachine(faults={Fault.WELDED})
    rig.ev = "C"
    d = rig.step(2000)
    assert not d.relay_closed and d.output is Output.NEGATIVE
    assert rig.m.latched == {Fault.WELDED}


#: Raw plateaus worth trying: band edges, gaps, the -10..-2 V hole, beyond ±13 V.
VOLTS = st.one_of(
    st.sampled_from([12.0, 10.5, 9.0, 7.5, 6.0, 5.0, 4.5, 3.0, 0.0, -1.5, -5.0, -8.0, -10.5]),
    st.sampled_from([-12.0, -13.5, 14.0, math.nan]),
    st.floats(min_value=-15, max_value=15),
)
#: Negative plateaus: mostly the good -12 V, so that the positive one is what is tested.
LOWS = st.one_of(st.just(-12.0), VOLTS)
#: Currents an EV may draw: none known, within the offer, over it.
DRAWS = st.one_of(
    st.none(), st.sampled_from([10.0, 17.0, 25.0, 40.0]), st.floats(min_value=0, max_value=40)
)
#: The over-current tolerance of the 16 A the rig offers (15.96 A read by the EV).
TOLERATED_A = 15.96 * 1.1 + 0.5
#: The longest an excess may last with the contactor closed: lowering, then tripping.
OVERCURRENT_LIMIT_S = 7.0 + 7.0 + 0.02


def fits_c_under_pwm(r: PilotReading) -> bool:
    """A reading the machine may count towards closing: C (or its hysteresis gaps) on the
    positive plateau and about -12 V on the negative one (so the diode is there)."""
    return 4.0 < r.high < 8.0 and -13.0 <= r.low <= -11.0


class SafetyMachine(RuleBasedStateMachine):
    """Random sequences of EV states, raw pilot voltages, stale readings, over-drawing EVs,
    permissions, faults and time: the contactor is closed only under rule 4 of
    docs/architecture.md."""

    def __init__(self):
        super().__init__()
        self.rig = Rig()
        self.rig.ev = "C"
        self.allowed = True
        self.operative = True
        self.rcd = False
        self.injected: PilotReading | None = None
        self.stale = False
        self.draw: float | None = None
        self.history: list[tuple[Output, PilotReading, bool]] = []
        self.excess_since: float | None = None

    @initialize()
    def charge(self):
        """Every sequence starts from a charge under way: that is where the hazards are."""
        self._run(5)
        assert self.rig.m.relay_closed

    @rule(state=st.sampled_from(list("ABCDEF")))
    def ev(self, state):
        self.rig.ev = state

    @rule(value=st.booleans())
    def allow(self, value):
        self.allowed = value

    @rule(value=st.booleans())
    def operate(self, value):
        self.operative = value

    @rule(value=st.booleans())
    def rcd_input(self, value):
        self.rcd = value

    @rule(high=VOLTS, low=LOWS)
    def inject(self, high, low):
        self.injected = PilotReading(high, low)

    @rule(low=VOLTS)
    def inject_negative(self, low):
        """An EV in C whose negative plateau is whatever (a leaking or missing diode)."""
        self.injected = PilotReading(6.0, low)

    @rule()
    def model_again(self):
        self.injected = None

    @rule(value=st.booleans())
    def stale_readings(self, value):
        self.stale = value

    @rule(amps=DRAWS)
    def ev_draws(self, amps):
        self.draw = amps

    @rule(steps=st.integers(min_value=1, max_value=300))
    def run(self, steps):
        self._run(steps)

    @precondition(lambda self: self.draw is not None and self.rig.m.relay_closed)
    @rule(steps=st.integers(min_value=1300, max_value=1500))
    def run_long(self, steps):
        """An EV drawing current for long enough for the over-current stages (7 s + 7 s)."""
        self._run(steps)

    def _run(self, steps):
        rig = self.rig
        for _ in range(steps):
            before = rig.m.relay_closed
            driven = rig.m.output
            rig.t += 0.01
            r = self.injected or reading(rig.ev, rig.m)
            d = rig.m.step(
                Inputs(
                    now=rig.t,
                    reading=r,
                    reading_taken_at=rig.t - (0.06 if self.stale else 0.002),
                    charging_allowed=self.allowed,
                    operative=self.operative,
                    current_limit=16.0,
                    rcd_tripped=self.rcd,
                    relay_feedback=rig.m.relay_closed,
                    measured_current=self.draw if before else 0.0,
                )
            )
            rig.last = d
            self.history = [*self.history[-1:], (driven, r, self.stale)]
            if d.relay_closed and not before:
                # Rule 4 (docs/architecture.md): two readings of C taken under PWM with a good
                # diode, fresh, and every permission given.
                assert len(self.history) == 2
                for out, seen, stale in self.history:
                    assert out is Output.PWM and not stale and fits_c_under_pwm(seen), seen
                assert self.allowed and self.operative and not self.rcd
                assert d.output is Output.PWM
            if d.relay_closed:
                # Whatever the permissions say, a closed contactor means a fresh reading of
                # C (about -12 V below it under PWM; C1 has no negative half) and nothing
                # faulty; a hazard opens it in this very step.
                assert not self.stale and 4.0 < r.high < 8.0, r
                assert driven is not Output.PWM or fits_c_under_pwm(r), r
                assert not d.faults
                assert not self.rcd
            over = d.relay_closed and self.draw is not None and self.draw > TOLERATED_A
            if not over:
                self.excess_since = None
            elif self.excess_since is None:
                self.excess_since = rig.t
            else:
                assert rig.t - self.excess_since <= OVERCURRENT_LIMIT_S

    @invariant()
    def open_when_faulted(self):
        if self.rig.last is not None and self.rig.last.faults:
            assert not self.rig.last.relay_closed


TestSafety = SafetyMachine.TestCase
TestSafety.settings = settings(
    max_examples=150, stateful_step_count=25, deadline=None, derandomize=True
)


def test_an_unchanged_step_hands_back_the_same_decision_and_never_repeats_events():
    """The loop skips its snapshot work by identity: the machine must hand back the same
    `Decision` only while nothing in it changed, and never a decision whose events (or
    safety opening) belonged to an earlier step."""
    m = PilotMachine()
    now = 0.0

    def step(state: str, **kwargs) -> object:
        nonlocal now
        now += 0.01
        return m.step(Inputs(now=now, reading=reading(state, m), **kwargs))

    first = step("A")
    assert step("A") is first and step("A").events == ()
    step("B")
    moved = step("B")  # the second reading of B moves the machine
    assert moved.events == ("state_A_to_B",) and moved.state is PilotState.B
    again = step("B")
    assert again is not moved and again.events == () and again.state is PilotState.B
    assert step("B") is again
    offered = step("B", charging_allowed=True)
    assert offered is not again and offered.output is Output.PWM
    closed = step("C", charging_allowed=True)
    while not closed.relay_closed:
        closed = step("C", charging_allowed=True)
    assert "relay_closed" in closed.events
    steady = step("C", charging_allowed=True)
    assert steady.relay_closed and steady.events == () and steady is not closed
    opened = step("B", charging_allowed=True)
    assert opened.opened_for_safety and not opened.relay_closed
    after = step("B", charging_allowed=True)
    assert not after.opened_for_safety and after is not opened
    tripped = step("B", charging_allowed=True, rcd_tripped=True)
    assert Fault.RCD in tripped.faults and tripped.events == ("fault_rcd",)
    held = step("B", charging_allowed=True, rcd_tripped=True)
    assert held.faults == tripped.faults and held.events == () and held is not tripped


# -- quiet_until: how long the same inputs keep the same decision ------------------------

# Weighted towards charging (B and C, allowed, no RCD, a contactor that follows), where
# most of the timers are.
SEGMENT = st.tuples(
    st.integers(min_value=1, max_value=40),  # a third of the periods the inputs hold
    st.sampled_from(list("ABBCCCCDEF")),
    st.sampled_from([True, True, False]),  # charging allowed
    st.sampled_from([0.0, 6.0, 10.0, 16.0, 32.0]),  # current limit
    st.sampled_from([False, False, False, False, True]),  # RCD tripped
    st.sampled_from([None, 0.0, 9.0, 17.0, 40.0]),  # measured current
    st.sampled_from([True, True, True, False]),  # the contactor follows (else: welded)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SEGMENT, min_size=1, max_size=12))
def test_the_same_inputs_keep_the_same_decision_until_quiet_until(segments):
    """Whatever the machine went through, stepping again with the same inputs before the
    moment `quiet_until` names hands back the same decision: a loop that sleeps until then
    (simulated hardware) decides what one reading every period does."""
    period = 0.1
    m = PilotMachine()
    now = 100.0
    previous = None
    for count, ev, allowed, limit, rcd, measured, follows in segments:
        probed = False
        for _ in range(count * 3):
            now += period
            inputs = Inputs(
                now=now,
                reading=reading(ev, m),
                charging_allowed=allowed,
                current_limit=limit,
                rcd_tripped=rcd,
                relay_feedback=m.relay_closed if follows else True,
                measured_current=measured,
            )
            decision = m.step(inputs)
            # Steady as the loop sees it: the machine handed back the same decision.
            steady, previous = decision is previous, decision
            until = m.quiet_until(inputs)
            if probed or not steady or until <= now + period:
                continue  # probed already, not a steady decision, or nothing to skip
            probed = True
            probe = copy.deepcopy(m)
            later = now
            while (later := later + period) < min(until, now + 12.0):
                # The same readings: the output they were taken under has not changed.
                again = probe.step(replace(inputs, now=later, reading=reading(ev, probe)))
                assert again == decision and not again.events, (later, until)
            # A new meter current that `current_matters` says moves nothing (the loop
            # does not wake for it) keeps the decision until then too, as does one that
            # grew stale (None).
            for amps in (None, 0.0, 9.0, 17.0, 40.0):
                if m.current_matters(amps):
                    continue
                probe = copy.deepcopy(m)
                later = now
                while (later := later + period) < min(until, now + 12.0):
                    again = probe.step(
                        replace(
                            inputs, now=later, reading=reading(ev, probe), measured_current=amps
                        )
                    )
                    assert again == decision and not again.events, (amps, later, until)


def _inputs(at: float, machine: PilotMachine, ev: str, **values) -> Inputs:
    return Inputs(now=at, reading=reading(ev, machine), charging_allowed=True, **values)


def test_quiet_until_waits_for_the_feedback_after_the_relay_moved():
    m, at = PilotMachine(), 100.0
    while not m.relay_closed:
        at += 0.01
        m.step(_inputs(at, m, "C" if m.output is Output.PWM else "B", relay_feedback=False))
    closed_at = at
    at += 0.01
    inputs = _inputs(at, m, "C", relay_feedback=True)
    assert not m.step(inputs).events
    assert m.quiet_until(inputs) == pytest.approx(closed_at + 0.25)


def test_quiet_until_waits_for_a_raise_of_the_offer():
    m, at = PilotMachine(), 100.0
    for limit in (16.0, 16.0, 16.0, 10.0):
        at += 0.01
        m.step(_inputs(at, m, "B", current_limit=limit))
    lowered_at = at
    at += 0.01
    inputs = _inputs(at, m, "B", current_limit=32.0)
    m.step(inputs)
    assert m.duty == pytest.approx(16.6)  # not raised yet
    assert m.quiet_until(inputs) == pytest.approx(lowered_at + 5.0)
    confirming = _inputs(at + 0.01, m, "C", current_limit=32.0)
    m.step(confirming)
    assert m.quiet_until(confirming) == -math.inf  # C seen once: the next reading counts
