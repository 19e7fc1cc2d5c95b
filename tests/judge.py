"""The independent judge: a CSMS built on the PyPI `ocpp` library, in its own thread.

It shares no code with the station. Every CALL the station sends is validated by the
`ocpp` library against the official OCA JSON schemas (a violation is answered with the
library's CALLERROR and recorded in `Judge.violations`) and against the Part 2 formats that
the schemas leave out (`tests.part2_formats`: dateTime precision, identifierString; answered
with FormatViolation, as a certified CSMS does); every response the station gives to the
judge's own CALLs is validated the same way. Tests script the judge: responses
per action (a payload, a callable, a CALLERROR, or no answer at all), refusing
connections, closing the socket, TLS with any certificate, not selecting the subprotocol.

The judge runs an asyncio loop (`websockets`) in a background thread; tests, which run on
trio, talk to it through thread-safe methods and wait on its records with real timeouts
(never fixed sleeps).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import trio
import websockets
from ocpp.exceptions import OCPPError
from ocpp.messages import Call, CallResult, MessageType, unpack, validate_payload
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.frames import Close
from websockets.http11 import Response

from tests import part2_formats

SUBPROTOCOL = "ocpp2.0.1"


def now_iso() -> str:
    """The judge's current time in OCPP form."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _close_code(frame: Close | None) -> int | None:
    return None if frame is None else frame.code


def _default_responses() -> dict[str, Any]:
    return {
        "BootNotification": lambda p: {
            "currentTime": now_iso(),
            "interval": 300,
            "status": "Accepted",
        },
        "Heartbeat": lambda p: {"currentTime": now_iso()},
        "StatusNotification": {},
        "SecurityEventNotification": {},
        "NotifyReport": {},
        "NotifyEvent": {},
        "MeterValues": {},
        "TransactionEvent": {},
        "Authorize": {"idTokenInfo": {"status": "Accepted"}},
        "FirmwareStatusNotification": {},
        "LogStatusNotification": {},
        "NotifyCustomerInformation": {},
        "SignCertificate": {"status": "Accepted"},
        "DataTransfer": {"status": "UnknownVendorId"},
        "NotifyMonitoringReport": {},
        "NotifyChargingLimit": {},
        "ClearedChargingLimit": {},
        "NotifyEVChargingNeeds": {"status": "Accepted"},
        "NotifyEVChargingSchedule": {"status": "Accepted"},
        "NotifyDisplayMessages": {},
        "ReportChargingProfiles": {},
        "ReservationStatusUpdate": {},
        "Get15118EVCertificate": {"status": "Failed", "exiResponse": ""},
        "GetCertificateStatus": {"status": "Failed"},
        "PublishFirmwareStatusNotification": {},
    }


class NoReply:
    """Script value: record the CALL but never answer it."""


@dataclass(frozen=True)
class Reject:
    """Script value: answer with a CALLERROR."""

    code: str = "InternalError"
    description: str = ""


@dataclass(frozen=True)
class Received:
    """One CALL the station sent."""

    action: str
    payload: dict
    message_id: str
    at: float  # time.monotonic()
    connection: int


@dataclass
class Connection:
    """One WebSocket the station opened."""

    index: int
    path: str
    authorization: str | None
    subprotocol: str | None
    opened_at: float
    closed_at: float | None = None
    #: The close code the judge saw (the station's, if the station closed).
    close_code: int | None = None
    #: Close code of the station's close frame (None: it sent none).
    close_received: int | None = None
    #: Close code of the judge's close frame (None: it sent none).
    close_sent: int | None = None
    #: True when the station's close frame came first (the station started the close).
    closed_by_station: bool | None = None
    #: True when the station did not close its TCP side within the judge's close timeout
    #: after the closing handshake, so the judge had to abort the connection.
    close_timed_out: bool = False
    peer_certificate: dict | None = None
    ws: ServerConnection | None = field(default=None, repr=False)


