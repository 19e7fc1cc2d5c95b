"""Invalid payloads get the CALLERROR code of OCPP-J Part 4 and a description naming the field.

Beyond the hand-written cases, every schema is walked deterministically: a payload with every
property set is built from the schema, then broken in one place at a time (a required property
dropped, an undefined property added, a wrong JSON type, a string one character too long, a
value outside the enum or the range, an array too short or too long, a `null`), and each
broken payload must be rejected with the code the module docstring promises.
"""

import importlib.resources
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest

from station.ocpp.messages import GetVariablesRequest
from station.ocpp.validation import PayloadError, parse_request, parse_response

Schema = Mapping[str, Any]


def _load_schemas() -> dict[str, Schema]:
    directory = importlib.resources.files("ocpp.v201").joinpath("schemas")
    return {
        entry.name.removesuffix(".json"): json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(directory.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".json")
    }


SCHEMAS = _load_schemas()

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}}


def _reject(action: str, payload: object) -> PayloadError:
    with pytest.raises(PayloadError) as caught:
        parse_request(action, payload)
    return caught.value


# --- the mapping, case by case ---------------------------------------------------------------


@pytest.mark.parametrize("payload", [[], "text", 5, None, True])
def test_a_payload_that_is_not_an_object_is_a_format_violation(payload: object) -> None:
    error = _reject("Heartbeat", payload)
    assert error.code == "FormatViolation"
    assert error.description.startswith("payload must be a JSON object")


def test_an_undefined_property_is_a_protocol_error() -> None:
    error = _reject("BootNotification", {**BOOT, "firmware": "1.0"})
    assert (error.code, error.description) == (
        "ProtocolError",
        "firmware: property not defined in the schema",
    )


def test_snake_case_names_are_not_wire_names() -> None:
    payload = {"reason": "PowerUp", "charging_station": {"model": "m", "vendorName": "v"}}
    assert _reject("BootNotification", payload).code == "OccurrenceConstraintViolation"
    payload = {**BOOT, "charging_station": BOOT["chargingStation"]}
    assert _reject("BootNotification", payload).code == "ProtocolError"


def test_a_missing_required_property_is_an_occurrence_constraint_violation() -> None:
    error = _reject("BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "m"}})
    assert (error.code, error.description) == (
        "OccurrenceConstraintViolation",
        "chargingStation.vendorName: required property missing",
    )


def test_too_few_and_too_many_array_items_are_occurrence_constraint_violations() -> None:
    error = _reject("GetVariables", {"getVariableData": []})
    assert (error.code, error.description) == (
        "OccurrenceConstraintViolation",
        "getVariableData: array has 0 items, fewer than minItems 1",
    )
    period = {"startPeriod": 0, "limit": 16}
    schedule = {"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": [period]}
    profile = {
        "id": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [schedule] * 4,
    }
    error = _reject("SetChargingProfile", {"evseId": 1, "chargingProfile": profile})
    assert (error.code, error.description) == (
        "OccurrenceConstraintViolation",
        "chargingProfile.chargingSchedule: array has 4 items, more than maxItems 3",
    )


@pytest.mark.parametrize(
    ("interval", "got"),
    [("12", "string"), (1.5, "number"), (1.0, "number"), (True, "boolean"), (None, "null")],
)
def test_an_integer_must_be_a_json_integer(interval: object, got: str) -> None:
    payload = {"currentTime": "2024-05-06T07:08:09Z", "interval": interval, "status": "Accepted"}
    with pytest.raises(PayloadError) as caught:
        parse_response("BootNotification", payload)
    assert (caught.value.code, caught.value.description) == (
        "TypeConstraintViolation",
        f"interval: expected integer, got {got}",
    )


@pytest.mark.parametrize(
    ("model", "got"), [(5, "integer"), (True, "boolean"), (["m"], "array"), ({}, "object")]
)
def test_a_string_must_be_a_json_string(model: object, got: str) -> None:
    error = _reject(
        "BootNotification", {**BOOT, "chargingStation": {"model": model, "vendorName": "v"}}
    )
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        f"chargingStation.model: expected string, got {got}",
    )


def test_a_string_longer_than_max_length_is_a_type_constraint_violation() -> None:
    station = {"model": "m" * 21, "vendorName": "v"}
    error = _reject("BootNotification", {**BOOT, "chargingStation": station})
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        "chargingStation.model: string longer than 20 characters",
    )


