"""The fleet's local HTTP API: list the stations, read one, drive its simulated hardware,
start and stop the session generator.

Built on FastAPI (validated request models, an OpenAPI description at ``/openapi.json``)
and served by Hypercorn on the fleet's own trio loop, so a request is handled next to the
stations it drives, with no thread or second event loop in between. Only the fleet
imports this module: a station run alone never pays for FastAPI.

Every action is one of the station's control commands (`StationHandle.command`), the
same ones ``station sim`` sends over a station's control socket; the typed endpoints
(plug, tap, ...) check their arguments before the station sees them, and
``POST /stations/{identity}/commands/{name}`` passes any other command through.

Errors always come back as ``{"detail": "<one line naming the thing and the value>"}``:

====  ==========================================================================
404   no such station, no such EVSE on it, or the fleet runs no session generator
400   the station has no such command
409   the station is not running now (starting, restarting, stopped); or the
      generator is already running
415   a body that is not sent as JSON (``curl -d`` sends form encoding: ``--json``)
422   bad arguments: the request's own validation, or the station refused them
504   the station did not answer within `COMMAND_TIMEOUT` seconds
====  ==========================================================================

The API has no authentication: it binds to 127.0.0.1 unless told otherwise, and anyone
who can reach it can drive every station of the fleet.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Annotated, Any

import trio
from fastapi import Body, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from station import __version__
from station.fleet.api_client import DEFAULT_HOST, DEFAULT_PORT
from station.fleet.api_models import (
    Card,
    CommandResult,
    EvSettings,
    EvState,
    Fault,
    FleetOutage,
    FleetOutageResult,
    Health,
    Outage,
    Problem,
    StateOfCharge,
    StationList,
    StationState,
    totals,
)
from station.fleet.handles import (
    OUTAGE,
    RESTORE,
    FleetView,
    StationDown,
    StationHandle,
    TrafficControl,
)
from station.ops.control_socket import CommandError

__all__ = ["COMMAND_TIMEOUT", "ApiError", "create_app", "openapi_document", "serve"]

log = logging.getLogger(__name__)

#: Longest wait for a station's answer to one command. A simulated-hardware command
#: answers at once; this bounds a station that is wedged, so a client never hangs.
COMMAND_TIMEOUT = 10.0


class ApiError(Exception):
    """A request the API refuses: the HTTP status and the one-line reason."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Identity = Annotated[str, Path(description="The station's OCPP identity.")]
