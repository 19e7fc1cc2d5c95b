"""Deterministic simulation of whole station lives (``python -m tools.simulate``).

See docs/simulation.md: each seed is one life of the station, as ``station run``
assembles it, on trio's MockClock with simulated hardware, EV drivers, a CSMS that
misbehaves, faults and power cuts, and the invariants checked all along.
"""
