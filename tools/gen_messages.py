"""Generate `station/ocpp/messages.py` from the OCA OCPP 2.0.1 JSON schemas.

The schemas ship in the `ocpp` package (`ocpp/v201/schemas/*.json`): one draft-06 document
for the request and one for the response of each of the 64 actions. Every document is
self-contained, so the shared data types (`IdTokenType`, `EVSEType`, `CustomDataType`, ...)
are repeated in the `definitions` of many files. The generator emits each shared type once:

* definitions with the same name and the same *meaning* (everything but `description`,
  `javaType` and `comment`, with referenced definitions expanded) are merged; their class
  docstring comes from the most common description;
* a name that carries different meanings in different schemas keeps the plain name for the
  variant used by most schemas (ties: the alphabetically first schema) and every other
  variant is named `<Schema><Definition>` after the first schema that uses it, e.g.
  `NotifyReportRequestAttributeEnumType`. The OCPP 2.0.1 FINAL schemas need no renaming:
  twelve enum definitions differ in their descriptions only.

What the schemas say becomes a pydantic constraint: `required`, `enum`, `maxLength`,
`minimum`/`maximum`, `minItems`/`maxItems`, `additionalProperties` and `format: date-time`.
`default` is documentation in OCPP (the receiver applies it when the field is absent) and is
deliberately not filled in, so a parsed message re-serialises to what was received.
An unknown schema keyword stops the generator instead of being dropped silently.

Usage (from the repository root):

    python tools/gen_messages.py          # write station/ocpp/messages.py
    python tools/gen_messages.py --check  # exit 1 if the committed file is out of date
"""

from __future__ import annotations

import html
import importlib.resources
import json
import keyword
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as `python tools/NAME.py`: the path starts at tools/, not at the root.
    _ROOT = str(Path(__file__).resolve().parent.parent)
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)

from tools.generated_file import write_or_check

SCHEMA_PACKAGE = "ocpp.v201"
SCHEMA_DIR = "schemas"
OUTPUT = Path(__file__).resolve().parent.parent / "station" / "ocpp" / "messages.py"
REGENERATE = "python tools/gen_messages.py"
LINE_LENGTH = 100

Schema = Mapping[str, Any]


class GeneratorError(Exception):
    """The schemas use something this generator cannot translate faithfully."""


# ---------------------------------------------------------------------------------------------
# Model of the output
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnumSpec:
    """A string enumeration (`...EnumType` definition)."""

    name: str
    doc: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    """One property of an object type."""

    wire_name: str
    attr: str
    annotation: str
    required: bool
    constraints: tuple[str, ...]


