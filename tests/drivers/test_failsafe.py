"""`station failsafe` (the unit's ExecStopPost): after the station died with a contactor
closed and the pilot offering current, every coil goes off and every pilot to state F."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fake_sysfs import FakePwmSysfs

from drivers.config import HardwareConfig
from drivers.failsafe import force_safe, plan_from_table
from station.cli import main

ROOT = Path(__file__).resolve().parents[2]
#: 16 A offered: CP duty 26.6 %, what a charging EVSE leaves in the PWM's duty_cycle.
CHARGING_DUTY_NS = 266_000


def write_config(tmp_path: Path, hardware: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        '[station]\nidentity = "CS-1"\n[csms]\nurl = "ws://127.0.0.1:9/ocpp"\n' + hardware
    )
    return path


def left_energised(factory, pin: int, level: bool = True):
    """A GPIO output as a killed process leaves it without strict_gpiod: claimed by
    nobody, still driven at its last level."""
    mock = factory.pin(pin)
    mock.function = "output"
    mock.state = level
    return mock


@pytest.fixture
def charging_sysfs(tmp_path):
    sysfs = FakePwmSysfs(tmp_path / "pwm")
    for channel in (0, 1):
        sysfs.export(channel, period=1_000_000, duty=CHARGING_DUTY_NS, enable=1)
    return sysfs


def gpio_station(sysfs: FakePwmSysfs, extra: str = "") -> str:
    return (
        f'[hardware]\ndriver = "gpio"\n'
        f'[[hardware.evse]]\nid = 1\npilot = {{ sysfs_root = "{sysfs.root}" }}\n'
        f'[[hardware.evse]]\nid = 2\npilot = {{ sysfs_root = "{sysfs.root}" }}\n{extra}'
    )


def test_failsafe_opens_both_contactors_and_puts_both_pilots_in_state_f(
    tmp_path, mock_factory, charging_sysfs, capsys
):
    coils = [left_energised(mock_factory, 17), left_energised(mock_factory, 27)]
    path = write_config(tmp_path, gpio_station(charging_sysfs))
    assert main(["failsafe", "--config", str(path)]) == 0
    assert [coil.state for coil in coils] == [False, False]
    for channel in (0, 1):
        assert charging_sysfs.value(channel, "duty_cycle") == "0"
        assert charging_sysfs.value(channel, "enable") == "0"
    out = capsys.readouterr().out
    assert "evse 1 contactor coil GPIO17: driven low (off)" in out
    assert "evse 2 pilot PWM pwmchip0/pwm1: duty 0, disabled: steady -12 V" in out


def test_coils_are_forced_before_the_pilots(tmp_path, mock_factory, charging_sysfs):
    plan = plan_from_table(tomllib.loads(gpio_station(charging_sysfs))["hardware"])
    items = [outcome.item for outcome in force_safe(plan, pin_factory=mock_factory)]
    assert items == [
        "evse 1 contactor coil GPIO17",
        "evse 2 contactor coil GPIO27",
        "evse 1 pilot PWM pwmchip0/pwm0",
        "evse 2 pilot PWM pwmchip0/pwm1",
    ]


def test_an_active_low_coil_and_an_inverted_stage_get_their_own_off_levels(
    tmp_path, mock_factory, charging_sysfs
):
    hardware = f"""
    [hardware]
    driver = "gpio"
    [[hardware.evse]]
    id = 1
    relay = {{ active_high = false }}
    pilot = {{ sysfs_root = "{charging_sysfs.root}", inverted = true, enable_pin = 16 }}
    [[hardware.evse]]
    id = 2
    pilot = {{ output = "bench_pwm", inverted = true, enable_pin = 26, enable_active_high = false }}
    """
    coil = left_energised(mock_factory, 17, level=False)  # active low: low = energised
    bench_pwm = left_energised(mock_factory, 19, level=False)
    stages = [left_energised(mock_factory, 16, True), left_energised(mock_factory, 26, False)]
    plan = plan_from_table(tomllib.loads(hardware)["hardware"])
    sleeps: list[float] = []
    outcomes = force_safe(plan, pin_factory=mock_factory, sleep=sleeps.append)
    assert all(outcome.forced for outcome in outcomes), outcomes
    assert coil.state is True
    # Inverted stage: GPIO high = -12 V. A disabled channel would idle low (+12 V), so
    # the kernel PWM stays enabled at a 100 % duty cycle.
    assert charging_sysfs.value(0, "duty_cycle") == "1000000"
    assert charging_sysfs.value(0, "enable") == "1"
    assert bench_pwm.state is True
    # Output stages off (16 active high, 26 active low), each after one period at F.
    assert [stage.state for stage in stages] == [False, True]
    assert sleeps == [0.001, 0.001]


def test_a_channel_that_was_never_exported_is_already_off(tmp_path, mock_factory):
    sysfs = FakePwmSysfs(tmp_path / "pwm")
    path = write_config(tmp_path, gpio_station(sysfs))
    assert main(["failsafe", "--config", str(path)]) == 0


def test_a_missing_pwm_chip_is_reported_and_the_coils_are_still_forced(
    tmp_path, mock_factory, capsys
):
    coil = left_energised(mock_factory, 17)
    path = write_config(tmp_path, '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\n')
    path.write_text(path.read_text() + f'pilot = {{ sysfs_root = "{tmp_path / "no-pwm"}" }}\n')
    assert main(["failsafe", "--config", str(path)]) == 1
    assert coil.state is False
    assert "FAILED evse 1 pilot PWM pwmchip0/pwm0" in capsys.readouterr().err


def test_a_busy_pin_fails_that_output_only(tmp_path, mock_factory, charging_sysfs, capsys):
    from gpiozero import OutputDevice

    holder = OutputDevice(17, initial_value=True)  # e.g. a control process still alive
    other = left_energised(mock_factory, 27)
    path = write_config(tmp_path, gpio_station(charging_sysfs))
    assert main(["failsafe", "--config", str(path)]) == 1
    assert other.state is False
    assert charging_sysfs.value(0, "enable") == "0"
    assert "FAILED evse 1 contactor coil GPIO17: GPIOPinInUse" in capsys.readouterr().err
    holder.close()


def test_an_unusable_key_is_reported_and_the_rest_still_forced(tmp_path, mock_factory, capsys):
    other = left_energised(mock_factory, 27)
    hardware = (
        '[hardware]\ndriver = "gpio"\n[[hardware.evse]]\nid = 1\nrelay = { pin = "17" }\n'
        '[[hardware.evse]]\nid = 2\npilot = { driver = "sim" }\n'
    )
    path = write_config(tmp_path, hardware)
    (tmp_path / "pwm" / "pwmchip0").mkdir(parents=True)
    path.write_text(
        path.read_text().replace(
            "id = 1\n", f'id = 1\npilot = {{ sysfs_root = "{tmp_path / "pwm"}" }}\n'
        )
    )
    assert main(["failsafe", "--config", str(path)]) == 1
    assert other.state is False
    assert "evse[1].relay.pin: not a BCM GPIO number (got '17')" in capsys.readouterr().err


def test_the_simulator_has_nothing_to_force(tmp_path, capsys):
    path = write_config(tmp_path, '[hardware]\ndriver = "sim"\n')
    assert main(["failsafe", "--config", str(path)]) == 0
    assert "nothing to force" in capsys.readouterr().out


def test_an_unreadable_config_exits_2(tmp_path, capsys):
    assert main(["failsafe", "--config", str(tmp_path / "missing.toml")]) == 2
    path = tmp_path / "broken.toml"
    path.write_text("[hardware\n")
    assert main(["failsafe", "--config", str(path)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


@pytest.mark.parametrize(
    "hardware",
    [
        {"driver": "gpio"},
        {"driver": "sim"},
        {
            "driver": "gpio",
            "evse": [
                {"id": 1, "pilot": {"pwm_pin": 12}, "relay": {"pin": 20, "active_high": False}},
                {"id": 2, "pilot": {"pwm_pin": 13, "pwm_chip": 2}, "relay": {"driver": "sim"}},
            ],
        },
        {
            "driver": "sim",
            "evse": [
                {
                    "id": 1,
                    "relay": {"driver": "gpio"},
                    "pilot": {"driver": "gpio"},
                    "faults": {"driver": "gpio"},
                }
            ],
        },
    ],
)
def test_failsafe_finds_the_outputs_the_station_drives(hardware):
    """The fail-safe reads the table without pydantic; it must land on the same pins."""
    config = HardwareConfig.model_validate(hardware)
    plan = plan_from_table(hardware)
    assert plan.problems == ()
    expected_coils = [
        (e.id, e.relay.pin, e.relay.active_high)
        for e in config.evse
        if config.driver_for("relay", e.id) == "gpio"
    ]
    assert [(c.evse_id, c.pin, c.active_high) for c in plan.coils] == expected_coils
    expected_pilots = [
        (e.id, e.pilot.pwm_chip, e.pilot.pwm_channel, e.pilot.inverted, e.pilot.enable_pin)
        for e in config.evse
        if config.driver_for("pilot", e.id) == "gpio"
    ]
    assert [
        (p.evse_id, p.pwm_chip, p.pwm_channel, p.inverted, p.enable_pin) for p in plan.pilots
    ] == expected_pilots


def test_the_failsafe_command_imports_no_pydantic_and_no_station_code(tmp_path, charging_sysfs):
    path = write_config(tmp_path, gpio_station(charging_sysfs))
    probe = (
        "import json, sys\n"
        "from station.cli import main\n"
        f"status = main(['failsafe', '--config', {str(path)!r}])\n"
        "heavy = ('pydantic', 'station.config', 'station.app', 'station.ocpp', 'drivers.config')\n"
        "print(json.dumps([status, sorted(m for m in heavy if m in sys.modules)]))\n"
    )
    env = {"GPIOZERO_PIN_FACTORY": "mock", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    status, loaded = json.loads(done.stdout.splitlines()[-1])
    assert (status, loaded) == (0, [])
    assert charging_sysfs.value(0, "enable") == "0"
