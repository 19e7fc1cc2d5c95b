"""Certificate store and certificate management (M03–M05, A02, A03).

Hash data is checked against an independent computation: the OCSP request builder of
`cryptography` (an OCSP CertID is defined exactly like OCPP's CertificateHashDataType).
Over sockets, the judge CSMS (the `ocpp` library) validates every message.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from station.ocpp.messages import (
    CertificateHashDataType,
    GetCertificateIdUseEnumType,
    HashAlgorithmEnumType,
    InstallCertificateUseEnumType,
)
from station.offload import InlineOffload
from station.security.certificates import CertificateError, CertificateStore, hash_data
from tests.conftest import FAST, START, make_config, running_station
from tests.judge import Judge
from tests.test_interop_tls import ORGANIZATION, SERIAL, server_context
from tools.testpki import IssuedCertificate, TestPki, make_test_pki

CSMS = InstallCertificateUseEnumType.CSMSRootCertificate
MANUFACTURER = InstallCertificateUseEnumType.ManufacturerRootCertificate
NOW = dt.datetime.now(dt.UTC)
#: What the station checks a signed certificate's subject against (A00.FR.509/511).
SUBJECT = {"serial_number": SERIAL, "organization": None}


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki"), serial_number=SERIAL, organization=ORGANIZATION
    )


def pem(issued: IssuedCertificate) -> str:
    return issued.cert.read_text()


def ocsp_ids(certificate: x509.Certificate, issuer: x509.Certificate, algorithm=hashes.SHA256):
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, algorithm()).build()
    return {
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "x"),
    }


def sign_csr(
    csr_pem: str,
    issuer: IssuedCertificate,
    *,
    not_before: dt.datetime | None = None,
    days: int = 365,
) -> str:
    """What a CSMS's CA does with our CSR; returns the PEM chain (leaf first)."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    start = not_before or (NOW - dt.timedelta(hours=1))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(issuer.private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def open_store(directory, pki: TestPki, *, now=lambda: NOW, **seed) -> CertificateStore:
    store = CertificateStore(directory, InlineOffload(), now, capacity=seed.pop("capacity", 50))
    await store.load(**seed)
    return store


# -- hash data ---------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", list(HashAlgorithmEnumType))
def test_hash_data_of_a_root_is_its_ocsp_cert_id(pki, algorithm):
    root = pki.csms_root.certificate
    ours = hash_data(root, root, algorithm).to_payload()
    expected = ocsp_ids(root, root, getattr(hashes, algorithm.value))
    assert {k: ours[k] for k in expected} == expected
    assert ours["hashAlgorithm"] == algorithm.value


def test_hash_data_of_an_issued_certificate_uses_the_issuer_key(pki):
    for leaf, issuer in (
        (pki.server, pki.csms_root),
        (pki.rsa_server, pki.csms_rsa_root),
        (pki.csms_intermediate, pki.csms_root),
    ):
        ours = hash_data(leaf.certificate, issuer.certificate).to_payload()
        expected = ocsp_ids(leaf.certificate, issuer.certificate)
        assert {k: ours[k] for k in expected} == expected
        assert not ours["serialNumber"].startswith("0")


# -- the store ---------------------------------------------------------------------------


async def test_first_start_imports_the_configured_files_once(tmp_path, pki):
    directory = tmp_path / "certificates"
    store = await open_store(
        directory,
        pki,
        csms_root=pki.csms_root.cert,
        certificate=pki.station.chain,
        key=pki.station.key,
    )
    assert store.roots("CSMSRootCertificate") == [pki.csms_root.certificate]
    assert store.station_certificate == pki.station.certificate
    assert store.count() == 2
    assert store.has_valid_csms_root() and store.has_valid_station_certificate()
    for path in directory.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    # AQ-1: the CSMS may delete the last root; the config file does not bring it back.
    (chain,) = store.installed_ids([GetCertificateIdUseEnumType.CSMSRootCertificate])
    assert (await store.delete(chain.certificate_hash_data)).value == "Accepted"
    again = await open_store(directory, pki, csms_root=pki.csms_root.cert)
    assert again.roots("CSMSRootCertificate") == []
    assert again.station_certificate == pki.station.certificate


async def test_unreadable_configured_files_are_problems_not_crashes(tmp_path, pki):
    store = await open_store(
        tmp_path / "c",
        pki,
        csms_root=tmp_path / "missing.pem",
        certificate=pki.station.cert,
        key=pki.manufacturer_root.key,
    )
    assert len(store.problems) == 2
    assert "missing.pem" in store.problems[0]
    assert "does not belong" in store.problems[1]
    assert store.count() == 0
    # Fixed files are imported at the next start.
    store = await open_store(tmp_path / "c", pki, csms_root=pki.csms_root.cert)
    assert store.roots("CSMSRootCertificate") == [pki.csms_root.certificate]


