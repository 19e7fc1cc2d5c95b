"""Config file vs store: the file seeds the store on the first start, then the store
decides; every start says where they differ, which value is used and why, and
``station run --reseed`` takes the file's values again, listing what changes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from station.app import PASSWORD, Station
from station.cli import main
from station.ocpp.connection import NetworkProfile
from station.seeding import read_only, reseed_store
from tests.conftest import PASSWORD as FILE_PASSWORD
from tests.conftest import make_config

URL = "ws://127.0.0.1:9/ocpp"
OTHER_URL = "ws://127.0.0.1:19/ocpp"
NEW_PASSWORD = "a-new-password-0123456789"


def differs(caplog) -> list[tuple[str, str]]:
    return [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if "config_differs_from_store" in r.getMessage()
    ]


async def test_the_first_start_seeds_and_reports_nothing(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    station = await Station.create(make_config(tmp_path, URL))
    station.close()
    station = await Station.create(make_config(tmp_path, URL))
    station.close()
    assert differs(caplog) == []


async def test_an_edited_file_value_is_named_with_the_value_used_and_why(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    (await Station.create(make_config(tmp_path, URL))).close()
    station = await Station.create(make_config(tmp_path, OTHER_URL))
    try:
        assert station.profiles.get(1).url == URL  # the store's value is used
    finally:
        station.close()
    assert differs(caplog) == [
        (
            "WARNING",
            'event=config_differs_from_store key=csms.url detail="csms.url: file '
            f"'{OTHER_URL}', store '{URL}': using the store's value (the file was edited "
            "after it seeded the store); `station run --reseed` takes the file's\"",
        )
    ]


async def test_a_value_the_csms_changed_is_not_blamed_on_the_file(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    station = await Station.create(make_config(tmp_path, URL))
    await station.profiles.put(NetworkProfile(slot=1, url=OTHER_URL, security_profile=1))
    station.close()
    (await Station.create(make_config(tmp_path, URL))).close()
    assert differs(caplog) == [
        (
            "INFO",
            'event=config_differs_from_store key=csms.url detail="csms.url: file '
            f"'{URL}', store '{OTHER_URL}': using the store's value (changed by the CSMS "
            "(SetNetworkProfile) since the file seeded it); `station run --reseed` takes "
            "the file's\"",
        )
    ]


async def test_an_edited_password_is_reported_without_showing_either(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    (await Station.create(make_config(tmp_path, URL))).close()
    config = make_config(tmp_path, URL, csms={"basic_auth_password": NEW_PASSWORD})
    station = await Station.create(config)
    try:
        assert station.device_model.get(PASSWORD) == FILE_PASSWORD
    finally:
        station.close()
    ((level, line),) = differs(caplog)
    assert level == "WARNING"
    assert "csms.basic_auth_password: file (not shown), store (not shown): using the store's" in (
        line
    )
    assert NEW_PASSWORD not in caplog.text and FILE_PASSWORD not in line


async def test_reseed_lists_the_changes_and_the_next_start_uses_the_file(tmp_path, caplog):
    (await Station.create(make_config(tmp_path, URL))).close()
    edited = make_config(
        tmp_path,
        OTHER_URL,
        csms={"basic_auth_password": NEW_PASSWORD},
        station={"organization_name": "Operator"},
    )
    assert await reseed_store(edited) == [
        f"csms.url: '{URL}' -> '{OTHER_URL}'",
        "csms.basic_auth_password: replaced with the file's (not shown)",
        "station.organization_name: 'OpenCharge' -> 'Operator'",
    ]
    caplog.set_level(logging.INFO)
    station = await Station.create(edited)
    try:
        assert station.profiles.get(1).url == OTHER_URL
        assert station.device_model.get(PASSWORD) == NEW_PASSWORD
    finally:
        station.close()
    assert differs(caplog) == []
    assert await reseed_store(edited) == []


async def test_reseed_puts_the_files_slot_first_again(tmp_path):
    station = await Station.create(make_config(tmp_path, URL))
    await station.profiles.put(NetworkProfile(slot=2, url=OTHER_URL, security_profile=1))
    from station.seeding import PRIORITY

    await station.device_model.set(PRIORITY, "2,1")
    station.close()
    assert read_only(make_config(tmp_path, URL)).slot_in_use() == 2
    assert await reseed_store(make_config(tmp_path, URL)) == [
        "NetworkConfigurationPriority: 2,1 -> 1,2 (slot 1, the file's, first)"
    ]
    assert read_only(make_config(tmp_path, URL)).slot_in_use() == 1


def test_station_run_reseed_prints_what_changes_before_the_start(tmp_path: Path, capsys):
    import trio

    from station.cli import _reseed

    async def first_start() -> None:
        (await Station.create(make_config(tmp_path, URL))).close()

    trio.run(first_start)
    assert _reseed(make_config(tmp_path, OTHER_URL)) == 0
    assert capsys.readouterr().out == f"reseed: csms.url: '{URL}' -> '{OTHER_URL}'\n"
    assert _reseed(make_config(tmp_path, OTHER_URL)) == 0
    assert capsys.readouterr().out == "reseed: the store already holds the file's values\n"


def test_the_run_command_offers_reseed(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "--reseed" in capsys.readouterr().out


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f"""
[station]
identity = "CS-TEST-01"
serial_number = "SN-0001"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "data"
[csms]
url = "{url}"
security_profile = 1
basic_auth_password = "{FILE_PASSWORD}"
"""
    )
    return path


def check_lines(path: Path, capsys) -> tuple[int, list[str]]:
    status = main(["check", "--config", str(path), "--timeout", "5"])
    return status, capsys.readouterr().out.splitlines()


def test_check_before_the_first_start_probes_the_files_url(tmp_path, capsys, judge):
    status, lines = check_lines(write_config(tmp_path, judge.url), capsys)
    assert status == 0
    expected = f"CSMS profile OK {judge.url}: the file's (it seeds the first start)"
    assert any(" ".join(line.split()) == expected for line in lines), lines


def test_check_probes_the_stored_profile_that_run_will_use(tmp_path, capsys, judge, closed_port):
    """The CSMS moved the station to another URL; the file still has the first one."""
    import trio

    file_url = f"ws://127.0.0.1:{closed_port}/ocpp"
    path = write_config(tmp_path, file_url)

    async def moved_by_the_csms() -> None:
        station = await Station.create(make_config(tmp_path / "data", file_url))
        await station.profiles.put(NetworkProfile(slot=1, url=judge.url, security_profile=1))
        station.close()

    trio.run(moved_by_the_csms)
    status, lines = check_lines(path, capsys)
    assert status == 0, lines
    text = "\n".join(lines)
    assert (
        f"CSMS profile           OK      {judge.url} (security profile 1): the store's "
        "network profile slot 1, what `station run` uses"
    ) in text
    assert (
        f"config vs store        NOTE    csms.url: file '{file_url}', store '{judge.url}': "
        "using the store's value (changed by the CSMS (SetNetworkProfile) since the file "
        "seeded it)"
    ) in text
    assert "127.0.0.1:" + str(judge.port) + " accepts connections" in text


def test_check_says_a_refused_port_is_refused(tmp_path, capsys, closed_port):
    status, lines = check_lines(write_config(tmp_path, f"ws://127.0.0.1:{closed_port}/o"), capsys)
    assert status == 1
    assert any(
        f"127.0.0.1:{closed_port}: connection refused: nothing listens on that port" in line
        for line in lines
    ), lines


@pytest.fixture
def closed_port():
    import socket

    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]
