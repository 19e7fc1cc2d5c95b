"""CertificateSigningUseEnumType and what only it shares; used by CertificateSigned, SignCertificate.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class CertificateSigningUseEnumType(OcppEnum):
    """Indicates the type of the signed certificate that is returned."""

    ChargingStationCertificate = "ChargingStationCertificate"
    V2GCertificate = "V2GCertificate"
