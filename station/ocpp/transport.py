"""Message transports: the WebSocket to a CSMS, and an in-memory pair for tests.

A `Transport` moves OCPP-J text messages and can ping. The OCPP session above it knows
nothing about sockets, TLS or HTTP; tests that run on trio's MockClock swap the WebSocket
for `memory_pair`, a transport whose other end a scripted in-memory CSMS drives.

`dial_websocket` implements Part 4 §3 and Part 2 A00: URL = CSMS URL + "/" +
percent-encoded identity; subprotocol ``ocpp2.0.1`` offered and required; HTTP Basic
authentication for security profiles 1 and 2; TLS (via `station.ocpp.tls`) for 2 and 3.

What a CSMS can make the WebSocket hold is bounded: a message longer than
`MAX_MESSAGE_SIZE` characters closes the connection with 1009 Message Too Big (RFC 6455
§7.4.1; the station cannot answer it with a CALLERROR without reading it whole, and
`receive` raises `MessageTooBig`), and at most `MESSAGE_QUEUE_SIZE` complete messages wait
to be read: beyond that the WebSocket stops reading the socket and TCP pushes back on the
CSMS. The connection is not compressed (no permessage-deflate), so a message's size on
the wire bounds its size in memory.
"""

from __future__ import annotations

import base64
import logging
import math
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote, urlsplit

import trio
import trio_websocket

from station.ocpp import failures

log = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp2.0.1"
#: Longest message accepted from the CSMS, in characters (what trio-websocket counts; a
#: character is at least one byte). Above DeviceDataCtrlr.BytesPerMessage (1,000,000, as
#: the reference product declares), so that a GetVariables/SetVariables that exceeds it is
#: still read and gets its FormatViolation (B06.FR.17) instead of a closed connection.
MAX_MESSAGE_SIZE = 1_048_576
#: Complete messages the WebSocket holds before it stops reading the socket.
MESSAGE_QUEUE_SIZE = 1
#: Bytes read from the socket at a time. trio-websocket's 4 KiB default costs a pass
#: through its reader loop (and a partial-message event) per 4 KiB: a 1 MB message took
#: 250 of them.
RECEIVE_BUFFER_SIZE = 65_536


class TransportClosed(Exception):
    """The connection is gone. ``code``/``reason`` are the WebSocket close code and reason."""

    def __init__(self, code: int | None = None, reason: str | None = None) -> None:
        super().__init__(f"connection closed (code={code}, reason={reason!r})")
        self.code = code
        self.reason = reason


class MessageTooBig(TransportClosed):
    """The station closed the connection (1009) because the CSMS sent a message longer
    than `MAX_MESSAGE_SIZE`."""


