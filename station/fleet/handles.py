"""What the parts of a fleet see of one station and of the fleet.

A fleet station is a full `station.app.Station` (same assembly as `station run`) with
simulated hardware; these protocols are the small surface the session generator
(`station.fleet.traffic`), the HTTP API (`station.fleet.http`) and the command line use,
so each can be built and tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

#: Commands a fleet station answers itself, not its control socket: they act on its
#: network, which is the fleet's (`station.fleet.outage`). ``network.outage``
#: {"duration_s", "cause"?: "network" | "csms"} cuts its connection to the CSMS for that
#: long; ``network.restore`` {} ends an outage early. Both answer the outage in force
#: (``{"outage": {"cause", "remaining_s"} | null}``) and work while the station is down.
OUTAGE = "network.outage"
RESTORE = "network.restore"
NETWORK_COMMANDS = (OUTAGE, RESTORE)


class StationDown(Exception):
    """The station is not running at the moment (starting, restarting or stopped)."""


class StationHandle(Protocol):
    """One station of a fleet."""

    @property
    def identity(self) -> str:
        """The station's OCPP identity (the last segment of its WebSocket URL)."""
        ...

    @property
    def evse_ids(self) -> Sequence[int]:
        """Its EVSE ids, ascending."""
        ...

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        """Run one control command of the station's current incarnation.

        ``name`` and ``args`` are those of the control socket (``status``,
        ``sim.plug`` {"evse"}, ``sim.unplug`` {"evse"}, ``sim.ev_state`` {"evse",
        "state"}, ``sim.tap`` {"uid"}, ``sim.fault`` {"evse", "kind"}, ...), or one of
        the `NETWORK_COMMANDS`; the answer is the command's. Raises `StationDown` when
        the station is not running, `KeyError` for an unknown command and `ValueError`
        for bad arguments.
        """
        ...

    def summary(self) -> dict[str, Any]:
        """A JSON-ready picture: identity, ``state`` (starting, connecting, pending,
        accepted, rejected, stopped), ``connected``, ``outage`` (the network outage in
        force or None), and per EVSE its id, status and transaction id (or None)."""
        ...


class FleetView(Protocol):
    """The fleet, as the API and the generator see it."""

    @property
    def stations(self) -> Mapping[str, StationHandle]:
        """Every station by identity, in start order."""
        ...


class TrafficControl(Protocol):
    """The fleet's session generator, as the HTTP API drives it
    (`station.fleet.traffic.TrafficController`).

    ``status()`` is JSON-ready and holds at least ``running`` (bool); the API refuses a
    start while it is true (409) rather than guess whether new settings should replace the
    running ones.
    """

    def start(self, settings: Mapping[str, Any]) -> None:
        """Start generating sessions with ``settings`` (JSON values, the generator's own
        names) in the background; raises `ValueError` naming the setting and the reason
        for a bad one, and then starts nothing."""
        ...

    def stop(self) -> None:
        """Stop generating new sessions (idempotent)."""
        ...

    def status(self) -> dict[str, Any]:
        """``running``, the settings in force and what the generator has done so far."""
        ...
