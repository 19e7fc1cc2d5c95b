"""The Pi's control pilot: kernel PWM out, peak detectors in through gpiozero's MCP3xxx."""

from __future__ import annotations

import pytest
from fake_mcp3xxx import FakeMcp3xxx
from fake_sysfs import FakePwmSysfs

from drivers.gpio import (
    BenchPilotPwm,
    ChannelScale,
    GpioControlPilot,
    PeakDetectorSensor,
    SysfsPilotPwm,
)
from drivers.interfaces import ControlPilot, DeviceUnavailable

GAIN = 30 / 3.3
OFFSET = -15.0


def adc_volts(pilot_volts: float) -> float:
    """What the reference divider puts on the ADC input for a pilot voltage."""
    return (pilot_volts - OFFSET) / GAIN


@pytest.fixture
def sysfs(tmp_path):
    return FakePwmSysfs(tmp_path)


@pytest.fixture
def adc(mock_factory):
    chip = FakeMcp3xxx("MCP3208")
    yield chip
    chip.close()


def make_sensor(sleeps=None, **overrides):
    settings = dict(positive_channel=0, negative_channel=1, reset_pin=5)
    settings.update(overrides)
    return PeakDetectorSensor(
        sleep=(sleeps.append if sleeps is not None else lambda s: None), **settings
    )


def make_pilot(sysfs, sleeps=None, **overrides):
    pwm = SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)
    return GpioControlPilot(pwm, make_sensor(sleeps), sleep=lambda s: None, **overrides)


def test_reading_state_b_with_pwm(adc, sysfs):
    pilot = make_pilot(sysfs)
    adc.channels[0] = adc_volts(9.0)
    adc.channels[1] = adc_volts(-12.0)

    reading = pilot.read()

    assert reading.high == pytest.approx(9.0, abs=0.02)
    assert reading.low == pytest.approx(-12.0, abs=0.02)
    assert adc.conversions == [0, 1]


def test_a_reading_resets_the_detectors_then_waits_for_them_to_settle(adc, sysfs, mock_factory):
    sleeps = []
    pilot = make_pilot(sysfs, sleeps)
    reset = mock_factory.pin(5)
    reset.clear_states()

    pilot.read()

    assert [s.state for s in reset.states] == [False, True, False]
    assert sleeps == [0.0015, 0.002]


def test_channels_gain_and_offset_are_configurable(adc, mock_factory):
    adc.channels[6] = 1.0
    adc.channels[7] = 2.0
    sensor = make_sensor(
        positive_channel=6,
        negative_channel=7,
        positive_scale=ChannelScale(gain=10.0, offset=-5.0),
        negative_scale=ChannelScale(gain=-4.0, offset=0.0),
    )

    reading = sensor.measure()

    assert reading.high == pytest.approx(5.0, abs=0.01)
    assert reading.low == pytest.approx(-8.0, abs=0.01)


@pytest.mark.parametrize("chip", ["MCP3008", "MCP3004", "MCP3204", "MCP3202", "MCP3002"])
def test_other_mcp3xxx_chips(mock_factory, chip):
    fake = FakeMcp3xxx(chip, device=1)
    fake.channels[0] = adc_volts(6.0)
    fake.channels[1] = adc_volts(-12.0)
    sensor = make_sensor(adc_chip=chip, spi_device=1)

    reading = sensor.measure()

    tolerance = 0.05 if fake.bits == 10 else 0.02
    assert reading.high == pytest.approx(6.0, abs=tolerance)
    assert reading.low == pytest.approx(-12.0, abs=tolerance)


def test_two_evses_share_one_adc(adc, sysfs, mock_factory):
    first = make_sensor()
    second = make_sensor(positive_channel=2, negative_channel=3, reset_pin=6)
    adc.channels[:4] = [adc_volts(6.0), adc_volts(-12.0), adc_volts(12.0), adc_volts(12.0)]

    assert first.measure().high == pytest.approx(6.0, abs=0.02)
    assert second.measure().low == pytest.approx(12.0, abs=0.02)


def test_output_follows_the_commands(adc, sysfs):
    pilot = make_pilot(sysfs)
    assert sysfs.value(0, "duty_cycle") == "1000000"

    pilot.set_duty(26.67)
    assert sysfs.value(0, "duty_cycle") == "266700"
    pilot.set_negative()
    assert sysfs.value(0, "duty_cycle") == "0"
    pilot.set_high()
    assert sysfs.value(0, "duty_cycle") == "1000000"


@pytest.mark.parametrize("duty", [0, 100, -5, 150, float("nan"), True])
def test_set_duty_rejects_values_outside_the_open_interval(adc, sysfs, duty):
    pilot = make_pilot(sysfs)
    with pytest.raises(ValueError, match="duty"):
        pilot.set_duty(duty)
    assert sysfs.value(0, "duty_cycle") == "1000000"


def test_close_leaves_minus_12_volts_and_disables_the_output_stage(adc, sysfs, mock_factory):
    pilot = make_pilot(sysfs, enable_pin=16, pin_factory=mock_factory)
    enable = mock_factory.pin(16)
    assert enable.state

    pilot.close()

    assert sysfs.value(0, "duty_cycle") == "0"
    assert sysfs.value(0, "enable") == "1"
    assert [s.state for s in enable.states][-1] is False


def test_the_pilot_satisfies_the_interface(adc, sysfs):
    pilot = make_pilot(sysfs)
    assert isinstance(pilot, ControlPilot)
    assert GpioControlPilot.blocking is True


def test_reset_pin_in_use_is_unavailable_and_releases_what_was_taken(adc, mock_factory):
    from gpiozero import OutputDevice

    busy = OutputDevice(5)
    with pytest.raises(DeviceUnavailable, match="reset on GPIO5"):
        make_sensor()
    busy.close()
    make_sensor().close()  # nothing was left reserved


def test_unknown_adc_chip_is_rejected(mock_factory):
    with pytest.raises(ValueError, match="unknown ADC chip 'MCP9999'"):
        make_sensor(adc_chip="MCP9999")


def test_bench_pilot_runs_software_pwm_at_1_khz(pwm_factory):
    pwm = BenchPilotPwm(18)
    pin = pwm_factory.pin(18)
    assert pin.frequency == 1000
    assert pin.state == 1.0

    pwm.set_cp_duty(26.67)
    assert pin.state == pytest.approx(0.2667)

    pwm.close()


def test_bench_pilot_through_an_inverting_stage(pwm_factory):
    pwm = BenchPilotPwm(19, inverted=True)
    pin = pwm_factory.pin(19)
    pwm.set_cp_duty(25.0)
    assert pin.state == pytest.approx(0.75)


def test_bench_pilot_needs_a_pwm_capable_pin(mock_factory):
    with pytest.raises(DeviceUnavailable, match="GPIO18"):
        BenchPilotPwm(18)


def test_a_closed_pilot_refuses_commands(adc, sysfs):
    pilot = make_pilot(sysfs)
    pilot.close()
    pilot.close()  # closing twice is harmless
    with pytest.raises(DeviceUnavailable, match="control pilot is closed"):
        pilot.set_high()
    with pytest.raises(DeviceUnavailable):
        pilot.read()
    assert sysfs.value(0, "duty_cycle") == "0"
