"""The pilot's 1 kHz square wave: the kernel's hardware PWM, or gpiozero's for a bench.

Both classes take the CP duty cycle: the percentage of each period the pilot line sits at
+12 V. 100 % is a steady +12 V (state A/B1/C1) and 0 % a steady -12 V (state F). Whether
the GPIO is high or low during that time depends on the output stage (``inverted``).

Circuit assumption: the GPIO drives a ±12 V output stage (op-amp or comparator with a
1 kΩ source resistor, IEC 61851-1 R1) whose output is +12 V while the GPIO is high, or,
with ``inverted=True``, while it is low. An optional enable GPIO (see
`drivers.gpio.pilot.GpioControlPilot`) switches the stage on; its line must be pulled
to "disabled" on the board so that a Pi without software leaves the stage off.
"""

from __future__ import annotations

import errno
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from drivers.gpio._errors import gpio_errors
from drivers.interfaces import DeviceUnavailable, DriverError

#: 1 kHz, as IEC 61851-1 requires (980-1020 Hz).
PERIOD_NS = 1_000_000


class PilotPwm(Protocol):
    """A 1 kHz PWM output that the control pilot drives."""

    def set_cp_duty(self, percent: float) -> None:
        """Keep the pilot at +12 V for ``percent`` of each period (0 and 100 are steady)."""

    def close(self) -> None:
        """Release the output; the caller has already driven the level it wants to leave."""


class SysfsPwmChannel:
    """One channel of a Linux PWM chip, driven through ``/sys/class/pwm``.

    Opening exports the channel if needed (waiting up to ``export_timeout`` for udev to
    make its files writable), sets a 1 ms period, normal polarity, the initial duty
    cycle, and enables it. ``root`` is injectable so tests can use a directory tree.
    Closing leaves the channel exported and running at its last duty cycle: unexporting
    would stop the PWM and let the pin fall to whatever level the chip idles at.
    """

    def __init__(
        self,
        chip: int,
        channel: int,
        *,
        initial_duty_ns: int,
        root: str | os.PathLike[str] = "/sys/class/pwm",
        period_ns: int = PERIOD_NS,
        export_timeout: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "PWM",
    ) -> None:
        if not 0 <= initial_duty_ns <= period_ns:
            raise ValueError(f"initial duty {initial_duty_ns} ns is outside 0..{period_ns} ns")
        self.period_ns = period_ns
        self._chip_dir = Path(root) / f"pwmchip{chip}"
        self._dir = self._chip_dir / f"pwm{channel}"
        self._channel = channel
        self._sleep = sleep
        self._name = name
        self._duty_ns = -1
        self._open(initial_duty_ns, export_timeout)

    @property
    def path(self) -> Path:
        """The channel's sysfs directory."""
        return self._dir

    def _open(self, duty_ns: int, export_timeout: float) -> None:
        if not self._chip_dir.is_dir():
            raise DeviceUnavailable(
                f"{self._name}: {self._chip_dir} does not exist "
                "(is the PWM overlay loaded, e.g. dtoverlay=pwm-2chan?)"
            )
        npwm = self._read_int(self._chip_dir / "npwm", missing_ok=True)
        if npwm is not None and self._channel >= npwm:
            raise DeviceUnavailable(
                f"{self._name}: {self._chip_dir} has {npwm} channel(s), "
                f"channel {self._channel} does not exist"
            )
        if not self._dir.is_dir():
            try:
                self._write(self._chip_dir / "export", self._channel)
            except DriverError:
                if not self._dir.is_dir():  # EBUSY when someone exported it meanwhile
                    raise
            self._wait_exported(export_timeout)
        polarity = self._dir / "polarity"
        if polarity.exists() and self._read_text(polarity) != "normal":
            # Someone left the channel inverted. Polarity can only change while the
            # channel is disabled; fix it before any duty cycle is written through it.
            self._write(self._dir / "enable", 0)
            self._write(polarity, "normal")
        # The kernel rejects a duty cycle longer than the period, so order the writes.
        current_duty = self._read_int(self._dir / "duty_cycle", missing_ok=True) or 0
        if current_duty > self.period_ns:
            self._write(self._dir / "duty_cycle", duty_ns)
            self._write(self._dir / "period", self.period_ns)
        else:
            self._write(self._dir / "period", self.period_ns)
            self._write(self._dir / "duty_cycle", duty_ns)
        self._duty_ns = duty_ns
        self._write(self._dir / "enable", 1)

    def _wait_exported(self, timeout: float) -> None:
        waited = 0.0
        step = 0.01
        period = self._dir / "period"
        while not (period.exists() and os.access(period, os.W_OK)):
            if waited >= timeout:
                raise DeviceUnavailable(
                    f"{self._name}: {self._dir} did not become writable within {timeout:g} s "
                    "after export (permissions: is the user in the gpio group?)"
                )
            self._sleep(step)
            waited += step

    def set_duty_ns(self, duty_ns: int) -> None:
        """Set the high time of the PWM output (0 = always low, ``period_ns`` = always high)."""
        if not 0 <= duty_ns <= self.period_ns:
            raise ValueError(f"duty {duty_ns} ns is outside 0..{self.period_ns} ns")
        if duty_ns != self._duty_ns:
            self._write(self._dir / "duty_cycle", duty_ns)
            self._duty_ns = duty_ns

    @property
    def duty_ns(self) -> int:
        """The duty cycle last written, in nanoseconds."""
        return self._duty_ns

    def _write(self, path: Path, value: object) -> None:
        data = f"{value}\n".encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except FileNotFoundError as exc:
            raise DeviceUnavailable(f"{self._name}: {path} does not exist") from exc
        except PermissionError as exc:
            raise DeviceUnavailable(f"{self._name}: no permission to write {path}") from exc
        except OSError as exc:
            reason = errno.errorcode.get(exc.errno or 0, "error")
            raise DriverError(
                f"{self._name}: writing {value!r} to {path} failed ({reason}: {exc.strerror})"
            ) from exc

    def _read_text(self, path: Path) -> str:
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            raise DeviceUnavailable(f"{self._name}: {path} does not exist") from None
        except OSError as exc:
            raise DriverError(f"{self._name}: cannot read {path}: {exc}") from exc

    def _read_int(self, path: Path, *, missing_ok: bool = False) -> int | None:
        if missing_ok and not path.exists():
            return None
        text = self._read_text(path)
        try:
            return int(text)
        except ValueError:
            raise DriverError(f"{self._name}: {path} holds {text!r}, not a number") from None

    def close(self) -> None:
        """Forget the channel; it keeps running at its last duty cycle (see the class doc)."""


