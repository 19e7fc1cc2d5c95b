"""``station pics``: the answers follow the configuration and the device model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from drivers.config import HardwareConfig
from station import pics
from station.cli import main
from station.devicemodel.catalogue import EvseTopology
from station.devicemodel.model import Mutability
from station.ocpp import tls

CONFIG = """
[station]
identity = "CS-1"
serial_number = "SN-1"
vendor_name = "V"
model = "M"
data_dir = "data"
[csms]
url = "ws://127.0.0.1:9000/ocpp"
security_profile = 1
basic_auth_password = "0123456789abcdef"
"""

#: Every item id of the reference product's PICS (its OCA certificate), less the group
#: headings that carry no answer of their own (C-06, C-09, C-10, C-12, C-29, C-40, C-48).
REFERENCE_IDS = (
    "C-01 C-02 C-03 C-04 C-06.1 C-06.2 C-07 C-08 C-09.1 C-09.2 C-09.3 C-09.4 C-09.5 C-09.6 "
    "C-10.1 C-10.2 C-10.3 C-10.4 C-10.5 C-12.1 C-12.2 C-13 C-14 C-20 C-21 C-23 C-25 C-26 C-28 "
    "C-29.1 C-29.2 C-29.3 C-29.4 C-29.5 C-29.6 C-30 C-31 C-32 C-33 C-34 C-35 C-36 C-37 C-38 "
    "C-39 C-40.1 C-40.2 C-40.3 C-40.4 C-40.5 C-41 C-42 C-43 C-47 C-48.1 C-48.2 C-58 C-49 C-59 "
    "C-51 C-52 C-53 C-54 C-56 C-57 C-60 AS-2 AS-3 AQ-1 AQ-2 AQ-3 AQ-4 AQ-5 AQ-6 AQ-7 AQ-8 "
    "AQ-9 ORS-1 ORS-2 ORS-3 ORS-4 ORS-5 ORS-6 ORS-8 ORS-16 ORS-24 HFS-1 HFS-2 HFS-3 HFS-4 "
    "HFS-5 HFS-6 HFS-7 HFS-8 HFS-9 HFS-10"
).split()


def _config(tmp_path: Path, evses: str = "") -> Path:
    path = tmp_path / "station.toml"
    path.write_text(CONFIG + evses)
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["pics", "--format", "json", *args]) == 0
    document = json.loads(capsys.readouterr().out)
    return {item["id"]: item for item in document["items"]}


def test_json_output_parses_and_holds_every_item_once(capsys):
    items = _json(capsys)
    assert set(REFERENCE_IDS) <= set(items)
    assert len(items) == len(pics.ITEMS)
    assert items["C-13"]["answer"] is True
    assert items["C-13"]["reference"] is False
    assert items["C-13"]["differs"] is True


def test_text_output_lists_every_item_with_an_answer(capsys):
    assert main(["pics"]) == 0
    lines = capsys.readouterr().out.splitlines()
    answered = {
        line.split("\t")[0]: line.split("\t")[2]
        for line in lines
        if line.count("\t") >= 2 and line.split("\t")[0]
    }
    for item_id in REFERENCE_IDS:
        assert item_id in answered, item_id
        assert answered[item_id], item_id
    # A difference from the reference product is said on the item's line.
    c13 = next(line for line in lines if line.startswith("C-13\t"))
    assert c13.endswith("Yes\t(reference product: No)")


def test_one_evse_vs_two_changes_the_evse_count(tmp_path, capsys):
    one = _config(tmp_path, "[[hardware.evse]]\nid = 1\n")
    assert _json(capsys, "--config", str(one))["HFS-8"]["answer"] == 1
    two = _config(tmp_path, "[[hardware.evse]]\nid = 1\n[[hardware.evse]]\nid = 2\n")
    assert _json(capsys, "--config", str(two))["HFS-8"]["answer"] == 2


def test_phases_and_connector_type_change_the_hardware_answers(tmp_path, capsys):
    three_phase_socket = _config(
        tmp_path, '[[hardware.evse]]\nid = 1\nphases = 3\nconnector_type = "sType2"\n'
    )
    items = _json(capsys, "--config", str(three_phase_socket))
    assert items["HFS-5"]["answer"] is False
    assert items["HFS-7"]["answer"] is True
    assert items["HFS-1"]["answer"] is True  # a socket: the EV driver brings the cable
    assert items["HFS-2"]["answer"] is False
    mixed = _config(
        tmp_path,
        "[[hardware.evse]]\nid = 1\nphases = 1\n[[hardware.evse]]\nid = 2\nphases = 3\n",
    )
    items = _json(capsys, "--config", str(mixed))
    assert (items["HFS-5"]["answer"], items["HFS-7"]["answer"]) == (True, True)
    assert items["HFS-2"]["answer"] is True


def test_a_bad_config_names_the_key_and_exits_2(tmp_path, capsys):
    bad = _config(tmp_path, "[[hardware.evse]]\nid = 1\nphases = 2\n")
    with pytest.raises(SystemExit) as exit_:
        main(["pics", "--config", str(bad)])
    assert exit_.value.code == 2
    assert "phases" in capsys.readouterr().err


def _station() -> pics.Station:
    return pics.Station.from_topology(pics.DEFAULT_TOPOLOGY)


def test_measurand_lists_come_from_the_device_model():
    station = _station()
    answers = pics.answers_by_id(station)
    ref = "SampledDataCtrlr.TxUpdatedMeasurands"
    assert answers["C-40.2"] == station.variables[ref].values_list
    narrower = dict(station.variables)
    narrower[ref] = replace(station.variables[ref], values_list=("Energy.Active.Import.Register",))
    answers = pics.answers_by_id(replace(station, variables=narrower))
    assert answers["C-40.2"] == ("Energy.Active.Import.Register",)


def test_a_setting_made_read_only_or_absent_turns_its_feature_off():
    station = _station()
    answers = pics.answers_by_id(station)
    assert (answers["C-51"], answers["C-03"]) == (True, True)
    variables = dict(station.variables)
    start = "TxCtrlr.TxStartPoint"
    variables[start] = replace(variables[start], mutability=Mutability.ReadOnly)
    del variables["TxCtrlr.MaxEnergyOnInvalidId"]
    answers = pics.answers_by_id(replace(station, variables=variables))
    assert (answers["C-51"], answers["C-03"]) == (False, False)


def test_a_writable_setting_nothing_acts_on_is_not_claimed(monkeypatch):
    station = _station()
    # QueueAllMessages is read-only false (C-21: No); TimeZone is acted on (C-26: Yes).
    assert not station.writable("OCPPCommCtrlr.QueueAllMessages")
    answers = pics.answers_by_id(station)
    assert answers["C-21"] is False and answers["C-26"] is True
    # A writable setting listed as not acted on is not claimed.
    monkeypatch.setattr(pics, "NOT_ACTED_ON", frozenset({"ClockCtrlr.TimeZone"}))
    assert pics.answers_by_id(station)["C-26"] is False


def test_features_that_are_not_built_answer_no():
    answers = pics.answers_by_id(_station())
    # C-07: the Master Pass with UI needs a display to choose transactions on.
    for item_id in ("C-04", "C-07", "C-20", "C-25", "C-28", "C-42"):
        assert answers[item_id] is False, item_id
    assert answers["P-ISO15118Support"] is False


def test_the_master_pass_without_ui_is_claimed_with_its_variable():
    station = _station()
    assert pics.answers_by_id(station)["C-08"] is True
    assert station.writable("AuthCtrlr.MasterPassGroupId")  # Part 2 §2.3.7: ReadWrite
    assert station.max_limit("AuthCtrlr.MasterPassGroupId") == 36
    # Without the variable there is no Master Pass to claim.
    del station.variables["AuthCtrlr.MasterPassGroupId"]
    assert pics.answers_by_id(station)["C-08"] is False


def test_local_authorization_is_claimed_with_its_options():
    answers = pics.answers_by_id(_station())
    for item_id in ("C-49", "C-53", "C-58", "C-59", "P-LocalAuthListManagement"):
        assert answers[item_id] is True, item_id
    assert answers["C-54"] == ("LRU",)  # the cache's replacement policy


def test_reservation_is_claimed_with_its_options():
    answers = pics.answers_by_id(_station())
    assert (answers["P-Reservation"], answers["R-2"], answers["R-3"]) == (True, True, True)


def test_smart_charging_is_claimed_with_both_rate_units():
    answers = pics.answers_by_id(_station())
    assert answers["P-SmartCharging"] is True
    assert (answers["SC-2.1"], answers["SC-2.2"]) == (True, True)


def test_the_default_topology_is_the_hardware_default():
    hardware = HardwareConfig()
    assert pics.DEFAULT_TOPOLOGY == tuple(
        EvseTopology(e.id, e.connector_type, e.phases, e.max_current * e.nominal_voltage * e.phases)
        for e in hardware.evse
    )


def test_the_cipher_suites_are_what_the_tls_context_offers():
    # RFC names of the OpenSSL names in TLS12_CIPHER_STRING; C-41 lists the OCPP suites
    # (A00.FR.319) among them, ECDHE-RSA is offered beyond the PICS list.
    names = {
        "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    }
    ocpp_suites = {
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
    }
    offered = {names[n] for n in tls.TLS12_CIPHER_STRING.split(":")}
    assert set(pics.answers_by_id(_station())["C-41"]) == offered & ocpp_suites
