"""A small CSMS for the demo and the bench: accepts stations, answers, and can send requests.

It is deliberately simple: it accepts every BootNotification and idToken, confirms every
message, validates what it receives against the message models, and records what it saw.
It is not a test judge (tests use the independent CSMS built on the `ocpp` library); it
is what `station demo` and the benchmark harnesses talk to.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trio
import trio_websocket

from station.ocpp import rpc
from station.ocpp.validation import PayloadError, parse_request, parse_response

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


ANSWERS: dict[str, Callable[[dict], dict]] = {
    "BootNotification": lambda p: {"currentTime": _now(), "interval": 300, "status": "Accepted"},
    "Heartbeat": lambda p: {"currentTime": _now()},
    "Authorize": lambda p: {"idTokenInfo": {"status": "Accepted"}},
    "TransactionEvent": lambda p: {"idTokenInfo": {"status": "Accepted"}} if "idToken" in p else {},
    "DataTransfer": lambda p: {"status": "UnknownVendorId"},
    "SignCertificate": lambda p: {"status": "Accepted"},
}

Observer = Callable[[str, str, str, dict], None]


@dataclass
class DevCsms:
    """Serve OCPP 2.0.1 on ``host:port`` (port 0 = any free port)."""

    host: str = "127.0.0.1"
    port: int = 0
    answers: dict[str, Callable[[dict], dict]] = field(default_factory=lambda: dict(ANSWERS))
    observers: list[Observer] = field(default_factory=list)
    received: list[tuple[str, dict]] = field(default_factory=list)
    _connection: trio_websocket.WebSocketConnection | None = None
    _pending: dict[str, trio.MemorySendChannel] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=itertools.count)
    _connected: trio.Event = field(default_factory=trio.Event)

    @property
    def url(self) -> str:
        """The URL to put in a station's config."""
        return f"ws://{self.host}:{self.port}/ocpp"

    async def run(
        self, *, task_status: trio.TaskStatus[DevCsms] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled."""
        async with trio.open_nursery() as nursery:
            server = await nursery.start(
                trio_websocket.serve_websocket, self._handle, self.host, self.port, None
            )
            self.port = server.port
            task_status.started(self)

    async def wait_connected(self) -> None:
        """Wait until a station is connected."""
        await self._connected.wait()

    async def _handle(self, request: trio_websocket.WebSocketRequest) -> None:
        if "ocpp2.0.1" not in request.proposed_subprotocols:
            await request.reject(400, body=b"subprotocol ocpp2.0.1 required")
            return
        ws = await request.accept(subprotocol="ocpp2.0.1")
        self._connection = ws
        self._connected.set()
        async with trio.open_nursery() as nursery:
            try:
                while True:
                    text = await ws.get_message()
                    nursery.start_soon(self._route, ws, text)
            except trio_websocket.ConnectionClosed:
                pass
            finally:
                self._connection = None
                self._connected = trio.Event()
                nursery.cancel_scope.cancel()

    async def _route(self, ws: trio_websocket.WebSocketConnection, text: str | bytes) -> None:
        # A binary frame is decoded too: `rpc.decode` refuses it as a framing error.
        try:
            frame = rpc.decode(text)
        except rpc.FrameError as exc:
            log.warning("event=devcsms_bad_frame reason=%r", exc.reason)
            return
        if not isinstance(frame, rpc.Call):
            channel = self._pending.pop(frame.message_id, None)
            if channel is not None:
                channel.send_nowait(frame)
            return
        self.received.append((frame.action, frame.payload))
        self._observe("in", frame.action, frame.message_id, frame.payload)
        try:
            parse_request(frame.action, frame.payload)
        except (PayloadError, KeyError) as exc:
            reply: rpc.Frame = rpc.CallError(frame.message_id, "FormatViolation", str(exc)[:255])
        else:
            answer = self.answers.get(frame.action, lambda p: {})(frame.payload)
            reply = rpc.CallResult(frame.message_id, answer)
            self._observe("out", frame.action, frame.message_id, answer)
        try:
            await ws.send_message(rpc.encode(reply))
        except trio_websocket.ConnectionClosed:
            pass

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 30) -> dict:
        """Send a request to the connected station and return its response payload."""
        ws = self._connection
        if ws is None:
            raise RuntimeError("no station connected")
        message_id = f"csms-{next(self._ids)}"
        send, receive = trio.open_memory_channel[rpc.Frame](1)
        self._pending[message_id] = send
        self._observe("out", action, message_id, payload)
        await ws.send_message(rpc.encode(rpc.Call(message_id, action, payload)))
        with trio.fail_after(timeout):
            frame = await receive.receive()
        if isinstance(frame, rpc.CallError):
            raise RuntimeError(f"{action}: station answered {frame.code}: {frame.description}")
        assert isinstance(frame, rpc.CallResult)
        parse_response(action, frame.payload)
        self._observe("in", action, message_id, frame.payload)
        return frame.payload

    def _observe(self, direction: str, action: str, message_id: str, payload: dict) -> None:
        for observer in self.observers:
            observer(direction, action, message_id, payload)