@dataclass(frozen=True)
class ModelSpec:
    """An object type: a shared definition, or the root of a request/response schema."""

    name: str
    doc: str
    fields: tuple[FieldSpec, ...]
    extra_allowed: bool
    depends_on: frozenset[str]
    action: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything `render` needs, plus what the generator learnt about the definitions."""

    enums: tuple[EnumSpec, ...]
    types: tuple[ModelSpec, ...]
    messages: tuple[ModelSpec, ...]
    actions: tuple[str, ...]
    merged_with_other_docs: tuple[str, ...]
    renamed: Mapping[str, tuple[str, ...]]


# ---------------------------------------------------------------------------------------------
# Loading and analysing the schemas
# ---------------------------------------------------------------------------------------------


def load_schemas() -> dict[str, Schema]:
    """Return the OCPP 2.0.1 schemas of the installed `ocpp` package by name, sorted."""
    directory = importlib.resources.files(SCHEMA_PACKAGE).joinpath(SCHEMA_DIR)
    schemas = {
        entry.name.removesuffix(".json"): json.loads(entry.read_text(encoding="utf-8"))
        for entry in directory.iterdir()
        if entry.name.endswith(".json")
    }
    if not schemas:
        raise GeneratorError(f"no schemas found in {SCHEMA_PACKAGE}/{SCHEMA_DIR}")
    return dict(sorted(schemas.items()))


_DOC_KEYS = frozenset({"description", "javaType", "comment", "$schema"})


def _ref_name(ref: str) -> str:
    prefix = "#/definitions/"
    if not ref.startswith(prefix):
        raise GeneratorError(f"unsupported $ref {ref!r}")
    return ref.removeprefix(prefix)


def _meaning(node: Any, definitions: Mapping[str, Any], expanding: frozenset[str]) -> Any:
    """Return `node` without documentation keys and with every `$ref` expanded in place."""
    if isinstance(node, list):
        return [_meaning(item, definitions, expanding) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = _ref_name(node["$ref"])
        if target in expanding:
            raise GeneratorError(f"recursive definition {target!r} is not supported")
        expanded = _meaning(definitions[target], definitions, expanding | {target})
        return {"$ref": target, "is": expanded}
    meaning: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DOC_KEYS:
            continue
        if key == "properties":
            meaning[key] = {
                name: _meaning(prop, definitions, expanding) for name, prop in value.items()
            }
        else:
            meaning[key] = _meaning(value, definitions, expanding)
    return meaning


@dataclass(frozen=True)
class _Definition:
    """One class to emit for a definition name, and the schemas whose definition it is."""

    def_name: str
    used_by: tuple[str, ...]


def _class_names(
    schemas: Mapping[str, Schema],
) -> tuple[dict[tuple[str, str], str], dict[str, _Definition], dict[str, tuple[str, ...]]]:
    """Choose one class name per distinct definition.

    Returns the class name of every (schema, definition) pair, the definition behind each
    class name, and the extra names given to definitions that mean different things.
    """
    variants: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for schema_name, schema in schemas.items():
        definitions = schema.get("definitions", {})
        for def_name, body in definitions.items():
            meaning = _meaning(body, definitions, frozenset({def_name}))
            key = json.dumps(meaning, sort_keys=True)
            variants[def_name].setdefault(key, []).append(schema_name)

    names: dict[tuple[str, str], str] = {}
    classes: dict[str, _Definition] = {}
    renamed: dict[str, tuple[str, ...]] = {}
    for def_name in sorted(variants):
        ranked = sorted(variants[def_name].values(), key=lambda used: (-len(used), used[0]))
        for rank, used_by in enumerate(ranked):
            class_name = def_name if rank == 0 else f"{used_by[0]}{def_name}"
            if class_name in classes:
                raise GeneratorError(f"class name {class_name!r} is not unique")
            classes[class_name] = _Definition(def_name, tuple(used_by))
            for schema_name in used_by:
                names[(schema_name, def_name)] = class_name
        if len(ranked) > 1:
            renamed[def_name] = tuple(f"{used[0]}{def_name}" for used in ranked[1:])
    return names, classes, renamed


# ---------------------------------------------------------------------------------------------
# Names and docstrings
# ---------------------------------------------------------------------------------------------

# Attributes of pydantic.BaseModel (and of our base classes) that a field must not shadow.
# Spelled out rather than read from pydantic so the output does not depend on its version.
_RESERVED_ATTRS = frozenset(
    {
        "construct", "copy", "dict", "from_orm", "json", "parse_file", "parse_obj",
        "parse_raw", "schema", "schema_json", "to_json", "to_payload", "update_forward_refs",
        "validate",
    }
)  # fmt: skip
# Abbreviations that the camelCase-to-snake_case rule would split letter by letter.
_WORDS = {"SoC": "Soc"}


def snake_case(name: str) -> str:
    """Python attribute name for a schema property: `evseId` -> `evse_id`."""
    for word, replacement in _WORDS.items():
        name = name.replace(word, replacement)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    if keyword.iskeyword(name) or name in _RESERVED_ATTRS or name.startswith("model_"):
        name += "_"
    return name


def enum_member(value: str) -> str:
    """Python member name for an enum value: `Energy.Active.Import.Register` -> `..._Register`."""
    name = re.sub(r"\W", "_", value)
    if name[0].isdigit():
        name = f"_{name}"
    if keyword.iskeyword(name):
        name += "_"
    return name


_DOC_WIDTH = LINE_LENGTH - len('    """"""')


def summary(description: str | None) -> str | None:
    """The readable sentence of a schema description, on one line.

    OCA descriptions start with data-dictionary names (`Charge_ Point`,
    `Device. Model. CI20_ Text`) and `urn:` identifiers; the prose comes after them.
    """
    if not description:
        return None
    for line in description.splitlines():
        line = line.strip()
        if not line or line.startswith("urn:") or "_ " in line:
            continue
        line = html.unescape(line)
        line = re.sub(r"<<[^,>]*,([^>]*)>>", r"\1", line)  # AsciiDoc cross reference
        line = " ".join(line.replace("\\", "/").replace('"""', "'''").split())
        if len(line) > _DOC_WIDTH:
            sentence = line.split(". ", 1)[0] + "."
            if len(sentence) <= _DOC_WIDTH:
                line = sentence
            else:
                line = line[: _DOC_WIDTH - 3].rsplit(" ", 1)[0].rstrip(",;:.") + "..."
        if line.endswith('"'):
            line += " "
        return line
    return None


