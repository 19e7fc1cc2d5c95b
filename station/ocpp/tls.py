"""TLS for the OCPP connection to the CSMS (security profiles 2 and 3).

:func:`client_context` builds the one ``ssl.SSLContext`` the station uses: TLS 1.2 or
newer, forward-secret cipher suites only, no compression, the installed CSMS root
certificates as the only trust anchors, and for profile 3 the station's client
certificate. :func:`cached_client_context` and :func:`transfer_context` (for HTTPS file
transfers) keep built contexts keyed by the files they were built from, so that a context
is built once — in a worker thread, when the certificate store changes — and not on the
event loop for every connection or transfer.
:func:`open_tls_stream` connects, runs the handshake, applies the checks OpenSSL does not
do, and returns a ``trio.SSLStream`` ready for ``trio_websocket.wrap_client_stream``.

A failed attempt raises :class:`ConnectFailed` (no TLS conversation happened: refused,
unreachable, reset, timed out) or :class:`TlsRejected` (the TLS handshake or our checks
failed). ``TlsRejected.security_event`` names the OCPP security event to record, when there
is one:

=============================  ====================================================
``InvalidCsmsCertificate``     certificate verification failed: unknown issuer,
                               expired, not yet valid, host mismatch, weak key, or a
                               wildcard name while AllowCSMSTLSWildcards is false
                               (A00.FR.310/413)
``InvalidTLSVersion``          the CSMS only speaks TLS < 1.2 (A00.FR.316/419)
``InvalidTLSCipherSuite``      the CSMS accepts none of our cipher suites, or picked
                               one we do not allow (A00.FR.323/426)
``FailedToAuthenticateAtCsms`` the CSMS rejected or missed our client certificate
``None``                       any other TLS failure (e.g. the server hung up without
                               saying why)
=============================  ====================================================

The classification uses the exception class and OpenSSL's reason code (``SSLError.reason``)
plus one observation OpenSSL does not expose: whether the server answered our ClientHello
with an alert (it refused to negotiate: version or cipher suites) or with handshake
messages (negotiation succeeded and something later failed, e.g. client authentication).
It relies on the server sending TLS alerts, as TLS stacks do; a server that just hangs up
(trio's own ``SSLStream`` does when its handshake fails) yields ``None``.

Cipher suites. For TLS 1.2 the context offers the two suites of A00.FR.319/422 that give
forward secrecy, TLS_ECDHE_ECDSA_WITH_AES_{128,256}_GCM_SHA{256,384} (PICS C-41), and
their RSA-certificate twins TLS_ECDHE_RSA_WITH_AES_{128,256}_GCM_SHA{256,384}, so that a
CSMS with only an RSA certificate still gets an ephemeral key exchange. The static-RSA
suites TLS_RSA_WITH_AES_* of A00.FR.319 are not offered: they have no forward secrecy
(the note to A00.FR.319 recommends ECDHE), and A00.FR.318 obliges every CSMS to offer the
ECDHE-ECDSA pair. TLS 1.3 (RFC 8446) has its own suites, which Python's ``ssl`` module cannot
restrict: the station offers OpenSSL's defaults (AES-256-GCM, CHACHA20-POLY1305,
AES-128-GCM, in that order). All are AEAD with ephemeral key exchange, but BSI TR-02102-2,
whose algorithms A00.FR.504 prescribes, lists only the AES-GCM/CCM ones; so after the
handshake we accept TLS_AES_128_GCM_SHA256 and TLS_AES_256_GCM_SHA384 only and reject a
CSMS that insists on ChaCha20 with ``InvalidTLSCipherSuite``. With the AES suites first in
our offer, only a server configured to prefer or allow nothing but ChaCha20 picks it.

Host name. OpenSSL matches the host against the subjectAltName names (dNSName, iPAddress)
and falls back to the commonName only when there are none (RFC 6125). A00.FR.412 asks the
commonName to match, but A00.FR.511 allows SAN dNSNames for a CSMS reachable by several
names, so a certificate whose SAN matches is accepted whatever its CN.

TLS 1.3 and client certificates. In TLS 1.3 the server checks our certificate after our
side of the handshake is finished, so a CSMS that rejects it is noticed on the first read,
not in :func:`open_tls_stream`; :func:`classify_tls_failure` turns that read error into a
``TlsRejected`` with ``FailedToAuthenticateAtCsms``.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, cast

import trio

from station.security.lazy import LazyModule

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from cryptography.x509 import oid
else:
    # Imported on first use: a boot without certificates to parse never loads it.
    x509 = LazyModule("cryptography.x509")
    serialization = LazyModule("cryptography.hazmat.primitives.serialization")
    oid = LazyModule("cryptography.x509.oid")

from station.ocpp import failures
from station.ocpp.revocation import CrlChecker, RevocationError

__all__ = [
    "ALLOWED_CIPHER_SUITES",
    "ALLOWED_TLS_VERSIONS",
    "TLS12_CIPHER_STRING",
    "ConnectFailed",
    "CsmsConnectError",
    "TlsConfigError",
    "TlsRejected",
    "TlsSecurityEvent",
    "cached_client_context",
    "check_negotiated_session",
    "classify_tls_failure",
    "client_context",
    "describe_certificate",
    "open_tls_stream",
    "transfer_context",
    "wildcard_names",
]

log = logging.getLogger(__name__)

#: OpenSSL names of the TLS 1.2 suites offered: all with an ephemeral (forward-secret) key
#: exchange; ECDSA ones first (PICS C-41), then ECDHE-RSA for RSA-certificate CSMSs.
TLS12_CIPHER_STRING = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"
)
_TLS13_CIPHER_SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
#: Suites a session may use, by the names ``SSLObject.cipher()`` reports.
ALLOWED_CIPHER_SUITES: frozenset[str] = frozenset(
    (*TLS12_CIPHER_STRING.split(":"), *_TLS13_CIPHER_SUITES)
)
#: A00.FR.313/416: TLS 1.2 or above.
ALLOWED_TLS_VERSIONS: frozenset[str] = frozenset({"TLSv1.2", "TLSv1.3"})


class TlsSecurityEvent(StrEnum):
    """Security events (Part 2 Appendix 1) that a failed TLS connection can trigger."""

    INVALID_CSMS_CERTIFICATE = "InvalidCsmsCertificate"
    INVALID_TLS_VERSION = "InvalidTLSVersion"
    INVALID_TLS_CIPHER_SUITE = "InvalidTLSCipherSuite"
    FAILED_TO_AUTHENTICATE_AT_CSMS = "FailedToAuthenticateAtCsms"


class TlsConfigError(Exception):
    """A certificate or key file cannot be used to build the TLS context."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path is not None else reason)


