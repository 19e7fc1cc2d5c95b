"""``station sim``: drive the simulated hardware of a running station.

    station sim --config FILE plug 1
    station sim --config FILE unplug 1
    station sim --config FILE ev-state 1 C
    station sim --config FILE tap 04A1B2C3D4
    station sim --config FILE fault 1 rcd|diode|welded|clear
    station sim --config FILE pilot-voltage 1 -5 -12     (raw plateaus, volts)
    station sim --config FILE pilot-voltage 1 auto       (the modelled EV again)
    station sim --config FILE ev-ignore-pwm 1 on|off
    station sim --config FILE ev 1 [--capacity-kwh 60] [--max-current 16] [--phases 1|3] [--soc 20]
    station sim --config FILE soc 1 80
    station sim --config FILE status [--json]
    station sim --fleet URL --station ID plug 1          (one station of a fleet)
    station sim --fleet URL --station ID outage 120 [--cause network|csms]
    station sim --fleet URL --station ID outage end      (a fleet station's network)

Each command goes to the station's control socket (its path is in the config), or with
``--fleet`` to the fleet's HTTP API, which runs the same command on the station named by
``--station``; it prints what it did; ``status`` prints one line per EVSE (``--json``: the
whole state). Exit status 0 on success, 1 with a one-line reason otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from station.fleet.api_client import FleetApiError, call, segment
from station.ops.control_client import ControlClientError, locations_or_exit, request

EXIT_FAILED = 1


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station sim`` to the CLI."""
    sim = commands.add_parser(
        "sim",
        help="drive the simulated hardware of a running station",
        description="Act on the simulated EVs, card reader and faults of a running station "
        "through its control socket.",
    )
    where = sim.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", type=Path, help="station TOML file")
    where.add_argument(
        "--fleet",
        metavar="URL",
        help="a fleet's HTTP API (e.g. http://127.0.0.1:8180); needs --station",
    )
    sim.add_argument("--station", metavar="ID", help="with --fleet: the station's identity")
    actions = sim.add_subparsers(dest="action", metavar="ACTION", required=True)
    plug = actions.add_parser("plug", help="plug the EV of an EVSE in (state B)")
    plug.add_argument("evse", type=int)
    unplug = actions.add_parser("unplug", help="unplug the EV (state A)")
    unplug.add_argument("evse", type=int)
    state = actions.add_parser("ev-state", help="set the EV's IEC 61851 state A-F")
    state.add_argument("evse", type=int)
    state.add_argument("state", choices=list("ABCDEF"))
    tap = actions.add_parser("tap", help="present an ISO 14443 card (UID in hex)")
    tap.add_argument("uid")
    fault = actions.add_parser("fault", help="inject or clear a hardware fault")
    fault.add_argument("evse", type=int)
    fault.add_argument("kind", choices=["rcd", "diode", "welded", "clear"])
    voltage = actions.add_parser(
        "pilot-voltage",
        help="make the pilot read raw plateaus: POS NEG volts, or 'auto' for the modelled EV",
    )
    voltage.add_argument("evse", type=int)
    voltage.add_argument("levels", nargs="+", metavar="POS NEG|auto")
    ignore = actions.add_parser(
        "ev-ignore-pwm", help="the EV draws its own maximum whatever the PWM offers"
    )
    ignore.add_argument("evse", type=int)
    ignore.add_argument("switch", choices=["on", "off"])
    ev = actions.add_parser(
        "ev",
        help="set the EV's battery (kWh; 0: no battery model), max current, phases, SoC",
    )
    ev.add_argument("evse", type=int)
    ev.add_argument("--capacity-kwh", type=float, help="battery capacity (kWh), 0 for none")
    ev.add_argument("--max-current", type=float, help="the EV's own maximum current (A)")
    ev.add_argument("--phases", type=int, choices=[1, 3], help="phases its charger uses")
    ev.add_argument("--soc", type=float, help="state of charge (%%)")
    soc = actions.add_parser("soc", help="set the EV's state of charge (%%)")
    soc.add_argument("evse", type=int)
    soc.add_argument("percent", type=float)
    outage = actions.add_parser(
        "outage", help="with --fleet: cut the station's network for SECONDS, or 'end' it"
    )
    outage.add_argument("duration", metavar="SECONDS|end")
    outage.add_argument("--cause", choices=("network", "csms"), default="network")
    status = actions.add_parser("status", help="print the state of every EVSE, one line each")
    status.add_argument("--json", action="store_true", help="print the whole state as JSON")
    sim.set_defaults(handler=run)


def _levels(levels: list[str]) -> dict[str, float | None]:
    """``["auto"]`` or two numbers of volts; raises ValueError naming the problem."""
    if levels == ["auto"]:
        return {"high": None, "low": None}
    if len(levels) != 2:
        raise ValueError("pilot-voltage takes POS NEG (volts) or 'auto'")
    try:
        high, low = (float(level) for level in levels)
    except ValueError:
        raise ValueError(
            f"pilot-voltage: {' '.join(levels)!r} are not two numbers of volts"
        ) from None
    return {"high": high, "low": low}


