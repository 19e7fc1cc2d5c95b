"""The in-process byte stream that carries the control protocol when both sides of the
station share one process (`station.control.inprocess`)."""

from __future__ import annotations

import math

import pytest
import trio
import trio.testing

from station.control.channel import ChannelClosed, ControlChannel
from station.control.inprocess import CAPACITY, stream_pair
from station.control.protocol import Health, Heartbeat, ProtocolError, Role


async def test_it_passes_trios_conformance_checks_for_a_two_way_stream():
    async def make():
        return stream_pair()

    await trio.testing.check_two_way_stream(make, None)


async def test_bytes_arrive_in_order_and_max_bytes_is_honoured():
    left, right = stream_pair()
    await left.send_all(b"abc")
    await left.send_all(b"def")
    assert await right.receive_some(4) == b"abcd"
    assert await right.receive_some() == b"ef"


async def test_a_closed_end_reads_as_end_of_file_after_what_it_sent():
    left, right = stream_pair()
    await left.send_all(b"last words")
    await left.aclose()
    assert await right.receive_some() == b"last words"
    assert await right.receive_some() == b""


async def test_sending_to_a_closed_end_is_a_broken_resource_and_a_closed_end_refuses_use():
    left, right = stream_pair()
    await right.aclose()
    with pytest.raises(trio.BrokenResourceError):
        await left.send_all(b"x")
    with pytest.raises(trio.ClosedResourceError):
        await right.receive_some()
    with pytest.raises(trio.ClosedResourceError):
        await right.send_all(b"x")


async def test_a_waiting_receive_ends_when_its_own_end_is_closed():
    left, _right = stream_pair()
    async with trio.open_nursery() as nursery:
        failures: list[BaseException] = []

        async def receive() -> None:
            try:
                await left.receive_some()
            except trio.ClosedResourceError as exc:
                failures.append(exc)

        nursery.start_soon(receive)
        await trio.testing.wait_all_tasks_blocked()
        left.close()
    assert len(failures) == 1


async def test_two_receives_at_once_are_refused():
    left, _right = stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(left.receive_some)
        await trio.testing.wait_all_tasks_blocked()
        with pytest.raises(trio.BusyResourceError):
            await left.receive_some()
        nursery.cancel_scope.cancel()


async def _handshaken(
    ocpp_end: trio.abc.Stream, control_end: trio.abc.Stream
) -> tuple[ControlChannel, ControlChannel]:
    """The OCPP side's and the control side's channels over two ends, after the hellos."""
    opened: list[ControlChannel] = []

    async def control_side() -> None:
        opened.append(await ControlChannel.open(control_end, Role.CONTROL, evses=(1,)))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(control_side)
        ocpp = await ControlChannel.open(ocpp_end, Role.OCPP)
    return ocpp, opened[0]


async def test_a_burst_of_messages_goes_in_one_write_and_arrives_in_order():
    ocpp, control = await _handshaken(*stream_pair())
    await control.send_many([Heartbeat(1), Heartbeat(2), Heartbeat(3)])
    assert [await ocpp.receive() for _ in range(3)] == [Heartbeat(1), Heartbeat(2), Heartbeat(3)]


class _Trickle(trio.abc.Stream):
    """A stream end that writes a byte at a time, with a checkpoint between bytes (a
    socket that takes a large write in pieces), onto another stream."""

    def __init__(self, inner: trio.abc.Stream) -> None:
        self._inner = inner
        self.writes = 0

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        self.writes += 1
        for byte in bytes(data):
            await self._inner.send_all(bytes([byte]))

    async def wait_send_all_might_not_block(self) -> None:
        await self._inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        return await self._inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def test_messages_sent_at_once_by_several_tasks_never_interleave_on_the_stream():
    ocpp_end, control_end = stream_pair()
    trickle = _Trickle(control_end)
    ocpp, control = await _handshaken(ocpp_end, trickle)
    async with trio.open_nursery() as nursery:
        for seq in range(1, 6):
            nursery.start_soon(control.send, Heartbeat(seq))
        nursery.start_soon(control.send_many, [Heartbeat(6), Heartbeat(7)])
    received = {await ocpp.receive() for _ in range(7)}
    assert received == {Heartbeat(seq) for seq in range(1, 8)}
    assert trickle.writes == 1 + 6  # the hello, then one write per send


async def test_receive_nowait_takes_what_arrived_and_never_waits():
    ocpp, control = await _handshaken(*stream_pair())
    assert ocpp.receive_nowait() is None  # nothing sent yet
    await control.send_many([Heartbeat(1), Heartbeat(2)])
    assert await ocpp.receive() == Heartbeat(1)  # reads the burst's bytes
    assert ocpp.receive_nowait() == Heartbeat(2)  # the rest is here already
    assert ocpp.receive_nowait() is None
    await control.aclose()
    with pytest.raises(ChannelClosed):
        await ocpp.receive()  # reads the end of the stream
    with pytest.raises(ChannelClosed):
        ocpp.receive_nowait()


