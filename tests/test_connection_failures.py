"""A failed connection says what happened, over real sockets: refused, no answer to the
TCP connect, accepted and closed, accepted and never answered, HTTP 401/403/404, and a
WebSocket the CSMS closes with a code; `station status` shows the last one and when."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator
from functools import partial

import pytest
import trio
import trio_websocket

from station.ocpp.transport import ConnectFailed, Endpoint, dial_websocket
from station.ops.commands import render_status
from tests.conftest import FAST, PASSWORD, live_station, make_config

IDENTITY = "CS-TEST-01"


def endpoint(port: int, timeout: float = 10.0) -> Endpoint:
    return Endpoint(
        url=f"ws://127.0.0.1:{port}/ocpp",
        identity=IDENTITY,
        security_profile=1,
        basic_auth_password=PASSWORD,
        connect_timeout=timeout,
    )


async def dial_failure(port: int, timeout: float = 10.0) -> ConnectFailed:
    """The `ConnectFailed` of one attempt (the attempt must fail)."""
    with pytest.RaisesGroup(ConnectFailed) as caught:
        async with trio.open_nursery() as nursery:
            await dial_websocket(nursery, endpoint(port, timeout))
            nursery.cancel_scope.cancel()
    (failure,) = caught.value.exceptions
    assert isinstance(failure, ConnectFailed)
    return failure


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: bound, never listening, so the kernel refuses."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.fixture
def full_backlog_port() -> Iterator[int]:
    """A listener whose accept queue is full and never drained: the kernel drops further
    SYNs, so a connect gets no answer at all (a host that is down or firewalled)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def serve(nursery: trio.Nursery, handler: Callable[[trio.SocketStream], Awaitable]) -> int:
    listeners = await nursery.start(partial(trio.serve_tcp, handler, 0, host="127.0.0.1"))
    return listeners[0].socket.getsockname()[1]


def http_answer(status: str) -> Callable[[trio.SocketStream], Awaitable]:
    async def answer(stream: trio.SocketStream) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            request += await stream.receive_some(4096)
        await stream.send_all(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
        await stream.aclose()

    return answer


async def test_refused_says_nothing_listens(closed_port):
    failure = await dial_failure(closed_port)
    assert failure.detail == (
        f"127.0.0.1:{closed_port}: connection refused: nothing listens on that port "
        "(is the CSMS running, is the port right?)"
    )
    assert failure.security_event is None


async def test_no_answer_to_the_tcp_connect_says_so_after_the_timeout(
    full_backlog_port, autojump_clock
):
    failure = await dial_failure(full_backlog_port, timeout=30)
    assert failure.detail == (
        f"127.0.0.1:{full_backlog_port}: no answer within 30 s (TCP connect): the host is "
        "down, the address is wrong, or a firewall drops the packets"
    )


async def test_closed_right_after_the_tcp_accept_fails_at_once(nursery):
    accepted = trio.Event()

    async def hang_up(stream: trio.SocketStream) -> None:
        accepted.set()
        await stream.aclose()

    port = await serve(nursery, hang_up)
    # A long timeout: the failure must come from the close, not from waiting it out.
    with trio.fail_after(60):
        failure = await dial_failure(port, timeout=3600)
    assert accepted.is_set()
    assert failure.detail == (
        f"127.0.0.1:{port}: the connection was accepted, then closed without an answer to "
        "the WebSocket upgrade: not an OCPP server, or it drops this station before HTTP"
    )


async def test_accepted_but_never_answered_names_the_upgrade(nursery):
    # Real time: the TCP connect must complete (in the kernel) before the deadline so
    # that the attempt reaches the upgrade; a virtual clock could jump past it first.
    async def silent(stream: trio.SocketStream) -> None:
        await trio.sleep_forever()

    port = await serve(nursery, silent)
    failure = await dial_failure(port, timeout=1.0)
    assert failure.detail == (
        f"127.0.0.1:{port}: the connection was accepted but the WebSocket upgrade got no "
        "answer within 1 s: not an OCPP server, or the CSMS is stuck"
    )


@pytest.mark.parametrize(
    ("status", "meaning", "event"),
    [
        (
            "401 Unauthorized",
            "the CSMS refused the credentials: check the identity and the Basic-auth "
            "password (SecurityCtrlr.BasicAuthPassword) it expects",
            "FailedToAuthenticateAtCsms",
        ),
        (
            "403 Forbidden",
            "the CSMS refused this station: identity unknown to it, or its certificate "
            "not accepted",
            "FailedToAuthenticateAtCsms",
        ),
        ("404 Not Found", "no OCPP endpoint at this URL: check the URL's path", None),
        ("418 I'm a teapot", None, None),
    ],
)
async def test_an_http_refusal_names_the_status_and_its_meaning(nursery, status, meaning, event):
    port = await serve(nursery, http_answer(status))
    failure = await dial_failure(port)
    expected = (
        f"127.0.0.1:{port}: the CSMS refused the WebSocket upgrade of {IDENTITY!r} "
        f"with HTTP {status.split()[0]}"
    )
    assert failure.detail == (f"{expected}: {meaning}" if meaning else expected)
    assert failure.security_event == event


async def websocket_server(nursery: trio.Nursery, code: int, reason: str) -> int:
    """A WebSocket server that accepts every station, then closes with ``code``."""

    async def accept_then_close(request: trio_websocket.WebSocketRequest) -> None:
        connection = await request.accept(subprotocol="ocpp2.0.1")
        await connection.aclose(code, reason)

    server = await nursery.start(
        trio_websocket.serve_websocket, accept_then_close, "127.0.0.1", 0, None
    )
    return server.port


async def test_a_close_after_the_handshake_is_the_last_failure_with_code_and_time(
    tmp_path, nursery
):
    port = await websocket_server(nursery, 1008, "unknown identity")
    config = make_config(tmp_path, f"ws://127.0.0.1:{port}/ocpp")
    async with live_station(config, variables=FAST) as station:
        with trio.fail_after(30):
            await station.connection.wait_failures(1)
        assert station.connection.connections >= 1  # the handshake itself succeeded
        assert station.connection.last_failure == (
            "the CSMS closed the connection right after the WebSocket handshake, before "
            "sending anything: code 1008 (policy violation), reason 'unknown identity'"
        )
        status = station.status()
        assert status["last_connection_failure_at"].endswith("Z")
        line = render_status(status).splitlines()[3]
        assert line.startswith(
            f"last connection failure ({status['last_connection_failure_at']}, 0h00m"
        )
        assert line.endswith(
            "s ago): the CSMS closed the connection right after the WebSocket handshake, "
            "before sending anything: code 1008 (policy violation), reason 'unknown identity'"
        )


async def test_the_last_failure_stays_in_status_after_a_reconnect(tmp_path, judge):
    """A refused attempt, then a working CSMS: status still says what failed and when."""
    judge.refuse_next = 1
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        with trio.fail_after(30):
            await judge.wait_for("BootNotification", timeout=30)
        assert station.connection.failed_attempts == 1
        status = station.status()
        assert status["connected"]
        assert status["last_connection_failure"].endswith(
            "with HTTP 503: the CSMS is unavailable (overloaded or being maintained)"
        )
        assert "last connection failure (" in render_status(status)


async def test_status_says_when_nothing_failed(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        with trio.fail_after(30):
            await judge.wait_for("BootNotification", timeout=30)
        assert station.status()["last_connection_failure"] is None
        assert "last connection failure: none since the station started" in render_status(
            station.status()
        )