async def test_a_damaged_file_is_reported_and_the_rest_kept(tmp_path, pki):
    store = await open_store(tmp_path / "c", pki)
    assert (await store.install(CSMS, pem(pki.csms_root)))[0].value == "Accepted"
    assert (await store.install(MANUFACTURER, pem(pki.manufacturer_root)))[0].value == "Accepted"
    (path,) = (tmp_path / "c" / "ManufacturerRootCertificate").glob("*.pem")
    path.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n")
    store = await open_store(tmp_path / "c", pki)
    assert store.roots("CSMSRootCertificate") == [pki.csms_root.certificate]
    assert store.roots("ManufacturerRootCertificate") == []
    assert "unreadable ManufacturerRootCertificate" in store.problems[0]


async def test_install_rules(tmp_path, pki):
    store = await open_store(tmp_path / "c", pki, capacity=3)
    ok = await store.install(CSMS, pem(pki.csms_root))
    assert ok == (ok[0].Accepted, None)
    # The same certificate again replaces it (M05.FR.17).
    assert (await store.install(CSMS, pem(pki.csms_root)))[0].value == "Accepted"
    assert store.count() == 1
    status, reason = await store.install(CSMS, "not a certificate")
    assert status.value == "Rejected" and "PEM" in reason
    status, reason = await store.install(CSMS, pem(pki.expired_server))
    assert status.value == "Rejected" and "expired" in reason
    status, reason = await store.install(CSMS, pem(pki.server))
    assert status.value == "Rejected" and "certificate authority" in reason
    # Future validity is refused as well.
    future = CertificateStore(tmp_path / "f", InlineOffload(), lambda: NOW - dt.timedelta(days=30))
    await future.load()
    status, reason = await future.install(CSMS, pem(pki.csms_root))
    assert status.value == "Rejected" and "not valid before" in reason
    # CertificateEntries maxLimit.
    assert (await store.install(CSMS, pem(pki.csms_rsa_root)))[0].value == "Accepted"
    assert (await store.install(MANUFACTURER, pem(pki.manufacturer_root)))[0].value == "Accepted"
    status, reason = await store.install(CSMS, pem(pki.unknown_root))
    assert status.value == "Rejected" and "full" in reason
    assert store.count() == 3


async def test_delete_rules(tmp_path, pki):
    store = await open_store(
        tmp_path / "c",
        pki,
        csms_root=pki.csms_root.cert,
        certificate=pki.station.cert,
        key=pki.station.key,
    )
    station = hash_data(pki.station.certificate, pki.csms_root.certificate)
    assert (await store.delete(station)).value == "Failed"  # M04.FR.06
    unknown = hash_data(pki.unknown_root.certificate, pki.unknown_root.certificate)
    assert (await store.delete(unknown)).value == "NotFound"
    root = hash_data(pki.csms_root.certificate, pki.csms_root.certificate)
    # Upper-case hex and leading zeros in the serial still match (errata: case-insensitive).
    shouted = CertificateHashDataType(
        hash_algorithm=root.hash_algorithm,
        issuer_name_hash=root.issuer_name_hash.upper(),
        issuer_key_hash=root.issuer_key_hash.upper(),
        serial_number=("0" + root.serial_number.upper())[-40:],
    )
    assert (await store.delete(shouted)).value == "Accepted"
    assert store.roots("CSMSRootCertificate") == []
    assert not store.bundle_path.exists()
    assert (await store.delete(root)).value == "NotFound"


# -- CSR and CertificateSigned -------------------------------------------------------------


@pytest.mark.parametrize("key_type", ["ec-p256", "rsa-2048"])
async def test_csr_has_a_new_key_cn_serial_and_organization(tmp_path, pki, key_type):
    store = await open_store(tmp_path / "c", pki)
    first = await store.new_csr(key_type=key_type, common_name=SERIAL, organization=ORGANIZATION)
    second = await store.new_csr(key_type=key_type, common_name=SERIAL, organization=ORGANIZATION)
    a, b = (x509.load_pem_x509_csr(c.encode()) for c in (first, second))
    assert a.is_signature_valid
    assert a.public_key() != b.public_key()
    assert a.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == SERIAL
    assert a.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORGANIZATION
    key = b.public_key()
    if key_type == "ec-p256":
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    else:
        assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    pending = tmp_path / "c" / "station" / "pending-key.pem"
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600


