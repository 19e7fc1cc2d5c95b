"""Log upload, customer information and firmware update load on first use: a boot that
does not use them never imports their modules nor loads the system trust store for
their transfers, their CALLs and triggers are answered after such a boot as before, and
a boot that finds an update's leftovers loads the firmware feature at once to deal with
them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import trio
import trio.lowlevel
import trio.testing

from station.ocpp.client import OcppClient
from station.ocpp.ondemand import OnDemand

ROOT = Path(__file__).resolve().parent.parent

#: The modules that load on first use (the transfer code comes with the first two).
LAZY = (
    "station.maintenance.customer",
    "station.maintenance.firmware",
    "station.maintenance.getlog",
    "station.maintenance.transfer",
)

#: Run in a fresh interpreter (argv[1]: a scratch directory). Boots a station against the
#: judge, uses each feature, then boots again with a stale firmware file left behind.
SCRIPT = """
import json, sys
from pathlib import Path
import trio
import station.app, station.cli, station.control.process  # the OCPP side's imports
from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.fileserver import FileServer
from tests.judge import Judge

LAZY = {lazy!r}
loaded = lambda: sorted(m for m in LAZY if m in sys.modules)
from station.ocpp import tls
# The transfers' TLS contexts built so far (each loads the system trust store).
transfer_contexts = lambda: sum(1 for key in tls._cache if key[0] == "transfer")
result = {{"imported": loaded()}}
scratch = Path(sys.argv[1])

async def main():
    with Judge(password=PASSWORD) as judge, FileServer() as server:
        config = make_config(scratch / "data", judge.url)
        async with live_station(config, variables=FAST) as station:
            await judge.wait_for("BootNotification")
            await judge.wait_for("StatusNotification", count=2)
            result["after_boot"] = loaded()
            result["trust_store_at_boot"] = transfer_contexts()
            result["built_at_boot"] = [station.firmware.built, station.log_uploads.built]
            trigger = await judge.call(
                "TriggerMessage", {{"requestedMessage": "FirmwareStatusNotification"}}
            )
            (fw,) = await judge.wait_for("FirmwareStatusNotification")
            result["firmware_trigger"] = [trigger["status"], fw.payload]
            update = await judge.call(
                "UpdateFirmware",
                {{"requestId": 3, "firmware": {{"location": server.url("/fw.bin"),
                  "retrieveDateTime": "2026-01-01T00:00:00Z"}}}},
            )
            result["update_firmware"] = update["status"]
            answer = await judge.call(
                "GetLog",
                {{"logType": "SecurityLog", "requestId": 7,
                  "log": {{"remoteLocation": server.url("/upload")}}}},
            )
            await judge.wait_for(
                "LogStatusNotification", where=lambda p: p["status"] == "Uploaded"
            )
            result["get_log"] = [answer["status"], b"StartupOfTheDevice" in server.uploads[0].body]
            customer = await judge.call(
                "CustomerInformation",
                {{"requestId": 5, "report": True, "clear": False,
                  "idToken": {{"idToken": "CARD-1", "type": "ISO14443"}}}},
            )
            (notify,) = await judge.wait_for("NotifyCustomerInformation")
            result["customer_information"] = [customer["status"], notify.payload["requestId"]]
            result["after_use"] = loaded()
            result["trust_store_after_use"] = transfer_contexts()
            result["violations"] = [str(v) for v in judge.violations]
        stale = scratch / "data" / "firmware" / "firmware-9.bin"
        stale.parent.mkdir(exist_ok=True)
        stale.write_bytes(b"left by an interrupted download")
        async with live_station(config, variables=FAST) as station:
            result["built_with_leftovers"] = station.firmware.built
            with trio.fail_after(30):
                while stale.exists():
                    await trio.sleep(0.01)
            result["stale_removed"] = True

