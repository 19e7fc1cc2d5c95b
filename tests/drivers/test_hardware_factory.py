"""build_hardware: from a [hardware] table to driver objects."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_mcp3xxx import FakeMcp3xxx
from fake_sysfs import FakePwmSysfs

from drivers import DeviceUnavailable, HardwareConfig, build_hardware
from drivers.interfaces import (
    CardReader,
    ContactorRelay,
    ControlPilot,
    EnergyMeter,
    FaultInputs,
    PilotReading,
)

MOMENT = datetime(2025, 1, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def build(config: HardwareConfig, **kwargs):
    return build_hardware(config, now=lambda: 0.0, wall_clock=lambda: MOMENT, **kwargs)


def gpio_config(sysfs_root: Path, tmp_path: Path, **hardware) -> HardwareConfig:
    pilot = {"sysfs_root": str(sysfs_root)}
    return HardwareConfig.model_validate(
        {
            "driver": "gpio",
            "rfid": {"port": str(tmp_path / "no-reader")},
            "evse": [
                {"id": 1, "pilot": pilot, "meter": {"port": str(tmp_path / "no-meter")}},
                {"id": 2, "pilot": pilot, "meter": {"port": str(tmp_path / "no-meter")}},
            ],
            **hardware,
        }
    )


@pytest.fixture
def exported_sysfs(tmp_path):
    sysfs = FakePwmSysfs(tmp_path / "pwm")
    sysfs.export(0)
    sysfs.export(1)
    return sysfs


def test_importing_drivers_loads_no_hardware_backend():
    probe = (
        "import sys, drivers; "
        "print(sorted(m for m in ('gpiozero', 'serial', 'pymodbus', 'drivers.sim', "
        "'drivers.gpio', 'drivers.serial') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_default_configuration_is_a_simulated_two_evse_station():
    hardware = build(HardwareConfig())

    assert [e.id for e in hardware.evses] == [1, 2]
    assert hardware.sim is not None
    for evse in hardware.evses:
        assert isinstance(evse.pilot, ControlPilot)
        assert isinstance(evse.relay, ContactorRelay)
        assert isinstance(evse.faults, FaultInputs)
        assert isinstance(evse.meter, EnergyMeter)
    assert isinstance(hardware.card_reader, CardReader)
    assert hardware.card_reader is hardware.sim.card_reader


def test_the_sim_handle_drives_the_devices_the_station_got():
    hardware = build(HardwareConfig())
    hardware.sim.plug(2)
    assert hardware.evse(2).pilot.read() == PilotReading(9.0, 9.0)
    hardware.sim.tap("DEADBEEF")
    assert hardware.card_reader.poll() == "DEADBEEF"


def test_sim_settings_reach_the_simulation():
    config = HardwareConfig.model_validate(
        {"sim": {"ev_max_current": 10.0}, "evse": [{"id": 1, "nominal_voltage": 120.0}]}
    )
    hardware = build(config)
    hardware.sim.set_ev_state(1, "C")
    hardware.evse(1).pilot.set_duty(50)
    hardware.evse(1).relay.set_closed(True)
    sample = hardware.evse(1).meter.sample()
    assert sample.current == 10.0
    assert sample.voltage == pytest.approx(120.0, abs=1.0)
    assert sample.timestamp == MOMENT


def test_an_unknown_evse_is_rejected():
    with pytest.raises(ValueError, match="unknown EVSE 3"):
        build(HardwareConfig()).evse(3)


def test_the_gpio_family_builds_real_drivers(tmp_path, mock_factory, exported_sysfs):
    from drivers.gpio import GpioContactorRelay, GpioControlPilot, GpioFaultInputs
    from drivers.serial import Pn532CardReader, SdmMeter

    sysfs = exported_sysfs
    adc = FakeMcp3xxx("MCP3208")
    hardware = build(gpio_config(sysfs.root, tmp_path))

    assert hardware.sim is None
    first = hardware.evse(1)
    assert isinstance(first.pilot, GpioControlPilot)
    assert isinstance(first.relay, GpioContactorRelay)
    assert isinstance(first.faults, GpioFaultInputs)
    assert isinstance(first.meter, SdmMeter)
    assert isinstance(hardware.card_reader, Pn532CardReader)
    assert hardware.evse(1).meter._bus is hardware.evse(2).meter._bus  # one RS-485 line

    hardware.evse(2).relay.set_closed(True)
    assert mock_factory.pin(27).state is True
    adc.channels[2] = (9.0 + 15) * 3.3 / 30
    adc.channels[3] = (-12.0 + 15) * 3.3 / 30
    reading = hardware.evse(2).pilot.read()
    assert reading.high == pytest.approx(9.0, abs=0.02)
    assert reading.low == pytest.approx(-12.0, abs=0.02)
    hardware.evse(1).pilot.set_duty(50)
    assert sysfs.value(0, "duty_cycle") == "500000"

    # Serial devices open on first use: absent ports only show up then.
    with pytest.raises(DeviceUnavailable, match="no-meter"):
        hardware.evse(1).meter.sample()
    with pytest.raises(DeviceUnavailable, match="no-reader"):
        hardware.card_reader.poll()

    hardware.close()
    assert mock_factory.pin(27).state is False
    assert sysfs.value(0, "duty_cycle") == "0"  # pilots left at -12 V
    adc.close()


def test_mixed_families_share_one_simulation(tmp_path, mock_factory, exported_sysfs):
    from drivers.sim import SimulatedMeter

    config = gpio_config(exported_sysfs.root, tmp_path, rfid={"driver": "sim"})
    config = config.model_copy(
        update={
            "evse": [
                e.model_copy(update={"meter": e.meter.model_copy(update={"driver": "sim"})})
                for e in config.evse
            ]
        }
    )
    hardware = build(config)
    assert hardware.sim is not None
    assert isinstance(hardware.evse(1).meter, SimulatedMeter)
    assert hardware.card_reader is hardware.sim.card_reader
    assert hardware.sim.status()["evses"]["1"]["simulated"] == ["meter"]
    hardware.sim.tap("DEADBEEF")
    with pytest.raises(ValueError, match="is real hardware here"):
        hardware.sim.plug(1)
    hardware.close()


def test_a_device_that_fails_releases_everything_built_before(tmp_path, mock_factory):
    sysfs = FakePwmSysfs(tmp_path / "pwm", npwm=1)  # no channel for EVSE 2
    sysfs.export(0)

    with pytest.raises(DeviceUnavailable, match="EVSE 2 control pilot PWM"):
        build(gpio_config(sysfs.root, tmp_path))

    from gpiozero import OutputDevice

    for pin in (17, 22, 24, 5, 27):  # EVSE 1's and EVSE 2's pins are free again
        OutputDevice(pin).close()
    assert mock_factory.pin(17).state is False
    assert sysfs.value(0, "duty_cycle") == "0"


def test_a_failed_build_releases_the_simulated_world(tmp_path, mock_factory):
    sysfs = FakePwmSysfs(tmp_path / "pwm", npwm=1)  # no channel for EVSE 2
    sysfs.export(0)
    config = gpio_config(sysfs.root, tmp_path, rfid={"driver": "sim"})
    data = tmp_path / "data"

    with pytest.raises(DeviceUnavailable, match="EVSE 2 control pilot PWM"):
        build(config, data_dir=data)

    # The world file is free again: a simulated station in this process can take it.
    build(HardwareConfig.model_validate({"driver": "sim"}), data_dir=data).close()


def test_a_heartbeat_pin_gives_a_toggling_output_and_none_warns(
    tmp_path, mock_factory, exported_sysfs, caplog
):
    from drivers.gpio import GpioHeartbeat

    adc = FakeMcp3xxx("MCP3208")
    config = gpio_config(exported_sysfs.root, tmp_path)
    first = config.evse[0].model_copy(
        update={"relay": config.evse[0].relay.model_copy(update={"heartbeat_pin": 20})}
    )
    config = HardwareConfig.model_validate(
        {**config.model_dump(), "evse": [first.model_dump(), config.evse[1].model_dump()]}
    )
    with caplog.at_level("WARNING"):
        hardware = build(config)
    heartbeat = hardware.evse(1).heartbeat
    assert isinstance(heartbeat, GpioHeartbeat)
    levels = []
    for _ in range(3):
        heartbeat.toggle()
        levels.append(mock_factory.pin(20).state)
    assert levels == [True, False, True]
    assert hardware.evse(2).heartbeat is None
    assert "event=no_heartbeat_output evse=2" in caplog.text
    assert "evse=1" not in caplog.text
    hardware.close()
    adc.close()


def test_a_heartbeat_pin_used_twice_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="heartbeat_pin: GPIO17 is already used"):
        HardwareConfig.model_validate(
            {"driver": "gpio", "evse": [{"id": 1, "relay": {"heartbeat_pin": 17}}]}
        )


def test_the_simulated_relay_comes_with_the_simulated_heartbeat():
    hardware = build(HardwareConfig.model_validate({"sim": {"interlock_window": 0.05}}))
    assert hardware.evse(1).heartbeat is hardware.sim.evse(1).heartbeat
    assert hardware.sim.status()["evses"]["1"]["interlock"]["window"] == 0.05
