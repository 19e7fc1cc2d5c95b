"""The control service and the OCPP side's link to it, over the control protocol on
MockClock: the service enforces the safety rules whatever it is asked, keeps charges going
while the OCPP side is away, and re-syncs a returning OCPP side with the full state first."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime
from itertools import pairwise

import pytest
import trio
import trio.testing

from drivers import HardwareConfig, build_hardware
from station.control.channel import ChannelClosed, ControlChannel
from station.control.protocol import (
    AllowCharging,
    Commands,
    Role,
    SetCurrentLimit,
    SetOperative,
    Snapshot,
    Synced,
)
from station.control.reading import Reading
from station.control.remote import UNREACHABLE, ControlLink
from station.control.service import ControlService, ControlSettings
from station.evse import EvseSnapshot

SETTINGS = ControlSettings(period=0.05, meter_interval=1.0, card_interval=0.3)


def make_service() -> ControlService:
    config = HardwareConfig()
    hardware = build_hardware(
        config, now=trio.current_time, wall_clock=lambda: datetime(2026, 1, 5, tzinfo=UTC)
    )
    return ControlService(config, hardware, SETTINGS)


async def wait_until(predicate, timeout: float = 30) -> None:
    """Poll state owned by several tasks, in virtual time (MockClock jumps the sleeps)."""
    with trio.fail_after(timeout):
        while not predicate():  # noqa: ASYNC110 - no single event covers these states
            await trio.sleep(0.01)


@asynccontextmanager
async def service_running():
    service = make_service()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await service.wait_first_iterations()
            yield service, nursery
            nursery.cancel_scope.cancel()
    finally:
        service.close()


class Peer:
    """A link run by the test, with a switch to cut it."""

    def __init__(self, service: ControlService, nursery: trio.Nursery) -> None:
        self.cards: list[str] = []
        #: When each snapshot and each reading arrived (virtual time), per EVSE.
        self.snapshots: dict[int, list[tuple[float, EvseSnapshot]]] = {}
        self.readings: dict[int, list[float]] = {}

        async def on_card(uid: str) -> None:
            self.cards.append(uid)

        def on_snapshot(snapshot: EvseSnapshot) -> None:
            self.snapshots.setdefault(snapshot.evse_id, []).append((trio.current_time(), snapshot))

        def on_reading(evse_id: int, reading: Reading) -> None:
            self.readings.setdefault(evse_id, []).append(trio.current_time())

        self.link = ControlLink(
            list(service.evse_ids),
            on_snapshot=on_snapshot,
            on_reading=on_reading,
            on_card=on_card,
        )
        self.scope = trio.CancelScope()
        self._service, self._nursery = service, nursery
        self.streams: list[trio.abc.Stream] = []

    async def connect(self) -> trio.abc.Stream:
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        self._nursery.start_soon(self._service.serve, control_end)
        self.streams.append(ocpp_end)
        return ocpp_end

    async def start(self) -> None:
        async def run() -> None:
            with self.scope:
                await self.link.run(self.connect)

        self._nursery.start_soon(run)
        with trio.fail_after(10):
            await self.link.synced.wait()


async def charge(service: ControlService, peer: Peer, evse: int = 1) -> None:
    sim = service.hardware.sim
    sim.plug(evse)
    peer.link.evses[evse].allow_charging(True)
    sim.set_ev_state(evse, "C")
    await wait_until(lambda: service.loops[evse].snapshot.relay_closed)


async def test_the_meter_is_read_often_only_while_energy_can_flow(autojump_clock):
    """Contactor open: a reading every idle interval; closing reads the meter at once, for
    the over-current guard, then every interval; a fault (a welded contactor may carry
    current) keeps the fast rate after the contactor opened."""
    idle, fast = SETTINGS.idle_meter_interval, SETTINGS.meter_interval
    assert idle > fast
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        for meter in peer.link.meters.values():
            meter.watch("test", True)  # every reading crosses the link
        await peer.start()
        await trio.sleep(3 * idle)

        def gaps(since: float, evse: int = 1) -> set[float]:
            times = [t for t in peer.readings[evse] if t >= since]
            return {round(b - a, 6) for a, b in pairwise(times)}

        assert gaps(0.0) == {idle}
        await charge(service, peer)
        closed_at = next(t for t, s in peer.snapshots[1] if s.relay_closed)
        assert round(closed_at % idle, 6) not in (0.0, idle), "closing off the idle grid"
        assert closed_at in peer.readings[1], "closing reads the meter at once"
        await trio.sleep(5 * fast)
        assert gaps(closed_at) == {round(fast - closed_at % fast, 6), fast}
        service.hardware.sim.evse(1).set_welded(True)
        service.hardware.sim.unplug(1)
        await wait_until(lambda: service.loops[1].snapshot.fault == "welded")
        faulted_at = trio.current_time()
        await trio.sleep(5 * fast)
        assert not service.loops[1].snapshot.relay_closed
        assert gaps(faulted_at) == {fast}
        assert len(peer.readings[2]) > 3
        assert gaps(0.0, evse=2) == {idle}, "the other EVSE stayed idle all along"


async def test_readings_cross_the_link_when_asked_for_watched_or_an_idle_interval_old(
    autojump_clock,
):
    """A charging EVSE's meter is read every interval; the OCPP side is sent a reading it
    asked for at once, every reading while it watches the meter, else one an idle
    interval."""
    idle, fast = SETTINGS.idle_meter_interval, SETTINGS.meter_interval
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        await trio.sleep(idle)
        start = trio.current_time()
        await trio.sleep(4 * idle)
        sent = [t for t in peer.readings[1] if t > start]
        assert [round(b - a, 6) for a, b in pairwise(sent)] == [idle] * 3
        # Asked for: sent at once.
        before = len(peer.readings[1])
        asked_at = trio.current_time()
        await peer.link.meters[1].sample_now()
        assert peer.readings[1][before:] == [asked_at]
        # Watched: every reading, until the watch ends.
        meter = peer.link.meters[1]
        meter.watch("energy limit", True)
        meter.watch("energy manager", True)
        meter.watch("energy limit", False)  # the other watcher still needs them
        await trio.sleep(1.5 * idle)
        watched = [t for t in peer.readings[1] if t > asked_at]
        assert {round(b - a, 6) for a, b in pairwise(watched)} == {fast}
        meter.watch("energy manager", False)
        unwatched_at = trio.current_time()
        await trio.sleep(3 * idle)
        after = [t for t in peer.readings[1] if t > unwatched_at]
        assert {round(b - a, 6) for a, b in pairwise(after)} == {idle}


async def test_an_authorization_for_an_inoperative_evse_never_closes_the_contactor(
    autojump_clock,
):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        evse = peer.link.evses[1]
        evse.set_operative(False)
        service.hardware.sim.plug(1)
        service.hardware.sim.set_ev_state(1, "C")
        evse.allow_charging(True)
        evse.set_current_limit(1000)
        await trio.sleep(5)
        assert service.requests[1].allowed and not service.requests[1].operative
        assert not service.loops[1].snapshot.relay_closed
        assert service.hardware.sim.status()["evses"]["1"]["relay"]["commanded"] is False
        # Operative again: the machine's own conditions decide, and the limit is clamped.
        evse.set_operative(True)
        await wait_until(lambda: service.loops[1].snapshot.relay_closed)
        assert service.loops[1].snapshot.offered_current == pytest.approx(32.0, abs=0.1)


async def test_the_ocpp_side_cannot_clear_a_fault_the_control_service_found(autojump_clock):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        service.requests[1].supervisor_fault = "supervisor"
        service._apply_fault(1)
        peer.link.evses[1].set_external_fault(None)
        await charge_attempt(service, peer)
        assert peer.link.evses[1].snapshot.fault == "supervisor"
        assert not service.loops[1].snapshot.relay_closed


async def charge_attempt(service: ControlService, peer: Peer) -> None:
    service.hardware.sim.plug(1)
    peer.link.evses[1].allow_charging(True)
    service.hardware.sim.set_ev_state(1, "C")
    await trio.sleep(5)


async def test_a_charge_continues_while_the_ocpp_side_is_away_and_it_resyncs_first(
    autojump_clock,
):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        peer.scope.cancel()  # the OCPP side dies
        await wait_until(lambda: not service.peer_connected)
        await trio.sleep(60)
        assert service.loops[1].snapshot.relay_closed, "the charge goes on offline"
        # A new OCPP side connects: the full state comes first.
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        nursery.start_soon(service.serve, control_end)
        channel = await ControlChannel.open(ocpp_end, Role.OCPP)
        state = []
        while not isinstance(message := await channel.receive(), Synced):
            state.append(message)
        snapshots = {m.evse: m for m in state if isinstance(m, Snapshot)}
        commands = {m.evse: m for m in state if isinstance(m, Commands)}
        assert snapshots[1].relay_closed and snapshots[1].ev_requesting
        assert commands[1].allowed and not commands[2].allowed
        await channel.aclose()


async def test_an_unplug_while_the_ocpp_side_is_away_ends_the_authorization(autojump_clock):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        peer.scope.cancel()
        await wait_until(lambda: not service.peer_connected)
        service.hardware.sim.unplug(1)
        await wait_until(lambda: not service.loops[1].snapshot.ev_connected)
        service.hardware.sim.plug(1)  # another EV
        service.hardware.sim.set_ev_state(1, "C")
        await trio.sleep(10)
        assert not service.requests[1].allowed
        assert not service.loops[1].snapshot.relay_closed


async def test_a_hung_ocpp_side_is_dropped_and_the_charge_goes_on(autojump_clock):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        peer.scope.cancel()
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        nursery.start_soon(service.serve, control_end)
        await ControlChannel.open(ocpp_end, Role.OCPP)  # says hello, then nothing
        await wait_until(lambda: service.peer_connected)
        connected_at = trio.current_time()
        await wait_until(lambda: not service.peer_connected)
        # Dropped after the peer timeout (give or take the polling step).
        assert trio.current_time() - connected_at >= SETTINGS.peer_timeout - 0.02
        assert not service.peer_connected
        assert service.loops[1].snapshot.relay_closed


async def test_a_request_for_an_unknown_evse_drops_the_link_and_changes_nothing(autojump_clock):
    async with service_running() as (service, nursery):
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        nursery.start_soon(service.serve, control_end)
        channel = await ControlChannel.open(ocpp_end, Role.OCPP)
        await channel.send(AllowCharging(7, True))
        await channel.send(SetCurrentLimit(1, -3.0))
        with trio.fail_after(10):
            try:
                while True:
                    await channel.receive()
            except ChannelClosed:
                pass
        assert not service.peer_connected
        assert not any(r.allowed for r in service.requests.values())


async def test_the_ocpp_side_sees_every_evse_faulted_while_the_control_service_is_gone(
    autojump_clock,
):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        for stream in peer.streams:
            await stream.aclose()  # the control process died: its end of the link is gone
        await wait_until(lambda: not peer.link.connected)
        assert {e.snapshot.fault for e in peer.link.evses.values()} == {UNREACHABLE}
        # It comes back (here the same service): the link re-syncs by itself.
        await wait_until(lambda: peer.link.connected)
        assert peer.link.syncs == 2
        assert peer.link.evses[1].snapshot.fault is None


async def test_cards_and_meter_requests_cross_the_link(autojump_clock):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        service.hardware.sim.tap("04a1b2c3")
        await wait_until(lambda: peer.cards == ["04A1B2C3"])
        assert peer.link.cards.held
        await peer.link.cards.wait_card_gone()
        before = peer.link.meters[1].latest
        await peer.link.meters[1].sample_now()
        assert peer.link.meters[1].latest is not None
        assert peer.link.meters[1].latest is not before


async def test_a_request_repeated_unchanged_is_sent_once_and_again_after_a_resync(
    autojump_clock, monkeypatch
):
    """The transaction service repeats its AllowCharging after every event: the control
    service receives each value once (each request it receives wakes the loop), again
    after the link comes back, and again after a StopAll withdrew it."""
    received: list[object] = []
    apply = ControlService._apply

    async def recording(self, message, peer, nursery) -> None:
        if isinstance(message, AllowCharging | SetOperative):
            received.append(message)
        await apply(self, message, peer, nursery)

    monkeypatch.setattr(ControlService, "_apply", recording)
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        evse = peer.link.evses[1]
        received.clear()
        wakes = service.loops[1]._wakes
        for _ in range(5):
            evse.allow_charging(True)
        await trio.sleep(1)
        assert received == [], "a request repeated unchanged went out again"
        assert service.loops[1]._wakes == wakes, "a repeated request woke the loop"
        evse.set_operative(False)
        await wait_until(lambda: not service.requests[1].operative)
        for _ in range(3):
            evse.set_operative(False)
        evse.set_operative(True)
        await wait_until(lambda: service.requests[1].operative)
        await trio.sleep(1)
        assert received == [SetOperative(1, False), SetOperative(1, True)]
        # The link breaks and comes back: what the OCPP side wants is sent again.
        received.clear()
        await peer.streams[-1].aclose()
        await wait_until(lambda: len(peer.streams) == 2 and peer.link.connected)
        await wait_until(lambda: AllowCharging(1, True) in received)
        assert SetOperative(1, True) in received
        # StopAll withdraws the authorization; the same request restores it.
        peer.link.stop_all()
        await wait_until(lambda: not service.requests[1].allowed)
        received.clear()
        evse.allow_charging(True)
        await wait_until(lambda: service.requests[1].allowed)
        assert received == [AllowCharging(1, True)]


async def test_an_unplug_while_the_ocpp_side_hangs_ends_the_authorization_when_it_is_dropped(
    autojump_clock,
):
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        peer.scope.cancel()
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        nursery.start_soon(service.serve, control_end)
        await ControlChannel.open(ocpp_end, Role.OCPP)  # then hangs
        await wait_until(lambda: service.peer_connected)
        service.hardware.sim.unplug(1)
        await wait_until(lambda: not service.loops[1].snapshot.ev_connected)
        assert service.requests[1].allowed, "the hung OCPP side has not been dropped yet"
        await wait_until(lambda: not service.peer_connected)
        assert not service.requests[1].allowed
        service.hardware.sim.plug(1)  # another EV
        service.hardware.sim.set_ev_state(1, "C")
        await trio.sleep(10)
        assert not service.loops[1].snapshot.relay_closed


async def test_an_ocpp_side_configured_with_other_evses_refuses_the_link(autojump_clock):
    async with service_running() as (service, nursery):
        link = ControlLink(
            [1, 2, 3],
            on_snapshot=lambda s: None,
            on_reading=lambda e, r: None,
            on_card=_ignore_card,
        )
        ocpp_end, control_end = trio.testing.memory_stream_pair()
        nursery.start_soon(service.serve, control_end)
        assert not await link._session(ocpp_end)
        assert not link.connected
        assert {e.snapshot.fault for e in link.evses.values()} == {UNREACHABLE}


async def test_a_control_side_breaking_the_protocol_is_dropped_and_the_evses_faulted(
    autojump_clock,
):
    link = ControlLink(
        [1], on_snapshot=lambda s: None, on_reading=lambda e, r: None, on_card=_ignore_card
    )
    ocpp_end, control_end = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:

        async def bad_control() -> None:
            channel = await ControlChannel.open(control_end, Role.CONTROL, evses=(1,))
            await channel.send(Synced())
            # A frame that claims 1 MB: refused from its header.
            await control_end.send_all(b"\x00\x10\x00\x00{")

        nursery.start_soon(bad_control)
        assert await link._session(ocpp_end)  # it got as far as the full state
    link._lost()
    assert not link.connected
    assert link.evses[1].snapshot.fault == UNREACHABLE


async def _ignore_card(uid: str) -> None:
    pass


async def test_pilot_voltage_and_an_over_drawing_ev_are_driven_across_the_link(autojump_clock):
    # `station sim pilot-voltage` and `ev-ignore-pwm` under `station run`: the simulated
    # hardware lives in the control process, the OCPP side forwards the commands.
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        await charge(service, peer)
        await peer.link.simulate("pilot_voltage", 1, "-5.0,-12.0")  # in no band: a fault
        await wait_until(lambda: not service.loops[1].snapshot.relay_closed)
        assert service.loops[1].snapshot.fault is not None
        await peer.link.simulate("pilot_voltage", 1, None)
        assert await peer.link.simulate("ev_ignore_pwm", 1, "on") is None
        with pytest.raises(ValueError, match="HIGH,LOW"):
            await peer.link.simulate("pilot_voltage", 1, "twelve")
        with pytest.raises(ValueError, match="on or off"):
            await peer.link.simulate("ev_ignore_pwm", 1, "maybe")


async def test_a_welded_latch_is_kept_on_disk_and_cleared_only_by_the_operator_request(
    autojump_clock, tmp_path
):
    config = HardwareConfig()
    hardware = build_hardware(
        config, now=trio.current_time, wall_clock=lambda: datetime(2026, 1, 5, tzinfo=UTC)
    )
    from station.offload import InlineOffload

    service = ControlService(
        config, hardware, SETTINGS, latch_dir=tmp_path, offload=InlineOffload()
    )
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await service.wait_first_iterations()
            peer = Peer(service, nursery)
            await peer.start()
            await charge(service, peer)
            hardware.sim.evse(1).set_welded(True)
            hardware.sim.unplug(1)
            await wait_until(lambda: service.loops[1].snapshot.fault == "welded")
            await wait_until(lambda: (tmp_path / "latched-faults" / "evse-1.json").exists())
            assert "welded" in (tmp_path / "latched-faults" / "evse-1.json").read_text()
            hardware.sim.evse(1).set_welded(False)
            # A reset of the EVSE (what an OCPP Reset does) does not clear it ...
            peer.link.evses[1].reset()
            await trio.sleep(2)
            assert service.loops[1].snapshot.fault == "welded"
            # ... the operator's clear-fault, forwarded over the link, does.
            peer.link.evses[1].reset_latched_faults()
            await wait_until(lambda: service.loops[1].snapshot.fault is None)
            assert "welded" not in (tmp_path / "latched-faults" / "evse-1.json").read_text()
            nursery.cancel_scope.cancel()
    finally:
        service.close()


async def test_the_ev_and_its_soc_are_set_across_the_link(autojump_clock):
    # `station sim ev` and `station sim soc` under `station run`: forwarded to the
    # control process, whose readings then carry the state of charge.
    async with service_running() as (service, nursery):
        peer = Peer(service, nursery)
        await peer.start()
        answer = await peer.link.simulate("ev", 1, "capacity_kwh=60.0,soc=20.0,phases=1")
        assert answer == "60 kWh at 20.0 %, max 32 A, 1 phase"
        assert await peer.link.simulate("soc", 1, "55") is None
        await wait_until(
            lambda: (latest := peer.link.meters[1].latest) is not None and latest.sample.soc == 55.0
        )
        with pytest.raises(ValueError, match="soc must be between 0 and 100 %, got 150"):
            await peer.link.simulate("soc", 1, "150")
        with pytest.raises(ValueError, match="soc must be a number, got 'lots'"):
            await peer.link.simulate("soc", 1, "lots")
        with pytest.raises(ValueError, match="unknown setting 'colour'"):
            await peer.link.simulate("ev", 1, "colour=1")
        assert service.hardware.sim is not None
        assert service.hardware.sim.status()["evses"]["1"]["ev"]["soc"] == 55.0


def _service_with(settings: ControlSettings, **sim) -> ControlService:
    config = HardwareConfig.model_validate({"sim": sim} if sim else {})
    hardware = build_hardware(
        config, now=trio.current_time, wall_clock=lambda: datetime(2026, 1, 5, tzinfo=UTC)
    )
    return ControlService(config, hardware, settings)


async def test_a_sim_idle_wait_makes_the_simulator_wake_loops_and_poller(autojump_clock):
    """A fleet's simulated station: an idle loop sleeps until the simulator reports a
    change; a plug-in and a tap are seen at once, as without the wait."""
    from dataclasses import replace

    service = _service_with(replace(SETTINGS, sim_idle_wait=10.0))
    assert all(loop.idle_wait == 10.0 for loop in service.loops.values())
    assert service.cards.idle_interval == 10.0
    sim = service.hardware.sim
    assert sim is not None
    cards: list[str] = []

    async def on_card(uid: str) -> None:
        cards.append(uid)

    service.cards._on_card = on_card
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await service.wait_first_iterations()
            loop = service.loops[1]
            await loop.settled.wait()
            await trio.sleep(25.0)
            before = loop.iterations
            await trio.sleep(30.0)
            assert loop.iterations - before <= 4
            plugged_at = trio.current_time()
            sim.plug(1)
            while loop.snapshot.pilot_state != "B":
                await loop.wait_snapshot()
            assert trio.current_time() - plugged_at <= 2 * SETTINGS.period + 1e-9
            tapped_at = trio.current_time()
            sim.tap("04A1B2C3")
            await wait_until(lambda: cards == ["04A1B2C3"])
            assert trio.current_time() - tapped_at <= 0.01 + 1e-9
            nursery.cancel_scope.cancel()
    finally:
        service.close()


async def test_no_idle_wait_with_a_simulated_interlock_nor_without_the_setting():
    """A station with a simulated interlock keeps the real idle rate (its interlock model
    follows what a board sees); without the setting (every real station) the periods
    stay."""
    from dataclasses import replace

    interlocked = _service_with(replace(SETTINGS, sim_idle_wait=10.0), interlock_window=0.5)
    plain = _service_with(SETTINGS)
    for service in (interlocked, plain):
        try:
            assert all(loop.idle_wait is None for loop in service.loops.values())
            assert service.cards.idle_interval is None
        finally:
            service.close()


def test_a_report_goes_out_at_once_only_with_nothing_queued_before_it():
    """`_Peer.put`: the link's immediate send (the in-process stream) is used only while
    the outbox is empty, so a report never passes one queued before it."""
    from station.control.protocol import Heartbeat
    from station.control.service import _Peer

    sent: list[object] = []
    takes = [True]

    def send_now(message) -> bool:
        if takes[0]:
            sent.append(message)
        return takes[0]

    peer = _Peer(limit=10, send_now=send_now)
    peer.put(Heartbeat(1))
    assert sent == [Heartbeat(1)] and not peer.outbox and not peer.wake.is_set()
    takes[0] = False  # the buffer is full, or a send is under way
    peer.put(Heartbeat(2))
    takes[0] = True
    peer.put(Heartbeat(3))  # behind Heartbeat(2): queued, not sent at once
    assert sent == [Heartbeat(1)]
    assert list(peer.outbox) == [Heartbeat(2), Heartbeat(3)] and peer.wake.is_set()


def test_a_request_goes_out_at_once_only_with_nothing_waiting_before_it():
    """`ControlLink.request` on a synced link: sent at once where the link can, else
    queued (one entry per EVSE and kind, the newest value), never passing one queued."""
    from station.control.protocol import AllowCharging, SetOperative

    async def on_card(uid: str) -> None:
        pass

    link = ControlLink(
        [1, 2], on_snapshot=lambda s: None, on_reading=lambda e, r: None, on_card=on_card
    )
    sent: list[object] = []
    takes = [True]

    class Channel:
        def send_now(self, message) -> bool:
            if takes[0]:
                sent.append(message)
            return takes[0]

    link.request(AllowCharging(1, True))  # not synced: waits for the link
    assert sent == [] and list(link._unsent.values()) == [AllowCharging(1, True)]
    link._unsent.clear()
    link._channel = Channel()  # type: ignore[assignment]
    link.request(AllowCharging(1, False))
    assert sent == [AllowCharging(1, False)] and not link._unsent
    takes[0] = False
    link.request(SetOperative(2, False))
    takes[0] = True
    link.request(AllowCharging(2, True))  # behind SetOperative(2): queued
    assert sent == [AllowCharging(1, False)]
    assert list(link._unsent.values()) == [SetOperative(2, False), AllowCharging(2, True)]
    # Remembered either way: sent again after a reconnect.
    assert link._desired[("allow_charging", 1)] == AllowCharging(1, False)
