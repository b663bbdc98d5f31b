"""The Diary page: the evening's and the morning's entry, and the dated records.

The entry of a night (the evening before bed, the morning on waking: one
:class:`~rls_monitor.diary.model.DiaryEntry`) takes each field as typed, through the same parser
and validation as the CLI's ``diary add`` (:func:`rls_monitor.diary.model.parse_entry_text`,
then the entry itself). The small forms below it record what ``diary lab``, ``diary pregnancy``
and ``diary treatment start/stop`` record, through the same functions
(:func:`~rls_monitor.diary.model.lab_result`, :class:`~rls_monitor.diary.model.PregnancyEntry`,
:class:`~rls_monitor.diary.model.Treatment`, :mod:`rls_monitor.diary.records`). A bad value is
shown beside its field with the CLI's one-line message, what was typed is kept, and nothing is
written; what was stored before stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from rls_monitor.diary.model import (
    DOSE_UNITS,
    FIELD_LIMITS,
    LAB_RESULTS,
    DiaryEntry,
    PregnancyEntry,
    Treatment,
    lab_result,
    parse_date,
    parse_entry_text,
    parse_number_text,
)
from rls_monitor.diary.records import (
    add_entry,
    add_lab,
    add_pregnancy,
    add_treatment,
    get_entry,
    list_entries,
    list_labs,
    list_pregnancies,
    list_treatments,
    stop_treatment,
)
from rls_monitor.diary.table import night_date_of
from rls_monitor.errors import ConfigError, RLSMonitorError
from rls_monitor.storage import Store
from rls_monitor.web.page import post_form, read_store, render, route, state_of
from rls_monitor.web.pages import choose_subject

__all__ = [
    "DATED_FORMS",
    "DIARY_FIELDS",
    "EVENING_FIELDS",
    "LAB_FIELDS",
    "MORNING_FIELDS",
    "ROUTES",
    "entry_from_form",
]

#: The evening's fields (filled in at bedtime: the day's factors, the evening's symptoms and
#: medications): (name, label, kind, unit); kind is number, whole, time, yesno, meds or text.
#: The units are the CLI's (``rls-monitor diary add --help``).
EVENING_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("caffeine_cups", "Coffee (or equivalent) that day", "number", "cups"),
    ("caffeine_last_hhmm", "Time of the last one", "time", "HH:MM"),
    ("alcohol_units", "Alcohol that day", "number", "units (10 g each)"),
    ("nicotine", "Any nicotine that day", "yesno", ""),
    ("exercise_min", "Exercise that day", "number", "min"),
    ("exercise_hhmm", "When the exercise started", "time", "HH:MM"),
    ("symptoms_0_10", "Evening leg symptoms", "whole", "0 (none) to 10 (worst)"),
    ("medications", "Medications taken", "meds", 'one a line: "NAME DOSE UNIT HH:MM"'),
    ("iron_supplement", "Iron supplement that day", "yesno", ""),
    ("compression_stockings", "Compression stockings worn", "yesno", ""),
)
#: The morning's fields (filled in on waking, about the night just slept).
MORNING_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("rested_0_10", "How rested you feel on waking", "whole", "0 (exhausted) to 10"),
    ("note", "Note about the night (optional)", "text", ""),
)
#: Every field of the diary form: one :class:`~rls_monitor.diary.model.DiaryEntry`.
DIARY_FIELDS = EVENING_FIELDS + MORNING_FIELDS

#: The lab form's results: (name, label, unit), in ``diary lab``'s order.
LAB_FIELDS: tuple[tuple[str, str, str], ...] = tuple(
    zip(
        LAB_RESULTS,
        ("Ferritin", "Haemoglobin", "eGFR"),
        ("ng/mL", "g/dL", "mL/min/1.73 m2"),
        strict=True,
    )
)
#: The dated records' forms: (form, the fields it posts).
DATED_FORMS: dict[str, tuple[str, ...]] = {
    "lab": ("date", *LAB_RESULTS, "note"),
    "pregnancy": ("date", "week"),
    "start": ("date", "name", "note"),
    "stop": ("date", "treatment"),
}


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


def _dated_records(store: Store | None, subject: str) -> dict[str, Any]:
    """The subject's stored lab results, pregnancy weeks and treatments, for the page."""
    if store is None:
        return {"labs": [], "pregnancies": [], "treatments": []}
    return {
        "labs": [x.to_dict() for x in list_labs(store, subject)],
        "pregnancies": [x.to_dict() for x in list_pregnancies(store, subject)],
        "treatments": [x.to_dict() for x in list_treatments(store, subject)],
    }


