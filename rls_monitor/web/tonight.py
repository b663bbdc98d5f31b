"""The Tonight page: the paired bands, Start, the live status (server-sent events) and Stop.

Start records the paired bands chosen (what ``rls-monitor record --ble/--serial`` records), or
the simulated band (what ``rls-monitor record --simulate`` records), in a background thread (:class:`~rls_monitor.web.recording.NightRun`); the live status is streamed
as server-sent events from ``/tonight/status`` (``text/event-stream``: one JSON snapshot each
time it changes, which the recorder does twice a second) and shown by ``static/app.js``; Stop
ends the night cleanly, scored and stored.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from rls_monitor.errors import ConfigError, RLSMonitorError, check_option
from rls_monitor.link.pairing import check_band
from rls_monitor.nights.status import last_link_figures
from rls_monitor.simulation import check_simulated_duration
from rls_monitor.storage import Store
from rls_monitor.web.page import WebState, post_form, read_store, render, route, state_of
from rls_monitor.web.recording import NightRun, signal_words

__all__ = ["CHECK_TIMEOUT_S", "POLL_S", "ROUTES", "status_events"]

#: How often the live stream looks at the status (the recorder updates it twice a second).
POLL_S = 0.25
#: How a paired band is reached, as ``rls-monitor record`` takes it (``--ble`` or ``--serial``).
LINKS = ("ble", "serial")
#: A comment line keeps an idle stream open through proxies and sleeping laptops.
KEEPALIVE_S = 15.0


def _speed_label(speed: float) -> str:
    return "as fast as possible" if math.isinf(speed) else f"{speed:g} x real time"


#: How long a Check may take (connecting, the band's answer), in seconds.
CHECK_TIMEOUT_S = 20.0


def _seen(when: datetime | None) -> str:
    return "date unknown" if when is None else f"{when.astimezone():%a %d %b %Y, %H:%M}"


def _paired_bands(store: Store | None, state: WebState) -> list[dict[str, Any]]:
    """The paired bands, each with what is known before connecting: the figures of the last
    stored night it recorded (``last``) and the page's last Check of it (``check``)."""
    if store is None:
        return []
    bands = []
    for row in store.paired_devices():
        band = dict(row)
        address = str(row["address"])
        # a serial port is a device path (or COMn); anything else a BLE address
        band["link"] = (
            "serial" if address.startswith("/") or address.upper().startswith("COM") else "ble"
        )
        found = last_link_figures(store, str(row["device_id"])) if row.get("device_id") else None
        if found is not None:
            night, figures = found
            band["last"] = {
                "night": night.id,
                "seen": _seen(night.end_utc or night.start_utc),
                "battery_pct": figures.get("battery_pct"),
                "signal": signal_words(figures),
            }
        band["check"] = state.checks.get(address)
        bands.append(band)
    return bands


def tonight_page(request: Request) -> Response:
    """``GET /``: the paired bands, the Start form or the live status with Stop."""
    state = state_of(request)
    with read_store(state.db_path) as store:
        paired = _paired_bands(store, state)
    run = state.night
    snapshot = run.snapshot() if run is not None else None
    return render(
        request,
        "tonight.html",
        {
            "title": "Tonight",
            "paired": paired,
            "run": snapshot,
            "speeds": [(s, _speed_label(s)) for s in state.speeds],
        },
    )


def _paired_specs(state: WebState, fields: dict[str, str]) -> list[str]:
    """The links of the paired bands the form chose (``[]``: the simulated band)."""
    chosen = [a for a in fields.get("band", "").split("\n") if a.strip()]
    if not chosen:
        return []
    link = fields.get("link", "")
    check_option("link", link, LINKS)
    with read_store(state.db_path) as store:
        paired = {d["address"] for d in (store.paired_devices() if store is not None else [])}
    for address in chosen:
        if address not in paired:
            raise ConfigError(
                f"{address} is not a paired band: pair it first ('rls-monitor pair')",
                name="band",
                value=address,
            )
    if len(chosen) > 2:
        raise ConfigError("a night records one band, or two (left and right leg)", name="band")
    return [f"{link}:{address}" for address in chosen]


async def check_band_now(request: Request) -> Response:
    """``POST /tonight/check``: connect to a paired band briefly (as ``rls-monitor pair``
    does) for its battery and signal; a band that does not answer gets the CLI's message."""
    fields = await post_form(request)
    state = state_of(request)
    if state.night is not None and state.night.running:
        raise ConfigError(
            "a night is being recorded: the band is connected to it (its battery and signal "
            "are in the live status)",
            name="check",
        )
    address = fields.get("band", "").strip()
    if not address or "\n" in address:
        raise ConfigError("band: choose one paired band to check", name="band")
    (spec,) = await asyncio.to_thread(_paired_specs, state, fields)
    seen = _seen(datetime.now(UTC))
    try:
        found = await asyncio.wait_for(check_band(spec), CHECK_TIMEOUT_S)
    except TimeoutError:
        state.checks[address] = {
            "error": f"Error: the band did not answer within {CHECK_TIMEOUT_S:g} s",
            "seen": seen,
        }
    except RLSMonitorError as exc:
        state.checks[address] = {"error": f"Error: {exc}", "seen": seen}
    else:
        state.checks[address] = {**found.to_dict(), "seen": seen, "link": spec.split(":")[0]}
    return RedirectResponse("/", status_code=303)


