"""`station sim …` drives a running station through its control socket."""

from __future__ import annotations

import json

import trio

from station.cli import main
from tests.conftest import FAST, PASSWORD, live_station, make_config

TOML = """
[station]
identity = "CS-TEST-01"
serial_number = "SN-0001"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "{data}"
control_socket = "{socket}"
[csms]
url = "{url}"
security_profile = 1
basic_auth_password = "{password}"
[hardware]
driver = "sim"
"""


async def cli(*args) -> int:
    return await trio.to_thread.run_sync(lambda: main(list(args)))


def write_config(tmp_path, url):
    path = tmp_path / "station.toml"
    path.write_text(
        TOML.format(data=tmp_path / "data", socket=tmp_path / "s.sock", url=url, password=PASSWORD)
    )
    return path


async def test_plug_tap_ev_state_and_status_through_the_cli(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        capsys.readouterr()
        assert await cli("sim", "--config", str(path), "plug", "1") == 0
        assert capsys.readouterr().out == "EVSE 1: EV plugged in (state B)\n"
        await judge.wait_for(
            "StatusNotification", where=lambda p: p["connectorStatus"] == "Occupied"
        )
        assert await cli("sim", "--config", str(path), "tap", "04a1b2c3") == 0
        assert capsys.readouterr().out == "card 04A1B2C3 presented to the reader\n"
        await judge.wait_for("TransactionEvent")
        assert await cli("sim", "--config", str(path), "ev-state", "1", "C") == 0
        assert capsys.readouterr().out == "EVSE 1: EV in state C\n"
        await judge.wait_for(
            "TransactionEvent", where=lambda p: p["triggerReason"] == "ChargingStateChanged"
        )
        assert await cli("sim", "--config", str(path), "status") == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 3  # one line per EVSE and the card reader
        assert lines[0].startswith("EVSE 1: Occupied, EV C, pilot "), lines
        assert ", contactor " in lines[0] and ", tx " in lines[0], lines
        assert lines[1].startswith("EVSE 2: Available, no EV, pilot A, contactor open")
        assert lines[2].startswith("card reader: ")
        assert await cli("sim", "--config", str(path), "status", "--json") == 0
        status = json.loads(capsys.readouterr().out)
        evse = status["evses"]["1"]
        assert evse["connector_status"] == "Occupied"
        assert evse["transaction_id"] is not None
        assert status["hardware"]["evses"]["1"]["ev"]["state"] == "C"
        assert await cli("sim", "--config", str(path), "fault", "1", "rcd") == 0
        await judge.wait_for(
            "StatusNotification", where=lambda p: p["connectorStatus"] == "Faulted"
        )


async def test_errors_are_one_clear_line_and_exit_1(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    assert await cli("sim", "--config", str(path), "plug", "1") == 1
    assert "no station is running" in capsys.readouterr().err
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        assert await cli("sim", "--config", str(path), "plug", "7") == 1
        assert "unknown EVSE 7" in capsys.readouterr().err


async def test_pilot_voltage_ev_ignore_pwm_and_clear_fault_through_the_cli(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        assert await cli("sim", "--config", str(path), "plug", "1") == 0
        assert await cli("sim", "--config", str(path), "tap", "04a1b2c3") == 0
        await judge.wait_for("TransactionEvent")
        assert await cli("sim", "--config", str(path), "ev-state", "1", "C") == 0
        await judge.wait_for(
            "TransactionEvent", where=lambda p: p["triggerReason"] == "ChargingStateChanged"
        )
        # A positive plateau of -5 V fits no IEC 61851-1 state: the EVSE faults.
        assert await cli("sim", "--config", str(path), "pilot-voltage", "1", "-5", "-12") == 0
        await judge.wait_for(
            "StatusNotification", where=lambda p: p["connectorStatus"] == "Faulted"
        )
        capsys.readouterr()
        assert await cli("sim", "--config", str(path), "status", "--json") == 0
        status = json.loads(capsys.readouterr().out)
        assert status["evses"]["1"]["relay"] == "open"
        assert status["hardware"]["evses"]["1"]["pilot"]["injected"] is True
        assert await cli("sim", "--config", str(path), "pilot-voltage", "1", "auto") == 0
        assert await cli("sim", "--config", str(path), "ev-ignore-pwm", "1", "on") == 0
        capsys.readouterr()
        assert await cli("sim", "--config", str(path), "status", "--json") == 0
        hardware = json.loads(capsys.readouterr().out)["hardware"]["evses"]["1"]
        assert hardware["pilot"]["injected"] is False
        assert hardware["ev"]["ignores_pwm"] is True

        assert await cli("clear-fault", "--config", str(path), "1") == 0
        assert "EVSE 1 has no latched fault" in capsys.readouterr().out
        assert await cli("clear-fault", "--config", str(path), "7") == 1
        assert "unknown EVSE 7" in capsys.readouterr().err
        assert await cli("sim", "--config", str(path), "pilot-voltage", "1", "-5") == 1
        assert "POS NEG" in capsys.readouterr().err
        assert await cli("sim", "--config", str(path), "pilot-voltage", "1", "x", "y") == 1
        assert "two numbers of volts" in capsys.readouterr().err


async def test_ev_and_soc_through_the_cli(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        capsys.readouterr()
        args = ["sim", "--config", str(path), "ev", "1", "--capacity-kwh", "60", "--soc", "20"]
        assert await cli(*args) == 0
        assert capsys.readouterr().out == "EVSE 1: EV 60 kWh at 20.0 %, max 32 A, 3 phases\n"
        assert await cli("sim", "--config", str(path), "soc", "1", "85") == 0
        assert capsys.readouterr().out == "EVSE 1: EV at 85 %\n"
        assert await cli("sim", "--config", str(path), "plug", "1") == 0
        capsys.readouterr()
        assert await cli("sim", "--config", str(path), "status") == 0
        assert ", EV B 85 %," in capsys.readouterr().out
        assert await cli("sim", "--config", str(path), "soc", "1", "120") == 1
        assert "soc must be between 0 and 100 %, got 120" in capsys.readouterr().err
        assert await cli("sim", "--config", str(path), "soc", "2", "50") == 1
        assert "EVSE 2's EV has no battery model" in capsys.readouterr().err
