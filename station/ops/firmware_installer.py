"""Firmware installer for this project's firmware bundles, with a boot guard and rollback.

Standard library only: it runs with the system's ``python3`` from a stable place, so that
a broken new version cannot break its own rollback. Layout under ``--root``::

    releases/<version>-<UTC time>/   one virtual environment per installed version
    current  -> releases/...         what the service runs (ExecStart uses current/bin/station)
    previous -> releases/...         the version before, kept for rollback
    firmware_installer.py            a copy of this file (`station service install` writes it)

``install FILE`` (the station's ``[firmware] installer`` command; FILE is the download
whose signature the station verified): FILE must be a firmware bundle of
``ocpp-station`` (``python -m tools.firmware bundle``): a zip of ``manifest.json``, the
station's wheel and a wheel of every dependency under ``wheels/``, and
``requirements/base.txt`` / ``requirements/<extra>.txt`` pinning each by version and
SHA-256. Nothing outside the file is used: every wheel's hash is checked against the
pinned ones, then a new virtual environment gets them with ``pip install --no-index
--require-hashes`` (no package index, no pip configuration, no cache of this machine),
with the extras the running station has (an extra counts as installed when its
distributions are in ``current``'s environment, or ``current`` recorded it; ``--extra``
adds one). The new version must import, then ``previous`` and ``current`` are switched
atomically and ``<data-dir>/firmware/pending.json`` records the switch.

Downgrades: a bundle whose version is not newer (PEP 440) than the running one is refused
unless the operator allows it (``OCPP_FIRMWARE_ALLOW_DOWNGRADE=1``, which the station sets
from ``[firmware] allow_downgrade``, or ``--allow-downgrade``). The running version is
``OCPP_FIRMWARE_RUNNING_VERSION`` (set by the station), else the version installed in
``current``; with neither (a first installation) there is nothing to compare.

Exit 0: installed (the station restarts); 3: the file does not verify (not a bundle of
this project, a hash that differs, a downgrade, an extra the running station needs but
the bundle lacks; nothing switched); 1: anything else failed (nothing switched).

``guard`` (``ExecStartPre`` of the service): counts starts while ``pending.json`` exists.
The station deletes that file once the new version has booted and reported Installed to
the CSMS. After ``--max-starts`` starts without that confirmation, ``current`` is switched
back to ``previous`` (rollback) and ``rolled-back.json`` says so. The guard never fails the
start itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PROJECT = "ocpp-station"
BUNDLE_FORMAT = "ocpp-station-firmware/1"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_VERIFICATION = 3
#: What a bundle may hold; anything else (a path outside, a link) fails verification.
_MEMBER = re.compile(
    r"manifest\.json|firmware_installer\.py|requirements/[a-z0-9][a-z0-9-]*\.txt"
    r"|wheels/[A-Za-z0-9][A-Za-z0-9._+!-]*\.whl"
)
#: The installed size of a wheel is rarely more than this multiple of its file.
_INSTALLED_FACTOR = 4
_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)\s*")


class InstallError(Exception):
    """Installation failed; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _verification(message: str) -> InstallError:
    return InstallError(message, EXIT_VERIFICATION)


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


# -- versions (PEP 440, without the packaging library: standard library only) ---------------

