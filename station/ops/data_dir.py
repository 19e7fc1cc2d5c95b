"""The data directory: private to the station's user, and used by one station at a time.

``station.db`` holds the Basic-auth password and the network profiles, ``certificates/``
the station's private key, the message log every idToken the CSMS saw. None of it may be
readable by another local user, whatever umask the station was started with (a shell's
022 gives 0644 files): every directory under ``data_dir`` is 0700 and every file and
socket 0600. Three layers make sure of it:

* `private_umask`: the station's processes create files with umask 077 (SQLite's
  ``-wal``/``-shm``, certificates, firmware, logs, sockets, whichever module made them);
* `prepare`: at start the directory is created 0700 and whatever an older version or a
  hand left more open is tightened (logged once, with the count);
* modules that create files themselves (the store, the message log) also pass the mode
  explicitly, so a library that resets the umask cannot widen them.

Two stations on one ``data_dir`` would share the store and steal each other's control
socket; `DataDirLock` holds an exclusive ``flock`` on ``<data_dir>/station.lock`` for the
life of the process that owns the directory (the control process, or the single process
with ``--single-process``) and refuses a second one, naming the PID that holds it. The
lock is the kernel's: it goes with the process, however that process ends, so a stale
lock file never blocks a restart.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
PRIVATE_UMASK = 0o077
LOCK_NAME = "station.lock"


class DataDirBusy(Exception):
    """Another station process holds the data directory."""

    def __init__(self, data_dir: Path, holder: str) -> None:
        super().__init__(
            f"data_dir {data_dir} is in use by another station ({holder}); stop it first "
            "(systemctl stop ocpp-station, or end that process) or give this one its own data_dir"
        )
        self.data_dir = data_dir
        self.holder = holder


@contextmanager
def private_umask() -> Iterator[None]:
    """Create files 0600 and directories 0700 while inside (restores the umask after)."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def prepare(data_dir: Path) -> int:
    """Create ``data_dir`` 0700 and tighten everything below it; returns how many entries
    had to be tightened. Symbolic links are neither followed nor changed."""
    data_dir.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
    tightened = 0
    for root, directories, files in os.walk(data_dir):
        for name in [".", *directories, *files]:
            path = os.path.join(root, name)
            tightened += _tighten(path)
    if tightened:
        log.warning(
            "event=data_dir_tightened path=%s entries=%d mode='dirs 0700, files 0600'",
            data_dir,
            tightened,
        )
    return tightened


def _tighten(path: str) -> int:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return 0
    if stat.S_ISLNK(info.st_mode):
        return 0
    wanted = DIRECTORY_MODE if stat.S_ISDIR(info.st_mode) else FILE_MODE
    if stat.S_IMODE(info.st_mode) & ~wanted:
        os.chmod(path, stat.S_IMODE(info.st_mode) & wanted)
        return 1
    return 0


def create_private(path: Path) -> None:
    """Create ``path`` as an empty 0600 file unless it exists (then make it 0600)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


class DataDirLock:
    """An exclusive, process-lifetime ``flock`` on ``<data_dir>/station.lock``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_NAME
        self._descriptor: int | None = None

    def acquire(self, role: str = "station run") -> None:
        """Take the lock or raise `DataDirBusy` naming the holder; writes our PID into the
        file so that the next one can name us. The descriptor is not inherited by
        children (the OCPP side runs under its parent's lock)."""
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode(errors="replace").strip()
            os.close(descriptor)
            raise DataDirBusy(self.data_dir, holder or "PID unknown") from None
        except BaseException:
            os.close(descriptor)
            raise
        os.fchmod(descriptor, FILE_MODE)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"pid {os.getpid()}, {role}\n".encode(), 0)
        self._descriptor = descriptor
        log.info("event=data_dir_locked path=%s pid=%d", self.path, os.getpid())

    def release(self) -> None:
        """Give the lock up (it also goes when the process ends)."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


__all__ = [
    "DataDirBusy",
    "DataDirLock",
    "create_private",
    "prepare",
    "private_umask",
]
