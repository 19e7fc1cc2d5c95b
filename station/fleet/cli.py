"""``station fleet``: run N simulated stations in this process against a CSMS."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import trio

    from station.fleet.core import Fleet
    from station.fleet.settings import FleetSettings

log = logging.getLogger(__name__)

#: Exit status for options the fleet cannot use (as a bad config file for `station run`).
EXIT_USAGE = 2
#: Seconds between two progress lines while stations boot.
PROGRESS_PERIOD = 5.0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station fleet`` to the command line."""
    from station.fleet.settings import FleetSettings

    defaults = FleetSettings.__dataclass_fields__
    fleet = commands.add_parser(
        "fleet",
        help="run many simulated stations in one process",
        description="Run N simulated stations in this process, each a full station "
        "(its own identity, store, certificates and connection), against a CSMS. "
        "Each station's files are in DATA_DIR/IDENTITY/, with a station.toml that "
        "`station sim --config` accepts; DATA_DIR/credentials.csv lists the Basic-auth "
        "passwords to register at the CSMS.",
        # `station fleet status --api URL`: not an abbreviation of --api-port/--api-host.
        allow_abbrev=False,
    )
    fleet.add_argument("--csms", metavar="URL", help="the CSMS URL (the identity is appended)")
    fleet.add_argument("--count", type=int, metavar="N", help="how many stations")
    fleet.add_argument(
        "--evses", type=int, choices=(1, 2), default=2, help="EVSEs per station (default 2)"
    )
    fleet.add_argument(
        "--security-profile",
        type=int,
        choices=(1, 2),
        default=1,
        help="1: ws:// with Basic auth; 2: wss:// (server certificate) with Basic auth",
    )
    fleet.add_argument(
        "--identity-prefix",
        default=defaults["identity_prefix"].default,
        help="identities are PREFIX + the zero-padded index (default %(default)s)",
    )
    fleet.add_argument("--seed", type=int, help="seed of the stations' random streams")
    fleet.add_argument(
        "--data-dir",
        type=Path,
        default=Path("fleet-data"),
        help="one directory per station under it (default %(default)s)",
    )
    fleet.add_argument(
        "--password",
        help="Basic-auth password of every station (default: one generated per station "
        "on first start, kept in DATA_DIR/credentials.csv)",
    )
    fleet.add_argument("--ca-file", type=Path, help="the CSMS's root certificate (profile 2)")
    fleet.add_argument(
        "--ramp",
        type=float,
        default=defaults["ramp"].default,
        metavar="PER_SECOND",
        help="connection attempts a second, fleet-wide (default %(default)s)",
    )
    fleet.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default=defaults["log_level"].default,
        help="stations' log level (default %(default)s: N stations log N times as much)",
    )
    fleet.add_argument(
        "--api-port",
        type=int,
        metavar="PORT",
        help="serve the fleet's HTTP API on this port (off by default; 8180 is where "
        "`station fleet status` looks; 0: any free port, printed)",
    )
    fleet.add_argument(
        "--api-host",
        default="127.0.0.1",
        help="the API's address (default %(default)s; the API has no authentication)",
    )
    fleet.set_defaults(handler=_fleet)
    from station.fleet.status_cli import add_status

    add_status(fleet.add_subparsers(dest="fleet_action", metavar="ACTION"))


