"""Data at rest: everything under data_dir is private whatever the umask, and one station
holds a data_dir at a time (docs/security.md, "Data at rest")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from station.cli import main
from station.ops.data_dir import DataDirBusy, DataDirLock, prepare
from station.store import Store
from tests.conftest import PASSWORD, make_config, running_station
from tests.test_process_kill import TOML, command, setup


def modes(data_dir: Path) -> dict[str, int]:
    """Permission bits of every entry under ``data_dir`` (itself included), by path."""
    found = {".": stat.S_IMODE(os.lstat(data_dir).st_mode)}
    for root, directories, files in os.walk(data_dir):
        for name in directories + files:
            path = Path(root, name)
            found[str(path.relative_to(data_dir))] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def open_entries(data_dir: Path) -> dict[str, str]:
    """Entries readable or writable by anyone but the owner."""
    return {path: oct(mode) for path, mode in modes(data_dir).items() if mode & 0o077}


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_store_files_are_0600_under_a_loose_umask(tmp_path, loose_umask):
    """station.db and its -wal/-shm hold the Basic-auth password."""
    store = Store.open_sync(tmp_path / "station.db")
    store.run_sync(lambda db: db.execute("INSERT INTO meta VALUES ('x', 'y')"))
    names = {p.name for p in tmp_path.iterdir()}
    assert {"station.db", "station.db-wal", "station.db-shm"} <= names
    assert {k: v for k, v in open_entries(tmp_path).items() if k != "."} == {}
    store.close()


async def test_everything_a_running_station_writes_is_private(
    tmp_path, loose_umask, autojump_clock
):
    """Store, message log, latched faults, simulated world, certificates, control socket:
    0600 files and 0700 directories after a charge and a certificate exchange."""
    data = tmp_path / "data"
    config = make_config(data, hardware={"driver": "sim", "sim": {"persist_world": True}})
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await env.csms.call(
            "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
        )
        await env.csms.wait_for("SignCertificate", timeout=600)
        await env.station.control_socket.handle(b'{"command": "status"}')
        while not (data / "ocpp-messages.log").exists():
            await env.station.message_log.wait_written()
        names = set(modes(data))
        assert {"station.db", "station.db-wal", "ocpp-messages.log", "sim-world"} <= names
        assert {"station.sock", "certificates"} <= names
        assert open_entries(data) == {}
    assert open_entries(data) == {}


def test_an_old_data_dir_is_tightened_at_start(tmp_path):
    data = tmp_path / "data"
    (data / "certificates").mkdir(parents=True, mode=0o755)
    (data / "certificates" / "key.pem").write_text("k")
    os.chmod(data / "certificates" / "key.pem", 0o644)
    (data / "station.db").write_text("")
    os.chmod(data / "station.db", 0o666)
    os.chmod(data, 0o755)
    os.symlink("/etc/hostname", data / "link")  # links are left alone
    assert prepare(data) == 4
    assert open_entries(data) == {"link": oct(0o777)}
    assert prepare(data) == 0


def test_a_second_lock_on_a_data_dir_is_refused_naming_the_holder(tmp_path):
    with DataDirLock(tmp_path) as first:
        first.acquire("station run")
        with pytest.raises(DataDirBusy) as refused:
            DataDirLock(tmp_path).acquire()
        assert f"pid {os.getpid()}, station run" in str(refused.value)
    DataDirLock(tmp_path).acquire()  # free again once released


def test_station_run_refuses_a_data_dir_in_use(tmp_path, capsys):
    data = tmp_path / "data"
    path = tmp_path / "station.toml"
    socket = tmp_path / "s.sock"
    url = "ws://127.0.0.1:9"
    path.write_text(TOML.format(data=data, socket=socket, url=url, password=PASSWORD))
    data.mkdir()
    with DataDirLock(data) as holder:
        holder.acquire("station run")
        assert main(["run", "--config", str(path)]) == 1
    error = capsys.readouterr().err
    assert f"data_dir {data} is in use by another station (pid {os.getpid()}" in error


def start_with_loose_umask(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "station", "run", "--config", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        umask=0o022,
    )


async def test_a_second_station_run_leaves_the_running_one_alone(tmp_path, judge):
    """Two real `station run`s on one data_dir: the second exits 1 naming the first's PID;
    the first keeps its control socket and its store. Started with umask 022, the first
    one's files are private."""
    path, socket = setup(tmp_path, judge)
    first = start_with_loose_umask(path)
    try:
        await command(socket, "status")
        second = await trio.to_thread.run_sync(
            lambda: subprocess.run(
                [sys.executable, "-m", "station", "run", "--config", str(path)],
                capture_output=True,
                text=True,
                timeout=60,
                umask=0o022,
            )
        )
        assert second.returncode == 1
        assert f"(pid {first.pid}, station run)" in second.stderr
        status = await command(socket, "status")
        assert status is not None and first.poll() is None
        assert open_entries(tmp_path / "data") == {}
    finally:
        first.terminate()
        await trio.to_thread.run_sync(lambda: first.wait(timeout=30))
