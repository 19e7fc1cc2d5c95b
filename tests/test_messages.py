"""The generated OCPP 2.0.1 models against the OCA JSON schemas they come from.

Every schema-valid payload must parse and re-serialise to the same JSON; the generated module
must be what the generator makes of the installed schemas today.
"""

import importlib.resources
import importlib.util
import json
import re
import sys
import types
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema as hypothesis_jsonschema_internals
from hypothesis_jsonschema import from_schema

from station.ocpp.messages import (
    ACTIONS,
    REQUESTS,
    RESPONSES,
    BootNotificationRequest,
    BootNotificationResponse,
    BootReasonEnumType,
    ChargingStationType,
    CustomDataType,
    DataTransferRequest,
    MeasurandEnumType,
    Message,
    RegistrationStatusEnumType,
    StatusInfoType,
)
from station.ocpp.validation import parse_request, parse_response

ROOT = Path(__file__).resolve().parent.parent
Schema = Mapping[str, Any]


def _load_schemas() -> dict[str, Schema]:
    directory = importlib.resources.files("ocpp.v201").joinpath("schemas")
    return {
        entry.name.removesuffix(".json"): json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(directory.iterdir(), key=lambda entry: entry.name)
        if entry.name.endswith(".json")
    }


SCHEMAS = _load_schemas()


def _load_generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("gen_messages", ROOT / "tools/gen_messages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen_messages = _load_generator()


def _split(schema_name: str) -> tuple[str, Callable[[str, object], Message]]:
    if schema_name.endswith("Request"):
        return schema_name.removesuffix("Request"), parse_request
    return schema_name.removesuffix("Response"), parse_response


# --- the generator ---------------------------------------------------------------------------


def test_committed_package_is_what_the_generator_writes_today() -> None:
    package = ROOT / "station/ocpp/messages"
    committed = {
        path.relative_to(package).as_posix(): path.read_text(encoding="utf-8")
        for path in package.rglob("*.py")
    }
    assert gen_messages.generate() == committed, (
        "station/ocpp/messages/ is out of date with tools/gen_messages.py or the schemas; "
        "run `python tools/gen_messages.py` and commit the result"
    )


def test_generator_output_does_not_depend_on_schema_order() -> None:
    reversed_schemas = dict(reversed(list(SCHEMAS.items())))
    assert gen_messages.render(gen_messages.plan(reversed_schemas)) == gen_messages.generate()


def test_shared_definitions_are_emitted_once_and_none_needs_a_second_name() -> None:
    plan = gen_messages.plan(SCHEMAS)
    names = [spec.name for spec in (*plan.enums, *plan.types)]
    assert len(names) == len(set(names))
    assert "IdTokenType" in names and "CustomDataType" in names
    assert plan.renamed == {}
    # Same values everywhere, different wording of the description in some schemas.
    assert set(plan.merged_with_other_docs) == {
        "AttributeEnumType",
        "CertificateSigningUseEnumType",
        "ChargingLimitSourceEnumType",
        "ChargingProfilePurposeEnumType",
        "ChargingRateUnitEnumType",
        "GenericDeviceModelStatusEnumType",
        "GenericStatusEnumType",
        "GetCertificateIdUseEnumType",
        "MessagePriorityEnumType",
        "MessageStateEnumType",
        "MonitorEnumType",
        "RequestStartStopStatusEnumType",
    }


def _toy_schema(status_values: list[str], description: str) -> dict[str, Any]:
    return {
        "definitions": {
            "StatusEnumType": {"type": "string", "description": description, "enum": status_values}
        },
        "type": "object",
        "additionalProperties": False,
        "properties": {"status": {"$ref": "#/definitions/StatusEnumType"}},
        "required": ["status"],
    }


def test_a_definition_name_with_two_meanings_gets_a_second_deterministic_name(
    tmp_path: Path,
) -> None:
    schemas = {
        "AlphaRequest": _toy_schema(["On", "Off"], "Alpha."),
        "AlphaResponse": _toy_schema(["On", "Off"], "Alpha answer."),
        "BetaRequest": _toy_schema(["Up", "Down"], "Beta."),
        "BetaResponse": _toy_schema(["On", "Off"], "Beta answer."),
    }
    plan = gen_messages.plan(schemas)
    assert plan.renamed == {"StatusEnumType": ("BetaRequestStatusEnumType",)}
    toy = _import_package(gen_messages.render(plan), tmp_path, "toy_messages")
    assert toy.BetaRequest(status="Down").to_payload() == {"status": "Down"}
    assert toy.BetaResponse(status="On").to_payload() == {"status": "On"}
    assert [m.value for m in toy.BetaRequestStatusEnumType] == ["Up", "Down"]
    # Shared by Alpha and Beta responses: one class in a shared module, used by both.
    assert toy.AlphaResponse.model_fields["status"].annotation is toy.StatusEnumType
    assert toy.StatusEnumType.__module__ == "toy_messages.shared.status"


def _import_package(files: Mapping[str, str], directory: Path, name: str) -> types.ModuleType:
    """Write a generated package under `directory` as `name` and import it."""
    for path, text in files.items():
        target = directory / name / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(directory))