async def test_signed_certificate_checks(tmp_path, pki):
    store = await open_store(tmp_path / "c", pki, csms_root=pki.csms_root.cert)
    csr = await store.new_csr(key_type="ec-p256", common_name=SERIAL, organization=None)
    with pytest.raises(CertificateError, match="does not chain"):
        store.validate_signed(sign_csr(csr, pki.unknown_root), max_size=10000, **SUBJECT)
    with pytest.raises(CertificateError, match="not valid before"):
        store.validate_signed(
            sign_csr(csr, pki.csms_root, not_before=NOW + dt.timedelta(days=2)),
            max_size=10000,
            **SUBJECT,
        )
    with pytest.raises(CertificateError, match="not for a key"):
        store.validate_signed(pem(pki.station), max_size=10000, **SUBJECT)
    good = sign_csr(csr, pki.csms_root)
    with pytest.raises(CertificateError, match="MaxCertificateChainSize"):
        store.validate_signed(good, max_size=100, **SUBJECT)
    with pytest.raises(CertificateError, match="PEM"):
        store.validate_signed("garbage", max_size=10000, **SUBJECT)
    # Through an intermediate CA sent along in the chain.
    via = sign_csr(csr, pki.csms_intermediate) + pem(pki.csms_intermediate)
    chain = store.validate_signed(via, max_size=10000, **SUBJECT)
    assert len(chain) == 2
    await store.install_signed(store.validate_signed(good, max_size=10000, **SUBJECT), trial=False)
    assert not store.has_pending_key
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    reloaded = await open_store(tmp_path / "c", pki)
    assert reloaded.station_certificate is not None
    assert reloaded.station_certificate.public_bytes(serialization.Encoding.PEM).decode() == good


# -- over OCPP: M03–M05 with the judge ------------------------------------------------------


def tls_config(tmp_path, judge: Judge, pki: TestPki, profile: int = 2):
    csms = {"ca_file": str(pki.csms_root.cert)}
    if profile == 3:
        csms |= {"cert_file": str(pki.station.cert), "key_file": str(pki.station.key)}
    return make_config(tmp_path, judge.url, profile=profile, csms=csms)


async def test_install_list_delete_against_the_judge(tmp_path, pki):
    """TC_M_01/03 (install), TC_M_07 (invalid → Rejected), TC_M_12/13/17/18/19 (list),
    TC_M_20/22 (delete, unknown → NotFound)."""
    from tests.conftest import live_station

    with Judge(ssl_context=server_context(pki.server), password="0123456789abcdefABCDEF") as judge:
        async with live_station(tls_config(tmp_path, judge, pki), variables=FAST):
            await judge.wait_for("BootNotification")
            listing = await judge.call(
                "GetInstalledCertificateIds",
                {"certificateType": ["ManufacturerRootCertificate"]},
            )
            assert listing == {"status": "NotFound"}
            for use, issued in (
                ("ManufacturerRootCertificate", pki.manufacturer_root),
                ("V2GRootCertificate", pki.csms_rsa_root),
                ("MORootCertificate", pki.unknown_root),
            ):
                answer = await judge.call(
                    "InstallCertificate", {"certificateType": use, "certificate": pem(issued)}
                )
                assert answer["status"] == "Accepted"
            bad = await judge.call(
                "InstallCertificate",
                {"certificateType": "CSMSRootCertificate", "certificate": pem(pki.expired_server)},
            )
            assert bad["status"] == "Rejected"
            # M05.FR.07: an intermediate CA is no root.
            intermediate = await judge.call(
                "InstallCertificate",
                {
                    "certificateType": "CSMSRootCertificate",
                    "certificate": pem(pki.csms_intermediate),
                },
            )
            assert intermediate["status"] == "Rejected"
            assert intermediate["statusInfo"]["reasonCode"] == "InvalidCertificate"
            assert "not self-signed" in intermediate["statusInfo"]["additionalInfo"]
            everything = await judge.call("GetInstalledCertificateIds", {})
            by_type = {
                c["certificateType"]: c["certificateHashData"]
                for c in everything["certificateHashDataChain"]
            }
            assert set(by_type) == {
                "CSMSRootCertificate",
                "ManufacturerRootCertificate",
                "V2GRootCertificate",
                "MORootCertificate",
            }
            root = pki.manufacturer_root.certificate
            expected = ocsp_ids(root, root) | {"hashAlgorithm": "SHA256"}
            assert by_type["ManufacturerRootCertificate"] == expected
            entries = await judge.call(
                "GetVariables",
                {
                    "getVariableData": [
                        {
                            "component": {"name": "SecurityCtrlr"},
                            "variable": {"name": "CertificateEntries"},
                        }
                    ]
                },
            )
            assert entries["getVariableResult"][0]["attributeValue"] == "4"
            deleted = await judge.call(
                "DeleteCertificate", {"certificateHashData": by_type["V2GRootCertificate"]}
            )
            assert deleted == {"status": "Accepted"}
            again = await judge.call(
                "DeleteCertificate", {"certificateHashData": by_type["V2GRootCertificate"]}
            )
            assert again == {"status": "NotFound"}
            v2g = await judge.call(
                "GetInstalledCertificateIds", {"certificateType": ["V2GRootCertificate"]}
            )
            assert v2g == {"status": "NotFound"}
    assert not judge.violations


# -- A02 over profile 3 with the judge ----------------------------------------------------


