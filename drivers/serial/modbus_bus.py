"""`ModbusRtuBus`: one RS-485 line, shared by the meters on it, on pymodbus's sync client.

Two meters on one USB-RS485 adapter must share one client: pymodbus opens the port
exclusively, and a Modbus line has one master that sends one request at a time. The bus
serialises requests with a lock and maps pymodbus's outcomes onto the `DriverError`
hierarchy:

* the port cannot be opened or fails -> `DeviceUnavailable` (with pyserial's reason);
* nothing came back within ``timeout`` (after ``retries`` repeats) -> `DeviceTimeout`;
* bytes came back but no valid answer (bad CRC, garbage, another unit's frame, a Modbus
  exception response, a wrong register count) -> `ProtocolFault`.

pymodbus treats a frame with a bad CRC as line noise and keeps waiting, so the bus
watches the received bytes (pymodbus's ``trace_packet`` hook) to tell "silent" from
"garbled". After any error the client is closed; the next request opens it again.
"""

from __future__ import annotations

import threading

import serial
from pymodbus.client import ModbusSerialClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerType

from drivers.interfaces import DeviceTimeout, DeviceUnavailable, ProtocolFault
from drivers.serial._port import open_port

#: Modbus exception codes (Modbus Application Protocol v1.1b3 §7).
_EXCEPTION_CODES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


def modbus_crc(data: bytes) -> bytes:
    """CRC-16/MODBUS of ``data``, low byte first as it goes on the wire."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


class ModbusRtuBus:
    """A Modbus RTU line on ``port`` (device path or pyserial URL), 8 data bits."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 2400,
        parity: str = "N",
        stopbits: int = 1,
        timeout: float = 1.0,
        retries: int = 1,
    ) -> None:
        self.port = port
        self._baudrate, self._parity, self._stopbits = baudrate, parity, stopbits
        self._client = ModbusSerialClient(
            port,
            framer=FramerType.RTU,
            baudrate=baudrate,
            bytesize=8,
            parity=parity,
            stopbits=stopbits,
            timeout=timeout,
            retries=retries,
            name=f"modbus {port}",
            trace_packet=self._trace,
        )
        self._lock = threading.Lock()
        self._received = b""
        self._users = 0

    def attach(self) -> None:
        """Register one more device on this bus (see `detach`)."""
        with self._lock:
            self._users += 1

    def detach(self) -> None:
        """Unregister a device; the port closes when the last one leaves."""
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users == 0:
                self._client.close()

    def close(self) -> None:
        """Close the port now (it re-opens on the next request)."""
        with self._lock:
            self._client.close()

    def _trace(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            self._received = bytes(data)
        return data

    def read_input_registers(
        self, unit_id: int, address: int, count: int, *, device: str
    ) -> list[int]:
        """Function code 04: ``count`` input registers from ``address`` of ``unit_id``.

        ``device`` names the caller in error messages, e.g. ``"SDM230 unit 1"``.
        """
        where = f"{device} on {self.port}"
        with self._lock:
            self._connect(device, where)
            self._received = b""
            try:
                answer = self._client.read_input_registers(address, count=count, device_id=unit_id)
            except ConnectionException as exc:
                self._client.close()
                raise DeviceUnavailable(
                    f"{where}: the port failed during the request (unplugged?)"
                ) from exc
            except ModbusIOException as exc:
                self._client.close()
                raise self._no_valid_answer(where, address, count) from exc
            except ModbusException as exc:
                self._client.close()
                raise ProtocolFault(f"{where}: {exc}") from exc
            except (serial.SerialException, OSError) as exc:
                self._client.close()
                raise DeviceUnavailable(f"{where}: port failed ({exc})") from exc
            if answer.isError():
                self._client.close()
                code = getattr(answer, "exception_code", None)
                reason = _EXCEPTION_CODES.get(code, f"code {code}") if code else str(answer)
                raise ProtocolFault(
                    f"{where}: exception response to reading {count} registers at "
                    f"0x{address:04X}: {reason}"
                )
            registers = list(getattr(answer, "registers", []))
            if len(registers) != count:
                self._client.close()
                raise ProtocolFault(
                    f"{where}: asked for {count} registers at 0x{address:04X}, got {len(registers)}"
                )
            return registers

    def _connect(self, device: str, where: str) -> None:
        if self._client.connected:
            return
        if self._client.connect():
            return
        # pymodbus only logs why; open the port once more to say it in the error.
        open_port(
            self.port,
            device=device,
            baudrate=self._baudrate,
            parity=self._parity,
            stopbits=self._stopbits,
        ).close()
        raise DeviceUnavailable(f"{where}: cannot open the port")

    def _no_valid_answer(self, where: str, address: int, count: int) -> Exception:
        received = self._received
        what = f"reading {count} registers at 0x{address:04X}"
        if not received:
            return DeviceTimeout(f"{where}: no answer to {what}")
        shown = received[:32].hex(" ") + (" ..." if len(received) > 32 else "")
        if len(received) >= 4 and modbus_crc(received[:-2]) != received[-2:]:
            return ProtocolFault(f"{where}: bad CRC or garbled answer to {what}: {shown}")
        return ProtocolFault(f"{where}: unexpected answer to {what}: {shown}")
