"""The OCPP side's process: its command line, environment and sandbox, and its first start.

`station run` starts the OCPP side's interpreter first thing, before it reads its
configuration file (`prestart_ocpp_side`): the OCPP side's imports are most of the time
from start to BootNotification, and they then run while the control process validates
the file, takes the data directory's lock, imports trio and the control service and
builds the hardware. Until the control process hands it the control protocol's socket
(`EarlyStart.go`, over a pipe) the OCPP side only imports: it reads no configuration,
opens nothing in the data directory and prints nothing, so a file that turns out to be
invalid, or a data directory another station holds, ends with the control process's
one-line refusal and nothing else (`EarlyStart.abandon` kills it). So that the OCPP side
finds the socket whenever it gets there, the socket is bound and listening before the
hand-over (`bind_link`): a connection that arrives before the control service serves it
waits in the listen backlog. Nothing here imports trio; `station.control.process`
supervises the process from then on (`ChildSupervisor`), and kills it if the control
process fails to start.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from station.config import StationConfig

log = logging.getLogger(__name__)

#: Connections the control protocol's socket queues before they are accepted.
LINK_BACKLOG = 4


def link_path(config: StationConfig) -> Path:
    """Where the control process serves the control protocol."""
    return link_in(config.station.data_dir)


def link_in(data_dir: Path) -> Path:
    """The control protocol's socket in the data directory ``data_dir``."""
    return data_dir / "control-link.sock"


class SpawnOptions(TypedDict, total=False):
    """Process-creation options for the OCPP side (those `ocpp_side_sandbox` sets), as
    both `subprocess.Popen` and `trio.lowlevel.open_process` take them."""

    extra_groups: list[int]
    preexec_fn: Callable[[], object]


def ocpp_side_argv(config_path: Path, link: Path | None, *, wait_fd: int = -1) -> list[str]:
    """The command line of the OCPP side: with the control protocol's socket ``link``, or
    (None) waiting to read it from the pipe ``wait_fd`` (`prestart_ocpp_side`)."""
    where = ["--link", str(link)] if link is not None else ["--wait-fd", str(wait_fd)]
    return [
        sys.executable,
        "-m",
        "station",
        "ocpp-side",
        "--config",
        str(config_path),
        *where,
        "--parent",
        str(os.getpid()),
    ]


#: Linux capability and prctl numbers (linux/capability.h, linux/prctl.h).
_CAP_SETGID = 6
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4


def _capable(bit: int) -> bool:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapEff:"):
                    return bool(int(line.split()[1], 16) >> bit & 1)
    except OSError:
        pass
    return False


def ocpp_side_sandbox() -> SpawnOptions:
    """Popen options that start the OCPP side without the supplementary groups that give
    the control process its devices (gpio, spi, dialout on Raspberry Pi OS) and without
    ambient capabilities (so that it cannot take the groups back).

    Needs CAP_SETGID in the control process (the unit's ``AmbientCapabilities=CAP_SETGID``);
    without it the OCPP side keeps the groups, and that is logged."""
    options, report = _sandbox()
    report()
    return options


def _sandbox() -> tuple[SpawnOptions, Callable[[], None]]:
    """`ocpp_side_sandbox`'s options, and the call that logs what they do (a prestarted
    OCPP side logs it once the control process knows its log settings)."""
    groups = os.getgroups()
    if not groups:
        return {}, lambda: None
    names = ",".join(str(g) for g in groups)
    if not _capable(_CAP_SETGID):
        return {}, lambda: log.warning(
            "event=ocpp_side_not_sandboxed groups=%s reason='no CAP_SETGID to drop them' "
            "detail='the OCPP side could open the devices'",
            names,
        )
    import ctypes

    # The process's own symbols include libc's (no `ctypes.util.find_library`, which
    # runs ldconfig in a subprocess).
    libc = ctypes.CDLL(None, use_errno=True)

    def clear_ambient_capabilities() -> None:
        # Runs in the child between fork and exec: keep it to one system call.
        libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    return {"extra_groups": [], "preexec_fn": clear_ambient_capabilities}, lambda: log.info(
        "event=ocpp_side_sandbox dropped_groups=%s", names
    )


def child_env() -> dict[str, str]:
    """The OCPP side's environment: the station's, without systemd's notify variables."""
    env = dict(os.environ)
    # Only the control process speaks to systemd (NotifyAccess=main).
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        env.pop(name, None)
    return env


def bind_link(path: Path) -> socket.socket:
    """The control protocol's listening socket at ``path`` (mode 0600: only the station's
    own user may command the hardware), replacing a stale one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        path.chmod(0o600)
        sock.listen(LINK_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


class EarlyStart:
    """The first OCPP side, started before the configuration is read (`prestart_ocpp_side`),
    and once handed over (`go`) the control protocol's listening socket."""

    def __init__(
        self, child: subprocess.Popen[bytes], pipe: int, report: Callable[[], None]
    ) -> None:
        self.child = child
        self._pipe: int | None = pipe
        self._report = report
        self.link: Path | None = None
        self.sock: socket.socket | None = None

    def go(self, data_dir: Path) -> None:
        """Bind the control protocol's socket in ``data_dir`` (held by this process's lock)
        and hand its path to the OCPP side, which goes on from there."""
        if self._pipe is None:
            raise RuntimeError("the OCPP side was handed its link already")
        link = link_in(data_dir)
        self.sock = bind_link(link)
        self.link = link
        pipe, self._pipe = self._pipe, None
        try:
            os.write(pipe, os.fsencode(link) + b"\n")
        finally:
            os.close(pipe)
        self._report()
        log.info("event=ocpp_side_started pid=%d restarts=0", self.child.pid)

    def abandon(self) -> None:
        """The control process failed to start (or refused to): stop the OCPP side (it
        must not talk to the CSMS for a station whose hardware is not under control) and
        close the link."""
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self.sock is not None:
            self.sock.close()


def prestart_ocpp_side(config_path: Path) -> EarlyStart:
    """Start the OCPP side's interpreter now, at normal priority (the control process has
    not entered real-time yet): it imports, then waits for `EarlyStart.go`."""
    options, report = _sandbox()
    read, write = os.pipe()
    try:
        child = subprocess.Popen(
            ocpp_side_argv(config_path, None, wait_fd=read),
            env=child_env(),
            pass_fds=(read,),
            **options,
        )
    except BaseException:
        os.close(write)
        raise
    finally:
        os.close(read)
    return EarlyStart(child, write, report)


def wait_for_link(fd: int) -> Path | None:
    """In a prestarted OCPP side: the control protocol's socket, once the control process
    hands it over; None if it gave up (the pipe closed without one)."""
    with os.fdopen(fd, "rb") as pipe:
        line = pipe.readline()
    if not line.endswith(b"\n"):
        return None
    return Path(os.fsdecode(line[:-1]))
