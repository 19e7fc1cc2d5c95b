"""The station's TOML configuration: what a person sets up once.

Everything OCPP can change at run time lives in the device model and the store; this
file only seeds those on the first start. A missing, unknown or invalid key is reported
as one line naming the key and the reason (`ConfigError`), and the CLI exits with 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from drivers.config import ConfigPath, HardwareConfig

#: identifierString of OCPP 2.0.1 Part 2 §2.1.4 (the identity must not contain ':').
_IDENTIFIER_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-_=+|@.")
#: passwordString of Part 2 §2.1.5.
PASSWORD_CHARS = _IDENTIFIER_CHARS | {":"}


class ConfigError(Exception):
    """The configuration file cannot be used. ``str()`` is one line naming key and reason."""


class _Section(BaseModel):
    # strict: `message_timeout = "30"` is an error naming the key, not a silent 30
    # (paths are the one conversion, `ConfigPath`).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StationSection(_Section):
    """``[station]``: who this charging station is and where it keeps its data."""

    identity: str = Field(min_length=1, max_length=48)
    serial_number: str = Field(min_length=1, max_length=25)
    vendor_name: str = Field(min_length=1, max_length=50)
    model: str = Field(min_length=1, max_length=20)
    firmware_version: str | None = Field(default=None, max_length=50)
    organization_name: str | None = Field(default=None, max_length=64)
    data_dir: ConfigPath
    control_socket: ConfigPath | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("identity")
    @classmethod
    def _identity_chars(cls, value: str) -> str:
        bad = sorted(set(value) - _IDENTIFIER_CHARS)
        if bad:
            raise ValueError(
                f"contains {''.join(bad)!r}; allowed are a-z A-Z 0-9 and * - _ = + | @ ."
            )
        return value


class CsmsSection(_Section):
    """``[csms]``: the first network connection profile (configuration slot 1)."""

    url: str
    security_profile: Literal[1, 2, 3] = 2
    basic_auth_password: str | None = None
    ca_file: ConfigPath | None = None
    cert_file: ConfigPath | None = None
    key_file: ConfigPath | None = None
    message_timeout: int = Field(default=30, ge=1, le=600)
    #: Key pair generated for each certificate signing request (A02/A03).
    csr_key_type: Literal["ec-p256", "rsa-2048"] = "ec-p256"

    @field_validator("url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ValueError(f"{value!r} is not a ws:// or wss:// URL with a host")
        try:
            port = parts.port  # urlsplit checks the port only when asked
        except ValueError:
            port = 0
        if port == 0:
            # Caught here, not at the first connection attempt: a restart loop under
            # the service manager is a poor way to learn of a typo.
            raise ValueError("the port must be a number from 1 to 65535")
        return value.rstrip("/")

    @field_validator("basic_auth_password")
    @classmethod
    def _password_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not 16 <= len(value) <= 64:
            raise ValueError(f"must be 16 to 64 characters long, is {len(value)}")
        bad = sorted(set(value) - PASSWORD_CHARS)
        if bad:
            raise ValueError("contains characters outside OCPP's passwordString set")
        return value

    @model_validator(mode="after")
    def _profile_needs(self) -> CsmsSection:
        scheme = urlsplit(self.url).scheme
        if self.security_profile == 1 and scheme != "ws":
            raise ValueError("url: security_profile 1 uses ws://")
        if self.security_profile in (2, 3) and scheme != "wss":
            raise ValueError(f"url: security_profile {self.security_profile} needs wss://")
        if self.security_profile in (1, 2) and not self.basic_auth_password:
            raise ValueError(
                f"basic_auth_password: required for security_profile {self.security_profile}"
            )
        if self.security_profile in (2, 3) and self.ca_file is None:
            raise ValueError(
                f"ca_file: required for security_profile {self.security_profile} "
                "(the CSMS root certificate)"
            )
        if self.security_profile == 3 and (self.cert_file is None or self.key_file is None):
            raise ValueError("cert_file, key_file: required for security_profile 3")
        return self


class FirmwareSection(_Section):
    """``[firmware]``: how a downloaded, verified firmware file is installed (L01)."""

    #: Command run with the firmware file's path appended; exit 0 = installed (the
    #: station then restarts), 3 = verification failed, anything else = failed.
    installer: list[str] | None = None
    install_timeout: int = Field(default=900, ge=10, le=7200)
    #: Let the installer install a version that is not newer than the running one
    #: (a deliberate rollback); off, an older signed file is refused.
    allow_downgrade: bool = False

    @field_validator("installer", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            import shlex

            return shlex.split(value)
        return value

    @field_validator("installer")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must name a command")
        return value


class TransfersSection(_Section):
    """``[transfers]``: bounds of firmware downloads and log uploads (a remote party picks
    the file; the station picks how much it takes)."""

    #: A firmware file announced or received larger than this is refused (DownloadFailed).
    max_firmware_mib: float = Field(default=128, gt=0, le=4096)
    #: A log file (GetLog) larger than this is not uploaded (UploadFailure).
    max_log_mib: float = Field(default=32, gt=0, le=1024)
    #: Space that must stay free on data_dir's file system once a download is complete.
    min_free_mib: float = Field(default=64, ge=0)
    #: Minutes one download or upload attempt may take in all (a trickling server).
    max_transfer_minutes: float = Field(default=60, gt=0)


class SecuritySection(_Section):
    """``[security]``: trust decisions the operator keeps out of the CSMS's reach."""

    #: Refuse InstallCertificate(ManufacturerRootCertificate): the manufacturer roots that
    #: verify firmware signatures stay what the station was installed with (for operators
    #: who do not trust the CSMS with firmware). Off by default, as OCTT TC_M_02 expects.
    pin_manufacturer_root: bool = False
    #: Check that the CSMS's TLS certificate is not revoked: "off", or "crl" (fetch the
    #: CRL its cRLDistributionPoints name, over http, and refuse the connection when the
    #: certificate is listed or no valid CRL can be had).
    csms_revocation_check: Literal["off", "crl"] = "off"


