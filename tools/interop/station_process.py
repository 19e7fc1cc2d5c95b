"""The station under test: `station run` on simulated hardware, driven like a user would.

The station runs as in production (control process + OCPP side) from its own config and
data directory. The suite acts on the simulated EV and card reader through the station's
control socket (what `station sim` uses) and reads what went over the wire from the
station's own OCPP message log (what `station log` prints), so every frame in both
directions can be checked and shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from station.ops.control_socket import ControlClientError, request
from station.ops.message_log_reader import format_entry, read_entries

__all__ = ["Frame", "StationConfig", "StationProcess", "WaitFailed"]


class WaitFailed(AssertionError):
    """A condition did not come true before its deadline."""


@dataclass(frozen=True)
class StationConfig:
    """What the suite sets in the station's TOML file."""

    identity: str
    url: str
    security_profile: int = 1
    password: str | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    serial_number: str = "SN-INTEROP-1"
    evses: int = 2

    def toml(self, data_dir: Path, socket: Path) -> str:
        """The config file's text."""
        lines = [
            "[station]",
            f'identity = "{self.identity}"',
            f'serial_number = "{self.serial_number}"',
            'vendor_name = "OpenCharge"',
            'model = "AC22-2"',
            f'data_dir = "{data_dir}"',
            f'control_socket = "{socket}"',
            'log_level = "info"',
            "[csms]",
            f'url = "{self.url}"',
            f"security_profile = {self.security_profile}",
            "message_timeout = 30",
        ]
        if self.password is not None:
            lines.append(f'basic_auth_password = "{self.password}"')
        for key, path in (
            ("ca_file", self.ca_file),
            ("cert_file", self.cert_file),
            ("key_file", self.key_file),
        ):
            if path is not None:
                lines.append(f'{key} = "{path}"')
        lines += ["[hardware]", 'driver = "sim"', "[hardware.sim]", "card_present_for = 1.0"]
        for evse in range(1, self.evses + 1):
            lines += [
                "[[hardware.evse]]",
                f"id = {evse}",
                'connector_type = "cType1"',
                "phases = 1",
                "max_current = 32.0",
            ]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Frame:
    """One logged OCPP frame."""

    index: int
    time: str
    direction: str  # "out": station -> CSMS, "in": CSMS -> station
    action: str | None
    message_id: str | None
    frame: Any
    raw: dict = field(repr=False, compare=False)

    @property
    def kind(self) -> str:
        """CALL, RESULT or ERROR."""
        if isinstance(self.frame, list) and self.frame:
            return {2: "CALL", 3: "RESULT", 4: "ERROR"}.get(self.frame[0], "?")
        return "?"

    @property
    def payload(self) -> Any:
        """The payload (CALL, RESULT) or ``{"code", "description", "details"}`` (ERROR)."""
        if self.kind == "CALL":
            return self.frame[3]
        if self.kind == "RESULT":
            return self.frame[2]
        if self.kind == "ERROR":
            return {
                "code": self.frame[2],
                "description": self.frame[3] if len(self.frame) > 3 else "",
                "details": self.frame[4] if len(self.frame) > 4 else {},
            }
        return None

    def text(self) -> str:
        """The frame as ``station log --full`` prints it."""
        return format_entry(self.raw, full=True)


