"""Operations: systemd notify/watchdog, SIGTERM, `station check|status|log|service`."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import trio
import trio.testing

from drivers.interfaces import DeviceUnavailable
from station.cli import main
from station.ops.commands import render_unit
from station.ops.message_log_reader import read_entries
from station.ops.systemd import Notifier
from tests.conftest import FAST, PASSWORD, live_station, make_config, running_station
from tests.test_process_kill import command

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    yield path, sock
    sock.close()


def drain(sock) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(sock.recv(1024).decode())
        except BlockingIOError:
            return messages


def test_notifier_is_a_no_op_outside_systemd():
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False
    assert notifier.watchdog_interval is None


def test_abstract_socket_names_are_understood():
    assert Notifier({"NOTIFY_SOCKET": "@/org/freedesktop/systemd1/notify"}).enabled


async def test_ready_then_watchdog_only_while_control_loops_keep_time(
    tmp_path, notify_socket, autojump_clock
):
    path, sock = notify_socket
    notifier = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "4000000"})
    config = make_config(tmp_path / "data")
    async with running_station(config, control_period=0.05, notifier=notifier) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await trio.sleep(10)
        messages = drain(sock)
        assert messages[0] == "READY=1"
        assert messages.count("WATCHDOG=1") >= 4  # every 2 s (half of WatchdogSec)
        # EVSE 1's pilot ADC fails: its control loop crashes and backs off, so it misses
        # its deadlines, and the watchdog pings stop.
        pilot = env.station.loops[1]._pilot

        def broken():
            raise DeviceUnavailable("pilot ADC gone")

        pilot.read = broken
        await trio.sleep(3)
        drain(sock)
        await trio.sleep(20)
        assert "WATCHDOG=1" not in drain(sock)


TOML = """
[station]
identity = "CS-OPS-01"
serial_number = "SN-0001"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "{data}"
control_socket = "{socket}"
log_level = "info"
[csms]
url = "{url}"
security_profile = 1
basic_auth_password = "{password}"
[hardware]
driver = "sim"
{extra}
"""


def write_config(tmp_path, url, extra=""):
    path = tmp_path / "station.toml"
    path.write_text(
        TOML.format(
            data=tmp_path / "data",
            socket=tmp_path / "s.sock",
            url=url,
            password=PASSWORD,
            extra=extra,
        )
    )
    return path


def start_station(path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "station", "run", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_sigterm_opens_the_contactors_first_and_exits_0(tmp_path, judge):
    path = write_config(tmp_path, judge.url)
    process = start_station(path)
    try:
        await judge.wait_for("StatusNotification", count=2, timeout=30)
        socket_path = tmp_path / "s.sock"
        await command(socket_path, "sim.plug", {"evse": 1})
        await command(socket_path, "sim.tap", {"uid": "04A1B2C3"})
        await judge.wait_for("TransactionEvent")
        await command(socket_path, "sim.ev_state", {"evse": 1, "state": "C"})
        # Charging: the contactor is closed.
        await judge.wait_for(
            "TransactionEvent",
            where=lambda p: p["transactionInfo"].get("chargingState") == "Charging",
        )
        process.send_signal(signal.SIGTERM)
        _, stderr = await trio.to_thread.run_sync(lambda: process.communicate(timeout=20))
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    lines = stderr.splitlines()
    opened = next(i for i, line in enumerate(lines) if "event=stopping relays=open" in line)
    closed = [
        i
        for i, line in enumerate(lines)
        if "event=connection_closed" in line or "event=stopped" in line
    ]
    assert closed and opened < min(closed)
    await judge.wait_closed(0)
    # The store is consistent: the transaction is on record as in progress, and its
    # queued messages are intact; the next start ends it as interrupted.
    with sqlite3.connect(tmp_path / "data" / "station.db") as db:
        (state,) = db.execute("SELECT state FROM transactions WHERE evse_id = 1").fetchone()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert json.loads(state)["transaction"] is not None


def test_check_on_the_simulator_against_a_live_csms(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    assert main(["check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "EVSE 2 pilot" in out and "verdict: READY" in out


def test_check_reports_an_unreachable_csms_and_missing_serial_ports(tmp_path, capsys):
    extra = '[hardware.rfid]\ndriver = "serial"\nport = "/dev/no-such-reader"\n'
    path = write_config(tmp_path, "ws://127.0.0.1:9/ocpp", extra)
    assert main(["check", "--config", str(path), "--timeout", "1"]) == 1
    out = capsys.readouterr().out
    assert "serial port /dev/no-such-reader  FAIL" in out
    assert "card reader" in out and "CSMS port" in out
    assert "NOT READY" in out
    assert "fix:" in out


def test_check_reports_the_energy_managers_port_and_an_open_bind(tmp_path, judge, capsys):
    extra = '[ems]\nenabled = true\nbind = "0.0.0.0"\nport = 0\nfailsafe_current = 6.0\n'
    path = write_config(tmp_path, judge.url, extra)
    assert main(["check", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Modbus TCP on 0.0.0.0:0, unit 1; failsafe after 60 s, 6 A" in out
    assert "Modbus TCP has no authentication" in out


def test_check_with_a_broken_config_names_the_key(tmp_path, capsys):
    path = write_config(tmp_path, "http://nope")
    with pytest.raises(SystemExit) as caught:
        main(["check", "--config", str(path)])
    assert caught.value.code == 2
    assert "csms.url" in capsys.readouterr().err


async def cli(*args) -> int:
    return await trio.to_thread.run_sync(lambda: main(list(args)))


async def csms_sets(judge, component: str, variable: str, value: str) -> None:
    """The judge sets one variable by SetVariables; the station accepts it."""
    result = await judge.call(
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": value,
                    "component": {"name": component},
                    "variable": {"name": variable},
                }
            ]
        },
    )
    assert result["setVariableResult"][0]["attributeStatus"] == "Accepted"


async def test_status_and_log_of_a_running_station(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        await csms_sets(judge, "SecurityCtrlr", "BasicAuthPassword", "Secret-Password-9876")
        judge.password = "Secret-Password-9876"
        await judge.wait_connections(2)
        capsys.readouterr()
        assert await cli("status", "--config", str(path)) == 0
        out = capsys.readouterr().out
        assert "station CS-TEST-01: connected, boot Accepted" in out
        assert "Available" in out
        assert await cli("status", "--config", str(path), "--json") == 0
        assert json.loads(capsys.readouterr().out)["boot"] == "Accepted"
        with trio.fail_after(10):
            while not any(
                e.get("action") == "SetVariables" for e in read_entries(tmp_path / "data")
            ):
                await station.message_log.wait_written()
    assert await cli("log", "--config", str(path), "--action", "BootNotification") == 0
    out = capsys.readouterr().out
    assert "BootNotification" in out and "StatusNotification" not in out
    log_text = (tmp_path / "data" / "ocpp-messages.log").read_text()
    assert "Secret-Password-9876" not in log_text
    assert "<redacted>" in log_text


async def test_config_get_and_list_ask_the_running_station(tmp_path, judge, capsys):
    """`station config get|list` on a running station: its values in memory (one the CSMS
    has just set), live ones read now, secrets hidden, a bad reference refused."""
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        await csms_sets(judge, "OCPPCommCtrlr", "HeartbeatInterval", "77")
        capsys.readouterr()
        get = ("config", "--config", str(path), "get")
        assert await cli(*get, "OCPPCommCtrlr.HeartbeatInterval") == 0
        assert capsys.readouterr().out == "77\n"
        assert await cli(*get, "EVSE#1.AvailabilityState") == 0
        assert capsys.readouterr().out == "Available\n"
        assert await cli(*get, "SecurityCtrlr.BasicAuthPassword") == 0
        assert capsys.readouterr().out == "<secret>\n"
        assert await cli(*get, "Nope.Nope") == 1
        assert capsys.readouterr().err == "station config: Nope.Nope: UnknownComponent\n"
        assert await cli(*get, "no dot") == 1
        assert "is not COMPONENT" in capsys.readouterr().err
        assert await cli("config", "--config", str(path), "list") == 0
        out = capsys.readouterr().out
        assert "OCPPCommCtrlr.HeartbeatInterval = 77    # integer ReadWrite" in out
        assert "EVSE#2.AvailabilityState = Available    #" in out
        assert PASSWORD not in out and "SecurityCtrlr.BasicAuthPassword = <secret>" in out
        # Writing stays refused while the station runs.
        assert await cli("config", "--config", str(path), "set", "ClockCtrlr.TimeZone", "X") == 1
        assert "the station is running" in capsys.readouterr().err
    # Stopped: the store, which the SetVariables reached, and live values say so.
    assert await cli(*get, "OCPPCommCtrlr.HeartbeatInterval") == 0
    assert capsys.readouterr().out == "77\n"
    assert await cli(*get, "EVSE#1.AvailabilityState") == 0
    assert "read from the running station" in capsys.readouterr().out


def test_config_get_reads_the_store_behind_a_socket_nobody_listens_on(tmp_path, capsys):
    """A socket file left by a station that died (connection refused): the store."""
    path = write_config(tmp_path, "ws://127.0.0.1:9/ocpp")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "s.sock"))  # the path of write_config's control socket
    stale.close()
    assert main(["config", "--config", str(path), "get", "OCPPCommCtrlr.HeartbeatInterval"]) == 0
    assert capsys.readouterr().out.strip().isdigit()


def test_service_install_writes_a_notify_unit(tmp_path, capsys):
    assert (
        main(
            [
                "service",
                "install",
                "--unit-dir",
                str(tmp_path),
                "--user",
                "ocpp",
                "--config",
                "/etc/ocpp-station/station.toml",
                "--root",
                str(tmp_path / "opt"),
            ]
        )
        == 0
    )
    # The boot guard's stable copy of the firmware installer.
    assert (tmp_path / "opt" / "firmware_installer.py").read_text().startswith('"""Firmware')
    unit = (tmp_path / "ocpp-station.service").read_text()
    for line in (
        "Type=notify",
        "Restart=on-failure",
        "WatchdogSec=10",
        "After=network-online.target",
        "User=ocpp",
        "SupplementaryGroups=gpio spi dialout",
    ):
        assert line in unit
    assert "run --config /etc/ocpp-station/station.toml" in unit
    # Whatever way the station stops, the coils go off and the pilots to state F.
    assert "\nExecStopPost=-" in unit
    (stop_post,) = [line for line in unit.splitlines() if line.startswith("ExecStopPost=")]
    assert stop_post.endswith(" failsafe --config /etc/ocpp-station/station.toml")


