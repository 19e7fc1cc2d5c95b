"""Secure firmware update (L01) against the judge and a local HTTP server, bounded
downloads hashed while they stream, and the installer for this project's firmware bundles
(hash-pinned wheels, no index, extras, downgrade rule, boot guard, rollback)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from station.maintenance.firmware import verify_signature
from station.maintenance.transfer import Downloaded, DownloadLimits, TransferError, download
from station.offload import ThreadOffload
from station.ops import firmware_installer
from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.fileserver import FileServer
from tests.judge import Judge
from tools.firmware import build_bundle, pack_bundle, sign, write_wheel
from tools.testpki import TestPki, make_test_pki

FIRMWARE = b"new firmware image\n" * 5000
INSTALLER = """
import json, os, sys
from pathlib import Path
record = Path(sys.argv[1])
target = Path(sys.argv[-1])  # the station appends the firmware file
record.write_text(json.dumps({"file": target.read_bytes().decode(),
                              "request": os.environ.get("OCPP_FIRMWARE_REQUEST_ID")}))
exit_code = record.with_name("exit-code")
sys.exit(int(exit_code.read_text()) if exit_code.exists() else 0)
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def iso(seconds_ahead: float = 0.0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_ahead)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def update(pki: TestPki, url: str, request_id: int = 1, data: bytes = FIRMWARE, **extra) -> dict:
    firmware = {
        "location": url,
        "retrieveDateTime": iso(),
        "signingCertificate": pki.firmware_signing.cert.read_text(),
        "signature": sign_bytes(pki, data),
        **extra.pop("firmware", {}),
    }
    return {"requestId": request_id, "firmware": firmware, **extra}


def sign_bytes(pki: TestPki, data: bytes) -> str:
    path = Path(pki.directory) / "to-sign.bin"
    path.write_bytes(data)
    return sign(path, pki.firmware_signing.private_key)


def firmware_statuses(judge: Judge, request_id: int | None = None) -> list[str]:
    return [
        r.payload["status"]
        for r in judge.received
        if r.action == "FirmwareStatusNotification"
        and (request_id is None or r.payload.get("requestId") == request_id)
    ]


def config(tmp_path: Path, judge: Judge, installer: list[str] | None):
    firmware = {"installer": installer} if installer else {}
    return make_config(tmp_path / "station", judge.url, firmware=firmware)


def script_installer(tmp_path: Path) -> tuple[list[str], Path]:
    script = tmp_path / "installer.py"
    script.write_text(INSTALLER)
    record = tmp_path / "installed.json"
    return [sys.executable, str(script), str(record)], record


async def install_manufacturer_root(judge: Judge, pki: TestPki) -> None:
    answer = await judge.call(
        "InstallCertificate",
        {
            "certificateType": "ManufacturerRootCertificate",
            "certificate": pki.manufacturer_root.cert.read_text(),
        },
    )
    assert answer["status"] == "Accepted"


async def wait_status(judge: Judge, status: str, request_id: int, timeout: float = 15) -> None:
    await judge.wait_for(
        "FirmwareStatusNotification",
        where=lambda p: p["status"] == status and p.get("requestId") == request_id,
        timeout=timeout,
    )


async def update_with_failing_installer(
    judge: Judge,
    pki: TestPki,
    url: str,
    record: Path,
    exit_code: int,
    request_id: int,
    firmware: dict,
    final: str,
) -> None:
    """Boot, trust the manufacturer root, update with an installer that exits with
    ``exit_code``; wait for the ``final`` status and the connectors coming back."""
    await judge.wait_for("BootNotification")
    await judge.wait_for("StatusNotification", count=2)
    await install_manufacturer_root(judge, pki)
    record.with_name("exit-code").write_text(str(exit_code))
    request = update(pki, url, request_id, firmware=firmware)
    assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
    await wait_status(judge, final, request_id)
    # The connectors come back once the installation failed.
    await judge.wait_for(
        "StatusNotification", count=4, where=lambda p: p["connectorStatus"] == "Available"
    )