class StationProcess:
    """One `station run` process with its own config and data directory."""

    def __init__(self, directory: Path, config: StationConfig):
        self.directory = directory
        self.config = config
        self.data_dir = directory / "data"
        self.socket = directory / "station.sock"
        self.config_path = directory / "station.toml"
        self.log_path = directory / "station.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        """Write the station's TOML file (once: a restart keeps it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self.config_path.exists():
            self.config_path.write_text(self.config.toml(self.data_dir, self.socket))

    def start(self) -> None:
        """Write the config (first start only) and start `station run`."""
        self.write_config()
        with self.log_path.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "station", "run", "--config", str(self.config_path)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """Whether the station process runs."""
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (the station ends or parks transactions and closes cleanly); its status."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        return self.popen.returncode

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the station's own log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- driving the simulated hardware ---------------------------------------------------

    def command(self, name: str, args: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        """A control-socket command (``sim.plug``, ``sim.tap``, ``status``...), retried
        while the socket is not up yet."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise WaitFailed(f"the station exited:\n{self.log_tail()}")
            try:
                return request(self.socket, name, args)
            except ControlClientError as exc:
                transient = "no station is running" in str(exc) or "cannot reach" in str(exc)
                if not transient or time.monotonic() > deadline:
                    raise
            time.sleep(0.1)

    def plug(self, evse: int) -> None:
        """Plug the simulated EV of ``evse`` in (state B)."""
        self.command("sim.plug", {"evse": evse})

    def unplug(self, evse: int) -> None:
        """Unplug the EV (state A)."""
        self.command("sim.unplug", {"evse": evse})

    def ev_state(self, evse: int, state: str) -> None:
        """Set the EV's IEC 61851 state (C: asks for energy)."""
        self.command("sim.ev_state", {"evse": evse, "state": state})

    def tap(self, uid: str) -> None:
        """Present an ISO 14443 card."""
        self.command("sim.tap", {"uid": uid})

    # -- what went over the wire ----------------------------------------------------------

    def frames(self) -> list[Frame]:
        """Every frame logged so far, oldest first."""
        frames = []
        for index, entry in enumerate(read_entries(self.data_dir)):
            frame = entry.get("frame")
            if isinstance(frame, str):
                with contextlib.suppress(ValueError):
                    frame = json.loads(frame)
            frames.append(
                Frame(
                    index=index,
                    time=str(entry.get("time", "")),
                    direction=str(entry.get("direction", "")),
                    action=entry.get("action"),
                    message_id=entry.get("id"),
                    frame=frame,
                    raw=entry,
                )
            )
        return frames

    def answer_to(self, call: Frame, frames: list[Frame] | None = None) -> Frame | None:
        """The RESULT or ERROR that answers ``call`` (from the other side), if any yet."""
        for frame in frames if frames is not None else self.frames():
            if (
                frame.message_id == call.message_id
                and frame.kind in ("RESULT", "ERROR")
                and frame.direction != call.direction
            ):
                return frame
        return None

    def wait_for(
        self,
        what: str,
        predicate: Callable[[Frame], bool],
        *,
        after: int = -1,
        timeout: float = 60,
        answered: bool = True,
    ) -> Frame:
        """The first frame after index ``after`` that matches (and, for a CALL with
        ``answered``, whose answer arrived); WaitFailed naming ``what`` at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            frames = self.frames()
            for frame in frames:
                if frame.index > after and predicate(frame):
                    if not (answered and frame.kind == "CALL") or self.answer_to(frame, frames):
                        return frame
            if time.monotonic() > deadline:
                raise WaitFailed(f"no {what} within {timeout:g} s")
            if self.popen is not None and not self.alive():
                raise WaitFailed(f"the station exited while waiting for {what}")
            time.sleep(0.2)

    def unanswered(self) -> list[Frame]:
        """CALLs in either direction that have no answer (yet)."""
        frames = self.frames()
        answered = {(f.message_id, f.direction) for f in frames if f.kind in ("RESULT", "ERROR")}
        return [
            f
            for f in frames
            if f.kind == "CALL"
            and (f.message_id, "in" if f.direction == "out" else "out") not in answered
        ]

    def settle(self, timeout: float = 30) -> None:
        """Wait until no CALL is in flight either way, so that stopping the station does
        not cut an exchange (WaitFailed listing what stays unanswered)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        seen = -1
        # Two polls in a row with nothing in flight and no new frame: a CALL the station
        # is about to send right after an answer is not missed between two reads.
        while quiet < 2:
            pending = self.unanswered()
            count = self.last_index()
            quiet = quiet + 1 if not pending and count == seen else 0
            seen = count
            if time.monotonic() > deadline:
                if pending:
                    raise WaitFailed(
                        "CALLs still unanswered: " + "; ".join(f.text() for f in pending[:5])
                    )
                return
            if quiet < 2:
                time.sleep(0.2)

    def last_index(self) -> int:
        """The index of the newest logged frame (-1: none)."""
        frames = self.frames()
        return frames[-1].index if frames else -1


def call(action: str, direction: str | None = None) -> Callable[[Frame], bool]:
    """Matches a CALL of ``action`` (optionally only ``out`` or ``in``)."""

    def match(frame: Frame) -> bool:
        return (
            frame.kind == "CALL"
            and frame.action == action
            and (direction is None or frame.direction == direction)
        )

    return match