async def test_receive_within_gives_none_when_nothing_comes_in_time(autojump_clock):
    ocpp, control = await _handshaken(*stream_pair())
    started = trio.current_time()
    assert await ocpp.receive_within(5.0) is None
    assert trio.current_time() - started == pytest.approx(5.0)
    await control.send_many([Heartbeat(1), Heartbeat(2)])
    assert await ocpp.receive_within(5.0) == Heartbeat(1)
    assert await ocpp.receive_within(0.0) == Heartbeat(2)  # here already: no timer at all


async def test_a_send_is_a_checkpoint_and_a_cancelled_one_sends_nothing():
    left, right = stream_pair()
    with trio.testing.assert_checkpoints():
        await left.send_all(b"first")
    with trio.CancelScope() as scope:
        scope.cancel()
        with pytest.raises(trio.Cancelled):
            await left.send_all(b"never")
    await left.aclose()
    assert await right.receive_some() == b"first"
    assert await right.receive_some() == b""


async def test_send_nowait_writes_at_once_where_there_is_room_and_refuses_otherwise():
    left, right = stream_pair()
    with trio.testing.assert_no_checkpoints():
        assert left.send_nowait(b"now")
    assert await right.receive_some() == b"now"
    # A full buffer (a reader that is behind): nothing written, the caller sends later.
    assert left.send_nowait(b"x" * CAPACITY)
    assert not left.send_nowait(b"more")
    assert len(await right.receive_some()) == CAPACITY
    assert left.send_nowait(b"more")
    assert await right.receive_some() == b"more"
    await right.aclose()
    assert not left.send_nowait(b"to nobody")  # send_all says why: BrokenResourceError
    await left.aclose()
    assert not left.send_nowait(b"closed")


async def test_a_sender_waits_behind_a_full_buffer_until_the_reader_catches_up():
    left, right = stream_pair()
    returned = trio.Event()

    async def send() -> None:
        await left.send_all(b"x" * (CAPACITY + 10))  # written whole, then it waits
        returned.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(send)
        await trio.testing.wait_all_tasks_blocked()
        assert not returned.is_set()
        assert len(await right.receive_some(10)) == 10  # still CAPACITY unread: full
        await trio.testing.wait_all_tasks_blocked()
        assert not returned.is_set()
        await right.receive_some(1)
        await returned.wait()
        await left.wait_send_all_might_not_block()  # room: at once
    assert len(await right.receive_some()) == CAPACITY - 1


async def test_a_sender_waiting_behind_a_full_buffer_ends_when_either_end_closes():
    for closing, error in (
        ("reader", trio.BrokenResourceError),
        ("sender", trio.ClosedResourceError),
    ):
        left, right = stream_pair()
        raised: list[BaseException] = []

        async def send(left=left, raised=raised) -> None:
            try:
                await left.send_all(b"x" * CAPACITY)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                raised.append(exc)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send)
            await trio.testing.wait_all_tasks_blocked()
            assert raised == []
            if closing == "reader":
                await right.aclose()  # as a socket whose peer closed: a broken pipe
            else:
                left.close()
        assert [type(e) for e in raised] == [error], closing


async def test_send_now_sends_at_once_only_when_it_cannot_pass_an_earlier_send():
    ocpp_end, control_end = stream_pair()
    trickle = _Trickle(control_end)
    _ocpp, control = await _handshaken(ocpp_end, trickle)
    ocpp2, direct = await _handshaken(*stream_pair())
    # The in-process stream takes it at once, without a checkpoint.
    with trio.testing.assert_no_checkpoints():
        assert direct.send_now(Heartbeat(1))
    assert await ocpp2.receive() == Heartbeat(1)
    # A message the protocol refuses is not sent; `send` raises why.
    assert not direct.send_now(Health(1, True, 1, 0, math.nan, 0.0, 0.0))
    with pytest.raises(ProtocolError):
        await direct.send(Health(1, True, 1, 0, math.nan, 0.0, 0.0))
    # A stream without a write that cannot wait (a socket, here a trickling one).
    assert not control.send_now(Heartbeat(2))
    # While a send is under way, a message sent at once would pass it: refused.
    ocpp3, sender = await _handshaken(*stream_pair())
    async with trio.open_nursery() as nursery:
        sender._send_lock.acquire_nowait()  # a send holds the stream
        assert not sender.send_now(Heartbeat(3))
        sender._send_lock.release()
        assert sender.send_now(Heartbeat(4))
        nursery.cancel_scope.cancel()
    assert await ocpp3.receive() == Heartbeat(4)
