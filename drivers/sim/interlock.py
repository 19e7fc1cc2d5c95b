"""The simulated hardware interlock, observable from outside the process that drives it.

On a real board the interlock is its own circuit: a retriggerable monostable fed by the
control loop's heartbeat output, in series with the contactor coil's driver. When the
control process dies, the circuit is still there and drops the coil once the heartbeat
has been silent for its window. The in-process model of `drivers.sim.evse` dies with the
process it lives in, so it cannot show that. This module gives the simulated relay and
heartbeat a second, external path:

* `InterlockRegion` is a small file mapped into memory (``[hardware.sim] interlock_file``)
  that the simulated hardware writes on every coil command and every heartbeat edge. A
  write is a few stores into the mapping, no system call (the timestamps come from
  ``time.monotonic``, which Linux serves without one), so the control loop pays next to
  nothing per period. The mapping is shared, so the last values stay readable after the
  writer was killed.
* `InterlockModel` reads a snapshot of the region in any process and computes what the
  reference circuit (docs/safety.md) does: the coil carries current only while it is
  commanded AND the monostable is on, that is a rising edge of the heartbeat came within
  the window (the 74HCT123's B input triggers on rising edges only; the line starts low,
  so every odd edge rises). The instant it drops follows from the recorded timestamps
  alone (the last rising edge plus the window, or the coil command that came first), so
  two readers of the same region agree on it.

``python -m drivers.sim.interlock FILE`` prints the modelled state of every EVSE
(``--follow`` keeps printing the changes).

The in-process model of `drivers.sim.evse` retriggers on every edge; with a window of at
least two control periods both keep a healthy loop's coil on, and this one, the reference
circuit's, drops up to one period earlier after the heartbeat stops.

Layout (version 1, little-endian): a 32-byte header, then one 48-byte slot per EVSE
(EVSE id n in slot n - 1)::

    header  magic "SIMILOCK" (8 bytes), version u32, evse count u32,
            window f64 (s), writer pid u32, 4 bytes reserved
    slot    sequence u64 (odd while the writer is in the middle of an update),
            heartbeat edges u64, last edge f64, last rising edge f64,
            coil commanded u64 (0/1), last coil command f64

Times are ``CLOCK_MONOTONIC`` seconds, the clock every process on the host shares; a
time of 0.0 means "never". The sequence number lets a reader retry
a slot it read half-written (a seqlock: one writer per slot, readers never block it).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import mmap
import os
import struct
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"SIMILOCK"
VERSION = 1
_HEADER = struct.Struct("<8sIIdI4x")
_SLOT = struct.Struct("<QQddQd")
_SEQ = struct.Struct("<Q")
#: How often a reader retries a slot the writer keeps changing under it.
_READ_ATTEMPTS = 1000


class InterlockRegionError(ValueError):
    """The file is not an interlock region this code understands."""


@dataclass(frozen=True)
class SlotSnapshot:
    """What the simulated hardware of one EVSE last published."""

    evse_id: int
    #: Heartbeat edges since the region was created (the output's level is the parity).
    edges: int
    #: Monotonic time of the last edge; None before the first.
    last_edge: float | None
    #: Monotonic time of the last rising edge (the ones that retrigger the monostable).
    last_rising: float | None
    coil_commanded: bool
    #: Monotonic time of the last coil command; None before the first.
    coil_changed: float | None


@dataclass(frozen=True)
class RegionSnapshot:
    """One consistent reading of every slot of a region."""

    window: float
    writer_pid: int
    slots: tuple[SlotSnapshot, ...]


class InterlockRegion:
    """A memory-mapped file shared by the simulated hardware (writer) and any number of
    readers. Create it with `create` (the control process, at start-up), open it with
    `open` (anyone, read-only)."""

    def __init__(
        self,
        mapping: mmap.mmap,
        count: int,
        *,
        writable: bool,
        clock: Callable,
        lock_fd: int | None = None,
    ) -> None:
        self._map = mapping
        self.count = count
        self._writable = writable
        self._clock = clock
        self._lock_fd = lock_fd

    @classmethod
    def create(
        cls,
        path: Path,
        evse_count: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> InterlockRegion:
        """Create (or reset) the region at ``path`` for ``evse_count`` EVSEs.

        A file left by an earlier writer is rewritten in place, so a reader that still
        maps it sees the new writer's values. A writer that is still alive holds a lock
        on the file, and another one (``station check`` building the simulated hardware
        next to a running station) is refused with `InterlockRegionError` rather than
        zeroing the live region. ``clock`` stamps the edges and commands; it must be a
        clock the readers share (the default), a fake one only in tests."""
        if evse_count < 1:
            raise ValueError(f"an interlock region needs at least one EVSE, got {evse_count}")
        if not (math.isfinite(window) and window > 0):
            raise ValueError(f"interlock window must be a positive number of s, got {window}")
        size = _HEADER.size + _SLOT.size * evse_count
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                # Held until this writer closes the region or dies (the kernel drops it).
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InterlockRegionError(
                    f"{path}: interlock region in use by another simulated station"
                ) from None
            os.ftruncate(fd, size)
            mapping = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except BaseException:
            os.close(fd)
            raise
        mapping[:] = bytes(size)
        region = cls(mapping, evse_count, writable=True, clock=clock, lock_fd=fd)
        # The header last: a reader that finds the magic finds zeroed slots behind it.
        _HEADER.pack_into(mapping, 0, MAGIC, VERSION, evse_count, window, os.getpid())
        return region

    @classmethod
    def open(cls, path: Path) -> InterlockRegion:
        """Map an existing region read-only; raises `InterlockRegionError` when ``path``
        is not one (wrong magic, version or size)."""
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size < _HEADER.size:
                raise InterlockRegionError(f"{path}: {size} bytes is too short for a region")
            mapping = mmap.mmap(file.fileno(), size, mmap.MAP_SHARED, mmap.PROT_READ)
        magic, version, count, _, _ = _HEADER.unpack_from(mapping, 0)
        if magic != MAGIC:
            mapping.close()
            raise InterlockRegionError(f"{path}: not an interlock region (magic {magic!r})")
        if version != VERSION:
            mapping.close()
            raise InterlockRegionError(
                f"{path}: interlock region version {version}, this reader knows {VERSION}"
            )
        if size < _HEADER.size + _SLOT.size * count:
            mapping.close()
            raise InterlockRegionError(f"{path}: {size} bytes cannot hold {count} slots")
        return cls(mapping, count, writable=False, clock=time.monotonic)

    # -- the writer (the simulated relay and heartbeat) ---------------------------------

    def publish_edge(self, evse_id: int) -> None:
        """Record one heartbeat edge of EVSE ``evse_id`` now."""
        offset = self._offset(evse_id)
        seq, edges, _, rising_at, coil, coil_at = _SLOT.unpack_from(self._map, offset)
        now = self._clock()
        if edges % 2 == 0:  # the line was low: this edge rises
            rising_at = now
        self._write(offset, seq, edges + 1, now, rising_at, coil, coil_at)

    def publish_coil(self, evse_id: int, closed: bool) -> None:
        """Record that the coil of EVSE ``evse_id`` is now commanded ``closed``."""
        offset = self._offset(evse_id)
        seq, edges, edge_at, rising_at, _, _ = _SLOT.unpack_from(self._map, offset)
        self._write(offset, seq, edges, edge_at, rising_at, int(closed), self._clock())

    def _write(self, offset: int, seq: int, *fields: object) -> None:
        if not self._writable:
            raise InterlockRegionError("this interlock region was opened read-only")
        # Seqlock: odd while the slot changes, even again (and different) once it is whole.
        _SEQ.pack_into(self._map, offset, seq + 1)
        _SLOT.pack_into(self._map, offset, seq + 1, *fields)
        _SEQ.pack_into(self._map, offset, seq + 2)

    def _offset(self, evse_id: int) -> int:
        if not 1 <= evse_id <= self.count:
            raise ValueError(f"EVSE {evse_id} has no slot; the region holds 1-{self.count}")
        return _HEADER.size + _SLOT.size * (evse_id - 1)

    # -- readers ------------------------------------------------------------------------

    def snapshot(self) -> RegionSnapshot:
        """Every slot as last published, each read whole."""
        _, _, count, window, pid = _HEADER.unpack_from(self._map, 0)
        return RegionSnapshot(
            window=window,
            writer_pid=pid,
            slots=tuple(self._read_slot(evse_id) for evse_id in range(1, count + 1)),
        )

    def _read_slot(self, evse_id: int) -> SlotSnapshot:
        offset = self._offset(evse_id)
        for _ in range(_READ_ATTEMPTS):
            seq, edges, edge_at, rising_at, coil, coil_at = _SLOT.unpack_from(self._map, offset)
            if seq % 2 == 0 and _SEQ.unpack_from(self._map, offset)[0] == seq:
                return SlotSnapshot(
                    evse_id=evse_id,
                    edges=edges,
                    last_edge=edge_at or None,
                    last_rising=rising_at or None,
                    coil_commanded=bool(coil),
                    coil_changed=coil_at or None,
                )
            time.sleep(0)  # the writer is mid-update: let it finish
        raise InterlockRegionError(f"slot of EVSE {evse_id} never read whole")

    def close(self) -> None:
        """Unmap the region and let another writer have it (the file stays for readers)."""
        self._map.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


# -- the circuit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactorState:
    """What the modelled interlock does to one EVSE's coil at a moment."""

    evse_id: int
    #: True while the coil carries current: commanded, and an edge within the window.
    energized: bool
    #: When the coil last lost its current (None: energized, or never energized).
    dropped_at: float | None
    #: Why it is not energized: "commanded open", "heartbeat stopped", "no heartbeat".
    reason: str | None
    #: The last rising edge of the heartbeat (what the window counts from).
    last_rising: float | None
    edges: int


