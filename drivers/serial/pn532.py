"""`Pn532CardReader`: an NXP PN532 on a UART in HSU mode, behind `CardReader`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import serial

from drivers.interfaces import DeviceTimeout, DeviceUnavailable, ProtocolFault
from drivers.serial._port import open_port
from drivers.serial.pn532_frames import (
    ACK,
    GET_FIRMWARE_VERSION,
    IN_LIST_PASSIVE_TARGET,
    RF_CONFIGURATION,
    SAM_CONFIGURATION,
    WAKE_UP,
    Ack,
    ErrorFrame,
    Frame,
    FrameDecoder,
    FrameError,
    Nack,
    Response,
    encode_command,
)

T = TypeVar("T")

#: Longest a single serial read waits, so that deadlines are checked often.
_READ_SLICE = 0.01

_COMMAND_NAMES = {
    GET_FIRMWARE_VERSION: "GetFirmwareVersion",
    SAM_CONFIGURATION: "SAMConfiguration",
    RF_CONFIGURATION: "RFConfiguration",
    IN_LIST_PASSIVE_TARGET: "InListPassiveTarget",
}


@dataclass(frozen=True, slots=True)
class Pn532Firmware:
    """GetFirmwareVersion's answer: IC (0x32 for a PN532), version, revision, support flags."""

    ic: int
    version: int
    revision: int
    support: int

    def __str__(self) -> str:
        return f"PN5{self.ic:02X} firmware {self.version}.{self.revision}"


