"""TLS to the CSMS: what the station accepts, what it rejects, and which security event
each rejection records. Every test runs a real TLS server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest
import trio
import trio_websocket
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from station.ocpp.revocation import CrlChecker
from station.ocpp.tls import (
    ALLOWED_CIPHER_SUITES,
    ConnectFailed,
    CsmsConnectError,
    TlsConfigError,
    TlsRejected,
    TlsSecurityEvent,
    cached_client_context,
    check_negotiated_session,
    classify_tls_failure,
    client_context,
    describe_certificate,
    open_tls_stream,
    transfer_context,
    wildcard_names,
)
from tests.fileserver import FileServer
from tools.testpki import IssuedCertificate, TestPki, make_test_pki

SERIAL_NUMBER = "CT4000-0042"
ORGANIZATION = "Example Charging Operator"
TIMEOUT = 10.0  # generous: only a hung test would ever reach it

T = TypeVar("T")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki"), serial_number=SERIAL_NUMBER, organization=ORGANIZATION
    )


@pytest.fixture
def profile2(pki: TestPki) -> ssl.SSLContext:
    """Security profile 2: server authentication only; both CSMS roots installed."""
    return client_context(
        ca_files=[pki.csms_root.cert, pki.csms_rsa_root.cert], cert_file=None, key_file=None
    )


@pytest.fixture
def profile3(pki: TestPki) -> ssl.SSLContext:
    """Security profile 3: also the station's client certificate."""
    return client_context(
        ca_files=[pki.csms_root.cert], cert_file=pki.station.cert, key_file=pki.station.key
    )


# -- a test CSMS ------------------------------------------------------------------------------


