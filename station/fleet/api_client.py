"""The client side of the fleet's HTTP API, for the command line.

``station fleet status`` and ``station sim --fleet`` are short-lived processes: like the
control-socket client they import only the standard library (no FastAPI, no trio, no
pydantic), so they answer in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.error

#: Where ``station fleet --api-port`` listens by default, and where the clients look.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8180
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"


class FleetApiError(Exception):
    """The API could not be reached, or refused the request; ``str()`` says which and why.

    ``status`` is the HTTP status of a refusal, None when no answer came.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def base_url(url: str) -> str:
    """``url`` checked: http(s), a host, no query; without a trailing slash."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FleetApiError(f"{url!r} is not an http:// URL of the fleet's API")
    if parts.query or parts.fragment:
        raise FleetApiError(f"{url!r}: the API's URL takes no query or fragment")
    return url.rstrip("/")


def call(
    url: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    timeout: float = 15.0,
) -> Any:
    """One request to the API at ``url`` (blocking); the decoded JSON answer.

    ``path`` segments taken from a person (a station identity) must be quoted by the
    caller (`segment`).
    """
    # Imported here: `station sim` imports this module for fleet stations, and an HTTP
    # client is a fifth of its start-up where it talks to a station's own socket.
    import urllib.error
    import urllib.request

    target = base_url(url) + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        target,
        data=data,
        method=method,
        headers={"Accept": "application/json", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise FleetApiError(_refusal(exc, url), exc.code) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        why = reason.strerror if isinstance(reason, OSError) and reason.strerror else reason
        raise FleetApiError(f"cannot reach the fleet's API at {url}: {why}") from None
    except TimeoutError:
        raise FleetApiError(
            f"the fleet's API at {url} did not answer within {timeout:g} s"
        ) from None
    except OSError as exc:  # connection reset mid-answer, ...
        raise FleetApiError(f"cannot reach the fleet's API at {url}: {exc}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise FleetApiError(f"{target} did not answer with JSON; is it the fleet's API?") from None


def segment(text: str) -> str:
    """``text`` as one path segment (a station identity may hold any character)."""
    return urllib.parse.quote(text, safe="")


def _refusal(exc: urllib.error.HTTPError, url: str) -> str:
    """The API's ``detail``; for an answer without one, or a route the server does not
    have (the framework's bare "Not Found"), the status and a hint that ``url`` may not be
    the fleet's API."""
    try:
        detail = json.loads(exc.read()).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    if isinstance(detail, str) and detail and detail != "Not Found":
        return detail
    # HTTP/1.1 servers may send no reason phrase (h11 does not): name the status ourselves.
    try:
        from http import HTTPStatus

        reason = HTTPStatus(exc.code).phrase
    except ValueError:
        reason = str(exc.reason or "")
    return f"{exc.url} answered HTTP {exc.code} {reason}; is {url} the fleet's API?"