def contactor_state(slot: SlotSnapshot, window: float, now: float) -> ContactorState:
    """The modelled coil of one EVSE at ``now`` (monotonic s) given what was published.

    The monostable holds its output for ``window`` after each rising edge; the coil needs
    both that output and the software's command. The drop instant is computed from the
    recorded times, not from when a reader looked, so every reader reports the same."""
    rising = slot.last_rising
    beating = rising is not None and now - rising <= window
    if slot.coil_commanded and beating:
        return ContactorState(slot.evse_id, True, None, None, rising, slot.edges)
    # The monostable went low one window after the last rising edge.
    stopped = None if rising is None or beating else rising + window
    commanded = slot.coil_changed
    dropped: float | None
    if rising is None:
        reason, dropped = "no heartbeat", None
    elif slot.coil_commanded:
        assert stopped is not None
        reason = "heartbeat stopped"
        # Commanded closed only after the heartbeat had stopped: it never got current.
        dropped = stopped if commanded is None or commanded < stopped else None
    elif commanded is None:
        reason, dropped = "commanded open", None  # never commanded closed
    elif stopped is not None and stopped < commanded:
        reason, dropped = "heartbeat stopped", stopped  # the first to cut the coil
    else:
        reason, dropped = "commanded open", commanded
    return ContactorState(slot.evse_id, False, dropped, reason, rising, slot.edges)


