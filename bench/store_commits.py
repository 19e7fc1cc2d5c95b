"""Store commits: N writers at once (a SetVariables of several values, two EVSEs'
transaction events, the outbox), each waiting until its own write is durable.

* group commit (``Store.run``): writes that arrive while a commit is on its way to the
  disk share the next commit and its fsync;
* one commit per write (the baseline, measured in the same run on the same file): each
  write is its own transaction, as the store did before group commit.

Printed per writer: time from the call to the return (its write durable), p50/p99/max in
ms; and the commits the disk saw. The store lives in a temporary directory on the disk
given by ``--dir`` (default: the system's temporary directory).

    python -m bench.store_commits [--rounds R] [--writers N] [--dir PATH]
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_commits", description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--dir", default=None, help="directory on the disk to measure")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.rounds, args.writers, args.dir)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
