"""``station fleet status``: the stations of a running fleet, one line each, totals, and
the session generator's state.

    station fleet status [--api URL] [--json]

Asks the fleet's HTTP API (``station fleet --api-port``); exit status 0 when it answered,
1 with a one-line reason otherwise (not reachable, not the fleet's API).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from station.fleet.api_client import DEFAULT_URL, FleetApiError, call

EXIT_FAILED = 1


DESCRIPTION = (
    "Ask a running fleet's HTTP API for its stations: identity, state, connection, EVSE "
    "statuses and transactions, then totals."
)


def add_status(actions: argparse._SubParsersAction) -> None:
    """Add ``status`` to the subcommands of ``station fleet``."""
    status = actions.add_parser(
        "status",
        help="list the stations of a running fleet and their EVSEs",
        description=DESCRIPTION,
    )
    _options(status)


def main(argv: list[str]) -> int:
    """``station fleet status ARGV`` on a parser of its own (`station.cli.main` takes this
    way, so the command does not build ``station fleet``'s options)."""
    parser = argparse.ArgumentParser(prog="station fleet status", description=DESCRIPTION)
    _options(parser)
    args = parser.parse_args(argv)
    return int(args.handler(args))


def _options(parser: argparse.ArgumentParser) -> None:
    add_api_option(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the API's answers as JSON (/stations, with /traffic under 'traffic')",
    )
    parser.set_defaults(handler=run_status)


def add_api_option(parser: argparse.ArgumentParser) -> None:
    """``--api URL``, the fleet's API (default: where ``station fleet`` serves it)."""
    parser.add_argument(
        "--api",
        default=DEFAULT_URL,
        metavar="URL",
        help="the fleet's HTTP API (default: %(default)s)",
    )


def run_status(args: argparse.Namespace) -> int:
    """Print the fleet's stations and totals."""
    try:
        answer = call(args.api, "GET", "/stations")
    except FleetApiError as exc:
        print(f"station fleet status: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not isinstance(answer, dict) or not isinstance(answer.get("stations"), list):
        print(
            f"station fleet status: {args.api} answered /stations without a station list; "
            "is it the fleet's API?",
            file=sys.stderr,
        )
        return EXIT_FAILED
    try:
        answer["traffic"] = call(args.api, "GET", "/traffic")
    except FleetApiError as exc:
        if exc.status != 404:  # 404: the fleet runs no session generator
            print(f"station fleet status: {exc}", file=sys.stderr)
            return EXIT_FAILED
        answer["traffic"] = None
    print(json.dumps(answer, indent=2, sort_keys=True) if args.json else render(answer))
    return 0


COLUMNS = ("STATION", "STATE", "CONNECTED", "EVSES", "TRANSACTIONS")


def render(answer: dict[str, Any]) -> str:
    """A table of the stations, then one line of totals."""
    rows = [
        (
            station["identity"],
            station["state"],
            _connected(station),
            " ".join(f"{e['id']}:{e['status'] or '-'}" for e in station["evses"]) or "-",
            " ".join(
                f"{e['id']}:{e['transaction_id']}" for e in station["evses"] if e["transaction_id"]
            )
            or "-",
        )
        for station in answer["stations"]
    ]
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [COLUMNS, *rows]
    ]
    lines.append(summary_line(answer.get("totals") or {}))
    if answer.get("traffic") is not None:
        lines.append(traffic_line(answer["traffic"]))
    return "\n".join(lines)


def _connected(station: dict[str, Any]) -> str:
    """yes, no, or why not when the fleet cut it off: ``no (network outage, 97 s left)``."""
    outage = station.get("outage")
    if outage:
        return f"no ({outage['cause']} outage, {outage['remaining_s']:.0f} s left)"
    return "yes" if station["connected"] else "no"


def traffic_line(status: dict[str, Any]) -> str:
    """``session generator: running 120 s (seed 1, 2 arrivals/h per EVSE): 5 sessions
    started, 2 completed, 0 errors``, or ``session generator: idle``."""
    settings = status.get("settings")
    counts = status.get("counts")
    if not isinstance(settings, dict) or not isinstance(counts, dict):
        return "session generator: idle"
    state = "running" if status.get("running") else "stopped after"
    text = (
        f"session generator: {state} {status.get('elapsed_s', 0):g} s "
        f"(seed {settings.get('seed')}, {settings.get('arrivals_per_hour'):g} arrivals/h "
        f"per EVSE): {counts.get('sessions_started', 0)} sessions started, "
        f"{counts.get('sessions_completed', 0)} completed, {counts.get('errors', 0)} errors"
    )
    if status.get("last_error"):
        text += f"; last error: {status['last_error']}"
    return text


def summary_line(totals: dict[str, Any]) -> str:
    """``3 stations (2 accepted, 1 connecting), 2 connected; EVSEs: 4 Available, 2
    Occupied; 1 transaction``."""

    def counts(table: dict[str, int]) -> str:
        return ", ".join(f"{n} {name}" for name, n in sorted(table.items()))

    stations = totals.get("stations", 0)
    transactions = totals.get("transactions", 0)
    text = f"{stations} station{'s' if stations != 1 else ''}"
    if totals.get("states"):
        text += f" ({counts(totals['states'])})"
    text += f", {totals.get('connected', 0)} connected"
    if totals.get("outages"):
        text += f" ({totals['outages']} in an outage)"
    if totals.get("evses"):
        text += f"; EVSEs: {counts(totals['evses'])}"
    text += f"; {transactions} transaction{'s' if transactions != 1 else ''} in progress"
    return text