def test_generator_refuses_schema_keywords_it_cannot_translate() -> None:
    schema = _toy_schema(["On"], "x")
    schema["properties"]["name"] = {"type": "string", "pattern": "^[a-z]+$"}
    with pytest.raises(gen_messages.GeneratorError, match="pattern"):
        gen_messages.plan({"AlphaRequest": schema, "AlphaResponse": _toy_schema(["On"], "x")})


def test_check_mode_reports_a_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    package = tmp_path / "messages"
    assert gen_messages.main(["--check", "--output", str(package)]) == 1
    assert gen_messages.main(["--output", str(package)]) == 0
    assert gen_messages.main(["--check", "--output", str(package)]) == 0
    capsys.readouterr()
    # A hand edit, a module the generator no longer writes, the single module of old: each
    # is reported, and writing again puts the package right.
    edited = package / "heartbeat.py"
    edited.write_text(edited.read_text() + "# edited\n")
    (package / "shared" / "obsolete.py").write_text("# stale\n")
    (tmp_path / "messages.py").write_text("# stale\n")
    assert gen_messages.main(["--check", "--output", str(package)]) == 1
    err = capsys.readouterr().err
    assert "heartbeat.py" in err and "shared/obsolete.py (not generated)" in err
    assert "messages.py (replaced by the package)" in err
    assert "python tools/gen_messages.py" in err
    assert gen_messages.main(["--output", str(package)]) == 0
    assert gen_messages.main(["--check", "--output", str(package)]) == 0
    assert not (package / "shared" / "obsolete.py").exists()
    assert not (tmp_path / "messages.py").exists()


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("evseId", "evse_id"),
        ("responderURL", "responder_url"),
        ("bulkSoC", "bulk_soc"),
        ("numEPriceLevels", "num_e_price_levels"),
        ("iso15118SchemaVersion", "iso15118_schema_version"),
        ("ePriceLevel", "e_price_level"),
        ("model", "model"),
        ("json", "json_"),
    ],
)
def test_property_names_become_snake_case_attributes(wire: str, python: str) -> None:
    assert gen_messages.snake_case(wire) == python


# --- the generated module --------------------------------------------------------------------


def test_every_action_has_a_request_and_a_response_model() -> None:
    assert len(ACTIONS) == 64
    assert set(REQUESTS) == set(RESPONSES) == ACTIONS
    for action in ACTIONS:
        assert REQUESTS[action].__name__ == f"{action}Request"
        assert RESPONSES[action].__name__ == f"{action}Response"
        assert REQUESTS[action].ACTION == RESPONSES[action].ACTION == action
        assert issubclass(REQUESTS[action], Message) and issubclass(RESPONSES[action], Message)


def test_enums_are_str_enums_named_after_the_schema_definitions() -> None:
    assert issubclass(BootReasonEnumType, str)
    assert BootReasonEnumType.PowerUp == "PowerUp"
    assert MeasurandEnumType.Energy_Active_Import_Register == "Energy.Active.Import.Register"


def test_messages_are_built_by_python_names_and_sent_with_wire_names() -> None:
    request = BootNotificationRequest(
        reason=BootReasonEnumType.PowerUp,
        charging_station=ChargingStationType(model="m", vendor_name="v"),
    )
    assert request.to_payload() == {
        "chargingStation": {"model": "m", "vendorName": "v"},
        "reason": "PowerUp",
    }
    assert json.loads(json.dumps(request.to_payload())) == request.to_payload()


