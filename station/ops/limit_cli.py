"""``station limit``: a local limit on a running station, as an energy manager or a solar
inverter sets it (Part 2 K11–K13): ``station limit set``, ``station limit clear``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from station.ops.control_socket import ControlClientError, request

EXIT_FAILED = 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station limit`` to the CLI."""
    limit = commands.add_parser(
        "limit",
        help="set or clear a local charging limit (energy manager, solar)",
        description="Limit the current an EVSE (or, with EVSE 0, the station) offers, as a "
        "local energy manager does. The limit applies at once, is kept across restarts as "
        "a ChargingStationExternalConstraints profile, and the CSMS is told "
        "(NotifyChargingLimit / ClearedChargingLimit).",
    )
    actions = limit.add_subparsers(dest="limit_action", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help="limit an EVSE to AMPS per phase")
    set_.add_argument("--config", type=Path, required=True, help="station TOML file")
    set_.add_argument("evse", type=int, help="EVSE id (0: the whole station)")
    set_.add_argument("amps", type=float, help="current per phase (A); below 6 A pauses")
    set_.add_argument("--source", default="EMS", choices=("EMS", "SO", "Other"))
    set_.set_defaults(handler=run_limit)
    clear = actions.add_parser("clear", help="release the local limit of an EVSE")
    clear.add_argument("--config", type=Path, required=True, help="station TOML file")
    clear.add_argument("evse", type=int, help="EVSE id (0: the whole station)")
    clear.add_argument("--source", default="EMS", choices=("EMS", "SO", "Other"))
    clear.set_defaults(handler=run_limit)


def run_limit(args: argparse.Namespace) -> int:
    """Send the limit command to the running station and print its answer."""
    from station.cli import load_or_exit

    config = load_or_exit(args.config)
    payload: dict[str, object] = {"evse": args.evse, "source": args.source}
    command = "limit.clear"
    if args.limit_action == "set":
        payload["amps"] = args.amps
        command = "limit.set"
    try:
        print(request(config.control_socket, command, payload, timeout=10))
    except ControlClientError as exc:
        print(f"station limit: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0
