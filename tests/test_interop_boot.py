"""Booting and RPC against the independent judge CSMS over a real WebSocket.

Scenarios in the spirit of TC_A_01, TC_B_01, TC_B_02, TC_B_03, TC_B_30, TC_P_03 and the
CALLERROR rules of Part 4 §4.
"""

from __future__ import annotations

import asyncio
import base64
import json

import pytest

from station.ocpp.client import BootState
from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.judge import Judge, JudgeCallError, now_iso


def accept(interval=300):
    return lambda p: {
        "currentTime": now_iso(),
        "interval": interval,
        "status": "Accepted",
    }


async def test_tc_a_01_basic_auth_and_url_with_percent_encoded_identity(tmp_path, judge):
    config = make_config(tmp_path, judge.url, station={"identity": "CS|01*A"})
    async with live_station(config, variables=FAST):
        (connection,) = await judge.wait_connections(1)
        await judge.wait_for("BootNotification")
    assert connection.path == "/ocpp/CS%7C01%2AA"
    token = base64.b64encode(f"CS|01*A:{PASSWORD}".encode()).decode()
    assert connection.authorization == f"Basic {token}"
    assert connection.subprotocol == "ocpp2.0.1"


async def test_tc_b_01_cold_boot_accepted_then_startup_event_and_heartbeat(tmp_path, judge):
    judge.responses["BootNotification"] = accept(interval=1)
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        (boot,) = await judge.wait_for("BootNotification")
        (event,) = await judge.wait_for("SecurityEventNotification")
        await judge.wait_for("Heartbeat")
    assert boot.payload["reason"] == "PowerUp"
    assert boot.payload["chargingStation"]["serialNumber"] == "SN-0001"
    assert event.payload["type"] == "StartupOfTheDevice"
    assert judge.actions()[0] == "BootNotification"


async def test_wrong_password_is_refused_and_the_station_keeps_trying(tmp_path):
    with Judge(password="another-password-0000") as csms:
        async with live_station(make_config(tmp_path, csms.url), variables=FAST):
            await csms.wait_refusals(3)
        assert csms.received == []


async def test_tc_b_02_pending_boot_configuration_report_and_triggered_boot(tmp_path, judge):
    judge.responses["BootNotification"] = lambda p: {
        "currentTime": now_iso(),
        "interval": 3600,
        "status": "Pending",
    }
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("BootNotification")
        result = await judge.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "300",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "OfflineThreshold"},
                    }
                ]
            },
        )
        assert result["setVariableResult"][0]["attributeStatus"] == "Accepted"
        result = await judge.call(
            "GetVariables",
            {
                "getVariableData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "OfflineThreshold"},
                    }
                ]
            },
        )
        assert result["getVariableResult"][0]["attributeValue"] == "300"
        result = await judge.call("GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"})
        assert result["status"] == "Accepted"
        reports = await judge.wait_for("NotifyReport", where=lambda p: not p.get("tbc", False))
        assert reports[-1].payload["requestId"] == 7
        judge.responses["BootNotification"] = accept()
        result = await judge.call("TriggerMessage", {"requestedMessage": "BootNotification"})
        assert result["status"] == "Accepted"
        boots = await judge.wait_for("BootNotification", count=2)
        assert boots[1].payload["reason"] == "Triggered"
    # Before the Accepted boot only boots and the requested report went out (B02.FR.02).
    actions = judge.actions()
    accepted_boot = [i for i, a in enumerate(actions) if a == "BootNotification"][1]
    assert set(actions[:accepted_boot]) <= {"BootNotification", "NotifyReport"}


async def test_b02_fr_02_a_report_requested_before_the_boot_answer_is_sent(tmp_path, judge):
    # Many CSMSs ask for a report while they answer the BootNotification. The station
    # accepts it, so it must send it (before: Accepted, then `report_aborted`).
    answers: dict = {}

    async def boot(payload):
        if "report" not in answers:
            ws = judge._current.ws
            future = asyncio.get_running_loop().create_future()
            judge._raw_waiters["r-1"] = future
            await ws.send(
                json.dumps(
                    [2, "r-1", "GetBaseReport", {"requestId": 9, "reportBase": "SummaryInventory"}]
                )
            )
            answers["report"] = (await asyncio.wait_for(future, 10)).payload
        return {"currentTime": now_iso(), "interval": 300, "status": "Accepted"}

    judge.responses["BootNotification"] = boot
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        reports = await judge.wait_for("NotifyReport", where=lambda p: not p.get("tbc", False))
    assert answers["report"] == {"status": "Accepted"}
    assert reports[-1].payload["requestId"] == 9
    actions = judge.actions()
    assert actions.index("BootNotification") < actions.index("NotifyReport")


