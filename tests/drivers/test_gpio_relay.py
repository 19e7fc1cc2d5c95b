"""Contactor coil, mirror contact and RCD input on gpiozero's mock pins."""

from __future__ import annotations

import pytest

from drivers.gpio import GpioContactorRelay, GpioFaultInputs
from drivers.interfaces import ContactorRelay, DeviceUnavailable, FaultInputs


def levels(pin):
    return [bool(s.state) for s in pin.states]


def test_the_coil_starts_off_and_follows_commands(mock_factory):
    relay = GpioContactorRelay(17)
    coil = mock_factory.pin(17)
    assert coil.state is False

    relay.set_closed(True)
    assert coil.state is True
    relay.set_closed(False)
    assert coil.state is False


def test_an_active_low_coil_driver_is_inverted(mock_factory):
    relay = GpioContactorRelay(17, active_high=False)
    coil = mock_factory.pin(17)
    assert coil.state is True

    relay.set_closed(True)
    assert coil.state is False


def test_close_de_energises_the_coil_before_releasing_it(mock_factory):
    relay = GpioContactorRelay(17, feedback_pin=22)
    coil = mock_factory.pin(17)
    relay.set_closed(True)

    relay.close()

    assert levels(coil)[-2:] == [True, False]
    assert coil.function == "input"  # released


def test_feedback_reads_closed_contacts_at_its_active_level(mock_factory):
    relay = GpioContactorRelay(17, feedback_pin=22)
    mirror = mock_factory.pin(22)
    assert mirror.pull == "up"

    mirror.drive_low()
    assert relay.feedback() is False
    mirror.drive_high()
    assert relay.feedback() is True


def test_active_low_feedback_with_a_pull_up(mock_factory):
    relay = GpioContactorRelay(17, feedback_pin=22, feedback_active_high=False)
    mirror = mock_factory.pin(22)

    mirror.drive_low()
    assert relay.feedback() is True


def test_floating_feedback_input(mock_factory):
    relay = GpioContactorRelay(17, feedback_pin=22, feedback_pull="off")
    mirror = mock_factory.pin(22)
    assert mirror.pull == "floating"
    mirror.drive_high()
    assert relay.feedback() is True


def test_without_feedback_input_feedback_is_none(mock_factory):
    relay = GpioContactorRelay(17)
    assert relay.feedback() is None
    assert isinstance(relay, ContactorRelay)
    assert relay.blocking is False


def test_a_pin_already_in_use_is_unavailable(mock_factory):
    first = GpioContactorRelay(17)
    with pytest.raises(DeviceUnavailable, match="coil on GPIO17"):
        GpioContactorRelay(17)
    first.close()


def test_a_feedback_pin_in_use_releases_the_coil(mock_factory):
    rcd = GpioFaultInputs(22)
    with pytest.raises(DeviceUnavailable, match="feedback on GPIO22"):
        GpioContactorRelay(17, feedback_pin=22)
    GpioContactorRelay(17).close()  # the coil pin was released again
    rcd.close()


def test_a_closed_relay_refuses_commands(mock_factory):
    relay = GpioContactorRelay(17, feedback_pin=22)
    relay.close()
    with pytest.raises(DeviceUnavailable):
        relay.set_closed(True)
    with pytest.raises(DeviceUnavailable, match="closed"):
        relay.feedback()


def test_rcd_trip_is_the_active_level(mock_factory):
    faults = GpioFaultInputs(24)
    line = mock_factory.pin(24)
    assert isinstance(faults, FaultInputs)

    line.drive_low()
    assert faults.rcd_tripped() is False
    line.drive_high()
    assert faults.rcd_tripped() is True


def test_rcd_with_an_active_low_fault_output(mock_factory):
    faults = GpioFaultInputs(24, rcd_active_high=False)
    line = mock_factory.pin(24)

    line.drive_high()
    assert faults.rcd_tripped() is False
    line.drive_low()
    assert faults.rcd_tripped() is True


def test_rcd_input_released_on_close(mock_factory):
    faults = GpioFaultInputs(24)
    faults.close()
    with pytest.raises(DeviceUnavailable, match="closed"):
        faults.rcd_tripped()
    GpioFaultInputs(24)
