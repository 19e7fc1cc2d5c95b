"""Fixtures for the driver tests: gpiozero's mock pin factory, reset after each test."""

from __future__ import annotations

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
        factory.reset()
        Device.pin_factory = saved
