"""The persistent queue of transaction messages (E04, E11–E13; rule 5 of docs/architecture.md).

Every TransactionEvent is written to the store *before* it is sent and removed only when
the CSMS answered it (or after its last failed attempt, E13.FR.04). Messages go out one
by one, oldest first, so a transaction's events arrive in ``seqNo`` order after any outage
or restart.

Commits: a message costs one durable commit, the one that stages it (with the transaction
state that produced it). Its removal is a deferred write (`Store.defer`): the queue goes
on at once, and the removal rides with the next commit (the next message staged, usually)
or is committed within a second. If the power is cut first, the message is still in the
table and is sent again after the restart, the same message with the same ``seqNo``: E13
delivery is at-least-once, and a CSMS recognises a resend by its ``seqNo``. The store keeps
the order of writes, so what is on disk is always a prefix of what the queue did.

Delivery failures (E13): a CALLERROR or no answer within the message timeout counts as a
failed attempt. Attempt ``n`` is followed by a wait of MessageAttemptInterval × n seconds;
after MessageAttempts failures the message is discarded (logged) and the next one goes.
A lost connection is not a failed attempt: the message waits for the next connection.

Timestamps: each message is held at the latest timestamp already sent for its
transaction, after the correction of unsynchronised stamps, so that a clock stepped back
never makes a transaction's events go back (see timestamps.py); what was sent is stored,
so a resend is the same message. A message sent as it was stored needs no write before it
goes: its floor is written with its removal. Until that removal is durable the message
itself is in the table, is the first one sent after a restart, and sets the floor again
as it goes (held at the floor stored before it, as it was the first time, so unchanged).
Only a message whose payload the hold or the correction changed is written before it is
sent (a durable commit, which carries the previous message's removal).

Offline flag (E11.FR.02/07, E12.FR.02): messages created while offline carry
``offline: true``; when the station goes offline, messages still queued are rewritten
with ``offline: true`` as well.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio

from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import Admission, CallErrorResponse, CallFailed, OcppClient, Offline
from station.ocpp.datetimes import format_date_time
from station.ocpp.messages import TransactionEventRequest, TransactionEventResponse
from station.ocpp.validation import parse_request
from station.store import Store
from station.transactions.timestamps import Floor, hold_timestamps, parse_timestamp

log = logging.getLogger(__name__)

ATTEMPTS = key("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent")
INTERVAL = key("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One stored transaction message."""

    seq: int
    payload: dict
    transaction_id: str
    attempts: int


ResponseHandler = Callable[[QueuedMessage, TransactionEventResponse], Awaitable[None]]


