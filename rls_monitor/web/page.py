"""What every page of the web page shares: the run's state, the store, templates, form posts.

The pages (:mod:`~rls_monitor.web.tonight`, :mod:`~rls_monitor.web.pages`,
:mod:`~rls_monitor.web.forms`) build on these; :mod:`~rls_monitor.web.app` puts them together.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from rls_monitor.errors import RLSMonitorError
from rls_monitor.storage import Store
from rls_monitor.web.recording import NightRun
from rls_monitor.web.security import CSRF_FIELD, RunSecrets

__all__ = [
    "HERE",
    "PAGES",
    "Refused",
    "WebState",
    "post_form",
    "read_store",
    "render",
    "route",
    "state_of",
]

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))

#: The pages of the navigation bar: (path, title).
PAGES = (
    ("/", "Tonight"),
    ("/morning", "This morning"),
    ("/trend", "Trend"),
    ("/diary", "Diary"),
    ("/clinician", "For my clinician"),
)


class Refused(RLSMonitorError):
    """A request the guard or a form refuses (no token, a foreign page's post...).

    Attributes
    ----------
    status_code : int
        The HTTP status of the refusal (400, 403).
    """

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass
class WebState:
    """What the application keeps for one run of the server.

    Attributes
    ----------
    db_path : Path
        The store.
    secrets : RunSecrets
        The run's token and CSRF token, and the host names it answers to.
    night : NightRun or None
        Tonight's recording, once started from the page.
    speeds : tuple of float
        Speeds offered for the simulated band (simulated seconds per real second).
    closing : threading.Event
        Set when the server stops: the live streams end.
    checks : dict of str to dict
        The last Check of each paired band, by its address (what it found, or the error).
    """

    db_path: Path
    secrets: RunSecrets = field(default_factory=RunSecrets)
    night: NightRun | None = None
    speeds: tuple[float, ...] = (1.0, 60.0, 600.0)
    closing: threading.Event = field(default_factory=threading.Event)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)


def state_of(request: Request) -> WebState:
    """The run's :class:`WebState` of a request."""
    state: WebState = request.app.state.web
    return state


@contextlib.contextmanager
def read_store(db_path: Path) -> Iterator[Store | None]:
    """The store opened read-only, or ``None`` when nothing was stored yet (no file: none is
    created by reading, as with the CLI's read-only commands)."""
    if not Path(db_path).exists():
        yield None
        return
    with Store(db_path, create=False, readonly=True) as store:
        yield store


def render(
    request: Request, template: str, context: Mapping[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page from its template, with what every page needs (navigation, CSRF token)."""
    state = state_of(request)
    full = {
        "pages": PAGES,
        "path": request.url.path,
        "csrf_field": CSRF_FIELD,
        "csrf": state.secrets.csrf,
        **context,
    }
    response: HTMLResponse = TEMPLATES.TemplateResponse(
        request, template, full, status_code=status_code
    )
    return response


async def post_form(request: Request) -> dict[str, str]:
    """A form post's fields (``application/x-www-form-urlencoded``), its CSRF token checked.

    Raises
    ------
    Refused
        No CSRF token or a wrong one (a post made by another page), or a body that is not a
        form.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused("a form post must be application/x-www-form-urlencoded", 400)
    body = await request.body()
    if len(body) > 64_000:
        raise Refused("the form is too large", 400)
    fields: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields[key] = fields[key] + "\n" + value if key in fields else value
    if not state_of(request).secrets.csrf_ok(fields.pop(CSRF_FIELD, None)):
        raise Refused(
            "this form was not sent by this page (its CSRF token is missing or wrong); "
            "reload the page and send it again"
        )
    return fields


def route(path: str, endpoint: Any, methods: tuple[str, ...] = ("GET",)) -> Route:
    """A route of one page (the page modules' ``ROUTES``)."""
    return Route(path, endpoint, methods=list(methods))