class CsmsConnectError(Exception):
    """A connection to the CSMS could not be opened; ``detail`` says why, for the log."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(detail)


class ConnectFailed(CsmsConnectError):
    """No TLS conversation took place: the name did not resolve, the TCP connection was
    refused or reset, or the connect-and-handshake deadline passed. No security event."""


class TlsRejected(CsmsConnectError):
    """The TLS handshake or the station's checks of the session failed.

    ``security_event`` is the OCPP security event type to record (a
    :class:`TlsSecurityEvent`, which is a ``str``), or None when OCPP defines none.
    """

    def __init__(self, security_event: str | None, detail: str) -> None:
        self.security_event = security_event
        super().__init__(detail)

    def __str__(self) -> str:
        if self.security_event is None:
            return self.detail
        return f"{self.detail} [{self.security_event}]"

    @property
    def tech_info(self) -> str:
        """``detail`` cut to SecurityEventNotificationRequest.techInfo's 255 characters."""
        return self.detail[:255]


# -- the context ------------------------------------------------------------------------------


def client_context(
    *, ca_files: Sequence[Path], cert_file: Path | None, key_file: Path | None
) -> ssl.SSLContext:
    """The TLS client context for security profile 2 (no ``cert_file``) or 3.

    ``ca_files`` are the installed CSMSRootCertificate PEM files; they are the only trust
    anchors (the system store is not used). ``cert_file`` is the ChargingStationCertificate
    (PEM, optionally followed by its intermediates) and ``key_file`` its unencrypted
    private key; ``key_file`` may be None when the key is in ``cert_file``. An expired
    client certificate is loaded anyway: the station should still try to connect with it
    (errata A00.FR.430). Reads files (blocking; call it from a worker thread if that
    matters). Raises :class:`TlsConfigError` naming the file that cannot be used.
    """
    if not ca_files:
        raise TlsConfigError(None, "no CSMS root certificate installed (ca_files is empty)")
    if key_file is not None and cert_file is None:
        raise TlsConfigError(key_file, "private key given without a client certificate")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # loads no CA certificates
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # A00.FR.313/416
    # A00.FR.319/422 (TLS 1.3: see the module documentation). Security level 2 means 112-bit
    # security, A00.FR.501-503: OpenSSL then refuses RSA keys < 2048 bits, EC keys < 224 bits
    # and SHA-1 signatures in the CSMS's chain, whatever the system's OpenSSL configuration.
    context.set_ciphers(f"{TLS12_CIPHER_STRING}:@SECLEVEL=2")
    context.options |= ssl.OP_NO_COMPRESSION  # A00.FR.321/424
    context.verify_mode = ssl.CERT_REQUIRED  # A00.FR.308/411
    context.check_hostname = True  # A00.FR.309/412

    for ca_file in ca_files:
        certificates = _load_certificates(ca_file)
        pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certificates)
        context.load_verify_locations(cadata=pem)

    if cert_file is not None:
        certificate = _load_certificates(cert_file)[0]
        key = _load_private_key(key_file if key_file is not None else cert_file)
        if certificate.public_key() != key.public_key():
            raise TlsConfigError(
                key_file or cert_file,
                f"private key does not belong to the certificate in {cert_file}",
            )
        try:
            context.load_cert_chain(cert_file, key_file, password=_no_password)
        except (OSError, ssl.SSLError) as exc:  # e.g. a key too weak for security level 2
            raise TlsConfigError(cert_file, f"OpenSSL refuses certificate or key: {exc}") from exc
    return context