trio.run(main)
print(json.dumps(result))
"""


def test_boot_leaves_maintenance_features_unloaded_and_they_work_on_first_use(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(lazy=LAZY), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["imported"] == [] and result["after_boot"] == []
    assert result["built_at_boot"] == [False, False]
    assert result["trust_store_at_boot"] == 0 and result["trust_store_after_use"] == 1
    # Answered as a feature built at boot answers: Idle when nothing goes on (L01.FR.25),
    # an update without signing certificate refused, a log uploaded, a report sent.
    assert result["firmware_trigger"] == ["Accepted", {"status": "Idle"}]
    assert result["update_firmware"] == "InvalidCertificate"
    assert result["get_log"] == ["Accepted", True]
    assert result["customer_information"] == ["Accepted", 5]
    assert result["after_use"] == list(LAZY)
    assert result["violations"] == []
    # A file an update left behind: the feature loads at boot and cleans it up, as before.
    assert result["built_with_leftovers"] is True
    assert result["stale_removed"] is True


class Feature:
    """A feature that hosts a task, as LogUploads and FirmwareUpdates do."""

    def __init__(self, client: OcppClient) -> None:
        self.accepting = False
        self.runs = 0
        client.route("GetLog", self.get_log)

    async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
        self.runs += 1
        self.accepting = True
        task_status.started()
        await trio.sleep_forever()

    async def get_log(self, request: object) -> str:
        return "accepted" if self.accepting else "the station is starting"


async def test_a_call_that_builds_a_feature_waits_for_its_task_to_start():
    client = OcppClient()
    built: list[Feature] = []
    feature = OnDemand(
        "log_upload",
        lambda: built.append(Feature(client)) or built[-1],
        client=client,
        handlers={"GetLog": "get_log"},
    )
    assert not feature.built and "GetLog" in client._handlers
    stand_in = client._handlers["GetLog"]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(feature.run)
        await trio.testing.wait_all_tasks_blocked()
        assert await stand_in(object()) == "accepted"  # built, started, then handled
        assert len(built) == 1 and built[0].runs == 1
        # The feature routed the action to itself: the stand-in is out of the way.
        assert client._handlers["GetLog"] == built[0].get_log
        nursery.cancel_scope.cancel()


async def test_a_feature_built_before_the_station_runs_answers_as_at_boot_then_starts():
    client = OcppClient()
    feature = OnDemand("log_upload", lambda: Feature(client), client=client, handlers={})
    early = feature.get()
    assert await early.get_log(object()) == "the station is starting"
    async with trio.open_nursery() as nursery:
        nursery.start_soon(feature.run)
        await trio.testing.wait_all_tasks_blocked()
        assert await feature.ready() is early
        assert early.runs == 1 and await early.get_log(object()) == "accepted"
        nursery.cancel_scope.cancel()


async def test_a_restarted_host_starts_the_feature_again():
    client = OcppClient()
    feature = OnDemand("log_upload", lambda: Feature(client), client=client, handlers={})
    built = feature.get()
    for expected in (1, 2):  # a supervisor restarting the host after a crash
        async with trio.open_nursery() as nursery:
            nursery.start_soon(feature.run)
            await trio.testing.wait_all_tasks_blocked()
            await feature.ready()
            assert built.runs == expected
            nursery.cancel_scope.cancel()


def test_an_unknown_action_is_refused_when_routed():
    with pytest.raises(ValueError, match="NoSuchAction"):
        OnDemand("x", lambda: None, client=OcppClient(), handlers={"NoSuchAction": "get_log"})


async def test_the_prepare_step_runs_before_the_feature_starts_and_the_call_is_handled():
    client = OcppClient()
    events: list[str] = []

    class Prepared(Feature):
        async def run(self, *, task_status=trio.TASK_STATUS_IGNORED) -> None:
            events.append("run")
            await super().run(task_status=task_status)

        async def get_log(self, request: object) -> str:
            events.append("handled")
            return await super().get_log(request)

    async def prepare() -> None:
        await trio.lowlevel.checkpoint()  # a worker thread builds it: the loop runs on
        events.append("prepared")

    feature = OnDemand(
        "log_upload",
        lambda: Prepared(client),
        client=client,
        handlers={"GetLog": "get_log"},
        prepare=prepare,
    )
    stand_in = client._handlers["GetLog"]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(feature.run)
        await trio.testing.wait_all_tasks_blocked()
        assert await stand_in(object()) == "accepted"
        assert events == ["prepared", "run", "handled"]
        nursery.cancel_scope.cancel()