def test_unset_and_none_optionals_are_left_out_of_the_payload() -> None:
    response = BootNotificationResponse(
        current_time=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        interval=300,
        status=RegistrationStatusEnumType.Accepted,
        status_info=None,
        custom_data=None,
    )
    assert response.status_info is None
    response.custom_data = None
    assert response.to_payload() == {
        "currentTime": "2024-05-06T07:08:09Z",
        "interval": 300,
        "status": "Accepted",
    }


def test_date_times_are_sent_in_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    response = BootNotificationResponse(
        current_time=datetime(2024, 5, 6, 9, 8, 9, 120000, tzinfo=plus_two),
        interval=1,
        status="Accepted",
    )
    assert response.to_payload()["currentTime"] == "2024-05-06T07:08:09.120Z"
    assert response.current_time == datetime(2024, 5, 6, 7, 8, 9, 120000, tzinfo=UTC)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        BootNotificationResponse(current_time=datetime(2024, 5, 6), interval=1, status="Accepted")


def test_python_construction_is_strict_about_types() -> None:
    with pytest.raises(ValueError, match="valid integer"):
        BootNotificationResponse(
            current_time=datetime(2024, 5, 6, tzinfo=UTC), interval="300", status="Accepted"
        )


def test_custom_data_keeps_vendor_keys_in_both_directions() -> None:
    payload = {
        "customData": {"vendorId": "x", "foo": 1, "nested": {"a": [1, "b"]}},
        "reason": "PowerUp",
        "chargingStation": {"model": "m", "vendorName": "v", "customData": {"vendorId": "y"}},
    }
    assert parse_request("BootNotification", payload).to_payload() == payload
    built = StatusInfoType(reason_code="r", custom_data=CustomDataType(vendor_id="x", foo=1))
    assert built.to_payload() == {"reasonCode": "r", "customData": {"vendorId": "x", "foo": 1}}


def test_data_transfer_data_is_any_json_value() -> None:
    for data in ("text", 5, [1, {"a": None}], {"k": {"l": [True]}}):
        payload = {"vendorId": "v", "data": data}
        assert parse_request("DataTransfer", payload).to_payload() == payload
    assert DataTransferRequest(vendor_id="v").to_payload() == {"vendorId": "v"}


# --- property tests over all 128 schemas -----------------------------------------------------


def _instant(text: str) -> timedelta:
    """A date-time as an offset from year 1, without leaving datetime's year range, to the
    millisecond: the station writes at most three fractional digits (Part 2 §2.1.4)."""
    moment = datetime.fromisoformat(text.upper())
    offset = moment.utcoffset()
    assert offset is not None, text
    instant = moment.replace(tzinfo=None) - datetime.min - offset
    return instant - timedelta(microseconds=instant.microseconds % 1000)


def _assert_part2_date_times(value: Any, node: Schema, schema: Schema) -> None:
    node = _definition(node, schema)
    kind = node.get("type")
    if kind == "object":
        for key, item in value.items():
            if key in node.get("properties", {}):
                _assert_part2_date_times(item, node["properties"][key], schema)
    elif kind == "array":
        for item in value:
            _assert_part2_date_times(item, node["items"], schema)
    elif node.get("format") == "date-time":
        fraction = re.search(r"\.(\d+)", value)
        assert fraction is None or len(fraction.group(1)) <= 3, value


def _definition(node: Schema, schema: Schema) -> Schema:
    if "$ref" in node:
        return schema["definitions"][node["$ref"].removeprefix("#/definitions/")]
    return node


def _comparable(value: Any, node: Schema, schema: Schema) -> Any:
    """`value` with date-times as instants, numbers as floats and nulls of absent data dropped."""
    node = _definition(node, schema)
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return {
            key: _comparable(item, properties[key], schema) if key in properties else item
            for key, item in value.items()
            if item is not None  # only untyped `data` and vendor keys may be null
        }
    if kind == "array":
        return [_comparable(item, node["items"], schema) for item in value]
    if kind == "number":
        return float(value)
    if node.get("format") == "date-time":
        return _instant(value)
    return value


def _assert_no_null_properties(value: Any, node: Schema, schema: Schema) -> None:
    node = _definition(node, schema)
    if node.get("type") == "object":
        for key, item in value.items():
            assert item is not None, key
            if key in node.get("properties", {}):
                _assert_no_null_properties(item, node["properties"][key], schema)
    elif node.get("type") == "array":
        for item in value:
            _assert_no_null_properties(item, node["items"], schema)


