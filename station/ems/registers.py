"""The Modbus register map an energy manager (a home energy manager, a solar inverter's
EMS) uses to limit the station and to read what it does.

Pure: the map, the checks and the decisions a read or a write leads to, with no sockets
and no clocks (`station.ems.server` carries the decisions out). Addresses are the
zero-based protocol addresses of the Modbus PDU. Each block of 100 addresses is one
part of the station: block 0 the station as a whole (a limit there applies to every
EVSE, like `station limit set 0`), block ``n`` EVSE ``n``.

Currents are in tenths of an ampere per phase; ``NO_LIMIT`` (0xFFFF) means no limit.
A 32-bit value takes two registers, high word first. The table in
``docs/smart-charging.md`` is this module in prose; a test holds the two together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from pymodbus.constants import ExcCodes

#: Version of this map (station input register 0): an EMS can check it understands it.
MAP_VERSION = 1
#: Addresses per block: EVSE n's registers start at n * BLOCK.
BLOCK = 100
#: The input registers of a block are also holding registers from this offset on,
#: read-only, for energy managers that read with function 03 only.
MIRROR = 50
#: "No limit" in a limit register.
NO_LIMIT = 0xFFFF
#: Longest failsafe timeout (s) the register takes.
MAX_FAILSAFE_TIMEOUT = 3600
#: Sources of a limit, by register value (K11.FR.05: never the CSO).
SOURCES = ("EMS", "SO", "Other")


class Holding(IntEnum):
    """Holding registers of a block (read/write). ``FAILSAFE_TIMEOUT`` and ``HEARTBEAT``
    are in the station's block only."""

    LIMIT = 0  # 0.1 A per phase, NO_LIMIT: none
    SOURCE = 1  # 0 EMS, 1 SO, 2 Other: the source the next limit is reported with
    FAILSAFE_LIMIT = 2  # 0.1 A, NO_LIMIT: released; the limit when the EMS goes silent
    FAILSAFE_TIMEOUT = 3  # s, 0: off
    HEARTBEAT = 4  # any value; writing it (or any register) restarts the failsafe timer


STATION_HOLDING = tuple(Holding)
EVSE_HOLDING = (Holding.LIMIT, Holding.SOURCE, Holding.FAILSAFE_LIMIT)


class StationInput(IntEnum):
    """Input registers of the station's block (read-only)."""

    MAP_VERSION = 0
    EVSE_COUNT = 1
    LOCAL_LIMIT = 2  # 0.1 A, the station's local limit in force, NO_LIMIT: none
    FAILSAFE_ACTIVE = 3  # 1 while the failsafe limits stand in for a silent EMS
    FAILSAFE_REMAINING = 4  # s until the failsafe applies (0xFFFF: timer off)
    POWER_HIGH = 5  # W, signed 32-bit: the EVSEs together
    POWER_LOW = 6
    OFFERED = 7  # 0.1 A, the EVSEs' offered currents together


class EvseInput(IntEnum):
    """Input registers of an EVSE's block (read-only)."""

    PILOT_STATE = 0  # IEC 61851-1 state: 1 A, 2 B, 3 C, 4 D, 5 E, 6 F
    CONNECTOR_STATUS = 1  # OCPP: 0 Available, 1 Occupied, 2 Reserved, 3 Unavailable, 4 Faulted
    OFFERED = 2  # 0.1 A, what the PWM offers now (0: no PWM)
    EFFECTIVE_LIMIT = 3  # 0.1 A, the limit the station applies (profiles, local, grid)
    CURRENT = 4  # 0.1 A, measured
    POWER_HIGH = 5  # W, signed 32-bit, measured (import positive)
    POWER_LOW = 6
    ENERGY_HIGH = 7  # Wh, unsigned 32-bit, the meter's import register
    ENERGY_LOW = 8
    CONTACTOR = 9  # 1 closed
    FAULT = 10  # 1 when a fault is present
    LOCAL_LIMIT = 11  # 0.1 A, the EVSE's own local limit in force, NO_LIMIT: none


PILOT_STATES = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6}
CONNECTOR_STATUSES = {"Available": 0, "Occupied": 1, "Reserved": 2, "Unavailable": 3, "Faulted": 4}


