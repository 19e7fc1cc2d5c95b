"""A CSMS that does not play by the rules, over a real WebSocket, against the simulated station.

It sends CALLs without waiting for the answers, frames over the size limit, and frames
nested too deep. The station stays within its bounds (a backlog of CALLs, a few background
tasks), gives the defined answers, and keeps its transaction messages flowing.
"""

from __future__ import annotations

import asyncio
import json

import trio
import trio.testing

from station.ocpp.client import INBOUND_BACKLOG, MAX_FOLLOW_UPS
from station.ocpp.rpc import MAX_DEPTH
from station.ocpp.transport import MAX_MESSAGE_SIZE
from tests.conftest import FAST, live_station, make_config

CARD = "04A1B2C3"
FLOOD = 2000
HEARTBEAT = {"requestedMessage": "Heartbeat"}


class TaskCounter(trio.abc.Instrument):
    """Counts the trio tasks alive, and the most alive at once, from its installation on."""

    def __init__(self) -> None:
        self.live = _tasks_alive()
        self.at_start = self.live
        self.peak = self.live

    def task_spawned(self, task: trio.lowlevel.Task) -> None:
        self.live += 1
        self.peak = max(self.peak, self.live)

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        self.live -= 1


def _tasks_alive() -> int:
    count = 0
    pending = [trio.lowlevel.current_root_task()]
    while pending:
        task = pending.pop()
        count += 1
        for nursery in task.child_nurseries:
            pending.extend(nursery.child_tasks)
    return count


class HeldAnswers:
    """Scripted answers of one action that wait until the test lets each one through."""

    def __init__(self, judge, action: str) -> None:
        self._judge = judge
        self._permits = asyncio.Semaphore(0)

        async def held(payload: dict) -> dict:
            await self._permits.acquire()
            return {}

        judge.responses[action] = held

    def release(self, count: int = 1) -> None:
        for _ in range(count):
            self._judge.call_in_loop(self._permits.release)


async def wait_tx(station, evse: int, present: bool = True) -> None:
    with trio.fail_after(10):
        while (station.transactions.transaction_id(evse) is not None) != present:
            await station.transactions.wait_changed()


def get_base_report(n: int) -> tuple[str, str]:
    message_id = f"flood-{n}"
    payload = {"requestId": 1000 + n, "reportBase": "FullInventory"}
    return message_id, json.dumps([2, message_id, "GetBaseReport", payload])


async def security_events(station, event_type: str) -> list:
    return [e for e in await station.security_log.entries() if e.type == event_type]


