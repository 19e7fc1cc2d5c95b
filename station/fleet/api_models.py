"""The fleet HTTP API's request and answer models (`station.fleet.http`).

They validate what a client sends (a 422 names the field, the rule and the value) and are
the schemas of the API's OpenAPI description, so their docstrings and field descriptions
are what a reader of ``/openapi.json`` sees.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from station.fleet.outage import MAX_OUTAGE_S


class Problem(BaseModel):
    """Every error's body."""

    detail: str = Field(description="What was wrong, naming the thing and the value.")


class EvseSummary(BaseModel):
    """One EVSE, as the fleet's summary shows it."""

    model_config = ConfigDict(extra="allow")

    id: int
    status: str | None = Field(
        description="Its connector status (Available, Occupied, ...); null while the "
        "station is not running."
    )
    transaction_id: str | None = Field(description="The transaction in progress, if any.")


class OutageState(BaseModel):
    """A network outage in force on a station."""

    cause: Literal["network", "csms"] = Field(
        description="network: the station's own network is gone (its connection attempts "
        "find no route); csms: the CSMS is down (they are refused)."
    )
    remaining_s: float = Field(description="Seconds until it ends by itself.")


class StationSummary(BaseModel):
    """A station in one line's worth of fields."""

    model_config = ConfigDict(extra="allow")

    identity: str = Field(description="OCPP identity (the last segment of its URL).")
    state: str = Field(description="starting, connecting, pending, accepted, rejected or stopped.")
    connected: bool = Field(description="Whether its WebSocket to the CSMS is open.")
    outage: OutageState | None = Field(
        default=None, description="The network outage in force, if any."
    )
    incarnations: int | None = Field(
        default=None, description="How many times it was built (1 + restarts)."
    )
    error: str | None = Field(default=None, description="Why its last run failed, if it did.")
    evses: list[EvseSummary]


class Totals(BaseModel):
    """Counts over the whole fleet."""

    stations: int
    connected: int
    states: dict[str, int] = Field(description="Stations per state.")
    evses: dict[str, int] = Field(
        description="EVSEs per connector status (of the stations that are running)."
    )
    transactions: int = Field(description="Transactions in progress.")
    outages: int = Field(default=0, description="Stations in a network outage.")


class StationList(BaseModel):
    """Every station of the fleet, in start order, and the totals."""

    stations: list[StationSummary]
    totals: Totals


class StationState(StationSummary):
    """A station's summary and, while it runs, its full state."""

    status: dict[str, Any] | None = Field(
        description="The answer of its `status` command (what `station sim status --json` "
        "prints), or null while the station is not running."
    )


class CommandResult(BaseModel):
    """What a station answered to a command."""

    identity: str
    command: str = Field(description="The control command that was run.")
    result: Any = Field(description="The command's answer.")


class Health(BaseModel):
    """The API is up; how many stations run."""

    status: Literal["ok"] = "ok"
    version: str
    stations: int
    states: dict[str, int]
    connected: int


class EvState(BaseModel):
    """An IEC 61851-1 state for the simulated EV."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["A", "B", "C", "D", "E", "F"]


class Card(BaseModel):
    """An ISO 14443 card presented to the station's reader."""

    model_config = ConfigDict(extra="forbid")

    uid: str = Field(
        pattern=r"^[0-9A-Fa-f]{2,40}$",
        description="The card's UID in hex (e.g. 04A1B2C3).",
        examples=["04A1B2C3"],
    )


class Fault(BaseModel):
    """A hardware fault to inject, or ``clear``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rcd", "diode", "welded", "clear"]


class StateOfCharge(BaseModel):
    """The simulated EV battery's state of charge (the EV needs a battery model)."""

    model_config = ConfigDict(extra="forbid")

    percent: float = Field(ge=0, le=100, examples=[80])


class EvSettings(BaseModel):
    """What to change of the simulated EV (the one plugged in, or the next to arrive);
    the station checks every value before it applies any."""

    model_config = ConfigDict(extra="forbid")

    capacity_kwh: float | None = Field(
        default=None, ge=0, description="Battery capacity, 1 to 1000 kWh; 0: no battery model."
    )
    max_current: float | None = Field(
        default=None, gt=0, description="The EV's own maximum current per phase (A)."
    )
    phases: Literal[1, 3] | None = Field(default=None, description="Phases its charger uses.")
    soc: float | None = Field(default=None, ge=0, le=100, description="State of charge (%).")


class Outage(BaseModel):
    """A network outage to cause on one station: its WebSocket drops without a close
    frame and its connection attempts fail until the outage ends."""

    model_config = ConfigDict(extra="forbid")

    duration_s: float = Field(
        gt=0, le=MAX_OUTAGE_S, description="How long it lasts (s).", examples=[120]
    )
    cause: Literal["network", "csms"] = Field(
        default="network",
        description="network: attempts find no route to the CSMS; csms: they are refused.",
    )


class FleetOutage(Outage):
    """A network outage of every station at once; by default a CSMS outage."""

    cause: Literal["network", "csms"] = Field(
        default="csms",
        description="csms: every station's attempts are refused; network: they find no route.",
    )


class FleetOutageResult(BaseModel):
    """What a fleet-wide outage (or its end) did."""

    stations: int = Field(description="Stations cut off (or, for its end, that were).")
    outage: OutageState | None = Field(description="The outage now in force, if any.")


def totals(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts over the fleet's summaries (`StationSummary`'s shape), as `Totals` has them."""
    evses = [e for s in summaries for e in s["evses"]]
    return {
        "stations": len(summaries),
        "connected": sum(1 for s in summaries if s["connected"]),
        "states": dict(Counter(str(s["state"]) for s in summaries)),
        "evses": dict(Counter(str(e["status"]) for e in evses if e["status"] is not None)),
        "transactions": sum(1 for e in evses if e["transaction_id"]),
        "outages": sum(1 for s in summaries if s.get("outage")),
    }