class SysfsPilotPwm:
    """`PilotPwm` on the kernel's hardware PWM: exact 1 kHz, 1 ns duty resolution.

    This is the production pilot output. The CP high time is rounded *down* to whole
    nanoseconds, so the pilot never advertises more current than asked for.
    """

    def __init__(
        self,
        chip: int,
        channel: int,
        *,
        inverted: bool = False,
        root: str | os.PathLike[str] = "/sys/class/pwm",
        export_timeout: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        name: str = "control pilot PWM",
    ) -> None:
        self._inverted = inverted
        self._channel = SysfsPwmChannel(
            chip,
            channel,
            initial_duty_ns=self._pin_duty_ns(100.0),
            root=root,
            export_timeout=export_timeout,
            sleep=sleep,
            name=name,
        )

    def _pin_duty_ns(self, percent: float) -> int:
        high_ns = math.floor(percent * PERIOD_NS / 100)
        return PERIOD_NS - high_ns if self._inverted else high_ns

    def set_cp_duty(self, percent: float) -> None:
        """Keep the pilot at +12 V for ``percent`` of each 1 ms period."""
        if not 0 <= percent <= 100:
            raise ValueError(f"duty must be within 0..100 %, got {percent}")
        self._channel.set_duty_ns(self._pin_duty_ns(percent))

    @property
    def channel(self) -> SysfsPwmChannel:
        """The sysfs channel (for diagnostics)."""
        return self._channel

    def close(self) -> None:
        """Leave the channel running at its last duty cycle."""
        self._channel.close()


class BenchPilotPwm:
    """`PilotPwm` on gpiozero's `PWMOutputDevice`, for a bench or gpiozero's mock pins.

    Not acceptable for a real pilot: every pin factory gpiozero offers times its PWM
    in software (lgpio, RPi.GPIO) or by DMA (pigpio), with jitter, frequency error and
    duty rounded to whole percent (16 A -> 26 % -> 15.6 A). Use `SysfsPilotPwm` on a
    charger.
    """

    def __init__(
        self,
        pin: int,
        *,
        inverted: bool = False,
        pin_factory: object | None = None,
        name: str = "control pilot PWM",
    ) -> None:
        from gpiozero import PWMOutputDevice

        self._name = name
        with gpio_errors(f"{name} on GPIO{pin}"):
            self._device = PWMOutputDevice(
                pin,
                active_high=not inverted,
                initial_value=1.0,
                frequency=1000,
                pin_factory=pin_factory,
            )

    def set_cp_duty(self, percent: float) -> None:
        """Keep the pilot at +12 V for ``percent`` of each period (as precisely as gpiozero can)."""
        if not 0 <= percent <= 100:
            raise ValueError(f"duty must be within 0..100 %, got {percent}")
        with gpio_errors(self._name):
            self._device.value = percent / 100

    @property
    def device(self) -> object:
        """The gpiozero device (for diagnostics and tests)."""
        return self._device

    def close(self) -> None:
        """Stop the PWM and release the pin."""
        with gpio_errors(self._name):
            self._device.close()
