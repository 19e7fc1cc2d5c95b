"""Part 6 TC_B_50: migrate to a new CSMS whose server certificate chains to a CSMS root
installed with InstallCertificate, against two judge CSMSs over TLS (profile 2)."""

from __future__ import annotations

from tests.conftest import FAST, live_station
from tests.judge import Judge
from tests.test_certificates import pem, tls_config
from tests.test_interop_tls import server_context
from tools.testpki import make_test_pki

PASSWORD = "0123456789abcdefABCDEF"


async def test_tc_b_50_migrate_to_a_csms_of_a_newly_installed_root(tmp_path):
    old_pki = make_test_pki(tmp_path / "pki-old")
    new_pki = make_test_pki(tmp_path / "pki-new", organization="Another Operator")
    assert old_pki.csms_root.certificate != new_pki.csms_root.certificate
    with (
        Judge(ssl_context=server_context(old_pki.server), password=PASSWORD) as old,
        Judge(ssl_context=server_context(new_pki.server), password=PASSWORD) as new,
    ):
        config = tls_config(tmp_path / "station", old, old_pki)
        async with live_station(config, variables=FAST):
            await old.wait_for("StatusNotification", count=2)
            # Memory state: the new CSMS root installed.
            answer = await old.call(
                "InstallCertificate",
                {"certificateType": "CSMSRootCertificate", "certificate": pem(new_pki.csms_root)},
            )
            assert answer["status"] == "Accepted"
            # Steps 1-4: a profile for the new CSMS, first in priority.
            answer = await old.call(
                "SetNetworkProfile",
                {
                    "configurationSlot": 2,
                    "connectionData": {
                        "ocppVersion": "OCPP20",
                        "ocppTransport": "JSON",
                        "ocppCsmsUrl": new.url,
                        "messageTimeout": 30,
                        "securityProfile": 2,
                        "ocppInterface": "Wired0",
                    },
                },
            )
            assert answer["status"] == "Accepted"
            result = await old.call(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "attributeValue": "2,1",
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "NetworkConfigurationPriority"},
                        }
                    ]
                },
            )
            assert result["setVariableResult"][0]["attributeStatus"] in (
                "Accepted",
                "RebootRequired",
            )
            # Steps 5-6.
            assert await old.call("Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
            # Steps 7-9: the TLS handshake with the new CSMS succeeds, then Booted.
            boots = await new.wait_for("BootNotification", timeout=60)
            await new.wait_for("StatusNotification", count=2, timeout=60)
    assert boots[0].payload["reason"] == "RemoteReset"
    # The station left the old CSMS for the new one (B10.FR.06), and did not come back.
    assert [r.action for r in old.received].count("BootNotification") == 1
    assert not old.violations and not new.violations
