"""Build and sign a firmware file of this project: a wheel, and its UpdateFirmware signature.

    python -m tools.firmware build --version 0.1.1 --out dist/
    python -m tools.firmware sign dist/ocpp_station-0.1.1-py3-none-any.whl \\
        --key firmware_signing.key

`build` zips the ``station`` and ``drivers`` packages of this source tree into a pure-Python
wheel (the same files `pip wheel .` would ship) with the version given, so a release can
be built without network access. `sign` prints the Base64 signature over the whole file
that goes into UpdateFirmwareRequest.firmware.signature: ECDSA/SHA-256 for an EC key,
RSA-PSS/SHA-256 for an RSA key (L01.FR.03 leaves the choice to the manufacturer).
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import sys
import tomllib
import zipfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("station", "drivers")
DATA_SUFFIXES = (".py", ".typed", ".toml", ".service.in")


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def build_wheel(out_dir: Path, *, version: str | None = None, source: Path = ROOT) -> Path:
    """Write ``ocpp_station-<version>-py3-none-any.whl`` into ``out_dir``; return its path."""
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    version = version or project["version"]
    name = project["name"]
    dist = f"{name.replace('-', '_')}-{version}"
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
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')}",
        f"Requires-Python: {project.get('requires-python', '>=3.11')}",
        *(f"Requires-Dist: {d}" for d in project.get("dependencies", [])),
    ]
    info = f"{dist}.dist-info"
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tools.firmware\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    scripts = project.get("scripts", {})
    files[f"{info}/entry_points.txt"] = (
        "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
    ).encode()
    files[f"{info}/top_level.txt"] = ("\n".join(PACKAGES) + "\n").encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for member, data in files.items():
        writer.writerow([member, _record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    files[f"{info}/RECORD"] = record.getvalue().encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return wheel


def _with_version(data: bytes, version: str) -> bytes:
    lines = data.decode().splitlines(keepends=True)
    return "".join(
        f'__version__ = "{version}"\n' if line.startswith("__version__ =") else line
        for line in lines
    ).encode()


def file_sha256(path: Path) -> bytes:
    """SHA-256 of a file, read in blocks (a bundle can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.digest()


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
    parser = argparse.ArgumentParser(prog="python -m tools.firmware", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build a wheel of this source tree")
    build.add_argument("--version")
    build.add_argument("--out", type=Path, default=Path("dist"))
    signer = commands.add_parser("sign", help="print the Base64 signature of a file")
    signer.add_argument("file", type=Path)
    signer.add_argument("--key", type=Path, required=True, help="PEM private key (unencrypted)")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build_wheel(args.out, version=args.version))
        return 0
    key = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
    print(sign(args.file, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
