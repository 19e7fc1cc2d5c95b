"""`station run` in two processes: the control process is the root, the OCPP side its child.

The control process (this module's `run_control_process`) builds the hardware, runs the
`ControlService` at real-time priority with its memory locked where allowed, serves the
control protocol on a Unix socket in the data directory, talks to systemd (READY once
every control loop ran, WATCHDOG while they meet their deadlines), and supervises the
OCPP side: ``python -m station ocpp-side``, restarted with exponential back-off when it
exits or crashes, and killed first when it hangs (no frame on the link for the peer
timeout). Why the control process is the root, and not a third
supervisor process: the process that must never stop is the one that owns the contactors;
making it the parent means nothing above it can fail, and its death takes the whole service
(systemd then restarts it and a hardware interlock has already opened the contactors).

The OCPP side starts at normal priority with a raised OOM score, reaches the hardware only
through the socket, and exits when it finds itself orphaned (the control process died): it
first reports its EVSEs Faulted to the CSMS, then leaves, so that it never talks to the
control process of the next start with a stale view.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

import trio

from drivers import build_hardware
from station.config import StationConfig
from station.control.realtime import enter_realtime, leave_realtime, lower_oom_priority
from station.control.service import ControlService, ControlSettings
from station.ops.systemd import Notifier, watchdog

log = logging.getLogger(__name__)

#: Exit status of the OCPP side (and then of `station run`) after a firmware installation.
EXIT_FIRMWARE_RESTART = 75
#: How long the OCPP side may take to stop after SIGTERM before it is killed.
CHILD_STOP_TIMEOUT = 10.0


def link_path(config: StationConfig) -> Path:
    """Where the control process serves the control protocol."""
    return config.station.data_dir / "control-link.sock"


class SpawnOptions(TypedDict, total=False):
    """Process-creation options `ChildSupervisor` passes to `trio.lowlevel.open_process`
    (those `ocpp_side_sandbox` sets)."""

    extra_groups: list[int]
    preexec_fn: Callable[[], object]


class ChildSupervisor:
    """Runs the OCPP side and starts it again with back-off whenever it ends."""

    def __init__(
        self,
        argv: list[str],
        *,
        env: dict[str, str] | None = None,
        options: SpawnOptions | None = None,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.argv = argv
        self.env = env
        self.options: SpawnOptions = options or {}
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.process: trio.Process | None = None
        self.restarts = 0

    def kill(self, reason: str) -> None:
        """Kill the running OCPP side (it hangs); `run` starts a new one."""
        process = self.process
        if process is not None and process.returncode is None:
            log.error("event=ocpp_side_killed pid=%d reason=%r", process.pid, reason)
            process.kill()

    async def run(self, stop: trio.Event) -> int:
        """Supervise until ``stop`` is set (then SIGTERM, SIGKILL after
        `CHILD_STOP_TIMEOUT`) or the child exits with `EXIT_FIRMWARE_RESTART` (returned:
        the root must exit with it)."""
        backoff = self.initial_backoff
        while not stop.is_set():
            started = trio.current_time()
            process = await trio.lowlevel.open_process(self.argv, env=self.env, **self.options)
            self.process = process
            log.info("event=ocpp_side_started pid=%d restarts=%d", process.pid, self.restarts)
            try:
                async with trio.open_nursery() as nursery:

                    async def stop_child(process: trio.Process = process) -> None:
                        await stop.wait()
                        _terminate(process)

                    nursery.start_soon(stop_child)
                    status = await process.wait()
                    nursery.cancel_scope.cancel()
            finally:
                if process.returncode is None:
                    with trio.CancelScope(shield=True):
                        _terminate(process)
                        with trio.move_on_after(CHILD_STOP_TIMEOUT):
                            await process.wait()
                        if process.returncode is None:
                            process.kill()
                            await process.wait()
                self.process = None
            if status == EXIT_FIRMWARE_RESTART:
                log.warning("event=ocpp_side_exited reason='new firmware installed'")
                return status
            if status == 0:
                # A service manager that signals the whole unit at once: let our own
                # SIGTERM arrive rather than restart a child that was told to stop.
                with trio.move_on_after(1.0):
                    await stop.wait()
            if stop.is_set():
                break
            if trio.current_time() - started > self.stable_after:
                backoff = self.initial_backoff
            self.restarts += 1
            log.error(
                "event=ocpp_side_exited status=%d restart_in_s=%g restarts=%d",
                status,
                backoff,
                self.restarts,
            )
            await trio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)
        return 0


def _terminate(process: trio.Process) -> None:
    if process.returncode is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass


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


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # Only the control process speaks to systemd (NotifyAccess=main).
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        env.pop(name, None)
    return env


async def run_control_process(
    config: StationConfig, config_path: Path, stop: trio.Event, *, realtime: bool = True
) -> int:
    """Run the control process until ``stop``; returns the exit status of `station run`."""
    if realtime:
        enter_realtime()
    notifier = Notifier()
    hardware = build_hardware(
        config.hardware,
        now=trio.current_time,
        wall_clock=_wall_clock,
        data_dir=config.station.data_dir,
    )
    service = ControlService(
        config.hardware, hardware, ControlSettings(), latch_dir=config.station.data_dir
    )
    link = link_path(config)
    status = 0
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run, name="control")
            await nursery.start(service.serve_unix, link)
            ready = trio.Event()

            async def announce_ready() -> None:
                await service.wait_first_iterations()
                notifier.notify("READY=1")
                ready.set()
                log.info("event=control_ready evses=%d", len(service.loops))

            nursery.start_soon(announce_ready)
            nursery.start_soon(watchdog, notifier, service.healthy, ready)
            # On a stop, the contactors open first; only then does the OCPP side go.
            child_stop = trio.Event()

            async def stop_in_order() -> None:
                await stop.wait()
                notifier.notify("STOPPING=1")
                await service.stop()
                log.info("event=stopping relays=open")
                child_stop.set()

            nursery.start_soon(stop_in_order)
            child = ChildSupervisor(
                ocpp_side_argv(config_path, link), env=_child_env(), options=ocpp_side_sandbox()
            )
            # A hung OCPP side (no frame for the peer timeout) is killed and started again.
            service.on_peer_hung = child.kill
            status = await child.run(child_stop)
            nursery.cancel_scope.cancel()
    finally:
        with trio.CancelScope(shield=True):
            await service.stop()
        service.close()
        notifier.close()
    return status


def _wall_clock():
    from datetime import UTC, datetime

    return datetime.now(UTC)


# -- the OCPP side ------------------------------------------------------------------------


def unix_connect(path: Path, parent: int | None) -> Callable:
    """How the OCPP side reaches the control process; refuses once orphaned (a control
    process started later is not its parent and must get a fresh OCPP side)."""

    async def connect() -> trio.abc.Stream:
        if parent is not None and os.getppid() != parent:
            raise OSError("the control process that started this OCPP side is gone")
        return await trio.open_unix_socket(str(path))

    return connect


async def watch_parent(parent: int, stop: trio.Event, *, grace: float = 3.0) -> None:
    """Set ``stop`` once the control process died, ``grace`` seconds later (time for the
    link to fail and the EVSEs to be reported Faulted)."""
    while os.getppid() == parent:  # noqa: ASYNC110 - the kernel offers no event for this
        await trio.sleep(0.2)
    log.error("event=control_process_gone parent=%d detail='reporting, then exiting'", parent)
    await trio.sleep(grace)
    stop.set()


def prepare_ocpp_side() -> None:
    """Normal priority and a raised OOM score for the network-facing process."""
    leave_realtime()
    lower_oom_priority()