async def test_tc_l_01_installation_successful(tmp_path, pki):
    installer, record = script_installer(tmp_path)
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            await judge.wait_for("BootNotification")
            await judge.wait_for("StatusNotification", count=2)
            await install_manufacturer_root(judge, pki)
            answer = await judge.call("UpdateFirmware", update(pki, server.url("/fw.bin")))
            assert answer["status"] == "Accepted"
            await wait_status(judge, "Installed", 1)
            await judge.wait_for(
                "SecurityEventNotification", where=lambda p: p["type"] == "FirmwareUpdated"
            )
            await judge.wait_for(
                "StatusNotification",
                count=2,
                where=lambda p: p["connectorStatus"] == "Available",
            )
            await judge.call("TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
            idle = await judge.wait_for(
                "FirmwareStatusNotification", where=lambda p: p["status"] == "Idle"
            )
    assert firmware_statuses(judge, 1) == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "InstallRebooting",
        "Installed",
    ]
    assert "requestId" not in idle[0].payload
    boots = [r.payload["reason"] for r in judge.received if r.action == "BootNotification"]
    assert boots == ["PowerUp", "FirmwareUpdate"]
    installing = next(
        r.at
        for r in judge.received
        if r.action == "FirmwareStatusNotification" and r.payload["status"] == "Installing"
    )
    unavailable = [
        r
        for r in judge.received
        if r.action == "StatusNotification" and r.payload["connectorStatus"] == "Unavailable"
    ]
    assert {r.payload["evseId"] for r in unavailable} == {1, 2}
    assert all(r.at <= installing for r in unavailable)
    installed = json.loads(record.read_text())
    assert installed == {"file": FIRMWARE.decode(), "request": "1"}
    assert not list((tmp_path / "station" / "firmware").glob("*.bin"))
    assert not judge.violations


async def test_tc_l_05_l_06_l_18_refused_before_or_after_download(tmp_path, pki):
    installer, record = script_installer(tmp_path)
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            await judge.wait_for("BootNotification")
            url = server.url("/fw.bin")
            # No manufacturer root yet: nothing can be trusted.
            before = await judge.call("UpdateFirmware", update(pki, url, 1))
            assert before["status"] == "InvalidCertificate"
            await install_manufacturer_root(judge, pki)
            # TC_L_05: a signing certificate from another CA.
            foreign = update(
                pki, url, 2, firmware={"signingCertificate": pki.server.cert.read_text()}
            )
            assert (await judge.call("UpdateFirmware", foreign))["status"] == "InvalidCertificate"
            await judge.wait_for(
                "SecurityEventNotification",
                where=lambda p: p["type"] == "InvalidFirmwareSigningCertificate",
            )
            # TC_L_18: no certificate and no signature.
            bare = {"requestId": 3, "firmware": {"location": url, "retrieveDateTime": iso()}}
            assert (await judge.call("UpdateFirmware", bare))["status"] in (
                "Rejected",
                "InvalidCertificate",
            )
            # TC_L_06: the signature is over other bytes.
            forged = update(pki, url, 4, firmware={"signature": sign_bytes(pki, b"something else")})
            assert (await judge.call("UpdateFirmware", forged))["status"] == "Accepted"
            await wait_status(judge, "InvalidSignature", 4)
            await judge.wait_for(
                "SecurityEventNotification", where=lambda p: p["type"] == "InvalidFirmwareSignature"
            )
    assert firmware_statuses(judge, 4) == ["Downloading", "Downloaded", "InvalidSignature"]
    assert not record.exists()  # never installed
    assert not judge.violations


