"""`station config list|get|set` on a stopped station's store."""

from __future__ import annotations

import pytest

from station.cli import main
from station.devicemodel.cli import BadReference, parse_reference
from station.devicemodel.model import Attribute, Component

TOML = """
[station]
identity = "CS-1"
serial_number = "SN-1"
vendor_name = "V"
model = "M"
data_dir = "{data}"
[csms]
url = "ws://127.0.0.1:9/ocpp"
security_profile = 1
basic_auth_password = "0123456789abcdef"
"""


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text(TOML.format(data=tmp_path / "data"))
    return str(path)


def test_references_parse():
    assert parse_reference("OCPPCommCtrlr.MessageAttempts[TransactionEvent]") == (
        Component("OCPPCommCtrlr"),
        "MessageAttempts",
        "TransactionEvent",
        Attribute.Actual,
    )
    assert parse_reference("EVSE#1.Power[MaxSet]") == (
        Component("EVSE", None, 1),
        "Power",
        None,
        Attribute.MaxSet,
    )
    assert parse_reference("Connector#2,1.ConnectorType") == (
        Component("Connector", None, 2, 1),
        "ConnectorType",
        None,
        Attribute.Actual,
    )
    with pytest.raises(BadReference):
        parse_reference("no dot here")


def test_set_then_get_persists_with_the_same_checks(config_path, capsys):
    assert (
        main(["config", "--config", config_path, "set", "OCPPCommCtrlr.OfflineThreshold", "240"])
        == 0
    )
    assert main(["config", "--config", config_path, "get", "OCPPCommCtrlr.OfflineThreshold"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "240"
    assert (
        main(["config", "--config", config_path, "set", "OCPPCommCtrlr.OfflineThreshold", "-1"])
        == 1
    )
    assert "below minLimit" in capsys.readouterr().err
    assert (
        main(["config", "--config", config_path, "set", "SecurityCtrlr.SecurityProfile", "3"]) == 1
    )
    assert main(["config", "--config", config_path, "get", "Nope.Nope"]) == 1
    assert "UnknownComponent" in capsys.readouterr().err


def test_write_only_values_never_show(config_path, capsys):
    assert main(["config", "--config", config_path, "get", "SecurityCtrlr.BasicAuthPassword"]) == 0
    assert main(["config", "--config", config_path, "list"]) == 0
    out = capsys.readouterr().out
    assert "0123456789abcdef" not in out
    assert "SecurityCtrlr.BasicAuthPassword = <secret>" in out
    assert "OCPPCommCtrlr.HeartbeatInterval = 300" in out


def readme_references() -> list[str]:
    """The REF examples of the README's `station config` row."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    (row,) = [line for line in readme.splitlines() if line.startswith("| `station config ")]
    return re.findall(r"`([A-Za-z]+(?:#\d+)?\.[A-Za-z]+(?:\[[A-Za-z]+\])?)`", row)


def test_every_reference_the_readme_shows_reads(config_path, capsys):
    references = readme_references()
    assert len(references) == 3
    for reference in references:
        assert main(["config", "--config", config_path, "get", reference]) == 0, reference
    assert capsys.readouterr().err == ""


def test_a_value_only_the_running_station_knows_says_so(config_path, capsys):
    reference = "OCPPCommCtrlr.ActiveNetworkProfile"
    assert main(["config", "--config", config_path, "get", reference]) == 0
    assert capsys.readouterr().out == "(live: read from the running station)\n"
    assert main(["config", "--config", config_path, "list"]) == 0
    out = capsys.readouterr().out
    assert f"{reference} = (live: read from the running station)" in out
    assert "ClockCtrlr.TimeZone = <unset>" in out  # writable and not set: really unset


def test_list_into_a_closed_pipe_ends_quietly(config_path):
    """`station config list | head`: the reader has gone; no traceback, status 141."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader left before the first line
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "station", "config", "--config", config_path, "list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert finished.stderr == ""
    assert finished.returncode == 141


def test_demo_refuses_a_duration_that_is_not_positive(capsys):
    for bad in ("-5", "0", "soon"):
        with pytest.raises(SystemExit) as caught:
            main(["demo", "--duration", bad])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert "argument --duration:" in err and "Traceback" not in err


def test_log_without_a_log_says_so(config_path, capsys, tmp_path):
    assert main(["log", "--config", config_path]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"station log: no OCPP messages logged yet in {tmp_path / 'data' / 'ocpp-messages.log'} "
        "(has the station run with this config and reached its CSMS?)\n"
    )


def test_log_with_a_filter_that_matches_nothing_says_so(config_path, capsys, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ocpp-messages.log").write_text(
        '{"time": "2026-12-04T10:00:00Z", "direction": "out", "action": "Heartbeat", '
        '"frame": [2, "1", "Heartbeat", {}]}\n'
    )
    assert main(["log", "--config", config_path, "--action", "Authorize"]) == 0
    assert capsys.readouterr().err == "station log: no logged frame matches action Authorize\n"


def test_run_to_completion_refuses_a_coroutine_that_waits_for_an_event_loop():
    """`station config` runs the device model without trio; code that would suspend for a
    scheduler is an error that names the cause, not a hang or a silent None."""
    import types

    from station.offload import DirectOffload, run_to_completion

    async def direct() -> int:
        return await DirectOffload().run(lambda: 42)

    @types.coroutine
    def suspend():
        yield "a scheduler's wake-up"

    async def waits() -> None:
        await suspend()

    assert run_to_completion(direct()) == 42
    with pytest.raises(RuntimeError, match="waited for an event loop"):
        run_to_completion(waits())
