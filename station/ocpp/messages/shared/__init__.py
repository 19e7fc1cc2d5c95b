"""The OCPP 2.0.1 types that several actions use (generated)."""
