"""HTTP(S) file transfer for log upload and firmware download (httpx on trio).

Trust for https: the operating system's CAs plus the installed CSMS roots (N01.FR.15/16).
Basic-auth credentials may be given in the URL (``https://user:password@host/path``,
N01.FR.17); they are never logged.

Everything a remote party can make grow has a bound (DESIGN rule 3): a download is refused
when its announced size (Content-Length, or the total of a Content-Range) exceeds
``DownloadLimits.max_bytes`` and stopped when the bytes actually received do (a server
may announce nothing, or lie); before the first byte is written the file system must have
room for the file plus ``DownloadLimits.reserve_bytes``. The file's SHA-256 is computed
while it streams to disk, so its signature is checked without reading it again or holding
it in memory. A response body the station does not need (the answer to an upload, an
error page) is never read.
"""

from __future__ import annotations

import hashlib
import logging
import math
import shutil
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit, urlunsplit

import trio

from station.ocpp.tls import transfer_context
from station.offload import Offload

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")
#: Bytes read from the network and written to disk per step.
CHUNK = 65536
MIB = 1024 * 1024


@dataclass
class TransferError(Exception):
    """A transfer that failed; ``kind`` picks the OCPP status to report."""

    detail: str
    #: "failure" | "permission" | "unsupported" | "bad_request" | "too_large" | "no_space"
    kind: str = "failure"

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class DownloadLimits:
    """Bounds of one download."""

    #: The largest file accepted, in bytes.
    max_bytes: int
    #: Bytes that must stay free on the target's file system once the file is complete.
    reserve_bytes: int = 0
    #: Seconds one attempt may take in all (a server that trickles bytes never trips the
    #: per-read timeout); the part received stays for the next attempt to resume.
    deadline: float = math.inf


@dataclass(frozen=True)
class Downloaded:
    """A complete download: its size and the SHA-256 of its bytes."""

    size: int
    sha256: bytes


def supported(url: str) -> bool:
    """Whether the station can transfer to/from ``url`` (FileTransferProtocols HTTP,HTTPS)."""
    parts = urlsplit(url)
    return parts.scheme in SCHEMES and bool(parts.hostname)


def safe_url(url: str) -> str:
    """``url`` without credentials, for logs."""
    parts = urlsplit(url)
    if parts.username is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def trust(csms_roots: Path | None) -> ssl.SSLContext:
    """The OS trust store plus the CSMS roots: the context built once per version of the
    roots file (`station.ocpp.tls.transfer_context`), shared, never changed here."""
    return transfer_context(csms_roots)


def _classify(response: httpx.Response) -> None:
    if response.status_code in (401, 403):
        raise TransferError(f"HTTP {response.status_code}", "permission")
    if response.status_code in (400, 405, 413, 415):
        raise TransferError(f"HTTP {response.status_code}", "bad_request")
    if response.status_code >= 300:
        raise TransferError(f"HTTP {response.status_code}")


async def upload(
    url: str,
    filename: str,
    data: bytes,
    *,
    verify: ssl.SSLContext | bool = True,
    timeout: float = 60.0,
    deadline: float = math.inf,
    content_type: str = "application/octet-stream",
) -> None:
    """POST ``data`` as multipart form field ``uploadfile`` named ``filename`` (N01.FR.19),
    within ``deadline`` seconds in all."""
    if not supported(url):
        raise TransferError(f"unsupported location {safe_url(url)!r}", "unsupported")
    with trio.move_on_after(deadline) as scope:
        await _upload(url, filename, data, verify, timeout, content_type)
    if scope.cancelled_caught:
        raise TransferError(f"not complete within {deadline:g} s")


