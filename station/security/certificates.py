"""The station's certificate store: trust anchors, its own client certificate and key.

Layout inside ``<data_dir>/certificates`` (directories 0700, files 0600)::

    CSMSRootCertificate/<sha256 of DER>.pem      trust anchors, one file per certificate,
    ManufacturerRootCertificate/<...>.pem        per InstallCertificateUseEnumType
    V2GRootCertificate/<...>.pem                 (stored and reported; ISO 15118 is not
    MORootCertificate/<...>.pem                   implemented)
    station/chain.pem                            ChargingStationCertificate + intermediates
    station/key.pem                              its private key
    station/new-chain.pem, station/new-key.pem   a renewed pair on trial (A02.FR.28): used
                                                 for the connection until it has connected
                                                 once (then it replaces chain/key.pem) or
                                                 failed on every profile (then discarded)
    station/pending-key.pem                      key of the CSR waiting for CertificateSigned
    csms-roots.pem                               the CSMS roots as one bundle, for TLS

On the first start the files named in the configuration (``ca_file``, ``cert_file``,
``key_file``) are imported; from then on OCPP owns the store (a CSMS that deletes the last
CSMS root, AQ-1, does not get it back from the config file at the next start).

Certificate hash data (M03/M04, Part 2 CertificateHashDataType) is computed as OCSP's
CertID: the hash of the DER of the certificate's issuer Name, the hash of the issuer's
public key (the subjectPublicKey BIT STRING contents), and the serial in lower-case hex
without leading zeros. The hashes are hex. For a root the issuer is the certificate
itself; for a stored certificate whose issuer is not stored, the certificate's own key
stands in (it is the anchor the station trusts).

Every file is written atomically: a temporary file, fsync, rename, fsync of the directory,
so a power cut leaves the old file or the new one, never a torn one. A pair (certificate
and key) is two files, so the order of writes is chosen to make every intermediate state
recognisable at the next start (see ``_load_station_pair``): the key is written before the
certificate; a renewed pair is promoted certificate-last and discarded certificate-first.

Private keys never leave this module except as a file path handed to OpenSSL; no key
material is ever logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from station.security.lazy import LazyModule

if TYPE_CHECKING:
    from cryptography import exceptions, x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        PrivateKeyTypes,
    )
    from cryptography.x509 import oid

    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        CertificateHashDataChainType,
        CertificateHashDataType,
        DeleteCertificateStatusEnumType,
        GetCertificateIdUseEnumType,
        InstallCertificateStatusEnumType,
        InstallCertificateUseEnumType,
    )
else:
    # Imported on first use (a certificate parsed, a key or CSR made): a boot with
    # security profile 1 or 2 and nothing to install never loads cryptography.
    x509 = LazyModule("cryptography.x509")
    exceptions = LazyModule("cryptography.exceptions")
    hashes = LazyModule("cryptography.hazmat.primitives.hashes")
    serialization = LazyModule("cryptography.hazmat.primitives.serialization")
    ec = LazyModule("cryptography.hazmat.primitives.asymmetric.ec")
    rsa = LazyModule("cryptography.hazmat.primitives.asymmetric.rsa")
    oid = LazyModule("cryptography.x509.oid")

from station.ocpp.messages import HashAlgorithmEnumType
from station.ocpp.tls import TlsConfigError, cached_client_context, transfer_context
from station.offload import Offload

log = logging.getLogger(__name__)

#: The values of InstallCertificateUseEnumType, spelt out so that a boot does not build the
#: certificate messages' models (tests/test_lazy_messages.py compares them).
ROOT_TYPES = (
    "V2GRootCertificate",
    "MORootCertificate",
    "CSMSRootCertificate",
    "ManufacturerRootCertificate",
)
PINNED_REASON = (
    "the operator pinned the ManufacturerRootCertificate ([security] pin_manufacturer_root)"
)
CSMS_ROOT = "CSMSRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
_SEEDED = ".seeded"
_HASHES = {
    HashAlgorithmEnumType.SHA256: hashlib.sha256,
    HashAlgorithmEnumType.SHA384: hashlib.sha384,
    HashAlgorithmEnumType.SHA512: hashlib.sha512,
}
#: The key types a CSR can be made for (A00.FR.507: RSA ≥ 2048, EC ≥ 224).
KEY_TYPES = ("ec-p256", "rsa-2048")


class CertificateError(Exception):
    """A certificate (chain) that cannot be used; the message says why."""


@dataclass(frozen=True)
class Installed:
    """One stored trust anchor."""

    use: str
    certificate: x509.Certificate
    path: Path


# -- pure helpers ---------------------------------------------------------------------------


def parse_pem_chain(pem: str | bytes) -> list[x509.Certificate]:
    """All certificates of a PEM text, in order; `CertificateError` if there are none."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(f"not a PEM certificate ({exc})") from None
    if not certificates:
        raise CertificateError("no certificate in the PEM text")
    return certificates


