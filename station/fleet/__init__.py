"""Many simulated stations in one process (`station fleet`), for CSMS developers.

`station.fleet.handles` names what the parts agree on: a station of the fleet is driven
through the same control commands as `station sim` (``sim.plug``, ``sim.tap``, ...), so the
session generator, the HTTP API and the command line need nothing else of it.
"""
