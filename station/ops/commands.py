"""Operator commands: ``station status``, ``station log``, ``station clear-fault`` and
``station service install``.

``station check`` lives in `station.ops.check`; ``station sim`` in `station.ops.sim_cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

from station.ops.control_client import ControlClientError, locations_or_exit, request

EXIT_FAILED = 1
UNIT_TEMPLATE = Path(__file__).resolve().parent / "ocpp-station.service.in"
INSTALLER = Path(__file__).resolve().parent / "firmware_installer.py"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the operator commands to the CLI."""
    status = commands.add_parser(
        "status",
        help="show what a running station is doing",
        description="Ask a running station for its state.",
    )
    status.add_argument("--config", type=Path, required=True, help="station TOML file")
    status.add_argument("--json", action="store_true", help="print raw JSON")
    status.set_defaults(handler=run_status)

    logs = commands.add_parser(
        "log",
        help="show the OCPP message log",
        description="Print the OCPP frames in and out (secrets redacted).",
    )
    logs.add_argument("--config", type=Path, required=True, help="station TOML file")
    logs.add_argument("--action", help="only this action (e.g. TransactionEvent)")
    logs.add_argument("--transaction", help="only frames mentioning this transaction id")
    logs.add_argument("--full", action="store_true", help="print whole frames")
    logs.add_argument("--follow", action="store_true", help="keep printing new frames")
    logs.set_defaults(handler=run_log)

    clear = commands.add_parser(
        "clear-fault",
        help="clear an EVSE's latched fault (welded contactor) after inspection",
        description="Clear the latched faults of one EVSE of a running station. A latched "
        "fault (a welded contactor) survives Reset and restart until this command; a "
        "contactor that is still welded latches again at once.",
    )
    clear.add_argument("--config", type=Path, required=True, help="station TOML file")
    clear.add_argument("evse", type=int, help="EVSE id")
    clear.set_defaults(handler=run_clear_fault)

    service = commands.add_parser(
        "service",
        help="install the systemd service",
        description="Write the systemd unit for this station.",
    )
    actions = service.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="write the unit file")
    install.add_argument("--config", type=Path, default=Path("/etc/ocpp-station/station.toml"))
    install.add_argument("--user", default="ocpp-station", help="system user of the service")
    install.add_argument("--unit-dir", type=Path, default=Path("/etc/systemd/system"))
    install.add_argument("--watchdog", type=int, default=10, help="WatchdogSec (seconds)")
    install.add_argument(
        "--root",
        type=Path,
        default=Path("/opt/ocpp-station"),
        help="installation root (releases/, current -> the running version)",
    )
    install.add_argument(
        "--data-dir", type=Path, default=Path("/var/lib/ocpp-station"), help="station data_dir"
    )
    install.add_argument("--dry-run", action="store_true", help="print the unit, write nothing")
    install.set_defaults(handler=run_service_install)


# -- clear-fault --------------------------------------------------------------------------


