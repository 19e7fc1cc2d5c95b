"""GetVariables answers a reference it answered before from the result it sent then, as
long as the value is the same (`DeviceModelService._read`): these tests show that every
answer is still what a fresh read gives."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import trio

from station.devicemodel.catalogue import EvseTopology, build_catalogue
from station.devicemodel.handlers import READ_CACHE_LIMIT, DeviceModelService
from station.devicemodel.model import Attribute, Component, DeviceModel, SetItem, key
from station.ocpp.messages import GetVariablesRequest


class _Routes:
    def route(self, action: str, handler: object) -> None:
        pass


def _service() -> tuple[DeviceModel, DeviceModelService]:
    dm = DeviceModel(build_catalogue([EvseTopology(1, "cType2", 3, 22000.0)], identity="CS-1"))
    trio.run(dm.load)
    service = DeviceModelService(_Routes(), dm, lambda: datetime.now(UTC))  # type: ignore[arg-type]
    return dm, service


def _get(service: DeviceModelService, *items: dict) -> list[dict]:
    """The results, from the JSON the station sends, which must be the response's."""
    request = GetVariablesRequest.model_validate({"getVariableData": list(items)})
    reply = trio.run(service.get_variables, request)
    assert reply.text is not None
    assert reply.text == reply.response.to_json()
    return json.loads(reply.text)["getVariableResult"]


def _ref(component: str, variable: str, **extra: object) -> dict:
    return {"component": {"name": component}, "variable": {"name": variable}, **extra}


def _fresh(item: dict) -> list[dict]:
    """The same item answered by a service that never answered anything."""
    return _get(_service()[1], item)


def test_a_value_set_between_two_reads_is_the_one_answered():
    dm, service = _service()
    interval = _ref("OCPPCommCtrlr", "HeartbeatInterval")
    first = _get(service, interval, interval)
    assert first[0] == first[1] == _fresh(interval)[0]
    assert first[0]["attributeStatus"] == "Accepted"
    outcome = trio.run(
        dm.set_variables,
        [SetItem(Component("OCPPCommCtrlr"), "HeartbeatInterval", None, "123")],
    )
    assert outcome[0].status.value == "Accepted"
    again = _get(service, interval)
    assert again[0]["attributeValue"] == "123"
    assert again == [{**first[0], "attributeValue": "123"}]


def test_a_live_value_is_read_at_every_request():
    dm, service = _service()
    values = iter(["Available", "Available", "Occupied", "Faulted"])
    dm.bind_live(key("EVSE", "AvailabilityState", evse=1), lambda: next(values))
    state = {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "AvailabilityState"},
    }
    answered = [_get(service, state)[0]["attributeValue"] for _ in range(4)]
    assert answered == ["Available", "Available", "Occupied", "Faulted"]


def test_each_spelling_and_custom_data_is_echoed_as_sent():
    _, service = _service()
    items = [
        _ref("OCPPCommCtrlr", "HeartbeatInterval"),
        _ref("ocppcommctrlr", "heartbeatinterval"),
        _ref("OCPPCommCtrlr", "HeartbeatInterval", attributeType="Actual"),
        {
            "component": {"name": "OCPPCommCtrlr", "customData": {"vendorId": "a", "n": 1}},
            "variable": {"name": "HeartbeatInterval"},
        },
        {
            "component": {"name": "OCPPCommCtrlr", "customData": {"vendorId": "a", "n": 2}},
            "variable": {"name": "HeartbeatInterval", "customData": {"vendorId": "b"}},
        },
    ]
    for _ in range(2):  # the second time, every answer may come from the first
        results = _get(service, *items)
        assert results == [_fresh(item)[0] for item in items]
        for item, result in zip(items, results, strict=True):
            assert result["component"] == item["component"]
            assert result["variable"] == item["variable"]
            assert result["attributeType"] == "Actual"
            assert result["attributeStatus"] == "Accepted"


def test_refusals_are_answered_afresh_and_not_kept():
    _, service = _service()
    refusals = {  # the status each is answered with
        "UnknownComponent": _ref("NoSuchCtrlr", "HeartbeatInterval"),
        "UnknownVariable": _ref("OCPPCommCtrlr", "NoSuchVariable"),
        "NotSupportedAttributeType": _ref(
            "OCPPCommCtrlr", "HeartbeatInterval", attributeType="MinSet"
        ),
        "Rejected": _ref("SecurityCtrlr", "BasicAuthPassword"),  # WriteOnly
    }
    for _ in range(2):
        results = _get(service, *refusals.values())
        assert [r["attributeStatus"] for r in results] == list(refusals)
    assert service._reads == {}


def test_the_results_kept_stay_within_their_bound():
    """A CSMS that spells one name in ever new ways (names match case-insensitively)
    cannot grow what the service keeps."""
    _, service = _service()
    name = "HeartbeatInterval"
    spellings = (
        "".join(c.upper() if bit else c.lower() for c, bit in zip(name, bits, strict=True))
        for bits in itertools.product((0, 1), repeat=len(name))
    )
    largest = 0
    names = list(itertools.islice(spellings, READ_CACHE_LIMIT + 300))
    for batch in (names[i : i + 1] for i in range(len(names))):
        results = _get(service, *(_ref("OCPPCommCtrlr", s) for s in batch))
        assert [r["variable"]["name"] for r in results] == batch
        assert {r["attributeStatus"] for r in results} == {"Accepted"}
        largest = max(largest, len(service._reads))
    assert largest == READ_CACHE_LIMIT
    assert Attribute.Actual in {entry[1] for entry in service._reads.values()}


def test_values_that_need_escaping_are_sent_as_the_response_serialises_them():
    dm, service = _service()
    name = _ref("SecurityCtrlr", "OrganizationName")
    for value in ['quote " and \\ back', "caf\u00e9 \u263a", "line\nbreak", ""]:
        dm.bind_live(key("SecurityCtrlr", "OrganizationName"), lambda v=value: v)
        results = _get(service, name, name)
        assert [r.get("attributeValue") for r in results] == [value, value]
