"""The development CSMS's local HTTP endpoint: list stations, send them any request.

``GET /stations``
    The connected stations: identity, remote address, connection time, what their
    BootNotification said.
``POST /stations/<identity>/<Action>`` with the request payload as a JSON object
    Sends the request (validated first) and answers with the station's response payload.
    An empty body sends ``{}``. ``?timeout=S`` waits up to S seconds (default 30).

Errors answer ``{"error": ..., ...}``: 400 for a body that is not a JSON object or a
request that does not validate (nothing is sent), 404 for an unknown path or a station
that is not connected, 502 when the station answered with a CALLERROR (its ``code`` and
``description``) or an invalid response, 504 when it did not answer in time.

The endpoint has no authentication: it listens on the loopback interface only, for the
developer on this machine (and their curl). HTTP/1.1 is parsed by h11; one request per
connection.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import h11
import trio

from station.devcsms.server import CallFailed, DevCsms, NotACsmsRequest, NotConnected
from station.ocpp.validation import PayloadError

log = logging.getLogger(__name__)

#: Largest request body accepted (a SetVariables or a certificate is a few kilobytes).
MAX_BODY = 1_000_000
#: How long a client may take to send its request.
REQUEST_TIMEOUT = 30.0
ROUTES = "GET /stations, POST /stations/<identity>/<Action> with a JSON payload"


class HttpError(Exception):
    """An HTTP error answer: ``status`` and a JSON body."""

    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, **extra}


async def serve_api(
    csms: DevCsms,
    port: int,
    host: str = "127.0.0.1",
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the endpoint on ``host:port`` until cancelled; started with the bound port."""
    listeners = await trio.open_tcp_listeners(port, host=host)
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(partial(_serve_connection, csms), listeners)


async def _serve_connection(csms: DevCsms, stream: trio.SocketStream) -> None:
    connection = h11.Connection(h11.SERVER)
    async with stream:
        try:
            with trio.fail_after(REQUEST_TIMEOUT):
                method, target, body = await _read_request(connection, stream)
        except HttpError as exc:
            await _respond(connection, stream, exc.status, exc.body)
            return
        except (h11.RemoteProtocolError, trio.BrokenResourceError, trio.TooSlowError):
            return  # not HTTP, gone, or too slow: nothing useful to answer
        try:
            status, answer = 200, await handle(csms, method, target, body)
        except HttpError as exc:
            status, answer = exc.status, exc.body
        log.debug("event=api_request method=%s target=%s status=%d", method, target, status)
        await _respond(connection, stream, status, answer)


async def _read_request(
    connection: h11.Connection, stream: trio.SocketStream
) -> tuple[str, str, bytes]:
    request: h11.Request | None = None
    body = b""
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            data = await stream.receive_some(65536)
            connection.receive_data(data)  # b"" marks the end of the stream
            continue
        if isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > MAX_BODY:
                raise HttpError(413, f"request body larger than {MAX_BODY} bytes")
        elif isinstance(event, h11.EndOfMessage):
            assert request is not None
            return request.method.decode(), request.target.decode("latin-1"), body
        elif isinstance(event, h11.ConnectionClosed):
            raise trio.BrokenResourceError("client closed before its request was complete")


async def _respond(
    connection: h11.Connection, stream: trio.SocketStream, status: int, body: object
) -> None:
    data = json.dumps(body, indent=2, ensure_ascii=False).encode() + b"\n"
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        ("Connection", "close"),
    ]
    try:
        await stream.send_all(connection.send(h11.Response(status_code=status, headers=headers)))
        await stream.send_all(connection.send(h11.Data(data=data)))
        await stream.send_all(connection.send(h11.EndOfMessage()))
    except (trio.BrokenResourceError, h11.LocalProtocolError):
        pass


async def handle(csms: DevCsms, method: str, target: str, body: bytes) -> Any:
    """The answer to one request; raises `HttpError` for an error answer."""
    parts = urlsplit(target)
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments == ["stations"]:
        if method != "GET":
            raise HttpError(405, f"{method} /stations: use GET")
        return [session.describe() for session in csms.stations.values()]
    if len(segments) == 3 and segments[0] == "stations":
        if method != "POST":
            raise HttpError(405, f"{method} {parts.path}: use POST with a JSON payload")
        identity, action = segments[1], segments[2]
        return await _send_request(csms, identity, action, body, parse_qs(parts.query))
    raise HttpError(404, f"no such path {parts.path!r}; this endpoint offers {ROUTES}")


async def _send_request(
    csms: DevCsms, identity: str, action: str, body: bytes, query: dict[str, list[str]]
) -> Any:
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise HttpError(400, f"the body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise HttpError(400, f"the payload must be a JSON object, not {type(payload).__name__}")
    try:
        timeout = float(query.get("timeout", ["30"])[0])
    except ValueError:
        raise HttpError(
            400, f"timeout must be a number of seconds, not {query['timeout'][0]!r}"
        ) from None
    if not 0 < timeout <= 3600:
        raise HttpError(400, f"timeout must be between 0 and 3600 seconds, not {timeout:g}")
    try:
        return await csms.call(identity, action, payload, timeout=timeout)
    except NotACsmsRequest as exc:
        raise HttpError(400, str(exc)) from None
    except PayloadError as exc:
        raise HttpError(400, f"{action}: {exc.description}", code=exc.code) from None
    except NotConnected:
        connected = sorted(csms.stations) or "none"
        raise HttpError(
            404, f"station {identity!r} is not connected", connected=connected
        ) from None
    except CallFailed as exc:
        raise HttpError(
            502, "the station answered with an error", code=exc.code, description=exc.description
        ) from None
    except trio.TooSlowError:
        raise HttpError(504, f"the station did not answer {action} within {timeout:g} s") from None
