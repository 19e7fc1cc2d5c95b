"""The [hardware] table: families, per-device overrides, defaults and wiring checks."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from drivers.config import HardwareConfig


def parse(text: str) -> HardwareConfig:
    return HardwareConfig.model_validate(tomllib.loads(text).get("hardware", {}))


def error_of(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse(text)
    return str(caught.value)


def test_driver_sim_alone_gives_two_simulated_evses():
    config = parse('[hardware]\ndriver = "sim"\n')
    assert [e.id for e in config.evse] == [1, 2]
    assert config.uses_sim()
    for evse in config.evse:
        for device in ("pilot", "relay", "faults", "meter"):
            assert config.driver_for(device, evse.id) == "sim"
    assert config.driver_for("rfid") == "sim"


def test_gpio_family_uses_serial_for_meters_and_the_reader():
    config = parse('[hardware]\ndriver = "gpio"\n')
    assert config.driver_for("pilot", 1) == "gpio"
    assert config.driver_for("relay", 2) == "gpio"
    assert config.driver_for("faults", 2) == "gpio"
    assert config.driver_for("meter", 1) == "serial"
    assert config.driver_for("rfid") == "serial"
    assert not config.uses_sim()


def test_gpio_defaults_follow_the_wiring_table():
    first, second = parse('[hardware]\ndriver = "gpio"\n').evse
    assert (first.relay.pin, first.relay.feedback_pin, first.faults.rcd_pin) == (17, 22, 24)
    assert (second.relay.pin, second.relay.feedback_pin, second.faults.rcd_pin) == (27, 23, 25)
    assert (first.pilot.pwm_chip, first.pilot.pwm_channel, second.pilot.pwm_channel) == (0, 0, 1)
    assert (first.pilot.positive_channel, first.pilot.negative_channel) == (0, 1)
    assert (second.pilot.positive_channel, second.pilot.negative_channel) == (2, 3)
    assert (first.pilot.reset_pin, second.pilot.reset_pin) == (5, 6)
    assert (first.meter.port, first.meter.baudrate) == ("/dev/ttyUSB0", 2400)
    assert first.meter.unit_id == 1
    assert second.meter.unit_id == 2


def test_the_documented_shape_parses():
    config = parse(
        """
        [hardware]
        driver = "gpio"
        [hardware.rfid]
        driver = "serial"
        port = "/dev/serial0"
        [[hardware.evse]]
        id = 1
        max_current = 32.0
        [hardware.evse.pilot]
        pwm_chip = 0
        pwm_channel = 0
        [hardware.evse.meter]
        port = "/dev/ttyUSB0"
        unit_id = 1
        """
    )
    assert len(config.evse) == 1
    assert config.evse[0].relay.pin == 17  # defaults still fill the rest


def test_a_device_section_can_override_the_family():
    config = parse(
        """
        [hardware]
        driver = "gpio"
        [hardware.rfid]
        driver = "sim"
        [[hardware.evse]]
        id = 1
        meter = { driver = "sim" }
        """
    )
    assert config.driver_for("rfid") == "sim"
    assert config.driver_for("meter", 1) == "sim"
    assert config.driver_for("relay", 1) == "gpio"
    assert config.uses_sim()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[hardware]\ncolour = "red"\n', "colour"),
        ("[hardware.rfid]\nbaud = 9600\n", "rfid.baud"),
        ("[hardware.sim]\nspeed = 2\n", "sim.speed"),
        ("[[hardware.evse]]\nid = 1\nwheels = 4\n", "evse.0.wheels"),
        ("[[hardware.evse]]\nid = 1\n[hardware.evse.relay]\npins = 3\n", "evse.0.relay.pins"),
    ],
)
def test_unknown_keys_are_rejected(text, where):
    message = error_of(text)
    assert where in message
    assert "Extra inputs are not permitted" in message


def test_a_wrong_device_driver_is_rejected():
    assert "meter.driver" in error_of("[[hardware.evse]]\nid = 1\nmeter = { driver = 'gpio' }\n")


def test_evse_ids_must_run_from_one():
    assert "EVSE ids must be 1..n" in error_of("[[hardware.evse]]\nid = 2\n")


def test_a_third_gpio_evse_must_name_its_pins():
    text = '[hardware]\ndriver = "gpio"\n' + "".join(
        f"[[hardware.evse]]\nid = {i}\n" for i in (1, 2, 3)
    )
    assert "evse[3].pilot.reset_pin: required for the gpio pilot" in error_of(text)


def test_a_third_sim_evse_needs_nothing():
    text = "".join(f"[[hardware.evse]]\nid = {i}\n" for i in (1, 2, 3))
    assert len(parse(text).evse) == 3


def test_a_pin_used_twice_is_rejected():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    [[hardware.evse]]
    id = 2
    relay = { pin = 17 }
    """
    assert "evse[2].relay.pin: GPIO17 is already used by evse[1].relay.pin" in error_of(text)