async def test_tc_l_07_download_failed_after_retries(tmp_path, pki):
    with (
        Judge(password=PASSWORD) as judge,
        FileServer(files={"/fw.bin": FIRMWARE}, fail_next=[500, 503, 500]) as server,
    ):
        async with live_station(config(tmp_path, judge, None), variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            request = update(pki, server.url("/fw.bin"), 5, retries=2, retryInterval=1)
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await wait_status(judge, "DownloadFailed", 5)
    assert firmware_statuses(judge, 5) == [
        "Downloading",
        "Downloading",
        "Downloading",
        "DownloadFailed",
    ]
    times = [r[2] for r in server.requests]
    assert times[2] - times[0] >= 2.0


async def test_tc_l_02_l_03_scheduled_download_and_install_then_installer_failure(tmp_path, pki):
    installer, record = script_installer(tmp_path)
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            firmware = {"retrieveDateTime": iso(1.5), "installDateTime": iso(3.5)}
            await update_with_failing_installer(
                judge, pki, server.url("/fw.bin"), record, 1, 6, firmware, "InstallationFailed"
            )
    statuses = firmware_statuses(judge, 6)
    assert statuses == [
        "DownloadScheduled",
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "InstallScheduled",
        "Installing",
        "InstallationFailed",
    ]
    assert record.exists()
    download = next(r.at for r in judge.received if r.payload.get("status") == "Downloading")
    scheduled = next(r.at for r in judge.received if r.payload.get("status") == "DownloadScheduled")
    assert download - scheduled >= 1.0


async def test_tc_l_08_install_verification_failed(tmp_path, pki):
    """The installer finds the new version broken (exit 3): InstallVerificationFailed, the
    connectors come back, the old version keeps running."""
    installer, record = script_installer(tmp_path)
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            firmware = {"installDateTime": iso(-7200)}  # as in the test case: in the past
            await update_with_failing_installer(
                judge,
                pki,
                server.url("/fw.bin"),
                record,
                3,
                11,
                firmware,
                "InstallVerificationFailed",
            )
            unavailable = [
                r.at
                for r in judge.received
                if r.action == "StatusNotification"
                and r.payload["connectorStatus"] == "Unavailable"
            ]
    assert firmware_statuses(judge, 11) == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "InstallVerificationFailed",
    ]
    installing = next(r.at for r in judge.received if r.payload.get("status") == "Installing")
    assert len(unavailable) == 2 and max(unavailable) <= installing
    assert record.exists()
    assert not any(
        r.payload.get("type") == "FirmwareUpdated"
        for r in judge.received
        if r.action == "SecurityEventNotification"
    )


async def test_tc_l_10_new_request_cancels_a_download(tmp_path, pki):
    installer, record = script_installer(tmp_path)
    files = {"/slow.bin": FIRMWARE, "/fw.bin": FIRMWARE}
    with (
        Judge(password=PASSWORD) as judge,
        FileServer(files=files, held={"/slow.bin"}) as server,
    ):
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            first = update(pki, server.url("/slow.bin"), 7)
            assert (await judge.call("UpdateFirmware", first))["status"] == "Accepted"
            await wait_status(judge, "Downloading", 7)
            await server.wait(lambda: any(p == "/slow.bin" for _, p, _ in server.requests))
            second = update(pki, server.url("/fw.bin"), 8)
            assert (await judge.call("UpdateFirmware", second))["status"] == "AcceptedCanceled"
            await wait_status(judge, "Installed", 8)
            server.release()
    assert firmware_statuses(judge, 7) == ["Downloading"]
    assert firmware_statuses(judge, 8)[:3] == ["Downloading", "Downloaded", "SignatureVerified"]
    assert json.loads(record.read_text())["request"] == "8"


async def test_installation_waits_for_the_transaction(tmp_path, pki):
    """C-43 No / L01.FR.06–07: download during a transaction, install after it; the idle
    EVSE is held Unavailable meanwhile."""
    installer, record = script_installer(tmp_path)
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST) as station:
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            sim = station.hardware.sim
            sim.plug(1)
            sim.tap("04A1B2C3")
            await judge.wait_for("TransactionEvent", where=lambda p: p["eventType"] == "Started")
            assert (await judge.call("UpdateFirmware", update(pki, server.url("/fw.bin"), 9)))[
                "status"
            ] == "Accepted"
            await wait_status(judge, "InstallScheduled", 9)
            await judge.wait_for(
                "StatusNotification",
                where=lambda p: p["evseId"] == 2 and p["connectorStatus"] == "Unavailable",
            )
            assert not record.exists()
            sim.unplug(1)
            await wait_status(judge, "Installed", 9, timeout=20)
    ended = next(
        r.at
        for r in judge.received
        if r.action == "TransactionEvent" and r.payload["eventType"] == "Ended"
    )
    installing = next(r.at for r in judge.received if r.payload.get("status") == "Installing")
    assert ended <= installing


# -- bounded downloads, hashed while streaming ----------------------------------------------

#: 200 000 bytes that differ from block to block (a wrong offset shows in the hash).
PAYLOAD = b"".join(i.to_bytes(4, "big") * 1000 for i in range(50))


