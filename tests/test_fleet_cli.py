"""``station fleet status`` and ``station sim --fleet`` against the HTTP API of a real
fleet: what they print, their exit status, and that they stay light."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from station.cli import main
from station.fleet.api_client import call
from tests.conftest import PASSWORD
from tests.fleetapi import fleet_api, stopped

ROOT = Path(__file__).resolve().parent.parent
CARD = "04A1B2C3"
A, B = "FLEET-0001", "FLEET-0002"


async def station(*argv: str) -> int:
    """``station ARGV`` in a worker thread (its client blocks; the stations run here)."""
    return await trio.to_thread.run_sync(main, list(argv))


@pytest.fixture
def data_dir(tmp_path_factory):
    """A short directory: the stations' control sockets must fit a Unix socket path."""
    return tmp_path_factory.mktemp("fleet")


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: a connection there is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_fleet_status_prints_a_line_per_station_and_totals(data_dir, capsys):
    async with fleet_api(data_dir, 2) as fleet:
        url = fleet.url
        assert await station("sim", "--fleet", url, "--station", B, "plug", "1") == 0
        assert await station("sim", "--fleet", url, "--station", B, "tap", CARD) == 0
        await fleet.until(lambda: fleet.calls(B, "TransactionEvent"))
        started = fleet.calls(B, "TransactionEvent")[0]
        on_b = fleet.station(B).station
        await fleet.until(lambda: on_b.availability.status(1).value == "Occupied")
        capsys.readouterr()
        assert await station("fleet", "status", "--api", url) == 0
    assert started.payload["eventType"] == "Started"
    transaction_id = started.payload["transactionInfo"]["transactionId"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STATION", "STATE", "CONNECTED", "EVSES", "TRANSACTIONS"]
    assert lines[1].split() == [A, "accepted", "yes", "1:Available", "2:Available", "-"]
    assert lines[2].split() == [
        B,
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
    assert lines[4:] == ["session generator: idle"]


async def test_fleet_status_shows_the_session_generator_at_work(data_dir, capsys):
    async with fleet_api(data_dir, 1) as fleet:
        fleet.traffic.start({"seed": 5, "arrivals_per_hour": 1.5})
        assert await station("fleet", "status", "--api", fleet.url) == 0
        fleet.traffic.stop()
        assert await station("fleet", "status", "--api", fleet.url, "--json") == 0
    out = capsys.readouterr().out
    generator = out.splitlines()[3]
    assert re.fullmatch(
        r"session generator: running [0-9.]+ s \(seed 5, 1\.5 arrivals/h per EVSE\): "
        r"\d+ sessions started, \d+ completed, 0 errors",
        generator,
    ), generator
    answer = json.loads(out[out.index("{") :])
    assert answer["traffic"]["running"] is False
    assert answer["traffic"]["settings"]["seed"] == 5


async def test_fleet_status_without_a_generator_has_no_generator_line(data_dir, capsys):
    async with fleet_api(data_dir, 1, generator=False) as fleet:
        assert await station("fleet", "status", "--api", fleet.url) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


async def test_fleet_status_shows_stopped_stations(data_dir, capsys):
    async with fleet_api(data_dir, 1) as fleet:
        fleet.fleet.stop()
        await stopped(fleet.station(A))
        assert await station("fleet", "status", "--api", fleet.url) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == [A, "stopped", "no", "1:-", "2:-", "-"]
    assert lines[2] == "1 station (1 stopped), 0 connected; 0 transactions in progress"
    assert lines[3] == "session generator: idle"


async def test_fleet_status_json_is_the_api_answer(data_dir, capsys):
    async with fleet_api(data_dir, 1) as fleet:
        assert await station("fleet", "status", "--api", fleet.url, "--json") == 0
    answer = json.loads(capsys.readouterr().out)
    assert [s["identity"] for s in answer["stations"]] == [A]
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


async def test_fleet_status_names_a_server_that_is_not_the_fleets_api(data_dir, capsys):
    async with fleet_api(data_dir, 1) as fleet:
        url = fleet.url
        assert await station("fleet", "status", "--api", f"{url}/elsewhere") == 1
    assert capsys.readouterr().err == (
        f"station fleet status: {url}/elsewhere/stations answered HTTP 404 Not Found; "
        f"is {url}/elsewhere the fleet's API?\n"
    )


async def test_sim_commands_drive_one_station_of_a_fleet(data_dir, capsys):
    async with fleet_api(data_dir, 2) as fleet:
        target = ("sim", "--fleet", fleet.url, "--station", A)
        assert await station(*target, "plug", "2") == 0
        assert await station(*target, "ev-state", "2", "C") == 0
        assert await station(*target, "ev-ignore-pwm", "2", "on") == 0
        on_a = fleet.station(A).station
        await fleet.until(lambda: on_a.availability.status(2).value == "Occupied")
        mine = on_a.hardware.sim.status()
        other = fleet.station(B).station.hardware.sim.status()
        capsys.readouterr()
        assert await station(*target, "status") == 0
    assert mine["evses"]["2"]["ev"]["plugged"] is True
    assert mine["evses"]["2"]["ev"]["state"] == "C"
    assert mine["evses"]["2"]["ev"]["ignores_pwm"] is True
    assert not any(e["ev"]["plugged"] for e in other["evses"].values())
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("EVSE 1: Available, no EV")
    assert out[1].startswith("EVSE 2: Occupied, EV C (ignores PWM)")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--station", "CS-Z", "plug", "1"), "station sim: no station 'CS-Z' in this fleet"),
        (("--station", A, "plug", "3"), "station sim: sim.plug: unknown EVSE 3"),
        (("--station", A, "pilot-voltage", "1", "5", "x"), "station sim: pilot-voltage: "),
        (("plug", "1"), "station sim: --fleet needs --station ID (the station's identity)"),
        (
            ("--station", A, "outage", "-5"),
            "station sim: network.outage: duration_s must be above 0 and at most 604800 s, got -5",
        ),
        (("--station", A, "outage", "soon"), "station sim: outage: 'soon' is neither seconds"),
    ],
)
async def test_sim_through_a_fleet_fails_with_one_line(data_dir, capsys, argv, message):
    async with fleet_api(data_dir, 1) as fleet:
        assert await station("sim", "--fleet", fleet.url, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message), err
    assert err.count("\n") == 1


