"""Values of device-model variables: parsing and checking by OCPP dataType (Part 2 §2.7.1).

Variables travel as strings (``attributeValue``); inside the station they are Python values:
``int`` (integer), ``float`` (decimal), ``bool`` (boolean), ``datetime`` (dateTime),
``str`` (string, OptionList) and ``tuple[str, ...]`` (MemberList, SequenceList).
`parse` turns wire text into a checked value or raises `InvalidValue` with a reason fit for
a SetVariables ``statusInfo`` and a log line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from station.ocpp.datetimes import format_date_time

Value = int | float | bool | str | datetime | tuple[str, ...]


class DataType(StrEnum):
    """DataEnumType of the VariableCharacteristics."""

    string = "string"
    decimal = "decimal"
    integer = "integer"
    dateTime = "dateTime"
    boolean = "boolean"
    OptionList = "OptionList"
    SequenceList = "SequenceList"
    MemberList = "MemberList"


LIST_TYPES = frozenset({DataType.OptionList, DataType.SequenceList, DataType.MemberList})

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class InvalidValue(ValueError):
    """A value does not fit its variable's characteristics. ``str()`` is the reason."""


@dataclass(frozen=True, slots=True)
class Limits:
    """The checking part of VariableCharacteristics."""

    data_type: DataType
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] | None = None


def parse(text: str, limits: Limits) -> Value:
    """Parse wire text into a value of ``limits.data_type`` and check it against the limits."""
    kind = limits.data_type
    if kind is DataType.integer:
        if not _INTEGER.fullmatch(text.strip()):
            raise InvalidValue(f"{text!r} is not an integer")
        integer = int(text)
        _check_range(integer, limits)
        return integer
    if kind is DataType.decimal:
        if not _DECIMAL.fullmatch(text.strip()):
            raise InvalidValue(f"{text!r} is not a decimal number")
        number = float(text)
        if not math.isfinite(number):
            raise InvalidValue(f"{text!r} is not a finite number")
        _check_range(number, limits)
        return number
    if kind is DataType.boolean:
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise InvalidValue(f"{text!r} is not a boolean (true or false)")
        return lowered == "true"
    if kind is DataType.dateTime:
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(f"{text!r} is not an RFC 3339 date-time") from None
        if moment.tzinfo is None:
            raise InvalidValue(f"{text!r} has no time zone")
        return moment.astimezone(UTC)
    if kind is DataType.string:
        # For strings, minLimit/maxLimit bound the length (Part 2 §2.7.1).
        _check_length(text, limits)
        return text
    if kind is DataType.OptionList:
        return _member(text.strip(), limits)
    items = tuple(item.strip() for item in text.split(",")) if text.strip() else ()
    for item in items:
        _member(item, limits)
    if len(set(items)) != len(items):
        raise InvalidValue(f"{text!r} lists an entry twice")
    if kind is DataType.SequenceList and limits.values_list is not None and not items:
        raise InvalidValue("the list must not be empty")
    return items


def format_value(value: Value, data_type: DataType) -> str:
    """The wire text of a value."""
    if data_type is DataType.boolean:
        return "true" if value else "false"
    if data_type is DataType.dateTime:
        assert isinstance(value, datetime)
        return format_date_time(value)
    if data_type is DataType.decimal:
        assert isinstance(value, int | float)
        return repr(float(value)) if not float(value).is_integer() else str(int(value))
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def _check_range(number: float, limits: Limits) -> None:
    if limits.min_limit is not None and number < limits.min_limit:
        raise InvalidValue(f"{_num(number)} is below minLimit {_num(limits.min_limit)}")
    if limits.max_limit is not None and number > limits.max_limit:
        raise InvalidValue(f"{_num(number)} is above maxLimit {_num(limits.max_limit)}")


def _check_length(text: str, limits: Limits) -> None:
    if limits.min_limit is not None and len(text) < limits.min_limit:
        raise InvalidValue(f"is {len(text)} characters long, minLimit is {_num(limits.min_limit)}")
    if limits.max_limit is not None and len(text) > limits.max_limit:
        raise InvalidValue(f"is {len(text)} characters long, maxLimit is {_num(limits.max_limit)}")


def _member(item: str, limits: Limits) -> str:
    if limits.values_list is None:
        return item
    for allowed in limits.values_list:
        if allowed.lower() == item.lower():
            return allowed
    raise InvalidValue(f"{item!r} is not one of {','.join(limits.values_list)}")


def _num(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
