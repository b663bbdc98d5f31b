"""The night diary: what the patient did and felt on the evening before each night.

A diary belongs to a subject (a pseudonymous label, nothing else). It has

- **evening entries** (:class:`DiaryEntry`), one per night date (the calendar date of the
  evening the night starts): caffeine (cups, time of the last), alcohol (units), nicotine,
  exercise (minutes, time of day), evening symptom severity and how rested the patient feels
  (0-10 scales), medications taken (:class:`Medication`: name, dose with its unit, time), iron
  supplement, compression stockings and a free note (never required);
- **dated entries**: lab results (:class:`LabResult`: ferritin in ng/mL, haemoglobin in g/dL,
  eGFR in mL/min/1.73 m2), pregnancy weeks (:class:`PregnancyEntry`) and treatments with start and
  stop dates (:class:`Treatment`, e.g. a vein procedure or an iron infusion).

Every value is validated here (:class:`~rls_monitor.errors.ConfigError` naming the field, the
allowed range and the value given) and stored through :mod:`rls_monitor.storage.diary_schema`.
:func:`night_table` joins the diary to the scored nights (PLM index per hour in bed) for
:mod:`rls_monitor.insights`; :func:`diary_columns_for_nights` gives the diary columns of exports
and :func:`diary_timeline_figure` the report's figure.

A night is matched to the diary entry of the evening it started: the local date of
``start_utc - 12 h`` (a night that starts at 01:30 belongs to the evening before).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np

from rls_monitor.errors import ConfigError
from rls_monitor.insights import NightTable
from rls_monitor.storage import diary_schema as schema

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

    from rls_monitor.insights import Insights, InsightsConfig
    from rls_monitor.storage import Store

__all__ = [
    "DOSE_UNITS",
    "ENTRY_FIELDS",
    "FIELD_LIMITS",
    "DiaryEntry",
    "DiarySection",
    "LabResult",
    "Medication",
    "NightTable",
    "PregnancyEntry",
    "Treatment",
    "add_entry",
    "add_lab",
    "add_pregnancy",
    "add_treatment",
    "delete_entry",
    "diary_columns_for_nights",
    "diary_section",
    "diary_timeline_figure",
    "edit_entry",
    "get_entry",
    "list_entries",
    "list_labs",
    "list_pregnancies",
    "list_treatments",
    "night_date_of",
    "night_table",
    "parse_date",
    "parse_hhmm",
    "parse_medication",
    "stop_treatment",
]

logger = logging.getLogger(__name__)

#: Dose units accepted for a medication (as typed; ``ug``/``mcg``/``µg`` are the same unit).
DOSE_UNITS = ("mg", "g", "ug", "mcg", "µg", "mg/24h", "ml", "IU", "tablet", "drop", "puff")
_MG_PER_UNIT = {"mg": 1.0, "g": 1000.0, "ug": 1e-3, "mcg": 1e-3, "µg": 1e-3, "mg/24h": 1.0}

#: Allowed ranges (inclusive) of the numeric fields, with their units.
FIELD_LIMITS: dict[str, tuple[float, float, str]] = {
    "caffeine_cups": (0, 30, "cups"),
    "alcohol_units": (0, 50, "units (10 g of alcohol each)"),
    "exercise_min": (0, 720, "min"),
    "symptoms_0_10": (0, 10, "points (0 none - 10 worst)"),
    "rested_0_10": (0, 10, "points (0 exhausted - 10 fully rested)"),
    "ferritin_ng_per_ml": (1, 2000, "ng/mL"),
    "haemoglobin_g_per_dl": (3, 25, "g/dL"),
    "egfr_ml_per_min_1_73m2": (1, 200, "mL/min/1.73 m2"),
    "pregnancy_week": (1, 42, "weeks"),
    "dose": (1e-6, 100_000, "in its unit"),
}
_NOTE_MAX_CHARS = 2000
_NAME_MAX_CHARS = 80
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# --- validation -----------------------------------------------------------------------------


def _bad(name: str, message: str, value: object) -> ConfigError:
    return ConfigError(f"{name}: {message}; got {value!r}", name=name, value=value)


def parse_hhmm(value: str | None, name: str = "time") -> str | None:
    """Validate a clock time ``HH:MM`` (24 h) and return it as ``HH:MM`` (``None`` passes).

    Raises
    ------
    ConfigError
        Not a time between 00:00 and 23:59 (for example ``25:00``).

    Examples
    --------
    >>> parse_hhmm("7:05")
    '07:05'
    """
    if value is None:
        return None
    text = str(value).strip()
    m = _HHMM.match(text)
    if not m:
        raise _bad(name, "must be a clock time HH:MM between 00:00 and 23:59", value)
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def parse_date(value: date | str, name: str = "date") -> date:
    """An ISO date (``YYYY-MM-DD``), ``today`` or ``yesterday`` as a :class:`datetime.date`.

    Raises
    ------
    ConfigError
        Not a date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().lower()
    if text == "today":
        return date.today()
    if text == "yesterday":
        return date.today() - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad(name, "must be a date YYYY-MM-DD (or today, yesterday)", value) from None