def check_validity(certificate: x509.Certificate, now: datetime) -> None:
    """`CertificateError` unless ``now`` lies within the certificate's validity."""
    if now < certificate.not_valid_before_utc:
        raise CertificateError(
            f"not valid before {certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}"
        )
    if now > certificate.not_valid_after_utc:
        raise CertificateError(f"expired {certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}")


def is_ca(certificate: x509.Certificate) -> bool | None:
    """The basicConstraints CA flag (None when the extension is absent)."""
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return None


def key_usage(certificate: x509.Certificate) -> x509.KeyUsage | None:
    """The keyUsage extension (None when absent)."""
    try:
        return certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def extended_key_usage(certificate: x509.Certificate) -> list[x509.ObjectIdentifier] | None:
    """The extendedKeyUsage purposes (None when the extension is absent)."""
    try:
        return list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return None


def check_root(certificate: x509.Certificate) -> None:
    """`CertificateError` unless ``certificate`` can be a trust anchor (M05.FR.07): a CA
    (basicConstraints CA=true: a certificate that does not say it is a CA must not be
    trusted to issue others, RFC 5280 §4.2.1.9), self-signed (a root; an intermediate
    installed as an anchor would make the station trust whatever its issuer revokes it
    for), and, when it has a keyUsage, allowed to sign certificates."""
    if is_ca(certificate) is not True:
        raise CertificateError(
            "not a certificate authority (basicConstraints CA=true is missing); "
            "only root CA certificates can be installed"
        )
    if not issued_by(certificate, certificate):
        raise CertificateError(
            f"not self-signed (issuer {certificate.issuer.rfc4514_string()!r}); "
            "only root CA certificates can be installed"
        )
    usage = key_usage(certificate)
    if usage is not None and not usage.key_cert_sign:
        raise CertificateError("keyUsage does not allow signing certificates (keyCertSign)")


#: RFC 5280 names of the extended key usages a CSMS's CA is likely to set, by OID (dotted
#: strings, so that importing this module does not import cryptography).
_PURPOSE_NAMES = {
    "1.3.6.1.5.5.7.3.1": "serverAuth",
    "1.3.6.1.5.5.7.3.2": "clientAuth",
    "1.3.6.1.5.5.7.3.3": "codeSigning",
    "1.3.6.1.5.5.7.3.4": "emailProtection",
    "1.3.6.1.5.5.7.3.8": "timeStamping",
    "1.3.6.1.5.5.7.3.9": "OCSPSigning",
    "2.5.29.37.0": "anyExtendedKeyUsage",
}


