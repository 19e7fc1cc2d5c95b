"""Store commits: N writers at once (a SetVariables of several values, two EVSEs'
transaction events, the outbox), each waiting until its own write is durable.

* group commit (``Store.run``): writes that arrive while a commit is on its way to the
  disk share the next commit and its fsync;
* one commit per write (the baseline, measured in the same run on the same file): each
  write is its own transaction, as the store did before group commit.

Printed per writer: time from the call to the return (its write durable), p50/p99/max in
ms; and the commits the disk saw. The store lives in a temporary directory on the disk
given by ``--dir`` (default: the system's temporary directory).

``--charging S`` adds the station's own writers, for S seconds of real time: the
transaction queue (the real one, on the store) with two EVSEs each queueing a
TransactionEvent every second (1 s meter values) and a CSMS that answers each after
``--csms-delay`` ms. First alone: commits per TransactionEvent and per second (every
commit that writes is an fsync). Then with a SetVariables-like write every 100 ms, which
must wait for its own durable commit: its time to durable, p50/p99/max in ms, next to
the same write on the idle store.

    python -m bench.store_commits [--rounds R] [--writers N] [--dir PATH] [--charging S]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import trio

from bench.common import STAT_COLUMNS, Stats, ratio, stats_row, table
from station.store import Store

#: SetVariables-like writes during the charging phase: one every this many seconds.
SET_EVERY = 0.1


def _put(key: str, value: str):
    def write(db: sqlite3.Connection) -> None:
        db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (key, value))

    return write


async def _round(store: Store, writers: int, grouped: bool, times: list[float]) -> None:
    async def one(number: int) -> None:
        fn = _put(f"k{number}", "v" * 200)
        started = time.perf_counter()
        if grouped:
            await store.run(fn)
        else:  # one transaction, one fsync per write: the store before group commit
            await store._offload.run(lambda: store.run_sync(fn))
        times.append(time.perf_counter() - started)

    async with trio.open_nursery() as nursery:
        for number in range(writers):
            nursery.start_soon(one, number)


def run(rounds: int = 50, writers: int = 8, directory: str | None = None) -> dict:
    """Measure both ways; alternate rounds so disk noise hits both alike."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = Store.open_sync(Path(tmp) / "station.db")
        times: dict[str, list[float]] = {"group commit": [], "one commit per write": []}

        async def main() -> None:
            for _ in range(rounds):
                await _round(store, writers, True, times["group commit"])
                await _round(store, writers, False, times["one commit per write"])

        trio.run(main)
        commits, written = store.commits, store.writes
        store.close()
    stats = {k: Stats.of(v).scaled(1000) for k, v in times.items()}
    ratios = {
        "group/one-per-write p99": ratio(
            stats["group commit"].p99, stats["one commit per write"].p99
        )
    }
    text = "\n".join(
        [
            f"## store commits ({writers} writers at once, {rounds} rounds, ms per writer)",
            table([stats_row(k, s) for k, s in stats.items()], STAT_COLUMNS),
            "",
            f"group commit: {written} writes in {commits} commits"
            f" ({written / max(commits, 1):.1f} writes per fsync); one commit per write:"
            f" {rounds * writers} commits",
            "ratios: " + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items()),
        ]
    )
    return {
        "name": "store_commits",
        "results": {k: s.as_dict() for k, s in stats.items()}
        | {"commits": commits, "writes": written},
        "ratios": ratios,
        "text": text,
    }


class _AnsweringCsms:
    """The queue's client: connected, boot accepted, answers every TransactionEvent
    after ``delay`` seconds (the network and the CSMS)."""

    connected = True

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.answered = 0

    def admits(self, admission: object) -> bool:
        """Always: the bench measures the store, not the connection."""
        return True

    async def wait_until(self, predicate: object) -> None:
        """Never needed: every CALL is admitted."""
        raise AssertionError("always admitted")

    async def call(self, request: object) -> object:
        """Answer after the delay."""
        from station.ocpp.messages import TransactionEventResponse

        await trio.sleep(self.delay)
        self.answered += 1
        return TransactionEventResponse()


