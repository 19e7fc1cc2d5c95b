"""Answers for requests the station understands but has nothing behind.

* DataTransfer: no vendor extensions are implemented; UnknownVendorId (P01.FR.06,
  TC_P_01). A vendor that adds one registers its vendorId in ``VENDORS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from station.ocpp.client import OcppClient

if TYPE_CHECKING:
    # Imported when a DataTransfer arrives: a boot does not need its models.
    from station.ocpp.messages import DataTransferRequest, DataTransferResponse

#: vendorId → handler of its DataTransfer requests.
VendorHandler = Callable[["DataTransferRequest"], Awaitable["DataTransferResponse"]]


class Declined:
    """DataTransfer handlers (ClearCache is `station.transactions.localauth`'s)."""

    def __init__(self, client: OcppClient) -> None:
        self.vendors: dict[str, VendorHandler] = {}
        client.route("DataTransfer", self.data_transfer)

    async def data_transfer(self, request: DataTransferRequest) -> DataTransferResponse:
        """P01: hand over to a registered vendor, else UnknownVendorId."""
        from station.ocpp.messages import DataTransferResponse, DataTransferStatusEnumType

        handler = self.vendors.get(request.vendor_id)
        if handler is None:
            return DataTransferResponse(status=DataTransferStatusEnumType.UnknownVendorId)
        return await handler(request)
