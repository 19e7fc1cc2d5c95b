"""Translate gpiozero and OS errors into the `DriverError` hierarchy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gpiozero.exc import BadPinFactory, DeviceClosed, GPIOPinInUse, GPIOZeroError, PinError

from drivers.interfaces import DeviceUnavailable, DriverError


@contextmanager
def gpio_errors(device: str) -> Iterator[None]:
    """Re-raise gpiozero and OS errors as `DeviceUnavailable`/`DriverError` naming ``device``.

    Absent or busy hardware (no pin factory, pin in use, invalid pin, closed device, an
    OS error from the GPIO character device) is `DeviceUnavailable`; anything else
    gpiozero complains about is a plain `DriverError`.
    """
    try:
        yield
    except DriverError:
        raise
    except (BadPinFactory, GPIOPinInUse, DeviceClosed, PinError) as exc:
        raise DeviceUnavailable(f"{device}: {type(exc).__name__}: {exc}") from exc
    except GPIOZeroError as exc:
        raise DriverError(f"{device}: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise DeviceUnavailable(f"{device}: {exc}") from exc
