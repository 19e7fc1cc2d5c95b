"""The OCPP-J session: outgoing CALLs one at a time, incoming CALLs dispatched to handlers.

`OcppClient` is the station's single door to the CSMS. The rest of the station calls
`OcppClient.call` with a request model and gets the response model back, or an exception
it can act on (`Offline`, `CallTimeout`, `CallErrorResponse`, `InvalidResponse`).
Feature modules register handlers for CSMS-initiated actions with `OcppClient.route`.

Rules implemented here (Part 4 §4, Part 2 B01–B03):

* at most one outstanding CALL from the station; incoming CALLs are handled while we wait;
  when several CALLs wait for their turn, a *bulk* one (a report part) goes after every
  ordinary one (`station.ocpp.turns`), so a report never holds back a transaction event
  for more than the one report part in flight;
* incoming CALLs are handled one at a time, in arrival order (§4.1.1: a CSMS sends a CALL
  only when its previous one was answered). Up to `INBOUND_BACKLOG` CALLs wait their turn
  (CALLs may cross ours, and a CSMS may be a little eager); a CALL beyond that is answered
  at once with a CALLERROR RpcFrameworkError that says why, without being parsed or
  handled. Refusing, not closing: the CSMS learns precisely what it did wrong, and the
  connection (with the transaction events queued on it) stays up. The refusals raise the
  security event InvalidMessages, at most once a minute with a count, and are not written
  one by one to the message log;
* what a handler starts after its response (`Reply.then`) runs in the background, at most
  `MAX_FOLLOW_UPS` at a time: the next CALL waits for a free slot;
* message ids are unique (UUIDs from the station's random source); a CALL that repeats a
  message id the CSMS used before on the connection is not carried out again
  (`station.ocpp.replay`, AttemptedReplayAttacks);
* a response not received within the active profile's MessageTimeout is a `CallTimeout`;
  a late or unknown response is logged and dropped;
* every received CALL gets a CALLRESULT or CALLERROR: unknown action → NotImplemented, a
  known action without a handler → NotSupported, a schema violation → the code of
  `station.ocpp.validation`, a Rejected boot state → SecurityError (B03.FR.08);
* a handler may return a `Reply` whose follow-up runs only after the response was sent
  (FR.05, F06.FR.04: TriggerMessage, GetBaseReport, GetLog... answer first);
* before the boot is Accepted only the BootNotification goes out, and while Pending also
  triggered messages and requested reports (B01.FR.08, B02.FR.02).

The connection itself (dialling, back-off, profiles) is `station.ocpp.connection`'s job;
it hands each open transport to `OcppClient.serve`.

Memory a CSMS can make this session hold, whatever it sends: the transport's bound
(`station.ocpp.transport.MAX_MESSAGE_SIZE` characters a message, one being read) plus
`INBOUND_BACKLOG` waiting CALLs kept as text, one CALL decoded and being handled, one
response decoded for the CALL in flight, and `MAX_FOLLOW_UPS` follow-ups. A refused CALL
costs a look at its first three elements and a short CALLERROR, sent before the next
message is read, so a CSMS that does not read its answers stops being read (TCP pushes
back) instead of filling a queue.
"""

from __future__ import annotations

import contextvars
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, TypeVar

import trio

from station.ocpp import rpc
from station.ocpp.messages import ACTIONS, Message
from station.ocpp.replay import SeenMessageIds
from station.ocpp.rpc import Call, CallError, CallResult, ErrorCode
from station.ocpp.transport import MessageTooBig, Transport, TransportClosed
from station.ocpp.turns import CallTurns
from station.ocpp.validation import PayloadError, parse_request, parse_response

log = logging.getLogger(__name__)

R = TypeVar("R", bound=Message)

#: CALLs from the CSMS that may wait while one is handled; more are refused.
INBOUND_BACKLOG = 4
#: Follow-ups (`Reply.then`) that may run at once.
MAX_FOLLOW_UPS = 4
#: Security event InvalidMessages at most this often (seconds); the next one counts the rest.
INVALID_REPORT_INTERVAL = 60.0


