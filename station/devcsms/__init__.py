"""The development CSMS: a server for stations (`server`), its card list (`cards`), its
local HTTP endpoint (`api`), the line printed per frame (`printer`) and the ``station
csms`` command (`cli`).

Nothing is imported here: the CLI registers ``station csms`` at every start of
``station``, and the server's imports (the OCPP message models) take a second on a
Raspberry Pi. Import from the submodules.
"""
