"""The energy manager's interface: local limits over Modbus TCP."""
