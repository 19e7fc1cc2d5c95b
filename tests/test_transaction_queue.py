"""The persistent transaction message queue: order, E13 retries, offline flag, restarts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import trio

from station.ocpp.messages import (
    TransactionEventEnumType,
    TransactionEventRequest,
    TransactionType,
    TriggerReasonEnumType,
)
from station.transactions.queue import TransactionQueue
from tests.conftest import make_config, running_station
from tests.memcsms import NoReply, Reject


def event(seq_no: int, transaction_id: str = "tx-1", offline: bool | None = None):
    return TransactionEventRequest(
        event_type=TransactionEventEnumType.Updated if seq_no else TransactionEventEnumType.Started,
        timestamp=datetime(2026, 1, 5, 8, 0, seq_no, tzinfo=UTC),
        trigger_reason=TriggerReasonEnumType.MeterValuePeriodic,
        seq_no=seq_no,
        transaction_info=TransactionType(transaction_id=transaction_id),
        offline=offline,
    )


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def start_queue(env) -> TransactionQueue:
    """The station's own queue (loaded at start-up, delivering while the station runs)."""
    return env.station.queue


TE_SETTINGS = {
    "OCPPCommCtrlr.MessageAttempts[TransactionEvent]": 3,
    "OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]": 10,
}


async def test_messages_are_delivered_in_order_and_removed_when_confirmed(config, autojump_clock):
    async with running_station(config) as env:
        queue = await start_queue(env)
        for n in range(5):
            await queue.put(event(n))
        assert queue.count("tx-1") == 5
        await queue.drained()
        sent = [r.payload["seqNo"] for r in env.csms.of("TransactionEvent")]
        assert sent == [0, 1, 2, 3, 4]
        assert queue.count() == 0


async def test_tc_e_41_no_response_is_retried_with_growing_interval_then_discarded(
    config, autojump_clock
):
    async with running_station(config, variables=TE_SETTINGS) as env:
        # The CSMS never answers seqNo 0 and confirms everything else.
        env.csms.responses["TransactionEvent"] = lambda p: NoReply if p["seqNo"] == 0 else {}
        await env.csms.wait_for("SecurityEventNotification")
        queue = await start_queue(env)
        await queue.put(event(0))
        await queue.put(event(1))
        attempts = await env.csms.wait_for("TransactionEvent", count=3)
        assert [a.payload["seqNo"] for a in attempts] == [0, 0, 0]
        gaps = [b.at - a.at for a, b in itertools.pairwise(attempts)]
        # (interval × preceding transmissions) + MessageTimeout (30 s)
        assert gaps == pytest.approx([10 + 30, 20 + 30])
        # After the third failure the message is dropped and the next one goes out.
        following = await env.csms.wait_for("TransactionEvent", count=4)
        assert following[3].payload["seqNo"] == 1
        assert following[3].at - attempts[2].at == pytest.approx(30)
        await queue.drained()
        assert queue.discarded == 1


async def test_tc_e_42_success_before_max_attempts(config, autojump_clock):
    async with running_station(config, variables=TE_SETTINGS) as env:
        answers = iter([NoReply, {}])
        env.csms.responses["TransactionEvent"] = lambda p: next(answers)
        queue = await start_queue(env)
        await queue.put(event(0))
        await queue.drained()
        assert len(env.csms.of("TransactionEvent")) == 2
        assert queue.discarded == 0


async def test_tc_e_50_call_error_counts_as_failure_until_max_attempts(config, autojump_clock):
    async with running_station(config, variables=TE_SETTINGS) as env:
        env.csms.responses["TransactionEvent"] = Reject("InternalError")
        queue = await start_queue(env)
        await queue.put(event(0))
        await queue.drained()
        attempts = env.csms.of("TransactionEvent")
        assert len(attempts) == 3
        gaps = [b.at - a.at for a, b in itertools.pairwise(attempts)]
        assert gaps == pytest.approx([10, 20])
        await trio.sleep(3600)
        assert len(env.csms.of("TransactionEvent")) == 3


