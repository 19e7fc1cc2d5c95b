"""Keeping a connection to the CSMS: network profiles, reconnect back-off, WebSocket ping.

`ConnectionManager.run` is the "ocpp" child of the station's tree. It picks a network
connection profile (the configuration slots of NetworkConfigurationPriority, each tried
NetworkProfileConnectionAttempts times, then the last profile that worked: B10, C-47),
dials it, hands the open transport to the `OcppClient`, pings it every
WebSocketPingInterval seconds, and after a loss or failed attempt waits the back-off of
Part 4 §5.3 before the next attempt. TLS failures are recorded as security events.
Settings are read from the device model at each use, so a SetVariables takes effect
without a restart.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import trio

from station.devicemodel.model import DeviceModel, key
from station.ocpp import failures
from station.ocpp.backoff import BackoffSettings, ReconnectBackoff
from station.ocpp.client import OcppClient
from station.ocpp.transport import (
    ConnectFailed,
    Endpoint,
    MessageTooBig,
    Transport,
    TransportClosed,
)
from station.store import Store

log = logging.getLogger(__name__)

COMM = "OCPPCommCtrlr"
PING_INTERVAL = key(COMM, "WebSocketPingInterval")
WAIT_MINIMUM = key(COMM, "RetryBackOffWaitMinimum")
RANDOM_RANGE = key(COMM, "RetryBackOffRandomRange")
REPEAT_TIMES = key(COMM, "RetryBackOffRepeatTimes")
PRIORITY = key(COMM, "NetworkConfigurationPriority")
ATTEMPTS = key(COMM, "NetworkProfileConnectionAttempts")
ACTIVE_PROFILE = key(COMM, "ActiveNetworkProfile")
MESSAGE_TIMEOUT = key(COMM, "MessageTimeout", "Default")
IDENTITY = key("SecurityCtrlr", "Identity")
PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")
WILDCARDS = key("SecurityCtrlr", "AllowCSMSTLSWildcards")


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    """A NetworkConnectionProfile in a configuration slot (the parts the station uses)."""

    slot: int
    url: str
    security_profile: int
    message_timeout: int = 30
    ocpp_interface: str = "Wired0"
    ocpp_transport: str = "JSON"
    ocpp_version: str = "OCPP20"

    def to_wire(self) -> dict:
        """NetworkConnectionProfileType as JSON (what is stored and reported)."""
        return {
            "ocppVersion": self.ocpp_version,
            "ocppTransport": self.ocpp_transport,
            "ocppCsmsUrl": self.url,
            "messageTimeout": self.message_timeout,
            "securityProfile": self.security_profile,
            "ocppInterface": self.ocpp_interface,
        }

    @classmethod
    def from_wire(cls, slot: int, data: dict) -> NetworkProfile:
        """Inverse of `to_wire`."""
        return cls(
            slot=slot,
            url=data["ocppCsmsUrl"],
            security_profile=int(data["securityProfile"]),
            message_timeout=int(data["messageTimeout"]),
            ocpp_interface=data.get("ocppInterface", "Wired0"),
            ocpp_transport=data.get("ocppTransport", "JSON"),
            ocpp_version=data.get("ocppVersion", "OCPP20"),
        )


#: Store meta key of the slot of the last successful connection.
LAST_WORKING_META = "last_working_network_slot"


class NetworkProfiles:
    """The configuration slots, persisted in the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._slots: dict[int, NetworkProfile] = {}
        #: The slot of the last successful connection, across restarts (B10.FR.07).
        self.last_working: int | None = None

    async def load(self, seed: NetworkProfile) -> None:
        """Load the stored slots; on a first start store ``seed`` (from the config)."""

        def read(db) -> tuple[list, tuple | None]:
            rows = db.execute("SELECT slot, profile FROM network_profiles").fetchall()
            working = db.execute(
                "SELECT value FROM meta WHERE name = ?", (LAST_WORKING_META,)
            ).fetchone()
            return rows, working

        rows, working = await self._store.run(read)
        self._slots = {
            slot: NetworkProfile.from_wire(slot, json.loads(text)) for slot, text in rows
        }
        self.last_working = int(working[0]) if working is not None else None
        if not self._slots:
            await self.put(seed)

    async def remember_working(self, slot: int) -> None:
        """Keep the slot of a successful connection (written only when it changes)."""
        if slot == self.last_working:
            return
        self.last_working = slot
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (LAST_WORKING_META, str(slot)),
            )
        )

    async def put(self, profile: NetworkProfile) -> None:
        """Store (or replace) a slot durably."""
        text = json.dumps(profile.to_wire())
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO network_profiles (slot, profile) VALUES (?, ?)",
                (profile.slot, text),
            )
        )
        self._slots[profile.slot] = profile

    async def delete(self, slot: int) -> None:
        """Remove a slot."""
        await self._store.run(
            lambda db: db.execute("DELETE FROM network_profiles WHERE slot = ?", (slot,))
        )
        self._slots.pop(slot, None)

    def get(self, slot: int) -> NetworkProfile | None:
        """The profile in ``slot``, if any."""
        return self._slots.get(slot)

    def slots(self) -> dict[int, NetworkProfile]:
        """All configured slots."""
        return dict(self._slots)


