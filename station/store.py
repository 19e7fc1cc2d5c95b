"""The station's persistent store: one SQLite file in the data directory.

Everything that must survive a restart or a power cut lives here: device-model values,
network connection profiles, queued transaction messages, transactions in progress, the
security log. The database runs in WAL mode with ``synchronous=FULL``, so a write that
returned is on disk; callers (a SetVariables handler, the transaction queue) answer or
send only after their write returned.

All access goes through `Store.run`, which executes a function with the connection on
the store's `Offload` (in production a worker thread of its own, shared with no other
blocking work, so that a commit never waits behind a log append or a file copy) inside a
transaction.

Group commit: with ``synchronous=FULL`` every commit waits for an fsync (5–30 ms on a
Raspberry Pi's SD card), and a station's writers arrive together (a SetVariables with
several values, two EVSEs' transaction events, the outbox). While one commit is on its way
to the disk, the writes that arrive queue up; the next commit takes all of them in one
transaction, each in its own savepoint, and pays one fsync for the lot. Each caller
resumes once the commit that holds its write is durable, so "answer only after your own
write returned" still holds (SetVariables: Accepted after its commit). A function that
raises rolls back its own savepoint only and the exception goes to its caller; a commit
that fails goes to every caller whose write it held.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    import trio

from station.offload import DirectOffload, Offload, ThreadOffload

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


@dataclass(eq=False)
class _Write(Generic[T]):
    """One caller's function on its way through a group commit."""

    fn: Callable[[sqlite3.Connection], T]
    #: Taken into a batch by a committer; from then on it runs whatever the caller does.
    taken: bool = False
    #: Its batch has committed (or failed): ``result`` or ``error`` is final.
    done: bool = False
    result: T | None = None
    error: BaseException | None = None


class Store:
    """SQLite store; create with `Store.open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection, offload: Offload) -> None:
        self.path = path
        self._db = connection
        self._offload = offload
        #: Set when a damaged store was replaced at open: a sentence for the log.
        self.recovery: str | None = None
        #: Writes waiting for the next commit, in arrival order.
        self._pending: list[_Write[Any]] = []
        #: Held by the task carrying a batch to the disk (made on first use: command-line
        #: tools use this module without trio).
        self._committer: trio.Lock | None = None
        #: Commits and writes so far: ``writes / commits`` is the batching achieved.
        self.commits = 0
        self.writes = 0

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
        """Run ``fn(connection)`` in a transaction; committed (durably) before returning.

        Calls that arrive while a commit is in progress are committed together by the
        next one (see the module docstring), in arrival order. ``fn`` runs inside an open
        transaction (its own savepoint): a PRAGMA that SQLite refuses there (``synchronous``,
        ``journal_mode``) belongs in `run_sync` before the store is shared. A call runs and
        commits even if its caller is cancelled while it waits (the cancellation is
        delivered once it is durable), as a call in a worker thread always did.
        """
        if isinstance(self._offload, DirectOffload):
            # A one-shot command without an event loop (or trio): nothing runs alongside.
            return await self._offload.run(lambda: self.run_sync(fn))
        import trio  # here: one-shot commands use the store without trio

        if self._committer is None:
            self._committer = trio.Lock()
        write: _Write[T] = _Write(fn)
        self._pending.append(write)
        try:
            # FIFO: the callers of a batch get the lock after its committer, find their
            # write done and leave; the first caller whose write is still pending
            # carries everything pending by then. Shielded: a write, once handed over,
            # is committed even if its caller is cancelled meanwhile (the cancellation
            # lands after it), as a write in a worker thread always was. Callers change
            # their state in memory before they write it (a transaction's next seqNo);
            # a write dropped while it waited behind another commit left memory ahead of
            # the store, and the event that seqNo belonged to was never sent.
            with trio.CancelScope(shield=True):
                await self._carry(write)
        except BaseException:
            if not write.taken:
                self._pending.remove(write)
            raise
        if write.error is not None:
            raise write.error
        if not write.done:  # cannot happen: the offloads finish what they start
            raise StoreError("store: a write left its batch without an outcome")
        return cast(T, write.result)

    async def _carry(self, write: _Write[Any]) -> None:
        """Wait for ``write``'s batch, or carry the pending writes as the next one."""
        assert self._committer is not None
        async with self._committer:
            if not write.taken:
                batch, self._pending = self._pending, []
                for queued in batch:
                    queued.taken = True
                try:
                    await self._offload.run(lambda: self._commit(batch))
                except BaseException:
                    if not write.done:
                        # The offload gave up before the batch ran (cancelled while
                        # waiting for its thread, as a fleet's shared pool can be):
                        # this call never ran; the others go back to the head of
                        # the queue for the next caller to carry.
                        others = [w for w in batch if w is not write]
                        for queued in others:
                            queued.taken = False
                        self._pending[:0] = others
                    raise

    def _commit(self, batch: list[_Write[Any]]) -> None:
        """Run a batch in one transaction (a savepoint per write) and commit it once;
        on the store's worker thread. Every write ends ``done`` with its outcome."""
        db = self._db
        committed: list[_Write[Any]] = []  # ran without error, outcome hangs on the commit
        try:
            db.execute("BEGIN")
            for write in batch:
                db.execute("SAVEPOINT write")
                try:
                    write.result = write.fn(db)
                except Exception as exc:
                    write.error, write.done = exc, True
                    if db.in_transaction:
                        db.execute("ROLLBACK TO write")
                        db.execute("RELEASE write")
                    else:
                        # SQLite rolled the whole transaction back (disk full, I/O
                        # error): the writes before this one are lost with it.
                        for lost in committed:
                            lost.error, lost.done = exc, True
                        committed.clear()
                        db.execute("BEGIN")
                else:
                    db.execute("RELEASE write")
                    committed.append(write)
            db.commit()
        except BaseException as exc:
            # The commit (or the bookkeeping around it) failed: nothing of this batch
            # is on disk, and every write still waiting on it hears so.
            if db.in_transaction:
                try:
                    db.rollback()
                except sqlite3.Error as rollback_error:
                    log.error("event=store_rollback_failed reason=%r", str(rollback_error))
            log.error("event=store_commit_failed writes=%d reason=%r", len(batch), str(exc))
            for write in batch:
                if not write.done:
                    write.error, write.done = exc, True
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            self.commits += 1
            self.writes += len(batch)
        for write in committed:
            write.done = True

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