def test_the_shipped_example_unit_is_the_rendered_template():
    expected = render_unit(
        config=Path("/etc/ocpp-station/station.toml"),
        user="ocpp-station",
        executable="/opt/ocpp-station/current/bin/station",
        watchdog=10,
    )
    assert (ROOT / "deploy" / "ocpp-station.service").read_text() == expected


def test_message_log_lines_copy_plain_frames_and_redact_secrets(tmp_path):
    """Frames without secrets are copied verbatim (no re-encoding of big reports), frames
    that may hold one go through redaction, and a malformed incoming frame stays readable."""
    from station.offload import InlineOffload
    from station.ops.message_log import MessageLog

    log = MessageLog(tmp_path, InlineOffload())
    plain = json.dumps([2, "m-1", "Heartbeat", {}])
    report = json.dumps(
        [2, "m-2", "NotifyReport", {"reportData": [{"variable": {"name": "BasicAuthPassword"}}]}]
    )
    secret = json.dumps(
        [
            2,
            "m-3",
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "Top-Secret-Password-1",
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                    }
                ]
            },
        ]
    )
    network = json.dumps(
        [2, "m-4", "SetNetworkProfile", {"connectionData": {"apn": {"apnPassword": "pw-1"}}}]
    )
    log.observe("out", plain, None, "Heartbeat")
    log.observe("out", report, None, "NotifyReport")
    log.observe("in", secret, object(), "SetVariables")
    log.observe("in", network, object(), "SetNetworkProfile")
    log.observe("in", '[2,"m-5","Heartbeat",{', None, None)

    async def write() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(log.run)
            await log.flush()
            nursery.cancel_scope.cancel()

    trio.run(write)
    lines = log.path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["id"] for e in entries] == ["m-1", "m-2", "m-3", "m-4", None]
    assert entries[0]["frame"] == json.loads(plain)
    assert entries[1]["frame"] == json.loads(report)
    assert "Top-Secret-Password-1" not in lines[2] and "<redacted>" in lines[2]
    assert "pw-1" not in lines[3]
    assert entries[4]["frame"] == '[2,"m-5","Heartbeat",{'


