"""Generate the package `station/ocpp/messages/` from the OCA OCPP 2.0.1 JSON schemas.

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

The classes are split into modules so that a station builds only the models of the actions
it uses (see `modules`): one module per action, one per set of actions sharing types, and
`__init__.py`, which names every class for type checkers and imports its module on first
use (PEP 562). `--check` compares every file and reports Python files it would not write.

Usage (from the repository root):

    python tools/gen_messages.py          # write station/ocpp/messages/
    python tools/gen_messages.py --check  # exit 1 if a committed file is out of date
"""

from __future__ import annotations

import argparse
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


SCHEMA_PACKAGE = "ocpp.v201"
SCHEMA_DIR = "schemas"
OUTPUT = Path(__file__).resolve().parent.parent / "station" / "ocpp" / "messages"
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

PACKAGE_DOC = f'''\
"""OCPP 2.0.1 payloads: pydantic models of the request and response of every action.

GENERATED PACKAGE, DO NOT EDIT. Written by tools/gen_messages.py from the OCA JSON schemas
that ship in the `ocpp` package (ocpp/v201/schemas, "OCPP 2.0.1 FINAL").
Regenerate with `{REGENERATE}`; add `--check` to see whether it is current.

Every public name is imported from this package (`from station.ocpp.messages import
BootNotificationRequest`). A model is built when it is first asked for, not when the package
is imported: each action's module holds its request, its response and the types only they
use; a type that several actions share lives in `shared/`, in the module of exactly the
actions that use it. A station therefore builds only the models of the actions it uses
(a boot needs about a dozen of the 64), and `REQUESTS`/`RESPONSES` import an action's module
on the first lookup. Type checkers see every name through the `TYPE_CHECKING` imports below.

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
'''

