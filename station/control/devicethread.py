"""`DeviceThread`: one long-lived worker thread for one device's blocking calls.

The gpio pilot's reading is a blocking call (peak-detector reset, settle, two SPI
conversions: ~3.5 ms), made once per control period. Through `trio.to_thread.run_sync`
each call takes a capacity limiter, copies the context and hands over to trio's thread
cache: about 60 µs of CPU and 0.25 ms of wall time per call on the development machine.
A thread that belongs to the device and waits on a queue does the same hop in about
35 µs of CPU and 40 µs of wall time (`python -m bench.control_idle`, ``threaded``
scenario): on a Raspberry Pi, at 100 reads a second per EVSE, that is a good part of the
idle station's CPU and of the reading's age.

Semantics are those of `station.control.loop.call_driver` with a blocking driver: a call
that does not return within ``timeout`` raises `DeviceTimeout` and is abandoned (its
result is dropped). A call made while an abandoned one still runs in the thread (the
device is hung) raises `DeviceTimeout` at once instead of queueing behind it, so a hung
ADC never holds more than one thread, whatever restarts the control loop's supervisor
makes. The thread ends after ``idle_exit`` seconds without a call and is started again
by the next one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import outcome
import trio

from drivers.interfaces import DeviceTimeout

T = TypeVar("T")
#: Seconds without a call after which the thread ends (the next call starts a new one).
IDLE_EXIT = 5.0

_Job = tuple[Callable[[], Any], Callable[[outcome.Outcome[Any]], None]]


class DeviceThread:
    """Runs one device's blocking calls, one at a time, in a thread of its own."""

    def __init__(self, name: str, *, idle_exit: float = IDLE_EXIT) -> None:
        self.name = name
        self._idle_exit = idle_exit
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: A call is in the thread (perhaps abandoned). Read and written in trio's thread.
        self._busy = False

    async def call(self, fn: Callable[[], T], timeout: float) -> T:
        """``fn()`` in the device's thread; `DeviceTimeout` if it takes over ``timeout`` s."""
        if self._busy:
            raise DeviceTimeout(f"{self.name} is still busy with a call that timed out")
        token = trio.lowlevel.current_trio_token()
        task = trio.lowlevel.current_task()
        abandoned = False

        def deliver(result: outcome.Outcome[Any]) -> None:  # in the device's thread
            def wake() -> None:  # back in trio's thread
                self._busy = False
                if not abandoned:
                    trio.lowlevel.reschedule(task, result)

            try:
                token.run_sync_soon(wake)
            except trio.RunFinishedError:
                self._busy = False  # nobody waits any more

        def abort(_: Any) -> trio.lowlevel.Abort:
            nonlocal abandoned
            abandoned = True  # the thread goes on; its result is dropped
            return trio.lowlevel.Abort.SUCCEEDED

        self._busy = True
        self._submit((fn, deliver))
        try:
            with trio.fail_after(timeout):
                return await trio.lowlevel.wait_task_rescheduled(abort)
        except trio.TooSlowError:
            raise DeviceTimeout(f"{self.name} did not answer within {timeout:g} s") from None

    def _submit(self, job: _Job) -> None:
        with self._lock:
            self._jobs.put(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name=f"device: {self.name}", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            try:
                fn, deliver = self._jobs.get(timeout=self._idle_exit)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():
                        self._thread = None
                        return
                continue
            deliver(outcome.capture(fn))