async def test_tc_a_11_renew_the_station_certificate_and_reconnect(tmp_path, pki):
    """TC_A_11: TriggerMessage(SignChargingStationCertificate) → SignCertificate with a
    CSR → CertificateSigned → Accepted → the station reconnects with the new certificate.
    TC_A_14: a chain that does not verify is Rejected and reported."""
    from tests.conftest import live_station

    context = server_context(pki.server, client_ca=pki.csms_root)
    with Judge(ssl_context=context) as judge:
        config = tls_config(tmp_path, judge, pki, profile=3)
        async with live_station(config, variables=FAST) as station:
            await judge.wait_for("BootNotification")
            answer = await judge.call(
                "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
            )
            assert answer["status"] == "Accepted"
            (request,) = await judge.wait_for("SignCertificate")
            assert request.payload["certificateType"] == "ChargingStationCertificate"
            csr = request.payload["csr"]
            assert x509.load_pem_x509_csr(csr.encode()).is_signature_valid
            # TC_A_14 first: signed by a CA the station does not trust.
            refused = await judge.call(
                "CertificateSigned",
                {
                    "certificateChain": sign_csr(csr, pki.unknown_root),
                    "certificateType": "ChargingStationCertificate",
                },
            )
            assert refused["status"] == "Rejected"
            await judge.wait_for(
                "SecurityEventNotification",
                where=lambda p: p["type"] == "InvalidChargingStationCertificate",
            )
            # Triggered again: a new CSR, then a good certificate.
            await judge.call(
                "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
            )
            requests = await judge.wait_for("SignCertificate", count=2)
            second = requests[1].payload["csr"]
            assert second != csr  # a new key pair per cycle
            chain = sign_csr(second, pki.csms_root)
            accepted = await judge.call(
                "CertificateSigned",
                {"certificateChain": chain, "certificateType": "ChargingStationCertificate"},
            )
            assert accepted["status"] == "Accepted"
            connections = await judge.wait_connections(2)
            await judge.wait_for("BootNotification", count=1)
            new_serial = x509.load_pem_x509_certificate(chain.encode()).serial_number
            assert int(connections[1].peer_certificate["serialNumber"], 16) == new_serial
            assert int(connections[0].peer_certificate["serialNumber"], 16) != new_serial
            assert station.certificates.station_certificate.serial_number == new_serial
            # A02.FR.10: once connected with it, the new pair is the only one kept.
            # (a CALL answered on the new connection: its on-connected hooks have run)
            await judge.call("GetInstalledCertificateIds", {})
            assert station.certificates.on_trial is None
            station_dir = station.certificates.chain_path.parent
            assert sorted(p.name for p in station_dir.iterdir()) == ["chain.pem", "key.pem"]
            stored = x509.load_pem_x509_certificate(station.certificates.chain_path.read_bytes())
            assert stored.serial_number == new_serial
    assert not judge.violations


async def logged(station, event_type: str, timeout: float = 10.0):
    """The security-log entry of ``event_type``, once the station has written it."""
    with trio.fail_after(timeout):
        while True:
            for entry in await station.security_log.entries():
                if entry.type == event_type:
                    return entry
            await trio.sleep(0.01)  # the store is on another thread; poll until written


async def test_a02_fr_28_29_a_renewed_certificate_the_csms_refuses_gives_way_to_the_old_one(
    tmp_path, pki
):
    """The station accepts a certificate that chains to one of its CSMS roots, but the
    CSMS's TLS server does not trust its issuer for clients: each attempt with it fails,
    and after NetworkProfileConnectionAttempts on the only profile the station drops it,
    reconnects with the old certificate and reports DiscardedRenewedClientCertificate."""
    from tests.conftest import live_station

    # The CSMS trusts client certificates of csms_root only.
    context = server_context(pki.server, client_ca=pki.csms_root)
    with Judge(ssl_context=context) as judge:
        config = tls_config(tmp_path, judge, pki, profile=3)
        variables = FAST | {"OCPPCommCtrlr.NetworkProfileConnectionAttempts": 2}
        async with live_station(config, variables=variables) as station:
            await judge.wait_for("BootNotification")
            installed = await judge.call(
                "InstallCertificate",
                {"certificateType": "CSMSRootCertificate", "certificate": pem(pki.csms_rsa_root)},
            )
            assert installed["status"] == "Accepted"
            await judge.call(
                "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
            )
            (request,) = await judge.wait_for("SignCertificate")
            chain = sign_csr(request.payload["csr"], pki.csms_rsa_root)
            accepted = await judge.call(
                "CertificateSigned",
                {"certificateChain": chain, "certificateType": "ChargingStationCertificate"},
            )
            assert accepted["status"] == "Accepted"
            connections = await judge.wait_connections(2)
            old_serial = pki.station.certificate.serial_number
            assert int(connections[1].peer_certificate["serialNumber"], 16) == old_serial
            # A02.FR.29: in the security log, and sent to the CSMS.
            discarded = await logged(station, "DiscardedRenewedClientCertificate")
            new_serial = x509.load_pem_x509_certificate(chain.encode()).serial_number
            assert f"{new_serial:x}" in discarded.tech_info
            await judge.wait_for(
                "SecurityEventNotification",
                where=lambda p: p["type"] == "DiscardedRenewedClientCertificate",
            )
            assert station.connection.failed_attempts == 2
            certificates = station.certificates
            assert certificates.on_trial is None
            assert certificates.station_certificate == pki.station.certificate
            assert sorted(p.name for p in certificates.chain_path.parent.iterdir()) == [
                "chain.pem",
                "key.pem",
            ]
    assert not judge.violations


