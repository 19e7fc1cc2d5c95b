"""HashAlgorithmEnumType and what only it shares; used by Authorize, CustomerInformation,
DeleteCertificate, GetCertificateStatus, GetInstalledCertificateIds.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class HashAlgorithmEnumType(OcppEnum):
    """Used algorithms for the hashes provided."""

    SHA256 = "SHA256"
    SHA384 = "SHA384"
    SHA512 = "SHA512"
