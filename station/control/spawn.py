"""The OCPP side's process: its command line, environment and sandbox, and its first start.

`station run` starts the OCPP side as early as it can: right after it holds the data
directory's lock, before it imports trio and the control service and builds the hardware.
The two processes then import in parallel (the OCPP side's imports are most of the time
from start to BootNotification). So that the OCPP side finds the control protocol's
socket whenever it gets there, the socket is bound and listening before the spawn
(`bind_link`): a connection that arrives before the control service serves it waits in
the listen backlog. Nothing here imports trio; `station.control.process` supervises the
process from then on (`ChildSupervisor`), and kills it if the control process fails to
start.
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
    return config.station.data_dir / "control-link.sock"


class SpawnOptions(TypedDict, total=False):
    """Process-creation options for the OCPP side (those `ocpp_side_sandbox` sets), as
    both `subprocess.Popen` and `trio.lowlevel.open_process` take them."""

    extra_groups: list[int]
    preexec_fn: Callable[[], object]


def ocpp_side_argv(config_path: Path, link: Path) -> list[str]:
    """The command line of the OCPP side."""
    return [
        sys.executable,
        "-m",
        "station",
        "ocpp-side",
        "--config",
        str(config_path),
        "--link",
        str(link),
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
    groups = os.getgroups()
    if not groups:
        return {}
    if not _capable(_CAP_SETGID):
        log.warning(
            "event=ocpp_side_not_sandboxed groups=%s reason='no CAP_SETGID to drop them' "
            "detail='the OCPP side could open the devices'",
            ",".join(str(g) for g in groups),
        )
        return {}
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def clear_ambient_capabilities() -> None:
        # Runs in the child between fork and exec: keep it to one system call.
        libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

    log.info("event=ocpp_side_sandbox dropped_groups=%s", ",".join(str(g) for g in groups))
    return {"extra_groups": [], "preexec_fn": clear_ambient_capabilities}


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
    """The listening link and the first OCPP side, started before the event loop."""

    def __init__(self, link: Path, sock: socket.socket, child: subprocess.Popen[bytes]) -> None:
        self.link = link
        self.sock = sock
        self.child = child

    def abandon(self) -> None:
        """The control process failed to start: stop the OCPP side (it must not talk to the
        CSMS for a station whose hardware is not under control) and close the link."""
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        self.sock.close()


def start_ocpp_side(config: StationConfig, config_path: Path) -> EarlyStart:
    """Bind the link and start the OCPP side (at normal priority: the control process has
    not entered real-time yet)."""
    link = link_path(config)
    sock = bind_link(link)
    try:
        child = subprocess.Popen(
            ocpp_side_argv(config_path, link), env=child_env(), **ocpp_side_sandbox()
        )
    except BaseException:
        sock.close()
        raise
    log.info("event=ocpp_side_started pid=%d restarts=0", child.pid)
    return EarlyStart(link, sock, child)
