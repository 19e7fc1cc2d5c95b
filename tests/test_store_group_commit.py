"""Group commit in the store: concurrent writers share one transaction and one fsync,
each resumes only once its own write is durable, and a failure reaches exactly the
writers it concerns."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import trio

from station.offload import InlineOffload, ThreadOffload, own_worker
from station.store import Store


class GatedOffload:
    """A worker thread whose next call starts only when the test opens the gate: so a
    test decides which writes arrive while a commit is in progress."""

    def __init__(self) -> None:
        self._threads = ThreadOffload(1)
        self.started = threading.Event()
        self.gate = threading.Event()
        self.calls = 0

    async def run(self, fn):
        self.calls += 1

        def gated():
            self.started.set()
            self.gate.wait(timeout=60)
            return fn()

        return await self._threads.run(gated)


def put(key: str, value: str):
    def write(db: sqlite3.Connection) -> str:
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (key, value))
        return key

    return write


def read_all(path) -> dict[str, str]:
    """What another connection (or the next boot) finds on disk."""
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT name, value FROM meta"))
    finally:
        connection.close()


async def open_gated(tmp_path) -> tuple[Store, GatedOffload]:
    offload = GatedOffload()
    store = Store.open_sync(tmp_path / "station.db", offload=offload)
    return store, offload


async def test_writers_arriving_during_a_commit_share_the_next_one(tmp_path):
    store, offload = await open_gated(tmp_path)
    results: dict[str, str] = {}

    async def writer(key: str) -> None:
        results[key] = await store.run(put(key, key.upper()))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer, "first")
        await trio.to_thread.run_sync(offload.started.wait)  # its commit is under way
        for key in ("a", "b", "c", "d"):
            nursery.start_soon(writer, key)
        await trio.testing.wait_all_tasks_blocked()
        assert store._pending and len(store._pending) == 4  # queued behind the commit
        offload.gate.set()
    assert results == {k: k for k in ("first", "a", "b", "c", "d")}
    assert (store.commits, store.writes, offload.calls) == (2, 5, 2)  # not 5 fsyncs
    assert read_all(store.path) == {"first": "FIRST", "a": "A", "b": "B", "c": "C", "d": "D"}
    store.close()


async def test_a_writer_resumes_only_after_its_write_is_on_disk(tmp_path):
    store, offload = await open_gated(tmp_path)
    seen_on_disk: list[dict[str, str]] = []

    async def writer() -> None:
        await store.run(put("HeartbeatInterval", "30"))
        seen_on_disk.append(read_all(store.path))  # another connection sees it

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer)
        await trio.to_thread.run_sync(offload.started.wait)
        await trio.testing.wait_all_tasks_blocked()
        assert seen_on_disk == []  # the commit is held: the writer has not resumed
        assert read_all(store.path) == {}
        offload.gate.set()
    assert seen_on_disk == [{"HeartbeatInterval": "30"}]
    store.close()


async def test_a_failing_write_rolls_back_only_itself(tmp_path):
    store, offload = await open_gated(tmp_path)
    outcomes: dict[str, object] = {}

    def half_then_fail(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO meta (name, value) VALUES ('half', 'written')")
        raise ValueError("SetVariables X.Y: 'abc' is not an integer")

    async def writer(name: str, fn) -> None:
        try:
            outcomes[name] = await store.run(fn)
        except ValueError as exc:
            outcomes[name] = exc

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer, "first", put("first", "1"))
        await trio.to_thread.run_sync(offload.started.wait)
        nursery.start_soon(writer, "before", put("before", "2"))
        nursery.start_soon(writer, "bad", half_then_fail)
        nursery.start_soon(writer, "after", put("after", "3"))
        await trio.testing.wait_all_tasks_blocked()
        offload.gate.set()
    assert isinstance(outcomes.pop("bad"), ValueError)
    assert outcomes == {"first": "first", "before": "before", "after": "after"}
    assert read_all(store.path) == {"first": "1", "before": "2", "after": "3"}
    assert store.commits == 2
    store.close()


async def test_a_failing_commit_reaches_every_writer_of_its_batch(tmp_path):
    store, offload = await open_gated(tmp_path)
    outcomes: dict[str, object] = {}
    # A constraint SQLite checks only at COMMIT: every statement succeeds, the commit fails.
    store._db.executescript(
        "PRAGMA foreign_keys=ON;"
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"
    )

    def orphan(db: sqlite3.Connection) -> str:
        db.execute("INSERT INTO child (parent) VALUES (42)")
        return "orphan"

    async def writer(name: str, fn) -> None:
        try:
            outcomes[name] = await store.run(fn)
        except sqlite3.IntegrityError as exc:
            outcomes[name] = f"error: {exc}"

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer, "first", put("first", "1"))
        await trio.to_thread.run_sync(offload.started.wait)
        nursery.start_soon(writer, "a", put("a", "2"))
        nursery.start_soon(writer, "orphan", orphan)
        nursery.start_soon(writer, "b", put("b", "3"))
        await trio.testing.wait_all_tasks_blocked()
        offload.gate.set()
    failed = "error: FOREIGN KEY constraint failed"
    assert outcomes == {"first": "first", "a": failed, "orphan": failed, "b": failed}
    assert read_all(store.path) == {"first": "1"}  # nothing of the failed batch
    # The store is usable again.
    assert await store.run(put("later", "4")) == "later"
    assert read_all(store.path) == {"first": "1", "later": "4"}
    store.close()


async def test_a_writer_cancelled_while_queued_still_writes_then_sees_the_cancellation(
    tmp_path,
):
    """Callers change their state in memory before they write it (a transaction's next
    seqNo): a write handed over is committed even if its caller is cancelled meanwhile."""
    store, offload = await open_gated(tmp_path)
    seen: list[str] = []

    async def cancelled_writer() -> None:
        with trio.move_on_after(0) as scope:  # cancelled while still queued
            seen.append(await store.run(put("cancelled", "2")))
            await trio.lowlevel.checkpoint()  # the cancellation lands here, after the write
            seen.append("not cancelled")
        assert scope.cancelled_caught

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.run, put("first", "1"))
        await trio.to_thread.run_sync(offload.started.wait)
        nursery.start_soon(cancelled_writer)
        await trio.testing.wait_all_tasks_blocked()
        assert len(store._pending) == 1  # queued behind the commit in progress
        offload.gate.set()
    assert seen == ["cancelled"]
    assert read_all(store.path) == {"first": "1", "cancelled": "2"}
    store.close()


@pytest.mark.parametrize("writers", [1, 7])
async def test_writes_commit_in_arrival_order(tmp_path, writers):
    store, offload = await open_gated(tmp_path)
    offload.gate.set()

    async def writer(number: int) -> None:
        await store.run(put("last", str(number)))

    async with trio.open_nursery() as nursery:
        for number in range(writers):
            nursery.start_soon(writer, number)
            await trio.testing.wait_all_tasks_blocked()  # arrival order = start order
    assert read_all(store.path) == {"last": str(writers - 1)}
    store.close()


async def test_a_transaction_sqlite_rolled_back_fails_the_writes_it_held(tmp_path):
    store, offload = await open_gated(tmp_path)
    outcomes: dict[str, object] = {}

    def disk_full(db: sqlite3.Connection) -> None:
        # What SQLite does on SQLITE_FULL or an I/O error: the whole transaction is gone.
        db.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")

    async def writer(name: str, fn) -> None:
        try:
            outcomes[name] = await store.run(fn)
        except sqlite3.OperationalError as exc:
            outcomes[name] = f"error: {exc}"

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer, "first", put("first", "1"))
        await trio.to_thread.run_sync(offload.started.wait)
        # One at a time: trio runs tasks started together in no fixed order.
        for name, fn in (
            ("lost", put("lost", "2")),
            ("full", disk_full),
            ("after", put("after", "3")),
        ):
            nursery.start_soon(writer, name, fn)
            await trio.testing.wait_all_tasks_blocked()
        offload.gate.set()
    full = "error: database or disk is full"
    assert outcomes == {"first": "first", "lost": full, "full": full, "after": "after"}
    assert read_all(store.path) == {"first": "1", "after": "3"}
    store.close()


def test_the_bench_harness_compares_both_ways_on_one_file(tmp_path):
    from bench.store_commits import run

    result = run(rounds=2, writers=3, directory=str(tmp_path))
    assert result["results"]["writes"] == 6
    assert 2 <= result["results"]["commits"] <= 6
    assert result["results"]["one commit per write"]["n"] == 6


class QueuedOffload:
    """An offload whose calls wait on the event loop for their turn before they run (as
    a fleet's shared worker pool makes them wait): a caller can be cancelled there."""

    def __init__(self) -> None:
        self.turns = [trio.Event() for _ in range(3)]
        self.calls = 0

    async def run(self, fn):
        turn = self.turns[self.calls]
        self.calls += 1
        await turn.wait()
        return fn()


async def test_a_committer_cancelled_before_its_batch_ran_still_commits_it(tmp_path):
    offload = QueuedOffload()
    store = Store.open_sync(tmp_path / "station.db", offload=offload)
    done: list[str] = []

    async def writer(key: str, scope: trio.CancelScope | None = None) -> None:
        with scope or trio.CancelScope():
            await store.run(put(key, key))
            done.append(key)

    carrier = trio.CancelScope()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer, "first")  # its commit waits for turn 0
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(writer, "carrier", carrier)  # carries the next batch
        await trio.testing.wait_all_tasks_blocked()
        for key in ("a", "b"):
            nursery.start_soon(writer, key)
            await trio.testing.wait_all_tasks_blocked()
        offload.turns[0].set()
        await trio.testing.wait_all_tasks_blocked()
        assert offload.calls == 2  # the carrier's batch (carrier, a, b) waits for turn 1
        carrier.cancel()
        await trio.testing.wait_all_tasks_blocked()
        assert offload.calls == 2  # the carrier still waits: its batch is not given up
        offload.turns[1].set()
    assert sorted(done) == ["a", "b", "carrier", "first"]
    assert read_all(store.path) == {"first": "first", "carrier": "carrier", "a": "a", "b": "b"}
    store.close()


