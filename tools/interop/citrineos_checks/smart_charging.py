"""Smart Charging (block K) through CitrineOS."""

from __future__ import annotations

from datetime import UTC, datetime

from tools.interop.citrineos_checks.base import (
    SuiteBase,
    expect,
)


class SmartChargingChecks(SuiteBase):
    """Charging profiles and composite schedules."""

    def smart_charging(self) -> None:
        """SetChargingProfile, GetCompositeSchedule, GetChargingProfiles, ClearChargingProfile
        (K01, K08–K10) through CitrineOS's smart-charging API."""
        profile = {
            "id": 501,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [
                {
                    "id": 501,
                    "startSchedule": datetime.now(UTC)
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.0}],
                }
            ],
        }
        with self.check("SetChargingProfile, then GetCompositeSchedule shows its limit") as n:
            answer = self.result(
                "smartcharging", "setChargingProfile", {"evseId": 1, "chargingProfile": profile}
            )
            expect(answer.get("status") == "Accepted", f"SetChargingProfile: {answer}")
            composite = self.result(
                "smartcharging",
                "getCompositeSchedule",
                {"evseId": 1, "duration": 600, "chargingRateUnit": "A"},
            )
            expect(composite.get("status") == "Accepted", f"GetCompositeSchedule: {composite}")
            periods = composite["schedule"]["chargingSchedulePeriod"]
            expect(periods[0]["limit"] == 10.0, f"periods {periods}")
            n.append(f"composite {periods}")
        with self.check("GetChargingProfiles reports it, ClearChargingProfile removes it") as n:
            mark = self.st.last_index()
            answer = self.result(
                "smartcharging",
                "getChargingProfiles",
                {"requestId": 88, "chargingProfile": {"chargingProfileId": [501]}},
            )
            expect(answer.get("status") == "Accepted", f"GetChargingProfiles: {answer}")
            sent = self.out_answered("ReportChargingProfiles", "ReportChargingProfiles", after=mark)
            expect(sent.payload["chargingProfile"][0]["id"] == 501, f"report {sent.payload}")
            cleared = self.result(
                "smartcharging", "clearChargingProfile", {"chargingProfileId": 501}
            )
            expect(cleared.get("status") == "Accepted", f"ClearChargingProfile: {cleared}")
            n.append("reported, then cleared")
