"""Incoming CALLs on MockClock: one at a time, in order, a bounded backlog, bounded follow-ups,
and report parts that let every other CALL go first."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import trio
import trio.testing

from station.ocpp import rpc
from station.ocpp.client import INBOUND_BACKLOG, MAX_FOLLOW_UPS, BootState, OcppClient, Reply
from station.ocpp.messages import (
    DataTransferRequest,
    DataTransferResponse,
    DataTransferStatusEnumType,
    HeartbeatRequest,
    NotifyReportRequest,
)
from station.ocpp.transport import MemoryTransport, TransportClosed, memory_pair
from station.ocpp.turns import CallTurns


@dataclass
class Peer:
    """The CSMS end: sends raw CALLs, collects every frame the station sends."""

    transport: MemoryTransport
    frames: list[rpc.Frame] = field(default_factory=list)
    changed: trio.Event = field(default_factory=trio.Event)

    async def run(self) -> None:
        while True:
            try:
                text = await self.transport.receive()
            except TransportClosed:
                return
            self.frames.append(rpc.decode(text))
            self.changed.set()
            self.changed = trio.Event()

    async def send_call(self, message_id: str, action: str, payload: dict) -> None:
        await self.transport.send(json.dumps([2, message_id, action, payload]))

    def answers(self) -> dict[str, rpc.Frame]:
        return {
            f.message_id: f for f in self.frames if isinstance(f, rpc.CallResult | rpc.CallError)
        }

    def calls(self) -> list[rpc.Call]:
        return [f for f in self.frames if isinstance(f, rpc.Call)]

    async def wait(self, predicate) -> None:
        while not predicate():
            await self.changed.wait()


@asynccontextmanager
async def session(client: OcppClient) -> AsyncIterator[Peer]:
    station_side, csms_side = memory_pair()
    peer = Peer(csms_side)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(client.serve, station_side)
        nursery.start_soon(peer.run)
        yield peer
        nursery.cancel_scope.cancel()


def data_transfer(vendor: str) -> dict:
    return {"vendorId": vendor}


class Blocking:
    """A DataTransfer handler that records its calls and waits for the test to release each."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.active = 0
        self.most_active = 0
        self.release = trio.Semaphore(0)
        self.changed = trio.Event()

    async def __call__(self, request: DataTransferRequest) -> DataTransferResponse:
        self.entered.append(request.vendor_id)
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        self.changed.set()
        self.changed = trio.Event()
        try:
            await self.release.acquire()
        finally:
            self.active -= 1
        return DataTransferResponse(status=DataTransferStatusEnumType.Accepted)

    async def wait_entered(self, count: int) -> None:
        while len(self.entered) < count:
            await self.changed.wait()