async def test_a_control_socket_leaves_a_newer_socket_at_its_path_alone(tmp_path):
    """After a SIGKILL the old OCPP side may exit after a new station bound the path: its
    listener must not remove the new station's socket."""
    from station.ops.control_socket import ControlSocket

    path = tmp_path / "s.sock"
    async with trio.open_nursery() as nursery:
        old_scope = trio.CancelScope()

        async def old_listener(task_status=trio.TASK_STATUS_IGNORED) -> None:
            with old_scope:
                await ControlSocket(path).run(task_status=task_status)

        await nursery.start(old_listener)
        await nursery.start(ControlSocket(path).run)  # the new station takes the path over
        new_inode = path.stat().st_ino
        old_scope.cancel()  # the old one stops last
        await trio.testing.wait_all_tasks_blocked()
        assert path.exists() and path.stat().st_ino == new_inode
        nursery.cancel_scope.cancel()
    assert not path.exists()  # the new one removed its own on exit


class _CountingOffload:
    """Inline, counting the hand-overs (each is one append to the file)."""

    def __init__(self) -> None:
        self.calls = 0

    async def run(self, fn):
        self.calls += 1
        result = fn()
        await trio.lowlevel.checkpoint()
        return result


async def test_message_log_writes_a_burst_of_frames_in_one_append_after_its_delay(
    tmp_path, autojump_clock
):
    from station.ops.message_log import BATCH_DELAY, MessageLog

    offload = _CountingOffload()
    log = MessageLog(tmp_path, offload)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        log.observe("in", json.dumps([2, "c-1", "Heartbeat", {}]), object(), "Heartbeat")
        started = trio.current_time()
        # The answer, the next CALL and its answer arrive while the writer gathers lines.
        await trio.sleep(BATCH_DELAY / 2)
        log.observe("out", json.dumps([3, "c-1", {"currentTime": "x"}]), None, "Heartbeat")
        log.observe("in", json.dumps([2, "c-2", "Heartbeat", {}]), object(), "Heartbeat")
        log.observe("out", json.dumps([3, "c-2", {"currentTime": "x"}]), None, "Heartbeat")
        await log.wait_written()
        assert trio.current_time() - started == pytest.approx(BATCH_DELAY)
        assert offload.calls == 1
        assert [e["id"] for e in read_entries(tmp_path)] == ["c-1", "c-1", "c-2", "c-2"]
        nursery.cancel_scope.cancel()


