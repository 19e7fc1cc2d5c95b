"""Meter readings as OCPP MeterValues (J01, J02): which measurand comes from where, in what unit.

A `Reading` is what the station knows about one EVSE at one instant: the meter sample
plus the current the EVSE offers over the control pilot. `meter_value` turns a reading
into a ``MeterValueType`` with the configured measurands, always with an explicit
``context`` (the schema default Sample.Periodic would be wrong for Transaction.Begin,
Transaction.End, Sample.Clock and Trigger values) and the unit of each measurand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from station.control.reading import Reading
from station.ocpp.messages import (
    LocationEnumType,
    MeasurandEnumType,
    MeterValueType,
    ReadingContextEnumType,
    SampledValueType,
    UnitOfMeasureType,
)

_Extract = Callable[[Reading], float | None]

#: Measurand → (value from a reading, unit). Energy in Wh, power in W, as OCPP's defaults.
MEASURANDS: dict[str, tuple[_Extract, str]] = {
    "Energy.Active.Import.Register": (lambda r: r.sample.energy_import_wh, "Wh"),
    "Energy.Active.Export.Register": (lambda r: r.sample.energy_export_wh, "Wh"),
    "Voltage": (lambda r: r.sample.voltage, "V"),
    "Current.Import": (lambda r: max(r.sample.current, 0.0) if r.sample.power >= 0 else 0.0, "A"),
    "Current.Offered": (lambda r: r.offered_current, "A"),
    "Power.Active.Import": (lambda r: max(r.sample.power, 0.0), "W"),
    "Power.Factor": (lambda r: r.sample.power_factor, ""),
    "Power.Offered": (lambda r: r.offered_current * r.sample.voltage * r.phases, "W"),
    "Frequency": (lambda r: r.sample.frequency, "Hz"),
    # Known only when the EV tells the station (ISO 15118, or the simulator's battery
    # model); an AC station with basic charging never does, and leaves it out.
    "SoC": (lambda r: r.sample.soc, "Percent"),
}
#: Where a measurand is measured, when not at the outlet (the schema's default).
LOCATIONS = {"SoC": LocationEnumType.EV}


def sampled_values(
    reading: Reading, measurands: Iterable[str], context: ReadingContextEnumType
) -> list[SampledValueType]:
    """The configured measurands of one reading (unknown or non-finite values are skipped,
    and so is SoC when the EV's state of charge is not known)."""
    values = []
    for measurand in measurands:
        entry = MEASURANDS.get(measurand)
        if entry is None:
            continue
        extract, unit = entry
        value = extract(reading)
        if value is None or not math.isfinite(value):
            continue
        values.append(
            SampledValueType(
                value=round(value, 3),
                context=context,
                measurand=MeasurandEnumType(measurand),
                location=LOCATIONS.get(measurand),
                unit_of_measure=UnitOfMeasureType(unit=unit) if unit else None,
            )
        )
    return values


def meter_value(
    reading: Reading, measurands: Iterable[str], context: ReadingContextEnumType
) -> MeterValueType | None:
    """A MeterValueType for the reading, or None when no measurand applies."""
    values = sampled_values(reading, measurands, context)
    if not values:
        return None
    return MeterValueType(timestamp=reading.timestamp, sampled_value=values)