def server_context(
    issued: IssuedCertificate,
    *,
    minimum: ssl.TLSVersion | None = None,
    maximum: ssl.TLSVersion | None = None,
    ciphers: str | None = None,
    client_ca: IssuedCertificate | None = None,
) -> ssl.SSLContext:
    """A CSMS-side context presenting ``issued``; ``client_ca`` demands client certificates."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1 and TLSv1_1
        if minimum is not None:
            context.minimum_version = minimum
        if maximum is not None:
            context.maximum_version = maximum
    if ciphers is not None:
        context.set_ciphers(ciphers)
    context.load_cert_chain(issued.chain, issued.key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=client_ca.cert)
    return context


@dataclass
class ServerView:
    """What the test CSMS saw of one connection."""

    version: str | None = None
    client_subject: dict[str, str] | None = None
    error: ssl.SSLError | None = None


async def serve_tls_connection(tcp: trio.SocketStream, context: ssl.SSLContext) -> ServerView:
    """The CSMS side of one connection: handshake, send b"welcome", wait for the client's EOF.

    Runs OpenSSL on memory buffers rather than through trio.SSLStream, because SSLStream
    does not send the TLS alert when its handshake fails, whereas the TLS stacks of real
    CSMSs do, and the station's classification depends on those alerts.
    """
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_side=True)

    async def flush() -> None:
        if outgoing.pending:
            await tcp.send_all(outgoing.read())

    async def drive(operation: Callable[[], T]) -> T:
        while True:
            try:
                result = operation()
            except ssl.SSLWantReadError:
                await flush()
                data = await tcp.receive_some()
                if data:
                    incoming.write(data)
                else:
                    incoming.write_eof()
            except ssl.SSLError:
                with suppress(trio.BrokenResourceError):
                    await flush()  # the alert
                raise
            else:
                await flush()
                return result

    view = ServerView()
    try:
        await drive(tls.do_handshake)
    except ssl.SSLError as exc:
        view.error = exc
        return view
    view.version = tls.version()
    peer = tls.getpeercert()
    if peer:
        view.client_subject = {key: value for rdn in peer["subject"] for key, value in rdn}
    tls.write(b"welcome")
    await flush()
    with suppress(ssl.SSLError, trio.BrokenResourceError):
        while await drive(lambda: tls.read(1024)):
            pass
    return view


@dataclass
class TestServer:
    """A listening test CSMS and what it saw of each connection, in order."""

    __test__ = False

    port: int
    views: trio.MemoryReceiveChannel[ServerView]


@asynccontextmanager
async def tcp_server(
    handler: Callable[[trio.SocketStream], Awaitable[ServerView | None]],
) -> AsyncIterator[TestServer]:
    """Serve ``handler`` on 127.0.0.1 (a free port) for the duration of the block."""
    send, receive = trio.open_memory_channel[ServerView](math.inf)

    async def serve_one(tcp: trio.SocketStream) -> None:
        async with tcp:
            with suppress(trio.BrokenResourceError):
                view = await handler(tcp)
                if view is not None:
                    send.send_nowait(view)

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, serve_one, 0, host="127.0.0.1"))
        yield TestServer(port=listeners[0].socket.getsockname()[1], views=receive)
        nursery.cancel_scope.cancel()


def tls_server(context: ssl.SSLContext) -> AsyncIterator[TestServer]:
    """A TLS test CSMS for ``context`` (see :func:`serve_tls_connection`)."""
    return tcp_server(partial(serve_tls_connection, context=context))


async def connect(
    port: int, context: ssl.SSLContext, *, host: str = "localhost", allow_wildcards: bool = False
) -> trio.SSLStream[trio.SocketStream]:
    return await open_tls_stream(
        host, port, context, allow_wildcards=allow_wildcards, connect_timeout=TIMEOUT
    )


async def rejection(
    port: int, context: ssl.SSLContext, *, host: str = "localhost", allow_wildcards: bool = False
) -> TlsRejected:
    with pytest.raises(TlsRejected) as caught:
        await connect(port, context, host=host, allow_wildcards=allow_wildcards)
    return caught.value


class LocalNames(trio.abc.HostnameResolver):
    """Resolves the given names to 127.0.0.1 (wildcard test hosts are not in /etc/hosts)."""

    def __init__(self, *names: str) -> None:
        self.names = {name.encode() for name in names}

    async def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):  # type: ignore[no-untyped-def]
        if host in self.names:
            host = b"127.0.0.1"
        return await trio.to_thread.run_sync(
            socket.getaddrinfo, host, port, family, type, proto, flags
        )

    async def getnameinfo(self, sockaddr, flags):  # type: ignore[no-untyped-def]
        raise NotImplementedError


def weak_rsa_certificate(pki: TestPki, directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost with a 1024-bit RSA key (below A00.FR.502), issued by the
    trusted RSA root; returns the certificate and key files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(pki.csms_rsa_root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(pki.csms_rsa_root.private_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    cert_file, key_file = directory / "weak.pem", directory / "weak.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert_file, key_file


# -- the context ------------------------------------------------------------------------------


def test_context_allows_tls12_and_up_with_forward_secret_suites_only(
    profile2: ssl.SSLContext,
) -> None:
    """A00.FR.313/319 and issue item 7: the PICS C-41 ECDHE-ECDSA suites plus ECDHE-RSA
    with AES-GCM; no static-RSA suite (no forward secrecy)."""
    assert profile2.minimum_version == ssl.TLSVersion.TLSv1_2
    assert profile2.verify_mode == ssl.CERT_REQUIRED
    assert profile2.check_hostname
    assert profile2.options & ssl.OP_NO_COMPRESSION
    assert profile2.security_level == 2  # 112-bit security, A00.FR.501
    tls12 = {c["name"] for c in profile2.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert tls12 == {
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
    }
    assert all(c["kea"] == "kx-ecdhe" for c in profile2.get_ciphers() if c["name"] in tls12)
    assert tls12 < ALLOWED_CIPHER_SUITES


def test_context_trusts_only_the_installed_csms_roots(pki: TestPki) -> None:
    context = client_context(ca_files=[pki.csms_root.cert], cert_file=None, key_file=None)
    subjects = [ca["subject"] for ca in context.get_ca_certs()]
    assert subjects == [
        ((("organizationName", ORGANIZATION),), (("commonName", "Test CSMS Root CA"),))
    ]


@pytest.mark.parametrize(
    ("arrange", "culprit", "reason"),
    [
        (lambda p, d: {"ca_files": []}, None, "no CSMS root certificate installed"),
        (lambda p, d: {"ca_files": [d / "missing.pem"]}, "missing.pem", "cannot read"),
        (lambda p, d: {"ca_files": [p.csms_root.key]}, "csms-root.key", "not a PEM certificate"),
        (
            lambda p, d: {"cert_file": p.station.cert, "key_file": d / "none.key"},
            "none.key",
            "cannot read",
        ),
        (
            lambda p, d: {"cert_file": p.station.cert, "key_file": p.station.cert},
            "station.pem",
            "no usable PEM private key",
        ),
        (
            lambda p, d: {"cert_file": p.station.cert, "key_file": p.server.key},
            "server.key",
            "does not belong to the certificate",
        ),
        (lambda p, d: {"key_file": p.station.key}, "station.key", "without a client certificate"),
    ],
    ids=[
        "no-roots",
        "missing-ca",
        "ca-not-pem",
        "missing-key",
        "key-not-pem",
        "wrong-key",
        "no-cert",
    ],
)
def test_context_errors_name_the_file(
    pki: TestPki, tmp_path: Path, arrange, culprit: str | None, reason: str
) -> None:
    arguments = {"ca_files": [pki.csms_root.cert], "cert_file": None, "key_file": None}
    arguments.update(arrange(pki, tmp_path))
    with pytest.raises(TlsConfigError, match=reason) as caught:
        client_context(**arguments)
    assert (caught.value.path.name if caught.value.path else None) == culprit
    if culprit:
        assert culprit in str(caught.value)


def test_context_refuses_an_encrypted_key_instead_of_prompting(
    pki: TestPki, tmp_path: Path
) -> None:
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        pki.station.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(TlsConfigError, match="encrypted private keys are not supported"):
        client_context(
            ca_files=[pki.csms_root.cert], cert_file=pki.station.cert, key_file=encrypted
        )


def test_context_refuses_a_client_key_below_112_bit_security(pki: TestPki, tmp_path: Path) -> None:
    cert_file, key_file = weak_rsa_certificate(pki, tmp_path)
    with pytest.raises(TlsConfigError, match="OpenSSL refuses certificate or key") as caught:
        client_context(ca_files=[pki.csms_root.cert], cert_file=cert_file, key_file=key_file)
    assert caught.value.path == cert_file


def test_context_accepts_certificate_and_key_in_one_file(pki: TestPki, tmp_path: Path) -> None:
    combined = tmp_path / "station-combined.pem"
    combined.write_bytes(pki.station.cert.read_bytes() + pki.station.key.read_bytes())
    client_context(ca_files=[pki.csms_root.cert], cert_file=combined, key_file=None)


# -- valid server certificates (TC_A_04) ------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "maximum", "ciphers", "host", "version", "cipher"),
    [
        ("server", None, None, "localhost", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
        ("server", None, None, "127.0.0.1", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
        (
            "server",
            ssl.TLSVersion.TLSv1_2,
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "localhost",
            "TLSv1.2",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
        ),
        (
            "server",
            ssl.TLSVersion.TLSv1_2,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "localhost",
            "TLSv1.2",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
        ),
        ("rsa_server", None, None, "localhost", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
        (
            "rsa_server",
            ssl.TLSVersion.TLSv1_2,
            "ECDHE-RSA-AES128-GCM-SHA256",
            "localhost",
            "TLSv1.2",
            "ECDHE-RSA-AES128-GCM-SHA256",
        ),
        (
            "rsa_server",
            ssl.TLSVersion.TLSv1_2,
            "ECDHE-RSA-AES256-GCM-SHA384",
            "127.0.0.1",
            "TLSv1.2",
            "ECDHE-RSA-AES256-GCM-SHA384",
        ),
        (
            # An RSA-certificate CSMS that prefers static RSA still gets ECDHE from us.
            "rsa_server",
            ssl.TLSVersion.TLSv1_2,
            "AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
            "localhost",
            "TLSv1.2",
            "ECDHE-RSA-AES256-GCM-SHA384",
        ),
        ("intermediate_server", None, None, "localhost", "TLSv1.3", "TLS_AES_256_GCM_SHA384"),
        (
            "intermediate_server",
            ssl.TLSVersion.TLSv1_2,
            None,
            "localhost",
            "TLSv1.2",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
        ),
    ],
    ids=[
        "ec-tls13",
        "ec-tls13-ip-address",
        "ec-tls12-ecdhe-aes128",
        "ec-tls12-ecdhe-aes256",
        "rsa-tls13",
        "rsa-tls12-ecdhe-rsa-aes128",
        "rsa-tls12-ecdhe-rsa-aes256-ip-address",
        "rsa-tls12-static-rsa-preferred-by-server",
        "intermediate-tls13",
        "intermediate-tls12",
    ],
)
async def test_valid_server_certificate_is_accepted(
    pki: TestPki,
    profile2: ssl.SSLContext,
    server: str,
    maximum: ssl.TLSVersion | None,
    ciphers: str | None,
    host: str,
    version: str,
    cipher: str,
) -> None:
    context = server_context(getattr(pki, server), maximum=maximum, ciphers=ciphers)
    async with tls_server(context) as csms:
        stream = await connect(csms.port, profile2, host=host)
        assert stream.version() == version
        assert stream.cipher()[0] == cipher
        assert stream.compression() is None
        assert isinstance(stream.transport_stream, trio.SocketStream)
        assert await stream.receive_some() == b"welcome"
        await stream.aclose()
        view = await csms.views.receive()
    assert view.error is None and view.version == version


# -- invalid server certificates (TC_A_05) ----------------------------------------------------


@pytest.mark.parametrize(
    ("server", "explanation"),
    [
        ("expired_server", "certificate has expired"),
        ("not_yet_valid_server", "certificate is not yet valid"),
        ("untrusted_server", "unable to get local issuer certificate"),
        ("wrong_host_server", "Hostname mismatch"),
    ],
)
async def test_invalid_server_certificate_is_rejected_as_invalid_csms_certificate(
    pki: TestPki, profile2: ssl.SSLContext, server: str, explanation: str
) -> None:
    async with tls_server(server_context(getattr(pki, server))) as csms:
        rejected = await rejection(csms.port, profile2)
        view = await csms.views.receive()
    assert rejected.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert rejected.security_event == "InvalidCsmsCertificate"
    assert explanation in rejected.detail
    assert rejected.detail.startswith(f"localhost:{csms.port}: server certificate rejected")
    assert view.error is not None  # the CSMS saw the station abort the handshake


async def test_server_key_below_112_bit_security_is_an_invalid_csms_certificate(
    pki: TestPki, profile2: ssl.SSLContext, tmp_path: Path
) -> None:
    cert_file, key_file = weak_rsa_certificate(pki, tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # lets the server load the weak key
    context.load_cert_chain(cert_file, key_file)
    async with tls_server(context) as csms:
        rejected = await rejection(csms.port, profile2)
    assert rejected.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert "EE certificate key too weak (X509 error 66)" in rejected.detail


async def test_server_certificate_for_an_ip_address_must_match_it(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    async with tls_server(server_context(pki.wrong_host_server)) as csms:
        rejected = await rejection(csms.port, profile2, host="127.0.0.1")
    assert rejected.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert "IP address mismatch" in rejected.detail


async def test_wildcard_server_certificate_is_rejected_by_default(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    trio.socket.set_custom_hostname_resolver(LocalNames(pki.wildcard_host))
    async with tls_server(server_context(pki.wildcard_server)) as csms:
        rejected = await rejection(csms.port, profile2, host=pki.wildcard_host)
    assert rejected.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert "wildcard name '*.csms.localhost'" in rejected.detail
    assert "AllowCSMSTLSWildcards is false" in rejected.detail
    assert "subject_cn='*.csms.localhost' issuer_cn='Test CSMS Root CA'" in rejected.detail


async def test_wildcard_server_certificate_is_accepted_when_allowed(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    trio.socket.set_custom_hostname_resolver(LocalNames(pki.wildcard_host))
    async with tls_server(server_context(pki.wildcard_server)) as csms:
        stream = await connect(csms.port, profile2, host=pki.wildcard_host, allow_wildcards=True)
        assert await stream.receive_some() == b"welcome"
        await stream.aclose()


async def test_wildcard_does_not_make_a_wrong_host_acceptable(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    async with tls_server(server_context(pki.wildcard_server)) as csms:
        rejected = await rejection(csms.port, profile2, allow_wildcards=True)
    assert rejected.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert "Hostname mismatch" in rejected.detail


# -- TLS version (TC_A_06) --------------------------------------------------------------------


async def test_server_limited_to_tls_1_0_and_1_1_gives_invalid_tls_version(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    # OpenSSL 3 refuses TLS < 1.2 at its default security level; level 0 re-enables it.
    context = server_context(
        pki.server,
        minimum=ssl.TLSVersion.TLSv1,
        maximum=ssl.TLSVersion.TLSv1_1,
        ciphers="ALL:@SECLEVEL=0",
    )
    async with tls_server(context) as csms:
        rejected = await rejection(csms.port, profile2)
        view = await csms.views.receive()
    assert rejected.security_event == TlsSecurityEvent.INVALID_TLS_VERSION
    assert "TLSV1_ALERT_PROTOCOL_VERSION" in rejected.detail
    assert view.error is not None and view.error.reason == "UNSUPPORTED_PROTOCOL"


def server_hello(version: int, cipher_suite: int) -> bytes:
    """A bare TLS ServerHello record (RFC 5246 §7.4.1.3) choosing ``version`` and suite."""
    no_session_id, null_compression = b"\x00", b"\x00"
    body = struct.pack(">H", version) + os.urandom(32) + no_session_id
    body += struct.pack(">H", cipher_suite) + null_compression
    handshake = b"\x02" + len(body).to_bytes(3, "big") + body
    return b"\x16" + struct.pack(">HH", version, len(handshake)) + handshake


def answering_client_hello_with(reply: bytes) -> Callable[[trio.SocketStream], Awaitable[None]]:
    """A server that reads the ClientHello, sends ``reply`` and waits for the client to go."""

    async def handler(tcp: trio.SocketStream) -> None:
        await tcp.receive_some()
        await tcp.send_all(reply)
        while await tcp.receive_some():
            pass

    return handler


@pytest.mark.parametrize("version", [0x0302, 0x0301, 0x0300], ids=["TLSv1.1", "TLSv1.0", "SSLv3"])
async def test_server_hello_with_an_old_version_gives_invalid_tls_version(
    profile2: ssl.SSLContext, version: int
) -> None:
    async with tcp_server(answering_client_hello_with(server_hello(version, 0xC02B))) as csms:
        rejected = await rejection(csms.port, profile2)
    assert rejected.security_event == TlsSecurityEvent.INVALID_TLS_VERSION
    assert "UNSUPPORTED_PROTOCOL" in rejected.detail


# -- cipher suites ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "ciphers"),
    [
        ("server", "ECDHE-ECDSA-AES128-SHA256"),
        ("server", "ECDHE-ECDSA-CHACHA20-POLY1305"),
        ("rsa_server", "ECDHE-RSA-AES128-SHA256"),
        # Static RSA: no forward secrecy, no longer offered.
        ("rsa_server", "AES128-GCM-SHA256"),
        ("rsa_server", "AES256-GCM-SHA384"),
    ],
)
async def test_server_without_a_shared_tls12_suite_gives_invalid_tls_cipher_suite(
    pki: TestPki, profile2: ssl.SSLContext, server: str, ciphers: str
) -> None:
    context = server_context(getattr(pki, server), maximum=ssl.TLSVersion.TLSv1_2, ciphers=ciphers)
    async with tls_server(context) as csms:
        rejected = await rejection(csms.port, profile2)
        view = await csms.views.receive()
    assert rejected.security_event == TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE
    assert "refused our ClientHello (SSLV3_ALERT_HANDSHAKE_FAILURE)" in rejected.detail
    assert view.error is not None and view.error.reason == "NO_SHARED_CIPHER"


async def test_server_choosing_a_suite_we_did_not_offer_gives_invalid_tls_cipher_suite(
    profile2: ssl.SSLContext,
) -> None:
    # TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
    async with tcp_server(answering_client_hello_with(server_hello(0x0303, 0xC027))) as csms:
        rejected = await rejection(csms.port, profile2)
    assert rejected.security_event == TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE
    assert "WRONG_CIPHER_RETURNED" in rejected.detail


@asynccontextmanager
async def openssl_s_server(*arguments: str) -> AsyncIterator[int]:
    """``openssl s_server`` on a free port: TLS 1.3 suites Python's ssl cannot restrict."""
    command = ["openssl", "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", *arguments]
    async with trio.open_nursery() as nursery:
        process = await nursery.start(
            partial(
                trio.run_process,
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        )
        output = b""
        with trio.fail_after(TIMEOUT):
            while b"\n" not in output.partition(b"ACCEPT ")[2]:
                chunk = await process.stdout.receive_some()
                assert chunk, f"openssl s_server exited: {output!r}"
                output += chunk
        address = output.partition(b"ACCEPT ")[2].partition(b"\n")[0]
        try:
            yield int(address.rpartition(b":")[2])
        finally:
            process.kill()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_tls13_server_insisting_on_chacha20_gives_invalid_tls_cipher_suite(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    async with openssl_s_server(
        "-cert", str(pki.server.cert), "-key", str(pki.server.key),
        "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256",
    ) as port:  # fmt: skip
        rejected = await rejection(port, profile2)
    assert rejected.security_event == TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE
    assert "TLS_CHACHA20_POLY1305_SHA256 (TLSv1.3)" in rejected.detail


# -- client certificates: security profile 3 (TC_A_07) ----------------------------------------


@pytest.mark.parametrize("maximum", [None, ssl.TLSVersion.TLSv1_2], ids=["tls13", "tls12"])
async def test_csms_sees_serial_number_and_organization_in_the_client_certificate(
    pki: TestPki, profile3: ssl.SSLContext, maximum: ssl.TLSVersion | None
) -> None:
    context = server_context(pki.server, maximum=maximum, client_ca=pki.csms_root)
    async with tls_server(context) as csms:
        stream = await connect(csms.port, profile3)
        assert await stream.receive_some() == b"welcome"
        await stream.aclose()
        view = await csms.views.receive()
    assert view.client_subject == {"commonName": SERIAL_NUMBER, "organizationName": ORGANIZATION}


async def test_missing_client_certificate_under_tls12_gives_failed_to_authenticate(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    context = server_context(pki.server, maximum=ssl.TLSVersion.TLSv1_2, client_ca=pki.csms_root)
    async with tls_server(context) as csms:
        rejected = await rejection(csms.port, profile2)
        view = await csms.views.receive()
    assert rejected.security_event == TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS
    assert "SSLV3_ALERT_HANDSHAKE_FAILURE" in rejected.detail
    assert view.error is not None and view.error.reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE"


async def test_missing_client_certificate_under_tls13_shows_on_the_first_read(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    # TLS 1.3: our handshake is complete before the CSMS looks at (the lack of) our certificate.
    async with tls_server(server_context(pki.server, client_ca=pki.csms_root)) as csms:
        stream = await connect(csms.port, profile2)
        with pytest.raises(trio.BrokenResourceError) as caught:
            await stream.receive_some()
        await stream.aclose()
    rejected = classify_tls_failure(caught.value)
    assert rejected is not None
    assert rejected.security_event == TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS
    assert "TLSV13_ALERT_CERTIFICATE_REQUIRED" in rejected.detail


@pytest.fixture
def untrusted_station(pki: TestPki) -> ssl.SSLContext:
    """Profile 3 with a client certificate from a CA the CSMS does not know."""
    return client_context(
        ca_files=[pki.csms_root.cert],
        cert_file=pki.untrusted_server.cert,
        key_file=pki.untrusted_server.key,
    )


async def test_untrusted_client_certificate_under_tls12_gives_failed_to_authenticate(
    pki: TestPki, untrusted_station: ssl.SSLContext
) -> None:
    context = server_context(pki.server, maximum=ssl.TLSVersion.TLSv1_2, client_ca=pki.csms_root)
    async with tls_server(context) as csms:
        rejected = await rejection(csms.port, untrusted_station)
    assert rejected.security_event == TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS
    assert "TLSV1_ALERT_UNKNOWN_CA" in rejected.detail


async def test_untrusted_client_certificate_under_tls13_shows_on_the_first_read(
    pki: TestPki, untrusted_station: ssl.SSLContext
) -> None:
    async with tls_server(server_context(pki.server, client_ca=pki.csms_root)) as csms:
        stream = await connect(csms.port, untrusted_station)
        with pytest.raises(trio.BrokenResourceError) as caught:
            await stream.receive_some()
        await stream.aclose()
    rejected = classify_tls_failure(caught.value)
    assert rejected is not None
    assert rejected.security_event == TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS
    assert "TLSV1_ALERT_UNKNOWN_CA" in rejected.detail


# -- failures that are not about TLS parameters -----------------------------------------------


async def test_refused_connection_is_connect_failed(profile2: ssl.SSLContext) -> None:
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        with pytest.raises(ConnectFailed, match=f"127.0.0.1:{port}: connection refused"):
            await open_tls_stream("127.0.0.1", port, profile2, connect_timeout=TIMEOUT)


async def test_silent_server_is_connect_failed_after_the_timeout(profile2: ssl.SSLContext) -> None:
    async def silent(tcp: trio.SocketStream) -> None:
        await trio.sleep_forever()

    async with tcp_server(silent) as csms:
        with pytest.raises(ConnectFailed, match=r"TLS handshake not completed within 0\.2 s"):
            await open_tls_stream("localhost", csms.port, profile2, connect_timeout=0.2)


async def test_reset_connection_is_connect_failed(profile2: ssl.SSLContext) -> None:
    async def reset(tcp: trio.SocketStream) -> None:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    async with tcp_server(reset) as csms:
        with pytest.raises(ConnectFailed, match="connection lost during the TLS handshake"):
            await connect(csms.port, profile2)


async def test_server_hanging_up_without_an_alert_is_rejected_without_security_event(
    profile2: ssl.SSLContext,
) -> None:
    async def hang_up(tcp: trio.SocketStream) -> None:
        await tcp.receive_some()

    async with tcp_server(hang_up) as csms:
        rejected = await rejection(csms.port, profile2)
    assert rejected.security_event is None
    assert "closed the connection before answering our ClientHello" in rejected.detail


async def test_plain_http_server_is_reported_as_not_speaking_tls(
    profile2: ssl.SSLContext,
) -> None:
    reply = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
    async with tcp_server(answering_client_hello_with(reply)) as csms:
        rejected = await rejection(csms.port, profile2)
    assert rejected.security_event is None
    assert "does not speak TLS (its first byte is 0x48)" in rejected.detail


def test_both_failures_are_csms_connect_errors() -> None:
    assert issubclass(ConnectFailed, CsmsConnectError)
    assert issubclass(TlsRejected, CsmsConnectError)
    rejected = TlsRejected(TlsSecurityEvent.INVALID_TLS_VERSION, "x" * 300)
    assert str(rejected).endswith("[InvalidTLSVersion]")
    assert rejected.tech_info == "x" * 255


# -- classification of alerts (string names from OpenSSL, so tested one by one) ---------------


def ssl_error(reason: str) -> trio.BrokenResourceError:
    error = ssl.SSLError(1, f"[SSL: {reason}] test")
    error.reason = reason
    error.library = "SSL"
    broken = trio.BrokenResourceError()
    broken.__cause__ = error
    return broken


@pytest.mark.parametrize(
    ("reason", "event"),
    [
        ("SSLV3_ALERT_BAD_CERTIFICATE", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("SSLV3_ALERT_CERTIFICATE_EXPIRED", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("SSLV3_ALERT_CERTIFICATE_REVOKED", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("SSLV3_ALERT_CERTIFICATE_UNKNOWN", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("TLSV1_ALERT_ACCESS_DENIED", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("TLSV1_ALERT_UNKNOWN_CA", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("TLSV13_ALERT_CERTIFICATE_REQUIRED", TlsSecurityEvent.FAILED_TO_AUTHENTICATE_AT_CSMS),
        ("TLSV1_ALERT_PROTOCOL_VERSION", TlsSecurityEvent.INVALID_TLS_VERSION),
        ("EE_KEY_TOO_SMALL", TlsSecurityEvent.INVALID_CSMS_CERTIFICATE),
        ("CA_MD_TOO_WEAK", TlsSecurityEvent.INVALID_CSMS_CERTIFICATE),
        ("TLSV1_ALERT_INTERNAL_ERROR", None),
        ("DECRYPTION_FAILED_OR_BAD_RECORD_MAC", None),
    ],
)
def test_errors_after_the_handshake_are_classified_by_openssl_reason(
    reason: str, event: TlsSecurityEvent | None
) -> None:
    rejected = classify_tls_failure(ssl_error(reason))
    assert rejected is not None
    assert rejected.security_event == event
    assert reason in rejected.detail


def test_non_tls_errors_are_not_classified() -> None:
    broken = trio.BrokenResourceError()
    broken.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert classify_tls_failure(broken) is None
    assert classify_tls_failure(trio.TooSlowError()) is None


# -- checks of a completed handshake ----------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "cipher", "compression", "event"),
    [
        ("TLSv1.1", "ECDHE-ECDSA-AES128-SHA", None, TlsSecurityEvent.INVALID_TLS_VERSION),
        (None, None, None, TlsSecurityEvent.INVALID_TLS_VERSION),
        (
            "TLSv1.3",
            "TLS_CHACHA20_POLY1305_SHA256",
            None,
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
        ),
        ("TLSv1.2", "AES128-GCM-SHA256", None, TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE),
        ("TLSv1.2", "ECDHE-RSA-AES128-SHA256", None, TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE),
        (
            "TLSv1.2",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "zlib",
            TlsSecurityEvent.INVALID_TLS_CIPHER_SUITE,
        ),
    ],
)
def test_negotiated_session_outside_ocpp_rules_is_rejected(
    pki: TestPki, version: str | None, cipher: str | None, compression: str | None, event: str
) -> None:
    with pytest.raises(TlsRejected) as caught:
        check_negotiated_session(
            version=version,
            cipher=cipher,
            compression=compression,
            server_certificate=pki.server.certificate,
            allow_wildcards=False,
        )
    assert caught.value.security_event == event


@pytest.mark.parametrize("cipher", sorted(ALLOWED_CIPHER_SUITES))
def test_every_allowed_suite_passes_the_session_check(pki: TestPki, cipher: str) -> None:
    version = "TLSv1.3" if cipher.startswith("TLS_") else "TLSv1.2"
    check_negotiated_session(
        version=version,
        cipher=cipher,
        compression=None,
        server_certificate=pki.server.certificate,
        allow_wildcards=False,
    )


def test_wildcard_names_come_from_common_name_and_dns_alt_names(pki: TestPki) -> None:
    assert wildcard_names(pki.server.certificate) == []
    assert wildcard_names(pki.wildcard_server.certificate) == ["*.csms.localhost"] * 2
    assert wildcard_names(pki.csms_root.certificate) == []  # no subjectAltName at all


def test_describe_certificate_names_subject_issuer_validity_and_serial(pki: TestPki) -> None:
    certificate = pki.station.certificate
    line = describe_certificate(certificate)
    assert line.startswith(f"subject_cn='{SERIAL_NUMBER}' issuer_cn='Test CSMS Root CA' ")
    assert f"not_after={certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}" in line
    assert line.endswith(f"serial={certificate.serial_number:x}")
    assert "\n" not in line


# -- end to end: OCPP WebSocket over the stream -----------------------------------------------


async def test_websocket_over_tls_stream_exchanges_an_ocpp_message(
    pki: TestPki, profile3: ssl.SSLContext
) -> None:
    seen: dict[str, object] = {}

    async def csms(request: trio_websocket.WebSocketRequest) -> None:
        seen["path"] = request.path
        seen["headers"] = dict(request.headers)
        connection = await request.accept(subprotocol="ocpp2.0.1")
        await connection.send_message(await connection.get_message())

    server_ssl = server_context(pki.server, client_ca=pki.csms_root)
    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            partial(trio_websocket.serve_websocket, csms, "127.0.0.1", 0, server_ssl)
        )
        stream = await connect(server.port, profile3)
        with trio.fail_after(TIMEOUT):
            connection = await trio_websocket.wrap_client_stream(
                nursery,
                stream,
                f"localhost:{server.port}",
                "/ocpp/CT4000-0042",
                subprotocols=["ocpp2.0.1"],
                extra_headers=[(b"authorization", b"Basic Q1Q0MDAwLTAwNDI6c2VjcmV0")],
            )
            assert connection.subprotocol == "ocpp2.0.1"
            call = '[2,"19223201","Heartbeat",{}]'
            await connection.send_message(call)
            assert await connection.get_message() == call
            await connection.aclose()
        nursery.cancel_scope.cancel()
    assert seen["path"] == "/ocpp/CT4000-0042"
    assert seen["headers"][b"authorization"] == b"Basic Q1Q0MDAwLTAwNDI6c2VjcmV0"


# -- contexts built once, off the event loop --------------------------------------------------


def count_default_contexts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the thread of every ``ssl.create_default_context`` call (the costly one: it
    loads the system trust store), from an empty context cache (contexts are shared by
    content, so an earlier test may have built the same one)."""
    from collections import OrderedDict

    monkeypatch.setattr("station.ocpp.tls._cache", OrderedDict())
    threads: list[str] = []
    real = ssl.create_default_context

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counted)
    return threads


def test_transfer_context_is_built_once_per_version_of_the_csms_roots(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = count_default_contexts(monkeypatch)
    bundle = tmp_path / "csms-roots.pem"
    bundle.write_bytes(pki.csms_root.cert.read_bytes())
    first = transfer_context(bundle)
    assert transfer_context(bundle) is first
    assert len(built) == 1
    assert first.minimum_version == ssl.TLSVersion.TLSv1_2
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname
    subjects = [dict(rdn[0] for rdn in ca["subject"]) for ca in first.get_ca_certs()]
    assert {"organizationName": ORGANIZATION, "commonName": "Test CSMS Root CA"} in subjects
    # A changed bundle (written by rename, as the store does) is a new context.
    replacement = tmp_path / "new.pem"
    replacement.write_bytes(pki.csms_root.cert.read_bytes() + pki.csms_rsa_root.cert.read_bytes())
    replacement.replace(bundle)
    second = transfer_context(bundle)
    assert second is not first and len(built) == 2
    names = [
        dict(rdn[0] for rdn in ca["subject"]).get("commonName") for ca in second.get_ca_certs()
    ]
    assert "Test CSMS RSA Root CA" in names
    # Without CSMS roots: the system store alone, one context whatever the path (each
    # data directory of the process shares it).
    alone = transfer_context(tmp_path / "absent.pem")
    assert alone.verify_mode == ssl.CERT_REQUIRED
    assert transfer_context(tmp_path / "elsewhere" / "absent.pem") is alone
    assert transfer_context(None) is alone
    assert not any(
        dict(rdn[0] for rdn in ca["subject"]).get("commonName") == "Test CSMS Root CA"
        for ca in alone.get_ca_certs()
    )


def test_transfers_share_the_cached_context(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.maintenance.transfer import trust

    built = count_default_contexts(monkeypatch)
    bundle = tmp_path / "csms-roots.pem"
    bundle.write_bytes(pki.csms_root.cert.read_bytes())
    assert trust(bundle) is trust(bundle)
    assert len(built) == 1


def test_client_context_is_cached_per_version_of_its_files(pki: TestPki, tmp_path: Path) -> None:
    key = tmp_path / "station.key"
    key.write_bytes(pki.station.key.read_bytes())
    arguments = {"ca_files": [pki.csms_root.cert], "cert_file": pki.station.cert, "key_file": key}
    context = cached_client_context(**arguments)
    assert cached_client_context(**arguments) is context
    assert context.get_ciphers() == client_context(**arguments).get_ciphers()
    rewritten = tmp_path / "tmp.key"
    rewritten.write_bytes(pki.station.key.read_bytes())
    rewritten.replace(key)
    assert cached_client_context(**arguments) is not context
    # A file that cannot be used is an error each time, never a cached context.
    for _ in range(2):
        with pytest.raises(TlsConfigError, match="cannot read"):
            cached_client_context(ca_files=[tmp_path / "gone.pem"], cert_file=None, key_file=None)


async def test_the_certificate_store_builds_the_contexts_in_its_worker_thread(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every change the store builds the transfer and connection contexts in its
    worker thread; the event loop then only finds them (no 20+ ms build on the loop).
    The transfers' context (the system trust store, ~2 MiB) waits until transfers are
    used: a boot without a GetLog or an UpdateFirmware never builds it."""
    from station.offload import ThreadOffload
    from station.security.certificates import CertificateStore

    built = count_default_contexts(monkeypatch)
    store = CertificateStore(
        tmp_path / "certificates", ThreadOffload(), lambda: dt.datetime.now(dt.UTC)
    )
    await store.load(
        csms_root=pki.csms_root.cert, certificate=pki.station.cert, key=pki.station.key
    )
    assert built == []  # no trust store loaded by a boot
    await store.prepare_transfers()
    loop_thread = threading.current_thread().name
    assert built and loop_thread not in built
    chain, key = store.client_files()

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a context was built on the event loop")

    monkeypatch.setattr(ssl, "create_default_context", refuse)
    monkeypatch.setattr("station.ocpp.tls.client_context", refuse)
    transfer_context(store.bundle_path)
    cached_client_context(ca_files=[store.bundle_path], cert_file=None, key_file=None)
    cached_client_context(ca_files=[store.bundle_path], cert_file=chain, key_file=key)


# -- revocation checking of the CSMS certificate (operator setting) ---------------------------


def server_with_crl_point(
    issuer: IssuedCertificate, directory: Path, url: str | None
) -> IssuedCertificate:
    """A server certificate for localhost issued by ``issuer`` whose cRLDistributionPoints
    names ``url`` (none when None); written to ``directory``."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    )
    if url is not None:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    certificate = builder.sign(issuer.private_key, hashes.SHA256())
    directory.mkdir(parents=True, exist_ok=True)
    cert = directory / "crl-server.pem"
    chain = directory / "crl-server-chain.pem"
    key_path = directory / "crl-server.key"
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    cert.write_bytes(pem)
    root = issuer.certificate.issuer == issuer.certificate.subject
    intermediates = b"" if root else issuer.chain.read_bytes()
    chain.write_bytes(pem + intermediates)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return IssuedCertificate("crl-server", cert, key_path, chain, certificate, key)


def make_crl(
    issuer: IssuedCertificate,
    *,
    revoked: tuple[int, ...] = (),
    signer: IssuedCertificate | None = None,
    next_update: dt.timedelta = dt.timedelta(days=1),
) -> bytes:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now - dt.timedelta(days=2))
        .next_update(now + next_update)
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(now - dt.timedelta(hours=1))
            .build()
        )
    crl = builder.sign((signer or issuer).private_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.DER)


async def connect_checked(port: int, context: ssl.SSLContext, checker: CrlChecker) -> None:
    stream = await open_tls_stream(
        "localhost", port, context, connect_timeout=TIMEOUT, revocation=checker
    )
    assert await stream.receive_some() == b"welcome"
    await stream.aclose()


@pytest.mark.parametrize("issuer_name", ["csms_root", "csms_intermediate"])
async def test_crl_check_accepts_a_listed_crl_without_the_server_and_caches_it(
    pki: TestPki, profile2: ssl.SSLContext, tmp_path: Path, issuer_name: str
) -> None:
    """Issued by the root, or by an intermediate the server sends (found through the
    verified chain)."""
    issuer = getattr(pki, issuer_name)
    with FileServer() as crls:
        server = server_with_crl_point(issuer, tmp_path, crls.url("/ca.crl"))
        other = x509.random_serial_number()
        crls.files["/ca.crl"] = make_crl(issuer, revoked=(other,))
        checker = CrlChecker()
        async with tls_server(server_context(server)) as csms:
            await connect_checked(csms.port, profile2, checker)
            await connect_checked(csms.port, profile2, checker)
        assert [r[1] for r in crls.requests] == ["/ca.crl"]  # fetched once, then cached


@pytest.mark.parametrize(
    ("arrange", "explanation"),
    [
        (lambda pki, serial: {"revoked": (serial,)}, "was revoked"),
        (lambda pki, serial: {"signer": pki.unknown_root}, "signature does not verify"),
        (lambda pki, serial: {"next_update": -dt.timedelta(hours=1)}, "not current"),
        (lambda pki, serial: None, "HTTP 404"),
    ],
    ids=["revoked", "forged-crl", "stale-crl", "no-crl"],
)
async def test_crl_check_refuses_a_revoked_or_unverifiable_server_certificate(
    pki: TestPki, profile2: ssl.SSLContext, tmp_path: Path, arrange, explanation: str
) -> None:
    with FileServer() as crls:
        server = server_with_crl_point(pki.csms_root, tmp_path, crls.url("/ca.crl"))
        crl = arrange(pki, server.certificate.serial_number)
        if crl is not None:
            crls.files["/ca.crl"] = make_crl(pki.csms_root, **crl)
        async with tls_server(server_context(server)) as csms:
            with pytest.raises(TlsRejected) as caught:
                await connect_checked(csms.port, profile2, CrlChecker())
    assert caught.value.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert explanation in caught.value.detail


async def test_crl_check_refuses_a_server_certificate_without_a_distribution_point(
    pki: TestPki, profile2: ssl.SSLContext
) -> None:
    async with tls_server(server_context(pki.server)) as csms:
        with pytest.raises(TlsRejected) as caught:
            await connect_checked(csms.port, profile2, CrlChecker())
    assert caught.value.security_event == TlsSecurityEvent.INVALID_CSMS_CERTIFICATE
    assert "no http cRLDistributionPoint" in caught.value.detail


async def test_without_the_setting_a_revoked_server_certificate_is_not_looked_up(
    pki: TestPki, profile2: ssl.SSLContext, tmp_path: Path
) -> None:
    """Off by default: no CRL is fetched (the operator's PKI may publish none)."""
    with FileServer() as crls:
        server = server_with_crl_point(pki.csms_root, tmp_path, crls.url("/ca.crl"))
        crls.files["/ca.crl"] = make_crl(pki.csms_root, revoked=(server.certificate.serial_number,))
        async with tls_server(server_context(server)) as csms:
            stream = await connect(csms.port, profile2)
            await stream.aclose()
        assert crls.requests == []


def test_the_tls_context_bench_runs_and_reports() -> None:
    from bench.tls_context import run

    result = run(3)
    assert set(result["results"]) == {
        "transfer, built per transfer",
        "transfer, cached lookup",
        "connection, built per attempt",
        "connection, cached lookup",
    }
    assert all(stats["n"] == 3 for stats in result["results"].values())
    assert result["text"].startswith("## TLS contexts")


async def test_station_check_applies_the_crl_setting(pki: TestPki, tmp_path: Path) -> None:
    """`station check` judges the CSMS certificate as the station will: with the CRL
    check on, a revoked certificate is a FAIL."""
    from station.ops.check import _csms
    from tests.conftest import make_config

    with FileServer() as crls:
        server = server_with_crl_point(pki.csms_root, tmp_path / "server", crls.url("/ca.crl"))
        crls.files["/ca.crl"] = make_crl(pki.csms_root, revoked=(server.certificate.serial_number,))
        async with tls_server(server_context(server)) as csms:
            url = f"wss://localhost:{csms.port}/ocpp"
            verdicts = {}
            for setting in ("off", "crl"):
                config = make_config(
                    tmp_path / setting,
                    url,
                    profile=2,
                    csms={"ca_file": str(pki.csms_root.cert)},
                    security={"csms_revocation_check": setting},
                )
                (*_, tls) = await _csms(config, TIMEOUT)
                verdicts[setting] = tls
    assert verdicts["off"].verdict == "OK"
    assert verdicts["crl"].verdict == "FAIL" and "was revoked" in verdicts["crl"].detail


def test_stations_with_the_same_csms_roots_share_one_transfer_context(
    pki: TestPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet's stations each keep their own roots file; the same content is one context
    (the system trust store is parsed once, not once per station)."""
    built = count_default_contexts(monkeypatch)
    first, second, other = tmp_path / "a.pem", tmp_path / "b.pem", tmp_path / "c.pem"
    first.write_bytes(pki.csms_root.cert.read_bytes())
    second.write_bytes(pki.csms_root.cert.read_bytes())
    other.write_bytes(pki.csms_rsa_root.cert.read_bytes())
    assert transfer_context(first) is transfer_context(second)
    assert transfer_context(other) is not transfer_context(first)
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"")
    assert transfer_context(empty) is transfer_context(tmp_path / "absent.pem")
    assert len(built) == 3
