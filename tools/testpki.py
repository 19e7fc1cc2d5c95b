"""A complete, throw-away PKI for testing OCPP security profiles 2 and 3.

Everything a TLS test, a demo CSMS or a signed-firmware test needs, as PEM files in one
directory:

* the CSMS side: an ECDSA P-256 root CA (the station's ``CSMSRootCertificate``), an
  RSA-2048 variant root, a server certificate per root, and an intermediate CA with a
  server certificate chained through it;
* the station side: its client certificate for security profile 3 (CN = serial number,
  O = ``SecurityCtrlr.OrganizationName``, EC P-256), issued by the CSMS root;
* the manufacturer side: a root CA (``ManufacturerRootCertificate``) and a
  firmware-signing certificate issued by it;
* the invalid server certificates that OCTT TC_A_05 loops over: expired, not yet valid,
  issued by an unknown root, issued for another host, and a wildcard certificate.

Certificates follow OCPP 2.0.1 Part 2 A00.FR.501-514: SHA-256 signatures, ECDSA or
RSA-PSS signing (A00.FR.505), key usage on every certificate, no extended key usage,
O and CN in every subject. Private keys are unencrypted PKCS#8 files with mode 0600.

Validity windows are fixed offsets from "now" (an argument, so tests can pin it), and the
generated material is cached per process, so many test modules can ask for a PKI cheaply::

    pki = make_test_pki(tmp_path, serial_number="SN-0001", organization="Test CPO")
    context = client_context(ca_files=[pki.csms_root.cert], ...)

Command line: ``python tools/testpki.py OUTDIR [--host NAME ...] [--serial-number SN]
[--organization ORG]`` writes the files and lists them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import ipaddress
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeAlias

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

__all__ = ["DEFAULT_HOSTS", "WRONG_HOST", "IssuedCertificate", "TestPki", "main", "make_test_pki"]

#: The names a local test CSMS is reached by.
DEFAULT_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1")
DEFAULT_SERIAL_NUMBER = "TEST-SN-0001"
DEFAULT_ORGANIZATION = "Test Charge Point Operator"
MANUFACTURER = "Test Charger Manufacturer"

#: A host name that no certificate of the PKI covers ("CN not equal to the FQDN").
WRONG_HOST = "wrong-host.invalid"

_ROOT_LIFETIME = dt.timedelta(days=3650)
_LEAF_LIFETIME = dt.timedelta(days=365)
_BACKDATE = dt.timedelta(days=1)  # tolerate clock skew between generation and use

_PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class IssuedCertificate:
    """One certificate of the test PKI, its key, and the files they were written to."""

    name: str
    #: The certificate alone (PEM).
    cert: Path
    #: Its private key (unencrypted PKCS#8 PEM, file mode 0600).
    key: Path
    #: What a TLS peer presents: the certificate followed by its intermediate CAs (PEM).
    #: The same file as ``cert`` when the issuer is a root.
    chain: Path
    certificate: x509.Certificate
    private_key: _PrivateKey

    @property
    def common_name(self) -> str:
        """The subject's commonName."""
        return _common_name(self.certificate.subject)


@dataclass(frozen=True)
class TestPki:
    """All files of a test PKI; every field is an :class:`IssuedCertificate`
    unless noted."""

    __test__ = False  # not a pytest test class despite its name

    directory: Path
    serial_number: str
    organization: str
    #: The hosts the valid server certificates are issued for (CN = the first one).
    hosts: tuple[str, ...]
    #: A host name the wildcard certificate matches (see ``_wildcard``).
    wildcard_host: str

    # CSMS trust anchors ("CSMSRootCertificate").
    csms_root: IssuedCertificate
    csms_rsa_root: IssuedCertificate
    csms_intermediate: IssuedCertificate

    # Valid server certificates.
    server: IssuedCertificate  # EC key, issued by csms_root
    rsa_server: IssuedCertificate  # RSA-2048 key, issued by csms_rsa_root
    intermediate_server: IssuedCertificate  # EC key, issued by csms_intermediate

    # The station's client certificate ("ChargingStationCertificate", profile 3).
    station: IssuedCertificate

    # Secure firmware update.
    manufacturer_root: IssuedCertificate
    firmware_signing: IssuedCertificate

    # TC_A_05 invalid server certificates.
    expired_server: IssuedCertificate
    not_yet_valid_server: IssuedCertificate
    unknown_root: IssuedCertificate  # a CA the station does not trust
    untrusted_server: IssuedCertificate  # valid names and dates, issued by unknown_root
    wrong_host_server: IssuedCertificate  # CN and SAN name WRONG_HOST only
    wildcard_server: IssuedCertificate  # CN and SAN "*.<domain>", matches wildcard_host

    def issued(self) -> Iterator[IssuedCertificate]:
        """Every certificate of the PKI, in field order."""
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, IssuedCertificate):
                yield value

    def files(self) -> list[Path]:
        """Every file written, sorted."""
        paths = {path for item in self.issued() for path in (item.cert, item.key, item.chain)}
        return sorted(paths)