EvseId = Annotated[int, Path(ge=1, description="The EVSE id.")]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a route that can fail with these statuses."""
    return {code: {"model": Problem, "description": REASONS[code]} for code in codes}


REASONS = {
    400: "The station has no such command.",
    404: "No such station or EVSE, or no session generator.",
    409: "The station is not running now, or the generator runs already.",
    415: "The body is not sent as JSON.",
    422: "Bad arguments, from the request's validation or the station's refusal.",
    504: "The station did not answer in time.",
}
#: What a route that runs a station command can answer besides 200.
COMMAND_ERRORS = errors(400, 404, 409, 415, 422, 504)


# -- the application ---------------------------------------------------------------------


def create_app(fleet: FleetView, traffic: TrafficControl | None = None) -> FastAPI:
    """The API over ``fleet`` (and its session generator, when it has one)."""
    app = FastAPI(
        title="Station fleet",
        version=__version__,
        summary="Observe and drive a fleet of simulated OCPP 2.0.1 charging stations.",
        description=(
            "Each station is a full charging-station controller with simulated hardware. "
            "Actions are the stations' control commands (the ones `station sim` sends); "
            'every error is `{"detail": "..."}` naming the thing and the value.'
        ),
        redoc_url=None,
        # operationId = the function's name: what a generated client calls the method.
        generate_unique_id_function=lambda route: route.name,
    )

    generated = app.openapi

    def openapi() -> dict[str, Any]:
        # Every 422 here is a `Problem` (see `invalid`): drop FastAPI's own validation
        # schemas when no route refers to them any more.
        document = generated()
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            rest = {k: v for k, v in schemas.items() if k != name}
            if f'/{name}"' not in json.dumps([document["paths"], rest]):
                schemas.pop(name, None)
        return document

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        about_body = any(e.get("loc", ())[:1] == ("body",) for e in exc.errors())
        if about_body and kind not in ("", "application/json") and await request.body():
            # `curl -d` sends form encoding: the body was never read as JSON, so the
            # validation message would be about the wrong thing.
            return JSONResponse(
                {
                    "detail": f"the body must be JSON (Content-Type: application/json), "
                    f"not {kind}; with curl, use --json"
                },
                status_code=415,
            )
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    def station(identity: str) -> StationHandle:
        handle = fleet.stations.get(identity)
        if handle is None:
            raise ApiError(404, f"no station {identity!r} in this fleet")
        return handle

    def evse(handle: StationHandle, evse_id: int) -> int:
        if evse_id not in handle.evse_ids:
            have = ", ".join(str(e) for e in handle.evse_ids) or "none"
            raise ApiError(
                404, f"station {handle.identity!r} has no EVSE {evse_id} (it has {have})"
            )
        return evse_id

    async def run(handle: StationHandle, name: str, args: Mapping[str, Any]) -> CommandResult:
        result = await run_command(handle, name, args)
        return CommandResult(identity=handle.identity, command=name, result=result)

    def generator() -> TrafficControl:
        if traffic is None:
            raise ApiError(404, "this fleet runs no session generator")
        return traffic

    @app.get("/health", tags=["fleet"], summary="Health")
    async def health() -> Health:
        """The API answers; the stations by state."""
        counts = totals([h.summary() for h in fleet.stations.values()])
        return Health(
            version=__version__,
            stations=counts["stations"],
            states=counts["states"],
            connected=counts["connected"],
        )

    @app.get(
        "/stations", tags=["stations"], summary="List the stations", response_model=StationList
    )
    async def list_stations() -> Response:
        """Every station's summary, in start order, and totals over the fleet."""
        summaries = [h.summary() for h in fleet.stations.values()]
        # The summaries are the fleet's own values, in the documented shape (a test checks
        # them against `StationSummary`): validating them again on every request, and
        # FastAPI's encoding of the answer in Python, would hold the fleet's loop several
        # times as long for a thousand stations (bench/fleet_api.py).
        listing = {"stations": summaries, "totals": totals(summaries)}
        return Response(json.dumps(listing, separators=(",", ":")), media_type="application/json")

    @app.get(
        "/stations/{identity}",
        tags=["stations"],
        summary="Read a station",
        responses=errors(404, 422, 504),
    )
    async def read_station(identity: Identity) -> StationState:
        """One station's summary and, while it runs, its full state."""
        handle = station(identity)
        try:
            status = await run_command(handle, "status", {})
        except ApiError as exc:
            if exc.status != 409:
                raise
            status = None  # not running: the summary says why
        return StationState.model_validate({**handle.summary(), "status": status})

    @app.post(
        "/stations/{identity}/evses/{evse_id}/plug",
        tags=["drive"],
        summary="Plug the EV in",
        responses=COMMAND_ERRORS,
    )
    async def plug(identity: Identity, evse_id: EvseId) -> CommandResult:
        """Plug the EV of the EVSE in (IEC 61851-1 state B)."""
        handle = station(identity)
        return await run(handle, "sim.plug", {"evse": evse(handle, evse_id)})

    @app.post(
        "/stations/{identity}/evses/{evse_id}/unplug",
        tags=["drive"],
        summary="Unplug the EV",
        responses=COMMAND_ERRORS,
    )
    async def unplug(identity: Identity, evse_id: EvseId) -> CommandResult:
        """Unplug the EV (state A)."""
        handle = station(identity)
        return await run(handle, "sim.unplug", {"evse": evse(handle, evse_id)})

    @app.post(
        "/stations/{identity}/evses/{evse_id}/ev-state",
        tags=["drive"],
        summary="Set the EV's IEC 61851-1 state",
        responses=COMMAND_ERRORS,
    )
    async def ev_state(identity: Identity, evse_id: EvseId, body: EvState) -> CommandResult:
        """Put the EV in an IEC 61851-1 state (C: it asks for energy)."""
        handle = station(identity)
        return await run(
            handle, "sim.ev_state", {"evse": evse(handle, evse_id), "state": body.state}
        )

    @app.post(
        "/stations/{identity}/evses/{evse_id}/fault",
        tags=["drive"],
        summary="Inject or clear a fault",
        responses=COMMAND_ERRORS,
    )
    async def fault(identity: Identity, evse_id: EvseId, body: Fault) -> CommandResult:
        """Inject a hardware fault (residual current, pilot diode, welded contactor), or
        clear the injected ones."""
        handle = station(identity)
        return await run(handle, "sim.fault", {"evse": evse(handle, evse_id), "kind": body.kind})

    @app.post(
        "/stations/{identity}/evses/{evse_id}/soc",
        tags=["drive"],
        summary="Set the EV's state of charge",
        responses=COMMAND_ERRORS,
    )
    async def soc(identity: Identity, evse_id: EvseId, body: StateOfCharge) -> CommandResult:
        """Set the state of charge of the EV's battery."""
        handle = station(identity)
        return await run(
            handle, "sim.soc", {"evse": evse(handle, evse_id), "percent": body.percent}
        )

    @app.post(
        "/stations/{identity}/evses/{evse_id}/ev",
        tags=["drive"],
        summary="Change the simulated EV",
        responses=COMMAND_ERRORS,
    )
    async def ev(identity: Identity, evse_id: EvseId, body: EvSettings) -> CommandResult:
        """Change the simulated EV of the EVSE: battery, maximum current, phases, SoC."""
        handle = station(identity)
        settings = body.model_dump(exclude_none=True)
        return await run(handle, "sim.ev", {**settings, "evse": evse(handle, evse_id)})

    @app.post(
        "/stations/{identity}/tap",
        tags=["drive"],
        summary="Present a card",
        responses=COMMAND_ERRORS,
    )
    async def tap(identity: Identity, body: Card) -> CommandResult:
        """Present a card to the station's reader."""
        return await run(station(identity), "sim.tap", {"uid": body.uid})

    @app.post(
        "/stations/{identity}/outage",
        tags=["outages"],
        summary="Cut a station off",
        responses=COMMAND_ERRORS,
    )
    async def outage(identity: Identity, body: Outage) -> CommandResult:
        """Cut the station's connection to the CSMS for ``duration_s`` seconds, below its
        OCPP stack: the WebSocket drops without a close frame and every connection attempt
        fails until the outage ends; the station queues, retries and reconnects on its own.
        A second outage while one lasts keeps the later end."""
        return await run(station(identity), OUTAGE, body.model_dump())

    @app.delete(
        "/stations/{identity}/outage",
        tags=["outages"],
        summary="End a station's outage",
        responses=COMMAND_ERRORS,
    )
    async def restore(identity: Identity) -> CommandResult:
        """End the station's outage now; it reconnects after its own back-off."""
        return await run(station(identity), RESTORE, {})

    @app.post(
        "/outage",
        tags=["outages"],
        summary="Cut every station off",
        responses=errors(400, 415, 422, 504),
    )
    async def fleet_outage(body: FleetOutage) -> FleetOutageResult:
        """Cut every station off at once (by default a CSMS outage: their connections drop
        and their attempts are refused until it ends)."""
        last: Any = None
        handles = list(fleet.stations.values())
        for handle in handles:
            last = (await run_command(handle, OUTAGE, body.model_dump()))["outage"]
        log.info("event=fleet_outage stations=%d duration_s=%g", len(handles), body.duration_s)
        return FleetOutageResult(stations=len(handles), outage=last)

    @app.delete("/outage", tags=["outages"], summary="End every station's outage")
    async def fleet_restore() -> FleetOutageResult:
        """End the outage of every station now."""
        ended = 0
        for handle in fleet.stations.values():
            ended += handle.summary().get("outage") is not None
            await run_command(handle, RESTORE, {})
        return FleetOutageResult(stations=ended, outage=None)

    @app.post(
        "/stations/{identity}/commands/{name}",
        tags=["drive"],
        summary="Run a control command",
        responses=COMMAND_ERRORS,
    )
    async def command(
        identity: Identity,
        name: Annotated[str, Path(description="A control command, e.g. sim.pilot_voltage.")],
        args: Annotated[dict[str, Any] | None, Body(description="The command's arguments.")] = None,
    ) -> CommandResult:
        """Run any control command of the station (what ``station sim --fleet`` uses);
        400 when the station has no such command."""
        return await run(station(identity), name, args or {})

    @app.get("/traffic", tags=["traffic"], summary="Generator status", responses=errors(404))
    async def traffic_status() -> dict[str, Any]:
        """The session generator's state: ``running``, its settings, what it did."""
        return generator().status()

    @app.post(
        "/traffic/start",
        tags=["traffic"],
        summary="Start the generator",
        responses=errors(404, 409, 415, 422),
    )
    async def traffic_start(
        settings: Annotated[
            dict[str, Any] | None,
            Body(description="The generator's settings (arrival rate, dwell time, cards, ...)."),
        ] = None,
    ) -> dict[str, Any]:
        """Start generating sessions; 409 while it runs already, 422 for a bad setting."""
        control = generator()
        if control.status().get("running"):
            raise ApiError(409, "the session generator is running already; stop it first")
        try:
            control.start(settings or {})
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        log.info("event=traffic_started settings=%s", settings or {})
        return control.status()

    @app.post(
        "/traffic/stop", tags=["traffic"], summary="Stop the generator", responses=errors(404)
    )
    async def traffic_stop() -> dict[str, Any]:
        """Stop generating new sessions (sessions in progress go on)."""
        control = generator()
        control.stop()
        log.info("event=traffic_stopped")
        return control.status()

    return app


