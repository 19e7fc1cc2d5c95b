"""Network profiles (B09/B10), security-profile upgrade (A05) and password change (A01)."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import FAST, PASSWORD, live_station, make_config, running_station
from tests.judge import Judge
from tools.testpki import make_test_pki

OTHER_URL = "ws://other-csms.example:9000/ocpp"


def profile(url=OTHER_URL, security_profile=1, **extra):
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": url,
        "messageTimeout": 30,
        "securityProfile": security_profile,
        "ocppInterface": "Wired0",
    } | extra


async def call(env, action, payload):
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


@pytest.mark.parametrize(
    ("slot", "data", "why"),
    [
        (4, profile(), "configurationSlot 4"),
        (2, profile(url="wss://x/ocpp"), "ws:// URL"),
        (2, profile(url="ws://x/ocpp", security_profile=2), "wss:// URL"),
        (2, profile(ocppVersion="OCPP16"), "OCPP20 only"),
        (2, profile(ocppTransport="SOAP"), "JSON"),
    ],
)
async def test_tc_b_43_invalid_network_profiles_are_rejected(
    config, autojump_clock, slot, data, why
):
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        answer = await call(
            env, "SetNetworkProfile", {"configurationSlot": slot, "connectionData": data}
        )
        assert answer["status"] == "Rejected"
        assert why in answer["statusInfo"]["additionalInfo"]


async def test_priority_naming_an_empty_slot_is_rejected(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        answer = await call(
            env,
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "3,1",
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "NetworkConfigurationPriority"},
                    }
                ]
            },
        )
        assert answer["setVariableResult"][0]["attributeStatus"] == "Rejected"


async def test_tc_b_45_migrate_to_another_slot_after_reset(config, autojump_clock):
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        answer = await call(
            env, "SetNetworkProfile", {"configurationSlot": 2, "connectionData": profile()}
        )
        assert answer["status"] == "Accepted"
        answer = await call(
            env,
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
        assert answer["setVariableResult"][0]["attributeStatus"] == "RebootRequired"
        assert (await call(env, "Reset", {"type": "OnIdle"}))["status"] == "Accepted"
        boots = await env.csms.wait_for("BootNotification", count=2)
        assert boots[1].payload["reason"] == "RemoteReset"
        assert env.csms.connections[-1]["endpoint"].url == OTHER_URL


async def prefer_an_unreachable_new_profile(env) -> None:
    """TC_B_49 steps 1-4: slot 2 (a CSMS that refuses) first in NetworkConfigurationPriority,
    the working slot 1 after it."""
    env.csms.refuse_urls.add(OTHER_URL)
    await call(env, "SetNetworkProfile", {"configurationSlot": 2, "connectionData": profile()})
    await call(
        env,
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


async def test_tc_b_49_fallback_when_the_new_profile_fails(config, autojump_clock):
    variables = {
        "OCPPCommCtrlr.NetworkProfileConnectionAttempts": 2,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": 5,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await prefer_an_unreachable_new_profile(env)
        await call(env, "Reset", {"type": "OnIdle"})
        await env.csms.wait_for("BootNotification", count=2)
        first = config.csms.url
        urls = env.csms.attempted_urls
        assert urls[-3:] == [OTHER_URL, OTHER_URL, first]


async def test_tc_b_49_after_every_profile_failed_it_reconnects_to_the_last_working_one(
    config, autojump_clock
):
    # TC_B_49 steps 7-12 (B10.FR.07): new profile refused, previous profile refused, then
    # after RetryBackOffWaitMinimum the previous profile again (not the new one first).
    variables = {
        "OCPPCommCtrlr.NetworkProfileConnectionAttempts": 1,
        "OCPPCommCtrlr.RetryBackOffRepeatTimes": 0,
        "OCPPCommCtrlr.RetryBackOffWaitMinimum": 30,
        "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    }
    async with running_station(config, variables=variables) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await prefer_an_unreachable_new_profile(env)
        before = len(env.csms.attempted_urls)
        env.csms.refuse_next = 1  # step 10: the previous profile refused once (step 8: down)
        await call(env, "Reset", {"type": "OnIdle"})
        await env.csms.wait_for("BootNotification", count=2, timeout=600)
        first = config.csms.url
        assert env.csms.attempted_urls[before:] == [OTHER_URL, first, first]
        refused, accepted = env.csms.attempts[-2:]
        assert accepted - refused == pytest.approx(30, abs=0.5)  # step 11


async def test_tc_a_09_new_password_is_used_on_the_next_connection(tmp_path):
    new_password = "N3w-Passw0rd_For+Station"
    with Judge(password=PASSWORD) as judge:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST):
            await judge.wait_for("BootNotification")
            judge.password = new_password
            result = await judge.call(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "attributeValue": new_password,
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "BasicAuthPassword"},
                        }
                    ]
                },
            )
            assert result["setVariableResult"][0]["attributeStatus"] == "Accepted"
            connections = await judge.wait_connections(2)
            await judge.wait_closed(0)
        token = base64.b64encode(f"CS-TEST-01:{new_password}".encode()).decode()
        assert connections[1].authorization == f"Basic {token}"
        assert not judge.violations


async def test_tc_a_10_invalid_password_is_rejected_and_the_old_one_kept(tmp_path):
    with Judge(password=PASSWORD) as judge:
        async with live_station(make_config(tmp_path, judge.url), variables=FAST) as station:
            await judge.wait_for("BootNotification")
            result = await judge.call(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "attributeValue": "short",
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "BasicAuthPassword"},
                        }
                    ]
                },
            )
            assert result["setVariableResult"][0]["attributeStatus"] == "Rejected"
            assert station.client.connected
        assert len(judge.connections) == 1


async def test_tc_a_19_upgrade_from_profile_1_to_2(tmp_path):
    import ssl

    pki = make_test_pki(tmp_path / "pki", serial_number="SN-0001", organization="Op")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server.chain, pki.server.key)
    with Judge(password=PASSWORD) as plain, Judge(ssl_context=context, password=PASSWORD) as tls:
        config = make_config(
            tmp_path / "data", plain.url, csms={"ca_file": str(pki.csms_root.cert)}
        )
        async with live_station(config, variables=FAST) as station:
            await plain.wait_for("StatusNotification", count=2)
            result = await plain.call(
                "SetNetworkProfile",
                {
                    "configurationSlot": 2,
                    "connectionData": profile(url=tls.url, security_profile=2),
                },
            )
            assert result["status"] == "Accepted"
            result = await plain.call(
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
            await plain.call("Reset", {"type": "OnIdle"})
            await tls.wait_for("StatusNotification", count=2)
            new = station.successor  # it connected to `tls`, so it exists
            result = await tls.call(
                "GetVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "SecurityProfile"},
                        },
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "NetworkConfigurationPriority"},
                        },
                    ]
                },
            )
            values = [r["attributeValue"] for r in result["getVariableResult"]]
            assert values == ["2", "2"]
            assert new.profiles.get(1) is None, "the profile-1 slot is deleted (A05.FR.06)"
            # TC_A_22: going back down is refused.
            result = await tls.call(
                "SetNetworkProfile",
                {"configurationSlot": 1, "connectionData": profile(url=plain.url)},
            )
            assert result["status"] == "Rejected"
        assert not plain.violations and not tls.violations


async def test_tc_a_20_a_21_upgrade_needs_a_csms_root_and_a_station_certificate(
    tmp_path, autojump_clock
):
    """A05.FR.02/03: the new priority is refused while the certificates the higher profile
    needs are missing, and accepted once the CSMS installed them."""
    from tests.conftest import START

    pki = make_test_pki(tmp_path / "pki", serial_number="SN-0001", now=START)
    config = make_config(tmp_path / "data")

    async def set_priority(csms, value: str) -> str:
        frame = await csms.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": value,
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "NetworkConfigurationPriority"},
                    }
                ]
            },
        )
        return frame.payload["setVariableResult"][0]["attributeStatus"]

    async with running_station(config) as env:
        csms = env.csms
        await csms.wait_for("BootNotification")
        for slot, level in ((2, 2), (3, 3)):
            url = "wss://csms.example.com/ocpp"
            frame = await csms.call(
                "SetNetworkProfile",
                {"configurationSlot": slot, "connectionData": profile(url, security_profile=level)},
            )
            assert frame.payload["status"] == "Accepted"
        assert await set_priority(csms, "2,1") == "Rejected"  # TC_A_20: no CSMS root
        frame = await csms.call(
            "InstallCertificate",
            {
                "certificateType": "CSMSRootCertificate",
                "certificate": pki.csms_root.cert.read_text(),
            },
        )
        assert frame.payload["status"] == "Accepted"
        assert await set_priority(csms, "2,1") == "RebootRequired"
        assert await set_priority(csms, "3,1") == "Rejected"  # TC_A_21: no station certificate
        assert not env.station.certificates.has_valid_station_certificate()
