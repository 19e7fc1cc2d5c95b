"""The control loops' period and timing figures, for the side that only reads them.

The OCPP side names the default period (its `Runtime`) and receives the loops' timing
(`station.control.remote`) without running a loop: these live apart from
`station.control.loop`, so that its process does not import the loop, the pilot state
machine and the device threads it never runs.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Seconds between two iterations of a control loop while an EV is connected.
DEFAULT_PERIOD = 0.010


@dataclass(frozen=True, slots=True)
class TimingStats:
    """Lateness of the loop's wake-ups against their deadlines (seconds)."""

    samples: int
    p50: float
    p99: float
    max: float
    overruns: int