def check_station_certificate(
    certificate: x509.Certificate, *, serial_number: str, organization: str | None
) -> None:
    """`CertificateError` unless ``certificate`` has the properties of a
    ChargingStationCertificate (A02.FR.06 "Certificate Properties", A00.FR.509-514):

    * exactly one subject CN, equal to the station's serial number (A00.FR.511: this is
      what the CSMS matches against the BootNotification, A00.FR.405);
    * subject O equal to SecurityCtrlr.OrganizationName when that is set (A00.FR.509;
      the CSMS checks it, A00.FR.404);
    * not a CA; a keyUsage, if present, with digitalSignature (the TLS client signs the
      handshake) and without keyCertSign/cRLSign;
    * an extendedKeyUsage, if present (A00.FR.514 recommends none), with clientAuth: the
      certificate is presented as a TLS client certificate (A00.FR.402).
    """
    names = certificate.subject.get_attributes_for_oid(oid.NameOID.COMMON_NAME)
    if len(names) != 1:
        raise CertificateError(f"subject has {len(names)} commonNames, needs exactly one")
    common_name = str(names[0].value)
    if common_name != serial_number:
        raise CertificateError(
            f"subject CN {common_name!r} is not the station's serial number "
            f"{serial_number!r} (A00.FR.511)"
        )
    if organization:
        orgs = [
            str(a.value)
            for a in certificate.subject.get_attributes_for_oid(oid.NameOID.ORGANIZATION_NAME)
        ]
        if orgs != [organization]:
            raise CertificateError(
                f"subject O {', '.join(orgs) or '(none)'!s} is not SecurityCtrlr.OrganizationName "
                f"{organization!r} (A00.FR.509)"
            )
    if is_ca(certificate) is True:
        raise CertificateError("the certificate is a certificate authority")
    usage = key_usage(certificate)
    if usage is not None:
        if not usage.digital_signature:
            raise CertificateError("keyUsage lacks digitalSignature, needed for TLS client auth")
        if usage.key_cert_sign or usage.crl_sign:
            raise CertificateError("keyUsage allows signing certificates or CRLs")
    purposes = extended_key_usage(certificate)
    if purposes is not None and oid.ExtendedKeyUsageOID.CLIENT_AUTH not in purposes:
        shown = ", ".join(_PURPOSE_NAMES.get(p.dotted_string, p.dotted_string) for p in purposes)
        raise CertificateError(
            f"extendedKeyUsage ({shown or 'empty'}) does not allow TLS client authentication "
            "(clientAuth)"
        )


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s name and key issued ``certificate``."""
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (exceptions.InvalidSignature, ValueError, TypeError):
        return False
    return True


def _subject_public_key_bits(certificate: x509.Certificate) -> bytes:
    """The contents of the subjectPublicKey BIT STRING (without the unused-bits byte)."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
    #                                     subjectPublicKey BIT STRING }
    offset = _header_length(spki, 0)  # into the outer SEQUENCE
    offset += _tlv_length(spki, offset)  # skip AlgorithmIdentifier
    if spki[offset] != 0x03:
        raise CertificateError("SubjectPublicKeyInfo without a BIT STRING")
    start = offset + _header_length(spki, offset)
    end = offset + _tlv_length(spki, offset)
    return spki[start + 1 : end]


def _header_length(der: bytes, offset: int) -> int:
    first = der[offset + 1]
    return 2 if first < 0x80 else 2 + (first & 0x7F)


