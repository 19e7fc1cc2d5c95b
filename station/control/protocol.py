"""The control protocol: what the OCPP side and the control process say to each other.

The control process owns the hardware; the OCPP side (network, JSON from a CSMS we do
not control, SQLite) asks it for things through this protocol and hears back what the
EVSEs do. The protocol is deliberately narrow: a handful of commands that can only make
an EVSE *less* permissive than its own safety rules allow, and a handful of reports.

Wire format: each frame is a 4-byte big-endian length followed by that many bytes of
UTF-8 JSON, one object with a ``"type"`` member and the message's fields, nothing else.
Frames above `MAX_FRAME` bytes are refused before they are buffered, so a peer cannot
make the other side grow. The first frame each side sends is `Hello` with the protocol
`VERSION`; a peer that speaks another version is refused.

This module is sans-IO, in the manner of h11: `ProtocolConnection` takes bytes
(`receive_data`) and hands out validated messages (`next_event`), and turns messages into
bytes (`send`). It never touches a socket, a clock or a thread. Every violation — a bad
length, bad JSON, an unknown type, a missing, extra or mistyped field, a message the
peer's role may not send, a frame before the handshake — raises `ProtocolError` with a
message naming the field and the value; the connection is then closed for good
(`closed`), and the adapter (`station.control.channel`) drops the link.
"""

from __future__ import annotations

import enum
import json
import math
import struct
from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

#: Protocol version; both sides must speak the same one.
VERSION = 2
#: Largest frame body either side accepts (bytes). The largest real message (a snapshot
#: or a meter reading) is a few hundred bytes.
MAX_FRAME = 16 * 1024
#: Longest string field (fault reasons, card UIDs).
MAX_TEXT = 200
#: Each side drops a peer it heard nothing from for this long (s); heartbeats come every 1 s.
PEER_TIMEOUT = 5.0
#: How often each side of the link says it is alive when it has nothing else to say (s).
HEARTBEAT_INTERVAL = 1.0
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """The peer broke the protocol; the connection cannot be used any more."""


class Role(enum.Enum):
    """Which end of the link a `ProtocolConnection` is."""

    OCPP = "ocpp"
    CONTROL = "control"


# -- field types --------------------------------------------------------------------------


def _check_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProtocolError(f"{name}: expected an integer, got {value!r}")
    if not 0 <= value < 2**53:
        raise ProtocolError(f"{name}: {value} is out of range")
    return value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(f"{name}: expected true or false, got {value!r}")
    return value


def _check_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"{name}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ProtocolError(f"{name}: {value!r} is not a finite number")
    return float(value)


def _check_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProtocolError(f"{name}: expected a string, got {value!r}")
    if len(value) > MAX_TEXT:
        raise ProtocolError(f"{name}: longer than {MAX_TEXT} characters")
    return value


def _check_optional_str(name: str, value: Any) -> str | None:
    return None if value is None else _check_str(name, value)


def _check_optional_float(name: str, value: Any) -> float | None:
    return None if value is None else _check_float(name, value)


def _check_optional_int(name: str, value: Any) -> int | None:
    return None if value is None else _check_int(name, value)


