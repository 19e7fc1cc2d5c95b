"""Build and sign a firmware file of this project: a self-contained bundle, and its
UpdateFirmware signature.

    python -m tools.firmware bundle --version 0.1.1 --out dist/
    python -m tools.firmware sign dist/ocpp_station-0.1.1-firmware.zip --key firmware_signing.key

`bundle` writes one zip file that holds everything a station installs, so nothing outside
the signature is fetched at install time:

    manifest.json               project, version, the station wheel and its SHA-256, and
                                for each extra the distributions it adds
    wheels/*.whl                the station's wheel and a wheel of every dependency
    requirements/base.txt       every dependency pinned: ``name==version --hash=sha256:…``
    requirements/<extra>.txt    what each extra (``gpio``: the Pi drivers) adds, pinned
    firmware_installer.py       the installer (for a first installation by hand)

The station's installer (`station/ops/firmware_installer.py`) installs it with
``pip install --no-index --require-hashes``: pip can use no other file, and refuses any
file whose hash differs or any dependency that is not pinned. The wheels are collected with
pip from the configured index or the local cache (``pip wheel``), for the machine that
builds the bundle; for another platform (a Raspberry Pi, aarch64) name it with
``--platform`` and ``--python-version`` (then only binary wheels are taken, ``pip
download``), or build the bundle on such a machine. ``build`` writes only the station's own
wheel (the same files `pip wheel .` would ship), without network access.

`sign` prints the Base64 signature over the whole file that goes into
UpdateFirmwareRequest.firmware.signature: ECDSA/SHA-256 for an EC key, RSA-PSS/SHA-256 for
an RSA key (L01.FR.03 leaves the choice to the manufacturer).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station", "drivers")
DATA_SUFFIXES = (".py", ".typed", ".toml", ".service.in")
INSTALLER = ROOT / "station" / "ops" / "firmware_installer.py"
#: The bundle format the installer reads (``manifest.json`` "format").
BUNDLE_FORMAT = "ocpp-station-firmware/1"
#: Extras a firmware bundle carries by default: the Raspberry Pi drivers.
DEFAULT_EXTRAS = ("gpio",)


class BundleError(Exception):
    """The bundle cannot be built; the message names the step and pip's output."""


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def write_wheel(
    out_dir: Path,
    *,
    name: str,
    version: str,
    files: Mapping[str, bytes],
    requires: Sequence[str] = (),
    extras: Mapping[str, Sequence[str]] | None = None,
    scripts: Mapping[str, str] | None = None,
    summary: str = "",
    requires_python: str = ">=3.11",
) -> Path:
    """Write a pure-Python wheel ``<name>-<version>-py3-none-any.whl`` of ``files``
    (archive path → bytes) with its metadata; returns its path."""
    dist = f"{re.sub(r'[-_.]+', '_', name)}-{version}"
    members = dict(files)
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        f"Requires-Python: {requires_python}",
        *(f"Requires-Dist: {d}" for d in requires),
    ]
    for extra, needs in (extras or {}).items():
        metadata.append(f"Provides-Extra: {extra}")
        metadata += [f'Requires-Dist: {d}; extra == "{extra}"' for d in needs]
    info = f"{dist}.dist-info"
    members[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tools.firmware\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if scripts:
        members[f"{info}/entry_points.txt"] = (
            "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
        ).encode()
    top_level = sorted({path.split("/", 1)[0] for path in files if "/" in path})
    members[f"{info}/top_level.txt"] = ("\n".join(top_level) + "\n").encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for member, data in members.items():
        writer.writerow([member, _record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    members[f"{info}/RECORD"] = record.getvalue().encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return wheel


def build_wheel(out_dir: Path, *, version: str | None = None, source: Path = ROOT) -> Path:
    """Write ``ocpp_station-<version>-py3-none-any.whl`` into ``out_dir``; return its path."""
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    version = version or project["version"]
    files: dict[str, bytes] = {}
    for package in PACKAGES:
        for path in sorted((source / package).rglob("*")):
            if (
                path.is_file()
                and path.name.endswith(DATA_SUFFIXES)
                and "__pycache__" not in path.parts
            ):
                data = path.read_bytes()
                if path == source / "station" / "__init__.py":
                    data = _with_version(data, version)
                files[path.relative_to(source).as_posix()] = data
    return write_wheel(
        out_dir,
        name=project["name"],
        version=version,
        files=files,
        requires=project.get("dependencies", []),
        extras=project.get("optional-dependencies", {}),
        scripts=project.get("scripts", {}),
        summary=project.get("description", ""),
        requires_python=project.get("requires-python", ">=3.11"),
    )


def _with_version(data: bytes, version: str) -> bytes:
    lines = data.decode().splitlines(keepends=True)
    return "".join(
        f'__version__ = "{version}"\n' if line.startswith("__version__ =") else line
        for line in lines
    ).encode()


# -- the bundle ---------------------------------------------------------------------------


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_version(path: Path) -> tuple[str, str]:
    """(normalized distribution name, version) from a wheel's file name."""
    parts = path.name[: -len(".whl")].split("-")
    if not path.name.endswith(".whl") or len(parts) not in (5, 6):
        raise BundleError(f"{path.name}: not a wheel file name")
    return normalize(parts[0]), parts[1]


def requirement_name(requirement: str) -> str:
    """The distribution a requirement string names (``lgpio>=0.2`` → ``lgpio``)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise BundleError(f"cannot read the requirement {requirement!r}")
    return normalize(match.group(1))


def file_sha256(path: Path) -> bytes:
    """SHA-256 of a file, read in blocks (a bundle can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.digest()


def pinned_requirements(wheels: Iterable[Path]) -> str:
    """One ``name==version --hash=sha256:…`` line per distribution (one hash per wheel
    file, so a bundle may carry a distribution for several platforms)."""
    pins: dict[tuple[str, str], set[str]] = {}
    for wheel in wheels:
        pins.setdefault(wheel_name_version(wheel), set()).add(file_sha256(wheel).hex())
    lines = []
    for (name, version), digests in sorted(pins.items()):
        hashes_ = " ".join(f"--hash=sha256:{d}" for d in sorted(digests))
        lines.append(f"{name}=={version} {hashes_}")
    return "".join(f"{line}\n" for line in lines)


def pack_bundle(
    out_dir: Path,
    station_wheel: Path,
    groups: Mapping[str, Sequence[Path]],
    extras: Mapping[str, Sequence[str]],
) -> Path:
    """Write the firmware bundle: the station wheel, ``groups[""]`` (its dependencies) and
    ``groups[extra]`` (what each extra adds); ``extras`` names each extra's direct
    requirements (what the installer looks for in the running station)."""
    name, version = wheel_name_version(station_wheel)
    manifest = {
        "format": BUNDLE_FORMAT,
        "project": name,
        "version": version,
        "wheel": station_wheel.name,
        "sha256": file_sha256(station_wheel).hex(),
        "extras": {extra: sorted(requirement_name(r) for r in extras[extra]) for extra in extras},
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    bundle = out_dir / f"{station_wheel.name.split('-')[0]}-{version}-firmware.zip"
    stamp = (2020, 1, 1, 0, 0, 0)
    # Stored, not deflated: wheels are compressed already, and the installer checks the
    # sizes it extracts against the archive's own.
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            zipfile.ZipInfo("manifest.json", stamp), json.dumps(manifest, indent=1) + "\n"
        )
        for group in ("", *extras):
            wheels = groups.get(group, ())
            target = "base" if group == "" else group
            archive.writestr(
                zipfile.ZipInfo(f"requirements/{target}.txt", stamp), pinned_requirements(wheels)
            )
        for wheel in sorted({station_wheel, *(w for ws in groups.values() for w in ws)}):
            archive.writestr(zipfile.ZipInfo(f"wheels/{wheel.name}", stamp), wheel.read_bytes())
        archive.writestr(zipfile.ZipInfo("firmware_installer.py", stamp), INSTALLER.read_bytes())
    return bundle


def _pip(arguments: Sequence[str], what: str) -> None:
    command = [sys.executable, "-m", "pip", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise BundleError(f"{what}: pip exited {result.returncode}: {output}")


def collect_wheels(
    station_wheel: Path,
    extras: Sequence[str],
    wheelhouse: Path,
    *,
    python_version: str | None = None,
    platforms: Sequence[str] = (),
    pip_args: Sequence[str] = (),
) -> dict[str, list[Path]]:
    """Wheels of the station's dependencies, and of what each extra adds, in
    ``wheelhouse``: {"": base, extra: added}. Each extra is resolved after the base, so
    its group is exactly the files it brings in."""
    if platforms or python_version:
        target = [f"--platform={p}" for p in platforms]
        target += [f"--python-version={python_version}"] if python_version else []
        command = ["download", "--only-binary=:all:", *target, "--dest", str(wheelhouse)]
    else:
        command = ["wheel", "--wheel-dir", str(wheelhouse)]
    groups: dict[str, list[Path]] = {}
    seen: set[Path] = set()
    station = wheel_name_version(station_wheel)[0]
    constraints = wheelhouse / "base-constraints.txt"
    for group in ("", *extras):
        requirement = f"{station_wheel}[{group}]" if group else str(station_wheel)
        # An extra must not move a base dependency to another version.
        pinned = ["--constraint", str(constraints)] if group else []
        _pip(
            [*command, "--quiet", *pinned, *pip_args, requirement],
            f"collecting {'the dependencies' if not group else f'the extra {group!r}'}",
        )
        present = {
            p
            for p in wheelhouse.glob("*.whl")
            if p.name != station_wheel.name and wheel_name_version(p)[0] != station
        }
        groups[group] = sorted(present - seen)
        seen |= present
        if not group:
            pins = sorted({"==".join(wheel_name_version(p)) for p in present})
            constraints.write_text("".join(f"{pin}\n" for pin in pins))
    return groups


def build_bundle(
    out_dir: Path,
    *,
    version: str | None = None,
    extras: Sequence[str] = DEFAULT_EXTRAS,
    python_version: str | None = None,
    platforms: Sequence[str] = (),
    pip_args: Sequence[str] = (),
    source: Path = ROOT,
) -> Path:
    """Build the station's wheel, collect every dependency (and ``extras``) as wheels and
    pack them into one firmware bundle in ``out_dir``; returns its path."""
    optional = tomllib.loads((source / "pyproject.toml").read_text())["project"].get(
        "optional-dependencies", {}
    )
    unknown = [e for e in extras if e not in optional]
    if unknown:
        raise BundleError(f"unknown extra(s) {', '.join(unknown)}; known: {', '.join(optional)}")
    with tempfile.TemporaryDirectory() as scratch:
        station_wheel = build_wheel(Path(scratch) / "station", version=version, source=source)
        wheelhouse = Path(scratch) / "wheelhouse"
        wheelhouse.mkdir()
        groups = collect_wheels(
            station_wheel,
            extras,
            wheelhouse,
            python_version=python_version,
            platforms=platforms,
            pip_args=pip_args,
        )
        return pack_bundle(out_dir, station_wheel, groups, {e: optional[e] for e in extras})


def sign(path: Path, key) -> str:
    """Base64 signature over the whole file (the same signature as over its bytes; the
    file is hashed in blocks rather than read into memory)."""
    digest = file_sha256(path)
    prehashed = Prehashed(hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(digest, ec.ECDSA(prehashed))
    elif isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(
            digest,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
            prehashed,
        )
    else:
        raise ValueError(f"unsupported key type {type(key).__name__}")
    return base64.b64encode(signature).decode()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.firmware",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    bundle = commands.add_parser("bundle", help="build a self-contained firmware bundle")
    bundle.add_argument("--version")
    bundle.add_argument("--out", type=Path, default=Path("dist"))
    bundle.add_argument(
        "--extra",
        action="append",
        dest="extras",
        help=f"extra to carry (repeatable; default: {', '.join(DEFAULT_EXTRAS)})",
    )
    bundle.add_argument("--no-extras", action="store_true", help="carry no extra")
    bundle.add_argument("--python-version", help="target Python, e.g. 3.11 (binary wheels only)")
    bundle.add_argument(
        "--platform",
        action="append",
        default=[],
        help="target platform tag, e.g. manylinux_2_36_aarch64 (repeatable; binary wheels only)",
    )
    bundle.add_argument("--pip-arg", action="append", default=[], help="extra pip argument")
    build = commands.add_parser("build", help="build only the wheel of this source tree")
    build.add_argument("--version")
    build.add_argument("--out", type=Path, default=Path("dist"))
    signer = commands.add_parser("sign", help="print the Base64 signature of a file")
    signer.add_argument("file", type=Path)
    signer.add_argument("--key", type=Path, required=True, help="PEM private key (unencrypted)")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build_wheel(args.out, version=args.version))
        return 0
    if args.command == "bundle":
        extras = () if args.no_extras else tuple(args.extras or DEFAULT_EXTRAS)
        try:
            path = build_bundle(
                args.out,
                version=args.version,
                extras=extras,
                python_version=args.python_version,
                platforms=args.platform,
                pip_args=args.pip_arg,
            )
        except BundleError as exc:
            print(f"firmware bundle: {exc}", file=sys.stderr)
            return 1
        print(path)
        return 0
    key = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
    print(sign(args.file, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
