"""The configuration guard end to end: simulated inputs never close a real contactor
unless a bench flag says so, and then the station says it loudly."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import trio

from station.cli import main
from station.config import ConfigError
from tests.conftest import make_config, running_station

CARD = "04A1B2C3"
#: The reproduced case: the simulator's pilot and card reader, a real contactor coil on
#: GPIO17 (EVSE 1's default) without a mirror contact.
SIM_WITH_A_GPIO_RELAY = {
    "driver": "sim",
    "evse": [{"id": 1, "relay": {"driver": "gpio", "feedback": False}}, {"id": 2}],
}
BENCH = {"bench": {"allow_simulated_inputs": True}}

TOML = """
[station]
identity = "CS-GUARD-01"
serial_number = "SN-0001"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "{data}"
[csms]
url = "ws://127.0.0.1:9/ocpp"
security_profile = 1
basic_auth_password = "0123456789abcdef"
[hardware]
driver = "sim"
{extra}
[[hardware.evse]]
id = 1
relay = {{ driver = "gpio", feedback = false }}
[[hardware.evse]]
id = 2
"""


@pytest.fixture
def mock_pins() -> Iterator[object]:
    """gpiozero's mock pins as the default pin factory, as on a Pi without the Pi."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    saved = Device.pin_factory
    factory = MockFactory()
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        factory.reset()
        Device.pin_factory = saved


def test_station_run_refuses_a_simulated_pilot_with_a_gpio_relay(tmp_path, capsys):
    path = tmp_path / "station.toml"
    path.write_text(TOML.format(data=tmp_path / "data", extra=""))
    with pytest.raises(SystemExit) as caught:
        main(["run", "--config", str(path)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        'station: config error: hardware: evse[1]: pilot.driver = "sim" with a gpio relay '
        "would let simulated EV states close a real contactor; "
        "set hardware.bench.allow_simulated_inputs = true on a bench without mains"
    )
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_the_reproduced_case_is_refused_at_config_load(tmp_path):
    with pytest.raises(ConfigError, match=r'evse\[1\]: pilot.driver = "sim" with a gpio relay'):
        make_config(tmp_path / "data", hardware=SIM_WITH_A_GPIO_RELAY)


async def test_with_the_bench_flag_sim_commands_close_the_real_coil_and_the_log_warns(
    tmp_path, mock_pins, autojump_clock, caplog
):
    config = make_config(tmp_path / "data", hardware={**SIM_WITH_A_GPIO_RELAY, **BENCH})
    coil = mock_pins.pin(17)
    with caplog.at_level(logging.WARNING, logger="drivers.factory"):
        async with running_station(config, control_period=0.01) as env:
            await env.csms.wait_for("StatusNotification", count=2)
            assert coil.state is False
            sim = env.station.hardware.sim
            # No EV anywhere: the simulator plugs one in, a card is tapped, "the EV" asks
            # for power, and the real coil is energised. This is what the flag allows.
            sim.plug(1)
            await trio.sleep(1)
            sim.tap(CARD)
            await env.csms.wait_for("TransactionEvent")
            await trio.sleep(0.05)
            sim.set_ev_state(1, "C")
            await trio.sleep(1)
            assert env.station.loops[1].snapshot.relay_closed
            assert coil.state is True
    assert coil.state is False  # the station opened it on the way out
    warnings = [
        r.getMessage() for r in caplog.records if "hardware_safety_warning" in r.getMessage()
    ]
    assert any('pilot.driver = "sim" with a gpio relay' in w for w in warnings)
    assert any("bench use only" in w for w in warnings)
    assert any("relay.feedback = false" in w for w in warnings)


def test_station_check_shows_each_safety_warning_loudly(tmp_path, mock_pins, capsys):
    path = tmp_path / "station.toml"
    extra = "[hardware.bench]\nallow_simulated_inputs = true\n"
    path.write_text(TOML.format(data=tmp_path / "data", extra=extra))
    main(["check", "--config", str(path), "--timeout", "1"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "WARN" in line.split()[:2]]
    assert len(lines) == 3  # the simulated pilot, no mirror contact, the simulated meter
    assert any('evse[1]: pilot.driver = "sim"' in line for line in lines)
    assert any("evse[1].relay.feedback = false" in line for line in lines)
    assert "WITH 3 SAFETY WARNINGS" in out.splitlines()[-1]
    # The probe of the real contactor still runs (and leaves it open).
    assert "EVSE 1 contactor" in out
    assert mock_pins.pin(17).state is False
