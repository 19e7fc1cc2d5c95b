"""Reading CitrineOS's log: its validation errors and its ERROR entries, with the ones
known not to point at the station (CitrineOS's own quirks, explained)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.interop.station_process import Frame

__all__ = [
    "BUSY_ANSWER",
    "BUSY_REASON",
    "CITRINE_VALIDATION",
    "KNOWN_CITRINE_ERRORS",
    "busy_answers",
    "error_blocks",
    "explained_busy_block",
    "plain_lines",
]

#: What CitrineOS logs when a message fails its schema checks or its handling.
CITRINE_VALIDATION = re.compile(
    r"Invalid message format|FormatViolation|Error processing message|"
    r"Validation failed|failed validation",
    re.IGNORECASE,
)


#: CitrineOS ERROR lines that do not point at the station: (text in the block, why).
KNOWN_CITRINE_ERRORS = (
    ("Tariff not found for", "no tariff configured (cost calculation skipped; not needed here)"),
    (
        'column "hashAlgorithm" of relation "InstalledCertificates"',
        "CitrineOS v1.8.3 defect: after an accepted InstallCertificate it inserts an "
        "InstalledCertificates row without the hash data (not-null violation); the installed "
        "certificate is still recorded from GetInstalledCertificateIds",
    ),
    (
        "Failed to update latest status notification with error: Deleted 0 entries",
        "CitrineOS v1.8.3 race: it replaces a connector's latest status by read, delete, "
        "insert outside a transaction, so two StatusNotifications of one connector handled "
        "at once collide (both are still stored in StatusNotifications)",
    ),
    (
        "Failed to send CostUpdated call for",
        "CitrineOS v1.8.3 defect: its CostUpdated timer (every 60 s of a running "
        'transaction) fails in its own tariff lookup (\'WHERE parameter "stationId" has '
        'invalid "undefined" value\') and sends nothing; seen when a transaction lasts '
        "over a minute",
    ),
    (
        "CitrineOS Logger:WebsocketNetworkConnection\tundefined",
        "CitrineOS v1.8.3: its WebSocket server's error handler logs an error without a "
        "message while it starts its listeners (seen between two 'WebsocketServer running' "
        "lines, before any station connected)",
    ),
)

#: What CitrineOS answers a CALL with while it believes an earlier one is still being handled.
BUSY_ANSWER = ("RpcFrameworkError", "Call already in progress")

#: Why :func:`busy_answers` are not the station's fault.
BUSY_REASON = (
    "CitrineOS v1.8.3 start-up window: after a restart it opens its station ports before "
    "its modules handle messages; a CALL received then is never answered, and its router "
    "answers the station's next CALL (sent after the station's timeout) with "
    "RpcFrameworkError 'Call already in progress'; the station counts a failed attempt "
    "and sends it again (docs/interop.md)"
)


def busy_answers(frames: Sequence[Frame]) -> list[str]:
    """The message ids of the station's CALLs that CitrineOS answered with
    :data:`BUSY_ANSWER` when the station's CALL just before had gone unanswered: the
    start-up window of :data:`BUSY_REASON`. Any other CALLERROR is not in the list."""
    answered = {f.message_id for f in frames if f.direction == "in" and f.kind != "CALL"}
    calls = [f for f in frames if f.direction == "out" and f.kind == "CALL"]
    before = {b.message_id: a for a, b in itertools.pairwise(calls)}
    busy: list[str] = []
    for f in frames:
        if f.direction != "in" or f.kind != "ERROR" or not f.message_id:
            continue
        error = f.payload
        previous = before.get(f.message_id)
        if (
            (error["code"], error["description"]) == BUSY_ANSWER
            and previous is not None
            and previous.message_id not in answered
        ):
            busy.append(f.message_id)
    return busy


def explained_busy_block(block: str, busy: Collection[str]) -> bool:
    """Whether a CitrineOS ERROR entry is its busy answer to one of ``busy``'s CALLs."""
    return BUSY_ANSWER[1] in block and any(message_id in block for message_id in busy)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+(\w+)\s")


def plain_lines(text: str) -> list[str]:
    """The lines of a CitrineOS log without their colour codes."""
    return [_ANSI.sub("", raw) for raw in text.splitlines()]


def error_blocks(text: str) -> list[str]:
    """Each ERROR entry of a CitrineOS log with its continuation lines, one string each."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in plain_lines(text):
        head = _LOG_LINE.match(line)
        if head:
            if current is not None:
                blocks.append("\n".join(current))
            current = [line] if head.group(1) in ("ERROR", "FATAL") else None
        elif current is not None and len(current) < 40:
            current.append(line)
    if current is not None:
        blocks.append("\n".join(current))
    return blocks
