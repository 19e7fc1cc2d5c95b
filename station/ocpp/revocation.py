"""Revocation checking of the CSMS's TLS certificate by CRL (an operator setting).

OCPP does not ask a charging station to check revocation, and most CSMS PKIs are private
CAs that a station trusts through the installed CSMSRootCertificate alone. An operator
whose PKI publishes CRLs can turn the check on (``[security] csms_revocation_check =
"crl"``); then, after the handshake and before any OCPP message, the station:

1. reads the http:// URLs of the server certificate's cRLDistributionPoints (none: the
   check fails — a certificate that cannot be checked is not accepted);
2. fetches the CRL (DER or PEM, at most ``MAX_CRL_BYTES``), unless a CRL from that URL
   is cached and its nextUpdate has not passed;
3. accepts the CRL only if it is signed by the certificate's issuer (the next
   certificate of the verified chain, or an installed root that issued it), names that
   issuer, and is current (thisUpdate ≤ now ≤ nextUpdate);
4. refuses the connection if the certificate's serial number is listed.

Only the server (leaf) certificate is checked, like OpenSSL's X509_V_FLAG_CRL_CHECK. The
check fails closed: an unreachable CRL server blocks the connection, which is why it is
off by default. OCSP is not offered: Python's ``ssl`` cannot request stapled responses,
and public CAs are moving from OCSP to CRLs.

Every failure is a :class:`RevocationError`; the TLS layer reports it as
InvalidCsmsCertificate (A00.FR.310/413: the CSMS does not own a valid certificate).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from station.security.lazy import LazyModule

if TYPE_CHECKING:
    from cryptography import exceptions, x509
    from cryptography.hazmat.primitives import hashes
else:
    # Imported on first use: only a TLS connection with CRL checks needs it.
    x509 = LazyModule("cryptography.x509")
    exceptions = LazyModule("cryptography.exceptions")
    hashes = LazyModule("cryptography.hazmat.primitives.hashes")

__all__ = ["MAX_CRL_BYTES", "CrlChecker", "RevocationError", "crl_urls", "http_fetch"]

log = logging.getLogger(__name__)

#: Largest CRL accepted (a CSMS PKI's CRL is a few kB; a public CA's can be megabytes).
MAX_CRL_BYTES = 4 * 1024 * 1024
#: CRLs cached (one per distribution point URL).
_CACHE_SIZE = 16

#: Fetches a URL within a time limit and returns at most ``limit`` bytes (raising if more).
Fetch = Callable[[str, float, int], Awaitable[bytes]]


class RevocationError(Exception):
    """The certificate is revoked, or its revocation status could not be established."""


def crl_urls(certificate: x509.Certificate) -> list[str]:
    """The http:// URLs of the certificate's cRLDistributionPoints, in order."""
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return []
    urls = []
    for point in points.value:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.startswith(
                "http://"
            ):
                urls.append(name.value)
    return urls


async def http_fetch(url: str, timeout: float, limit: int) -> bytes:
    """GET ``url`` (plain http: a CRL is signed, and fetching it over TLS would need the
    very check it feeds); refuse a body larger than ``limit`` while it streams in."""
    import httpx  # here: only a station that checks revocation loads it (start, RSS)

    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise RevocationError(f"{url}: HTTP {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise RevocationError(f"{url}: CRL larger than {limit} bytes")
            return bytes(body)


def _parse(data: bytes) -> x509.CertificateRevocationList:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


class CrlChecker:
    """Checks server certificates against their issuers' CRLs, with a cache per URL."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        fetch: Fetch = http_fetch,
    ) -> None:
        self._now = now
        self._fetch = fetch
        #: Verified CRLs by (URL, fingerprint of the issuer that signed them).
        self._cache: dict[tuple[str, bytes], x509.CertificateRevocationList] = {}

    async def check(
        self,
        certificate: x509.Certificate,
        issuers: Sequence[x509.Certificate],
        *,
        timeout: float,
    ) -> None:
        """Raise :class:`RevocationError` unless a current CRL of ``certificate``'s
        issuer (one of ``issuers``) shows it is not revoked."""
        issuer = _issuer_of(certificate, issuers)
        if issuer is None:
            raise RevocationError(
                f"the issuer {certificate.issuer.rfc4514_string()!r} of the server "
                "certificate is unknown; its CRL cannot be verified"
            )
        urls = crl_urls(certificate)
        if not urls:
            raise RevocationError("the server certificate names no http cRLDistributionPoint")
        problems = []
        for url in urls:
            try:
                crl = await self._crl(url, issuer, timeout)
            except RevocationError as exc:
                problems.append(str(exc))
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            if revoked is not None:
                raise RevocationError(
                    f"the server certificate (serial {certificate.serial_number:x}) was "
                    f"revoked {revoked.revocation_date_utc:%Y-%m-%dT%H:%M:%SZ} ({url})"
                )
            return
        raise RevocationError("no valid CRL: " + "; ".join(problems))

    async def _crl(
        self, url: str, issuer: x509.Certificate, timeout: float
    ) -> x509.CertificateRevocationList:
        key = (url, issuer.fingerprint(hashes.SHA256()))
        cached = self._cache.get(key)
        if cached is not None and self._current(cached):
            return cached
        import httpx

        try:
            data = await self._fetch(url, timeout, MAX_CRL_BYTES)
        except httpx.HTTPError as exc:
            raise RevocationError(f"{url}: {type(exc).__name__}: {exc}") from None
        try:
            crl = _parse(data)
        except ValueError as exc:
            raise RevocationError(f"{url}: not a CRL ({exc})") from None
        if crl.issuer != issuer.subject:
            raise RevocationError(
                f"{url}: CRL issued by {crl.issuer.rfc4514_string()!r}, not by the "
                f"certificate's issuer {issuer.subject.rfc4514_string()!r}"
            )
        try:
            signed = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        except TypeError:
            signed = False
        if not signed:
            raise RevocationError(f"{url}: the CRL's signature does not verify")
        if not self._current(crl):
            raise RevocationError(
                f"{url}: the CRL is not current (thisUpdate {crl.last_update_utc:%Y-%m-%d}, "
                f"nextUpdate {crl.next_update_utc:%Y-%m-%d})"
                if crl.next_update_utc is not None
                else f"{url}: the CRL has no nextUpdate"
            )
        self._cache[key] = crl
        while len(self._cache) > _CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        log.info("event=crl_fetched url=%s entries=%d", url, len(crl))
        return crl

    def _current(self, crl: x509.CertificateRevocationList) -> bool:
        now = self._now()
        next_update = crl.next_update_utc
        return next_update is not None and crl.last_update_utc <= now <= next_update


def _issuer_of(
    certificate: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (exceptions.InvalidSignature, ValueError, TypeError):
            continue
        return candidate
    return None
