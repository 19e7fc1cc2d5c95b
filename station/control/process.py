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
import subprocess
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import trio

from station.control.realtime import leave_realtime, lower_oom_priority
from station.control.spawn import (
    EarlyStart,
    SpawnOptions,
    child_env,
    link_path,
    ocpp_side_argv,
    ocpp_side_sandbox,
)

if TYPE_CHECKING:
    from station.config import StationConfig

__all__ = [
    "EXIT_FIRMWARE_RESTART",
    "ChildSupervisor",
    "EarlyStart",
    "SpawnOptions",
    "link_path",
    "ocpp_side_argv",
    "ocpp_side_sandbox",
    "prepare_ocpp_side",
    "run_control_process",
    "unix_connect",
    "watch_parent",
]

log = logging.getLogger(__name__)

#: Exit status of the OCPP side (and then of `station run`) after a firmware installation.
EXIT_FIRMWARE_RESTART = 75
#: How long the OCPP side may take to stop after SIGTERM before it is killed.
CHILD_STOP_TIMEOUT = 10.0


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
        self.process: Child | None = None
        self.restarts = 0

    def kill(self, reason: str) -> None:
        """Kill the running OCPP side (it hangs); `run` starts a new one."""
        process = self.process
        if process is not None and process.returncode is None:
            log.error("event=ocpp_side_killed pid=%d reason=%r", process.pid, reason)
            process.kill()

    async def run(self, stop: trio.Event, first: subprocess.Popen[bytes] | None = None) -> int:
        """Supervise until ``stop`` is set (then SIGTERM, SIGKILL after
        `CHILD_STOP_TIMEOUT`) or the child exits with `EXIT_FIRMWARE_RESTART` (returned:
        the root must exit with it). ``first``: an OCPP side already started
        (`station.control.spawn.prestart_ocpp_side`), supervised like the ones this starts."""
        backoff = self.initial_backoff
        while first is not None or not stop.is_set():
            started = trio.current_time()
            process: Child
            if first is not None:
                process, first = StartedProcess(first), None
            else:
                process = await trio.lowlevel.open_process(self.argv, env=self.env, **self.options)
                log.info("event=ocpp_side_started pid=%d restarts=%d", process.pid, self.restarts)
            self.process = process
            try:
                async with trio.open_nursery() as nursery:

                    async def stop_child(process: Child = process) -> None:
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


class Child(Protocol):
    """What `ChildSupervisor` needs of a child process (a `trio.Process` has it)."""

    @property
    def pid(self) -> int:
        """The process id."""
        ...

    @property
    def returncode(self) -> int | None:
        """The exit status, None while it runs."""
        ...

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` unless it has ended."""
        ...

    def kill(self) -> None:
        """SIGKILL unless it has ended."""
        ...

    async def wait(self) -> int:
        """Wait for the end; the exit status."""
        ...


class StartedProcess:
    """A `subprocess.Popen` started before the event loop, waited for from trio."""

    #: How often the end of the process is polled where Linux's pidfd is not available.
    POLL_INTERVAL = 0.05

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self.pid = popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status, None while it runs (reaps it once it ended)."""
        return self._popen.poll()

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` unless it has ended (and been reaped)."""
        self._popen.send_signal(sig)

    def kill(self) -> None:
        """SIGKILL unless it has ended."""
        self._popen.kill()

    async def wait(self) -> int:
        """Wait for the end without blocking the loop; the exit status."""
        if self._popen.poll() is None:
            try:
                # Readable once the process ends; nothing else reaps it in the meantime.
                fd = os.pidfd_open(self.pid)
            except (AttributeError, OSError):
                while self._popen.poll() is None:  # noqa: ASYNC110 - no pidfd here
                    await trio.sleep(self.POLL_INTERVAL)
            else:
                try:
                    await trio.lowlevel.wait_readable(fd)
                finally:
                    os.close(fd)
        return self._popen.wait()


def _terminate(process: Child) -> None:
    if process.returncode is None:
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass


async def run_control_process(
    config: StationConfig,
    config_path: Path,
    stop: trio.Event,
    *,
    realtime: bool = True,
    early: EarlyStart | None = None,
) -> int:
    """Run the control process until ``stop``; returns the exit status of `station run`.

    ``early``: the link's socket and the first OCPP side, started before the event loop
    (`station.control.spawn.prestart_ocpp_side`); killed if the control service cannot start
    (the hardware cannot be built), so that no OCPP side talks for unguarded hardware."""
    from drivers import build_hardware
    from station.control.realtime import enter_realtime
    from station.control.service import ControlService, ControlSettings
    from station.ops.systemd import Notifier, watchdog

    try:
        if realtime:
            enter_realtime()
        hardware = build_hardware(
            config.hardware,
            now=trio.current_time,
            wall_clock=_wall_clock,
            data_dir=config.station.data_dir,
        )
        service = ControlService(
            config.hardware, hardware, ControlSettings(), latch_dir=config.station.data_dir
        )
    except BaseException:
        if early is not None:
            early.abandon()
        raise
    notifier = Notifier()
    link = link_path(config)
    status = 0
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run, name="control")
            await nursery.start(
                partial(service.serve_unix, link, sock=None if early is None else early.sock)
            )
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
                ocpp_side_argv(config_path, link), env=child_env(), options=ocpp_side_sandbox()
            )
            # A hung OCPP side (no frame for the peer timeout) is killed and started again.
            service.on_peer_hung = child.kill
            first, early = (None, None) if early is None else (early.child, None)
            status = await child.run(child_stop, first)
            nursery.cancel_scope.cancel()
    finally:
        if early is not None:  # the supervisor never took it over
            early.abandon()
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


#: How often `process_ended` looks where the kernel gives no event (no pidfd).
POLL_WITHOUT_PIDFD = 0.2


async def process_ended(pid: int, running: Callable[[], bool]) -> None:
    """Return once process ``pid`` has ended. ``running`` tells cheaply whether it still
    runs (for the parent: ``os.getppid() == pid``).

    Linux ≥ 5.3 gives a process descriptor (pidfd) that becomes readable when the process
    ends: the wait costs no wake-up at all (a poll of ``getppid`` every 0.2 s was two
    thirds of an idle OCPP side's wake-ups). ``running`` is asked once after the
    descriptor is opened: a pid that ended and was reused before the open would otherwise
    be waited on forever. Elsewhere, ``running`` is polled every `POLL_WITHOUT_PIDFD`."""
    try:
        fd: int | None = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux ≥ 5.3, or the process is gone already
        fd = None
    try:
        if fd is not None:
            if running():  # the descriptor is that process's, not a later one's
                await trio.lowlevel.wait_readable(fd)
            return
        while running():  # noqa: ASYNC110 - no descriptor: nothing tells of the end
            await trio.sleep(POLL_WITHOUT_PIDFD)
    finally:
        if fd is not None:
            os.close(fd)


async def watch_parent(parent: int, stop: trio.Event, *, grace: float = 3.0) -> None:
    """Set ``stop`` once the control process died, ``grace`` seconds later (time for the
    link to fail and the EVSEs to be reported Faulted)."""
    await process_ended(parent, lambda: os.getppid() == parent)
    log.error("event=control_process_gone parent=%d detail='reporting, then exiting'", parent)
    await trio.sleep(grace)
    stop.set()


def prepare_ocpp_side() -> None:
    """Normal priority and a raised OOM score for the network-facing process."""
    leave_realtime()
    lower_oom_priority()