def test_max_length_counts_characters_not_bytes() -> None:
    station = {"model": "é" * 20, "vendorName": "v"}
    assert parse_request("BootNotification", {**BOOT, "chargingStation": station})


@pytest.mark.parametrize(
    "timestamp",
    [
        "2024-05-06",
        "2024-05-06T07:08:09",
        "2024-05-06 07:08:09Z",
        "1715000000",
        "2024-02-30T00:00:00Z",
    ],
)
def test_a_malformed_date_time_is_a_type_constraint_violation(timestamp: str) -> None:
    payload = {
        "timestamp": timestamp,
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    }
    error = _reject("StatusNotification", payload)
    assert error.code == "TypeConstraintViolation"
    assert error.description == f'timestamp: malformed date-time "{timestamp}"'


def test_a_date_time_must_be_a_string() -> None:
    payload = {
        "timestamp": 1715000000,
        "connectorStatus": "Available",
        "evseId": 1,
        "connectorId": 1,
    }
    error = _reject("StatusNotification", payload)
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        "timestamp: expected date-time string, got integer",
    )


def test_a_value_outside_the_enum_is_a_property_constraint_violation() -> None:
    error = _reject("BootNotification", {**BOOT, "reason": "Sunrise"})
    assert error.code == "PropertyConstraintViolation"
    assert error.description.startswith("reason: \"Sunrise\" is not one of 'ApplicationReset'")


def test_an_enum_given_a_number_is_a_type_constraint_violation() -> None:
    error = _reject("BootNotification", {**BOOT, "reason": 1})
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        "reason: expected string, got integer",
    )


def _charging_needs(state_of_charge: int) -> dict[str, Any]:
    dc = {"evMaxCurrent": 100, "evMaxVoltage": 400, "stateOfCharge": state_of_charge}
    return {
        "evseId": 1,
        "chargingNeeds": {"requestedEnergyTransfer": "DC", "dcChargingParameters": dc},
    }


@pytest.mark.parametrize(
    ("state_of_charge", "problem"),
    [(-1, "-1 is below minimum 0"), (101, "101 is above maximum 100")],
)
def test_a_number_out_of_range_is_a_property_constraint_violation(
    state_of_charge: int, problem: str
) -> None:
    error = _reject("NotifyEVChargingNeeds", _charging_needs(state_of_charge))
    assert (error.code, error.description) == (
        "PropertyConstraintViolation",
        f"chargingNeeds.dcChargingParameters.stateOfCharge: {problem}",
    )


def test_range_bounds_are_inclusive() -> None:
    assert parse_request("NotifyEVChargingNeeds", _charging_needs(0))
    assert parse_request("NotifyEVChargingNeeds", _charging_needs(100))


def _meter_values(value: object) -> dict[str, Any]:
    sample = {"timestamp": "2024-05-06T07:08:09Z", "sampledValue": [{"value": value}]}
    return {"evseId": 1, "meterValue": [sample]}


@pytest.mark.parametrize("value", [230, 230.5, -0.0, 1e300])
def test_a_json_number_accepts_integers_and_floats(value: float) -> None:
    message = parse_request("MeterValues", _meter_values(value))
    assert message.to_payload()["meterValue"][0]["sampledValue"][0]["value"] == value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("230", "expected number, got string"),
        (True, "expected number, got boolean"),
        (math.nan, "nan is not a JSON number"),
        (math.inf, "inf is not a JSON number"),
    ],
)
def test_a_json_number_refuses_strings_booleans_and_non_finite_values(
    value: object, problem: str
) -> None:
    error = _reject("MeterValues", _meter_values(value))
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        f"meterValue[0].sampledValue[0].value: {problem}",
    )


def test_a_boolean_must_be_a_json_boolean() -> None:
    payload = {"requestId": 1, "seqNo": 0, "generatedAt": "2024-05-06T07:08:09Z", "tbc": "true"}
    error = _reject("NotifyCustomerInformation", {**payload, "data": "x"})
    assert (error.code, error.description) == (
        "TypeConstraintViolation",
        "tbc: expected boolean, got string",
    )