def _check_int_list(name: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 64:
        raise ProtocolError(f"{name}: expected a list of at most 64 integers, got {value!r}")
    return tuple(_check_int(f"{name}[{i}]", v) for i, v in enumerate(value))


_CHECKS = {
    "int": _check_int,
    "bool": _check_bool,
    "float": _check_float,
    "str": _check_str,
    "str | None": _check_optional_str,
    "int | None": _check_optional_int,
    "float | None": _check_optional_float,
    "tuple[int, ...]": _check_int_list,
}


# -- messages -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    """Base of every protocol message; ``TYPE`` is its name on the wire."""

    TYPE: ClassVar[str] = ""
    #: Which role may send it (None: both).
    SENDER: ClassVar[Role | None] = None


@dataclass(frozen=True, slots=True)
class Hello(Message):
    """First frame of each side. The control side lists its EVSEs."""

    TYPE = "hello"
    version: int
    role: str
    evses: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Heartbeat(Message):
    """Sent by each side every heartbeat interval; silence for longer means a hung peer."""

    TYPE = "heartbeat"
    seq: int


# OCPP side → control process: requests. None of them can make an EVSE offer energy
# that its own pilot machine would not (rule 4 of docs/architecture.md is enforced there).


@dataclass(frozen=True, slots=True)
class AllowCharging(Message):
    """An authorized session lets the EVSE offer energy (or not any more)."""

    TYPE = "allow_charging"
    SENDER = Role.OCPP
    evse: int
    allowed: bool


@dataclass(frozen=True, slots=True)
class SetCurrentLimit(Message):
    """Upper bound of the offered current; the control process clamps it to the EVSE's
    configured maximum."""

    TYPE = "set_current_limit"
    SENDER = Role.OCPP
    evse: int
    amps: float


@dataclass(frozen=True, slots=True)
class SetOperative(Message):
    """Availability: an inoperative EVSE offers nothing."""

    TYPE = "set_operative"
    SENDER = Role.OCPP
    evse: int
    operative: bool


@dataclass(frozen=True, slots=True)
class SetExternalFault(Message):
    """A fault the OCPP side found (None clears the OCPP side's own fault only)."""

    TYPE = "set_external_fault"
    SENDER = Role.OCPP
    evse: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class ResetEvse(Message):
    """Per-EVSE reset (B11): contactor open, pilot machine back to its start."""

    TYPE = "reset"
    SENDER = Role.OCPP
    evse: int


@dataclass(frozen=True, slots=True)
class ResetLatchedFaults(Message):
    """An operator cleared the latched faults (welded contactor) after inspection."""

    TYPE = "reset_latched_faults"
    SENDER = Role.OCPP
    evse: int


@dataclass(frozen=True, slots=True)
class SampleMeter(Message):
    """Read the EVSE's meter now; answered by `SampleDone` with the same ``request``."""

    TYPE = "sample_meter"
    SENDER = Role.OCPP
    evse: int
    request: int


@dataclass(frozen=True, slots=True)
class WatchMeter(Message):
    """Send every reading of the EVSE's meter (an energy limit is in force, an energy
    manager reads the figures), or only those asked for and one an idle interval."""

    TYPE = "watch_meter"
    SENDER = Role.OCPP
    evse: int
    watch: bool


@dataclass(frozen=True, slots=True)
class StopAll(Message):
    """Orderly shutdown: every contactor open, no energy offered any more."""

    TYPE = "stop"
    SENDER = Role.OCPP


@dataclass(frozen=True, slots=True)
class SimCommand(Message):
    """Drive the simulated hardware (``station sim``): refused unless the control process
    runs simulated devices. ``name`` is plug, unplug, ev_state, tap, fault, pilot_voltage
    (value "HIGH,LOW" volts, or none to read the modelled EV again), ev_ignore_pwm
    (value "on" or "off"), ev (value "capacity_kwh=60.0,soc=20.0,...": the EV's battery,
    maximum current, phases, state of charge) or soc (value the percent)."""

    TYPE = "sim_command"
    SENDER = Role.OCPP
    request: int
    name: str
    evse: int | None = None
    value: str | None = None


# Control process → OCPP side: reports.


@dataclass(frozen=True, slots=True)
class Snapshot(Message):
    """An EVSE's state (the fields of `station.evse.EvseSnapshot`)."""

    TYPE = "snapshot"
    SENDER = Role.CONTROL
    evse: int
    ev_connected: bool
    ev_requesting: bool
    relay_closed: bool
    offered_current: float
    fault: str | None
    pilot_state: str
    duty: float


@dataclass(frozen=True, slots=True)
class Commands(Message):
    """The requests the control process currently applies to an EVSE (sent on re-sync,
    so that a restarted OCPP side learns which charges the control process kept on)."""

    TYPE = "commands"
    SENDER = Role.CONTROL
    evse: int
    allowed: bool
    operative: bool
    current_limit: float
    external_fault: str | None


@dataclass(frozen=True, slots=True)
class MeterReading(Message):
    """One meter sample of an EVSE, with the current offered when it was taken."""

    TYPE = "meter_reading"
    SENDER = Role.CONTROL
    evse: int
    timestamp: str
    # None: the meter does not measure it (NaN on the OCPP side).
    voltage: float | None
    current: float | None
    power: float | None
    power_factor: float | None
    frequency: float | None
    energy_import_wh: float | None
    energy_export_wh: float | None
    offered_current: float | None
    phases: int
    #: The EV's state of charge (%), None when the station does not know it (an AC
    #: meter never does; the simulator's EVs with a battery model do).
    soc: float | None = None


@dataclass(frozen=True, slots=True)
class SampleDone(Message):
    """A `SampleMeter` request is done: its reading (if the meter answered) was sent
    before this message."""

    TYPE = "sample_done"
    SENDER = Role.CONTROL
    evse: int
    request: int


@dataclass(frozen=True, slots=True)
class CardPresented(Message):
    """A card was presented to the reader (once per presentation)."""

    TYPE = "card_presented"
    SENDER = Role.CONTROL
    uid: str


@dataclass(frozen=True, slots=True)
class CardGone(Message):
    """No card is held to the reader any more."""

    TYPE = "card_gone"
    SENDER = Role.CONTROL


@dataclass(frozen=True, slots=True)
class Health(Message):
    """Timing of an EVSE's control loop (lateness in seconds) and whether it is healthy."""

    TYPE = "health"
    SENDER = Role.CONTROL
    evse: int
    healthy: bool
    iterations: int
    overruns: int
    p50: float
    p99: float
    max: float


@dataclass(frozen=True, slots=True)
class SimResult(Message):
    """The answer to a `SimCommand` (``error`` None when it was carried out)."""

    TYPE = "sim_result"
    SENDER = Role.CONTROL
    request: int
    error: str | None
    result: str | None = None


@dataclass(frozen=True, slots=True)
class Synced(Message):
    """End of the full state the control process sends after the handshake."""

    TYPE = "synced"
    SENDER = Role.CONTROL


MESSAGES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        Hello,
        Heartbeat,
        AllowCharging,
        SetCurrentLimit,
        SetOperative,
        SetExternalFault,
        ResetEvse,
        ResetLatchedFaults,
        SampleMeter,
        WatchMeter,
        StopAll,
        SimCommand,
        Snapshot,
        Commands,
        MeterReading,
        SampleDone,
        CardPresented,
        CardGone,
        Health,
        SimResult,
        Synced,
    )
}


