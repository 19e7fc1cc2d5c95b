"""Remote control (blocks F, G, P) through CitrineOS."""

from __future__ import annotations

import contextlib
from functools import partial

from tools.interop.citrineos_checks.base import (
    SuiteBase,
    expect,
    wait,
)


class RemoteControlChecks(SuiteBase):
    """TriggerMessage, ChangeAvailability, UnlockConnector, DataTransfer."""

    def _change_availability(self, operational: str) -> dict:
        return self.result(
            "configuration",
            "changeAvailability",
            {"operationalStatus": operational, "evse": {"id": 2}},
        )

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
            inoperative = False
            try:
                for operational, connector in (
                    ("Inoperative", "Unavailable"),
                    ("Operative", "Available"),
                ):
                    mark = self.st.last_index()
                    answer = self._change_availability(operational)
                    expect(answer.get("status") == "Accepted", f"{operational}: {answer}")
                    inoperative = operational == "Inoperative"
                    # EVSE 2's own: a status of EVSE 1 left unreported (its CALL failed)
                    # may go first.
                    sent = self.out_answered(
                        f"StatusNotification {connector}",
                        "StatusNotification",
                        after=mark,
                        payload=lambda p: p.get("evseId") == 2,
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
            finally:
                # Whatever failed, the checks after this one find EVSE 2 operative (a
                # failure here is not this check's: it goes on with the first one).
                if inoperative:
                    with contextlib.suppress(Exception):
                        self._change_availability("Operative")
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
