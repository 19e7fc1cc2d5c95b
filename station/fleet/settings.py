"""What a fleet is made of (`FleetSettings`), and each station's configuration file.

Every station of a fleet gets a ``station.toml`` in its own directory,
``<data_dir>/<identity>/``, and is loaded from it with `station.config.load_config`, as
`station run` loads its file: the same validation, the same defaults, and a file that
`station sim --config`, `station status --config` and `station top --config` accept to
reach that one station through its control socket. The file is written once; a change
of the fleet's options (URL, profile, password) rewrites it, and the store then decides
as after any edit of a station's file (`station.seeding`).

Basic-auth passwords (security profiles 1 and 2) are the one given to the fleet, or one
per station generated on first start and kept in its file; ``<data_dir>/credentials.csv``
lists identity and password of every station, for registering them at the CSMS.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from station.config import ConfigError, StationConfig, load_config
from station.control.timing import DEFAULT_PERIOD

#: Longest path of a Unix socket (``sun_path`` holds 108 bytes with its terminating NUL).
MAX_SOCKET_PATH = 107
#: Characters of a generated password (a subset of passwordString, easy to copy).
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
GENERATED_PASSWORD_LENGTH = 32
CONFIG_NAME = "station.toml"
CREDENTIALS_NAME = "credentials.csv"

#: Periods of the simulated hardware in a fleet (see docs/fleet.md): the control loop
#: of a simulated EVSE has no ADC to poll and no contactor to race, so it need not wake
#: a hundred times a second; OCPP behaviour does not depend on them.
FLEET_CONTROL_PERIOD = 1.0
FLEET_METER_INTERVAL = 10.0
#: The meter's interval while a contactor is open (`MeterSampler.set_active`).
FLEET_IDLE_METER_INTERVAL = 60.0
FLEET_CARD_INTERVAL = 1.0
#: Longest sleep of an idle simulated control loop and card poller between the
#: simulator's reports of a change (a plug-in, a tap, a fault, a command wakes them at
#: once): the bound only matters for a change the simulator does not report.
FLEET_SIM_IDLE_WAIT = 10.0
#: SQLite page cache of a fleet station's store (a station's store is a few hundred KiB).
FLEET_STORE_CACHE_KIB = 256


class FleetSettingsError(ValueError):
    """The fleet's options cannot give valid stations; ``str()`` names option and reason."""


@dataclass(frozen=True)
class FleetSettings:
    """The options of `station fleet`."""

    csms_url: str
    count: int
    data_dir: Path
    evses: int = 2
    security_profile: int = 1
    identity_prefix: str = "FLEET-"
    seed: int | None = None
    #: One Basic-auth password for every station; None generates one per station.
    password: str | None = None
    #: The CSMS's root certificate (security profile 2).
    ca_file: Path | None = None
    #: Connection attempts a second, fleet-wide (first connections and reconnections).
    ramp: float = 25.0
    #: Worker threads shared by every station (SQLite, files); 0 runs that work on the
    #: event loop (less CPU and memory, a slower boot: the stores' work no longer
    #: overlaps the event loop's on another core).
    worker_threads: int = 16
    #: Stations being built (store opened, device model loaded) at once.
    concurrent_builds: int = 16
    control_period: float = FLEET_CONTROL_PERIOD
    meter_interval: float = FLEET_METER_INTERVAL
    card_interval: float = FLEET_CARD_INTERVAL
    log_level: str = "warning"
    vendor_name: str = "OpenCharge"
    model: str = "Fleet AC"

    def __post_init__(self) -> None:
        if self.count < 1:
            raise FleetSettingsError(f"--count: must be at least 1, not {self.count}")
        if self.evses not in (1, 2):
            raise FleetSettingsError(f"--evses: must be 1 or 2, not {self.evses}")
        if self.security_profile not in (1, 2):
            raise FleetSettingsError(
                f"--security-profile: 1 or 2 (profile 3 needs a client certificate per "
                f"station), not {self.security_profile}"
            )
        scheme = urlsplit(self.csms_url).scheme
        wanted = "ws" if self.security_profile == 1 else "wss"
        if scheme != wanted:
            raise FleetSettingsError(
                f"--csms: security profile {self.security_profile} uses {wanted}:// URLs, "
                f"not {self.csms_url!r}"
            )
        if self.security_profile == 2 and self.ca_file is None:
            raise FleetSettingsError("--ca-file: required for security profile 2")
        if not self.ramp > 0:
            raise FleetSettingsError(f"--ramp: must be above 0 per second, not {self.ramp}")
        if self.control_period > DEFAULT_PERIOD * 100 or self.control_period < DEFAULT_PERIOD:
            raise FleetSettingsError(
                f"control period {self.control_period} s: must be {DEFAULT_PERIOD} to "
                f"{DEFAULT_PERIOD * 100:g} s"
            )
        longest = self.station_dir(self.count) / "station.sock"
        if len(os.fsencode(longest.absolute())) > MAX_SOCKET_PATH:
            raise FleetSettingsError(
                f"--data-dir: {self.data_dir} is too long: a station's control socket "
                f"{longest} would exceed the {MAX_SOCKET_PATH} bytes of a Unix socket path"
            )

    @property
    def width(self) -> int:
        """Digits of the index in an identity (at least 4, so a grown fleet keeps its names)."""
        return max(4, len(str(self.count)))

    def identity(self, index: int) -> str:
        """Station ``index``'s identity: the prefix and the zero-padded index."""
        return f"{self.identity_prefix}{index:0{self.width}d}"

    def station_dir(self, index: int) -> Path:
        """Station ``index``'s data directory."""
        return self.data_dir / self.identity(index)