# ---------------------------------------------------------------------------------------------
# Translating schema nodes
# ---------------------------------------------------------------------------------------------

_TYPE_KEYS = {
    "string": {"type", "maxLength", "format", "default"},
    "integer": {"type", "minimum", "maximum", "default"},
    "number": {"type", "minimum", "maximum", "default"},
    "boolean": {"type", "default"},
    "array": {"type", "items", "minItems", "maxItems", "additionalItems"},
}
_PYTHON_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def _number(value: float, json_type: str) -> str:
    if json_type == "integer":
        if value != int(value):
            raise GeneratorError(f"non-integral bound {value!r} on an integer")
        return str(int(value))
    return repr(float(value))


def _value_type(
    node: Schema, where: str, resolve: Callable[[str], str], deps: set[str]
) -> tuple[str, list[str]]:
    """Annotation and `Field` keyword arguments for a property or an array item."""
    keys = set(node) - _DOC_KEYS
    if "$ref" in node:
        if keys != {"$ref"}:
            raise GeneratorError(f"{where}: $ref with siblings {sorted(keys)}")
        class_name = resolve(_ref_name(node["$ref"]))
        deps.add(class_name)
        return class_name, []
    if "type" not in node:
        if keys - {"default"}:
            raise GeneratorError(f"{where}: untyped node with {sorted(keys)}")
        return "Any", []  # e.g. DataTransfer `data`: any JSON value
    json_type = node["type"]
    allowed = _TYPE_KEYS.get(json_type)
    if allowed is None:
        raise GeneratorError(f"{where}: unsupported type {json_type!r}")
    if keys - allowed:
        raise GeneratorError(f"{where}: unsupported keywords {sorted(keys - allowed)}")
    constraints: list[str] = []
    if json_type == "array":
        items = node["items"]
        if not isinstance(items, dict):
            raise GeneratorError(f"{where}: tuple-typed arrays are not supported")
        # additionalItems only matters with tuple-typed `items`; with one item schema it is a no-op.
        item_type, item_constraints = _value_type(items, f"{where}[]", resolve, deps)
        if item_constraints:
            item_type = f"Annotated[{item_type}, Field({', '.join(item_constraints)})]"
        if "minItems" in node:
            constraints.append(f"min_length={node['minItems']}")
        if "maxItems" in node:
            constraints.append(f"max_length={node['maxItems']}")
        return f"list[{item_type}]", constraints
    if json_type == "string" and "format" in node:
        if node["format"] != "date-time" or "maxLength" in node:
            raise GeneratorError(f"{where}: unsupported string format {node['format']!r}")
        return "DateTime", []
    if "maxLength" in node:
        constraints.append(f"max_length={node['maxLength']}")
    if "minimum" in node:
        constraints.append(f"ge={_number(node['minimum'], json_type)}")
    if "maximum" in node:
        constraints.append(f"le={_number(node['maximum'], json_type)}")
    return _PYTHON_TYPES[json_type], constraints


_OBJECT_KEYS = {"type", "additionalProperties", "properties", "required", "definitions"}


