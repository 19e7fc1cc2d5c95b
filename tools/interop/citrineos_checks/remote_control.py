"""Remote control (blocks F, G, P) through CitrineOS."""

from __future__ import annotations

from functools import partial

from tools.interop.citrineos_checks.base import (
    SuiteBase,
    expect,
    wait,
)


class RemoteControlChecks(SuiteBase):
    """TriggerMessage, ChangeAvailability, UnlockConnector, DataTransfer."""

    def remote_commands(self) -> None:
        """TriggerMessage, ChangeAvailability, UnlockConnector, DataTransfer."""
        for requested, extra in (
            ("StatusNotification", {"evse": {"id": 1, "connectorId": 1}}),
            ("Heartbeat", {}),
            ("MeterValues", {"evse": {"id": 1}}),
            ("BootNotification", {}),
        ):
            with self.check(f"TriggerMessage {requested}") as n:
                mark = self.st.last_index()
                answer = self.result(
                    "configuration", "triggerMessage", {"requestedMessage": requested, **extra}
                )
                status = answer.get("status")
                if requested == "BootNotification":
                    # F06.FR.17: after an accepted boot, a triggered boot is Rejected.
                    expect(status == "Rejected", f"answer {answer}")
                else:
                    expect(status == "Accepted", f"answer {answer}")
                    self.out_answered(f"the triggered {requested}", requested, after=mark)
                n.append(f"status {status}")
        with self.check("ChangeAvailability EVSE 2 Inoperative/Operative, stored") as n:
            for operational, connector in (
                ("Inoperative", "Unavailable"),
                ("Operative", "Available"),
            ):
                mark = self.st.last_index()
                answer = self.result(
                    "configuration",
                    "changeAvailability",
                    {"operationalStatus": operational, "evse": {"id": 2}},
                )
                expect(answer.get("status") == "Accepted", f"{operational}: {answer}")
                sent = self.out_answered(
                    f"StatusNotification {connector}", "StatusNotification", after=mark
                )
                expect(
                    sent.payload["connectorStatus"] == connector,
                    f"status {sent.payload['connectorStatus']}",
                )
                wait(
                    f"{connector} stored",
                    partial(self.latest_status_is, 2, connector),
                    timeout=20,
                )
            n.append("Unavailable then Available stored as the newest status")
        with self.check("UnlockConnector (fixed cable)") as n:
            answer = self.result("evdriver", "unlockConnector", {"evseId": 1, "connectorId": 1})
            # F05.FR.04/05: the connector exists and has no transaction, so the station
            # tries; a fixed cable has no lock to open (UnlockFailed).
            expect(answer.get("status") in ("Unlocked", "UnlockFailed"), f"answer {answer}")
            n.append(f"status {answer.get('status')}")
        with self.check("DataTransfer (unknown vendor: UnknownVendorId)") as n:
            answer = self.result(
                "configuration",
                "dataTransfer",
                {"vendorId": "org.example.interop", "messageId": "ping", "data": "x"},
            )
            expect(answer.get("status") == "UnknownVendorId", f"answer {answer}")
            n.append(f"status {answer.get('status')}")
