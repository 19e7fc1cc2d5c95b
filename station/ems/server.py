"""A Modbus TCP server (slave) on trio, with pymodbus's frame and PDU codecs.

pymodbus's own server runs on asyncio, and the station runs on trio. Rather than a
second event loop in a thread with a bridge back into trio (two schedulers, two
cancellation models, and its server's datastore API in the middle of a rework), the
station serves the TCP side itself and borrows from pymodbus what is worth borrowing:
the MBAP framer (`FramerSocket`) and the request and response PDU classes. The server is
then an ordinary trio task: cancelled with its nursery, on any trio stream (a TCP
socket, or a memory stream in a test on `trio.testing.MockClock`), never blocking.

What it answers, per the Modbus Application Protocol (V1.1b3) and Messaging on TCP/IP
(V1.0b) specifications:

* functions 03, 04 (read), 06, 16 (write); any other function: exception 01;
* a quantity out of range or a malformed PDU: exception 03; what the register map
  refuses, its own code (02 address, 03 value); a failure while carrying a write out:
  04;
* a unit identifier other than the configured one: exception 0B (no device answers at
  that address behind this "gateway");
* an MBAP header with a protocol id other than 0, or a length no Modbus PDU has: the
  connection is closed (the stream cannot be resynchronised).

One request at a time per connection, in order; at most ``max_connections`` clients (a
new one closes the oldest: a peer that vanished without closing must not lock its
restarted self out).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import trio
from pymodbus.constants import ExcCodes
from pymodbus.framer import FramerSocket
from pymodbus.pdu import DecodePDU, ExceptionResponse, ModbusPDU
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersResponse,
    ReadInputRegistersResponse,
    WriteMultipleRegistersResponse,
    WriteSingleRegisterResponse,
)

from station.ems.registers import ModbusRefusal

log = logging.getLogger(__name__)

READ_HOLDING, READ_INPUT, WRITE_SINGLE, WRITE_MULTIPLE = 3, 4, 6, 16
SUPPORTED = (READ_HOLDING, READ_INPUT, WRITE_SINGLE, WRITE_MULTIPLE)
#: MBAP header: transaction id, protocol id, length (unit id + PDU), unit id.
HEADER = 7
#: The longest PDU (function code + 252 bytes) plus the unit id.
MAX_LENGTH = 254
#: Registers a read may ask for, and a write (function 16) may carry.
MAX_READ, MAX_WRITE = 125, 123


@dataclass(frozen=True, slots=True)
class Request:
    """A decoded request: ``values`` for writes, ``count`` for reads."""

    function: int
    address: int
    count: int
    values: tuple[int, ...] = ()


#: Carries out a request; returns the registers read (or written), or raises
#: `ModbusRefusal`.
Handler = Callable[[Request], Awaitable[list[int]]]


class ModbusTcpServer:
    """Serves one unit id with ``handler``."""

    def __init__(self, handler: Handler, *, unit_id: int, max_connections: int = 4) -> None:
        self._handler = handler
        self.unit_id = unit_id
        self.max_connections = max_connections
        self._framer = FramerSocket(DecodePDU(is_server=True))
        self._open: list[trio.CancelScope] = []
        #: The last refusal logged at info level: an EMS that polls a wrong register every
        #: second repeats it, and the journal needs it once (then at debug level).
        self._last_refusal: tuple[int, int, str] | None = None

    async def serve_tcp(
        self,
        host: str,
        port: int,
        *,
        task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on ``host``:``port`` until cancelled (``task_status`` gets the
        listeners, whose sockets tell the port when ``port`` is 0)."""
        await trio.serve_tcp(self.serve_stream, port, host=host, task_status=task_status)

    async def serve_stream(self, stream: trio.abc.Stream) -> None:
        """Serve one client connection until it closes, breaks the framing, or a newer
        connection takes its place."""
        with trio.CancelScope() as scope:
            self._open.append(scope)
            if len(self._open) > self.max_connections:
                log.warning("event=modbus_connection_replaced limit=%d", self.max_connections)
                self._open.pop(0).cancel()
            try:
                await self._serve(stream)
            except trio.BrokenResourceError:
                pass
            finally:
                self._open.remove(scope)
                with trio.CancelScope(shield=True):
                    await stream.aclose()

    async def _serve(self, stream: trio.abc.Stream) -> None:
        buffer = bytearray()
        while True:
            while len(buffer) < HEADER or len(buffer) < HEADER - 1 + _length(buffer):
                if len(buffer) >= HEADER and not _header_ok(buffer):
                    log.warning("event=modbus_bad_frame header=%s", bytes(buffer[:HEADER]).hex())
                    return
                data = await stream.receive_some(4096)
                if not data:
                    return
                buffer += data
            if not _header_ok(buffer):
                log.warning("event=modbus_bad_frame header=%s", bytes(buffer[:HEADER]).hex())
                return
            # Exactly one frame: the framer takes a byte too many from a 2-byte frame
            # with one more byte behind it.
            size = HEADER - 1 + _length(buffer)
            _, unit, tid, pdu = self._framer.decode(bytes(buffer[:size]))
            del buffer[:size]
            response = await self._respond(unit, pdu)
            if isinstance(response, _Refusal):
                self._log_refusal(response)
            response.dev_id, response.transaction_id = unit, tid
            await stream.send_all(self._framer.buildFrame(response))

    def _log_refusal(self, response: _Refusal) -> None:
        refusal = (response.function_code & 0x7F, response.exception_code, response.why)
        level = logging.DEBUG if refusal == self._last_refusal else logging.INFO
        self._last_refusal = refusal
        log.log(level, "event=modbus_refused function=%d code=%d reason=%r", *refusal)

    async def _respond(self, unit: int, pdu: bytes) -> ModbusPDU:
        function = pdu[0]
        if function not in SUPPORTED:
            return _refused(function, ExcCodes.ILLEGAL_FUNCTION, f"function {function}")
        if unit != self.unit_id:
            return _refused(
                function, ExcCodes.GATEWAY_NO_RESPONSE, f"unit {unit}, this is {self.unit_id}"
            )
        request = _decode(pdu)
        if request is None:
            return _refused(function, ExcCodes.ILLEGAL_VALUE, f"malformed request {pdu.hex()}")
        try:
            registers = await self._handler(request)
        except ModbusRefusal as refusal:
            return _refused(function, refusal.code, str(refusal))
        if function == READ_HOLDING:
            return ReadHoldingRegistersResponse(registers=registers)
        if function == READ_INPUT:
            return ReadInputRegistersResponse(registers=registers)
        if function == WRITE_SINGLE:
            return WriteSingleRegisterResponse(address=request.address, registers=registers)
        return WriteMultipleRegistersResponse(address=request.address, count=request.count)


