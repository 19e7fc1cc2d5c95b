"""RequestStartStopStatusEnumType and what only it shares; used by RequestStartTransaction,
RequestStopTransaction.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class RequestStartStopStatusEnumType(OcppEnum):
    """Status indicating whether the Charging Station accepts the request to start a transaction."""

    Accepted = "Accepted"
    Rejected = "Rejected"
