"""Validate received OCPP payloads and name the CALLERROR that a bad one deserves.

`parse_request` and `parse_response` take the payload of a CALL or CALLRESULT as decoded by
`json.loads` and return the model from `station.ocpp.messages`, or raise `PayloadError` whose
`code` is the OCPP-J error code to answer with (Part 4, "CallError", ErrorCode table):

=============================  ================================================================
Code                           Part 4 definition / what we raise it for
=============================  ================================================================
FormatViolation                "Payload for Action is syntactically incorrect": the payload is
                               not a JSON object.
ProtocolError                  "Payload for Action is not conform the PDU structure": a property
                               the schema does not define (`additionalProperties: false`).
OccurrenceConstraintViolation  "Payload for Action is syntactically correct but at least one of
                               the fields violates occurrence constraints": a required property
                               is missing, an array has fewer than minItems or more than
                               maxItems elements.
TypeConstraintViolation        "Payload for Action is syntactically correct but at least one of
                               the fields violates data type constraints (e.g. "somestring":
                               12)": a value of the wrong JSON type (including `null`), a string
                               longer than maxLength, a malformed date-time.
PropertyConstraintViolation    "Payload is syntactically correct but at least one field contains
                               an invalid value": a string outside its enumeration, a number
                               below minimum or above maximum.
=============================  ================================================================

Typing is that of JSON Schema, not Python's: `"12"`, `1.5` and `true` are not integers, `5`
is not a string; a `number` accepts integers and floats (not NaN or Infinity). `1.0` is not
an integer either: draft-06 would allow it, but JSON Schema draft 4 (which the `ocpp`
library's validators apply) does not, and no OCPP sender needs it.

When a payload breaks several constraints the error reported is the first in a stable order:
depth first through the schema's properties in the order the schema declares them, array
elements by index, undefined properties of an object after its declared ones. The description
names the property by its wire path (`getVariableData[2].component.name`) and the problem, and
is at most 255 characters, ready for the CALLERROR's errorDescription.

An unknown action raises `KeyError`: whether that is NotImplemented or NotSupported is for the
RPC layer to decide. The model is looked up in `REQUESTS`/`RESPONSES`, which import the
action's module on its first message: a station builds only the models of the actions it uses.
"""

import json
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from station.ocpp.messages import REQUESTS, RESPONSES, Message

__all__ = ["ErrorCode", "PayloadError", "parse_request", "parse_response"]

ErrorCode = Literal[
    "FormatViolation",
    "ProtocolError",
    "OccurrenceConstraintViolation",
    "TypeConstraintViolation",
    "PropertyConstraintViolation",
]

MAX_DESCRIPTION = 255  # OCPP-J errorDescription is a string[255]


class PayloadError(Exception):
    """A payload that does not match its schema, with the CALLERROR code to answer with."""

    def __init__(self, code: ErrorCode, description: str) -> None:
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 3] + "..."
        super().__init__(code, description)
        self.code: ErrorCode = code
        self.description = description

    def __str__(self) -> str:
        return f"{self.code}: {self.description}"


def parse_request(action: str, payload: object) -> Message:
    """Validate the payload of a received CALL for `action`; raise `PayloadError` if invalid.

    Raises `KeyError` if `action` is not an OCPP 2.0.1 action.
    """
    return _parse(REQUESTS[action], payload)


def parse_response(action: str, payload: object) -> Message:
    """Validate the payload of a CALLRESULT to our CALL of `action`; raise `PayloadError`.

    Raises `KeyError` if `action` is not an OCPP 2.0.1 action.
    """
    return _parse(RESPONSES[action], payload)


def _parse(model: type[Message], payload: object) -> Message:
    if not isinstance(payload, dict):
        raise PayloadError(
            "FormatViolation", f"payload must be a JSON object, not {_json_type(payload)}"
        )
    try:
        # Wire names only: a snake_case key is an undefined property, not an alias.
        return model.model_validate(payload, by_alias=True, by_name=False)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
    raise PayloadError(_code(error), f"{_path(error['loc'])}: {_problem(error)}")


# pydantic error type -> CALLERROR code; see the module docstring for the reasons.
_CODES: dict[str, ErrorCode] = {
    "extra_forbidden": "ProtocolError",
    "missing": "OccurrenceConstraintViolation",
    "too_short": "OccurrenceConstraintViolation",
    "too_long": "OccurrenceConstraintViolation",
    "string_too_long": "TypeConstraintViolation",
    "string_type": "TypeConstraintViolation",
    "int_type": "TypeConstraintViolation",
    "float_type": "TypeConstraintViolation",
    "bool_type": "TypeConstraintViolation",
    "list_type": "TypeConstraintViolation",
    "model_type": "TypeConstraintViolation",
    "finite_number": "TypeConstraintViolation",
    "date_time_format": "TypeConstraintViolation",
    "date_time_type": "TypeConstraintViolation",
    "enum": "PropertyConstraintViolation",
    "greater_than_equal": "PropertyConstraintViolation",
    "less_than_equal": "PropertyConstraintViolation",
}

_EXPECTED_TYPES = {
    "string_type": "string",
    "int_type": "integer",
    "float_type": "number",
    "bool_type": "boolean",
    "list_type": "array",
    "model_type": "object",
    "date_time_type": "date-time string",
}


def _code(error: ErrorDetails) -> ErrorCode:
    kind = error["type"]
    if kind == "enum" and not isinstance(error["input"], str):
        return "TypeConstraintViolation"  # an enum is a string before it is a value
    # Anything unforeseen is still a malformed payload; FormatViolation is the catch-all.
    return _CODES.get(kind, "FormatViolation")


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "payload"


def _problem(error: ErrorDetails) -> str:
    kind = error["type"]
    value = error["input"]
    ctx: dict[str, Any] = error.get("ctx", {})
    if kind == "missing":
        return "required property missing"
    if kind == "extra_forbidden":
        return "property not defined in the schema"
    if kind == "too_short":
        return f"array has {ctx['actual_length']} items, fewer than minItems {ctx['min_length']}"
    if kind == "too_long":
        return f"array has {ctx['actual_length']} items, more than maxItems {ctx['max_length']}"
    if kind == "string_too_long":
        return f"string longer than {ctx['max_length']} characters"
    if kind == "enum":
        if not isinstance(value, str):
            return f"expected string, got {_json_type(value)}"
        return f"{_show(value)} is not one of {ctx['expected']}"
    if kind == "greater_than_equal":
        return f"{_show(value)} is below minimum {ctx['ge']}"
    if kind == "less_than_equal":
        return f"{_show(value)} is above maximum {ctx['le']}"
    if kind == "finite_number":
        return f"{value} is not a JSON number"
    if kind == "float_type" and isinstance(value, int) and not isinstance(value, bool):
        return "integer too large for a number"
    if kind in _EXPECTED_TYPES:
        return f"expected {_EXPECTED_TYPES[kind]}, got {_json_type(value)}"
    if kind == "date_time_format":
        return f"malformed date-time {_show(value)}"
    return str(error["msg"])


def _show(value: object) -> str:
    """A received value as JSON text, shortened to fit in a description."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
