"""Transactions (block E) stored by CitrineOS: a local and a remote session, and
an outage of CitrineOS in the middle of one."""

from __future__ import annotations

from tools.interop.citrineos_checks.base import (
    CARD,
    REMOTE_CARD,
    REMOTE_START_ID,
    SuiteBase,
    expect,
    wait,
)
from tools.interop.station_process import call


class TransactionChecks(SuiteBase):
    """Sessions and what CitrineOS stored of them."""

    def local_session(self) -> None:
        """A session started with a card and ended by unplugging."""
        with self.check("local session (card, plug, charge, unplug) stored by CitrineOS") as n:
            mark = self.st.last_index()
            self.st.plug(1)
            self.st.tap(CARD)
            authorize = self.out_answered("Authorize", "Authorize", after=mark)
            auth_answer = self.st.answer_to(authorize)
            assert auth_answer is not None
            status = auth_answer.payload["idTokenInfo"]["status"]
            expect(status == "Accepted", f"Authorize of {CARD}: {status}")
            self.st.ev_state(1, "C")
            charging = self.st.wait_for("TransactionEvent Charging", self.charging, after=mark)
            transaction_id = charging.payload["transactionInfo"]["transactionId"]
            # Two periodic meter values (TxUpdatedInterval 2 s) before stopping.
            self.st.wait_for(
                "periodic meter values",
                lambda f: (
                    call("TransactionEvent", "out")(f)
                    and f.payload.get("triggerReason") == "MeterValuePeriodic"
                ),
                after=charging.index,
            )
            wait(
                "the transaction active in CitrineOS",
                lambda: self.stored_transaction(transaction_id).get("isActive"),
            )
            self.st.ev_state(1, "B")
            self.st.unplug(1)
            self.st.wait_for(
                "TransactionEvent Ended",
                lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
                after=charging.index,
            )
            n += self.check_stored_session(
                transaction_id, stopped_reason="EVDisconnected", remote_start_id=None
            )

    def remote_session(self) -> None:
        """A session started and stopped through CitrineOS."""
        with self.check("remote session (RequestStart/RequestStop) stored by CitrineOS") as n:
            mark = self.st.last_index()
            answer = self.result(
                "evdriver",
                "requestStartTransaction",
                {
                    "idToken": {"idToken": REMOTE_CARD, "type": "ISO14443"},
                    "remoteStartId": REMOTE_START_ID,
                    "evseId": 1,
                },
            )
            expect(answer.get("status") == "Accepted", f"RequestStart answer {answer}")
            self.st.plug(1)
            self.st.ev_state(1, "C")
            charging = self.st.wait_for("TransactionEvent Charging", self.charging, after=mark)
            transaction_id = charging.payload["transactionInfo"]["transactionId"]
            started = [
                f.payload
                for f in self.st.frames()
                if f.index > mark
                and call("TransactionEvent", "out")(f)
                and f.payload["transactionInfo"]["transactionId"] == transaction_id
            ]
            expect(
                any(p["transactionInfo"].get("remoteStartId") == REMOTE_START_ID for p in started),
                "no TransactionEvent carried remoteStartId",
            )
            self.st.wait_for(
                "periodic meter values",
                lambda f: (
                    call("TransactionEvent", "out")(f)
                    and f.payload.get("triggerReason") == "MeterValuePeriodic"
                ),
                after=charging.index,
            )
            stop = self.result(
                "evdriver", "requestStopTransaction", {"transactionId": transaction_id}
            )
            expect(stop.get("status") == "Accepted", f"RequestStop answer {stop}")
            self.st.wait_for(
                "TransactionEvent Ended",
                lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
                after=charging.index,
            )
            n += self.check_stored_session(
                transaction_id, stopped_reason="Remote", remote_start_id=REMOTE_START_ID
            )
            self.st.ev_state(1, "B")
            self.st.unplug(1)

    def outage(self) -> None:
        """CitrineOS stopped mid-session and restarted: the queue is delivered."""
        with self.check("outage: CitrineOS stopped mid-session, queue delivered after") as n:
            mark = self.st.last_index()
            self.st.plug(2)
            self.st.tap(CARD)
            self.st.ev_state(2, "C")
            charging = self.st.wait_for("TransactionEvent Charging", self.charging, after=mark)
            transaction_id = charging.payload["transactionInfo"]["transactionId"]
            wait(
                "the transaction active in CitrineOS",
                lambda: self.stored_transaction(transaction_id).get("isActive"),
            )
            self.citrine.stop()
            wait(
                "the station to notice the outage",
                lambda: not self.st.command("status")["connected"],
                timeout=60,
            )
            before = self._queued_count()
            wait(
                "meter values queued offline",
                lambda: self._queued_count() >= before + 2,
                timeout=60,
            )
            self.st.ev_state(2, "B")
            self.st.unplug(2)
            wait(
                "the Ended event queued",
                lambda: self._ended_queued(transaction_id),
                timeout=30,
            )
            queued = self._queued_count()
            self.citrine.start(lambda line: None)
            self.st.wait_for(
                "a BootNotification or reconnection after the outage",
                lambda f: f.kind == "CALL" and f.direction == "out",
                after=self.st.last_index(),
                timeout=120,
                answered=False,
            )
            # A CALL lost in CitrineOS's start-up window (docs/interop.md) costs the
            # station's 30 s timeout, CitrineOS's busy answer to the next CALL 30 s more,
            # and the resend waits MessageAttemptInterval (60 s) after that failed attempt.
            wait("the queue delivered", lambda: self._queued_count() == 0, timeout=300)
            lines = self.check_stored_session(
                transaction_id, stopped_reason="EVDisconnected", remote_start_id=None
            )
            offline = self.db.rows(
                'SELECT count(*) AS n FROM "TransactionEvents" e JOIN "Transactions" t '
                'ON t.id = e."transactionDatabaseId" '
                f"WHERE t.\"transactionId\" = '{transaction_id}' AND e.offline"
            )[0]["n"]
            expect(offline >= 1, "no event stored with offline=true")
            n += [f"{queued} messages queued while down, {offline} stored offline", *lines]

    def _queued_count(self) -> int:
        return int(self.st.command("status")["queued_transaction_messages"])

    def _ended_queued(self, transaction_id: str) -> bool:
        # The station writes the Ended event to its queue before it sends it: the EVSE
        # has no transaction any more and the queue is not empty.
        status = self.st.command("status")
        evse = status["evses"]["2"]
        return not evse["transaction_id"] and status["queued_transaction_messages"] > 0