async def test_pinned_manufacturer_root_is_rejected_over_ocpp_with_its_reason(
    tmp_path, autojump_clock
):
    config = make_config(tmp_path, profile=1, security={"pin_manufacturer_root": True})
    pki = make_test_pki(tmp_path / "pki", now=START)
    async with running_station(config) as env:
        await env.csms.wait_for("BootNotification")
        frame = await env.csms.call(
            "InstallCertificate",
            {
                "certificateType": "ManufacturerRootCertificate",
                "certificate": pem(pki.manufacturer_root),
            },
        )
        assert frame.payload["status"] == "Rejected"
        assert frame.payload["statusInfo"]["reasonCode"] == "UnsupportedRequest"
        assert "pin_manufacturer_root" in frame.payload["statusInfo"]["additionalInfo"]
        listing = await env.csms.call(
            "GetInstalledCertificateIds", {"certificateType": ["ManufacturerRootCertificate"]}
        )
        assert listing.payload["status"] == "NotFound"


# -- A02 timers on MockClock ----------------------------------------------------------------


@pytest.fixture(scope="module")
def start_pki(tmp_path_factory) -> TestPki:
    """A test PKI valid at the virtual stations' wall-clock START."""
    return make_test_pki(tmp_path_factory.mktemp("start-pki"), serial_number=SERIAL, now=START)


def sign_at_start(csr_pem: str, issuer: IssuedCertificate) -> str:
    return sign_csr(csr_pem, issuer, not_before=START - dt.timedelta(hours=1))


async def test_tc_a_23_sign_certificate_is_resent_with_doubling_waits(
    tmp_path, start_pki, autojump_clock
):
    """RepeatTimes 1: the CSR goes out at 0, after WaitMinimum, after 2 × WaitMinimum, and
    no more; then a CertificateSigned for the first CSR is Accepted."""
    config = make_config(tmp_path, profile=1, csms={})
    async with running_station(
        config,
        variables={
            "SecurityCtrlr.CertSigningWaitMinimum": 40,
            "SecurityCtrlr.CertSigningRepeatTimes": 1,
        },
    ) as env:
        csms = env.csms
        await csms.wait_for("BootNotification")
        installed = await env.station.certificates.install(CSMS, pem(start_pki.csms_root))
        assert installed[0].value == "Accepted"
        start = trio.current_time()
        frame = await csms.call(
            "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
        )
        assert frame.payload["status"] == "Accepted"
        sent = await csms.wait_for("SignCertificate", count=3)
        times = [round(r.at - start) for r in sent]
        assert times == [0, 40, 120]
        await trio.sleep(1000)
        assert len(csms.of("SignCertificate")) == 3
        assert len({r.payload["csr"] for r in sent}) == 1  # the same CSR each time
        answer = await csms.call(
            "CertificateSigned",
            {"certificateChain": sign_at_start(sent[0].payload["csr"], start_pki.csms_root)},
        )
        assert answer.payload["status"] == "Accepted"