class TransactionQueue:
    """Store-backed FIFO of TransactionEventRequests with E13 retries."""

    def __init__(self, store: Store, client: OcppClient, device_model: DeviceModel) -> None:
        self._store = store
        self._client = client
        self._dm = device_model
        self._pending: dict[int, str] = {}  # seq → transaction id (mirror of the table)
        #: Messages as they were written, so that sending needs no store round trip (which
        #: would wait behind unrelated writes); the table stays the truth after a restart.
        self._written: dict[int, QueuedMessage] = {}
        #: Queued messages that carry offline=true: until they are delivered the station is
        #: still catching up on its offline period (see `catching_up`).
        self._offline: set[int] = set()
        #: Transaction id → the latest timestamps sent for it (mirror of sent_timestamps).
        self._floors: dict[str, Floor] = {}
        self._wakeup = trio.Event()
        self._handlers: list[ResponseHandler] = []
        self._prepare: list[Callable[[dict], dict]] = []
        self._empty = trio.Event()
        self._empty.set()
        #: Messages discarded after their last failed attempt (status and tests).
        self.discarded = 0

    def before_send(self, prepare: Callable[[dict], dict]) -> None:
        """Pass each payload through ``prepare`` just before it is sent (it returns the
        payload to send; the stored one is unchanged), e.g. to correct timestamps taken
        before the clock was synchronised."""
        self._prepare.append(prepare)

    def on_response(self, handler: ResponseHandler) -> None:
        """Call ``handler(message, response)`` for each confirmed message, in queue order."""
        self._handlers.append(handler)

    async def load(self) -> None:
        """Read what a previous run left in the queue."""
        rows = await self._store.run(
            lambda db: db.execute(
                "SELECT seq, transaction_id, payload FROM outbox ORDER BY seq"
            ).fetchall()
        )
        self._pending = {seq: transaction_id for seq, transaction_id, _ in rows}
        floors = await self._store.run(
            lambda db: db.execute(
                "SELECT transaction_id, timestamp, value_timestamp FROM sent_timestamps"
            ).fetchall()
        )
        self._floors = {
            transaction_id: Floor(
                parse_timestamp(event), None if value is None else parse_timestamp(value)
            )
            for transaction_id, event, value in floors
        }
        self._offline = {seq for seq, _, text in rows if json.loads(text).get("offline")}
        if self._pending:
            self._empty = trio.Event()
            log.info("event=queue_restored messages=%d", len(self._pending))

    async def put(self, request: TransactionEventRequest) -> None:
        """Queue a message durably; returns once it is on disk."""
        staged = await self._store.run(lambda db: self.stage(db, request))
        self.commit([staged])

    def stage(self, db: sqlite3.Connection, request: TransactionEventRequest) -> QueuedMessage:
        """Insert a message within the caller's store transaction (so that it is written
        atomically with the transaction state that produced it); call `commit` after."""
        payload = request.to_payload()
        transaction_id = request.transaction_info.transaction_id
        text = json.dumps(payload, separators=(",", ":"))
        seq = db.execute(
            "INSERT INTO outbox (action, payload, transaction_id, attempts, created) "
            "VALUES ('TransactionEvent', ?, ?, 0, ?)",
            (text, transaction_id, payload["timestamp"]),
        ).lastrowid
        assert seq is not None
        return QueuedMessage(seq, payload, transaction_id, 0)

    def commit(self, staged: list[QueuedMessage]) -> None:
        """Make staged messages (now on disk) visible to the sender."""
        if not staged:
            return
        for message in staged:
            self._pending[message.seq] = message.transaction_id
            self._written[message.seq] = message
            if message.payload.get("offline"):
                self._offline.add(message.seq)
        if self._empty.is_set():
            self._empty = trio.Event()
        self._wakeup.set()

    def count(self, transaction_id: str | None = None) -> int:
        """Messages waiting for delivery (for one transaction, or all)."""
        if transaction_id is None:
            return len(self._pending)
        return sum(1 for tx in self._pending.values() if tx == transaction_id)

    def catching_up(self) -> bool:
        """Whether messages of an offline period still wait for delivery. An event that
        arises meanwhile (e.g. SuspendedEVSE after the CSMS's late Invalid verdict on an
        offline start, C15.FR.06) reaches the CSMS behind them, as part of the emptied
        queue, so it is marked offline too (TC_C_26: every message of the queue offline)."""
        return bool(self._offline)

    async def drained(self) -> None:
        """Wait until the queue is empty and the removals of its messages are durable
        (the station is about to go down: a Reset, a firmware update)."""
        await self._empty.wait()
        await self._store.flush()

    async def run(self) -> None:
        """Deliver queued messages for the station's lifetime (and commit the removals of
        delivered ones that no other commit took, within a second)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._store.run_deferred)
            await self._deliver_forever()

    async def _deliver_forever(self) -> None:
        marked_offline = False
        while True:
            if not self._pending:
                self._wakeup = trio.Event()
                if not self._pending:
                    await self._wakeup.wait()
                continue
            if not self._client.admits(Admission.NORMAL):
                if not self._client.connected and not marked_offline:
                    await self._mark_offline()  # E11.FR.07
                    marked_offline = True
                await self._client.wait_until(lambda: self._client.admits(Admission.NORMAL))
                continue
            marked_offline = False
            message = await self._oldest()
            await self._deliver(message)

    async def _oldest(self) -> QueuedMessage:
        seq = min(self._pending)
        written = self._written.get(seq)
        if written is not None:
            return written
        row = await self._store.run(
            lambda db: db.execute(
                "SELECT seq, payload, transaction_id, attempts FROM outbox WHERE seq = ?", (seq,)
            ).fetchone()
        )
        return QueuedMessage(row[0], json.loads(row[1]), row[2], row[3])

    async def _deliver(self, message: QueuedMessage) -> None:
        payload = message.payload
        for prepare in self._prepare:
            payload = prepare(payload)
        payload = await self._hold(message, payload)
        request = parse_request("TransactionEvent", payload)
        try:
            response = await self._client.call(request)
        except Offline:
            return  # not an attempt: wait for the next connection
        except (CallErrorResponse, CallFailed) as exc:
            attempts = message.attempts + 1
            limit = self._dm.get_int(ATTEMPTS) or 1
            if attempts >= limit:
                log.error(
                    "event=transaction_message_discarded seq=%d transaction_id=%s "
                    "attempts=%d reason=%r seq_no=%s",
                    message.seq,
                    message.transaction_id,
                    attempts,
                    str(exc),
                    message.payload.get("seqNo"),
                )
                self._remove(message, ended=message.payload.get("eventType") == "Ended")
                self.discarded += 1
                return
            await self._store.run(
                lambda db: db.execute(
                    "UPDATE outbox SET attempts = ? WHERE seq = ?", (attempts, message.seq)
                )
            )
            self._written.pop(message.seq, None)  # read the stored attempts next time
            wait = (self._dm.get_int(INTERVAL) or 0) * attempts  # E13.FR.03
            log.warning(
                "event=transaction_message_retry seq=%d attempt=%d wait=%d reason=%r",
                message.seq,
                attempts,
                wait,
                str(exc),
            )
            await trio.sleep(wait)
            return
        self._remove(message, ended=message.payload.get("eventType") == "Ended")
        assert isinstance(response, TransactionEventResponse)
        for handler in self._handlers:
            try:
                await handler(message, response)
            except Exception:
                log.exception("event=transaction_response_handler_failed seq=%d", message.seq)

    async def _hold(self, message: QueuedMessage, payload: dict) -> dict:
        """``payload`` held at its transaction's floor. A payload changed by the hold or
        by the correction is stored first, with the new floor, so that a resend, in this
        run or after a restart, is the same message and the next one is held at what the
        CSMS may have seen. An unchanged one is sent as stored: its floor is written with
        its removal (see the module docstring)."""
        transaction_id = message.transaction_id
        floor = self._floors.get(transaction_id)
        payload, new_floor = hold_timestamps(payload, floor)
        self._floors[transaction_id] = new_floor
        if payload is message.payload:
            return payload
        text = json.dumps(payload, separators=(",", ":"))
        event, value = _floor_text(new_floor)

        def write(db: sqlite3.Connection) -> None:
            db.execute("UPDATE outbox SET payload = ? WHERE seq = ?", (text, message.seq))
            _store_floor(db, transaction_id, event, value)

        await self._store.run(write)
        held = QueuedMessage(message.seq, payload, transaction_id, message.attempts)
        if message.seq in self._written:
            self._written[message.seq] = held
        return payload

    def _remove(self, message: QueuedMessage, *, ended: bool = False) -> None:
        """Remove a delivered (or discarded) message, deferred (see the module docstring);
        with it the transaction's floor is stored, or, after an Ended, forgotten (nothing
        of it is sent any more). Deleted on disk in the same transaction or not at all:
        a message whose removal a power cut lost is sent again, and sets the floor again."""
        seq = message.seq
        transaction_id = self._pending.get(seq, message.transaction_id)
        floor = self._floors.get(transaction_id)
        event, value = (None, None) if floor is None else _floor_text(floor)

        def remove(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM outbox WHERE seq = ?", (seq,))
            if ended:
                db.execute(
                    "DELETE FROM sent_timestamps WHERE transaction_id = ?", (transaction_id,)
                )
            elif event is not None:
                _store_floor(db, transaction_id, event, value)

        self._store.defer(remove, label=f"outbox_remove seq={seq} transaction_id={transaction_id}")
        if ended:
            self._floors.pop(transaction_id, None)
        self._pending.pop(seq, None)
        self._written.pop(seq, None)
        self._offline.discard(seq)
        if not self._pending:
            self._empty.set()

    async def _mark_offline(self) -> None:
        def mark(db) -> None:
            rows = db.execute("SELECT seq, payload FROM outbox").fetchall()
            for seq, text in rows:
                payload = json.loads(text)
                if not payload.get("offline"):
                    payload["offline"] = True
                    db.execute(
                        "UPDATE outbox SET payload = ? WHERE seq = ?",
                        (json.dumps(payload, separators=(",", ":")), seq),
                    )

        await self._store.run(mark)
        self._offline |= set(self._pending)
        self._written.clear()  # the stored payloads changed


def _floor_text(floor: Floor) -> tuple[str, str | None]:
    """A floor's timestamps in wire form (the sent_timestamps row)."""
    return (
        format_date_time(floor.event),
        None if floor.value is None else format_date_time(floor.value),
    )


def _store_floor(
    db: sqlite3.Connection, transaction_id: str, event: str, value: str | None
) -> None:
    db.execute(
        "INSERT INTO sent_timestamps (transaction_id, timestamp, value_timestamp) "
        "VALUES (?, ?, ?) ON CONFLICT (transaction_id) DO UPDATE SET "
        "timestamp = excluded.timestamp, value_timestamp = excluded.value_timestamp",
        (transaction_id, event, value),
    )
