"""The For my clinician page: the downloads of chosen nights.

The clinician's downloads are the files ``rls-monitor report`` and ``rls-monitor export`` write
(:func:`rls_monitor.report.write_stored_report`, :func:`rls_monitor.export.export`), made in a
private temporary folder and sent as attachments. (The Diary's forms are
:mod:`rls_monitor.web.diary`.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from rls_monitor.diary.model import parse_date
from rls_monitor.errors import ConfigError, RLSMonitorError, check_option
from rls_monitor.storage import Store
from rls_monitor.web.page import post_form, read_store, render, route, state_of
from rls_monitor.web.pages import choose_subject

__all__ = ["DOWNLOADS", "ROUTES"]

#: What the clinician's page offers: (value, label, suffix).
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("pdf", "PDF report", ".pdf"),
    ("html", "HTML report", ".html"),
    ("csv", "CSV table", ".csv"),
    ("json", "JSON table", ".json"),
    ("edf", "EDF+ file (one night)", ".edf"),
)


def clinician_page(request: Request) -> Response:
    """``GET /clinician``: the downloads for a clinician, of chosen nights."""
    state = state_of(request)
    with read_store(state.db_path) as store:
        nights = store.list_nights() if store is not None else []
        subjects = store.list_subjects() if store is not None else []
        subject = choose_subject(store, request.query_params.get("subject"))
    return render(
        request,
        "clinician.html",
        {
            "title": "For my clinician",
            "downloads": DOWNLOADS,
            "nights": [
                {"id": n.id, "subject": n.subject, "date": n.start_utc, "plm": n.plm_per_h}
                for n in reversed(nights)
                if n.rules is not None
            ],
            "subjects": subjects,
            "subject": subject,
        },
    )


def _download(db_path: Path, fields: dict[str, str]) -> tuple[bytes, str]:
    """Make the chosen file in a private temporary folder; its bytes and file name."""
    from rls_monitor.export import export
    from rls_monitor.report import write_stored_report

    kind = fields.get("format", "")
    suffixes = {value: suffix for value, _, suffix in DOWNLOADS}
    check_option("format", kind, suffixes)
    night_text = fields.get("night", "").strip()
    night = int(night_text) if night_text.isdigit() else None
    subject = fields.get("subject", "").strip() or None
    if night is not None:
        subject = None  # one night: its own subject
    date_from = parse_date(fields["from"], "from") if fields.get("from") else None
    date_to = parse_date(fields["to"], "to") if fields.get("to") else None
    pseudonymise = fields.get("pseudonymise") == "yes"
    if not Path(db_path).exists():
        raise RLSMonitorError("nothing is stored yet: record or import a night first")
    what = f"night-{night}" if night is not None else f"{subject or 'nights'}"
    name = f"rls-monitor-{'pseudonymised' if pseudonymise else what}{suffixes[kind]}"
    with (
        tempfile.TemporaryDirectory(prefix="rls-monitor-web-") as tmp,
        Store(db_path, create=False, readonly=True) as store,
    ):
        target = Path(tmp) / name
        if kind in ("pdf", "html"):
            if pseudonymise:
                raise ConfigError(
                    "a report names the subject; choose a CSV, JSON or EDF+ download to "
                    "pseudonymise",
                    name="pseudonymise",
                )
            write_stored_report(
                store, target, night=night, subject=subject, date_from=date_from, date_to=date_to
            )
        else:
            export(
                store,
                target,
                kind,
                night=night,
                subject=subject,
                date_from=date_from,
                date_to=date_to,
                movements=fields.get("movements") == "yes",
                pseudonymise=pseudonymise,
            )
        return target.read_bytes(), name


_MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".edf": "application/octet-stream",
}


async def download(request: Request) -> Response:
    """``POST /clinician/download``: the chosen report or export, as an attachment."""
    fields = await post_form(request)
    data, name = await run_in_threadpool(_download, state_of(request).db_path, fields)
    return Response(
        data,
        media_type=_MEDIA_TYPES[Path(name).suffix],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


ROUTES = [
    route("/clinician", clinician_page),
    route("/clinician/download", download, ("POST",)),
]
