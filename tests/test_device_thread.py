"""`DeviceThread`: one long-lived thread per device for its blocking calls."""

from __future__ import annotations

import threading

import pytest
import trio

from drivers.interfaces import DeviceTimeout
from station.control.devicethread import DeviceThread

#: Long enough for any call that does not hang, on any machine.
GENEROUS = 30.0


async def test_calls_return_their_results_and_errors_from_one_thread():
    device = DeviceThread("EVSE 1 pilot")
    names = [await device.call(lambda: threading.current_thread().name, GENEROUS) for _ in range(5)]
    assert set(names) == {"device: EVSE 1 pilot"}
    with pytest.raises(ValueError, match="bad reading"):
        await device.call(lambda: (_ for _ in ()).throw(ValueError("bad reading")), GENEROUS)
    assert await device.call(lambda: 42, GENEROUS) == 42


async def test_a_hung_call_times_out_and_blocks_no_second_thread():
    device = DeviceThread("EVSE 1 pilot")
    release, entered = threading.Event(), threading.Event()

    def hang() -> str:
        entered.set()
        release.wait(GENEROUS)
        return "late"

    with pytest.raises(DeviceTimeout, match=r"EVSE 1 pilot did not answer within 0\.05 s"):
        await device.call(hang, 0.05)
    assert entered.is_set()
    thread = device._thread
    # While the abandoned call still runs, the device is hung: refused at once.
    for _ in range(3):
        with pytest.raises(DeviceTimeout, match="still busy"):
            await device.call(lambda: 1, GENEROUS)
    assert device._thread is thread and thread is not None and thread.is_alive()
    release.set()
    # Once it returned (its result dropped), the device answers again.
    with trio.fail_after(GENEROUS):
        while True:
            try:
                assert await device.call(lambda: "fresh", GENEROUS) == "fresh"
                break
            except DeviceTimeout:
                await trio.sleep(0.01)


async def test_the_thread_ends_when_idle_and_starts_again_on_the_next_call():
    device = DeviceThread("EVSE 2 pilot", idle_exit=0.01)
    first = await device.call(threading.get_ident, GENEROUS)
    with trio.fail_after(GENEROUS):
        while device._thread is not None:  # noqa: ASYNC110 - set by the device's thread
            await trio.sleep(0.01)
    second = await device.call(threading.get_ident, GENEROUS)
    assert first and second
    assert device._thread is not None


async def test_cancelling_the_caller_abandons_the_call(autojump_clock):
    device = DeviceThread("EVSE 1 pilot")
    release = threading.Event()
    with trio.move_on_after(1):
        await device.call(lambda: release.wait(GENEROUS), GENEROUS)
    release.set()
