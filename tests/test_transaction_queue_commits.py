"""What the transaction queue commits: one durable commit per TransactionEvent (the one
that stages it); the removal of a delivered message rides with the next commit, and a
power cut before that commit makes the message go again after the restart, the same
message with the same seqNo, and changes nothing else."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

import trio
import trio.testing

from station.ocpp.messages import (
    TransactionEventEnumType,
    TransactionEventRequest,
    TransactionEventResponse,
    TransactionType,
    TriggerReasonEnumType,
)
from station.offload import InlineOffload
from station.store import DEFERRED_MAX_DELAY, Store
from station.transactions.queue import TransactionQueue
from tests.powercut import CuttableOffload


def event(seq_no: int, transaction_id: str = "tx-1", *, second: int | None = None, ended=False):
    kind = TransactionEventEnumType.Updated if seq_no else TransactionEventEnumType.Started
    return TransactionEventRequest(
        event_type=TransactionEventEnumType.Ended if ended else kind,
        timestamp=datetime(2026, 1, 5, 8, 0, seq_no if second is None else second, tzinfo=UTC),
        trigger_reason=TriggerReasonEnumType.MeterValuePeriodic,
        seq_no=seq_no,
        transaction_info=TransactionType(transaction_id=transaction_id),
    )


class Csms:
    """The queue's client: connected and accepted; answers every TransactionEvent."""

    connected = True

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.arrived = trio.Event()

    def admits(self, admission: object) -> bool:
        return True

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        raise AssertionError("always admitted")

    async def call(self, request: TransactionEventRequest) -> TransactionEventResponse:
        self.received.append(request.to_payload())
        self.arrived.set()
        await trio.lowlevel.checkpoint()
        return TransactionEventResponse()


