"""Smart Charging (block K) through CitrineOS: profiles set, stored and followed at the
pilot, composite schedules, and a local limit told to CitrineOS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from station.control.iec61851 import duty_for_current
from tools.interop.citrineos_checks.base import (
    CHARGING_CARD,
    STATION,
    SuiteBase,
    expect,
    wait,
)
from tools.interop.station_process import Frame, WaitFailed, call

#: The EVSE the profiles are for, its maximum (the station's config) and the limits set.
EVSE = 1
EVSE_MAX = 32.0
DEFAULT_LIMIT = 10.0
TX_LIMIT = 8.0
LOCAL_LIMIT = 6.0
TX_DEFAULT_ID = 501
TX_PROFILE_ID = 502
#: The meter values CitrineOS gets during the smart-charging session: the energy (for the
#: stored totals) and the current the pilot offers (what the profiles change).
MEASURANDS = "Energy.Active.Import.Register,Current.Offered"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _profile(
    profile_id: int, purpose: str, limit: float, *, transaction_id: str | None = None
) -> dict[str, Any]:
    """An Absolute profile with one period of ``limit`` A from now."""
    profile: dict[str, Any] = {
        "id": profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": profile_id,
                "startSchedule": _now(),
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
            }
        ],
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return profile


def _offers(sampled: dict[str, Any], amps: float) -> bool:
    """Whether a sampled value is a Current.Offered of ``amps``: what the PWM offers,
    whose duty has a resolution of 0.1 % and is rounded down (0.06 A at most below)."""
    if sampled.get("measurand") != "Current.Offered":
        return False
    value = float(sampled["value"])
    return amps - 0.061 <= value <= amps + 1e-6


class SmartChargingChecks(SuiteBase):
    """Charging profiles, composite schedules and local limits, seen at the pilot and in
    CitrineOS's database."""

    def smart_charging(self) -> None:
        """K01 (TxDefaultProfile, TxProfile), K08, K09, K10, K11–K13 through CitrineOS's
        smart-charging API and the station's control socket, one session on EVSE 1."""
        self._tx_default_profile()
        mark = self.st.last_index()
        started = self._session_under_default_profile(mark)
        transaction_id, measurands_before = started or (None, None)
        if transaction_id is not None:
            self._tx_profile(transaction_id)
            self._clear_profiles()
            self._local_limit()
        with self.check("the smart-charging session stored by CitrineOS") as n:
            self.st.ev_state(EVSE, "B")
            self.st.unplug(EVSE)
            expect(transaction_id is not None, "no transaction started")
            assert transaction_id is not None
            self.st.wait_for(
                "TransactionEvent Ended",
                lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
                after=mark,
            )
            n += self.check_stored_session(
                transaction_id, stopped_reason="EVDisconnected", remote_start_id=None
            )
            if measurands_before is not None:
                self._sampled_measurands(measurands_before)

    # -- helpers --------------------------------------------------------------------------

    def _duty(self) -> float:
        return float(self.st.command("status")["evses"][str(EVSE)]["duty"])

    def _wait_offered(self, amps: float) -> float:
        """Wait until the pilot's PWM offers ``amps`` (IEC 61851-1 Table A.7); the duty."""
        target = duty_for_current(amps)
        assert target is not None

        def at_target() -> float | None:
            duty = self._duty()
            return duty if abs(duty - target) < 0.05 else None

        try:
            return float(
                wait(
                    f"a PWM duty of {target:.1f} % ({amps:g} A) on EVSE {EVSE}",
                    at_target,
                    timeout=20,
                )
            )
        except WaitFailed as exc:
            raise WaitFailed(f"{exc}; the duty is {self._duty():.1f} %") from None

    def _stored_profile(self, profile_id: int) -> dict:
        rows = self.db.rows(
            'SELECT p."isActive", p."evseId", p."chargingProfilePurpose", '
            'p."chargingLimitSource", p."transactionDatabaseId", s."chargingSchedulePeriod" '
            'FROM "ChargingProfiles" p LEFT JOIN "ChargingSchedules" s '
            'ON s."chargingProfileDatabaseId" = p."databaseId" '
            f"WHERE p.\"stationId\" = '{STATION}' AND p.id = {int(profile_id)}"
        )
        return rows[0] if rows else {}

    def _profile_stored(self, profile_id: int, *, active: bool, limit: float) -> dict:
        """Wait until CitrineOS holds the profile, active or not, with its limit."""

        def stored() -> dict | None:
            row = self._stored_profile(profile_id)
            periods = row.get("chargingSchedulePeriod") or []
            if row and row["isActive"] == active and periods and periods[0]["limit"] == limit:
                return row
            return None

        row: dict = wait(
            f"profile {profile_id} stored by CitrineOS {'active' if active else 'inactive'}",
            stored,
            timeout=20,
        )
        return row

    def _composite(self, limit: float) -> list[str]:
        """GetCompositeSchedule of EVSE 1 for 10 minutes: ``limit`` from its start, and the
        schedule stored in CitrineOS's CompositeSchedules."""
        newest_id = self.db.rows('SELECT max(id) AS n FROM "CompositeSchedules"')[0]["n"]
        before = newest_id or 0
        composite = self.result(
            "smartcharging",
            "getCompositeSchedule",
            {"evseId": EVSE, "duration": 600, "chargingRateUnit": "A"},
        )
        expect(composite.get("status") == "Accepted", f"GetCompositeSchedule: {composite}")
        schedule = composite["schedule"]
        periods = schedule["chargingSchedulePeriod"]
        expect(periods[0]["limit"] == limit, f"composite periods {periods}, expected {limit:g} A")

        def newest() -> dict | None:
            rows = self.db.rows(
                'SELECT id, "evseId", "chargingRateUnit", "chargingSchedulePeriod" '
                f'FROM "CompositeSchedules" WHERE "stationId" = \'{STATION}\' '
                "ORDER BY id DESC LIMIT 1"
            )
            return rows[0] if rows and rows[0]["id"] > before else None

        stored = wait("the composite schedule stored by CitrineOS", newest, timeout=20)
        sent = [(p["startPeriod"], p["limit"]) for p in periods]
        kept = [(p["startPeriod"], p["limit"]) for p in stored["chargingSchedulePeriod"]]
        expect(
            stored["evseId"] == EVSE and stored["chargingRateUnit"] == "A" and kept == sent,
            f"CitrineOS stored {stored}, the station sent {schedule}",
        )
        return [f"composite {limit:g} A stored"]

    def _sampled_measurands(self, measurands: str) -> str:
        """Set SampledDataCtrlr.TxUpdatedMeasurands through CitrineOS; the value it had."""
        got = self.result(
            "monitoring",
            "getVariables",
            {
                "getVariableData": [
                    {
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedMeasurands"},
                    }
                ]
            },
        )
        before = str(got["getVariableResult"][0]["attributeValue"])
        answer = self.result(
            "monitoring",
            "setVariables",
            {
                "setVariableData": [
                    {
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedMeasurands"},
                        "attributeValue": measurands,
                    }
                ]
            },
        )
        results = answer["setVariableResult"]
        expect(results[0]["attributeStatus"] == "Accepted", f"TxUpdatedMeasurands: {results}")
        return before

    def _offered_in_event(self, amps: float, after: int) -> Frame:
        """The first TransactionEvent after ``after`` whose Current.Offered is ``amps``."""

        def offered(frame: Frame) -> bool:
            return call("TransactionEvent", "out")(frame) and any(
                _offers(v, amps)
                for mv in frame.payload.get("meterValue", [])
                for v in mv["sampledValue"]
            )

        return self.st.wait_for(
            f"a TransactionEvent with Current.Offered {amps:g} A", offered, after=after
        )

    def _offered_stored(self, transaction_id: str, amps: float) -> None:
        """CitrineOS stored a meter value of the transaction with Current.Offered ``amps``."""

        def stored() -> bool:
            rows = self.db.rows(
                'SELECT m."sampledValue" FROM "MeterValues" m JOIN "Transactions" t '
                'ON t.id = m."transactionDatabaseId" '
                f"WHERE t.\"transactionId\" = '{transaction_id}'"
            )
            return any(_offers(v, amps) for r in rows for v in r["sampledValue"])

        wait(f"Current.Offered {amps:g} A stored by CitrineOS", stored, timeout=20)

    # -- the checks -----------------------------------------------------------------------

    def _tx_default_profile(self) -> None:
        with self.check("SetChargingProfile TxDefaultProfile EVSE 1: stored, composite") as n:
            answer = self.result(
                "smartcharging",
                "setChargingProfile",
                {
                    "evseId": EVSE,
                    "chargingProfile": _profile(TX_DEFAULT_ID, "TxDefaultProfile", DEFAULT_LIMIT),
                },
            )
            expect(answer.get("status") == "Accepted", f"SetChargingProfile: {answer}")
            # CitrineOS stores the profile before sending it, then (once Accepted) asks
            # GetChargingProfiles and marks what the station reports active.
            row = self._profile_stored(TX_DEFAULT_ID, active=True, limit=DEFAULT_LIMIT)
            expect(
                row["evseId"] == EVSE and row["chargingProfilePurpose"] == "TxDefaultProfile",
                f"stored {row}",
            )
            n += [f"{DEFAULT_LIMIT:g} A stored active", *self._composite(DEFAULT_LIMIT)]
        with self.check("GetChargingProfiles reports the profile as sent") as n:
            mark = self.st.last_index()
            answer = self.result(
                "smartcharging",
                "getChargingProfiles",
                {
                    "requestId": self.next_request_id(),
                    "chargingProfile": {"chargingProfileId": [TX_DEFAULT_ID]},
                },
            )
            expect(answer.get("status") == "Accepted", f"GetChargingProfiles: {answer}")
            sent = self.out_answered("ReportChargingProfiles", "ReportChargingProfiles", after=mark)
            reported = sent.payload["chargingProfile"]
            expect(
                [p["id"] for p in reported] == [TX_DEFAULT_ID] and sent.payload["evseId"] == EVSE,
                f"report {sent.payload}",
            )
            n.append(f"profile {TX_DEFAULT_ID} on EVSE {EVSE}")

    def _session_under_default_profile(self, mark: int) -> tuple[str, str] | None:
        with self.check("TxDefaultProfile at the pilot: PWM offers 10 A, Current.Offered") as n:
            measurands_before = self._sampled_measurands(MEASURANDS)
            self.st.plug(EVSE)
            self.st.tap(CHARGING_CARD)
            self.st.ev_state(EVSE, "C")
            charging = self.st.wait_for(
                "TransactionEvent Charging",
                lambda f: (
                    call("TransactionEvent", "out")(f)
                    and f.payload.get("transactionInfo", {}).get("chargingState") == "Charging"
                ),
                after=mark,
            )
            transaction_id: str = charging.payload["transactionInfo"]["transactionId"]
            duty = self._wait_offered(DEFAULT_LIMIT)
            self._offered_in_event(DEFAULT_LIMIT, mark)
            self._offered_stored(transaction_id, DEFAULT_LIMIT)
            n.append(f"duty {duty:.1f} %, Current.Offered {DEFAULT_LIMIT:g} A stored")
            return transaction_id, measurands_before
        return None

    def _tx_profile(self, transaction_id: str) -> None:
        with self.check("SetChargingProfile TxProfile in the transaction: 8 A at the pilot") as n:
            mark = self.st.last_index()
            answer = self.result(
                "smartcharging",
                "setChargingProfile",
                {
                    "evseId": EVSE,
                    "chargingProfile": _profile(
                        TX_PROFILE_ID, "TxProfile", TX_LIMIT, transaction_id=transaction_id
                    ),
                },
            )
            expect(answer.get("status") == "Accepted", f"SetChargingProfile TxProfile: {answer}")
            duty = self._wait_offered(TX_LIMIT)
            # The offered current fell by 20 %, above LimitChangeSignificance (10 %).
            changed = self.st.wait_for(
                "TransactionEvent ChargingRateChanged",
                lambda f: (
                    call("TransactionEvent", "out")(f)
                    and f.payload.get("triggerReason") == "ChargingRateChanged"
                ),
                after=mark,
            )
            self._offered_in_event(TX_LIMIT, mark)
            self._offered_stored(transaction_id, TX_LIMIT)
            wait(
                "the ChargingRateChanged event stored by CitrineOS",
                lambda: self.db.rows(
                    'SELECT 1 FROM "TransactionEvents" e JOIN "Transactions" t '
                    'ON t.id = e."transactionDatabaseId" '
                    f"WHERE t.\"transactionId\" = '{transaction_id}' "
                    f'AND e."seqNo" = {int(changed.payload["seqNo"])} '
                    "AND e.\"triggerReason\" = 'ChargingRateChanged'"
                ),
                timeout=20,
            )
            row = self._profile_stored(TX_PROFILE_ID, active=True, limit=TX_LIMIT)
            expect(row["transactionDatabaseId"] is not None, f"not tied to the transaction: {row}")
            n += [f"duty {duty:.1f} %, ChargingRateChanged stored", *self._composite(TX_LIMIT)]

    def _clear_profiles(self) -> None:
        with self.check("ClearChargingProfile TxProfile, then TxDefaultProfile: 32 A") as n:
            cleared = self.result(
                "smartcharging", "clearChargingProfile", {"chargingProfileId": TX_PROFILE_ID}
            )
            expect(cleared.get("status") == "Accepted", f"ClearChargingProfile: {cleared}")
            self._wait_offered(DEFAULT_LIMIT)
            # CitrineOS marks every profile inactive, asks GetChargingProfiles and marks
            # what the station still reports active again.
            self._profile_stored(TX_PROFILE_ID, active=False, limit=TX_LIMIT)
            self._profile_stored(TX_DEFAULT_ID, active=True, limit=DEFAULT_LIMIT)
            cleared = self.result(
                "smartcharging",
                "clearChargingProfile",
                {
                    "chargingProfileCriteria": {
                        "evseId": EVSE,
                        "chargingProfilePurpose": "TxDefaultProfile",
                    }
                },
            )
            expect(cleared.get("status") == "Accepted", f"ClearChargingProfile: {cleared}")
            duty = self._wait_offered(EVSE_MAX)
            self._profile_stored(TX_DEFAULT_ID, active=False, limit=DEFAULT_LIMIT)
            n.append(f"10 A, then {EVSE_MAX:g} A (duty {duty:.1f} %); both stored inactive")

    def _local_limit(self) -> None:
        with self.check("local limit 6 A: NotifyChargingLimit, ClearedChargingLimit") as n:
            mark = self.st.last_index()
            self.st.command("limit.set", {"evse": EVSE, "amps": LOCAL_LIMIT, "source": "EMS"})
            notify = self.out_answered("NotifyChargingLimit", "NotifyChargingLimit", after=mark)
            expect(
                notify.payload["chargingLimit"]["chargingLimitSource"] == "EMS"
                and notify.payload.get("evseId") == EVSE,
                f"NotifyChargingLimit {notify.payload}",
            )
            duty = self._wait_offered(LOCAL_LIMIT)
            wait(
                "NotifyChargingLimit in CitrineOS's message store",
                lambda: self.db.rows(
                    'SELECT 1 FROM "OCPPMessages" '
                    f"WHERE \"stationId\" = '{STATION}' AND action = 'NotifyChargingLimit'"
                ),
                timeout=20,
            )
            mark = self.st.last_index()
            self.st.command("limit.clear", {"evse": EVSE, "source": "EMS"})
            cleared = self.out_answered("ClearedChargingLimit", "ClearedChargingLimit", after=mark)
            expect(
                cleared.payload["chargingLimitSource"] == "EMS"
                and cleared.payload.get("evseId") == EVSE,
                f"ClearedChargingLimit {cleared.payload}",
            )
            self._wait_offered(EVSE_MAX)
            n.append(f"duty {duty:.1f} % under the limit, {EVSE_MAX:g} A after it")
