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
    "CitrineOS v1.8.3 holds one 'call in progress' mark per station for CALLs in both "
    "directions; a CALL of the station that it leaves unanswered past the station's "
    "timeout still holds it, and its router answers the station's next CALL with "
    "RpcFrameworkError 'Call already in progress'. It happens after a restart (it opens "
    "its station ports before its modules handle messages: a CALL received then is never "
    "answered) and when a station CALL crosses one of CitrineOS's own (the station's CALL "
    "waits for the mark, and its memory cache's remove() wakes no waiter: it is answered "
    "only after maxCallLengthSeconds, 30 s). The station counts a failed attempt and "
    "sends it again (docs/interop.md)"
)


def busy_answers(frames: Sequence[Frame]) -> list[str]:
    """The message ids of the station's CALLs that CitrineOS answered with
    :data:`BUSY_ANSWER` while the station's CALL just before had no answer yet when the
    station sent them (answered later, or never): CitrineOS's mark of a call in progress
    was still held, :data:`BUSY_REASON`. Any other CALLERROR is not in the list."""
    answered_at: dict[str, int] = {}
    for index, f in enumerate(frames):
        if f.direction == "in" and f.kind != "CALL" and f.message_id:
            answered_at.setdefault(f.message_id, index)
    calls = [
        (index, f) for index, f in enumerate(frames) if f.direction == "out" and f.kind == "CALL"
    ]
    sent_after = {b.message_id: (sent, a) for (_, a), (sent, b) in itertools.pairwise(calls)}
    busy: list[str] = []
    for f in frames:
        if f.direction != "in" or f.kind != "ERROR" or not f.message_id:
            continue
        error = f.payload
        found = sent_after.get(f.message_id)
        if found is None or (error["code"], error["description"]) != BUSY_ANSWER:
            continue
        sent, previous = found
        if answered_at.get(previous.message_id or "", len(frames)) > sent:
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
