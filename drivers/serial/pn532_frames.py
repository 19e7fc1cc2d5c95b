"""PN532 host-interface frames, without I/O: encode commands, decode what the chip sends.

Normal information frame (PN532 User Manual §6.2.1)::

    00 | 00 FF | LEN | LCS | TFI | PD0 ... PDn | DCS | 00
    preamble, start code, length (TFI + data), length checksum (LEN + LCS = 0 mod 256),
    frame identifier (D4 host -> PN532, D5 PN532 -> host), data, data checksum
    (TFI + PD0 + ... + PDn + DCS = 0 mod 256), postamble.

Special frames: ACK ``00 00 FF 00 FF 00``, NACK ``00 00 FF FF 00 00``, application error
``00 00 FF 01 FF 7F 81 00``, and the extended frame ``00 00 FF FF FF LENM LENL LCS ...``
for more than 255 bytes. The PN532 answers a command with an ACK, then with a response
whose command code is the request's plus one.
"""

from __future__ import annotations

from dataclasses import dataclass

TFI_HOST = 0xD4
TFI_PN532 = 0xD5

ACK = bytes.fromhex("0000FF00FF00")
NACK = bytes.fromhex("0000FFFF0000")
#: HSU wake-up: the PN532 starts in low-VBAT mode and needs a long preamble before the
#: first command (a SAMConfiguration) after power-up (PN532 application note C106).
WAKE_UP = b"\x55\x55" + bytes(14)

GET_FIRMWARE_VERSION = 0x02
SAM_CONFIGURATION = 0x14
RF_CONFIGURATION = 0x32
IN_LIST_PASSIVE_TARGET = 0x4A


class FrameError(Exception):
    """Bytes from the PN532 that cannot be a frame (bad checksum, impossible length)."""


@dataclass(frozen=True, slots=True)
class Ack:
    """The PN532 accepted the command."""


@dataclass(frozen=True, slots=True)
class Nack:
    """The PN532 asks for the last frame again."""


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """The PN532 found a syntax error in the command (application-level error frame)."""


@dataclass(frozen=True, slots=True)
class Response:
    """A PN532-to-host information frame: ``code`` (request + 1) and its data."""

    code: int
    data: bytes


Frame = Ack | Nack | ErrorFrame | Response


def encode_command(code: int, params: bytes = b"") -> bytes:
    """The host-to-PN532 normal information frame for command ``code``."""
    body = bytes([TFI_HOST, code]) + params
    if len(body) > 0xFF:
        raise ValueError(f"command 0x{code:02X} is too long for a normal frame ({len(body)} bytes)")
    length = len(body)
    return (
        bytes([0x00, 0x00, 0xFF, length, -length & 0xFF]) + body + bytes([-sum(body) & 0xFF, 0x00])
    )


class FrameDecoder:
    """Split the byte stream from the PN532 into frames.

    Zero bytes between frames (pre- and postambles) are skipped silently; other bytes
    before a start code are counted in `garbage`, so a caller that times out can tell a
    silent reader from one that talks nonsense.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.garbage = 0

    def feed(self, data: bytes) -> None:
        """Append bytes received from the PN532."""
        self._buffer += data

    def _discard(self, count: int) -> None:
        self.garbage += sum(1 for byte in self._buffer[:count] if byte != 0x00)
        del self._buffer[:count]

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None until more bytes arrive.

        Raises `FrameError` for a frame whose length or data checksum is wrong; the
        offending start code is consumed.
        """
        buffer = self._buffer
        start = buffer.find(b"\x00\xff")
        if start < 0:
            self._discard(max(0, len(buffer) - 1))  # the last byte may begin a start code
            return None
        self._discard(start)
        if len(buffer) < 4:
            return None
        length, length_check = buffer[2], buffer[3]
        if (length, length_check) == (0x00, 0xFF):
            del buffer[:4]
            return Ack()
        if (length, length_check) == (0xFF, 0x00):
            del buffer[:4]
            return Nack()
        header = 4
        if (length, length_check) == (0xFF, 0xFF):
            if len(buffer) < 7:
                return None
            length = buffer[4] << 8 | buffer[5]
            if (buffer[4] + buffer[5] + buffer[6]) & 0xFF:
                del buffer[:2]
                raise FrameError(f"extended length checksum wrong in {bytes(buffer[:7]).hex(' ')}")
            header = 7
        elif (length + length_check) & 0xFF:
            del buffer[:2]
            raise FrameError(f"length checksum wrong: LEN 0x{length:02X}, LCS 0x{length_check:02X}")
        if len(buffer) < header + length + 1:
            return None
        body = bytes(buffer[header : header + length])
        checksum = buffer[header + length]
        del buffer[: header + length + 1]
        if (sum(body) + checksum) & 0xFF:
            raise FrameError(f"data checksum wrong in frame {body.hex(' ')} DCS 0x{checksum:02X}")
        if body == b"\x7f":
            return ErrorFrame()
        if len(body) < 2 or body[0] != TFI_PN532:
            raise FrameError(f"not a PN532-to-host frame: {body.hex(' ')}")
        return Response(code=body[1], data=body[2:])
