"""`station top`: the live view, drawn once into a string from a status snapshot."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from station.cli import main
from station.ops.live_view import TAIL_BYTES, recent_frames, render
from station.ops.message_log_reader import FILENAME
from tests.conftest import make_config, running_station

SNAPSHOT = {
    "identity": "CS-0001",
    "connected": True,
    "boot": "Accepted",
    "security_profile": 2,
    "csms_url": "wss://csms.example.com/ocpp",
    "last_connection_failure": None,
    "queued_transaction_messages": 3,
    "uptime_s": 3725.4,
    "local_time": "2026-01-05T09:00:00+01:00",
    "evses": {
        "2": {
            "pilot_state": "A",
            "duty": 100.0,
            "relay": "open",
            "fault": None,
            "connector_status": "Available",
            "transaction_id": None,
            "energy_wh": 0.0,
            "power_w": 0.0,
        },
        "1": {
            "pilot_state": "C",
            "duty": 53.3,
            "relay": "closed",
            "fault": None,
            "connector_status": "Occupied",
            "transaction_id": "tx-42",
            "energy_wh": 12345.6,
            "power_w": 7360.0,
        },
    },
    "supervision": [
        {"child": "ocpp", "state": "running", "restarts": 0, "last_error": None},
        {"child": "meter", "state": "running", "restarts": 2, "last_error": "timeout"},
    ],
}

FRAMES = [
    {
        "time": "2026-01-05T09:00:01.000+01:00",
        "direction": "out",
        "action": "Authorize",
        "id": "1",
        "size": 60,
        "frame": [2, "1", "Authorize", {"idToken": {"idToken": "04A1B2C3", "type": "ISO14443"}}],
    },
    {
        "time": "2026-01-05T09:00:01.100+01:00",
        "direction": "in",
        "action": "Authorize",
        "id": "1",
        "size": 40,
        "frame": [3, "1", {"idTokenInfo": {"status": "Accepted"}}],
    },
    {
        "time": "2026-01-05T09:00:02.000+01:00",
        "direction": "in",
        "action": "Reset",
        "id": "c1",
        "size": 40,
        "frame": [2, "c1", "Reset", {"type": "Immediate"}],
    },
    {
        "time": "2026-01-05T09:00:02.100+01:00",
        "direction": "out",
        "action": "Reset",
        "id": "c1",
        "size": 40,
        "frame": [4, "c1", "NotSupported", "no", {}],
    },
]


def draw(status, frames, error=None) -> list[str]:
    console = Console(file=io.StringIO(), width=100, record=True)
    console.print(render(status, frames, width=100, error=error))
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_the_view_shows_connection_evses_queue_and_last_messages():
    lines = draw(SNAPSHOT, FRAMES)
    text = "\n".join(lines)
    assert max(len(line) for line in lines) <= 100
    assert lines[0] == ("CS-0001  ● connected  boot Accepted  security profile 2  up 1h02m05s")
    assert "CSMS wss://csms.example.com/ocpp" in text
    assert "queued transaction messages: 3" in text
    rows = [line.split() for line in lines if line.strip()[:1].isdigit()]
    # EVSEs in order, with power in kW and energy in kWh.
    assert rows[0] == ["1", "C", "53%", "closed", "Occupied", "7.36", "12.346", "tx-42", "-"]
    assert rows[1] == ["2", "A", "open", "Available", "0.00", "0.000", "-", "-"]
    assert "restarts: meter ×2 (running): timeout" in text
    assert "ocpp ×" not in text
    messages = lines[lines.index("last messages (→ to the CSMS, ← from it)") + 1 :]
    assert messages == [
        "09:00:01 → CALL Authorize          idToken=04A1B2C3(ISO14443)",
        "09:00:01 ← RES  Authorize          Accepted",
        "09:00:02 ← CALL Reset              Immediate",
        "09:00:02 → ERR  Reset              NotSupported no",
    ]


def test_a_disconnected_station_shows_the_last_failure():
    status = dict(SNAPSHOT, connected=False, last_connection_failure="HTTP 401 at 09:00:00")
    text = "\n".join(draw(status, []))
    assert "● NOT connected" in text
    assert "CSMS wss://csms.example.com/ocpp (last connected)" in text
    assert "last connection failure: HTTP 401 at 09:00:00" in text
    assert "none logged yet" in text


def test_a_station_that_does_not_answer_is_named_with_the_reason():
    lines = draw(None, FRAMES[:1], error="no station is running with control socket s.sock")
    assert lines[0] == "station not reachable: no station is running with control socket s.sock"
    assert lines[-1].startswith("09:00:01 → CALL Authorize")


async def test_the_view_draws_a_real_stations_status(tmp_path, autojump_clock):
    async with running_station(make_config(tmp_path)) as env:
        await env.station.client.wait_until(
            lambda: env.station.client.boot_state.value == "Accepted"
        )
        status = json.loads(json.dumps(env.station.status(), default=str))
    lines = draw(status, [])
    assert lines[0].startswith("CS-TEST-01  ● connected  boot Accepted  security profile 1")
    assert "CSMS ws://127.0.0.1:9/ocpp" in "\n".join(lines)
    rows = [line.split() for line in lines if line.strip()[:1].isdigit()]
    assert [row[:4] for row in rows] == [
        ["1", "A", "open", "Available"],
        ["2", "A", "open", "Available"],
    ]


def test_the_last_frames_come_from_the_end_of_the_message_log(tmp_path: Path):
    filler = {
        "time": "t",
        "direction": "out",
        "action": "Heartbeat",
        "frame": [2, "x", "Heartbeat", {"pad": "p" * 500}],
    }
    lines = [json.dumps(filler)] * (2 * TAIL_BYTES // 500) + ["not json"]
    lines += [json.dumps(dict(filler, id=str(n))) for n in range(10)]
    (tmp_path / FILENAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
    frames = recent_frames(tmp_path, count=3)
    assert [f["id"] for f in frames] == ["7", "8", "9"]
    assert recent_frames(tmp_path / "nowhere") == []


def test_station_top_once_without_a_running_station_says_so(tmp_path, capsys):
    config = tmp_path / "station.toml"
    config.write_text(
        f"""
[station]
identity = "CS-1"
serial_number = "SN-1"
vendor_name = "V"
model = "M"
data_dir = "{tmp_path / "data"}"
[csms]
url = "ws://127.0.0.1:9/ocpp"
security_profile = 1
basic_auth_password = "0123456789abcdefABCDEF"
[hardware]
driver = "sim"
""",
        encoding="utf-8",
    )
    assert main(["top", "--config", str(config), "--once"]) == 1
    assert "station not reachable: no station is running" in capsys.readouterr().out
