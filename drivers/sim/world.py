"""The simulated world outside the station, kept across station restarts.

A real charging station that reboots finds the world as it left it: the EV is still
plugged in (and still asking for power), the meter's energy registers still hold what
they counted, a card held to the reader is still there. The simulated hardware lives in
the station's process, so without help it would come back with no EV, a meter at 0 Wh and
an empty reader, both after an in-process restart (an OCPP Reset) and in a new process.

`SimWorld` keeps that state in a small file mapped into memory (``<data_dir>/sim-world``
when ``[hardware.sim] persist_world`` is on), the pattern of `drivers.sim.interlock`: a
write is a few stores into a shared mapping and no system call, so the page cache holds
the last values even when the process is killed with SIGKILL, and the control loop pays
next to nothing. What is kept:

* per EVSE, the EV: its IEC 61851-1 state (plugged or not, ready or not), its own maximum
  current, its phases, whether it ignores the PWM, its battery's capacity and whether it
  stopped because the battery was full; written whenever one of them changes;
* per EVSE, the meter's import and export registers (Wh) and the battery's state of
  charge; written on every meter sample (once per meter interval) and when the hardware
  closes. After a SIGKILL the register resumes at the value of the last sample, so it
  never goes below anything the station read; the energy that flowed after that sample
  (at most one meter interval) is lost, and so is its share of the state of charge;
* the card in the reader's field: its UID, how much of its presence window was left
  (a duration, never a monotonic instant: every process has its own clock offset) and
  whether a poll already saw it; written on a tap, the first poll and when it leaves.

What is not kept is what a restart resets on real hardware too: the pilot output, the
contactor (its coil loses its drive; it starts open), the interlock, and injected faults.
The file holds no host times, so a station on trio's MockClock restarts identically on
every run. Removing the file (or a fresh data_dir) gives a fresh world.

Layout (version 2, little-endian): a 16-byte header, then two 64-byte records per EVSE
(EVSE id n in records 2(n-1) and 2(n-1)+1), then two 32-byte card records::

    header  magic "SIMWORLD" (8 bytes), version u32, evse count u32
    evse    sequence u64, EV state (1 ASCII byte), ignores PWM u8, EV phases u8,
            stopped full u8, 4 bytes reserved, EV max current f64 (A),
            energy import f64 (Wh), energy export f64 (Wh), battery capacity f64 (kWh,
            0: no battery model), state of charge f64 (%), 8 bytes reserved
    card    sequence u64, UID length u8 (bytes), UID (10 bytes), seen u8,
            4 bytes reserved, remaining presence f64 (s)

A version 1 file (48-byte EVSE records without phases or battery) is read and rewritten
as version 2 at open: its EVs keep their state, current and registers and get no battery
model and three phases, the defaults of an EV that never had them. Any other version is
not a world file of this station and starts a fresh world.

A sequence of 0 is an empty record. Each thing is written into the older of its two
records, whose sequence is odd while it changes; a reader takes the newer whole (even)
record, so a write cut short by SIGKILL leaves the previous state readable.
"""

from __future__ import annotations

import fcntl
import math
import mmap
import os
import struct
from dataclasses import dataclass, replace
from pathlib import Path

from drivers.sim.ev import EV_STATES, MAX_CAPACITY_KWH, MAX_PILOT_CURRENT

MAGIC = b"SIMWORLD"
VERSION = 2
#: The file's name inside the station's data directory.
FILE_NAME = "sim-world"
_HEADER = struct.Struct("<8sII")
_EVSE = struct.Struct("<Q1sBBB4xddddd8x")
#: The EVSE record of version 1 (read to migrate an older file).
_EVSE_V1 = struct.Struct("<Q1sB6xddd8x")
_CARD = struct.Struct("<QB10sB4xd")
_SEQ = struct.Struct("<Q")
_UID_BYTES = 10


class SimWorldError(ValueError):
    """The world file is in use by another simulated station."""


