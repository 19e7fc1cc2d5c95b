"""Part 6 TC_M_12, TC_M_13 and TC_M_17: GetInstalledCertificateIds filtered by type with
the certificates installed, against the judge CSMS over TLS (security profile 2).

The CSMS root is the one the station was configured with (imported at its first start);
the manufacturer root is installed over OCPP with InstallCertificate.
"""

from __future__ import annotations

from tests.conftest import FAST, live_station
from tests.judge import Judge
from tests.test_certificates import ocsp_ids, pem, pki, tls_config
from tests.test_interop_tls import server_context

__all__ = ["pki"]  # the module-scoped test PKI fixture, shared with the certificate tests

PASSWORD = "0123456789abcdefABCDEF"


def root_hash(issued) -> dict:
    """certificateHashData of a self-signed root (its own issuer)."""
    root = issued.certificate
    return ocsp_ids(root, root) | {"hashAlgorithm": "SHA256"}


async def test_tc_m_12_13_17_installed_certificate_ids_by_type(tmp_path, pki):
    with Judge(ssl_context=server_context(pki.server), password=PASSWORD) as judge:
        async with live_station(tls_config(tmp_path, judge, pki), variables=FAST):
            await judge.wait_for("BootNotification")
            # Memory state of TC_M_13/17: a manufacturer root installed.
            answer = await judge.call(
                "InstallCertificate",
                {
                    "certificateType": "ManufacturerRootCertificate",
                    "certificate": pem(pki.manufacturer_root),
                },
            )
            assert answer["status"] == "Accepted"
            csms = await judge.call(
                "GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]}
            )
            manufacturer = await judge.call(
                "GetInstalledCertificateIds", {"certificateType": ["ManufacturerRootCertificate"]}
            )
            both = await judge.call(
                "GetInstalledCertificateIds",
                {"certificateType": ["CSMSRootCertificate", "ManufacturerRootCertificate"]},
            )
    csms_entry = {
        "certificateType": "CSMSRootCertificate",
        "certificateHashData": root_hash(pki.csms_root),
    }
    manufacturer_entry = {
        "certificateType": "ManufacturerRootCertificate",
        "certificateHashData": root_hash(pki.manufacturer_root),
    }
    # TC_M_12: only the CSMS root.
    assert csms["status"] == "Accepted"
    assert csms["certificateHashDataChain"] == [csms_entry]
    # TC_M_13: only the manufacturer root.
    assert manufacturer["status"] == "Accepted"
    assert manufacturer["certificateHashDataChain"] == [manufacturer_entry]
    # TC_M_17: both, in any order, nothing else.
    assert both["status"] == "Accepted"
    chain = both["certificateHashDataChain"]
    assert len(chain) == 2 and csms_entry in chain and manufacturer_entry in chain
    assert not judge.violations
