"""The station's persistent store: one SQLite file in the data directory.

Everything that must survive a restart or a power cut lives here: device-model values,
network connection profiles, queued transaction messages, transactions in progress, the
security log. The database runs in WAL mode with ``synchronous=FULL``, so a write that
returned is on disk; callers (a SetVariables handler, the transaction queue) answer or
send only after their write returned.

All access goes through `Store.run`, which executes a function with the connection on
the store's `Offload` (one worker thread in production) inside a transaction.

The file is created 0600 (its ``-wal``/``-shm`` take its mode): it holds the Basic-auth
password. A file that is not a database, or fails SQLite's integrity check, is moved aside
(``station.db.corrupt-<time>``) and a fresh store is created; `Store.recovery` then says
what happened so the station can log it and raise a security event. The station never
crash-loops on a bad store, and the damaged file is kept for inspection.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from station.offload import Offload, ThreadOffload

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Schema migrations, applied in order; ``PRAGMA user_version`` is the number applied.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE variables (
        key TEXT PRIMARY KEY,           -- component/instance/evse/connector/variable/instance/attr
        value TEXT NOT NULL
    );
    CREATE TABLE network_profiles (
        slot INTEGER PRIMARY KEY,
        profile TEXT NOT NULL           -- NetworkConnectionProfileType as JSON (wire form)
    );
    CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL,
        payload TEXT NOT NULL,          -- JSON, wire form
        transaction_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created TEXT NOT NULL
    );
    CREATE TABLE transactions (
        evse_id INTEGER PRIMARY KEY,
        state TEXT NOT NULL             -- JSON snapshot of the transaction in progress
    );
    CREATE TABLE security_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp TEXT NOT NULL,
        type TEXT NOT NULL,
        tech_info TEXT,
        critical INTEGER NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0
    );
    """,
    # Samples for a transaction's Ended event, appended one row at a time instead of
    # rewriting them with the session on every input; thinned rows are deleted.
    """
    CREATE TABLE ended_samples (
        transaction_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        value TEXT NOT NULL,            -- MeterValueType as JSON (wire form)
        PRIMARY KEY (transaction_id, number)
    );
    """,
    # 2: charging profiles (K01.FR.27: they survive restarts).
    """
    CREATE TABLE charging_profiles (
        id INTEGER PRIMARY KEY,         -- chargingProfile.id
        evse_id INTEGER NOT NULL,
        profile TEXT NOT NULL           -- ChargingProfileType as JSON (wire form)
    );
    """,
    # 3: the Local Authorization List (D01.FR.10) and the Authorization Cache (C10.FR.02),
    # keyed by a hash of the idToken (C10.FR.12), never the idToken itself.
    """
    CREATE TABLE local_list (
        token_key TEXT PRIMARY KEY,     -- SHA-256 of type and case-folded idToken
        info TEXT NOT NULL              -- IdTokenInfoType as JSON (wire form)
    );
    CREATE TABLE auth_cache (
        token_key TEXT PRIMARY KEY,
        info TEXT NOT NULL,
        last_used TEXT NOT NULL         -- ISO 8601, UTC
    );
    """,
    # 4: the latest timestamps sent for each transaction still queued or running: its next
    # message is never stamped earlier (station/transactions/timestamps.py).
    """
    CREATE TABLE sent_timestamps (
        transaction_id TEXT PRIMARY KEY,
        timestamp TEXT NOT NULL,        -- of its latest event (wire dateTime)
        value_timestamp TEXT            -- of its latest meter value taken at an event
    );
    """,
)


class StoreError(Exception):
    """The store cannot be used (e.g. the data directory is not writable)."""


class Store:
    """SQLite store; create with `Store.open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection, offload: Offload) -> None:
        self.path = path
        self._db = connection
        self._offload = offload
        #: Set when a damaged store was replaced at open: a sentence for the log.
        self.recovery: str | None = None

    @classmethod
    def open_sync(
        cls,
        path: Path,
        *,
        offload: Offload | None = None,
        cache_kib: int | None = None,
        durable: bool = True,
    ) -> Store:
        """Open (or create) the store at ``path``; blocking, for start-up and CLI tools.

        ``cache_kib`` bounds SQLite's page cache of this connection (its default is 2 MiB);
        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL`` in
        WAL mode: a killed process loses nothing, a power cut the last commits), for the
        simulated stations of a fleet (docs/fleet.md), never for a station of its own."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{path.parent}: cannot create data directory ({exc.strerror})"
            ) from None
        recovery = None
        try:
            connection = _connect_checked(path, cache_kib, durable)
        except sqlite3.DatabaseError as exc:
            moved = _move_aside(path)
            recovery = (
                f"store {path} was unreadable ({exc}); moved to {moved.name}, started from defaults"
            )
            log.error("event=store_recovered path=%s moved_to=%s reason=%r", path, moved, str(exc))
            connection = _connect_checked(path, cache_kib, durable)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open store ({exc})") from None
        store = cls(path, connection, offload or ThreadOffload(1))
        store.recovery = recovery
        return store

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        offload: Offload | None = None,
        cache_kib: int | None = None,
        durable: bool = True,
    ) -> Store:
        """Open the store without blocking the event loop (options as `open_sync`)."""
        runner = offload or ThreadOffload(1)
        return await runner.run(
            lambda: cls.open_sync(path, offload=runner, cache_kib=cache_kib, durable=durable)
        )

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(connection)`` in one transaction; committed (durably) before returning."""
        return await self._offload.run(lambda: self.run_sync(fn))

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking form of `run`, for CLI tools working on a stopped station."""
        with self._db:
            return fn(self._db)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        self._db.close()


def _connect_checked(
    path: Path, cache_kib: int | None = None, durable: bool = True
) -> sqlite3.Connection:
    # The store holds the Basic-auth password: 0600 whatever the umask. SQLite gives its
    # -wal and -shm files the database file's mode, so creating it first covers them.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
    os.chmod(path, 0o600)
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
        if cache_kib is not None:
            connection.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
        result = connection.execute("PRAGMA quick_check").fetchone()
        if result is None or result[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {result}")
        _migrate(connection)
    except BaseException:
        connection.close()
        raise
    # From here on, `with connection:` opens and commits one transaction per `run`.
    connection.isolation_level = "DEFERRED"
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        # Not damage: a newer release wrote this store. Refuse rather than discard its data.
        raise StoreError(
            f"store schema version {version} is newer than this software ({len(MIGRATIONS)})"
        )
    for number in range(version, len(MIGRATIONS)):
        connection.executescript(
            "BEGIN;" + MIGRATIONS[number] + f"PRAGMA user_version={number + 1};COMMIT;"
        )


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            source.replace(Path(str(target) + suffix))
    return target
