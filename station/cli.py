"""The ``station`` command: run a station, the demo, and the operator tools."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from station import __version__

if TYPE_CHECKING:
    import logging

    import trio

    from station.config import StationConfig
    from station.control.spawn import EarlyStart


def _log() -> logging.Logger:
    """This module's logger: `logging` loads only for the commands that log (the
    operator commands that talk to a running station start ~5 ms sooner without it)."""
    import logging

    return logging.getLogger(__name__)


#: Exit status for a configuration the station cannot use.
EXIT_CONFIG = 2
#: Exit status when the reader of the output went away (what a shell shows for SIGPIPE).
EXIT_BROKEN_PIPE = 141


#: The module that adds each operator command to the parser. A command line that names
#: one of them builds only that module's commands, so that ``station sim ...`` does not
#: pay for importing what ``station check`` or ``station config`` need.
REGISTRARS = {
    "sim": "station.ops.sim_cli",
    "config": "station.devicemodel.cli",
    "check": "station.ops.check",
    "failsafe": "station.ops.failsafe",
    "status": "station.ops.commands",
    "log": "station.ops.commands",
    "clear-fault": "station.ops.commands",
    "service": "station.ops.commands",
    "pics": "station.pics",
    "limit": "station.ops.limit_cli",
    "csms": "station.devcsms.cli",
    "top": "station.ops.top",
    "fleet": "station.fleet.cli",
}


#: The commands this module defines itself (no registrar module needed to parse them).
BUILT_IN = frozenset({"run", "ocpp-side", "demo"})


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``command`` one of `REGISTRARS`, only its module's
    commands are added (the built-in ones always are)."""
    parser = argparse.ArgumentParser(
        prog="station",
        description="OCPP 2.0.1 charging-station controller.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="run a station from a config file",
        description="Connect to the CSMS and run the station until stopped.",
    )
    run.add_argument("--config", type=Path, required=True, help="station TOML file")
    run.add_argument(
        "--reseed",
        action="store_true",
        help="first take the config file's CSMS URL, security profile, password, "
        "organization name and certificates again (the store keeps what the CSMS set "
        "otherwise), listing what changes",
    )
    run.add_argument(
        "--single-process",
        action="store_true",
        help="run the control loops and the OCPP side in one process (development only: "
        "the network side then shares the control loops' process)",
    )
    run.set_defaults(handler=_run)

    # Started by `station run` (the control process) for its network side; not for people.
    ocpp_side = commands.add_parser("ocpp-side")
    ocpp_side.add_argument("--config", type=Path, required=True)
    where = ocpp_side.add_mutually_exclusive_group(required=True)
    where.add_argument("--link", type=Path)
    # Prestarted (`station.control.spawn.prestart_ocpp_side`): the link comes on this pipe.
    where.add_argument("--wait-fd", type=int)
    ocpp_side.add_argument("--parent", type=int, required=True)
    ocpp_side.set_defaults(handler=_ocpp_side)

    demo = commands.add_parser(
        "demo",
        help="simulated station against a local CSMS",
        description="Start a local CSMS and a simulated station, "
        "and print the OCPP messages they exchange.",
    )
    demo.add_argument(
        "--duration",
        type=_charge_seconds,
        default=None,
        metavar="SECONDS",
        help="how long the EV charges before the driver stops the session "
        "(default: 12; the whole demo takes a few seconds more)",
    )
    demo.add_argument("--full", action="store_true", help="print every frame in full")
    demo.set_defaults(handler=_demo)

    if command in BUILT_IN:
        # `station run` and its OCPP side start faster without the operator commands'
        # modules (the device model, the store, trio: a third of a start-up).
        names: list[str] | dict[str, None] = []
    elif command in REGISTRARS:
        names = [REGISTRARS[command]]
    else:
        names = dict.fromkeys(REGISTRARS.values())  # --help lists every command
    for name in names:
        import_module(name).register(commands)
    return parser