def sign_at_start_as(
    csr_pem: str, issuer: IssuedCertificate, *, common_name: str, organization: str
) -> str:
    """Our CSR's key certified under another subject, valid at START."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START - dt.timedelta(hours=1))
        .not_valid_after(START + dt.timedelta(days=365))
        .sign(issuer.private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def test_tc_a_14_a_certificate_for_another_subject_is_rejected_and_reported(
    tmp_path, start_pki, autojump_clock, monkeypatch
):
    """Over OCPP: the serial number and SecurityCtrlr.OrganizationName the station checks
    are its own; Rejected with InvalidCertificate and the reason, the security event
    InvalidChargingStationCertificate is sent, and the pending key stays for a good
    certificate. A certificate that cannot be stored is Rejected too and changes nothing."""
    config = make_config(tmp_path, profile=1, csms={})
    async with running_station(config) as env:
        csms = env.csms
        await csms.wait_for("BootNotification")
        store = env.station.certificates
        await store.install(CSMS, pem(start_pki.csms_root))
        await csms.call("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"})
        (request,) = await csms.wait_for("SignCertificate")
        csr = request.payload["csr"]
        subject = x509.load_pem_x509_csr(csr.encode()).subject
        organization = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        for common_name, org, reason in (
            ("https://evil.example", organization, "subject CN 'https://evil.example'"),
            ("SN-0001", "SomeoneElse", "subject O SomeoneElse"),
        ):
            chain = sign_at_start_as(
                csr, start_pki.csms_root, common_name=common_name, organization=org
            )
            answer = await csms.call("CertificateSigned", {"certificateChain": chain})
            assert answer.payload["status"] == "Rejected"
            assert answer.payload["statusInfo"]["reasonCode"] == "InvalidCertificate"
            assert reason in answer.payload["statusInfo"]["additionalInfo"]

        def invalid() -> list:
            return [
                r
                for r in csms.of("SecurityEventNotification")
                if r.payload["type"] == "InvalidChargingStationCertificate"
            ]

        await csms.wait(lambda: len(invalid()) == 2)
        assert "evil.example" in invalid()[0].payload["techInfo"]
        assert store.station_certificate is None and store.has_pending_key

        async def full_disk(chain, *, trial):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(store, "install_signed", full_disk)
        good = sign_at_start(csr, start_pki.csms_root)
        answer = await csms.call("CertificateSigned", {"certificateChain": good})
        assert answer.payload["status"] == "Rejected"
        assert answer.payload["statusInfo"]["reasonCode"] == "InternalError"
        assert "No space left" in answer.payload["statusInfo"]["additionalInfo"]
        assert store.station_certificate is None and store.has_pending_key
        monkeypatch.undo()
        answer = await csms.call("CertificateSigned", {"certificateChain": good})
        assert answer.payload["status"] == "Accepted"


async def test_tc_a_15_rejected_sign_certificate_is_not_resent(tmp_path, autojump_clock):
    config = make_config(tmp_path, profile=1, csms={})
    async with running_station(
        config, variables={"SecurityCtrlr.CertSigningWaitMinimum": 10}
    ) as env:
        env.csms.responses["SignCertificate"] = {"status": "Rejected"}
        await env.csms.wait_for("BootNotification")
        await env.csms.call(
            "TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}
        )
        await env.csms.wait_for("SignCertificate")
        await trio.sleep(3600)
        assert len(env.csms.of("SignCertificate")) == 1


async def test_a03_renewal_starts_a_month_before_expiry(tmp_path, start_pki, autojump_clock):
    """The station certificate expires 30 days and 12 hours after START: a day later the
    station asks for a new one by itself."""
    expiring = tmp_path / "expiring"
    expiring.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SN-0001")]))
        .issuer_name(start_pki.csms_root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START - dt.timedelta(days=300))
        .not_valid_after(START + dt.timedelta(days=30, hours=12))
        .sign(start_pki.csms_root.private_key, hashes.SHA256())
    )
    (expiring / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (expiring / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    config = make_config(
        tmp_path,
        profile=1,
        csms={"cert_file": str(expiring / "cert.pem"), "key_file": str(expiring / "key.pem")},
    )
    # Coarse periods keep a virtual day cheap.
    async with running_station(
        config, control_period=30, meter_interval=60, card_interval=60
    ) as env:
        await env.csms.wait_for("BootNotification")
        start = trio.current_time()
        (request,) = await env.csms.wait_for("SignCertificate")
        # Checked at start (30.5 days left: not yet) and then daily.
        assert 0.9 * 86400 <= request.at - start <= 1.1 * 86400


# -- A02.FR.06: the properties of a signed ChargingStationCertificate ----------------------


def _usage(**allowed: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
        ),
        False,
    )
    flags.update(allowed)
    return x509.KeyUsage(**flags, encipher_only=False, decipher_only=False)


def issue_for_csr(
    csr_pem: str,
    issuer: IssuedCertificate,
    *,
    common_name: str | None = SERIAL,
    organization: str | None = ORGANIZATION,
    key_usage: x509.KeyUsage | None = None,
    extended_key_usage: list[x509.ObjectIdentifier] | None = None,
    ca: bool = False,
) -> str:
    """A CA that signs our CSR's key under a subject and extensions of its choosing."""
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    names = []
    if organization is not None:
        names.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if common_name is not None:
        names.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(names))
        .issuer_name(issuer.certificate.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(hours=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended_key_usage), critical=False)
    certificate = builder.sign(issuer.private_key, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


async def store_with_csr(tmp_path, pki: TestPki) -> tuple[CertificateStore, str]:
    store = await open_store(tmp_path / "c", pki, csms_root=pki.csms_root.cert)
    csr = await store.new_csr(key_type="ec-p256", common_name=SERIAL, organization=ORGANIZATION)
    return store, csr


ORGANIZATION_SUBJECT = {"serial_number": SERIAL, "organization": ORGANIZATION}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"common_name": "https://evil.example"}, "subject CN 'https://evil.example'"),
        ({"common_name": None}, "0 commonNames"),
        ({"organization": "SomeoneElse"}, "subject O SomeoneElse"),
        ({"organization": None}, "subject O (none)"),
        (
            {"extended_key_usage": [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]},
            "extendedKeyUsage (serverAuth) does not allow TLS client authentication",
        ),
        ({"key_usage": _usage(key_encipherment=True)}, "lacks digitalSignature"),
        (
            {"key_usage": _usage(digital_signature=True, key_cert_sign=True)},
            "allows signing certificates",
        ),
        ({"ca": True}, "certificate authority"),
    ],
    ids=[
        "cn-url",
        "cn-missing",
        "o-other",
        "o-missing",
        "eku-server-only",
        "ku-no-digital-signature",
        "ku-cert-sign",
        "ca",
    ],
)
async def test_a02_fr_06_signed_certificate_without_the_station_properties_is_rejected(
    tmp_path, pki, changes, reason
):
    """The case the review reproduced: CN https://evil.example, O SomeoneElse, serverAuth
    only, each on its own, signed by the trusted CSMS root."""
    store, csr = await store_with_csr(tmp_path, pki)
    chain = issue_for_csr(csr, pki.csms_root, **changes)
    with pytest.raises(CertificateError, match=re.escape(reason)):
        store.validate_signed(chain, max_size=10000, **ORGANIZATION_SUBJECT)
    assert store.has_pending_key  # nothing taken: the CSMS can still send a good one


