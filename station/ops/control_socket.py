"""The local control socket: JSON lines over a Unix socket, for `station sim` and `station status`.

A request is one line ``{"command": "plug", "args": {"evse": 1}}``; the answer is one line
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "unknown EVSE 3; ..."}``.
Commands are a table (`ControlSocket.register`); the station registers what it offers
(simulator commands only when simulated hardware is present, status always).

The socket file is created with mode 0600 (by default in the data directory): only the
station's user can drive it. A stale socket file left by a crashed run is replaced; a
running station is not (the data directory's lock refuses a second one first).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio

# The client half lives in its own module, free of trio, for the CLI's start-up time.
from station.ops.control_client import ControlClientError, request

__all__ = ["CommandError", "ControlClientError", "ControlSocket", "request"]

log = logging.getLogger(__name__)

Command = Callable[[dict[str, Any]], Awaitable[Any] | Any]
#: Longest request line accepted (a request is a few dozen bytes).
MAX_LINE = 64 * 1024


class CommandError(Exception):
    """A command could not be carried out; ``str()`` is shown to the person who asked."""


class ControlSocket:
    """Serves registered commands on a Unix socket."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._commands: dict[str, Command] = {}

    def register(self, name: str, command: Command) -> None:
        """Offer ``command(args)`` under ``name``; it may be sync or async."""
        self._commands[name] = command

    def commands(self) -> list[str]:
        """Names of the registered commands."""
        return sorted(self._commands)

    async def run(self, *, task_status: trio.TaskStatus = trio.TASK_STATUS_IGNORED) -> None:
        """Listen until cancelled; removes the socket file on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()
        sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mine: tuple[int, int] | None = None
        try:
            await sock.bind(str(self.path))
            made = os.stat(self.path)
            mine = (made.st_dev, made.st_ino)
            os.chmod(self.path, 0o600)
            sock.listen(16)
            listener = trio.SocketListener(sock)
            log.info("event=control_socket_listening path=%s", self.path)
            task_status.started()
            await trio.serve_listeners(self._serve, [listener])
        finally:
            sock.close()
            # Only the socket this listener made: after a SIGKILL a new station may have
            # bound the path again while the old process's OCPP side was still exiting.
            try:
                now = os.stat(self.path)
                if mine == (now.st_dev, now.st_ino):
                    self.path.unlink()
            except FileNotFoundError:
                pass

    async def call(self, name: str, args: dict[str, Any]) -> Any:
        """Run command ``name`` in this process (what a request line runs); raises
        `KeyError` naming the offered commands for an unknown one, and whatever the
        command raises (`ValueError`, `CommandError`, ...) for bad arguments."""
        command = self._commands.get(name)
        if command is None:
            offered = ", ".join(self.commands()) or "none"
            raise KeyError(f"unknown command {name!r}; this station offers: {offered}")
        result = command(args)
        if isinstance(result, Awaitable):
            result = await result
        return result

    async def _serve(self, stream: trio.SocketStream) -> None:
        buffer = b""
        async with stream:
            while True:
                try:
                    data = await stream.receive_some(4096)
                except trio.BrokenResourceError:
                    return
                if not data:
                    return
                buffer += data
                if len(buffer) > MAX_LINE:
                    await _send(stream, {"ok": False, "error": "request line too long"})
                    return
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        await _send(stream, await self.handle(line))

    async def handle(self, line: bytes) -> dict[str, Any]:
        """Answer one request line."""
        try:
            request = json.loads(line)
        except ValueError:
            return {"ok": False, "error": "request is not valid JSON"}
        if not isinstance(request, dict) or not isinstance(request.get("command"), str):
            return {"ok": False, "error": 'request must be {"command": NAME, "args": {...}}'}
        name = request["command"]
        args = request.get("args") or {}
        command = self._commands.get(name)
        if command is None:
            offered = ", ".join(self.commands()) or "none"
            return {
                "ok": False,
                "error": f"unknown command {name!r}; this station offers: {offered}",
            }
        if not isinstance(args, dict):
            return {"ok": False, "error": "args must be an object"}
        try:
            result = command(args)
            if isinstance(result, Awaitable):
                result = await result
        except (CommandError, ValueError, KeyError, TypeError) as exc:
            message = str(exc) if not isinstance(exc, KeyError) else f"missing argument {exc}"
            return {"ok": False, "error": message}
        except Exception as exc:
            log.exception("event=control_command_failed command=%s", name)
            return {"ok": False, "error": f"{name} failed: {type(exc).__name__}: {exc}"}
        return {"ok": True, "result": result}


async def _send(stream: trio.SocketStream, answer: dict[str, Any]) -> None:
    try:
        await stream.send_all(json.dumps(answer, default=str).encode() + b"\n")
    except trio.BrokenResourceError:
        pass