async def test_sim_outage_cuts_one_station_of_a_fleet_and_ends_it(data_dir, capsys):
    async with fleet_api(data_dir, 2) as fleet:
        target = ("sim", "--fleet", fleet.url, "--station", A)
        assert await station(*target, "outage", "300", "--cause", "csms") == 0
        assert fleet.station(A).summary()["outage"]["cause"] == "csms"
        assert fleet.station(B).summary()["outage"] is None
        assert await station("fleet", "status", "--api", fleet.url) == 0
        assert await station(*target, "outage", "end") == 0
        assert fleet.station(A).summary()["outage"] is None
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{A}: csms outage, ") and out[0].endswith(" s left")
    table = {line.split()[0]: line for line in out[1:-3]}
    assert re.search(r"\bno \(csms outage, \d+ s left\)", table[A]), table[A]
    assert "(1 in an outage)" in out[-3]
    assert out[-1] == f"{A}: network up"


async def test_sim_outage_needs_a_fleet(tmp_path, capsys):
    assert await station("sim", "--config", str(tmp_path / "s.toml"), "outage", "60") == 1
    assert capsys.readouterr().err == "station sim: outage needs --fleet URL --station ID\n"


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


async def _line(stream: trio.abc.ReceiveStream, buffer: bytearray, wanted: str) -> str:
    """Read ``stream`` until a line holding ``wanted`` comes; that line."""
    while True:
        while b"\n" in buffer:
            line, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            if wanted in line.decode():
                return line.decode()
        chunk = await stream.receive_some(4096)
        if not chunk:
            raise AssertionError(f"output ended before a line with {wanted!r}")
        buffer += chunk


async def test_station_fleet_serves_the_api_that_status_and_sim_use(
    tmp_path_factory, judge, capsys
):
    """The whole path: `station fleet --api-port 0` against the judge CSMS, then the two
    clients against the API it prints, then a clean stop."""
    data_dir = tmp_path_factory.mktemp("fleet")
    command = [
        sys.executable, "-m", "station", "fleet",
        "--csms", judge.url, "--count", "2", "--password", PASSWORD,
        "--data-dir", str(data_dir), "--seed", "1", "--api-port", "0",
    ]  # fmt: skip
    process = await trio.lowlevel.open_process(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    buffer = bytearray()
    try:
        with trio.fail_after(60):
            api_line = await _line(process.stdout, buffer, "fleet: API at ")
            await _line(process.stdout, buffer, "fleet: all 2 stations accepted")
        url = api_line.split("fleet: API at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert await station("fleet", "status", "--api", url) == 0
        lines = capsys.readouterr().out.splitlines()
        assert [line.split()[:3] for line in lines[1:3]] == [
            [A, "accepted", "yes"],
            [B, "accepted", "yes"],
        ]
        assert await station("sim", "--fleet", url, "--station", B, "plug", "2") == 0
        occupied = await judge.wait_for(
            "StatusNotification",
            where=lambda p: p["evseId"] == 2 and p["connectorStatus"] == "Occupied",
            timeout=60,  # a fleet's control loops run at a long period; the machine may be busy
        )
        assert len(occupied) == 1
        # The fleet's session generator is there to start and stop.
        body = {"seed": 3, "arrivals_per_hour": 1}
        started = await trio.to_thread.run_sync(call, url, "POST", "/traffic/start", body)
        assert (started["running"], started["stations"]) == (True, 2)
        stopped_traffic = await trio.to_thread.run_sync(call, url, "POST", "/traffic/stop")
        assert stopped_traffic["running"] is False
        process.send_signal(signal.SIGTERM)
        with trio.fail_after(60):
            assert await process.wait() == 0
            await _line(process.stdout, buffer, "fleet: stopped")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_station_fleet_names_an_api_port_in_use(tmp_path_factory):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = await trio.run_process(
            [
                sys.executable,
                "-m",
                "station",
                "fleet",
                "--csms",
                "ws://127.0.0.1:9/ocpp",
                "--count",
                "1",
                "--data-dir",
                str(tmp_path_factory.mktemp("fleet")),
                "--api-port",
                str(port),
            ],
            cwd=ROOT,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.decode().splitlines()[-1] == (
        f"station fleet: cannot serve the API on 127.0.0.1:{port}: Address already in use"
    )


def test_a_station_and_a_fleet_without_api_never_import_the_web_framework():
    code = (
        "import sys\n"
        "import station.app, station.fleet.core, station.fleet.traffic\n"
        "from station.cli import _parser\n"
        "_parser()\n"
        "print([m for m in ('fastapi', 'hypercorn', 'starlette') if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
