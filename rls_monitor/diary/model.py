"""The diary's model: validation of every value and the entry classes (medications, evening
entries, lab results, pregnancy weeks, treatments).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rls_monitor.errors import ConfigError, check_option
from rls_monitor.storage.diary_schema import DIARY_NIGHT_COLUMNS, LAB_COLUMNS

if TYPE_CHECKING:
    pass

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
        for name in DIARY_NIGHT_COLUMNS:
            v = getattr(self, name)
            out[name] = int(v) if isinstance(v, bool) else v
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (date as ISO text, medications as dicts)."""
        out: dict[str, Any] = {"subject": self.subject, "night_date": self.night_date.isoformat()}
        for name in DIARY_NIGHT_COLUMNS:
            out[name] = getattr(self, name)
        out["medications"] = [m.to_dict() for m in self.medications]
        return out


#: The fields of an evening entry a user can set (besides subject and date).
ENTRY_FIELDS = tuple(f.name for f in fields(DiaryEntry) if f.name not in ("subject", "night_date"))

_FLOAT_FIELDS = ("caffeine_cups", "alcohol_units", "exercise_min")
_INT_FIELDS = ("symptoms_0_10", "rested_0_10")
_TIME_FIELDS = ("caffeine_last_hhmm", "exercise_hhmm")
_FLAG_FIELDS = ("nicotine", "iron_supplement", "compression_stockings")


def parse_yes_no(text: str, name: str = "answer") -> bool:
    """``yes``/``no`` (also ``y``, ``n``, ``1``, ``0``, ``true``, ``false``) as a bool.

    Examples
    --------
    >>> parse_yes_no("Y"), parse_yes_no("no")
    (True, False)
    """
    low = str(text).strip().lower()
    if low in ("y", "yes", "1", "true"):
        return True
    if low in ("n", "no", "0", "false"):
        return False
    raise ConfigError(f"{name}: answer yes or no; got {text!r}", name=name, value=text)


def parse_number_text(name: str, text: str, *, integer: bool = False) -> float | int | None:
    """A number from the text a person typed (a decimal comma is taken as a point).

    Only the form of the number is checked here; its range is checked by the class that keeps
    it (:class:`DiaryEntry`, :class:`LabResult`, :class:`PregnancyEntry`).

    Parameters
    ----------
    name : str
        The field, named in the message.
    text : str
        What was typed; blank means not recorded.
    integer : bool
        Whether a whole number is wanted.

    Returns
    -------
    float, int or None
        ``None`` for a blank.

    Raises
    ------
    ConfigError
        Not a number (``"ferritin_ng_per_ml: must be a number; got 'abc'"``).

    Examples
    --------
    >>> parse_number_text("ferritin_ng_per_ml", "48,5"), parse_number_text("week", " ")
    (48.5, None)
    """
    stripped = "" if text is None else str(text).strip()
    if not stripped:
        return None
    kind = int if integer else float
    try:
        return kind(stripped.replace(",", "."))
    except ValueError:
        whole = "whole " if integer else ""
        raise _bad(name, f"must be a {whole}number", stripped) from None


def parse_entry_text(name: str, text: str) -> Any:
    """An evening field's value from the text a person typed (a terminal prompt, a web form).

    Numbers may use a decimal comma; the value is then checked by :class:`DiaryEntry` itself
    (ranges, units), so a prompt, a form and the command-line options refuse the same values.

    Parameters
    ----------
    name : str
        One of :data:`ENTRY_FIELDS`.
    text : str
        What was typed; blank means not recorded.

    Returns
    -------
    object or None
        A float, int, ``HH:MM`` text, bool, note text, or a tuple of :class:`Medication`
        (``medications``: one per line or separated by ``;``); ``None`` for a blank.

    Raises
    ------
    ConfigError
        Not a number, not a time, not yes or no, not a medication; or an unknown field.

    Examples
    --------
    >>> parse_entry_text("caffeine_cups", "1,5"), parse_entry_text("nicotine", "n")
    (1.5, False)
    """
    raw = "" if text is None else str(text)
    stripped = raw.strip()
    if name == "note":
        return raw if stripped else None
    if not stripped:
        return None
    if name in _FLOAT_FIELDS or name in _INT_FIELDS:
        return parse_number_text(name, stripped, integer=name in _INT_FIELDS)
    if name in _TIME_FIELDS:
        return parse_hhmm(stripped, name)
    if name in _FLAG_FIELDS:
        return parse_yes_no(stripped, name)
    if name == "medications":
        parts = [p.strip() for p in re.split(r"[;\n]", stripped) if p.strip()]
        return tuple(parse_medication(p) for p in parts)
    raise ConfigError(
        f"unknown diary field {name!r}; the fields are {', '.join(ENTRY_FIELDS)}",
        name="field",
        value=name,
        allowed=ENTRY_FIELDS,
    )


def entry_from_row(row: Mapping[str, Any]) -> DiaryEntry:
    """A :class:`DiaryEntry` from a row of the store's ``get_diary_nights``."""
    flags = ("nicotine", "iron_supplement", "compression_stockings")
    kwargs: dict[str, Any] = {}
    for name in DIARY_NIGHT_COLUMNS:
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
            **{c: getattr(self, c) for c in LAB_COLUMNS},
        }


#: The results a :class:`LabResult` keeps (its fields, in ``diary lab``'s order).
LAB_RESULTS = ("ferritin_ng_per_ml", "haemoglobin_g_per_dl", "egfr_ml_per_min_1_73m2")


def lab_result(
    subject: str,
    lab_date: date | str,
    results: Mapping[str, float | None],
    note: str = "",
    *,
    labels: Mapping[str, str] | None = None,
) -> LabResult:
    """The lab results of a date as ``rls-monitor diary lab`` takes them: at least one result.

    Parameters
    ----------
    subject : str
    lab_date : date or str
    results : mapping of str to float or None
        Values by :data:`LAB_RESULTS` name (``None``: not measured).
    note : str
    labels : mapping of str to str, optional
        How the caller names each result in the message (the CLI: its options).

    Returns
    -------
    LabResult

    Raises
    ------
    ConfigError
        No result given (``"give at least one of --ferritin, --haemoglobin, --egfr"``), an
        unknown result, or a value out of its range.
    """
    for name in results:
        check_option("lab result", name, LAB_RESULTS)
    if all(results.get(name) is None for name in LAB_RESULTS):
        named = [(labels or {}).get(name, name) for name in LAB_RESULTS]
        raise ConfigError(f"give at least one of {', '.join(named)}", name="lab")
    return LabResult(subject, parse_date(lab_date, "date"), **dict(results), note=note or "")


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
