"""Security events raised at their source (A04): invalid CSMS messages (rate-limited) and
a CSMS that refuses the station's credentials."""

from __future__ import annotations

import trio

from tests.conftest import FAST, PASSWORD, live_station, make_config, running_station
from tests.judge import Judge


async def types(station) -> list[str]:
    return [e.type for e in await station.security_log.entries()]


async def test_invalid_messages_are_logged_at_most_once_a_minute(tmp_path, autojump_clock):
    async with running_station(make_config(tmp_path)) as env:
        await env.csms.wait_for("BootNotification")
        await env.csms.send_text("this is not json")
        frame = await env.csms.call("GetVariables", {"getVariableData": "nope"})
        assert frame.code in ("FormatViolation", "TypeConstraintViolation")
        entries = [
            e for e in await env.station.security_log.entries() if e.type == "InvalidMessages"
        ]
        assert len(entries) == 1 and "malformed frame" in entries[0].tech_info
        assert not entries[0].critical
        await trio.sleep(61)
        await env.csms.call("GetVariables", {"getVariableData": 7})
        entries = [
            e for e in await env.station.security_log.entries() if e.type == "InvalidMessages"
        ]
        assert len(entries) == 2
        assert "(+1 more in the last minute)" in entries[1].tech_info
        # Non-critical: never sent to the CSMS.
        assert not [
            r
            for r in env.csms.of("SecurityEventNotification")
            if r.payload["type"] == "InvalidMessages"
        ]


async def test_refused_credentials_raise_failed_to_authenticate_at_csms(tmp_path):
    with Judge(password="another-password-0123456789") as judge:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
            with trio.fail_after(10):
                await station.connection.wait_failed_attempts(1)
            assert "FailedToAuthenticateAtCsms" in await types(station)
            assert "HTTP 401" in station.connection.last_failure
    assert PASSWORD  # the station's own password is the one in make_config