def station_document(settings: FleetSettings, index: int, password: str | None) -> str:
    """The ``station.toml`` of station ``index``."""
    identity = settings.identity(index)
    directory = settings.station_dir(index).absolute()
    lines = [
        f"# Station {index} of a fleet (`station fleet`); rewritten when the fleet's",
        "# options change.",
        "[station]",
        f"identity = {_string(identity)}",
        f"serial_number = {_string(identity[-25:])}",
        f"vendor_name = {_string(settings.vendor_name)}",
        f"model = {_string(settings.model)}",
        f"data_dir = {_string(str(directory))}",
        f"log_level = {_string(settings.log_level)}",
        "",
        "[csms]",
        f"url = {_string(settings.csms_url)}",
        f"security_profile = {settings.security_profile}",
    ]
    if password is not None:
        lines.append(f"basic_auth_password = {_string(password)}")
    if settings.ca_file is not None:
        lines.append(f"ca_file = {_string(str(settings.ca_file.absolute()))}")
    lines += ["", "[hardware]", 'driver = "sim"']
    for evse_id in range(1, settings.evses + 1):
        lines += ["", "[[hardware.evse]]", f"id = {evse_id}"]
    return "\n".join(lines) + "\n"


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def station_config(settings: FleetSettings, index: int) -> StationConfig:
    """Write (if it changed) and load station ``index``'s ``station.toml``."""
    directory = settings.station_dir(index)
    path = directory / CONFIG_NAME
    password = settings.password or _kept_password(path) or _generate_password()
    text = station_document(settings, index, password)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    if current != text:
        _write_private(path, text)
    try:
        return load_config(path)
    except ConfigError as exc:
        raise FleetSettingsError(f"station {settings.identity(index)}: {exc}") from None


def write_credentials(settings: FleetSettings, configs: list[StationConfig]) -> Path:
    """``<data_dir>/credentials.csv``: identity and Basic-auth password of each station."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["identity", "basic_auth_password"])
    for config in configs:
        writer.writerow([config.station.identity, config.csms.basic_auth_password or ""])
    path = settings.data_dir / CREDENTIALS_NAME
    _write_private(path, buffer.getvalue())
    return path


def _kept_password(path: Path) -> str | None:
    """The password an earlier run wrote into the station's file, if any."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    csms = document.get("csms")
    value = csms.get("basic_auth_password") if isinstance(csms, dict) else None
    return str(value) if value else None


def _generate_password() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, mode 0600, atomically."""
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