async def test_download_hashes_while_streaming_and_resumes_a_partial_file(tmp_path):
    """The digest covers the file on disk: the partial prefix already there (hashed from
    disk) and the rest the server sends after Range; a file exactly at the limit passes."""
    target = tmp_path / "fw.bin"
    prefix = b"P" * 70_000  # not the server's bytes: the hash must follow the disk
    target.write_bytes(prefix)
    with FileServer(files={"/fw.bin": PAYLOAD}) as server:
        done = await download(
            server.url("/fw.bin"),
            target,
            ThreadOffload(),
            limits=DownloadLimits(max_bytes=len(PAYLOAD)),
        )
    expected = prefix + PAYLOAD[70_000:]
    assert target.read_bytes() == expected
    assert done == Downloaded(len(PAYLOAD), hashlib.sha256(expected).digest())


async def test_download_resumed_at_the_wrong_byte_is_refused_and_starts_afresh(tmp_path):
    """A 206 that is not the part asked for: a precise error, the partial file removed,
    and the next attempt fetches the whole file."""
    target = tmp_path / "fw.bin"
    target.write_bytes(PAYLOAD[:70_000])
    limits = DownloadLimits(max_bytes=len(PAYLOAD))
    with FileServer(files={"/fw.bin": PAYLOAD}, wrong_range={"/fw.bin"}) as server:
        with pytest.raises(TransferError) as refused:
            await download(server.url("/fw.bin"), target, ThreadOffload(), limits=limits)
        assert str(refused.value) == "the server resumed at byte 0, not at 70000"
        assert not target.exists()
        done = await download(server.url("/fw.bin"), target, ThreadOffload(), limits=limits)
    assert target.read_bytes() == PAYLOAD
    assert done == Downloaded(len(PAYLOAD), hashlib.sha256(PAYLOAD).digest())


async def test_download_that_does_not_finish_in_time_fails_and_keeps_its_part(tmp_path):
    """limits.deadline bounds the whole attempt, whatever the per-read timeout: a server
    that holds the answer fails the attempt with a precise error."""
    target = tmp_path / "fw.bin"
    target.write_bytes(PAYLOAD[:1000])
    limits = DownloadLimits(max_bytes=len(PAYLOAD), deadline=0.5)
    with FileServer(files={"/fw.bin": PAYLOAD}, held={"/fw.bin"}) as server:
        with pytest.raises(TransferError) as failed:
            await download(server.url("/fw.bin"), target, ThreadOffload(), limits=limits)
        server.release()
    assert failed.value.kind == "failure"
    assert str(failed.value) == "not complete within 0.5 s"
    assert target.read_bytes() == PAYLOAD[:1000]  # kept for the next attempt to resume


async def test_download_announced_larger_than_the_limit_is_refused_before_the_body(tmp_path):
    target = tmp_path / "fw.bin"
    with FileServer(files={"/fw.bin": PAYLOAD}) as server:
        with pytest.raises(TransferError) as refused:
            await download(
                server.url("/fw.bin"),
                target,
                ThreadOffload(),
                limits=DownloadLimits(max_bytes=len(PAYLOAD) - 1),
            )
    assert refused.value.kind == "too_large"
    assert str(refused.value) == (
        f"the file has {len(PAYLOAD)} bytes (announced), more than the limit of {len(PAYLOAD) - 1}"
    )
    assert not target.exists()


async def test_download_without_a_length_is_stopped_at_the_limit(tmp_path):
    """Chunked, no Content-Length: the running count stops it and the part is removed."""
    target = tmp_path / "fw.bin"
    with FileServer(files={"/fw.bin": PAYLOAD}, chunked={"/fw.bin"}) as server:
        with pytest.raises(TransferError) as refused:
            await download(
                server.url("/fw.bin"),
                target,
                ThreadOffload(),
                limits=DownloadLimits(max_bytes=100_000),
            )
    assert refused.value.kind == "too_large"
    assert str(refused.value) == "more than the limit of 100000 bytes received"
    assert not target.exists()


async def test_download_refused_when_the_disk_has_no_room(tmp_path):
    target = tmp_path / "fw.bin"
    with FileServer(files={"/fw.bin": PAYLOAD}) as server:
        with pytest.raises(TransferError) as refused:
            await download(
                server.url("/fw.bin"),
                target,
                ThreadOffload(),
                limits=DownloadLimits(max_bytes=len(PAYLOAD), reserve_bytes=1 << 60),
            )
    assert refused.value.kind == "no_space"
    assert f"{len(PAYLOAD) + (1 << 60)} needed" in str(refused.value)
    assert not target.exists()