def _model(
    name: str,
    node: Schema,
    doc: str,
    resolve: Callable[[str], str],
    action: str | None = None,
) -> ModelSpec:
    keys = set(node) - _DOC_KEYS
    if node.get("type") != "object" or keys - _OBJECT_KEYS:
        raise GeneratorError(f"{name}: unsupported object keywords {sorted(keys - _OBJECT_KEYS)}")
    extra = node.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise GeneratorError(f"{name}: additionalProperties must be a boolean")
    properties: Mapping[str, Schema] = node.get("properties", {})
    required = set(node.get("required", ()))
    if required - set(properties):
        raise GeneratorError(f"{name}: required but undefined {sorted(required - set(properties))}")
    deps: set[str] = set()
    fields: list[FieldSpec] = []
    for wire_name, prop in properties.items():
        annotation, constraints = _value_type(prop, f"{name}.{wire_name}", resolve, deps)
        attr = snake_case(wire_name)
        if attr in {field.attr for field in fields}:
            raise GeneratorError(f"{name}: two properties map to attribute {attr!r}")
        fields.append(
            FieldSpec(wire_name, attr, annotation, wire_name in required, tuple(constraints))
        )
    return ModelSpec(name, doc, tuple(fields), extra, frozenset(deps), action)


def _enum(name: str, node: Schema, doc: str) -> EnumSpec:
    keys = set(node) - _DOC_KEYS
    if node.get("type") != "string" or keys - {"type", "enum", "default", "additionalProperties"}:
        raise GeneratorError(f"{name}: unsupported enum definition {sorted(keys)}")
    values = tuple(node["enum"])
    members = [enum_member(value) for value in values]
    if len(set(members)) != len(members):
        raise GeneratorError(f"{name}: enum values collide as Python names")
    return EnumSpec(name, doc, values)


def _topological(models: Iterable[ModelSpec]) -> list[ModelSpec]:
    """Order models so each comes after the models it uses; otherwise alphabetically."""
    pending = {model.name: model for model in models}
    ordered: list[ModelSpec] = []
    done: set[str] = set()
    while pending:
        ready = sorted(
            name for name, model in pending.items() if model.depends_on & pending.keys() <= {name}
        )
        if not ready:
            raise GeneratorError(f"cyclic definitions among {sorted(pending)}")
        name = ready[0]
        ordered.append(pending.pop(name))
        done.add(name)
    return ordered


def plan(schemas: Mapping[str, Schema]) -> Plan:
    """Decide the classes to emit for `schemas` (name -> parsed JSON schema)."""
    schemas = dict(sorted(schemas.items()))
    names, classes, renamed = _class_names(schemas)

    def resolver(schema_name: str) -> Callable[[str], str]:
        return lambda def_name: names[(schema_name, def_name)]

    enums: list[EnumSpec] = []
    types: list[ModelSpec] = []
    merged_with_other_docs: list[str] = []
    for class_name, definition in sorted(classes.items()):
        bodies = [schemas[s]["definitions"][definition.def_name] for s in definition.used_by]
        descriptions = Counter(body.get("description", "") for body in bodies)
        if len(descriptions) > 1:
            merged_with_other_docs.append(class_name)
        # The most common description; ties go to the first schema (Counter keeps order).
        description = descriptions.most_common(1)[0][0]
        doc = summary(description) or f"OCPP 2.0.1 data type {definition.def_name}."
        if "enum" in bodies[0]:
            enums.append(_enum(class_name, bodies[0], doc))
        else:
            resolve = resolver(definition.used_by[0])
            types.append(_model(class_name, bodies[0], doc, resolve))

    actions: dict[str, set[str]] = defaultdict(set)
    messages: list[ModelSpec] = []
    for schema_name, schema in schemas.items():
        match = re.fullmatch(r"(\w+?)(Request|Response)", schema_name)
        if match is None:
            raise GeneratorError(f"schema {schema_name!r} is neither a request nor a response")
        action, kind = match.groups()
        actions[action].add(kind)
        if schema_name in classes:
            raise GeneratorError(f"definition name {schema_name!r} clashes with a message")
        doc = f"{action} {'CALL' if kind == 'Request' else 'CALLRESULT'} payload."
        messages.append(_model(schema_name, schema, doc, resolver(schema_name), action))
    incomplete = sorted(action for action, kinds in actions.items() if len(kinds) != 2)
    if incomplete:
        raise GeneratorError(f"actions without both request and response: {incomplete}")

    return Plan(
        enums=tuple(enums),
        types=tuple(_topological(types)),
        messages=tuple(messages),
        actions=tuple(sorted(actions)),
        merged_with_other_docs=tuple(merged_with_other_docs),
        renamed=renamed,
    )


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

