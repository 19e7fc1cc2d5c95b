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


# -- AttemptedReplayAttacks ---------------------------------------------------------------


async def test_attempted_replay_attacks_a_repeated_message_id_is_not_carried_out_again(
    tmp_path, autojump_clock
):
    """OCPP-J 4.1.3: ids are unique per connection. The same TriggerMessage again with the
    same id is answered RpcFrameworkError and triggers nothing; on a new connection the id
    is new again (a resend after a network problem is not a replay)."""
    async with running_station(make_config(tmp_path)) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        text = '[2,"trig-1","TriggerMessage",{"requestedMessage":"Heartbeat"}]'
        first = await env.csms.call_text("trig-1", text)
        assert first.payload == {"status": "Accepted"}
        await env.csms.wait_for("Heartbeat")
        again = await env.csms.call_text("trig-1", text)
        assert again.code == "RpcFrameworkError" and "already used" in again.description
        await trio.sleep(5)
        assert len(env.csms.of("Heartbeat")) == 1
        (replay,) = [
            e
            for e in await env.station.security_log.entries()
            if e.type == "AttemptedReplayAttacks"
        ]
        assert not replay.critical and "trig-1" in (replay.tech_info or "")
        await env.csms.disconnect()
        await env.csms.wait(lambda: len(env.csms.connections) == 2 and env.csms._current)
        await trio.sleep(1)
        resent = await env.csms.call_text("trig-1", text)
        assert resent.payload == {"status": "Accepted"}


def test_the_remembered_message_ids_are_bounded():
    from station.ocpp.replay import SeenMessageIds

    seen = SeenMessageIds(capacity=3)
    for n in range(10):
        seen.add(f"id-{n}")
    assert len(seen) == 3 and "id-9" in seen and "id-6" not in seen


# -- InvalidMessages for responses --------------------------------------------------------


async def test_invalid_messages_a_response_that_breaks_its_schema(tmp_path, autojump_clock):
    async with running_station(make_config(tmp_path)) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        env.csms.responses["Heartbeat"] = {"currentTime": "not a time"}
        await env.csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
        await env.csms.wait_for("Heartbeat")
        await trio.sleep(1)
        invalid = [
            e for e in await env.station.security_log.entries() if e.type == "InvalidMessages"
        ]
        assert len(invalid) == 1 and "Heartbeat response" in (invalid[0].tech_info or "")


# -- MemoryExhaustion ---------------------------------------------------------------------

MiB = 1_048_576


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    async def __call__(self, event_type: str, tech_info: str) -> None:
        self.events.append((event_type, tech_info))


async def test_memory_exhaustion_once_per_episode_of_low_flash_or_ram(tmp_path):
    from station.offload import InlineOffload
    from station.security.resources import ResourceWatch, Usage

    disk = Usage(used=900 * MiB, total=1000 * MiB)
    memory: Usage | None = Usage(used=100 * MiB, total=384 * MiB)
    recorder = Recorder()
    watch = ResourceWatch(
        tmp_path, InlineOffload(), recorder, disk=lambda: disk, memory=lambda: memory
    )
    await watch.check()
    assert recorder.events == []
    disk = Usage(used=970 * MiB, total=1000 * MiB)  # 30 MiB free: below 50 MiB
    await watch.check()
    await watch.check()  # still low: not again
    assert [e[0] for e in recorder.events] == ["MemoryExhaustion"]
    assert recorder.events[0][1].startswith("flash: 30 MiB free of 1000 MiB")
    disk = Usage(used=940 * MiB, total=1000 * MiB)  # 60 MiB: not yet comfortable (100)
    await watch.check()
    disk = Usage(used=970 * MiB, total=1000 * MiB)
    await watch.check()
    assert len(recorder.events) == 1
    disk = Usage(used=800 * MiB, total=1000 * MiB)  # recovered: armed again
    await watch.check()
    disk = Usage(used=990 * MiB, total=1000 * MiB)
    await watch.check()
    assert len(recorder.events) == 2
    memory = Usage(used=360 * MiB, total=384 * MiB)  # 94 % of MemoryMax
    await watch.check()
    assert recorder.events[-1] == (
        "MemoryExhaustion",
        "RAM: 360 MiB used of the 384 MiB limit (94%)",
    )
    memory = None  # no cgroup limit: nothing to compare with, nothing reported
    await watch.check()
    assert len(recorder.events) == 3


def test_cgroup_memory_reads_the_limit_of_this_process_group(tmp_path, monkeypatch):
    from station.security import resources

    group = tmp_path / "system.slice" / "ocpp-station.service"
    group.mkdir(parents=True)
    (group / "memory.max").write_text("402653184\n")
    (group / "memory.current").write_text("104857600\n")
    real = resources.Path

    def fake_path(name: str = ""):
        if name == "/proc/self/cgroup":
            cgroup = tmp_path / "cgroup"
            cgroup.write_text("0::/system.slice/ocpp-station.service\n")
            return cgroup
        return real(name)

    monkeypatch.setattr(resources, "Path", fake_path)
    assert resources.cgroup_memory(tmp_path) == resources.Usage(104857600, 402653184)
    (group / "memory.max").write_text("max\n")
    assert resources.cgroup_memory(tmp_path) is None


async def test_memory_exhaustion_when_the_message_log_drops_lines(tmp_path, autojump_clock):
    """The message log's queue bound reached (the disk fell behind): MemoryExhaustion."""
    import json

    async with running_station(make_config(tmp_path)) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        log = env.station.message_log
        big = json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "a" * 100_000}])
        for _ in range(log.max_queued_bytes // 100_000 + 5):
            log.observe("in", big, object(), "DataTransfer")
        await env.csms.wait_for("SecurityEventNotification", timeout=60)
        await trio.sleep(1)
        (event,) = [
            e for e in await env.station.security_log.entries() if e.type == "MemoryExhaustion"
        ]
        assert event.critical and "lines dropped" in (event.tech_info or "")
        sent = [r.payload["type"] for r in env.csms.of("SecurityEventNotification")]
        assert "MemoryExhaustion" in sent