def test_signature_checked_against_the_streamed_digest_ec_and_rsa(tmp_path, pki):
    """`sign` (blocks) and `verify_signature` (a digest) agree for both key types, and a
    digest of other bytes fails."""
    path = tmp_path / "fw.bin"
    path.write_bytes(PAYLOAD)
    digest = hashlib.sha256(PAYLOAD).digest()
    other = hashlib.sha256(PAYLOAD + b"x").digest()
    ec_certificate = pki.firmware_signing.cert.read_text()
    ec_signature = sign(path, pki.firmware_signing.private_key)
    verify_signature(ec_certificate, ec_signature, digest)
    with pytest.raises(InvalidSignature):
        verify_signature(ec_certificate, ec_signature, other)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "RSA signer")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    rsa_certificate = certificate.public_bytes(serialization.Encoding.PEM).decode()
    rsa_signature = sign(path, key)
    verify_signature(rsa_certificate, rsa_signature, digest)
    with pytest.raises(InvalidSignature):
        verify_signature(rsa_certificate, rsa_signature, other)


def bounded_config(tmp_path: Path, judge: Judge, **transfers: float):
    return make_config(tmp_path / "station", judge.url, transfers=transfers)


async def test_oversize_firmware_ends_download_failed_without_retries(tmp_path, pki, caplog):
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        config = bounded_config(tmp_path, judge, max_firmware_mib=0.05)  # 52 428 bytes
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            request = update(pki, server.url("/fw.bin"), 12, retries=3, retryInterval=1)
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await wait_status(judge, "DownloadFailed", 12)
    assert firmware_statuses(judge, 12) == ["Downloading", "DownloadFailed"]
    assert len(server.requests) == 1
    assert (
        f"kind=too_large reason='the file has {len(FIRMWARE)} bytes (announced), "
        "more than the limit of 52428'" in caplog.text
    )
    assert not list((tmp_path / "station" / "firmware").glob("*.bin"))
    assert not judge.violations


async def test_firmware_download_without_disk_room_reports_memory_exhaustion(tmp_path, pki):
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.bin": FIRMWARE}) as server:
        config = bounded_config(tmp_path, judge, min_free_mib=1e12)
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            request = update(pki, server.url("/fw.bin"), 13, retries=2, retryInterval=1)
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await wait_status(judge, "DownloadFailed", 13)
            (event,) = await judge.wait_for(
                "SecurityEventNotification", where=lambda p: p["type"] == "MemoryExhaustion"
            )
    assert firmware_statuses(judge, 13) == ["Downloading", "DownloadFailed"]
    assert "firmware download:" in event.payload["techInfo"]
    assert "bytes free on the disk of" in event.payload["techInfo"]
    assert not judge.violations


# -- the installer for this project's firmware bundles ---------------------------------------


def run_installer(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, firmware_installer.__file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def tiny_wheels(directory: Path, version: str = "0.1.1") -> tuple[Path, Path, Path]:
    """A small wheel of ``ocpp-station`` (depends on ``tinydep``; its extra ``gpio`` on
    ``tinygpio``) and those two dependencies."""
    station = write_wheel(
        directory,
        name="ocpp-station",
        version=version,
        files={
            "station/__init__.py": f'__version__ = "{version}"\n'.encode(),
            "station/cli.py": b"def main():\n    return 0\n",
        },
        requires=["tinydep==1.0"],
        extras={"gpio": ["tinygpio==1.0"]},
        scripts={"station": "station.cli:main"},
    )
    dep = write_wheel(directory, name="tinydep", version="1.0", files={"tinydep/__init__.py": b""})
    gpio = write_wheel(
        directory, name="tinygpio", version="1.0", files={"tinygpio/__init__.py": b""}
    )
    return station, dep, gpio


def tiny_bundle(directory: Path, version: str = "0.1.1", *, with_dep: bool = True) -> Path:
    station, dep, gpio = tiny_wheels(directory / f"wheels-{version}", version)
    groups = {"": [dep] if with_dep else [], "gpio": [gpio]}
    return pack_bundle(directory / f"dist-{version}", station, groups, {"gpio": ["tinygpio==1.0"]})


def running_release(root: Path, version: str, distributions: tuple[str, ...] = ()) -> Path:
    """A release directory as a virtual environment lays it out, with ``ocpp-station``
    of ``version`` and ``distributions`` installed; ``current`` points at it."""
    release = root / "releases" / version
    site = release / "lib" / "python3.11" / "site-packages"
    for name, dist_version in [("ocpp-station", version), *((d, "1.0") for d in distributions)]:
        info = site / f"{name.replace('-', '_')}-{dist_version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {dist_version}\n"
        )
    (root / "current").symlink_to(release)
    return release


