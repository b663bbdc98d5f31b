"""The web page's application: routes, the guard in front of them, templates and error pages.

:func:`create_app` builds the Starlette application ``rls-monitor serve`` runs under uvicorn.
Every request passes :class:`Guard` first (the checks of :mod:`rls_monitor.web.security`);
the pages are :mod:`rls_monitor.web.tonight`, :mod:`rls_monitor.web.pages` and
:mod:`rls_monitor.web.forms`. An error is a page with the one-line message the CLI would print,
never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rls_monitor.errors import ConfigError, RLSMonitorError, StorageError
from rls_monitor.web import diary, forms, pages, tonight
from rls_monitor.web.page import HERE, Refused, WebState, render
from rls_monitor.web.security import (
    CONTENT_SECURITY_POLICY,
    TOKEN_COOKIE,
    TOKEN_PARAM,
    RunSecrets,
)

__all__ = ["Guard", "create_app"]

log = logging.getLogger(__name__)

_SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


def _error_page(request: Request, message: str, status_code: int) -> Response:
    try:
        return render(request, "error.html", {"message": message}, status_code)
    except Exception:  # the error page itself failed: plain text, still no traceback
        log.exception("error page failed")
        return Response(message, status_code=status_code, media_type="text/plain")


async def _on_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Refused):
        return _error_page(request, str(exc), exc.status_code)
    if isinstance(exc, HTTPException):
        text = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return _error_page(request, text, exc.status_code)
    if isinstance(exc, ConfigError):
        return _error_page(request, f"Error: {exc}", 400)
    if isinstance(exc, StorageError) and "no night" in str(exc).lower():
        return _error_page(request, f"Error: {exc}", 404)
    if isinstance(exc, RLSMonitorError):
        return _error_page(request, f"Error: {exc}", 400)
    log.error("unexpected error on %s", request.url.path, exc_info=exc)
    return _error_page(
        request,
        f"Internal error: {type(exc).__name__} (the page was not changed; please report it)",
        500,
    )


def _plain_refusal(message: str, status_code: int) -> Response:
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Refused</title></head>"
        f"<body><h1>Refused</h1><p>{message}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status_code)


class Guard:
    """ASGI middleware: every request checked before any page sees it, every answer hardened.

    Refused: a ``Host`` that is not this server's (400), a request without the run's token in
    the URL or the cookie (403), a post whose ``Origin`` is not this page (403). A GET that
    brings the token in the URL is answered with the cookie and a redirect to the same address
    without it, so the token does not stay in the address bar.
    """

    def __init__(self, app: ASGIApp, secrets: RunSecrets) -> None:
        self.app = app
        self.secrets = secrets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope, headers)
        if isinstance(refusal, Response):
            await self._hardened(refusal)(scope, receive, send)
            return
        await self.app(scope, receive, self._hardening(send))

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> Response | None:
        host = headers.get("host")
        if not self.secrets.host_ok(host):
            return _plain_refusal(
                "This page answers only at the address rls-monitor serve printed.", 400
            )
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookie = SimpleCookie()
        with contextlib.suppress(Exception):
            cookie.load(headers.get("cookie", ""))
        from_cookie = cookie[TOKEN_COOKIE].value if TOKEN_COOKIE in cookie else None
        from_url = query.get(TOKEN_PARAM)
        method = scope.get("method", "GET").upper()
        if not self.secrets.token_ok(from_cookie) and not self.secrets.token_ok(from_url):
            return _plain_refusal(
                "This page needs the address with its token that rls-monitor serve printed.",
                403,
            )
        if method not in ("GET", "HEAD") and not self.secrets.origin_ok(
            headers.get("origin"), host
        ):
            return _plain_refusal("A form of another page cannot post here.", 403)
        if from_url is not None and method in ("GET", "HEAD"):
            rest = urlencode([(k, v) for k, v in query.items() if k != TOKEN_PARAM])
            target = scope.get("path", "/") + (f"?{rest}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                TOKEN_COOKIE, self.secrets.token, httponly=True, samesite="strict", path="/"
            )
            return response
        return None

    def _hardened(self, response: Response) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await response(scope, receive, self._hardening(send))

        return app

    def _hardening(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _SECURITY_HEADERS if k not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return wrapped


def create_app(
    db_path: str | Path,
    *,
    secrets: RunSecrets | None = None,
    speeds: tuple[float, ...] | None = None,
    closing: threading.Event | None = None,
) -> ASGIApp:
    """The web page's ASGI application over one store.

    Parameters
    ----------
    db_path : str or Path
        The store (need not exist yet: recording or a diary entry creates it; reading never).
    secrets : RunSecrets, optional
        The run's token, CSRF token and host names (default: fresh ones for 127.0.0.1).
    speeds : tuple of float, optional
        The speeds offered for the simulated band (default 1, 60 and 600 times real time).
    closing : threading.Event, optional
        The server sets it when it stops (Ctrl-C): the live streams then end at once, and a
        night being recorded ends cleanly when the server has shut down.

    Returns
    -------
    ASGI application
        The Starlette app behind its :class:`Guard`; the Starlette app itself is its ``app``
        attribute, with the :class:`WebState` as ``app.state.web``.
    """
    state = WebState(db_path=Path(db_path), secrets=secrets or RunSecrets())
    if closing is not None:
        state.closing = closing
    if speeds is not None:
        state.speeds = tuple(float(s) for s in speeds)
    routes = [
        *tonight.ROUTES,
        *pages.ROUTES,
        *diary.ROUTES,
        *forms.ROUTES,
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        # the server stops (Ctrl-C): tonight's night ends cleanly, scored and stored
        night = state.night
        if night is not None and night.running:
            log.info("server stopping: ending night cleanly")
            night.stop()
            await asyncio.to_thread(night.wait, 120.0)

    app = Starlette(
        lifespan=lifespan,
        routes=routes,
        exception_handlers={
            RLSMonitorError: _on_error,
            HTTPException: _on_error,
            Exception: _on_error,
        },
    )
    app.state.web = state
    return Guard(app, state.secrets)
