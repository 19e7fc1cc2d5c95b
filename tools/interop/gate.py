"""A TCP relay in front of a CSMS's station port that the suite opens only once the CSMS
is ready to handle messages.

CitrineOS opens its station ports before its modules handle messages (docs/interop.md,
"Station connections before it is ready"): a station that connects in that window loses
its first CALL. The station dials the gate's port; the gate refuses connections while it
is closed (nothing listens) and, once opened, relays each connection byte for byte to
the CSMS's port, TLS included (it never looks inside). Closing it refuses new connections
and drops the relayed ones, as a CSMS that goes away does.
"""

from __future__ import annotations

import contextlib
import socket
import threading

__all__ = ["Gate"]

#: Bytes read at once from either side.
CHUNK = 65536


class Gate:
    """Relays ``127.0.0.1:port`` to ``127.0.0.1:upstream_port`` while open."""

    def __init__(self, port: int, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.port = port
        self.upstream_port = upstream_port
        self.host = host
        self.relayed = 0  # connections relayed so far (tests, reports)
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()

    @property
    def is_open(self) -> bool:
        """Whether the gate accepts connections."""
        return self._listener is not None

    def open(self) -> None:
        """Listen on ``port`` and relay every connection (idempotent)."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((self.host, self.port))
                listener.listen(16)
            except OSError:
                listener.close()
                raise
            self._listener = listener
        threading.Thread(
            target=self._accept, args=(listener,), name=f"gate {self.port}", daemon=True
        ).start()

    def close(self) -> None:
        """Refuse new connections and drop the relayed ones (idempotent)."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            _shut(listener)  # wakes the accepting thread
        for sock in sockets:
            _shut(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection((self.host, self.upstream_port), timeout=5)
            except OSError:
                _shut(client)  # the CSMS is not there: the station sees a dropped connection
                continue
            upstream.settimeout(None)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:  # closed meanwhile
                    _shut(client)
                    _shut(upstream)
                    return
                self._sockets |= {client, upstream}
                self.relayed += 1
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, target), name="gate pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        """Copy ``source`` to ``target`` until either ends; then end both: a WebSocket
        has no use for a half-open connection."""
        with contextlib.suppress(OSError):
            while data := source.recv(CHUNK):
                target.sendall(data)
        with self._lock:
            self._sockets -= {source, target}
        _shut(source)
        _shut(target)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
