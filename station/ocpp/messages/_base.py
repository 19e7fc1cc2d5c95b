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
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})",
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
