"""Hardware behind small interfaces.

`drivers.interfaces` defines what the station needs from hardware (`typing.Protocol`s);
three families implement them: `gpio` (gpiozero and the kernel's hardware PWM, for a
Raspberry Pi), `serial` (pyserial: PN532 card reader, Modbus RTU energy meter) and `sim`
(in-memory EV, meter and card reader). `build_hardware` creates the devices a
`HardwareConfig` names, importing only the families it uses. Nothing here imports
`station`.

The names below are loaded on first use: `drivers.failsafe` runs when the station has
died (a systemd ``ExecStopPost``) and must not wait for pydantic to import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drivers.config import HardwareConfig
    from drivers.factory import EvseDevices, Hardware, build_hardware
    from drivers.interfaces import (
        CardReader,
        ContactorRelay,
        ControlPilot,
        DeviceTimeout,
        DeviceUnavailable,
        DriverError,
        EnergyMeter,
        FaultInputs,
        HeartbeatOutput,
        MeterSample,
        PilotReading,
        ProtocolFault,
    )

_HOMES = {
    "HardwareConfig": "drivers.config",
    "EvseDevices": "drivers.factory",
    "Hardware": "drivers.factory",
    "build_hardware": "drivers.factory",
    **{
        name: "drivers.interfaces"
        for name in (
            "CardReader",
            "ContactorRelay",
            "ControlPilot",
            "DeviceTimeout",
            "DeviceUnavailable",
            "DriverError",
            "EnergyMeter",
            "FaultInputs",
            "HeartbeatOutput",
            "MeterSample",
            "PilotReading",
            "ProtocolFault",
        )
    },
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'drivers' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "CardReader",
    "ContactorRelay",
    "ControlPilot",
    "DeviceTimeout",
    "DeviceUnavailable",
    "DriverError",
    "EnergyMeter",
    "EvseDevices",
    "FaultInputs",
    "Hardware",
    "HardwareConfig",
    "HeartbeatOutput",
    "MeterSample",
    "PilotReading",
    "ProtocolFault",
    "build_hardware",
]
