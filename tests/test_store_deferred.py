"""Deferred writes in the store (`Store.defer`): they need no commit of their own, ride
with the next commit in arrival order, are committed within a bound when nothing else
commits, and a power cut loses them (and only them) without reordering anything."""

from __future__ import annotations

import logging
import sqlite3

import trio
import trio.testing

from station.offload import InlineOffload
from station.store import DEFERRED_MAX_DELAY, Store
from tests.powercut import CuttableOffload


def put(key: str, value: str):
    def write(db: sqlite3.Connection) -> None:
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (key, value))

    return write


def delete(key: str):
    def write(db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM meta WHERE name = ?", (key,))

    return write


def on_disk(path) -> dict[str, str]:
    """What another connection (or the next boot) finds."""
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT name, value FROM meta"))
    finally:
        connection.close()


def open_store(tmp_path, offload=None) -> Store:
    return Store.open_sync(tmp_path / "station.db", offload=offload or InlineOffload())


async def test_a_deferred_write_lands_with_the_next_commit(tmp_path, autojump_clock):
    store = open_store(tmp_path)
    await store.run(put("a", "1"))
    before = store.commits
    store.defer(put("b", "2"), label="b")
    assert on_disk(store.path) == {"a": "1"}  # no commit of its own
    await store.run(put("c", "3"))
    assert on_disk(store.path) == {"a": "1", "b": "2", "c": "3"}
    assert store.commits - before == 1  # one commit (one fsync) for both
    assert store.deferred == 1 and store.deferred_pending() == 0
    store.close()


async def test_a_deferred_write_runs_before_every_later_write(tmp_path, autojump_clock):
    store = open_store(tmp_path)
    await store.run(put("seq-7", "delivered"))
    store.defer(delete("seq-7"), label="remove seq-7")
    # A later write that depends on the deletion (a reused key): it sees it done.
    await store.run(
        lambda db: db.execute(
            "INSERT INTO meta (name, value) VALUES ('seq-7', 'new')"
        )  # fails with a UNIQUE error if the deletion had not run first
    )
    store.defer(put("x", "deferred"), label="x")
    await store.run(put("x", "durable, later"))
    assert on_disk(store.path) == {"seq-7": "new", "x": "durable, later"}
    store.close()


async def test_a_deferred_write_is_committed_within_the_bound_when_nothing_else_commits(
    tmp_path, autojump_clock
):
    store = open_store(tmp_path)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.run_deferred)
        await trio.sleep(5)  # idle: no commit without a deferred write
        assert store.commits == 0
        queued_at = trio.current_time()
        store.defer(put("b", "2"), label="b")
        await trio.sleep(DEFERRED_MAX_DELAY - 0.001)
        assert on_disk(store.path) == {}
        await trio.sleep(0.002)
        assert on_disk(store.path) == {"b": "2"}
        assert store.commits == 1
        assert trio.current_time() - queued_at <= DEFERRED_MAX_DELAY + 0.001
        # A second one, half-way through another's wait, rides with it: one commit.
        store.defer(put("c", "3"), label="c")
        await trio.sleep(0.5)
        store.defer(put("d", "4"), label="d")
        await trio.sleep(DEFERRED_MAX_DELAY - 0.5 + 0.001)
        assert on_disk(store.path) == {"b": "2", "c": "3", "d": "4"}
        assert store.commits == 2
        nursery.cancel_scope.cancel()
    store.close()


async def test_a_deferred_write_taken_by_another_commit_costs_no_extra_one(
    tmp_path, autojump_clock
):
    store = open_store(tmp_path)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.run_deferred)
        store.defer(put("b", "2"), label="b")
        await trio.sleep(0.3)
        await store.run(put("c", "3"))
        await trio.sleep(10 * DEFERRED_MAX_DELAY)
        assert store.commits == 1
        nursery.cancel_scope.cancel()
    assert on_disk(store.path) == {"b": "2", "c": "3"}
    store.close()


async def test_stopping_the_flusher_commits_what_is_deferred(tmp_path, autojump_clock):
    store = open_store(tmp_path)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.run_deferred)
        await trio.testing.wait_all_tasks_blocked()
        store.defer(put("b", "2"), label="b")
        nursery.cancel_scope.cancel()  # the station stops on purpose
    assert on_disk(store.path) == {"b": "2"}
    store.close()


async def test_flush_commits_the_deferred_writes_now(tmp_path, autojump_clock):
    store = open_store(tmp_path)
    await store.flush()
    assert store.commits == 0  # nothing deferred: no commit
    store.defer(put("b", "2"), label="b")
    await store.flush()
    assert on_disk(store.path) == {"b": "2"} and store.commits == 1
    store.close()


async def test_a_power_cut_loses_the_deferred_writes_and_only_them(tmp_path, autojump_clock):
    offload = CuttableOffload()
    store = open_store(tmp_path, offload)
    await store.run(put("a", "1"))
    store.defer(delete("a"), label="remove a")
    await store.run(put("b", "2"))  # carries the deletion
    store.defer(put("c", "3"), label="c")
    store.defer(delete("b"), label="remove b")
    async with trio.open_nursery() as nursery:
        nursery.start_soon(store.run_deferred)
        await trio.testing.wait_all_tasks_blocked()
        offload.cut = True
        nursery.cancel_scope.cancel()  # its last flush finds no power
    store.close()
    reopened = open_store(tmp_path)
    assert reopened.run_sync(lambda db: dict(db.execute("SELECT name, value FROM meta"))) == {
        "b": "2"
    }
    reopened.close()


async def test_a_failing_deferred_write_is_logged_and_harms_no_other(
    tmp_path, autojump_clock, caplog
):
    store = open_store(tmp_path)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO meta (name, value) VALUES ('half', 'written')")
        raise sqlite3.OperationalError("no such table: outbox_v9")

    store.defer(put("a", "1"), label="a")
    store.defer(broken, label="outbox_remove seq=12 transaction_id=tx-9")
    with caplog.at_level(logging.ERROR, logger="station.store"):
        await store.run(put("b", "2"))
    assert on_disk(store.path) == {"a": "1", "b": "2"}  # its half is rolled back
    (record,) = [r for r in caplog.records if "store_deferred_write_failed" in r.getMessage()]
    assert record.getMessage() == (
        "event=store_deferred_write_failed write=outbox_remove seq=12 transaction_id=tx-9"
        " at=run reason='no such table: outbox_v9'"
    )
    store.close()


async def test_a_failed_commit_logs_each_deferred_write_it_held(tmp_path, autojump_clock, caplog):
    store = open_store(tmp_path)
    store._db.executescript(
        "PRAGMA foreign_keys=ON;"
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"
    )
    store.defer(put("a", "1"), label="remove seq=3")
    with caplog.at_level(logging.ERROR, logger="station.store"):
        try:
            await store.run(lambda db: db.execute("INSERT INTO child (parent) VALUES (42)"))
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("the commit should have failed")
    messages = [r.getMessage() for r in caplog.records]
    assert (
        "event=store_deferred_write_failed write=remove seq=3 at=commit"
        " reason='FOREIGN KEY constraint failed'"
    ) in messages
    assert on_disk(store.path) == {}
    store.close()


def test_without_an_event_loop_a_deferred_write_is_written_at_once(tmp_path):
    from station.offload import DirectOffload

    store = Store.open_sync(tmp_path / "station.db", offload=DirectOffload())
    store.defer(put("a", "1"), label="a")
    assert on_disk(store.path) == {"a": "1"}
    store.close()
