"""The diary's records in the store: add, get, edit, delete and list evening entries, lab results,
pregnancy weeks and treatments (through the Store's diary methods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from rls_monitor.diary.model import (
    ENTRY_FIELDS,
    DiaryEntry,
    LabResult,
    Medication,
    PregnancyEntry,
    Treatment,
    entry_from_row,
    parse_date,
)
from rls_monitor.errors import ConfigError
from rls_monitor.storage.diary_schema import LAB_COLUMNS

if TYPE_CHECKING:
    from rls_monitor.storage.store import Store


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
    return entry_from_row(rows[0]) if rows else None


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
    return [entry_from_row(r) for r in store.get_diary_nights(subject, start=lo, end=hi)]


def add_lab(store: Store, lab: LabResult) -> None:
    """Store lab results (the fields given replace those of the same date)."""
    values = {c: getattr(lab, c) for c in LAB_COLUMNS if getattr(lab, c) is not None or c == "note"}
    store.upsert_lab(lab.subject, lab.lab_date.isoformat(), values)


def list_labs(store: Store, subject: str | None = None) -> list[LabResult]:
    """Lab results in date order."""
    return [
        LabResult(
            subject=r["subject"],
            lab_date=date.fromisoformat(r["lab_date"]),
            **{c: r[c] for c in LAB_COLUMNS},
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
