"""GetVariables, SetVariables and GetBaseReport against the independent judge CSMS.

In the spirit of TC_B_06, B_07, B_32, B_33, B_34, B_09, B_10, B_35, B_36, B_37, B_11, B_39,
B_12, B_13, B_14 and B_53 (`../shared/spec/tc <id>`).
"""

from __future__ import annotations

import pytest

from station.devicemodel.datatypes import DataType, Limits, parse
from tests.conftest import FAST, live_station, make_config
from tests.judge import JudgeCallError
from tests.test_devicemodel import PER_CONNECTOR, PER_EVSE, REQUIRED

COMM = {"name": "OCPPCommCtrlr"}


def get(component, variable, attribute=None, instance=None, evse=None):
    item = {"component": dict(component), "variable": {"name": variable}}
    if instance:
        item["variable"]["instance"] = instance
    if evse:
        item["component"]["evse"] = evse
    if attribute:
        item["attributeType"] = attribute
    return item


def put(component, variable, value, attribute=None, instance=None):
    return get(component, variable, attribute, instance) | {"attributeValue": value}


@pytest.fixture
async def station(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        yield station


async def get_variables(judge, *items):
    result = await judge.call("GetVariables", {"getVariableData": list(items)})
    return result["getVariableResult"]


async def set_variables(judge, *items):
    result = await judge.call("SetVariables", {"setVariableData": list(items)})
    return result["setVariableResult"]


async def test_tc_b_06_07_get_single_and_multiple(judge, station):
    (one,) = await get_variables(judge, get(COMM, "HeartbeatInterval"))
    assert (one["attributeStatus"], one["attributeType"], one["attributeValue"]) == (
        "Accepted",
        "Actual",
        "300",
    )
    many = await get_variables(
        judge,
        get(COMM, "OfflineThreshold"),
        get(COMM, "MessageAttempts", instance="TransactionEvent"),
        get({"name": "EVSE"}, "AvailabilityState", evse={"id": 2}),
        get({"name": "Connector"}, "ConnectorType", evse={"id": 1, "connectorId": 1}),
        get({"name": "ClockCtrlr"}, "DateTime"),
    )
    assert [r["attributeStatus"] for r in many] == ["Accepted"] * 5
    assert many[2]["attributeValue"] == "Available"
    assert many[3]["attributeValue"] == "cType1"


async def test_tc_b_32_33_34_unknown_and_unsupported(judge, station):
    results = await get_variables(
        judge,
        get({"name": "NoSuchCtrlr"}, "HeartbeatInterval"),
        get(COMM, "NoSuchVariable"),
        get(COMM, "HeartbeatInterval", attribute="Target"),
        get({"name": "SecurityCtrlr"}, "BasicAuthPassword"),
    )
    assert [r["attributeStatus"] for r in results] == [
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",
    ]
    assert all("attributeValue" not in r for r in results)


async def test_tc_b_09_10_set_single_and_multiple_are_read_back(judge, station):
    results = await set_variables(judge, put(COMM, "OfflineThreshold", "123"))
    assert results[0]["attributeStatus"] == "Accepted"
    results = await set_variables(
        judge,
        put(COMM, "OfflineThreshold", "321"),
        put({"name": "TxCtrlr"}, "TxStopPoint", "EVConnected"),
        put(
            {"name": "SampledDataCtrlr"},
            "TxUpdatedMeasurands",
            "Energy.Active.Import.Register,Voltage",
        ),
    )
    assert [r["attributeStatus"] for r in results] == ["Accepted"] * 3
    values = await get_variables(
        judge, get(COMM, "OfflineThreshold"), get({"name": "TxCtrlr"}, "TxStopPoint")
    )
    assert [v["attributeValue"] for v in values] == ["321", "EVConnected"]


async def test_tc_b_35_36_37_11_39_set_refusals(judge, station):
    results = await set_variables(
        judge,
        put({"name": "NoSuchCtrlr"}, "X", "1"),
        put(COMM, "NoSuchVariable", "1"),
        put(COMM, "HeartbeatInterval", "10", attribute="MaxSet"),
        put(COMM, "HeartbeatInterval", "ten"),
        put(COMM, "WebSocketPingInterval", "-1"),
        put({"name": "TxCtrlr"}, "TxStartPoint", "EVConnected,Nonsense"),
        put(COMM, "FileTransferProtocols", "HTTP"),
        put({"name": "SecurityCtrlr"}, "SecurityProfile", "3"),
    )
    assert [r["attributeStatus"] for r in results] == [
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",
        "Rejected",
        "Rejected",
        "Rejected",
        "Rejected",
    ]
    assert results[3]["attributeStatusInfo"]["additionalInfo"] == "'ten' is not an integer"


async def test_too_many_items_is_an_occurrence_constraint_violation(judge, station):
    with pytest.raises(JudgeCallError) as caught:
        await get_variables(judge, *[get(COMM, "HeartbeatInterval")] * 1001)
    assert caught.value.code == "OccurrenceConstraintViolation"


async def report(judge, base, request_id):
    result = await judge.call("GetBaseReport", {"requestId": request_id, "reportBase": base})
    assert result["status"] == "Accepted"
    parts = await judge.wait_for(
        "NotifyReport", where=lambda p: p["requestId"] == request_id and not p.get("tbc", False)
    )
    parts = [
        r.payload
        for r in judge.received
        if r.action == "NotifyReport" and r.payload["requestId"] == request_id
    ]
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert all(p.get("tbc") for p in parts[:-1]) and not parts[-1].get("tbc", False)
    return [item for p in parts for item in p.get("reportData", [])]


def name(item):
    component, variable = item["component"], item["variable"]
    evse = component.get("evse")
    return (
        component["name"],
        variable["name"],
        variable.get("instance"),
        evse["id"] if evse else None,
        evse.get("connectorId") if evse else None,
    )


async def test_tc_b_13_53_full_inventory_is_complete_and_consistent(judge, station):
    items = await report(judge, "FullInventory", 53)
    names = {name(i) for i in items}
    for component, variable, instance in REQUIRED:
        assert (component, variable, instance, None, None) in names, (component, variable)
    for evse in (1, 2):
        for component, variable in PER_EVSE:
            assert (component, variable, None, evse, None) in names
        for component, variable in PER_CONNECTOR:
            assert (component, variable, None, evse, 1) in names
    for item in items:
        characteristics = item["variableCharacteristics"]
        data_type = DataType(characteristics["dataType"])
        for attribute in item["variableAttribute"]:
            if attribute.get("mutability") == "WriteOnly":
                assert "value" not in attribute, name(item)
                continue
            if name(item)[:2] == ("EVSE", "Power"):
                continue  # may have only maxLimit
            assert "value" in attribute, name(item)
            if data_type in (DataType.OptionList, DataType.MemberList, DataType.SequenceList):
                assert characteristics.get("valuesList"), name(item)
            limits = Limits(
                data_type,
                characteristics.get("minLimit"),
                characteristics.get("maxLimit"),
                tuple(characteristics["valuesList"].split(","))
                if characteristics.get("valuesList")
                else None,
            )
            if attribute["value"] != "" or data_type is not DataType.string:
                parse(attribute["value"], limits)  # inside its own characteristics


async def test_tc_b_12_configuration_inventory_lists_what_an_operator_can_set(judge, station):
    items = await report(judge, "ConfigurationInventory", 12)
    mutabilities = {a["mutability"] for i in items for a in i["variableAttribute"]}
    assert mutabilities <= {"ReadWrite", "WriteOnly"}
    assert ("OCPPCommCtrlr", "HeartbeatInterval", None, None, None) in {name(i) for i in items}


async def test_tc_b_14_summary_inventory_reports_availability(judge, station):
    items = await report(judge, "SummaryInventory", 14)
    names = {name(i) for i in items}
    assert ("ChargingStation", "AvailabilityState", None, None, None) in names
    assert ("Connector", "AvailabilityState", None, 2, 1) in names


async def test_a_second_report_shows_the_values_written_since_the_first(judge, station):
    """Report items are reused while their variable is unchanged; a written value is not."""

    def heartbeat(items):
        wanted = ("OCPPCommCtrlr", "HeartbeatInterval", None, None, None)
        (item,) = [i for i in items if name(i) == wanted]
        return item["variableAttribute"][0]["value"]

    first = await report(judge, "FullInventory", 60)
    (written,) = await set_variables(
        judge, put(COMM, "HeartbeatInterval", str(int(heartbeat(first)) + 17))
    )
    assert written["attributeStatus"] == "Accepted"
    second = await report(judge, "FullInventory", 61)
    assert heartbeat(second) == str(int(heartbeat(first)) + 17)
    assert len(second) == len(first)
    changed = [name(a) for a, b in zip(first, second, strict=True) if a != b]
    # The clock moved on; nothing else was written.
    assert set(changed) == {
        ("OCPPCommCtrlr", "HeartbeatInterval", None, None, None),
        ("ClockCtrlr", "DateTime", None, None, None),
    }, changed
