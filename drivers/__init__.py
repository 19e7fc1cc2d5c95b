"""Hardware behind small interfaces.

`drivers.interfaces` defines what the station needs from hardware (`typing.Protocol`s);
three families implement them: `gpio` (gpiozero and the kernel's hardware PWM, for a
Raspberry Pi), `serial` (pyserial: PN532 card reader, Modbus RTU energy meter) and `sim`
(in-memory EV, meter and card reader). Nothing here imports `station`.
"""

from drivers.interfaces import (
    CardReader,
    ContactorRelay,
    ControlPilot,
    DeviceTimeout,
    DeviceUnavailable,
    DriverError,
    EnergyMeter,
    FaultInputs,
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
    "FaultInputs",
    "MeterSample",
    "PilotReading",
    "ProtocolFault",
]
