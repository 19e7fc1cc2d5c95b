"""`station fleet`: a few full stations in one process against the development CSMS,
over real WebSockets."""

from __future__ import annotations

import contextvars
import logging
import re
import tomllib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from station.cli import main
from station.devcsms.server import DevCsms, Event, StationEvent, Traffic
from station.fleet.core import Fleet, FleetStation, RampedDialer
from station.fleet.handles import FleetView, StationDown, StationHandle
from station.fleet.limits import FDS_BASE, FDS_PER_STATION, ResourceLimitError
from station.fleet.limits import ensure_open_files as ensure
from station.fleet.logs import CURRENT, StationTag
from station.fleet.settings import FleetSettings, FleetSettingsError, station_config

PASSWORD = "fleet-password-0001"
CARD = "AABBCCDD"
#: A safety net for a broken station, not a pace: every wait below is on an event.
LIMIT = 60


class Recorder:
    """The CSMS's traffic as it happens, and a way to wait for a frame."""

    def __init__(self) -> None:
        self.frames: list[Traffic] = []
        self.events: list[StationEvent] = []
        self._changed = trio.Event()

    def __call__(self, event: Event) -> None:
        if isinstance(event, Traffic):
            self.frames.append(event)
        else:
            self.events.append(event)
        self._changed.set()
        self._changed = trio.Event()

    async def wait_event(self, identity: str, what: str, start: int = 0) -> StationEvent:
        """The first connection event ``what`` of station ``identity`` from index ``start``."""
        while True:
            for event in self.events[start:]:
                if event.identity == identity and event.what == what:
                    return event
            await self._changed.wait()

    async def wait_for(self, match: Callable[[Traffic], bool], start: int = 0) -> Traffic:
        """The first frame from index ``start`` on that matches."""
        seen = start
        while True:
            for frame in self.frames[seen:]:
                if match(frame):
                    return frame
            seen = len(self.frames)
            await self._changed.wait()


@asynccontextmanager
async def running_fleet(
    tmp_path: Path, count: int = 3, worker_threads: int = 16
) -> AsyncIterator[tuple[Fleet, DevCsms, Recorder]]:
    csms = DevCsms(password=PASSWORD)
    recorder = Recorder()
    csms.observers.append(recorder)
    async with trio.open_nursery() as nursery:
        await nursery.start(csms.run)
        settings = FleetSettings(
            csms_url=csms.url,
            count=count,
            data_dir=tmp_path / "fleet",
            password=PASSWORD,
            seed=7,
            worker_threads=worker_threads,
        )
        fleet = Fleet(settings)
        await nursery.start(fleet.run)
        with trio.fail_after(LIMIT):
            await fleet.wait_accepted()
        try:
            yield fleet, csms, recorder
        finally:
            fleet.stop()
            nursery.cancel_scope.cancel()


def register(frame: Traffic) -> float | None:
    """The Energy.Active.Import.Register value in a TransactionEvent or MeterValues."""
    for meter_value in frame.payload.get("meterValue", []):
        for sampled in meter_value["sampledValue"]:
            if sampled.get("measurand", "Energy.Active.Import.Register") == (
                "Energy.Active.Import.Register"
            ):
                return float(sampled["value"])
    return None


def from_station(identity: str, action: str, **fields: Any) -> Callable[[Traffic], bool]:
    def match(frame: Traffic) -> bool:
        return (
            frame.identity == identity
            and frame.direction == "in"
            and frame.kind == "CALL"
            and frame.action == action
            and all(frame.payload.get(k) == v for k, v in fields.items())
        )

    return match


@pytest.mark.parametrize("worker_threads", [16, 0])
async def test_each_station_boots_with_its_own_identity_store_and_connection(
    tmp_path: Path, worker_threads: int
) -> None:
    async with running_fleet(tmp_path, worker_threads=worker_threads) as (fleet, csms, recorder):
        identities = ["FLEET-0001", "FLEET-0002", "FLEET-0003"]
        assert list(fleet.stations) == identities
        assert sorted(csms.stations) == identities
        boots = {
            f.identity: f.payload
            for f in recorder.frames
            if f.direction == "in" and f.action == "BootNotification" and f.kind == "CALL"
        }
        assert sorted(boots) == identities
        for identity in identities:
            assert boots[identity]["chargingStation"]["serialNumber"] == identity
            assert boots[identity]["reason"] == "PowerUp"
            station = fleet.stations[identity]
            assert station.evse_ids == (1, 2)
            assert station.summary()["state"] == "accepted"
            assert station.summary()["connected"] is True
            directory = tmp_path / "fleet" / identity
            assert (directory / "station.db").is_file()
            assert (directory / "sim-world").is_file()
            assert station.config.station.data_dir == directory.absolute()
        # The fleet's view is what the API and the generator are written against.
        view: FleetView = fleet
        handle: StationHandle = view.stations["FLEET-0002"]
        assert handle.identity == "FLEET-0002"


