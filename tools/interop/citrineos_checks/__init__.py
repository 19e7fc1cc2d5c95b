"""The checks of the CitrineOS interop suite: one station at a time against one CitrineOS.

Each check drives the station (its control socket) or CitrineOS (its REST API), then
waits with a deadline for what must follow: a frame in the station's message log, a row
in CitrineOS's database. ``docs/interop.md`` lists them. The checks are grouped by
functional block, one module each; ``Suite`` runs them in order.
"""

from __future__ import annotations

from tools.interop.citrineos_checks.base import (
    CARD,
    CHARGING_CARD,
    PASSWORD,
    REMOTE_CARD,
    STATION,
    UploadServer,
)
from tools.interop.citrineos_checks.local_auth import LocalAuthChecks
from tools.interop.citrineos_checks.provisioning import ProvisioningChecks
from tools.interop.citrineos_checks.remote_control import RemoteControlChecks
from tools.interop.citrineos_checks.reservation import ReservationChecks
from tools.interop.citrineos_checks.security import SecurityChecks
from tools.interop.citrineos_checks.smart_charging import SmartChargingChecks
from tools.interop.citrineos_checks.transactions import TransactionChecks
from tools.interop.citrineos_checks.whole_run import WholeRunChecks

__all__ = ["CARD", "CHARGING_CARD", "PASSWORD", "REMOTE_CARD", "STATION", "Suite", "UploadServer"]


class Suite(
    ProvisioningChecks,
    TransactionChecks,
    RemoteControlChecks,
    LocalAuthChecks,
    ReservationChecks,
    SmartChargingChecks,
    SecurityChecks,
    WholeRunChecks,
):
    """The checks, in order, against one CitrineOS and one station at a time."""

    def run(self, uploads: UploadServer) -> None:
        """Every check, in order."""
        self.boot_sp1()
        self.device_model()
        self.reports()
        self.local_session()
        self.remote_session()
        self.remote_commands()
        self.local_authorization()
        self.reservations()
        self.smart_charging()
        self.certificates()
        self.get_log(uploads)
        self.outage()
        self.reset()
        self.tls_profiles()
        self.session_tool()
        self.wire_checks()
