"""Pilot measurement: hardware peak detectors read through an MCP3xxx ADC.

A Pi cannot sample the pilot 10-50 µs after a PWM edge, so the board holds the positive
and the negative plateau of the pilot in two analogue peak detectors (the scheme of
chargebyte's Linux-only Tarragon board). A measurement discharges both through a reset
GPIO, waits until they have seen at least two PWM periods, and reads both through
gpiozero's MCP3xxx classes (hardware SPI0; gpiozero falls back to bit-banging if spidev
is missing).

Scaling: each detector output passes a divider that maps the pilot voltage into the ADC
range; ``V_cp = gain * V_adc + offset``. The defaults (gain 30/3.3, offset -15 V) belong
to a reference divider that maps -15...+15 V to 0...3.3 V, e.g. 100 kΩ from the
detector, 22 kΩ to 3.3 V and 28 kΩ to ground. Calibrate gain and offset per board with
the pilot at +12 V and -12 V.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.config import DEFAULT_CP_GAIN, DEFAULT_CP_OFFSET
from drivers.gpio._errors import gpio_errors
from drivers.interfaces import DriverError, PilotReading

#: One lock per SPI chip select: the pilots of two EVSEs may share one ADC and measure
#: from two worker threads.
_SPI_LOCKS: dict[int, threading.Lock] = {}
_SPI_LOCKS_GUARD = threading.Lock()


def _spi_lock(device: int) -> threading.Lock:
    with _SPI_LOCKS_GUARD:
        return _SPI_LOCKS.setdefault(device, threading.Lock())


@dataclass(frozen=True, slots=True)
class ChannelScale:
    """Linear conversion from ADC input volts to pilot volts: ``gain * v + offset``."""

    gain: float = DEFAULT_CP_GAIN
    offset: float = DEFAULT_CP_OFFSET

    def to_pilot_volts(self, adc_volts: float) -> float:
        """Pilot-line volts for a voltage at the ADC input."""
        return self.gain * adc_volts + self.offset


class PeakDetectorSensor:
    """Positive and negative pilot peak detectors on two channels of one MCP3xxx.

    ``adc_chip`` names a gpiozero class (``MCP3008``, ``MCP3208``, ...) on SPI0 with chip
    select ``spi_device``. ``reset_pin`` discharges both detectors while active.
    ``sleep`` is injectable for tests.
    """

    def __init__(
        self,
        *,
        positive_channel: int,
        negative_channel: int,
        reset_pin: int,
        adc_chip: str = "MCP3208",
        spi_device: int = 0,
        vref: float = 3.3,
        positive_scale: ChannelScale | None = None,
        negative_scale: ChannelScale | None = None,
        reset_active_high: bool = True,
        reset_time: float = 0.0015,
        settle_time: float = 0.002,
        sleep: Callable[[float], None] = time.sleep,
        pin_factory: object | None = None,
        name: str = "pilot peak detectors",
    ) -> None:
        import gpiozero
        from gpiozero import OutputDevice

        adc_class = getattr(gpiozero, adc_chip, None)
        if adc_class is None or not adc_chip.startswith("MCP3"):
            raise ValueError(f"{name}: unknown ADC chip {adc_chip!r}")
        self._name = name
        self._vref = vref
        self._positive_scale = positive_scale or ChannelScale()
        self._negative_scale = negative_scale or ChannelScale()
        self._reset_time = reset_time
        self._settle_time = settle_time
        self._sleep = sleep
        self._lock = _spi_lock(spi_device)
        self._devices: list[object] = []
        try:
            with gpio_errors(f"{name}: reset on GPIO{reset_pin}"):
                self._reset = OutputDevice(
                    reset_pin,
                    active_high=reset_active_high,
                    initial_value=False,
                    pin_factory=pin_factory,
                )
                self._devices.append(self._reset)
            adc = f"{name}: {adc_chip} on SPI0 CE{spi_device}"
            with gpio_errors(adc):
                self._positive = adc_class(
                    channel=positive_channel,
                    max_voltage=vref,
                    port=0,
                    device=spi_device,
                    pin_factory=pin_factory,
                )
                self._devices.append(self._positive)
                self._negative = adc_class(
                    channel=negative_channel,
                    max_voltage=vref,
                    port=0,
                    device=spi_device,
                    pin_factory=pin_factory,
                )
                self._devices.append(self._negative)
        except BaseException:
            self.close()
            raise
        self._full_scale = 2**self._positive.bits

    def measure(self) -> PilotReading:
        """Reset both detectors, let them charge to the current plateaus, read both."""
        with gpio_errors(self._name):
            self._reset.on()
            self._sleep(self._reset_time)
            self._reset.off()
            self._sleep(self._settle_time)
            with self._lock:
                positive = self._positive.raw_value
                negative = self._negative.raw_value
        return PilotReading(
            high=self._positive_scale.to_pilot_volts(self._adc_volts(positive)),
            low=self._negative_scale.to_pilot_volts(self._adc_volts(negative)),
        )

    def _adc_volts(self, raw: int) -> float:
        if not 0 <= raw < self._full_scale:
            raise DriverError(
                f"{self._name}: ADC returned {raw}, outside 0..{self._full_scale - 1}"
            )
        # MCP3xxx transfer function: code = 2**bits * Vin / Vref.
        return raw * self._vref / self._full_scale

    def close(self) -> None:
        """Release the ADC channels and the reset pin."""
        while self._devices:
            device = self._devices.pop()
            device.close()  # type: ignore[attr-defined]
