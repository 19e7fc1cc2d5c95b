"""GetLog (N01) and CustomerInformation (N09/N10) against the judge and a local HTTP server."""

from __future__ import annotations

import asyncio
import re
import time

import trio

from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.fileserver import FileServer
from tests.judge import Judge


def get_log(server: FileServer, request_id: int, log_type: str = "SecurityLog", **extra) -> dict:
    return {
        "logType": log_type,
        "requestId": request_id,
        "log": {"remoteLocation": server.url("/upload")},
        **extra,
    }


def statuses(judge: Judge, request_id: int | None = None) -> list[str]:
    return [
        r.payload["status"]
        for r in judge.received
        if r.action == "LogStatusNotification"
        and (request_id is None or r.payload.get("requestId") == request_id)
    ]


async def test_tc_n_35_security_log_upload(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer() as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            answer = await judge.call("GetLog", get_log(server, 7))
            assert answer["status"] == "Accepted"
            assert answer["filename"].startswith("CS-TEST-01-security-7-")  # TC_N_25
            await judge.wait_for("LogStatusNotification", where=lambda p: p["status"] == "Uploaded")
    assert statuses(judge, 7) == ["Uploading", "Uploaded"]
    (upload,) = server.uploads
    assert upload.filename == answer["filename"]
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b"Content-Type: application/octet-stream" in upload.body
    assert b"type=StartupOfTheDevice" in upload.body
    assert not judge.violations


async def test_diagnostics_log_holds_status_log_lines_and_messages(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer() as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.wait_for("StatusNotification", count=2)
            answer = await judge.call(
                "GetLog",
                get_log(
                    server,
                    8,
                    "DiagnosticsLog",
                    log={
                        "remoteLocation": server.url("/diag"),
                        "oldestTimestamp": "2000-01-01T00:00:00Z",
                    },
                ),
            )
            assert answer["status"] == "Accepted"
            await judge.wait_for("LogStatusNotification", where=lambda p: p["status"] == "Uploaded")
    body = server.uploads[0].body.decode()
    assert "## status" in body and '"identity": "CS-TEST-01"' in body
    # The header's times are written as every dateTime the station writes (Part 2 §2.1.4).
    header = next(line for line in body.splitlines() if line.startswith("# generated "))
    assert re.fullmatch(r"# generated \S+Z window 2000-01-01T00:00:00Z \.\. -", header), header
    assert not re.search(r"\.\d{4,}", header), header
    assert "event=connected" in body or "event=connecting" in body
    assert '"action":"BootNotification"' in body
    assert PASSWORD not in body


async def test_tc_n_26_upload_failure_after_all_retries(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer(fail_next=[500] * 10) as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.call("GetLog", get_log(server, 9, retries=2, retryInterval=1))
            failed = await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "UploadFailure"
            )
    first = next(r for r in judge.received if r.action == "LogStatusNotification")
    # Three attempts one retryInterval apart; the failure is reported once, at the end.
    assert statuses(judge, 9) == ["Uploading", "Uploading", "Uploading", "UploadFailure"]
    assert failed[0].at - first.at >= 2.0
    assert len(server.requests) == 3


async def test_permission_denied_and_unsupported_location(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer(fail_next=[403]) as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.call("GetLog", get_log(server, 10, retries=3, retryInterval=1))
            await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "PermissionDenied"
            )
            ftp = await judge.call(
                "GetLog",
                {
                    "logType": "SecurityLog",
                    "requestId": 11,
                    "log": {"remoteLocation": "ftp://127.0.0.1/logs"},
                },
            )
    assert ftp["status"] == "Rejected"
    assert statuses(judge, 10) == ["Uploading", "PermissionDenied"]  # no retry after 403
    assert not judge.violations


async def test_tc_n_36_second_request_cancels_the_upload(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer(held={"/slow"}) as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            first = {
                "logType": "DiagnosticsLog",
                "requestId": 20,
                "log": {"remoteLocation": server.url("/slow")},
            }
            assert (await judge.call("GetLog", first))["status"] == "Accepted"
            await server.wait(lambda: any(p == "/slow" for _, p, _ in server.requests))
            second = await judge.call("GetLog", get_log(server, 21))
            assert second["status"] == "AcceptedCanceled"
            await judge.wait_for(
                "LogStatusNotification",
                where=lambda p: p["status"] == "Uploaded" and p.get("requestId") == 21,
            )
            server.release()
            # Triggered with nothing going on: Idle without requestId (N01.FR.13).
            await judge.call("TriggerMessage", {"requestedMessage": "LogStatusNotification"})
            idle = await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "Idle"
            )
    assert "requestId" not in idle[0].payload
    assert statuses(judge, 20) == ["Uploading", "AcceptedCanceled"]
    assert statuses(judge, 21) == ["Uploading", "Uploaded"]
    # The second upload completed while the first was still held at the server.
    assert server.uploads[0].path == "/upload"


async def test_trigger_while_the_final_status_awaits_its_answer_reports_idle(tmp_path):
    """N01.FR.13: the upload is over once its final status is known. A TriggerMessage that
    arrives while LogStatusNotification(Uploaded) still waits for the CSMS's answer gets Idle
    without requestId, not the finished upload's status."""
    held = asyncio.Event()

    async def answer(payload: dict) -> dict:
        if payload["status"] == "Uploaded":
            await held.wait()
        return {}

    with Judge(password=PASSWORD) as judge, FileServer() as server:
        judge.responses["LogStatusNotification"] = answer
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            assert (await judge.call("GetLog", get_log(server, 40)))["status"] == "Accepted"
            await judge.wait_for("LogStatusNotification", where=lambda p: p["status"] == "Uploaded")
            trigger = {"requestedMessage": "LogStatusNotification"}
            assert (await judge.call("TriggerMessage", trigger))["status"] == "Accepted"
            # One CALL in flight: the triggered message goes once Uploaded is answered.
            judge.call_in_loop(held.set)
            await judge.wait_for("LogStatusNotification", count=3)
    idle = [r for r in judge.received if r.action == "LogStatusNotification"][2:]
    assert [r.payload["status"] for r in idle] == ["Idle"]
    assert "requestId" not in idle[0].payload
    assert statuses(judge, 40) == ["Uploading", "Uploaded"]
    assert not judge.violations


async def test_log_larger_than_the_limit_is_not_uploaded(tmp_path, caplog):
    """[transfers] max_log_mib: the diagnostics log (several KiB here) against a limit of
    1 KiB; UploadFailure at once, nothing sent, a log line with the size and the limit."""
    with Judge(password=PASSWORD) as judge, FileServer() as server:
        config = make_config(tmp_path, judge.url, transfers={"max_log_mib": 1 / 1024})
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.wait_for("StatusNotification", count=2)
            answer = await judge.call("GetLog", get_log(server, 30, "DiagnosticsLog", retries=2))
            assert answer["status"] == "Accepted"
            await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "UploadFailure"
            )
    assert statuses(judge, 30) == ["UploadFailure"]
    assert not server.requests and not server.uploads
    refused = next(r.getMessage() for r in caplog.records if "log_upload_refused" in r.getMessage())
    pattern = r"request_id=30 file=\S+-diagnostics-30-\S+\.log bytes=\d+ limit=1024 "
    assert re.search(pattern, refused), refused
    assert int(re.search(r"bytes=(\d+)", refused)[1]) > 1024
    assert not judge.violations


# -- CustomerInformation ----------------------------------------------------------------


def customer(request_id: int, *, report: bool, clear: bool, **reference) -> dict:
    return {"requestId": request_id, "report": report, "clear": clear, **reference}


TOKEN = {"idToken": {"idToken": "04A1B2C3", "type": "ISO14443"}}


async def test_customer_information_report_and_clear(tmp_path):
    """TC_N_32 (clear without report) plus report before and after."""
    with Judge(password=PASSWORD) as judge:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
            await judge.wait_for("BootNotification")
            station.hardware.sim.tap("04A1B2C3")
            await judge.wait_for("Authorize")
            # The frames carrying the token reach the message log.
            deadline = time.monotonic() + 10
            path = station.message_log.path
            while "04A1B2C3" not in (path.read_text() if path.exists() else ""):
                assert time.monotonic() < deadline
                await station.message_log.wait_written()
            report = await judge.call(
                "CustomerInformation", customer(1, report=True, clear=False, **TOKEN)
            )
            assert report["status"] == "Accepted"
            (part,) = await judge.wait_for(
                "NotifyCustomerInformation", where=lambda p: p["requestId"] == 1
            )
            assert "Authorize" in part.payload["data"]
            assert part.payload["seqNo"] == 0 and part.payload["tbc"] is False
            cleared = await judge.call(
                "CustomerInformation", customer(2, report=False, clear=True, **TOKEN)
            )
            assert cleared["status"] == "Accepted"
            (part,) = await judge.wait_for(
                "NotifyCustomerInformation", where=lambda p: p["requestId"] == 2
            )
            assert "cleared" in part.payload["data"]
            again = await judge.call(
                "CustomerInformation", customer(3, report=True, clear=False, **TOKEN)
            )
            assert again["status"] == "Accepted"
            (part,) = await judge.wait_for(
                "NotifyCustomerInformation", where=lambda p: p["requestId"] == 3
            )
            assert part.payload["data"].startswith("No customer data")
            invalid = await judge.call(
                "CustomerInformation",
                customer(4, report=True, clear=False, customerIdentifier="C1", **TOKEN),
            )
            assert invalid["status"] == "Invalid"
            nothing = await judge.call(
                "CustomerInformation", customer(5, report=False, clear=False, **TOKEN)
            )
            assert nothing["status"] == "Rejected"
            by_identifier = await judge.call(
                "CustomerInformation",
                customer(6, report=True, clear=False, customerIdentifier="C1"),
            )
            assert by_identifier["status"] == "Accepted"
            await judge.wait_for("NotifyCustomerInformation", where=lambda p: p["requestId"] == 6)
        await trio.lowlevel.checkpoint()
    assert not judge.violations


def test_report_parts_are_at_most_512_characters():
    from station.maintenance.customer import split_parts

    text = "\n".join(f"line {i} " + "x" * 100 for i in range(30)) + "\n" + "y" * 1200
    parts = split_parts(text)
    assert all(len(p) <= 512 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