async def run_command(handle: StationHandle, name: str, args: Mapping[str, Any]) -> Any:
    """``handle.command``, its failures turned into `ApiError` by the table of the module's
    docstring."""
    try:
        with trio.fail_after(COMMAND_TIMEOUT):
            return await handle.command(name, args)
    except StationDown as exc:
        raise ApiError(409, f"station {handle.identity!r} is not running: {exc}") from None
    except KeyError as exc:
        key = exc.args[0] if exc.args else None
        if key == name or (isinstance(key, str) and key.startswith("unknown command")):
            offered = key.partition("offers: ")[2] if isinstance(key, str) else ""
            raise ApiError(
                400,
                f"station {handle.identity!r} has no command {name!r}"
                + (f"; it offers: {offered}" if offered else ""),
            ) from None
        # A command reads its arguments by name: a KeyError from inside it is one missing.
        raise ApiError(422, f"{name}: missing argument {exc}") from None
    except (ValueError, TypeError, CommandError) as exc:
        # What the control socket answers a person for the same command (its `handle`).
        raise ApiError(422, f"{name}: {exc}") from None
    except trio.TooSlowError:
        log.warning("event=command_timeout identity=%s command=%s", handle.identity, name)
        raise ApiError(
            504, f"station {handle.identity!r} did not answer {name} within {COMMAND_TIMEOUT:g} s"
        ) from None