def _create_store(state: WebState) -> None:
    with Store(state.db_path):
        pass


async def start_night(request: Request) -> Response:
    """``POST /tonight/start``: start recording the chosen paired bands, or the simulated band
    (one night at a time)."""
    fields = await post_form(request)
    state = state_of(request)
    if state.night is not None and state.night.running:
        raise ConfigError("a night is being recorded already: stop it first", name="start")
    specs = await asyncio.to_thread(_paired_specs, state, fields)
    speed, duration_s = (1.0, None) if specs else _simulated_options(state, fields)
    # the recorder would create the store; made here first, the pages never read it half-made
    await asyncio.to_thread(_create_store, state)
    if specs:
        state.night = NightRun(state.db_path, specs=specs).start()
    else:
        state.night = NightRun(state.db_path, speed=speed, duration_s=duration_s).start()
    return RedirectResponse("/", status_code=303)


def _simulated_options(state: WebState, fields: dict[str, str]) -> tuple[float, float | None]:
    """The simulated band's speed and night length from the form, checked."""
    try:
        speed = float(fields.get("speed", "1"))
    except ValueError:
        speed = -1.0
    if speed not in state.speeds:
        offered = ", ".join(f"{s:g}" for s in state.speeds)
        raise ConfigError(
            f"speed must be one of {offered}; got {fields.get('speed')!r}",
            name="speed",
            value=fields.get("speed"),
        )
    duration_text = fields.get("duration_h", "").strip()
    duration_s = None
    if duration_text:
        try:
            duration_s = float(duration_text.replace(",", ".")) * 3600.0
        except ValueError:
            raise ConfigError(
                f"the night's length must be a number of hours; got {duration_text!r}",
                name="duration_h",
                value=duration_text,
            ) from None
    check_simulated_duration(duration_s)
    return speed, duration_s


async def stop_night(request: Request) -> Response:
    """``POST /tonight/stop``: end tonight's night (it is scored and stored)."""
    await post_form(request)
    run = state_of(request).night
    if run is not None:
        run.stop()
        await asyncio.to_thread(run.wait, 60.0)
    return RedirectResponse("/", status_code=303)


def status_json(request: Request) -> Response:
    """``GET /tonight/status.json``: the live status once, as JSON."""
    run = state_of(request).night
    return JSONResponse(run.snapshot() if run is not None else {"running": False})


async def status_events(
    run: NightRun | None,
    *,
    poll_s: float = POLL_S,
    keepalive_s: float = KEEPALIVE_S,
    disconnected: Any = None,
    closing: threading.Event | None = None,
) -> AsyncIterator[str]:
    """The live status as server-sent events: a snapshot whenever it changes, then ``end``.

    Parameters
    ----------
    run : NightRun or None
        Tonight's night (``None``: one ``end`` event).
    poll_s : float
        Seconds between looks at the status.
    keepalive_s : float
        Seconds of silence after which a comment line is sent.
    disconnected : callable, optional
        An async callable that says whether the client went away.
    closing : threading.Event, optional
        Set when the server stops: the stream ends (with ``end``).

    Yields
    ------
    str
        ``data: {json}`` events and a final ``event: end``.
    """
    last = -1
    quiet_s = 0.0
    while run is not None:
        if disconnected is not None and await disconnected():
            return
        version = run.version
        running = run.running
        if version != last:
            last = version
            quiet_s = 0.0
            yield f"data: {json.dumps(run.snapshot())}\n\n"
        elif quiet_s >= keepalive_s:
            quiet_s = 0.0
            yield ": keep-alive\n\n"
        if (not running and run.version == last) or (closing is not None and closing.is_set()):
            break
        await asyncio.sleep(poll_s)
        quiet_s += poll_s
    yield "event: end\ndata: {}\n\n"


def status_stream(request: Request) -> Response:
    """``GET /tonight/status``: the live status as ``text/event-stream``."""
    state = state_of(request)
    return StreamingResponse(
        status_events(state.night, disconnected=request.is_disconnected, closing=state.closing),
        media_type="text/event-stream",
        headers={"X-Accel-Buffering": "no"},
    )


ROUTES: list[Route] = [
    route("/", tonight_page),
    route("/tonight/start", start_night, ("POST",)),
    route("/tonight/stop", stop_night, ("POST",)),
    route("/tonight/check", check_band_now, ("POST",)),
    route("/tonight/status", status_stream),
    route("/tonight/status.json", status_json),
]