class ConnectFailed(Exception):
    """A connection attempt failed.

    ``security_event`` names the OCPP security event the failure must raise
    (InvalidCsmsCertificate, InvalidTLSVersion, InvalidTLSCipherSuite) or is None.
    """

    def __init__(self, detail: str, security_event: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.security_event = security_event


class Transport(Protocol):
    """One open connection carrying OCPP-J text messages."""

    async def send(self, text: str) -> None:
        """Send one message; raise `TransportClosed` if the connection is gone."""
        ...

    async def receive(self) -> str:
        """Wait for the next message; raise `TransportClosed` when the connection ends."""
        ...

    async def ping(self) -> None:
        """Send a ping and return when the pong arrives."""
        ...

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (idempotent)."""
        ...


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Everything needed to open one connection to a CSMS."""

    url: str
    identity: str
    security_profile: int
    basic_auth_password: str | None = None
    ssl_context: object | None = None  # ssl.SSLContext for profiles 2 and 3
    allow_wildcards: bool = False
    connect_timeout: float = 30.0
    #: station.ocpp.revocation.CrlChecker when the operator turned revocation checks on
    revocation: object | None = None

    def resource(self) -> str:
        """The request target: the URL's path + "/" + the percent-encoded identity."""
        parts = urlsplit(self.url)
        path = parts.path.rstrip("/")
        resource = f"{path}/{quote(self.identity, safe='')}"
        return resource + (f"?{parts.query}" if parts.query else "")

    def headers(self) -> list[tuple[bytes, bytes]]:
        """HTTP headers of the upgrade request (Basic auth for profiles 1 and 2)."""
        if self.security_profile in (1, 2) and self.basic_auth_password is not None:
            token = base64.b64encode(f"{self.identity}:{self.basic_auth_password}".encode())
            return [(b"Authorization", b"Basic " + token)]
        return []


class WebSocketTransport:
    """`Transport` over a trio-websocket connection."""

    def __init__(
        self,
        connection: trio_websocket.WebSocketConnection,
        stream: trio.abc.AsyncResource | None = None,
    ) -> None:
        """``stream`` is the TCP (or TLS) stream under the WebSocket, for `abort`."""
        self._ws = connection
        self._stream = stream

    async def send(self, text: str) -> None:
        """Send one text message."""
        try:
            await self._ws.send_message(text)
        except trio_websocket.ConnectionClosed as exc:
            raise TransportClosed(*_close_reason(exc)) from None

    async def receive(self) -> str:
        """Receive one message (bytes are passed on for the RPC layer to refuse)."""
        try:
            message = await self._ws.get_message()
        except trio_websocket.ConnectionClosed as exc:
            code, reason = _close_reason(exc)
            if code == 1009 and (reason or "").startswith(_TOO_BIG_REASON):
                # trio-websocket closed it: the reason is its own, not the CSMS's.
                raise MessageTooBig(code, reason) from None
            raise TransportClosed(code, reason) from None
        return message  # type: ignore[return-value]

    async def ping(self) -> None:
        """Ping and wait for the pong."""
        try:
            await self._ws.ping()
        except trio_websocket.ConnectionClosed as exc:
            raise TransportClosed(*_close_reason(exc)) from None

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close with a close frame; give up on a peer that does not answer."""
        with trio.move_on_after(2) as scope:
            scope.shield = True
            await self._ws.aclose(code, reason)

    async def abort(self) -> None:
        """Drop the connection without a closing handshake, as a lost network does: the
        stream under the WebSocket is closed at once, this side reads an abnormal closure
        (1006) and the peer sees its TCP connection end with no close frame."""
        if self._stream is not None:
            await trio.aclose_forcefully(self._stream)


def _close_reason(exc: trio_websocket.ConnectionClosed) -> tuple[int, str | None]:
    """Close code and reason of a closed connection.

    trio-websocket types the reason as optional; a connection that ended without one was
    closed abnormally (RFC 6455 §7.1.5: 1006), as `MemoryTransport` reports it too.
    """
    if exc.reason is None:
        return 1006, None
    return exc.reason.code, exc.reason.reason


#: How trio-websocket words the close reason when a message exceeds its limit.
_TOO_BIG_REASON = "Exceeded maximum message size"


async def dial_websocket(nursery: trio.Nursery, endpoint: Endpoint) -> WebSocketTransport:
    """Open a WebSocket to the CSMS; the connection's reader task runs in ``nursery``.

    Raises `ConnectFailed` with a precise detail (and the security event for TLS
    failures) when the attempt does not give an OCPP 2.0.1 connection.
    """
    connection, stream = await nursery.start(_hold_connection, endpoint)
    if connection.subprotocol != SUBPROTOCOL:
        # Part 4 §3.2: a CSMS that does not select our subprotocol cannot talk to us.
        await connection.aclose(1002, "subprotocol ocpp2.0.1 required")
        raise ConnectFailed(
            f"CSMS selected subprotocol {connection.subprotocol!r}, not {SUBPROTOCOL!r}"
        )
    return WebSocketTransport(connection, stream)


async def _hold_connection(
    endpoint: Endpoint,
    task_status: trio.TaskStatus[tuple[trio_websocket.WebSocketConnection, trio.abc.Stream]],
) -> None:
    """Open the WebSocket and keep its reader task alive until cancelled.

    trio-websocket reports a refused upgrade (HTTP 401, 503...) from its reader task, not
    from the connect call; running both in a nursery of our own turns every handshake
    failure into one `ConnectFailed` raised out of ``nursery.start``.

    The TCP (or TLS) stream is ours: it is closed on every way out (a refused or broken
    handshake, a close by either side, cancellation), never left to the garbage collector.
    """
    parts = urlsplit(endpoint.url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    handshake = trio.CancelScope()
    recorder = _StreamErrors(handshake)
    try:
        async with trio.open_nursery() as inner:
            with handshake:
                connection = await _connect(inner, endpoint, host, port, recorder)
            if handshake.cancelled_caught:
                # The stream broke or ended during the WebSocket handshake: with TLS 1.3
                # this is how a CSMS refuses the client certificate (alert after our
                # Finished); over plain TCP, a server that hangs up before answering.
                raise _failure_during_upgrade(recorder.error, host, port)
            recorder.watching = False
            task_status.started((connection, recorder))
            try:
                await trio.sleep_forever()
            finally:
                # Leaving (shutdown, reconnect): send a close frame and drop the socket.
                # The reader task is being cancelled with us, so the peer's close reply
                # cannot be read; wait only long enough to flush our frame.
                with trio.move_on_after(0.1) as cleanup:
                    cleanup.shield = True
                    await connection.aclose(1001, "going away")
    except BaseExceptionGroup as group:
        failures, rest = group.split(_CONNECT_ERRORS)
        if rest is not None:
            # Cancelled (or a real bug) along with the handshake failure: the failure no
            # longer matters, and must not escape as an error of its own.
            raise rest from None
        assert failures is not None
        raise _connect_failure(_leaf(failures), endpoint, host, port) from None
    except _CONNECT_ERRORS as exc:
        raise _connect_failure(exc, endpoint, host, port) from None
    finally:
        # trio-websocket closes the stream itself only when it started the close (or met a
        # protocol error). When the CSMS closes, it answers the close frame (RFC 6455
        # §5.5.1) but keeps the socket open, and `aclose` above returns at once; a refused
        # upgrade leaves the socket open too. The CSMS would wait out its close timeout
        # for our TCP close, and the descriptor would live until the garbage collector
        # found it. Once both close frames are exchanged the client may close the TCP
        # connection (RFC 6455 §7.1.1); on every other way out there is nothing to wait for.
        # The same holds when trio-websocket closed the WebSocket itself (1009 Message Too
        # Big): without this, every oversized message would leave a socket behind.
        with trio.CancelScope(shield=True):
            await recorder.aclose()


_CONNECT_ERRORS = (trio.TooSlowError, trio_websocket.HandshakeError, OSError, ConnectFailed)


async def _connect(
    nursery: trio.Nursery, endpoint: Endpoint, host: str, port: int, recorder: _StreamErrors
) -> trio_websocket.WebSocketConnection:
    """The WebSocket; the stream under it goes into ``recorder``, which the caller closes
    at the end. Each stage that runs out of ``endpoint.connect_timeout`` (counted from
    the start) says which stage it was: the remedies differ."""
    peer = f"{host}:{port}"
    deadline = trio.current_time() + endpoint.connect_timeout
    stream: trio.abc.Stream
    if urlsplit(endpoint.url).scheme == "wss":
        from station.ocpp.tls import CsmsConnectError, open_tls_stream

        try:
            stream = await open_tls_stream(
                host,
                port,
                endpoint.ssl_context,  # type: ignore[arg-type]
                allow_wildcards=endpoint.allow_wildcards,
                connect_timeout=endpoint.connect_timeout,
                revocation=endpoint.revocation,  # type: ignore[arg-type]
            )
        except CsmsConnectError as exc:
            raise ConnectFailed(exc.detail, getattr(exc, "security_event", None)) from None
        default_port = 443
    else:
        try:
            with trio.fail_at(deadline):
                stream = await trio.open_tcp_stream(host, port)
        except trio.TooSlowError:
            raise ConnectFailed(failures.tcp_timeout(peer, endpoint.connect_timeout)) from None
        except OSError as exc:
            raise ConnectFailed(failures.tcp_error(exc, peer)) from None
        default_port = 80
    # From here the stream is closed by `_hold_connection`, whatever happens. It is read
    # through the recorder so that a close or an error during the upgrade ends the
    # handshake at once with its cause (trio-websocket would wait for the timeout).
    recorder.stream = stream
    try:
        with trio.fail_at(deadline):
            return await trio_websocket.wrap_client_stream(
                nursery,
                recorder,  # type: ignore[arg-type]  # any trio Stream works
                _host_header(host, port, default_port=default_port),
                endpoint.resource(),
                subprotocols=[SUBPROTOCOL],
                extra_headers=endpoint.headers(),
                message_queue_size=MESSAGE_QUEUE_SIZE,
                max_message_size=MAX_MESSAGE_SIZE,
                receive_buffer_size=RECEIVE_BUFFER_SIZE,
            )
    except trio.TooSlowError:
        raise ConnectFailed(failures.no_upgrade_answer(peer, endpoint.connect_timeout)) from None


def _host_header(host: str, port: int, *, default_port: int) -> str:
    """The Host header: the port only when it is not the default (RFC 7230 §5.4)."""
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal (RFC 3986 §3.2.2)
    return name if port == default_port else f"{name}:{port}"


class _StreamErrors(trio.abc.Stream):
    """Passes a stream through and, until the WebSocket is up, cancels the handshake on the
    first transport error or end of stream (trio-websocket would otherwise wait for its
    timeout and drop the TLS error that explains the failure).

    It also holds the connection's stream (TLS or plain TCP) so that `_hold_connection`
    can close it on every way out."""

    def __init__(self, handshake: trio.CancelScope) -> None:
        self.stream: trio.abc.Stream | None = None
        self.error: BaseException | None = None
        self.watching = True
        self._handshake = handshake

    def _failed(self, exc: BaseException) -> None:
        if self.error is None:
            self.error = exc
        if self.watching:
            self._handshake.cancel()

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        assert self.stream is not None
        try:
            await self.stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
            self._failed(exc)
            raise

    async def wait_send_all_might_not_block(self) -> None:
        assert self.stream is not None
        await self.stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        assert self.stream is not None
        try:
            data = await self.stream.receive_some(max_bytes)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
            self._failed(exc)
            raise
        if not data and self.watching:
            self._handshake.cancel()  # the CSMS hung up during the handshake
        return data

    async def aclose(self) -> None:
        if self.stream is not None:
            await self.stream.aclose()


def _failure_during_upgrade(error: BaseException | None, host: str, port: int) -> ConnectFailed:
    from station.ocpp.tls import classify_tls_failure

    rejected = classify_tls_failure(error) if error is not None else None
    if rejected is not None:
        return ConnectFailed(rejected.detail, rejected.security_event)
    return ConnectFailed(failures.closed_before_upgrade(f"{host}:{port}"))


def _leaf(group: BaseExceptionGroup) -> BaseException:
    """The first non-group exception of a (nested) group, for the failure message."""
    first: BaseException = group
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


def _connect_failure(exc: BaseException, endpoint: Endpoint, host: str, port: int) -> ConnectFailed:
    peer = f"{host}:{port}"
    if isinstance(exc, ConnectFailed):
        return exc
    if isinstance(exc, trio.TooSlowError):  # every stage names its own; a safety net
        return ConnectFailed(f"{peer}: no connection within {endpoint.connect_timeout:g} s")
    if isinstance(exc, trio_websocket.ConnectionRejected):
        # 401/403: the CSMS did not accept our credentials (Basic auth or certificate).
        event = "FailedToAuthenticateAtCsms" if exc.status_code in (401, 403) else None
        return ConnectFailed(
            failures.upgrade_rejected(peer, exc.status_code, endpoint.identity), event
        )
    if isinstance(exc, trio_websocket.HandshakeError):
        return ConnectFailed(f"{peer}: WebSocket handshake failed: {exc!r}")
    if isinstance(exc, OSError):
        return ConnectFailed(failures.tcp_error(exc, peer))
    return ConnectFailed(f"{peer}: connection failed: {exc!r}")


# -- in-memory transport -------------------------------------------------------------------


class MemoryTransport:
    """One end of an in-memory connection (see `memory_pair`)."""

    def __init__(
        self,
        outgoing: trio.MemorySendChannel[str],
        incoming: trio.MemoryReceiveChannel[str],
        state: _PairState,
        side: int,
    ) -> None:
        self._out = outgoing
        self._in = incoming
        self._state = state
        self._side = side

    async def send(self, text: str) -> None:
        """Deliver one message to the other end."""
        if self._state.closed is not None:
            raise TransportClosed(*self._state.closed)
        try:
            await self._out.send(text)
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            raise TransportClosed(*(self._state.closed or (1006, "gone"))) from None

    async def receive(self) -> str:
        """Next message from the other end."""
        try:
            return await self._in.receive()
        except (trio.EndOfChannel, trio.ClosedResourceError, trio.BrokenResourceError):
            raise TransportClosed(*(self._state.closed or (1006, "gone"))) from None

    async def ping(self) -> None:
        """Returns at once while the other end answers pings; otherwise waits forever."""
        if self._state.closed is not None:
            raise TransportClosed(*self._state.closed)
        self._state.pings[self._side] += 1
        if not self._state.answer_pings[1 - self._side]:
            await trio.sleep(math.inf)
        await trio.lowlevel.checkpoint()

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close both directions."""
        if self._state.closed is None:
            self._state.closed = (code, reason)
        await self._out.aclose()
        await self._in.aclose()
        self._state.other[1 - self._side]._out.close()

    @property
    def pings_sent(self) -> int:
        """How many pings this end has sent."""
        return self._state.pings[self._side]

    @property
    def pings_received(self) -> int:
        """How many pings the other end has sent to this end."""
        return self._state.pings[1 - self._side]

    def answer_pings(self, answer: bool) -> None:
        """Whether this end answers the other end's pings (tests of a dead peer)."""
        self._state.answer_pings[self._side] = answer


@dataclass
class _PairState:
    closed: tuple[int, str] | None = None
    # Indexed by side (0 = station, 1 = CSMS).
    pings: list[int] = field(default_factory=lambda: [0, 0])
    answer_pings: list[bool] = field(default_factory=lambda: [True, True])
    other: list[MemoryTransport] = field(default_factory=list)


def memory_pair() -> tuple[MemoryTransport, MemoryTransport]:
    """Two connected transports: (station side, CSMS side)."""
    state = _PairState()
    a_send, b_receive = trio.open_memory_channel[str](math.inf)
    b_send, a_receive = trio.open_memory_channel[str](math.inf)
    a = MemoryTransport(a_send, a_receive, state, 0)
    b = MemoryTransport(b_send, b_receive, state, 1)
    state.other = [a, b]
    return a, b
