"""Reading CitrineOS's log: its validation errors and its ERROR entries, with the ones
known not to point at the station (CitrineOS's own quirks, explained)."""

from __future__ import annotations

import re

__all__ = ["CITRINE_VALIDATION", "KNOWN_CITRINE_ERRORS", "error_blocks"]

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

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+(\w+)\s")


def error_blocks(text: str) -> list[str]:
    """Each ERROR entry of a CitrineOS log with its continuation lines, one string each."""
    blocks: list[str] = []
    current: list[str] | None = None
    for raw in text.splitlines():
        line = _ANSI.sub("", raw)
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