class JudgeCallError(Exception):
    """The station answered the judge's CALL with a CALLERROR."""

    def __init__(self, code: str, description: str, details: dict) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class Judge:
    """A scripted CSMS on 127.0.0.1. Use as a context manager (see the `judge` fixture)."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        select_subprotocol: bool = True,
        password: str | None = None,
        response_timeout: float = 10.0,
        close_timeout: float = 1.0,
    ) -> None:
        self.ssl_context = ssl_context
        #: The context of the next handshakes; swap it to change certificates mid-test.
        self.serving_context = ssl_context
        if ssl_context is not None:
            ssl_context.sni_callback = self._pick_context
        self.select_subprotocol = select_subprotocol
        self.password = password
        self.response_timeout = response_timeout
        #: How long the judge waits for the station's TCP close after a closing handshake.
        self.close_timeout = close_timeout
        self.responses: dict[str, Any] = _default_responses()
        self.received: list[Received] = []
        self.violations: list[str] = []
        self.framework_errors: list = []
        self.connections: list[Connection] = []
        self.refusals = 0
        self.refuse_next = 0
        self.ping_times: list[float] = []
        #: Answers the station gave to the judge's own CALLs (`call`, `send_raw`, ...).
        self.answers_received = 0
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server = None
        self._raw_waiters: dict[str, asyncio.Future] = {}
        self._current: Connection | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> Judge:
        started = threading.Event()
        self._thread = threading.Thread(target=self._run_loop, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("judge CSMS did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        assert self._thread is not None
        self._thread.join(10)

    def _run_loop(self, started: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            subprotocols=[SUBPROTOCOL] if self.select_subprotocol else None,
            select_subprotocol=None if self.select_subprotocol else (lambda conn, offered: None),
            process_request=self._process_request,
            ssl=self.ssl_context,
            ping_interval=None,
            close_timeout=self.close_timeout,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _pick_context(
        self, ssl_object: ssl.SSLObject, server_name: str | None, context: ssl.SSLContext
    ) -> None:
        # Runs inside each handshake: switching here is safe against the loop thread.
        if self.serving_context is not None and self.serving_context is not context:
            ssl_object.context = self.serving_context

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        """The CSMS URL to configure in the station (without the identity)."""
        scheme = "wss" if self.ssl_context else "ws"
        host = "localhost" if self.ssl_context else "127.0.0.1"
        return f"{scheme}://{host}:{self.port}/ocpp"

    # -- server side -----------------------------------------------------------------------

    def _process_request(self, connection: ServerConnection, request) -> Response | None:
        if self.refuse_next > 0:
            self.refuse_next -= 1
            with self._cond:
                self.refusals += 1
                self._cond.notify_all()
            return connection.respond(503, "refused by test\n")
        if self.password is not None:
            expected = (
                "Basic "
                + base64.b64encode(
                    f"{unquote(request.path.rsplit('/', 1)[-1])}:{self.password}".encode()
                ).decode()
            )
            if request.headers.get("Authorization") != expected:
                with self._cond:
                    self.refusals += 1
                    self._cond.notify_all()
                return Response(
                    401,
                    "Unauthorized",
                    Headers([("WWW-Authenticate", "Basic"), ("Content-Length", "0")]),
                    b"",
                )
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        peer = None
        ssl_object = ws.transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            peer = ssl_object.getpeercert()
        connection = Connection(
            index=len(self.connections),
            path=ws.request.path,
            authorization=ws.request.headers.get("Authorization"),
            subprotocol=ws.subprotocol,
            opened_at=time.monotonic(),
            peer_certificate=peer,
            ws=ws,
        )
        with self._cond:
            self.connections.append(connection)
            self._current = connection
            self._cond.notify_all()
        if not self.select_subprotocol:
            # Part 4 §3.2: no agreed subprotocol → the CSMS closes at once.
            await ws.close(1002, "no supported subprotocol")
        tasks = set()
        try:
            async for raw in ws:
                task = asyncio.ensure_future(self._route(connection, ws, raw))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except websockets.ConnectionClosed:
            pass
        finally:
            for task in tasks:
                task.cancel()
            with self._cond:
                connection.close_code = ws.close_code
                connection.closed_at = time.monotonic()
                # The loop ends once the TCP connection is gone, so the closing handshake
                # is over: record how it went.
                protocol = ws.protocol
                connection.close_received = _close_code(protocol.close_rcvd)
                connection.close_sent = _close_code(protocol.close_sent)
                connection.closed_by_station = protocol.close_rcvd_then_sent
                # websockets aborts the connection with this error when the peer keeps its
                # TCP side open past close_timeout.
                connection.close_timed_out = isinstance(ws.connection_exc, TimeoutError)
                if self._current is connection:
                    self._current = None
                self._cond.notify_all()

    async def _route(self, connection: Connection, ws: ServerConnection, raw: str) -> None:
        try:
            message = unpack(raw)
        except OCPPError as exc:
            self._violation(f"unparseable message {raw!r}: {exc}")
            return
        if message.message_type_id in (MessageType.CallResult, MessageType.CallError):
            future = self._raw_waiters.pop(message.unique_id, None)
            if future is not None and not future.done():
                future.set_result(message)
                with self._cond:
                    self.answers_received += 1
                    self._cond.notify_all()
            elif message.unique_id == "-1":
                # The station's answer to a frame it could not read (tests send garbage).
                with self._cond:
                    self.framework_errors.append(message)
                    self._cond.notify_all()
            else:
                self._violation(f"response to unknown message id {message.unique_id}")
            return
        received = Received(
            message.action, message.payload, message.unique_id, time.monotonic(), connection.index
        )
        with self._cond:
            self.received.append(received)
            self._cond.notify_all()
        try:
            await validate_payload(message, "2.0.1")
        except OCPPError as exc:
            self._violation(f"{message.action} request violates the schema: {exc}")
            await ws.send(
                json.dumps([4, message.unique_id, exc.code, str(exc.description)[:255], {}])
            )
            return
        problems = part2_formats.violations(
            message.action, "Request", message.payload, from_csms=False
        )
        if problems:
            # As a certified CSMS does: the schemas allow it, Part 2 does not.
            self._violation(f"{message.action} request violates Part 2: {'; '.join(problems)}")
            await ws.send(
                json.dumps([4, message.unique_id, "FormatViolation", problems[0][:255], {}])
            )
            return
        script = self.responses.get(message.action)
        if callable(script) and not isinstance(script, type):
            script = script(message.payload)
            if asyncio.iscoroutine(script):
                script = await script
        if isinstance(script, NoReply) or script is NoReply:
            return
        if isinstance(script, Reject):
            await ws.send(json.dumps([4, message.unique_id, script.code, script.description, {}]))
            return
        if script is None:
            script = {}
        result = CallResult(unique_id=message.unique_id, payload=copy.deepcopy(script))
        result.action = message.action
        try:
            await validate_payload(result, "2.0.1")
        except OCPPError as exc:
            raise AssertionError(
                f"test scripted an invalid {message.action} response: {exc}"
            ) from None
        problems = part2_formats.violations(message.action, "Response", script, from_csms=True)
        if problems:
            raise AssertionError(f"test scripted an invalid {message.action} response: {problems}")
        try:
            await ws.send(json.dumps([3, message.unique_id, script]))
        except websockets.ConnectionClosed:
            pass

    def _violation(self, text: str) -> None:
        with self._cond:
            self.violations.append(text)
            self._cond.notify_all()

    # -- thread-safe API for trio tests ------------------------------------------------------

    def _run(self, coro, timeout: float):
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    async def call(
        self, action: str, payload: dict, *, validate: bool = True, timeout: float | None = None
    ) -> dict:
        """Send a CALL (validated by the `ocpp` library unless ``validate=False``) and
        return the station's CALLRESULT payload, itself validated; raise `JudgeCallError`
        for a CALLERROR."""
        message_id = str(uuid.uuid4())
        if validate:
            problems = part2_formats.violations(action, "Request", payload, from_csms=True)
            if problems:
                raise AssertionError(f"test scripted an invalid {action} request: {problems}")
        frame = json.dumps([2, message_id, action, payload])
        response = await self.send_raw(
            frame, message_id, validate_as=action if validate else None, timeout=timeout
        )
        if response.message_type_id == MessageType.CallError:
            raise JudgeCallError(
                response.error_code, response.error_description, response.error_details
            )
        result = CallResult(unique_id=message_id, payload=response.payload)
        result.action = action
        try:
            await trio.to_thread.run_sync(lambda: self._run(validate_payload(result, "2.0.1"), 5))
        except OCPPError as exc:
            self._violation(f"{action} response violates the schema: {exc}")
            raise AssertionError(
                f"station's {action} response violates the schema: {exc}"
            ) from None
        problems = part2_formats.violations(action, "Response", response.payload, from_csms=False)
        if problems:
            self._violation(f"{action} response violates Part 2: {'; '.join(problems)}")
            raise AssertionError(f"station's {action} response violates Part 2: {problems}")
        return response.payload

    async def send_raw(
        self,
        text: str,
        message_id: str,
        *,
        validate_as: str | None = None,
        timeout: float | None = None,
    ):
        """Send any text and wait for the response with ``message_id`` (an ocpp-library
        message object with ``message_type_id``, ``payload`` or ``error_code``)."""
        limit = timeout or self.response_timeout

        async def go():
            if validate_as is not None:
                await validate_payload(
                    Call(unique_id=message_id, action=validate_as, payload=json.loads(text)[3]),
                    "2.0.1",
                )
            connection = self._current
            if connection is None or connection.ws is None:
                raise AssertionError("no station connected")
            future = asyncio.get_running_loop().create_future()
            self._raw_waiters[message_id] = future
            await connection.ws.send(text)
            return await asyncio.wait_for(future, limit)

        return await trio.to_thread.run_sync(
            lambda: self._run(go(), limit + 5), abandon_on_cancel=True
        )

    async def send_many(self, frames: list[tuple[str, str]], *, timeout: float = 60.0) -> list:
        """Send every ``(message_id, text)`` back to back, without waiting for answers (a
        CSMS that breaks OCPP-J 4.1.1), then wait for all the answers; returns them in the
        order sent (ocpp-library message objects, as `send_raw`)."""

        async def go():
            connection = self._current
            if connection is None or connection.ws is None:
                raise AssertionError("no station connected")
            loop = asyncio.get_running_loop()
            futures = []
            for message_id, _ in frames:
                futures.append(loop.create_future())
                self._raw_waiters[message_id] = futures[-1]
            for _, text in frames:
                await connection.ws.send(text)
            return await asyncio.wait_for(asyncio.gather(*futures), timeout)

        return await trio.to_thread.run_sync(
            lambda: self._run(go(), timeout + 5), abandon_on_cancel=True
        )

    def call_in_loop(self, function: Callable[[], object]) -> None:
        """Run ``function()`` in the judge's loop thread (to release an asyncio primitive
        that a scripted response waits on)."""
        assert self._loop is not None
        self._loop.call_soon_threadsafe(function)

    async def send_only(self, text: str) -> None:
        """Send any text without waiting for an answer."""

        async def go():
            connection = self._current
            if connection is None or connection.ws is None:
                raise AssertionError("no station connected")
            await connection.ws.send(text)

        await trio.to_thread.run_sync(lambda: self._run(go(), 5))

    async def disconnect(self, code: int = 1000) -> None:
        """Close the current connection from the CSMS side."""

        async def go():
            connection = self._current
            if connection is not None and connection.ws is not None:
                await connection.ws.close(code)

        # ws.close returns once the TCP connection is gone, at the latest after close_timeout.
        await trio.to_thread.run_sync(lambda: self._run(go(), self.close_timeout + 5))

    async def wait_for(
        self,
        action: str,
        *,
        count: int = 1,
        timeout: float = 10.0,
        where: Callable[[dict], bool] | None = None,
    ) -> list[Received]:
        """Wait until the station has sent ``count`` CALLs of ``action`` (matching ``where``)."""

        def matching() -> list[Received]:
            return [
                r
                for r in self.received
                if r.action == action and (where is None or where(r.payload))
            ]

        return await self._wait(
            lambda: len(matching()) >= count, matching, timeout, f"{count} × {action}"
        )

    async def wait_until(
        self, ready: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Wait until ``ready()`` (evaluated under the judge's lock on every change) holds."""
        await self._wait(ready, lambda: None, timeout, what)

    async def wait_connections(self, count: int, *, timeout: float = 10.0) -> list[Connection]:
        """Wait until the station has opened ``count`` connections in total."""
        return await self._wait(
            lambda: len(self.connections) >= count,
            lambda: list(self.connections),
            timeout,
            f"{count} connections",
        )

    async def wait_closed(self, index: int, *, timeout: float = 10.0) -> Connection:
        """Wait until connection ``index`` is closed."""
        return await self._wait(
            lambda: self.connections[index].closed_at is not None,
            lambda: self.connections[index],
            timeout,
            f"connection {index} closed",
        )

    async def wait_refusals(self, count: int, *, timeout: float = 10.0) -> int:
        """Wait until ``count`` connection attempts were refused."""
        return await self._wait(
            lambda: self.refusals >= count, lambda: self.refusals, timeout, f"{count} refusals"
        )

    async def _wait(
        self, ready: Callable[[], bool], result: Callable[[], Any], timeout: float, what: str
    ):
        def block():
            with self._cond:
                if not self._cond.wait_for(ready, timeout):
                    actions = [r.action for r in self.received]
                    raise AssertionError(f"judge: timed out waiting for {what}; received {actions}")
                return result()

        return await trio.to_thread.run_sync(block, abandon_on_cancel=True)

    def actions(self) -> list[str]:
        """Actions of all CALLs received so far, in order."""
        with self._cond:
            return [r.action for r in self.received]