class EmsSection(_Section):
    """``[ems]``: the Modbus TCP server an energy manager writes local limits to
    (`station.ems`; the register map is in docs/smart-charging.md)."""

    enabled: bool = False
    #: Modbus TCP has no authentication: anyone who reaches the port can limit the
    #: station. Loopback by default; the home network's address only where it is trusted.
    bind: str = "127.0.0.1"
    #: 502 is Modbus's port, but binding it takes a privilege the service does not have.
    #: 0 picks a free port (the log names it): for tests.
    port: int = Field(default=1502, ge=0, le=65535)
    unit_id: int = Field(default=1, ge=1, le=247)
    #: Seconds without a write from the EMS before the failsafe limits apply; 0: never.
    failsafe_timeout: int = Field(default=60, ge=0, le=3600)
    #: The station's failsafe limit (A per phase); unset: the local limits are released.
    failsafe_current: float | None = Field(default=None, ge=0.0)

    @field_validator("bind")
    @classmethod
    def _address(cls, value: str) -> str:
        import ipaddress

        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address") from None
        return value


class StationConfig(_Section):
    """The whole file."""

    station: StationSection
    csms: CsmsSection
    hardware: HardwareConfig = Field(default_factory=HardwareConfig)
    firmware: FirmwareSection = Field(default_factory=FirmwareSection)
    transfers: TransfersSection = Field(default_factory=TransfersSection)
    security: SecuritySection = Field(default_factory=SecuritySection)
    ems: EmsSection = Field(default_factory=EmsSection)

    @model_validator(mode="after")
    def _ems_failsafe_fits(self) -> StationConfig:
        failsafe = self.ems.failsafe_current
        top = self.station_max_current
        if failsafe is not None and failsafe > top:
            raise ValueError(
                f"ems.failsafe_current: {failsafe:g} A is above the station's {top:g} A "
                "(hardware.grid_max_current, or the EVSEs' max_current together)"
            )
        return self

    @property
    def station_max_current(self) -> float:
        """The most current per phase the station as a whole may be limited to: a
        station-wide limit is for the EVSEs together (K04.FR.05), so without a grid
        connection limit it is their maximum currents together."""
        hardware = self.hardware
        if hardware.grid_max_current is not None:
            return hardware.grid_max_current
        return sum(e.max_current for e in hardware.evse)

    @property
    def control_socket(self) -> Path:
        """Path of the local control socket (``station sim``, ``station status``)."""
        return self.station.control_socket or self.station.data_dir / "station.sock"


