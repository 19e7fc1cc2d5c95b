"""OCPP-J framing (Part 4 §4): CALL, CALLRESULT and CALLERROR, with no I/O.

Text in, frames out; frames in, text out. `decode` turns one WebSocket text message into
a `Call`, `CallResult` or `CallError`, or raises `FrameError`. A `FrameError` carries the
CALLERROR to send back when the broken frame deserves an answer (a request we could not
read), and ``None`` when it does not (a broken response: answering a response is not
allowed, so it is logged and dropped).

Payload validation against the message schemas is a separate layer
(`station.ocpp.validation`); this module only checks the RPC envelope, and the nesting
depth of the whole frame: no OCPP 2.0.1 message nests deeper than about ten levels, and a
frame nested deeper than `MAX_DEPTH` is refused (FormatViolation, with the frame's message
id when it can be read), so that no validator or pydantic model downstream recurses as
deep as the peer likes. The JSON parser itself guards its recursion (a frame nested
deeper than the interpreter's recursion limit raises RecursionError, which is answered
the same way).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any, Literal

#: Part 4 §4.1.1: a message id is a string of at most 36 characters.
MAX_MESSAGE_ID_LENGTH = 36
#: Part 4 §4.2.3: errorDescription is at most 255 characters.
MAX_ERROR_DESCRIPTION_LENGTH = 255
#: The message id to use in a CALLERROR when the offending message's id cannot be read.
UNKNOWN_MESSAGE_ID = "-1"
#: Deepest nesting of arrays/objects accepted in a frame, the frame's own array included.
#: The deepest OCPP 2.0.1 message (SetChargingProfile with a sales tariff) needs about 10.
MAX_DEPTH = 32

_DECODER = json.JSONDecoder(parse_constant=lambda name: _reject_constant(name))


class MessageType(IntEnum):
    """The MessageTypeId, the first element of every OCPP-J frame."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


class ErrorCode(StrEnum):
    """The only error codes Part 4 §4.3 allows in a CALLERROR."""

    FormatViolation = "FormatViolation"
    GenericError = "GenericError"
    InternalError = "InternalError"
    MessageTypeNotSupported = "MessageTypeNotSupported"
    NotImplemented = "NotImplemented"
    NotSupported = "NotSupported"
    OccurrenceConstraintViolation = "OccurrenceConstraintViolation"
    PropertyConstraintViolation = "PropertyConstraintViolation"
    ProtocolError = "ProtocolError"
    RpcFrameworkError = "RpcFrameworkError"
    SecurityError = "SecurityError"
    TypeConstraintViolation = "TypeConstraintViolation"


@dataclass(frozen=True, slots=True)
class Call:
    """A request: ``[2, messageId, action, payload]``."""

    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    """A successful response: ``[3, messageId, payload]``."""

    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    """An error response: ``[4, messageId, errorCode, errorDescription, errorDetails]``."""

    message_id: str
    code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError


class FrameError(Exception):
    """A text message is not a valid OCPP-J frame.

    ``reply`` is the CALLERROR to send back, or ``None`` when the message must not be
    answered (it was, or claimed to be, a response).
    """

    def __init__(self, reason: str, reply: CallError | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reply = reply


def _reject_constant(name: str) -> None:
    # RFC 8259 has no NaN or Infinity; Python's json module would accept them.
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # 1e999 is valid JSON syntax but no number a receiver can hold: json would make it
    # infinity, which then reaches validators and handlers as if the CSMS had sent one.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _error(message_id: str, code: ErrorCode, reason: str) -> FrameError:
    return FrameError(
        reason, CallError(message_id, code.value, reason[:MAX_ERROR_DESCRIPTION_LENGTH])
    )


#: The head of a CALL: ``[2, "<messageId>", "<action>",`` (bounded: ids are short).
_CALL_HEAD = re.compile(
    r'[ \t\r\n]*\[[ \t\r\n]*2[ \t\r\n]*,[ \t\r\n]*("(?:[^"\\]|\\.){1,256}")'
    r'[ \t\r\n]*,[ \t\r\n]*("(?:[^"\\]|\\.){1,256}")[ \t\r\n]*,'
)


def peek_call(text: str | bytes) -> tuple[str, str] | None:
    """(message id, action) of a text that starts like a CALL, read without parsing the
    payload; None when it does not (then `decode` says what is wrong with it).

    Lets a receiver decide what to do with a CALL (queue it, refuse it) at a cost that
    does not grow with the payload. A text accepted here may still fail `decode`.
    """
    if not isinstance(text, str):
        return None
    head = _CALL_HEAD.match(text)
    if head is None:
        return None
    try:
        message_id, action = json.loads(head.group(1)), json.loads(head.group(2))
    except ValueError:
        return None
    if not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH or not action:
        return None
    return message_id, action


def decode(text: str | bytes) -> Frame:
    """Parse one OCPP-J message; raise `FrameError` if it is not a valid frame."""
    if isinstance(text, bytes):
        # OCPP-J uses text frames only (Part 4 §4.1.2); a binary frame is a framing error.
        raise _error(
            UNKNOWN_MESSAGE_ID, ErrorCode.RpcFrameworkError, "binary frame; OCPP-J uses text"
        )
    try:
        message = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise _too_deep(_peek_call_id(text)) from None
    except ValueError as exc:
        # A CALL whose head is readable gets its own id back (the CSMS can match the
        # error); a broken response is never answered (Part 4 §4.2).
        readable = _peek_call_id(text)
        reason = f"not valid JSON: {exc}"
        if readable is False:
            raise FrameError(reason, None) from None
        raise _error(readable or UNKNOWN_MESSAGE_ID, ErrorCode.RpcFrameworkError, reason) from None
    if (
        isinstance(message, list)
        # Nesting deeper than MAX_DEPTH takes more than MAX_DEPTH openers: most frames
        # have fewer (counted in the text, strings included, at C speed) and need no walk.
        and text.count("[") + text.count("{") > MAX_DEPTH
        and _nested_deeper_than(message, MAX_DEPTH)
    ):
        head = message[:2]
        if head and head[0] in (MessageType.CALLRESULT, MessageType.CALLERROR):
            raise _too_deep(False)
        readable = (
            head[1]
            if len(head) > 1
            and isinstance(head[1], str)
            and 0 < len(head[1]) <= MAX_MESSAGE_ID_LENGTH
            else None
        )
        raise _too_deep(readable)
    if not isinstance(message, list) or not message:
        raise _error(UNKNOWN_MESSAGE_ID, ErrorCode.RpcFrameworkError, "frame is not a JSON array")

    type_id = message[0]
    message_id = message[1] if len(message) > 1 else None
    readable_id = (
        message_id
        if isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH
        else None
    )
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        raise _error(
            readable_id or UNKNOWN_MESSAGE_ID,
            ErrorCode.RpcFrameworkError,
            f"MessageTypeId {type_id!r} is not an integer",
        )
    if type_id not in (MessageType.CALL, MessageType.CALLRESULT, MessageType.CALLERROR):
        raise _error(
            readable_id or UNKNOWN_MESSAGE_ID,
            ErrorCode.MessageTypeNotSupported,
            f"MessageTypeId {type_id} is not supported",
        )
    if type_id == MessageType.CALL:
        return _decode_call(message, readable_id)
    return _decode_response(message, type_id, readable_id)


def _too_deep(message_id: str | Literal[False] | None) -> FrameError:
    """The error for a frame nested too deep: no reply to a response (``False``)."""
    reason = f"frame is nested deeper than {MAX_DEPTH} levels"
    if message_id is False:
        return FrameError(reason, None)  # a response is never answered
    return _error(message_id or UNKNOWN_MESSAGE_ID, ErrorCode.FormatViolation, reason)


def _nested_deeper_than(value: list, limit: int) -> bool:
    """Whether arrays/objects in ``value`` nest deeper than ``limit`` (``value`` itself is
    level 1). Level by level, visiting containers only: long strings cost nothing, and a
    frame of many small containers costs about what parsing them cost."""
    level: list = [value]
    for _ in range(limit):
        # One comprehension a level, not one a container: a GetVariables of 100 items
        # (about 400 containers) is walked in half the time.
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is list or type(child) is dict
        ]
        if not level:
            return False
    return True


