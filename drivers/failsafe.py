"""Force the outputs of a stopped station to their safe levels, from the config file alone.

When the station process dies — a crash, SIGKILL, the kernel's OOM killer, the service
watchdog — nothing runs its ``finally`` blocks. The kernel's PWM keeps its last duty
cycle, and unless ``dtparam=strict_gpiod`` is set, Raspberry Pi OS keeps a released GPIO
output at its last level: a closed contactor stays closed with no software watching.
systemd runs ``station failsafe`` as the unit's ``ExecStopPost=`` after every stop, and
this module does the work:

1. every contactor coil of a ``gpio`` relay is driven to its de-energised level;
2. every ``gpio`` pilot goes to state F (a steady -12 V: "EVSE not available"): the
   kernel PWM gets the F duty cycle and is disabled (``enable`` 0), a bench PWM pin is
   driven to the F level, and the optional output-stage enable line is switched off.

It reads the ``[hardware]`` table with the same keys and the same wiring defaults
(`drivers.wiring`) as `drivers.config`, but without pydantic, so that it starts in a
fraction of the time the station takes. It is not a validator: a key it cannot use is
reported and the other outputs are still forced.

With an inverted output stage (GPIO high = -12 V), a disabled PWM channel would idle low
and put +12 V on the pilot line; the channel is then left enabled at a 100 % duty cycle,
which holds the line at -12 V.

This is a software backstop. It runs only once the process is gone and systemd is alive;
the hardware interlock on the heartbeat output (see the safety concept in the docs)
opens the contactor within its window whatever software does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from drivers.wiring import DEFAULT_EVSE_IDS, evse_defaults

#: One pilot PWM period: the EV sees a whole period at -12 V before the stage switches off.
_PERIOD_S = 0.001


@dataclass(frozen=True)
class CoilOutput:
    """The coil GPIO of one EVSE's contactor."""

    evse_id: int
    pin: int
    active_high: bool


@dataclass(frozen=True)
class PilotOutput:
    """The outputs of one EVSE's control pilot."""

    evse_id: int
    output: str  # "hardware_pwm" or "bench_pwm"
    sysfs_root: Path
    pwm_chip: int
    pwm_channel: int | None
    pwm_pin: int | None
    inverted: bool
    enable_pin: int | None
    enable_active_high: bool


@dataclass(frozen=True)
class FailsafePlan:
    """What to force, and the entries of the table that could not be understood."""

    coils: tuple[CoilOutput, ...]
    pilots: tuple[PilotOutput, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """One forced output (or the reason it could not be forced)."""

    item: str
    forced: bool
    detail: str


class _BadKey(ValueError):
    pass


def plan_from_table(hardware: Mapping[str, Any]) -> FailsafePlan:
    """The outputs that ``hardware`` (a parsed ``[hardware]`` table) drives through GPIO."""
    family = hardware.get("driver", "sim")
    entries = hardware.get("evse")
    if not isinstance(entries, list) or not entries:
        entries = [{"id": evse_id} for evse_id in DEFAULT_EVSE_IDS]
    coils: list[CoilOutput] = []
    pilots: list[PilotOutput] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, Mapping):
                raise _BadKey(f"evse.{index}: not a table")
            evse_id = entry.get("id")
            if isinstance(evse_id, bool) or not isinstance(evse_id, int) or evse_id < 1:
                raise _BadKey(f"evse.{index}.id: not an EVSE id (got {evse_id!r})")
            sections = _sections(entry, evse_id)
        except _BadKey as exc:
            problems.append(str(exc))
            continue
        where = f"evse[{evse_id}]"
        relay = sections["relay"]
        if _family(relay, family) == "gpio":
            try:
                coils.append(
                    CoilOutput(
                        evse_id,
                        _gpio(relay, "pin", f"{where}.relay"),
                        _flag(relay, "active_high", True, f"{where}.relay"),
                    )
                )
            except _BadKey as exc:
                problems.append(str(exc))
        pilot = sections["pilot"]
        if _family(pilot, family) == "gpio":
            try:
                pilots.append(_pilot(pilot, evse_id, f"{where}.pilot"))
            except _BadKey as exc:
                problems.append(str(exc))
    return FailsafePlan(tuple(coils), tuple(pilots), tuple(problems))


def _sections(entry: Mapping[str, Any], evse_id: int) -> dict[str, Mapping[str, Any]]:
    merged: dict[str, Mapping[str, Any]] = {}
    for section, defaults in evse_defaults(evse_id).items():
        given = entry.get(section, {})
        if not isinstance(given, Mapping):
            raise _BadKey(f"evse[{evse_id}].{section}: not a table")
        merged[section] = {**defaults, **given}
    return merged


def _family(section: Mapping[str, Any], family: object) -> object:
    chosen = section.get("driver")
    if chosen is not None:
        return chosen
    return "gpio" if family == "gpio" else "sim"