def _imports_done() -> None:
    """Keep what a long-lived process has imported so far out of the collector's passes.

    A start-up creates hundreds of thousands of objects (modules, classes, the config's
    validators) that live as long as the process. Left in the collector's oldest
    generation, each full pass walks all of them: one such pass cost 45-90 ms of the OCPP
    side's start-up on the development machine. Frozen (after a cheap pass over the young
    generations, so that no garbage is kept), later passes walk only what came after, as
    the station does itself with what it built by READY (`station.app`). Turning the
    collector off while importing instead would have saved the young passes too, but
    left about 1 MiB more resident (garbage collected late is memory spread thin).
    """
    gc.collect(1)
    gc.freeze()


def _charge_seconds(text: str) -> float:
    """``--duration`` of the demo: a number of seconds above 0 (at most a day)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 86400 seconds, not {text}")
    return value


def load_or_exit(path: Path) -> StationConfig:
    """Load a config or print one line naming the key and the reason, and exit 2."""
    from station.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as exc:
        print(f"station: config error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


async def _on_signal(stop: trio.Event) -> None:
    import signal

    import trio

    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for number in signals:
            _log().info("event=signal name=%s", signal.Signals(number).name)
            stop.set()
            return


def _run(args: argparse.Namespace) -> int:
    early = None
    if not args.single_process:
        from station.control.spawn import prestart_ocpp_side

        # The OCPP side's interpreter first: it imports while this process validates the
        # file, takes the lock, imports the control service and builds the hardware (its
        # imports are most of the time to BootNotification). It touches nothing until
        # `early.go`, and is killed if this process refuses to start.
        try:
            early = prestart_ocpp_side(args.config.resolve())
        except OSError as exc:
            print(f"station run: cannot start the OCPP side: {exc}", file=sys.stderr)
            return 1
    try:
        return _run_control(args, early)
    finally:
        if early is not None and early.link is None:
            early.abandon()  # refused before the hand-over


def _run_control(args: argparse.Namespace, early: EarlyStart | None) -> int:
    config = load_or_exit(args.config)
    _imports_done()  # pydantic and the config's validators
    from station import logs

    logs.configure(config.station.log_level)
    from station.ops import data_dir

    # One station per data_dir, held for this process's life; its files private.
    os.umask(data_dir.PRIVATE_UMASK)
    lock = data_dir.DataDirLock(config.station.data_dir)  # released when the process ends
    try:
        data_dir.prepare(config.station.data_dir)
        lock.acquire()
    except (data_dir.DataDirBusy, OSError) as exc:
        _log().error("event=start_refused reason=%r", str(exc))
        print(f"station run: {exc}", file=sys.stderr)
        return 1
    if args.reseed:
        status = _reseed(config)
        if status:
            return status
    if early is None:
        return _run_station(config, None, None)
    try:
        early.go(config.station.data_dir)
    except OSError as exc:
        _log().error("event=control_failed reason=%r", str(exc))
        early.abandon()
        return 1
    try:
        import trio

        from drivers import DriverError
        from station.control.process import run_control_process
    except BaseException:
        early.abandon()
        raise
    _imports_done()

    async def main() -> int:
        stop = trio.Event()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_on_signal, stop)
            status = await run_control_process(config, args.config.resolve(), stop, early=early)
            nursery.cancel_scope.cancel()
        _log().info("event=stopped status=%d", status)
        return status

    try:
        return trio.run(main)
    except KeyboardInterrupt:
        _log().info("event=stopped reason=interrupt")
    except (DriverError, OSError) as exc:
        # The hardware or the control link's socket cannot be set up: exit non-zero so
        # that the service manager retries.
        _log().error("event=control_failed reason=%r", str(exc))
        return 1
    except BaseExceptionGroup as group:
        # The same, raised inside the signal handler's nursery.
        failed, rest = group.split((DriverError, OSError))
        if failed is None or rest is not None:
            raise
        _log().error("event=control_failed reason=%r", str(_leaf(failed)))
        return 1
    return 0


def _reseed(config: StationConfig) -> int:
    """``station run --reseed``: the file's seeded values into the store, each change
    printed; refused while a station runs on this store (it holds the values in memory)."""
    import trio

    from station.ops.control_socket import ControlClientError, request
    from station.seeding import reseed_store
    from station.store import StoreError

    try:
        request(config.control_socket, "status", timeout=2)
    except ControlClientError:
        pass
    else:
        print(
            "station run --reseed: a station is running on this data_dir; stop it first",
            file=sys.stderr,
        )
        return 1
    try:
        changes = trio.run(reseed_store, config)
    except StoreError as exc:
        print(f"station run --reseed: {exc}", file=sys.stderr)
        return 1
    for line in changes or ["the store already holds the file's values"]:
        print(f"reseed: {line}", flush=True)
    return 0


def _ocpp_side(args: argparse.Namespace) -> int:
    link = args.link
    if link is None:
        # Prestarted: import what the station runs on while the control process checks
        # the file and takes the data directory; read nothing, open nothing, print
        # nothing until it hands over the link.
        import station.app
        import station.config  # noqa: F401
        from station.control.spawn import wait_for_link

        link = wait_for_link(args.wait_fd)
        if link is None:
            return 1  # the control process refused to start (and said why)
    config = load_or_exit(args.config)
    _imports_done()  # pydantic and the config's validators: a third of what it imports
    from station import logs
    from station.control.process import prepare_ocpp_side, unix_connect

    logs.configure(config.station.log_level)
    os.umask(0o077)  # files private like its parent's (station.ops.data_dir)
    prepare_ocpp_side()
    return _run_station(config, unix_connect(link, args.parent), args.parent)


def _run_station(config: StationConfig, control_connect, parent: int | None) -> int:
    """Run the OCPP side (with the control loops in this process if ``control_connect``
    is None) until a signal; the exit status of a station."""
    import trio

    from station.app import EXIT_FIRMWARE_RESTART, FirmwareRestart, Runtime, run_station
    from station.store import StoreError
    from station.supervision import EscalationError

    _imports_done()

    async def main() -> None:
        stop = trio.Event()
        runtime = Runtime(control_connect=control_connect)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_on_signal, stop)
            if parent is not None:
                from station.control.process import watch_parent

                nursery.start_soon(watch_parent, parent, stop)
            await run_station(config, runtime, stop_signal=stop, exit_on_firmware_update=True)
            nursery.cancel_scope.cancel()
        _log().info("event=stopped")

    try:
        trio.run(main)
    except KeyboardInterrupt:
        _log().info("event=stopped reason=interrupt")
    except FirmwareRestart:
        _log().warning(
            "event=exiting reason='new firmware installed' status=%d", EXIT_FIRMWARE_RESTART
        )
        return EXIT_FIRMWARE_RESTART
    except BaseExceptionGroup as group:
        restart, _ = group.split(FirmwareRestart)
        if restart is not None:
            _log().warning(
                "event=exiting reason='new firmware installed' status=%d", EXIT_FIRMWARE_RESTART
            )
            return EXIT_FIRMWARE_RESTART
        fatal, _ = group.split((EscalationError, StoreError))
        if fatal is None:
            raise
        # The store is unusable, or a station-level task kept crashing: exit non-zero so
        # that the service manager restarts the process.
        _log().error("event=station_failed reason=%r", str(_leaf(fatal)))
        return 1
    return 0


def _leaf(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _demo(args: argparse.Namespace) -> int:
    from station.demo import run_demo

    return run_demo(duration=args.duration, full=args.full)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``station`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["failsafe"]:
        # ExecStopPost after a dead station: skip building the full parser, which
        # imports the station's modules (pydantic, OCPP) and costs time with a coil live.
        from station.ops import failsafe

        return failsafe.main(argv[1:])
    if argv[:2] == ["fleet", "status"]:
        # A client of a running fleet's API: skip the fleet's own options, whose
        # defaults come from the station's configuration modules (pydantic, trio).
        from station.fleet import status_cli

        return status_cli.main(argv[2:])
    args = _parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # The reader of our output left (`station config list | head`): stop quietly, as
        # a command killed by SIGPIPE would (status 128 + 13), and point stdout at
        # /dev/null so that the interpreter's last flush does not fail a second time.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