def _length(buffer: bytearray) -> int:
    return int.from_bytes(buffer[4:6], "big") if len(buffer) >= 6 else 0


def _header_ok(buffer: bytearray) -> bool:
    """Messaging on TCP/IP 3.1.3: protocol id 0; the length covers the unit id, a
    function code and at most 252 bytes of data."""
    return buffer[2:4] == b"\x00\x00" and 2 <= _length(buffer) <= MAX_LENGTH


def _decode(pdu: bytes) -> Request | None:
    """The request in ``pdu`` (a supported function), or None when it is malformed or
    asks for a quantity out of range (Application Protocol 6.3, 6.4, 6.6, 6.12)."""
    message = DecodePDU(is_server=True).decode(pdu)
    if message is None:
        return None
    function = message.function_code
    if function in (READ_HOLDING, READ_INPUT):
        if len(pdu) != 5 or not 1 <= message.count <= MAX_READ:
            return None
        return Request(function, message.address, message.count)
    if function == WRITE_SINGLE:
        if len(pdu) != 5:
            return None
        return Request(function, message.address, 1, tuple(message.registers))
    count, registers = message.count, tuple(message.registers)
    if not 1 <= count <= MAX_WRITE or pdu[5] != 2 * count or len(pdu) != 6 + 2 * count:
        return None
    if len(registers) != count:
        return None
    return Request(function, message.address, count, registers)


class _Refusal(ExceptionResponse):
    """An exception response that keeps why it was given (for the log; Modbus has no
    field for it)."""

    def __init__(self, function: int, code: ExcCodes, why: str) -> None:
        super().__init__(function, code)
        self.why = why


def _refused(function: int, code: ExcCodes, why: str) -> _Refusal:
    return _Refusal(function, code, why)