def _gpio(section: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = section.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 27:
        raise _BadKey(f"{where}.{key}: not a BCM GPIO number (got {value!r})")
    return value


def _flag(section: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise _BadKey(f"{where}.{key}: not true or false (got {value!r})")
    return value


def _number(section: Mapping[str, Any], key: str, default: int | None, where: str) -> Any:
    value = section.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadKey(f"{where}.{key}: not a channel number (got {value!r})")
    return value


def _pilot(section: Mapping[str, Any], evse_id: int, where: str) -> PilotOutput:
    output = section.get("output", "hardware_pwm")
    if output not in ("hardware_pwm", "bench_pwm"):
        raise _BadKey(f"{where}.output: unknown output {output!r}")
    root = section.get("sysfs_root", "/sys/class/pwm")
    if not isinstance(root, str):
        raise _BadKey(f"{where}.sysfs_root: not a path (got {root!r})")
    return PilotOutput(
        evse_id=evse_id,
        output=output,
        sysfs_root=Path(root),
        pwm_chip=_number(section, "pwm_chip", 0, where),
        pwm_channel=_number(section, "pwm_channel", None, where),
        pwm_pin=_gpio(section, "pwm_pin", where, optional=output == "hardware_pwm"),
        inverted=_flag(section, "inverted", False, where),
        enable_pin=_gpio(section, "enable_pin", where, optional=True),
        enable_active_high=_flag(section, "enable_active_high", True, where),
    )


def force_safe(
    plan: FailsafePlan,
    *,
    pin_factory: object | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Outcome]:
    """Drive every output of ``plan`` to its safe level: all coils first, then the pilots.

    One output that cannot be forced (pin busy, sysfs not writable) does not stop the
    others; its `Outcome` says why. ``pin_factory`` is gpiozero's (default: its choice).
    """
    outcomes = [Outcome(f"config {problem}", False, "skipped") for problem in plan.problems]
    for coil in plan.coils:
        outcomes.append(
            _attempt(
                f"evse {coil.evse_id} contactor coil GPIO{coil.pin}",
                partial(_drive_off, coil.pin, coil.active_high, pin_factory),
            )
        )
    for pilot in plan.pilots:
        name = f"evse {pilot.evse_id} pilot"
        if pilot.output == "hardware_pwm":
            outcomes.append(
                _attempt(
                    f"{name} PWM pwmchip{pilot.pwm_chip}/pwm{pilot.pwm_channel}",
                    partial(_sysfs_to_state_f, pilot),
                )
            )
        else:
            # The bench output's "on" level is +12 V on the pilot line; off is -12 V (F).
            assert pilot.pwm_pin is not None
            outcomes.append(
                _attempt(
                    f"{name} PWM GPIO{pilot.pwm_pin}",
                    partial(_drive_off, pilot.pwm_pin, not pilot.inverted, pin_factory),
                )
            )
        if pilot.enable_pin is not None:
            sleep(_PERIOD_S)  # one whole period at -12 V before the stage goes off
            outcomes.append(
                _attempt(
                    f"{name} output stage GPIO{pilot.enable_pin}",
                    partial(_drive_off, pilot.enable_pin, pilot.enable_active_high, pin_factory),
                )
            )
    return outcomes


def _attempt(item: str, action: Callable[[], str]) -> Outcome:
    try:
        return Outcome(item, True, action())
    except Exception as exc:  # one stuck output must not keep the others energised
        return Outcome(item, False, f"{type(exc).__name__}: {exc}")


def _drive_off(pin: int, active_high: bool, pin_factory: object | None) -> str:
    from gpiozero import OutputDevice

    # Claiming the line as an output at its inactive level is the write; closing then
    # releases it: without strict_gpiod the level stays, with it the board's pull holds it.
    device = OutputDevice(
        pin, active_high=active_high, initial_value=False, pin_factory=pin_factory
    )
    device.close()
    return f"driven {'low' if active_high else 'high'} (off)"


def _sysfs_to_state_f(pilot: PilotOutput) -> str:
    if pilot.pwm_channel is None:
        raise ValueError("no pwm_channel in the configuration")
    chip = pilot.sysfs_root / f"pwmchip{pilot.pwm_chip}"
    channel = chip / f"pwm{pilot.pwm_channel}"
    if not channel.is_dir():
        if not chip.is_dir():
            raise FileNotFoundError(f"{chip} does not exist")
        return "not exported: the PWM is off"
    if pilot.inverted:
        period = int((channel / "period").read_text().strip() or 0)
        if period <= 0:
            return "never configured: the PWM is off"
        # Disabled, the pin would idle low, which the inverted stage turns into +12 V.
        _write(channel / "duty_cycle", period)
        _write(channel / "enable", 1)
        return f"duty {period} ns of {period} ns: steady -12 V (inverted stage, left enabled)"
    _write(channel / "duty_cycle", 0)
    _write(channel / "enable", 0)
    return "duty 0, disabled: steady -12 V"


def _write(path: Path, value: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, f"{value}\n".encode())
    finally:
        os.close(fd)