def _peek_call_id(text: str) -> str | Literal[False] | None:
    """The message id of a CALL whose payload will not be parsed: None if unreadable,
    False if the frame is a response. Reads only the first two elements."""
    try:
        index = _skip_space(text, 0)
        if text[index] != "[":
            return None
        type_id, index = _DECODER.raw_decode(text, _skip_space(text, index + 1))
        index = _skip_space(text, index)
        if text[index] != ",":
            return None
        message_id, _ = _DECODER.raw_decode(text, _skip_space(text, index + 1))
    except (ValueError, IndexError, RecursionError):
        return None
    if type_id in (MessageType.CALLRESULT, MessageType.CALLERROR):
        return False
    if isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        return message_id
    return None


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _decode_call(message: list, message_id: str | None) -> Call:
    if message_id is None:
        raise _error(
            UNKNOWN_MESSAGE_ID, ErrorCode.RpcFrameworkError, "message id is missing or unreadable"
        )
    if len(message) != 4:
        raise _error(
            message_id, ErrorCode.RpcFrameworkError, f"CALL has {len(message)} elements, expected 4"
        )
    action, payload = message[2], message[3]
    if not isinstance(action, str) or not action:
        raise _error(message_id, ErrorCode.RpcFrameworkError, "action is not a non-empty string")
    if not isinstance(payload, dict):
        raise _error(
            message_id, ErrorCode.FormatViolation, f"payload of {action} is not a JSON object"
        )
    return Call(message_id, action, payload)


def _decode_response(message: list, type_id: int, message_id: str | None) -> Frame:
    kind = "CALLRESULT" if type_id == MessageType.CALLRESULT else "CALLERROR"
    if message_id is None:
        raise FrameError(f"{kind} without a readable message id", None)
    if type_id == MessageType.CALLRESULT:
        if len(message) != 3 or not isinstance(message[2], dict):
            raise FrameError(f"malformed CALLRESULT for message {message_id}", None)
        return CallResult(message_id, message[2])
    if len(message) != 5:
        raise FrameError(
            f"CALLERROR for message {message_id} has {len(message)} elements, expected 5", None
        )
    code, description, details = message[2], message[3], message[4]
    if (
        not isinstance(code, str)
        or not isinstance(description, str)
        or not isinstance(details, dict)
    ):
        raise FrameError(f"malformed CALLERROR for message {message_id}", None)
    return CallError(message_id, code, description, details)


def encode(frame: Frame) -> str:
    """Serialise a frame to the text that goes on the wire (compact JSON, UTF-8 safe)."""
    if isinstance(frame, Call):
        body: list[Any] = [MessageType.CALL.value, frame.message_id, frame.action, frame.payload]
    elif isinstance(frame, CallResult):
        body = [MessageType.CALLRESULT.value, frame.message_id, frame.payload]
    else:
        body = [
            MessageType.CALLERROR.value,
            frame.message_id,
            frame.code,
            frame.description[:MAX_ERROR_DESCRIPTION_LENGTH],
            frame.details,
        ]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_call(message_id: str, action: str, payload_json: str) -> str:
    """`encode` of a CALL whose payload is already JSON text (e.g. `Message.to_json()`)."""
    return f"[2,{_json_string(message_id)},{_json_string(action)},{payload_json}]"


def encode_result(message_id: str, payload_json: str) -> str:
    """`encode` of a CALLRESULT whose payload is already JSON text."""
    return f"[3,{_json_string(message_id)},{payload_json}]"


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
