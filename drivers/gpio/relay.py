"""Contactor coil, its mirror contact, and the RCD's fault output on GPIO pins.

These calls are single GPIO register or character-device operations that complete in
microseconds with the lgpio, RPi.GPIO and native pin factories, so the devices are
non-blocking: a control loop can open the contactor directly, even from a ``finally``
block while it is being cancelled. (Do not use the pigpio factory here: it talks to a
daemon over a socket.)

Inputs are read as raw pin levels and interpreted with ``*_active_high``, independently
of the internal pull resistor, so that fail-safe wiring is possible: e.g. an RCD input
with a pull-up that reads "tripped" when its wire breaks.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from drivers.gpio._errors import gpio_errors
from drivers.interfaces import DeviceUnavailable

Pull = Literal["up", "down", "off"]


def _input(pin: int, pull: Pull, pin_factory: object | None) -> object:
    from gpiozero import DigitalInputDevice

    if pull == "off":
        return DigitalInputDevice(pin, pull_up=None, active_state=True, pin_factory=pin_factory)
    return DigitalInputDevice(pin, pull_up=pull == "up", pin_factory=pin_factory)


class GpioContactorRelay:
    """`ContactorRelay` on an `OutputDevice`, with an optional mirror-contact input.

    The coil starts de-energised. The board must hold the coil driver's input at
    "off" while the pin is released (Pi booting, process gone).
    """

    blocking: ClassVar[bool] = False

    def __init__(
        self,
        pin: int,
        *,
        active_high: bool = True,
        feedback_pin: int | None = None,
        feedback_active_high: bool = True,
        feedback_pull: Pull = "up",
        pin_factory: object | None = None,
        name: str = "contactor",
    ) -> None:
        from gpiozero import OutputDevice

        self._name = name
        self._feedback_active_high = feedback_active_high
        self._feedback = None
        self._closed = False
        with gpio_errors(f"{name}: coil on GPIO{pin}"):
            self._coil = OutputDevice(
                pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
            )
        if feedback_pin is not None:
            try:
                with gpio_errors(f"{name}: feedback on GPIO{feedback_pin}"):
                    self._feedback = _input(feedback_pin, feedback_pull, pin_factory)
            except BaseException:
                self._coil.close()
                raise

    def set_closed(self, closed: bool) -> None:
        """Energise (``True``) or de-energise the coil."""
        with gpio_errors(self._name):
            if closed:
                self._coil.on()
            else:
                self._coil.off()

    def feedback(self) -> bool | None:
        """True while the mirror contact reports closed main contacts; None without feedback."""
        if self._feedback is None:
            return None
        if self._closed:
            raise DeviceUnavailable(f"{self._name} is closed")
        with gpio_errors(self._name):
            level = bool(self._feedback.pin.state)  # type: ignore[attr-defined]
        return level == self._feedback_active_high

    def close(self) -> None:
        """De-energise the coil, then release the pins."""
        self._closed = True
        try:
            with gpio_errors(self._name):
                self._coil.off()
        finally:
            self._coil.close()
            if self._feedback is not None:
                self._feedback.close()  # type: ignore[attr-defined]


class GpioFaultInputs:
    """`FaultInputs` with the RCD's fault output on a `DigitalInputDevice`."""

    blocking: ClassVar[bool] = False

    def __init__(
        self,
        rcd_pin: int,
        *,
        rcd_active_high: bool = True,
        rcd_pull: Pull = "up",
        pin_factory: object | None = None,
        name: str = "fault inputs",
    ) -> None:
        self._name = name
        self._active_high = rcd_active_high
        self._closed = False
        with gpio_errors(f"{name}: RCD on GPIO{rcd_pin}"):
            self._rcd = _input(rcd_pin, rcd_pull, pin_factory)

    def rcd_tripped(self) -> bool:
        """True while the RCD's fault line is at its active level."""
        if self._closed:
            raise DeviceUnavailable(f"{self._name} is closed")
        with gpio_errors(self._name):
            level = bool(self._rcd.pin.state)  # type: ignore[attr-defined]
        return level == self._active_high

    def close(self) -> None:
        """Release the pin."""
        self._closed = True
        self._rcd.close()  # type: ignore[attr-defined]


class GpioHeartbeat:
    """`HeartbeatOutput` on a `DigitalOutputDevice`: one edge per control period.

    The interlock it feeds must be AC-coupled (a charge pump or a retriggerable
    monostable), so that a pin stuck high or low, like a released one, drops the coil.
    """

    blocking: ClassVar[bool] = False

    def __init__(
        self, pin: int, *, pin_factory: object | None = None, name: str = "heartbeat"
    ) -> None:
        from gpiozero import DigitalOutputDevice

        self._name = name
        with gpio_errors(name):
            self._device = DigitalOutputDevice(pin, initial_value=False, pin_factory=pin_factory)

    def toggle(self) -> None:
        """Invert the output."""
        with gpio_errors(self._name):
            self._device.toggle()

    def close(self) -> None:
        """Stop toggling and release the pin."""
        with gpio_errors(self._name):
            self._device.close()