def dump(path) -> dict[str, list[tuple]]:
    """Every table's rows, as the next boot finds them."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(connection.execute(f"SELECT * FROM {t}")) for t in tables}
    finally:
        connection.close()


async def delivered(csms: Csms, queue: TransactionQueue, count: int) -> None:
    while len(csms.received) < count or queue.count():
        csms.arrived = trio.Event()
        await trio.testing.wait_all_tasks_blocked()
        if len(csms.received) < count or queue.count():
            await csms.arrived.wait()


async def new_queue(store: Store, csms: Csms) -> TransactionQueue:
    queue = TransactionQueue(store, csms, device_model=None)  # type: ignore[arg-type]
    await queue.load()
    return queue


async def test_one_commit_per_delivered_transaction_event(tmp_path, autojump_clock):
    """Before deferred removals: three (stage, hold with the floor, remove)."""
    store = Store.open_sync(tmp_path / "station.db", offload=InlineOffload())
    csms = Csms()
    queue = await new_queue(store, csms)
    events = 20
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        before = store.commits
        for n in range(events):
            # Two transactions, as two EVSEs charging with periodic meter values.
            await queue.put(event(n // 2, f"tx-{n % 2}"))
            await delivered(csms, queue, n + 1)
        assert store.commits - before == events  # the stages; each carried a removal
        await trio.sleep(DEFERRED_MAX_DELAY + 0.001)  # the last removal, on its own
        assert store.commits - before == events + 1
        nursery.cancel_scope.cancel()
    assert [p["seqNo"] for p in csms.received] == [n // 2 for n in range(events)]
    assert dump(store.path)["outbox"] == []
    # The floors were stored with the removals (for the next message after a restart).
    assert [row[:2] for row in dump(store.path)["sent_timestamps"]] == [
        ("tx-0", "2026-01-05T08:00:09Z"),
        ("tx-1", "2026-01-05T08:00:09Z"),
    ]
    store.close()


async def test_a_power_cut_before_the_removal_commits_resends_the_same_message(
    tmp_path, autojump_clock
):
    offload = CuttableOffload()
    store = Store.open_sync(tmp_path / "station.db", offload=offload)
    csms = Csms()
    queue = await new_queue(store, csms)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        await queue.put(event(0))
        await delivered(csms, queue, 1)
        await queue.put(event(1))  # carries the removal of seqNo 0
        await delivered(csms, queue, 2)
        assert queue.count() == 0
        committed = dump(store.path)  # seqNo 1 delivered, its removal not committed
        offload.cut = True
        nursery.cancel_scope.cancel()
    store.close()
    assert [row[0] for row in committed["outbox"]] == [2]  # seqNo 1, delivered
    # After the restart: exactly what was committed, nothing else.
    store = Store.open_sync(tmp_path / "station.db", offload=InlineOffload())
    assert dump(store.path) == committed
    csms_after = Csms()
    queue = await new_queue(store, csms_after)
    assert queue.count("tx-1") == 1
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        await delivered(csms_after, queue, 1)
        nursery.cancel_scope.cancel()  # stopping on purpose flushes the removal
    assert csms_after.received == [csms.received[1]]  # same seqNo, same payload
    assert dump(store.path)["outbox"] == []
    store.close()


async def test_a_lost_removal_of_an_ended_keeps_its_floor_until_the_resend(
    tmp_path, autojump_clock
):
    offload = CuttableOffload()
    store = Store.open_sync(tmp_path / "station.db", offload=offload)
    csms = Csms()
    queue = await new_queue(store, csms)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        await queue.put(event(0, second=30))
        await delivered(csms, queue, 1)
        # Stamped before seqNo 0 (the clock stepped back): held at 08:00:30, written
        # durably before it goes, with the removal of seqNo 0 in the same commit.
        before = store.commits
        await queue.put(event(1, second=10, ended=True))
        await delivered(csms, queue, 2)
        assert store.commits - before == 2  # the stage and the hold
        committed = dump(store.path)
        assert [row[0] for row in committed["outbox"]] == [2]
        assert [row[:2] for row in committed["sent_timestamps"]] == [
            ("tx-1", "2026-01-05T08:00:30Z")
        ]
        offload.cut = True
        nursery.cancel_scope.cancel()
    store.close()
    store = Store.open_sync(tmp_path / "station.db", offload=InlineOffload())
    assert dump(store.path) == committed
    csms_after = Csms()
    queue = await new_queue(store, csms_after)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        await delivered(csms_after, queue, 1)
        await queue.drained()  # the removal, and the floor's, are durable
        assert dump(store.path)["outbox"] == []
        assert dump(store.path)["sent_timestamps"] == []
        nursery.cancel_scope.cancel()
    assert csms_after.received == [csms.received[1]]
    assert csms.received[1]["timestamp"] == "2026-01-05T08:00:30Z"
    store.close()


async def test_drained_makes_the_removals_durable(tmp_path, autojump_clock):
    store = Store.open_sync(tmp_path / "station.db", offload=InlineOffload())
    csms = Csms()
    queue = await new_queue(store, csms)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        await queue.put(event(0))
        await queue.drained()
        assert dump(store.path)["outbox"] == []  # before the 1 s bound: a Reset follows
        nursery.cancel_scope.cancel()
    store.close()


async def test_two_evses_charging_cost_one_fsync_per_transaction_event(tmp_path, autojump_clock):
    """The whole station, both EVSEs charging with 1 s meter values: before deferred
    removals, three fsyncs per TransactionEvent (6 a second); now one."""
    from tests.conftest import make_config, running_station

    config = make_config(tmp_path / "data")
    variables = {"SampledDataCtrlr.TxUpdatedInterval": 1}
    async with running_station(config, variables=variables, control_period=0.1) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        sim = env.station.hardware.sim
        for evse, card in ((1, "04A1B2C3"), (2, "04A1B2C4")):
            sim.plug(evse)
            await trio.sleep(1)
            sim.tap(card)
            await trio.sleep(1)
            sim.set_ev_state(evse, "C")
        await trio.sleep(10)
        store = env.station.store
        synced, deferred = store.synced, store.deferred
        before = len(env.csms.of("TransactionEvent"))
        await trio.sleep(60)
        events = len(env.csms.of("TransactionEvent")) - before
        assert events >= 110  # two a second
        assert store.deferred - deferred >= events - 2  # each removal rode along
        assert store.synced - synced <= events + 2
