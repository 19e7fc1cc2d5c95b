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
