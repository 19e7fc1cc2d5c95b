"""The OCPP message log: every frame in and out, in a size-bounded file in the data directory.

Each line is JSON: time, direction ("in" = from the CSMS, "out" = to the CSMS), action,
message id, size in bytes and the frame itself with secrets redacted (the Basic-auth
password in SetVariables, passwords and keys in network profiles). Frames are queued by a
synchronous observer on the OCPP session and written by a task in a worker thread, so
the message path never waits for the disk. The file rotates at ``max_bytes`` keeping
``backups`` old files. `read_entries` and `format_entry` serve ``station log``.

The queue is bounded too (``max_queued_bytes``): when the disk falls behind a CSMS that
sends large frames quickly, lines beyond the bound are dropped and counted (one warning
when writing catches up), rather than held in memory.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station.ocpp.datetimes import format_date_time

if TYPE_CHECKING:
    from station.offload import Offload

log = logging.getLogger(__name__)

FILENAME = "ocpp-messages.log"
SECRET_KEYS = frozenset({"password", "apnPassword", "basicAuthPassword", "key", "privateKey"})
SECRET_VARIABLES = frozenset({"basicauthpassword"})
REDACTED = "<redacted>"


#: The start of a frame: ``[2,"id",`` / ``[3,"id",`` / ``[4,"id",`` (ids are plain strings).
_HEAD = re.compile(r'^\[\s*[234]\s*,\s*"([^"\\]{0,36})"\s*,')
#: JSON keys that carry secrets.
_SECRET_MARKERS = tuple(f'"{k}"' for k in SECRET_KEYS)


def _might_hold_secret(text: str) -> bool:
    """Whether a frame may carry a secret: a secret key, or a value written to or read
    from a secret variable (SetVariables/GetVariables carry ``attributeValue``)."""
    if any(marker in text for marker in _SECRET_MARKERS):
        return True
    return "assword" in text and '"attributeValue"' in text


#: CustomerInformation requests name a customer; the log does not keep who was asked for
#: (a request to clear a customer's data must not leave that data behind).
CUSTOMER_REFERENCES = ("idToken", "customerIdentifier", "customerCertificate")


def redact(frame: Any) -> Any:
    """A copy of a decoded frame without secrets."""
    if isinstance(frame, list):
        if len(frame) >= 4 and frame[0] == 2 and isinstance(frame[3], dict):
            payload = _redact_payload(frame[3])
            if frame[2] == "CustomerInformation":
                for name in CUSTOMER_REFERENCES:
                    if name in payload:
                        payload[name] = REDACTED
            return [*frame[:3], payload, *frame[4:]]
        return [redact(item) for item in frame]
    return frame


def _redact_payload(payload: Any) -> Any:
    if isinstance(payload, dict):
        result = {}
        for k, v in payload.items():
            if k in SECRET_KEYS:
                result[k] = REDACTED
            else:
                result[k] = _redact_payload(v)
        variable = payload.get("variable")
        if (
            isinstance(variable, dict)
            and str(variable.get("name", "")).lower() in SECRET_VARIABLES
            and "attributeValue" in result
        ):
            result["attributeValue"] = REDACTED
        return result
    if isinstance(payload, list):
        return [_redact_payload(item) for item in payload]
    return payload


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
    ) -> None:
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

        self._send, self._receive = trio.open_memory_channel[str](math.inf)
        self._written = trio.Event()

    async def wait_written(self) -> None:
        """Wait until the next batch of lines is on disk."""
        await self._written.wait()

    def observe(self, direction: str, text: str, frame: object, action: str | None) -> None:
        """`OcppClient.observe_frames` hook: queue one line (never blocks).

        A well-formed frame without anything to redact (nearly all of them) is copied into
        the line as it is: no decoding and re-encoding of large reports on the event loop.
        """
        stamp = format_date_time(self._now())
        # Our own frames and decoded incoming ones are valid JSON; a bad frame is not.
        valid = direction == "out" or frame is not None
        head = _HEAD.match(text) if valid else None
        if head is not None and action != "CustomerInformation" and not _might_hold_secret(text):
            line = (
                f'{{"time":{json.dumps(stamp)},"direction":{json.dumps(direction)},'
                f'"action":{json.dumps(action)},"id":{json.dumps(head.group(1))},'
                f'"size":{len(text.encode())},"frame":{text}}}'
            )
            self._queue(line)
            return
        try:
            decoded = json.loads(text)
            message_id = decoded[1] if isinstance(decoded, list) and len(decoded) > 1 else None
            body = redact(decoded)
        except (ValueError, TypeError):
            message_id, body = None, REDACTED if "assword" in text else text[:2000]
        entry = {
            "time": stamp,
            "direction": direction,
            "action": action,
            "id": message_id,
            "size": len(text.encode()),
            "frame": body,
        }
        self._queue(json.dumps(entry, separators=(",", ":"), default=str))

    def _queue(self, line: str) -> None:
        if self._queued_bytes + len(line) > self.max_queued_bytes:
            self.dropped += 1
            self._dropped_unreported += 1
            return
        self._queued_bytes += len(line)
        self._send.send_nowait(line)

    async def run(self) -> None:
        """Write queued lines for the station's lifetime."""
        import trio

        while True:
            batch = [await self._receive.receive()]
            while True:
                try:
                    batch.append(self._receive.receive_nowait())
                except trio.WouldBlock:
                    break
            await self._offload.run(partial(self._write, batch))
            self._queued_bytes -= sum(len(line) for line in batch)
            if self._dropped_unreported:
                log.warning("event=message_log_lines_dropped count=%d", self._dropped_unreported)
                self._dropped_unreported = 0
            self._written.set()
            self._written = trio.Event()

    def _write(self, lines: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > self.max_bytes:
            self._rotate()
        with self.path.open("a", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")

    def _rotate(self) -> None:
        for n in range(self.backups, 0, -1):
            older = self.path.with_name(f"{FILENAME}.{n}")
            newer = self.path if n == 1 else self.path.with_name(f"{FILENAME}.{n - 1}")
            if newer.exists():
                newer.replace(older)


def read_entries(directory: Path, backups: int = 2) -> Iterator[dict]:
    """All logged entries, oldest first (unreadable lines are skipped)."""
    files = [directory / f"{FILENAME}.{n}" for n in range(backups, 0, -1)] + [directory / FILENAME]
    for path in files:
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as file:
            for line in file:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


def matches(entry: dict, *, action: str | None, transaction_id: str | None) -> bool:
    """Filter of ``station log``."""
    if action is not None and (entry.get("action") or "").lower() != action.lower():
        return False
    return transaction_id is None or transaction_id in json.dumps(entry.get("frame"))


def format_entry(entry: dict, *, full: bool = False) -> str:
    """One readable line (``full`` prints the whole frame)."""
    arrow = "CSMS → station" if entry.get("direction") == "in" else "station → CSMS"
    frame = entry.get("frame")
    kind = (
        {2: "CALL", 3: "RESULT", 4: "ERROR"}.get(frame[0], "?") if isinstance(frame, list) else "?"
    )
    payload = frame[-1] if isinstance(frame, list) and frame else frame
    if kind == "ERROR" and isinstance(frame, list) and len(frame) >= 4:
        payload = {"code": frame[2], "description": frame[3]}
    text = json.dumps(payload, separators=(",", ":")) if not isinstance(payload, str) else payload
    if not full and len(text) > 160:
        text = text[:157] + "..."
    return (
        f"{entry.get('time', '?')}  {arrow}  {kind:<6} {entry.get('action') or '-':<26} "
        f"{entry.get('id') or '-':<36} {entry.get('size', 0):>6}B  {text}"
    )