BASE = '''\
"""The bases of the OCPP 2.0.1 models: `OcppEnum`, `OcppType`, `Message`, and the
`Omittable` and `DateTime` annotations of their properties.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py; see `station.ocpp.messages`.
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
    r"\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:[Zz]|[+-]\\d{2}:\\d{2})",
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
                text = f"{text[:17]}59{text[19:]}"
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                pass
            else:
                return moment.replace(microsecond=999999) if leap_second else moment
        raise PydanticCustomError(
            "date_time_format", "malformed date-time {value}", {"value": value[:40]}
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
            raise TypeError(f"{cls.__name__}: unexpected core schema {schema['type']!r}")
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
        super().__init__(**{name: value for name, value in data.items() if value is not None})

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


@dataclass(frozen=True)
class ModuleSpec:
    """One generated module: the classes of one action, or the types a set of actions share."""

    name: str  # dotted, relative to the package: "boot_notification", "shared.id_token"
    doc: str
    enums: tuple[EnumSpec, ...]
    models: tuple[ModelSpec, ...]  # in dependency order

    @property
    def path(self) -> str:
        """The module's file, relative to the package directory."""
        return self.name.replace(".", "/") + ".py"


BASE_MODULE = "_base"
BASE_NAMES = ("DateTime", "Message", "OcppEnum", "OcppType", "Omittable")
SHARED = "shared"
SHARED_DOC = "The OCPP 2.0.1 types that several actions use (generated)."


def _module_name(class_name: str) -> str:
    """`GetVariables` -> `get_variables`, `IdTokenType` -> `id_token`."""
    stem = class_name.removesuffix("Type").removesuffix("Enum")
    stem = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", stem)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", stem).lower()


def modules(spec: Plan) -> tuple[ModuleSpec, ...]:
    """Split the classes of `spec` into modules so that using an action loads only its own.

    Each definition goes to the module of the exact set of actions whose messages use it
    (directly or through other definitions): one action's definitions join its messages;
    those of several actions go to a `shared` module named after the group's main class.
    A definition's dependencies are used by at least the same actions, so a module imports
    only modules of the same or a larger set of actions: no cycles, nothing extra loaded.
    """
    depends = {model.name: model.depends_on for model in (*spec.types, *spec.messages)}
    users: dict[str, set[str]] = defaultdict(set)
    for message in spec.messages:
        assert message.action is not None
        pending = list(message.depends_on)
        while pending:
            name = pending.pop()
            if message.action not in users[name]:
                users[name].add(message.action)
                pending.extend(depends.get(name, ()))
    unused = sorted({*(e.name for e in spec.enums), *(t.name for t in spec.types)} - users.keys())
    if unused:
        raise GeneratorError(f"definitions no message uses: {unused}")
    groups: dict[frozenset[str], list[str]] = defaultdict(list)
    for name, using in users.items():
        groups[frozenset(using)].append(name)
    enums = {enum.name: enum for enum in spec.enums}
    order = {model.name: index for index, model in enumerate(spec.types)}  # topological
    types = {model.name: model for model in spec.types}

    def in_order(names: Iterable[str]) -> tuple[ModelSpec, ...]:
        ordered = sorted((name for name in names if name in types), key=order.__getitem__)
        return tuple(types[name] for name in ordered)

    result: list[ModuleSpec] = []
    for action in spec.actions:
        own = groups.pop(frozenset({action}), [])
        messages = [m for m in spec.messages if m.action == action]
        result.append(
            ModuleSpec(
                _module_name(action),
                f"The {action} request and response, and the types only they use.",
                tuple(enums[n] for n in sorted(own) if n in enums),
                (*in_order(own), *messages),
            )
        )
    for actions, names in groups.items():
        used_inside = {dep for name in names for dep in depends.get(name, ())}
        roots = [name for name in names if name not in used_inside]
        main_class = min(roots, key=lambda name: (name in enums, name))
        listed = ", ".join(sorted(actions)) if len(actions) < len(spec.actions) else "every action"
        result.append(
            ModuleSpec(
                f"{SHARED}.{_module_name(main_class)}",
                f"{main_class} and what only it shares; used by {listed}.",
                tuple(enums[n] for n in sorted(names) if n in enums),
                in_order(names),
            )
        )
    module_names = [module.name for module in result]
    clashes = sorted({name for name in module_names if module_names.count(name) > 1})
    if clashes:
        raise GeneratorError(f"module names are not unique: {clashes}")
    return tuple(sorted(result, key=lambda module: module.name))


def _wrap_doc(text: str) -> list[str]:
    """A docstring's text as lines of at most LINE_LENGTH characters."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LINE_LENGTH:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _import_lines(source: str, names: Iterable[str]) -> list[str]:
    """`from <source> import a, b` lines (wrapped as ruff formats them)."""
    names = sorted(names)
    line = f"from {source} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return [line]
    return [f"from {source} import (", *(f"    {name}," for name in names), ")"]


def _render_module(module: ModuleSpec, home: Mapping[str, str]) -> str:
    blocks = [_render_enum(enum_spec) for enum_spec in module.enums]
    blocks += [_render_model(model) for model in module.models]
    body = "\n\n\n".join("\n".join(block) for block in blocks)
    code = re.sub(r'""".*?"""', "", body, flags=re.DOTALL)  # not the names in docstrings
    used = set(re.findall(r"\b[A-Za-z_]\w*\b", code))
    depth = module.name.count(".") + 1  # leading dots of a relative import to the package
    imports: list[str] = []
    typing_names = sorted(used & {"Annotated", "Any", "ClassVar"})
    if typing_names:
        imports += [*_import_lines("typing", typing_names), ""]
    pydantic_names = sorted(used & {"ConfigDict", "Field"})
    if pydantic_names:
        imports += [*_import_lines("pydantic", pydantic_names), ""]
    sources: dict[str, set[str]] = defaultdict(set)
    sources[BASE_MODULE] = used & set(BASE_NAMES)
    defined = {spec.name for spec in module.enums} | {spec.name for spec in module.models}
    for name in used - defined:
        if name in home and home[name] != BASE_MODULE:
            sources[home[name]].add(name)
    package = module.name.rpartition(".")[0]
    for source in sorted(sources):
        if package and source.startswith(f"{package}."):  # a sibling
            relative = "." + source.removeprefix(f"{package}.")
        else:
            relative = "." * depth + source
        imports += _import_lines(relative, sources[source])
    doc = "\n".join(_wrap_doc(module.doc))
    header = f'"""{doc}\n\nGENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.\n"""'
    return f"{header}\n\n" + "\n".join(imports) + f"\n\n\n{body}\n"


def _render_package(spec: Plan, home: Mapping[str, str]) -> str:
    lines = [
        PACKAGE_DOC.rstrip("\n"),
        "",
        "from __future__ import annotations",
        "",
        "import importlib",
        "from collections.abc import Iterator, Mapping",
        "from typing import TYPE_CHECKING, Any",
        "",
        "if TYPE_CHECKING:",
    ]
    by_module: dict[str, list[str]] = defaultdict(list)
    for name, module in home.items():
        by_module[module].append(name)
    for module in sorted(by_module):
        names = sorted(by_module[module])
        lines.append(f"    from .{module} import (")
        lines += [f"        {name} as {name}," for name in names]
        lines.append("    )")
    lines += ["", "ACTIONS: frozenset[str] = frozenset(", "    {"]
    lines += [f'        "{action}",' for action in spec.actions]
    lines += ["    }", ")", ""]
    lines += [
        "#: The module (relative to this package) that defines each public name.",
        "_HOME: dict[str, str] = {",
    ]
    lines += [f'    "{name}": "{module}",' for name, module in sorted(home.items())]
    lines += ["}", ""]
    lines.append(PACKAGE_CODE.rstrip("\n"))
    return "\n".join(lines) + "\n"


PACKAGE_CODE = '''