async def test_tc_e_51_call_error_then_success(config, autojump_clock):
    async with running_station(config, variables=TE_SETTINGS) as env:
        answers = iter([Reject("InternalError"), Reject("InternalError"), {}])
        env.csms.responses["TransactionEvent"] = lambda p: next(answers)
        queue = await start_queue(env)
        await queue.put(event(0))
        await queue.drained()
        assert len(env.csms.of("TransactionEvent")) == 3
        assert queue.discarded == 0


async def test_queued_messages_wait_for_the_connection_and_are_marked_offline(
    config, autojump_clock
):
    variables = {
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": 60,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables) as env:
        queue = await start_queue(env)
        await env.csms.wait_for("SecurityEventNotification")
        env.csms.refuse_next = 2
        await env.csms.disconnect()
        await env.station.client.wait_until(lambda: not env.station.client.connected)
        await queue.put(event(0))
        await queue.put(event(1, offline=True))
        await queue.drained()
        sent = env.csms.of("TransactionEvent")
        assert [s.payload["seqNo"] for s in sent] == [0, 1]
        assert all(s.payload["offline"] is True for s in sent)
        assert all(s.connection == 1 for s in sent)


async def test_queue_survives_a_restart(config, autojump_clock):
    async with running_station(config) as env:
        env.csms.refuse_next = 10**6
        await env.csms.disconnect()
        queue = env.station.queue
        for n in range(3):
            await queue.put(event(n))
    async with running_station(config) as env:
        queue = await start_queue(env)
        assert queue.count("tx-1") == 3
        await queue.drained()
        assert [r.payload["seqNo"] for r in env.csms.of("TransactionEvent")] == [0, 1, 2]


async def test_transaction_messages_wait_for_an_accepted_boot(config, autojump_clock):
    async with running_station(config) as env:
        env.csms.responses["BootNotification"] = lambda p: {
            "currentTime": "2026-01-05T08:00:00Z",
            "interval": 100,
            "status": "Pending",
        }
        queue = await start_queue(env)
        await queue.put(event(0))
        await env.csms.wait_for("BootNotification", count=2)
        assert env.csms.of("TransactionEvent") == []
        env.csms.responses["BootNotification"] = lambda p: {
            "currentTime": "2026-01-05T08:00:00Z",
            "interval": 100,
            "status": "Accepted",
        }
        await queue.drained()
        assert env.csms.actions().index("TransactionEvent") > env.csms.actions().index(
            "BootNotification"
        )


async def test_a_clock_stepped_back_across_a_restart_never_sends_a_transaction_back_in_time(
    config, autojump_clock
):
    """Found by the simulator (seed 58): after a power cut the station restarted with an
    unsynchronised clock, and the Ended, corrected by the CSMS's time, was stamped half an
    hour before the events sent before the cut. The latest time sent for a transaction
    survives the restart and holds its next message."""
    async with running_station(config) as env:
        queue = env.station.queue
        await queue.put(event(0))
        await queue.put(event(5))
        await queue.drained()
    async with running_station(config) as env:
        queue = await start_queue(env)
        stepped = event(1).model_copy(update={"timestamp": datetime(2026, 1, 5, 7, 30, tzinfo=UTC)})
        await queue.put(stepped)
        await queue.drained()
        (sent,) = env.csms.of("TransactionEvent")
        assert sent.payload["seqNo"] == 1
        assert sent.payload["timestamp"] == "2026-01-05T08:00:05Z"


async def test_the_latest_time_sent_is_forgotten_once_the_ended_is_confirmed(
    config, autojump_clock
):
    async with running_station(config) as env:
        queue = env.station.queue
        await queue.put(event(0))
        ended = event(1).model_copy(update={"event_type": TransactionEventEnumType.Ended})
        await queue.put(ended)
        await queue.drained()
        rows = await env.station.store.run(
            lambda db: db.execute("SELECT transaction_id FROM sent_timestamps").fetchall()
        )
        assert rows == []