@dataclass(frozen=True, slots=True)
class _Schema:
    """What decoding and encoding one message type needs, worked out once per type (a
    link carries a reading and a snapshot every few seconds per EVSE): each field's name,
    check, name in errors and whether it may be left out, and the keys a frame may hold."""

    fields: tuple[tuple[str, Callable[[str, Any], Any], str, bool], ...]
    names: tuple[str, ...]
    allowed: frozenset[str]

    @classmethod
    def of(cls, message_type: type[Message]) -> _Schema:
        """The schema of ``message_type`` (a dataclass of `_CHECKS` field types)."""
        kind = message_type.TYPE
        found = fields(message_type)
        return cls(
            fields=tuple(
                (f.name, _CHECKS[str(f.type)], f"{kind}.{f.name}", f.default is not MISSING)
                for f in found
            ),
            names=tuple(f.name for f in found),
            allowed=frozenset(f.name for f in found) | {"type"},
        )


_SCHEMAS: dict[type[Message], _Schema] = {}
#: The frames' JSON encoder, built once (`json.dumps` with options builds one per call):
#: compact, and NaN or infinity is a ValueError, never a literal the peer would refuse.
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def _schema(message_type: type[Message]) -> _Schema:
    schema = _SCHEMAS.get(message_type)
    if schema is None:
        schema = _SCHEMAS[message_type] = _Schema.of(message_type)
    return schema


def decode_message(obj: Any) -> Message:
    """Validate one decoded JSON value into a message; `ProtocolError` says what is wrong."""
    if not isinstance(obj, dict):
        raise ProtocolError(f"a frame must hold a JSON object, got {type(obj).__name__}")
    kind = obj.get("type")
    cls = MESSAGES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    schema = _schema(cls)
    values: dict[str, Any] = {}
    for name, check, label, optional in schema.fields:
        if name not in obj:
            if optional:
                continue  # an optional field
            raise ProtocolError(f"{label}: missing")
        values[name] = check(label, obj[name])
    if not obj.keys() <= schema.allowed:
        extra = set(obj) - schema.allowed
        raise ProtocolError(f"{kind}: unknown field {sorted(extra)[0]!r}")
    return cls(**values)


def encode_message(message: Message) -> dict[str, Any]:
    """The JSON object of a message."""
    obj: dict[str, Any] = {"type": message.TYPE}
    for name in _schema(type(message)).names:
        value = getattr(message, name)
        obj[name] = list(value) if isinstance(value, tuple) else value
    return obj


