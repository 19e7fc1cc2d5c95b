"""Shared pieces of the harnesses: statistics, tables, and the processes under test."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

_compiled: list[bool] = []


def process_env() -> dict[str, str]:
    """Environment of the processes under test: this checkout on the path, and its modules'
    bytecode compiled beforehand, as a pip-installed station has it. Without that, a
    machine that sets PYTHONDONTWRITEBYTECODE (containers often do) recompiles the
    station's sources on every start, while the baselines' installed packages load their
    bytecode, and start-up figures compare unlike things. (The bytecode goes to the usual
    ``__pycache__`` directories of the checkout, which git ignores.)"""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if not _compiled:
        compile_env = dict(env)
        compile_env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "station", "drivers", "bench"],
            cwd=ROOT,
            env=compile_env,
            check=True,
        )
        _compiled.append(True)
    return env


PASSWORD = "bench-password-0123456789"
IDENTITY = "BENCH-01"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Stats:
    """min / p50 / p99 / max of a sample, in the sample's unit."""

    n: int
    min: float
    p50: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        if not values:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
        ordered = sorted(values)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

        return cls(
            len(ordered), ordered[0], pct(0.5), pct(0.99), ordered[-1], sum(ordered) / len(ordered)
        )

    def scaled(self, factor: float) -> Stats:
        return Stats(
            self.n,
            self.min * factor,
            self.p50 * factor,
            self.p99 * factor,
            self.max * factor,
            self.mean * factor,
        )

    def as_dict(self) -> dict:
        return asdict(self)


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def table(rows: list[dict], columns: Sequence[str]) -> str:
    """A markdown table of ``rows`` (missing cells empty; floats with 3 significant digits)."""

    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:.1f}" if abs(value) >= 100 else f"{value:.3g}"
        return "" if value is None else str(value)

    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def stats_row(name: str, stats: Stats, unit: str = "ms", **extra) -> dict:
    return {
        "what": name,
        "n": stats.n,
        f"min {unit}": stats.min,
        f"p50 {unit}": stats.p50,
        f"p99 {unit}": stats.p99,
        f"max {unit}": stats.max,
        **extra,
    }


STAT_COLUMNS = ("what", "n", "min ms", "p50 ms", "p99 ms", "max ms")


# -- our station as a process ---------------------------------------------------------------


def station_config(data_dir: Path, url: str, *, ca_file: Path | None = None) -> Path:
    """A sim-hardware station config pointing at ``url``; returns the file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    profile = 2 if url.startswith("wss") else 1
    ca = f'ca_file = "{ca_file}"\n' if ca_file else ""
    text = f"""
[station]
identity = "{IDENTITY}"
serial_number = "BENCH-SN-1"
vendor_name = "OpenCharge"
model = "AC22-2"
data_dir = "{data_dir}"
log_level = "warning"