async def _upload(
    url: str,
    filename: str,
    data: bytes,
    verify: ssl.SSLContext | bool,
    timeout: float,
    content_type: str,
) -> None:
    import httpx  # here: a station that never transfers a file never loads it (start, RSS)

    try:
        async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
            # Streamed so that the server's answer is never read: only its status counts,
            # and a body of any size must not land in memory.
            request = client.build_request(
                "POST", url, files={"uploadfile": (filename, data, content_type)}
            )
            response = await client.send(request, stream=True)
            await response.aclose()
    except httpx.HTTPError as exc:
        raise TransferError(f"{type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        raise TransferError(f"TLS: {exc}") from None
    _classify(response)


def announced_total(response: httpx.Response, have: int) -> int | None:
    """The size of the whole file as the response announces it, or None if it does not.

    A 206 names the total in Content-Range (``bytes 100-999/1000``; ``*`` when unknown);
    otherwise Content-Length is the body, to which a resumed download adds ``have``.
    """
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        total = content_range.rpartition("/")[2].strip()
        if total.isdigit():
            return int(total)
    length = response.headers.get("Content-Length", "")
    if length.strip().isdigit():
        return int(length) + (have if response.status_code == 206 else 0)
    return None


def _range_start(response: httpx.Response) -> int | None:
    unit, _, rest = response.headers.get("Content-Range", "").partition(" ")
    start = rest.partition("-")[0].strip()
    return int(start) if unit.strip() == "bytes" and start.isdigit() else None


def _hash_file(path: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest


def _room(directory: Path, needed: int) -> tuple[int, bool]:
    free = shutil.disk_usage(directory).free
    return free, free >= needed


async def download(
    url: str,
    target: Path,
    offload: Offload,
    *,
    limits: DownloadLimits,
    verify: ssl.SSLContext | bool = True,
    timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> Downloaded:
    """Fetch ``url`` into ``target`` within ``limits``, resuming a partial file when the
    server allows (Range / 206); returns the size and the SHA-256 of the whole file.

    `TransferError` kinds: "too_large" (announced or received size above
    ``limits.max_bytes``) and "no_space" (not enough room on disk) remove the partial
    file, since retrying the same file cannot succeed; after ``limits.deadline`` the
    part received stays for the next attempt.
    """
    if not supported(url):
        raise TransferError(f"unsupported location {safe_url(url)!r}", "unsupported")
    received = 0

    def count(size: int) -> None:
        nonlocal received
        received = size
        if progress is not None:
            progress(size)

    with trio.move_on_after(limits.deadline) as scope:
        return await _download(url, target, offload, limits, verify, timeout, count)
    assert scope.cancelled_caught
    on_disk = f" ({received} bytes on disk)" if received else ""
    raise TransferError(f"not complete within {limits.deadline:g} s{on_disk}")


async def _download(
    url: str,
    target: Path,
    offload: Offload,
    limits: DownloadLimits,
    verify: ssl.SSLContext | bool,
    timeout: float,
    progress: Callable[[int], None],
) -> Downloaded:
    have = await offload.run(lambda: target.stat().st_size if target.exists() else 0)
    if have > limits.max_bytes:  # a left-over from a larger limit
        await offload.run(lambda: target.unlink(missing_ok=True))
        have = 0
    digest = await offload.run(lambda: _hash_file(target)) if have else hashlib.sha256()
    headers = {"Range": f"bytes={have}-"} if have else {}
    import httpx  # here: a station that never transfers a file never loads it (start, RSS)

    try:
        async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 and have:  # already complete
                    return Downloaded(have, digest.digest())
                _classify(response)
                resumed = response.status_code == 206
                if resumed and _range_start(response) != have:
                    # Not the part asked for: start afresh on the next attempt.
                    await offload.run(lambda: target.unlink(missing_ok=True))
                    raise TransferError(
                        f"the server resumed at byte {_range_start(response)}, not at {have}"
                    )
                if not resumed:  # the whole file again
                    have, digest = 0, hashlib.sha256()
                total = announced_total(response, have)
                if total is not None and total > limits.max_bytes:
                    raise TransferError(
                        f"the file has {total} bytes (announced), "
                        f"more than the limit of {limits.max_bytes}",
                        "too_large",
                    )
                # Without an announced size the file may grow up to the limit.
                needed = (total if total is not None else limits.max_bytes) - have
                needed += limits.reserve_bytes
                free, enough = await offload.run(lambda: _room(target.parent, needed))
                if not enough:
                    raise TransferError(
                        f"{free} bytes free on the disk of {target.parent}, {needed} needed "
                        f"(the file and a reserve of {limits.reserve_bytes})",
                        "no_space",
                    )
                size = have
                file = await offload.run(lambda: target.open("ab" if resumed else "wb"))
                try:
                    async for chunk in response.aiter_bytes(CHUNK):
                        size += len(chunk)
                        if size > limits.max_bytes:
                            raise TransferError(
                                f"more than the limit of {limits.max_bytes} bytes received"
                                + (f" (announced {total})" if total is not None else ""),
                                "too_large",
                            )
                        await offload.run(partial(_write, file, digest, chunk))
                        progress(size)
                finally:
                    with trio.CancelScope(shield=True):  # closed after a deadline too
                        await offload.run(file.close)
    except TransferError as exc:
        if exc.kind in ("too_large", "no_space"):
            await offload.run(lambda: target.unlink(missing_ok=True))
        raise
    except httpx.HTTPError as exc:
        raise TransferError(f"{type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        raise TransferError(f"TLS: {exc}") from None
    return Downloaded(size, digest.digest())


def _write(file: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    # Hashing in the same worker call as the write keeps both off the event loop.
    file.write(chunk)
    digest.update(chunk)
