"""The process limits a fleet runs into, checked before it starts.

Each station holds a handful of file descriptors for its whole life: its WebSocket, its
SQLite database with its write-ahead log and shared-memory index, its simulated world
file, its control socket, and briefly a message-log file. A thousand stations need more
than the usual soft limit of 1024 open files: the fleet raises the soft limit up to the
hard limit (what any process may do) and, when even the hard limit is too low, refuses
to start with the numbers, rather than have stations fail one by one with EMFILE.
"""

from __future__ import annotations

import resource

#: Descriptors one station holds (measured: socket, db, -wal, -shm, sim world, control
#: socket, plus room for a message-log write and a certificate read at the same time).
FDS_PER_STATION = 8
#: Descriptors of the process itself (standard streams, the event loop, worker threads,
#: the data-directory lock, imported modules' files).
FDS_BASE = 64


class ResourceLimitError(Exception):
    """A process limit is too low for the fleet; ``str()`` names the limit and the numbers."""


def open_files_needed(count: int) -> int:
    """File descriptors a fleet of ``count`` stations needs."""
    return FDS_BASE + FDS_PER_STATION * count


def ensure_open_files(count: int) -> int | None:
    """Raise the open-files soft limit when ``count`` stations need it; returns the new
    soft limit, or None when it was high enough. Raises `ResourceLimitError` when the
    hard limit is too low."""
    needed = open_files_needed(count)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return None
    if hard != resource.RLIM_INFINITY and hard < needed:
        fits = max((hard - FDS_BASE) // FDS_PER_STATION, 0)
        raise ResourceLimitError(
            f"{count} stations need about {needed} open files, but the hard limit "
            f"(ulimit -Hn) is {hard}: raise it (LimitNOFILE= for a service, limits.conf "
            f"for a login) or run at most {fits} stations"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return needed
