"""systemd integration: the sd_notify protocol and the service watchdog.

The station is a ``Type=notify`` service. It sends ``READY=1`` once its task tree is up,
``WATCHDOG=1`` every half ``WatchdogSec`` — but only while every EVSE control loop meets
its deadlines, so a hung event loop or a stuck control loop stops the pings and systemd
kills and restarts the process — and ``STOPPING=1`` on shutdown.

The protocol is one datagram per message on the AF_UNIX socket named in
``$NOTIFY_SOCKET`` (a leading ``@`` means the abstract namespace). Outside systemd the
variable is unset and every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping

import trio

log = logging.getLogger(__name__)


class Notifier:
    """Sends sd_notify messages; does nothing when not started by systemd."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        if address.startswith("@"):
            address = "\0" + address[1:]
        self._address = address or None
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        self.watchdog_interval: float | None = None
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            self.watchdog_interval = int(usec) / 1_000_000
        self._socket: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        """Whether systemd listens."""
        return self._address is not None

    def notify(self, message: str) -> bool:
        """Send one message (e.g. ``READY=1``); False when not under systemd or on failure."""
        if self._address is None:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            self._socket.sendto(message.encode(), self._address)
        except OSError as exc:
            log.warning(
                "event=sd_notify_failed message=%s reason=%r", message.split("=")[0], str(exc)
            )
            return False
        return True

    def close(self) -> None:
        """Close the socket."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


async def watchdog(
    notifier: Notifier, healthy: Callable[[float], bool], ready: trio.Event | None = None
) -> None:
    """After ``ready``, send WATCHDOG=1 every half WatchdogSec while ``healthy(now)`` holds."""
    if ready is not None:
        await ready.wait()
    interval = notifier.watchdog_interval
    if interval is None:
        await trio.sleep_forever()
        return
    period = interval / 2
    was_healthy = True
    while True:
        now = trio.current_time()
        ok = healthy(now)
        if ok:
            notifier.notify("WATCHDOG=1")
        elif was_healthy:
            log.error("event=watchdog_withheld reason='a control loop misses its deadlines'")
        was_healthy = ok
        await trio.sleep(period)
