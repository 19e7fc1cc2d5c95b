"""A local HTTP(S) file server for firmware downloads and log uploads in tests.

Standard library only (`http.server` in a thread): GET serves files (with Range), POST
and PUT record uploads. Tests script failures (the next N requests answer a status) and
can hold requests until released, to cancel a transfer that is under way.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trio


@dataclass
class Upload:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def filename(self) -> str | None:
        """The filename of the multipart part (Content-Disposition)."""
        marker = b'filename="'
        start = self.body.find(marker)
        if start < 0:
            return None
        start += len(marker)
        return self.body[start : self.body.index(b'"', start)].decode()


@dataclass
class FileServer:
    """Serves ``files`` (URL path → bytes); records uploads."""

    files: dict[str, bytes] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    requests: list[tuple[str, str, float]] = field(default_factory=list)
    #: Statuses to answer to the next requests, one per request.
    fail_next: list[int] = field(default_factory=list)
    #: While set, requests to these paths wait (``release`` lets them go).
    held: set[str] = field(default_factory=set)
    #: Paths served chunked, without Content-Length (the size is known only at the end).
    chunked: set[str] = field(default_factory=set)
    #: Paths whose ranged requests get a 206 of the whole file (a broken server).
    wrong_range: set[str] = field(default_factory=set)
    context: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _gate(self) -> bool:
                with server._changed:
                    server.requests.append((self.command, self.path, time.monotonic()))
                    server._changed.notify_all()
                    status = server.fail_next.pop(0) if server.fail_next else None
                if self.path in server.held:
                    server._release.wait(30)
                if status is not None:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return False
                return True

            def do_GET(self) -> None:
                if not self._gate():
                    return
                data = server.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                start = 0
                ranged = self.headers.get("Range")
                if ranged and ranged.startswith("bytes="):
                    start = int(ranged[6:].split("-")[0])
                if start and self.path in server.wrong_range:
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(206 if start else 200)
                chunked = self.path in server.chunked
                if start:
                    total = "*" if chunked else str(len(data))
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{total}")
                if chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for offset in range(start, len(data), 16384):
                            piece = data[offset : offset + 16384]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client stopped reading (a size limit)
                    return
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

            def _receive(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if not self._gate():
                    return
                with server._changed:
                    server.uploads.append(Upload(self.path, dict(self.headers), body))
                    server._changed.notify_all()
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = _receive
            do_PUT = _receive

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if self.context is not None:
            self._server.socket = self.context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        scheme = "https" if self.context is not None else "http"
        host = "localhost" if self.context is not None else "127.0.0.1"
        return f"{scheme}://{host}:{self._server.server_address[1]}{path}"

    def release(self) -> None:
        """Let held requests go on."""
        self.held.clear()
        self._release.set()

    async def wait(self, predicate, timeout: float = 10.0) -> None:
        """Wait (in a thread) until ``predicate()`` holds for the recorded requests."""

        def block() -> bool:
            with self._changed:
                return self._changed.wait_for(predicate, timeout)

        if not await trio.to_thread.run_sync(block, abandon_on_cancel=True):
            raise TimeoutError("file server: condition not met")
