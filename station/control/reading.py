"""`Reading`: one EVSE's electrical state at an instant, as the meter sampler takes it.

Its own small module so that the control process, which produces readings, does not
import the OCPP message models that turn them into MeterValues
(`station.transactions.meter_values`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drivers.interfaces import MeterSample


@dataclass(frozen=True, slots=True)
class Reading:
    """One EVSE's electrical state at an instant."""

    sample: MeterSample
    offered_current: float  # A, what the pilot PWM currently allows (0 when not offering)
    phases: int = 1

    @property
    def timestamp(self) -> datetime:
        """When the meter was read."""
        return self.sample.timestamp
