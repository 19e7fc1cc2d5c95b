"""Firmware installer for this project's own wheels, with a boot guard and rollback.

Standard library only: it runs with the system's ``python3`` from a stable place, so that
a broken new version cannot break its own rollback. Layout under ``--root``::

    releases/<version>-<UTC time>/   one virtual environment per installed version
    current  -> releases/...         what the service runs (ExecStart uses current/bin/station)
    previous -> releases/...         the version before, kept for rollback
    firmware_installer.py            a copy of this file (`station service install` writes it)

``install FILE`` (the station's ``[firmware] installer`` command; FILE is the verified
download): FILE must be a wheel of ``ocpp-station``. A new virtual environment gets it
(``pip install``; extra pip arguments with ``--pip-arg``, a local wheelhouse in
``<root>/wheelhouse`` is used when present), the new version must import, then
``previous`` and ``current`` are switched atomically and ``<data-dir>/firmware/pending.json``
records the switch. Exit 0: installed (the station restarts); 3: the new version does
not verify (nothing switched); 1: anything else failed (nothing switched).

``guard`` (``ExecStartPre`` of the service): counts starts while ``pending.json`` exists.
The station deletes that file once the new version has booted and reported Installed to
the CSMS. After ``--max-starts`` starts without that confirmation, ``current`` is switched
back to ``previous`` (rollback) and ``rolled-back.json`` says so. The guard never fails the
start itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PROJECT = "ocpp-station"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_VERIFICATION = 3


class InstallError(Exception):
    """Installation failed; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def wheel_identity(path: Path) -> tuple[str, str, str]:
    """(distribution name, version, wheel file name) read from inside the wheel."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            info_dirs = sorted({n.split("/", 1)[0] for n in names if ".dist-info/" in n})
            if len(info_dirs) != 1:
                raise InstallError(f"{path.name}: not a wheel (no single .dist-info directory)")
            info = info_dirs[0]
            metadata = archive.read(f"{info}/METADATA").decode()
            wheel = archive.read(f"{info}/WHEEL").decode()
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InstallError(f"{path.name}: not a wheel ({exc})") from None
    fields: dict[str, str] = {}
    for line in metadata.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    name, version = fields.get("Name"), fields.get("Version")
    if not name or not version:
        raise InstallError(f"{path.name}: METADATA without Name/Version")
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    tag = tags[0] if tags else "py3-none-any"
    filename = f"{name.replace('-', '_')}-{version}-{tag}.whl"
    return name, version, filename


def _run(command: list[str], what: str, code: int = EXIT_FAILED, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env, cwd=cwd)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise InstallError(f"{what} failed (exit {result.returncode}): {output}", code)
    return result.stdout


def _switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` atomically."""
    temporary = link.with_name(f".{link.name}.new")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(target)
    os.replace(temporary, link)


def install(
    firmware: Path,
    *,
    root: Path,
    data_dir: Path,
    python: str = sys.executable,
    pip_args: list[str] | None = None,
) -> Path:
    """Install ``firmware`` as a new release and switch to it; returns the release."""
    name, version, filename = wheel_identity(firmware)
    if name.lower().replace("_", "-") != PROJECT:
        raise InstallError(f"{firmware.name} is a wheel of {name!r}, not of {PROJECT!r}")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    releases = root / "releases"
    release = releases / f"{version}-{stamp}"
    releases.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            wheel = Path(scratch) / filename  # pip needs the wheel's own file name
            shutil.copyfile(firmware, wheel)
            _run([python, "-m", "venv", str(release)], "creating the virtual environment")
            command = [str(release / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            wheelhouse = root / "wheelhouse"
            if wheelhouse.is_dir():
                command += ["--find-links", str(wheelhouse)]
            _run([*command, *(pip_args or []), str(wheel)], "pip install")
        check = (
            "import importlib.metadata as m, station; "
            f"print(m.version({PROJECT!r}), station.__version__)"
        )
        installed = _run(
            [str(release / "bin" / "python"), "-c", check],
            "verifying the new version",
            EXIT_VERIFICATION,
            cwd=release,  # import the installed package, not a source tree
        ).split()
        if len(installed) != 2 or installed[1] != version:
            raise InstallError(
                f"the new environment imports version {installed}", EXIT_VERIFICATION
            )
        if not installed or installed[0] != version:
            raise InstallError(f"installed version {installed} is not {version}", EXIT_VERIFICATION)
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    current = root / "current"
    old = current.resolve() if current.is_symlink() else None
    if old is not None:
        _switch(root / "previous", old)
    _switch(current, release)
    pending = data_dir / "firmware" / "pending.json"
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.write_text(
        json.dumps(
            {
                "release": str(release),
                "previous": str(old) if old else None,
                "version": version,
                "starts": 0,
            }
        )
    )
    return release


def guard(*, root: Path, data_dir: Path, max_starts: int = 3) -> str:
    """Count an unconfirmed start; roll back after ``max_starts``. Returns what it did."""
    pending = data_dir / "firmware" / "pending.json"
    if not pending.exists():
        return "nothing pending"
    try:
        state = json.loads(pending.read_text())
        starts = int(state.get("starts", 0)) + 1
    except (ValueError, OSError, TypeError) as exc:
        pending.unlink(missing_ok=True)
        return f"unreadable pending.json removed ({exc})"
    if starts <= max_starts:
        state["starts"] = starts
        pending.write_text(json.dumps(state))
        return f"start {starts} of {max_starts} of version {state.get('version')}"
    previous = state.get("previous")
    if not previous or not Path(previous).is_dir():
        pending.unlink(missing_ok=True)
        return "no previous release to roll back to"
    _switch(root / "current", Path(previous))
    (data_dir / "firmware" / "rolled-back.json").write_text(
        json.dumps({"from": state.get("release"), "to": previous, "starts": starts - 1})
    )
    pending.unlink(missing_ok=True)
    return f"rolled back to {previous}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="firmware_installer", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("install", help="install a wheel as the new version")
    run.add_argument("firmware", type=Path)
    guard_cmd = commands.add_parser("guard", help="count starts; roll back unconfirmed versions")
    for each in (run, guard_cmd):
        each.add_argument("--root", type=Path, default=Path("/opt/ocpp-station"))
        each.add_argument("--data-dir", type=Path, default=Path("/var/lib/ocpp-station"))
    run.add_argument("--python", default=sys.executable, help="interpreter of the new venv")
    run.add_argument("--pip-arg", action="append", default=[], help="extra pip argument")
    guard_cmd.add_argument("--max-starts", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "guard":
        try:
            done = guard(root=args.root, data_dir=args.data_dir, max_starts=args.max_starts)
            print(f"firmware guard: {done}")
        except OSError as exc:  # never block the start
            print(f"firmware guard: {exc}", file=sys.stderr)
        return EXIT_OK
    try:
        release = install(
            args.firmware,
            root=args.root,
            data_dir=args.data_dir,
            python=args.python,
            pip_args=args.pip_arg,
        )
    except InstallError as exc:
        print(f"firmware install: {exc}", file=sys.stderr)
        return exc.code
    print(f"firmware install: switched to {release}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
