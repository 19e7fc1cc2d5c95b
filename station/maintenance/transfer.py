"""HTTP(S) file transfer for log upload and firmware download (httpx on trio).

Trust for https: the operating system's CAs plus the installed CSMS roots (N01.FR.15/16).
Basic-auth credentials may be given in the URL (``https://user:password@host/path``,
N01.FR.17); they are never logged.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from station.ocpp.tls import transfer_context
from station.offload import Offload

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")


@dataclass
class TransferError(Exception):
    """A transfer that failed; ``kind`` picks the OCPP status to report."""

    detail: str
    #: "failure" | "permission" | "unsupported" | "bad_request"
    kind: str = "failure"

    def __str__(self) -> str:
        return self.detail


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
    """The OS trust store plus the CSMS roots."""
    context = transfer_context(csms_roots)
    if csms_roots is not None and csms_roots.exists():
        context.load_verify_locations(cafile=str(csms_roots))
    return context


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
    content_type: str = "application/octet-stream",
) -> None:
    """POST ``data`` as multipart form field ``uploadfile`` named ``filename`` (N01.FR.19)."""
    if not supported(url):
        raise TransferError(f"unsupported location {safe_url(url)!r}", "unsupported")
    try:
        async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
            response = await client.post(url, files={"uploadfile": (filename, data, content_type)})
    except httpx.HTTPError as exc:
        raise TransferError(f"{type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        raise TransferError(f"TLS: {exc}") from None
    _classify(response)


async def download(
    url: str,
    target: Path,
    offload: Offload,
    *,
    verify: ssl.SSLContext | bool = True,
    timeout: float = 60.0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fetch ``url`` into ``target``, resuming a partial file when the server allows
    (Range / 206); returns the file size."""
    if not supported(url):
        raise TransferError(f"unsupported location {safe_url(url)!r}", "unsupported")
    have = await offload.run(lambda: target.stat().st_size if target.exists() else 0)
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        async with httpx.AsyncClient(verify=verify, timeout=timeout) as client:
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 and have:  # already complete
                    return have
                _classify(response)
                mode = "ab" if response.status_code == 206 else "wb"
                size = have if mode == "ab" else 0
                file = await offload.run(lambda: target.open(mode))
                try:
                    async for chunk in response.aiter_bytes(65536):
                        await offload.run(partial(file.write, chunk))
                        size += len(chunk)
                        if progress is not None:
                            progress(size)
                finally:
                    await offload.run(file.close)
    except httpx.HTTPError as exc:
        raise TransferError(f"{type(exc).__name__}: {exc}") from None
    except ssl.SSLError as exc:
        raise TransferError(f"TLS: {exc}") from None
    return size