async def test_message_log_makes_no_line_while_a_request_is_answered(tmp_path, autojump_clock):
    """A CSMS request being answered holds the writer back (its lines, its write) until the
    answer goes out: the answer's worker thread must not wait for the interpreter while a
    batch is made. The CSMS's answers to the station's own CALLs, and the station's CALLs,
    neither hold nor release it."""
    from station.ops.message_log import ANSWER_WAIT, BATCH_DELAY, MessageLog

    offload = _CountingOffload()
    log = MessageLog(tmp_path, offload)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        started = trio.current_time()
        log.observe("out", json.dumps([2, "s-1", "Heartbeat", {}]), None, "Heartbeat")
        log.observe("in", json.dumps([2, "c-1", "Reset", {"type": "OnIdle"}]), object(), "Reset")
        log.observe("in", json.dumps([3, "s-1", {"currentTime": "x"}]), object(), "Heartbeat")
        # The batch is due, and the request is still being answered.
        await trio.sleep(BATCH_DELAY + ANSWER_WAIT / 2)
        assert offload.calls == 0 and not log.path.exists()
        log.observe("out", json.dumps([3, "c-1", {"status": "Accepted"}]), None, "Reset")
        await log.wait_written()
        assert trio.current_time() - started == pytest.approx(BATCH_DELAY + ANSWER_WAIT / 2)
        # The batch taken when it was due; the answer goes with the next one.
        assert [e["id"] for e in read_entries(tmp_path)] == ["s-1", "c-1", "s-1"]
        await log.wait_written()
        assert [e["id"] for e in read_entries(tmp_path)] == ["s-1", "c-1", "s-1", "c-1"]
        nursery.cancel_scope.cancel()