async def _charging_phase(
    store: Store, seconds: float, csms_delay: float, set_times: list[float] | None
) -> dict:
    """Two EVSEs' TransactionEvents every second through the real queue for ``seconds``
    (and SetVariables-like writes if ``set_times`` is given); the commits they made."""
    from datetime import UTC, datetime, timedelta
    from typing import Any, cast

    from station.ocpp.messages import (
        TransactionEventEnumType,
        TransactionEventRequest,
        TransactionType,
        TriggerReasonEnumType,
    )
    from station.transactions.queue import TransactionQueue

    csms = _AnsweringCsms(csms_delay)
    queue = TransactionQueue(store, cast(Any, csms), cast(Any, None))
    await queue.load()
    commits, writes, synced = store.commits, store.writes, store.synced
    events = 0
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    # Transactions of their own in each phase: a phase's events stamped before those of
    # an earlier one would be held at its floor, a write before each is sent.
    phase = "set" if set_times is not None else "alone"

    async def evse(number: int) -> None:
        nonlocal events
        seq_no = 0
        while True:
            await queue.put(
                TransactionEventRequest(
                    event_type=TransactionEventEnumType.Started
                    if seq_no == 0
                    else TransactionEventEnumType.Updated,
                    timestamp=start + timedelta(seconds=seq_no),
                    trigger_reason=TriggerReasonEnumType.MeterValuePeriodic,
                    seq_no=seq_no,
                    transaction_info=TransactionType(transaction_id=f"bench-{phase}-{number}"),
                )
            )
            events += 1
            seq_no += 1
            await trio.sleep(1.0)

    async def set_variables(times: list[float]) -> None:
        number = 0
        while True:
            write = _put(f"set{number % 10}", str(number))
            started = time.perf_counter()
            await store.run(write)
            times.append(time.perf_counter() - started)
            number += 1
            await trio.sleep(SET_EVERY)

    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(queue.run)
        with trio.move_on_after(seconds):
            async with trio.open_nursery() as writers:
                writers.start_soon(evse, 1)
                writers.start_soon(evse, 2)
                if set_times is not None:
                    writers.start_soon(set_variables, set_times)
        await queue.drained()  # every answer removed, durably
        nursery.cancel_scope.cancel()
    elapsed = time.perf_counter() - began
    made = store.commits - commits
    return {
        "transaction events": events,
        "answered": csms.answered,
        "commits": made,
        "fsyncs": store.synced - synced,
        "writes": store.writes - writes,
        "seconds": elapsed,
        "fsyncs per second": (store.synced - synced) / elapsed,
    }


def charging(seconds: float, csms_delay: float, directory: str | None = None) -> dict:
    """Commits per TransactionEvent with two EVSEs charging, then SetVariables's time to
    its durable commit among them and on the idle store (same file, same run)."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = Store.open_sync(Path(tmp) / "station.db")
        alone: dict = {}
        busy: dict = {}
        set_busy: list[float] = []
        set_idle: list[float] = []

        async def main() -> None:
            alone.update(await _charging_phase(store, seconds, csms_delay, None))
            busy.update(await _charging_phase(store, seconds, csms_delay, set_busy))
            for number in range(len(set_busy)):
                started = time.perf_counter()
                await store.run(_put(f"idle{number % 10}", str(number)))
                set_idle.append(time.perf_counter() - started)

        trio.run(main)
        store.close()
    events = max(alone["transaction events"], 1)
    stats = {
        "SetVariables write, 2 EVSEs charging": Stats.of(set_busy).scaled(1000),
        "SetVariables write, idle store": Stats.of(set_idle).scaled(1000),
    }
    per_event = alone["fsyncs"] / events
    busy_ratio = ratio(
        stats["SetVariables write, 2 EVSEs charging"].p99,
        stats["SetVariables write, idle store"].p99,
    )
    text = "\n".join(
        [
            f"## store commits with two EVSEs charging ({seconds:g} s, TransactionEvent every"
            f" 1 s per EVSE, CSMS answers in {csms_delay * 1000:g} ms)",
            f"alone: {alone['transaction events']} TransactionEvents, {alone['fsyncs']} commits"
            f" that wrote (an fsync each) = {per_event:.2f} per TransactionEvent,"
            f" {alone['fsyncs per second']:.2f} per second",
            f"with a SetVariables write every {SET_EVERY * 1000:g} ms:"
            f" {busy['fsyncs']} fsyncs for {busy['transaction events']} TransactionEvents"
            f" and {len(set_busy)} writes, {busy['fsyncs per second']:.2f} per second",
            table([stats_row(k, s) for k, s in stats.items()], STAT_COLUMNS),
            f"ratio: charging/idle p99 = {busy_ratio:.2f}",
        ]
    )
    return {
        "name": "store_commits_charging",
        "results": {k: s.as_dict() for k, s in stats.items()}
        | {"alone": alone, "with SetVariables": busy, "fsyncs per TransactionEvent": per_event},
        "ratios": {"charging/idle p99": busy_ratio},
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_commits", description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--dir", default=None, help="directory on the disk to measure")
    parser.add_argument(
        "--charging", type=float, default=0, help="seconds of two EVSEs charging (0: skip)"
    )
    parser.add_argument("--csms-delay", type=float, default=5.0, help="CSMS answer time, ms")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = [run(args.rounds, args.writers, args.dir)]
    if args.charging > 0:
        results.append(charging(args.charging, args.csms_delay / 1000, args.dir))
    for result in results:
        print(json.dumps(result, indent=1) if args.json else result["text"] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