# -- building blocks --------------------------------------------------------------------------


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else ""


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _subject_alt_names(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


@dataclass(frozen=True)
class _Issued:
    """A certificate in memory with its key and the intermediates above it."""

    certificate: x509.Certificate
    private_key: _PrivateKey
    intermediates: tuple[x509.Certificate, ...] = ()


def _sign(
    *,
    subject: x509.Name,
    key: _PrivateKey,
    issuer: _Issued | None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    ca: bool,
    path_length: int | None = None,
    key_usage: x509.KeyUsage,
    alt_names: x509.SubjectAlternativeName | None = None,
) -> _Issued:
    """Issue a certificate for ``key`` (self-signed when ``issuer`` is None)."""
    signing_key = key if issuer is None else issuer.private_key
    issuer_name = subject if issuer is None else issuer.certificate.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.certificate.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
    if alt_names is not None:
        builder = builder.add_extension(alt_names, critical=False)
    if isinstance(signing_key, rsa.RSAPrivateKey):
        # A00.FR.505: RSA-PSS (or ECDSA) for signatures by a certificate authority.
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        certificate = builder.sign(signing_key, hashes.SHA256(), rsa_padding=pss)
    else:
        certificate = builder.sign(signing_key, hashes.SHA256())
    intermediates: tuple[x509.Certificate, ...] = ()
    if issuer is not None and not _is_self_signed(issuer.certificate):
        intermediates = (issuer.certificate, *issuer.intermediates)
    return _Issued(certificate, key, intermediates)


def _is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject


_CA_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)
_SIGNING_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)
# An RSA TLS server key also decrypts the premaster secret of TLS_RSA_WITH_* suites.
_RSA_SERVER_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=True,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def _wildcard(hosts: Sequence[str]) -> tuple[str, str]:
    """The wildcard certificate's name and a host name it matches.

    For an FQDN of three or more labels that is the FQDN itself (``*.example.com`` for
    ``csms.example.com``), the case of OCTT TC_A_05. OpenSSL only honours a wildcard with at
    least two labels after it, so for shorter names such as ``localhost`` the wildcard is
    issued under a made-up subdomain: ``*.csms.localhost``, matching ``ocpp.csms.localhost``.
    """
    dns_names = [host for host in hosts if not _is_ip_address(host)]
    host = dns_names[0] if dns_names else "localhost"
    labels = host.split(".")
    if len(labels) >= 3:
        return "*." + ".".join(labels[1:]), host
    domain = host if len(labels) == 2 else f"csms.{host}"
    return f"*.{domain}", f"ocpp.{domain}"


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# -- the PKI in memory ------------------------------------------------------------------------


@functools.cache
def _build(
    serial_number: str, organization: str, hosts: tuple[str, ...], now: dt.datetime | None
) -> dict[str, _Issued]:
    """Generate every key and certificate; cached so a test session pays for it once."""
    if now is None:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - _BACKDATE
    root_end = now + _ROOT_LIFETIME
    leaf_end = now + _LEAF_LIFETIME
    server_names = _subject_alt_names(hosts)
    server_subject = _name(hosts[0], organization)
    wildcard, _ = _wildcard(hosts)

    def root(common_name: str, org: str, key: _PrivateKey) -> _Issued:
        return _sign(
            subject=_name(common_name, org),
            key=key,
            issuer=None,
            not_before=start,
            not_after=root_end,
            ca=True,
            key_usage=_CA_USAGE,
        )

    def server(
        issuer: _Issued,
        *,
        subject: x509.Name = server_subject,
        alt_names: x509.SubjectAlternativeName = server_names,
        not_before: dt.datetime = start,
        not_after: dt.datetime = leaf_end,
    ) -> _Issued:
        return _sign(
            subject=subject,
            key=_ec_key(),
            issuer=issuer,
            not_before=not_before,
            not_after=not_after,
            ca=False,
            key_usage=_SIGNING_USAGE,
            alt_names=alt_names,
        )

    pki: dict[str, _Issued] = {}
    pki["csms_root"] = root("Test CSMS Root CA", organization, _ec_key())
    pki["csms_rsa_root"] = root("Test CSMS RSA Root CA", organization, _rsa_key())
    pki["csms_intermediate"] = _sign(
        subject=_name("Test CSMS Intermediate CA", organization),
        key=_ec_key(),
        issuer=pki["csms_root"],
        not_before=start,
        not_after=root_end,
        ca=True,
        path_length=0,
        key_usage=_CA_USAGE,
    )
    pki["server"] = server(pki["csms_root"])
    pki["rsa_server"] = _sign(
        subject=server_subject,
        key=_rsa_key(),
        issuer=pki["csms_rsa_root"],
        not_before=start,
        not_after=leaf_end,
        ca=False,
        key_usage=_RSA_SERVER_USAGE,
        alt_names=server_names,
    )
    pki["intermediate_server"] = server(pki["csms_intermediate"])
    # A00.FR.511: CN = the station's serial number, no subjectAltName.
    pki["station"] = _sign(
        subject=_name(serial_number, organization),
        key=_ec_key(),
        issuer=pki["csms_root"],
        not_before=start,
        not_after=leaf_end,
        ca=False,
        key_usage=_SIGNING_USAGE,
    )
    pki["manufacturer_root"] = root("Test Manufacturer Root CA", MANUFACTURER, _ec_key())
    pki["firmware_signing"] = _sign(
        subject=_name("Test Firmware Signing", MANUFACTURER),
        key=_ec_key(),
        issuer=pki["manufacturer_root"],
        not_before=start,
        not_after=leaf_end,
        ca=False,
        key_usage=_SIGNING_USAGE,
    )
    pki["expired_server"] = server(
        pki["csms_root"], not_before=now - dt.timedelta(days=60), not_after=now - _BACKDATE
    )
    pki["not_yet_valid_server"] = server(
        pki["csms_root"], not_before=now + _BACKDATE, not_after=now + dt.timedelta(days=60)
    )
    pki["unknown_root"] = root("Unknown Root CA", "Somebody Else", _ec_key())
    pki["untrusted_server"] = server(pki["unknown_root"])
    pki["wrong_host_server"] = server(
        pki["csms_root"],
        subject=_name(WRONG_HOST, organization),
        alt_names=_subject_alt_names([WRONG_HOST]),
    )
    pki["wildcard_server"] = server(
        pki["csms_root"],
        subject=_name(wildcard, organization),
        alt_names=_subject_alt_names([wildcard]),
    )
    return pki