# -- built once: the context cache -----------------------------------------------------------

#: Contexts kept; a station uses two or three (profile 2 or 3, transfers), plus the
#: previous ones while a renewed certificate is on trial.
_CACHE_SIZE = 8
_cache: OrderedDict[tuple[object, ...], ssl.SSLContext] = OrderedDict()
_cache_lock = threading.Lock()


def _file_identity(path: Path | None) -> tuple[object, ...] | None:
    """What changes when a file is replaced: the certificate store writes by rename, so a
    new file has a new inode (and mtime, size)."""
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return (str(path), None)
    return (str(path), status.st_ino, status.st_mtime_ns, status.st_size)


def _cached(key: tuple[object, ...], build: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    with _cache_lock:
        context = _cache.get(key)
        if context is not None:
            _cache.move_to_end(key)
            return context
    context = build()  # outside the lock: two threads may build the same; both are right
    with _cache_lock:
        _cache[key] = context
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return context


def cached_client_context(
    *, ca_files: Sequence[Path], cert_file: Path | None, key_file: Path | None
) -> ssl.SSLContext:
    """:func:`client_context`, built once per version of its files.

    On a hit this costs a ``stat`` per file. The certificate store calls it from its
    worker thread after every change, so the connection code normally finds the context
    built. Raises :class:`TlsConfigError` like :func:`client_context` (not cached).
    """
    key = (
        "client",
        tuple(_file_identity(path) for path in ca_files),
        _file_identity(cert_file),
        _file_identity(key_file),
    )
    return _cached(
        key, lambda: client_context(ca_files=ca_files, cert_file=cert_file, key_file=key_file)
    )


def transfer_context(csms_roots: Path | None) -> ssl.SSLContext:
    """The TLS context for HTTPS file transfers (firmware, logs; N01.FR.15/16): the
    operating system's trust store plus the installed CSMS roots, TLS 1.2 or newer, the
    default suites of Python's ``ssl`` (all forward-secret: ECDHE or DHE with AES-GCM,
    ChaCha20 or AES-CBC-SHA2; SHA-1 and static RSA excluded).

    Loading the system trust store costs tens of milliseconds, so the context is built
    once per content of ``csms_roots`` (the certificate store warms it from its worker
    thread) and shared by every transfer, and by every station with the same roots.
    """

    # Keyed by the roots' content, not their file: stations whose roots are the same
    # (none, or one CSMS's: every station of a fleet) share one context, built once.
    roots: bytes | None = None
    if csms_roots is not None:
        try:
            roots = csms_roots.read_bytes() or None
        except FileNotFoundError:
            roots = None

    def build() -> ssl.SSLContext:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if roots:
            # The bytes the key was made of (the file may be replaced meanwhile).
            context.load_verify_locations(cadata=roots.decode("ascii"))
        return context

    return _cached(("transfer", roots), build)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TlsConfigError(path, f"cannot read: {exc.strerror or exc}") from exc


def _load_certificates(path: Path) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(_read(path))
    except ValueError as exc:
        raise TlsConfigError(path, f"not a PEM certificate file ({exc})") from exc
    if not certificates:  # pragma: no cover - cryptography raises for an empty file
        raise TlsConfigError(path, "contains no certificate")
    return certificates


def _load_private_key(path: Path) -> PrivateKeyTypes:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # the key is encrypted
        raise TlsConfigError(path, "encrypted private keys are not supported") from exc
    except ValueError as exc:
        raise TlsConfigError(path, "no usable PEM private key in the file") from exc
    if path.stat().st_mode & 0o077:
        log.warning("tls private_key_readable_by_others path=%s", path)
    return key


def _no_password() -> bytes:
    # Without a callback OpenSSL would prompt on the terminal for an encrypted key.
    raise TlsConfigError(None, "encrypted private keys are not supported")


# -- certificates -----------------------------------------------------------------------------


def _common_names(name: x509.Name) -> list[str]:
    common_names = name.get_attributes_for_oid(oid.NameOID.COMMON_NAME)
    return [str(attribute.value) for attribute in common_names]


def wildcard_names(certificate: x509.Certificate) -> list[str]:
    """The subject commonNames and subjectAltName dNSNames that contain a ``*``."""
    names = _common_names(certificate.subject)
    try:
        alt_names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        pass
    else:
        names += alt_names.value.get_values_for_type(x509.DNSName)
    return [name for name in names if "*" in name]


def describe_certificate(certificate: x509.Certificate) -> str:
    """One log-line description: subject and issuer CN, validity and serial number."""
    subject = ",".join(_common_names(certificate.subject)) or certificate.subject.rfc4514_string()
    issuer = ",".join(_common_names(certificate.issuer)) or certificate.issuer.rfc4514_string()
    return (
        f"subject_cn={subject!r} issuer_cn={issuer!r} "
        f"not_before={certificate.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ} "
        f"not_after={certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ} "
        f"serial={certificate.serial_number:x}"
    )


# -- checks after the handshake ---------------------------------------------------------------


def check_negotiated_session(
    *,
    version: str | None,
    cipher: str | None,
    compression: str | None,
    server_certificate: x509.Certificate,
    allow_wildcards: bool,
) -> None:
    """Raise :class:`TlsRejected` if a completed handshake produced a session OCPP forbids.

    The arguments are what ``SSLObject.version()``, ``.cipher()[0]``, ``.compression()``
    and the verified peer certificate report. OpenSSL already enforces most of this through
    the context; the checks keep the guarantees when it does not (TLS 1.3 suites, a context
    built elsewhere) and add the wildcard rule OpenSSL has no switch for.
    """
    if version not in ALLOWED_TLS_VERSIONS:
        raise TlsRejected(
            TlsSecurityEvent.INVALID_TLS_VERSION,
            f"the CSMS negotiated {version}; OCPP requires TLS 1.2 or above",
        )
    if cipher not in ALLOWED_CIPHER_SUITES:
        raise TlsRejected(
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
            f"the CSMS chose cipher suite {cipher} ({version}), which OCPP does not allow",
        )
    if compression is not None:
        raise TlsRejected(
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
            f"the CSMS negotiated TLS compression {compression} (A00.FR.424 forbids it)",
        )
    wildcards = wildcard_names(server_certificate)
    if wildcards and not allow_wildcards:
        # Errata 2025-02: wildcard server certificates only with AllowCSMSTLSWildcards.
        raise TlsRejected(
            TlsSecurityEvent.INVALID_CSMS_CERTIFICATE,
            f"server certificate has wildcard name {wildcards[0]!r} and "
            f"SecurityCtrlr.AllowCSMSTLSWildcards is false; "
            f"{describe_certificate(server_certificate)}",
        )


# -- classifying handshake failures -----------------------------------------------------------

# TLS record content types (RFC 8446 §5.1): the first byte of every record.
_ALERT = 21
_HANDSHAKE = 22
_TLS_CONTENT_TYPES = frozenset({20, 21, 22, 23, 24})

# OpenSSL reason codes, by the names ``ssl.SSLError.reason`` carries. Names ending in
# ALERT_* are alerts received from the server; the others are our own verdicts.
_CERTIFICATE_REASONS = frozenset({"CA_KEY_TOO_SMALL", "CA_MD_TOO_WEAK", "EE_KEY_TOO_SMALL"})
_VERSION_REASONS = frozenset(
    {
        "UNSUPPORTED_PROTOCOL",  # the ServerHello chose a version below our minimum
        "WRONG_SSL_VERSION",
        "VERSION_TOO_LOW",
        "TLSV1_ALERT_PROTOCOL_VERSION",  # the server accepts none of our versions
    }
)
_CIPHER_REASONS = frozenset({"WRONG_CIPHER_RETURNED"})  # the server chose a suite we never offered
# Alerts with which a server refuses to negotiate at all (RFC 8446 §6.2): sent in reply to
# our ClientHello they mean it accepts none of our cipher suites (or groups).
_NEGOTIATION_ALERTS = frozenset(
    {"SSLV3_ALERT_HANDSHAKE_FAILURE", "TLSV1_ALERT_INSUFFICIENT_SECURITY"}
)
# Alerts a server sends about the client's certificate once negotiation has succeeded.
_CLIENT_CERTIFICATE_ALERTS = frozenset(
    {
        "SSLV3_ALERT_HANDSHAKE_FAILURE",  # TLS 1.2 servers: certificate required but missing
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "TLSV1_ALERT_UNKNOWN_CA",
        "TLSV1_ALERT_ACCESS_DENIED",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    }
)


def _classify(error: ssl.SSLError, first_byte: int | None, peer: str | None) -> TlsRejected:
    """Map a handshake error to the security event it stands for.

    ``first_byte`` is the first byte the server sent (the content type of its first TLS
    record), or None if it sent nothing. ``peer`` ("host:port") prefixes the detail.
    """
    reason = error.reason or ""
    prefix = f"{peer}: " if peer else ""
    if isinstance(error, ssl.SSLCertVerificationError):
        return TlsRejected(
            TlsSecurityEvent.INVALID_CSMS_CERTIFICATE,
            f"{prefix}server certificate rejected: {error.verify_message} "
            f"(X509 error {error.verify_code})",
        )
    if reason in _CERTIFICATE_REASONS:
        return TlsRejected(
            TlsSecurityEvent.INVALID_CSMS_CERTIFICATE,
            f"{prefix}server certificate rejected: {reason}",
        )
    if reason in _VERSION_REASONS:
        return TlsRejected(
            TlsSecurityEvent.INVALID_TLS_VERSION,
            f"{prefix}the CSMS does not offer TLS 1.2 or above ({reason})",
        )
    if reason in _CIPHER_REASONS:
        return TlsRejected(
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
            f"{prefix}the CSMS chose a cipher suite we did not offer ({reason})",
        )
    if first_byte == _ALERT and reason in _NEGOTIATION_ALERTS:
        return TlsRejected(
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
            f"{prefix}the CSMS refused our ClientHello ({reason}); it supports none of "
            f"the cipher suites {TLS12_CIPHER_STRING} or TLS 1.3 AES-GCM",
        )
    if first_byte == _HANDSHAKE and reason in _CLIENT_CERTIFICATE_ALERTS:
        return TlsRejected(
            TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS,
            f"{prefix}the CSMS rejected the station's client certificate or wanted one ({reason})",
        )
    if first_byte is not None and first_byte not in _TLS_CONTENT_TYPES:
        return TlsRejected(
            None,
            f"{prefix}the server does not speak TLS (its first byte is {first_byte:#04x}); "
            f"is it a ws:// endpoint?",
        )
    if isinstance(error, ssl.SSLEOFError):
        stage = "before answering our ClientHello" if first_byte is None else "mid-handshake"
        return TlsRejected(
            None, f"{prefix}the CSMS closed the connection {stage} without a TLS alert"
        )
    return TlsRejected(None, f"{prefix}TLS handshake failed: {reason or error}")


def _ssl_error_in(error: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def classify_tls_failure(error: BaseException) -> TlsRejected | None:
    """Explain an error from the first reads or writes on a stream of :func:`open_tls_stream`.

    Looks for an ``ssl.SSLError`` in ``error`` and its causes (``trio.BrokenResourceError``
    wraps it). Needed for TLS 1.3, where a CSMS that rejects the client certificate says so
    only after the station's handshake has completed. Returns None for non-TLS errors.
    """
    ssl_error = _ssl_error_in(error)
    if ssl_error is None:
        return None
    return _classify(ssl_error, _HANDSHAKE, None)


class _HandshakeObserver(trio.abc.Stream):
    """Passes bytes through unchanged and remembers the first byte the server sent."""

    def __init__(self, transport: trio.SocketStream) -> None:
        self.transport = transport
        self.first_byte: int | None = None

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.transport.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.transport.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        data = await self.transport.receive_some(max_bytes)
        if self.first_byte is None and data:
            self.first_byte = data[0]
        return data

    async def aclose(self) -> None:
        await self.transport.aclose()


# -- revocation -------------------------------------------------------------------------------


def _verified_chain(stream: trio.SSLStream[trio.abc.Stream]) -> list[x509.Certificate]:
    """The chain OpenSSL verified (leaf first), or [] where Python cannot tell.

    ``SSLObject.get_verified_chain`` is public from Python 3.13; 3.10-3.12 have it on the
    underlying ``_ssl`` object only. Without it the issuer is looked up among the
    installed roots, which covers CSMS certificates issued directly by a root.
    """
    ssl_object = getattr(stream, "_ssl_object", None)
    getter = getattr(ssl_object, "get_verified_chain", None)
    if getter is None:
        getter = getattr(getattr(ssl_object, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return []
    try:
        items = getter() or []
    except (ssl.SSLError, ValueError):
        return []
    chain = []
    for item in items:
        der = item if isinstance(item, bytes) else item.public_bytes(2)  # _ssl.ENCODING_DER
        chain.append(x509.load_der_x509_certificate(der))
    return chain


async def _check_revocation(
    stream: trio.SSLStream[trio.abc.Stream],
    context: ssl.SSLContext,
    certificate: x509.Certificate,
    revocation: CrlChecker,
    deadline: float,
    peer: str,
) -> None:
    issuers = _verified_chain(stream)[1:]
    issuers += [
        x509.load_der_x509_certificate(der) for der in context.get_ca_certs(binary_form=True)
    ]
    timeout = max(deadline - trio.current_time(), 0.0)
    try:
        with trio.fail_at(deadline):
            await revocation.check(certificate, issuers, timeout=timeout)
    except trio.TooSlowError:
        raise TlsRejected(
            TlsSecurityEvent.INVALID_CSMS_CERTIFICATE,
            f"{peer}: the revocation check of the server certificate did not finish in time",
        ) from None
    except RevocationError as exc:
        raise TlsRejected(
            TlsSecurityEvent.INVALID_CSMS_CERTIFICATE,
            f"{peer}: server certificate rejected: {exc}; {describe_certificate(certificate)}",
        ) from None


# -- connecting -------------------------------------------------------------------------------


async def open_tls_stream(
    host: str,
    port: int,
    context: ssl.SSLContext,
    *,
    allow_wildcards: bool = False,
    connect_timeout: float,
    revocation: CrlChecker | None = None,
) -> trio.SSLStream[trio.SocketStream]:
    """Connect to the CSMS at ``host``:``port`` and complete a TLS handshake.

    ``host`` is also the name the server certificate must match (and the SNI).
    ``connect_timeout`` bounds TCP connect and handshake together. ``allow_wildcards`` is
    SecurityCtrlr.AllowCSMSTLSWildcards. ``revocation``, when given, checks the server
    certificate against its CRL (an operator setting, see :mod:`station.ocpp.revocation`)
    within the same deadline. On success the handshake is done and the stream
    is ready for ``trio_websocket.wrap_client_stream``; its ``transport_stream`` is the
    ``trio.SocketStream``. On failure nothing is left open and this raises
    :class:`ConnectFailed` or :class:`TlsRejected` (see the module documentation).
    """
    peer = f"{host}:{port}"
    deadline = trio.current_time() + connect_timeout
    try:
        with trio.fail_at(deadline):
            tcp = await trio.open_tcp_stream(host, port)
    except trio.TooSlowError:
        raise ConnectFailed(failures.tcp_timeout(peer, connect_timeout)) from None
    except OSError as exc:
        raise ConnectFailed(failures.tcp_error(exc, peer)) from exc

    observer = _HandshakeObserver(tcp)
    # https_compatible: like trio-websocket's own wss:// client, tolerate a missing
    # close_notify at the end of the connection.
    stream: trio.SSLStream[trio.abc.Stream] = trio.SSLStream(
        observer, context, server_hostname=host, https_compatible=True
    )
    try:
        try:
            with trio.fail_at(deadline):
                await stream.do_handshake()
        except trio.TooSlowError:
            raise ConnectFailed(
                f"{peer}: TLS handshake not completed within {connect_timeout:g} s"
            ) from None
        except trio.BrokenResourceError as exc:
            cause = exc.__cause__
            if isinstance(cause, ssl.SSLError):
                raise _classify(cause, observer.first_byte, peer) from cause
            raise ConnectFailed(
                f"{peer}: connection lost during the TLS handshake: {cause}"
            ) from exc
        der = stream.getpeercert(binary_form=True)
        assert der is not None  # CERT_REQUIRED: a completed handshake has a peer certificate
        certificate = x509.load_der_x509_certificate(der)
        cipher = stream.cipher()
        try:
            check_negotiated_session(
                version=stream.version(),
                cipher=cipher[0] if cipher else None,
                compression=stream.compression(),
                server_certificate=certificate,
                allow_wildcards=allow_wildcards,
            )
        except TlsRejected as exc:
            raise TlsRejected(exc.security_event, f"{peer}: {exc.detail}") from None
        if revocation is not None:
            await _check_revocation(stream, context, certificate, revocation, deadline, peer)
    except BaseException:
        await trio.aclose_forcefully(stream)
        raise
    # The observer is only needed while the handshake runs; give callers the socket stream
    # (for socket options) and skip the extra layer on every read.
    stream.transport_stream = tcp
    log.debug(
        "tls established peer=%s version=%s cipher=%s server_certificate=[%s]",
        peer,
        stream.version(),
        cipher[0] if cipher else None,
        describe_certificate(certificate),
    )
    return cast("trio.SSLStream[trio.SocketStream]", stream)
