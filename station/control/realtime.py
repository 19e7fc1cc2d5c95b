"""Real-time priority and locked memory for the control process, where the OS allows it.

Under systemd the unit sets ``CPUSchedulingPolicy=fifo`` itself; run by hand, the control
process asks for SCHED_FIFO with `os.sched_setscheduler` (needs CAP_SYS_NICE or an
RLIMIT_RTPRIO) and locks its memory with mlockall(2) (needs CAP_IPC_LOCK or a large enough
RLIMIT_MEMLOCK), so that a page fault or a busy OCPP side cannot delay a control period.
Neither is required: when refused, the reason is logged and the process runs on at
normal priority. SCHED_RESET_ON_FORK makes children (the OCPP side) start at normal
priority; memory locks are not inherited across fork and exec.

Memory is locked with MCL_ONFAULT (Linux 4.4 and later): every page the process has
touched, and every page it touches later, stays in RAM, but mappings it never touches
(most of each thread's 8 MiB stack, the reserve of malloc's arenas, unused parts of the
shared libraries) are not faulted in just to be locked. Without it the control process
held about 74 MiB resident instead of the ~38 MiB it uses. After the first few periods
the loop touches no new page, so it takes no page fault either way. A kernel without
MCL_ONFAULT (EINVAL) gets the plain lock.
"""

from __future__ import annotations

import ctypes
import errno as errnos
import logging
import os

log = logging.getLogger(__name__)

#: SCHED_FIFO priority of the control process (1-99; the kernel's own threads use 50).
DEFAULT_PRIORITY = 40
_MCL_CURRENT, _MCL_FUTURE, _MCL_ONFAULT = 1, 2, 4


def enter_realtime(priority: int = DEFAULT_PRIORITY) -> dict[str, bool]:
    """Ask for SCHED_FIFO and locked memory; returns which of the two were granted."""
    return {"sched_fifo": _set_fifo(priority), "mlockall": _lock_memory()}


def _set_fifo(priority: int) -> bool:
    if not hasattr(os, "SCHED_FIFO"):
        log.warning("event=realtime_unavailable what=sched_fifo reason='not supported here'")
        return False
    try:
        if os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0) == os.SCHED_FIFO:
            log.info("event=realtime what=sched_fifo detail='already set (service manager)'")
            return True
        policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
        os.sched_setscheduler(0, policy, os.sched_param(priority))
    except OSError as exc:
        log.warning(
            "event=realtime_refused what=sched_fifo priority=%d reason=%r "
            "detail='runs at normal priority; grant CAP_SYS_NICE or CPUSchedulingPolicy=fifo'",
            priority,
            exc.strerror or str(exc),
        )
        return False
    log.info("event=realtime what=sched_fifo priority=%d", priority)
    return True


def _lock_memory() -> bool:
    try:
        # The process's own symbols include libc's (no `ctypes.util.find_library`, which
        # runs ldconfig in a subprocess).
        libc = ctypes.CDLL(None, use_errno=True)
        mlockall = libc.mlockall
    except (OSError, AttributeError) as exc:
        log.warning("event=realtime_unavailable what=mlockall reason=%r", str(exc))
        return False
    result = mlockall(_MCL_CURRENT | _MCL_FUTURE | _MCL_ONFAULT)
    if result != 0 and ctypes.get_errno() == errnos.EINVAL:
        result = mlockall(_MCL_CURRENT | _MCL_FUTURE)  # a kernel older than 4.4
    if result != 0:
        errno = ctypes.get_errno()
        log.warning(
            "event=realtime_refused what=mlockall reason=%r "
            "detail='memory may be paged out; grant CAP_IPC_LOCK or LimitMEMLOCK=infinity'",
            os.strerror(errno),
        )
        return False
    log.info("event=realtime what=mlockall")
    return True


def leave_realtime() -> None:
    """Normal priority for this process (the OCPP side, should it have inherited more)."""
    if hasattr(os, "SCHED_OTHER"):
        try:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        except OSError as exc:
            log.warning("event=sched_other_failed reason=%r", exc.strerror or str(exc))


def lower_oom_priority(adjustment: int = 500) -> None:
    """Make the kernel's OOM killer pick this process (the OCPP side) before the control
    process (raising one's own score needs no privilege)."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(adjustment))
    except OSError as exc:
        log.warning("event=oom_score_adj_failed reason=%r", exc.strerror or str(exc))