@pytest.mark.parametrize(
    "extensions",
    [
        {},
        {"key_usage": _usage(digital_signature=True)},
        {"key_usage": _usage(digital_signature=True, key_agreement=True)},
        {"extended_key_usage": [x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]},
        {
            "key_usage": _usage(digital_signature=True),
            "extended_key_usage": [
                x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,
            ],
        },
    ],
    ids=["no-extensions", "ku-signature", "ku-signature-agreement", "eku-client", "eku-both"],
)
async def test_a02_fr_06_signed_certificate_fit_for_a_tls_client_is_accepted(
    tmp_path, pki, extensions
):
    store, csr = await store_with_csr(tmp_path, pki)
    chain = issue_for_csr(csr, pki.csms_root, **extensions)
    assert len(store.validate_signed(chain, max_size=10000, **ORGANIZATION_SUBJECT)) == 1


async def test_a00_fr_509_organization_is_not_checked_when_organization_name_is_unset(
    tmp_path, pki
):
    store, csr = await store_with_csr(tmp_path, pki)
    chain = issue_for_csr(csr, pki.csms_root, organization="Anyone")
    store.validate_signed(chain, max_size=10000, serial_number=SERIAL, organization=None)


# -- A02.FR.10/28: the renewed pair on trial ----------------------------------------------


def files_of(store: CertificateStore) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (store.directory / "station").iterdir()}


async def seeded_store_with_renewal(tmp_path, pki) -> tuple[CertificateStore, list, bytes]:
    store = await open_store(
        tmp_path / "c",
        pki,
        csms_root=pki.csms_root.cert,
        certificate=pki.station.cert,
        key=pki.station.key,
    )
    old_key = store.key_path.read_bytes()
    csr = await store.new_csr(key_type="ec-p256", common_name=SERIAL, organization=ORGANIZATION)
    chain = store.validate_signed(
        issue_for_csr(csr, pki.csms_root), max_size=10000, **ORGANIZATION_SUBJECT
    )
    return store, chain, old_key


