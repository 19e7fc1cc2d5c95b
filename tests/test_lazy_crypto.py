"""`cryptography` is imported on first use: a boot with nothing to parse never loads it
(about 8 MiB of the OCPP side's memory), and the certificate operations still work
after such a boot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from station.security.lazy import LazyModule
from tools.testpki import TestPki, make_test_pki

ROOT = Path(__file__).resolve().parent.parent

#: Run in a fresh interpreter: what the OCPP side imports before and during its boot,
#: then a CSR (A02) and the checks of an install (M05) on the root given as argv[1].
SCRIPT = """
import json, sys
import station.app, station.cli, station.control.process  # the OCPP side's boot imports
before = sorted(m for m in sys.modules if m.split(".")[0] == "cryptography")
from station.security import certificates
key = certificates.new_private_key("ec-p256")
csr = certificates.build_csr(key, common_name="SN-1", organization="Org")
(root,) = certificates.parse_pem_chain(open(sys.argv[1], "rb").read())
certificates.check_root(root)
from cryptography import x509
request = x509.load_pem_x509_csr(csr.encode())
print(json.dumps({
    "before": before,
    "after": "cryptography.x509" in sys.modules,
    "csr_subject": request.subject.rfc4514_string(),
    "csr_signature_valid": request.is_signature_valid,
    "root_is_ca": certificates.is_ca(root),
}))
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"), serial_number="SN-1", organization="Org")


def test_boot_imports_no_cryptography_and_certificates_work_after_it(pki):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(pki.csms_root.cert)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "before": [],
        "after": True,
        "csr_subject": "O=Org,CN=SN-1",
        "csr_signature_valid": True,
        "root_is_ca": True,
    }


def test_lazy_module_imports_on_first_attribute_and_caches_it():
    lazy = LazyModule("json")  # already imported: the first read binds, then caches
    assert not lazy.imported
    assert lazy.dumps([1]) == "[1]"
    assert lazy.imported
    assert "dumps" in vars(lazy)  # the second read is a plain attribute read
    assert "imported" in repr(lazy)


def test_lazy_module_reports_a_missing_module_at_first_use():
    lazy = LazyModule("station.no_such_module")
    with pytest.raises(ModuleNotFoundError, match=r"station\.no_such_module"):
        lazy.anything  # noqa: B018  (the attribute read is the import)


def test_lazy_module_reports_a_missing_attribute_by_name():
    lazy = LazyModule("json")
    with pytest.raises(AttributeError, match="no_such_function"):
        lazy.no_such_function  # noqa: B018
