"""The interop suite's gate: a CSMS port the station can reach only while it is open."""

from __future__ import annotations

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
    listener.close()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)


def test_a_closed_gate_refuses_and_an_open_one_relays_both_ways(upstream):
    port, accepted = upstream
    gate = Gate(free_port(), port)
    with pytest.raises(ConnectionRefusedError):
        connect(gate.port)
    gate.open()
    try:
        with connect(gate.port) as client:
            client.sendall(b"hello")
            assert client.recv(100) == b"HELLO"
            big = bytes(range(256)) * 1024  # more than one read of the relay
            client.sendall(big)
            received = b""
            while len(received) < len(big):
                received += client.recv(65536)
            assert received == big.upper()
        assert gate.relayed == 1 and len(accepted) == 1
    finally:
        gate.close()


def test_closing_drops_the_relayed_connections_and_refuses_until_opened_again(upstream):
    port, _ = upstream
    gate = Gate(free_port(), port)
    gate.open()
    client = connect(gate.port)
    client.sendall(b"x")
    assert client.recv(10) == b"X"
    gate.close()
    assert not gate.is_open
    try:
        assert client.recv(10) == b"", "the station must see the connection end"
    except ConnectionResetError:
        pass  # as good: the connection is gone
    client.close()
    with pytest.raises(ConnectionRefusedError):
        connect(gate.port)
    gate.open()  # the same port again, as after a CSMS restart
    try:
        with connect(gate.port) as again:
            again.sendall(b"y")
            assert again.recv(10) == b"Y"
    finally:
        gate.close()


def test_a_connection_ended_by_the_csms_ends_at_the_station(upstream):
    port, accepted = upstream
    gate = Gate(free_port(), port)
    gate.open()
    try:
        with connect(gate.port) as client:
            client.sendall(b"x")
            assert client.recv(10) == b"X"
            accepted[0].shutdown(socket.SHUT_RDWR)
            assert client.recv(10) == b""
    finally:
        gate.close()


def test_an_open_gate_without_its_csms_ends_the_connection_at_once():
    gate = Gate(free_port(), free_port())  # nothing listens upstream
    gate.open()
    try:
        with connect(gate.port) as client:
            try:
                assert client.recv(10) == b""
            except ConnectionResetError:
                pass
        assert gate.relayed == 0
    finally:
        gate.close()
