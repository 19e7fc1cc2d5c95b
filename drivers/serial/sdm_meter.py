"""`SdmMeter`: Eastron SDM120 / SDM230 single-phase energy meters over Modbus RTU.

Input registers (function code 04), each an IEEE-754 float32 in two registers, high
word first; energies in kWh:

=======================  =======  ==========
Quantity                 Address  Unit
=======================  =======  ==========
Voltage                  0x0000   V
Current                  0x0006   A
Active power             0x000C   W
Power factor             0x001E   --
Frequency                0x0046   Hz
Import active energy     0x0048   kWh
Export active energy     0x004A   kWh
=======================  =======  ==========

A sample is two requests: 0x00-0x1F (32 registers) and 0x46-0x4B (6 registers). At the
meters' default 2400 baud that is about 0.45 s of bus time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from pymodbus.client import ModbusSerialClient

from drivers.interfaces import DeviceUnavailable, MeterSample, ProtocolFault
from drivers.serial.modbus_bus import ModbusRtuBus

_FLOAT32 = ModbusSerialClient.DATATYPE.FLOAT32

_INSTANT_BLOCK = (0x0000, 32)
_ENERGY_BLOCK = (0x0046, 6)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _floats(registers: list[int]) -> list[float]:
    values = ModbusSerialClient.convert_from_registers(registers, _FLOAT32, word_order="big")
    assert isinstance(values, list)
    return [float(v) for v in values]


class SdmMeter:
    """`EnergyMeter` on an Eastron SDM120/SDM230 with Modbus address ``unit_id``."""

    blocking: ClassVar[bool] = True

    def __init__(
        self,
        bus: ModbusRtuBus,
        unit_id: int,
        *,
        model: str = "SDM230",
        wall_clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if not 1 <= unit_id <= 247:
            raise ValueError(f"Modbus unit id must be 1..247, got {unit_id}")
        self._bus = bus
        self._unit = unit_id
        self._wall_clock = wall_clock
        self._device = f"{model} unit {unit_id}"
        self._closed = False
        bus.attach()

    def sample(self) -> MeterSample:
        """Read voltage, current, power, power factor, frequency and both energy registers."""
        if self._closed:
            raise DeviceUnavailable(f"{self._device} on {self._bus.port} is closed")
        instant = _floats(self._read(*_INSTANT_BLOCK))
        timestamp = self._wall_clock()
        frequency, imported, exported = _floats(self._read(*_ENERGY_BLOCK))
        sample = MeterSample(
            timestamp=timestamp,
            voltage=instant[0],
            current=instant[3],
            power=instant[6],
            power_factor=instant[15],
            frequency=frequency,
            energy_import_wh=imported * 1000.0,
            energy_export_wh=exported * 1000.0,
        )
        for name in (
            "voltage",
            "current",
            "power",
            "power_factor",
            "frequency",
            "energy_import_wh",
            "energy_export_wh",
        ):
            if not math.isfinite(getattr(sample, name)):
                raise ProtocolFault(
                    f"{self._device} on {self._bus.port}: {name} is {getattr(sample, name)}"
                )
        return sample

    def _read(self, address: int, count: int) -> list[int]:
        return self._bus.read_input_registers(self._unit, address, count, device=self._device)

    def close(self) -> None:
        """Leave the bus (the port closes when no meter uses it)."""
        if not self._closed:
            self._closed = True
            self._bus.detach()