def repack(bundle: Path, target: Path, change) -> Path:
    """A copy of ``bundle`` with ``change(name, data)`` applied to each member (None drops
    it); ``change`` may return (name, data) to rename."""
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            result = change(item.filename, source.read(item))
            if result is None:
                continue
            name, data = result if isinstance(result, tuple) else (item.filename, result)
            out.writestr(name, data)
    return target


def test_version_order_follows_pep_440():
    ordered = [
        "1.0.dev1",
        "1.0a1",
        "1.0a2.dev1",
        "1.0a2",
        "1.0b1",
        "1.0rc1",
        "1.0",
        "1.0.post1.dev1",
        "1.0.post1",
        "1.0.1",
        "1.1",
        "1!0.1",
    ]
    keys = [firmware_installer.version_key(v) for v in ordered]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert firmware_installer.version_key("1.0") == firmware_installer.version_key("1.0.0")
    assert not firmware_installer.is_newer("0.1.0", "0.1.0")
    assert firmware_installer.is_newer("0.10.0", "0.9.9")
    with pytest.raises(ValueError, match="not a PEP 440 version"):
        firmware_installer.version_key("latest")


def test_installer_refuses_what_is_not_a_bundle_of_this_project(tmp_path):
    root = tmp_path / "r"
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a zip")
    result = run_installer("install", str(junk), "--root", str(root))
    assert result.returncode == 3 and "junk.bin: not a firmware bundle" in result.stderr
    # A bare wheel (what a station used to install, resolving its dependencies from an
    # index at install time) is not a firmware file any more.
    station, _, _ = tiny_wheels(tmp_path / "w")
    result = run_installer("install", str(station), "--root", str(root))
    assert result.returncode == 3 and "unexpected member(s)" in result.stderr
    bundle = tiny_bundle(tmp_path)
    other = repack(
        bundle,
        tmp_path / "other.zip",
        lambda name, data: (
            data.replace(b'"ocpp-station"', b'"something-else"')
            if name == "manifest.json"
            else data
        ),
    )
    result = run_installer("install", str(other), "--root", str(root))
    assert result.returncode == 3 and "not of 'ocpp-station'" in result.stderr
    escape = repack(
        bundle,
        tmp_path / "escape.zip",
        lambda name, data: ("wheels/../../evil.whl", data) if "tinydep" in name else data,
    )
    result = run_installer("install", str(escape), "--root", str(root))
    assert result.returncode == 3 and "wheels/../../evil.whl" in result.stderr
    assert not (tmp_path / "evil.whl").exists() and not (root / "current").exists()


def test_installer_refuses_a_wheel_that_does_not_match_its_pin(tmp_path):
    root = tmp_path / "r"
    bundle = tiny_bundle(tmp_path)

    def tamper(name: str, data: bytes) -> bytes:
        return data + b"\0" if name.startswith("wheels/tinydep") else data

    result = run_installer(
        "install", str(repack(bundle, tmp_path / "t.zip", tamper)), "--root", str(root)
    )
    assert result.returncode == 3
    assert "tinydep-1.0-py3-none-any.whl: SHA-256" in result.stderr
    assert "matches no pinned hash" in result.stderr

    def smuggle(name: str, data: bytes):
        return ("wheels/extra_thing-1.0-py3-none-any.whl", data) if "tinygpio" in name else data

    result = run_installer(
        "install", str(repack(bundle, tmp_path / "s.zip", smuggle)), "--root", str(root)
    )
    assert result.returncode == 3
    assert "extra_thing-1.0-py3-none-any.whl: not pinned" in result.stderr
    assert not (root / "current").exists()
    assert not (root / "releases").exists() or not any((root / "releases").iterdir())


