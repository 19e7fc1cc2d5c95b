"""The reference board's wiring: the GPIO pins and ADC channels EVSEs 1 and 2 default to.

Plain data with no imports, so that the configuration (`drivers.config`) and the
fail-safe command (`drivers.failsafe`, which must start fast and import little) fill in
the same pins from the same table. The table is documented in `drivers.gpio`.
"""

from __future__ import annotations

from typing import Any

#: Per EVSE id: the keys of ``[hardware.evse.*]`` that default to the wiring table.
WIRING_DEFAULTS: dict[int, dict[str, dict[str, Any]]] = {
    1: {
        "pilot": {"pwm_pin": 18, "reset_pin": 5},
        "relay": {"pin": 17, "feedback_pin": 22},
        "faults": {"rcd_pin": 24},
    },
    2: {
        "pilot": {"pwm_pin": 19, "reset_pin": 6},
        "relay": {"pin": 27, "feedback_pin": 23},
        "faults": {"rcd_pin": 25},
    },
}

#: EVSEs of a ``[hardware]`` table that lists none.
DEFAULT_EVSE_IDS = (1, 2)


def evse_defaults(evse_id: int) -> dict[str, dict[str, Any]]:
    """The per-EVSE defaults of EVSE ``evse_id``: pins, PWM channel, ADC channels, unit id."""
    wiring = WIRING_DEFAULTS.get(evse_id, {})
    index = evse_id - 1
    pilot: dict[str, Any] = {"pwm_channel": index, **wiring.get("pilot", {})}
    if index < 4:  # one 8-channel ADC serves four EVSEs
        pilot.update(positive_channel=2 * index, negative_channel=2 * index + 1)
    return {
        "pilot": pilot,
        "relay": dict(wiring.get("relay", {})),
        "faults": dict(wiring.get("faults", {})),
        "meter": {"unit_id": evse_id},
    }