def _tlv_length(der: bytes, offset: int) -> int:
    first = der[offset + 1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    length = int.from_bytes(der[offset + 2 : offset + 2 + count], "big")
    return 2 + count + length


def hash_data(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    algorithm: HashAlgorithmEnumType = HashAlgorithmEnumType.SHA256,
) -> CertificateHashDataType:
    """CertificateHashDataType of ``certificate`` issued by ``issuer`` (§ module doc)."""
    from station.ocpp.messages import CertificateHashDataType

    digest = _HASHES[algorithm]
    return CertificateHashDataType(
        hash_algorithm=algorithm,
        issuer_name_hash=digest(certificate.issuer.public_bytes()).hexdigest(),
        issuer_key_hash=digest(_subject_public_key_bits(issuer)).hexdigest(),
        serial_number=format(certificate.serial_number, "x"),
    )


def same_hash_data(a: CertificateHashDataType, b: CertificateHashDataType) -> bool:
    """Equal hash data; hashes and serials compare case-insensitively (errata 2023),
    serials also without leading zeros."""
    return (
        a.hash_algorithm == b.hash_algorithm
        and a.issuer_name_hash.lower() == b.issuer_name_hash.lower()
        and a.issuer_key_hash.lower() == b.issuer_key_hash.lower()
        and a.serial_number.lower().lstrip("0") == b.serial_number.lower().lstrip("0")
    )


def build_chain(
    leaf: x509.Certificate,
    intermediates: Iterable[x509.Certificate],
    anchors: Iterable[x509.Certificate],
    now: datetime,
    *,
    max_depth: int = 8,
) -> list[x509.Certificate]:
    """Verify that ``leaf`` chains to one of ``anchors`` through ``intermediates``.

    Every certificate on the path must be valid at ``now``; every issuer must be a CA (or
    say nothing, for anchors). Returns the path from the leaf to the anchor; raises
    `CertificateError` naming the first problem.
    """
    anchors = list(anchors)
    intermediates = list(intermediates)
    if not anchors:
        raise CertificateError("no CSMSRootCertificate is installed to verify the chain")
    check_validity(leaf, now)
    path = [leaf]
    current = leaf
    for _ in range(max_depth):
        for anchor in anchors:
            if issued_by(current, anchor):
                check_validity(anchor, now)
                return [*path, anchor]
        for candidate in intermediates:
            if candidate not in path and issued_by(current, candidate):
                check_validity(candidate, now)
                if is_ca(candidate) is not True:
                    raise CertificateError(
                        f"intermediate {_cn(candidate)!r} is not a certificate authority"
                    )
                path.append(candidate)
                current = candidate
                break
        else:
            raise CertificateError(
                f"{_cn(current)!r} (issuer {current.issuer.rfc4514_string()!r}) does not "
                "chain to an installed CSMSRootCertificate"
            )
    raise CertificateError(f"chain longer than {max_depth} certificates")


def _cn(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(oid.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def new_private_key(key_type: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    """A fresh key pair for a CSR (blocking for RSA: run it off the event loop)."""
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"key type {key_type!r} is not one of {', '.join(KEY_TYPES)}")


def build_csr(
    key: CertificateIssuerPrivateKeyTypes, *, common_name: str, organization: str | None
) -> str:
    """A PKCS#10 CSR in PEM: CN = the serial number, O = OrganizationName (A00.FR.501)."""
    attributes = [x509.NameAttribute(oid.NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(oid.NameOID.ORGANIZATION_NAME, organization))
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name(attributes))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600: a temporary file, fsync,
    rename, fsync of the directory (the rename itself is durable only then)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _rename_durably(source: Path, target: Path) -> None:
    os.replace(source, target)
    _fsync_directory(target.parent)


def _unlink_durably(path: Path) -> None:
    path.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pem(certificates: Iterable[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _key_pem(key: PrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


# -- the store ------------------------------------------------------------------------------


class CertificateStore:
    """Trust anchors and the station certificate, on disk, with OCPP's M03–M05 and A02
    operations. Reads are synchronous from memory; writes go through the offload."""

    def __init__(
        self,
        directory: Path,
        offload: Offload,
        now: Callable[[], datetime],
        *,
        capacity: int = 50,
        manufacturer_root_pinned: bool = False,
    ) -> None:
        self.directory = directory
        self._offload = offload
        self._now = now
        self.capacity = capacity
        #: The operator's ``[security] pin_manufacturer_root``: InstallCertificate of a
        #: ManufacturerRootCertificate is refused, so the CSMS cannot choose who signs
        #: the firmware this station runs.
        self.manufacturer_root_pinned = manufacturer_root_pinned
        self._roots: list[Installed] = []
        self._station_chain: list[x509.Certificate] = []
        #: A renewed pair on trial (A02.FR.28): certificate chain, or empty.
        self._trial_chain: list[x509.Certificate] = []
        self._pending_key: PrivateKeyTypes | None = None
        #: Problems met while loading (unreadable files), for the security log.
        self.problems: list[str] = []
        #: Whether file transfers are in use (`prepare_transfers`): only then is their
        #: TLS context kept built for the current roots.
        self._transfers = False

    # -- paths ------------------------------------------------------------------------

    @property
    def bundle_path(self) -> Path:
        """The CSMS roots as one PEM file (what the TLS context loads)."""
        return self.directory / "csms-roots.pem"

    @property
    def chain_path(self) -> Path:
        """The station certificate followed by its intermediates."""
        return self.directory / "station" / "chain.pem"

    @property
    def key_path(self) -> Path:
        """The station certificate's private key (0600)."""
        return self.directory / "station" / "key.pem"

    @property
    def trial_chain_path(self) -> Path:
        """A renewed certificate on trial (until it has connected once)."""
        return self.directory / "station" / "new-chain.pem"

    @property
    def trial_key_path(self) -> Path:
        """The key of the certificate on trial."""
        return self.directory / "station" / "new-key.pem"

    @property
    def _pending_path(self) -> Path:
        return self.directory / "station" / "pending-key.pem"

    def client_files(self) -> tuple[Path, Path]:
        """The certificate chain and key to present in TLS (security profile 3): the
        renewed pair while it is on trial, else the established one (A02.FR.08/28)."""
        if self._trial_chain:
            return self.trial_chain_path, self.trial_key_path
        return self.chain_path, self.key_path

    @property
    def on_trial(self) -> x509.Certificate | None:
        """The renewed certificate not yet confirmed by a connection, if any."""
        return self._trial_chain[0] if self._trial_chain else None

    # -- loading ----------------------------------------------------------------------

    async def load(
        self,
        *,
        csms_root: Path | None = None,
        certificate: Path | None = None,
        key: Path | None = None,
    ) -> None:
        """Read the store; on the very first start import the configured files."""
        await self._offload.run(lambda: self._load(csms_root, certificate, key))

    async def import_configured(
        self,
        *,
        csms_root: Path | None = None,
        certificate: Path | None = None,
        key: Path | None = None,
    ) -> None:
        """Import the configured files again, as on a first start (``station run
        --reseed``): the roots are added, the station certificate and key replaced."""

        def work() -> None:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._seed(csms_root, certificate, key)

        await self._offload.run(work)

    def _load(self, csms_root: Path | None, certificate: Path | None, key: Path | None) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not (self.directory / _SEEDED).exists():
            self._seed(csms_root, certificate, key)
        self._roots = []
        for use in ROOT_TYPES:
            folder = self.directory / use
            for path in sorted(folder.glob("*.pem")) if folder.is_dir() else ():
                try:
                    for each in parse_pem_chain(path.read_bytes()):
                        self._roots.append(Installed(use, each, path))
                except (OSError, CertificateError) as exc:
                    self._problem(f"unreadable {use} file {path.name}: {exc}")
        self._load_station_pair()
        self._pending_key = None
        if self._pending_path.exists():
            try:
                self._pending_key = self._read_key(self._pending_path)
            except (OSError, ValueError) as exc:
                self._problem(f"pending CSR key unreadable: {exc}")
        self._write_bundle()
        self._prepare_tls()

    async def prepare_transfers(self) -> None:
        """File transfers are about to be used: build their TLS context (the system's
        trust store and the CSMS roots) in the worker thread, and keep it built for the
        roots installed later. Not done at boot: the trust store costs about 2 MiB of
        memory and 20-40 ms, and most boots transfer nothing (the features that do load
        on first use, `station.ocpp.ondemand`)."""
        self._transfers = True
        await self._offload.run(self._prepare_tls)

    def _prepare_tls(self) -> None:
        """Build the TLS contexts of the current files here, in the worker thread, so that
        connecting and transferring find them built (`station.ocpp.tls` caches them by
        file version; building one on the event loop would stall it for milliseconds)."""
        try:
            if self._transfers:
                transfer_context(self.bundle_path)
            if not self.roots(CSMS_ROOT):
                return
            cached_client_context(ca_files=[self.bundle_path], cert_file=None, key_file=None)
            if self.station_certificate is not None:
                chain, key = self.client_files()
                cached_client_context(ca_files=[self.bundle_path], cert_file=chain, key_file=key)
        except (TlsConfigError, ssl.SSLError, OSError) as exc:
            # The connection attempt builds it again and reports the problem.
            log.warning("event=tls_context_not_prepared reason=%r", str(exc))

    def _read_pair(self, chain_path: Path, key_path: Path) -> list[x509.Certificate]:
        chain = parse_pem_chain(chain_path.read_bytes())
        stored_key = self._read_key(key_path)
        if chain[0].public_key() != stored_key.public_key():
            raise CertificateError("the stored key does not belong to the certificate")
        return chain

    def _load_station_pair(self) -> None:
        """Read the station pair and a renewed pair on trial, finishing or undoing what a
        power cut interrupted (the write orders are in the module documentation):

        * new-chain.pem and new-key.pem: a pair on trial, still on trial;
        * new-chain.pem alone: a promotion was cut after the key moved; finish it;
        * new-key.pem alone: a trial pair half written or half discarded; remove it.
        """
        trial_chain, trial_key = self.trial_chain_path, self.trial_key_path
        self._trial_chain = []
        if trial_chain.exists() and not trial_key.exists():
            try:
                self._read_pair(trial_chain, self.key_path)
                _rename_durably(trial_chain, self.chain_path)
                log.warning("event=station_certificate_promotion_completed")
            except (OSError, CertificateError, ValueError) as exc:
                self._problem(f"renewed station certificate without its key: {exc}")
                _unlink_durably(trial_chain)
        elif trial_key.exists() and not trial_chain.exists():
            _unlink_durably(trial_key)
        elif trial_chain.exists():
            try:
                self._trial_chain = self._read_pair(trial_chain, trial_key)
            except (OSError, CertificateError, ValueError) as exc:
                self._problem(f"renewed station certificate unusable, discarded: {exc}")
                _unlink_durably(trial_chain)
                _unlink_durably(trial_key)
        self._station_chain = []
        if self.chain_path.exists():
            try:
                self._station_chain = self._read_pair(self.chain_path, self.key_path)
            except (OSError, CertificateError, ValueError) as exc:
                self._problem(f"station certificate unusable: {exc}")

    def _problem(self, text: str) -> None:
        log.error("event=certificate_store_problem detail=%r", text)
        self.problems.append(text)

    def _seed(self, csms_root: Path | None, certificate: Path | None, key: Path | None) -> None:
        """Import the configured files; a file that cannot be imported is a problem (the
        station starts anyway and says why it cannot connect) and is retried next start."""
        complete = True
        if csms_root is not None:
            try:
                for each in parse_pem_chain(csms_root.read_bytes()):
                    self._write_root(CSMS_ROOT, each)
            except (OSError, CertificateError) as exc:
                self._problem(f"ca_file {csms_root}: {getattr(exc, 'strerror', None) or exc}")
                complete = False
        if certificate is not None:
            try:
                chain = parse_pem_chain(certificate.read_bytes())
                private = self._read_key(key if key is not None else certificate)
                if chain[0].public_key() != private.public_key():
                    raise CertificateError("the key does not belong to the certificate")
                _write_private(self.key_path, _key_pem(private))
                _write_private(self.chain_path, _pem(chain))
            except (OSError, ValueError, CertificateError) as exc:
                self._problem(
                    f"cert_file {certificate} / key_file {key}: "
                    f"{getattr(exc, 'strerror', None) or exc}"
                )
                complete = False
        if complete:
            _write_private(self.directory / _SEEDED, b"imported from the configuration file\n")

    @property
    def now(self) -> Callable[[], datetime]:
        """The wall clock the store judges validity with."""
        return self._now

    @staticmethod
    def _read_key(path: Path) -> PrivateKeyTypes:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)

    def _write_root(self, use: str, certificate: x509.Certificate) -> Path:
        der = certificate.public_bytes(serialization.Encoding.DER)
        path = self.directory / use / f"{hashlib.sha256(der).hexdigest()}.pem"
        _write_private(path, _pem([certificate]))
        return path

    def _write_bundle(self) -> None:
        roots = [r.certificate for r in self._roots if r.use == CSMS_ROOT]
        if roots:
            _write_private(self.bundle_path, _pem(roots))
        else:
            self.bundle_path.unlink(missing_ok=True)

    # -- reading ----------------------------------------------------------------------

    def roots(self, use: str) -> list[x509.Certificate]:
        """The stored trust anchors of one InstallCertificateUseEnumType value."""
        return [r.certificate for r in self._roots if r.use == use]

    def count(self) -> int:
        """Installed certificates (trust anchors and the station certificate):
        SecurityCtrlr.CertificateEntries."""
        return len(self._roots) + (1 if self._station_chain or self._trial_chain else 0)

    @property
    def station_certificate(self) -> x509.Certificate | None:
        """The ChargingStationCertificate in use: the renewed one while it is on trial."""
        chain = self._trial_chain or self._station_chain
        return chain[0] if chain else None

    def has_valid_csms_root(self) -> bool:
        """A05.FR.02: a CSMS root that is valid now is installed."""
        return any(self._valid(c) for c in self.roots(CSMS_ROOT))

    def has_valid_station_certificate(self) -> bool:
        """A05.FR.03: a station certificate that is valid now is installed."""
        certificate = self.station_certificate
        return certificate is not None and self._valid(certificate)

    def _valid(self, certificate: x509.Certificate) -> bool:
        try:
            check_validity(certificate, self._now())
        except CertificateError:
            return False
        return True

    def _issuer_of(self, certificate: x509.Certificate) -> x509.Certificate:
        if issued_by(certificate, certificate):
            return certificate
        for other in self._roots:
            if issued_by(certificate, other.certificate):
                return other.certificate
        return certificate

    def installed_ids(
        self, uses: Iterable[GetCertificateIdUseEnumType] | None
    ) -> list[CertificateHashDataChainType]:
        """M03: hash data of the stored certificates of the requested types (all if None).
        The station's own certificates are not reported (they are not root certificates)."""
        from station.ocpp.messages import CertificateHashDataChainType, GetCertificateIdUseEnumType

        wanted = {u.value for u in uses} if uses else set(ROOT_TYPES)
        return [
            CertificateHashDataChainType(
                certificate_type=GetCertificateIdUseEnumType(r.use),
                certificate_hash_data=hash_data(r.certificate, self._issuer_of(r.certificate)),
            )
            for r in self._roots
            if r.use in wanted
        ]

    # -- M05, M04 ---------------------------------------------------------------------

    async def install(
        self, use: InstallCertificateUseEnumType, pem: str
    ) -> tuple[InstallCertificateStatusEnumType, str | None]:
        """M05: store a trust anchor. Returns the status and, unless Accepted, why.

        Rejected (M05.FR.07) for what cannot be an anchor: not PEM, more than one
        certificate, outside its validity, not a self-signed CA (`check_root`); for a
        ManufacturerRootCertificate while the operator pinned it; and when the store is
        full (M05.FR.06). Failed (M05.FR.03) when a valid certificate cannot be written.
        """
        from station.ocpp.messages import (
            InstallCertificateStatusEnumType,
            InstallCertificateUseEnumType,
        )

        Status = InstallCertificateStatusEnumType
        if use is InstallCertificateUseEnumType.ManufacturerRootCertificate and (
            self.manufacturer_root_pinned
        ):
            return Status.Rejected, PINNED_REASON
        try:
            certificates = parse_pem_chain(pem)
            if len(certificates) > 1:
                # One anchor per request; a bundle would install intermediates as roots.
                raise CertificateError(
                    f"{len(certificates)} certificates given; install one root at a time"
                )
            certificate = certificates[0]
            check_validity(certificate, self._now())
            check_root(certificate)
        except CertificateError as exc:
            return Status.Rejected, str(exc)
        replacing = any(r.use == use.value and r.certificate == certificate for r in self._roots)
        if not replacing and self.count() >= self.capacity:
            return Status.Rejected, f"the store is full (CertificateEntries {self.capacity})"
        try:
            path = await self._offload.run(lambda: self._write_root(use.value, certificate))
        except OSError as exc:
            return Status.Failed, f"cannot write the certificate: {exc.strerror}"
        self._roots = [
            r for r in self._roots if not (r.use == use.value and r.certificate == certificate)
        ]
        self._roots.append(Installed(use.value, certificate, path))
        await self._offload.run(self._write_bundle)
        await self._offload.run(self._prepare_tls)
        log.info(
            "event=certificate_installed use=%s subject=%r serial=%x",
            use.value,
            certificate.subject.rfc4514_string(),
            certificate.serial_number,
        )
        return Status.Accepted, None

    async def delete(self, wanted: CertificateHashDataType) -> DeleteCertificateStatusEnumType:
        """M04: delete the trust anchor with this hash data. The station's own certificate
        is never deleted (Failed, M04.FR.06); unknown hash data is NotFound."""
        from station.ocpp.messages import DeleteCertificateStatusEnumType

        Status = DeleteCertificateStatusEnumType
        algorithm = wanted.hash_algorithm
        for certificate in [*self._station_chain[:1], *self._trial_chain[:1]]:
            if same_hash_data(
                wanted, hash_data(certificate, self._issuer_of(certificate), algorithm)
            ):
                return Status.Failed
        matches = [
            r
            for r in self._roots
            if same_hash_data(
                wanted, hash_data(r.certificate, self._issuer_of(r.certificate), algorithm)
            )
        ]
        if not matches:
            return Status.NotFound

        def remove() -> None:
            for match in matches:
                others = [r for r in self._roots if r.path == match.path and r is not match]
                if others:  # a multi-certificate file: keep the rest
                    _write_private(match.path, _pem(r.certificate for r in others))
                else:
                    match.path.unlink(missing_ok=True)

        try:
            await self._offload.run(remove)
        except OSError:
            return Status.Failed
        self._roots = [r for r in self._roots if r not in matches]
        await self._offload.run(self._write_bundle)
        await self._offload.run(self._prepare_tls)
        for match in matches:
            log.info(
                "event=certificate_deleted use=%s serial=%x",
                match.use,
                match.certificate.serial_number,
            )
        return Status.Accepted

    # -- A02/A03: CSR and CertificateSigned ---------------------------------------------

    async def new_csr(self, *, key_type: str, common_name: str, organization: str | None) -> str:
        """Generate a key pair (kept as the pending key, 0600) and return its CSR."""

        def make() -> tuple[ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, str]:
            key = new_private_key(key_type)
            _write_private(self._pending_path, _key_pem(key))
            return key, build_csr(key, common_name=common_name, organization=organization)

        key, csr = await self._offload.run(make)
        self._pending_key = key
        return csr

    @property
    def has_pending_key(self) -> bool:
        """A CSR was sent and its certificate has not arrived yet."""
        return self._pending_key is not None

    def validate_signed(
        self,
        chain_pem: str,
        *,
        max_size: int | None,
        serial_number: str,
        organization: str | None,
    ) -> list[x509.Certificate]:
        """Check a CertificateSigned chain (A02.FR.06/07, A02.FR.16): size, PEM, a key this
        station generated, the certificate properties (`check_station_certificate`),
        validity now, and a path to an installed CSMS root. `CertificateError` says why
        not."""
        if max_size is not None and len(chain_pem.encode()) > max_size:
            raise CertificateError(
                f"chain of {len(chain_pem.encode())} bytes exceeds MaxCertificateChainSize "
                f"{max_size}"
            )
        chain = parse_pem_chain(chain_pem)
        leaf = chain[0]
        keys = [k.public_key() for k in (self._pending_key,) if k is not None]
        keys += [c[0].public_key() for c in (self._station_chain, self._trial_chain) if c]
        if not any(leaf.public_key() == k for k in keys):
            raise CertificateError("the certificate is not for a key this station generated")
        check_station_certificate(leaf, serial_number=serial_number, organization=organization)
        build_chain(leaf, chain[1:], self.roots(CSMS_ROOT), self._now())
        return chain

    async def install_signed(self, chain: list[x509.Certificate], *, trial: bool) -> None:
        """Store a validated chain with its key.

        ``trial``: the certificate is presented at the next connection while the old pair
        stays on disk (A02.FR.28); `confirm_trial` or `discard_trial` ends the trial.
        Otherwise (the connection does not use a client certificate, so there is nothing
        to try) it replaces the station pair at once.
        """
        leaf_key = chain[0].public_key()
        pending = self._pending_key
        # The key of our CSR, if the certificate is for it (else it renews the current key).
        if pending is not None and pending.public_key() == leaf_key:
            new_key: PrivateKeyTypes | None = pending
        else:
            new_key = None

        def write() -> None:
            key = new_key
            if key is None:  # a renewal of a key already in use
                for path in (self.trial_key_path, self.key_path):
                    if path.exists() and self._read_key(path).public_key() == leaf_key:
                        key = self._read_key(path)
                        break
                else:
                    raise CertificateError("the key of the certificate is no longer stored")
            # Key before certificate: a cut in between leaves new-key.pem alone, which the
            # next start removes.
            _write_private(self.trial_key_path, _key_pem(key))
            _write_private(self.trial_chain_path, _pem(chain))
            if not trial:
                self._promote_files()
            if new_key is not None:
                _unlink_durably(self._pending_path)

        await self._offload.run(write)
        if new_key is not None:
            self._pending_key = None
        if trial:
            self._trial_chain = list(chain)
        else:
            self._trial_chain = []
            self._station_chain = list(chain)
        await self._offload.run(self._prepare_tls)
        log.info(
            "event=station_certificate_installed serial=%x not_after=%s trial=%s",
            chain[0].serial_number,
            chain[0].not_valid_after_utc.isoformat(),
            trial,
        )

    def _promote_files(self) -> None:
        # Key first, certificate last: new-chain.pem left alone after a cut means "finish
        # the promotion" at the next start.
        _rename_durably(self.trial_key_path, self.key_path)
        _rename_durably(self.trial_chain_path, self.chain_path)

    def _discard_trial_files(self) -> None:
        # Certificate first: a cut in between leaves new-key.pem alone (removed at start).
        _unlink_durably(self.trial_chain_path)
        _unlink_durably(self.trial_key_path)

    async def confirm_trial(self) -> bool:
        """The pair on trial connected: it becomes the station pair and the old one is
        discarded (A02.FR.10). Returns whether there was a trial."""
        chain = self._trial_chain
        if not chain:
            return False

        await self._offload.run(self._promote_files)
        self._station_chain, self._trial_chain = chain, []
        await self._offload.run(self._prepare_tls)
        log.info("event=station_certificate_confirmed serial=%x", chain[0].serial_number)
        return True

    async def discard_trial(self) -> x509.Certificate | None:
        """The pair on trial never connected: delete it and go back to the old pair
        (A02.FR.28/29). Returns the discarded certificate, if there was one."""
        if not self._trial_chain:
            return None
        discarded = self._trial_chain[0]
        self._trial_chain = []  # first: no connection attempt picks the files being deleted
        await self._offload.run(self._discard_trial_files)
        await self._offload.run(self._prepare_tls)
        log.warning(
            "event=station_certificate_discarded serial=%x detail='the renewed certificate "
            "did not connect; back to the previous one'",
            discarded.serial_number,
        )
        return discarded
