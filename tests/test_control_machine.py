"""The IEC 61851-1 machine: detection, duty formula, timing rules and the safety invariant."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

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


@pytest.mark.parametrize("gap", [10.5, 7.5, 4.5])
def test_readings_between_bands_keep_the_previous_state(gap):
    assert classify(PilotReading(gap, -12.0), PilotState.B, Output.PWM) is PilotState.B


@pytest.mark.parametrize("bad", [14.0, -14.0, math.nan, math.inf])
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


class SafetyMachine(RuleBasedStateMachine):
    """Random sequences of EV states, permissions, faults and time: the invariants hold."""

    def __init__(self):
        super().__init__()
        self.rig = Rig()
        self.allowed = True
        self.operative = True
        self.rcd = False
        self.feedback_lags = False
        self.state_c_since_reading: float | None = None

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

    @rule(steps=st.integers(min_value=1, max_value=700))
    def run(self, steps):
        for _ in range(steps):
            before = self.rig.m.relay_closed
            d = self.rig.step(
                1,
                charging_allowed=self.allowed,
                operative=self.operative,
                rcd_tripped=self.rcd,
                relay_feedback=self.rig.m.relay_closed,
            )
            if d.relay_closed and not before:
                # Closing only under the conditions of DESIGN.md rule 4.
                assert self.rig.ev in ("C",), self.rig.ev
                assert self.allowed and self.operative and not self.rcd
                assert d.output is Output.PWM
            if d.relay_closed:
                # Whatever the permissions say, a closed contactor means the EV asks for
                # power and nothing is faulty; a hazard opens it in this very step.
                assert self.rig.ev == "C"
                assert not d.faults
                assert not self.rcd

    @invariant()
    def open_when_faulted(self):
        if self.rig.last is not None and self.rig.last.faults:
            assert not self.rig.last.relay_closed


TestSafety = SafetyMachine.TestCase
TestSafety.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None, derandomize=True
)
