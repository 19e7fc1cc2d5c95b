"""The OCPP side's view of the control process: proxies with the control loop's interface.

`ControlLink` keeps one control-protocol link to the control service (a Unix socket, or
an in-process stream when both run in one process) and presents, per EVSE, a `RemoteEvse`
with the commands of `ControlLoop` (`station.evse.EvseCommands` and the rest) and the
snapshots the control process reports, a `RemoteMeter` with the sampler's ``latest`` and
``sample_now``, and `RemoteCards` for the card reader. The rest of the OCPP side cannot
tell them from the local objects, which is what keeps it unchanged by the split.

Commands are state, not a log: the link keeps the latest value of each (per EVSE and
kind), sends it as soon as it can and again after a reconnect, so nothing waits on the
control process and a burst of changes cannot grow a queue. Only values the OCPP side set
itself are sent: a freshly started OCPP side overrides nothing until its transactions
decided (it learns what the control process applies from `commands`).

While the link is down, every EVSE reports the fault ``control_unreachable`` (the OCPP side
shows it Faulted); the link reconnects with back-off.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

import trio

from drivers.interfaces import MeterSample
from station.control.channel import ChannelClosed, ControlChannel
from station.control.protocol import (
    PEER_TIMEOUT,
    AllowCharging,
    CardGone,
    CardPresented,
    Commands,
    Health,
    Heartbeat,
    Message,
    MeterReading,
    ProtocolError,
    ResetEvse,
    ResetLatchedFaults,
    Role,
    SampleDone,
    SampleMeter,
    SetCurrentLimit,
    SetExternalFault,
    SetOperative,
    SimCommand,
    SimResult,
    Snapshot,
    StopAll,
    Synced,
    WatchMeter,
)
from station.control.reading import Reading
from station.control.timing import TimingStats
from station.evse import EvseSnapshot
from station.privacy import token_ref

log = logging.getLogger(__name__)

#: The fault every EVSE reports while the control process cannot be reached.
UNREACHABLE = "control_unreachable"

Connect = Callable[[], Awaitable[trio.abc.Stream]]


class RemoteEvse:
    """One EVSE of the control process, as the OCPP side sees and commands it."""

    def __init__(self, link: ControlLink, evse_id: int) -> None:
        self.evse_id = evse_id
        self._link = link
        self.snapshot = EvseSnapshot(evse_id, fault=UNREACHABLE)
        #: What the control process applied when the link was (re)established.
        self.commands: Commands | None = None
        self.health: Health | None = None
        self._health_at = -math.inf
        self._changed = trio.Event()

    # -- commands (EvseCommands and the rest of ControlLoop's) ---------------------------

    def allow_charging(self, allowed: bool) -> None:
        """Whether an authorized session lets this EVSE offer energy."""
        self._link.request(AllowCharging(self.evse_id, allowed))

    def set_operative(self, operative: bool) -> None:
        """Availability: an inoperative EVSE offers no energy."""
        self._link.request(SetOperative(self.evse_id, operative))

    def set_current_limit(self, amps: float) -> None:
        """Upper bound of the offered current (the control process clamps it)."""
        self._link.request(SetCurrentLimit(self.evse_id, amps))

    def set_external_fault(self, reason: str | None) -> None:
        """A fault the OCPP side found (it cannot clear one the control process found)."""
        self._link.request(SetExternalFault(self.evse_id, reason))

    def reset(self) -> None:
        """Per-EVSE reset (B11): contactor open, pilot machine back to its start."""
        self._link.request(ResetEvse(self.evse_id), remember=False)

    def reset_latched_faults(self) -> None:
        """Operator action after inspecting a welded contactor."""
        self._link.request(ResetLatchedFaults(self.evse_id), remember=False)

    # -- observation ---------------------------------------------------------------------

    async def wait_snapshot(self) -> EvseSnapshot:
        """Wait for the next snapshot."""
        await self._changed.wait()
        return self.snapshot

    def healthy(self, now: float) -> bool:
        """Whether the control process reported this EVSE's loop healthy recently."""
        return (
            self.health is not None
            and self.health.healthy
            and now - self._health_at <= 3 * self._link.heartbeat_interval
        )

    def timing(self) -> TimingStats:
        """Lateness statistics of the loop, as last reported."""
        h = self.health
        if h is None:
            return TimingStats(0, 0.0, 0.0, 0.0, 0)
        return TimingStats(h.iterations, h.p50, h.p99, h.max, h.overruns)

    def _publish(self, snapshot: EvseSnapshot) -> None:
        if snapshot == self.snapshot:
            return
        self.snapshot = snapshot
        self._link.on_snapshot(snapshot)
        self._changed.set()
        self._changed = trio.Event()


