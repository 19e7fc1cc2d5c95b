"""What ``station log`` needs of the OCPP message log (`station.ops.message_log`): its file
name, and reading, filtering and formatting its entries, with only the standard library's
``json`` (the writer's module loads ``logging``, ``dataclasses`` and the redaction rules,
a fifth of the command's start-up)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

#: The log's file in the data directory (``.1``, ``.2``... are its rotated copies).
FILENAME = "ocpp-messages.log"


def read_entries(directory: Path, backups: int = 2) -> Iterator[dict]:
    """All logged entries, oldest first (unreadable lines are skipped)."""
    files = [directory / f"{FILENAME}.{n}" for n in range(backups, 0, -1)] + [directory / FILENAME]
    for path in files:
        yield from entries_in(path)


def entries_in(path: Path) -> Iterator[dict]:
    """The entries of one log file (none if it does not exist; unreadable lines skipped)."""
    if not path.exists():
        return
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