@dataclass(frozen=True)
class EvseWorld:
    """What is kept of one EVSE: its EV (with its battery) and its meter's registers."""

    ev_state: str = "A"
    ev_max_current: float = 32.0
    ev_ignores_pwm: bool = False
    energy_import_wh: float = 0.0
    energy_export_wh: float = 0.0
    ev_phases: int = 3
    #: None: the EV has no battery model.
    battery_kwh: float | None = None
    soc: float = 0.0
    #: The EV left state C by itself because its battery was full.
    ev_full: bool = False


@dataclass(frozen=True)
class CardWorld:
    """The card in the reader's field."""

    uid: str
    #: Seconds of its presence window left when it was last recorded.
    remaining: float
    #: A poll already reported it (so it leaves when the window ends).
    seen: bool


class SimWorld:
    """The world file of one simulated station, mapped for reading and writing.

    `open` takes the file's lock (one live writer: a second station on the same data
    directory is refused with `SimWorldError`) and reads what an earlier writer left;
    `evse` and `card` return it. `write_evse` and `write_card` record the present state.
    """

    def __init__(
        self,
        mapping: mmap.mmap,
        fd: int,
        evse_count: int,
        evses: dict[int, EvseWorld],
        card: CardWorld | None,
    ) -> None:
        self._map: mmap.mmap | None = mapping
        self._fd: int | None = fd
        self.evse_count = evse_count
        self._evses = evses
        self._card = card

    @classmethod
    def open(cls, path: Path, evse_count: int) -> SimWorld:
        """Map the world file at ``path`` (created when missing) for ``evse_count`` EVSEs.

        A version 1 file is migrated; a file of another version, or one that is not a
        world file, is started afresh; EVSEs the file does not hold start with no EV and
        0 Wh."""
        if evse_count < 1:
            raise ValueError(f"a simulated world needs at least one EVSE, got {evse_count}")
        size = _HEADER.size + 2 * _EVSE.size * evse_count + 2 * _CARD.size
        path.parent.mkdir(parents=True, exist_ok=True)  # the station's data_dir, first start
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                # Held until this station closes its hardware or dies (the kernel drops it).
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SimWorldError(
                    f"{path}: simulated world in use by another simulated station"
                ) from None
            with os.fdopen(os.dup(fd), "rb") as file:
                old = file.read()
            evses, card = _parse(old)
            os.ftruncate(fd, size)
            mapping = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            raise
        evses = {evse_id: state for evse_id, state in evses.items() if evse_id <= evse_count}
        world = cls(mapping, fd, evse_count, evses, card)
        # Rewritten in this file's layout for this EVSE count: records first, header last.
        mapping[:] = bytes(size)
        for evse_id, state in evses.items():
            world.write_evse(evse_id, state)
        world.write_card(card)
        _HEADER.pack_into(mapping, 0, MAGIC, VERSION, evse_count)
        return world

    def evse(self, evse_id: int) -> EvseWorld | None:
        """What EVSE ``evse_id`` held when the world was opened (None: nothing yet)."""
        return self._evses.get(evse_id)

    @property
    def card(self) -> CardWorld | None:
        """The card that was in the field when the world was opened."""
        return self._card

    def write_evse(self, evse_id: int, state: EvseWorld) -> None:
        """Record EVSE ``evse_id``'s EV and registers (a no-op once closed)."""
        if self._map is None:
            return
        if not 1 <= evse_id <= self.evse_count:
            raise ValueError(f"EVSE {evse_id} has no record; the world holds 1-{self.evse_count}")
        base = _HEADER.size + 2 * _EVSE.size * (evse_id - 1)
        self._write(
            base,
            _EVSE,
            state.ev_state.encode("ascii"),
            int(state.ev_ignores_pwm),
            state.ev_phases,
            int(state.ev_full),
            state.ev_max_current,
            state.energy_import_wh,
            state.energy_export_wh,
            state.battery_kwh or 0.0,
            state.soc,
        )

    def write_card(self, card: CardWorld | None) -> None:
        """Record the card in the field (None: the field is empty)."""
        if self._map is None:
            return
        base = _HEADER.size + 2 * _EVSE.size * self.evse_count
        if card is None:
            self._write(base, _CARD, 0, b"", 0, 0.0)
            return
        uid = bytes.fromhex(card.uid)
        self._write(base, _CARD, len(uid), uid, int(card.seen), max(0.0, card.remaining))

    def _write(self, base: int, record: struct.Struct, *fields: object) -> None:
        assert self._map is not None
        first, second = (_SEQ.unpack_from(self._map, base + i * record.size)[0] for i in (0, 1))
        # The older record (the lower sequence) takes the new state; the newer one stays
        # whole meanwhile, and is what a reader finds should this write be cut short.
        offset = base if first <= second else base + record.size
        seq = max(first, second) + (1 if max(first, second) % 2 == 0 else 2)
        _SEQ.pack_into(self._map, offset, seq)  # odd: being written
        record.pack_into(self._map, offset, seq, *fields)
        _SEQ.pack_into(self._map, offset, seq + 1)

    def close(self) -> None:
        """Unmap the file and release its lock (the file stays for the next start)."""
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _newest(data: bytes, base: int, record: struct.Struct) -> tuple | None:
    """The newer of the two whole records at ``base``, or None when neither is."""
    best = None
    for offset in (base, base + record.size):
        fields = record.unpack_from(data, offset)
        seq = fields[0]
        if seq and seq % 2 == 0 and (best is None or seq > best[0]):
            best = fields
    return best