class RemoteMeter:
    """One EVSE's meter sampler in the control process.

    The control process sends the readings asked for (`sample_now`), and every other
    reading only while something here watches the meter (`watch`); otherwise one an
    idle interval (10 s by default), so ``latest`` is at most about that old."""

    def __init__(self, link: ControlLink, evse_id: int) -> None:
        self.evse_id = evse_id
        self._link = link
        self.latest: Reading | None = None
        self._sampled = trio.Event()
        self._watchers: set[str] = set()

    def watch(self, watcher: str, on: bool) -> None:
        """Whether ``watcher`` (an energy limit, an energy manager) needs every reading:
        the control process sends them all while any watcher does."""
        if on:
            self._watchers.add(watcher)
        else:
            self._watchers.discard(watcher)
        self._link.request(WatchMeter(self.evse_id, bool(self._watchers)))

    async def next_reading(self) -> Reading:
        """Wait for the next reading sent (see the class docstring)."""
        await self._sampled.wait()
        assert self.latest is not None
        return self.latest

    async def sample_now(self, timeout: float = 0.5) -> None:
        """One extra reading now; returns when it arrived, failed, or the link is down (the
        latest reading stays in place then)."""
        await self._link.sample(self.evse_id, timeout)

    def _reading(self, reading: Reading) -> None:
        self.latest = reading
        self._sampled.set()
        self._sampled = trio.Event()


class RemoteCards:
    """The card reader of the control process."""

    def __init__(self) -> None:
        self.held = False
        self._gone = trio.Event()

    async def wait_card_gone(self) -> None:
        """Wait until no card is held to the reader."""
        while self.held:
            await self._gone.wait()

    def _presented(self) -> None:
        self.held = True

    def _removed(self) -> None:
        self.held = False
        self._gone.set()
        self._gone = trio.Event()


