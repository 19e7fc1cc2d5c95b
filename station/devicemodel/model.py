"""The device model: components, variables and their attribute values (Part 1 §4, Part 2 B05–B08).

Variables are declared once, as data (`Variable`, see `station.devicemodel.catalogue`);
this module holds their values, checks writes, persists them in the store and tells the
parts of the station that care when a value changes.

Values come from three places:

* **stored**: writable variables (and read-only ones the station itself updates, like
  ``SecurityProfile``) are kept in the store and cached in memory; a write is durable
  before `DeviceModel.set` returns;
* **constant**: fixed facts (``FileTransferProtocols``, ``ItemsPerMessageGetVariables``);
* **live**: read from the part of the station that owns them (``AvailabilityState``,
  ``DateTime``) through a callable given in the declaration or bound later with
  `DeviceModel.bind_live`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from station.devicemodel.datatypes import (
    DataType,
    InvalidValue,
    Limits,
    Value,
    format_value,
    parse,
)
from station.store import Store

log = logging.getLogger(__name__)


class Mutability(StrEnum):
    """MutabilityEnumType."""

    ReadOnly = "ReadOnly"
    WriteOnly = "WriteOnly"
    ReadWrite = "ReadWrite"


class Attribute(StrEnum):
    """AttributeEnumType. An omitted attributeType means Actual (B05.FR.12, B06.FR.11)."""

    Actual = "Actual"
    Target = "Target"
    MinSet = "MinSet"
    MaxSet = "MaxSet"


class SetStatus(StrEnum):
    """SetVariableStatusEnumType."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"
    RebootRequired = "RebootRequired"


class GetStatus(StrEnum):
    """GetVariableStatusEnumType."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"


@dataclass(frozen=True, slots=True, order=True)
class Component:
    """A component reference: name, optional instance, optional EVSE and connector."""

    name: str
    instance: str | None = None
    evse: int | None = None
    connector: int | None = None

    def __str__(self) -> str:
        text = self.name
        if self.instance:
            text += f"({self.instance})"
        if self.evse is not None:
            text += f"#{self.evse}" + (f",{self.connector}" if self.connector is not None else "")
        return text


@dataclass(frozen=True, slots=True, order=True)
class VariableKey:
    """A variable of a component, e.g. ``OCPPCommCtrlr.MessageAttempts[TransactionEvent]``."""

    component: Component
    name: str
    instance: str | None = None

    def __str__(self) -> str:
        text = f"{self.component}.{self.name}"
        return text + (f"[{self.instance}]" if self.instance else "")


def key(
    component: str,
    name: str,
    instance: str | None = None,
    *,
    evse: int | None = None,
    connector: int | None = None,
    component_instance: str | None = None,
) -> VariableKey:
    """Shorthand for building a `VariableKey`."""
    return VariableKey(Component(component, component_instance, evse, connector), name, instance)


LiveSource = Callable[[], Value]
Check = Callable[[Value], str | None]


@dataclass(slots=True)
class Variable:
    """Declaration of one variable: characteristics, attributes, and how it behaves.

    ``default`` is the wire text of the Actual value on a first start (``None`` = no
    value, reported as an empty string). ``attributes`` lists the supported attribute
    types. ``reboot_required`` makes a successful write answer RebootRequired.
    ``check`` adds a semantic rule beyond the characteristics; it returns a reason to
    reject or None. ``write_rule`` returns a reason to refuse CSMS writes altogether
    (e.g. SecurityProfile may only change through the A05 procedure).
    """

    key: VariableKey
    data_type: DataType
    mutability: Mutability = Mutability.ReadOnly
    default: str | None = None
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values_list: tuple[str, ...] | None = None
    supports_monitoring: bool = False
    attributes: tuple[Attribute, ...] = (Attribute.Actual,)
    constant: bool = False
    persistent: bool | None = None  # None: derived, see `is_persistent`
    reboot_required: bool = False
    live: LiveSource | None = None
    check: Check | None = None
    write_rule: Check | None = None
    secret: bool = False  # never logged (in addition to WriteOnly never being reported)

    def __post_init__(self) -> None:
        if self.data_type in (DataType.OptionList, DataType.MemberList, DataType.SequenceList):
            if not self.values_list:
                raise ValueError(f"{self.key}: list-typed variable needs a values_list")

    @property
    def limits(self) -> Limits:
        """The parts of the characteristics that constrain values."""
        return Limits(self.data_type, self.min_limit, self.max_limit, self.values_list)

    @property
    def is_persistent(self) -> bool:
        """Whether the value survives a reboot: stored and constant values do, live ones
        (read from their owner) are reported as not persistent."""
        return self.persistent if self.persistent is not None else self.live is None

    @property
    def stored(self) -> bool:
        """Whether the value is kept in the store (not constant, not live)."""
        return not self.constant and self.live is None


@dataclass(frozen=True, slots=True)
class SetOutcome:
    """Result of one write: status plus a reason (for statusInfo and the log)."""

    status: SetStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class GetOutcome:
    """Result of one read."""

    status: GetStatus
    value: str | None = None
    reason: str | None = None
    #: The variable read, when Accepted: `DeviceModel.text` reads it again.
    variable: Variable | None = None


@dataclass(frozen=True, slots=True)
class SetItem:
    """One requested write, as addressed on the wire (names matched case-insensitively)."""

    component: Component
    variable: str
    variable_instance: str | None
    value: str
    attribute: Attribute = Attribute.Actual


@dataclass(slots=True)
class _Lookup:
    by_component: dict[tuple, dict[tuple, Variable]] = field(
        default_factory=lambda: defaultdict(dict)
    )


def _component_index(component: Component) -> tuple:
    return (
        component.name.lower(),
        (component.instance or "").lower(),
        component.evse,
        component.connector,
    )


def _variable_index(name: str, instance: str | None) -> tuple:
    return (name.lower(), (instance or "").lower())


def _store_key(variable_key: VariableKey, attribute: Attribute) -> str:
    c = variable_key.component
    parts = (
        c.name,
        c.instance or "",
        "" if c.evse is None else str(c.evse),
        "" if c.connector is None else str(c.connector),
        variable_key.name,
        variable_key.instance or "",
        attribute.value,
    )
    return "/".join(parts)


def store_key(variable_key: VariableKey, attribute: Attribute = Attribute.Actual) -> str:
    """The key of a value in the store's ``variables`` table (for tools that read the
    store without a device model, e.g. `station.seeding`)."""
    return _store_key(variable_key, attribute)


class UnknownVariableError(KeyError):
    """A variable the station does not have was asked for by the station's own code."""


