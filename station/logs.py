"""Operator logs: one line per event, ``key=value`` pairs, suitable for journald.

Modules log with ``log.info("event=connected slot=%d url=%s", ...)``; this module only
decides the line format and the level. Secrets never reach a log call in the first place
(the device model logs WriteOnly values as ``<secret>``, idTokens are logged as
`station.privacy` references); as a last line, the userinfo of any URL in a line is
replaced by ``<redacted>`` here.
"""

from __future__ import annotations

import logging
import os
import sys
from collections import deque
from collections.abc import Callable

from station.redaction import strip_userinfo


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
        # GetLog/UpdateFirmware locations and CSMS URLs may carry ``user:password@``;
        # whatever module logged one, the credentials stop here.
        return strip_userinfo(line)


#: The name of the console handler `configure` installs: a process that ran a command
#: in-process and goes on (a test run) finds it by this name to take it off again.
CONSOLE_HANDLER = "station.console"
#: Loggers that are chatty at debug level (trio-websocket, the HTTP client, pymodbus).
NOISY_LOGGERS = ("trio-websocket", "httpx", "httpcore", "pymodbus")


def configure(level: str = "info", *, with_time: bool | None = None) -> None:
    """Log to stderr at ``level``; timestamps unless journald adds its own."""
    if with_time is None:
        # systemd sets JOURNAL_STREAM when stderr goes to the journal, which stamps lines.
        with_time = "JOURNAL_STREAM" not in os.environ
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(CONSOLE_HANDLER)
    handler.setFormatter(_Formatter(with_time))
    # The station's loggers stay at INFO for the diagnostics buffer; the console shows
    # what was asked for.
    handler.setLevel(level.upper())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))


class RecentRecords(logging.Handler):
    """The last records of the station's own loggers, kept in memory for GetLog
    DiagnosticsLog (the journal is not readable by the service user everywhere)."""

    def __init__(self, capacity: int = 5000) -> None:
        super().__init__(level=logging.INFO)
        self.records: deque[tuple[float, str]] = deque(maxlen=capacity)
        self.setFormatter(_Formatter(with_time=True))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record.created, self.format(record)))
        except Exception:  # a broken record must not break the caller
            self.handleError(record)

    def purge(self, mentions: Callable[[str], bool]) -> int:
        """Drop the lines for which ``mentions(line)`` holds (a customer's data cleared,
        N10); returns how many."""
        kept = [(created, line) for created, line in list(self.records) if not mentions(line)]
        removed = len(self.records) - len(kept)
        self.records.clear()
        self.records.extend(kept)
        return removed

    def between(self, oldest: float | None, latest: float | None) -> list[str]:
        """Formatted lines with ``oldest <= created <= latest`` (epoch seconds)."""
        return [
            line
            for created, line in list(self.records)
            if (oldest is None or created >= oldest) and (latest is None or created <= latest)
        ]


_recent: RecentRecords | None = None


def recent_records() -> RecentRecords:
    """The process-wide buffer, attached to the ``station`` and ``drivers`` loggers once."""
    global _recent
    if _recent is None:
        _recent = RecentRecords()
        for name in ("station", "drivers"):
            logger = logging.getLogger(name)
            logger.addHandler(_recent)
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
    return _recent
