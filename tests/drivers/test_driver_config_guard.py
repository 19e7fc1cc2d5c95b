"""The [hardware] table refuses simulated inputs next to a real contactor, and warns
about what a valid configuration leaves unguarded."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from drivers.config import HardwareConfig

BENCH = "[hardware.bench]\nallow_simulated_inputs = true\n"


def parse(text: str) -> HardwareConfig:
    return HardwareConfig.model_validate(tomllib.loads(text).get("hardware", {}))


def error_of(text: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse(text)
    return str(caught.value)


SIM_PILOT_GPIO_RELAY = """
[hardware]
driver = "sim"
[[hardware.evse]]
id = 1
relay = { driver = "gpio" }
"""

GPIO_WITH_SIM_FAULTS = """
[hardware]
driver = "gpio"
[[hardware.evse]]
id = 1
faults = { driver = "sim" }
"""


def test_a_simulated_pilot_with_a_gpio_relay_is_refused():
    message = error_of(SIM_PILOT_GPIO_RELAY)
    assert 'evse[1]: pilot.driver = "sim" with a gpio relay' in message
    assert "set hardware.bench.allow_simulated_inputs = true" in message


def test_a_gpio_pilot_overridden_to_sim_is_refused_too():
    text = '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\npilot = { driver = "sim" }\n'
    assert 'evse[1]: pilot.driver = "sim"' in error_of(text)


def test_simulated_fault_inputs_with_a_gpio_relay_are_refused():
    message = error_of(GPIO_WITH_SIM_FAULTS)
    assert 'evse[1]: faults.driver = "sim" with a gpio relay' in message
    assert "RCD trip" in message


def test_the_conflict_names_the_evse_that_has_it():
    text = """
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    [[hardware.evse]]
    id = 2
    pilot = { driver = "sim" }
    """
    assert "evse[2]: pilot.driver" in error_of(text)


def test_the_bench_flag_allows_simulated_inputs_and_says_so():
    config = parse(SIM_PILOT_GPIO_RELAY + BENCH)
    assert config.driver_for("pilot", 1) == "sim"
    assert config.driver_for("relay", 1) == "gpio"
    warning, meter = config.safety_warnings()
    assert warning.startswith('evse[1]: pilot.driver = "sim" with a gpio relay')
    assert "bench use only" in warning
    assert meter.startswith('evse[1]: meter.driver = "sim"')
    faults = parse(GPIO_WITH_SIM_FAULTS + BENCH)
    assert any("faults.driver" in w for w in faults.safety_warnings())


def test_simulated_inputs_with_a_simulated_relay_need_no_flag():
    # Nothing real switches: the simulator and a bench ADC/PWM are harmless together.
    text = '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\nrelay = { driver = "sim" }\n'
    text += 'pilot = { driver = "sim" }\nfaults = { driver = "sim" }\n'
    config = parse(text)
    assert config.safety_warnings() == []


def test_a_real_contactor_without_a_mirror_contact_is_a_warning():
    text = '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\nrelay = { feedback = false }\n'
    (warning,) = parse(text).safety_warnings()
    assert warning.startswith("evse[1].relay.feedback = false")
    assert "welded" in warning


def test_a_simulated_meter_next_to_a_real_contactor_is_a_warning():
    text = '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\nmeter = { driver = "sim" }\n'
    (warning,) = parse(text).safety_warnings()
    assert warning.startswith('evse[1]: meter.driver = "sim" with a gpio relay')


def test_a_fully_wired_station_and_the_simulator_have_no_warnings():
    assert parse('[hardware]\ndriver = "gpio"\n').safety_warnings() == []
    assert parse('[hardware]\ndriver = "sim"\n').safety_warnings() == []
