"""A PN532 in HSU mode on the far side of a pseudo-terminal, answering byte-exact frames.

Written from the PN532 user manual, independently of the driver's frame code. It stays
silent until it has seen the 0x55 wake-up preamble, ACKs each command, then answers.
"""

from __future__ import annotations

import os
import select
import threading
import tty

ACK = bytes.fromhex("0000FF00FF00")
NACK = bytes.fromhex("0000FFFF0000")
ERROR_FRAME = bytes.fromhex("0000FF01FF7F8100")


def pn532_frame(body: bytes, *, break_dcs: bool = False, break_lcs: bool = False) -> bytes:
    """A PN532-to-host frame around ``body`` (which starts with TFI 0xD5)."""
    length = len(body)
    lcs = (0x100 - length) % 0x100
    dcs = (0x100 - sum(body) % 0x100) % 0x100
    if break_lcs:
        lcs ^= 0x01
    if break_dcs:
        dcs ^= 0x01
    return bytes([0x00, 0x00, 0xFF, length, lcs]) + body + bytes([dcs, 0x00])


class FakePn532:
    """Answers GetFirmwareVersion, SAMConfiguration, RFConfiguration, InListPassiveTarget.

    ``card`` is the UID in the field (bytes) or None. ``fault`` makes the chip
    misbehave for command ``fault_command`` (or every command when that is None):
    ``silent``, ``no_answer`` (ACK only), ``bad_dcs``, ``bad_lcs``, ``garbage``,
    ``error_frame``, ``nack``.
    """

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.card: bytes | None = None
        self.firmware = bytes([0x32, 0x01, 0x06, 0x07])
        self.fault: str | None = None
        self.fault_command: int | None = None
        self.commands: list[bytes] = []  # host frame bodies (D4, code, params...)
        self.aborts = 0
        self.wake_ups = 0
        self.max_retries: int | None = None
        self._awake = False
        self._buffer = bytearray()
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """Close the master side: the port vanishes under the driver."""
        self.stop()

    def stop(self) -> None:
        if self._thread.is_alive():
            os.write(self._stop_w, b"x")
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave, self._stop_r, self._stop_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def codes(self) -> list[int]:
        """Command codes received, in order."""
        return [body[1] for body in self.commands]

    # -- the chip ---------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                data = os.read(self._master, 1024)
            except OSError:
                return
            if 0x55 in data:
                self._awake = True
                self.wake_ups += 1
            self._buffer += data
            self._drain()

    def _drain(self) -> None:
        while True:
            start = self._buffer.find(b"\x00\xff")
            if start < 0 or len(self._buffer) < start + 4:
                return
            length, lcs = self._buffer[start + 2], self._buffer[start + 3]
            if (length, lcs) == (0x00, 0xFF):  # host ACK: abort the running command
                del self._buffer[: start + 4]
                self.aborts += 1
                continue
            end = start + 4 + length + 1
            if len(self._buffer) < end:
                return
            body = bytes(self._buffer[start + 4 : start + 4 + length])
            checksum_ok = (sum(body) + self._buffer[end - 1]) % 0x100 == 0
            del self._buffer[:end]
            if (length + lcs) % 0x100 or not checksum_ok or body[:1] != b"\xd4":
                self._send(NACK)
                continue
            if not self._awake:
                continue  # still in low-VBAT mode: deaf without the wake-up preamble
            self.commands.append(body)
            self._answer(body[1], body[2:])

    def _answer(self, code: int, params: bytes) -> None:
        fault = self.fault if self.fault_command in (None, code) else None
        if fault == "silent":
            return
        if fault == "garbage":
            self._send(bytes.fromhex("13 37 DE AD BE EF 42"))
            return
        if fault == "nack":
            self._send(NACK)
            return
        self._send(ACK)
        if fault == "no_answer":
            return
        if fault == "error_frame":
            self._send(ERROR_FRAME)
            return
        data = self._response_data(code, params)
        self._send(
            pn532_frame(
                bytes([0xD5, code + 1]) + data,
                break_dcs=fault == "bad_dcs",
                break_lcs=fault == "bad_lcs",
            )
        )

    def _response_data(self, code: int, params: bytes) -> bytes:
        if code == 0x02:
            return self.firmware
        if code == 0x14:
            return b""
        if code == 0x32:
            if params[:1] == b"\x05":
                self.max_retries = params[3]
            return b""
        if code == 0x4A:
            if self.card is None:
                return b"\x00"
            sak = 0x08 if len(self.card) == 4 else 0x00
            return bytes([0x01, 0x01, 0x00, 0x44, sak, len(self.card)]) + self.card
        raise AssertionError(f"unexpected command 0x{code:02X}")

    def _send(self, data: bytes) -> None:
        try:
            os.write(self._master, data)
        except OSError:
            pass