def test_a_bus_pin_is_rejected():
    text = '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\nrelay = { pin = 8 }\n'
    assert "GPIO8 is already used by SPI0 CE0" in error_of(text)


def test_uart_pins_are_free_when_the_reader_is_on_usb():
    text = """
    [hardware]
    driver = "gpio"
    rfid = { port = "/dev/ttyUSB1" }
    [[hardware.evse]]
    id = 1
    relay = { pin = 14 }
    """
    assert parse(text).evse[0].relay.pin == 14


def test_an_adc_channel_used_twice_is_rejected():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    [[hardware.evse]]
    id = 2
    pilot = { positive_channel = 1 }
    """
    assert "evse[2].pilot.positive_channel: channel 1 is already used" in error_of(text)


def test_an_adc_channel_beyond_the_chip_is_rejected():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    pilot = { adc_chip = "MCP3202", positive_channel = 0, negative_channel = 2 }
    """
    assert "MCP3202 has channels 0-1, got 2" in error_of(text)


def test_meters_on_one_port_must_agree_on_the_line_settings():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    [[hardware.evse]]
    id = 2
    meter = { baudrate = 9600 }
    """
    assert "differ from evse[1].meter on the same port /dev/ttyUSB0" in error_of(text)


def test_meters_on_one_port_need_distinct_unit_ids():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    [[hardware.evse]]
    id = 2
    meter = { unit_id = 1 }
    """
    assert "unit_id: 1 on /dev/ttyUSB0 is already used by evse[1].meter" in error_of(text)


def test_a_bench_pilot_claims_its_pin():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    pilot = { output = "bench_pwm", pwm_pin = 17 }
    """
    assert "GPIO17 is already used by evse[1].pilot.pwm_pin" in error_of(text)


def test_the_hardware_pwm_pin_is_not_free_for_other_devices():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    faults = { rcd_pin = 18 }
    """
    assert "faults.rcd_pin: GPIO18 is already used by evse[1].pilot.pwm_pin" in error_of(text)


def test_pwm_on_gpio12_and_13():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    pilot = { pwm_pin = 12 }
    [[hardware.evse]]
    id = 2
    pilot = { pwm_pin = 13 }
    """
    assert [e.pilot.pwm_pin for e in parse(text).evse] == [12, 13]


def test_without_feedback_the_feedback_pin_is_free():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    relay = { feedback = false }
    faults = { rcd_pin = 22 }
    """
    assert parse(text).evse[0].faults.rcd_pin == 22


def test_many_simulated_evses_need_no_wiring():
    text = "".join(f"[[hardware.evse]]\nid = {i}\n" for i in range(1, 7))
    assert len(parse(text).evse) == 6


def test_defaults_also_apply_when_built_in_code():
    config = HardwareConfig(driver="gpio")
    assert [e.relay.pin for e in config.evse] == [17, 27]
