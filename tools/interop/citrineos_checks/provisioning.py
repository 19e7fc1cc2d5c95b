"""Provisioning (block B) through CitrineOS: boot, device model, reports, Reset."""

from __future__ import annotations

from tools.interop.citrineos_checks.base import (
    PASSWORD,
    STATION,
    SuiteBase,
    expect,
    wait,
)
from tools.interop.report import CheckFailed
from tools.interop.station_process import Frame, StationConfig, WaitFailed, call


class ProvisioningChecks(SuiteBase):
    """Boot, GetVariables/SetVariables, GetBaseReport, Reset."""

    def boot_sp1(self) -> None:
        """Security profile 1: boot, connector statuses, heartbeat."""
        station = self.start_station(
            "sp1",
            StationConfig(
                identity=STATION,
                url=f"{self.sp[1].url()}/",
                security_profile=1,
                password=PASSWORD,
            ),
        )
        with self.check("SP1 boot: BootNotification Accepted, stored by CitrineOS") as notes:
            boot = self.out_answered("BootNotification", "BootNotification", after=-1)
            answer = station.answer_to(boot)
            assert answer is not None
            expect(answer.payload.get("status") == "Accepted", f"boot answer {answer.payload}")
            rows = wait(
                "a Boots row Accepted",
                lambda: self.db.rows(f"SELECT status FROM \"Boots\" WHERE id = '{STATION}'"),
            )
            expect(rows[0]["status"] == "Accepted", f"Boots row {rows}")
            online = wait(
                "ChargingStations.isOnline",
                lambda: self.db.rows(
                    f'SELECT "isOnline", "chargePointVendor", "chargePointModel" '
                    f'FROM "ChargingStations" WHERE id = \'{STATION}\' AND "isOnline"'
                ),
            )
            notes.append(f"interval {answer.payload.get('interval')} s; {online[0]}")
        with self.check("SP1 StatusNotification: both connectors Available in CitrineOS") as n:
            rows = wait(
                "StatusNotifications of EVSE 1 and 2",
                lambda: (
                    r
                    if len(
                        r := self.db.rows(
                            'SELECT DISTINCT "evseId", "connectorId", "connectorStatus" '
                            f'FROM "StatusNotifications" WHERE "stationId" = \'{STATION}\''
                        )
                    )
                    >= 2
                    else None
                ),
            )
            statuses = {(r["evseId"], r["connectorId"]): r["connectorStatus"] for r in rows}
            expect(
                statuses.get((1, 1)) == "Available" and statuses.get((2, 1)) == "Available",
                f"stored statuses {statuses}",
            )
            n.append(str(statuses))
        with self.check("SP1 Heartbeat answered with the CSMS time") as n:
            heartbeat = self.out_answered("Heartbeat", "Heartbeat", after=-1, timeout=90)
            answer = station.answer_to(heartbeat)
            assert answer is not None
            expect("currentTime" in answer.payload, f"heartbeat answer {answer.payload}")
            n.append(f"currentTime {answer.payload['currentTime']}")

    def device_model(self) -> None:
        """GetVariables and SetVariables through CitrineOS, values stored."""
        with self.check("GetVariables through CitrineOS, value stored") as n:
            answer = self.result(
                "monitoring",
                "getVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                        },
                        {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}},
                    ]
                },
            )
            results = answer["getVariableResult"]
            expect(all(r["attributeStatus"] == "Accepted" for r in results), f"results {results}")
            value = results[1]["attributeValue"]
            wait(
                "TxCtrlr.TxStartPoint stored",
                lambda: any(r["value"] == value for r in self.variable("TxCtrlr", "TxStartPoint")),
                timeout=20,
            )
            n.append(f"TxStartPoint={value}")
        with self.check("SetVariables through CitrineOS (meter interval 2 s), stored") as n:
            answer = self.result(
                "monitoring",
                "setVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "SampledDataCtrlr"},
                            "variable": {"name": "TxUpdatedInterval"},
                            "attributeValue": "2",
                        },
                        {
                            "component": {"name": "TxCtrlr"},
                            "variable": {"name": "EVConnectionTimeOut"},
                            "attributeValue": "180",
                        },
                    ]
                },
            )
            results = answer["setVariableResult"]
            expect(all(r["attributeStatus"] == "Accepted" for r in results), f"results {results}")
            wait(
                "TxUpdatedInterval=2 stored",
                lambda: any(
                    r["value"] == "2"
                    for r in self.variable("SampledDataCtrlr", "TxUpdatedInterval")
                ),
                timeout=20,
            )
            check = self.result(
                "monitoring",
                "getVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "TxCtrlr"},
                            "variable": {"name": "EVConnectionTimeOut"},
                        }
                    ]
                },
            )
            got = check["getVariableResult"][0].get("attributeValue")
            expect(got == "180", f"EVConnectionTimeOut read back as {got!r}")
            n.append("TxUpdatedInterval=2, EVConnectionTimeOut=180 read back")

    def reports(self) -> None:
        """GetBaseReport of each base; every reported value stored by CitrineOS."""
        for base in ("FullInventory", "ConfigurationInventory", "SummaryInventory"):
            with self.check(f"GetBaseReport {base}: every NotifyReport part accepted, stored") as n:
                n += self._report(base)
            self.restore_password_after_report()

    def _stored_attributes(self) -> set[tuple]:
        rows = self.db.rows(
            "SELECT c.name AS component, c.instance AS ci, v.name AS variable, "
            'v.instance AS vi, va.type, va.value FROM "VariableAttributes" va '
            'JOIN "Variables" v ON v.id = va."variableId" '
            'JOIN "Components" c ON c.id = va."componentId" '
            f"WHERE va.\"stationId\" = '{STATION}'"
        )
        return {
            (r["component"], r["ci"], r["variable"], r["vi"], r["type"], r["value"]) for r in rows
        }

    def _report(self, base: str) -> list[str]:
        request_id = self.next_request_id()
        mark = self.st.last_index()
        answer = self.result(
            "reporting", "getBaseReport", {"requestId": request_id, "reportBase": base}
        )
        expect(answer.get("status") == "Accepted", f"GetBaseReport answer {answer}")

        def part_of_report(frame: Frame) -> bool:
            return (
                call("NotifyReport", "out")(frame) and frame.payload.get("requestId") == request_id
            )

        self.st.wait_for(
            f"the last NotifyReport of {base}",
            lambda f: part_of_report(f) and not f.payload.get("tbc", False),
            after=mark,
        )
        parts = [f for f in self.st.frames() if f.index > mark and part_of_report(f)]
        seq = [p.payload["seqNo"] for p in parts]
        expect(seq == list(range(len(parts))), f"NotifyReport seqNo {seq}")
        for part in parts:
            answer_frame = self.st.answer_to(part)
            expect(
                answer_frame is not None and answer_frame.kind == "RESULT",
                f"NotifyReport seqNo {part.payload['seqNo']} answered with "
                f"{answer_frame.kind if answer_frame else 'nothing'}",
            )
        # Every reported attribute value must be in CitrineOS's device model. Write-only
        # variables are reported without a value (see restore_password_after_report).
        reported = {
            (
                item["component"]["name"],
                item["component"].get("instance"),
                item["variable"]["name"],
                item["variable"].get("instance"),
                attribute.get("type", "Actual"),
                attribute["value"],
            )
            for part in parts
            for item in part.payload.get("reportData", [])
            for attribute in item["variableAttribute"]
            if "value" in attribute
        }
        expect(reported, f"the {base} report carried no values")
        try:
            wait(
                "every reported value stored",
                lambda: not (reported - self._stored_attributes()),
                timeout=30,
            )
        except WaitFailed:
            missing = sorted(reported - self._stored_attributes(), key=str)
            raise CheckFailed(
                f"{len(missing)} reported value(s) not stored by CitrineOS: {missing[:10]}"
            ) from None
        return [f"{len(parts)} part(s), {len(reported)} values, all stored"]

    def reset(self) -> None:
        """Reset Immediate: the station boots again."""
        with self.check("Reset Immediate: the station boots again with RemoteReset") as n:
            mark = self.st.last_index()
            answer = self.result("configuration", "reset", {"type": "Immediate"})
            expect(answer.get("status") == "Accepted", f"Reset answer {answer}")
            boot = self.out_answered("BootNotification after Reset", "BootNotification", after=mark)
            expect(boot.payload.get("reason") == "RemoteReset", f"reason {boot.payload}")
            # The reboot is a security event (Part 2 Appendix 1, ResetOrReboot): wait for it
            # to be answered, so that the next station stop cuts no exchange.
            self.st.wait_for(
                "SecurityEventNotification ResetOrReboot",
                lambda f: (
                    call("SecurityEventNotification", "out")(f)
                    and f.payload.get("type") == "ResetOrReboot"
                ),
                after=boot.index,
            )
            n.append("BootNotification reason RemoteReset accepted, ResetOrReboot reported")
