"""The message models load per action: a boot builds only the models of the actions it
uses, and a rarely used action's models are built on its first message, which is answered
as before. The package itself imports neither a model nor pydantic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from station.ocpp import messages
from station.ocpp.validation import parse_request
from station.security.certificates import CSMS_ROOT, MANUFACTURER_ROOT, ROOT_TYPES

ROOT = Path(__file__).resolve().parent.parent

#: The actions whose models a boot may build: what the station sends on its own from the
#: start (boot, statuses, heartbeats, security events, monitoring events, transactions
#: resumed from the queue, meter values, authorisation) and what a CSMS asks of every
#: station at once (GetVariables, SetVariables).
BOOT_ACTIONS = {
    "Authorize",
    "BootNotification",
    "GetVariables",
    "Heartbeat",
    "MeterValues",
    "NotifyEvent",
    "SecurityEventNotification",
    "SetVariables",
    "StatusNotification",
    "TransactionEvent",
}

#: Run in a fresh interpreter (argv[1]: a scratch directory): boot a station against the
#: judge, note which action modules exist, then use rarely used actions.
SCRIPT = """
import json, sys
from pathlib import Path
import trio
import station.app, station.cli, station.control.process  # the OCPP side's imports
from station.ocpp import messages
from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.judge import Judge

def actions_loaded():
    prefix = "station.ocpp.messages."
    return sorted(
        name for name in messages.ACTIONS
        if f"{prefix}{messages._HOME[name + 'Request']}" in sys.modules
    )

def modules_loaded():
    return sorted(name for name in sys.modules if name.startswith("station.ocpp.messages"))

result = {"imported": actions_loaded(), "modules_imported": modules_loaded()}
scratch = Path(sys.argv[1])

async def main():
    with Judge(password=PASSWORD) as judge:
        config = make_config(scratch / "data", judge.url)
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.wait_for("StatusNotification", count=2)
            result["after_boot"] = actions_loaded()
            result["modules_after_boot"] = modules_loaded()
            answers = {}
            heartbeats = sum(1 for r in judge.received if r.action == "Heartbeat")
            answers["TriggerMessage"] = await judge.call(
                "TriggerMessage", {"requestedMessage": "Heartbeat"}
            )
            await judge.wait_for("Heartbeat", count=heartbeats + 1)
            answers["DataTransfer"] = await judge.call("DataTransfer", {"vendorId": "acme"})
            answers["GetLocalListVersion"] = await judge.call("GetLocalListVersion", {})
            answers["GetInstalledCertificateIds"] = await judge.call(
                "GetInstalledCertificateIds", {}
            )
            answers["CancelReservation"] = await judge.call(
                "CancelReservation", {"reservationId": 4}
            )
            answers["GetCompositeSchedule"] = await judge.call(
                "GetCompositeSchedule", {"duration": 60, "evseId": 1}
            )
            # A malformed CALL of a model not built yet gets its precise CALLERROR.
            try:
                await judge.call(
                    "UnlockConnector", {"evseId": "one", "connectorId": 1}, validate=False
                )
            except Exception as error:
                answers["UnlockConnector"] = repr(error)
            result["answers"] = answers
            result["after_use"] = actions_loaded()
            result["violations"] = [str(v) for v in judge.violations]

trio.run(main)
print(json.dumps(result))
"""


def test_boot_builds_only_the_models_it_uses_and_the_others_work_on_first_use(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result["imported"]) <= BOOT_ACTIONS
    assert set(result["after_boot"]) <= BOOT_ACTIONS
    assert {"BootNotification", "StatusNotification"} <= set(result["after_boot"])
    # Nor the types only rarely used actions share (charging profiles, certificates...).
    needed = _modules_of(BOOT_ACTIONS)
    assert set(result["modules_imported"]) <= set(result["modules_after_boot"]) <= needed
    assert "station.ocpp.messages.shared.charging_profile" not in needed
    answers = result["answers"]
    assert answers["TriggerMessage"] == {"status": "Accepted"}
    assert answers["DataTransfer"] == {"status": "UnknownVendorId"}
    assert answers["GetLocalListVersion"]["versionNumber"] == 0
    assert answers["GetInstalledCertificateIds"]["status"] in {"Accepted", "NotFound"}
    assert answers["CancelReservation"] == {"status": "Rejected"}
    assert answers["GetCompositeSchedule"]["status"] == "Accepted"
    assert "TypeConstraintViolation" in answers["UnlockConnector"]
    assert "evseId" in answers["UnlockConnector"]
    used = {
        "TriggerMessage",
        "DataTransfer",
        "GetLocalListVersion",
        "GetInstalledCertificateIds",
        "CancelReservation",
        "GetCompositeSchedule",
        "UnlockConnector",
    }
    assert used <= set(result["after_use"]) <= BOOT_ACTIONS | used
    assert result["violations"] == []


def _modules_of(actions: set[str]) -> set[str]:
    """The message modules that using ``actions`` imports, in a fresh interpreter."""
    script = (
        "import json, sys; from station.ocpp import messages; "
        f"[messages.REQUESTS[a] and messages.RESPONSES[a] for a in {sorted(actions)!r}]; "
        "print(json.dumps([m for m in sys.modules if m.startswith('station.ocpp.messages')]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout))


def test_importing_the_package_builds_no_model_and_does_not_import_pydantic():
    script = (
        "import sys; from station.ocpp.messages import ACTIONS, REQUESTS; "
        "assert 'Reset' in REQUESTS and len(REQUESTS) == len(ACTIONS) == 64; "
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'station.ocpp.'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "['station.ocpp.messages']"


def test_a_model_is_the_same_class_by_name_by_action_and_from_its_module():
    from station.ocpp.messages import ResetRequest
    from station.ocpp.messages.reset import ResetRequest as defined

    assert ResetRequest is defined is messages.REQUESTS["Reset"] is messages.ResetRequest
    assert messages.RESPONSES["Reset"].__name__ == "ResetResponse"
    assert parse_request("Reset", {"type": "OnIdle"}) == ResetRequest(type="OnIdle")


def test_an_unknown_name_or_action_fails_as_it_did():
    with pytest.raises(AttributeError, match="NoSuchRequest"):
        _ = messages.NoSuchRequest  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match="NoSuchRequest"):
        from station.ocpp.messages import NoSuchRequest  # type: ignore[attr-defined]  # noqa: F401
    with pytest.raises(KeyError):
        messages.REQUESTS["NoSuchAction"]
    with pytest.raises(KeyError):
        parse_request("NoSuchAction", {})
    assert "NoSuchAction" not in messages.RESPONSES


def test_every_public_name_is_listed_and_loads():
    names = set(dir(messages))
    assert {"BootNotificationRequest", "ReserveNowResponse", "ChargingProfileType"} <= names
    assert list(messages.REQUESTS) == sorted(messages.ACTIONS)
    for name in messages._HOME:
        value = getattr(messages, name)
        assert not isinstance(value, type) or value.__name__ == name
    for action in messages.ACTIONS:
        assert messages.REQUESTS[action] is getattr(messages, f"{action}Request")
        assert messages.RESPONSES[action] is getattr(messages, f"{action}Response")


def test_the_certificate_store_spells_out_the_install_certificate_uses():
    uses = messages.InstallCertificateUseEnumType
    assert tuple(use.value for use in uses) == ROOT_TYPES
    assert uses.CSMSRootCertificate == CSMS_ROOT
    assert uses.ManufacturerRootCertificate == MANUFACTURER_ROOT