async def test_a_command_on_one_station_gives_a_transaction_on_that_station_only(
    tmp_path: Path,
) -> None:
    async with running_fleet(tmp_path) as (fleet, _, recorder):
        station = fleet.stations["FLEET-0002"]
        await station.command("sim.plug", {"evse": 1})
        await station.command("sim.tap", {"uid": CARD})
        await station.command("sim.ev_state", {"evse": 1, "state": "C"})
        with trio.fail_after(LIMIT):
            started = await recorder.wait_for(
                from_station("FLEET-0002", "TransactionEvent", eventType="Started")
            )
            # Charging: the contactor closed (the station reports it in an Updated event).
            await recorder.wait_for(
                lambda f: (
                    from_station("FLEET-0002", "TransactionEvent")(f)
                    and f.payload["transactionInfo"].get("chargingState") == "Charging"
                )
            )
        assert started.payload["evse"]["id"] == 1
        assert not [
            f
            for f in recorder.frames
            if f.action == "TransactionEvent" and f.identity != "FLEET-0002"
        ]
        summaries = {identity: s.summary() for identity, s in fleet.stations.items()}
        transaction = started.payload["transactionInfo"]["transactionId"]
        assert summaries["FLEET-0002"]["evses"][0] == {
            "id": 1,
            "status": "Occupied",
            "transaction_id": transaction,
        }
        for identity in ("FLEET-0001", "FLEET-0003"):
            assert [e["transaction_id"] for e in summaries[identity]["evses"]] == [None, None]


async def test_a_bad_command_gets_a_precise_error_and_a_stopped_station_says_so(
    tmp_path: Path,
) -> None:
    async with running_fleet(tmp_path, count=1) as (fleet, _, _):
        station = fleet.stations["FLEET-0001"]
        with pytest.raises(KeyError, match=r"unknown command 'sim\.jump'; this station offers"):
            await station.command("sim.jump", {})
        with pytest.raises(ValueError, match="EVSE"):
            await station.command("sim.plug", {"evse": 9})
        fleet.stop()
        with trio.fail_after(LIMIT):
            while station.state != "stopped":
                await station.wait_changed()
        with pytest.raises(StationDown, match="FLEET-0001 is stopped"):
            await station.command("status", {})


async def test_a_reset_restarts_one_station_in_place_and_keeps_its_meter_register(
    tmp_path: Path,
) -> None:
    async with running_fleet(tmp_path) as (fleet, csms, recorder):
        identity = "FLEET-0001"
        station = fleet.stations[identity]
        other = fleet.stations["FLEET-0003"].station
        await csms.call(
            identity,
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedInterval"},
                        "attributeValue": "1",
                    }
                ]
            },
        )
        await station.command("sim.plug", {"evse": 1})
        await station.command("sim.tap", {"uid": CARD})
        await station.command("sim.ev_state", {"evse": 1, "state": "C"})
        with trio.fail_after(LIMIT):
            counted = await recorder.wait_for(
                lambda f: (
                    from_station(identity, "TransactionEvent", eventType="Updated")(f)
                    and (register(f) or 0) > 0
                )
            )
        before = register(counted)
        assert before is not None and before > 0
        mark = len(recorder.frames)
        answer = await csms.call(identity, "Reset", {"type": "Immediate"})
        assert answer["status"] == "Accepted"
        with trio.fail_after(LIMIT):
            boot = await recorder.wait_for(from_station(identity, "BootNotification"), mark)
            await station.wait_accepted()
        assert boot.payload["reason"] == "RemoteReset"
        assert station.incarnations == 2
        # Only this station restarted.
        assert fleet.stations["FLEET-0003"].station is other
        assert fleet.stations["FLEET-0003"].incarnations == 1
        # The meter of the new incarnation goes on from where the old one stopped.
        status = await station.command("status", {})
        meter = status["hardware"]["evses"]["1"]["meter"]
        assert meter["energy_import_wh"] >= before
        assert status["hardware"]["evses"]["1"]["ev"]["plugged"] is True