def _load(name: str) -> Any:
    """Import the module that defines `name`, keep the name here for next time, return it."""
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:
    # PEP 562: `from station.ocpp.messages import X` and `messages.X` build X's module on first
    # use. Hidden from type checkers so that a misspelt name is an error, not `Any`.
    __getattr__ = _load


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return sorted({*globals(), *_HOME})


class ActionModels(Mapping[str, "type[Message]"]):
    """Action name -> its request or response model, imported on the first lookup."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._models: dict[str, type[Message]] = {}

    def __getitem__(self, action: str) -> type[Message]:
        model = self._models.get(action)
        if model is None:
            if action not in ACTIONS:
                raise KeyError(action)
            model = self._models[action] = _load(f"{action}{self._kind}")
        return model

    def __contains__(self, action: object) -> bool:
        return action in ACTIONS

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(ACTIONS))

    def __len__(self) -> int:
        return len(ACTIONS)

    def __repr__(self) -> str:
        return f"<{self._kind} models of {len(ACTIONS)} actions, {len(self._models)} loaded>"


#: The CALL payload model of each action.
REQUESTS: Mapping[str, type[Message]] = ActionModels("Request")
#: The CALLRESULT payload model of each action.
RESPONSES: Mapping[str, type[Message]] = ActionModels("Response")
'''


def render(spec: Plan) -> dict[str, str]:
    """The files of the `messages` package for `spec`, by path relative to the package."""
    split = modules(spec)
    home = {name: BASE_MODULE for name in BASE_NAMES}
    for module in split:
        home.update(dict.fromkeys((spec.name for spec in module.enums), module.name))
        home.update(dict.fromkeys((spec.name for spec in module.models), module.name))
    files = {
        "__init__.py": _render_package(spec, home),
        f"{BASE_MODULE}.py": BASE,
        f"{SHARED}/__init__.py": f'"""{SHARED_DOC}"""\n',
    }
    for module in split:
        files[module.path] = _render_module(module, home)
    return dict(sorted(files.items()))


def generate() -> dict[str, str]:
    """Render the `messages` package from the installed schemas."""
    return render(plan(load_schemas()))


def main(argv: list[str] | None = None) -> int:
    """Command line: write the package, or with `--check` compare it with the schemas."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the package is out of date"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args(argv)
    output: Path = args.output
    files = generate()
    # Python files there that the generator would not write (a removed action's module), and
    # the single module the package replaced, which would confuse readers and tools.
    present = {path.relative_to(output).as_posix() for path in output.rglob("*.py")}
    stale = sorted(present - files.keys())
    old_module = output.with_suffix(".py")
    if args.check:
        problems = [path for path, text in files.items() if _read(output / path) != text]
        problems += [f"{path} (not generated)" for path in stale]
        if old_module.exists():
            problems.append(f"{old_module} (replaced by the package)")
        if problems:
            print(f"{output} is out of date: {', '.join(problems)}", file=sys.stderr)
            print(f"run `{REGENERATE}`", file=sys.stderr)
            return 1
        print(f"{output} is up to date ({len(files)} files)")
        return 0
    for path, text in files.items():
        target = output / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if _read(target) != text:
            target.write_text(text, encoding="utf-8", newline="\n")
    for path in stale:
        (output / path).unlink()
    if old_module.exists():
        old_module.unlink()
    print(f"wrote {output} ({len(files)} files, {len(stale)} stale removed)")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