# -- the connection -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer closed the stream cleanly (between frames)."""


class ProtocolConnection:
    """One end of a control-protocol link, without I/O.

    Feed received bytes to `receive_data` (``b""`` for end of stream) and take messages
    from `next_event` until it returns None; turn messages into bytes with `send`.
    """

    def __init__(self, role: Role) -> None:
        self.role = role
        self.peer_role = Role.CONTROL if role is Role.OCPP else Role.OCPP
        self._buffer = bytearray()
        self._eof = False
        self._sent_hello = False
        #: The peer's Hello once received (the handshake is done when both were sent).
        self.peer_hello: Hello | None = None
        self.closed = False

    def receive_data(self, data: bytes | bytearray) -> None:
        """Bytes from the peer; ``b""`` means the peer closed its end."""
        if self.closed:
            raise ProtocolError("connection already closed")
        if not data:
            self._eof = True
            return
        self._buffer += data
        # Refuse an oversize frame as soon as its header is in, before its body arrives.
        if len(self._buffer) >= _HEADER.size:
            self._check_length(_HEADER.unpack_from(self._buffer)[0])

    def next_event(self) -> Message | ConnectionClosed | None:
        """The next complete message, `ConnectionClosed` at a clean end, or None if more
        bytes are needed."""
        if self.closed:
            raise ProtocolError("connection already closed")
        try:
            if len(self._buffer) < _HEADER.size:
                if self._eof:
                    if self._buffer:
                        raise ProtocolError("stream ended inside a frame header")
                    self.closed = True
                    return ConnectionClosed()
                return None
            (length,) = _HEADER.unpack_from(self._buffer)
            self._check_length(length)
            end = _HEADER.size + length
            if len(self._buffer) < end:
                if self._eof:
                    raise ProtocolError(
                        f"stream ended inside a frame ({len(self._buffer) - 4} of {length} bytes)"
                    )
                return None
            body = bytes(self._buffer[_HEADER.size : end])
            del self._buffer[:end]
            try:
                obj = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise ProtocolError(f"frame is not UTF-8 JSON: {exc}") from None
            message = decode_message(obj)
            self._check_received(message)
            return message
        except ProtocolError:
            self.closed = True
            raise

    def send(self, message: Message) -> bytes:
        """The bytes of one frame carrying ``message``."""
        if self.closed:
            raise ProtocolError("connection already closed")
        if not self._sent_hello:
            if not isinstance(message, Hello):
                raise ProtocolError(f"{message.TYPE} before hello")
            self._sent_hello = True
        elif isinstance(message, Hello):
            raise ProtocolError("hello sent twice")
        if message.SENDER is not None and message.SENDER is not self.role:
            raise ProtocolError(f"the {self.role.value} side may not send {message.TYPE}")
        try:
            body = _ENCODER.encode(encode_message(message)).encode()
        except ValueError as exc:  # NaN or infinity: the peer would refuse it
            raise ProtocolError(f"{message.TYPE}: {exc}") from None
        if len(body) > MAX_FRAME:
            raise ProtocolError(f"{message.TYPE}: frame of {len(body)} bytes exceeds {MAX_FRAME}")
        return _HEADER.pack(len(body)) + body

    def _check_length(self, length: int) -> None:
        if length > MAX_FRAME:
            self.closed = True
            raise ProtocolError(f"frame of {length} bytes exceeds the limit of {MAX_FRAME}")
        if length == 0:
            self.closed = True
            raise ProtocolError("empty frame")

    def _check_received(self, message: Message) -> None:
        if self.peer_hello is None:
            if not isinstance(message, Hello):
                raise ProtocolError(f"{message.TYPE} before hello")
            if message.version != VERSION:
                raise ProtocolError(
                    f"peer speaks protocol version {message.version}, this side {VERSION}"
                )
            if message.role != self.peer_role.value:
                raise ProtocolError(
                    f"peer says it is the {message.role!r} side, expected {self.peer_role.value!r}"
                )
            self.peer_hello = message
            return
        if isinstance(message, Hello):
            raise ProtocolError("hello received twice")
        if message.SENDER is not None and message.SENDER is not self.peer_role:
            raise ProtocolError(f"the {self.peer_role.value} side may not send {message.TYPE}")
