"""Simulated hardware: EVs, pilots, contactors, RCDs, meters and a card reader in memory.

Every device is non-blocking and takes its time from an injected monotonic clock, so a
station running on trio's MockClock behaves exactly the same on every run.
`SimulatedStation` groups them and offers what a person at the charger could do: plug,
unplug, change the EV's state or current, tap a card, break something. With a world file
(`drivers.sim.world`) the EVs, the meters' registers and the card on the reader survive
the station's restarts, as real hardware would.
"""

from drivers.sim.card_reader import SimulatedCardReader, normalize_uid
from drivers.sim.ev import EV_STATES, PilotOutput, SimulatedEv, offered_current, pilot_levels
from drivers.sim.evse import (
    SimulatedEvse,
    SimulatedFaultInputs,
    SimulatedMeter,
    SimulatedPilot,
    SimulatedRelay,
)
from drivers.sim.station import FAULTS, SimulatedStation

__all__ = [
    "EV_STATES",
    "FAULTS",
    "PilotOutput",
    "SimulatedCardReader",
    "SimulatedEv",
    "SimulatedEvse",
    "SimulatedFaultInputs",
    "SimulatedMeter",
    "SimulatedPilot",
    "SimulatedRelay",
    "SimulatedStation",
    "normalize_uid",
    "offered_current",
    "pilot_levels",
]