class ModbusRefusal(Exception):
    """A request the map refuses: ``code`` is the Modbus exception code to answer with,
    the message says why (logged, never sent: Modbus has no field for it)."""

    def __init__(self, code: ExcCodes, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class EvseFacts:
    """What an EVSE's input registers show, as the station knows it now."""

    pilot_state: str = "A"
    connector_status: str = "Available"
    offered_current: float = 0.0
    effective_limit: float | None = None
    current: float | None = None
    power: float | None = None
    energy_wh: float | None = None
    contactor_closed: bool = False
    fault: bool = False
    local_limit: float | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the input registers show: the EVSEs and the station's own local limit."""

    evses: Mapping[int, EvseFacts]
    local_limit: float | None = None
    failsafe_active: bool = False
    #: Seconds until the failsafe applies; None when its timer is off or it applies now.
    failsafe_remaining: float | None = None


@dataclass(frozen=True, slots=True)
class LimitChange:
    """A write's decision for one block: ``amps`` None releases the local limit."""

    evse_id: int
    amps: float | None
    source: str


@dataclass(slots=True)
class Settings:
    """The writable registers that are not limits (those live in the station's
    charging profiles): per block the source and the failsafe limit, and the station's
    failsafe timeout and heartbeat value."""

    sources: dict[int, int]
    failsafe_limits: dict[int, int]
    failsafe_timeout: int
    heartbeat: int = 0


@dataclass(slots=True)
class Write:
    """What a write asks for, checked: limit changes and new settings."""

    limits: list[LimitChange] = field(default_factory=list)
    settings: dict[tuple[int, Holding], int] = field(default_factory=dict)


class RegisterMap:
    """The map for a station with the given EVSEs and their maximum currents (A)."""

    def __init__(self, max_currents: Mapping[int, float], station_max: float) -> None:
        self.evse_ids = tuple(sorted(max_currents))
        #: The highest limit (0.1 A) each block takes: the EVSE's maximum current, or
        #: for the station the grid connection's (or the EVSEs' together: the station's
        #: limit is shared by them).
        self.max_limit = {0: _deciamps(station_max)} | {
            e: _deciamps(a) for e, a in max_currents.items()
        }

    # -- addresses -----------------------------------------------------------------------

    def _block(self, address: int) -> tuple[int, int]:
        evse_id, offset = divmod(address, BLOCK)
        if evse_id != 0 and evse_id not in self.max_limit:
            raise ModbusRefusal(
                ExcCodes.ILLEGAL_ADDRESS,
                f"register {address}: no EVSE {evse_id} (EVSEs {list(self.evse_ids)})",
            )
        return evse_id, offset

    def _inputs(self, evse_id: int) -> int:
        return len(StationInput) if evse_id == 0 else len(EvseInput)

    def _holding(self, evse_id: int) -> tuple[Holding, ...]:
        return STATION_HOLDING if evse_id == 0 else EVSE_HOLDING

    # -- reads ---------------------------------------------------------------------------

    def read_input(self, address: int, count: int, facts: Facts) -> list[int]:
        """Function 04: ``count`` input registers from ``address``."""
        return [self._input(a, facts) for a in range(address, address + count)]

    def read_holding(self, address: int, count: int, facts: Facts, settings: Settings) -> list[int]:
        """Function 03: ``count`` holding registers from ``address`` (the writable ones
        and, from offset ``MIRROR``, the input registers read-only)."""
        values = []
        for a in range(address, address + count):
            evse_id, offset = self._block(a)
            if MIRROR <= offset < MIRROR + self._inputs(evse_id):
                values.append(self._input(a - MIRROR, facts))
                continue
            if offset not in self._holding(evse_id):
                raise ModbusRefusal(ExcCodes.ILLEGAL_ADDRESS, f"no holding register {a}")
            values.append(self._setting(evse_id, Holding(offset), facts, settings))
        return values

    def _setting(self, evse_id: int, register: Holding, facts: Facts, settings: Settings) -> int:
        if register is Holding.LIMIT:
            limit = facts.local_limit if evse_id == 0 else facts.evses[evse_id].local_limit
            return NO_LIMIT if limit is None else _deciamps(limit)
        if register is Holding.SOURCE:
            return settings.sources[evse_id]
        if register is Holding.FAILSAFE_LIMIT:
            return settings.failsafe_limits[evse_id]
        if register is Holding.FAILSAFE_TIMEOUT:
            return settings.failsafe_timeout
        return settings.heartbeat

    def _input(self, address: int, facts: Facts) -> int:
        evse_id, offset = self._block(address)
        if offset >= self._inputs(evse_id):
            raise ModbusRefusal(ExcCodes.ILLEGAL_ADDRESS, f"no input register {address}")
        if evse_id == 0:
            return _station_input(StationInput(offset), facts, len(self.evse_ids))
        return _evse_input(EvseInput(offset), facts.evses[evse_id])

    # -- writes --------------------------------------------------------------------------

    def write(self, address: int, values: list[int], settings: Settings) -> Write:
        """Functions 06 and 16: check every register and value first (a refused write
        changes nothing), then decide. A source written with a limit applies to it."""
        checked: list[tuple[int, Holding, int]] = []
        for a, value in zip(range(address, address + len(values)), values, strict=True):
            evse_id, offset = self._block(a)
            if MIRROR <= offset < MIRROR + self._inputs(evse_id):
                raise ModbusRefusal(
                    ExcCodes.ILLEGAL_ADDRESS, f"register {a} is read-only (a measured value)"
                )
            if offset not in self._holding(evse_id):
                raise ModbusRefusal(ExcCodes.ILLEGAL_ADDRESS, f"no holding register {a}")
            register = Holding(offset)
            self._check(a, evse_id, register, value)
            checked.append((evse_id, register, value))
        write = Write()
        sources = dict(settings.sources)
        for evse_id, register, value in checked:
            if register is not Holding.LIMIT:
                write.settings[(evse_id, register)] = value
                if register is Holding.SOURCE:
                    sources[evse_id] = value
        for evse_id, register, value in checked:
            if register is Holding.LIMIT:
                amps = None if value == NO_LIMIT else value / 10
                write.limits.append(LimitChange(evse_id, amps, SOURCES[sources[evse_id]]))
        return write

    def _check(self, address: int, evse_id: int, register: Holding, value: int) -> None:
        if register in (Holding.LIMIT, Holding.FAILSAFE_LIMIT):
            top = self.max_limit[evse_id]
            if value != NO_LIMIT and value > top:
                raise ModbusRefusal(
                    ExcCodes.ILLEGAL_VALUE,
                    f"register {address}: {value} (0.1 A) is above {top}; "
                    f"{NO_LIMIT} means no limit",
                )
        elif register is Holding.SOURCE and value >= len(SOURCES):
            raise ModbusRefusal(
                ExcCodes.ILLEGAL_VALUE,
                f"register {address}: source {value}; 0 EMS, 1 SO, 2 Other",
            )
        elif register is Holding.FAILSAFE_TIMEOUT and value > MAX_FAILSAFE_TIMEOUT:
            raise ModbusRefusal(
                ExcCodes.ILLEGAL_VALUE,
                f"register {address}: timeout {value} s above {MAX_FAILSAFE_TIMEOUT}",
            )

    def failsafe_changes(self, settings: Settings) -> list[LimitChange]:
        """What the failsafe does when the EMS has gone silent: every block's local limit
        becomes its failsafe limit (NO_LIMIT: the local limit is released)."""
        changes = []
        for evse_id in (0, *self.evse_ids):
            value = settings.failsafe_limits[evse_id]
            amps = None if value == NO_LIMIT else value / 10
            changes.append(LimitChange(evse_id, amps, SOURCES[settings.sources[evse_id]]))
        return changes


def limit_register(amps: float | None) -> int:
    """A limit (A) as its register value."""
    return NO_LIMIT if amps is None else _deciamps(amps)


def _deciamps(amps: float) -> int:
    if not math.isfinite(amps):
        return NO_LIMIT - 1
    return max(0, min(NO_LIMIT - 1, round(amps * 10)))


def _split32(value: float | None, signed: bool) -> tuple[int, int]:
    number = 0 if value is None or not math.isfinite(value) else round(value)
    if signed:
        number = max(-(2**31), min(2**31 - 1, number)) & 0xFFFFFFFF
    else:
        number = max(0, min(2**32 - 1, number))
    return number >> 16, number & 0xFFFF


def _station_input(register: StationInput, facts: Facts, evse_count: int) -> int:
    if register is StationInput.MAP_VERSION:
        return MAP_VERSION
    if register is StationInput.EVSE_COUNT:
        return evse_count
    if register is StationInput.LOCAL_LIMIT:
        return limit_register(facts.local_limit)
    if register is StationInput.FAILSAFE_ACTIVE:
        return int(facts.failsafe_active)
    if register is StationInput.FAILSAFE_REMAINING:
        remaining = facts.failsafe_remaining
        return NO_LIMIT if remaining is None else min(NO_LIMIT - 1, math.ceil(remaining))
    if register is StationInput.OFFERED:
        return _deciamps(sum(e.offered_current for e in facts.evses.values()))
    power = sum(e.power or 0.0 for e in facts.evses.values())
    high, low = _split32(power, signed=True)
    return high if register is StationInput.POWER_HIGH else low


def _evse_input(register: EvseInput, evse: EvseFacts) -> int:
    if register is EvseInput.PILOT_STATE:
        return PILOT_STATES.get(evse.pilot_state, 0)
    if register is EvseInput.CONNECTOR_STATUS:
        return CONNECTOR_STATUSES.get(evse.connector_status, CONNECTOR_STATUSES["Faulted"])
    if register is EvseInput.OFFERED:
        return _deciamps(evse.offered_current)
    if register is EvseInput.EFFECTIVE_LIMIT:
        return limit_register(evse.effective_limit)
    if register is EvseInput.CURRENT:
        return _deciamps(evse.current or 0.0)
    if register in (EvseInput.POWER_HIGH, EvseInput.POWER_LOW):
        high, low = _split32(evse.power, signed=True)
        return high if register is EvseInput.POWER_HIGH else low
    if register in (EvseInput.ENERGY_HIGH, EvseInput.ENERGY_LOW):
        high, low = _split32(evse.energy_wh, signed=False)
        return high if register is EvseInput.ENERGY_HIGH else low
    if register is EvseInput.CONTACTOR:
        return int(evse.contactor_closed)
    if register is EvseInput.FAULT:
        return int(evse.fault)
    return limit_register(evse.local_limit)
