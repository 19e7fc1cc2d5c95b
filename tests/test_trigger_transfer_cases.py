"""Part 6 TC_F_16 and TC_F_19: TriggerMessage while a log upload or a firmware download
runs, against the judge CSMS over a real WebSocket and a local HTTP server that holds the
transfer until the test releases it."""

from __future__ import annotations

from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.fileserver import FileServer
from tests.judge import Judge
from tests.test_firmware import FIRMWARE, install_manufacturer_root, iso, pki, update

__all__ = ["pki"]  # the module-scoped test PKI fixture, shared with the firmware tests


def notifications(judge: Judge, action: str) -> list[dict]:
    return [r.payload for r in judge.received if r.action == action]


async def test_tc_f_16_trigger_log_status_notification_during_an_upload(tmp_path):
    with Judge(password=PASSWORD) as judge, FileServer(held={"/upload"}) as server:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            request = {
                "logType": "DiagnosticsLog",
                "requestId": 31,
                "log": {"remoteLocation": server.url("/upload")},
            }
            # Steps 1-3.
            assert (await judge.call("GetLog", request))["status"] == "Accepted"
            await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "Uploading"
            )
            # The upload is under way: the server holds it.
            await server.wait(lambda: any(p == "/upload" for _, p, _ in server.requests))
            # Steps 5-7.
            answer = await judge.call(
                "TriggerMessage", {"requestedMessage": "LogStatusNotification"}
            )
            assert answer == {"status": "Accepted"}
            await judge.wait_for("LogStatusNotification", count=2)
            triggered = notifications(judge, "LogStatusNotification")[1]
            server.release()
            await judge.wait_for("LogStatusNotification", where=lambda p: p["status"] == "Uploaded")
    assert triggered["status"] == "Uploading"
    assert triggered["requestId"] == 31  # N01.FR.12: the upload it reports on
    assert [p["status"] for p in notifications(judge, "LogStatusNotification")] == [
        "Uploading",
        "Uploading",
        "Uploaded",
    ]
    assert not judge.violations


async def test_tc_f_19_trigger_firmware_status_notification_during_a_download(tmp_path, pki):
    with (
        Judge(password=PASSWORD) as judge,
        FileServer(files={"/fw.bin": FIRMWARE}, held={"/fw.bin"}) as server,
    ):
        config = make_config(tmp_path / "station", judge.url)
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            # Steps 1-3: retrieveDateTime two hours ago, no installDateTime.
            request = update(
                pki, server.url("/fw.bin"), 41, firmware={"retrieveDateTime": iso(-7200)}
            )
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await judge.wait_for(
                "FirmwareStatusNotification", where=lambda p: p["status"] == "Downloading"
            )
            await server.wait(lambda: any(p == "/fw.bin" for _, p, _ in server.requests))
            # Steps 5-7, while the server holds the download.
            answer = await judge.call(
                "TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"}
            )
            assert answer == {"status": "Accepted"}
            await judge.wait_for("FirmwareStatusNotification", count=2)
            triggered = notifications(judge, "FirmwareStatusNotification")[1]
            server.release()
            await judge.wait_for(
                "FirmwareStatusNotification", where=lambda p: p["status"] == "Downloaded"
            )
    assert triggered["status"] == "Downloading"
    assert triggered["requestId"] == 41  # L01.FR.20: mandatory unless Idle
    statuses = [p["status"] for p in notifications(judge, "FirmwareStatusNotification")]
    assert statuses[:3] == ["Downloading", "Downloading", "Downloaded"]
    assert not judge.violations
