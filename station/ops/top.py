"""``station top``: a live view of a running station, refreshed in the terminal.

The view itself is `station.ops.live_view`; this module adds the command, and imports the
view only when the command runs (the CLI registers every command at each start).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

EXIT_FAILED = 1


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0.1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0.1 and 3600 seconds, not {text}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station top`` to the CLI."""
    top = commands.add_parser(
        "top",
        help="live view of a running station",
        description="Show a running station's connection, EVSEs, queue and last messages, "
        "refreshed until Ctrl-C.",
    )
    top.add_argument("--config", type=Path, required=True, help="station TOML file")
    top.add_argument(
        "--interval", type=_interval, default=1.0, help="seconds between refreshes (default: 1)"
    )
    top.add_argument("--once", action="store_true", help="draw the view once and exit")
    top.set_defaults(handler=run_top)


def run_top(args: argparse.Namespace, *, console: Console | None = None) -> int:
    """Draw the view until Ctrl-C (or once, with ``--once``)."""
    from rich.console import Console, RenderableType
    from rich.live import Live

    from station.cli import load_or_exit
    from station.ops.live_view import render, snapshot

    config = load_or_exit(args.config)
    console = console or Console(highlight=False)
    width = min(console.width, 100)

    def screen() -> tuple[RenderableType, str | None]:
        status, frames, error = snapshot(config.control_socket, config.station.data_dir)
        return render(status, frames, width=width, error=error), error

    if args.once:
        view, error = screen()
        console.print(view, width=width)
        return EXIT_FAILED if error else 0
    try:
        with Live(console=console, auto_refresh=False, screen=console.is_terminal) as live:
            while True:
                view, _ = screen()
                live.update(view, refresh=True)
                time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0
