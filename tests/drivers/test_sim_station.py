"""The simulated station as the control loop, a test and a person at the charger see it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.interfaces import (
    CardReader,
    ContactorRelay,
    ControlPilot,
    DeviceUnavailable,
    EnergyMeter,
    FaultInputs,
    PilotReading,
)
from drivers.sim import SimulatedStation

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


def charge(station, evse=1, duty=26.67):
    """What a controller does once the EV is authorised and in C."""
    station.evse(evse).pilot.set_duty(duty)
    station.evse(evse).relay.set_closed(True)


def test_devices_implement_the_interfaces_and_never_block(station):
    evse = station.evse(1)
    for device, interface in [
        (evse.pilot, ControlPilot),
        (evse.relay, ContactorRelay),
        (evse.faults, FaultInputs),
        (evse.meter, EnergyMeter),
        (station.card_reader, CardReader),
    ]:
        assert isinstance(device, interface)
        assert device.blocking is False


def test_no_ev_reads_plus_12_volts(station):
    assert station.evse(1).pilot.read() == PilotReading(12.0, 12.0)


def test_plugging_in_gives_state_b(station):
    pilot = station.evse(1).pilot
    station.plug(1)
    assert pilot.read() == PilotReading(9.0, 9.0)
    pilot.set_duty(50)
    assert pilot.read() == PilotReading(9.0, -12.0)


def test_unplugging_gives_state_a_again(station):
    station.plug(1)
    station.unplug(1)
    assert station.evse(1).pilot.read() == PilotReading(12.0, 12.0)


def test_an_ev_in_c_draws_the_offered_current_while_the_relay_is_closed(station):
    meter = station.evse(1).meter
    station.plug(1)
    station.set_ev_state(1, "C")
    assert meter.sample().current == 0.0

    charge(station, duty=26.67)

    assert meter.sample().current == pytest.approx(16.0, abs=0.01)
    station.evse(1).relay.set_closed(False)
    assert meter.sample().current == 0.0


def test_the_ev_limits_the_current_to_its_own_maximum(station):
    station.set_ev_state(1, "C")
    station.set_ev_max_current(1, 10)
    charge(station, duty=50)  # offers 30 A
    assert station.evse(1).meter.sample().current == pytest.approx(10.0)


def test_an_ev_that_stops_asking_for_power_stays_in_c_but_draws_nothing(station):
    station.set_ev_state(1, "C")
    charge(station)
    station.set_ev_max_current(1, 0)
    assert station.evse(1).pilot.read().high == 6.0
    assert station.evse(1).meter.sample().current == 0.0


def test_pausing_goes_to_b_and_stops_the_current(station):
    station.set_ev_state(1, "C")
    charge(station)
    station.set_ev_state(1, "B")
    assert station.evse(1).pilot.read() == PilotReading(9.0, -12.0)
    assert station.evse(1).meter.sample().current == 0.0


def test_no_current_without_pwm(station):
    station.set_ev_state(1, "C")
    charge(station)
    station.evse(1).pilot.set_high()
    assert station.evse(1).meter.sample().current == 0.0


def test_ventilation_state_d_draws_current(station):
    station.set_ev_state(1, "D")
    charge(station, duty=50)
    assert station.evse(1).pilot.read() == PilotReading(3.0, -12.0)
    assert station.evse(1).meter.sample().current == pytest.approx(30.0)


def test_shorted_pilot_and_ev_fault(station):
    station.set_ev_state(1, "E")
    assert station.evse(1).pilot.read() == PilotReading(0.0, 0.0)
    station.set_ev_state(1, "F")
    assert station.evse(1).pilot.read() == PilotReading(-12.0, -12.0)


def test_state_f_output(station):
    station.plug(1)
    station.evse(1).pilot.set_negative()
    assert station.evse(1).pilot.read() == PilotReading(-12.0, -12.0)


def test_diode_fault_makes_the_negative_plateau_follow_the_positive_one(station):
    station.set_ev_state(1, "C")
    station.evse(1).pilot.set_duty(26.67)
    station.fault(1, "diode")
    assert station.evse(1).pilot.read() == PilotReading(6.0, -6.0)
    station.fault(1, "clear")
    assert station.evse(1).pilot.read() == PilotReading(6.0, -12.0)


def test_energy_integrates_over_time(station, clock):
    meter = station.evse(1).meter
    station.set_ev_state(1, "C")
    charge(station, duty=50)  # 30 A
    first = meter.sample()

    clock.t += 3600
    second = meter.sample()

    delivered = second.energy_import_wh - first.energy_import_wh
    assert delivered == pytest.approx(230 * 30 * 0.99, rel=0.01)
    assert second.timestamp - first.timestamp == timedelta(hours=1)
    assert second.energy_export_wh == 0.0
    assert second.power == pytest.approx(second.voltage * 30 * 0.99)
    assert 228 < second.voltage < 232
    assert 49.9 < second.frequency < 50.1


def test_energy_stops_at_the_moment_the_relay_opens(station, clock):
    meter = station.evse(1).meter
    station.set_ev_state(1, "C")
    charge(station, duty=50)
    clock.t += 1800
    station.evse(1).relay.set_closed(False)
    at_open = meter.sample().energy_import_wh
    clock.t += 1800
    assert meter.sample().energy_import_wh == at_open


def test_rcd_trip_is_reported_and_interrupts_the_supply(station):
    station.set_ev_state(1, "C")
    charge(station)
    station.fault(1, "rcd")
    assert station.evse(1).faults.rcd_tripped() is True
    assert station.evse(1).meter.sample().current == 0.0
    station.fault(1, "clear")
    assert station.evse(1).faults.rcd_tripped() is False


def test_a_welded_contactor_stays_closed_and_keeps_delivering(station, clock):
    relay = station.evse(1).relay
    station.set_ev_state(1, "C")
    charge(station)
    station.fault(1, "welded")

    relay.set_closed(False)

    assert relay.feedback() is True
    assert station.evse(1).meter.sample().current > 0
    station.fault(1, "clear")
    assert relay.feedback() is False


def test_a_contactor_welded_while_open_sticks_at_its_next_closing(station):
    relay = station.evse(1).relay
    station.fault(1, "welded")
    assert relay.feedback() is False
    relay.set_closed(True)
    relay.set_closed(False)
    assert relay.feedback() is True


def test_relay_feedback_can_lag_the_command(clock):
    station = SimulatedStation(now=clock, wall_clock=clock.wall, relay_feedback_delay=0.05)
    relay = station.evse(1).relay
    station.set_ev_state(1, "C")
    station.evse(1).pilot.set_duty(50)

    relay.set_closed(True)
    assert relay.feedback() is False
    clock.t += 0.05
    assert relay.feedback() is True

    clock.t += 3600
    delivered = station.evse(1).meter.sample().energy_import_wh
    assert delivered == pytest.approx(230 * 30 * 0.99, rel=0.01)


def test_the_evses_are_independent(station):
    station.set_ev_state(2, "C")
    charge(station, evse=2, duty=50)
    assert station.evse(1).meter.sample().current == 0.0
    assert station.evse(2).meter.sample().current == pytest.approx(30.0)


def test_a_tapped_card_is_seen_for_the_presence_window(station, clock):
    reader = station.card_reader
    assert station.tap("04:a2:b3:c4:d5:e6:80") == "04A2B3C4D5E680"
    assert reader.poll() == "04A2B3C4D5E680"
    clock.t += 0.5
    assert reader.poll() == "04A2B3C4D5E680"
    clock.t += 0.5
    assert reader.poll() is None


def test_the_first_poll_after_a_tap_sees_the_card_however_late(station, clock):
    station.tap("DEADBEEF")
    clock.t += 60
    assert station.card_reader.poll() == "DEADBEEF"
    assert station.card_reader.poll() is None


@pytest.mark.parametrize("uid", ["DEADBEE", "XYZ12345", "0102030405", "", 1234])
def test_an_invalid_uid_is_rejected(station, uid):
    with pytest.raises(ValueError, match="uid must be 8, 14 or 20 hex digits"):
        station.tap(uid)


def test_status_is_json_and_describes_the_hardware(station, clock):
    station.set_ev_state(1, "C")
    charge(station, duty=50)
    station.tap("DEADBEEF")
    clock.t += 360

    status = json.loads(json.dumps(station.status()))

    one = status["evses"]["1"]
    assert one["ev"] == {
        "state": "C",
        "plugged": True,
        "max_current": 32.0,
        "diode_fault": False,
        "ignores_pwm": False,
        "phases": 3,
        "capacity_kwh": None,
        "soc": None,
        "full": False,
    }
    assert one["pilot"] == {
        "output": "pwm",
        "duty": 50.0,
        "high": 6.0,
        "low": -12.0,
        "injected": False,
    }
    assert one["relay"] == {"commanded": True, "feedback": True, "welded": False}
    assert one["rcd_tripped"] is False
    assert one["meter"]["current"] == 30.0
    assert one["meter"]["energy_import_wh"] == pytest.approx(229.1 * 30 * 0.99 / 10, abs=2)
    assert status["evses"]["2"]["pilot"]["output"] == "high"
    assert status["card_reader"] == {"simulated": True, "present": "DEADBEEF"}
    assert one["simulated"] == ["pilot", "relay", "faults", "meter"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.plug(3), "unknown EVSE 3; this station has EVSEs 1-2"),
        (lambda s: s.unplug(0), "unknown EVSE 0; this station has EVSEs 1-2"),
        (lambda s: s.set_ev_state(1, "G"), "ev-state must be one of A-F, got 'G'"),
        (lambda s: s.set_ev_max_current(1, 81), "max-current must be between 0 and 80 A"),
        (lambda s: s.set_ev_max_current(1, "x"), "max-current must be a number"),
        (lambda s: s.fault(1, "fire"), "fault must be one of rcd, diode, welded, clear"),
        (lambda s: s.evse(1).pilot.set_duty(100), "duty must be above 0 and below 100"),
    ],
)
def test_bad_arguments_get_clear_messages(station, call, message):
    with pytest.raises(ValueError, match=message):
        call(station)


def test_a_single_evse_station_names_its_evse(clock):
    station = SimulatedStation(now=clock, evse_ids=[1])
    with pytest.raises(ValueError, match=r"this station has EVSE 1$"):
        station.plug(2)


def test_lower_case_states_are_accepted(station):
    station.set_ev_state(1, "c")
    assert station.evse(1).ev.state == "C"


def test_closing_leaves_the_pilot_at_f_and_the_relay_open(station):
    evse = station.evse(1)
    evse.relay.set_closed(True)
    evse.pilot.close()
    evse.relay.close()
    status = station.status()["evses"]["1"]
    assert status["pilot"]["output"] == "negative"
    assert status["relay"]["commanded"] is False
    with pytest.raises(DeviceUnavailable, match="simulated control pilot of EVSE 1 is closed"):
        evse.pilot.read()
    with pytest.raises(DeviceUnavailable):
        evse.meter.close() or evse.meter.sample()


async def test_on_trios_mock_clock_a_charge_is_exactly_reproducible(autojump_clock):
    async def session() -> list[float]:
        station = SimulatedStation(now=trio.current_time, wall_clock=lambda: START)
        station.set_ev_state(1, "C")
        charge(station, duty=50)
        readings = []
        for _ in range(5):
            await trio.sleep(600)
            readings.append(station.evse(1).meter.sample().energy_import_wh)
        return readings

    first = await session()
    second = await session()
    assert first == second
    assert first == sorted(first) and first[0] > 0


operations = st.lists(
    st.tuples(
        st.sampled_from(["state", "duty", "high", "relay", "max", "rcd", "weld", "clear"]),
        st.integers(0, 100),
        st.floats(0, 7200),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(operations)
def test_energy_never_decreases_and_current_respects_every_limit(script):
    clock = Clock()
    station = SimulatedStation(now=clock)
    evse = station.evse(1)
    last = 0.0
    for action, number, pause in script:
        if action == "state":
            station.set_ev_state(1, "ABCDEF"[number % 6])
        elif action == "duty":
            evse.pilot.set_duty(max(1, min(99, number)))
        elif action == "high":
            evse.pilot.set_high()
        elif action == "relay":
            evse.relay.set_closed(number % 2 == 0)
        elif action == "max":
            station.set_ev_max_current(1, number % 81)
        elif action == "rcd":
            station.fault(1, "rcd")
        elif action == "weld":
            station.fault(1, "welded")
        else:
            station.fault(1, "clear")
        clock.t += pause
        sample = evse.meter.sample()
        assert sample.energy_import_wh >= last
        last = sample.energy_import_wh
        assert 0 <= sample.current <= evse.ev.max_current
        if sample.current > 0:
            assert evse.relay.feedback() and evse.ev.state in "CD"
            assert not evse.faults.rcd_tripped()


def test_the_simulated_twin_of_a_real_device_refuses_commands(clock):
    station = SimulatedStation(
        now=clock, real_devices={1: ["pilot", "relay", "faults"]}, real_card_reader=True
    )
    with pytest.raises(ValueError, match=r"EVSE 1's control pilot .* is real hardware"):
        station.plug(1)
    with pytest.raises(ValueError, match="EVSE 1's contactor is real hardware"):
        station.fault(1, "welded")
    with pytest.raises(ValueError, match="EVSE 1's RCD input is real hardware"):
        station.fault(1, "rcd")
    with pytest.raises(ValueError, match="card reader is real hardware"):
        station.tap("DEADBEEF")
    station.plug(2)  # EVSE 2 is fully simulated
    status = station.status()
    assert status["evses"]["1"]["simulated"] == ["meter"]
    assert status["card_reader"]["simulated"] is False


# -- raw pilot voltages, an EV that ignores the PWM, the heartbeat interlock ---------------


def test_injected_pilot_voltages_replace_the_modelled_ev_until_released(station):
    station.set_ev_state(1, "C")
    charge(station)
    station.inject_pilot_voltage(1, -5, -12)
    assert station.evse(1).pilot.read() == PilotReading(-5.0, -12.0)
    assert station.status()["evses"]["1"]["pilot"]["injected"] is True
    station.release_pilot_voltage(1)
    assert station.evse(1).pilot.read() == PilotReading(6.0, -12.0)


@pytest.mark.parametrize(
    ("high", "low", "message"),
    [
        (16, -12, "positive plateau must be between -15 and 15 V"),
        (6, float("nan"), "negative plateau must be between -15 and 15 V"),
        ("6", -12, "positive plateau must be a number of volts"),
    ],
)
def test_implausible_injections_are_refused(station, high, low, message):
    with pytest.raises(ValueError, match=message):
        station.inject_pilot_voltage(1, high, low)


def test_an_ev_that_ignores_the_pwm_draws_its_own_maximum(station):
    station.set_ev_state(1, "C")
    charge(station, duty=26.67)  # 16 A offered
    assert station.evse(1).meter.sample().current == pytest.approx(16.0, abs=0.01)
    station.set_ev_ignores_pwm(1, True)
    assert station.evse(1).meter.sample().current == 32.0
    station.set_ev_ignores_pwm(1, False)
    assert station.evse(1).meter.sample().current == pytest.approx(16.0, abs=0.01)


@pytest.fixture
def interlocked(clock):
    return SimulatedStation(now=clock, wall_clock=clock.wall, interlock_window=0.05)


def test_without_heartbeat_edges_the_interlock_holds_the_coil_off_and_the_pilot_at_dc(
    interlocked,
):
    """The open interlock replaces the PWM by a steady +12 V: the EV in C reads 6 V with
    no negative plateau (C1, no energy offered)."""
    evse = interlocked.evse(1)
    interlocked.set_ev_state(1, "C")
    charge(interlocked)
    assert evse.relay.feedback() is False
    assert evse.pilot.read() == PilotReading(6.0, 6.0)
    assert interlocked.status()["evses"]["1"]["pilot"]["output"] == "high"
    evse.heartbeat.toggle()
    assert evse.relay.feedback() is True, "the coil follows its command once alive"
    assert evse.pilot.read() == PilotReading(6.0, -12.0)


def test_the_interlock_drops_the_contactor_when_the_heartbeat_stops(interlocked, clock):
    evse = interlocked.evse(1)
    interlocked.set_ev_state(1, "C")
    evse.heartbeat.toggle()
    charge(interlocked, duty=50)  # 30 A
    for _ in range(100):
        clock.t += 0.01
        evse.heartbeat.toggle()
    assert evse.relay.feedback() is True
    last_beat = clock.t
    at_beat = evse.meter.sample().energy_import_wh
    clock.t += 10  # the loop hangs: no more edges
    status = interlocked.status()["evses"]["1"]
    assert status["interlock"] == {"window": 0.05, "open": True, "opened_at": last_beat + 0.05}
    assert status["relay"] == {"commanded": True, "feedback": False, "welded": False}
    assert status["pilot"]["output"] == "high"  # PWM replaced by a steady +12 V
    assert status["pilot"]["duty"] is None
    assert status["meter"]["current"] == 0.0
    # Energy flowed for the window only.
    delivered = evse.meter.sample().energy_import_wh - at_beat
    assert delivered == pytest.approx(230 * 30 * 0.99 * 0.05 / 3600, rel=0.01)
    evse.heartbeat.toggle()  # the loop comes back: the coil follows its command again
    assert evse.relay.feedback() is True


def test_the_interlock_cannot_open_a_welded_contactor(interlocked, clock):
    evse = interlocked.evse(1)
    interlocked.set_ev_state(1, "C")
    evse.heartbeat.toggle()
    charge(interlocked)
    interlocked.fault(1, "welded")
    clock.t += 1
    assert evse.relay.feedback() is True