async def test_calls_sent_without_waiting_are_bounded_and_transaction_events_still_go_out(
    tmp_path, judge
):
    variables = FAST | {"DeviceDataCtrlr.ItemsPerMessage[GetReport]": 10}
    async with live_station(make_config(tmp_path, judge.url), variables=variables) as station:
        await judge.wait_for("StatusNotification", count=2)
        sim = station.hardware.sim
        sim.plug(1)
        sim.tap(CARD)
        await wait_tx(station, 1)
        sim.set_ev_state(1, "C")
        await judge.wait_for("TransactionEvent", where=lambda p: p["eventType"] == "Started")
        report_parts = HeldAnswers(judge, "NotifyReport")
        # A report is accepted; its first part stays unanswered, so it stays in progress
        # and holds the station's one CALL in flight.
        first = await judge.call(
            "GetBaseReport", {"requestId": 1000, "reportBase": "FullInventory"}
        )
        assert first["status"] == "Accepted"
        await judge.wait_for("NotifyReport")
        # Triggered messages wait behind that part: with the report, MAX_FOLLOW_UPS - 1 of
        # them fill the follow-up slots; one more keeps the station from taking its next
        # CALL until a slot frees.
        triggers = [
            (f"trigger-{n}", json.dumps([2, f"trigger-{n}", "TriggerMessage", HEARTBEAT]))
            for n in range(MAX_FOLLOW_UPS)
        ]
        answers = await judge.send_many(triggers)
        assert {a.payload["status"] for a in answers} == {"Accepted"}

        counter = TaskCounter()
        trio.lowlevel.add_instrument(counter)
        try:
            async with trio.open_nursery() as nursery:
                flood: list = []

                async def send_flood() -> None:
                    flood.extend(await judge.send_many([get_base_report(n) for n in range(FLOOD)]))

                answered_before = judge.answers_received
                nursery.start_soon(send_flood)
                # INBOUND_BACKLOG CALLs wait; every other one is refused at once.
                await judge.wait_until(
                    lambda: judge.answers_received - answered_before >= FLOOD - INBOUND_BACKLOG,
                    what="the refusals",
                )
                report_parts.release()  # the part is answered: everything moves again
        finally:
            trio.lowlevel.remove_instrument(counter)

        statuses = [a.payload["status"] if a.message_type_id == 3 else a.error_code for a in flood]
        assert statuses[:INBOUND_BACKLOG] == ["Rejected"] * INBOUND_BACKLOG  # B07.FR.13
        assert statuses[INBOUND_BACKLOG:] == ["RpcFrameworkError"] * (FLOOD - INBOUND_BACKLOG)
        assert station.client.inbound.refused == FLOOD - INBOUND_BACKLOG
        assert "4.1.1" in flood[-1].error_description
        # Bounded: no task per incoming CALL, a backlog of INBOUND_BACKLOG at most.
        assert station.client.inbound.backlog_peak == INBOUND_BACKLOG
        assert station.client.inbound.follow_ups_peak == MAX_FOLLOW_UPS
        assert counter.peak - counter.at_start <= 10, (counter.at_start, counter.peak)
        # One security event for the burst, not one per CALL.
        invalid = await security_events(station, "InvalidMessages")
        assert len(invalid) == 1 and "refused" in (invalid[0].tech_info or "")

        # The report is still being sent; other CALLs are answered meanwhile.
        result = await judge.call(
            "GetVariables",
            {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ]
            },
        )
        assert result["getVariableResult"][0]["attributeStatus"] == "Accepted"
        assert all(r.payload["tbc"] for r in judge.received if r.action == "NotifyReport")

        # The EV leaves while the report goes on. Whenever a transaction message waits
        # for its turn, it is the next CALL out: no report part goes before it.
        sent: list[str] = []

        def outgoing(direction: str, text: str, frame: object, action: str | None) -> None:
            if direction == "out" and text.startswith("[2,"):
                ended = action == "TransactionEvent" and '"eventType":"Ended"' in text
                sent.append("Ended" if ended else str(action))

        station.client.observe_frames(outgoing)
        sim.set_ev_state(1, "B")
        sim.unplug(1)
        # (frames sent so far, whether the turn was already given to a CALL not yet sent:
        # a report part that got its turn just before the event started waiting goes first,
        # as the one bulk CALL in flight that CallTurns allows ahead of it)
        marks: list[tuple[int, bool]] = []
        with trio.fail_after(20):
            while "Ended" not in sent:
                if "TransactionEvent" in station.client.calls_waiting():
                    marks.append((len(sent), not station.client.calls_in_flight()))
                    report_parts.release()  # answer the part in flight, if that is one
                await station.client.wait_calls_changed()
        assert marks
        for mark, granted in marks:
            after = sent[mark:]
            first_tx = next(i for i, a in enumerate(after) if a in ("TransactionEvent", "Ended"))
            assert after[:first_tx].count("NotifyReport") <= int(granted), (mark, granted, sent)
        await judge.wait_for("TransactionEvent", where=lambda p: p["eventType"] == "Ended")

        # Then the report completes, in order.
        report_parts.release(1000)
        parts = await judge.wait_for("NotifyReport", where=lambda p: not p.get("tbc", False))
        notified = [r.payload for r in judge.received if r.action == "NotifyReport"]
        assert [p["seqNo"] for p in notified] == list(range(len(notified)))
        assert {p["requestId"] for p in notified} == {1000}
        # The Ended event went out while the report was still being sent.
        assert "NotifyReport" in sent[sent.index("Ended") :]
        assert parts
        await station.queue.drained()


