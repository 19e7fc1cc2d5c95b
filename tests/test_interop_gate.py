"""The interop suite's gate: a CSMS port the station can reach only while it is open."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from tools.interop.gate import Gate
from tools.interop.services import free_port

#: A guard against a hang, never a wait: every step below is answered at once.
TIMEOUT = 10


@pytest.fixture
def upstream() -> Iterator[tuple[int, list[socket.socket]]]:
    """An echo server (upper-casing, so that a reply is not the bytes sent) and the
    connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    def echo(conn: socket.socket) -> None:
        try:
            while data := conn.recv(4096):
                conn.sendall(data.upper())
        except OSError:
            pass
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], accepted
    with contextlib.suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
    listener.close()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def round_trip(sock: socket.socket, data: bytes) -> None:
    """Send ``data`` and read the upstream's answer to it."""
    sock.sendall(data)
    received = b""
    while len(received) < len(data):
        received += sock.recv(65536)
    assert received == data.upper()


def assert_ended(sock: socket.socket, why: str) -> None:
    """The connection is gone: an end of stream, or a reset (as good)."""
    try:
        assert sock.recv(10) == b"", why
    except ConnectionResetError:
        pass


@pytest.fixture
def gate(upstream) -> Iterator[Gate]:
    """An open gate in front of the echo server."""
    opened = Gate(free_port(), upstream[0])
    opened.open()
    yield opened
    opened.close()


def test_a_closed_gate_refuses_and_an_open_one_relays_both_ways(upstream):
    port, accepted = upstream
    closed = Gate(free_port(), port)
    with pytest.raises(ConnectionRefusedError):
        connect(closed.port)
    closed.open()
    try:
        with connect(closed.port) as client:
            round_trip(client, b"hello")
            round_trip(client, bytes(range(256)) * 1024)  # more than one read of the relay
        assert closed.relayed == 1 and len(accepted) == 1
    finally:
        closed.close()


def test_closing_drops_the_relayed_connections_and_refuses_until_opened_again(gate):
    with connect(gate.port) as client:
        round_trip(client, b"x")
        gate.close()
        assert not gate.is_open
        assert_ended(client, "the station must see the connection end")
    with pytest.raises(ConnectionRefusedError):
        connect(gate.port)
    gate.open()  # the same port again, as after a CSMS restart
    with connect(gate.port) as again:
        round_trip(again, b"y")


def test_a_connection_ended_by_the_csms_ends_at_the_station(upstream, gate):
    with connect(gate.port) as client:
        round_trip(client, b"x")
        upstream[1][0].shutdown(socket.SHUT_RDWR)
        assert_ended(client, "the CSMS's end must reach the station")


def test_an_open_gate_without_its_csms_ends_the_connection_at_once():
    lonely = Gate(free_port(), free_port())  # nothing listens upstream
    lonely.open()
    try:
        with connect(lonely.port) as client:
            assert_ended(client, "no CSMS: the connection must end")
        assert lonely.relayed == 0
    finally:
        lonely.close()
