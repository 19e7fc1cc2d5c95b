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
from tools.interop.station_process import Frame, call


class TransactionChecks(SuiteBase):
    """Sessions and what CitrineOS stored of them."""

    def _charging(self, frame: Frame) -> bool:
        return (
            call("TransactionEvent", "out")(frame)
            and frame.payload.get("transactionInfo", {}).get("chargingState") == "Charging"
        )

    def _stored_transaction(self, transaction_id: str) -> dict:
        rows = self.db.rows(
            'SELECT "transactionId", "isActive", "stoppedReason", "remoteStartId", '
            '"totalKwh", "evseId", "chargingState" FROM "Transactions" '
            f"WHERE \"transactionId\" = '{transaction_id}'"
        )
        return rows[0] if rows else {}

    def _check_stored_session(
        self, transaction_id: str, *, stopped_reason: str, remote_start_id: int | None
    ) -> list[str]:
        """Compare CitrineOS's transaction, events and meter values with what was sent."""
        sent = [
            f.payload
            for f in self.st.frames()
            if call("TransactionEvent", "out")(f)
            and f.payload["transactionInfo"]["transactionId"] == transaction_id
        ]
        expect(sent, f"no TransactionEvent of {transaction_id} in the station's log")
        tx = wait(
            "the transaction ended in CitrineOS",
            lambda: (
                t if (t := self._stored_transaction(transaction_id)) and not t["isActive"] else None
            ),
            timeout=30,
        )
        expect(tx["stoppedReason"] == stopped_reason, f"stoppedReason {tx['stoppedReason']!r}")
        if remote_start_id is not None:
            expect(
                tx["remoteStartId"] == remote_start_id,
                f"remoteStartId {tx['remoteStartId']!r}, expected {remote_start_id}",
            )
        events = self.db.rows(
            'SELECT e."seqNo", e."eventType", e."triggerReason", e.offline '
            'FROM "TransactionEvents" e JOIN "Transactions" t '
            'ON t.id = e."transactionDatabaseId" '
            f'WHERE t."transactionId" = \'{transaction_id}\' ORDER BY e."seqNo"'
        )
        stored_seq = [e["seqNo"] for e in events]
        sent_seq = sorted({p["seqNo"] for p in sent})
        expect(
            stored_seq == sent_seq,
            f"stored seqNo {stored_seq} != sent {sent_seq}",
        )
        expect(sent_seq == list(range(len(sent_seq))), f"seqNo not continuous: {sent_seq}")
        expect(
            events[0]["eventType"] == "Started" and events[-1]["eventType"] == "Ended",
            f"event types {[e['eventType'] for e in events]}",
        )
        meter = self.db.rows(
            'SELECT m."sampledValue" FROM "MeterValues" m JOIN "Transactions" t '
            'ON t.id = m."transactionDatabaseId" '
            f"WHERE t.\"transactionId\" = '{transaction_id}'"
        )
        sent_samples = sum(len(p.get("meterValue", [])) for p in sent)
        expect(
            len(meter) == sent_samples,
            f"CitrineOS stored {len(meter)} meter values, the station sent {sent_samples}",
        )
        energy = [
            float(v["value"])
            for p in sent
            for mv in p.get("meterValue", [])
            for v in mv["sampledValue"]
            if v.get("measurand", "Energy.Active.Import.Register")
            == "Energy.Active.Import.Register"
        ]
        expect(energy and max(energy) > min(energy), f"energy did not rise: {energy}")
        delivered_kwh = (max(energy) - min(energy)) / 1000.0
        total = tx["totalKwh"]
        expect(
            total is not None and abs(float(total) - delivered_kwh) < 0.001 + delivered_kwh * 0.01,
            f"CitrineOS totalKwh {total} != {delivered_kwh:.4f} kWh from the meter values",
        )
        return [
            f"{len(events)} events seqNo 0..{stored_seq[-1]}",
            f"{len(meter)} meter values",
            f"totalKwh {float(total):.4f}",
            f"stoppedReason {tx['stoppedReason']}",
        ]

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
            charging = self.st.wait_for("TransactionEvent Charging", self._charging, after=mark)
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
                lambda: self._stored_transaction(transaction_id).get("isActive"),
            )
            self.st.ev_state(1, "B")
            self.st.unplug(1)
            self.st.wait_for(
                "TransactionEvent Ended",
                lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
                after=charging.index,
            )
            n += self._check_stored_session(
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
            charging = self.st.wait_for("TransactionEvent Charging", self._charging, after=mark)
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
            n += self._check_stored_session(
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
            charging = self.st.wait_for("TransactionEvent Charging", self._charging, after=mark)
            transaction_id = charging.payload["transactionInfo"]["transactionId"]
            wait(
                "the transaction active in CitrineOS",
                lambda: self._stored_transaction(transaction_id).get("isActive"),
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
            wait("the queue delivered", lambda: self._queued_count() == 0, timeout=120)
            lines = self._check_stored_session(
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