class ControlLink:
    """The OCPP side's link to the control service."""

    def __init__(
        self,
        evse_ids: list[int],
        *,
        on_snapshot: Callable[[EvseSnapshot], None],
        on_reading: Callable[[int, Reading], None],
        on_card: Callable[[str], Awaitable[None]],
        heartbeat_interval: float = 1.0,
        peer_timeout: float = PEER_TIMEOUT,
        card_backlog: int = 8,
    ) -> None:
        self.on_snapshot = on_snapshot
        self._on_reading = on_reading
        self._on_card = on_card
        self.heartbeat_interval = heartbeat_interval
        self.peer_timeout = peer_timeout
        self.evses = {e: RemoteEvse(self, e) for e in evse_ids}
        self.meters = {e: RemoteMeter(self, e) for e in evse_ids}
        self.cards = RemoteCards()
        self._cards_in, self._cards_out = trio.open_memory_channel[str](card_backlog)
        # Latest value of each command kind per EVSE: sent when set, again after a reconnect.
        self._desired: dict[tuple[str, int], Message] = {}
        self._unsent: dict[tuple[str, int], Message] = {}
        self._wake = trio.Event()
        #: The synced link's channel, for requests it takes at once (`request`).
        self._channel: ControlChannel | None = None
        self._request_ids = 0
        self._samples: dict[int, trio.Event] = {}
        self._sims: dict[int, tuple[trio.Event, list[SimResult]]] = {}
        self.synced = trio.Event()
        #: Set once, after the first full state was handled (and ``on_first_sync`` ran).
        self.first_sync = trio.Event()
        #: Called once, synchronously, when the first full state is in: the OCPP side
        #: decides there what to do with what the control process kept running.
        self.on_first_sync: Callable[[], None] | None = None
        self.connected = False
        #: How many times the link was established (1 after the first sync).
        self.syncs = 0

    # -- commands ------------------------------------------------------------------------

    def request(self, message: Message, *, remember: bool = True) -> None:
        """Send a command as soon as the link allows (never blocks, never grows beyond one
        entry per EVSE and kind)."""
        key = (message.TYPE, getattr(message, "evse", 0))
        if remember:
            if self._desired.get(key) == message:
                # Asked for already: the control process has it, it waits in the queue,
                # or the next sync sends it (`_synced`). The transaction service repeats
                # its AllowCharging after every event, and each one received would wake
                # the EVSE's control loop for nothing.
                return
            self._desired[key] = message
        # With nothing waiting before it, a request the link takes at once needs no round
        # of the sender task (the in-process link: a simulator, a fleet).
        channel = self._channel
        if not self._unsent and channel is not None and channel.send_now(message):
            return
        self._unsent.pop(key, None)  # the newest value goes to the back of the line
        self._unsent[key] = message
        self._wake.set()

    def stop_all(self) -> None:
        """Ask the control process to open every contactor and offer nothing any more."""
        # It withdraws what it was asked to allow: the same request made afterwards is
        # news to it again.
        for key in [k for k in self._desired if k[0] in (AllowCharging.TYPE, SetOperative.TYPE)]:
            del self._desired[key]
        self.request(StopAll(), remember=False)

    async def sample(self, evse_id: int, timeout: float) -> None:
        """Ask for a meter reading now and wait (bounded) for it."""
        if not self.connected:
            return
        self._request_ids += 1
        request = self._request_ids
        done = self._samples[request] = trio.Event()
        try:
            self.request(SampleMeter(evse_id, request), remember=False)
            # The control process bounds the meter's answer by ``timeout``; the margin
            # covers the link.
            with trio.move_on_after(timeout + 1.0):
                await done.wait()
        finally:
            self._samples.pop(request, None)

    async def simulate(
        self, name: str, evse: int | None = None, value: str | None = None, timeout: float = 5.0
    ) -> str | None:
        """Carry out a `station sim` command on the control process's simulated devices;
        raises `ValueError` with its reason when it was refused or the link is down."""
        if not self.connected:
            raise ValueError("the control process is not reachable")
        self._request_ids += 1
        request = self._request_ids
        done, results = self._sims[request] = (trio.Event(), [])
        try:
            self.request(SimCommand(request, name, evse, value), remember=False)
            with trio.move_on_after(timeout):
                await done.wait()
        finally:
            self._sims.pop(request, None)
        if not results:
            raise ValueError("no answer from the control process")
        if results[0].error is not None:
            raise ValueError(results[0].error)
        return results[0].result

    # -- the link ------------------------------------------------------------------------

    async def run(
        self, connect: Connect, *, backoff: float = 0.2, max_backoff: float = 5.0
    ) -> None:
        """Keep the link up until cancelled (reconnecting with back-off)."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._deliver_cards)
            wait = backoff
            while True:
                try:
                    stream = await connect()
                except OSError as exc:
                    log.warning("event=control_link_connect_failed error=%r", str(exc))
                else:
                    if await self._session(stream):
                        wait = backoff
                self._lost()
                await trio.sleep(wait)
                wait = min(wait * 2, max_backoff)

    async def _session(self, stream: trio.abc.Stream) -> bool:
        """One connection; returns whether it got as far as the full state."""
        try:
            channel = await ControlChannel.open(stream, Role.OCPP)
        except (ProtocolError, ChannelClosed) as exc:
            log.error("event=control_link_refused error=%r", str(exc))
            return False
        reported = set(channel.peer.evses)
        if reported != set(self.evses):
            log.error(
                "event=control_link_mismatch control_evses=%s ocpp_evses=%s",
                sorted(reported),
                sorted(self.evses),
            )
            await channel.aclose()
            return False
        synced = False
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._heartbeats, channel)
                while True:
                    message = await channel.receive_within(self.peer_timeout)
                    if message is None:
                        raise ChannelClosed(
                            f"no frame from the control process for {self.peer_timeout:g} s"
                        )
                    if isinstance(message, Synced):
                        synced = True
                        self._synced(nursery, channel)
                    else:
                        self._report(message)
        except* (ChannelClosed, ProtocolError) as group:
            for error in group.exceptions:
                log.error("event=control_link_down error=%r", str(error))
        finally:
            await channel.aclose()
        return synced

    def _synced(self, nursery: trio.Nursery, channel: ControlChannel) -> None:
        # Our own requests go out after the control process's state: what we set again
        # (a restarted control process starts from nothing) and what waited.
        for key, message in self._desired.items():
            self._unsent.setdefault(key, message)
        self.connected = True
        self.syncs += 1
        if not self.first_sync.is_set():
            if self.on_first_sync is not None:
                self.on_first_sync()
            self.first_sync.set()
        log.info("event=control_link_synced syncs=%d", self.syncs)
        self._channel = channel
        nursery.start_soon(self._send_requests, channel)
        self.synced.set()

    def _report(self, message: Message) -> None:
        if isinstance(message, Snapshot):
            evse = self.evses[message.evse]
            evse._publish(
                EvseSnapshot(
                    message.evse,
                    message.ev_connected,
                    message.ev_requesting,
                    message.relay_closed,
                    message.offered_current,
                    message.fault,
                    message.pilot_state,
                    message.duty,
                )
            )
        elif isinstance(message, MeterReading):
            try:
                reading = _reading_of(message)
            except ValueError as exc:
                raise ProtocolError(f"meter_reading.timestamp: {exc}") from None
            self.meters[message.evse]._reading(reading)
            self._on_reading(message.evse, reading)
        elif isinstance(message, SampleDone):
            done = self._samples.get(message.request)
            if done is not None:
                done.set()
        elif isinstance(message, SimResult):
            waiting = self._sims.get(message.request)
            if waiting is not None:
                waiting[1].append(message)
                waiting[0].set()
        elif isinstance(message, CardPresented):
            self.cards._presented()
            try:
                self._cards_in.send_nowait(message.uid)
            except trio.WouldBlock:
                log.warning(
                    "event=card_dropped uid=%s reason='backlog full'", token_ref(message.uid)
                )
        elif isinstance(message, CardGone):
            self.cards._removed()
        elif isinstance(message, Commands):
            self.evses[message.evse].commands = message
        elif isinstance(message, Health):
            evse = self.evses[message.evse]
            evse.health, evse._health_at = message, trio.current_time()
        elif isinstance(message, Heartbeat):
            pass
        else:  # pragma: no cover - the protocol lets the control side send nothing else
            raise ProtocolError(f"{message.TYPE}: not a report")

    def _lost(self) -> None:
        """The link is down: every EVSE shows the fault until the control process is back."""
        self.connected = False
        self._channel = None
        self.synced = trio.Event()
        for evse in self.evses.values():
            evse._publish(replace(evse.snapshot, fault=UNREACHABLE))
        for done in self._samples.values():
            done.set()
        for done, _ in self._sims.values():
            done.set()

    async def _send_requests(self, channel: ControlChannel) -> None:
        while True:
            while self._unsent:
                key = next(iter(self._unsent))
                message = self._unsent.pop(key)
                try:
                    await channel.send(message)
                except ChannelClosed:
                    self._unsent.setdefault(key, message)
                    raise
            await self._wake.wait()
            self._wake = trio.Event()

    async def _heartbeats(self, channel: ControlChannel) -> None:
        seq = 0
        while True:
            seq += 1
            await channel.send(Heartbeat(seq))
            await trio.sleep(self.heartbeat_interval)

    async def _deliver_cards(self) -> None:
        # One presentation at a time, in order, outside the receive loop (an Authorize
        # can take the whole message timeout).
        async for uid in self._cards_out:
            await self._on_card(uid)


def _or_nan(v: float | None) -> float:
    """What the meter did not measure (None on the link) is NaN in a `MeterSample`."""
    return math.nan if v is None else v


def _reading_of(message: MeterReading) -> Reading:
    if message.soc is not None and not 0 <= message.soc <= 100:
        raise ProtocolError(f"meter_reading.soc: {message.soc} is not a percentage")
    value = _or_nan
    sample = MeterSample(
        timestamp=datetime.fromisoformat(message.timestamp),
        voltage=value(message.voltage),
        current=value(message.current),
        power=value(message.power),
        power_factor=value(message.power_factor),
        frequency=value(message.frequency),
        energy_import_wh=value(message.energy_import_wh),
        energy_export_wh=value(message.energy_export_wh),
        soc=message.soc,
    )
    return Reading(sample, value(message.offered_current), message.phases)
