"""The analysis join: each scored night with the diary factors of its evening (a NightTable).

A night is matched to the diary entry of the evening it started: the local date of
``start_utc - 12 h`` (a night that starts at 01:30 belongs to the evening before).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from rls_monitor.diary.model import DiaryEntry, PregnancyEntry, parse_date
from rls_monitor.diary.records import list_entries, list_labs, list_pregnancies, list_treatments
from rls_monitor.diary.stats import NightTable
from rls_monitor.errors import ConfigError

if TYPE_CHECKING:
    from rls_monitor.storage.store import Store


#: A night belongs to the evening it started: its local date 12 h before its start.
NIGHT_DATE_SHIFT = timedelta(hours=12)


@overload
def night_date(start_utc: datetime, tz: tzinfo | None) -> date: ...
@overload
def night_date(start_utc: None, tz: tzinfo | None) -> None: ...
@overload
def night_date(start_utc: datetime | None, tz: tzinfo | None) -> date | None: ...
def night_date(start_utc: datetime | None, tz: tzinfo | None) -> date | None:
    """The local calendar date of a night's evening.

    Parameters
    ----------
    start_utc : datetime or None
        Start of the recording (aware, or naive local time as ``datetime.astimezone`` takes it).
    tz : tzinfo or None
        The local time zone; ``None`` for this computer's.

    Returns
    -------
    date or None
        The local date of ``start_utc - 12 h``; ``None`` without a start.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> night_date(datetime(2026, 11, 24, 23, 30, tzinfo=UTC), UTC)
    datetime.date(2026, 11, 24)
    >>> night_date(datetime(2026, 11, 25, 0, 30, tzinfo=UTC), UTC)
    datetime.date(2026, 11, 24)
    """
    if start_utc is None:
        return None
    return (start_utc.astimezone(tz) - NIGHT_DATE_SHIFT).date()


def night_date_of(start_utc: datetime, tz: tzinfo | None = None) -> date:
    """The diary date of a night: the local date of ``start_utc - 12 h``.

    Parameters
    ----------
    start_utc : datetime
        The night's start (aware; naive is taken as UTC).
    tz : tzinfo, optional
        The patient's time zone; by default this computer's.

    Examples
    --------
    >>> from datetime import UTC
    >>> night_date_of(datetime(2026, 3, 2, 0, 30, tzinfo=UTC), UTC).isoformat()
    '2026-03-01'
    """
    when = start_utc if start_utc.tzinfo is not None else start_utc.replace(tzinfo=UTC)
    return night_date(when, tz)


def _hour(hhmm: str | None) -> float:
    if hhmm is None:
        return math.nan
    h, m = hhmm.split(":")
    hour = int(h) + int(m) / 60.0
    return hour + 24.0 if hour < 6 else hour  # after midnight: late evening


def _factor_values(
    entries: Sequence[DiaryEntry | None],
    dates: Sequence[date],
    pregnancies: Sequence[PregnancyEntry],
) -> tuple[dict[str, list[float]], dict[str, str], dict[str, str]]:
    nan = math.nan
    cols: dict[str, list[float]] = {}
    kinds: dict[str, str] = {}
    units: dict[str, str] = {}

    def put(name: str, kind: str, unit: str, values: list[float]) -> None:
        cols[name], kinds[name], units[name] = values, kind, unit

    def get(e: DiaryEntry | None, name: str) -> float:
        v = None if e is None else getattr(e, name)
        return nan if v is None else float(v)

    put("caffeine_cups", "numeric", "cups", [get(e, "caffeine_cups") for e in entries])
    put(
        "caffeine",
        "flag",
        "",
        [nan if math.isnan(x) else float(x > 0) for x in cols["caffeine_cups"]],
    )
    put(
        "caffeine_last_h",
        "numeric",
        "h (clock time of the last cup)",
        [_hour(None if e is None else e.caffeine_last_hhmm) for e in entries],
    )
    put("alcohol_units", "numeric", "units", [get(e, "alcohol_units") for e in entries])
    put(
        "alcohol",
        "flag",
        "",
        [nan if math.isnan(x) else float(x > 0) for x in cols["alcohol_units"]],
    )
    put("nicotine", "flag", "", [get(e, "nicotine") for e in entries])
    put("exercise_min", "numeric", "min", [get(e, "exercise_min") for e in entries])
    put(
        "exercise",
        "flag",
        "",
        [nan if math.isnan(x) else float(x > 0) for x in cols["exercise_min"]],
    )
    put("symptoms_0_10", "numeric", "points", [get(e, "symptoms_0_10") for e in entries])
    put("rested_0_10", "numeric", "points", [get(e, "rested_0_10") for e in entries])
    put("iron_supplement", "flag", "", [get(e, "iron_supplement") for e in entries])
    put("compression_stockings", "flag", "", [get(e, "compression_stockings") for e in entries])
    names = sorted({m.name.lower() for e in entries if e is not None for m in e.medications})
    for name in names:
        taken: list[float] = []
        dose: list[float] = []
        mass = True
        for e in entries:
            if e is None:
                taken.append(nan)
                dose.append(nan)
                continue
            ms = [m for m in e.medications if m.name.lower() == name]
            taken.append(float(bool(ms)))
            mg = [m.dose_mg for m in ms]
            if any(x is None for x in mg):
                mass = False
            dose.append(float(sum(x for x in mg if x is not None)))
        put(f"medication: {name}", "flag", "", taken)
        if mass:
            put(f"medication: {name} (mg)", "numeric", "mg", dose)
    if pregnancies:
        spans = [p.span() for p in pregnancies]
        put(
            "pregnancy",
            "flag",
            "",
            [float(any(a <= d <= b for a, b in spans)) for d in dates],
        )
    return cols, kinds, units


def night_table(
    store: Store,
    subject: str | None = None,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    tz: tzinfo | None = None,
    rules: str | None = None,
) -> NightTable:
    """Join a subject's scored nights to their diary evenings, for :mod:`rls_monitor.diary.insights`.

    Parameters
    ----------
    store : Store
    subject : str, optional
        The subject; required when the store holds several.
    start, end : date or str, optional
        Only nights whose diary date is within these dates (inclusive).
    tz : tzinfo, optional
        The patient's time zone (see :func:`night_date_of`).
    rules : str, optional
        Only nights scored with this rule set (``wasm2016`` or ``aasm``); by default the most
        common rule set of the selected nights, so indices of different rules are never mixed.

    Returns
    -------
    NightTable
        Nights with a start time and a PLM index; when two nights share a diary date, the later.

    Raises
    ------
    ConfigError
        No subject given while the store holds several.
    """
    if subject is None:
        subjects = store.list_subjects()
        if len(subjects) > 1:
            raise ConfigError(
                f"the database holds several subjects ({', '.join(subjects)}); choose one "
                "with --subject",
                name="subject",
                allowed=subjects,
            )
        subject = subjects[0] if subjects else None
    lo = None if start is None else parse_date(start, "from")
    hi = None if end is None else parse_date(end, "to")
    nights = [
        n
        for n in (store.list_nights(subject) if subject is not None else [])
        if n.start_utc is not None and n.plm_per_h is not None and n.status != "recording"
    ]
    if rules is None and nights:
        counts: dict[str, int] = {}
        for n in nights:
            counts[str(n.rules)] = counts.get(str(n.rules), 0) + 1
        rules = max(counts, key=lambda r: counts[r])
    by_date: dict[date, Any] = {}
    for n in nights:
        if rules is not None and n.rules != rules:
            continue
        day = night_date_of(n.start_utc, tz)  # type: ignore[arg-type]
        if (lo is None or day >= lo) and (hi is None or day <= hi):
            by_date[day] = n
    dates = sorted(by_date)
    entries_by_date = (
        {e.night_date: e for e in list_entries(store, subject)} if subject is not None else {}
    )
    entries = [entries_by_date.get(d) for d in dates]
    pregnancies = list_pregnancies(store, subject) if subject is not None else []
    treatments = list_treatments(store, subject) if subject is not None else []
    labs = list_labs(store, subject) if subject is not None else []
    cols, kinds, units = _factor_values(entries, dates, pregnancies)
    return NightTable(
        subject=subject,
        night_ids=np.array([by_date[d].id for d in dates], dtype=np.int64),
        dates=tuple(dates),
        plm_per_h=np.array([by_date[d].plm_per_h for d in dates], dtype=np.float64),
        factors={k: np.asarray(v, dtype=np.float64) for k, v in cols.items()},
        kinds=kinds,
        units=units,
        treatments=tuple((t.name, t.start_date, t.stop_date) for t in treatments),
        ferritin=tuple(
            (lab.lab_date, lab.ferritin_ng_per_ml)
            for lab in labs
            if lab.ferritin_ng_per_ml is not None
        ),
    )