async def test_message_log_holds_no_longer_than_its_bound_for_a_request(tmp_path, autojump_clock):
    """A request answered late, or never (the connection went), holds the lines back
    `ANSWER_WAIT` at most, once; the next batch is not held for it again."""
    from station.ops.message_log import ANSWER_WAIT, BATCH_DELAY, MessageLog

    log = MessageLog(tmp_path, _CountingOffload())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        started = trio.current_time()
        log.observe("in", json.dumps([2, "c-1", "Heartbeat", {}]), object(), "Heartbeat")
        await log.wait_written()
        assert trio.current_time() - started == pytest.approx(BATCH_DELAY + ANSWER_WAIT)
        started = trio.current_time()
        log.observe("out", json.dumps([2, "s-1", "Heartbeat", {}]), None, "Heartbeat")
        await log.wait_written()
        assert trio.current_time() - started == pytest.approx(BATCH_DELAY)
        assert [e["id"] for e in read_entries(tmp_path)] == ["c-1", "s-1"]
        nursery.cancel_scope.cancel()


async def test_message_log_writes_what_is_queued_when_its_writer_is_cancelled(
    tmp_path, autojump_clock
):
    from station.ops.message_log import MessageLog

    log = MessageLog(tmp_path, _CountingOffload(), batch_delay=60.0)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        log.observe(
            "in", json.dumps([2, "last-1", "Reset", {"type": "Immediate"}]), object(), "Reset"
        )
        await trio.sleep(1)  # the writer waits for more lines
        log.observe("out", json.dumps([3, "last-1", {"status": "Accepted"}]), None, "Reset")
        assert not log.path.exists()
        nursery.cancel_scope.cancel()  # the station stops (or its OCPP side fails)
    assert [e["id"] for e in read_entries(tmp_path)] == ["last-1", "last-1"]


