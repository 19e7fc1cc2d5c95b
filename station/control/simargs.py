"""The arguments of the simulated-EV commands (``station sim ev``), checked where they
arrive: in this process, or on the OCPP side before they cross the control link. Kept
apart from `station.control.service` so that the OCPP side need not import the control
service to check them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: What ``station sim ev`` may change, and the type each value must have.
EV_SETTINGS: dict[str, type] = {
    "capacity_kwh": float,
    "max_current": float,
    "phases": int,
    "soc": float,
}


def ev_settings(args: Mapping[str, Any]) -> dict[str, Any]:
    """The EV settings among a command's arguments (``evse`` aside), checked for names
    and types; `ValueError` names the first bad one."""
    settings: dict[str, Any] = {}
    for name, value in args.items():
        if name == "evse":
            continue
        kind = EV_SETTINGS.get(name)
        if kind is None:
            raise ValueError(f"sim.ev: unknown setting {name!r}; expected {', '.join(EV_SETTINGS)}")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if kind is int and value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        settings[name] = kind(value)
    return settings


def ev_settings_value(args: Mapping[str, Any]) -> str:
    """``sim.ev`` arguments as the sim command's value over the link: "name=value,..."."""
    return ",".join(f"{name}={value!r}" for name, value in ev_settings(args).items())
