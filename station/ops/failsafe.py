"""``station failsafe``: force every contactor coil open and every pilot to state F.

The service's ``ExecStopPost=`` runs it after every stop of the station, clean or not
(crash, SIGKILL, OOM kill, watchdog), so that a process that died with a contactor
closed does not leave it closed. It must start fast: it imports neither pydantic nor
the station's own modules (configuration, OCPP) and reads the config file with
`tomllib`. See `drivers.failsafe` for what it drives and why.

Exit status: 0 when every output was forced, 1 when one could not be (each is named on
stderr), 2 when the config file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

EXIT_FAILED = 1
EXIT_CONFIG = 2


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station failsafe`` to the CLI (for ``--help``; `station.cli.main` runs it
    before importing anything else)."""
    _arguments(
        commands.add_parser(
            "failsafe",
            help="force contactors open and pilots to state F (systemd ExecStopPost)",
            description=_DESCRIPTION,
        )
    ).set_defaults(handler=run)


_DESCRIPTION = (
    "Drive every configured contactor coil GPIO to off and every pilot to a steady "
    "-12 V (PWM disabled, output stage off). Run after the station stops, even when it "
    "was killed; exits 1 if an output could not be forced."
)


def _arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--config", type=Path, required=True, help="station TOML file")
    return parser


def main(argv: list[str]) -> int:
    """Parse ``argv`` (the arguments after ``failsafe``) and run."""
    parser = _arguments(argparse.ArgumentParser(prog="station failsafe", description=_DESCRIPTION))
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace, *, pin_factory: object | None = None) -> int:
    """Force the outputs the config at ``args.config`` names; print one line per output."""
    from drivers.failsafe import force_safe, plan_from_table

    try:
        with args.config.open("rb") as file:
            document = tomllib.load(file)
    except OSError as exc:
        print(f"station failsafe: config error: {args.config}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    except tomllib.TOMLDecodeError as exc:
        print(
            f"station failsafe: config error: {args.config}: not valid TOML ({exc})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    hardware = document.get("hardware", {})
    if not isinstance(hardware, dict):
        print(
            f"station failsafe: config error: {args.config}: hardware is not a table",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    plan = plan_from_table(hardware)
    outcomes = force_safe(plan, pin_factory=pin_factory)
    for outcome in outcomes:
        if outcome.forced:
            print(f"station failsafe: {outcome.item}: {outcome.detail}", flush=True)
        else:
            print(f"station failsafe: FAILED {outcome.item}: {outcome.detail}", file=sys.stderr)
    failed = sum(not outcome.forced for outcome in outcomes)
    if not plan.coils and not plan.pilots and not failed:
        print("station failsafe: no gpio contactor or pilot configured; nothing to force")
    return EXIT_FAILED if failed else 0
