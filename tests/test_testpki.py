"""The test PKI: every certificate has the properties OCPP and the TLS tests rely on."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID, SignatureAlgorithmOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from tools.testpki import WRONG_HOST, IssuedCertificate, TestPki, main, make_test_pki

SERIAL_NUMBER = "CT4000-0042"
ORGANIZATION = "Example Charging Operator"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki"), serial_number=SERIAL_NUMBER, organization=ORGANIZATION
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _cn(certificate: x509.Certificate) -> str:
    return str(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def _org(certificate: x509.Certificate) -> str:
    return str(certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value)


def _alt_names(certificate: x509.Certificate) -> list[object]:
    extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return [*extension.value.get_values_for_type(x509.DNSName),
            *extension.value.get_values_for_type(x509.IPAddress)]  # fmt: skip


def _server_verifier(roots: list[IssuedCertificate], host: str, at: dt.datetime | None = None):
    store = Store([root.certificate for root in roots])
    builder = PolicyBuilder().store(store).time(at or _now())
    try:
        subject: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        subject = x509.DNSName(host)
    return builder.build_server_verifier(subject)


def _is_ca(certificate: x509.Certificate) -> bool:
    return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_csms_root_is_a_self_signed_ec_p256_ca(pki: TestPki) -> None:
    root = pki.csms_root.certificate
    assert root.issuer == root.subject
    root.verify_directly_issued_by(root)
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    assert root.public_key().curve.name == "secp256r1"
    assert _is_ca(root)
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert _org(root) == ORGANIZATION


def test_rsa_root_is_an_rsa_2048_ca_signing_with_rsa_pss(pki: TestPki) -> None:
    root = pki.csms_rsa_root.certificate
    root.verify_directly_issued_by(root)
    assert isinstance(root.public_key(), rsa.RSAPublicKey)
    assert root.public_key().key_size == 2048
    assert _is_ca(root)
    # A00.FR.505: RSA-PSS or ECDSA for CA signatures.
    assert root.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS
    assert pki.rsa_server.certificate.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS


@pytest.mark.parametrize(
    ("server", "roots"),
    [
        ("server", ["csms_root"]),
        ("rsa_server", ["csms_rsa_root"]),
        ("intermediate_server", ["csms_root"]),
    ],
)
def test_valid_server_certificates_chain_to_their_root_for_every_host(
    pki: TestPki, server: str, roots: list[str]
) -> None:
    issued: IssuedCertificate = getattr(pki, server)
    chain = x509.load_pem_x509_certificates(issued.chain.read_bytes())
    assert chain[0] == issued.certificate
    for host in pki.hosts:
        verifier = _server_verifier([getattr(pki, root) for root in roots], host)
        verifier.verify(chain[0], chain[1:])  # RFC 5280 path validation; raises on failure
    assert _cn(issued.certificate) == "localhost"
    assert _alt_names(issued.certificate) == ["localhost", ipaddress.ip_address("127.0.0.1")]
    assert not _is_ca(issued.certificate)


def test_intermediate_server_chain_file_holds_leaf_then_intermediate(pki: TestPki) -> None:
    chain = x509.load_pem_x509_certificates(pki.intermediate_server.chain.read_bytes())
    assert chain == [pki.intermediate_server.certificate, pki.csms_intermediate.certificate]
    assert pki.intermediate_server.certificate.issuer == pki.csms_intermediate.certificate.subject
    assert pki.csms_intermediate.certificate.issuer == pki.csms_root.certificate.subject
    assert pki.server.chain == pki.server.cert  # issued by a root: nothing to add


def test_rsa_server_key_can_do_rsa_key_exchange(pki: TestPki) -> None:
    usage = pki.rsa_server.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.key_encipherment
    assert pki.rsa_server.certificate.public_key().key_size == 2048


def test_station_certificate_has_the_properties_tc_a_07_checks(pki: TestPki) -> None:
    certificate = pki.station.certificate
    assert _cn(certificate) == SERIAL_NUMBER  # A00.FR.511
    assert _org(certificate) == ORGANIZATION  # A00.FR.509
    assert certificate.serial_number > 0  # A00.FR.508
    key = certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.key_size >= 224  # A00.FR.503
    assert pki.station.cert.read_text().startswith("-----BEGIN CERTIFICATE-----")  # A00.FR.507
    with pytest.raises(x509.ExtensionNotFound):  # A00.FR.511 note: no subjectAltName
        certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    # (cryptography's client verifier follows the web PKI and would demand a SAN.)
    certificate.verify_directly_issued_by(pki.csms_root.certificate)


def test_firmware_signing_certificate_is_issued_by_the_manufacturer_root(pki: TestPki) -> None:
    signing = pki.firmware_signing
    signing.certificate.verify_directly_issued_by(pki.manufacturer_root.certificate)
    assert _is_ca(pki.manufacturer_root.certificate)
    assert _org(pki.manufacturer_root.certificate) == _org(signing.certificate)
    assert _org(signing.certificate) != ORGANIZATION
    firmware = b"firmware image"
    signature = signing.private_key.sign(firmware, ec.ECDSA(hashes.SHA256()))
    signing.certificate.public_key().verify(signature, firmware, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        signing.certificate.public_key().verify(signature, b"tampered", ec.ECDSA(hashes.SHA256()))


def test_expired_and_not_yet_valid_certificates_are_outside_their_validity(pki: TestPki) -> None:
    now = _now()
    assert pki.expired_server.certificate.not_valid_after_utc < now
    assert pki.not_yet_valid_server.certificate.not_valid_before_utc > now
    for issued in (pki.expired_server, pki.not_yet_valid_server):
        issued.certificate.verify_directly_issued_by(pki.csms_root.certificate)
        with pytest.raises(VerificationError):
            _server_verifier([pki.csms_root], "localhost").verify(issued.certificate, [])


def test_untrusted_server_is_issued_by_a_root_the_station_does_not_know(pki: TestPki) -> None:
    certificate = pki.untrusted_server.certificate
    certificate.verify_directly_issued_by(pki.unknown_root.certificate)
    assert _cn(certificate) == "localhost"
    with pytest.raises(VerificationError):
        _server_verifier([pki.csms_root, pki.csms_rsa_root], "localhost").verify(certificate, [])


def test_wrong_host_certificate_names_no_host_of_the_pki(pki: TestPki) -> None:
    certificate = pki.wrong_host_server.certificate
    assert _cn(certificate) == WRONG_HOST
    assert _alt_names(certificate) == [WRONG_HOST]
    for host in pki.hosts:
        with pytest.raises(VerificationError):
            _server_verifier([pki.csms_root], host).verify(certificate, [])


def test_wildcard_certificate_matches_the_wildcard_host(pki: TestPki) -> None:
    certificate = pki.wildcard_server.certificate
    assert _cn(certificate) == "*.csms.localhost"
    assert _alt_names(certificate) == ["*.csms.localhost"]
    assert pki.wildcard_host == "ocpp.csms.localhost"
    _server_verifier([pki.csms_root], pki.wildcard_host).verify(certificate, [])


def test_every_certificate_follows_the_ocpp_certificate_properties(pki: TestPki) -> None:
    for issued in pki.issued():
        certificate = issued.certificate
        assert certificate.signature_hash_algorithm is not None
        assert certificate.signature_hash_algorithm.name == "sha256", issued.name  # A00.FR.506
        assert _org(certificate), issued.name  # A00.FR.509
        assert certificate.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).critical
        with pytest.raises(x509.ExtensionNotFound):  # A00.FR.514: no extended key usage
            certificate.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)


def test_key_files_are_private_and_match_their_certificates(pki: TestPki) -> None:
    for issued in pki.issued():
        assert stat.S_IMODE(issued.key.stat().st_mode) == 0o600, issued.key
        assert stat.S_IMODE(issued.cert.stat().st_mode) == 0o644, issued.cert
        key = serialization.load_pem_private_key(issued.key.read_bytes(), password=None)
        assert key.public_key() == issued.certificate.public_key(), issued.name
        assert issued.key.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_files_lists_every_written_file(pki: TestPki) -> None:
    assert sorted(pki.directory.iterdir()) == pki.files()
    assert len(list(pki.issued())) == 15


def test_a_second_pki_reuses_the_generated_material(pki: TestPki, tmp_path: Path) -> None:
    again = make_test_pki(tmp_path, serial_number=SERIAL_NUMBER, organization=ORGANIZATION)
    assert again.csms_root.certificate == pki.csms_root.certificate
    assert again.csms_root.cert.read_bytes() == pki.csms_root.cert.read_bytes()
    assert again.directory == tmp_path


def test_rewriting_a_key_file_keeps_it_private(pki: TestPki) -> None:
    pki.station.key.chmod(0o644)
    make_test_pki(pki.directory, serial_number=SERIAL_NUMBER, organization=ORGANIZATION)
    assert stat.S_IMODE(pki.station.key.stat().st_mode) == 0o600


def test_now_anchors_the_validity_windows(tmp_path: Path) -> None:
    now = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    pki = make_test_pki(tmp_path, now=now)
    assert pki.server.certificate.not_valid_before_utc == now - dt.timedelta(days=1)
    assert pki.server.certificate.not_valid_after_utc == now + dt.timedelta(days=365)
    assert pki.expired_server.certificate.not_valid_after_utc < now
    assert pki.not_yet_valid_server.certificate.not_valid_before_utc > now


def test_a_naive_now_or_no_hosts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_test_pki(tmp_path, now=dt.datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="at least one host"):
        make_test_pki(tmp_path, hosts=[])


def test_command_line_writes_a_pki_for_the_given_hosts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "out"
    assert main([str(outdir), "--host", "csms.example.com", "--host", "10.0.0.5"]) == 0
    server = x509.load_pem_x509_certificate((outdir / "server.pem").read_bytes())
    assert _cn(server) == "csms.example.com"
    assert _alt_names(server) == ["csms.example.com", ipaddress.ip_address("10.0.0.5")]
    wildcard = x509.load_pem_x509_certificate((outdir / "wildcard-server.pem").read_bytes())
    assert _cn(wildcard) == "*.example.com"  # a wildcard matching the FQDN itself
    output = capsys.readouterr().out
    assert "wildcard host: csms.example.com" in output
    assert f"{len(list(outdir.iterdir()))} files in {outdir}" in output