def run(args: argparse.Namespace) -> int:
    """Carry out one ``station sim`` action."""
    if args.fleet is None and args.station is not None:
        print(
            "station sim: --station names a station of a fleet; give --fleet URL", file=sys.stderr
        )
        return EXIT_FAILED
    if args.fleet is not None and not args.station:
        print("station sim: --fleet needs --station ID (the station's identity)", file=sys.stderr)
        return EXIT_FAILED
    if args.action == "outage":
        # The station's network belongs to the fleet it runs in, not to the station.
        if args.fleet is None:
            print("station sim: outage needs --fleet URL --station ID", file=sys.stderr)
            return EXIT_FAILED
        try:
            duration = None if args.duration == "end" else float(args.duration)
        except ValueError:
            print(
                f"station sim: outage: {args.duration!r} is neither seconds nor 'end'",
                file=sys.stderr,
            )
            return EXIT_FAILED
    if args.action == "pilot-voltage":
        try:
            levels = _levels(args.levels)
        except ValueError as exc:
            print(f"station sim: {exc}", file=sys.stderr)
            return EXIT_FAILED
    command, arguments = {
        "plug": lambda: ("sim.plug", {"evse": args.evse}),
        "unplug": lambda: ("sim.unplug", {"evse": args.evse}),
        "ev-state": lambda: ("sim.ev_state", {"evse": args.evse, "state": args.state}),
        "tap": lambda: ("sim.tap", {"uid": args.uid}),
        "fault": lambda: ("sim.fault", {"evse": args.evse, "kind": args.kind}),
        "pilot-voltage": lambda: ("sim.pilot_voltage", {"evse": args.evse, **levels}),
        "ev-ignore-pwm": lambda: (
            "sim.ev_ignore_pwm",
            {"evse": args.evse, "on": args.switch == "on"},
        ),
        "ev": lambda: (
            "sim.ev",
            {
                "evse": args.evse,
                **{
                    name: getattr(args, name)
                    for name in ("capacity_kwh", "max_current", "phases", "soc")
                    if getattr(args, name) is not None
                },
            },
        ),
        "soc": lambda: ("sim.soc", {"evse": args.evse, "percent": args.percent}),
        "status": lambda: ("status", {}),
        "outage": lambda: (
            ("network.restore", {})
            if duration is None
            else ("network.outage", {"duration_s": duration, "cause": args.cause})
        ),
    }[args.action]()
    try:
        if args.fleet is not None:
            result = _through_fleet(args.fleet, args.station, command, arguments)
        else:
            config = locations_or_exit(args.config)
            result = request(config.control_socket, command, arguments)
    except (ControlClientError, FleetApiError) as exc:
        print(f"station sim: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.action == "status":
        print(json.dumps(result, indent=2, sort_keys=True) if args.json else render(result))
    else:
        print(_done(args, result))
    return 0


def _through_fleet(url: str, identity: str, command: str, arguments: dict) -> Any:
    """Run the command on one station of a fleet, through its HTTP API."""
    path = f"/stations/{segment(identity)}/commands/{segment(command)}"
    return call(url, "POST", path, arguments)["result"]


def _done(args: argparse.Namespace, result: object) -> str:
    """One line saying what the command did (every action answers, not only tap)."""
    evse = f"EVSE {getattr(args, 'evse', '')}"
    if args.action == "plug":
        return f"{evse}: EV plugged in (state B)"
    if args.action == "unplug":
        return f"{evse}: EV unplugged (state A)"
    if args.action == "ev-state":
        return f"{evse}: EV in state {args.state}"
    if args.action == "tap":
        return f"card {result or args.uid} presented to the reader"
    if args.action == "fault":
        return f"{evse}: faults cleared" if args.kind == "clear" else f"{evse}: {args.kind} fault"
    if args.action == "pilot-voltage":
        if args.levels == ["auto"]:
            return f"{evse}: the pilot reads the modelled EV again"
        return f"{evse}: the pilot reads {args.levels[0]} V / {args.levels[1]} V"
    if args.action == "ev-ignore-pwm":
        return f"{evse}: the EV ignores the PWM: {args.switch}"
    if args.action == "ev":
        return f"{evse}: EV {result}"
    if args.action == "soc":
        return f"{evse}: EV at {args.percent:g} %"
    if args.action == "outage":
        outage = result.get("outage") if isinstance(result, dict) else None
        if outage is None:
            return f"{args.station}: network up"
        return f"{args.station}: {outage['cause']} outage, {outage['remaining_s']:g} s left"
    return str(result)


def render(status: dict) -> str:
    """The station's state, one line per EVSE (and the card reader, when simulated)."""
    hardware = status.get("hardware", {}).get("evses", {})
    lines = []
    for evse_id, evse in sorted(status.get("evses", {}).items(), key=lambda i: int(i[0])):
        parts = [f"EVSE {evse_id}: {evse['connector_status']}"]
        ev = hardware.get(evse_id, {}).get("ev")
        if ev is not None:
            text = f"EV {ev['state']}" + (" (ignores PWM)" if ev.get("ignores_pwm") else "")
            if ev.get("soc") is not None:
                text += f" {ev['soc']:.0f} %" + (" full" if ev.get("full") else "")
            parts.append(text if ev["plugged"] else "no EV")
        duty = evse.get("duty")
        pilot = f"pilot {evse['pilot_state']}"
        if duty not in (None, 0.0, 100.0):
            pilot += f" {duty:.1f}%"
        parts.append(pilot)
        parts.append(f"contactor {evse['relay']}")
        if evse.get("power_w") is not None:
            parts.append(f"{evse['power_w'] / 1000:.1f} kW")
        if evse.get("energy_wh") is not None:
            parts.append(f"{evse['energy_wh'] / 1000:.3f} kWh")
        if evse.get("transaction_id"):
            parts.append(f"tx {evse['transaction_id']}")
        if evse.get("fault"):
            parts.append(f"FAULT {evse['fault']}")
        lines.append(", ".join(parts))
    reader = status.get("hardware", {}).get("card_reader")
    if reader is not None and reader.get("simulated"):
        present = reader.get("present")
        lines.append(f"card reader: {'card ' + present if present else 'no card'}")
    return "\n".join(lines)
