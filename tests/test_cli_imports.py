"""The operator commands that talk to a running station start without the heavy stack:
no pydantic, no trio, no OCPP message models; and they find the station where
`station.config.load_config` says it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from station.config import load_config
from station.ops.control_client import LocationError, read_locations

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "pydantic",
    "trio",
    "station.config",
    "station.ocpp.messages",
    "station.app",
    "sqlite3",
    # Small, but a fifth of these commands' start-up together: they need neither.
    "logging",
    "dataclasses",
)

TOML = """
[station]
identity = "CS-1"
serial_number = "SN-1"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "{data_dir}"
{socket}
[csms]
url = "ws://127.0.0.1:9/ocpp"
security_profile = 1
basic_auth_password = "password-0123456789"
[hardware]
driver = "sim"
"""


def write(tmp_path: Path, data_dir: str, socket: str | None = None) -> Path:
    path = tmp_path / "conf" / "station.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f'control_socket = "{socket}"' if socket else ""
    path.write_text(TOML.format(data_dir=data_dir, socket=line))
    return path


def imported_by(*argv: str) -> tuple[int, list[str], str]:
    """Run ``station ARGV`` in a fresh interpreter; its exit status, the heavy modules it
    imported, and what it printed on stderr."""
    code = (
        "import json, sys\n"
        "from station.cli import main\n"
        "try:\n"
        f"    status = main({list(argv)!r})\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        f"print(json.dumps([status, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    status, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    return status, heavy, done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("sim", "--config", "{config}", "status"),
        ("sim", "--config", "{config}", "plug", "1"),
        ("status", "--config", "{config}"),
        ("clear-fault", "--config", "{config}", "1"),
    ],
)
def test_control_socket_commands_import_neither_pydantic_nor_trio(tmp_path, argv):
    config = write(tmp_path, str(tmp_path / "data"))
    status, heavy, stderr = imported_by(*(a.format(config=config) for a in argv))
    # No station runs: the one-line reason and exit 1, after loading only the client.
    assert status == 1 and "no station is running" in stderr
    assert heavy == []


def test_station_log_reads_the_message_log_without_trio_or_pydantic(tmp_path):
    config = write(tmp_path, str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    status, heavy, _ = imported_by("log", "--config", str(config))
    assert status == 0 and heavy == []


def test_a_client_command_with_a_bad_config_file_exits_2_naming_the_key(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text('[station]\nidentity = "CS-1"\n')
    status, _, stderr = imported_by("sim", "--config", str(path), "status")
    assert status == 2
    assert stderr.strip() == "station: config error: station.data_dir: required key is missing"


@pytest.mark.parametrize(
    ("data_dir", "socket"),
    [
        ("data", None),
        ("../elsewhere/data", None),
        ("/var/lib/ocpp-station", None),
        ("data", "run/station.sock"),
        ("data", "/run/ocpp-station/station.sock"),
    ],
)
def test_locations_are_the_paths_load_config_resolves(tmp_path, data_dir, socket):
    path = write(tmp_path, data_dir, socket)
    config = load_config(path)
    found = read_locations(path)
    assert found.data_dir == config.station.data_dir
    assert found.control_socket == config.control_socket


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ("[csms]\n", "station: required key is missing"),
        ("[station]\ndata_dir = 5\n", "station.data_dir: must be a path (got 5)"),
        ('[station]\ndata_dir = "d"\ncontrol_socket = ""\n', "station.control_socket: must be"),
    ],
)
def test_an_unusable_file_gets_one_line_naming_the_key(tmp_path, text, message):
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(LocationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_locations(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(LocationError, match="file not found"):
        read_locations(tmp_path / "nowhere.toml")


def test_config_get_reads_the_store_without_trio_or_the_message_models(tmp_path):
    config = write(tmp_path, str(tmp_path / "data"))
    status, heavy, stderr = imported_by(
        "config", "--config", str(config), "get", "OCPPCommCtrlr.HeartbeatInterval"
    )
    # The device model is validated config plus the store: pydantic and sqlite3, no more
    # (and the standard modules they import).
    assert status == 0, stderr
    assert [m for m in heavy if m not in ("logging", "dataclasses")] == [
        "pydantic",
        "station.config",
        "sqlite3",
    ]


def test_config_get_asks_a_running_station_without_pydantic_or_the_store(tmp_path):
    """With a station answering on the control socket, `station config get` needs only
    the client: the value comes from the station (`tests/test_ops.py` runs a real one)."""
    import socket
    import threading

    config = write(tmp_path, str(tmp_path / "data"), str(tmp_path / "s.sock"))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "s.sock"))
    listener.listen(1)
    requests: list[dict] = []

    def answer() -> None:
        connection, _ = listener.accept()
        with connection:
            requests.append(json.loads(connection.makefile().readline()))
            connection.sendall(b'{"ok": true, "result": "300"}\n')

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        status, heavy, stderr = imported_by(
            "config", "--config", str(config), "get", "OCPPCommCtrlr.HeartbeatInterval"
        )
    finally:
        thread.join(timeout=60)
        listener.close()
    assert status == 0, stderr
    assert heavy == []
    assert requests == [
        {"command": "config.get", "args": {"reference": "OCPPCommCtrlr.HeartbeatInterval"}}
    ]


def test_station_run_parses_its_command_line_without_the_operator_commands():
    code = (
        "import json, sys\n"
        "from station.cli import REGISTRARS, _parser\n"
        "args = _parser('run').parse_args(['run', '--config', 'station.toml'])\n"
        "print(json.dumps([args.command, sorted(set(REGISTRARS.values()) & set(sys.modules))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    command, registrars = json.loads(done.stdout.strip().splitlines()[-1])
    assert command == "run"
    assert registrars == []