def _number(name: str, value: float | None, *, integer: bool = False) -> float | int | None:
    if value is None:
        return None
    lo, hi, unit = FIELD_LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(name, f"must be a number from {lo:g} to {hi:g} {unit}", value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise _bad(name, f"must be from {lo:g} to {hi:g} {unit}", value)
    if integer:
        if value != int(value):
            raise _bad(name, f"must be a whole number from {lo:g} to {hi:g} {unit}", value)
        return int(value)
    return float(value)


def _text(name: str, value: str | None, max_chars: int) -> str:
    text = "" if value is None else str(value)
    if len(text) > max_chars:
        raise _bad(name, f"must be at most {max_chars} characters", f"{len(text)} characters")
    return text


def _label(subject: str) -> str:
    label = str(subject).strip()
    if not label:
        raise _bad("subject", "the pseudonymous label must not be empty", subject)
    return _text("subject", label, _NAME_MAX_CHARS)


def _flag(name: str, value: bool | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _bad(name, "must be yes or no", value)


# --- the model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Medication:
    """A medication taken on a diary evening.

    Attributes
    ----------
    name : str
        The drug (e.g. ``"pramipexole"``), as the patient writes it (compared case-insensitively).
    dose : float
        The dose, in ``unit``.
    unit : str
        One of :data:`DOSE_UNITS` (a dose with no unit is refused).
    time_hhmm : str or None
        When it was taken, ``HH:MM`` local time.
    """

    name: str
    dose: float
    unit: str
    time_hhmm: str | None = None

    def __post_init__(self) -> None:
        name = str(self.name).strip()
        if not name:
            raise _bad("medication name", "must not be empty", self.name)
        if ";" in name:
            raise _bad("medication name", "must not contain ';' (it separates medications)", name)
        object.__setattr__(self, "name", _text("medication name", name, _NAME_MAX_CHARS))
        object.__setattr__(self, "dose", _number("dose", self.dose))
        if self.unit not in DOSE_UNITS:
            raise ConfigError(
                f"dose unit of {name} must be one of {', '.join(DOSE_UNITS)}; got {self.unit!r}",
                name="dose_unit",
                value=self.unit,
                allowed=DOSE_UNITS,
            )
        object.__setattr__(self, "time_hhmm", parse_hhmm(self.time_hhmm, f"time of {name}"))

    @property
    def dose_mg(self) -> float | None:
        """The dose in mg when its unit is a mass (``None`` for ml, IU, tablets...)."""
        factor = _MG_PER_UNIT.get(self.unit)
        return None if factor is None else self.dose * factor

    def __str__(self) -> str:
        at = f" at {self.time_hhmm}" if self.time_hhmm else ""
        return f"{self.name} {self.dose:g} {self.unit}{at}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "dose": self.dose, "unit": self.unit, "time": self.time_hhmm}


def parse_medication(text: str) -> Medication:
    """Parse ``"NAME DOSE UNIT [at] [HH:MM]"``, e.g. ``"pramipexole 0.25 mg 21:30"``.

    The name may have several words; the dose may touch its unit (``"0.25mg"``).

    Raises
    ------
    ConfigError
        No dose, no unit (``"pramipexole 0.25"``), an unknown unit, or a bad time.

    Examples
    --------
    >>> str(parse_medication("ropinirole 0.5mg at 21:00"))
    'ropinirole 0.5 mg at 21:00'
    """
    raw = str(text).strip()
    m = re.match(
        r"^(?P<name>.+?)\s+(?P<dose>\d+(?:[.,]\d+)?)\s*(?P<unit>[^\s\d][^\s]*)?"
        r"(?:\s+(?:at\s+)?(?P<time>\S+))?\s*$",
        raw,
    )
    if not m:
        raise _bad(
            "medication", 'must be "NAME DOSE UNIT [HH:MM]", e.g. "pramipexole 0.25 mg 21:30"', text
        )
    if m.group("unit") is None:
        raise ConfigError(
            f"medication: the dose of {m.group('name')} has no unit (one of "
            f"{', '.join(DOSE_UNITS)}); got {text!r}",
            name="dose_unit",
            value=text,
            allowed=DOSE_UNITS,
        )
    return Medication(
        name=m.group("name"),
        dose=float(m.group("dose").replace(",", ".")),
        unit=m.group("unit"),
        time_hhmm=m.group("time"),
    )


@dataclass(frozen=True)
class DiaryEntry:
    """One evening's diary entry (every field optional: ``None`` means not recorded).

    Attributes
    ----------
    subject : str
        Pseudonymous label.
    night_date : datetime.date
        The evening the night starts.
    caffeine_cups : float or None
        Cups of coffee (or equivalent: 1 cup ~ 80-100 mg caffeine) that day.
    caffeine_last_hhmm : str or None
        Time of the last one, ``HH:MM``.
    alcohol_units : float or None
        Units of alcohol (10 g each) that day.
    nicotine : bool or None
        Any nicotine that day.
    exercise_min : float or None
        Minutes of exercise that day.
    exercise_hhmm : str or None
        When (start, ``HH:MM``).
    symptoms_0_10 : int or None
        Evening RLS symptom severity, 0 (none) to 10 (worst).
    rested_0_10 : int or None
        How rested the patient feels, 0 (exhausted) to 10 (fully rested).
    medications : tuple of Medication
        Medications taken that evening (empty when none or not recorded).
    iron_supplement : bool or None
        Oral iron taken that day.
    compression_stockings : bool or None
        Compression stockings worn that day.
    note : str
        Free text (never required).
    """

    subject: str
    night_date: date
    caffeine_cups: float | None = None
    caffeine_last_hhmm: str | None = None
    alcohol_units: float | None = None
    nicotine: bool | None = None
    exercise_min: float | None = None
    exercise_hhmm: str | None = None
    symptoms_0_10: int | None = None
    rested_0_10: int | None = None
    medications: tuple[Medication, ...] = field(default_factory=tuple)
    iron_supplement: bool | None = None
    compression_stockings: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", _label(self.subject))
        object.__setattr__(self, "night_date", parse_date(self.night_date, "night date"))
        for name in ("caffeine_cups", "alcohol_units", "exercise_min"):
            object.__setattr__(self, name, _number(name, getattr(self, name)))
        for name in ("symptoms_0_10", "rested_0_10"):
            object.__setattr__(self, name, _number(name, getattr(self, name), integer=True))
        for name in ("caffeine_last_hhmm", "exercise_hhmm"):
            object.__setattr__(self, name, parse_hhmm(getattr(self, name), name))
        for name in ("nicotine", "iron_supplement", "compression_stockings"):
            object.__setattr__(self, name, _flag(name, getattr(self, name)))
        meds = tuple(self.medications)
        for m in meds:
            if not isinstance(m, Medication):
                raise _bad("medications", "must be Medication objects", m)
        object.__setattr__(self, "medications", meds)
        object.__setattr__(self, "note", _text("note", self.note, _NOTE_MAX_CHARS))

    def values(self) -> dict[str, Any]:
        """The stored columns (``diary_nights``), flags as 0/1."""
        out: dict[str, Any] = {}
        for name in schema.DIARY_NIGHT_COLUMNS:
            v = getattr(self, name)
            out[name] = int(v) if isinstance(v, bool) else v
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (date as ISO text, medications as dicts)."""
        out: dict[str, Any] = {"subject": self.subject, "night_date": self.night_date.isoformat()}
        for name in schema.DIARY_NIGHT_COLUMNS:
            out[name] = getattr(self, name)
        out["medications"] = [m.to_dict() for m in self.medications]
        return out


#: The fields of an evening entry a user can set (besides subject and date).
ENTRY_FIELDS = tuple(f.name for f in fields(DiaryEntry) if f.name not in ("subject", "night_date"))


def _entry_from_row(row: Mapping[str, Any]) -> DiaryEntry:
    flags = ("nicotine", "iron_supplement", "compression_stockings")
    kwargs: dict[str, Any] = {}
    for name in schema.DIARY_NIGHT_COLUMNS:
        v = row[name]
        kwargs[name] = (None if v is None else bool(v)) if name in flags else v
    meds = tuple(
        Medication(m["name"], m["dose"], m["dose_unit"], m["time_hhmm"]) for m in row["medications"]
    )
    return DiaryEntry(
        subject=row["subject"],
        night_date=date.fromisoformat(row["night_date"]),
        medications=meds,
        **kwargs,
    )


@dataclass(frozen=True)
class LabResult:
    """Lab results of one date (any of them may be missing).

    Attributes
    ----------
    subject : str
    lab_date : datetime.date
    ferritin_ng_per_ml : float or None
        Serum ferritin, ng/mL (= ug/L).
    haemoglobin_g_per_dl : float or None
        Haemoglobin, g/dL.
    egfr_ml_per_min_1_73m2 : float or None
        Estimated glomerular filtration rate, mL/min/1.73 m2.
    note : str
    """

    subject: str
    lab_date: date
    ferritin_ng_per_ml: float | None = None
    haemoglobin_g_per_dl: float | None = None
    egfr_ml_per_min_1_73m2: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", _label(self.subject))
        object.__setattr__(self, "lab_date", parse_date(self.lab_date, "lab date"))
        for name in ("ferritin_ng_per_ml", "haemoglobin_g_per_dl", "egfr_ml_per_min_1_73m2"):
            object.__setattr__(self, name, _number(name, getattr(self, name)))
        object.__setattr__(self, "note", _text("note", self.note, _NOTE_MAX_CHARS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "subject": self.subject,
            "lab_date": self.lab_date.isoformat(),
            **{c: getattr(self, c) for c in schema.LAB_COLUMNS},
        }


@dataclass(frozen=True)
class PregnancyEntry:
    """The week of pregnancy on a date (the pregnancy is taken to span week 0 to 42).

    Attributes
    ----------
    subject : str
    entry_date : datetime.date
    week : int
        Completed weeks of gestation, 1 to 42.
    """

    subject: str
    entry_date: date
    week: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", _label(self.subject))
        object.__setattr__(self, "entry_date", parse_date(self.entry_date, "pregnancy date"))
        object.__setattr__(self, "week", _number("pregnancy_week", self.week, integer=True))

    def span(self) -> tuple[date, date]:
        """First and last date of the pregnancy this entry implies (week 0 to week 42)."""
        start = self.entry_date - timedelta(weeks=self.week)
        return start, start + timedelta(weeks=42)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "subject": self.subject,
            "entry_date": self.entry_date.isoformat(),
            "week": self.week,
        }


@dataclass(frozen=True)
class Treatment:
    """A treatment with a start date (and a stop date once it ended).

    Attributes
    ----------
    id : int
        Its id in the store (0 before it is stored).
    subject : str
    name : str
        E.g. ``"iron infusion"``, ``"vein ablation"``, ``"compression stockings"``.
    start_date : datetime.date
    stop_date : datetime.date or None
    note : str
    """

    id: int
    subject: str
    name: str
    start_date: date
    stop_date: date | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", _label(self.subject))
        name = str(self.name).strip()
        if not name:
            raise _bad("treatment name", "must not be empty", self.name)
        object.__setattr__(self, "name", _text("treatment name", name, _NAME_MAX_CHARS))
        start = parse_date(self.start_date, "start date")
        object.__setattr__(self, "start_date", start)
        if self.stop_date is not None:
            stop = parse_date(self.stop_date, "stop date")
            if stop < start:
                raise _bad("stop date", f"must not be before the start date {start}", str(stop))
            object.__setattr__(self, "stop_date", stop)
        object.__setattr__(self, "note", _text("note", self.note, _NOTE_MAX_CHARS))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "id": self.id,
            "subject": self.subject,
            "name": self.name,
            "start_date": self.start_date.isoformat(),
            "stop_date": None if self.stop_date is None else self.stop_date.isoformat(),
            "note": self.note,
        }


# --- storage --------------------------------------------------------------------------------


def _meds_rows(meds: Sequence[Medication]) -> list[dict[str, Any]]:
    return [
        {"name": m.name, "dose": m.dose, "dose_unit": m.unit, "time_hhmm": m.time_hhmm}
        for m in meds
    ]


def add_entry(store: Store, entry: DiaryEntry, *, replace_existing: bool = False) -> None:
    """Store a new evening entry.

    Parameters
    ----------
    store : Store
    entry : DiaryEntry
    replace_existing : bool
        Overwrite an entry of the same subject and date instead of refusing it.

    Raises
    ------
    StorageError
        There is already an entry for that subject and date (and ``replace_existing`` is False).
    """
    store.upsert_diary_night(
        entry.subject,
        entry.night_date.isoformat(),
        entry.values(),
        _meds_rows(entry.medications),
        mode="upsert" if replace_existing else "insert",
    )


def get_entry(store: Store, subject: str, night_date: date | str) -> DiaryEntry | None:
    """The evening entry of a subject and date, or ``None``."""
    day = parse_date(night_date, "night date").isoformat()
    rows = store.get_diary_nights(subject, start=day, end=day)
    return _entry_from_row(rows[0]) if rows else None


def edit_entry(
    store: Store, subject: str, night_date: date | str, changes: Mapping[str, Any]
) -> DiaryEntry:
    """Change some fields of an existing evening entry and return the entry as stored.

    Parameters
    ----------
    store : Store
    subject : str
    night_date : date or str
    changes : mapping
        Field name (of :data:`ENTRY_FIELDS`) to new value; ``None`` clears a field.

    Raises
    ------
    ConfigError
        An unknown field or an invalid value.
    StorageError
        There is no such entry.
    """
    unknown = sorted(set(changes) - set(ENTRY_FIELDS))
    if unknown:
        raise ConfigError(
            f"unknown diary fields {unknown}; the fields are {', '.join(ENTRY_FIELDS)}",
            name="field",
            value=unknown,
            allowed=ENTRY_FIELDS,
        )
    day = parse_date(night_date, "night date")
    old = get_entry(store, subject, day)
    if old is None:
        from rls_monitor.errors import StorageError

        raise StorageError(
            f"there is no diary entry for {subject} on {day}; use `diary add`", path=store.path
        )
    clean = dict(changes)
    if "note" in clean and clean["note"] is None:
        clean["note"] = ""
    if "medications" in clean and clean["medications"] is None:
        clean["medications"] = ()
    new = replace(old, **clean)
    values = {k: v for k, v in new.values().items() if k in clean}
    meds = _meds_rows(new.medications) if "medications" in clean else None
    store.upsert_diary_night(new.subject, day.isoformat(), values, meds, mode="update")
    return new


def delete_entry(store: Store, subject: str, night_date: date | str) -> bool:
    """Delete an evening entry; True when there was one."""
    day = parse_date(night_date, "night date").isoformat()
    return store.delete_diary_night(subject, day)


def list_entries(
    store: Store,
    subject: str | None = None,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
) -> list[DiaryEntry]:
    """Evening entries in date order (of one subject, within dates, inclusive)."""
    lo = None if start is None else parse_date(start, "from").isoformat()
    hi = None if end is None else parse_date(end, "to").isoformat()
    return [_entry_from_row(r) for r in store.get_diary_nights(subject, start=lo, end=hi)]


def add_lab(store: Store, lab: LabResult) -> None:
    """Store lab results (the fields given replace those of the same date)."""
    values = {
        c: getattr(lab, c) for c in schema.LAB_COLUMNS if getattr(lab, c) is not None or c == "note"
    }
    store.upsert_lab(lab.subject, lab.lab_date.isoformat(), values)


def list_labs(store: Store, subject: str | None = None) -> list[LabResult]:
    """Lab results in date order."""
    return [
        LabResult(
            subject=r["subject"],
            lab_date=date.fromisoformat(r["lab_date"]),
            **{c: r[c] for c in schema.LAB_COLUMNS},
        )
        for r in store.get_labs(subject)
    ]


def add_pregnancy(store: Store, entry: PregnancyEntry) -> None:
    """Store a pregnancy week (replacing the entry of the same date)."""
    store.add_pregnancy(entry.subject, entry.entry_date.isoformat(), entry.week)


def list_pregnancies(store: Store, subject: str | None = None) -> list[PregnancyEntry]:
    """Pregnancy entries in date order."""
    return [
        PregnancyEntry(r["subject"], date.fromisoformat(r["entry_date"]), r["week"])
        for r in store.get_pregnancies(subject)
    ]


def add_treatment(store: Store, treatment: Treatment) -> Treatment:
    """Store a treatment; returns it with its id."""
    new_id = store.add_treatment(
        treatment.subject,
        treatment.name,
        treatment.start_date.isoformat(),
        None if treatment.stop_date is None else treatment.stop_date.isoformat(),
        treatment.note,
    )
    return replace(treatment, id=new_id)


def stop_treatment(store: Store, treatment_id: int, stop_date: date | str) -> Treatment:
    """Set the stop date of a stored treatment.

    Raises
    ------
    ConfigError
        A stop date before the start.
    StorageError
        No such treatment.
    """
    current = [t for t in list_treatments(store) if t.id == int(treatment_id)]
    if not current:
        from rls_monitor.errors import StorageError

        raise StorageError(f"there is no treatment {treatment_id}", path=store.path)
    new = replace(current[0], stop_date=parse_date(stop_date, "stop date"))
    store.set_treatment(treatment_id, {"stop_date": new.stop_date.isoformat()})  # type: ignore[union-attr]
    return new


def list_treatments(store: Store, subject: str | None = None) -> list[Treatment]:
    """Treatments in start-date order."""
    return [
        Treatment(
            id=r["id"],
            subject=r["subject"],
            name=r["name"],
            start_date=date.fromisoformat(r["start_date"]),
            stop_date=None if r["stop_date"] is None else date.fromisoformat(r["stop_date"]),
            note=r["note"],
        )
        for r in store.get_treatments(subject)
    ]


# --- nights joined to the diary -------------------------------------------------------------


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
    from datetime import UTC

    from rls_monitor.export.records import night_date

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
    """Join a subject's scored nights to their diary evenings, for :mod:`rls_monitor.insights`.

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


@dataclass(frozen=True)
class DiarySection:
    """What the report's diary section shows.

    Attributes
    ----------
    table : NightTable
        The nights with their diary factors.
    insights : Insights
    rows : list of dict of str to str
        :func:`rls_monitor.insights.insights_table` of the insights.
    caveat : str
        :data:`rls_monitor.insights.ASSOCIATION_CAVEAT`, to print under the table.
    notes : tuple of str
        The insights' general notes (too few nights, ferritin below the iron threshold).
    """

    table: NightTable
    insights: Insights
    rows: list[dict[str, str]]
    caveat: str
    notes: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when no night has a diary entry and there are no treatments or labs."""
        return (
            self.insights.n_with_diary == 0
            and not self.table.treatments
            and not self.table.ferritin
        )


def diary_section(
    store: Store,
    subject: str | None = None,
    *,
    start: date | str | None = None,
    end: date | str | None = None,
    tz: tzinfo | None = None,
    rules: str | None = None,
    config: InsightsConfig | None = None,
) -> DiarySection:
    """The report's diary section: night table, insights, table rows and caveat in one call.

    Parameters are those of :func:`night_table`, plus ``config`` for
    :func:`rls_monitor.insights.analyse`. Draw the figure with
    ``diary_timeline_figure(section.table, section.insights, fig=fig)``.
    """
    from rls_monitor.insights import ASSOCIATION_CAVEAT, analyse, insights_table

    table = night_table(store, subject, start=start, end=end, tz=tz, rules=rules)
    result = analyse(table, config)
    return DiarySection(table, result, insights_table(result), ASSOCIATION_CAVEAT, result.notes)


# --- exports and report ---------------------------------------------------------------------

#: The diary columns of exports, in order (see :func:`diary_columns_for_nights`).
EXPORT_COLUMNS = (
    "diary_date",
    "diary_caffeine_cups",
    "diary_caffeine_last_hhmm",
    "diary_alcohol_units",
    "diary_nicotine",
    "diary_exercise_min",
    "diary_exercise_hhmm",
    "diary_symptoms_0_10",
    "diary_rested_0_10",
    "diary_medications",
    "diary_iron_supplement",
    "diary_compression_stockings",
    "diary_note",
    "diary_ferritin_ng_per_ml",
    "diary_ferritin_date",
    "diary_haemoglobin_g_per_dl",
    "diary_egfr_ml_per_min_1_73m2",
    "diary_pregnancy_week",
    "diary_treatments",
)
__all__ += ["EXPORT_COLUMNS"]


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
            for name in schema.DIARY_NIGHT_COLUMNS:
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


__all__ += ["diary_columns_for_dates"]


def diary_timeline_figure(
    table: NightTable,
    insights: Insights | None = None,
    *,
    fig: Figure | SubFigure | None = None,
    max_factors: int = 8,
) -> Figure | SubFigure:
    """The nightly PLM index and the diary factors on one time axis (the report's figure).

    Top panel: PLM index per hour in bed per night, treatment starts as vertical lines, ferritin
    on a second axis. Below, one row per factor: filled marks where a flag was yes, marks sized by
    the value for numeric factors (empty where not recorded).

    Parameters
    ----------
    table : NightTable
    insights : Insights, optional
        When given, factors are ordered as in the insights (strongest association first).
    fig : matplotlib.figure.Figure, optional
        Draw into this figure (a new one otherwise; no pyplot).
    max_factors : int
        Most factor rows drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    numeric_twin = {"caffeine", "alcohol", "exercise"}
    names = [
        n
        for n in table.factors
        if n not in numeric_twin and not n.endswith("(mg)") and np.isfinite(table.factors[n]).any()
    ]
    if insights is not None:
        order = {line.factor: i for i, line in enumerate(insights.lines)}
        names.sort(key=lambda n: order.get(n, len(order)))
    names = names[:max_factors]
    if fig is None:
        fig = Figure(figsize=(10.0, 3.0 + 0.4 * len(names)), layout="constrained")
    heights = [3.0] + [0.5] * len(names)
    axes = fig.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
    axes = np.atleast_1d(axes)
    x = np.array([np.datetime64(d.isoformat()) for d in table.dates], dtype="datetime64[D]")
    top = axes[0]
    top.plot(x, table.plm_per_h, "o-", color="C0", ms=3, lw=1)
    top.set_ylabel("PLM index (/h in bed)")
    top.set_title(
        f"Nightly PLM index and diary{f' - {table.subject}' if table.subject else ''}"
        " (associations, not causes)"
    )
    for t_name, t_start, _ in table.treatments:
        top.axvline(np.datetime64(t_start.isoformat()), color="C3", lw=1, ls="--")
        top.annotate(
            t_name,
            (np.datetime64(t_start.isoformat()), 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color="C3",
            va="top",
            rotation=90,
        )
    ferritin = list(table.ferritin)
    if ferritin:
        twin = top.twinx()
        twin.plot(
            [np.datetime64(d.isoformat()) for d, _ in ferritin],
            [v for _, v in ferritin],
            "s--",
            color="C2",
            ms=4,
            lw=1,
        )
        twin.set_ylabel("ferritin (ng/mL)", color="C2")
    for ax, name in zip(axes[1:], names, strict=True):
        v = table.factors[name]
        seen = np.isfinite(v)
        if table.kinds[name] == "flag":
            on = seen & (v > 0)
            ax.scatter(x[on], np.zeros(on.sum()), marker="s", s=18, color="C1")
            off = seen & (v <= 0)
            ax.scatter(x[off], np.zeros(off.sum()), marker="s", s=18, facecolor="none", ec="0.6")
        else:
            top_v = np.nanmax(v[seen]) if seen.any() else 1.0
            size = 4 + 40 * np.where(seen, v, 0) / (top_v if top_v > 0 else 1.0)
            ax.scatter(x[seen], np.zeros(seen.sum()), s=size[seen], color="C4")
        ax.set_yticks([])
        label = name if table.kinds[name] == "flag" else f"{name} ({table.units[name]})"
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=7)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes[-1].set_xlabel("night (date of the evening)")
    return fig
