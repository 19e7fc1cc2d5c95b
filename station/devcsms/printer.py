"""The line ``station csms`` prints for each frame and each station event."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.text import Text

from station.devcsms.server import Event, StationEvent
from station.ocpp.summary import summarize

#: Frame kinds, in four columns.
KINDS = {"CALL": "CALL", "RESULT": "RES ", "ERROR": "ERR "}

#: Styles of the printed lines (colour only on a terminal; rich drops it otherwise).
STYLES = {"in": "cyan", "out": "green", "ERROR": "bold red", "event": "yellow"}


class TrafficPrinter:
    """An observer of `DevCsms` that prints one line per frame or station event.

    ``→`` is a frame from a station to the CSMS, ``←`` one from the CSMS to a station.
    """

    def __init__(
        self,
        console: Console,
        *,
        full: bool = False,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.console = console
        self.full = full
        self._now = now

    def __call__(self, event: Event) -> None:
        """Print the line of ``event``."""
        self.console.print(self.line(event), soft_wrap=self.full)

    def line(self, event: Event) -> Text:
        """The line of one event."""
        stamp = self._now().strftime("%H:%M:%S")
        text = Text(f"{stamp} ")
        text.append(f"{event.identity:<10}", style="bold")
        if isinstance(event, StationEvent):
            text.append(f" ● {event.what} {event.detail}", style=STYLES["event"])
            return text
        arrow = "→" if event.direction == "in" else "←"
        style = STYLES["ERROR"] if event.kind == "ERROR" else STYLES[event.direction]
        text.append(f" {arrow} {KINDS[event.kind]} {event.action:<18} ", style=style)
        if self.full:
            text.append(json.dumps(event.payload, ensure_ascii=False))
            return text
        room = max(self.console.width - len(text), 30)
        if event.kind == "ERROR":
            summary = f"{event.payload.get('code', '')} {event.payload.get('description', '')}"
            summary = summary if len(summary) <= room else summary[: room - 1] + "…"
        else:
            summary = summarize(
                event.action, event.payload, response=event.kind == "RESULT", width=room
            )
        text.append(summary)
        return text
