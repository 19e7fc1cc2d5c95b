"""Network outages of a fleet station, cut below its OCPP stack.

A `NetworkLink` is the station's network as the station sees it: the `Dialer` its
`Runtime` uses for every connection attempt, wrapped so that the fleet can cut it. A cut
does to the station exactly what losing its network does, and nothing else:

* the open WebSocket is dropped without a closing handshake: its stream is closed
  forcefully, the station reads an abnormal closure (1006) and the CSMS sees its TCP
  connection end with no close frame (`WebSocketTransport.abort`);
* while the outage lasts every connection attempt fails at once, as a connect on a
  station whose network is gone (``network``: no route to the host) or whose CSMS is
  down (``csms``: connection refused) fails;
* when it ends, the station's next attempt (after its own back-off) connects again.

Everything between — calls in flight failing, TransactionEvents queued with
``offline: true``, E13 retries, the reconnect back-off of Part 4 §5.3, the queue
delivered in order on reconnect — is the station's own code reacting, untouched. The link
belongs to the fleet station, not to an incarnation: a station reset during an outage
boots into the same outage.

An outage ends by itself at its deadline (trio's clock: no task runs meanwhile), or
earlier with `NetworkLink.restore`. A second cut while one lasts keeps the later end.
"""

from __future__ import annotations

import errno
import logging
import math
import os
from typing import Any
from urllib.parse import urlsplit

import trio

from station.ocpp import failures
from station.ocpp.connection import Dialer
from station.ocpp.transport import ConnectFailed, Endpoint, Transport, TransportClosed

log = logging.getLogger(__name__)

#: What an outage looks like from the station: its own network gone (the connect finds
#: no route), or the CSMS gone (the connect is refused).
CAUSES = {"network": errno.ENETUNREACH, "csms": errno.ECONNREFUSED}
#: Longest outage one command sets (a week).
MAX_OUTAGE_S = 7 * 86400.0


class OutageError(ValueError):
    """An outage the link cannot take (a bad duration or cause); ``str()`` says which."""


def check_outage(duration_s: Any, cause: Any = "network") -> tuple[float, str]:
    """Validated ``(duration_s, cause)``; `OutageError` naming the value otherwise."""
    if (
        isinstance(duration_s, bool)
        or not isinstance(duration_s, int | float)
        or not math.isfinite(duration_s)
    ):
        raise OutageError(f"duration_s must be a number of seconds, got {duration_s!r}")
    if not 0 < duration_s <= MAX_OUTAGE_S:
        raise OutageError(
            f"duration_s must be above 0 and at most {MAX_OUTAGE_S:g} s, got {duration_s:g}"
        )
    if cause not in CAUSES:
        raise OutageError(f"cause must be one of {', '.join(CAUSES)}, got {cause!r}")
    return float(duration_s), str(cause)


class NetworkLink:
    """A `Dialer` (around the fleet's) whose connections the fleet can cut for a while."""

    def __init__(self, dial: Dialer) -> None:
        """``dial`` opens the real connections (the fleet's ramp, then the WebSocket)."""
        self._dial = dial
        self._until = -math.inf
        self._cause = "network"
        self._open: set[_LinkTransport] = set()
        #: Outages so far, and connection attempts refused because of one.
        self.outages = 0
        self.refused_attempts = 0

    @property
    def down(self) -> bool:
        """Whether an outage lasts now."""
        return trio.current_time() < self._until

    def state(self) -> dict[str, Any] | None:
        """The outage in force (``cause``, ``remaining_s``), or None."""
        if not self.down:
            return None
        return {"cause": self._cause, "remaining_s": round(self._until - trio.current_time(), 3)}

    async def cut(self, duration_s: float, cause: str = "network") -> dict[str, Any]:
        """Cut the station off for ``duration_s`` seconds; returns `state`. `OutageError`
        for a bad duration or cause (and nothing is cut)."""
        duration_s, cause = check_outage(duration_s, cause)
        end = trio.current_time() + duration_s
        if end >= self._until:
            self._until, self._cause = end, cause
        self.outages += 1
        severed = list(self._open)
        log.warning(
            "event=network_outage cause=%s duration_s=%g connections_dropped=%d",
            cause,
            duration_s,
            len(severed),
        )
        for transport in severed:
            await transport.sever()
        state = self.state()
        assert state is not None
        return state

    def restore(self) -> bool:
        """End the outage now (the station reconnects after its own back-off); False
        when there was none."""
        was_down = self.down
        self._until = -math.inf
        if was_down:
            log.warning("event=network_restored")
        return was_down

    async def __call__(self, nursery: trio.Nursery, endpoint: Endpoint) -> Transport:
        """One connection attempt, refused at once while an outage lasts."""
        if self.down:
            await trio.lowlevel.checkpoint()
            raise self._refusal(endpoint)
        transport = await self._dial(nursery, endpoint)
        if self.down:  # cut while the handshake ran
            await _abort(transport)
            raise self._refusal(endpoint)
        link = _LinkTransport(transport, self._open)
        self._open.add(link)
        return link

    def _refusal(self, endpoint: Endpoint) -> ConnectFailed:
        self.refused_attempts += 1
        number = CAUSES[self._cause]
        parts = urlsplit(endpoint.url)
        port = parts.port or (443 if parts.scheme == "wss" else 80)
        peer = f"{parts.hostname}:{port}"
        return ConnectFailed(failures.tcp_error(OSError(number, os.strerror(number)), peer))


async def _abort(transport: Transport) -> None:
    """Drop ``transport`` without a closing handshake where it can (a WebSocket), else
    close it."""
    abort = getattr(transport, "abort", None)
    if abort is not None:
        await abort()
    else:
        with trio.CancelScope(shield=True):
            await transport.aclose(1001, "network lost")


class _LinkTransport:
    """A connection through a `NetworkLink`: once severed, every operation (those
    waiting included) fails as on a dropped connection."""

    def __init__(self, transport: Transport, registry: set[_LinkTransport]) -> None:
        self._transport = transport
        self._registry = registry
        self._severed = False
        self._waiting: set[trio.CancelScope] = set()

    async def sever(self) -> None:
        """The network is gone: drop the connection and fail what waits on it."""
        self._severed = True
        self._registry.discard(self)
        for scope in self._waiting:
            scope.cancel()
        await _abort(self._transport)

    async def _through(self, operation: Any) -> Any:
        if self._severed:
            await trio.lowlevel.checkpoint()
            raise TransportClosed(1006, None)
        with trio.CancelScope() as scope:
            self._waiting.add(scope)
            try:
                return await operation()
            except TransportClosed:
                self._registry.discard(self)  # ended on its own: nothing left to cut
                raise
            finally:
                self._waiting.discard(scope)
        raise TransportClosed(1006, None)  # severed while it waited

    async def send(self, text: str) -> None:
        """Send one message."""
        await self._through(lambda: self._transport.send(text))

    async def receive(self) -> str:
        """Wait for the next message."""
        text: str = await self._through(self._transport.receive)
        return text

    async def ping(self) -> None:
        """Ping and wait for the pong."""
        await self._through(self._transport.ping)

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close from the station's side (nothing left to close once severed)."""
        self._registry.discard(self)
        if not self._severed:
            await self._transport.aclose(code, reason)
