"""Fixtures for the driver tests: gpiozero's mock pin factory, reset after each test."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture
def mock_factory() -> Iterator[object]:
    """gpiozero's `MockFactory` as the default pin factory (plain pins, no PWM)."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    saved = Device.pin_factory
    factory = MockFactory()
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        _finalize_leftovers()
        factory.reset()
        Device.pin_factory = saved


@pytest.fixture
def pwm_factory() -> Iterator[object]:
    """gpiozero's `MockFactory` whose pins all support PWM (`MockPWMPin`)."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    saved = Device.pin_factory
    factory = MockFactory(pin_class=MockPWMPin)
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        _finalize_leftovers()
        factory.reset()
        Device.pin_factory = saved


def _finalize_leftovers() -> None:
    """Collect the gpiozero devices a test left unreachable but unclosed, now.

    gpiozero shares one SPI interface per (clock, select) pin pair through a class-level
    table keyed by pin names; a device's finaliser closes it and deletes that key. Left to
    a later garbage collection, the finaliser of an earlier test's interface can run in
    the middle of another test and delete the key of that test's live interface, so
    its second ADC user then finds GPIO11 "in use".
    """
    gc.collect()