def test_a_line_logged_inside_a_station_names_it() -> None:
    tag = StationTag()
    outside = logging.LogRecord("station.x", logging.INFO, "f", 1, "event=a b=%s", ("c",), None)
    assert tag.filter(outside) and outside.getMessage() == "event=a b=c"
    context = contextvars.copy_context()
    context.run(CURRENT.set, "FLEET-0004")
    record = logging.LogRecord("station.x", logging.INFO, "f", 1, "event=a b=%s", ("c",), None)
    assert context.run(tag.filter, record)
    assert context.run(tag.filter, record)  # a second handler adds nothing
    assert record.getMessage() == "event=a station=FLEET-0004 b=c"
    plain = logging.LogRecord("x", logging.INFO, "f", 1, "free text", (), None)
    context.run(tag.filter, plain)
    assert plain.getMessage() == "event=message station=FLEET-0004 text='free text'"


def test_identities_directories_and_passwords_come_from_the_settings(tmp_path: Path) -> None:
    settings = FleetSettings(
        csms_url="ws://127.0.0.1:9/ocpp", count=12, data_dir=tmp_path, identity_prefix="LAB-"
    )
    assert settings.identity(7) == "LAB-0007"
    first = station_config(settings, 7)
    assert first.station.identity == "LAB-0007"
    assert first.station.data_dir == (tmp_path / "LAB-0007").absolute()
    assert [e.id for e in first.hardware.evse] == [1, 2]
    password = first.csms.basic_auth_password
    assert password is not None and len(password) >= 16
    # A station keeps its generated password from one start to the next, and the file
    # is the one `station sim --config` reads.
    assert station_config(settings, 7).csms.basic_auth_password == password
    path = tmp_path / "LAB-0007" / "station.toml"
    assert tomllib.loads(path.read_text())["csms"]["basic_auth_password"] == password
    assert path.stat().st_mode & 0o777 == 0o600
    assert station_config(settings, 8).csms.basic_auth_password != password
    single = replace(settings, evses=1, password="the-same-for-all-0001")
    assert [e.id for e in station_config(single, 7).hardware.evse] == [1]
    assert station_config(single, 7).csms.basic_auth_password == "the-same-for-all-0001"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"count": 0}, "--count: must be at least 1, not 0"),
        ({"evses": 3}, "--evses: must be 1 or 2, not 3"),
        ({"security_profile": 3}, "--security-profile: 1 or 2"),
        ({"csms_url": "wss://h/ocpp"}, "--csms: security profile 1 uses ws:// URLs"),
        ({"security_profile": 2, "csms_url": "wss://h/ocpp"}, "--ca-file: required"),
        ({"ramp": 0.0}, "--ramp: must be above 0"),
        ({"data_dir": Path("/" + "d" * 120)}, "--data-dir: .* is too long"),
    ],
)
def test_options_that_cannot_give_valid_stations_are_refused_naming_the_option(
    tmp_path: Path, changes: dict, message: str
) -> None:
    options: dict[str, Any] = {
        "csms_url": "ws://127.0.0.1:9/ocpp",
        "count": 3,
        "data_dir": tmp_path,
    }
    with pytest.raises(FleetSettingsError, match=message):
        FleetSettings(**{**options, **changes})


def test_an_identity_prefix_outside_identifierstring_is_refused(tmp_path: Path) -> None:
    settings = FleetSettings(
        csms_url="ws://127.0.0.1:9/ocpp", count=1, data_dir=tmp_path, identity_prefix="A:B-"
    )
    with pytest.raises(FleetSettingsError, match=r"station A:B-0001: .*identity"):
        station_config(settings, 1)


def test_the_command_line_refuses_missing_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--count", "3"]) == 2
    assert "station fleet: --csms required" in capsys.readouterr().err
    assert main(["fleet", "--csms", "ws://127.0.0.1:9/ocpp", "--count", "0"]) == 2
    assert "--count: must be at least 1, not 0" in capsys.readouterr().err


def test_the_open_files_limit_is_raised_or_the_start_refused_with_the_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import resource

    limits = {"value": (1024, 4096)}
    monkeypatch.setattr(resource, "getrlimit", lambda which: limits["value"])
    monkeypatch.setattr(resource, "setrlimit", lambda which, value: limits.update(value=value))
    assert ensure(10) is None  # 10 stations fit in 1024
    needed = FDS_BASE + FDS_PER_STATION * 300
    assert ensure(300) == needed
    assert limits["value"] == (needed, 4096)
    limits["value"] = (1024, 4096)
    with pytest.raises(ResourceLimitError, match=r"1000 stations need about 8064 open files"):
        ensure(1000)


