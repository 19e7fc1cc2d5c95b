"""``station fleet status`` and ``station sim --fleet`` against the HTTP API of real
in-process stations: what they print, their exit status, and that they stay light."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from station.cli import main
from tests.fleetapi import fleet_api

ROOT = Path(__file__).resolve().parent.parent
CARD = "04A1B2C3"


async def station(*argv: str) -> int:
    """``station ARGV`` in a worker thread (its client blocks; the stations run here)."""
    return await trio.to_thread.run_sync(main, list(argv))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: a connection there is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_fleet_status_prints_a_line_per_station_and_totals(tmp_path, capsys):
    async with fleet_api(tmp_path, ["CS-A", "CS-B"]) as (url, fleet):
        assert await station("sim", "--fleet", url, "--station", "CS-B", "plug", "1") == 0
        assert await station("sim", "--fleet", url, "--station", "CS-B", "tap", CARD) == 0
        env = fleet.stations["CS-B"].env
        (started,) = await env.csms.wait_for("TransactionEvent")
        await env.csms.wait(lambda: env.station.availability.status(1).value == "Occupied")
        capsys.readouterr()
        assert await station("fleet", "status", "--api", url) == 0
    transaction_id = started.payload["transactionInfo"]["transactionId"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATION", "STATE", "CONNECTED", "EVSES", "TRANSACTIONS"]
    assert lines[1].split() == ["CS-A", "accepted", "yes", "1:Available", "2:Available", "-"]
    assert lines[2].split() == [
        "CS-B",
        "accepted",
        "yes",
        "1:Occupied",
        "2:Available",
        f"1:{transaction_id}",
    ]
    assert lines[3] == (
        "2 stations (2 accepted), 2 connected; EVSEs: 3 Available, 1 Occupied; "
        "1 transaction in progress"
    )


async def test_fleet_status_json_is_the_api_answer(tmp_path, capsys):
    async with fleet_api(tmp_path, ["CS-A"]) as (url, _):
        assert await station("fleet", "status", "--api", url, "--json") == 0
    answer = json.loads(capsys.readouterr().out)
    assert [s["identity"] for s in answer["stations"]] == ["CS-A"]
    assert answer["totals"]["stations"] == 1


async def test_fleet_status_says_precisely_when_the_api_is_not_reachable(closed_port, capsys):
    url = f"http://127.0.0.1:{closed_port}"
    assert await station("fleet", "status", "--api", url) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"station fleet status: cannot reach the fleet's API at {url}: Connection refused\n"
    )


async def test_fleet_status_refuses_a_url_that_is_not_http(capsys):
    assert await station("fleet", "status", "--api", "ws://127.0.0.1:9000/ocpp") == 1
    assert capsys.readouterr().err == (
        "station fleet status: 'ws://127.0.0.1:9000/ocpp' is not an http:// URL of the "
        "fleet's API\n"
    )


async def test_fleet_status_names_a_server_that_is_not_the_fleets_api(tmp_path, capsys):
    async with fleet_api(tmp_path, ["CS-A"]) as (url, _):
        assert await station("fleet", "status", "--api", f"{url}/elsewhere") == 1
    assert capsys.readouterr().err == (
        f"station fleet status: {url}/elsewhere/stations answered HTTP 404 Not Found; "
        f"is {url}/elsewhere the fleet's API?\n"
    )


async def test_sim_commands_drive_one_station_of_a_fleet(tmp_path, capsys):
    async with fleet_api(tmp_path, ["CS-A", "CS-B"]) as (url, fleet):
        target = ("sim", "--fleet", url, "--station", "CS-A")
        assert await station(*target, "plug", "2") == 0
        assert await station(*target, "ev-state", "2", "C") == 0
        assert await station(*target, "ev-ignore-pwm", "2", "on") == 0
        env = fleet.stations["CS-A"].env
        await env.csms.wait(lambda: env.station.availability.status(2).value == "Occupied")
        hardware = fleet.stations["CS-A"].env.station.hardware.sim.status()
        other = fleet.stations["CS-B"].env.station.hardware.sim.status()
        capsys.readouterr()
        assert await station(*target, "status") == 0
    assert hardware["evses"]["2"]["ev"] == {**hardware["evses"]["2"]["ev"], "plugged": True}
    assert hardware["evses"]["2"]["ev"]["state"] == "C"
    assert hardware["evses"]["2"]["ev"]["ignores_pwm"] is True
    assert not any(e["ev"]["plugged"] for e in other["evses"].values())
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("EVSE 1: Available, no EV")
    assert out[1].startswith("EVSE 2: Occupied, EV C (ignores PWM)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--station", "CS-Z", "plug", "1"), "station sim: no station 'CS-Z' in this fleet"),
        (
            ("--station", "CS-A", "plug", "3"),
            "station sim: sim.plug: unknown EVSE 3",
        ),
        (("plug", "1"), "station sim: --fleet needs --station ID (the station's identity)"),
    ],
)
async def test_sim_through_a_fleet_fails_with_one_line(tmp_path, capsys, argv, message):
    async with fleet_api(tmp_path, ["CS-A"]) as (url, _):
        assert await station("sim", "--fleet", url, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert err.count("\n") == 1


async def test_sim_station_without_fleet_is_refused(tmp_path, capsys):
    assert (
        await station("sim", "--config", str(tmp_path / "s.toml"), "--station", "X", "plug", "1")
        == 1
    )
    assert capsys.readouterr().err == (
        "station sim: --station names a station of a fleet; give --fleet URL\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("fleet", "status", "--api", "{url}"),
        ("sim", "--fleet", "{url}", "--station", "CS-1", "plug", "1"),
    ],
)
def test_fleet_clients_import_no_server_framework_trio_or_pydantic(closed_port, argv):
    heavy = ("fastapi", "hypercorn", "starlette", "httpx", "pydantic", "trio", "station.app")
    code = (
        "import json, sys\n"
        "from station.cli import main\n"
        f"status = main({[a.format(url=f'http://127.0.0.1:{closed_port}') for a in argv]!r})\n"
        f"print(json.dumps([status, [m for m in {heavy!r} if m in sys.modules]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    status, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 1 and "Connection refused" in done.stderr
    assert imported == []