async def test_tc_b_03_and_b_30_rejected_boot_answers_security_error(tmp_path, judge):
    judge.responses["BootNotification"] = lambda p: {
        "currentTime": now_iso(),
        "interval": 3600,
        "status": "Rejected",
    }
    async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
        await judge.wait_for("BootNotification")
        await station.client.wait_until(lambda: station.client.boot_state is BootState.Rejected)
        with pytest.raises(JudgeCallError) as caught:
            await judge.call("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"})
        assert caught.value.code == "SecurityError"
    assert judge.actions() == ["BootNotification"]


async def test_a_csms_that_does_not_select_ocpp201_is_a_failed_attempt(tmp_path):
    with Judge(select_subprotocol=False, password=PASSWORD) as csms:
        async with live_station(make_config(tmp_path, csms.url), variables=FAST):
            await csms.wait_connections(3)
        assert csms.received == []


class TestCallErrors:
    """Every CALLERROR code the station produces for bad CSMS input (Part 4 §4.3)."""

    @pytest.fixture
    async def booted(self, tmp_path, judge):
        async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
            await judge.wait_for("SecurityEventNotification")
            yield station

    async def raw(self, judge, text, message_id):
        response = await judge.send_raw(text, message_id)
        return response.error_code, response.error_description

    async def test_unknown_action_is_not_implemented(self, judge, booted):
        code, _ = await self.raw(judge, '[2,"m1","MakeCoffee",{}]', "m1")
        assert code == "NotImplemented"

    async def test_known_but_unsupported_action_is_not_supported(self, judge, booted):
        with pytest.raises(JudgeCallError) as caught:
            await judge.call(
                "SetDisplayMessage",
                {
                    "message": {
                        "id": 1,
                        "priority": "NormalCycle",
                        "message": {"format": "ASCII", "content": "hi"},
                    }
                },
            )
        assert caught.value.code == "NotSupported"

    async def test_csms_sending_a_station_side_action_is_not_supported(self, judge, booted):
        code, _ = await self.raw(judge, '[2,"m2","Heartbeat",{}]', "m2")
        assert code == "NotSupported"

    @pytest.mark.parametrize(
        ("payload", "expected"),
        [
            (
                {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"}}]},
                "OccurrenceConstraintViolation",
            ),
            (
                {"getVariableData": [{"component": {"name": 5}, "variable": {"name": "X"}}]},
                "TypeConstraintViolation",
            ),
            (
                {
                    "getVariableData": [
                        {
                            "component": {"name": "C"},
                            "variable": {"name": "X"},
                            "attributeType": "Current",
                        }
                    ]
                },
                "PropertyConstraintViolation",
            ),
            (
                {
                    "getVariableData": [{"component": {"name": "C"}, "variable": {"name": "X"}}],
                    "extra": 1,
                },
                "ProtocolError",
            ),
            (
                {"getVariableData": [{"component": {"name": "C" * 51}, "variable": {"name": "X"}}]},
                "TypeConstraintViolation",
            ),
        ],
    )
    async def test_schema_violations_get_their_codes(self, judge, booted, payload, expected):
        text = json.dumps([2, "m3", "GetVariables", payload])
        code, description = await self.raw(judge, text, "m3")
        assert code == expected, description

    async def test_unreadable_frame_gets_rpc_framework_error_with_id_minus_one(self, judge, booted):
        code, _ = await self.raw(judge, '[2,{"m4":1},"GetVariables",{', "-1")
        assert code == "RpcFrameworkError"

    async def test_corrupt_call_with_a_readable_id_gets_rpc_framework_error_with_it(
        self, judge, booted
    ):
        """Part 4 §4.2.3: "-1" only when the message id cannot be read."""
        code, _ = await self.raw(judge, '[2,"m4","GetVariables",{', "m4")
        assert code == "RpcFrameworkError"

    async def test_unknown_message_type_gets_message_type_not_supported(self, judge, booted):
        code, _ = await self.raw(judge, '[7,"m5","GetVariables",{}]', "m5")
        assert code == "MessageTypeNotSupported"

    async def test_tc_p_03_custom_data_is_accepted(self, judge, booted):
        result = await judge.call(
            "GetVariables",
            {
                "customData": {"vendorId": "com.example", "anything": [1, 2]},
                "getVariableData": [
                    {
                        "customData": {"vendorId": "com.example", "x": True},
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                    }
                ],
            },
        )
        assert result["getVariableResult"][0]["attributeStatus"] == "Accepted"

    async def test_station_keeps_working_after_bad_input(self, judge, booted):
        await judge.send_only("garbage")
        await judge.send_only('[3,"nobody",{}]')
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
        assert result["getVariableResult"][0]["attributeValue"] == "300"