#: Size in bytes of the CALL being handled (for BytesPerMessage limits, B06.FR.17).
current_frame_size: contextvars.ContextVar[int] = contextvars.ContextVar(
    "current_frame_size", default=0
)
#: Follow-ups registered while handling a CALL, run after its response was sent.
_after_reply: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "_after_reply", default=None
)


class BootState(StrEnum):
    """Registration status with the CSMS (RegistrationStatusEnumType + not yet known)."""

    Unknown = "Unknown"
    Pending = "Pending"
    Rejected = "Rejected"
    Accepted = "Accepted"


class Admission(Enum):
    """Which boot states let a CALL go out."""

    BOOT = "boot"  # BootNotification itself: whenever connected
    REQUESTED = "requested"  # triggered messages and requested reports: Pending or Accepted
    NORMAL = "normal"  # everything else: Accepted only


class CallFailed(Exception):
    """A CALL did not get a valid CALLRESULT."""


class Offline(CallFailed):
    """There is no usable connection (or it was lost before the response arrived)."""


class CallTimeout(CallFailed):
    """No response within the message timeout."""


class CallErrorResponse(CallFailed):
    """The CSMS answered with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{action}: CSMS answered {code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class InvalidResponse(CallFailed):
    """The CSMS answered with a CALLRESULT that violates the response schema."""


class HandlerError(Exception):
    """Raised by a handler to answer with a specific CALLERROR (e.g. too many items)."""

    def __init__(self, code: ErrorCode, description: str = "") -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class Reply:
    """A response plus a follow-up that starts only after the response was sent.

    ``text``: the response's JSON when the handler has it already, exactly what
    ``response.to_json()`` gives (GetVariables assembles it from the results it sent
    before); sent instead of serialising the response again.
    """

    response: Message
    then: Callable[[], Awaitable[None]] | None = None
    text: str | None = None


@dataclass(slots=True)
class InboundCounters:
    """What the CSMS sent and how it was taken, since the client was made (status, tests)."""

    #: CALLs handled (answered by a handler or with a CALLERROR after parsing).
    handled: int = 0
    #: CALLs refused because `INBOUND_BACKLOG` CALLs were already waiting.
    refused: int = 0
    #: Most CALLs ever waiting at once.
    backlog_peak: int = 0
    #: Follow-ups running now, and the most ever at once.
    follow_ups: int = 0
    follow_ups_peak: int = 0


Handler = Callable[[Any], Awaitable[Message | Reply]]
FrameObserver = Callable[[str, str, rpc.Frame | None, str | None], None]

_ALLOWED = {
    Admission.BOOT: {BootState.Unknown, BootState.Pending, BootState.Rejected, BootState.Accepted},
    Admission.REQUESTED: {BootState.Pending, BootState.Accepted},
    Admission.NORMAL: {BootState.Accepted},
}


class OcppClient:
    """Outgoing calls and incoming-call dispatch over whatever transport is open."""

    def __init__(self, *, rng: random.Random | None = None, message_timeout: float = 30.0) -> None:
        """``rng`` makes message ids reproducible in tests; ``message_timeout`` is updated by
        the connection manager from the active network profile."""
        self._rng = rng or random.Random()
        self.message_timeout = message_timeout
        self._handlers: dict[str, Handler] = {}
        self._transport: Transport | None = None
        self._nursery: trio.Nursery | None = None
        self._boot = BootState.Unknown
        self._changed = trio.Event()
        self._turns = CallTurns()
        self._pending: dict[str, tuple[str, trio.MemorySendChannel]] = {}
        self._observers: list[FrameObserver] = []
        self._on_connected: list[Callable[[], Awaitable[None]]] = []
        self._change_listeners: list[Callable[[], None]] = []
        #: Where invalid CSMS messages are reported (security event InvalidMessages).
        self.invalid_message_sink: Callable[[str], Awaitable[None]] | None = None
        #: Where the other events a CSMS can cause are reported, (type, techInfo): rate
        #: limited by the receiver (MemoryExhaustion, AttemptedReplayAttacks).
        self.security_event_sink: Callable[[str, str], Awaitable[None]] | None = None
        self._seen = SeenMessageIds()
        self._invalid_reported_at: float | None = None
        self._invalid_suppressed = 0
        #: Counters of incoming CALLs (backlog, refusals, follow-ups).
        self.inbound = InboundCounters()
        #: Serial number of the current (or last) connection, counting from 1.
        self.connection_number = 0
        #: trio times of the last connection and the last loss (None until they happen).
        self.connected_at: float | None = None
        self.disconnected_at: float | None = None

    # -- configuration -------------------------------------------------------------------

    def route(self, action: str, handler: Handler) -> None:
        """Handle CSMS CALLs of ``action`` with ``handler(request) -> response | Reply``."""
        if action not in ACTIONS:
            raise ValueError(f"{action} is not an OCPP 2.0.1 action")
        self._handlers[action] = handler

    def observe_frames(self, observer: FrameObserver) -> None:
        """Call ``observer(direction, text, frame, action)`` for every message in ("in") and
        out ("out"); used by the message log and the demo. Must not block."""
        self._observers.append(observer)

    def on_changed(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each change of connection or boot state, as
        `wait_changed` wakes (for a task that also waits for other changes: it waits for
        one event that both set, instead of a task per source). Must not block."""
        self._change_listeners.append(listener)

    def on_connected(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook()`` as a task each time a connection opens (boot, queued messages...)."""
        self._on_connected.append(hook)

    # -- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """Whether a transport is open."""
        return self._transport is not None

    @property
    def boot_state(self) -> BootState:
        """The registration status the CSMS gave (Unknown until the first answer)."""
        return self._boot

    def set_boot_state(self, state: BootState) -> None:
        """Record the CSMS's registration status (the provisioning module's job)."""
        if state is not self._boot:
            log.info("event=boot_state state=%s", state)
            self._boot = state
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()
        for listener in self._change_listeners:
            try:
                listener()
            except Exception:  # a listener's bug must not fail the connection's change
                log.exception("event=client_listener_failed listener=%r", listener)

    def admits(self, admission: Admission) -> bool:
        """Whether a CALL of this admission class may go out right now."""
        return self.connected and self._boot in _ALLOWED[admission]

    def calls_in_flight(self) -> list[str]:
        """Actions of the station's CALLs sent and not answered yet (status, tools)."""
        return [action for action, _ in self._pending.values()]

    def calls_waiting(self) -> list[str]:
        """Actions of the station's CALLs waiting for their turn, in the order they go."""
        return self._turns.waiting()

    async def wait_calls_changed(self) -> None:
        """Wait until a CALL starts waiting for its turn or a turn passes."""
        await self._turns.wait_changed()

    async def wait_changed(self) -> None:
        """Wait for the next change of connection or boot state."""
        await self._changed.wait()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds; re-checked on every connection/boot change."""
        while not predicate():
            await self._changed.wait()

    # -- outgoing ------------------------------------------------------------------------

    async def call(
        self,
        request: Message,
        *,
        admission: Admission = Admission.NORMAL,
        wait: bool = False,
        timeout: float | None = None,
        bulk: bool = False,
    ) -> Message:
        """Send ``request`` and return the validated response model.

        ``wait=False`` raises `Offline` at once when the CALL may not go out now;
        ``wait=True`` waits for a connection (and the boot state) that admits it.
        ``bulk=True`` (parts of a report the CSMS asked for) lets every other waiting CALL
        go first.
        """
        action = _action_of(request)
        if wait:
            await self.wait_until(lambda: self.admits(admission))
        elif (
            admission is Admission.REQUESTED and self.connected and self._boot is BootState.Unknown
        ):
            # The CSMS asked for this (a report, a triggered message) while it had not yet
            # answered our BootNotification, as many do right at boot (B02.FR.02 allows it
            # once Pending or Accepted). The request was Accepted: wait for the boot answer
            # on this connection instead of dropping what was promised.
            connection = self.connection_number
            with trio.move_on_after(self.message_timeout):
                await self.wait_until(
                    lambda: (
                        self._boot is not BootState.Unknown
                        or not self.connected
                        or self.connection_number != connection
                    )
                )
        async with self._turns.turn(bulk=bulk, label=action):
            # The lock may have been held across a disconnect: check again.
            if not self.admits(admission):
                raise Offline(f"{action}: not connected or not admitted in boot state {self._boot}")
            transport = self._transport
            assert transport is not None
            message_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            send_channel, receive_channel = trio.open_memory_channel[rpc.Frame | None](1)
            self._pending[message_id] = (action, send_channel)
            text = rpc.encode_call(message_id, action, request.to_json())
            limit = timeout if timeout is not None else self.message_timeout
            try:
                self._observe("out", text, None, action)
                try:
                    await transport.send(text)
                except TransportClosed:
                    raise Offline(f"{action}: connection lost while sending") from None
                with trio.move_on_after(limit):
                    frame = await receive_channel.receive()
                    if frame is None:
                        raise Offline(f"{action}: connection lost before the response")
                    try:
                        return _response_of(action, frame)
                    except InvalidResponse as exc:
                        await self._report_invalid(str(exc))
                        raise
                raise CallTimeout(f"{action}: no response within {limit:g} s")
            finally:
                self._pending.pop(message_id, None)

    # -- serving a connection ------------------------------------------------------------

    async def serve(self, transport: Transport) -> None:
        """Run the session on ``transport`` until it closes (then return)."""
        async with trio.open_nursery() as nursery:
            self._transport = transport
            self._nursery = nursery
            self.connection_number += 1
            self.connected_at = trio.current_time()
            self._notify()
            # Each connection has its own backlog: a CALL cannot be answered on another.
            backlog_in, backlog_out = trio.open_memory_channel[str](INBOUND_BACKLOG)
            self._seen = SeenMessageIds()  # ids are unique per connection (OCPP-J 4.1.3)
            try:
                for hook in self._on_connected:
                    nursery.start_soon(hook)
                nursery.start_soon(
                    self._dispatch_calls, backlog_out, trio.Semaphore(MAX_FOLLOW_UPS)
                )
                await self._read(transport, backlog_in)
            finally:
                self._transport = None
                self._nursery = None
                self.disconnected_at = trio.current_time()
                for _, channel in list(self._pending.values()):
                    channel.send_nowait(None)
                self._notify()
                nursery.cancel_scope.cancel()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the current connection, if any (the connection manager reconnects)."""
        if self._transport is not None:
            await self._transport.aclose(code, reason)

    async def _read(self, transport: Transport, backlog: trio.MemorySendChannel[str]) -> None:
        """Read messages: responses go to their waiting CALL, CALLs to the backlog.

        Everything is done before the next message is read (no task per message): what
        the CSMS sends cannot make the station hold more than this loop holds.
        """
        while True:
            try:
                text = await transport.receive()
            except MessageTooBig as exc:
                log.warning("event=message_too_big code=%s reason=%r", exc.code, exc.reason)
                await self._report_invalid(f"message too big, connection closed: {exc.reason}")
                # The network side's memory bound was reached: refused, not held.
                await self._security_event("MemoryExhaustion", f"CSMS frame refused: {exc.reason}")
                return
            except TransportClosed as exc:
                log.info("event=connection_closed code=%s reason=%r", exc.code, exc.reason)
                return
            head = rpc.peek_call(text)
            if head is None:
                try:
                    frame = rpc.decode(text)
                except rpc.FrameError as exc:
                    await self._bad_frame(text, exc)
                    continue
                if not isinstance(frame, Call):
                    self._take_response(text, frame)
                    continue
                head = (frame.message_id, frame.action)
            if head[0] in self._seen:
                await self._refuse_replay(*head)
                continue
            try:
                backlog.send_nowait(text)
            except trio.WouldBlock:
                await self._refuse(*head)  # not taken: the CSMS may send it again
                continue
            self._seen.add(head[0])
            waiting = backlog.statistics().current_buffer_used
            self.inbound.backlog_peak = max(self.inbound.backlog_peak, waiting)

    def _take_response(self, text: str, frame: rpc.Frame) -> None:
        waiter = self._pending.get(frame.message_id)
        self._observe("in", text, frame, waiter[0] if waiter else None)
        if waiter is None:
            log.warning("event=unexpected_response message_id=%s", frame.message_id)
            return
        try:
            waiter[1].send_nowait(frame)
        except trio.WouldBlock:
            log.warning("event=duplicate_response message_id=%s", frame.message_id)

    async def _bad_frame(self, text: str | bytes, exc: rpc.FrameError) -> None:
        self._observe("in", text if isinstance(text, str) else repr(text), None, None)
        log.warning("event=bad_frame reason=%r", exc.reason)
        await self._report_invalid(f"malformed frame: {exc.reason}")
        if exc.reply is not None:
            await self._send_reply(rpc.encode(exc.reply), None, exc.reply.message_id)

    async def _refuse(self, message_id: str, action: str) -> None:
        """Answer a CALL that came while the backlog was full (Part 4 §4.1.1 broken)."""
        self.inbound.refused += 1
        log.debug("event=call_refused action=%s message_id=%s", action, message_id)
        await self._report_invalid(
            f"CALL {action} refused: the CSMS sent it while {INBOUND_BACKLOG} CALLs "
            "waited for an answer (OCPP-J 4.1.1)"
        )
        error = CallError(
            message_id,
            ErrorCode.RpcFrameworkError,
            f"{action} not handled: {INBOUND_BACKLOG} earlier CALLs are still waiting for "
            "their answer; send a CALL only when the previous one was answered (OCPP-J 4.1.1)",
        )
        transport = self._transport
        if transport is not None:
            try:
                await transport.send(rpc.encode(error))
            except TransportClosed:
                pass

    async def _refuse_replay(self, message_id: str, action: str) -> None:
        """A CALL whose message id was already used on this connection (station.ocpp.replay):
        not carried out again, answered with why, AttemptedReplayAttacks."""
        # Like refusals: one line per replay would let a CSMS flood the journal; the
        # (rate-limited) security event and the message log say it.
        log.debug("event=call_replayed action=%s message_id=%s", action, message_id)
        await self._security_event(
            "AttemptedReplayAttacks", f"{action} with message id {message_id} used before"
        )
        error = CallError(
            message_id,
            ErrorCode.RpcFrameworkError,
            f"{action} not handled: message id {message_id} was already used on this "
            "connection (OCPP-J 4.1.3); a replayed CALL is not carried out again",
        )
        await self._send_reply(rpc.encode(error), action, message_id)

    async def _security_event(self, event_type: str, tech_info: str) -> None:
        if self.security_event_sink is not None:
            await self.security_event_sink(event_type, tech_info)

    async def _dispatch_calls(
        self, backlog: trio.MemoryReceiveChannel[str], follow_up_slots: trio.Semaphore
    ) -> None:
        """Handle the backlog's CALLs one at a time, in arrival order."""
        async for text in backlog:
            try:
                call = rpc.decode(text)
            except rpc.FrameError as exc:
                await self._bad_frame(text, exc)
                continue
            assert isinstance(call, Call)  # peek_call or decode said so in _read
            self._observe("in", text, call, call.action)
            self.inbound.handled += 1
            await self._dispatch(call, len(text.encode()), follow_up_slots)

    async def _dispatch(self, call: Call, size: int, follow_up_slots: trio.Semaphore) -> None:
        current_frame_size.set(size)
        follow_ups: list[Callable[[], Awaitable[None]]] = []
        _after_reply.set(follow_ups)
        reply = await self._answer(call)
        if isinstance(reply, Reply):
            if reply.then is not None:
                follow_ups.insert(0, reply.then)
            payload = reply.text if reply.text is not None else reply.response.to_json()
            text = rpc.encode_result(call.message_id, payload)
        else:
            text = rpc.encode(reply)
        await self._send_reply(text, call.action, call.message_id)
        for then in follow_ups:
            # A free slot first: the next CALL waits while MAX_FOLLOW_UPS are running.
            await follow_up_slots.acquire()
            if self._nursery is None:
                follow_up_slots.release()
                continue
            self._nursery.start_soon(self._run_follow_up, call.action, then, follow_up_slots)

    async def _run_follow_up(
        self, action: str, then: Callable[[], Awaitable[None]], slots: trio.Semaphore
    ) -> None:
        counters = self.inbound
        counters.follow_ups += 1
        counters.follow_ups_peak = max(counters.follow_ups_peak, counters.follow_ups)
        try:
            await then()
        except Exception:
            log.exception("event=follow_up_failed action=%s", action)
        finally:
            counters.follow_ups -= 1
            slots.release()

    def after_reply(self, follow_up: Callable[[], Awaitable[None]]) -> bool:
        """From code running inside a handler (e.g. a device-model listener): run
        ``follow_up`` once the current CALL's response was sent. False outside a handler."""
        pending = _after_reply.get()
        if pending is None:
            return False
        pending.append(follow_up)
        return True

    async def _answer(self, call: Call) -> CallError | Reply:
        if self._boot is BootState.Rejected:
            return CallError(
                call.message_id,
                ErrorCode.SecurityError,
                "charging station is not accepted by the CSMS (B03.FR.08)",
            )
        if call.action not in ACTIONS:
            return CallError(
                call.message_id, ErrorCode.NotImplemented, f"unknown action {call.action!r}"
            )
        handler = self._handlers.get(call.action)
        if handler is None:
            return CallError(
                call.message_id,
                ErrorCode.NotSupported,
                f"{call.action} is not supported by this charging station",
            )
        try:
            request = parse_request(call.action, call.payload)
        except PayloadError as exc:
            await self._report_invalid(f"{call.action}: {exc.code} {exc.description}")
            return CallError(call.message_id, exc.code, exc.description)
        try:
            result = await handler(request)
        except HandlerError as exc:
            return CallError(call.message_id, exc.code, exc.description)
        except Exception as exc:
            log.exception(
                "event=handler_failed action=%s message_id=%s", call.action, call.message_id
            )
            return CallError(call.message_id, ErrorCode.InternalError, f"{type(exc).__name__}")
        return result if isinstance(result, Reply) else Reply(result)

    async def _report_invalid(self, text: str) -> None:
        """Security event InvalidMessages, at most once a minute (a flood of bad frames
        must not flood the security log); the next report counts the suppressed ones."""
        if self.invalid_message_sink is None:
            return
        now = trio.current_time()
        if (
            self._invalid_reported_at is not None
            and now - self._invalid_reported_at < INVALID_REPORT_INTERVAL
        ):
            self._invalid_suppressed += 1
            return
        if self._invalid_suppressed:
            text = f"{text} (+{self._invalid_suppressed} more in the last minute)"
        self._invalid_reported_at = now
        self._invalid_suppressed = 0
        await self.invalid_message_sink(text[:255])

    async def _send_reply(self, text: str, action: str | None, message_id: str) -> None:
        """Send an encoded CALLRESULT or CALLERROR (lost if the connection is gone)."""
        transport = self._transport
        if transport is None:
            return
        self._observe("out", text, None, action)
        try:
            await transport.send(text)
        except TransportClosed:
            log.info("event=reply_lost action=%s message_id=%s", action, message_id)

    def _observe(
        self, direction: str, text: str, frame: rpc.Frame | None, action: str | None
    ) -> None:
        for observer in self._observers:
            try:
                observer(direction, text, frame, action)
            except Exception:
                log.exception("event=frame_observer_failed")


def _action_of(request: Message) -> str:
    name = type(request).__name__
    if not name.endswith("Request"):
        raise TypeError(f"{name} is not a request message")
    return request.ACTION


def _response_of(action: str, frame: rpc.Frame) -> Message:
    if isinstance(frame, CallError):
        raise CallErrorResponse(action, frame.code, frame.description, frame.details)
    assert isinstance(frame, CallResult)
    try:
        return parse_response(action, frame.payload)
    except PayloadError as exc:
        raise InvalidResponse(f"{action} response: {exc.code}: {exc.description}") from None


__all__ = [
    "Admission",
    "BootState",
    "CallErrorResponse",
    "CallFailed",
    "CallTimeout",
    "HandlerError",
    "InboundCounters",
    "InvalidResponse",
    "OcppClient",
    "Offline",
    "Reply",
]