class Pn532CardReader:
    """ISO 14443 type A reader on a PN532 over HSU (UART, 115200 8N1 by default).

    The port is opened on the first call, not in the constructor, so a station starts
    even with the reader unplugged. Opening wakes the chip, puts its SAM in normal mode
    and limits InListPassiveTarget to ``1 + max_retries`` activation attempts (without
    that the command would block until a card comes). After any error the port is
    closed, and the next call opens and initialises it again.

    ``port`` is a device path or any pyserial URL.
    """

    blocking: ClassVar[bool] = True

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 115200,
        max_retries: int = 2,
        ack_timeout: float = 0.1,
        response_timeout: float = 0.5,
        write_timeout: float = 1.0,
        name: str = "PN532 card reader",
    ) -> None:
        if not 0 <= max_retries <= 0xFE:
            raise ValueError(f"max_retries must be 0..254, got {max_retries}")
        self.port = port
        self._baudrate = baudrate
        self._max_retries = max_retries
        self._ack_timeout = ack_timeout
        self._response_timeout = response_timeout
        self._write_timeout = write_timeout
        self._name = name
        self._serial: serial.Serial | None = None
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()

    # -- public -----------------------------------------------------------------------

    def poll(self) -> str | None:
        """The UID of a card in the field as upper-case hex (byte 0 first), or None.

        A card that stays in the field is reported by every poll.
        """
        with self._lock:
            answer = self._run(IN_LIST_PASSIVE_TARGET, bytes([0x01, 0x00]))
        return self._parse_target(answer)

    def firmware_version(self) -> Pn532Firmware:
        """Ask the chip for its firmware version (a cheap self-check)."""
        with self._lock:
            answer = self._run(GET_FIRMWARE_VERSION, b"")
        if len(answer) != 4:
            raise ProtocolFault(f"{self._where}: GetFirmwareVersion answer {answer.hex(' ')}")
        return Pn532Firmware(*answer)

    def close(self) -> None:
        """Close the port."""
        with self._lock:
            self._drop()

    # -- internals --------------------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"{self._name} on {self.port}"

    def _run(self, code: int, params: bytes) -> bytes:
        """Open and initialise the port if needed, then run one command."""
        try:
            if self._serial is None:
                self._connect()
            return self._command(code, params)
        except BaseException:
            self._drop()
            raise

    def _connect(self) -> None:
        self._serial = open_port(
            self.port,
            device=self._name,
            baudrate=self._baudrate,
            timeout=_READ_SLICE,
            write_timeout=self._write_timeout,
        )
        self._decoder = FrameDecoder()
        self._io(self._serial.reset_input_buffer)
        self._command(SAM_CONFIGURATION, bytes([0x01]), prefix=WAKE_UP)
        # MxRtyATR (default), MxRtyPSL (default), MxRtyPassiveActivation.
        self._command(RF_CONFIGURATION, bytes([0x05, 0xFF, 0x01, self._max_retries]))

    def _drop(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # the port is gone already; nothing more to release

    def _command(self, code: int, params: bytes, *, prefix: bytes = b"") -> bytes:
        name = _COMMAND_NAMES.get(code, f"command 0x{code:02X}")
        self._write(prefix + encode_command(code, params))
        frame = self._read_frame(self._ack_timeout, f"ACK to {name}")
        if isinstance(frame, Nack):
            raise ProtocolFault(f"{self._where}: NACK instead of ACK to {name}")
        if isinstance(frame, ErrorFrame):
            raise ProtocolFault(f"{self._where}: syntax error frame in reply to {name}")
        if not isinstance(frame, Ack):
            raise ProtocolFault(f"{self._where}: answer to {name} without ACK")
        try:
            frame = self._read_frame(self._response_timeout, f"answer to {name}")
        except DeviceTimeout:
            # Abort the command so the chip is idle for whoever talks to it next.
            self._write(ACK)
            raise
        if isinstance(frame, ErrorFrame):
            raise ProtocolFault(f"{self._where}: syntax error frame in reply to {name}")
        if not isinstance(frame, Response) or frame.code != code + 1:
            raise ProtocolFault(
                f"{self._where}: expected the answer to {name}, got {_describe(frame)}"
            )
        return frame.data

    def _read_frame(self, timeout: float, what: str) -> Frame:
        assert self._serial is not None
        port = self._serial
        deadline = time.monotonic() + timeout
        garbage_before = self._decoder.garbage
        while True:
            try:
                frame = self._decoder.next_frame()
            except FrameError as exc:
                raise ProtocolFault(f"{self._where}: {exc} (waiting for {what})") from exc
            if frame is not None:
                return frame
            if time.monotonic() >= deadline:
                garbage = self._decoder.garbage - garbage_before
                if garbage:
                    raise ProtocolFault(
                        f"{self._where}: {garbage} stray byte(s) but no valid frame "
                        f"within {timeout:g} s (waiting for {what}; wrong baud rate?)"
                    )
                raise DeviceTimeout(f"{self._where}: no {what} within {timeout:g} s")
            chunk = self._io(lambda: port.read(max(1, port.in_waiting)))
            self._decoder.feed(chunk)

    def _write(self, data: bytes) -> None:
        assert self._serial is not None
        port = self._serial
        self._io(lambda: port.write(data))
        self._io(port.flush)

    def _io(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"{self._where}: write timed out") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"{self._where}: port failed: {exc}") from exc

    def _parse_target(self, answer: bytes) -> str | None:
        # NbTg, then per target: Tg, SENS_RES (2), SEL_RES, NFCIDLength, NFCID1, [ATS].
        if not answer:
            raise ProtocolFault(f"{self._where}: empty InListPassiveTarget answer")
        if answer[0] == 0:
            return None
        if len(answer) < 6:
            raise ProtocolFault(f"{self._where}: short target data {answer.hex(' ')}")
        length = answer[5]
        if length not in (4, 7, 10):
            raise ProtocolFault(f"{self._where}: UID length {length} is not 4, 7 or 10 bytes")
        uid = answer[6 : 6 + length]
        if len(uid) != length:
            raise ProtocolFault(f"{self._where}: UID truncated in {answer.hex(' ')}")
        return uid.hex().upper()


def _describe(frame: Frame) -> str:
    if isinstance(frame, Response):
        return f"answer 0x{frame.code:02X} {frame.data.hex(' ')}".rstrip()
    return type(frame).__name__