def test_the_store_worker_is_a_thread_of_its_own_only_where_threads_are_used():
    shared = ThreadOffload(1)
    own = own_worker(shared)
    assert isinstance(own, ThreadOffload) and own is not shared
    inline = InlineOffload()
    assert own_worker(inline) is inline  # virtual-clock tests stay on one task
    pool = GatedOffload()  # any other kind (a fleet's pool) is kept as it is
    assert own_worker(pool) is pool


async def test_a_commit_does_not_wait_for_blocking_work_on_the_shared_worker(tmp_path):
    shared = ThreadOffload(1)
    store = await Store.open(tmp_path / "station.db", offload=own_worker(shared))
    busy, release = threading.Event(), threading.Event()

    def slow_file_work() -> None:  # e.g. the message log appending a line to a slow disk
        busy.set()
        release.wait(timeout=60)

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(shared.run, slow_file_work)
            await trio.to_thread.run_sync(busy.wait)
            # The shared worker is held (until the test ends): the write commits all the
            # same. Behind it, the write would wait out the 60 s above and fail here.
            with trio.fail_after(30):
                assert await store.run(put("HeartbeatInterval", "60")) == "HeartbeatInterval"
            assert read_all(tmp_path / "station.db") == {"HeartbeatInterval": "60"}
            assert not release.is_set()
            release.set()
    finally:
        release.set()
        store.close()