#: Builds the `Endpoint` (URL, credentials, TLS context) for a profile.
EndpointFactory = Callable[[NetworkProfile], Endpoint]
#: Opens a transport to an endpoint; the transport's background tasks run in the nursery.
Dialer = Callable[[trio.Nursery, Endpoint], Awaitable[Transport]]
#: Receives security events (type, tech info) raised by connection attempts.
SecurityEventSink = Callable[[str, str], Awaitable[None]]


class ConnectionManager:
    """Connect, serve, ping, and reconnect with back-off, for the station's lifetime."""

    def __init__(
        self,
        *,
        client: OcppClient,
        device_model: DeviceModel,
        profiles: NetworkProfiles,
        endpoint_for: EndpointFactory,
        dial: Dialer,
        rng: random.Random,
        security_event: SecurityEventSink,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``now`` is the wall clock that stamps `last_failure_at`."""
        self._client = client
        self._now = now
        self._dm = device_model
        self._profiles = profiles
        self._endpoint_for = endpoint_for
        self._dial = dial
        self._backoff = ReconnectBackoff(rng)
        self._security_event = security_event
        self._settings_changed = trio.Event()
        self.active: NetworkProfile | None = None
        self.last_working: int | None = profiles.last_working
        #: Number of successful connections so far (tests and status).
        self.connections = 0
        #: Why the last attempt failed or the last connection ended, kept after a
        #: successful reconnect so that `station status` can still say what happened.
        self.last_failure: str | None = None
        #: When `last_failure` happened (the station's wall clock).
        self.last_failure_at: datetime | None = None
        #: Failed attempts and lost connections since start.
        self.failures = 0
        self._failure_recorded = trio.Event()
        #: Failed attempts since start (status command, tests).
        self.failed_attempts = 0
        self._attempted = trio.Event()
        self._skip_backoff = False
        self._connected_hooks: list[Callable[[NetworkProfile], Awaitable[None]]] = []
        #: B10.FR.04/A05.FR.05: a new NetworkConfigurationPriority applies after a reboot.
        self._priority_at_start = [int(slot) for slot in (device_model.get_list(PRIORITY) or ())]
        for variable in (PING_INTERVAL, WAIT_MINIMUM, RANDOM_RANGE, REPEAT_TIMES):
            device_model.on_change(variable, lambda _: self._settings_changed.set())
        device_model.bind_live(ACTIVE_PROFILE, lambda: self.active.slot if self.active else 0)
        device_model.bind_live(
            MESSAGE_TIMEOUT, lambda: (self.active or self._first()).message_timeout
        )

    def _first(self) -> NetworkProfile:
        for slot in self._priority():
            profile = self._profiles.get(slot)
            if profile is not None:
                return profile
        raise RuntimeError("no network connection profile is configured")

    def _priority(self) -> list[int]:
        return list(self._priority_at_start)

    def on_connected(self, hook: Callable[[NetworkProfile], Awaitable[None]]) -> None:
        """Run ``hook(profile)`` after each successful connection, before the session."""
        self._connected_hooks.append(hook)

    async def reconnect(self) -> None:
        """Drop the connection and connect again at once (new credentials, new certificate)."""
        self._skip_backoff = True
        await self._client.close(1000, "reconnecting")

    def _slot_sequence(self) -> Iterator[int]:
        """Slots to try, one per attempt, forever (B10.FR.07–09): each slot of
        NetworkConfigurationPriority NetworkProfileConnectionAttempts times; when every one
        failed, the slot of the last successful connection from then on (B10.FR.07:
        'reconnecting' to it with the usual back-off, TC_B_49), or the list again when no
        connection ever succeeded."""
        last = self.last_working
        if last is not None and self._profiles.get(last) is None:
            last = None
        while True:
            tried = False
            for slot in self._priority():
                if self._profiles.get(slot) is None:
                    continue
                for _ in range(self._dm.get_int(ATTEMPTS) or 1):
                    tried = True
                    yield slot
            if last is not None:
                while True:
                    yield last
            if not tried:
                raise RuntimeError(
                    "no configured network connection profile in NetworkConfigurationPriority"
                )

    def _backoff_settings(self) -> BackoffSettings:
        return BackoffSettings(
            wait_minimum=self._dm.get_float(WAIT_MINIMUM) or 0.0,
            random_range=self._dm.get_float(RANDOM_RANGE) or 0.0,
            repeat_times=self._dm.get_int(REPEAT_TIMES) or 0,
        )

    async def run(self) -> None:
        """Connect and stay connected; never returns (cancel to stop)."""
        slots = self._slot_sequence()
        while True:
            profile = self._profiles.get(next(slots))
            assert profile is not None
            served = await self._attempt(profile)
            if served:
                slots = self._slot_sequence()
            if self._skip_backoff:
                self._skip_backoff = False
                continue
            wait = self._backoff.next_wait(self._backoff_settings())
            log.info("event=reconnect_wait seconds=%.3f failures=%d", wait, self._backoff.failures)
            await trio.sleep(wait)

    async def wait_failed_attempts(self, count: int) -> None:
        """Wait until at least ``count`` connection attempts have failed since start."""
        while self.failed_attempts < count:
            await self._attempted.wait()

    def _failed(self, reason: str) -> None:
        self._lost(reason)
        self.failed_attempts += 1
        self._attempted.set()
        self._attempted = trio.Event()

    def _lost(self, reason: str) -> None:
        self.last_failure = reason
        self.last_failure_at = self._now()
        self.failures += 1
        self._failure_recorded.set()
        self._failure_recorded = trio.Event()

    async def wait_failures(self, count: int) -> None:
        """Wait until at least ``count`` failures (attempts or lost connections) happened."""
        while self.failures < count:
            await self._failure_recorded.wait()

    async def _attempt(self, profile: NetworkProfile) -> bool:
        """One connection attempt; returns True if a connection was established."""
        try:
            endpoint = self._endpoint_for(profile)
        except Exception as exc:  # e.g. an unreadable CA file: an attempt that failed
            self._failed(f"cannot prepare the connection: {exc}")
            log.error("event=connect_failed slot=%d reason=%r", profile.slot, self.last_failure)
            return False
        log.info(
            "event=connecting slot=%d url=%s profile=%d",
            profile.slot,
            profile.url,
            profile.security_profile,
        )
        async with trio.open_nursery() as nursery:
            try:
                transport = await self._dial(nursery, endpoint)
            except ConnectFailed as exc:
                self._failed(exc.detail)
                log.warning("event=connect_failed slot=%d reason=%r", profile.slot, exc.detail)
                if exc.security_event:
                    await self._security_event(exc.security_event, exc.detail)
                nursery.cancel_scope.cancel()
                return False
            self._backoff.reset()
            self.active = profile
            self.last_working = profile.slot
            await self._profiles.remember_working(profile.slot)
            self.connections += 1
            self._client.message_timeout = profile.message_timeout
            log.info("event=connected slot=%d url=%s", profile.slot, profile.url)
            for hook in self._connected_hooks:
                await hook(profile)
            watched = _WatchedTransport(transport)
            opened = trio.current_time()
            nursery.start_soon(self._ping, watched)
            await self._client.serve(watched)
            nursery.cancel_scope.cancel()
        ended = watched.ending(trio.current_time() - opened)
        if ended is not None:
            self._lost(ended)
            log.warning("event=connection_lost slot=%d reason=%r", profile.slot, ended)
        return True

    async def _ping(self, transport: Transport) -> None:
        """Ping every WebSocketPingInterval seconds (0 = off); no pong → drop the connection."""
        next_ping = trio.current_time()
        while True:
            interval = self._dm.get_int(PING_INTERVAL) or 0
            self._settings_changed = trio.Event()
            deadline = next_ping + interval if interval > 0 else math.inf
            with trio.move_on_at(deadline):
                await self._settings_changed.wait()
                continue  # settings changed: recompute the deadline
            next_ping = deadline
            with trio.move_on_after(self._client.message_timeout) as scope:
                try:
                    await transport.ping()
                except TransportClosed:
                    return
            if scope.cancelled_caught:
                log.warning("event=pong_missing timeout=%s", self._client.message_timeout)
                await transport.aclose(1001, "no pong")
                return


class _WatchedTransport:
    """A `Transport` that remembers how the connection ended, for `last_failure`: the
    CSMS's close code and reason, or the station's own close and why."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._closed: TransportClosed | None = None
        self._own_close: tuple[int, str] | None = None
        self._received = 0

    async def send(self, text: str) -> None:
        """Send one message."""
        try:
            await self._transport.send(text)
        except TransportClosed as exc:
            self._closed = self._closed or exc
            raise

    async def receive(self) -> str:
        """Receive one message."""
        try:
            text = await self._transport.receive()
        except TransportClosed as exc:
            self._closed = self._closed or exc
            raise
        self._received += 1
        return text

    async def ping(self) -> None:
        """Ping and wait for the pong."""
        await self._transport.ping()

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close from this side (a reconnect, a missing pong, shutdown)."""
        if self._closed is None and self._own_close is None:
            self._own_close = (code, reason)
        await self._transport.aclose(code, reason)

    def ending(self, after: float) -> str | None:
        """Why the connection ended, or None when the station closed it on purpose and
        nothing went wrong (a reconnect to use new credentials)."""
        if self._own_close is not None:
            code, reason = self._own_close
            if code == 1000:
                return None
            return f"the station closed the connection: {reason or failures.CLOSE_CODES.get(code)}"
        if isinstance(self._closed, MessageTooBig):
            return "the station closed the connection: the CSMS sent a message over 1 MiB (1009)"
        if self._closed is not None:
            return failures.closed_by_csms(
                self._closed.code, self._closed.reason, after, self._received
            )
        return None
