"""A development CSMS: accepts any number of stations, answers them, and sends them requests.

It is what ``station csms``, ``station demo`` and the benchmarks talk to; it is not a test
judge (tests check the station against the independent CSMS built on the `ocpp` library).

- A station connects to ``ws://host:port/<any path>/<identity>``: the last path segment,
  percent-decoded, is its identity (Part 4 §3.1.1). Each identity has one session; a new
  connection under the same identity replaces the old one, as a CSMS must when a station
  reconnects before its old socket timed out.
- With a ``password``, the upgrade request must carry ``Authorization: Basic
  base64(identity:password)`` (A00.FR.202); a missing or wrong header is refused with
  HTTP 401 before the WebSocket opens. The subprotocol ``ocpp2.0.1`` is required.
- Every request a station may send is validated against the message models and answered:
  BootNotification Accepted (with ``heartbeat_interval``), Authorize and the idToken of a
  TransactionEvent from the card list (`station.devcsms.cards`; every idToken is Accepted
  without one), the notifications with their empty or Accepted response. A request that
  does not validate gets the CALLERROR the station would give; an action a CSMS never
  receives gets NotSupported.
- `call` sends any CSMS-to-station request to a connected station and returns its
  response.
- Every frame in both directions, and every connect and disconnect, goes to the
  ``observers`` (``station csms`` prints them, one line each).

Stations connect over real WebSockets (`run`) or, for tests on trio's MockClock, over an
in-memory pair (`dial` is a station `Dialer`); both pass through the same session code.
"""

from __future__ import annotations

import base64
import binascii
import collections
import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import trio
import trio_websocket

from station.devcsms.cards import CardList
from station.ocpp import rpc
from station.ocpp.transport import (
    ConnectFailed,
    Endpoint,
    MemoryTransport,
    Transport,
    TransportClosed,
    WebSocketTransport,
    memory_pair,
)
from station.ocpp.validation import REQUESTS, PayloadError, parse_request, parse_response

log = logging.getLogger(__name__)

SUBPROTOCOL = "ocpp2.0.1"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: The requests a station sends to a CSMS (Part 2 §2; DataTransfer goes both ways).
STATION_ACTIONS = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)

#: The requests a CSMS sends to a station (what `call` and the HTTP endpoint accept).
CSMS_ACTIONS = frozenset(a for a in REQUESTS if a not in STATION_ACTIONS) | {"DataTransfer"}


class NotConnected(Exception):
    """No station with that identity is connected."""


class NotACsmsRequest(Exception):
    """`call` was asked to send an action that a CSMS does not send."""


class CallFailed(Exception):
    """The station answered a request with a CALLERROR, or with a response that does not
    validate; ``code`` and ``description`` say which."""

    def __init__(self, action: str, code: str, description: str) -> None:
        super().__init__(f"{action}: {code}: {description}")
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class Traffic:
    """One frame between the CSMS and a station.

    ``direction`` is "in" (from the station) or "out" (to it); ``kind`` is CALL, RESULT
    or ERROR; ``action`` is the action of the request (of the answered request, for a
    RESULT or ERROR); an ERROR's ``payload`` is ``{"code": ..., "description": ...}``.
    """

    identity: str
    direction: str
    kind: str
    action: str
    message_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StationEvent:
    """A station connected, was refused, or disconnected; ``detail`` says how."""

    identity: str
    what: str  # "connected", "refused", "disconnected", "replaced"
    detail: str


Event = Traffic | StationEvent
Observer = Callable[[Event], None]


@dataclass
class StationSession:
    """One connected station."""

    identity: str
    transport: Transport
    remote: str
    connected_at: str
    #: The payload of its last BootNotification in this session, if any.
    boot: dict[str, Any] | None = None
    pending: dict[str, trio.MemorySendChannel[rpc.Frame]] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """What ``GET /stations`` shows of it."""
        station = (self.boot or {}).get("chargingStation", {})
        return {
            "identity": self.identity,
            "remote": self.remote,
            "connected_at": self.connected_at,
            "booted": self.boot is not None,
            "vendor": station.get("vendorName"),
            "model": station.get("model"),
            "serial_number": station.get("serialNumber"),
            "firmware_version": station.get("firmwareVersion"),
        }