def _location(loc: tuple[int | str, ...]) -> str:
    """``("hardware", "evse", 0, "max_current")`` → ``hardware.evse[1].max_current``: an
    EVSE is named by its id (ids run 1..n in order), as everywhere else."""
    text = ""
    for part in loc:
        text += f"[{part + 1}]" if isinstance(part, int) else ("." if text else "") + part
    return text


def _describe(error: ErrorDetails) -> str:
    location = _location(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return f"{location}: required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"])
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.split(":", 1)[0] in {
        "url",
        "basic_auth_password",
        "ca_file",
        "cert_file, key_file",
        "ems.failsafe_current",
    }:
        # A cross-field rule names the key itself.
        prefix = location + "." if location else ""
        return f"{prefix}{message}"
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{location}: {message}{shown}"


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    """``csms.urll: unknown key (did you mean url?)``: the known key nearest in spelling."""
    import difflib  # only for a bad file: every start would pay for it otherwise

    location = _location(loc)
    known = _keys_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{location}: unknown key{hint}"


def _keys_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys the section at ``loc`` (e.g. ``("hardware", "evse", 0, "meter")``) accepts."""
    model: type[BaseModel] = StationConfig
    for part in loc:
        if isinstance(part, int):
            continue  # an index into a list of sections (hardware.evse)
        field = model.model_fields.get(part)
        if field is None:
            return []
        inner = _section_type(field.annotation)
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _section_type(annotation: object) -> type[BaseModel] | None:
    """The model a field holds, directly or as ``list[Model]`` / ``Model | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _section_type(argument)
        if found is not None:
            return found
    return None


def _first_error(errors: list[ErrorDetails]) -> str:
    """The one line to show. An unknown key comes first: a misspelt key also makes the
    key it was meant to be "missing", and the misspelling is the thing to fix."""
    unknown = [e for e in errors if e["type"] == "extra_forbidden"]
    if unknown:
        first = _describe(unknown[0])
        missing = [
            e for e in errors if e["type"] == "missing" and e["loc"][:-1] == unknown[0]["loc"][:-1]
        ]
        if missing:
            first += "; " + _describe(missing[0])
        return first
    return _describe(errors[0])


def parse_config(data: dict, *, base_dir: Path | None = None) -> StationConfig:
    """Validate a parsed TOML document. Relative paths are resolved against ``base_dir``."""
    try:
        config = StationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc.errors())) from None
    if base_dir is not None:
        config = _resolve_paths(config, base_dir)
    return config


def _resolve_paths(config: StationConfig, base: Path) -> StationConfig:
    def fix(path: Path | None) -> Path | None:
        if path is None or path.is_absolute():
            return path
        return (base / path).resolve()

    station = config.station.model_copy(
        update={
            "data_dir": fix(config.station.data_dir),
            "control_socket": fix(config.station.control_socket),
        }
    )
    csms = config.csms.model_copy(
        update={
            "ca_file": fix(config.csms.ca_file),
            "cert_file": fix(config.csms.cert_file),
            "key_file": fix(config.csms.key_file),
        }
    )
    return config.model_copy(update={"station": station, "csms": csms})


def load_config(path: Path) -> StationConfig:
    """Read and validate the TOML file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_config(data, base_dir=path.parent.resolve())
