"""A busy OCPP side for `bench.control_loop`'s ``busy_side`` scenario: one thread that
keeps a core at 100 % with interpreter work (what a CPU-heavy network side does: JSON,
pydantic validation, TLS record handling, a report being built), while the side's own
event loop goes on serving its link and its CSMS.

``python -m bench.busy ocpp-side ARGS...`` runs ``station ocpp-side ARGS...`` in this
process and starts the burning thread on SIGUSR1, so the bench can measure the station
charging before the load and then turn it on. In one process (the station without
``--split``) the bench starts `Burner` in its own interpreter instead: there the OCPP side
and the control loops share a process and its interpreter lock.
"""

from __future__ import annotations

import signal
import sys
import threading
import time


class Burner:
    """A daemon thread that spins until `stop`; `cpu_seconds` is the CPU it got."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, name="busy-side", daemon=True)
        self.cpu_seconds = 0.0

    def start(self) -> None:
        """Start spinning (once)."""
        if not self._thread.is_alive() and not self._stop.is_set():
            self._thread.start()

    def stop(self) -> None:
        """Stop spinning and wait for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _spin(self) -> None:
        started = time.thread_time()
        table: dict[int, int] = {}
        value = 0
        while not self._stop.is_set():
            # Allocation and dict work, not a bare counter: the interpreter's usual diet.
            for i in range(1000):
                value = (value * 31 + i) & 0xFFFFFF
                table[value & 0x3FF] = value
            self.cpu_seconds = time.thread_time() - started


def main() -> int:
    """Run `station` with the rest of the command line; burn on SIGUSR1."""
    burner = Burner()
    signal.signal(signal.SIGUSR1, lambda number, frame: burner.start())
    from station.cli import main as station_main

    return station_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
