"""Maintenance over OCPP: file transfer, log upload (N01), customer information (N09/N10)
and secure firmware update (L01)."""

#: The store's meta row that holds an installed firmware update until the CSMS has heard
#: of it (`station.maintenance.firmware`). A boot that finds it loads the firmware
#: feature at once; otherwise it loads on first use (`station.ocpp.ondemand`).
FIRMWARE_STATE = "firmware_update"
