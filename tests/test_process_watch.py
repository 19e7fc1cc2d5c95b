"""`process_ended`: how the OCPP side learns that its control process is gone, from the
kernel (a pidfd) without waking, or by polling where the kernel gives no descriptor."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
import trio

from station.control import process as control_process
from station.control.process import POLL_WITHOUT_PIDFD, process_ended

pidfd = pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="no pidfd on this system")


def sleeper() -> subprocess.Popen:
    """A process that runs until it is killed: it waits for its stdin, which nobody
    writes or closes (no timer anywhere)."""
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )


class Watch:
    """`process_ended` on a process of the test, counting how often it asks `running`."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.asked = 0
        self.ended = trio.Event()

    def running(self) -> bool:
        self.asked += 1
        return self.process.poll() is None

    async def run(self) -> None:
        await process_ended(self.process.pid, self.running)
        self.ended.set()

    def end(self) -> None:
        self.process.kill()
        self.process.wait()  # dead (and reaped): its descriptor reads as ended
        if self.process.stdin is not None:
            self.process.stdin.close()


@pidfd
async def test_the_end_of_a_process_is_seen_without_a_wake_up_before_it(autojump_clock):
    watch = Watch(sleeper())
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch.run)
            await trio.sleep(3600)  # an hour of virtual time: a poll would have woken
            assert not watch.ended.is_set()
            assert watch.asked == 1  # once, right after opening the descriptor
            watch.end()
            with trio.fail_after(5):
                await watch.ended.wait()
            assert watch.asked == 1
    finally:
        watch.end()


@pidfd
async def test_a_process_that_ended_before_the_watch_is_seen_at_once():
    watch = Watch(sleeper())
    watch.end()
    with trio.fail_after(5):
        await watch.run()
    assert watch.asked <= 1


async def test_without_a_pidfd_the_watch_polls(autojump_clock, monkeypatch):
    def no_pidfd(pid: int) -> int:
        raise OSError(errno.ENOSYS, "pidfd_open not implemented")

    monkeypatch.setattr(control_process.os, "pidfd_open", no_pidfd, raising=False)
    watch = Watch(sleeper())
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch.run)
            await trio.sleep(10 * POLL_WITHOUT_PIDFD + POLL_WITHOUT_PIDFD / 2)
            assert watch.asked == 11 and not watch.ended.is_set()
            watch.end()
            with trio.fail_after(5):
                await watch.ended.wait()
    finally:
        watch.end()
