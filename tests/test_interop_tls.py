"""Security profiles 2 and 3 against the judge CSMS over real TLS (TC_A_04, A_05, A_07).

TC_A_06 (TLS version too low) is covered in tests/test_tls.py against a server that sends
the protocol_version alert as real TLS stacks do; asyncio's TLS server used by the judge
hangs up without the alert, which leaves nothing to classify.
"""

from __future__ import annotations

import ssl

import pytest
import trio

from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.judge import Judge
from tools.testpki import IssuedCertificate, TestPki, make_test_pki

SERIAL = "SN-0001"
ORGANIZATION = "OpenCharge Operator"


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki"), serial_number=SERIAL, organization=ORGANIZATION
    )


def server_context(
    issued: IssuedCertificate, *, client_ca: IssuedCertificate | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(issued.chain, issued.key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_ca.cert)
    return context


def tls_config(tmp_path, judge: Judge, pki: TestPki, profile: int = 2):
    csms = {"ca_file": str(pki.csms_root.cert)}
    if profile == 3:
        csms |= {"cert_file": str(pki.station.cert), "key_file": str(pki.station.key)}
    return make_config(tmp_path, judge.url, profile=profile, csms=csms)


async def test_tc_a_04_profile_2_connects_with_a_valid_server_certificate(tmp_path, pki):
    with Judge(ssl_context=server_context(pki.server), password=PASSWORD) as judge:
        async with live_station(tls_config(tmp_path, judge, pki), variables=FAST):
            (connection,) = await judge.wait_connections(1)
            await judge.wait_for("BootNotification")
        assert connection.authorization is not None  # profile 2 keeps Basic auth
        assert not judge.violations


async def test_profile_2_accepts_a_chain_through_an_intermediate(tmp_path, pki):
    with Judge(ssl_context=server_context(pki.intermediate_server), password=PASSWORD) as judge:
        async with live_station(tls_config(tmp_path, judge, pki), variables=FAST):
            await judge.wait_for("BootNotification")


@pytest.mark.parametrize(
    "bad", ["expired_server", "not_yet_valid_server", "untrusted_server", "wrong_host_server"]
)
async def test_tc_a_05_invalid_server_certificate_is_refused_and_reported_once(tmp_path, pki, bad):
    context = server_context(getattr(pki, bad))
    with Judge(ssl_context=context, password=PASSWORD) as judge:
        async with live_station(tls_config(tmp_path, judge, pki), variables=FAST) as station:
            with trio.fail_after(10):
                await station.connection.wait_failed_attempts(1)
            assert judge.connections == []
            judge.serving_context = server_context(pki.server)
            events = await judge.wait_for("SecurityEventNotification", count=2)
        types = [e.payload["type"] for e in events]
        assert types.count("InvalidCsmsCertificate") == 1, types
        assert not judge.violations


async def test_tc_a_07_profile_3_presents_the_station_certificate(tmp_path, pki):
    context = server_context(pki.server, client_ca=pki.csms_root)
    with Judge(ssl_context=context) as judge:
        async with live_station(tls_config(tmp_path, judge, pki, profile=3), variables=FAST):
            (connection,) = await judge.wait_connections(1)
            await judge.wait_for("BootNotification")
        subject = dict(item for rdn in connection.peer_certificate["subject"] for item in rdn)
        assert subject["commonName"] == SERIAL
        assert subject["organizationName"] == ORGANIZATION
        assert connection.authorization is None  # no Basic auth in profile 3
        assert not judge.violations


async def test_profile_3_certificate_refused_by_the_csms_is_reported_at_once(tmp_path, pki):
    # The CSMS trusts another CA. With TLS 1.3 it says so with an alert that arrives after
    # the station's handshake completed, while the WebSocket upgrade is under way. (The
    # test CSMS of tests/test_tls.py sends that alert, as real TLS stacks do.)
    from tests.test_tls import tls_server

    context = server_context(pki.server, client_ca=pki.unknown_root)
    async with tls_server(context) as server:
        url = f"wss://localhost:{server.port}/ocpp"
        config = make_config(
            tmp_path,
            url,
            profile=3,
            csms={
                "ca_file": str(pki.csms_root.cert),
                "cert_file": str(pki.station.cert),
                "key_file": str(pki.station.key),
            },
        )
        async with live_station(config, variables=FAST) as station:
            with trio.fail_after(5):  # well before the 30 s connect timeout
                await station.connection.wait_failed_attempts(1)
            entries = await station.security_log.entries()
    assert "FailedToAuthenticateAtCsms" in {e.type for e in entries}


async def test_crl_setting_refuses_a_revoked_csms_certificate_then_connects_once_it_is_replaced(
    tmp_path, pki
):
    """[security] csms_revocation_check = "crl": the CSMS's certificate is listed in its
    CA's CRL, so the station refuses it (InvalidCsmsCertificate, sent once connected);
    with a certificate the CRL does not list it connects."""
    from tests.fileserver import FileServer
    from tests.test_tls import make_crl, server_with_crl_point

    with FileServer() as crls:
        revoked = server_with_crl_point(pki.csms_root, tmp_path / "revoked", crls.url("/r.crl"))
        good = server_with_crl_point(pki.csms_root, tmp_path / "good", crls.url("/r.crl"))
        crls.files["/r.crl"] = make_crl(pki.csms_root, revoked=(revoked.certificate.serial_number,))
        with Judge(ssl_context=server_context(revoked), password=PASSWORD) as judge:
            config = make_config(
                tmp_path / "station",
                judge.url,
                profile=2,
                csms={"ca_file": str(pki.csms_root.cert)},
                security={"csms_revocation_check": "crl"},
            )
            async with live_station(config, variables=FAST) as station:
                with trio.fail_after(10):
                    await station.connection.wait_failed_attempts(1)
                assert "was revoked" in (station.connection.last_failure or "")
                judge.serving_context = server_context(good)
                (event,) = await judge.wait_for(
                    "SecurityEventNotification",
                    where=lambda p: p["type"] == "InvalidCsmsCertificate",
                )
                assert "revoked" in event.payload["techInfo"]
            assert not judge.violations