def _check_round_trip(schema_name: str, payload: dict[str, Any]) -> None:
    schema = SCHEMAS[schema_name]
    action, parse = _split(schema_name)
    message = parse(action, payload)
    assert type(message).__name__ == schema_name
    sent = message.to_payload()
    jsonschema.Draft6Validator(schema).validate(sent)
    _assert_no_null_properties(sent, schema, schema)
    _assert_part2_date_times(sent, schema, schema)
    assert _comparable(sent, schema, schema) == _comparable(payload, schema, schema)
    assert json.loads(json.dumps(sent)) == sent
    # The one-pass text form (what the station sends) says the same as the dict form.
    assert json.loads(message.to_json()) == sent


# Our own strategy follows the schema closely and is fast, so it can afford many examples;
# hypothesis-jsonschema is independent of our reading of the schemas but slow on objects.

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def _date_times(draw: st.DrawFn) -> str:
    """RFC 3339 date-times: any offset, 0-9 fraction digits, either letter case."""
    moment = draw(st.datetimes())
    text = moment.isoformat(sep=draw(st.sampled_from("Tt")), timespec="seconds")
    digits = draw(st.integers(0, 9))
    if digits:
        text += "." + f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    if minutes == 0:
        return text + draw(st.sampled_from(["Z", "z", "+00:00", "-00:00"]))
    sign = "-" if minutes < 0 else "+"
    return text + f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _wire_values(node: Schema, schema: Schema) -> st.SearchStrategy[Any]:
    node = _definition(node, schema)
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        declared = st.fixed_dictionaries(
            {
                key: _wire_values(prop, schema)
                for key, prop in properties.items()
                if key in required
            },
            optional={
                key: _wire_values(prop, schema)
                for key, prop in properties.items()
                if key not in required
            },
        )
        if node.get("additionalProperties", True) is False:
            return declared
        extras = st.dictionaries(
            st.text(max_size=6).filter(lambda key: key not in properties), _json_values, max_size=2
        )
        return st.builds(lambda known, extra: {**extra, **known}, declared, extras)
    if kind == "array":
        low = node.get("minItems", 0)
        high = min(node.get("maxItems", low + 3), low + 3)
        return st.lists(_wire_values(node["items"], schema), min_size=low, max_size=high)
    if kind == "string":
        if node.get("format") == "date-time":
            return _date_times()
        limit = node.get("maxLength", 50)
        full = st.text(min_size=1, max_size=8).map(lambda text: (text * limit)[:limit])
        return st.text(max_size=min(limit, 100)) | full
    if kind == "integer":
        return st.integers(node.get("minimum"), node.get("maximum"))
    if kind == "number":
        return st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    assert kind is None, node
    return _json_values


@pytest.mark.parametrize("schema_name", SCHEMAS)
def test_schema_valid_payloads_parse_and_serialise_back(schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    validator = jsonschema.Draft6Validator(schema)

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(_wire_values(schema, schema))
    def check(payload: dict[str, Any]) -> None:
        validator.validate(payload)  # the strategy itself is right
        _check_round_trip(schema_name, payload)

    check()


class _ManyWithMore(conjecture_utils.many):
    """hypothesis-jsonschema 0.23 drives `many` through `more()`, which newer Hypothesis
    replaced by iteration; this adapter restores `more()` on top of the iterator."""

    def more(self) -> bool:
        if self._depth is None:
            self.__enter__()
            self._elements = iter(self)
        try:
            next(self._elements)
        except StopIteration:
            self.__exit__(None)
            return False
        return True


if not hasattr(conjecture_utils.many, "more"):
    hypothesis_jsonschema_internals.cu = types.SimpleNamespace(
        **{**vars(conjecture_utils), "many": _ManyWithMore}
    )


def _bounded_arrays(node: Any) -> Any:
    """The schema with at most two elements more than minItems per array (a time budget)."""
    if isinstance(node, list):
        return [_bounded_arrays(item) for item in node]
    if not isinstance(node, dict):
        return node
    bounded = {key: _bounded_arrays(value) for key, value in node.items()}
    if bounded.get("type") == "array":
        bounded["maxItems"] = min(node.get("maxItems", 2**31), node.get("minItems", 0) + 2)
    return bounded


@pytest.mark.parametrize("schema_name", SCHEMAS)
def test_hypothesis_jsonschema_payloads_parse_and_serialise_back(schema_name: str) -> None:
    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(_bounded_arrays(SCHEMAS[schema_name])))
    def check(payload: dict[str, Any]) -> None:
        _check_round_trip(schema_name, payload)

    check()
