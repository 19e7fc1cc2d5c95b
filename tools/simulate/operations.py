"""What the CSMS asks of the station on its own, every 10 minutes on average:
remote starts and stops, availability, resets, settings, triggers, reports."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio

from tools.simulate.world import EVSES

if TYPE_CHECKING:
    from tools.simulate.life import Life

#: Mean seconds between two operations of the CSMS.
OPERATION_EVERY = 600.0
OPERATIONS = {
    "RequestStartTransaction": 2,
    "RequestStopTransaction": 2,
    "ChangeAvailability": 2,
    "Reset": 1,
    "SetVariables": 3,
    "TriggerMessage": 2,
    "GetBaseReport": 1,
}
SETTINGS: dict[tuple[str, str, str | None], Callable[[random.Random], str]] = {
    ("OCPPCommCtrlr", "HeartbeatInterval", None): lambda r: str(r.choice((60, 300, 900, 3600))),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"): lambda r: str(r.randint(1, 5)),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"): lambda r: str(
        r.choice((1, 10, 30, 60))
    ),
    ("TxCtrlr", "TxStartPoint", None): lambda r: r.choice(
        ("PowerPathClosed", "Authorized", "EVConnected", "Authorized,EVConnected")
    ),
    ("TxCtrlr", "TxStopPoint", None): lambda r: r.choice(
        ("PowerPathClosed", "EVConnected", "Authorized", "EVConnected,Authorized")
    ),
    ("SampledDataCtrlr", "TxUpdatedInterval", None): lambda r: str(r.choice((0, 30, 60, 300))),
    ("AlignedDataCtrlr", "Interval", None): lambda r: str(r.choice((0, 300, 900))),
}


async def operate(life: Life, nursery: trio.Nursery) -> None:
    """Send an operation every `OPERATION_EVERY` seconds on average while connected."""
    assert life.csms is not None
    rng = life.rng["operations"]
    names, weights = list(OPERATIONS), list(OPERATIONS.values())
    while True:
        await trio.sleep(rng.expovariate(1 / OPERATION_EVERY))
        if not life.csms.connected:
            continue
        await operation(life, rng.choices(names, weights)[0], rng, nursery)


async def operation(life: Life, name: str, rng: random.Random, nursery: trio.Nursery) -> None:
    """Send one operation ``name`` (an undo is scheduled in ``nursery``)."""
    assert life.csms is not None
    csms = life.csms
    if name == "RequestStartTransaction":
        request: dict[str, Any] = {
            "idToken": {"idToken": "OPERATOR", "type": "Central"},
            "remoteStartId": rng.randint(1, 1_000_000),
        }
        if rng.random() < 0.7:
            request["evseId"] = rng.choice(EVSES)
        await csms.call(name, request)
    elif name == "RequestStopTransaction":
        transaction_id = life.csms_transaction_on(rng.choice(EVSES))
        await csms.call(name, {"transactionId": transaction_id or "unknown-transaction"})
    elif name == "ChangeAvailability":
        target: dict[str, Any] = {"operationalStatus": "Inoperative"}
        if rng.random() < 0.7:
            target["evse"] = {"id": rng.choice(EVSES)}
        await csms.call(name, target)
        back = {**target, "operationalStatus": "Operative"}
        nursery.start_soon(
            life.later, rng.uniform(30, 1800), lambda: _call_when_connected(life, name, back)
        )
    elif name == "Reset":
        reset: dict[str, Any] = {"type": rng.choice(("OnIdle", "Immediate"))}
        if rng.random() < 0.3:
            reset["evseId"] = rng.choice(EVSES)
        await csms.call(name, reset)
    elif name == "SetVariables":
        (component, variable, instance), value = rng.choice(list(SETTINGS.items()))
        entry: dict[str, Any] = {
            "attributeValue": value(rng),
            "component": {"name": component},
            "variable": {"name": variable},
        }
        if instance is not None:
            entry["variable"]["instance"] = instance
        await csms.call(name, {"setVariableData": [entry]})
    elif name == "TriggerMessage":
        message = rng.choice(
            (
                "StatusNotification",
                "Heartbeat",
                "MeterValues",
                "TransactionEvent",
                "BootNotification",
            )
        )
        request = {"requestedMessage": message}
        if message in ("StatusNotification", "TransactionEvent") or rng.random() < 0.5:
            request["evse"] = {"id": rng.choice(EVSES)}
            if message == "StatusNotification":
                request["evse"]["connectorId"] = 1
        await csms.call(name, request)
    elif name == "GetBaseReport":
        await csms.call(
            name,
            {
                "requestId": rng.randint(1, 1_000_000),
                "reportBase": rng.choice(
                    ("FullInventory", "ConfigurationInventory", "SummaryInventory")
                ),
            },
        )


async def _call_when_connected(life: Life, action: str, payload: dict) -> None:
    assert life.csms is not None
    await life.csms.wait_connected()
    await life.csms.call(action, payload)
