"""What the station needs from charger hardware.

Every device is a small synchronous object. A driver whose calls can block (serial I/O,
SPI, sysfs) sets ``blocking = True``; the station then runs its calls in a worker thread
with a timeout, so a hung device never stalls the event loop. In-memory drivers (the
simulator) set ``blocking = False`` and are called directly, which keeps tests that run
on trio's MockClock deterministic.

Failures are reported with the `DriverError` hierarchy below, never with bare OSErrors,
so that a supervisor can tell "unplugged" from "garbled frame" in its log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Protocol, runtime_checkable


class DriverError(Exception):
    """A device did not do what was asked. The message names the device and the cause."""


class DeviceUnavailable(DriverError):
    """The device is absent: port missing, unplugged, permission denied, bus not enabled."""


class DeviceTimeout(DriverError):
    """The device did not answer within its timeout."""


class ProtocolFault(DriverError):
    """The device answered with something malformed (bad CRC, bad frame, wrong length)."""


@dataclass(frozen=True, slots=True)
class PilotReading:
    """The two plateaus of the control-pilot signal, in volts on the CP line.

    ``high`` is the positive plateau (+12 V in state A, +9 B, +6 C, +3 D, 0 E);
    ``low`` is the negative plateau (-12 V while PWM runs or in state F; equal to ``high``
    when the output is a steady +12 V, because there is no negative half then).
    """

    high: float
    low: float


@runtime_checkable
class ControlPilot(Protocol):
    """IEC 61851-1 control-pilot generator and sensor of one EVSE."""

    blocking: ClassVar[bool]

    def set_high(self) -> None:
        """Drive a steady +12 V (states A1/B1/C1: no current offered)."""

    def set_duty(self, percent: float) -> None:
        """Drive a 1 kHz ±12 V square wave with this positive duty (0 < percent < 100)."""

    def set_negative(self) -> None:
        """Drive a steady -12 V (state F: EVSE not available / fault)."""

    def read(self) -> PilotReading:
        """Measure both plateaus. May take a few milliseconds (peak-detector settle)."""

    def close(self) -> None:
        """Release the hardware, leaving the pilot in the safest state the hardware has."""


@runtime_checkable
class ContactorRelay(Protocol):
    """The contactor that switches mains to the EV, with optional mirror-contact feedback."""

    blocking: ClassVar[bool]

    def set_closed(self, closed: bool) -> None:
        """Command the contactor closed (``True``) or open (``False``)."""

    def feedback(self) -> bool | None:
        """State of the mirror contact: ``True`` = contacts closed; ``None`` = no feedback input."""

    def close(self) -> None:
        """Release the hardware; the contactor is commanded open first."""


@runtime_checkable
class HeartbeatOutput(Protocol):
    """The output a hardware interlock watches: the control loop toggles it every period
    (and leaves it still while the EVSE is idle).

    The interlock (a retriggerable monostable or a charge pump in series with the coil
    driver) passes the contactor coil and the pilot's PWM only while the output keeps
    toggling, and otherwise holds the coil off and the pilot at a steady +12 V, so a dead
    or hung control process opens the contactor by itself. Toggling must never block.
    """

    blocking: ClassVar[bool]

    def toggle(self) -> None:
        """Invert the output: one edge the interlock counts as "alive"."""

    def close(self) -> None:
        """Release the hardware; the output stops toggling, so the interlock drops."""


@runtime_checkable
class FaultInputs(Protocol):
    """Hardware fault lines of one EVSE."""

    blocking: ClassVar[bool]

    def rcd_tripped(self) -> bool:
        """True while the residual-current device reports a trip."""

    def close(self) -> None:
        """Release the hardware."""


@dataclass(frozen=True, slots=True)
class MeterSample:
    """One reading of an energy meter. Energy registers are cumulative, in Wh."""

    timestamp: datetime
    voltage: float  # V (RMS, L-N)
    current: float  # A (RMS)
    power: float  # W, active; positive = import (towards the EV)
    power_factor: float
    frequency: float  # Hz
    energy_import_wh: float
    energy_export_wh: float
    #: The EV's state of charge (%) when the hardware learns it (ISO 15118, or the
    #: simulator's battery model); an AC meter and a basic-charging EV never know it.
    soc: float | None = None


@runtime_checkable
class EnergyMeter(Protocol):
    """Energy meter of one EVSE."""

    blocking: ClassVar[bool]

    def sample(self) -> MeterSample:
        """Read all quantities once."""

    def close(self) -> None:
        """Release the hardware."""


@runtime_checkable
class CardReader(Protocol):
    """RFID reader for ISO 14443 type A cards."""

    blocking: ClassVar[bool]

    def poll(self) -> str | None:
        """Return the UID of a card in the field as upper-case hex (byte 0 first), or None."""

    def close(self) -> None:
        """Release the hardware."""
