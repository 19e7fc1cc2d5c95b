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