async def test_calls_are_handled_one_at_a_time_in_arrival_order(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    handler = Blocking()
    client.route("DataTransfer", handler)
    async with session(client) as peer:
        for n in range(3):
            await peer.send_call(f"m{n}", "DataTransfer", data_transfer(f"v{n}"))
        await handler.wait_entered(1)
        await trio.testing.wait_all_tasks_blocked()
        assert handler.entered == ["v0"]  # the others wait their turn
        for n in range(3):
            handler.release.release()
            await peer.wait(lambda n=n: f"m{n}" in peer.answers())
        assert handler.entered == ["v0", "v1", "v2"] and handler.most_active == 1
        replies = [f.message_id for f in peer.frames]
        assert replies == ["m0", "m1", "m2"]


async def test_calls_beyond_the_backlog_get_rpc_framework_error_at_once(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    reports: list[str] = []

    async def sink(text: str) -> None:
        reports.append(text)

    client.invalid_message_sink = sink
    handler = Blocking()
    client.route("DataTransfer", handler)
    extra = 5
    async with session(client) as peer:
        total = 1 + INBOUND_BACKLOG + extra
        for n in range(total):
            await peer.send_call(f"m{n}", "DataTransfer", data_transfer(f"v{n}"))
        # One is being handled, INBOUND_BACKLOG wait, the rest are refused before any
        # handler returns.
        await peer.wait(lambda: len(peer.answers()) == extra)
        refused = peer.answers()
        assert set(refused) == {f"m{n}" for n in range(1 + INBOUND_BACKLOG, total)}
        for frame in refused.values():
            assert isinstance(frame, rpc.CallError)
            assert frame.code == rpc.ErrorCode.RpcFrameworkError
            assert "4.1.1" in frame.description and len(frame.description) <= 255
        assert client.inbound.refused == extra
        assert client.inbound.backlog_peak == INBOUND_BACKLOG
        # The waiting ones are handled, in order, once the first one returns.
        for _ in range(1 + INBOUND_BACKLOG):
            handler.release.release()
        await peer.wait(lambda: len(peer.answers()) == total)
        assert handler.entered == [f"v{n}" for n in range(1 + INBOUND_BACKLOG)]
        assert all(isinstance(peer.answers()[f"m{n}"], rpc.CallResult) for n in range(5))
    # One security event for the whole burst (InvalidMessages is rate-limited).
    assert len(reports) == 1 and "DataTransfer refused" in reports[0]


async def test_refusals_are_reported_once_a_minute_with_a_count(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    reports: list[tuple[float, str]] = []

    async def sink(text: str) -> None:
        reports.append((trio.current_time(), text))

    client.invalid_message_sink = sink
    handler = Blocking()
    client.route("DataTransfer", handler)
    async with session(client) as peer:
        sent = 0
        for _burst in range(2):
            for _ in range(1 + INBOUND_BACKLOG + 3):
                await peer.send_call(f"m{sent}", "DataTransfer", data_transfer("v"))
                sent += 1
            await trio.sleep(61)
            for _ in range(1 + INBOUND_BACKLOG):
                handler.release.release()
            await peer.wait(lambda sent=sent: len(peer.answers()) == sent)
    assert len(reports) == 2
    assert reports[1][0] - reports[0][0] >= 60
    assert "(+2 more in the last minute)" in reports[1][1]


async def test_follow_ups_are_bounded_and_the_next_call_waits_for_a_slot(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    running = trio.Semaphore(0)
    finish = trio.Event()

    async def handler(request: DataTransferRequest) -> Reply:
        async def follow_up() -> None:
            running.release()
            await finish.wait()

        return Reply(DataTransferResponse(status=DataTransferStatusEnumType.Accepted), follow_up)

    client.route("DataTransfer", handler)
    async with session(client) as peer:
        for n in range(MAX_FOLLOW_UPS + 2):
            await peer.send_call(f"m{n}", "DataTransfer", data_transfer("v"))
        # MAX_FOLLOW_UPS run; one more CALL is answered, its follow-up waits for a slot,
        # and the CALL after it is not handled until then.
        await peer.wait(lambda: len(peer.answers()) == MAX_FOLLOW_UPS + 1)
        await trio.testing.wait_all_tasks_blocked()
        assert client.inbound.follow_ups == MAX_FOLLOW_UPS
        assert f"m{MAX_FOLLOW_UPS + 1}" not in peer.answers()
        finish.set()
        await peer.wait(lambda: len(peer.answers()) == MAX_FOLLOW_UPS + 2)
    assert client.inbound.follow_ups_peak == MAX_FOLLOW_UPS


async def test_a_deep_call_is_answered_with_format_violation_in_its_turn(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    handler = Blocking()
    client.route("DataTransfer", handler)
    async with session(client) as peer:
        await peer.send_call("m0", "DataTransfer", data_transfer("v0"))
        deep: object = 1
        for _ in range(rpc.MAX_DEPTH):
            deep = [deep]
        await peer.send_call("m1", "DataTransfer", {"vendorId": "v1", "data": deep})
        await handler.wait_entered(1)
        handler.release.release()
        await peer.wait(lambda: len(peer.answers()) == 2)
        assert [f.message_id for f in peer.frames] == ["m0", "m1"]
        assert peer.answers()["m1"].code == rpc.ErrorCode.FormatViolation


async def test_waiting_calls_go_before_waiting_report_parts(autojump_clock):
    client = OcppClient(rng=random.Random(1))
    async with trio.open_nursery() as nursery, session(client) as peer:
        sent: list[str] = []

        async def call(request, bulk: bool = False) -> None:
            await client.call(request, bulk=bulk, timeout=1000)
            sent.append(type(request).__name__)

        def part(seq_no: int) -> NotifyReportRequest:
            return NotifyReportRequest(
                request_id=1, generated_at=datetime(2026, 1, 5, tzinfo=UTC), seq_no=seq_no, tbc=True
            )

        client.set_boot_state(BootState.Accepted)
        nursery.start_soon(call, part(0), True)
        await peer.wait(lambda: len(peer.calls()) == 1)
        nursery.start_soon(call, part(1), True)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(call, HeartbeatRequest())
        await trio.testing.wait_all_tasks_blocked()
        assert client.calls_waiting() == ["Heartbeat", "NotifyReport"]
        for n in range(3):
            await peer.wait(lambda n=n: len(peer.calls()) == n + 1)
            call_n = peer.calls()[n]
            payload = (
                {"currentTime": "2026-01-05T08:00:00Z"} if call_n.action == "Heartbeat" else {}
            )
            await peer.transport.send(rpc.encode(rpc.CallResult(call_n.message_id, payload)))
        await trio.testing.wait_all_tasks_blocked()
        assert [c.action for c in peer.calls()] == ["NotifyReport", "Heartbeat", "NotifyReport"]
        assert [c.payload.get("seqNo") for c in peer.calls()] == [0, None, 1]


async def test_call_turns_keep_order_and_survive_cancelled_waiters(autojump_clock):
    turns = CallTurns()
    order: list[str] = []
    hold = trio.Event()

    async def take(label: str, bulk: bool) -> None:
        async with turns.turn(bulk=bulk, label=label):
            order.append(label)
            if label == "first":
                await hold.wait()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(take, "first", False)
        await trio.testing.wait_all_tasks_blocked()
        for label, bulk in (("b1", True), ("o1", False), ("b2", True), ("o2", False)):
            nursery.start_soon(take, label, bulk)
            await trio.testing.wait_all_tasks_blocked()
        cancelled = trio.CancelScope()

        async def give_up() -> None:
            with cancelled:
                await take("abandoned", False)

        nursery.start_soon(give_up)
        await trio.testing.wait_all_tasks_blocked()
        assert turns.waiting() == ["o1", "o2", "abandoned", "b1", "b2"]
        cancelled.cancel()
        await trio.testing.wait_all_tasks_blocked()
        assert turns.waiting() == ["o1", "o2", "b1", "b2"]
        hold.set()
    assert order == ["first", "o1", "o2", "b1", "b2"]