def test_array_elements_are_named_by_index() -> None:
    data = [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"component": {"name": "x" * 51}, "variable": {"name": "v"}},
    ]
    error = _reject("GetVariables", {"getVariableData": data})
    assert (
        error.description == "getVariableData[1].component.name: string longer than 50 characters"
    )


def test_the_first_error_is_the_same_whatever_the_key_order() -> None:
    broken = {"reason": "Sunrise", "chargingStation": {"model": 5}, "unknown": 1}
    reordered = {"unknown": 1, "chargingStation": {"model": 5}, "reason": "Sunrise"}
    first, second = _reject("BootNotification", broken), _reject("BootNotification", reordered)
    assert (first.code, first.description) == (second.code, second.description)
    assert first.description == "chargingStation.model: expected string, got integer"


def test_descriptions_fit_in_an_error_description() -> None:
    payload = _meter_values(1)
    payload["meterValue"][0]["sampledValue"][0]["measurand"] = "Energy" * 30
    error = _reject("MeterValues", payload)
    assert error.code == "PropertyConstraintViolation"
    assert len(error.description) == 255 and error.description.endswith("...")


def test_payload_error_carries_code_and_description() -> None:
    error = PayloadError("ProtocolError", "x: property not defined in the schema")
    assert str(error) == "ProtocolError: x: property not defined in the schema"
    assert error.args == ("ProtocolError", "x: property not defined in the schema")


def test_an_unknown_action_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        parse_request("Teleport", {})
    with pytest.raises(KeyError):
        parse_response("Teleport", {})


def test_custom_data_requires_a_vendor_id_and_accepts_any_other_key() -> None:
    error = _reject("Heartbeat", {"customData": {"foo": 1}})
    assert (error.code, error.description) == (
        "OccurrenceConstraintViolation",
        "customData.vendorId: required property missing",
    )
    assert parse_request("Heartbeat", {"customData": {"vendorId": "x", "foo": 1}})


# --- one broken constraint at a time, in every schema ----------------------------------------


def _definition(node: Schema, schema: Schema) -> Schema:
    if "$ref" in node:
        return schema["definitions"][node["$ref"].removeprefix("#/definitions/")]
    return node


