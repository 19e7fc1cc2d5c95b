"""OCPP features whose module is imported, and whose object is built, on first use.

Most boots never see a GetLog, a CustomerInformation or an UpdateFirmware, yet importing
their modules (with the transfer code they share) cost start-up time and memory on the
OCPP side. An `OnDemand` stands for such a feature from the start: it routes the
feature's actions to itself, which costs one entry per action in the client's table,
and builds the feature the first time one of them arrives, or when the station asks for
it (`OnDemand.get`: a TriggerMessage, a pending update found at boot). Built, the
feature routes its actions to its own handlers as it always did (its constructor calls
`OcppClient.route`), so from the second CALL on nothing stands in between.

A feature that hosts tasks has a ``run(*, task_status)`` method that reports
``task_status.started()`` once it can take requests. `OnDemand.run` is the supervised
task in its place: once the feature is built (at once if it already is, e.g. after a
crash restarted it) it runs the feature's ``prepare`` step, if any (the file transfers'
TLS context, built in a worker thread), then starts the feature's ``run``; a CALL that
built the feature waits for both before it is handled, so the first CALL is answered
exactly as it would have been by a feature built at boot. Before the station's tasks
run, the feature is built but not started, and answers as a feature built at boot
would then (its "the station is starting" answers).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar

import trio

from station.ocpp.client import OcppClient

log = logging.getLogger(__name__)

F = TypeVar("F")


class OnDemand(Generic[F]):
    """The feature ``build()`` returns, built the first time it is used."""

    def __init__(
        self,
        name: str,
        build: Callable[[], F],
        *,
        client: OcppClient,
        handlers: Mapping[str, str],
        prepare: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``handlers`` maps each OCPP action the feature handles to the name of its
        handler method; ``build`` imports the feature's module and makes it;
        ``prepare`` readies what it needs before its tasks start (the transfers' TLS
        context)."""
        self.name = name
        self._build = build
        self._prepare = prepare
        self._feature: F | None = None
        self._host: trio.Nursery | None = None
        self._started = trio.Event()
        for action, method in handlers.items():
            client.route(action, self._stand_in(method))

    @property
    def built(self) -> bool:
        """Whether the feature has been built (its module imported)."""
        return self._feature is not None

    def get(self) -> F:
        """The feature, built now if it was not yet; its tasks start as soon as they can."""
        feature = self._feature
        if feature is None:
            log.info("event=feature_loaded feature=%s", self.name)
            feature = self._feature = self._build()
            if self._host is not None:
                self._host.start_soon(self._start, feature)
        return feature

    async def ready(self) -> F:
        """The feature, built, prepared and with its tasks started if the station's
        tasks run."""
        feature = self.get()
        if self._host is not None:
            await self._started.wait()
        return feature

    async def run(self) -> None:
        """Host the feature's tasks (a supervised child of the station, in its place)."""
        self._started = trio.Event()
        try:
            async with trio.open_nursery() as nursery:
                self._host = nursery
                if self._feature is not None:
                    nursery.start_soon(self._start, self._feature)
                await trio.sleep_forever()
        finally:
            self._host = None
            self._started.set()  # a CALL waiting for this start goes on (and is refused)

    async def _start(self, feature: F) -> None:
        # Runs in the host's nursery: cancelled with it, never after it closed.
        if self._prepare is not None:
            await self._prepare()
        host = self._host
        if host is not None and _runs(feature):
            await host.start(feature.run)  # type: ignore[attr-defined]
        self._started.set()

    def _stand_in(self, method: str) -> Callable[[Any], Any]:
        async def handle(request: Any) -> Any:
            feature = await self.ready()
            return await getattr(feature, method)(request)

        handle.__name__ = f"{self.name}.{method}"
        return handle


def _runs(feature: object) -> bool:
    return callable(getattr(feature, "run", None))