def _fleet(args: argparse.Namespace) -> int:
    from station import logs
    from station.fleet.limits import ResourceLimitError, ensure_open_files
    from station.fleet.settings import FleetSettings, FleetSettingsError
    from station.ops import data_dir

    given = (("--csms", args.csms), ("--count", args.count))
    missing = [flag for flag, value in given if value is None]
    if missing:
        print(f"station fleet: {' and '.join(missing)} required", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = FleetSettings(
            csms_url=args.csms,
            count=args.count,
            data_dir=args.data_dir,
            evses=args.evses,
            security_profile=args.security_profile,
            identity_prefix=args.identity_prefix,
            seed=args.seed,
            password=args.password,
            ca_file=args.ca_file,
            ramp=args.ramp,
            log_level=args.log_level,
        )
    except FleetSettingsError as exc:
        print(f"station fleet: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logs.configure(settings.log_level)
    from station.fleet.logs import tag_handlers

    tag_handlers()
    try:
        raised = ensure_open_files(settings.count)
    except ResourceLimitError as exc:
        print(f"station fleet: {exc}", file=sys.stderr)
        return 1
    if raised is not None:
        log.warning("event=open_files_limit_raised soft=%d", raised)
    os.umask(data_dir.PRIVATE_UMASK)
    lock = data_dir.DataDirLock(settings.data_dir)  # one fleet per directory
    try:
        data_dir.prepare(settings.data_dir)
        lock.acquire("station fleet")
    except (data_dir.DataDirBusy, OSError) as exc:
        print(f"station fleet: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(settings, api=None if args.api_port is None else (args.api_host, args.api_port))
    except FleetSettingsError as exc:
        print(f"station fleet: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(settings: FleetSettings, api: tuple[str, int] | None = None) -> int:
    import trio

    from station.cli import _on_signal
    from station.fleet.core import Fleet

    fleet = Fleet(settings)
    print(
        f"fleet: {settings.count} stations {settings.identity(1)}.."
        f"{settings.identity(settings.count)} -> {settings.csms_url} "
        f"(credentials: {fleet.credentials})",
        flush=True,
    )

    async def main() -> int:
        stop = trio.Event()
        async with trio.open_nursery() as nursery:
            if api is not None and not await _serve_api(nursery, fleet, *api):
                return 1
            nursery.start_soon(_on_signal, stop)
            nursery.start_soon(_stop_on, stop, fleet)
            nursery.start_soon(_progress, fleet)
            await fleet.run()
            nursery.cancel_scope.cancel()
        print(f"fleet: stopped ({_counts(fleet)})", flush=True)
        return 0

    try:
        return trio.run(main)
    except KeyboardInterrupt:
        log.info("event=stopped reason=interrupt")
    return 0


async def _serve_api(nursery: trio.Nursery, fleet: Fleet, host: str, port: int) -> bool:
    """Start the HTTP API (`station.fleet.http`) before the stations; False (and one
    line) when it cannot listen."""
    from functools import partial

    try:
        from station.fleet.http import serve
    except ImportError as exc:
        print(
            f"station fleet: --api-port needs the 'fleet' extra ({exc.name} is not "
            "installed): pip install 'ocpp-station[fleet]'",
            file=sys.stderr,
        )
        return False
    from station.fleet.traffic import TrafficController

    # The session generator, idle until started through the API (POST /traffic/start).
    traffic = TrafficController(lambda: list(fleet.stations.values()), nursery)
    try:
        url = await nursery.start(partial(serve, fleet, traffic, host=host, port=port))
    except OSError as exc:
        print(
            f"station fleet: cannot serve the API on {host}:{port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return False
    print(f"fleet: API at {url} (station fleet status --api {url})", flush=True)
    return True


async def _stop_on(stop: trio.Event, fleet: Fleet) -> None:
    await stop.wait()
    print("fleet: stopping", flush=True)
    fleet.stop()


async def _progress(fleet: Fleet) -> None:
    """A line every few seconds while stations boot, and one when all are accepted."""
    import trio

    started = time.monotonic()
    async with trio.open_nursery() as nursery:

        async def all_accepted() -> None:
            await fleet.wait_accepted()
            print(
                f"fleet: all {len(fleet.stations)} stations accepted "
                f"in {time.monotonic() - started:.1f} s",
                flush=True,
            )
            nursery.cancel_scope.cancel()

        nursery.start_soon(all_accepted)
        last = ""
        while True:
            await trio.sleep(PROGRESS_PERIOD)
            line = _counts(fleet)
            if line != last:
                print(f"fleet: {line}", flush=True)
                last = line


def _counts(fleet: Fleet) -> str:
    counts = fleet.counts()
    return ", ".join(f"{state} {counts[state]}" for state in sorted(counts)) or "no stations"