def validation_message(exc: RequestValidationError) -> str:
    """One line for pydantic's errors: ``body.soc: Input should be less than or equal to
    100 (got 120); ...``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        if error.get("loc", ())[:1] == ("body",) and where != "body":
            where = f"body.{where}"
        text = f"{where}: {error.get('msg', 'invalid')}"
        if "input" in error and error.get("type") != "missing":
            text += f" (got {error['input']!r})"
        parts.append(text)
    return "; ".join(parts)


def openapi_document(app: FastAPI | None = None) -> dict[str, Any]:
    """The API's OpenAPI description (the one served at ``/openapi.json``)."""
    return (app or create_app(_NoFleet())).openapi()


class _NoFleet:
    """An empty fleet: enough to build the app for its description."""

    @property
    def stations(self) -> Mapping[str, StationHandle]:
        return {}


async def serve(
    fleet: FleetView,
    traffic: TrafficControl | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the API until cancelled; ``task_status.started`` gets its base URL (with the
    port the system chose when ``port`` is 0). An address in use raises `OSError`."""
    from hypercorn.config import Config
    from hypercorn.trio import serve as serve_asgi

    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    # Hypercorn's own messages (start-up, protocol errors) go to the station's log.
    config.errorlog = logging.getLogger("station.fleet.http.server")
    app = create_app(fleet, traffic)
    failed: OSError | None = None
    async with trio.open_nursery() as nursery:
        try:
            urls = await nursery.start(serve_asgi, app, config)
        except BaseExceptionGroup as group:
            # Hypercorn's nurseries wrap a failed bind (port in use, address not here):
            # give the caller the OSError itself (raised outside this nursery, which
            # would wrap it again), to name it in one line.
            failure = _sole(group)
            if not isinstance(failure, OSError):
                raise
            failed = failure
        else:
            url = urls[0]
            log.info("event=fleet_api_listening url=%s stations=%d", url, len(fleet.stations))
            task_status.started(url)
    if failed is not None:
        raise failed


def _sole(group: BaseExceptionGroup) -> BaseException | None:
    """The one exception at the bottom of nested groups of one, if that is what it is."""
    inner: BaseException = group
    while isinstance(inner, BaseExceptionGroup):
        if len(inner.exceptions) != 1:
            return None
        inner = inner.exceptions[0]
    return inner