async def test_a02_fr_28_a_renewed_pair_is_tried_beside_the_old_one(tmp_path, pki):
    store, chain, old_key = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    # The old pair is untouched; the new one is what TLS presents now.
    assert store.key_path.read_bytes() == old_key
    assert x509.load_pem_x509_certificate(store.chain_path.read_bytes()) == pki.station.certificate
    assert store.client_files() == (store.trial_chain_path, store.trial_key_path)
    assert store.on_trial == chain[0] == store.station_certificate
    for path in (store.trial_chain_path, store.trial_key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (store.directory / "station" / "pending-key.pem").exists()
    # A restart keeps the trial going.
    again = await open_store(tmp_path / "c", pki)
    assert again.on_trial == chain[0]
    assert again.client_files() == (again.trial_chain_path, again.trial_key_path)


async def test_a02_fr_10_a_confirmed_pair_replaces_the_old_one(tmp_path, pki):
    store, chain, old_key = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    new_key = store.trial_key_path.read_bytes()
    assert await store.confirm_trial()
    assert set(files_of(store)) == {"chain.pem", "key.pem"}
    assert store.key_path.read_bytes() == new_key != old_key
    assert store.client_files() == (store.chain_path, store.key_path)
    assert store.on_trial is None and store.station_certificate == chain[0]
    assert not await store.confirm_trial()  # nothing on trial any more
    reloaded = await open_store(tmp_path / "c", pki)
    assert reloaded.station_certificate == chain[0] and reloaded.on_trial is None


async def test_a02_fr_28_a_discarded_pair_brings_the_old_one_back(tmp_path, pki):
    store, chain, old_key = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    assert await store.discard_trial() == chain[0]
    assert set(files_of(store)) == {"chain.pem", "key.pem"}
    assert store.key_path.read_bytes() == old_key
    assert store.station_certificate == pki.station.certificate
    assert await store.discard_trial() is None


async def test_a_promotion_cut_by_a_power_loss_is_finished_at_the_next_start(tmp_path, pki):
    store, chain, _ = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    # The cut: the key moved, the certificate did not.
    store.trial_key_path.replace(store.key_path)
    reloaded = await open_store(tmp_path / "c", pki)
    assert reloaded.problems == []
    assert reloaded.station_certificate == chain[0] and reloaded.on_trial is None
    assert set(files_of(reloaded)) == {"chain.pem", "key.pem"}


async def test_a_half_written_trial_pair_is_removed_at_the_next_start(tmp_path, pki):
    store, chain, _ = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    store.trial_chain_path.unlink()  # the cut: key written, certificate not yet
    reloaded = await open_store(tmp_path / "c", pki)
    assert reloaded.on_trial is None
    assert reloaded.station_certificate == pki.station.certificate
    assert set(files_of(reloaded)) == {"chain.pem", "key.pem"}


async def test_a_trial_pair_that_does_not_match_is_discarded_and_reported(tmp_path, pki):
    store, chain, old_key = await seeded_store_with_renewal(tmp_path, pki)
    await store.install_signed(chain, trial=True)
    store.trial_key_path.write_bytes(old_key)  # a key of another certificate
    reloaded = await open_store(tmp_path / "c", pki)
    assert reloaded.on_trial is None
    assert "renewed station certificate unusable" in reloaded.problems[0]
    assert reloaded.station_certificate == pki.station.certificate


async def test_every_write_is_fsynced_renamed_and_its_directory_fsynced(tmp_path, pki, monkeypatch):
    from station.security import certificates

    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        calls.append(f"fsync-{kind}")
        real_fsync(fd)

    def replace(source, target) -> None:
        calls.append("rename")
        real_replace(source, target)

    store, chain, _ = await seeded_store_with_renewal(tmp_path, pki)
    monkeypatch.setattr(certificates.os, "fsync", fsync)
    monkeypatch.setattr(certificates.os, "replace", replace)
    await store.install_signed(chain, trial=True)
    # key then certificate, each: data fsync, rename, directory fsync; then the CSR key.
    assert calls[:6] == ["fsync-file", "rename", "fsync-dir"] * 2
    calls.clear()
    await store.confirm_trial()
    assert calls == ["rename", "fsync-dir"] * 2


# -- M05.FR.07: what can be a trust anchor ---------------------------------------------------


def self_signed(
    *, ca: bool | None, key_usage: x509.KeyUsage | None = None, issuer=None
) -> tuple[str, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Would-be Root")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject if issuer is None else issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    signer = key if issuer is None else issuer.private_key
    certificate = builder.sign(signer, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), certificate


@pytest.mark.parametrize("use", [CSMS, MANUFACTURER], ids=lambda u: u.value)
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda pki: self_signed(ca=None)[0], "basicConstraints CA=true is missing"),
        (lambda pki: self_signed(ca=False)[0], "basicConstraints CA=true is missing"),
        (lambda pki: pem(pki.csms_intermediate), "not self-signed"),
        (
            lambda pki: self_signed(ca=True, issuer=pki.csms_root)[0],
            "not self-signed",
        ),
        (
            lambda pki: self_signed(ca=True, key_usage=_usage(digital_signature=True))[0],
            "keyCertSign",
        ),
        (lambda pki: pem(pki.csms_root) + pem(pki.csms_rsa_root), "one root at a time"),
    ],
    ids=[
        "no-basic-constraints",
        "ca-false",
        "intermediate",
        "issued-by-another",
        "no-cert-sign",
        "bundle",
    ],
)
async def test_m05_fr_07_a_certificate_that_is_no_root_is_rejected(
    tmp_path, pki, use, make, reason
):
    store = await open_store(tmp_path / "c", pki)
    status, why = await store.install(use, make(pki))
    assert status.value == "Rejected"
    assert reason in why
    assert store.count() == 0 and not list((tmp_path / "c").rglob("*Root*/*.pem"))


async def test_a_pinned_manufacturer_root_cannot_be_installed(tmp_path, pki):
    store = CertificateStore(
        tmp_path / "c", InlineOffload(), lambda: NOW, manufacturer_root_pinned=True
    )
    await store.load()
    status, why = await store.install(MANUFACTURER, pem(pki.manufacturer_root))
    assert status.value == "Rejected" and "pin_manufacturer_root" in why
    assert store.roots("ManufacturerRootCertificate") == []
    # Other roots still can.
    assert (await store.install(CSMS, pem(pki.csms_root)))[0].value == "Accepted"
