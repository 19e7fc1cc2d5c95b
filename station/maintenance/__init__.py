"""Maintenance over OCPP: file transfer, log upload (N01), customer information (N09/N10)
and secure firmware update (L01)."""
