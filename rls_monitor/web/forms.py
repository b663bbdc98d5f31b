"""The pages with forms: the Diary (an evening's entry) and For my clinician (downloads).

The diary form takes each field as typed, through the same parser and validation as the
CLI's ``diary add`` (:func:`rls_monitor.diary.model.parse_entry_text`, then
:class:`~rls_monitor.diary.model.DiaryEntry`): a bad value is shown beside its field with the
CLI's one-line message, and nothing is written. The clinician's downloads are the files
``rls-monitor report`` and ``rls-monitor export`` write
(:func:`rls_monitor.report.write_stored_report`, :func:`rls_monitor.export.export`), made in a
private temporary folder and sent as attachments.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from rls_monitor.diary.model import (
    DOSE_UNITS,
    FIELD_LIMITS,
    DiaryEntry,
    parse_date,
    parse_entry_text,
)
from rls_monitor.diary.records import add_entry, get_entry, list_entries
from rls_monitor.diary.table import night_date_of
from rls_monitor.errors import ConfigError, RLSMonitorError, check_option
from rls_monitor.storage import Store
from rls_monitor.web.page import post_form, read_store, render, route, state_of
from rls_monitor.web.pages import choose_subject

__all__ = ["DIARY_FIELDS", "DOWNLOADS", "ROUTES", "entry_from_form"]

#: The diary form's fields: (name, label, kind, unit); kind is number, whole, time, yesno, meds
#: or text. The units are the CLI's (``rls-monitor diary add --help``).
DIARY_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("caffeine_cups", "Coffee (or equivalent) that day", "number", "cups"),
    ("caffeine_last_hhmm", "Time of the last one", "time", "HH:MM"),
    ("alcohol_units", "Alcohol that day", "number", "units (10 g each)"),
    ("nicotine", "Any nicotine that day", "yesno", ""),
    ("exercise_min", "Exercise that day", "number", "min"),
    ("exercise_hhmm", "When the exercise started", "time", "HH:MM"),
    ("symptoms_0_10", "Evening leg symptoms", "whole", "0 (none) to 10 (worst)"),
    ("rested_0_10", "How rested you feel", "whole", "0 (exhausted) to 10"),
    ("medications", "Medications taken", "meds", 'one a line: "NAME DOSE UNIT HH:MM"'),
    ("iron_supplement", "Iron supplement that day", "yesno", ""),
    ("compression_stockings", "Compression stockings worn", "yesno", ""),
    ("note", "Note (optional)", "text", ""),
)

#: What the clinician's page offers: (value, label, suffix).
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("pdf", "PDF report", ".pdf"),
    ("html", "HTML report", ".html"),
    ("csv", "CSV table", ".csv"),
    ("json", "JSON table", ".json"),
    ("edf", "EDF+ file (one night)", ".edf"),
)


def _form_value(entry: DiaryEntry | None, name: str) -> str:
    """A stored entry's field as the form shows it."""
    if entry is None:
        return ""
    value = getattr(entry, name)
    if name == "medications":
        return "\n".join(str(m).replace(" at ", " ") for m in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def entry_from_form(
    subject: str, night_date: date, fields: dict[str, str]
) -> tuple[DiaryEntry | None, dict[str, str]]:
    """A diary entry from the form's text, or the one-line error of each field that is wrong.

    Parameters
    ----------
    subject : str
    night_date : date
    fields : dict of str to str
        The form's fields as typed.

    Returns
    -------
    (DiaryEntry or None, dict of str to str)
        The entry (``None`` when a field is wrong or none is filled in) and the messages by
        field name (``"form"`` for what concerns the whole entry).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, *_ in DIARY_FIELDS:
        try:
            value = parse_entry_text(name, fields.get(name, ""))
        except ConfigError as exc:
            errors[name] = str(exc)
            continue
        if value is not None and value != ():
            values[name] = value
    if errors:
        return None, errors
    if not values:
        return None, {"form": "nothing was given: fill in at least one field"}
    try:
        return DiaryEntry(subject=subject, night_date=night_date, **values), {}
    except ConfigError as exc:
        name = exc.name if exc.name in values else "form"
        return None, {name: str(exc)}


def _diary_nights(store: Store | None, subject: str | None) -> list[dict[str, Any]]:
    if store is None or subject is None:
        return []
    out = []
    for n in reversed(store.list_nights(subject)):
        if n.start_utc is None:
            continue
        out.append(
            {"date": night_date_of(n.start_utc).isoformat(), "night": n.id, "plm": n.plm_per_h}
        )
    return out[:14]


def _diary_context(
    store: Store | None, subject: str, day: date, typed: dict[str, str] | None
) -> dict[str, Any]:
    stored = get_entry(store, subject, day) if store is not None and subject else None
    values = {
        name: (typed.get(name, "") if typed is not None else _form_value(stored, name))
        for name, *_ in DIARY_FIELDS
    }
    entries = list_entries(store, subject) if store is not None else []
    return {
        "title": "Diary",
        "subject": subject,
        "day": day.isoformat(),
        "fields": DIARY_FIELDS,
        "values": values,
        "stored": stored is not None,
        "recent": [e.to_dict() for e in reversed(entries[-14:])],
        "nights": _diary_nights(store, subject),
        "limits": FIELD_LIMITS,
        "dose_units": ", ".join(DOSE_UNITS),
    }


def diary_page(request: Request) -> Response:
    """``GET /diary?subject=&date=``: the evening entry of a date as a form."""
    state = state_of(request)
    q = request.query_params
    day = parse_date(q.get("date") or "today", "date")
    with read_store(state.db_path) as store:
        subject = choose_subject(store, q.get("subject")) or "default"
        context = _diary_context(store, subject, day, None)
    context["saved"] = q.get("saved") == "1"
    context["errors"] = {}
    return render(request, "diary.html", context)


async def diary_post(request: Request) -> Response:
    """``POST /diary``: store the entry (replacing that evening's), or show what is wrong."""
    fields = await post_form(request)
    state = state_of(request)
    subject = fields.get("subject", "").strip() or "default"
    errors: dict[str, str] = {}
    try:
        day = parse_date(fields.get("date") or "", "date")
    except ConfigError as exc:
        errors["date"] = str(exc)
        day = date.today()
    entry, field_errors = entry_from_form(subject, day, fields)
    errors.update(field_errors)
    if entry is not None and not errors:

        def save() -> None:
            with Store(state.db_path) as store:
                add_entry(store, entry, replace_existing=True)

        await run_in_threadpool(save)
        return RedirectResponse(
            f"/diary?subject={entry.subject}&date={entry.night_date.isoformat()}&saved=1",
            status_code=303,
        )

    def page() -> dict[str, Any]:
        with read_store(state.db_path) as store:
            return _diary_context(store, subject, day, fields)

    context = await run_in_threadpool(page)
    context.update({"errors": errors, "saved": False, "day": fields.get("date", "")})
    return render(request, "diary.html", context, status_code=400)


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
    route("/diary", diary_page),
    route("/diary", diary_post, ("POST",)),
    route("/clinician", clinician_page),
    route("/clinician/download", download, ("POST",)),
]