_VERSION = re.compile(
    r"v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:-(?P<post_n1>\d+)|[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>\d*))?"
    r"(?:[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?",
    re.IGNORECASE,
)
_PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def version_key(text: str) -> tuple:
    """A key that orders versions as PEP 440 does (dev < pre < final < post; a local
    label is ignored); `ValueError` for what is not a PEP 440 version."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a PEP 440 version")
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post = match["post_n1"] or match["post_n2"]
    has_post = match["post_n1"] is not None or match["post_l"] is not None
    if match["pre_l"]:
        pre: tuple[int, int] = (_PRE[match["pre_l"].lower()], int(match["pre_n"] or 0))
    elif match["dev_l"] and not has_post:
        pre = (-1, 0)  # 1.0.dev1 comes before 1.0a1
    else:
        pre = (3, 0)  # a final release comes after its pre-releases
    post_key = int(post or 0) if has_post else -1
    dev_key = (0, int(match["dev_n"] or 0)) if match["dev_l"] else (1, 0)
    return (int(match["epoch"] or 0), tuple(release), pre, post_key, dev_key)


def is_newer(candidate: str, running: str) -> bool:
    """Whether ``candidate`` is a later version than ``running``."""
    return version_key(candidate) > version_key(running)


# -- the bundle ---------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict:
    """The bundle's manifest, after checking what the archive holds; `InstallError`
    (verification) for anything that is not a bundle of this project."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            strays = [i.filename for i in infos if not _MEMBER.fullmatch(i.filename)]
            if strays:
                raise _verification(f"{path.name}: unexpected member(s) {strays[:5]}")
            if "manifest.json" not in archive.namelist():
                raise _verification(f"{path.name}: not a firmware bundle (no manifest.json)")
            manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _verification(f"{path.name}: not a firmware bundle ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise _verification(f"{path.name}: manifest format is not {BUNDLE_FORMAT!r}")
    if normalize(str(manifest.get("project", ""))) != PROJECT:
        raise _verification(
            f"{path.name} is a bundle of {manifest.get('project')!r}, not of {PROJECT!r}"
        )
    for key in ("version", "wheel", "sha256"):
        if not isinstance(manifest.get(key), str):
            raise _verification(f"{path.name}: manifest without {key!r}")
    extras = manifest.get("extras", {})
    if not isinstance(extras, dict) or not all(
        isinstance(v, list) and all(isinstance(n, str) for n in v) for v in extras.values()
    ):
        raise _verification(f"{path.name}: manifest 'extras' is not a table of name lists")
    odd = [e for e in extras if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", e)]
    if odd:
        raise _verification(f"{path.name}: extra name(s) {odd[:5]} are not normalized names")
    try:
        version_key(manifest["version"])
    except ValueError as exc:
        raise _verification(f"{path.name}: {exc}") from None
    return manifest


def extract(path: Path, into: Path) -> None:
    """Unpack a bundle whose members `read_manifest` accepted, within the free space."""
    with zipfile.ZipFile(path) as archive:
        total = sum(info.file_size for info in archive.infolist())
        free = shutil.disk_usage(into).free
        if free < total * (1 + _INSTALLED_FACTOR):
            raise InstallError(
                f"{free} bytes free under {into}, about {total * (1 + _INSTALLED_FACTOR)} "
                f"needed to unpack and install {total} bytes of wheels"
            )
        for info in archive.infolist():
            target = into / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)


def read_pins(text: str, source: str) -> dict[str, tuple[str, set[str]]]:
    """``name==version --hash=sha256:…`` lines → {name: (version, hashes)}."""
    pins: dict[str, tuple[str, set[str]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.fullmatch(line)
        if match is None:
            raise _verification(f"{source} line {number}: not 'name==version --hash=sha256:…'")
        hashes = set(re.findall(r"sha256:([0-9a-f]{64})", match[3]))
        pins[normalize(match[1])] = (match[2], hashes)
    return pins


def check_wheels(unpacked: Path, manifest: dict, groups: list[str]) -> str:
    """Check every wheel against the pinned hashes; return the requirements pip installs
    (the station with ``groups``' extras, then every pin of the base and those extras)."""
    pins: dict[str, tuple[str, set[str]]] = {}
    texts = []
    for group in ["base", *groups]:
        requirements = unpacked / "requirements" / f"{group}.txt"
        if not requirements.is_file():
            raise _verification(f"the bundle has no requirements/{group}.txt")
        text = requirements.read_text()
        pins.update(read_pins(text, f"requirements/{group}.txt"))
        texts.append(text)
    station_wheel = unpacked / "wheels" / manifest["wheel"]
    if not station_wheel.is_file():
        raise _verification(f"the bundle lacks its station wheel {manifest['wheel']}")
    all_pins = dict(pins)
    for group in manifest.get("extras", {}):
        extra_file = unpacked / "requirements" / f"{group}.txt"
        if extra_file.is_file():
            all_pins.update(read_pins(extra_file.read_text(), f"requirements/{group}.txt"))
    for wheel in sorted((unpacked / "wheels").glob("*.whl")):
        digest = _sha256(wheel)
        if wheel == station_wheel:
            if digest != manifest["sha256"]:
                raise _verification(f"{wheel.name}: SHA-256 {digest} is not the manifest's")
            continue
        name = normalize(wheel.name.split("-")[0])
        if name not in all_pins:
            raise _verification(f"{wheel.name}: not pinned in the bundle's requirements")
        if digest not in all_pins[name][1]:
            raise _verification(f"{wheel.name}: SHA-256 {digest} matches no pinned hash")
    extras = f"[{','.join(groups)}]" if groups else ""
    station = f"{PROJECT}{extras}=={manifest['version']} --hash=sha256:{manifest['sha256']}\n"
    return station + "".join(texts)


# -- the running station ----------------------------------------------------------------


def _site_packages(release: Path) -> list[Path]:
    return sorted(release.glob("lib/python3*/site-packages"))


def _installed_record(release: Path) -> dict:
    try:
        record = json.loads((release / "installed.json").read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def running_state(root: Path) -> tuple[str | None, set[str], list[str]]:
    """(version of ``current``, distributions installed there, extras it recorded)."""
    current = root / "current"
    if not current.exists():
        return None, set(), []
    distributions = {
        normalize(d.metadata["Name"] or "")
        for d in importlib.metadata.distributions(path=[str(p) for p in _site_packages(current)])
    }
    record = _installed_record(current)
    version = record.get("version")
    if not isinstance(version, str):
        version = next(
            (
                d.version
                for d in importlib.metadata.distributions(
                    path=[str(p) for p in _site_packages(current)]
                )
                if normalize(d.metadata["Name"] or "") == PROJECT
            ),
            None,
        )
    extras = [e for e in record.get("extras", []) if isinstance(e, str)]
    return version, distributions, extras


def choose_extras(manifest: dict, root: Path, requested: list[str]) -> list[str]:
    """The extras to install: those the running station has, plus ``requested``."""
    offered = manifest.get("extras", {})
    _, installed, recorded = running_state(root)
    wanted = set(requested) | set(recorded)
    for extra, names in offered.items():
        if names and all(normalize(n) in installed for n in names):
            wanted.add(extra)
    missing = sorted(wanted - set(offered))
    if missing:
        raise _verification(
            f"the running station has (or was asked for) the extra(s) {', '.join(missing)}, "
            f"which the bundle does not carry (it has: {', '.join(offered) or 'none'})"
        )
    return sorted(wanted)


def check_version(manifest: dict, root: Path, allow_downgrade: bool) -> None:
    """Refuse a version that is not newer than the running one, unless allowed."""
    running = os.environ.get("OCPP_FIRMWARE_RUNNING_VERSION") or running_state(root)[0]
    if running is None or allow_downgrade:
        return
    candidate = manifest["version"]
    try:
        newer = is_newer(candidate, running)
    except ValueError as exc:
        raise _verification(f"cannot compare versions: {exc}") from None
    if not newer:
        raise _verification(
            f"version {candidate} is not newer than the running {running}; installing it "
            "needs the operator's consent ([firmware] allow_downgrade = true)"
        )


def _run(command: list[str], what: str, code: int = EXIT_FAILED, cwd: Path | None = None) -> str:
    # No PYTHONPATH into the new environment, and no pip settings of this machine (an
    # index, find-links, constraints): the bundle alone decides what is installed.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME") and not k.startswith("PIP_")
    }
    env["PIP_CONFIG_FILE"] = os.devnull
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
    extras: list[str] | None = None,
    allow_downgrade: bool = False,
) -> Path:
    """Install the bundle ``firmware`` as a new release and switch to it; returns the
    release."""
    manifest = read_manifest(firmware)
    version = manifest["version"]
    check_version(manifest, root, allow_downgrade)
    groups = choose_extras(manifest, root, extras or [])
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    releases = root / "releases"
    release = releases / f"{version}-{stamp}"
    releases.mkdir(parents=True, exist_ok=True)
    try:
        # Unpacked next to the releases: the same file system, not a RAM-backed /tmp.
        with tempfile.TemporaryDirectory(dir=root, prefix=".unpack-") as scratch:
            unpacked = Path(scratch)
            extract(firmware, unpacked)
            requirements = unpacked / "install-requirements.txt"
            requirements.write_text(check_wheels(unpacked, manifest, groups))
            _run([python, "-m", "venv", str(release)], "creating the virtual environment")
            _run(
                [
                    str(release / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--no-cache-dir",
                    "--no-index",
                    "--find-links",
                    str(unpacked / "wheels"),
                    "--require-hashes",
                    "--only-binary=:all:",
                    "--requirement",
                    str(requirements),
                ],
                "pip install",
            )
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
        if len(installed) != 2 or installed != [version, version]:
            raise InstallError(
                f"the new environment has version {installed}, not {version}", EXIT_VERIFICATION
            )
        (release / "installed.json").write_text(
            json.dumps({"version": version, "extras": groups, "sha256": manifest["sha256"]})
        )
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    current = root / "current"
    old = current.resolve() if current.is_symlink() else None
    if old is not None:
        _switch(root / "previous", old)
    _switch(current, release)
    if old is not None:  # a first installation has nothing to roll back to
        pending = data_dir / "firmware" / "pending.json"
        pending.parent.mkdir(parents=True, exist_ok=True)
        pending.write_text(
            json.dumps(
                {"release": str(release), "previous": str(old), "version": version, "starts": 0}
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
    run = commands.add_parser("install", help="install a firmware bundle as the new version")
    run.add_argument("firmware", type=Path)
    guard_cmd = commands.add_parser("guard", help="count starts; roll back unconfirmed versions")
    for each in (run, guard_cmd):
        each.add_argument("--root", type=Path, default=Path("/opt/ocpp-station"))
        each.add_argument("--data-dir", type=Path, default=Path("/var/lib/ocpp-station"))
    run.add_argument("--python", default=sys.executable, help="interpreter of the new venv")
    run.add_argument(
        "--extra",
        action="append",
        default=[],
        help="install this extra too (e.g. gpio on a first installation on a Pi)",
    )
    run.add_argument(
        "--allow-downgrade",
        action="store_true",
        help="install even if the version is not newer than the running one",
    )
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
            extras=args.extra,
            allow_downgrade=args.allow_downgrade
            or os.environ.get("OCPP_FIRMWARE_ALLOW_DOWNGRADE") == "1",
        )
    except InstallError as exc:
        print(f"firmware install: {exc}", file=sys.stderr)
        return exc.code
    print(f"firmware install: switched to {release}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
