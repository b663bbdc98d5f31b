"""The diary's export columns (one list, used by the CSV/JSON exports and the report)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from rls_monitor.diary.model import DiaryEntry, LabResult, Treatment
from rls_monitor.diary.records import list_entries, list_labs, list_pregnancies, list_treatments
from rls_monitor.diary.table import night_date_of
from rls_monitor.storage.diary_schema import DIARY_NIGHT_COLUMNS

if TYPE_CHECKING:
    from rls_monitor.storage.store import Store

#: The diary columns of exports, in order: name, unit and description (the one list; the export
#: tables and :func:`diary_columns_for_nights` use it).
DIARY_EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("diary_date", "date", "Diary date the night is matched to (local date of the evening)"),
    ("diary_caffeine_cups", "cups", "Cups of coffee or equivalent that day (1 cup ~ 80-100 mg)"),
    ("diary_caffeine_last_hhmm", "HH:MM", "Local time of the last caffeine"),
    ("diary_alcohol_units", "units", "Alcohol that evening, standard units"),
    ("diary_nicotine", "flag", "1 when nicotine was used that evening"),
    ("diary_exercise_min", "min", "Exercise that day"),
    ("diary_exercise_hhmm", "HH:MM", "Local time of the exercise"),
    ("diary_symptoms_0_10", "0-10", "Evening RLS symptom severity (0 none, 10 worst)"),
    ("diary_rested_0_10", "0-10", "How rested the patient feels (0 exhausted, 10 fully)"),
    (
        "diary_medications",
        "",
        "Medications taken: 'name dose unit at HH:MM', ';'-separated (unit in each dose)",
    ),
    ("diary_iron_supplement", "flag", "1 when an iron supplement was taken"),
    ("diary_compression_stockings", "flag", "1 when compression stockings were worn"),
    ("diary_note", "", "Free note of the evening (left empty with --pseudonymise)"),
    ("diary_ferritin_ng_per_ml", "ng/mL", "Latest serum ferritin on or before the diary date"),
    ("diary_ferritin_date", "date", "Date of that ferritin result"),
    ("diary_haemoglobin_g_per_dl", "g/dL", "Latest haemoglobin on or before the diary date"),
    ("diary_egfr_ml_per_min_1_73m2", "mL/min/1.73 m²", "Latest eGFR on or before the diary date"),
    ("diary_pregnancy_week", "weeks", "Week of pregnancy on the diary date"),
    (
        "diary_treatments",
        "",
        "Treatments running on the diary date: 'name (since YYYY-MM-DD)', ';'-separated",
    ),
)

#: The names of :data:`DIARY_EXPORT_COLUMNS`, in order (see :func:`diary_columns_for_nights`).
EXPORT_COLUMNS = tuple(name for name, _unit, _description in DIARY_EXPORT_COLUMNS)


def diary_columns_for_nights(
    store: Store, night_ids: Sequence[int], *, tz: tzinfo | None = None
) -> dict[int, dict[str, Any]]:
    """The diary columns of each night, for exports (CSV, JSON) and the report.

    Each night gets every column of :data:`EXPORT_COLUMNS` (``None`` when not recorded):
    the evening entry of its diary date (flags as ``True``/``False``, medications as
    ``"name dose unit at HH:MM; ..."``), the latest lab values on or before that date, the
    pregnancy week on that date and the treatments running (``"name (since YYYY-MM-DD)"``).
    Callers that already know each night's subject and diary date (exports) use
    :func:`diary_columns_for_dates`, which reads no night.

    Parameters
    ----------
    store : Store
    night_ids : sequence of int
    tz : tzinfo, optional
        The patient's time zone (see :func:`night_date_of`).

    Returns
    -------
    dict of int to dict
        Night id to its columns; nights without a start time get only ``None`` values.
    """
    keys: list[tuple[str, date | None]] = []
    for night_id in night_ids:
        info = store.get_night(int(night_id))
        day = None if info.start_utc is None else night_date_of(info.start_utc, tz)
        keys.append((info.subject, day))
    cols = diary_columns_for_dates(store, keys)
    return {int(n): c for n, c in zip(night_ids, cols, strict=True)}


def diary_columns_for_dates(
    store: Store,
    keys: Sequence[tuple[str, date | None]],
    *,
    shift_date: Callable[[date], date] | None = None,
    free_text: bool = True,
) -> list[dict[str, Any]]:
    """The diary columns (:data:`EXPORT_COLUMNS`) of nights given by subject and diary date.

    The diary is read once per subject (four queries), however many nights there are, so an
    export of a thousand nights stays fast.

    Parameters
    ----------
    store : Store
    keys : sequence of (str, date or None)
        Each night's subject label and diary date (the local date of its evening, see
        :func:`night_date_of`); ``None`` for a night without a start time.
    shift_date : callable, optional
        Applied to every date written into the columns (``diary_date``, ``diary_ferritin_date``,
        the treatments' start dates): a pseudonymised export shifts them as it shifts the
        night's own dates. Matching nights to the diary uses the true dates.
    free_text : bool
        False leaves ``diary_note`` empty (pseudonymised exports: a free note may name people
        or places).

    Returns
    -------
    list of dict
        One dict per key, in order, with every column of :data:`EXPORT_COLUMNS`.
    """

    def shown(day: date) -> str:
        return (shift_date(day) if shift_date is not None else day).isoformat()

    out: list[dict[str, Any]] = []
    cache: dict[str, tuple[dict[date, DiaryEntry], list[LabResult], list[Any], list[Treatment]]]
    cache = {}
    for subject, day in keys:
        row: dict[str, Any] = dict.fromkeys(EXPORT_COLUMNS)
        out.append(row)
        if day is None:
            continue
        if subject not in cache:
            cache[subject] = (
                {e.night_date: e for e in list_entries(store, subject)},
                list_labs(store, subject),
                list_pregnancies(store, subject),
                list_treatments(store, subject),
            )
        entries, labs, pregnancies, treatments = cache[subject]
        row["diary_date"] = shown(day)
        e = entries.get(day)
        if e is not None:
            for name in DIARY_NIGHT_COLUMNS:
                row[f"diary_{name}"] = getattr(e, name)
            row["diary_medications"] = "; ".join(str(m) for m in e.medications) or None
            if not free_text or not e.note:
                row["diary_note"] = None
        for lab in labs:
            if lab.lab_date > day:
                break
            if lab.ferritin_ng_per_ml is not None:
                row["diary_ferritin_ng_per_ml"] = lab.ferritin_ng_per_ml
                row["diary_ferritin_date"] = shown(lab.lab_date)
            if lab.haemoglobin_g_per_dl is not None:
                row["diary_haemoglobin_g_per_dl"] = lab.haemoglobin_g_per_dl
            if lab.egfr_ml_per_min_1_73m2 is not None:
                row["diary_egfr_ml_per_min_1_73m2"] = lab.egfr_ml_per_min_1_73m2
        for p in pregnancies:
            a, b = p.span()
            if a <= day <= b:
                row["diary_pregnancy_week"] = (day - a).days // 7
        running = [
            f"{t.name} (since {shown(t.start_date)})"
            for t in treatments
            if t.start_date <= day and (t.stop_date is None or day <= t.stop_date)
        ]
        row["diary_treatments"] = "; ".join(running) or None
    return out
