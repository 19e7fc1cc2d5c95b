"""Opening serial ports with errors mapped onto the `DriverError` hierarchy."""

from __future__ import annotations

import serial


def open_port(
    url: str,
    *,
    device: str,
    baudrate: int,
    parity: str = serial.PARITY_NONE,
    stopbits: float = serial.STOPBITS_ONE,
    timeout: float | None = None,
    write_timeout: float | None = None,
) -> serial.Serial:
    """Open ``url`` (a device path or a pyserial URL) or raise `DeviceUnavailable`.

    The settings not given keep pyserial's defaults (no parity, one stop bit, blocking).
    """
    from drivers.interfaces import DeviceUnavailable

    try:
        return serial.serial_for_url(
            url,
            baudrate=baudrate,
            parity=parity,
            stopbits=stopbits,
            timeout=timeout,
            write_timeout=write_timeout,
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceUnavailable(f"{device} on {url}: cannot open the port: {exc}") from exc
