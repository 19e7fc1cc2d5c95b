"""The device model: value checks per dataType, persistence, damaged stores, reports."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from station.devicemodel.catalogue import EvseTopology, build_catalogue
from station.devicemodel.datatypes import DataType, InvalidValue, Limits, format_value, parse
from station.devicemodel.model import (
    Attribute,
    Component,
    DeviceModel,
    SetItem,
    SetStatus,
    key,
)
from station.offload import InlineOffload
from station.store import Store
from tests.conftest import make_config, running_station

COMM = "OCPPCommCtrlr"

# -- values per dataType -----------------------------------------------------------------


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integers_round_trip(n):
    limits = Limits(DataType.integer)
    assert parse(format_value(n, DataType.integer), limits) == n


@given(
    st.integers(), st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=100)
)
def test_integer_limits(n, low, span):
    limits = Limits(DataType.integer, low, low + span)
    if low <= n <= low + span:
        assert parse(str(n), limits) == n
    else:
        with pytest.raises(InvalidValue, match=r"minLimit|maxLimit"):
            parse(str(n), limits)


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_decimals_round_trip(x):
    value = parse(format_value(x, DataType.decimal), Limits(DataType.decimal))
    assert value == pytest.approx(x)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (DataType.integer, "12.5"),
        (DataType.integer, "abc"),
        (DataType.integer, ""),
        (DataType.decimal, "1,5"),
        (DataType.decimal, "nan"),
        (DataType.decimal, "inf"),
        (DataType.boolean, "yes"),
        (DataType.boolean, "1"),
        (DataType.dateTime, "yesterday"),
        (DataType.dateTime, "2026-01-01T00:00:00"),
    ],
)
def test_malformed_values_are_refused_with_a_reason(kind, text):
    with pytest.raises(InvalidValue) as caught:
        parse(text, Limits(kind))
    assert str(caught.value)


@given(st.booleans())
def test_booleans_round_trip_case_insensitively(b):
    text = format_value(b, DataType.boolean)
    assert parse(text.upper(), Limits(DataType.boolean)) is b


@given(st.datetimes(timezones=st.just(UTC)))
def test_datetimes_round_trip_to_the_millisecond(moment):
    # Part 2 §2.1.4: at most three fractional digits, so a value keeps its milliseconds.
    text = format_value(moment, DataType.dateTime)
    assert text.endswith("Z")
    truncated = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parse(text, Limits(DataType.dateTime)) == truncated


OPTIONS = ("Heartbeat", "NTP", "GPS", "RealTimeClock")


@given(st.lists(st.sampled_from(OPTIONS), unique=True, min_size=1))
def test_member_and_sequence_lists_round_trip(items):
    for kind in (DataType.MemberList, DataType.SequenceList):
        limits = Limits(kind, values_list=OPTIONS)
        assert parse(",".join(items), limits) == tuple(items)


@given(
    st.text(min_size=1, max_size=12).filter(
        lambda t: (
            "," not in t
            and t.strip() not in OPTIONS
            and t.strip().lower() not in {o.lower() for o in OPTIONS}
        )
    )
)
def test_list_members_outside_the_values_list_are_refused(item):
    with pytest.raises(InvalidValue, match="is not one of"):
        parse(f"Heartbeat,{item}", Limits(DataType.MemberList, values_list=OPTIONS))


def test_option_list_value_is_canonicalised_and_duplicates_refused():
    limits = Limits(DataType.OptionList, values_list=OPTIONS)
    assert parse("ntp", limits) == "NTP"
    with pytest.raises(InvalidValue, match="twice"):
        parse("NTP,NTP", Limits(DataType.MemberList, values_list=OPTIONS))


@given(st.text(max_size=60))
def test_string_length_limits(text):
    limits = Limits(DataType.string, 16, 40)
    if 16 <= len(text) <= 40:
        assert parse(text, limits) == text
    else:
        with pytest.raises(InvalidValue, match="characters long"):
            parse(text, limits)


# -- the catalogue -----------------------------------------------------------------------

TOPOLOGY = [EvseTopology(1, "cType1", 1, 7360.0), EvseTopology(2, "cType1", 1, 7360.0)]

#: Required (Part 2 §2 'Required' column, B53) for Core and Advanced Security.
REQUIRED = [
    ("AlignedDataCtrlr", "Interval", None),
    ("AlignedDataCtrlr", "Measurands", None),
    ("AlignedDataCtrlr", "TxEndedInterval", None),
    ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    ("AuthCtrlr", "AuthorizeRemoteStart", None),
    ("AuthCtrlr", "LocalAuthorizeOffline", None),
    ("AuthCtrlr", "LocalPreAuthorize", None),
    ("ClockCtrlr", "DateTime", None),
    ("ClockCtrlr", "TimeSource", None),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", "BytesPerMessage", "SetVariables"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables"),
    (COMM, "ActiveNetworkProfile", None),
    (COMM, "FileTransferProtocols", None),
    (COMM, "MessageTimeout", "Default"),
    (COMM, "MessageAttemptInterval", "TransactionEvent"),
    (COMM, "MessageAttempts", "TransactionEvent"),
    (COMM, "NetworkConfigurationPriority", None),
    (COMM, "NetworkProfileConnectionAttempts", None),
    (COMM, "OfflineThreshold", None),
    (COMM, "ResetRetries", None),
    (COMM, "UnlockOnEVSideDisconnect", None),
    (COMM, "RetryBackOffRandomRange", None),
    (COMM, "RetryBackOffRepeatTimes", None),
    (COMM, "RetryBackOffWaitMinimum", None),
    (COMM, "WebSocketPingInterval", None),
    (COMM, "HeartbeatInterval", None),
    ("SampledDataCtrlr", "TxEndedInterval", None),
    ("SampledDataCtrlr", "TxEndedMeasurands", None),
    ("SampledDataCtrlr", "TxStartedMeasurands", None),
    ("SampledDataCtrlr", "TxUpdatedInterval", None),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    ("SecurityCtrlr", "CertificateEntries", None),
    ("SecurityCtrlr", "OrganizationName", None),
    ("SecurityCtrlr", "SecurityProfile", None),
    ("SecurityCtrlr", "BasicAuthPassword", None),
    ("SecurityCtrlr", "Identity", None),
    ("TxCtrlr", "EVConnectionTimeOut", None),
    ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", "StopTxOnInvalidId", None),
    ("TxCtrlr", "TxStartPoint", None),
    ("TxCtrlr", "TxStopPoint", None),
    ("ChargingStation", "AvailabilityState", None),
    ("ChargingStation", "Available", None),
    ("ChargingStation", "SupplyPhases", None),
]
PER_EVSE = [
    ("EVSE", "AvailabilityState"),
    ("EVSE", "Available"),
    ("EVSE", "Power"),
    ("EVSE", "SupplyPhases"),
]
PER_CONNECTOR = [
    ("Connector", "Available"),
    ("Connector", "ConnectorType"),
    ("Connector", "SupplyPhases"),
    ("Connector", "AvailabilityState"),
]


def test_catalogue_holds_every_required_variable():
    dm = DeviceModel(build_catalogue(TOPOLOGY, identity="CS-1"))
    keys = {v.key for v in dm.variables()}
    for component, name, instance in REQUIRED:
        assert key(component, name, instance) in keys, (component, name, instance)
    for evse in (1, 2):
        for component, name in PER_EVSE:
            assert key(component, name, evse=evse) in keys
        for component, name in PER_CONNECTOR:
            assert key(component, name, evse=evse, connector=1) in keys


def test_every_default_lies_inside_its_characteristics():
    for variable in build_catalogue(TOPOLOGY, identity="CS-1"):
        if variable.default is not None:
            parse(variable.default, variable.limits)  # raises if not


# -- persistence and damage ----------------------------------------------------------------


async def make_dm(path) -> DeviceModel:
    store = Store.open_sync(path, offload=InlineOffload())
    dm = DeviceModel(build_catalogue(TOPOLOGY, identity="CS-1"), store)
    await dm.load({})
    return dm


async def test_accepted_writes_survive_a_reopen(tmp_path):
    path = tmp_path / "station.db"
    dm = await make_dm(path)
    outcomes = await dm.set_variables(
        [
            SetItem(Component(COMM), "OfflineThreshold", None, "300"),
            SetItem(Component(COMM), "MessageAttempts", "TransactionEvent", "5"),
            SetItem(Component(COMM), "HeartbeatInterval", None, "0"),
        ]
    )
    assert [o.status for o in outcomes] == [
        SetStatus.Accepted,
        SetStatus.Accepted,
        SetStatus.Rejected,
    ]
    dm._store.close()
    again = await make_dm(path)
    assert again.get(key(COMM, "OfflineThreshold")) == 300
    assert again.get(key(COMM, "MessageAttempts", "TransactionEvent")) == 5
    assert again.get(key(COMM, "HeartbeatInterval")) == 300


async def test_a_failed_store_write_is_never_reported_accepted(tmp_path):
    dm = await make_dm(tmp_path / "station.db")
    dm._store.close()  # the disk is gone
    (outcome,) = await dm.set_variables([SetItem(Component(COMM), "OfflineThreshold", None, "30")])
    assert outcome.status is SetStatus.Rejected
    assert "could not store" in outcome.reason
    assert dm.get(key(COMM, "OfflineThreshold")) == 60


async def test_a_stored_value_that_no_longer_validates_falls_back_to_default(tmp_path):
    path = tmp_path / "station.db"
    dm = await make_dm(path)
    dm._store.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE variables SET value = 'minus five' WHERE key LIKE '%/HeartbeatInterval/%'"
        )
    again = await make_dm(path)
    assert again.get(key(COMM, "HeartbeatInterval")) == 300
    assert any("HeartbeatInterval" in p for p in again.load_problems)


async def test_a_corrupted_store_is_moved_aside_and_reported(tmp_path, autojump_clock):
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.db").write_bytes(b"this is not a database" * 100)
    config = make_config(data)
    async with running_station(config) as env:
        events = await env.csms.wait_for("SecurityEventNotification", count=2)
        assert "SecurityLogWasCleared" in {e.payload["type"] for e in events}
        assert env.station.store.recovery is not None
    assert list(data.glob("station.db.corrupt-*"))


async def test_config_seeds_only_the_first_start(tmp_path, autojump_clock):
    config = make_config(tmp_path / "data")
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        frame = await env.csms.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "Another-Password-123",
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                    }
                ]
            },
        )
        assert frame.payload["setVariableResult"][0]["attributeStatus"] == "Accepted"
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        endpoint = env.csms.connections[-1]["endpoint"]
        assert endpoint.basic_auth_password == "Another-Password-123"


async def test_a_large_report_does_not_hold_the_event_loop(tmp_path, autojump_clock):
    config = make_config(tmp_path / "data")
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        big = DeviceModel(
            build_catalogue(TOPOLOGY * 1, identity="CS-1")
            + [
                v
                for n in range(3, 400)
                for v in build_catalogue([EvseTopology(n, "cType2", 3, 22000.0)], identity="x")[-9:]
            ]
        )
        assert len(big.variables()) > 1500
        from station.devicemodel.handlers import DeviceModelService

        report = DeviceModelService.__new__(DeviceModelService)
        report._client, report._dm, report._now = env.station.client, big, env.station.clock.now
        report._reporting, report._reported = None, {}
        ticks = 0

        async def other_task():
            nonlocal ticks
            while True:
                ticks += 1
                await trio.lowlevel.checkpoint()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(other_task)
            await report.send_report(7, big.variables())
            nursery.cancel_scope.cancel()
        parts = env.csms.of("NotifyReport")
        assert sum(len(p.payload["reportData"]) for p in parts) == len(big.variables())
        assert ticks >= len(parts)
        assert datetime.fromisoformat(parts[0].payload["generatedAt"].replace("Z", "+00:00"))


def test_unknown_attribute_and_write_only_reads():
    dm = DeviceModel(build_catalogue(TOPOLOGY, identity="CS-1"))
    outcome = dm.read(Component(COMM), "HeartbeatInterval", None, Attribute.Target)
    assert outcome.status.value == "NotSupportedAttributeType"
    outcome = dm.read(Component("SecurityCtrlr"), "BasicAuthPassword", None)
    assert outcome.status.value == "Rejected" and outcome.value is None
    assert dm.read(Component("NoSuch"), "X", None).status.value == "UnknownComponent"
    assert dm.read(Component(COMM), "NoSuch", None).status.value == "UnknownVariable"
    assert dm.read(Component("ocppcommctrlr"), "heartbeatinterval", None).status.value == "Accepted"


@settings(deadline=None, max_examples=50)
@given(
    st.sampled_from(["HeartbeatInterval", "OfflineThreshold", "WebSocketPingInterval"]),
    st.integers(min_value=-10, max_value=100_000),
)
def test_set_rejects_exactly_what_the_limits_exclude(name, value):
    dm = DeviceModel(build_catalogue(TOPOLOGY, identity="CS-1"))
    variable = dm.declaration(key(COMM, name))
    outcome = trio.run(dm.set_variables, [SetItem(Component(COMM), name, None, str(value))])[0]
    inside = variable.min_limit <= value <= variable.max_limit
    assert (outcome.status is SetStatus.Accepted) == inside
