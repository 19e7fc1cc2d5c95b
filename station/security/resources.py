"""MemoryExhaustion: the station's flash or RAM is getting full (Appendix 1 security events).

`ResourceWatch` looks every `PERIOD` seconds at the two resources the station runs out of:

* flash: free space on the file system of ``data_dir`` (the store, logs, certificates and
  firmware downloads live there; a full disk loses transaction messages). Low below
  `MIN_FREE_BYTES` or `MIN_FREE_FRACTION` of the file system, whichever is larger;
* RAM: the cgroup's ``memory.current`` against its ``memory.max`` (systemd's
  ``MemoryMax=``, see docs/architecture.md), low above `MAX_MEMORY_FRACTION`. Outside a
  memory-limited cgroup there is no bound to compare with, and nothing is reported.

Each resource raises the event once when it becomes low, and again only after it was
back to comfortable (hysteresis: `REARM_FACTOR` of the threshold), so a disk that hovers
at the limit does not flood the CSMS with a critical event every minute. The probes are
functions, so tests drive them; reading them is file I/O, done on the `Offload`.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import trio

from station.offload import Offload

log = logging.getLogger(__name__)

PERIOD = 60.0
MIN_FREE_BYTES = 50 * 1024 * 1024
MIN_FREE_FRACTION = 0.05
MAX_MEMORY_FRACTION = 0.90
#: Back to comfortable: free space above threshold × 2, memory below fraction × 0.9.
REARM_FACTOR = 2.0
MEMORY_REARM = 0.9


@dataclass(frozen=True, slots=True)
class Usage:
    """What a probe found: ``used`` out of ``total`` bytes (None: not measurable here)."""

    used: int
    total: int


def disk_usage(path: Path) -> Usage:
    """The file system of ``path``: used is total minus what is free."""
    found = shutil.disk_usage(path)
    return Usage(found.total - found.free, found.total)


def cgroup_memory(root: Path = Path("/sys/fs/cgroup")) -> Usage | None:
    """This process's cgroup v2 memory use and limit; None without a limit."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("0::"):
            group = root / line[3:].lstrip("/")
            break
    else:
        return None
    try:
        limit = (group / "memory.max").read_text().strip()
        current = int((group / "memory.current").read_text().strip())
    except (OSError, ValueError):
        return None
    if limit == "max":
        return None
    return Usage(current, int(limit))


class ResourceWatch:
    """Raises MemoryExhaustion when flash or RAM gets full, once per episode."""

    def __init__(
        self,
        data_dir: Path,
        offload: Offload,
        security_event: Callable[[str, str], Awaitable[None]],
        *,
        disk: Callable[[], Usage | None] | None = None,
        memory: Callable[[], Usage | None] = cgroup_memory,
        period: float = PERIOD,
    ) -> None:
        self._disk = disk or (lambda: disk_usage(data_dir))
        self._memory = memory
        self._offload = offload
        self._security_event = security_event
        self._period = period
        #: Which resources are low now (reported once until they recover).
        self.low: set[str] = set()

    async def check(self) -> None:
        """One look at both resources (the periodic task calls it)."""
        disk, memory = await self._offload.run(lambda: (_safe(self._disk), _safe(self._memory)))
        if disk is not None and disk.total > 0:
            free = disk.total - disk.used
            threshold = max(MIN_FREE_BYTES, MIN_FREE_FRACTION * disk.total)
            await self._judge(
                "flash",
                free < threshold,
                free > threshold * REARM_FACTOR,
                f"flash: {free // 1_048_576} MiB free of {disk.total // 1_048_576} MiB "
                f"(limit {int(threshold) // 1_048_576} MiB)",
            )
        if memory is not None and memory.total > 0:
            share = memory.used / memory.total
            await self._judge(
                "ram",
                share > MAX_MEMORY_FRACTION,
                share < MAX_MEMORY_FRACTION * MEMORY_REARM,
                f"RAM: {memory.used // 1_048_576} MiB used of the "
                f"{memory.total // 1_048_576} MiB limit ({share:.0%})",
            )

    async def _judge(self, name: str, low: bool, comfortable: bool, detail: str) -> None:
        if low and name not in self.low:
            self.low.add(name)
            log.warning("event=memory_exhaustion resource=%s detail=%r", name, detail)
            await self._security_event("MemoryExhaustion", detail)
        elif comfortable and name in self.low:
            self.low.discard(name)
            log.info("event=memory_recovered resource=%s detail=%r", name, detail)

    async def run(self) -> None:
        """Check every period, for the station's lifetime."""
        deadline = trio.current_time()
        while True:
            await self.check()
            deadline += self._period
            await trio.sleep_until(deadline)


def _safe(probe: Callable[[], Usage | None]) -> Usage | None:
    try:
        return probe()
    except OSError as exc:
        log.warning("event=resource_probe_failed reason=%r", str(exc))
        return None


__all__ = ["ResourceWatch", "Usage", "cgroup_memory", "disk_usage"]
