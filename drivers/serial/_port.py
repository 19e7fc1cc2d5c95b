"""Opening serial ports with errors mapped onto the `DriverError` hierarchy."""

from __future__ import annotations

import serial


def open_port(url: str, *, device: str, **settings: object) -> serial.SerialBase:
    """Open ``url`` (a device path or a pyserial URL) or raise `DeviceUnavailable`."""
    from drivers.interfaces import DeviceUnavailable

    try:
        return serial.serial_for_url(url, **settings)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceUnavailable(f"{device} on {url}: cannot open the port: {exc}") from exc
