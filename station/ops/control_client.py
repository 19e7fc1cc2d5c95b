"""The client side of the control socket, and where a station's files are.

What ``station sim``, ``station status``, ``station log``, ``station clear-fault`` and
``station config get|list`` need:
the paths of a running station's control socket and data directory, read from its TOML
file, and one request over the socket. Only the standard library is imported here: these
commands start in a few tens of milliseconds, without trio, pydantic or the OCPP models
(on a Raspberry Pi each of those costs a large part of a second).

`read_locations` does not validate the rest of the file: the station that answers on the
socket did that when it started, and `station check` does it for a person. It resolves
the two paths exactly as `station.config.load_config` does (relative to the file's
directory; the socket defaults to ``station.sock`` in the data directory), and a file it
cannot use gets the same one-line error and exit status 2.
"""

from __future__ import annotations

import json
import socket
import sys
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

#: Exit status for a configuration the station cannot use (as `station.cli.EXIT_CONFIG`).
EXIT_CONFIG = 2


class LocationError(Exception):
    """The config file does not say where the station is; ``str()`` names key and reason."""


class StationLocations(NamedTuple):
    """Where a station keeps its data and listens for local commands (a named tuple:
    `dataclasses` would cost these commands 4 ms of imports)."""

    data_dir: Path
    control_socket: Path


def read_locations(path: Path) -> StationLocations:
    """The data directory and control socket named by the TOML file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LocationError(f"{path}: file not found") from None
    except OSError as exc:
        raise LocationError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LocationError(f"{path}: not valid TOML ({exc})") from None
    section = data.get("station")
    if not isinstance(section, dict):
        raise LocationError("station: required key is missing")
    base = path.parent.resolve()

    def resolved(key: str) -> Path | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise LocationError(f"station.{key}: must be a path (got {value!r})")
        given = Path(value)
        return given if given.is_absolute() else (base / given).resolve()

    data_dir = resolved("data_dir")
    if data_dir is None:
        raise LocationError("station.data_dir: required key is missing")
    return StationLocations(data_dir, resolved("control_socket") or data_dir / "station.sock")


def locations_or_exit(path: Path) -> StationLocations:
    """`read_locations`, or print one line naming the key and the reason and exit 2."""
    try:
        return read_locations(path)
    except LocationError as exc:
        print(f"station: config error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


class ControlClientError(Exception):
    """The station could not be reached or refused the command."""


class StationNotRunning(ControlClientError):
    """Nothing listens on the control socket: no station is running there."""


def request(
    path: Path, command: str, args: dict[str, Any] | None = None, *, timeout: float = 10.0
) -> Any:
    """Send one command to a running station (blocking; for the CLI) and return its result."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except FileNotFoundError:
            raise StationNotRunning(
                f"no station is running with control socket {path} (socket file missing)"
            ) from None
        except ConnectionRefusedError as exc:
            # A socket file left behind by a station that is gone.
            raise StationNotRunning(f"cannot reach the station at {path}: {exc.strerror}") from None
        except PermissionError as exc:
            raise ControlClientError(
                f"cannot reach the station at {path}: {exc.strerror}"
            ) from None
        sock.sendall(json.dumps({"command": command, "args": args or {}}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise ControlClientError(
                    f"the station did not answer within {timeout:g} s"
                ) from None
            if not chunk:
                break
            data += chunk
    try:
        answer = json.loads(data)
    except ValueError:
        raise ControlClientError("the station sent an unreadable answer") from None
    if not answer.get("ok"):
        raise ControlClientError(answer.get("error", "command failed"))
    return answer.get("result")
