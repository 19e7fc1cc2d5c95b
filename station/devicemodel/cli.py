"""``station config``: read and write the device model.

    station config --config FILE list
    station config --config FILE get OCPPCommCtrlr.HeartbeatInterval
    station config --config FILE get "OCPPCommCtrlr.MessageAttempts[TransactionEvent]"
    station config --config FILE get "EVSE#1.SupplyPhases"
    station config --config FILE set OCPPCommCtrlr.OfflineThreshold 300

A reference is ``COMPONENT[(INSTANCE)][#EVSE[,CONNECTOR]].VARIABLE[[INSTANCE]][[ATTRIBUTE]]``;
a bracket holding Actual, Target, MinSet or MaxSet names the attribute type (default
Actual), any other bracket the variable instance. WriteOnly values are shown as
``<secret>``.

``get`` and ``list`` ask the running station first, over its control socket: it answers
from the device model it holds in memory, live values (``AvailabilityState``, ``Power``,
``ActiveNetworkProfile``...) included, and the command needs only the standard library to
ask (no pydantic, no store). When no station answers on the socket, they read the stopped
station's store, where a value only a running station computes says so.

``set`` writes the stopped station's store, through the same checks as a SetVariables from
the CSMS (mutability, dataType, limits). A running station keeps its values in memory, so
the command refuses to write while one answers on the control socket.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from station.devicemodel.model import Attribute, Component, DeviceModel, Variable

EXIT_FAILED = 1
_REFERENCE = re.compile(
    r"^(?P<component>[A-Za-z0-9_]+)(?:\((?P<component_instance>[^)]*)\))?"
    r"(?:#(?P<evse>\d+)(?:,(?P<connector>\d+))?)?"
    r"\.(?P<variable>[A-Za-z0-9_]+)(?P<brackets>(?:\[[^\]]*\])*)$"
)

#: The control-socket commands a running station answers ``get`` and ``list`` with.
GET_COMMAND = "config.get"
LIST_COMMAND = "config.list"

SYNTAX = "COMPONENT[(INSTANCE)][#EVSE[,CONNECTOR]].VARIABLE[[INSTANCE]][[ATTRIBUTE]]"


class BadReference(ValueError):
    """A reference that cannot be parsed."""


class NotReadable(ValueError):
    """A reference that names no readable value; ``str()`` says which and why."""


def parse_reference(text: str) -> tuple[Component, str, str | None, Attribute]:
    """``EVSE#1.Power[MaxSet]`` → (component, variable, variable instance, attribute)."""
    from station.devicemodel.model import Attribute, Component

    match = _REFERENCE.match(text.strip())
    if match is None:
        raise BadReference(f"{text!r} is not " + SYNTAX)
    attributes = {a.value.lower(): a for a in Attribute}
    instance, attribute = None, Attribute.Actual
    for part in re.findall(r"\[([^\]]*)\]", match["brackets"]):
        if part.lower() in attributes:
            attribute = attributes[part.lower()]
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
        help="read or write the station's device model",
        description="List or read device-model variables (from the running station when "
        "one answers, else from its store), or write one in a stopped station's store "
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


def _describe(variable: Variable) -> str:
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


def _shown(dm: DeviceModel, variable: Variable, attribute: Attribute, *, running: bool) -> str:
    from station.devicemodel.model import Mutability

    if variable.mutability is Mutability.WriteOnly or variable.secret:
        return "<secret>" if dm.get(variable.key, attribute) is not None else "<unset>"
    if running:
        # The station's own model: live values are read from their owners right now.
        text = dm.text(variable, attribute)
        return text if text != "" else "<unset>"
    if variable.live is not None:
        return "(read from the running station)"
    text = dm.text(variable, attribute)
    if text == "" and (variable.stored is False or variable.mutability is Mutability.ReadOnly):
        # A read-only value with nothing stored is one the running station computes
        # (ActiveNetworkProfile, AvailabilityState, Power...): a stopped one has none, and
        # "<unset>" would contradict what GetVariables answers.
        return "(live: read from the running station)"
    return text if text != "" else "<unset>"


def read_value(dm: DeviceModel, reference: str, *, running: bool) -> str:
    """What ``station config get REFERENCE`` prints: `BadReference` for a reference that
    does not parse, `NotReadable` (naming the GetVariables status) for one that names no
    readable value. ``running``: ``dm`` is a running station's, so live values are read."""
    from station.devicemodel.model import GetStatus, Variable

    component, name, instance, attribute = parse_reference(reference)
    found = dm.find(component, name, instance)
    if not isinstance(found, Variable):
        raise NotReadable(f"{reference}: {found.value}")
    outcome = dm.read(component, name, instance, attribute)
    if outcome.status not in (GetStatus.Accepted, GetStatus.Rejected):  # Rejected: WriteOnly
        raise NotReadable(f"{reference}: {outcome.status.value}")
    return _shown(dm, found, attribute, running=running)


def list_values(dm: DeviceModel, *, running: bool) -> list[str]:
    """What ``station config list`` prints, a line per variable and attribute."""
    from station.devicemodel.model import Attribute

    lines = []
    for variable in dm.variables():
        for attribute in variable.attributes:
            suffix = "" if attribute is Attribute.Actual else f"[{attribute.value}]"
            lines.append(
                f"{variable.key}{suffix} = {_shown(dm, variable, attribute, running=running)}"
                f"    # {_describe(variable)}"
            )
    return lines


def serve(dm: DeviceModel) -> dict[str, Any]:
    """The control-socket commands of a running station that answer ``get`` and ``list``
    from its device model (`station.ops.control_socket.ControlSocket.register`)."""

    def get(args: dict[str, Any]) -> str:
        return read_value(dm, str(args["reference"]), running=True)

    return {GET_COMMAND: get, LIST_COMMAND: lambda args: list_values(dm, running=True)}


def run(args: argparse.Namespace) -> int:
    """Carry out one ``station config`` action."""
    from pathlib import Path

    if args.config_action in ("get", "list"):
        answer = _ask_running(Path(args.config), args)
        if answer is not None:
            return answer
    from station.cli import load_or_exit
    from station.offload import run_to_completion

    config = load_or_exit(Path(args.config))
    try:
        # No event loop: the store's calls run directly (`DirectOffload`), so the device
        # model's coroutines never wait, and the command need not import trio.
        return run_to_completion(_run(args, config))
    except (BadReference, NotReadable) as exc:
        print(f"station config: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _ask_running(path: Path, args: argparse.Namespace) -> int | None:
    """``get`` or ``list`` answered by the running station: the exit status, or None when
    no station runs (then the store is read)."""
    from station.ops.control_client import (
        ControlClientError,
        StationNotRunning,
        locations_or_exit,
        request,
    )

    socket = locations_or_exit(path).control_socket
    try:
        if args.config_action == "get":
            print(request(socket, GET_COMMAND, {"reference": args.reference}))
        else:
            print("\n".join(request(socket, LIST_COMMAND)))
    except StationNotRunning:
        return None
    except ControlClientError as exc:
        print(f"station config: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


async def _run(args: argparse.Namespace, config) -> int:
    from station.devicemodel.datatypes import InvalidValue
    from station.devicemodel.model import SetItem, SetStatus
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
            for line in list_values(dm, running=False):
                print(line)
            return 0
        if args.config_action == "get":
            print(read_value(dm, args.reference, running=False))
            return 0
        component, name, instance, attribute = parse_reference(args.reference)
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