# -- writing files ----------------------------------------------------------------------------


def _pem(certificates: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` so that the file never exists with wider permissions than ``mode``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), mode)  # O_CREAT leaves an existing file's mode alone
        file.write(data)


def _save(directory: Path, field_name: str, issued: _Issued) -> IssuedCertificate:
    name = field_name.replace("_", "-")
    cert = directory / f"{name}.pem"
    key = directory / f"{name}.key"
    _write(cert, _pem([issued.certificate]), 0o644)
    key_pem = issued.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(key, key_pem, 0o600)
    chain = cert
    if issued.intermediates:
        chain = directory / f"{name}-chain.pem"
        _write(chain, _pem([issued.certificate, *issued.intermediates]), 0o644)
    return IssuedCertificate(
        name=name,
        cert=cert,
        key=key,
        chain=chain,
        certificate=issued.certificate,
        private_key=issued.private_key,
    )


def make_test_pki(
    directory: Path,
    *,
    serial_number: str = DEFAULT_SERIAL_NUMBER,
    organization: str = DEFAULT_ORGANIZATION,
    hosts: Sequence[str] = DEFAULT_HOSTS,
    now: dt.datetime | None = None,
) -> TestPki:
    """Write a complete test PKI into ``directory`` (created if missing) and describe it.

    ``hosts`` are the DNS names and IP addresses the valid server certificates are issued
    for; the first is their commonName. ``now`` anchors the validity windows (default: the
    time of the first call in this process — keys and certificates are generated once per
    distinct set of arguments and only rewritten to new directories afterwards).
    """
    hosts = tuple(hosts)
    if not hosts:
        raise ValueError("make_test_pki: hosts must name at least one host")
    if now is not None and now.tzinfo is None:
        raise ValueError(f"make_test_pki: now={now!r} must be timezone-aware")
    directory.mkdir(parents=True, exist_ok=True)
    built = _build(serial_number, organization, hosts, now)
    saved = {field: _save(directory, field, issued) for field, issued in built.items()}
    return TestPki(
        directory=directory,
        serial_number=serial_number,
        organization=organization,
        hosts=hosts,
        wildcard_host=_wildcard(hosts)[1],
        **saved,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write a test PKI and list its files."""
    parser = argparse.ArgumentParser(
        prog="testpki", description="Write a test PKI for OCPP security profiles 2 and 3."
    )
    parser.add_argument("outdir", type=Path, help="directory to write the PEM files into")
    parser.add_argument(
        "--host",
        action="append",
        dest="hosts",
        metavar="NAME",
        help="DNS name or IP address of the CSMS (repeatable; default: localhost 127.0.0.1)",
    )
    parser.add_argument("--serial-number", default=DEFAULT_SERIAL_NUMBER)
    parser.add_argument("--organization", default=DEFAULT_ORGANIZATION)
    args = parser.parse_args(argv)
    pki = make_test_pki(
        args.outdir,
        serial_number=args.serial_number,
        organization=args.organization,
        hosts=args.hosts or DEFAULT_HOSTS,
    )
    for item in pki.issued():
        certificate = item.certificate
        print(
            f"{item.name:22} CN={item.common_name!r} "
            f"valid {certificate.not_valid_before_utc:%Y-%m-%d}"
            f"..{certificate.not_valid_after_utc:%Y-%m-%d}  {item.cert.name}"
            + (f" (+ {item.chain.name})" if item.chain != item.cert else "")
        )
    print(f"wildcard host: {pki.wildcard_host}")
    print(f"{len(pki.files())} files in {pki.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
