"""Secrets never reach a log (A01.FR.12): the message log, operator lines, the security log.

The device model matches variable names in any casing and after JSON unescaping, so the
logs must recognise a secret the same way; credentials in URLs are cut from every line.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from station.devicemodel.model import key
from station.logs import recent_records
from station.offload import InlineOffload
from station.ops.message_log import MessageLog
from station.ops.message_log_reader import read_entries
from station.redaction import REDACTED, strip_userinfo
from tests.conftest import make_config, running_station

NEW_PASSWORD = "New-Secret-Password-42"
BASIC_AUTH = key("SecurityCtrlr", "BasicAuthPassword")


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def _escape(text: str, which: list[bool]) -> str:
    """``text`` as a JSON string body with the characters flagged in ``which`` \\u-escaped."""
    return "".join(f"\\u{ord(c):04x}" if flag else c for c, flag in zip(text, which, strict=True))


def _logged_text(log: MessageLog) -> str:
    """The lines the writer would write for the frames queued so far (frames are queued
    as they are; the writer makes their lines, redacting those that may hold a secret)."""
    lines = []
    while True:
        try:
            _, item = log._receive.receive_nowait()
        except trio.WouldBlock:
            return "\n".join(lines)
        lines.append(log._line(item))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    casing=st.lists(st.booleans(), min_size=17, max_size=17),
    escaped_name=st.lists(st.booleans(), min_size=17, max_size=17),
    escaped_key=st.lists(st.booleans(), min_size=14, max_size=14),
)
def test_A01_FR_12_password_in_any_casing_or_escaping_is_redacted(
    casing, escaped_name, escaped_key
):
    """Whatever casing and escaping names the variable and its value, the value is not in
    the line (the device model would apply it: it compares names lower-cased)."""
    name = "".join(
        c.upper() if up else c.lower() for c, up in zip("BasicAuthPassword", casing, strict=True)
    )
    text = (
        '[2,"sv-1","SetVariables",{"setVariableData":[{"'
        + _escape("attributeValue", escaped_key)
        + f'":"{NEW_PASSWORD}","component":{{"name":"SecurityCtrlr"}},'
        + f'"variable":{{"name":"{_escape(name, escaped_name)}"}}}}]}}]'
    )
    decoded = json.loads(text)
    assert decoded[3]["setVariableData"][0]["variable"]["name"].lower() == "basicauthpassword"
    log = MessageLog(
        Path("/nonexistent"),
        InlineOffload(),
        secret_variables={"basicauthpassword"},
    )
    log.observe("in", text, object(), "SetVariables")
    line = _logged_text(log)
    assert NEW_PASSWORD not in line and REDACTED in line


async def test_A01_FR_12_uppercase_basic_auth_password_is_applied_but_not_logged(
    config, autojump_clock, caplog
):
    """End to end: ``BASICAUTHPASSWORD`` and a JSON-escaped name are both applied as the
    password, and neither the message log nor an operator line holds it."""
    caplog.set_level(logging.DEBUG)
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        answer = await env.csms.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": NEW_PASSWORD,
                        "component": {"name": "securityctrlr"},
                        "variable": {"name": "BASICAUTHPASSWORD"},
                    }
                ]
            },
        )
        assert answer.payload["setVariableResult"][0]["attributeStatus"] == "Accepted"
        assert env.station.device_model.get(BASIC_AUTH) == NEW_PASSWORD
        second = NEW_PASSWORD + "-2"
        text = (
            '[2,"sv-esc","SetVariables",{"setVariableData":[{"attribute\\u0056alue":'
            f'"{second}","component":{{"name":"SecurityCtrlr"}},'
            '"variable":{"name":"BasicAuth\\u0050assword"}}]}]'
        )
        # the new password reconnects
        await env.csms.wait(
            lambda: len(env.csms.connections) >= 2 and env.csms._current is not None, 600
        )
        await trio.sleep(1)
        answer = await env.csms.call_text("sv-esc", text)
        assert answer.payload["setVariableResult"][0]["attributeStatus"] == "Accepted"
        assert env.station.device_model.get(BASIC_AUTH) == second
        while not any(e.get("id") == "sv-esc" for e in read_entries(config.station.data_dir)):
            await env.station.message_log.wait_written()
    on_disk = (config.station.data_dir / "ocpp-messages.log").read_text()
    assert NEW_PASSWORD not in on_disk
    assert "sv-esc" in on_disk and REDACTED in on_disk
    assert NEW_PASSWORD not in caplog.text
    assert not any(NEW_PASSWORD in line for line in recent_records().between(None, None))


async def test_A01_FR_12_url_credentials_are_cut_from_every_log(config, autojump_clock, caplog):
    """``user:pass@`` in GetLog and UpdateFirmware locations is in no log: not the message
    log, not an operator line, not the security log."""
    caplog.set_level(logging.DEBUG)
    secret = "pa55-w0rd"
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await env.csms.call(
            "GetLog",
            {
                "logType": "DiagnosticsLog",
                "requestId": 7,
                "log": {"remoteLocation": f"ftp://ops:{secret}@files.example/logs"},
            },
        )
        await env.csms.call(
            "UpdateFirmware",
            {
                "requestId": 8,
                "firmware": {
                    "location": f"https://ops:{secret}@127.0.0.1:9/fw.whl",
                    "retrieveDateTime": "2026-01-05T08:00:00Z",
                    "signingCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n"
                    "-----END CERTIFICATE-----",
                    "signature": "c2ln",
                },
            },
        )
        await trio.sleep(60)  # whatever the station does with the locations, it did it
        while not any(
            e.get("action") == "UpdateFirmware" and e.get("direction") == "out"
            for e in read_entries(config.station.data_dir)
        ):
            await env.station.message_log.wait_written()
        security = await env.station.security_log.entries()
    on_disk = (config.station.data_dir / "ocpp-messages.log").read_text()
    assert secret not in on_disk and "files.example" in on_disk
    assert f"ftp://{REDACTED}@files.example/logs" in on_disk
    assert secret not in caplog.text
    assert not any(secret in line for line in recent_records().between(None, None))
    assert not any(secret in (e.tech_info or "") for e in security)


def test_strip_userinfo_keeps_the_host_and_cuts_only_credentials():
    assert strip_userinfo("ftp://a:b@h/x") == f"ftp://{REDACTED}@h/x"
    assert strip_userinfo("url=wss://id:pw@csms.example:443/ocpp ok") == (
        f"url=wss://{REDACTED}@csms.example:443/ocpp ok"
    )
    # a path with an at sign is not userinfo; an e-mail address is not a URL
    assert strip_userinfo("https://h/a@b") == "https://h/a@b"
    assert strip_userinfo("mail ops@example.com") == "mail ops@example.com"


def test_A01_FR_12_every_message_type_is_redacted():
    """CALLRESULT and CALLERROR frames are redacted too (they carry no action)."""
    log = MessageLog(Path("/nonexistent"), InlineOffload())
    result = json.dumps(
        [
            3,
            "r-1",
            {
                "getVariableResult": [
                    {
                        "attributeStatus": "Accepted",
                        "attributeValue": "leaked-1",
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "basicauthpassword"},
                    }
                ]
            },
        ]
    )
    error = json.dumps([4, "r-2", "GenericError", "see sftp://u:leaked-2@h/", {"Key": "leaked-3"}])
    log.observe("out", result, None, "GetVariables")
    log.observe("out", error, None, None)
    log.observe("in", '[2,"x","SetVariables",{"password":"leaked-4"', None, None)
    text = _logged_text(log)
    for leaked in ("leaked-1", "leaked-2", "leaked-3", "leaked-4"):
        assert leaked not in text
