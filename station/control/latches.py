"""Latched faults that outlive the process: a welded contactor stays a fault after a
Reset, a crash or a power cycle, until an operator has looked at it and cleared it.

The control side writes no SQLite (docs/architecture.md), so each EVSE keeps its latched faults in
a small JSON file of its own, ``<data_dir>/latched-faults/evse-<id>.json``, replaced
atomically (write a temporary file, fsync it, rename it over the old one, fsync the
directory): after a power loss the file holds either the old or the new set, never a
torn one. The file calls block; they run through an `Offload` (a worker thread of the
control side's own, never the store's; inline under MockClock tests).

Fail safe: a file that exists but cannot be read or understood counts as a welded
contactor (the EVSE stays out of service and the log says why), because forgetting a
welded contactor is the worse mistake. An operator's clear writes a good file again.
"""

from __future__ import annotations

import json
import logging
import math
import os
from pathlib import Path
from typing import Protocol

import trio

from station.control.iec61851 import LATCHED, Fault
from station.offload import Offload

log = logging.getLogger(__name__)

#: What an unreadable file stands for.
UNREADABLE = frozenset({Fault.WELDED.value})
#: After a failed write, the control loop tries again this much later.
RETRY_S = 5.0


class LatchStore(Protocol):
    """Where one EVSE's latched faults are kept (fault names, e.g. ``"welded"``)."""

    async def load(self) -> frozenset[str]:
        """The latched faults saved last."""

    async def save(self, faults: frozenset[str]) -> None:
        """Replace the saved set; durable when it returns; raises `OSError` on failure."""


class LatchFile:
    """`LatchStore` in one JSON file, replaced atomically."""

    def __init__(self, path: Path, offload: Offload) -> None:
        self.path = path
        self._offload = offload

    @classmethod
    def for_evse(cls, data_dir: Path, evse_id: int, offload: Offload) -> LatchFile:
        """The file of EVSE ``evse_id`` under the station's data directory."""
        return cls(data_dir / "latched-faults" / f"evse-{evse_id}.json", offload)

    async def load(self) -> frozenset[str]:
        """The saved faults (see `read`)."""
        return await self._offload.run(self.read)

    async def save(self, faults: frozenset[str]) -> None:
        """Write ``faults`` durably (see `write`)."""
        await self._offload.run(lambda: self.write(faults))

    def read(self) -> frozenset[str]:
        """The saved faults; none if there is no file; `UNREADABLE` if it is damaged."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return frozenset()
        except OSError as exc:
            log.error("event=latched_faults_unreadable path=%s error=%r", self.path, str(exc))
            return UNREADABLE
        try:
            data = json.loads(text)
            faults = data["latched"]
            if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
                raise ValueError("'latched' is not a list of fault names")
        except (ValueError, KeyError, TypeError) as exc:
            log.error("event=latched_faults_damaged path=%s error=%r", self.path, str(exc))
            return UNREADABLE
        return frozenset(faults)

    def write(self, faults: frozenset[str]) -> None:
        """Write ``faults`` durably: temporary file, fsync, rename, fsync of the directory."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        payload = json.dumps({"latched": sorted(faults)}) + "\n"
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class LatchKeeper:
    """Keeps one EVSE's `LatchStore` in step with its machine's latched faults.

    The control loop calls `load` when it starts and `follow` at the end of every
    iteration (after the outputs are applied: saving never delays opening the contactor).
    A save that fails is logged and retried after `RETRY_S`; the latch holds in memory
    meanwhile. No timeout: a write that hangs stalls the loop with the contactor already
    commanded open, and the heartbeat stops, so the interlock drops the coil as well.
    """

    def __init__(self, store: LatchStore, evse_id: int) -> None:
        self._store = store
        self._evse_id = evse_id
        self._saved: frozenset[Fault] | None = None  # None: not loaded yet
        self._retry_at = -math.inf
        self._lock = trio.Lock()

    async def load(self) -> frozenset[Fault]:
        """The latched faults saved before (once; later calls return none)."""
        if self._saved is not None:
            return frozenset()
        latched: set[Fault] = set()
        for name in await self._store.load():
            try:
                latched.add(Fault(name))
            except ValueError:
                # A name this version does not know: keep the EVSE out of service.
                log.error("event=latched_fault_unknown evse=%s name=%r", self._evse_id, name)
                latched |= {Fault(n) for n in UNREADABLE}
        loaded = frozenset(latched & LATCHED)
        if loaded:
            log.warning(
                "event=latched_faults_loaded evse=%s faults=%s",
                self._evse_id,
                ",".join(sorted(f.value for f in loaded)),
            )
        self._saved = loaded
        return loaded

    @property
    def nothing_saved(self) -> bool:
        """Loaded, and no latched fault is on file: `follow` with none has nothing to do."""
        return self._saved is not None and not self._saved

    async def follow(self, latched: frozenset[Fault]) -> None:
        """Save ``latched`` if it differs from what was saved (and no retry is pending)."""
        if latched == self._saved or trio.current_time() < self._retry_at:
            return
        await self.save(latched)

    async def save(self, latched: frozenset[Fault]) -> OSError | None:
        """Save ``latched`` now; returns the error if that failed."""
        names = frozenset(f.value for f in latched)
        async with self._lock:
            try:
                await self._store.save(names)
            except OSError as exc:
                log.error(
                    "event=latched_faults_not_saved evse=%s error=%r", self._evse_id, str(exc)
                )
                self._retry_at = trio.current_time() + RETRY_S
                return exc
            self._saved = latched
        log.info("event=latched_faults_saved evse=%s faults=%s", self._evse_id, sorted(names))
        return None
