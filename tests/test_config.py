"""The configuration contract: the example parses, bad input names the key, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.cli import main
from station.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent
VALID = """
[station]
identity = "CS-1"
serial_number = "SN-1"
vendor_name = "V"
model = "M"
data_dir = "data"
[csms]
url = "ws://127.0.0.1:9000/ocpp"
security_profile = 1
basic_auth_password = "0123456789abcdef"
"""


def test_the_example_config_is_valid_and_resolves_relative_paths():
    config = load_config(ROOT / "station.example.toml")
    assert config.station.data_dir == ROOT / "data"
    assert [e.id for e in config.hardware.evse] == [1, 2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('identity = "CS-1"\n', ""),
            "station.identity: required key is missing",
        ),
        (
            lambda t: t.replace('model = "M"', 'model = "M"\ncolour = "red"'),
            "station.colour: unknown key",
        ),
        (
            lambda t: t.replace("security_profile = 1", "security_profile = 4"),
            "csms.security_profile",
        ),
        (lambda t: t.replace("ws://", "http://"), "csms.url"),
        (
            lambda t: t.replace("security_profile = 1", "security_profile = 2"),
            "csms.url: security_profile 2 needs wss://",
        ),
        (
            lambda t: t.replace('"0123456789abcdef"', '"short"'),
            "csms.basic_auth_password: must be 16",
        ),
        (lambda t: t + '\n[hardware]\ndriver = "arduino"\n', "hardware.driver"),
        (
            lambda t: t.replace('identity = "CS-1"', 'identity = "CS:1"'),
            "station.identity: contains ':'",
        ),
        (
            lambda t: t.replace(":9000/", ":99999/"),
            "csms.url: the port must be a number from 1 to 65535",
        ),
        (
            lambda t: t.replace(":9000/", ":0/"),
            "csms.url: the port must be a number from 1 to 65535",
        ),
        (
            lambda t: t.replace("url =", "urll ="),
            "csms.urll: unknown key (did you mean url?); csms.url: required key is missing",
        ),
        (
            lambda t: t + '\n[[hardware.evse]]\nid = 1\nmax_current = "32"\n',
            "hardware.evse[1].max_current: Input should be a valid number (got '32')",
        ),
        (
            lambda t: t + "\n[[hardware.evse]]\nid = 1\n[hardware.evse.meter]\nbaudrat = 2400\n",
            "hardware.evse[1].meter.baudrat: unknown key (did you mean baudrate?)",
        ),
        (
            lambda t: t.replace("[csms]", "[csms]\nmessage_timeout = '30'"),
            "csms.message_timeout: Input should be a valid integer (got '30')",
        ),
        (
            lambda t: t + "\n[hardware.relay]\npin = 17\n",
            "hardware.relay: unknown key\n",
        ),
        (
            lambda t: t + '\n[ems]\nenabled = true\nbind = "localhost"\n',
            "ems.bind: 'localhost' is not an IP address",
        ),
        (
            lambda t: t + "\n[ems]\nunit_id = 248\n",
            "ems.unit_id: Input should be less than or equal to 247 (got 248)",
        ),
        (
            lambda t: t + "\n[ems]\nfailsafe_timeout = 7200\n",
            "ems.failsafe_timeout: Input should be less than or equal to 3600 (got 7200)",
        ),
        (
            lambda t: t + "\n[ems]\nfailsafe_current = 70\n",
            "ems.failsafe_current: 70 A is above the station's 64 A",
        ),
        (
            lambda t: t + "\n[ems]\nfailsafe_timout = 30\n",
            "ems.failsafe_timout: unknown key (did you mean failsafe_timeout?)",
        ),
    ],
)
def test_a_bad_key_is_named_in_one_line(tmp_path, change, message):
    path = tmp_path / "station.toml"
    path.write_text(change(VALID))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message.rstrip("\n") in str(caught.value)
    if message.endswith("\n"):  # no suggestion for a key nothing resembles
        assert str(caught.value).endswith(message.rstrip("\n"))
    assert "\n" not in str(caught.value)


def test_not_toml_and_missing_file(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text("[station\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_exits_with_2_and_names_the_key(tmp_path, capsys):
    path = tmp_path / "station.toml"
    path.write_text(VALID.replace("security_profile = 1", "security_profile = 9"))
    with pytest.raises(SystemExit) as caught:
        main(["run", "--config", str(path)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("station: config error: csms.security_profile")


def test_an_integer_is_a_valid_float_and_a_path_may_be_a_string(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text(VALID + "\n[[hardware.evse]]\nid = 1\nmax_current = 16\n")
    config = load_config(path)
    assert config.hardware.evse[0].max_current == 16.0
    assert config.station.data_dir == tmp_path / "data"


# The client commands (status, log, sim, clear-fault) read only the [station] paths they
# need to reach a running station (station.ops.control_client), without pydantic, so that
# they stay fast; the commands that use the CSMS URL refuse a bad one.
@pytest.mark.parametrize("command", [["check"], ["run"]])
def test_an_out_of_range_port_is_a_config_error_for_every_command_that_uses_it(
    tmp_path, capsys, command
):
    path = tmp_path / "station.toml"
    path.write_text(VALID.replace(":9000/", ":70000/"))
    with pytest.raises(SystemExit) as caught:
        main([*command, "--config", str(path)])
    assert caught.value.code == 2
    assert capsys.readouterr().err == (
        "station: config error: csms.url: the port must be a number from 1 to 65535 "
        "(got 'ws://127.0.0.1:70000/ocpp')\n"
    )


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "demo", "sim"):
        assert command in out


def test_parse_config_from_a_dict():
    config = parse_config(
        {
            "station": {
                "identity": "A",
                "serial_number": "S",
                "vendor_name": "V",
                "model": "M",
                "data_dir": "/tmp/x",
            },
            "csms": {
                "url": "ws://h/o",
                "security_profile": 1,
                "basic_auth_password": "0123456789abcdef",
            },
        }
    )
    assert config.control_socket == Path("/tmp/x/station.sock")