Answer = Callable[[StationSession, dict[str, Any]], dict[str, Any]]


class DevCsms:
    """Serve OCPP 2.0.1 on ``host:port`` (port 0 = any free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        password: str | None = None,
        cards: CardList | None = None,
        heartbeat_interval: int = 300,
        received_limit: int = 10_000,
    ) -> None:
        """``password``: required Basic-auth password (None = no check); ``cards``: the
        card list for authorization (None = every idToken is Accepted)."""
        self.host = host
        self.port = port
        self.password = password
        self.cards = cards
        self.heartbeat_interval = heartbeat_interval
        self.stations: dict[str, StationSession] = {}
        self.observers: list[Observer] = []
        #: The last requests received, oldest first (bounded: a dev CSMS runs for days).
        self.received: collections.deque[Traffic] = collections.deque(maxlen=received_limit)
        self.answers: dict[str, Answer] = self._default_answers()
        self._ids = itertools.count(1)
        self._changed = trio.Event()
        self._nursery: trio.Nursery | None = None

    @property
    def url(self) -> str:
        """The CSMS URL to put in a station's config (the station appends its identity)."""
        return f"ws://{self.host}:{self.port}/ocpp"

    # -- serving ---------------------------------------------------------------------------

    async def run(
        self, *, task_status: trio.TaskStatus[DevCsms] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve until cancelled; ``port`` holds the bound port once started."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            server = await nursery.start(
                trio_websocket.serve_websocket, self._handle, self.host, self.port, None
            )
            self.port = server.port
            task_status.started(self)

    async def _handle(self, request: trio_websocket.WebSocketRequest) -> None:
        identity = identity_from_path(request.path)
        remote = _address(request.remote)
        if identity is None:
            await self._refuse(request, "?", 404, "no station identity in the URL path")
            return
        if SUBPROTOCOL not in request.proposed_subprotocols:
            offered = ", ".join(request.proposed_subprotocols) or "none"
            await self._refuse(
                request, identity, 400, f"subprotocol ocpp2.0.1 required (offered: {offered})"
            )
            return
        refusal = self.check_auth(identity, request.headers)
        if refusal is not None:
            await self._refuse(
                request,
                identity,
                401,
                refusal,
                headers=[(b"WWW-Authenticate", b'Basic realm="OCPP", charset="UTF-8"')],
            )
            return
        try:
            ws = await request.accept(subprotocol=SUBPROTOCOL)
        except trio_websocket.ConnectionClosed:
            return  # the station left during the handshake: nothing to serve
        await self._serve_session(identity, WebSocketTransport(ws), remote)

    async def _refuse(
        self,
        request: trio_websocket.WebSocketRequest,
        identity: str,
        status: int,
        reason: str,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self._emit(StationEvent(identity, "refused", f"HTTP {status}: {reason}"))
        try:
            await request.reject(status, extra_headers=headers, body=reason.encode())
        except trio_websocket.ConnectionClosed:
            pass  # it did not wait for the refusal

    def check_auth(self, identity: str, headers: list[tuple[bytes, bytes]]) -> str | None:
        """Why the upgrade request's Basic auth is refused, or None when it passes."""
        if self.password is None:
            return None
        values = [v for k, v in headers if k.lower() == b"authorization"]
        if not values:
            return "no Authorization header (Basic auth required)"
        scheme, _, token = values[0].decode("latin-1").partition(" ")
        if scheme.lower() != "basic":
            return f"Authorization scheme {scheme!r}, not Basic"
        try:
            user, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "Authorization header is not base64 of UTF-8 user:password"
        if not sep:
            return "Authorization credentials have no ':' between user and password"
        # A00.FR.203: the user name is the station's identity.
        if user != identity:
            return f"Basic auth user {user!r} is not the identity {identity!r}"
        if password != self.password:
            return "wrong password"
        return None

    async def dial(self, nursery: trio.Nursery, endpoint: Endpoint) -> MemoryTransport:
        """A station `Dialer` that connects in memory (tests on MockClock; no socket)."""
        await trio.lowlevel.checkpoint()
        if self._nursery is None:
            raise ConnectFailed("the development CSMS is not running")
        refusal = self.check_auth(endpoint.identity, endpoint.headers())
        if refusal is not None:
            self._emit(StationEvent(endpoint.identity, "refused", f"HTTP 401: {refusal}"))
            raise ConnectFailed(f"HTTP 401: {refusal}")
        station_side, csms_side = memory_pair()
        self._nursery.start_soon(self._serve_session, endpoint.identity, csms_side, "in-process")
        return station_side

    async def _serve_session(self, identity: str, transport: Transport, remote: str) -> None:
        session = StationSession(identity, transport, remote, _now())
        old = self.stations.get(identity)
        self.stations[identity] = session
        if old is not None:
            self._emit(StationEvent(identity, "replaced", "a new connection replaces the old one"))
            await old.transport.aclose(1000, "replaced by a new connection")
        self._emit(StationEvent(identity, "connected", f"from {remote}"))
        self._notify()
        detail = "closed"
        try:
            while True:
                text = await transport.receive()
                reply = self._receive(session, text)
                if reply is not None:
                    await transport.send(rpc.encode(reply))
        except TransportClosed as exc:
            detail = f"code={exc.code}" + (f" reason={exc.reason!r}" if exc.reason else "")
        finally:
            for channel in session.pending.values():
                channel.close()
            if self.stations.get(identity) is session:
                del self.stations[identity]
            self._emit(StationEvent(identity, "disconnected", detail))
            self._notify()

    def _receive(self, session: StationSession, text: str) -> rpc.Frame | None:
        """Handle one message from a station; the frame to answer with, if any."""
        try:
            frame = rpc.decode(text)
        except rpc.FrameError as exc:
            self._emit(
                Traffic(session.identity, "in", "ERROR", "?", "-", {"description": exc.reason})
            )
            return exc.reply
        if isinstance(frame, rpc.Call):
            self._emit(
                Traffic(
                    session.identity, "in", "CALL", frame.action, frame.message_id, frame.payload
                )
            )
            reply = self._answer(session, frame)
            self._emit_reply(session.identity, "out", frame.action, reply)
            return reply
        channel = session.pending.pop(frame.message_id, None)
        if channel is None:
            log.warning(
                "event=devcsms_unexpected_response identity=%s message_id=%s",
                session.identity,
                frame.message_id,
            )
            return None
        channel.send_nowait(frame)
        return None

    def _answer(self, session: StationSession, call: rpc.Call) -> rpc.Frame:
        self.received.append(
            Traffic(session.identity, "in", "CALL", call.action, call.message_id, call.payload)
        )
        if call.action not in REQUESTS:
            return rpc.CallError(
                call.message_id, "NotImplemented", f"{call.action!r} is not an OCPP 2.0.1 action"
            )
        if call.action not in STATION_ACTIONS:
            return rpc.CallError(
                call.message_id, "NotSupported", f"a CSMS does not receive {call.action}"
            )
        try:
            parse_request(call.action, call.payload)
        except PayloadError as exc:
            return rpc.CallError(call.message_id, exc.code, exc.description)
        answer = self.answers.get(call.action)
        if answer is None:
            return rpc.CallError(call.message_id, "NotImplemented", f"no answer for {call.action}")
        return rpc.CallResult(call.message_id, answer(session, call.payload))

    def _id_token_info(self, id_token: dict[str, Any]) -> dict[str, Any]:
        if self.cards is None:
            return {"status": "Accepted"}
        return self.cards.lookup(str(id_token.get("idToken", "")))

    def _default_answers(self) -> dict[str, Answer]:
        def boot(session: StationSession, p: dict[str, Any]) -> dict[str, Any]:
            session.boot = p
            return {
                "currentTime": _now(),
                "interval": self.heartbeat_interval,
                "status": "Accepted",
            }

        def transaction_event(session: StationSession, p: dict[str, Any]) -> dict[str, Any]:
            # A TransactionEvent that carries an idToken asks for its status, like Authorize.
            return {"idTokenInfo": self._id_token_info(p["idToken"])} if "idToken" in p else {}

        def empty(session: StationSession, p: dict[str, Any]) -> dict[str, Any]:
            return {}

        def accepted(session: StationSession, p: dict[str, Any]) -> dict[str, Any]:
            return {"status": "Accepted"}

        answers: dict[str, Answer] = {
            "BootNotification": boot,
            "Heartbeat": lambda s, p: {"currentTime": _now()},
            "Authorize": lambda s, p: {"idTokenInfo": self._id_token_info(p["idToken"])},
            "TransactionEvent": transaction_event,
            "DataTransfer": lambda s, p: {"status": "UnknownVendorId"},
            # No certificate authority here: say so rather than promise a CertificateSigned.
            "SignCertificate": lambda s, p: {
                "status": "Rejected",
                "statusInfo": {"reasonCode": "NoCA", "additionalInfo": "development CSMS"},
            },
            "Get15118EVCertificate": lambda s, p: {"status": "Failed", "exiResponse": ""},
            "GetCertificateStatus": lambda s, p: {"status": "Failed"},
            "NotifyEVChargingNeeds": lambda s, p: {"status": "Rejected"},
            "NotifyEVChargingSchedule": accepted,
        }
        for action in STATION_ACTIONS - answers.keys():
            answers[action] = empty  # notifications: their response has no required field
        return answers

    # -- requests to stations --------------------------------------------------------------

    async def call(
        self, identity: str, action: str, payload: dict[str, Any], timeout: float = 30
    ) -> dict[str, Any]:
        """Send a request to a connected station and return its response payload.

        Raises `NotACsmsRequest`, `PayloadError` (the request does not validate; nothing
        is sent), `NotConnected`, `CallFailed` (CALLERROR or an invalid response) and
        `trio.TooSlowError`.
        """
        if action not in CSMS_ACTIONS:
            raise NotACsmsRequest(
                f"{action}: not a request a CSMS sends"
                + (" (a station sends it)" if action in STATION_ACTIONS else "")
            )
        parse_request(action, payload)
        session = self.stations.get(identity)
        if session is None:
            raise NotConnected(identity)
        message_id = f"csms-{next(self._ids)}"
        send, receive = trio.open_memory_channel[rpc.Frame](1)
        session.pending[message_id] = send
        try:
            self._emit(Traffic(identity, "out", "CALL", action, message_id, payload))
            try:
                await session.transport.send(rpc.encode(rpc.Call(message_id, action, payload)))
            except TransportClosed:
                raise NotConnected(identity) from None
            with trio.fail_after(timeout):
                try:
                    frame = await receive.receive()
                except trio.EndOfChannel:
                    raise NotConnected(identity) from None
        finally:
            session.pending.pop(message_id, None)
        self._emit_reply(identity, "in", action, frame)
        if isinstance(frame, rpc.CallError):
            raise CallFailed(action, frame.code, frame.description)
        assert isinstance(frame, rpc.CallResult)
        try:
            parse_response(action, frame.payload)
        except PayloadError as exc:
            raise CallFailed(action, exc.code, f"invalid response: {exc.description}") from None
        return frame.payload

    async def wait_connected(self, identity: str | None = None, timeout: float = math.inf) -> None:
        """Wait until the station ``identity`` (or any station) is connected."""
        with trio.fail_after(timeout):
            while not (identity in self.stations if identity else self.stations):
                await self._changed.wait()

    # -- observers -------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _emit_reply(self, identity: str, direction: str, action: str, frame: rpc.Frame) -> None:
        if isinstance(frame, rpc.CallError):
            payload = {"code": frame.code, "description": frame.description}
            self._emit(Traffic(identity, direction, "ERROR", action, frame.message_id, payload))
        elif isinstance(frame, rpc.CallResult):
            self._emit(
                Traffic(identity, direction, "RESULT", action, frame.message_id, frame.payload)
            )

    def _emit(self, event: Event) -> None:
        for observer in self.observers:
            observer(event)


def _address(endpoint: object) -> str:
    """``host:port`` of a trio-websocket endpoint (a Unix socket path as it is)."""
    address, port = getattr(endpoint, "address", None), getattr(endpoint, "port", None)
    return f"{address}:{port}" if address is not None else str(endpoint)


def identity_from_path(path: str) -> str | None:
    """The station identity of a request target: its last path segment, percent-decoded."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    if not segments:
        return None
    return unquote(segments[-1])