HEADER = f'''\
"""OCPP 2.0.1 payloads: pydantic models of the request and response of every action.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py from the OCA JSON schemas that
ship in the `ocpp` package (ocpp/v201/schemas, "OCPP 2.0.1 FINAL").
Regenerate with `{REGENERATE}`; add `--check` to see whether this file is current.

Conventions:

* Attributes are snake_case; the wire (camelCase) property names are the aliases. Models are
  built by attribute name in Python (`ChargingStationType(model="m", vendor_name="v")`) and
  from the wire by alias (see `station.ocpp.validation`).
* An optional property is `None` in Python when it is absent; it is never sent as `null` and
  a received `null` is rejected. `None` given to a constructor or assigned means "absent".
* Validation is strict, as JSON Schema is: `"12"` is not an integer, `1` is not a string.
  Enum properties accept the enum member or its string value.
* `format: date-time` properties are timezone-aware `datetime`s; they are written by
  `station.ocpp.datetimes.format_date_time`: RFC 3339 in UTC with a `Z` suffix and at most
  three fractional digits (Part 2 §2.1.4).
* `to_payload()` gives the JSON-ready wire dict of a model, `to_json()` the same as text.
"""

import enum
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias, TypeVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    PlainValidator,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from station.ocpp.datetimes import format_date_time

if TYPE_CHECKING:
    _T = TypeVar("_T")
    Omittable: TypeAlias = _T | None
else:

    class Omittable:
        """`Omittable[T]`: an optional property, `None` when absent, never `null` on the wire.

        Type checkers see `T | None`. At run time the annotation is plain `T` with a default
        of `None`: pydantic does not validate defaults, so an absent property becomes `None`
        while an explicit `null` fails validation like any other value of the wrong type.
        """

        def __class_getitem__(cls, item: Any) -> Any:
            return item


_DATE_TIME = re.compile(
    r"\\d{{4}}-\\d{{2}}-\\d{{2}}[Tt]\\d{{2}}:\\d{{2}}:\\d{{2}}(?:\\.\\d+)?(?:[Zz]|[+-]\\d{{2}}:\\d{{2}})",
    re.ASCII,
)


def _validate_date_time(value: object) -> datetime:
    """Accept an RFC 3339 `date-time` string or an aware `datetime`.

    A leap second (`23:59:60`), which `datetime` cannot hold, becomes the last microsecond
    of the minute.
    """
    if isinstance(value, str):
        if _DATE_TIME.fullmatch(value):
            text = value.upper()
            leap_second = text[17:19] == "60"
            if leap_second:
                text = f"{{text[:17]}}59{{text[19:]}}"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return moment.replace(microsecond=999999) if leap_second else moment
        raise PydanticCustomError(
            "date_time_format", "malformed date-time {{value}}", {{"value": value[:40]}}
        )
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise PydanticCustomError("date_time_naive", "datetime without a timezone")
        return value
    raise PydanticCustomError("date_time_type", "expected a date-time string")


DateTime = Annotated[
    datetime,
    PlainValidator(_validate_date_time, json_schema_input_type=str),
    PlainSerializer(format_date_time, return_type=str, when_used="json"),
]


class OcppEnum(enum.StrEnum):
    """Base of the OCPP enumerations; the wire value is the string itself."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        schema = cast(core_schema.EnumSchema, handler(source))
        if schema["type"] != "enum":
            raise TypeError(f"{{cls.__name__}}: unexpected core schema {{schema['type']!r}}")
        schema["strict"] = False  # strict models would accept only members, not wire strings
        return schema


class OcppType(BaseModel):
    """Base of every OCPP model: strict, closed, snake_case in Python, camelCase on the wire."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        allow_inf_nan=False,
        # Each model builds its validator and serializer when first used, not at import:
        # a station uses a few dozen of the ~250 models in a day, and building them all
        # cost most of its start-up time and memory.
        defer_build=True,
    )

    def __init__(self, /, **data: Any) -> None:
        """Build from attribute names; a `None` argument leaves that property unset."""
        super().__init__(**{{name: value for name, value in data.items() if value is not None}})

    # Tell pydantic this is not a "custom" __init__ (as RootModel does): otherwise it would
    # validate nested wire objects by calling __init__, by name, dropping nulls, slowly.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def to_payload(self) -> dict[str, Any]:
        """The wire form: camelCase keys, `None` properties left out, JSON types only.

        Also leaves out `null` values that the schemas would allow (DataTransfer `data`, vendor
        keys of `customData`): OCPP gives them no meaning beyond absence.
        """
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_json(self) -> str:
        """`to_payload()` as compact JSON text, serialised in one pass (no dict in between)."""
        return self.__pydantic_serializer__.to_json(
            self, by_alias=True, exclude_none=True
        ).decode()


class Message(OcppType):
    """Base of the request and response payloads; `ACTION` names the OCPP action."""

    ACTION: ClassVar[str]
'''


