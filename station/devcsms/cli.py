"""``station csms``: the development CSMS as a command, printing every frame on one line."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import trio

    from station.devcsms.cards import CardList
    from station.devcsms.server import DevCsms

EXIT_CONFIG = 2
EXIT_FAILED = 1


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 0..65535")
    return port


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} is not above 0")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station csms`` to the CLI."""
    csms = commands.add_parser(
        "csms",
        help="run a development CSMS that stations can connect to",
        description="Accept OCPP 2.0.1 stations at ws://HOST:PORT/ocpp/<identity>, answer "
        "them, print every frame, and send them requests through a local HTTP endpoint "
        "(GET /stations, POST /stations/<identity>/<Action>). For development and "
        "trials, not for production.",
    )
    csms.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s; 0.0.0.0 for every interface)",
    )
    csms.add_argument(
        "--port", type=_port, default=9000, help="WebSocket port (default: %(default)s)"
    )
    csms.add_argument(
        "--password",
        help="require HTTP Basic auth with this password (user = the station identity); "
        "without it any station is let in",
    )
    csms.add_argument(
        "--cards",
        type=Path,
        help="card list file: lines of 'idToken [status] [groupIdToken]' (unlisted cards "
        "are Unknown); without it every idToken is Accepted",
    )
    csms.add_argument(
        "--api-port",
        type=_port,
        default=9001,
        help="port of the HTTP endpoint on 127.0.0.1 (default: %(default)s)",
    )
    csms.add_argument(
        "--heartbeat-interval",
        type=_positive,
        default=300,
        help="interval given in BootNotification responses, seconds (default: %(default)s)",
    )
    csms.add_argument("--full", action="store_true", help="print whole payloads, not summaries")
    csms.set_defaults(handler=run_csms)


def _banner(csms: DevCsms, api_port: int, cards: CardList | None) -> list[str]:
    host = csms.host if csms.host not in ("0.0.0.0", "::", "") else "<this machine's address>"
    url = f"ws://{host}:{csms.port}/ocpp"
    api = f"http://127.0.0.1:{api_port}"
    return [
        f"development CSMS: stations connect to {url}/<identity>",
        f'  station.toml:  [csms] url = "{url}"',
        "  Basic auth:    "
        + ("password required (user = identity)" if csms.password else "not checked"),
        "  cards:         "
        + (
            f"{cards.path} ({len(cards.cards)} cards; unlisted ones are Unknown)"
            if cards
            else "no card list: every idToken is Accepted"
        ),
        f"  requests:      curl {api}/stations",
        f'                 curl -d \'{{"type": "Immediate"}}\' {api}/stations/<identity>/Reset',
        "  → from a station, ← to a station; Ctrl-C stops",
    ]


def run_csms(args: argparse.Namespace) -> int:
    """Run the development CSMS until Ctrl-C."""
    import trio
    from rich.console import Console

    from station import logs
    from station.devcsms.cards import CardList, CardListError
    from station.devcsms.printer import TrafficPrinter
    from station.devcsms.server import DevCsms

    cards = None
    if args.cards is not None:
        try:
            cards = CardList(args.cards)
        except CardListError as exc:
            print(f"station csms: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    logs.configure("info")
    console = Console(highlight=False)
    csms = DevCsms(
        args.host,
        args.port,
        password=args.password,
        cards=cards,
        heartbeat_interval=args.heartbeat_interval,
    )
    csms.observers.append(TrafficPrinter(console, full=args.full))

    async def main() -> None:
        from station.devcsms.api import serve_api

        async with trio.open_nursery() as nursery:
            nursery.start_soon(_stop_on_signal, nursery.cancel_scope)
            await nursery.start(csms.run)
            api_port = await nursery.start(serve_api, csms, args.api_port)
            for line in _banner(csms, api_port, cards):
                style = "bold" if line.startswith("development") else ""
                console.print(line, style=style, markup=False, soft_wrap=True)

    try:
        trio.run(main)
    except KeyboardInterrupt:
        return 0
    except (OSError, BaseExceptionGroup) as exc:
        if isinstance(exc, BaseExceptionGroup):
            stopped, rest = exc.split((KeyboardInterrupt, SystemExit))
            if rest is None and stopped is not None:
                # Ctrl-C through the nursery, or rich's SystemExit when stdout is closed.
                return 0 if stopped.split(SystemExit)[0] is None else EXIT_FAILED
        error = _first_os_error(exc)
        if error is None:
            raise
        print(f"station csms: cannot listen: {error.strerror or error}", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def _stop_on_signal(scope: trio.CancelScope) -> None:
    """Ctrl-C or SIGTERM ends the CSMS quietly (exit status 0)."""
    import trio

    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return


def _first_os_error(error: BaseException) -> OSError | None:
    if isinstance(error, OSError):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _first_os_error(inner)
            if found is not None:
                return found
    return None
