"""What an operator reads in the log of a normal start and stop: no warning for the
routine start event, one control_loop_stopped per EVSE."""

from __future__ import annotations

import logging

import trio

from tests.conftest import make_config, running_station


async def test_a_normal_boot_and_stop_log_no_warning_and_one_stop_per_evse(
    tmp_path, autojump_clock, caplog
):
    caplog.set_level(logging.INFO)
    async with running_station(make_config(tmp_path / "data"), control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await env.station.stop()
        await trio.sleep(1)
    startup = [r for r in caplog.records if "type=StartupOfTheDevice" in r.getMessage()]
    assert [r.levelname for r in startup] == ["INFO"]
    stopped = [r.getMessage() for r in caplog.records if "control_loop_stopped" in r.getMessage()]
    assert sorted(stopped) == [
        "event=control_loop_stopped evse=1 relay=open",
        "event=control_loop_stopped evse=2 relay=open",
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "security_event" in w], warnings
