"""What the simulated EV reads from the PWM and puts on the pilot line."""

from __future__ import annotations

import pytest

from drivers.sim import PilotOutput, SimulatedEv, offered_current, pilot_levels


@pytest.mark.parametrize(
    ("duty", "amps"),
    [
        (2.0, 0.0),  # no charging
        (5.0, 0.0),  # digital communication required
        (7.5, 0.0),  # error band
        (8.0, 6.0),
        (9.9, 6.0),
        (10.0, 6.0),
        (26.67, 16.002),
        (50.0, 30.0),
        (85.0, 51.0),
        (90.0, 65.0),
        (96.0, 80.0),
        (96.5, 80.0),
        (97.5, 0.0),
    ],
)
def test_ev_side_duty_to_current(duty, amps):
    assert offered_current(duty) == pytest.approx(amps)


@pytest.mark.parametrize(
    ("state", "output", "levels"),
    [
        ("A", PilotOutput.HIGH, (12.0, 12.0)),
        ("A", PilotOutput.PWM, (12.0, -12.0)),
        ("B", PilotOutput.HIGH, (9.0, 9.0)),
        ("B", PilotOutput.PWM, (9.0, -12.0)),
        ("C", PilotOutput.PWM, (6.0, -12.0)),
        ("D", PilotOutput.PWM, (3.0, -12.0)),
        ("C", PilotOutput.NEGATIVE, (-12.0, -12.0)),
        ("E", PilotOutput.PWM, (0.0, 0.0)),
        ("E", PilotOutput.HIGH, (0.0, 0.0)),
        ("F", PilotOutput.HIGH, (-12.0, -12.0)),
    ],
)
def test_pilot_plateaus(state, output, levels):
    assert pilot_levels(output, SimulatedEv(state=state)) == levels


@pytest.mark.parametrize(
    ("output", "levels"),
    [
        (PilotOutput.PWM, (6.0, -6.0)),
        (PilotOutput.HIGH, (6.0, 6.0)),
        (PilotOutput.NEGATIVE, (-6.0, -6.0)),
    ],
)
def test_a_shorted_diode_mirrors_the_positive_plateau(output, levels):
    assert pilot_levels(output, SimulatedEv(state="C", diode_fault=True)) == levels


def test_without_an_ev_the_diode_does_not_matter():
    assert pilot_levels(PilotOutput.PWM, SimulatedEv(state="A", diode_fault=True)) == (12, -12)
