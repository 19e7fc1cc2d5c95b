"""A byte stream between the two sides of the station when they share one process.

`station run --single-process`, the demo, the simulator and the tests run the control
service and the OCPP side in one trio loop; the control protocol then travels over this
pair of connected streams instead of the Unix socket (docs/architecture.md, "In one
process"). It behaves like the socket where the protocol can tell: bytes arrive in order,
a closed end reads as end-of-file on the other, and sending to a closed peer raises
`trio.BrokenResourceError`. Unlike `trio.testing.memory_stream_pair` (a testing tool that
adds checkpoints on purpose to catch misuse, and imports pytest where it is installed)
each operation is one checkpoint, so a message costs the sender one scheduling round and
wakes the receiver once; a send's round comes after its write, so the receiver runs in the
same round as the sender's next step.

Like a socket, an end buffers a bounded amount: a send that leaves more than `CAPACITY`
unread bytes returns only once the reader has taken them below it (the sender then backs
up as it would behind a full socket buffer, and the control side's outbox limit drops a
peer that does not read). `InProcessStream.send_nowait` writes without a scheduling round
when the buffer has room: a control loop's report then reaches the reader without waking
a sender task first.
"""

from __future__ import annotations

import operator

import trio

#: Unread bytes an end holds before its sender waits (a Unix socket's default buffer is
#: about 200 KiB): room for a full outbox of reports.
CAPACITY = 256 * 1024


class _Direction:
    """The bytes on their way from one end to the other."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.eof = False  # the sending end closed
        self.reader_gone = False  # the receiving end closed
        self.arrived = trio.lowlevel.ParkingLot()
        #: Senders waiting for the reader to take the buffer below `CAPACITY`.
        self.drained = trio.lowlevel.ParkingLot()

    def wake(self) -> None:
        self.arrived.unpark_all()


class InProcessStream(trio.abc.Stream):
    """One end of a `stream_pair`."""

    def __init__(self, outgoing: _Direction, incoming: _Direction) -> None:
        self._outgoing = outgoing
        self._incoming = incoming
        self._closed = False
        self._receiving = False

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        """Queue ``data`` for the other end; return once fewer than `CAPACITY` bytes are
        unread (at once, unless the reader is behind)."""
        if self._closed:
            raise trio.ClosedResourceError("this end of the stream is closed")
        # A checkpoint split as trio's own socket operations split it: a cancellation is
        # seen before the write (nothing sent), the scheduling round comes after it, so
        # the reader woken by the write runs in the same round as the sender's next step.
        await trio.lowlevel.checkpoint_if_cancelled()
        outgoing = self._outgoing
        if outgoing.reader_gone:
            await trio.lowlevel.cancel_shielded_checkpoint()
            raise trio.BrokenResourceError("the other end of the stream is closed")
        if data:
            outgoing.data += data
            outgoing.wake()
        if len(outgoing.data) < CAPACITY:
            await trio.lowlevel.cancel_shielded_checkpoint()
            return
        # Behind a full buffer, as a socket's sender is. Cancelled here, the data is
        # written all the same (a cancelled send_all leaves the stream as it may).
        while len(outgoing.data) >= CAPACITY:
            await outgoing.drained.park()
            if self._closed:
                raise trio.ClosedResourceError("this end of the stream was closed")
            if outgoing.reader_gone:
                raise trio.BrokenResourceError("the other end of the stream was closed")

    def send_nowait(self, data: bytes) -> bool:
        """Queue ``data`` at once if this end is open and the buffer has room; False
        (nothing written) otherwise: then `send_all` sends it, or says why it cannot."""
        outgoing = self._outgoing
        if self._closed or outgoing.reader_gone or len(outgoing.data) >= CAPACITY:
            return False
        outgoing.data += data
        outgoing.wake()
        return True

    async def wait_send_all_might_not_block(self) -> None:
        """Wait until the buffer has room (at once, unless the reader is behind)."""
        if self._closed:
            raise trio.ClosedResourceError("this end of the stream is closed")
        outgoing = self._outgoing
        if len(outgoing.data) < CAPACITY or outgoing.reader_gone:
            await trio.lowlevel.checkpoint()
            return
        while len(outgoing.data) >= CAPACITY and not outgoing.reader_gone:
            await outgoing.drained.park()
            if self._closed:
                raise trio.ClosedResourceError("this end of the stream was closed")

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        """Up to ``max_bytes`` (all that arrived when None), waiting for some; b"" once
        the other end closed and everything it sent was read."""
        if max_bytes is not None:
            max_bytes = operator.index(max_bytes)  # TypeError for anything but an int
            if max_bytes < 1:
                raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
        if self._closed:
            raise trio.ClosedResourceError("this end of the stream is closed")
        if self._receiving:
            raise trio.BusyResourceError("another task is already receiving on this stream")
        incoming = self._incoming
        self._receiving = True
        try:
            if incoming.data or incoming.eof:
                await trio.lowlevel.checkpoint()
            while not incoming.data and not incoming.eof:
                await incoming.arrived.park()
                if self._closed:
                    raise trio.ClosedResourceError("this end of the stream was closed")
        finally:
            self._receiving = False
        size = len(incoming.data) if max_bytes is None else min(max_bytes, len(incoming.data))
        chunk = bytes(incoming.data[:size])
        del incoming.data[:size]
        if len(incoming.data) < CAPACITY:
            incoming.drained.unpark_all()
        return chunk

    async def aclose(self) -> None:
        """Close this end: the other end reads end-of-file, and its sends fail."""
        self.close()
        await trio.lowlevel.checkpoint()

    def close(self) -> None:
        """Close this end at once (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._outgoing.eof = True
        self._outgoing.wake()
        self._outgoing.drained.unpark_all()  # a send waiting on this end ends
        self._incoming.reader_gone = True
        self._incoming.data.clear()
        self._incoming.wake()  # a receive waiting on this end ends (ClosedResourceError)
        self._incoming.drained.unpark_all()  # a send waiting on this end returns


def stream_pair() -> tuple[InProcessStream, InProcessStream]:
    """Two connected ends: what one sends, the other receives."""
    left_to_right, right_to_left = _Direction(), _Direction()
    return (
        InProcessStream(left_to_right, right_to_left),
        InProcessStream(right_to_left, left_to_right),
    )
