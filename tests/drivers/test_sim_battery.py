"""The simulated EV's battery: a charging curve, a state of charge fed by the metered
energy, its phases, and how fast it follows a new PWM offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.interfaces import PilotReading
from drivers.sim import SimulatedStation
from drivers.sim.ev import CHARGER_EFFICIENCY, RESPONSE_TIME, charging_limit

START = datetime(2025, 1, 1, tzinfo=UTC)


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.t)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def station(clock):
    return SimulatedStation(now=clock, wall_clock=clock.wall)


def charging(station, evse=1, duty=50.0):
    """An EV in C with the PWM on and the contactor closed (what the controller does)."""
    station.set_ev_state(evse, "C")
    station.evse(evse).pilot.set_duty(duty)
    station.evse(evse).relay.set_closed(True)


def soc(station, evse=1):
    return station.status()["evses"][str(evse)]["ev"]["soc"]


def test_the_curve_is_flat_to_the_knee_then_tapers_and_stops_at_full():
    assert charging_limit(0.0) == charging_limit(80.0) == 1.0
    assert charging_limit(90.0) == pytest.approx(0.5)
    assert charging_limit(99.5) == pytest.approx(0.1)  # the taper's floor
    assert charging_limit(100.0) == 0.0


def test_the_state_of_charge_grows_by_what_the_meter_counts(station, clock):
    station.configure_ev(1, capacity_kwh=10, soc=50, max_current=16)
    charging(station)  # 30 A offered, the EV takes its own 16 A
    meter = station.evse(1).meter
    first = meter.sample()
    clock.t += 600
    second = meter.sample()
    assert second.current == 16.0
    metered = second.energy_import_wh - first.energy_import_wh
    assert metered == pytest.approx(230 * 16 * 0.99 / 6, rel=0.01)
    expected = 50 + 100 * metered * CHARGER_EFFICIENCY / 10_000
    assert second.soc == pytest.approx(expected, rel=1e-9)
    assert soc(station) == pytest.approx(expected, abs=0.01)


def test_near_full_the_current_tapers(station):
    station.configure_ev(1, capacity_kwh=60, soc=90, max_current=32)
    charging(station, duty=85.0)  # 51 A offered
    assert station.evse(1).meter.sample().current == pytest.approx(16.0)
    station.set_ev_soc(1, 99.5)
    assert station.evse(1).meter.sample().current == pytest.approx(3.2)


def test_a_full_battery_stops_drawing_and_the_ev_goes_to_b(station, clock):
    station.configure_ev(1, capacity_kwh=10, soc=99, max_current=16)
    charging(station)
    meter = station.evse(1).meter
    before = meter.sample().energy_import_wh
    clock.t += 10 * 3600
    after = meter.sample()
    # 1 % of 10 kWh reached the battery, and not a watt-hour more was metered.
    assert after.energy_import_wh - before == pytest.approx(100 / CHARGER_EFFICIENCY, abs=0.01)
    assert after.current == 0.0 and after.soc == 100.0
    ev = station.status()["evses"]["1"]["ev"]
    assert ev["state"] == "B" and ev["full"] is True
    assert station.evse(1).pilot.read() == PilotReading(9.0, -12.0)  # S2 open
    # Asked for C again, a full EV stays in B.
    station.set_ev_state(1, "C")
    assert station.status()["evses"]["1"]["ev"]["state"] == "B"


def test_an_ev_that_stopped_full_asks_again_when_its_soc_drops(station, clock):
    station.configure_ev(1, capacity_kwh=10, soc=100)
    charging(station)
    assert station.status()["evses"]["1"]["ev"]["state"] == "B"
    station.set_ev_soc(1, 70)
    assert station.status()["evses"]["1"]["ev"]["state"] == "C"
    assert station.evse(1).meter.sample().current == 30.0


def test_without_a_battery_model_the_ev_draws_for_ever_and_its_soc_is_unknown(station, clock):
    charging(station)
    clock.t += 100 * 3600
    sample = station.evse(1).meter.sample()
    assert sample.current == 30.0 and sample.soc is None
    assert station.status()["evses"]["1"]["ev"]["soc"] is None


def test_the_ev_follows_a_lower_offer_within_its_response_time(station, clock):
    charging(station, duty=50.0)  # 30 A
    meter = station.evse(1).meter
    station.evse(1).pilot.set_duty(26.67)  # 16 A
    assert meter.sample().current == 30.0
    clock.t += RESPONSE_TIME - 0.01
    assert meter.sample().current == 30.0
    clock.t += 0.01
    assert meter.sample().current == pytest.approx(16.0, abs=0.01)
    assert RESPONSE_TIME <= 5.0  # IEC 61851-1's limit for following a lower offer
    # A higher offer is followed as late, the energy counted at the old current meanwhile.
    before = meter.sample().energy_import_wh
    station.evse(1).pilot.set_duty(50.0)
    clock.t += RESPONSE_TIME
    assert meter.sample().current == 30.0
    assert meter.sample().energy_import_wh - before == pytest.approx(
        230 * 16.002 * 0.99 * RESPONSE_TIME / 3600, rel=0.01
    )


def test_the_ev_draws_on_the_phases_both_sides_have(clock):
    three = SimulatedStation(now=clock, wall_clock=clock.wall, phases=3)
    charging(three, duty=26.67)
    sample = three.evse(1).meter.sample()
    assert sample.power == pytest.approx(3 * sample.voltage * sample.current * 0.99)
    three.configure_ev(1, phases=1)
    sample = three.evse(1).meter.sample()
    assert sample.power == pytest.approx(sample.voltage * sample.current * 0.99)
    single = SimulatedStation(now=clock, wall_clock=clock.wall, phases=1, ev_phases=3)
    charging(single, duty=26.67)
    sample = single.evse(1).meter.sample()
    assert sample.power == pytest.approx(sample.voltage * sample.current * 0.99)


def test_configure_ev_answers_with_the_ev_in_words(station):
    assert station.configure_ev(1, capacity_kwh=60, soc=20) == (
        "60 kWh at 20.0 %, max 32 A, 3 phases"
    )
    assert station.configure_ev(1, capacity_kwh=0, phases=1, max_current=16) == (
        "no battery model, max 16 A, 1 phase"
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"capacity_kwh": -5}, "capacity must be between 1 and 1000 kWh"),
        ({"capacity_kwh": 0.5}, r"0: no battery model\), got 0.5"),
        ({"capacity_kwh": "big"}, "capacity must be a number of kWh, got 'big'"),
        ({"capacity_kwh": 60, "soc": 120}, "soc must be between 0 and 100 %, got 120"),
        ({"capacity_kwh": 60, "soc": float("nan")}, "soc must be a number of percent"),
        ({"capacity_kwh": 60, "phases": 2}, "phases must be 1 or 3, got 2"),
        ({"capacity_kwh": 60, "max_current": 81}, "max-current must be between 0 and 80 A"),
        ({"soc": 50}, "EVSE 1's EV has no battery model; give it a capacity"),
    ],
)
def test_bad_ev_settings_are_refused_and_change_nothing(station, settings, message):
    before = station.status()["evses"]["1"]["ev"]
    with pytest.raises(ValueError, match=message):
        station.configure_ev(1, **settings)
    assert station.status()["evses"]["1"]["ev"] == before


def test_soc_needs_a_known_evse(station):
    with pytest.raises(ValueError, match="unknown EVSE 3"):
        station.set_ev_soc(3, 50)
