"""The benchmark CSMS: a minimal OCPP-J server on asyncio `websockets`, in its own thread.

It shares no code with the station. Timing happens inside its event loop: a CALL's
clock starts just before the frame is written and stops when the matching CALLRESULT is
read, so the figures are the station's turnaround plus the loopback/network path, not
thread hand-over. Incoming CALLs are answered at once with canned responses and
recorded with their arrival time; WebSocket pings are recorded too (for the ping
harness).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.frames import Opcode
from websockets.typing import Subprotocol


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _responses(heartbeat: int) -> dict[str, Any]:
    return {
        "BootNotification": lambda p: {
            "currentTime": now_iso(),
            "interval": heartbeat,
            "status": "Accepted",
        },
        "Heartbeat": lambda p: {"currentTime": now_iso()},
        "Authorize": {"idTokenInfo": {"status": "Accepted"}},
        "TransactionEvent": {},
        "SignCertificate": {"status": "Accepted"},
        "DataTransfer": {"status": "UnknownVendorId"},
    }


@dataclass
class Incoming:
    """A CALL the station sent."""

    action: str
    payload: dict
    at: float  # time.perf_counter()


class _PingRecorder(ServerConnection):
    """Records when each WebSocket ping arrives (websockets answers it itself)."""

    pings: list[float]

    def process_event(self, event) -> None:
        if getattr(event, "opcode", None) is Opcode.PING:
            self.pings.append(time.perf_counter())
        super().process_event(event)


@dataclass
class BenchCsms:
    """Start with ``with BenchCsms() as csms:``; the station connects to ``csms.url``."""

    heartbeat: int = 3600
    #: Interface to listen on: loopback here; 0.0.0.0 when a station on a bench rig
    #: connects from another machine.
    host: str = "127.0.0.1"
    ssl_context: ssl.SSLContext | None = None
    #: 0 = any free port.
    port: int = 0
    incoming: list[Incoming] = field(default_factory=list)
    pings: list[float] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._responses = _responses(self.heartbeat)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._ws: ServerConnection | None = None
        self._pending: dict[str, tuple[float, asyncio.Future]] = {}
        self._ids = itertools.count()
        self._changed = threading.Condition()
        self._server: Server | None = None

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> BenchCsms:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        scheme = "wss" if self.ssl_context else "ws"
        host = "localhost" if self.ssl_context else "127.0.0.1"
        if self.host not in ("127.0.0.1", "localhost"):
            import socket

            host = socket.getfqdn()
        return f"{scheme}://{host}:{self.port}/ocpp"

    async def _start(self) -> None:
        pings = self.pings

        class Recorder(_PingRecorder):
            pass

        Recorder.pings = pings
        self._server = server = await serve(
            self._handle,
            self.host,
            self.port,
            subprotocols=[Subprotocol("ocpp2.0.1")],
            ssl=self.ssl_context,
            ping_interval=None,
            max_size=None,
            create_connection=Recorder,
        )
        self.port = server.sockets[0].getsockname()[1]

    async def _handle(self, ws: ServerConnection) -> None:
        self._ws = ws
        with self._changed:
            self.connections += 1
            self._changed.notify_all()
        try:
            async for raw in ws:
                arrived = time.perf_counter()
                frame = json.loads(raw)
                if frame[0] == 2:
                    _, message_id, action, payload = frame
                    with self._changed:
                        self.incoming.append(Incoming(action, payload, arrived))
                        self._changed.notify_all()
                    script = self._responses.get(action, {})
                    answer = script(payload) if callable(script) else script
                    await ws.send(json.dumps([3, message_id, answer]))
                elif frame[0] in (3, 4):
                    waiter = self._pending.pop(frame[1], None)
                    if waiter is not None and not waiter[1].done():
                        waiter[1].set_result((arrived - waiter[0], frame))
        except Exception:  # the station went away; it reconnects
            pass
        finally:
            if self._ws is ws:
                self._ws = None

    # -- used from the harness's thread ------------------------------------------------

    def call(self, action: str, payload: dict, timeout: float = 30.0) -> tuple[float, list]:
        """Send a CALL; return (seconds from send to response, the response frame)."""
        return asyncio.run_coroutine_threadsafe(self._call(action, payload), self._loop).result(
            timeout
        )

    def send_at(self, action: str, payload: dict) -> float:
        """Send a CALL without waiting; return the perf_counter time it was written."""
        return asyncio.run_coroutine_threadsafe(self._send(action, payload), self._loop).result(10)[
            0
        ]

    async def _send(self, action: str, payload: dict) -> tuple[float, asyncio.Future]:
        ws = self._ws
        if ws is None:
            raise RuntimeError("no station connected")
        message_id = f"b{next(self._ids)}"
        future = self._loop.create_future()
        text = json.dumps([2, message_id, action, payload])
        started = time.perf_counter()
        self._pending[message_id] = (started, future)
        await ws.send(text)
        return started, future

    async def _call(self, action: str, payload: dict) -> tuple[float, list]:
        _, future = await self._send(action, payload)
        return await future

    def close_connection(self) -> None:
        """Drop the station's connection (it reconnects)."""

        async def close() -> None:
            if self._ws is not None:
                await self._ws.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        """Block until ``predicate()`` holds (re-checked on every CALL and connection)."""
        with self._changed:
            if not self._changed.wait_for(predicate, timeout):
                raise TimeoutError("bench CSMS: condition not met in time")

    def wait_for(
        self,
        action: str,
        *,
        after: float = 0.0,
        where: Callable[[dict], bool] | None = None,
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[Incoming]:
        """The first ``count`` CALLs of ``action`` that arrived after ``after``."""

        def found() -> list[Incoming]:
            return [
                i
                for i in list(self.incoming)
                if i.action == action and i.at >= after and (where is None or where(i.payload))
            ]

        self.wait(lambda: len(found()) >= count, timeout)
        return found()[:count]