def run_clear_fault(args: argparse.Namespace) -> int:
    """Ask a running station to clear one EVSE's latched faults."""
    config = locations_or_exit(args.config)
    try:
        result = request(config.control_socket, "evse.clear_fault", {"evse": args.evse})
    except ControlClientError as exc:
        print(f"station clear-fault: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(result)
    return 0


# -- status -------------------------------------------------------------------------------


def run_status(args: argparse.Namespace) -> int:
    """Print the state of a running station."""
    config = locations_or_exit(args.config)
    try:
        status = request(config.control_socket, "status", timeout=5)
    except ControlClientError as exc:
        print(f"station status: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(status, indent=2, sort_keys=True))
        return 0
    print(render_status(status))
    return 0


def render_status(status: dict) -> str:
    """The status as a person reads it."""
    lines = [
        f"station {status['identity']}: "
        + ("connected" if status["connected"] else "NOT connected")
        + f", boot {status['boot']}, security profile {status.get('security_profile') or '-'}, "
        f"up {_duration(status.get('uptime_s', 0))}",
        *([f"local time: {status['local_time']}"] if status.get("local_time") else []),
        f"queued transaction messages: {status['queued_transaction_messages']}",
    ]
    lines.append(_last_failure(status))
    lines.append(
        f"{'EVSE':<5}{'pilot':<7}{'duty':>6}  {'relay':<7}{'status':<12}"
        f"{'energy Wh':>10}{'power W':>9}  {'fault':<12}transaction"
    )
    for evse_id, evse in sorted(status["evses"].items(), key=lambda item: int(item[0])):
        duty = f"{evse['duty']:.1f}%" if evse["duty"] not in (None, 100.0, 0.0) else "-"
        lines.append(
            f"{evse_id:<5}{evse['pilot_state']:<7}{duty:>6}  {evse['relay']:<7}"
            f"{evse['connector_status']:<12}{_num(evse['energy_wh']):>10}{_num(evse['power_w']):>9}"
            f"  {evse['fault'] or '-':<12}{evse['transaction_id'] or '-'}"
        )
    troubled = [c for c in status.get("supervision", []) if c["restarts"]]
    for child in troubled:
        lines.append(
            f"restarts: {child['child']} ×{child['restarts']} ({child['state']}): "
            f"{child['last_error']}"
        )
    return "\n".join(lines)


def _last_failure(status: dict) -> str:
    """``last connection failure: 22:10:05Z (3m12s ago): <why>``, or that there was none."""
    reason = status.get("last_connection_failure")
    if not reason:
        return "last connection failure: none since the station started"
    at = status.get("last_connection_failure_at")
    when = ""
    if at:
        when = at
        try:
            now = datetime.fromisoformat(status["local_time"])
            ago = (now - datetime.fromisoformat(at)).total_seconds()
            when += f", {_duration(max(ago, 0))} ago"
        except (KeyError, TypeError, ValueError):
            pass  # an older station without a local time: the moment alone
        when = f" ({when})"
    return f"last connection failure{when}: {reason}"


def _num(value) -> str:
    return "-" if value is None else f"{value:.0f}"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


# -- log ----------------------------------------------------------------------------------


def run_log(args: argparse.Namespace) -> int:
    """Print the message log, filtered."""
    from station.ops.message_log_reader import format_entry, matches, read_entries

    directory = locations_or_exit(args.config).data_dir
    seen = 0
    shown = 0
    while True:
        entries = list(read_entries(directory))
        for entry in entries[seen:]:
            if matches(entry, action=args.action, transaction_id=args.transaction):
                print(format_entry(entry, full=args.full), flush=True)
                shown += 1
        if seen == 0 and not shown:
            # Silence would look like a broken command: say why nothing is printed.
            print(_nothing_logged(directory, args, bool(entries)), file=sys.stderr, flush=True)
        seen = len(entries)
        if not args.follow:
            return 0
        try:
            time.sleep(0.5)
        except KeyboardInterrupt:
            return 0


def _nothing_logged(directory: Path, args: argparse.Namespace, any_entries: bool) -> str:
    from station.ops.message_log_reader import FILENAME

    if any_entries:
        wanted = " and ".join(
            text
            for text in (
                f"action {args.action}" if args.action else "",
                f"transaction {args.transaction}" if args.transaction else "",
            )
            if text
        )
        text = f"station log: no logged frame matches {wanted}"
    else:
        text = (
            f"station log: no OCPP messages logged yet in {directory / FILENAME} (has the "
            "station run with this config and reached its CSMS?)"
        )
    return text + (" — waiting for new ones" if args.follow else "")


# -- service ------------------------------------------------------------------------------


def render_unit(
    *,
    config: Path,
    user: str,
    executable: str,
    watchdog: int,
    root: Path = Path("/opt/ocpp-station"),
    data_dir: Path = Path("/var/lib/ocpp-station"),
) -> str:
    """The systemd unit with this installation's paths."""
    import shlex

    template = UNIT_TEMPLATE.read_text(encoding="utf-8")
    guard = " ".join(
        shlex.quote(part)
        for part in (
            "/usr/bin/python3",
            str(root / "firmware_installer.py"),
            "guard",
            "--root",
            str(root),
            "--data-dir",
            str(data_dir),
        )
    )
    return (
        template.replace("@USER@", user)
        .replace("@EXEC@", f"{shlex.quote(executable)} run --config {shlex.quote(str(config))}")
        .replace(
            "@FAILSAFE@", f"{shlex.quote(executable)} failsafe --config {shlex.quote(str(config))}"
        )
        .replace("@GUARD@", guard)
        .replace("@ROOT@", shlex.quote(str(root)))
        .replace("@WATCHDOG@", str(watchdog))
    )


def run_service_install(args: argparse.Namespace) -> int:
    """Write (or print) the unit file."""
    # Here, not at the top: `station status` and `station log` share this module.
    import getpass
    import shutil

    current = args.root / "current" / "bin" / "station"
    if current.exists():
        executable = str(current)  # the release layout that firmware updates switch
    elif Path(sys.argv[0]).name == "station":
        executable = str(Path(sys.argv[0]).absolute())
    else:
        executable = f"{sys.executable} -m station"
    unit = render_unit(
        config=args.config,
        user=args.user,
        executable=executable,
        watchdog=args.watchdog,
        root=args.root,
        data_dir=args.data_dir,
    )
    if args.dry_run:
        print(unit)
        return 0
    target = args.unit_dir / "ocpp-station.service"
    guard = args.root / "firmware_installer.py"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(unit, encoding="utf-8")
        # A stable copy of the installer: it must work even if a new version does not.
        guard.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(INSTALLER, guard)
    except OSError as exc:
        print(
            f"station service install: cannot write {exc.filename or target}: {exc.strerror} "
            f"(run as root, or choose --unit-dir)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print(
        f"wrote {target}\nnext: sudo systemctl daemon-reload && "
        f"sudo systemctl enable --now ocpp-station"
    )
    if args.user == getpass.getuser():
        print("note: the service runs as the current user")
    return 0
