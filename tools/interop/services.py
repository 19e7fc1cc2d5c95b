"""Private PostgreSQL (with PostGIS) and RabbitMQ processes on 127.0.0.1.

Each service runs from a directory of the run, on free ports, as a child of this process
(its own session, so it can be stopped as a process group by its id). Nothing touches the
machine's own instances or ports. The Debian packages are installed with apt-get when
missing; where that is impossible the error says which packages to install.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEBIAN_PACKAGES",
    "Postgres",
    "Process",
    "RabbitMq",
    "ServiceError",
    "ensure_debian_packages",
    "free_port",
    "wait_until",
]

PG_VERSION = "15"
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
EPMD = Path("/usr/bin/epmd")

#: What each service needs, as (file that proves it is installed, Debian package).
DEBIAN_PACKAGES: tuple[tuple[Path, str], ...] = (
    (PG_BIN / "initdb", f"postgresql-{PG_VERSION}"),
    (
        # The library, not the control file (which another package can leave behind).
        Path(f"/usr/lib/postgresql/{PG_VERSION}/lib/postgis-3.so"),
        f"postgresql-{PG_VERSION}-postgis-3",
    ),
    (RABBITMQ_SERVER, "rabbitmq-server"),
)


class ServiceError(RuntimeError):
    """A service could not be installed, started or reached; the message says what to do."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_until(
    condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2
) -> object:
    """Poll ``condition`` until it returns something true; its value, or ServiceError
    naming ``what`` after ``timeout`` seconds. Polls a condition, never sleeps blindly."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def ensure_debian_packages(log: Callable[[str], None]) -> None:
    """Install the Debian packages of the services with apt-get when any is missing."""
    missing = [package for path, package in DEBIAN_PACKAGES if not path.exists()]
    if not missing:
        return
    install = f"apt-get install -y --no-install-recommends {' '.join(missing)}"
    if shutil.which("apt-get") is None:
        raise ServiceError(f"missing {', '.join(missing)} and no apt-get here: install them")
    if os.geteuid() != 0:
        raise ServiceError(f"missing {', '.join(missing)}; as root run: {install}")
    log(f"installing {' '.join(missing)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ("apt-get update -q", install):
        done = subprocess.run(command.split(), env=env, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-15:])
            raise ServiceError(f"`{command}` failed (exit {done.returncode}):\n{tail}")
    still = [package for path, package in DEBIAN_PACKAGES if not path.exists()]
    if still:
        raise ServiceError(f"apt-get ran but {', '.join(still)} is still not installed")


@dataclass
class Process:
    """A child process in its own session, with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(
        cls,
        name: str,
        argv: Sequence[str | os.PathLike[str]],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> Process:
        """Start ``argv`` with stdout and stderr appended to ``log_path``."""
        with log_path.open("ab") as out:
            popen = subprocess.Popen(
                [str(a) for a in argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                user=user,
                start_new_session=True,
            )
        return cls(name, popen, log_path)

    @property
    def pid(self) -> int:
        """The process id (also its process group id)."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether the process has not exited."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM to its process group, SIGKILL after ``timeout``; the exit status."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()
        # Helpers it forked into its group (erl_child_setup...) go with it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        return self.popen.returncode


def _service_user() -> str | None:
    """PostgreSQL refuses to run as root: run it as ``postgres`` then."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServiceError(
            "running as root but there is no 'postgres' user to run PostgreSQL as "
            f"(install postgresql-{PG_VERSION}, or run as an ordinary user)"
        ) from None
    return "postgres"


class Postgres:
    """A private PostgreSQL cluster on 127.0.0.1 with a ``citrine`` database and PostGIS."""

    def __init__(self, directory: Path, *, database: str = "citrine", role: str = "citrine"):
        self.directory = directory
        self.port = free_port()
        self.database = database
        self.role = role
        self.password = role
        self.process: Process | None = None

    def start(self, log: Callable[[str], None]) -> None:
        """initdb, start, create the role, the database and the PostGIS extension."""
        user = _service_user()
        data = self.directory / "pgdata"
        self.directory.mkdir(parents=True, exist_ok=True)
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chmod(self.directory, 0o755)
            data.mkdir(mode=0o700)
            os.chown(data, entry.pw_uid, entry.pw_gid)
            for parent in self.directory.parents:
                # The postgres user must be able to reach its data directory.
                if parent.stat().st_mode & 0o001 == 0 and parent != Path("/"):
                    raise ServiceError(
                        f"PostgreSQL runs as 'postgres' and cannot enter {parent}; "
                        "set TMPDIR to a directory others can traverse"
                    )
        done = subprocess.run(
            [PG_BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            capture_output=True,
            text=True,
            user=user,
        )
        if done.returncode != 0:
            raise ServiceError(f"initdb failed:\n{done.stdout}{done.stderr}")
        log_path = self.directory / "postgres.log"
        log_path.touch()
        if user is not None:
            os.chown(log_path, pwd.getpwnam(user).pw_uid, -1)
        self.process = Process.start(
            "postgres",
            [
                PG_BIN / "postgres",
                "-D",
                data,
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",  # a throw-away database: speed over durability
            ],
            log_path=log_path,
            user=user,
        )
        wait_until(
            lambda: self._ready() or self._died(),
            timeout=60,
            what=f"PostgreSQL on 127.0.0.1:{self.port}",
        )
        self._died()
        for statement in (
            f"CREATE ROLE {self.role} LOGIN SUPERUSER PASSWORD '{self.password}'",
            f"CREATE DATABASE {self.database} OWNER {self.role}",
        ):
            self.sql(statement, database="postgres", user="postgres")
        self.sql("CREATE EXTENSION IF NOT EXISTS postgis;")
        log(f"PostgreSQL {PG_VERSION} + PostGIS on 127.0.0.1:{self.port} (pid {self.process.pid})")

    def _ready(self) -> bool:
        done = subprocess.run(
            [PG_BIN / "pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return done.returncode == 0

    def _died(self) -> bool:
        if self.process is not None and not self.process.alive():
            raise ServiceError(f"PostgreSQL exited:\n{self.process.log_tail()}")
        return False

    def sql(self, statement: str, *, database: str | None = None, user: str | None = None) -> str:
        """Run SQL with psql; its unaligned output (ServiceError with psql's message)."""
        done = subprocess.run(
            [
                PG_BIN / "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                user or self.role,
                "-d",
                database or self.database,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-A",
                "-t",
                "-q",
                "-c",
                statement,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ServiceError(f"SQL failed: {statement}\n{done.stderr.strip()}")
        return done.stdout

    def rows(self, query: str) -> list[dict]:
        """The rows of a SELECT as dicts (through ``json_agg``, so types survive)."""
        out = self.sql(f"SELECT coalesce(json_agg(q), '[]') FROM ({query}) AS q")
        rows = json.loads(out)
        assert isinstance(rows, list)
        return rows

    def stop(self) -> None:
        """Stop the server (fast shutdown on SIGTERM)."""
        if self.process is not None:
            self.process.stop()


class RabbitMq:
    """A private RabbitMQ node on 127.0.0.1, with its own epmd."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.epmd_port = free_port()
        self.dist_port = free_port()
        self.process: Process | None = None
        self.epmd: Process | None = None

    @property
    def url(self) -> str:
        """The AMQP URL of the node."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}"

    def start(self, log: Callable[[str], None]) -> None:
        """Start epmd and the node; return once the AMQP port accepts connections."""
        self.directory.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.directory),  # the Erlang cookie goes there
            "LANG": "C.UTF-8",
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": f"interop{self.port}@localhost",
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.directory / "log"),
            "RABBITMQ_PID_FILE": str(self.directory / "rabbitmq.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.directory / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.directory / "advanced.config"),
        }
        (self.directory / "enabled_plugins").write_text("[].\n")
        (self.directory / "rabbitmq.conf").write_text("loopback_users.guest = true\n")
        # Our own epmd in the foreground, so it ends with the run (Erlang would start a
        # daemon that outlives it).
        self.epmd = Process.start(
            "epmd",
            [EPMD, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            log_path=self.directory / "epmd.log",
            env=env,
        )
        wait_until(lambda: port_open(self.epmd_port), timeout=20, what="epmd")
        self.process = Process.start(
            "rabbitmq",
            [RABBITMQ_SERVER],
            log_path=self.directory / "rabbitmq.log",
            env=env,
            cwd=self.directory,
        )

        def ready() -> bool:
            if self.process is not None and not self.process.alive():
                raise ServiceError(f"RabbitMQ exited:\n{self.process.log_tail()}")
            return port_open(self.port) and "Starting broker... completed" in self.process_log()

        wait_until(ready, timeout=120, what=f"RabbitMQ on 127.0.0.1:{self.port}")
        log(f"RabbitMQ on 127.0.0.1:{self.port} (pid {self.process.pid})")

    def process_log(self) -> str:
        """The node's console output so far."""
        if self.process is None:
            return ""
        try:
            return self.process.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the node, then its epmd."""
        if self.process is not None:
            self.process.stop(timeout=30)
        if self.epmd is not None:
            self.epmd.stop()


@contextlib.contextmanager
def running(*services: Postgres | RabbitMq) -> Iterator[None]:
    """Stop ``services`` (in reverse order) on the way out, whatever happened."""
    try:
        yield
    finally:
        for service in reversed(services):
            service.stop()