def test_installer_installs_no_dependency_the_bundle_does_not_pin(tmp_path):
    """The bundle lacks a dependency that another source could supply (a find-links
    directory holding it): the installation fails (--require-hashes, --no-index) and
    nothing is switched."""
    root = tmp_path / "r"
    running_release(root, "0.1.0")
    bundle = tiny_bundle(tmp_path, with_dep=False)
    elsewhere = tmp_path / "elsewhere"
    tiny_wheels(elsewhere)  # holds tinydep-1.0
    result = run_installer(
        "install", str(bundle), "--root", str(root), env={"PIP_FIND_LINKS": str(elsewhere)}
    )
    assert result.returncode == 1, result.stderr
    assert "pip install failed" in result.stderr and "tinydep" in result.stderr
    assert (root / "current").resolve() == root / "releases" / "0.1.0"
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["0.1.0"]


def test_installer_refuses_to_drop_an_extra_the_running_station_has(tmp_path):
    root = tmp_path / "r"
    release = running_release(root, "0.1.0")
    (release / "installed.json").write_text(json.dumps({"version": "0.1.0", "extras": ["gpio"]}))
    station, dep, _ = tiny_wheels(tmp_path / "w")
    without_gpio = pack_bundle(tmp_path / "dist", station, {"": [dep]}, {})
    result = run_installer("install", str(without_gpio), "--root", str(root))
    assert result.returncode == 3
    assert "has (or was asked for) the extra(s) gpio" in result.stderr


def test_installer_downgrade_only_with_the_operators_consent(tmp_path):
    root, data = tmp_path / "r", tmp_path / "data"
    running_release(root, "0.2.0", ("tinygpio",))
    bundle = tiny_bundle(tmp_path, "0.1.1")
    args = ("install", str(bundle), "--root", str(root), "--data-dir", str(data))
    refused = run_installer(*args)
    assert refused.returncode == 3
    assert "version 0.1.1 is not newer than the running 0.2.0" in refused.stderr
    assert (root / "current").resolve() == root / "releases" / "0.2.0"
    # The machine's pip settings do not reach the installation: a constraint that
    # contradicts the bundle would make pip fail if they did.
    conflicting = tmp_path / "constraints.txt"
    conflicting.write_text("tinydep==2.0\n")
    allowed = run_installer(
        *args, env={"OCPP_FIRMWARE_ALLOW_DOWNGRADE": "1", "PIP_CONSTRAINT": str(conflicting)}
    )
    assert allowed.returncode == 0, allowed.stderr
    current = (root / "current").resolve()
    assert current.name.startswith("0.1.1-")
    assert json.loads((current / "installed.json").read_text())["extras"] == ["gpio"]
    assert json.loads((data / "firmware" / "pending.json").read_text())["previous"] == str(
        root / "releases" / "0.2.0"
    )


def test_guard_rolls_back_an_unconfirmed_version(tmp_path):
    root, data = tmp_path / "root", tmp_path / "data"
    (root / "releases" / "old").mkdir(parents=True)
    (root / "releases" / "new").mkdir()
    (root / "current").symlink_to(root / "releases" / "new")
    pending = data / "firmware" / "pending.json"
    pending.parent.mkdir(parents=True)
    pending.write_text(
        json.dumps({"release": str(root / "releases/new"), "previous": str(root / "releases/old")})
    )
    args = ("guard", "--root", str(root), "--data-dir", str(data), "--max-starts", "2")
    assert "start 1 of 2" in run_installer(*args).stdout
    assert "start 2 of 2" in run_installer(*args).stdout
    assert (root / "current").resolve() == root / "releases" / "new"
    out = run_installer(*args)
    assert out.returncode == 0 and "rolled back" in out.stdout
    assert (root / "current").resolve() == root / "releases" / "old"
    assert not pending.exists()
    assert json.loads((data / "firmware" / "rolled-back.json").read_text())["starts"] == 2
    assert "nothing pending" in run_installer(*args).stdout


