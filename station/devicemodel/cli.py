"""``station config``: read and write the device model of a *stopped* station.

    station config --config FILE list
    station config --config FILE get OCPPCommCtrlr.HeartbeatInterval
    station config --config FILE get "OCPPCommCtrlr.MessageAttempts[TransactionEvent]"
    station config --config FILE get "EVSE#1.SupplyPhases"
    station config --config FILE set OCPPCommCtrlr.OfflineThreshold 300

A reference is ``COMPONENT[(INSTANCE)][#EVSE[,CONNECTOR]].VARIABLE[[INSTANCE]][[ATTRIBUTE]]``;
a bracket holding Actual, Target, MinSet or MaxSet names the attribute type (default
Actual), any other bracket the variable instance. Writes go through the same checks as a
SetVariables from the CSMS (mutability, dataType, limits); WriteOnly values are shown as
``<secret>``. A running station keeps its values in memory, so the command refuses to
write while one answers on the control socket.
"""

from __future__ import annotations

import argparse
import re
import sys

from station.devicemodel.datatypes import InvalidValue
from station.devicemodel.model import (
    Attribute,
    Component,
    DeviceModel,
    GetStatus,
    Mutability,
    SetItem,
    SetStatus,
    Variable,
)

EXIT_FAILED = 1
_REFERENCE = re.compile(
    r"^(?P<component>[A-Za-z0-9_]+)(?:\((?P<component_instance>[^)]*)\))?"
    r"(?:#(?P<evse>\d+)(?:,(?P<connector>\d+))?)?"
    r"\.(?P<variable>[A-Za-z0-9_]+)(?P<brackets>(?:\[[^\]]*\])*)$"
)
_ATTRIBUTES = {a.value.lower(): a for a in Attribute}


SYNTAX = "COMPONENT[(INSTANCE)][#EVSE[,CONNECTOR]].VARIABLE[[INSTANCE]][[ATTRIBUTE]]"


class BadReference(ValueError):
    """A reference that cannot be parsed."""


def parse_reference(text: str) -> tuple[Component, str, str | None, Attribute]:
    """``EVSE#1.Power[MaxSet]`` → (component, variable, variable instance, attribute)."""
    match = _REFERENCE.match(text.strip())
    if match is None:
        raise BadReference(f"{text!r} is not " + SYNTAX)
    instance, attribute = None, Attribute.Actual
    for part in re.findall(r"\[([^\]]*)\]", match["brackets"]):
        if part.lower() in _ATTRIBUTES:
            attribute = _ATTRIBUTES[part.lower()]
        elif instance is None:
            instance = part
        else:
            raise BadReference(f"{text!r} names two variable instances")
    component = Component(
        match["component"],
        match["component_instance"] or None,
        int(match["evse"]) if match["evse"] else None,
        int(match["connector"]) if match["connector"] else None,
    )
    return component, match["variable"], instance, attribute


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station config`` to the CLI."""
    parser = commands.add_parser(
        "config",
        help="read or write the device model of a stopped station",
        description="List, read or write device-model variables in the station's store "
        "(with the same checks as SetVariables).",
    )
    parser.add_argument("--config", type=str, required=True, help="station TOML file")
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="print every variable with its value and characteristics")
    get = actions.add_parser("get", help="print one value")
    get.add_argument("reference")
    put = actions.add_parser("set", help="write one value")
    put.add_argument("reference")
    put.add_argument("value")
    parser.set_defaults(handler=run)


def _describe(dm: DeviceModel, variable: Variable) -> str:
    parts = [variable.data_type.value, variable.mutability.value]
    if variable.unit:
        parts.append(f"unit={variable.unit}")
    if variable.min_limit is not None:
        parts.append(f"min={variable.min_limit:g}")
    if variable.max_limit is not None:
        parts.append(f"max={variable.max_limit:g}")
    if variable.values_list:
        parts.append("values=" + ",".join(variable.values_list))
    if variable.live is not None:
        parts.append("live")
    return " ".join(parts)


def _shown(dm: DeviceModel, variable: Variable, attribute: Attribute = Attribute.Actual) -> str:
    if variable.mutability is Mutability.WriteOnly or variable.secret:
        return "<secret>" if dm.get(variable.key, attribute) is not None else "<unset>"
    if variable.live is not None:
        return "(read from the running station)"
    text = dm.text(variable, attribute)
    if text == "" and (variable.stored is False or variable.mutability is Mutability.ReadOnly):
        # A read-only value with nothing stored is one the running station computes
        # (ActiveNetworkProfile, AvailabilityState, Power...): a stopped one has none, and
        # "<unset>" would contradict what GetVariables answers.
        return "(live: read from the running station)"
    return text if text != "" else "<unset>"


def run(args: argparse.Namespace) -> int:
    """Carry out one ``station config`` action."""
    from pathlib import Path

    from station.cli import load_or_exit
    from station.offload import run_to_completion

    config = load_or_exit(Path(args.config))
    try:
        # No event loop: the store's calls run directly (`DirectOffload`), so the device
        # model's coroutines never wait, and the command need not import trio.
        return run_to_completion(_run(args, config))
    except BadReference as exc:
        print(f"station config: {exc}", file=sys.stderr)
        return EXIT_FAILED


async def _run(args: argparse.Namespace, config) -> int:
    from station.devicemodel.seeding import build_device_model
    from station.devicemodel.seeding import config_seeds as _seeds
    from station.offload import DirectOffload
    from station.ops.control_client import ControlClientError, request
    from station.store import Store, StoreError

    if args.config_action == "set":
        try:
            request(config.control_socket, "status", timeout=2)
        except ControlClientError:
            pass
        else:
            print(
                "station config: the station is running; set values through the CSMS "
                "(SetVariables) or stop the station first",
                file=sys.stderr,
            )
            return EXIT_FAILED
    try:
        store = Store.open_sync(config.station.data_dir / "station.db", offload=DirectOffload())
    except StoreError as exc:
        print(f"station config: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        dm = build_device_model(config, store)
        await dm.load(_seeds(config))
        if args.config_action == "list":
            for variable in dm.variables():
                for attribute in variable.attributes:
                    suffix = "" if attribute is Attribute.Actual else f"[{attribute.value}]"
                    print(
                        f"{variable.key}{suffix} = {_shown(dm, variable, attribute)}    "
                        f"# {_describe(dm, variable)}"
                    )
            return 0
        component, name, instance, attribute = parse_reference(args.reference)
        if args.config_action == "get":
            found = dm.find(component, name, instance)
            if not isinstance(found, Variable):
                print(f"station config: {args.reference}: {found.value}", file=sys.stderr)
                return EXIT_FAILED
            outcome = dm.read(component, name, instance, attribute)
            if outcome.status is GetStatus.Rejected:
                print(_shown(dm, found, attribute))
                return 0
            if outcome.status is not GetStatus.Accepted:
                print(f"station config: {args.reference}: {outcome.status.value}", file=sys.stderr)
                return EXIT_FAILED
            print(_shown(dm, found, attribute))
            return 0
        (written,) = await dm.set_variables(
            [SetItem(component, name, instance, args.value, attribute)]
        )
        if written.status in (SetStatus.Accepted, SetStatus.RebootRequired):
            print(f"{args.reference}: {written.status.value}")
            return 0
        reason = f" ({written.reason})" if written.reason else ""
        print(f"station config: {args.reference}: {written.status.value}{reason}", file=sys.stderr)
        return EXIT_FAILED
    except InvalidValue as exc:
        print(f"station config: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()
