"""Eastron SDM230 meters on the far side of a pseudo-terminal: a Modbus RTU slave per unit.

Written from the Modbus RTU specification and Eastron's register map, independently of
pymodbus: 8-byte function-04 requests in, byte-exact responses (or misbehaviour) out.
"""

from __future__ import annotations

import os
import select
import struct
import threading
import tty


def crc16(data: bytes) -> bytes:
    """CRC-16/MODBUS, low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def request(unit: int, address: int, count: int) -> bytes:
    """The function-04 request a master sends."""
    body = bytes([unit, 0x04]) + address.to_bytes(2, "big") + count.to_bytes(2, "big")
    return body + crc16(body)


ADDRESSES = {
    "voltage": 0x00,
    "current": 0x06,
    "power": 0x0C,
    "power_factor": 0x1E,
    "frequency": 0x46,
    "import_kwh": 0x48,
    "export_kwh": 0x4A,
}


class FakeSdmBus:
    """One RS-485 line with SDM230s. ``meters[unit]`` maps quantity names to floats.

    ``fault`` (for every request, or only those to ``fault_unit``): ``silent``,
    ``bad_crc``, ``garbage``, ``exception`` (illegal data address), ``wrong_unit``
    (unit 9 answers), ``short`` (fewer registers than asked).
    """

    def __init__(self, units: tuple[int, ...] = (1,)) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.meters: dict[int, dict[str, float]] = {
            unit: {
                "voltage": 231.5,
                "current": 15.25,
                "power": 3500.0,
                "power_factor": 0.995,
                "frequency": 49.98,
                "import_kwh": 1234.5,
                "export_kwh": 0.25,
            }
            for unit in units
        }
        self.fault: str | None = None
        self.fault_unit: int | None = None
        self.requests: list[bytes] = []
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

    def _registers(self, unit: int) -> dict[int, int]:
        registers: dict[int, int] = {}
        for name, value in self.meters[unit].items():
            high, low = struct.unpack(">HH", struct.pack(">f", value))
            registers[ADDRESSES[name]] = high
            registers[ADDRESSES[name] + 1] = low
        return registers

    def _serve(self) -> None:
        while True:
            ready, _, _ = select.select([self._master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                self._buffer += os.read(self._master, 256)
            except OSError:
                return
            while len(self._buffer) >= 8:
                frame = bytes(self._buffer[:8])
                del self._buffer[:8]
                if crc16(frame[:6]) != frame[6:]:
                    self._buffer.clear()  # resynchronise on the next request
                    continue
                self.requests.append(frame)
                self._answer(frame)

    def _answer(self, frame: bytes) -> None:
        unit, function = frame[0], frame[1]
        address = int.from_bytes(frame[2:4], "big")
        count = int.from_bytes(frame[4:6], "big")
        if unit not in self.meters or function != 0x04:
            return  # not for us
        fault = self.fault if self.fault_unit in (None, unit) else None
        if fault == "silent":
            return
        if fault == "garbage":
            self._send(bytes.fromhex("FF 00 13 37 42"))
            return
        if fault == "exception":
            body = bytes([unit, 0x84, 0x02])
            self._send(body + crc16(body))
            return
        registers = self._registers(unit)
        if fault == "short":
            count -= 2
        data = b"".join(registers.get(address + i, 0).to_bytes(2, "big") for i in range(count))
        body = bytes([9 if fault == "wrong_unit" else unit, 0x04, len(data)]) + data
        checksum = crc16(body)
        if fault == "bad_crc":
            checksum = bytes([checksum[0] ^ 0xFF, checksum[1]])
        self._send(body + checksum)

    def _send(self, data: bytes) -> None:
        try:
            os.write(self._master, data)
        except OSError:
            pass