async def test_a_message_over_the_size_limit_closes_the_connection_with_1009(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        data = "a" * MAX_MESSAGE_SIZE
        await judge.send_only(
            json.dumps([2, "big-1", "DataTransfer", {"vendorId": "x", "data": data}])
        )
        closed = await judge.wait_closed(0)
        assert closed.close_code == 1009
        await judge.wait_connections(2)  # the station connects again
        invalid = await security_events(station, "InvalidMessages")
        assert len(invalid) == 1 and "too big" in (invalid[0].tech_info or "")
        # The network side's memory bound was reached: a critical MemoryExhaustion too.
        (exhaustion,) = await security_events(station, "MemoryExhaustion")
        assert exhaustion.critical and "frame refused" in (exhaustion.tech_info or "")


async def test_a_message_under_the_limit_but_over_bytes_per_message_gets_format_violation(
    tmp_path, judge
):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
        frame = json.dumps([2, "bpm-1", "GetVariables", {"getVariableData": [item]}])
        padded = frame[:-1] + " " * 1_000_000 + "]"  # JSON whitespace: same CALL, bigger frame
        assert 1_000_000 < len(padded) <= MAX_MESSAGE_SIZE
        answer = await judge.send_raw(padded, "bpm-1")
        assert answer.message_type_id == 4 and answer.error_code == "FormatViolation"
        assert "BytesPerMessage" in answer.error_description
        assert len(judge.connections) == 1


async def test_a_call_nested_too_deep_gets_format_violation_and_the_session_goes_on(
    tmp_path, judge
):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("StatusNotification", count=2)
        deep = "[" * (MAX_DEPTH + 100) + "]" * (MAX_DEPTH + 100)
        text = '[2,"deep-1","DataTransfer",{"vendorId":"x","data":' + deep + "}]"
        answer = await judge.send_raw(text, "deep-1")
        assert answer.message_type_id == 4 and answer.error_code == "FormatViolation"
        assert f"deeper than {MAX_DEPTH}" in answer.error_description
        result = await judge.call("DataTransfer", {"vendorId": "x"})
        assert "status" in result


async def test_the_message_log_queue_is_bounded_when_the_disk_falls_behind(tmp_path):
    from station.offload import InlineOffload
    from station.ops.message_log import MessageLog
    from station.ops.message_log_reader import read_entries

    log = MessageLog(tmp_path, InlineOffload(), max_queued_bytes=300_000)
    big = json.dumps([2, "big", "DataTransfer", {"vendorId": "x", "data": "a" * 100_000}])
    for _ in range(10):  # nothing written yet: the writer has not run
        log.observe("in", big, object(), "DataTransfer")
    assert log.dropped == 10 - 2
    async with trio.open_nursery() as nursery:
        nursery.start_soon(log.run)
        await log.wait_written()
        log.observe("in", big, object(), "DataTransfer")  # room again once written
        await log.wait_written()
        nursery.cancel_scope.cancel()
    assert log.dropped == 8
    assert len(list(read_entries(tmp_path))) == 3


async def test_a_report_is_busy_until_its_last_part_goes_out_not_until_that_part_is_answered(
    tmp_path, judge
):
    """B07.FR.13: while parts of a report remain to be sent, another GetBaseReport is
    Rejected; once the last part is out, a CSMS that has it may ask for the next report
    at once, before it answers that part (a race the station used to lose when the
    answer and the next request arrived together)."""
    variables = FAST | {"DeviceDataCtrlr.ItemsPerMessage[GetReport]": 50}
    async with live_station(make_config(tmp_path, judge.url), variables=variables):
        await judge.wait_for("StatusNotification", count=2)
        parts = HeldAnswers(judge, "NotifyReport")
        first = await judge.call("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
        assert first["status"] == "Accepted"

        def part(request_id: int, seq_no: int):
            return lambda p: p["requestId"] == request_id and p["seqNo"] == seq_no

        (last,) = await judge.wait_for("NotifyReport", where=part(1, 0))
        seq_no = 0
        while last.payload.get("tbc", False):
            busy = await judge.call(
                "GetBaseReport", {"requestId": 2, "reportBase": "FullInventory"}
            )
            assert busy["status"] == "Rejected" and busy["statusInfo"]["reasonCode"] == "Busy"
            parts.release()
            seq_no += 1
            (last,) = await judge.wait_for("NotifyReport", where=part(1, seq_no))
        assert seq_no >= 2  # the report had several parts
        # The last part is out and unanswered: the next report is accepted now.
        second = await judge.call("GetBaseReport", {"requestId": 3, "reportBase": "FullInventory"})
        assert second["status"] == "Accepted"
        parts.release(1000)
        await judge.wait_for(
            "NotifyReport", where=lambda p: p["requestId"] == 3 and not p.get("tbc", False)
        )
        sent = [
            (r.payload["requestId"], r.payload["seqNo"])
            for r in judge.received
            if r.action == "NotifyReport"
        ]
        assert 2 not in {request_id for request_id, _ in sent}
        # Each report's parts in order, the second after the first.
        assert sent == sorted(sent)
