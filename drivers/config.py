"""Hardware configuration: which driver family serves each device, and its settings.

This is the ``[hardware]`` table of the station's TOML file. It lives in ``drivers`` so
that the station can validate a configuration without importing any concrete driver.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Family = Literal["sim", "gpio", "serial"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvseHardware(_Strict):
    """One EVSE: its single connector and the devices that serve it."""

    id: int = Field(ge=1)
    connector_type: str = "cType1"
    phases: Literal[1, 3] = 1
    max_current: float = Field(default=32.0, ge=6.0, le=80.0)
    nominal_voltage: float = Field(default=230.0, gt=0)


class HardwareConfig(_Strict):
    """The ``[hardware]`` table."""

    driver: Literal["sim", "gpio"] = "sim"
    evse: list[EvseHardware] = Field(
        default_factory=lambda: [EvseHardware(id=1), EvseHardware(id=2)], min_length=1
    )

    @model_validator(mode="after")
    def _evse_ids_are_1_to_n(self) -> HardwareConfig:
        ids = [e.id for e in self.evse]
        if ids != list(range(1, len(ids) + 1)):
            raise ValueError(f"EVSE ids must be 1..n in order without gaps, got {ids}")
        return self