async def test_message_log_rotates_at_its_size_and_keeps_its_backups(tmp_path, autojump_clock):
    """Past ``max_bytes`` the file becomes ``.1`` (``.1`` becomes ``.2``; the oldest is
    dropped), every file 0600; a log directory removed meanwhile is made again."""
    from station.ops.message_log import FILENAME, MessageLog

    directory = tmp_path / "logs"
    log = MessageLog(directory, _CountingOffload(), max_bytes=1000, backups=2)
    frame = json.dumps([2, "x" * 20, "Heartbeat", {}])
    written = 0

    async def write(count: int) -> None:
        nonlocal written
        for _ in range(count):
            log.observe("in", frame.replace("x" * 20, f"{written:020d}"), object(), "Heartbeat")
            written += 1
            await log.wait_written()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        await write(40)
        files = sorted(p.name for p in directory.iterdir())
        assert files == [FILENAME, f"{FILENAME}.1", f"{FILENAME}.2"]
        for path in directory.iterdir():
            assert path.stat().st_mode & 0o777 == 0o600
            # A file grows past the limit by at most one batch (here one line).
            assert path.stat().st_size <= 1000 + len(log.path.read_bytes().splitlines()[0]) + 1
        # The newest lines are in the file, the older ones in .1 then .2, none repeated.
        ids = [
            int(e["id"])
            for name in (f"{FILENAME}.2", f"{FILENAME}.1", FILENAME)
            for e in map(json.loads, (directory / name).read_text().splitlines())
        ]
        assert ids == list(range(ids[0], written))
        assert ids[0] > 0  # the oldest file was dropped
        for path in directory.iterdir():
            path.unlink()
        directory.rmdir()
        await write(1)
        assert [e["id"] for e in read_entries(directory)] == [f"{written - 1:020d}"]
        assert log.path.stat().st_mode & 0o777 == 0o600
        nursery.cancel_scope.cancel()


async def test_message_log_makes_a_large_batch_a_few_lines_at_a_time(
    tmp_path, autojump_clock, monkeypatch
):
    """Hundreds of frames gathered while a CSMS sends requests back to back are made into
    lines a few per step of the writer task, with the event loop turning between (a
    request that arrives meanwhile is not held up by the whole batch), and all are
    written, in order."""
    from station.ops.message_log import LINES_PER_STEP, MessageLog

    log = MessageLog(tmp_path, _CountingOffload())
    per_step: list[int] = []
    in_step = [0]
    make = MessageLog._line

    def counting(self, frame):
        in_step[0] += 1
        return make(self, frame)

    monkeypatch.setattr(MessageLog, "_line", counting)

    class Steps(trio.abc.Instrument):
        def before_task_step(self, task: trio.lowlevel.Task) -> None:
            in_step[0] = 0

        def after_task_step(self, task: trio.lowlevel.Task) -> None:
            if in_step[0]:
                per_step.append(in_step[0])

    frames = 200
    for n in range(frames):
        log.observe("in", json.dumps([2, f"c-{n}", "Heartbeat", {}]), object(), "Heartbeat")
    trio.lowlevel.add_instrument(Steps())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        await log.wait_written()
        nursery.cancel_scope.cancel()
    assert sum(per_step) == frames
    assert max(per_step) == LINES_PER_STEP
    assert [e["id"] for e in read_entries(tmp_path)] == [f"c-{n}" for n in range(frames)]


async def test_message_log_cancelled_while_it_makes_a_batch_still_writes_all_of_it(
    tmp_path, autojump_clock, monkeypatch
):
    from station.ops.message_log import LINES_PER_STEP, MessageLog

    log = MessageLog(tmp_path, _CountingOffload(), batch_delay=0)
    made = 0
    make = MessageLog._line

    def counting(self, frame):
        nonlocal made
        made += 1
        return make(self, frame)

    monkeypatch.setattr(MessageLog, "_line", counting)
    frames = 10 * LINES_PER_STEP
    for n in range(frames // 2):  # requests answered, as they go
        log.observe("in", json.dumps([2, f"c-{n}", "Heartbeat", {}]), object(), "Heartbeat")
        log.observe("out", json.dumps([3, f"c-{n}", {"currentTime": "x"}]), None, "Heartbeat")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        while made < 3 * LINES_PER_STEP:  # part of the batch made
            await trio.lowlevel.checkpoint()
        nursery.cancel_scope.cancel()
    ids = [e["id"] for e in read_entries(tmp_path)]
    assert ids == [f"c-{n}" for n in range(frames // 2) for _ in range(2)]
