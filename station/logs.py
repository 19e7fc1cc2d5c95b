"""Operator logs: one line per event, ``key=value`` pairs, suitable for journald.

Modules log with ``log.info("event=connected slot=%d url=%s", ...)``; this module only
decides the line format and the level. Secrets never reach a log call in the first place
(the device model logs WriteOnly values as ``<secret>``).
"""

from __future__ import annotations

import logging
import os
import sys


class _Formatter(logging.Formatter):
    def __init__(self, with_time: bool) -> None:
        super().__init__()
        self._with_time = with_time

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if not message.startswith("event="):
            message = f"event=message text={message!r}"
        prefix = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')}.{int(record.msecs):03d} "
            if self._with_time
            else ""
        )
        line = f"{prefix}level={record.levelname.lower()} logger={record.name} {message}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "info", *, with_time: bool | None = None) -> None:
    """Log to stderr at ``level``; timestamps unless journald adds its own."""
    if with_time is None:
        # systemd sets JOURNAL_STREAM when stderr goes to the journal, which stamps lines.
        with_time = "JOURNAL_STREAM" not in os.environ
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(with_time))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # trio-websocket and the HTTP client are chatty at debug level.
    for noisy in ("trio-websocket", "httpx", "httpcore", "pymodbus"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
