"""`station run` as two processes (black box): the control process owns the hardware, the
OCPP side is its child. Killing either one mid-charge follows the documented policy."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from station.control.process import EXIT_FIRMWARE_RESTART as PROCESS_EXIT_FIRMWARE
from tests.test_process_kill import command, setup


def start(path: Path, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "station", "run", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def groups_of(pid: int) -> set[int]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Groups:"):
            return {int(g) for g in line.split()[1:]}
    raise AssertionError("no Groups line")


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (of any of its threads)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return [p for p in found if _alive(p)]


async def start_charging(judge, socket: Path) -> None:
    await judge.wait_for("StatusNotification", count=2, timeout=30)
    await command(socket, "sim.plug", {"evse": 1})
    await command(socket, "sim.tap", {"uid": "04A1B2C3"})
    await judge.wait_for("TransactionEvent")
    await command(socket, "sim.ev_state", {"evse": 1, "state": "C"})
    await judge.wait_for(
        "TransactionEvent",
        where=lambda p: p["transactionInfo"].get("chargingState") == "Charging",
    )


async def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
    _, stderr = await trio.to_thread.run_sync(lambda: process.communicate(timeout=30))
    return stderr


async def test_the_ocpp_side_killed_mid_charge_restarts_and_the_charge_goes_on(tmp_path, judge):
    path, socket = setup(tmp_path, judge)
    process = start(path)
    try:
        await start_charging(judge, socket)
        (ocpp_side,) = children(process.pid)
        boots = len(await judge.wait_for("BootNotification"))
        os.kill(ocpp_side, signal.SIGKILL)
        # The control process starts a new OCPP side, which boots again and re-syncs.
        await judge.wait_for("BootNotification", count=boots + 1, timeout=30)
        (restarted,) = children(process.pid)
        assert restarted != ocpp_side
        status = await command(socket, "status")
        evse = status["evses"]["1"]
        assert evse["relay"] == "closed", "the charge went on while the OCPP side was away"
        assert evse["transaction_id"] is not None, "the transaction was resumed"
        await command(socket, "sim.unplug", {"evse": 1})
        await judge.wait_for(
            "TransactionEvent", where=lambda p: p["eventType"] == "Ended", timeout=30
        )
        events = await judge.wait_for("TransactionEvent")
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr
    payloads = [e.payload for e in events]
    seq = [p["seqNo"] for p in payloads]
    # Nothing lost, in order (a message sent just before the kill may come again).
    assert sorted(set(seq)) == list(range(max(seq) + 1))
    assert seq == sorted(seq)
    assert len({p["transactionInfo"]["transactionId"] for p in payloads}) == 1
    ended = payloads[-1]
    assert ended["eventType"] == "Ended"
    assert ended["transactionInfo"].get("stoppedReason") != "PowerLoss"
    assert "event=transaction_resumed evse=1" in stderr
    assert not judge.violations


async def test_a_hung_ocpp_side_is_killed_and_replaced_while_the_charge_goes_on(tmp_path, judge):
    path, socket = setup(tmp_path, judge)
    process = start(path)
    try:
        await start_charging(judge, socket)
        (ocpp_side,) = children(process.pid)
        boots = len(await judge.wait_for("BootNotification"))
        os.kill(ocpp_side, signal.SIGSTOP)  # hangs: alive, but silent on the link
        await judge.wait_for("BootNotification", count=boots + 1, timeout=60)
        assert not _alive(ocpp_side), "the hung OCPP side was killed"
        status = await command(socket, "status")
        assert status["evses"]["1"]["relay"] == "closed"
        assert status["evses"]["1"]["transaction_id"] is not None
    finally:
        stderr = await stop(process)
    assert process.returncode == 0, stderr
    assert "event=ocpp_side_killed" in stderr


async def test_the_control_process_killed_leaves_the_ocpp_side_reporting_faulted(tmp_path, judge):
    path, socket = setup(tmp_path, judge)
    process = start(path)
    ocpp_side = None
    try:
        await start_charging(judge, socket)
        (ocpp_side,) = children(process.pid)
        process.send_signal(signal.SIGKILL)
        await trio.to_thread.run_sync(process.wait)
        faulted = await judge.wait_for(
            "StatusNotification",
            where=lambda p: p["connectorStatus"] == "Faulted",
            count=2,
            timeout=30,
        )
        assert {f.payload["evseId"] for f in faulted} == {1, 2}
        # Orphaned, it then exits by itself (it must not serve the next control process).
        with trio.fail_after(30):
            while _alive(ocpp_side):  # noqa: ASYNC110 - no event for another process's end
                await trio.sleep(0.1)
    finally:
        if process.poll() is None:
            process.kill()
        if ocpp_side is not None and _alive(ocpp_side):
            os.kill(ocpp_side, signal.SIGKILL)
        await trio.to_thread.run_sync(process.communicate)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_both_processes_agree_on_the_firmware_restart_status():
    from station.app import EXIT_FIRMWARE_RESTART

    assert PROCESS_EXIT_FIRMWARE == EXIT_FIRMWARE_RESTART


@pytest.mark.skipif(os.geteuid() != 0, reason="needs to start the station with extra groups")
async def test_the_ocpp_side_runs_without_the_device_groups_of_the_control_process(tmp_path, judge):
    path, _ = setup(tmp_path, judge)
    device_groups = {20, 997}  # e.g. dialout and gpio on Raspberry Pi OS
    process = start(path, extra_groups=sorted(device_groups))
    try:
        await judge.wait_for("StatusNotification", count=2, timeout=30)
        (ocpp_side,) = children(process.pid)
        assert device_groups <= groups_of(process.pid)
        assert not groups_of(ocpp_side) & device_groups
    finally:
        await stop(process)


async def test_hardware_that_cannot_be_built_ends_the_ocpp_side_before_it_says_anything(
    tmp_path, judge
):
    # `station run` starts its OCPP side before it builds the hardware; the OCPP side
    # dials the CSMS only after the control service's first full state.
    path, _ = setup(tmp_path, judge)
    text = path.read_text().replace('driver = "sim"', 'driver = "gpio"')
    path.write_text(text.replace('log_level = "warning"', 'log_level = "info"'))
    # No pin factory by that name, here or on a Raspberry Pi: the first GPIO fails.
    env = dict(os.environ, GPIOZERO_PIN_FACTORY="no-such-pin-factory")
    process = start(path, env=env)
    _, stderr = await trio.to_thread.run_sync(lambda: process.communicate(timeout=60))
    assert process.returncode == 1
    assert "event=control_failed" in stderr and "Traceback" not in stderr
    (pid,) = re.findall(r"event=ocpp_side_started pid=(\d+)", stderr)
    assert not _alive(int(pid))
    assert judge.connections == []


def _processes_naming(text: str) -> list[int]:
    """Live processes whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in line and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def test_an_invalid_file_is_refused_in_one_line_and_the_prestarted_ocpp_side_is_gone(tmp_path):
    # The OCPP side's interpreter starts before the file is read; a file that turns out to
    # be invalid ends with the one line naming the key, nothing from the OCPP side, no
    # data directory made, and no OCPP side left running.
    data = tmp_path / "data"
    path = tmp_path / "station.toml"
    path.write_text(
        f'[station]\nidentity = "CS-1"\nserial_number = "S"\nvendor_name = "V"\n'
        f'model = "M"\ndata_dir = "{data}"\n\n[csms]\nurl = "ws://127.0.0.1:9"\n'
        f'security_profile = 7\n\n[hardware]\ndriver = "sim"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "station", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("station: config error: csms.security_profile")
    assert done.stderr.count("\n") == 1
    assert not data.exists()
    assert _processes_naming(f"ocpp-side --config {path}") == []


def test_a_prestarted_ocpp_side_reads_nothing_until_handed_its_link(tmp_path):
    from station.control.spawn import ocpp_side_argv, prestart_ocpp_side

    # A file that does not exist: an OCPP side that read it before the hand-over would
    # say so. Given up (the pipe closed, as the control process's death would), it ends
    # with status 1 and prints nothing.
    read, write = os.pipe()
    child = subprocess.Popen(
        ocpp_side_argv(tmp_path / "nowhere.toml", None, wait_fd=read),
        pass_fds=(read,),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    os.close(read)
    os.close(write)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, out, err) == (1, b"", b"")
    # Killed by `abandon` while it imports or waits, it is gone too, and nothing was bound.
    early = prestart_ocpp_side(tmp_path / "nowhere.toml")
    assert early.child.poll() is None
    early.abandon()
    assert early.child.returncode is not None and early.link is None
    assert not (tmp_path / "control-link.sock").exists()