async def test_the_ramp_spaces_connection_attempts_fleet_wide(
    autojump_clock: trio.testing.MockClock,
) -> None:
    dialled: list[float] = []

    async def dial(nursery: trio.Nursery, endpoint: Any) -> Any:
        dialled.append(trio.current_time())

    ramp = RampedDialer(4.0, dial)
    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(ramp, nursery, None)
    assert [round(t - start, 6) for t in dialled] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ramp.attempts == 5
    with pytest.raises(ValueError, match="above 0"):
        RampedDialer(0.0, dial)


async def set_variables(csms: DevCsms, identity: str, values: dict[tuple[str, str], str]) -> None:
    data = [
        {"component": {"name": c}, "variable": {"name": v}, "attributeValue": value}
        for (c, v), value in values.items()
    ]
    answer = await csms.call(identity, "SetVariables", {"setVariableData": data})
    assert {r["attributeStatus"] for r in answer["setVariableResult"]} == {"Accepted"}


def transaction_events(frames: list[Traffic], identity: str, transaction: str) -> list[Traffic]:
    return [
        f
        for f in frames
        if from_station(identity, "TransactionEvent")(f)
        and f.payload["transactionInfo"]["transactionId"] == transaction
    ]


async def test_an_outage_during_a_charge_queues_the_events_and_delivers_them_in_order_after_it(
    tmp_path: Path,
) -> None:
    async with running_fleet(tmp_path, count=2) as (fleet, csms, recorder):
        identity = "FLEET-0001"
        station: FleetStation = fleet.stations[identity]
        await set_variables(
            csms,
            identity,
            {
                ("SampledDataCtrlr", "TxUpdatedInterval"): "1",
                # A quick reconnect once the network is back (Part 4 §5.3 back-off).
                ("OCPPCommCtrlr", "RetryBackOffWaitMinimum"): "1",
                ("OCPPCommCtrlr", "RetryBackOffRandomRange"): "0",
            },
        )
        await station.command("sim.plug", {"evse": 1})
        await station.command("sim.tap", {"uid": CARD})
        await station.command("sim.ev_state", {"evse": 1, "state": "C"})
        with trio.fail_after(LIMIT):
            started = await recorder.wait_for(
                from_station(identity, "TransactionEvent", eventType="Started")
            )
            await recorder.wait_for(
                lambda f: (
                    from_station(identity, "TransactionEvent")(f)
                    and f.payload["transactionInfo"].get("chargingState") == "Charging"
                )
            )
        transaction = started.payload["transactionInfo"]["transactionId"]

        mark, events_mark = len(recorder.frames), len(recorder.events)
        answer = await station.command("network.outage", {"duration_s": 600})
        assert answer["outage"]["cause"] == "network"
        assert 599 < answer["outage"]["remaining_s"] <= 600
        with trio.fail_after(LIMIT):
            # The CSMS sees the connection end without a close frame (RFC 6455: 1006).
            lost = await recorder.wait_event(identity, "disconnected", events_mark)
            assert lost.detail == "code=1006"
            incarnation = station.station
            assert incarnation is not None and incarnation.connection is not None
            manager = incarnation.connection
            failed = manager.failed_attempts
            await manager.wait_failed_attempts(failed + 1)
        assert manager.last_failure is not None and "no route to the host" in manager.last_failure
        assert station.summary()["connected"] is False
        assert station.summary()["outage"]["cause"] == "network"

        # Offline: the charge goes on (periodic meter values, at least one in the back-off
        # second above), then the EV leaves and the station ends the transaction.
        await station.command("sim.unplug", {"evse": 1})
        with trio.fail_after(LIMIT):
            while station.summary()["evses"][0]["transaction_id"] is not None:
                await incarnation.transactions.wait_changed()
        queued = incarnation.queue.count(transaction)
        assert queued >= 2  # periodic meter values and Ended
        down_frames = [f for f in recorder.frames[mark:] if f.identity == identity]
        assert not [f for f in down_frames if f.direction == "in"]

        restored = await station.command("network.restore", {})
        assert restored == {"outage": None}
        with trio.fail_after(LIMIT):
            ended = await recorder.wait_for(
                from_station(identity, "TransactionEvent", eventType="Ended"), mark
            )
            await incarnation.queue.drained()
        assert ended.payload["offline"] is True
        assert ended.payload["transactionInfo"]["stoppedReason"] == "EVDisconnected"

        frames = transaction_events(recorder.frames, identity, transaction)
        # Each message once in seqNo order (a resend of the one in flight at the cut
        # would repeat its seqNo, never skip or reorder one).
        first_seen: list[int] = []
        for frame in frames:
            if frame.payload["seqNo"] not in first_seen:
                first_seen.append(frame.payload["seqNo"])
        assert first_seen == list(range(len(first_seen)))
        assert frames[-1] is ended
        after = [f for f in frames if recorder.frames.index(f) >= mark]
        assert len({f.payload["seqNo"] for f in after}) >= queued
        assert all(f.payload.get("offline") for f in after)
        triggers = [f.payload["triggerReason"] for f in after]
        assert "MeterValuePeriodic" in triggers
        # The other station never lost its connection.
        other = fleet.stations["FLEET-0002"]
        assert other.summary()["connected"] is True
        assert not [e for e in recorder.events[events_mark:] if e.identity == "FLEET-0002"]


