"""Hardware behind small interfaces.

`drivers.interfaces` defines what the station needs from hardware (`typing.Protocol`s);
three families implement them: `gpio` (gpiozero and the kernel's hardware PWM, for a
Raspberry Pi), `serial` (pyserial: PN532 card reader, Modbus RTU energy meter) and `sim`
(in-memory EV, meter and card reader). `build_hardware` creates the devices a
`HardwareConfig` names, importing only the families it uses. Nothing here imports
`station`.
"""

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