@dataclass(frozen=True)
class Transition:
    """The modelled coil of an EVSE changed between two observations."""

    evse_id: int
    energized: bool
    #: When the model says it happened (the drop instant for an opening; the observation
    #: for a closing, whose exact moment the region does not record).
    at: float
    #: When the observer noticed.
    observed_at: float
    state: ContactorState


class InterlockModel:
    """Follows a region over time and reports the coil changes of every EVSE.

    ``window`` overrides the region's own (None: use the one the writer recorded)."""

    def __init__(self, region: InterlockRegion, *, window: float | None = None) -> None:
        self.region = region
        self._window = window
        self.states: dict[int, ContactorState] = {}

    def observe(self, now: float) -> list[Transition]:
        """Read the region and return what changed since the previous observation."""
        snapshot = self.region.snapshot()
        window = self._window if self._window is not None else snapshot.window
        changes = []
        for slot in snapshot.slots:
            state = contactor_state(slot, window, now)
            previous = self.states.get(slot.evse_id)
            if previous is not None and previous.energized != state.energized:
                at = now if state.energized or state.dropped_at is None else state.dropped_at
                changes.append(Transition(slot.evse_id, state.energized, at, now, state))
            self.states[slot.evse_id] = state
        return changes

    def energized(self, evse_id: int) -> bool:
        """The coil of ``evse_id`` at the last observation (False before the first)."""
        state = self.states.get(evse_id)
        return state is not None and state.energized


def _describe(state: ContactorState) -> dict:
    return {
        "evse": state.evse_id,
        "contactor": "closed" if state.energized else "open",
        "reason": state.reason,
        "dropped_at": state.dropped_at,
        "last_rising": state.last_rising,
        "edges": state.edges,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m drivers.sim.interlock FILE [--follow] [--window S] [--poll S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.sim.interlock",
        description="Print the contactor state the simulated hardware interlock gives.",
    )
    parser.add_argument("file", type=Path, help="the [hardware.sim] interlock_file")
    parser.add_argument("--window", type=float, help="override the recorded window (s)")
    parser.add_argument("--follow", action="store_true", help="print every change until ^C")
    parser.add_argument("--poll", type=float, default=0.005, help="follow's poll period (s)")
    args = parser.parse_args(argv)
    try:
        region = InterlockRegion.open(args.file)
    except (OSError, InterlockRegionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    model = InterlockModel(region, window=args.window)
    model.observe(time.monotonic())
    _print(model.states.values())
    if not args.follow:
        return 0
    try:
        while True:
            time.sleep(args.poll)
            for change in model.observe(time.monotonic()):
                print(json.dumps({**_describe(change.state), "at": change.at}), flush=True)
    except KeyboardInterrupt:
        return 0


def _print(states: Iterable[ContactorState]) -> None:
    for state in states:
        print(json.dumps(_describe(state)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
