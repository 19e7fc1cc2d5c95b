"""The OCPP message log: every frame in and out, in a size-bounded file in the data directory.

Each line is JSON: time, direction ("in" = from the CSMS, "out" = to the CSMS), action,
message id, size in bytes and the frame itself with secrets redacted (`station.redaction`:
secret variables' values in any casing, passwords and keys in network profiles, the
userinfo of URLs), decided on the decoded frame. Frames are queued with their time by a
synchronous observer on the OCPP session; a task makes their lines (a frame that may hold
a secret, such as a full inventory report that names the password variables, is decoded
and redacted there) after the frames went out, and writes them in a worker thread, so
the message path never waits for the disk nor pays for its own line. The file
rotates at ``max_bytes`` keeping ``backups`` old files. ``station log`` reads it with
`station.ops.message_log_reader`.

The queue is bounded too (``max_queued_bytes``): when the disk falls behind a CSMS that
sends large frames quickly, lines beyond the bound are dropped and counted (one warning
when writing catches up), rather than held in memory.

Lines are written in batches, at most every ``batch_delay`` seconds (`BATCH_DELAY`): a
request and its answer, or a report's parts, cost one hand-over to the worker thread and
one append, made after the messages went out. Written one by one, each request paid two
of them while it was handled (the worker thread competing with the event loop for the
interpreter and the CPU). The lines of a batch are made a few frames at a time
(`LINES_PER_STEP`), letting the event loop run between: a batch gathered while a CSMS
sends requests back to back holds hundreds of frames, and made in one go it held up the
request that arrived meanwhile by 1-3 ms. Lines still queued when the writer is cancelled
(the station stops, or its OCPP side fails) are written before it ends.

While the station answers a CSMS request, the writer makes no lines and starts no write:
it waits for the answer to go out, at most `ANSWER_WAIT` for one request. A request that
waits for a worker thread (SetVariables and an availability change wait for their commit)
hands it its work while the event loop would otherwise be idle, and that thread needs the
interpreter's lock to start; lines made in those moments held the lock, and so the
answer, for up to a millisecond more (`bench/README.md`, "The message log and the answers
that wait for a commit").
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from station.ocpp.datetimes import format_date_time
from station.ops.message_log_reader import FILENAME
from station.redaction import REDACTED, might_hold_secret, redact_payload, redact_raw

if TYPE_CHECKING:
    from station.offload import Offload

log = logging.getLogger(__name__)

#: Seconds the writer gathers lines after the first one before it writes them.
BATCH_DELAY = 0.05
#: Frames made into lines between two turns of the event loop (about 10 µs each, more
#: for a large report with something to redact).
LINES_PER_STEP = 8
#: Longest the writer spends on the lines left when it is cancelled.
FINAL_WRITE_TIMEOUT = 2.0
#: Longest the writer holds its lines back for one CSMS request being answered (seconds):
#: far longer than any answer made at once (a few ms), and a handler that takes longer,
#: or a request never answered, does not hold the log up beyond it.
ANSWER_WAIT = 0.02


#: The start of a frame: ``[2,"id",`` / ``[3,"id",`` / ``[4,"id",`` (ids are plain strings).
_HEAD = re.compile(r'^\[\s*[234]\s*,\s*"([^"\\]{0,36})"\s*,')
#: A CALL's start (a request) and a CALLRESULT's or CALLERROR's (an answer).
_CALL = re.compile(r"^\[\s*2\s*,")
_ANSWER = re.compile(r"^\[\s*[34]\s*,")

#: CustomerInformation requests name a customer; the log does not keep who was asked for
#: (a request to clear a customer's data must not leave that data behind).
CUSTOMER_REFERENCES = ("idToken", "customerIdentifier", "customerCertificate")


def redact(frame: Any, secret_variables: Collection[str] = ()) -> Any:
    """A copy of a decoded frame without secrets (`station.redaction`), whatever its
    message type; a CustomerInformation CALL also loses the customer it names."""
    if not isinstance(frame, list):
        return redact_payload(frame, secret_variables)
    redacted = redact_payload(frame, secret_variables)
    if (
        len(redacted) >= 4
        and redacted[0] == 2
        and redacted[2] == "CustomerInformation"
        and isinstance(redacted[3], dict)
    ):
        payload = dict(redacted[3])
        for name in CUSTOMER_REFERENCES:
            if name in payload:
                payload[name] = REDACTED
        redacted[3] = payload
    return redacted


@dataclass(frozen=True, slots=True)
class _Observed:
    """A frame as the session saw it; the writer task makes its line."""

    moment: datetime
    direction: str
    action: str | None
    text: str
    #: Our own frames and decoded incoming ones are valid JSON; a bad frame is not.
    valid: bool


class MessageLog:
    """Queue of frames to write; `run` writes them."""

    def __init__(
        self,
        directory: Path,
        offload: Offload,
        *,
        max_bytes: int = 5_000_000,
        backups: int = 2,
        now: Callable[[], datetime] | None = None,
        max_queued_bytes: int = 8_000_000,
        secret_variables: Collection[str] = (),
        batch_delay: float = BATCH_DELAY,
    ) -> None:
        """``secret_variables``: lower-cased names of the variables whose values are never
        logged (the device model's WriteOnly and secret ones); ``batch_delay``: see the
        module docstring."""
        self.batch_delay = batch_delay
        self._secret_variables = frozenset(name.lower() for name in secret_variables)
        self.path = directory / FILENAME
        self.max_queued_bytes = max_queued_bytes
        self._queued_bytes = 0
        #: Lines dropped because the queue was full (since start).
        self.dropped = 0
        self._dropped_unreported = 0
        self._offload = offload
        self.max_bytes = max_bytes
        self.backups = backups
        self._now = now or datetime.now
        import trio  # here, not at the top: `station log` reads the file without trio

        # (bytes counted against max_queued_bytes, the line or the frame to redact first)
        self._send, self._receive = trio.open_memory_channel[tuple[int, _Observed]](math.inf)
        self._new_event = trio.Event
        #: A CSMS request is being answered: the number of the last one that came in, or
        #: None once its answer went out.
        self._answering: int | None = None
        self._requests = 0
        self._answered = trio.Event()
        #: The request the writer holds its lines for, and until when (trio time).
        self._holding: tuple[int, float] | None = None
        #: Told how many lines were dropped, when writing catches up (MemoryExhaustion).
        self.on_dropped: Callable[[int], Awaitable[None]] | None = None
        self._written = trio.Event()

    async def flush(self) -> None:
        """Wait until every line queued so far is on disk (before the files are rewritten
        to clear a customer's data, N10)."""
        while self._queued_bytes:
            await self.wait_written()

    async def wait_written(self) -> None:
        """Wait until the next batch of lines is on disk."""
        await self._written.wait()

    def observe(self, direction: str, text: str, frame: object, action: str | None) -> None:
        """`OcppClient.observe_frames` hook: queue the frame (never blocks).

        Only the time is taken here: the line is made by the writer task (`_line`), after
        the message went out, so that a message's path pays for no formatting, scanning
        or redaction of its own frame.
        """
        valid = direction == "out" or frame is not None
        self._queue(_Observed(self._now(), direction, action, text, valid), len(text))
        if direction == "in":
            if frame is not None and _CALL.match(text):
                self._requests += 1
                self._answering = self._requests
        elif self._answering is not None and _ANSWER.match(text):
            self._answering = None
            self._answered.set()
            self._answered = self._new_event()

    async def _after_the_answer(self) -> None:
        """Return once no CSMS request is being answered, or at most `ANSWER_WAIT` after
        the writer found this one being answered. Shielded: the batch in hand is written
        whatever happens."""
        request = self._answering
        if request is None:
            return
        import trio

        if self._holding is None or self._holding[0] != request:
            self._holding = (request, trio.current_time() + ANSWER_WAIT)
        with trio.move_on_at(self._holding[1]) as scope:
            scope.shield = True
            await self._answered.wait()

    def _line(self, frame: _Observed) -> str:
        """The line of one frame.

        A well-formed frame without anything to redact (nearly all of them) is copied into
        the line as it is: no decoding and re-encoding of large reports. Any other frame
        is decoded and redacted: a FullInventory report is 36 kB of JSON that names the
        password variables.
        """
        text = frame.text
        stamp = format_date_time(frame.moment)
        head = _HEAD.match(text) if frame.valid else None
        if (
            head is not None
            and frame.action != "CustomerInformation"
            and not might_hold_secret(text, self._secret_variables)
        ):
            return (
                f'{{"time":{json.dumps(stamp)},"direction":{json.dumps(frame.direction)},'
                f'"action":{json.dumps(frame.action)},"id":{json.dumps(head.group(1))},'
                f'"size":{len(text.encode())},"frame":{text}}}'
            )
        try:
            decoded = json.loads(text)
            message_id = decoded[1] if isinstance(decoded, list) and len(decoded) > 1 else None
            body = redact(decoded, self._secret_variables)
        except (ValueError, TypeError, RecursionError):
            # Not JSON: kept for diagnosis, without the values that may be secrets.
            message_id, body = None, redact_raw(text)
        entry = {
            "time": stamp,
            "direction": frame.direction,
            "action": frame.action,
            "id": message_id,
            "size": len(text.encode()),
            "frame": body,
        }
        return json.dumps(entry, separators=(",", ":"), default=str)

    def _queue(self, item: _Observed, size: int) -> None:
        if self._queued_bytes + size > self.max_queued_bytes:
            self.dropped += 1
            self._dropped_unreported += 1
            return
        self._queued_bytes += size
        self._send.send_nowait((size, item))

    async def run(self) -> None:
        """Write queued lines for the station's lifetime (in batches, see the module
        docstring); what is queued when it is cancelled is written before it ends."""
        import trio

        first: tuple[int, _Observed] | None = None
        try:
            while True:
                first = await self._receive.receive()
                await trio.sleep(self.batch_delay)
                taken, first = first, None
                await self._write_queued(taken)
        finally:
            with trio.move_on_after(FINAL_WRITE_TIMEOUT) as final:
                final.shield = True
                await self._write_queued(first)

    async def _write_queued(self, first: tuple[int, _Observed] | None) -> None:
        """Write ``first`` and every line queued after it, in one append."""
        import trio

        batch = [] if first is None else [first]
        while True:
            try:
                batch.append(self._receive.receive_nowait())
            except trio.WouldBlock:
                break
        if not batch:
            return
        lines = []
        for index, (_, item) in enumerate(batch):
            if index % LINES_PER_STEP == 0:
                if index:
                    # Let the requests that arrived meanwhile through. Never cancelled:
                    # the batch, taken off the queue, is written whatever happens.
                    await trio.lowlevel.cancel_shielded_checkpoint()
                await self._after_the_answer()
            lines.append(self._line(item))
        await self._after_the_answer()
        await self._offload.run(partial(self._write, lines))
        self._queued_bytes -= sum(size for size, _ in batch)
        if self._dropped_unreported:
            count, self._dropped_unreported = self._dropped_unreported, 0
            log.warning("event=message_log_lines_dropped count=%d", count)
            if self.on_dropped is not None:
                await self.on_dropped(count)
        self._written.set()
        self._written = trio.Event()

    def _write(self, lines: list[str]) -> None:
        data = ("\n".join(lines) + "\n").encode()
        file = self._open()
        if os.fstat(file.fileno()).st_size > self.max_bytes:
            file.close()
            self._rotate()
            file = self._open()
        with file:
            file.write(data)

    def _open(self) -> BinaryIO:
        """The file, to append to. The directory is made only when the open finds it
        missing (the first write, or it was removed meanwhile), not before every batch."""
        # 0600 whatever the umask: the frames carry idTokens.
        try:
            return open(self.path, "ab", opener=_private_opener)
        except FileNotFoundError:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            return open(self.path, "ab", opener=_private_opener)

    def _rotate(self) -> None:
        for n in range(self.backups, 0, -1):
            older = self.path.with_name(f"{FILENAME}.{n}")
            newer = self.path if n == 1 else self.path.with_name(f"{FILENAME}.{n - 1}")
            if newer.exists():
                newer.replace(older)


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_CLOEXEC, 0o600)