def _field_line(field: FieldSpec) -> list[str]:
    annotation = field.annotation if field.required else f"Omittable[{field.annotation}]"
    args = [] if field.required else ["default=None"]  # by keyword, as type checkers expect
    if field.attr != field.wire_name:
        # Not `alias=`: type checkers would then expect the wire name as the keyword argument.
        args.append(f'validation_alias="{field.wire_name}"')
        args.append(f'serialization_alias="{field.wire_name}"')
    args.extend(field.constraints)
    if args == ["default=None"]:
        return [f"    {field.attr}: {annotation} = None"]
    if not args:
        return [f"    {field.attr}: {annotation}"]
    line = f"    {field.attr}: {annotation} = Field({', '.join(args)})"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [
        f"    {field.attr}: {annotation} = Field(",
        *(f"        {arg}," for arg in args),
        "    )",
    ]


def _render_enum(spec: EnumSpec) -> list[str]:
    lines = [f"class {spec.name}(OcppEnum):", f'    """{spec.doc}"""', ""]
    lines += [f'    {enum_member(value)} = "{value}"' for value in spec.values]
    return lines


def _render_model(spec: ModelSpec) -> list[str]:
    base = "Message" if spec.action else "OcppType"
    lines = [f"class {spec.name}({base}):", f'    """{spec.doc}"""', ""]
    if spec.extra_allowed:
        lines += ['    model_config = ConfigDict(extra="allow")', ""]
    if spec.action:
        lines += [f'    ACTION: ClassVar[str] = "{spec.action}"', ""]
    for field in spec.fields:
        lines += _field_line(field)
    if lines[-1] == "":
        lines.pop()
    return lines


def render(spec: Plan) -> str:
    """The text of `messages.py` for `spec`."""
    blocks = [_render_enum(enum_spec) for enum_spec in spec.enums]
    blocks += [_render_model(model) for model in spec.types]
    blocks += [_render_model(model) for model in spec.messages]
    tables = ["ACTIONS: frozenset[str] = frozenset(", "    {"]
    tables += [f'        "{action}",' for action in spec.actions]
    tables += ["    }", ")"]
    for table, kind in (("REQUESTS", "Request"), ("RESPONSES", "Response")):
        tables += ["", f"{table}: dict[str, type[Message]] = {{"]
        tables += [f'    "{action}": {action}{kind},' for action in spec.actions]
        tables += ["}"]
    blocks.append(tables)
    body = "\n\n\n".join("\n".join(block) for block in blocks)
    return f"{HEADER}\n\n{body}\n"


def generate() -> str:
    """Render `messages.py` from the installed schemas."""
    return render(plan(load_schemas()))


def main(argv: list[str] | None = None) -> int:
    """Command line: write `messages.py`, or with `--check` compare it with the schemas."""
    return write_or_check(argv, generate, OUTPUT, REGENERATE, __doc__)


if __name__ == "__main__":
    sys.exit(main())
