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

Deferred writes (`Store.defer`): a write whose loss at a power cut is harmless and that
needs no commit of its own (the removal of a transaction message the CSMS confirmed: if it
is lost, the message is sent again after the restart with the same ``seqNo``, and E13
delivery is at-least-once). It joins the queue of pending writes like any other, so it
runs in arrival order, on the same connection, before every write that arrived after it,
and it is committed with the next commit anyone makes; when nobody commits,
`Store.run_deferred` commits it within ``max_delay``. What is on disk after a power cut is
therefore always a prefix of the writes in arrival order: a later write is never durable
while an earlier deferred one is not. A deferred write that raises, or whose commit
fails, is logged (``event=store_deferred_write_failed``) with its label; nobody waits for it.

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

#: Longest a deferred write waits for another commit before `Store.run_deferred` commits
#: it on its own (seconds).
DEFERRED_MAX_DELAY = 1.0

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
    #: Nobody waits for it (`Store.defer`): it rides with the next commit.
    deferred: bool = False
    #: What it does, for the log when a deferred write fails.
    label: str = ""
    #: trio time it was queued (deferred writes: when the bound runs out).
    queued_at: float = 0.0

    def fail(self, exc: BaseException, what: str) -> None:
        """Record ``exc`` as this write's outcome; a deferred write has no caller to hear
        it, so it is logged here."""
        self.error, self.done = exc, True
        if self.deferred:
            log.error(
                "event=store_deferred_write_failed write=%s at=%s reason=%r",
                self.label,
                what,
                str(exc),
            )


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
        #: Set when a deferred write is queued (wakes `run_deferred`).
        self._deferred_queued: trio.Event | None = None
        #: Commits and writes so far: ``writes / commits`` is the batching achieved;
        #: ``deferred`` counts the deferred writes among ``writes``.
        self.commits = 0
        self.writes = 0
        self.deferred = 0
        #: Commits that changed rows: each one waits for the disk (an fsync); reads and
        #: writes that changed nothing commit without one.
        self.synced = 0

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

    def defer(self, fn: Callable[[sqlite3.Connection], object], *, label: str) -> None:
        """Queue ``fn(connection)`` to run with the next commit; return at once.

        For writes whose loss at a power cut is harmless (see the module docstring): it
        runs after every write queued before it and before every write queued after it,
        in the same transaction as the next commit anyone makes (or `run_deferred`'s within
        its bound). Nobody waits for it and nobody hears its outcome: if it raises, or the
        commit that holds it fails, the failure is logged with ``label``.
        """
        if isinstance(self._offload, DirectOffload):
            # A one-shot command without an event loop: nothing to ride with; write now.
            try:
                self.run_sync(fn)
            except Exception as exc:
                _Write(fn, deferred=True, label=label).fail(exc, "run")
            return
        import trio

        self._pending.append(_Write(fn, deferred=True, label=label, queued_at=trio.current_time()))
        if self._deferred_queued is not None:
            self._deferred_queued.set()

    def deferred_pending(self) -> int:
        """Deferred writes not yet taken into a commit."""
        return sum(1 for write in self._pending if write.deferred)

    async def flush(self) -> None:
        """Commit the deferred writes queued so far, durably, and return when they are
        (or their failure is logged). Also waits for a commit in progress, which may hold
        some. Used before the station goes down on purpose (Reset, firmware update)."""
        if self.deferred_pending() or (self._committer is not None and self._committer.locked()):
            await self.run(_nothing)

    async def run_deferred(self, *, max_delay: float = DEFERRED_MAX_DELAY) -> None:
        """Commit deferred writes that no other commit took within ``max_delay`` seconds;
        run it for as long as writes are deferred. When cancelled (the station stops), it
        commits what is still deferred first, so that a stop on purpose does not make the
        CSMS see messages again; after a power cut there is nothing to commit with, and
        the failure is logged."""
        import trio

        try:
            while True:
                oldest = next((write for write in self._pending if write.deferred), None)
                if oldest is None:
                    self._deferred_queued = trio.Event()
                    await self._deferred_queued.wait()
                    continue
                await trio.sleep_until(oldest.queued_at + max_delay)
                if oldest.taken:
                    continue
                try:
                    await self.run(_nothing)
                except Exception as exc:
                    # The deferred writes of a failed commit were logged one by one; ones
                    # the offload never ran are queued again: try again after the bound.
                    log.warning("event=store_deferred_flush_failed reason=%r", str(exc))
                    await trio.sleep(max_delay)
        finally:
            self._deferred_queued = None
            if self.deferred_pending():
                with trio.CancelScope(shield=True):
                    try:
                        await self.flush()
                    except Exception as exc:
                        # Each deferred write of the failed commit was logged already.
                        log.warning("event=store_deferred_flush_failed reason=%r", str(exc))

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
        changes = db.total_changes
        try:
            db.execute("BEGIN")
            for write in batch:
                db.execute("SAVEPOINT write")
                try:
                    write.result = write.fn(db)
                except Exception as exc:
                    write.fail(exc, "run")
                    if db.in_transaction:
                        db.execute("ROLLBACK TO write")
                        db.execute("RELEASE write")
                    else:
                        # SQLite rolled the whole transaction back (disk full, I/O
                        # error): the writes before this one are lost with it.
                        for lost in committed:
                            lost.fail(exc, "rolled back by SQLite")
                        committed.clear()
                        db.execute("BEGIN")
                else:
                    db.execute("RELEASE write")
                    committed.append(write)
            db.commit()
            if db.total_changes != changes:
                self.synced += 1
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
                    write.fail(exc, "commit")
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            self.commits += 1
            self.writes += len(batch)
            self.deferred += sum(1 for write in batch if write.deferred)
        for write in committed:
            write.done = True

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking form of `run`, for CLI tools working on a stopped station."""
        with self._db:
            return fn(self._db)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        self._db.close()


def _nothing(db: sqlite3.Connection) -> None:
    """A write of nothing: its commit carries the deferred writes queued before it."""


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