async def test_end_to_end_update_to_a_bundle_of_this_project(tmp_path, pki):
    """The station downloads a signed firmware bundle from a local server; the shipped
    installer checks every wheel against its pinned hash, installs them with no index into
    a new virtual environment with the extra the running station has (``gpio``), switches
    to it; the station restarts, reports Installed and confirms the version to the boot
    guard."""
    bundle = tiny_bundle(tmp_path, "0.1.1")
    data = bundle.read_bytes()
    root = tmp_path / "opt"
    running_release(root, "0.1.0", ("tinygpio",))
    station_dir = tmp_path / "station"
    installer = [
        sys.executable,
        firmware_installer.__file__,
        "install",
        "--root",
        str(root),
        "--data-dir",
        str(station_dir),
    ]
    with Judge(password=PASSWORD) as judge, FileServer(files={"/fw.zip": data}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            request = update(pki, server.url("/fw.zip"), 10, data=data)
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await wait_status(judge, "Installed", 10, timeout=120)
            # Confirmed to the boot guard before Installed was sent.
            assert not (station_dir / "firmware" / "pending.json").exists()
    current = (root / "current").resolve()
    assert current.parent == root / "releases" and current.name.startswith("0.1.1-")
    assert (root / "previous").resolve() == root / "releases" / "0.1.0"
    listed = subprocess.run(  # noqa: ASYNC221 (after the station stopped)
        [
            str(current / "bin" / "python"),
            "-c",
            "import importlib.metadata as m, json, station; print(json.dumps("
            "[station.__version__, sorted(d.metadata['Name'] for d in m.distributions())]))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,  # not the source tree
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    version, names = json.loads(listed.stdout)
    assert version == "0.1.1"
    assert {"ocpp-station", "tinydep", "tinygpio"} <= set(names)
    assert (current / "bin" / "station").exists()
    assert json.loads((current / "installed.json").read_text())["extras"] == ["gpio"]
    assert firmware_statuses(judge, 10)[-3:] == ["Installing", "InstallRebooting", "Installed"]


async def test_an_older_version_ends_install_verification_failed(tmp_path, pki, caplog):
    """A replayed, correctly signed older bundle: the installer refuses it (the station
    tells it its running version), InstallVerificationFailed, nothing switched."""
    bundle = tiny_bundle(tmp_path, "0.0.9")
    data = bundle.read_bytes()
    root = tmp_path / "opt"
    running_release(root, "0.1.0")
    installer = [
        sys.executable,
        firmware_installer.__file__,
        "install",
        "--root",
        str(root),
        "--data-dir",
        str(tmp_path / "station"),
    ]
    with Judge(password=PASSWORD) as judge, FileServer(files={"/old.zip": data}) as server:
        async with live_station(config(tmp_path, judge, installer), variables=FAST):
            await judge.wait_for("BootNotification")
            await install_manufacturer_root(judge, pki)
            request = update(pki, server.url("/old.zip"), 14, data=data)
            assert (await judge.call("UpdateFirmware", request))["status"] == "Accepted"
            await wait_status(judge, "InstallVerificationFailed", 14)
    assert firmware_statuses(judge, 14) == [
        "Downloading",
        "Downloaded",
        "SignatureVerified",
        "Installing",
        "InstallVerificationFailed",
    ]
    assert "version 0.0.9 is not newer than the running 0.1.0" in caplog.text
    assert (root / "current").resolve() == root / "releases" / "0.1.0"
    assert sorted(p.name for p in (root / "releases").iterdir()) == ["0.1.0"]


def test_tools_firmware_bundle_from_pip_installs_with_no_index(tmp_path):
    """The real thing: `tools.firmware bundle` collects every dependency of this project
    and the gpio extra with pip (index or local cache), and the installer puts it into a
    virtual environment with --no-index --require-hashes. Slow: tens of seconds."""
    bundle = build_bundle(tmp_path / "dist", version="0.1.1", extras=("gpio",))
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        base = archive.read("requirements/base.txt").decode()
        gpio = archive.read("requirements/gpio.txt").decode()
    assert manifest["extras"] == {"gpio": ["lgpio", "spidev"]}
    for line in (base + gpio).splitlines():
        assert re.fullmatch(r"[a-z0-9-]+==\S+( --hash=sha256:[0-9a-f]{64})+", line), line
    assert {"trio", "pydantic", "cryptography", "httpx", "gpiozero"} <= {
        line.split("==")[0] for line in base.splitlines()
    }
    assert {line.split("==")[0] for line in gpio.splitlines()} == {"lgpio", "spidev"}
    root = tmp_path / "opt"
    result = run_installer(
        "install",
        str(bundle),
        "--root",
        str(root),
        "--data-dir",
        str(tmp_path / "d"),
        "--extra",
        "gpio",
    )
    assert result.returncode == 0, result.stderr
    current = (root / "current").resolve()
    names = {
        p.name.split("-")[0].lower() for p in current.glob("lib/python3*/site-packages/*.dist-info")
    }
    assert {"ocpp_station", "lgpio", "spidev", "pydantic_core", "trio"} <= names
    assert not (tmp_path / "d" / "firmware" / "pending.json").exists()  # a first install
