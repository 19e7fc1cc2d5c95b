"""The control protocol over a trio stream: a Unix socket in production, an in-process
stream (`station.control.inprocess`) when both sides run in one process (simulator,
demo, tests).

`ControlChannel` is the thin shell around the sans-IO `ProtocolConnection`: it writes
the frames `send` produces and reads until `next_event` has a message. A protocol
violation raises `ProtocolError` (the caller logs it and drops the link); a stream that
ends or breaks raises `ChannelClosed`.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from station.control.protocol import (
    VERSION,
    ConnectionClosed,
    Hello,
    Message,
    ProtocolConnection,
    ProtocolError,
    Role,
)

#: How long a peer has to say hello.
HANDSHAKE_TIMEOUT = 5.0


class ChannelClosed(Exception):
    """The stream to the peer ended or broke."""


class ControlChannel:
    """A handshaken control-protocol link over one trio stream."""

    def __init__(self, stream: trio.abc.Stream, connection: ProtocolConnection) -> None:
        self._stream = stream
        self._connection = connection
        self._send_lock = trio.Lock()
        #: A write without waiting, where the stream has one (the in-process stream).
        self._write_now: Callable[[bytes], bool] | None = getattr(stream, "send_nowait", None)

    @property
    def peer(self) -> Hello:
        """The peer's hello (its version, role and, from the control side, its EVSEs)."""
        assert self._connection.peer_hello is not None
        return self._connection.peer_hello

    @classmethod
    async def open(
        cls,
        stream: trio.abc.Stream,
        role: Role,
        *,
        evses: tuple[int, ...] = (),
        timeout: float = HANDSHAKE_TIMEOUT,
    ) -> ControlChannel:
        """Say hello and wait for the peer's; `ProtocolError` if it is not a matching one
        in time (the stream is closed then)."""
        channel = cls(stream, ProtocolConnection(role))
        try:
            await channel.send(Hello(version=VERSION, role=role.value, evses=evses))
            with trio.move_on_after(timeout):
                await channel.receive()
                return channel
            raise ProtocolError(f"no hello from the peer within {timeout:g} s")
        except BaseException:
            await channel.aclose()
            raise

    async def send(self, message: Message) -> None:
        """Send one message (`ChannelClosed` if the stream is gone)."""
        if self._connection.closed:
            raise ChannelClosed("the link is closed")
        await self._write(self._connection.send(message))

    async def send_many(self, messages: list[Message]) -> None:
        """Send several messages in one write (`ChannelClosed` if the stream is gone): a
        burst of reports costs one system call, not one per message."""
        if self._connection.closed:
            raise ChannelClosed("the link is closed")
        await self._write(b"".join([self._connection.send(message) for message in messages]))

    def send_now(self, message: Message) -> bool:
        """Send ``message`` without waiting if the stream can (the in-process stream, with
        room in its buffer) and no send is under way, so that it cannot pass an earlier
        one; False when nothing was sent: then `send` sends it (or raises why not)."""
        write = self._write_now
        if write is None or self._send_lock.locked() or self._connection.closed:
            return False
        try:
            data = self._connection.send(message)
        except ProtocolError:
            return False  # `send` raises it where the link's errors are handled
        return write(data)

    async def _write(self, data: bytes) -> None:
        # One frame group at a time on the stream. A free lock is taken without a
        # scheduling round of its own (`trio.Lock.acquire` is a checkpoint even then):
        # `send_all` is the write's checkpoint, so a message costs its sender one round,
        # not two.
        lock = self._send_lock
        try:
            lock.acquire_nowait()
        except trio.WouldBlock:
            await lock.acquire()
        try:
            await self._stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise ChannelClosed(f"cannot send: {exc!r}") from None
        finally:
            lock.release()

    def receive_nowait(self) -> Message | None:
        """The next message if its bytes are here already, else None; no waiting."""
        connection = self._connection
        if connection.closed:
            raise ChannelClosed("the link is closed")
        event = connection.next_event()
        if isinstance(event, ConnectionClosed):
            raise ChannelClosed("the peer closed the link")
        return event

    async def receive_within(self, timeout: float) -> Message | None:
        """The next message, or None if none came within ``timeout`` seconds. One that is
        here already (the rest of a burst) is taken without setting up the timer."""
        message = self.receive_nowait()
        if message is None:
            with trio.move_on_after(timeout):
                message = await self.receive()
        return message

    async def receive(self) -> Message:
        """The next message from the peer."""
        while True:
            event = self.receive_nowait()
            if event is not None:
                return event
            try:
                data = await self._stream.receive_some(65536)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
                raise ChannelClosed(f"cannot receive: {exc!r}") from None
            self._connection.receive_data(data)

    async def aclose(self) -> None:
        """Close the stream (idempotent)."""
        with trio.CancelScope(shield=True):
            await trio.aclose_forcefully(self._stream)