def _complete(node: Schema, schema: Schema) -> Any:
    """A valid value for `node` with every optional property present."""
    node = _definition(node, schema)
    if "enum" in node:
        return node["enum"][-1]
    kind = node.get("type")
    if kind == "object":
        return {key: _complete(prop, schema) for key, prop in node.get("properties", {}).items()}
    if kind == "array":
        return [_complete(node["items"], schema) for _ in range(max(node.get("minItems", 0), 1))]
    if kind == "string":
        return "2024-05-06T07:08:09.123+02:00" if node.get("format") == "date-time" else "s"
    if kind == "integer":
        return int(node.get("minimum", 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {"any": ["json", 1, None]}


@dataclass(frozen=True)
class Mutation:
    """A payload broken in one place, and the answer it deserves."""

    what: str
    payload: Any
    code: str
    path: str
    malformed_date_time: bool = False


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _replace(payload: Any, steps: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `payload` with the value at `steps` replaced (or deleted if `value` is ...)."""
    copy = json.loads(json.dumps(payload))
    target = copy
    for step in steps[:-1]:
        target = target[step]
    if value is ...:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value
    return copy


_WRONG_TYPES = {
    "object": ["x", []],
    "array": [{}, "x"],
    "string": [5, True, None],
    "integer": ["12", 1.5, True],
    "number": ["1.5", False],
    "boolean": [1, "true"],
}


def _mutations(
    root: Any, node: Schema, schema: Schema, steps: tuple[str | int, ...], path: str
) -> Iterator[Mutation]:
    node = _definition(node, schema)
    kind = node.get("type")
    value = root
    for step in steps:
        value = value[step]

    if steps:
        wrong = [5, None] if "enum" in node else _WRONG_TYPES.get(kind, [])
        for bad in wrong:
            broken = _replace(root, steps, bad)
            yield Mutation(f"{bad!r} for {kind}", broken, "TypeConstraintViolation", path)
        if node.get("format") == "date-time":
            for bad in ("yesterday", "2024-05-06T07:08Z", "2024-05-06"):
                broken = _replace(root, steps, bad)
                yield Mutation(
                    f"{bad!r} for date-time", broken, "TypeConstraintViolation", path, True
                )
    if "enum" in node:
        bad_value = "NotAnAllowedValue"
        yield Mutation(
            "value outside enum",
            _replace(root, steps, bad_value),
            "PropertyConstraintViolation",
            path,
        )
        return
    if kind == "object":
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        for key in properties:
            if key in required:
                yield Mutation(
                    f"{key} dropped",
                    _replace(root, (*steps, key), ...),
                    "OccurrenceConstraintViolation",
                    _join(path, key),
                )
            elif "type" in _definition(properties[key], schema):  # untyped `data` may be null
                yield Mutation(
                    f"{key} null",
                    _replace(root, (*steps, key), None),
                    "TypeConstraintViolation",
                    _join(path, key),
                )
        if node.get("additionalProperties", True) is False:
            yield Mutation(
                "undefined property",
                _replace(root, (*steps, "undefinedProperty"), 1),
                "ProtocolError",
                _join(path, "undefinedProperty"),
            )
        for key, prop in properties.items():
            yield from _mutations(root, prop, schema, (*steps, key), _join(path, key))
    elif kind == "array":
        if node.get("minItems", 0) > 0:
            yield Mutation(
                "no items", _replace(root, steps, []), "OccurrenceConstraintViolation", path
            )
        if "maxItems" in node:
            too_many = value[:1] * (node["maxItems"] + 1)
            yield Mutation(
                "too many items",
                _replace(root, steps, too_many),
                "OccurrenceConstraintViolation",
                path,
            )
        yield from _mutations(root, node["items"], schema, (*steps, 0), f"{path}[0]")
    elif kind == "string" and "maxLength" in node:
        too_long = "s" * (node["maxLength"] + 1)
        yield Mutation("too long", _replace(root, steps, too_long), "TypeConstraintViolation", path)
    elif kind in ("integer", "number"):
        exact = int if kind == "integer" else float
        if "minimum" in node:
            below = _replace(root, steps, exact(node["minimum"]) - 1)
            yield Mutation("below minimum", below, "PropertyConstraintViolation", path)
        if "maximum" in node:
            above = _replace(root, steps, exact(node["maximum"]) + 1)
            yield Mutation("above maximum", above, "PropertyConstraintViolation", path)


_CHECKS_DATE_TIME = "date-time" in jsonschema.FormatChecker().checkers


def _parser(schema_name: str) -> tuple[str, Any]:
    if schema_name.endswith("Request"):
        return schema_name.removesuffix("Request"), parse_request
    return schema_name.removesuffix("Response"), parse_response


@pytest.mark.parametrize("schema_name", SCHEMAS)
def test_each_broken_constraint_gets_its_error_code(schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    action, parse = _parser(schema_name)
    validator = jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())
    complete = _complete(schema, schema)
    validator.validate(complete)
    assert parse(action, complete).to_payload() is not None

    failures = []
    mutations = list(_mutations(complete, schema, schema, (), ""))
    for mutation in mutations:
        # jsonschema is the judge that each mutation does break the schema; it checks
        # date-time formats only when an optional package is installed.
        if not mutation.malformed_date_time or _CHECKS_DATE_TIME:
            assert not validator.is_valid(mutation.payload), mutation
        try:
            parse(action, mutation.payload)
        except PayloadError as error:
            if error.code != mutation.code or not error.description.startswith(f"{mutation.path}:"):
                failures.append(f"{mutation.what} at {mutation.path}: got {error}")
        else:
            failures.append(f"{mutation.what} at {mutation.path}: accepted")
    assert not failures, "\n".join(failures)
    assert len(mutations) > 3


def test_the_walk_covers_every_error_code() -> None:
    codes = {
        mutation.code
        for schema in SCHEMAS.values()
        for mutation in _mutations(_complete(schema, schema), schema, schema, (), "")
    }
    assert codes == {
        "ProtocolError",
        "OccurrenceConstraintViolation",
        "TypeConstraintViolation",
        "PropertyConstraintViolation",
    }


def test_a_big_get_variables_request_is_accepted() -> None:
    data = [
        {"component": {"name": f"C{i}", "evse": {"id": 1}}, "variable": {"name": "V"}}
        for i in range(100)
    ]
    message = parse_request("GetVariables", {"getVariableData": data})
    assert isinstance(message, GetVariablesRequest)
    assert len(message.get_variable_data) == 100
