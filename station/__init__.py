"""OCPP 2.0.1 charging-station controller.

Packages: `station.ocpp` (OCPP-J messages, RPC, connection, boot), `station.devicemodel`
(components and variables), `station.control` (IEC 61851 control of each EVSE),
`station.supervision` (the restart tree); `station.app` assembles a running station.
"""

__version__ = "0.1.0"