[csms]
url = "{url}"
security_profile = {profile}
basic_auth_password = "{PASSWORD}"
{ca}
[hardware]
driver = "sim"
"""
    path = data_dir / "station.toml"
    path.write_text(text)
    return path


class StationProcess(subprocess.Popen[bytes]):
    """A station started by `station_process`; ``config`` is its configuration file."""

    config: Path


_P = TypeVar("_P", bound=subprocess.Popen[bytes])


@contextmanager
def station_process(
    url: str,
    *,
    data_dir: Path | None = None,
    profile: Path | None = None,
    steps: Path | None = None,
) -> Iterator[StationProcess]:
    """`python -m station run` against ``url`` on simulated hardware.

    With ``profile``, the station runs in one process (``--single-process``: the OCPP side
    is the one profiled) under cProfile, which writes its statistics there when the
    station stops; with ``steps``, in one process under `bench.steps` (its long task steps
    and the collector's pauses, written there when it stops)."""
    with tempfile.TemporaryDirectory(prefix="bench-station-") as scratch:
        directory = data_dir or Path(scratch)
        config = station_config(directory, url)
        command = [sys.executable, "-m", "station", "run", "--config", str(config)]
        if profile is not None:
            command[1:2] = ["-m", "cProfile", "-o", str(profile), "-m"]
            command.append("--single-process")
        elif steps is not None:
            command[1:3] = ["-m", "bench.steps", str(steps), "--"]
            command.append("--single-process")
        with _process(command, StationProcess) as p:
            p.config = config
            yield p


@contextmanager
def peer_process(
    kind: str, url: str, *, ping: float | None = None, report: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A baseline station (``floor``, ``ocpplib``... see `bench.peers`; ``libraries``:
    `bench.floor_libraries`); ``report``: the report items it sends for GetBaseReport."""
    if kind == "libraries":
        command = [sys.executable, "-m", "bench.floor_libraries", url, IDENTITY, PASSWORD]
    else:
        command = [sys.executable, "-m", "bench.peers", kind, url, IDENTITY]
    if ping is not None:
        command += ["--ping", str(ping)]
    if report is not None:
        command += ["--report", str(report)]
    with _process(command, subprocess.Popen[bytes]) as process:
        yield process


@contextmanager
def _process(command: list[str], kind: type[_P]) -> Iterator[_P]:
    env = process_env()
    process = kind(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.returncode not in (0, -15) and process.stderr is not None:
            sys.stderr.write(process.stderr.read().decode(errors="replace")[-2000:])


def sim(config: Path, *args: str) -> None:
    """`station sim` against a running station process."""
    subprocess.run(
        [sys.executable, "-m", "station", "sim", "--config", str(config), *args],
        cwd=ROOT,
        env=process_env(),
        check=True,
        capture_output=True,
        timeout=30,
    )


def rss_kib(pid: int) -> int:
    """Resident set size of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


#: `rss_by_mapping` categories: a mapping's file name (or kernel name) → its category.
_MAPPING_CATEGORIES = (
    ("libpython", "libpython"),
    ("libcrypto", "OpenSSL (libcrypto, libssl)"),
    ("libssl", "OpenSSL (libcrypto, libssl)"),
    ("_pydantic_core", "pydantic-core"),
    ("sqlite", "SQLite"),
)


def rss_by_mapping(pid: int) -> dict[str, int]:
    """Resident KiB of a process by what is mapped: its anonymous memory (the Python heap,
    pydantic-core's and SQLite's allocations, thread stacks) and each notable shared
    library, from /proc/PID/smaps (Linux). The shared libraries' pages are shared with
    every process that maps them (the control process and the OCPP side alike)."""
    found: dict[str, int] = {}
    category = "anonymous (Python heap, native allocations, stacks)"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if "-" in head[0] and not head[0].endswith(":"):
            name = head[5] if len(head) > 5 else ""
            category = "anonymous (Python heap, native allocations, stacks)"
            if name and not name.startswith("["):
                base = Path(name).name
                category = next(
                    (c for key, c in _MAPPING_CATEGORIES if key in base),
                    "other shared libraries" if ".so" in base else "other files",
                )
            elif name not in ("", "[heap]", "[stack]"):
                category = "other kernel mappings"
        elif head[0] == "Rss:":
            found[category] = found.get(category, 0) + int(head[1])
    return found


def children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux /proc; the OCPP side of `station run`)."""
    found = []
    # Each thread lists the children it started (a worker thread may spawn the child).
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def timings_table(label: str, times: dict[str, list[float]]) -> str:
    """A table of ``label: NAME`` rows, milliseconds, from seconds by request name."""
    rows = [stats_row(f"{label}: {name}", Stats.of(v).scaled(1000)) for name, v in times.items()]
    return table(rows, STAT_COLUMNS)


def print_profile(path: Path, top: int = 30) -> None:
    """The heaviest functions of a cProfile statistics file, by own time and by
    cumulative time, on standard error."""
    import pstats

    stats = pstats.Stats(str(path), stream=sys.stderr).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def fsync_seconds(directory: Path | None = None, samples: int = 50) -> list[float]:
    """Seconds of one small append + fsync in ``directory`` (the temporary directory by
    default, where the benchmarked stations keep their stores): the floor of a durable
    commit on this machine's disk."""
    times = []
    with tempfile.NamedTemporaryFile(dir=directory, prefix="bench-fsync-") as file:
        for _ in range(samples):
            file.write(b"x" * 200)
            file.flush()
            started = time.perf_counter()
            os.fsync(file.fileno())
            times.append(time.perf_counter() - started)
    return times


def sqlite_commit_seconds(directory: Path | None = None, samples: int = 50) -> list[float]:
    """Seconds of one durable SQLite commit as the station's store makes them (WAL,
    ``synchronous=FULL``, one row replaced in its own transaction), in ``directory`` (the
    temporary directory by default): the floor of a SetVariables answered only once its
    value is stored. SQLite syncs its write-ahead log with fdatasync on a file it reuses,
    which costs less than `fsync_seconds`'s fsync of a growing file."""
    import sqlite3

    times = []
    with tempfile.TemporaryDirectory(dir=directory, prefix="bench-sqlite-") as scratch:
        db = sqlite3.connect(Path(scratch) / "floor.db", isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("CREATE TABLE variables (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            for index in range(samples + 5):  # the first commits grow the files
                started = time.perf_counter()
                db.execute("BEGIN")
                db.execute(
                    "INSERT OR REPLACE INTO variables (key, value) VALUES (?, ?)",
                    ("SampledDataCtrlr/TxUpdatedInterval/Actual", str(index % 2)),
                )
                db.execute("COMMIT")
                if index >= 5:
                    times.append(time.perf_counter() - started)
        finally:
            db.close()
    return times


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def wall() -> float:
    return time.perf_counter()


def add_rig_options(parser) -> None:
    """--external/--bind/--port: measure a station on another machine (a bench rig)."""
    parser.add_argument(
        "--external",
        action="store_true",
        help="do not start a station: wait for one (e.g. on a Raspberry Pi) to connect",
    )
    parser.add_argument("--bind", default="0.0.0.0", help="interface for --external")
    parser.add_argument("--port", type=int, default=9000, help="port for --external")


def rig_of(args) -> dict | None:
    return {"bind": args.bind, "port": args.port} if args.external else None
