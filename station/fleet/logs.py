"""Which station a log line is about, when a thousand share one process.

Every task of a fleet station runs in a context where `CURRENT` holds its identity (trio
tasks and worker threads inherit the context of the task that started them), and
`StationTag` adds ``station=<identity>`` after the ``event=`` of each line logged there.
"""

from __future__ import annotations

import contextvars
import logging

#: The identity of the fleet station whose task is running (None outside one).
CURRENT: contextvars.ContextVar[str | None] = contextvars.ContextVar("station", default=None)


class StationTag(logging.Filter):
    """Adds ``station=<identity>`` to records logged inside a fleet station's tasks."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag the record (once, whichever handler sees it first); never drops one."""
        identity = CURRENT.get()
        if identity is None or getattr(record, "station", None) is not None:
            return True
        record.station = identity
        message = record.msg
        if isinstance(message, str) and message.startswith("event="):
            event, _, rest = message.partition(" ")
            record.msg = f"{event} station={identity}" + (f" {rest}" if rest else "")
        else:
            record.msg = f"event=message station={identity} text={message!r}"
        return True


def tag_handlers() -> None:
    """Put a `StationTag` on every handler of the root logger and on the diagnostics
    buffer (`station.logs.recent_records`, which the stations of a process share)."""
    from station.logs import recent_records

    tag = StationTag()
    for handler in [*logging.getLogger().handlers, recent_records()]:
        handler.addFilter(tag)