async def test_a_fleet_wide_outage_is_a_csms_outage_for_every_station(tmp_path: Path) -> None:
    async with running_fleet(tmp_path, count=3) as (fleet, _, recorder):
        events_mark = len(recorder.events)
        assert await fleet.outage(600) == 3
        with trio.fail_after(LIMIT):
            for identity, station in fleet.stations.items():
                await recorder.wait_event(identity, "disconnected", events_mark)
                incarnation = station.station
                assert incarnation is not None and incarnation.connection is not None
                await incarnation.connection.wait_failed_attempts(1)
                assert "connection refused" in (incarnation.connection.last_failure or "")
                assert station.summary()["outage"]["cause"] == "csms"
        assert fleet.restore() == 3
        assert fleet.restore() == 0
        with trio.fail_after(LIMIT):
            for identity in fleet.stations:
                await recorder.wait_event(identity, "connected", events_mark)
        assert all(s.summary()["outage"] is None for s in fleet.stations.values())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"duration_s": -5}, "duration_s must be above 0 and at most 604800 s, got -5"),
        ({"duration_s": 0}, "duration_s must be above 0"),
        ({"duration_s": "ten"}, "duration_s must be a number of seconds, got 'ten'"),
        ({"duration_s": 10, "cause": "flood"}, "cause must be one of network, csms, got 'flood'"),
        ({"duration_s": 10, "for": 3}, "unknown argument 'for'; expected cause, duration_s"),
        ({}, "missing argument 'duration_s'"),
    ],
)
async def test_a_bad_outage_is_refused_naming_the_value_and_cuts_nothing(
    tmp_path: Path, args: dict[str, Any], message: str
) -> None:
    async with running_fleet(tmp_path, count=1) as (fleet, _, _):
        station = fleet.stations["FLEET-0001"]
        with pytest.raises(ValueError, match=re.escape(message)):
            await station.command("network.outage", args)
        assert station.summary()["outage"] is None
        assert station.summary()["connected"] is True


async def test_an_outage_ends_by_itself_at_its_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    from station.fleet.outage import NetworkLink
    from station.ocpp.transport import ConnectFailed, Endpoint, TransportClosed, memory_pair

    far_ends = []

    async def dial(nursery: trio.Nursery, endpoint: Endpoint) -> Any:
        station_side, csms_side = memory_pair()
        far_ends.append(csms_side)
        return station_side

    link = NetworkLink(dial)
    endpoint = Endpoint(url="ws://csms.example:9000/ocpp", identity="CS-1", security_profile=1)
    async with trio.open_nursery() as nursery:
        transport = await link(nursery, endpoint)
        await far_ends[0].send("hello")
        assert await transport.receive() == "hello"

        async def reader() -> None:
            with pytest.raises(TransportClosed) as closed:
                await transport.receive()
            assert closed.value.code == 1006

        nursery.start_soon(reader)
        await trio.testing.wait_all_tasks_blocked()
        cut_at = trio.current_time()
        assert (await link.cut(30)) == {"cause": "network", "remaining_s": 30.0}
        with pytest.raises(TransportClosed):
            await transport.send("after the cut")
        with pytest.raises(ConnectFailed, match=r"csms\.example:9000: no route to the host"):
            await link(nursery, endpoint)
        # A shorter second outage does not end the first one early.
        await link.cut(5, "csms")
        await trio.sleep_until(cut_at + 29.9)
        assert link.down
        with pytest.raises(ConnectFailed, match="no route to the host"):
            await link(nursery, endpoint)
        await trio.sleep_until(cut_at + 30)
        assert not link.down and link.state() is None
        again = await link(nursery, endpoint)
        await far_ends[1].send("back")
        assert await again.receive() == "back"
        assert link.outages == 2 and link.refused_attempts == 2
        assert link.restore() is False
