"""One short line per OCPP payload, for people watching traffic (the demo, `station csms`).

A frame's full JSON rarely fits a terminal line: a TransactionEvent with meter values is
a kilobyte. `summarize` picks the fields that tell what happened (event type, trigger,
status, idToken, measurands) for the common actions, and falls back to compact JSON cut
at ``width`` characters for the rest. It never raises on an unexpected payload (a peer
can send anything): a summarizer that does not find its fields falls back to JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Summarizer = Callable[[dict[str, Any]], list[str]]


def compact(payload: object, width: int) -> str:
    """Compact JSON, cut to ``width`` characters with an ellipsis."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _evse(payload: dict[str, Any]) -> list[str]:
    evse = payload.get("evse") or {}
    if "evseId" in payload:
        return [f"evse={payload['evseId']}/{payload.get('connectorId', '-')}"]
    if "id" in evse:
        connector = evse.get("connectorId")
        return [f"evse={evse['id']}" + (f"/{connector}" if connector is not None else "")]
    return []


def _token(token: object) -> str:
    if isinstance(token, dict):
        return f"{token.get('idToken', '?')}({token.get('type', '?')})"
    return "?"


#: Units that name their measurand well enough on a short line.
_SELF_EXPLAINING = {
    "Energy.Active.Import.Register": "Wh",
    "Power.Active.Import": "W",
    "Current.Import": "A",
    "Voltage": "V",
}


def _meter(values: list[dict[str, Any]]) -> list[str]:
    """The samples of the last meter value: ``1234.5Wh 7360W 32A``; other measurands by name."""
    parts = []
    for value in values[-1:]:
        for sampled in value.get("sampledValue", []):
            measurand = sampled.get("measurand", "Energy.Active.Import.Register")
            unit = sampled.get("unitOfMeasure", {}).get("unit", "Wh")
            phase = f"[{sampled['phase']}]" if "phase" in sampled else ""
            number = f"{sampled.get('value')}{unit}{phase}"
            if _SELF_EXPLAINING.get(measurand) == unit and sampled.get("context") != "Sample.Clock":
                parts.append(number)
            else:
                parts.append(f"{measurand}={number}")
    return parts


def short_id(value: object, keep: int = 8) -> str:
    """An identifier cut to its first ``keep`` characters (a UUID stays recognisable)."""
    text = str(value)
    return text if len(text) <= keep + 1 else text[:keep] + "…"


def _transaction_event(p: dict[str, Any]) -> list[str]:
    info = p["transactionInfo"]
    parts = [p["eventType"], p["triggerReason"], f"#{p['seqNo']}"]
    if "chargingState" in info:
        parts.append(info["chargingState"])
    if "stoppedReason" in info:
        parts.append(f"stoppedReason={info['stoppedReason']}")
    if "idToken" in p:
        parts.append(f"idToken={p['idToken'].get('idToken')}")
    if p.get("offline"):
        parts.append("offline")
    parts += _meter(p.get("meterValue", [])) + _evse(p)
    return [*parts, f"tx={short_id(info['transactionId'])}"]


def _boot(p: dict[str, Any]) -> list[str]:
    station = p["chargingStation"]
    parts = [f"reason={p['reason']}", f"{station.get('vendorName')} {station.get('model')}"]
    if "serialNumber" in station:
        parts.append(f"serial={station['serialNumber']}")
    if "firmwareVersion" in station:
        parts.append(f"firmware={station['firmwareVersion']}")
    return parts


def _notify_report(p: dict[str, Any]) -> list[str]:
    return [
        f"requestId={p['requestId']}",
        f"seqNo={p['seqNo']}",
        f"variables={len(p.get('reportData', []))}",
        *(["tbc"] if p.get("tbc") else []),
    ]


def _variables(key: str) -> Summarizer:
    """GetVariables/SetVariables requests and results: component.variable[=value] status."""

    def summarize(p: dict[str, Any]) -> list[str]:
        parts = []
        for item in p[key]:
            component = item.get("component", {}).get("name", "?")
            variable = item.get("variable", {}).get("name", "?")
            text = f"{component}.{variable}"
            if "attributeValue" in item:
                text += f"={item['attributeValue']}"
            if "attributeStatus" in item:
                text += f" {item['attributeStatus']}"
            parts.append(text)
        return parts

    return summarize


#: Requests, by action: the fields that tell the story.
REQUESTS: dict[str, Summarizer] = {
    "BootNotification": _boot,
    "StatusNotification": lambda p: [*_evse(p), p["connectorStatus"]],
    "TransactionEvent": _transaction_event,
    "MeterValues": lambda p: [f"evse={p['evseId']}", *_meter(p["meterValue"])],
    "Authorize": lambda p: [f"idToken={_token(p['idToken'])}"],
    "NotifyReport": _notify_report,
    "SecurityEventNotification": lambda p: [
        p["type"],
        *([p["techInfo"]] if "techInfo" in p else []),
    ],
    "NotifyEvent": lambda p: [f"seqNo={p['seqNo']}", f"events={len(p['eventData'])}"],
    "FirmwareStatusNotification": lambda p: [p["status"]],
    "LogStatusNotification": lambda p: [p["status"]],
    "GetVariables": _variables("getVariableData"),
    "SetVariables": _variables("setVariableData"),
    "RequestStartTransaction": lambda p: [
        f"idToken={_token(p['idToken'])}",
        *([f"evse={p['evseId']}"] if "evseId" in p else []),
    ],
    "RequestStopTransaction": lambda p: [f"tx={short_id(p['transactionId'])}"],
    "Reset": lambda p: [p["type"], *([f"evse={p['evseId']}"] if "evseId" in p else [])],
    "TriggerMessage": lambda p: [p["requestedMessage"], *_evse(p)],
    "ChangeAvailability": lambda p: [p["operationalStatus"], *_evse(p)],
}

#: Responses, by the action of their request.
RESPONSES: dict[str, Summarizer] = {
    "BootNotification": lambda p: [p["status"], f"interval={p['interval']}"],
    "Heartbeat": lambda p: [p["currentTime"]],
    "Authorize": lambda p: [p["idTokenInfo"]["status"]],
    "TransactionEvent": lambda p: (
        [f"idTokenInfo={p['idTokenInfo']['status']}"] if "idTokenInfo" in p else ["{}"]
    ),
    "GetVariables": _variables("getVariableResult"),
    "SetVariables": _variables("setVariableResult"),
}


def summarize(action: str, payload: object, *, response: bool = False, width: int = 80) -> str:
    """One line for the payload of a request (or, with ``response``, of its response)."""
    table = RESPONSES if response else REQUESTS
    summarizer = table.get(action)
    if summarizer is not None and isinstance(payload, dict):
        try:
            text = " ".join(str(part) for part in summarizer(payload))
        except (KeyError, TypeError, AttributeError, IndexError):
            text = None  # not the shape the summarizer knows: show the JSON instead
        if text is not None:
            return text if len(text) <= width else text[: max(width - 1, 0)] + "…"
    if response and isinstance(payload, dict) and set(payload) <= {"status", "statusInfo"}:
        if "status" in payload and "statusInfo" not in payload:
            return str(payload["status"])
    return compact(payload, width)
