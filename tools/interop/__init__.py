"""Interop suites: the station against real CSMSs it does not share code with.

``python -m tools.interop.citrineos`` builds CitrineOS (an OCA-certified open-source CSMS)
from its source tarball, runs it on private PostgreSQL and RabbitMQ processes, and drives
a simulated station through boot, device model, sessions, remote commands, certificates
and an outage, checking what CitrineOS stored. ``python -m tools.interop.session`` runs
the station side of a session against any CSMS URL, and ``python -m tools.interop.ocpp_rpc``
runs it against a strict CSMS on the Node.js ``ocpp-rpc`` library. ``docs/interop.md``
describes them.
"""