def _parse(data: bytes) -> tuple[dict[int, EvseWorld], CardWorld | None]:
    """What a world file of this version (or of version 1) holds; nothing for anything
    else."""
    if len(data) < _HEADER.size:
        return {}, None
    magic, version, count = _HEADER.unpack_from(data, 0)
    layouts = {VERSION: (_EVSE, _evse_world), 1: (_EVSE_V1, _evse_world_v1)}
    if magic != MAGIC or version not in layouts or count < 1:
        return {}, None
    record, decode = layouts[version]
    if len(data) < _HEADER.size + 2 * record.size * count + 2 * _CARD.size:
        return {}, None
    evses: dict[int, EvseWorld] = {}
    for evse_id in range(1, count + 1):
        fields = _newest(data, _HEADER.size + 2 * record.size * (evse_id - 1), record)
        if fields is not None:
            evses[evse_id] = decode(fields)
    card_fields = _newest(data, _HEADER.size + 2 * record.size * count, _CARD)
    card = _card_world(card_fields) if card_fields is not None else None
    return evses, card


def _evse_world(fields: tuple) -> EvseWorld:
    _, state, ignores, phases, full, max_current, imported, exported, capacity, soc = fields
    base = _evse_world_v1((0, state, ignores, max_current, imported, exported))
    battery = capacity if math.isfinite(capacity) and 0 < capacity <= MAX_CAPACITY_KWH else None
    return replace(
        base,
        ev_phases=phases if phases in (1, 3) else EvseWorld.ev_phases,
        battery_kwh=battery,
        soc=soc if battery is not None and math.isfinite(soc) and 0 <= soc <= 100 else 0.0,
        ev_full=bool(full) and battery is not None,
    )


def _evse_world_v1(fields: tuple) -> EvseWorld:
    _, state, ignores, max_current, imported, exported = fields
    fresh = EvseWorld()
    state = state.decode("ascii", "replace")

    def register(value: float) -> float:
        return value if math.isfinite(value) and value >= 0 else 0.0

    return EvseWorld(
        ev_state=state if state in EV_STATES else fresh.ev_state,
        ev_max_current=(
            max_current
            if math.isfinite(max_current) and 0 <= max_current <= MAX_PILOT_CURRENT
            else fresh.ev_max_current
        ),
        ev_ignores_pwm=bool(ignores),
        energy_import_wh=register(imported),
        energy_export_wh=register(exported),
    )


def _card_world(fields: tuple) -> CardWorld | None:
    _, length, uid, seen, remaining = fields
    if length not in (4, 7, 10) or not math.isfinite(remaining) or remaining < 0:
        return None
    return CardWorld(uid=uid[:length].hex().upper(), remaining=remaining, seen=bool(seen))