def _diary_context(
    store: Store | None,
    subject: str,
    day: date,
    typed: dict[str, str] | None,
    dated: tuple[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    stored = get_entry(store, subject, day) if store is not None and subject else None
    values = {
        name: (typed.get(name, "") if typed is not None else _form_value(stored, name))
        for name, *_ in DIARY_FIELDS
    }
    # the dated forms: what was typed in the one sent, else the page's date
    dated_values = {
        form: {name: day.isoformat() if name == "date" else "" for name in names}
        for form, names in DATED_FORMS.items()
    }
    if dated is not None:
        form, fields = dated
        dated_values[form] = {name: fields.get(name, "") for name in DATED_FORMS[form]}
    entries = list_entries(store, subject) if store is not None else []
    morning = day + timedelta(days=1)
    return {
        "title": "Diary",
        "subject": subject,
        "day": day.isoformat(),
        "parts": (
            ("evening", f"The evening of {day:%a %d %b}: before bed", EVENING_FIELDS),
            ("morning", f"The morning of {morning:%a %d %b}: on waking", MORNING_FIELDS),
        ),
        "values": values,
        "stored": stored is not None,
        "recent": [e.to_dict() for e in reversed(entries[-14:])],
        "nights": _diary_nights(store, subject),
        "limits": FIELD_LIMITS,
        "dose_units": ", ".join(DOSE_UNITS),
        "lab_fields": LAB_FIELDS,
        "dated": dated_values,
        **_dated_records(store, subject),
    }


#: What the page says after a dated form was saved (``done=`` of the address).
_DONE = {
    "lab": "The lab results are saved.",
    "pregnancy": "The week of pregnancy is saved.",
    "start": "The treatment is saved: its number is in the list of treatments.",
    "stop": "The treatment's stop date is saved.",
}


def diary_page(request: Request) -> Response:
    """``GET /diary?subject=&date=``: the night's diary (the evening's and the morning's
    fields), the dated records' forms, and what is stored."""
    state = state_of(request)
    q = request.query_params
    day = parse_date(q.get("date") or "today", "date")
    with read_store(state.db_path) as store:
        subject = choose_subject(store, q.get("subject")) or "default"
        context = _diary_context(store, subject, day, None)
    context["saved"] = q.get("saved") == "1"
    context["done"] = _DONE.get(q.get("done", ""))
    context["errors"] = {}
    return render(request, "diary.html", context)


async def _refused(
    request: Request,
    subject: str,
    day: date,
    errors: dict[str, str],
    *,
    typed: dict[str, str] | None = None,
    dated: tuple[str, dict[str, str]] | None = None,
    shown_day: str | None = None,
) -> Response:
    """The Diary page again, with what was typed and the messages beside the fields (400)."""
    state = state_of(request)

    def page() -> dict[str, Any]:
        with read_store(state.db_path) as store:
            return _diary_context(store, subject, day, typed, dated)

    context = await run_in_threadpool(page)
    context.update({"errors": errors, "saved": False, "done": None})
    if shown_day is not None:
        context["day"] = shown_day
    return render(request, "diary.html", context, status_code=400)


async def diary_post(request: Request) -> Response:
    """``POST /diary``: store the entry (replacing that night's), or show what is wrong."""
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
        where = {"subject": entry.subject, "date": entry.night_date.isoformat(), "saved": "1"}
        return RedirectResponse(f"/diary?{urlencode(where)}", status_code=303)
    return await _refused(
        request, subject, day, errors, typed=fields, shown_day=fields.get("date", "")
    )


# --- the dated records: diary lab, diary pregnancy, diary treatment start / stop ------------


def _lab(subject: str, fields: dict[str, str]) -> Callable[[Store], None]:
    results = {name: parse_number_text(name, fields.get(name, "")) for name in LAB_RESULTS}
    labels = {name: label for name, label, _ in LAB_FIELDS}
    lab = lab_result(
        subject,
        parse_date(fields.get("date", ""), "date"),
        results,
        fields.get("note", ""),
        labels=labels,
    )
    return lambda store: add_lab(store, lab)


def _pregnancy(subject: str, fields: dict[str, str]) -> Callable[[Store], None]:
    week = parse_number_text("week", fields.get("week", ""), integer=True)
    if week is None:
        raise ConfigError("week: give the completed weeks of pregnancy", name="week")
    entry = PregnancyEntry(subject, parse_date(fields.get("date", ""), "date"), int(week))
    return lambda store: add_pregnancy(store, entry)


def _start(subject: str, fields: dict[str, str]) -> Callable[[Store], None]:
    start = parse_date(fields.get("date", ""), "date")
    treatment = Treatment(0, subject, fields.get("name", ""), start, None, fields.get("note", ""))

    def save(store: Store) -> None:
        add_treatment(store, treatment)

    return save


def _stop(subject: str, fields: dict[str, str]) -> Callable[[Store], None]:
    number = parse_number_text("treatment", fields.get("treatment", ""), integer=True)
    if number is None:
        raise ConfigError("treatment: choose the treatment that stopped", name="treatment")
    stop = parse_date(fields.get("date", ""), "date")

    def save(store: Store) -> None:
        stop_treatment(store, int(number), stop)

    return save


#: Each dated form: (how its fields become a save, whether saving may create the store).
_DATED: dict[str, tuple[Callable[[str, dict[str, str]], Callable[[Store], None]], bool]] = {
    "lab": (_lab, True),
    "pregnancy": (_pregnancy, True),
    "start": (_start, True),
    "stop": (_stop, False),
}
#: The names the model's messages give a field, as the dated forms name it.
_FIELD_OF = {
    "--date": "date",
    "lab date": "date",
    "pregnancy date": "date",
    "start date": "date",
    "stop date": "date",
    "pregnancy_week": "week",
    "treatment name": "name",
}


def _dated_post(form: str) -> Callable[[Request], Any]:
    make, may_create = _DATED[form]

    async def post(request: Request) -> Response:
        fields = await post_form(request)
        state = state_of(request)
        subject = fields.get("subject", "").strip() or "default"
        try:
            day = parse_date(fields.get("page_date") or "today", "date")
        except ConfigError:
            day = date.today()

        def save() -> None:
            save_in = make(subject, fields)  # every value checked before the store is opened
            if not may_create and not state.db_path.exists():
                raise RLSMonitorError("nothing is stored yet: start a treatment first")
            with Store(state.db_path, create=may_create) as store:
                save_in(store)

        try:
            await run_in_threadpool(save)
        except RLSMonitorError as exc:
            said = str(getattr(exc, "name", ""))
            field = _FIELD_OF.get(said, said)
            key = f"{form}-{field if field in DATED_FORMS[form] else 'form'}"
            return await _refused(request, subject, day, {key: str(exc)}, dated=(form, fields))
        back = {"subject": subject, "date": day.isoformat(), "done": form}
        return RedirectResponse(f"/diary?{urlencode(back)}", status_code=303)

    post.__name__ = post.__qualname__ = f"{form}_post"
    post.__doc__ = f"``POST /diary/{form}``: store the dated record, or show what is wrong."
    return post


ROUTES = [
    route("/diary", diary_page),
    route("/diary", diary_post, ("POST",)),
    *(route(f"/diary/{form}", _dated_post(form), ("POST",)) for form in _DATED),
]
