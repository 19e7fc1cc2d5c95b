"""The live view of ``station top``: a running station on one screen.

`snapshot` asks the station's control socket for ``status`` (what ``station status``
prints) and reads the last frames of the OCPP message log in the data directory; `render`
draws one screen: the connection (CSMS URL, security profile, boot state, last failure), each
EVSE (pilot, contactor, connector status, power, energy, transaction, fault), the
transaction queue and the last messages. A station that stops answering stays on screen
with the reason until it answers again. `render` is a pure function of a status snapshot
and frames, so the view is tested without a terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from station.ocpp.summary import summarize
from station.ops.control_socket import ControlClientError, request
from station.ops.message_log_reader import FILENAME

#: Frames shown under "last messages".
RECENT = 8
#: Bytes read from the end of the message log for them (a frame line is rarely > 8 KiB).
TAIL_BYTES = 64 * 1024


# -- data --------------------------------------------------------------------------------


def recent_frames(data_dir: Path, count: int = RECENT) -> list[dict[str, Any]]:
    """The last ``count`` entries of the message log (oldest first); [] without a log."""
    path = data_dir / FILENAME
    try:
        with path.open("rb") as file:
            size = file.seek(0, 2)
            file.seek(max(size - TAIL_BYTES, 0))
            data = file.read()
    except OSError:
        return []
    lines = data.split(b"\n")
    if len(data) == TAIL_BYTES or size > TAIL_BYTES:
        lines = lines[1:]  # the first line is probably cut
    entries: list[dict[str, Any]] = []
    for line in lines[::-1]:
        if len(entries) == count:
            break
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries[::-1]


# -- rendering (pure) --------------------------------------------------------------------


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


def _header(status: dict[str, Any]) -> Text:
    connected = status.get("connected")
    text = Text()
    text.append(f"{status.get('identity', '?')}  ", style="bold")
    text.append(
        "● connected" if connected else "● NOT connected",
        style="green" if connected else "bold red",
    )
    text.append(f"  boot {status.get('boot', '?')}")
    text.append(f"  security profile {status.get('security_profile') or '-'}")
    text.append(f"  up {_duration(status.get('uptime_s', 0))}")
    url = status.get("csms_url")
    if url:
        text.append(f"\nCSMS {url}" + ("" if connected else " (last connected)"), style="dim")
    if status.get("local_time"):
        text.append(f"\nlocal time {status['local_time']}", style="dim")
    queued = status.get("queued_transaction_messages", 0)
    text.append("\nqueued transaction messages: ")
    text.append(str(queued), style="bold yellow" if queued else "")
    failure = status.get("last_connection_failure")
    if failure:
        text.append("\nlast connection failure: ", style="red")
        text.append(str(failure))
    return text


def _number(value: object, scale: float, digits: int) -> str:
    return "-" if not isinstance(value, int | float) else f"{value / scale:.{digits}f}"


def _evses(status: dict[str, Any]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    for name, justify in [
        ("EVSE", "right"),
        ("pilot", "left"),
        ("relay", "left"),
        ("status", "left"),
        ("power kW", "right"),
        ("energy kWh", "right"),
        ("transaction", "left"),
        ("fault", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    evses = status.get("evses", {})
    for evse_id, evse in sorted(evses.items(), key=lambda item: int(item[0])):
        duty = evse.get("duty")
        pilot = str(evse.get("pilot_state", "?"))
        if isinstance(duty, int | float) and duty not in (0.0, 100.0):
            pilot += f" {duty:.0f}%"
        relay = evse.get("relay", "?")
        table.add_row(
            str(evse_id),
            pilot,
            Text(relay, style="bold green" if relay == "closed" else ""),
            evse.get("connector_status", "?"),
            _number(evse.get("power_w"), 1000, 2),
            _number(evse.get("energy_wh"), 1000, 3),
            evse.get("transaction_id") or "-",
            Text(evse.get("fault") or "-", style="bold red" if evse.get("fault") else ""),
        )
    return table


def _frame_line(entry: dict[str, Any], width: int) -> Text:
    frame = entry.get("frame")
    kind = (
        {2: "CALL", 3: "RES ", 4: "ERR "}.get(frame[0], "?   ")
        if isinstance(frame, list) and frame
        else "?   "
    )
    arrow = "←" if entry.get("direction") == "in" else "→"  # "in" = from the CSMS
    time_of_day = str(entry.get("time", ""))[11:19]
    action = entry.get("action") or "-"
    line = Text()
    line.append(f"{time_of_day} ", style="dim")
    style = "bold red" if kind == "ERR " else "cyan" if arrow == "→" else "green"
    line.append(f"{arrow} {kind} {action:<18} ", style=style)
    room = max(width - len(line), 20)
    payload = frame[-1] if isinstance(frame, list) and frame else frame
    if kind == "ERR " and isinstance(frame, list) and len(frame) >= 4:
        line.append(f"{frame[2]} {frame[3]}"[:room])
    else:
        line.append(summarize(str(action), payload, response=kind == "RES ", width=room))
    return line


def render(
    status: dict[str, Any] | None,
    frames: list[dict[str, Any]],
    *,
    width: int = 100,
    error: str | None = None,
) -> RenderableType:
    """The screen for a status snapshot (None when the station did not answer) and the
    last frames of its message log."""
    parts: list[RenderableType] = []
    if error is not None:
        parts.append(Text(f"station not reachable: {error}", style="bold red"))
    if status is not None:
        parts.append(_header(status))
        parts.append(_evses(status))
        for child in status.get("supervision", []):
            if child.get("restarts"):
                parts.append(
                    Text(
                        f"restarts: {child['child']} ×{child['restarts']} ({child['state']}): "
                        f"{child.get('last_error')}",
                        style="yellow",
                    )
                )
    parts.append(Text("last messages (→ to the CSMS, ← from it)", style="bold"))
    if frames:
        parts.extend(_frame_line(entry, width) for entry in frames)
    else:
        parts.append(Text("  none logged yet", style="dim"))
    return Group(*parts)


# -- the command ---------------------------------------------------------------------------


def snapshot(socket_path: Path, data_dir: Path) -> tuple[dict | None, list[dict], str | None]:
    """Ask the station for its status and read its last frames: (status, frames, error)."""
    try:
        status = request(socket_path, "status", timeout=5)
    except ControlClientError as exc:
        return None, recent_frames(data_dir), str(exc)
    return status, recent_frames(data_dir), None