class DeviceModel:
    """Values of all declared variables, with persistence and change notification."""

    def __init__(self, variables: Iterable[Variable], store: Store | None = None) -> None:
        """``store=None`` keeps values in memory only (tools and pure tests)."""
        self._store = store
        self._variables: dict[VariableKey, Variable] = {}
        self._index = _Lookup()
        for variable in variables:
            if variable.key in self._variables:
                raise ValueError(f"{variable.key} declared twice")
            self._variables[variable.key] = variable
            self._index.by_component[_component_index(variable.key.component)][
                _variable_index(variable.key.name, variable.key.instance)
            ] = variable
        self._values: dict[tuple[VariableKey, Attribute], Value] = {}
        self._listeners: dict[VariableKey, list[Callable[[Value], None]]] = defaultdict(list)
        #: Problems found while loading (stored values that no longer validate).
        self.load_problems: list[str] = []

    # -- declaration queries ------------------------------------------------------------

    def variables(self) -> list[Variable]:
        """All declared variables, in a stable order (component, then variable)."""
        return sorted(
            self._variables.values(),
            key=lambda v: (
                v.key.component.name,
                v.key.component.instance or "",
                v.key.component.evse or 0,
                v.key.component.connector or 0,
                v.key.name,
                v.key.instance or "",
            ),
        )

    def secret_variable_names(self) -> frozenset[str]:
        """Lower-cased names of the variables whose values are never logged (WriteOnly or
        secret): what the message log redacts, named in any casing (A01.FR.12)."""
        return frozenset(
            v.key.name.lower()
            for v in self._variables.values()
            if v.secret or v.mutability is Mutability.WriteOnly
        )

    def declaration(self, variable_key: VariableKey) -> Variable:
        """The declaration of a variable the station's own code refers to."""
        try:
            return self._variables[variable_key]
        except KeyError:
            raise UnknownVariableError(str(variable_key)) from None

    def find(self, component: Component, name: str, instance: str | None) -> Variable | SetStatus:
        """Resolve a wire reference: the variable, or UnknownComponent / UnknownVariable."""
        variables = self._index.by_component.get(_component_index(component))
        if variables is None:
            return SetStatus.UnknownComponent
        variable = variables.get(_variable_index(name, instance))
        return variable if variable is not None else SetStatus.UnknownVariable

    # -- loading -------------------------------------------------------------------------

    async def load(self, seeds: dict[VariableKey, str] | None = None) -> None:
        """Load stored values; seed missing ones from ``seeds`` (the config) or defaults.

        A stored value that no longer validates is replaced by the seed/default, and a
        line is added to `load_problems` (the caller logs it and raises a security event).
        """
        stored: dict[str, str] = {}
        if self._store is not None:
            stored = await self._store.run(
                lambda db: dict(db.execute("SELECT key, value FROM variables").fetchall())
            )
        writes: dict[str, str] = {}
        for variable in self._variables.values():
            if variable.live is not None:
                continue
            for attribute in variable.attributes:
                initial = (seeds or {}).get(variable.key) if attribute is Attribute.Actual else None
                initial = (
                    initial
                    if initial is not None
                    else (variable.default if attribute is Attribute.Actual else None)
                )
                store_key = _store_key(variable.key, attribute)
                text = stored.get(store_key) if variable.stored else None
                if text is not None:
                    try:
                        self._values[(variable.key, attribute)] = parse(text, variable.limits)
                        continue
                    except InvalidValue as exc:
                        shown = "<secret>" if variable.secret else repr(text)
                        self.load_problems.append(
                            f"stored {variable.key}[{attribute}] = {shown} is invalid ({exc}); "
                            "using the default"
                        )
                if initial is None:
                    continue
                try:
                    value = parse(initial, variable.limits)
                except InvalidValue as exc:
                    raise ValueError(f"seed/default of {variable.key} is invalid: {exc}") from None
                self._values[(variable.key, attribute)] = value
                if variable.stored:
                    writes[store_key] = format_value(value, variable.data_type)
        if writes and self._store is not None:
            await self._store.run(
                lambda db: db.executemany(
                    "INSERT OR REPLACE INTO variables (key, value) VALUES (?, ?)", writes.items()
                )
            )
        for problem in self.load_problems:
            log.error("event=devicemodel_invalid_stored_value detail=%r", problem)

    # -- reading -------------------------------------------------------------------------

    def get(
        self, variable_key: VariableKey, attribute: Attribute = Attribute.Actual
    ) -> Value | None:
        """The current value (None if unset). For the station's own code: WriteOnly allowed."""
        return self._value(self.declaration(variable_key), attribute)

    # The typed readers below exist because `get` can only promise the union `Value`: the
    # Python type follows the variable's declared dataType (`parse` builds it), so a reader
    # that names the type it expects turns a wrong declaration into a clear error here
    # instead of a surprise wherever the value is used.

    def get_int(
        self, variable_key: VariableKey, attribute: Attribute = Attribute.Actual
    ) -> int | None:
        """The current value of an integer variable (None if unset)."""
        value = self.get(variable_key, attribute)
        if value is None or isinstance(value, int):
            return value
        raise TypeError(f"{variable_key} holds {value!r}, not an integer")

    def get_float(
        self, variable_key: VariableKey, attribute: Attribute = Attribute.Actual
    ) -> float | None:
        """The current value of a decimal or integer variable as a float (None if unset)."""
        value = self.get(variable_key, attribute)
        if value is None:
            return None
        if isinstance(value, int | float):
            return float(value)
        raise TypeError(f"{variable_key} holds {value!r}, not a number")

    def get_list(
        self, variable_key: VariableKey, attribute: Attribute = Attribute.Actual
    ) -> tuple[str, ...] | None:
        """The current value of a MemberList or SequenceList variable (None if unset)."""
        value = self.get(variable_key, attribute)
        if value is None or isinstance(value, tuple):
            return value
        raise TypeError(f"{variable_key} holds {value!r}, not a list")

    def text(self, variable: Variable, attribute: Attribute = Attribute.Actual) -> str:
        """Wire text of a value; empty string when unset (B06.FR.13)."""
        value = self._value(variable, attribute)
        return "" if value is None else format_value(value, variable.data_type)

    def _value(self, variable: Variable, attribute: Attribute) -> Value | None:
        if variable.live is not None and attribute is Attribute.Actual:
            return variable.live()
        return self._values.get((variable.key, attribute))

    def read(
        self,
        component: Component,
        name: str,
        instance: str | None,
        attribute: Attribute = Attribute.Actual,
    ) -> GetOutcome:
        """A GetVariables read (B06): WriteOnly values are Rejected, never returned."""
        found = self.find(component, name, instance)
        if found is SetStatus.UnknownComponent:
            return GetOutcome(GetStatus.UnknownComponent)
        if found is SetStatus.UnknownVariable:
            return GetOutcome(GetStatus.UnknownVariable)
        assert isinstance(found, Variable)
        if attribute not in found.attributes:
            return GetOutcome(GetStatus.NotSupportedAttributeType)
        if found.mutability is Mutability.WriteOnly:
            return GetOutcome(GetStatus.Rejected, reason="variable is WriteOnly")
        return GetOutcome(GetStatus.Accepted, self.text(found, attribute), variable=found)

    # -- writing -------------------------------------------------------------------------

    def check_write(self, item: SetItem) -> tuple[Variable | None, SetOutcome, Value | None]:
        """Validate one CSMS write without applying it (B05.FR.01–10)."""
        found = self.find(item.component, item.variable, item.variable_instance)
        if not isinstance(found, Variable):
            return None, SetOutcome(found), None
        if item.attribute not in found.attributes:
            return found, SetOutcome(SetStatus.NotSupportedAttributeType), None
        if found.mutability is Mutability.ReadOnly:
            return found, SetOutcome(SetStatus.Rejected, "variable is ReadOnly"), None
        if found.write_rule is not None:
            reason = found.write_rule(item.value)
            if reason:
                return found, SetOutcome(SetStatus.Rejected, reason), None
        try:
            value = parse(item.value, found.limits)
        except InvalidValue as exc:
            return found, SetOutcome(SetStatus.Rejected, str(exc)), None
        if found.check is not None:
            reason = found.check(value)
            if reason:
                return found, SetOutcome(SetStatus.Rejected, reason), None
        status = SetStatus.RebootRequired if found.reboot_required else SetStatus.Accepted
        return found, SetOutcome(status), value

    async def set_variables(self, items: list[SetItem]) -> list[SetOutcome]:
        """Apply a SetVariables request: validate all, persist the good ones in one
        transaction, then publish the changes. Answers Accepted only once durable."""
        outcomes: list[SetOutcome] = []
        changes: list[tuple[Variable, Attribute, Value]] = []
        for item in items:
            variable, outcome, value = self.check_write(item)
            outcomes.append(outcome)
            if variable is not None and value is not None:
                changes.append((variable, item.attribute, value))
        try:
            await self._apply(changes)
        except Exception as exc:
            # Nothing was stored (one transaction): no write may be reported as done.
            log.exception("event=devicemodel_write_failed")
            outcomes = [
                SetOutcome(SetStatus.Rejected, f"could not store the value ({exc})")
                if o.status in (SetStatus.Accepted, SetStatus.RebootRequired)
                else o
                for o in outcomes
            ]
        return outcomes

    async def set(
        self, variable_key: VariableKey, value: Value | str, attribute: Attribute = Attribute.Actual
    ) -> None:
        """A write by the station itself (mutability not enforced, value still checked)."""
        variable = self.declaration(variable_key)
        text = value if isinstance(value, str) else format_value(value, variable.data_type)
        await self._apply([(variable, attribute, parse(text, variable.limits))])

    async def _apply(self, changes: list[tuple[Variable, Attribute, Value]]) -> None:
        rows = [
            (_store_key(v.key, a), format_value(value, v.data_type))
            for v, a, value in changes
            if v.stored
        ]
        if rows and self._store is not None:
            await self._store.run(
                lambda db: db.executemany(
                    "INSERT OR REPLACE INTO variables (key, value) VALUES (?, ?)", rows
                )
            )
        for variable, attribute, value in changes:
            previous = self._values.get((variable.key, attribute))
            self._values[(variable.key, attribute)] = value
            shown = (
                "<secret>"
                if variable.secret or variable.mutability is Mutability.WriteOnly
                else format_value(value, variable.data_type)
            )
            log.info(
                "event=variable_set variable=%s attribute=%s value=%s",
                variable.key,
                attribute,
                shown,
            )
            if attribute is Attribute.Actual and previous != value:
                for listener in list(self._listeners[variable.key]):
                    try:
                        listener(value)
                    except Exception:
                        log.exception("event=variable_listener_failed variable=%s", variable.key)

    # -- notification --------------------------------------------------------------------

    def on_change(
        self, variable_key: VariableKey, callback: Callable[[Value], None]
    ) -> Callable[[], None]:
        """Call ``callback(new_value)`` after each change of the Actual value; returns an
        unsubscribe function. Callbacks run synchronously and must not block."""
        self.declaration(variable_key)
        self._listeners[variable_key].append(callback)
        return lambda: self._listeners[variable_key].remove(callback)

    def bind_live(self, variable_key: VariableKey, source: LiveSource) -> None:
        """Attach the owner of a live value (e.g. the EVSE's AvailabilityState)."""
        self.declaration(variable_key).live = source
