"""`GpioControlPilot`: a PWM output and the peak detectors, behind `ControlPilot`."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import ClassVar

from drivers.gpio._errors import gpio_errors
from drivers.gpio.peak_detector import PeakDetectorSensor
from drivers.gpio.pwm import PERIOD_NS, PilotPwm
from drivers.interfaces import DeviceUnavailable, PilotReading


class GpioControlPilot:
    """The control pilot of one EVSE on a Raspberry Pi.

    Starts at a steady +12 V (no current offered). ``enable_pin``, if given, is the
    output stage's enable line: asserted once the PWM is at +12 V, released on `close`.
    Output changes and measurements take one lock, so a measurement never straddles a
    change of the waveform.
    """

    blocking: ClassVar[bool] = True

    def __init__(
        self,
        pwm: PilotPwm,
        sensor: PeakDetectorSensor,
        *,
        enable_pin: int | None = None,
        enable_active_high: bool = True,
        pin_factory: object | None = None,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "control pilot",
    ) -> None:
        from gpiozero import OutputDevice

        self._pwm = pwm
        self._sensor = sensor
        self._sleep = sleep
        self._name = name
        self._lock = threading.RLock()
        self._closed = False
        self._enable = None
        try:
            self._pwm.set_cp_duty(100.0)
            if enable_pin is not None:
                with gpio_errors(f"{name}: output enable on GPIO{enable_pin}"):
                    self._enable = OutputDevice(
                        enable_pin,
                        active_high=enable_active_high,
                        initial_value=True,
                        pin_factory=pin_factory,
                    )
        except BaseException:
            self._sensor.close()
            self._pwm.close()
            raise

    def _check_open(self) -> None:
        if self._closed:
            raise DeviceUnavailable(f"{self._name} is closed")

    def set_high(self) -> None:
        """Drive a steady +12 V (states A1/B1/C1)."""
        with self._lock:
            self._check_open()
            self._pwm.set_cp_duty(100.0)

    def set_duty(self, percent: float) -> None:
        """Drive 1 kHz PWM, +12 V for ``percent`` of each period (0 < percent < 100)."""
        if isinstance(percent, bool) or not isinstance(percent, int | float):
            raise ValueError(f"{self._name}: duty must be a number of percent, got {percent!r}")
        if not (math.isfinite(percent) and 0 < percent < 100):
            raise ValueError(f"{self._name}: duty must be above 0 and below 100 %, got {percent}")
        with self._lock:
            self._check_open()
            self._pwm.set_cp_duty(float(percent))

    def set_negative(self) -> None:
        """Drive a steady -12 V (state F)."""
        with self._lock:
            self._check_open()
            self._pwm.set_cp_duty(0.0)

    def read(self) -> PilotReading:
        """Measure both plateaus (takes reset + settle time, ~3.5 ms by default)."""
        with self._lock:
            self._check_open()
            return self._sensor.measure()

    def close(self) -> None:
        """Drive -12 V (state F), switch the output stage off if it has an enable line."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._pwm.set_cp_duty(0.0)
                if self._enable is not None:
                    # Let one full period at -12 V pass before the stage goes off, so
                    # the EV sees a clean falling edge rather than a cut pulse.
                    self._sleep(PERIOD_NS / 1e9)
                    with gpio_errors(self._name):
                        self._enable.off()
                        self._enable.close()
                    self._enable = None
            finally:
                self._sensor.close()
                self._pwm.close()
