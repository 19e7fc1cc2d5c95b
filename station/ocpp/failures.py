"""What went wrong with a connection to the CSMS, in words an operator can act on.

A connection attempt passes through stages — name lookup, TCP connect, TLS handshake
(wss://), the HTTP upgrade to a WebSocket, then the open session — and each stage fails
in its own way with its own remedy. A refused TCP connection means nothing listens on
the port; a connection accepted and closed at once, or never answered, means something
listens that is not (or will not be) this station's CSMS; an HTTP 401 means the
credentials; a close of the open WebSocket carries the CSMS's own code and reason.
These functions turn each stage's evidence into one line, the same line for the log,
``station status`` and ``station check``. TLS failures are worded by `station.ocpp.tls`.
"""

from __future__ import annotations

import errno
import socket

#: RFC 6455 §7.4.1 close codes, as an operator reads them.
CLOSE_CODES: dict[int, str] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1006: "closed without a close frame: the connection was lost",
    1007: "invalid payload",
    1008: "policy violation",
    1009: "message too big",
    1010: "extension required",
    1011: "internal error of the CSMS",
    1012: "service restart",
    1013: "try again later",
}

#: HTTP statuses a CSMS answers an upgrade with, and what each usually means.
UPGRADE_STATUSES: dict[int, str] = {
    400: "the CSMS found the upgrade request malformed",
    401: "the CSMS refused the credentials: check the identity and the Basic-auth password "
    "(SecurityCtrlr.BasicAuthPassword) it expects",
    403: "the CSMS refused this station: identity unknown to it, or its certificate not accepted",
    404: "no OCPP endpoint at this URL: check the URL's path",
    426: "the CSMS wants another protocol version",
    500: "internal error of the CSMS",
    502: "a proxy in front of the CSMS could not reach it",
    503: "the CSMS is unavailable (overloaded or being maintained)",
}


def tcp_error(exc: OSError, peer: str) -> str:
    """A TCP connect (or name lookup) that failed at once: refused, unreachable, unknown."""
    cause = _first_os_error(exc)
    if isinstance(cause, socket.gaierror):
        return f"{peer}: the host name does not resolve ({cause.strerror}): check the URL and DNS"
    number = cause.errno
    if number == errno.ECONNREFUSED:
        return (
            f"{peer}: connection refused: nothing listens on that port "
            "(is the CSMS running, is the port right?)"
        )
    if number in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return f"{peer}: no route to the host ({cause.strerror}): check the network"
    if number == errno.ECONNRESET:
        return f"{peer}: the connection was reset while connecting"
    return f"{peer}: cannot connect: {cause.strerror or cause}"


def tcp_timeout(peer: str, timeout: float) -> str:
    """The TCP connect got no answer at all (no SYN-ACK, no refusal)."""
    return (
        f"{peer}: no answer within {timeout:g} s (TCP connect): the host is down, the "
        "address is wrong, or a firewall drops the packets"
    )


def closed_before_upgrade(peer: str) -> str:
    """TCP was accepted, then closed before any answer to the HTTP upgrade."""
    return (
        f"{peer}: the connection was accepted, then closed without an answer to the "
        "WebSocket upgrade: not an OCPP server, or it drops this station before HTTP"
    )


def no_upgrade_answer(peer: str, timeout: float) -> str:
    """TCP (and TLS) were accepted, but the HTTP upgrade was never answered."""
    return (
        f"{peer}: the connection was accepted but the WebSocket upgrade got no answer "
        f"within {timeout:g} s: not an OCPP server, or the CSMS is stuck"
    )


def upgrade_rejected(peer: str, status: int, identity: str) -> str:
    """The CSMS answered the upgrade with an HTTP status instead of 101."""
    meaning = UPGRADE_STATUSES.get(status)
    text = f"{peer}: the CSMS refused the WebSocket upgrade of {identity!r} with HTTP {status}"
    return f"{text}: {meaning}" if meaning else text


def closed_by_csms(code: int | None, reason: str | None, after: float, received: int) -> str:
    """The CSMS closed (or lost) the open WebSocket ``after`` seconds, having sent
    ``received`` messages on it."""
    meaning = CLOSE_CODES.get(code) if code is not None else None
    what = f"code {code}" + (f" ({meaning})" if meaning else "") if code is not None else "no code"
    why = f", reason {reason!r}" if reason else ""
    when = (
        # Before it said anything: it does not want this station (identity, version...).
        "right after the WebSocket handshake, before sending anything"
        if received == 0
        else f"after {_duration(after)} connected"
    )
    return f"the CSMS closed the connection {when}: {what}{why}"


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def _first_os_error(exc: OSError) -> OSError:
    """trio reports a failed connect as one OSError whose cause groups the errors of each
    address tried; the first of those says what happened."""
    cause = exc.__cause__
    while isinstance(cause, BaseExceptionGroup):
        cause = cause.exceptions[0]
    return cause if isinstance(cause, OSError) else exc
