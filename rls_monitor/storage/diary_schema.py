"""The night diary's tables in the rls-monitor database, and the queries on them.

The diary lives in the same SQLite file as the nights (see :mod:`rls_monitor.diary` for the model
and its validation; this module only stores and reads rows, as plain dicts):

``diary_nights``
    one row per subject and night date (the evening the night starts): caffeine, alcohol,
    nicotine, exercise, evening symptoms, how rested, iron supplement, compression stockings, note.
``diary_medications``
    the medications taken on a diary night (name, dose with its unit, time).
``diary_labs``
    dated laboratory results: ferritin (ng/mL), haemoglobin (g/dL), eGFR (mL/min/1.73 m2).
``diary_pregnancy``
    dated pregnancy weeks.
``diary_treatments``
    treatments with a start date and an optional stop date (iron infusion, vein procedure...).

The tables are created by :func:`apply_diary_schema`, written to be a step of the store's
versioned migrations (``Migration(2, ..., apply_diary_schema)``) and idempotent, so that
:func:`ensure_diary_schema` can also create them in a database opened read-write before that
migration is registered.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rls_monitor.errors import StorageError

if TYPE_CHECKING:
    from rls_monitor.storage.db import Store

__all__ = [
    "DIARY_MIGRATION_NAME",
    "DIARY_NIGHT_COLUMNS",
    "DIARY_TABLES",
    "LAB_COLUMNS",
    "add_pregnancy",
    "add_treatment",
    "apply_diary_schema",
    "delete_diary_night",
    "delete_lab",
    "delete_pregnancy",
    "delete_treatment",
    "diary_schema_present",
    "ensure_diary_schema",
    "get_diary_nights",
    "get_labs",
    "get_pregnancies",
    "get_treatments",
    "set_treatment",
    "upsert_diary_night",
    "upsert_lab",
]

#: What the diary's migration does, for the store's list of migrations.
DIARY_MIGRATION_NAME = "night diary: evening entries, medications, labs, pregnancy, treatments"

#: The tables of the diary.
DIARY_TABLES = (
    "diary_nights",
    "diary_medications",
    "diary_labs",
    "diary_pregnancy",
    "diary_treatments",
)

#: Value columns of ``diary_nights`` (besides subject, date and timestamps).
DIARY_NIGHT_COLUMNS = (
    "caffeine_cups",
    "caffeine_last_hhmm",
    "alcohol_units",
    "nicotine",
    "exercise_min",
    "exercise_hhmm",
    "symptoms_0_10",
    "rested_0_10",
    "iron_supplement",
    "compression_stockings",
    "note",
)

#: Value columns of ``diary_labs``.
LAB_COLUMNS = ("ferritin_ng_per_ml", "haemoglobin_g_per_dl", "egfr_ml_per_min_1_73m2", "note")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS diary_nights (
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    night_date TEXT NOT NULL,
    caffeine_cups REAL CHECK (caffeine_cups >= 0),
    caffeine_last_hhmm TEXT,
    alcohol_units REAL CHECK (alcohol_units >= 0),
    nicotine INTEGER CHECK (nicotine IN (0, 1)),
    exercise_min REAL CHECK (exercise_min >= 0),
    exercise_hhmm TEXT,
    symptoms_0_10 INTEGER CHECK (symptoms_0_10 BETWEEN 0 AND 10),
    rested_0_10 INTEGER CHECK (rested_0_10 BETWEEN 0 AND 10),
    iron_supplement INTEGER CHECK (iron_supplement IN (0, 1)),
    compression_stockings INTEGER CHECK (compression_stockings IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (subject_id, night_date)
);
CREATE TABLE IF NOT EXISTS diary_medications (
    subject_id INTEGER NOT NULL,
    night_date TEXT NOT NULL,
    idx INTEGER NOT NULL CHECK (idx >= 0),
    name TEXT NOT NULL,
    dose REAL NOT NULL CHECK (dose > 0),
    dose_unit TEXT NOT NULL,
    time_hhmm TEXT,
    PRIMARY KEY (subject_id, night_date, idx),
    FOREIGN KEY (subject_id, night_date) REFERENCES diary_nights(subject_id, night_date)
        ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS diary_labs (
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    lab_date TEXT NOT NULL,
    ferritin_ng_per_ml REAL,
    haemoglobin_g_per_dl REAL,
    egfr_ml_per_min_1_73m2 REAL,
    note TEXT NOT NULL DEFAULT '',
    updated_utc TEXT NOT NULL,
    PRIMARY KEY (subject_id, lab_date)
);
CREATE TABLE IF NOT EXISTS diary_pregnancy (
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    entry_date TEXT NOT NULL,
    week INTEGER NOT NULL CHECK (week BETWEEN 0 AND 45),
    PRIMARY KEY (subject_id, entry_date)
);
CREATE TABLE IF NOT EXISTS diary_treatments (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    stop_date TEXT,
    note TEXT NOT NULL DEFAULT '',
    updated_utc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS diary_treatments_subject ON diary_treatments(subject_id, start_date)
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def apply_diary_schema(db: Any) -> None:
    """Create the diary's tables (idempotent): the step of the store's migrations.

    Parameters
    ----------
    db : sqlite_utils.Database
        The store's database, inside the migration's transaction.
    """
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def diary_schema_present(store: Store) -> bool:
    """True when every diary table exists in the store's file."""
    with _errors(store):
        names = {
            r[0]
            for r in store.db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'diary_%'"
            ).fetchall()
        }
    return set(DIARY_TABLES) <= names


def ensure_diary_schema(store: Store) -> None:
    """Create the diary's tables when missing (one ``BEGIN IMMEDIATE`` transaction).

    Parameters
    ----------
    store : Store
        An open store.

    Raises
    ------
    StorageError
        The tables are missing and the store was opened read-only.
    """
    if diary_schema_present(store):
        return
    if store.readonly:
        raise StorageError(
            f"{store.path} has no diary yet and was opened read-only; open it read-write once",
            path=store.path,
        )
    with _write(store):
        apply_diary_schema(store.db)


@contextlib.contextmanager
def _errors(store: Store) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise StorageError(f"{store.path}: diary: {exc}", path=store.path) from exc


@contextlib.contextmanager
def _write(store: Store) -> Iterator[sqlite3.Connection]:
    if store.readonly:
        raise StorageError(f"{store.path} was opened read-only", path=store.path)
    conn: sqlite3.Connection = store.db.conn
    with _errors(store):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")


def _query(store: Store, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    with _errors(store):
        cur = store.db.conn.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _subject_id(conn: sqlite3.Connection, label: str, *, create: bool) -> int | None:
    if create:
        conn.execute(
            "INSERT INTO subjects (label, created_utc) VALUES (?, ?) ON CONFLICT (label) DO NOTHING",
            [label, _now()],
        )
    row = conn.execute("SELECT id FROM subjects WHERE label = ?", [label]).fetchone()
    return None if row is None else int(row[0])


def _range_sql(column: str, start: str | None, end: str | None) -> tuple[str, list[Any]]:
    sql, params = "", []
    if start is not None:
        sql += f" AND {column} >= ?"
        params.append(start)
    if end is not None:
        sql += f" AND {column} <= ?"
        params.append(end)
    return sql, params


def _has_tables(store: Store) -> bool:
    if store.readonly:
        return diary_schema_present(store)
    ensure_diary_schema(store)
    return True


# --- evening entries ------------------------------------------------------------------------


def upsert_diary_night(
    store: Store,
    subject: str,
    night_date: str,
    values: Mapping[str, Any],
    medications: Sequence[Mapping[str, Any]] | None,
    *,
    mode: str = "upsert",
) -> bool:
    """Write one evening entry; returns True when it was new.

    Parameters
    ----------
    store : Store
    subject : str
        Pseudonymous label (created when new).
    night_date : str
        ISO date of the evening the night starts.
    values : mapping
        Columns of :data:`DIARY_NIGHT_COLUMNS` to set (others are kept, or NULL when new).
    medications : sequence of mapping or None
        ``name``, ``dose``, ``dose_unit``, ``time_hhmm`` rows replacing the night's medications;
        ``None`` keeps them.
    mode : {"upsert", "insert", "update"}
        ``insert`` refuses an existing entry, ``update`` a missing one.

    Raises
    ------
    StorageError
        ``insert`` of an existing entry, ``update`` of a missing one, or a database error.
    """
    unknown = set(values) - set(DIARY_NIGHT_COLUMNS)
    if unknown:
        raise StorageError(f"not diary columns: {sorted(unknown)}", path=store.path)
    ensure_diary_schema(store)
    now = _now()
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=mode != "update")
        exists = subject_id is not None and (
            conn.execute(
                "SELECT 1 FROM diary_nights WHERE subject_id = ? AND night_date = ?",
                [subject_id, night_date],
            ).fetchone()
            is not None
        )
        if mode == "insert" and exists:
            raise StorageError(
                f"there is already a diary entry for {subject} on {night_date}; "
                "use `diary edit` to change it",
                path=store.path,
            )
        if mode == "update" and not exists:
            raise StorageError(
                f"there is no diary entry for {subject} on {night_date}; use `diary add`",
                path=store.path,
            )
        if not exists:
            conn.execute(
                "INSERT INTO diary_nights (subject_id, night_date, created_utc, updated_utc) "
                "VALUES (?, ?, ?, ?)",
                [subject_id, night_date, now, now],
            )
        cols = [c for c in DIARY_NIGHT_COLUMNS if c in values]
        if cols:
            sets = ", ".join(f"{c} = ?" for c in cols)
            params = [
                ("" if values[c] is None else values[c]) if c == "note" else values[c] for c in cols
            ]
            conn.execute(
                f"UPDATE diary_nights SET {sets}, updated_utc = ? "
                "WHERE subject_id = ? AND night_date = ?",
                [*params, now, subject_id, night_date],
            )
        if medications is not None:
            conn.execute(
                "DELETE FROM diary_medications WHERE subject_id = ? AND night_date = ?",
                [subject_id, night_date],
            )
            conn.executemany(
                "INSERT INTO diary_medications (subject_id, night_date, idx, name, dose, "
                "dose_unit, time_hhmm) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        subject_id,
                        night_date,
                        i,
                        m["name"],
                        m["dose"],
                        m["dose_unit"],
                        m.get("time_hhmm"),
                    )
                    for i, m in enumerate(medications)
                ],
            )
    return not exists


def get_diary_nights(
    store: Store,
    subject: str | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
) -> list[dict[str, Any]]:
    """Evening entries in date order, each with its ``medications`` list and ``subject`` label.

    Parameters
    ----------
    store : Store
    subject : str, optional
        Only this subject's entries.
    start, end : str, optional
        ISO dates bounding ``night_date`` (inclusive).

    Returns
    -------
    list of dict
    """
    if not _has_tables(store):
        return []
    where, params = "", []
    if subject is not None:
        where += " AND s.label = ?"
        params.append(subject)
    rng, rparams = _range_sql("d.night_date", start, end)
    cols = ", ".join(f"d.{c}" for c in DIARY_NIGHT_COLUMNS)
    rows = _query(
        store,
        f"SELECT s.label AS subject, d.night_date, {cols}, d.created_utc, d.updated_utc "
        "FROM diary_nights d JOIN subjects s ON s.id = d.subject_id "
        f"WHERE 1 = 1{where}{rng} ORDER BY s.label, d.night_date",
        [*params, *rparams],
    )
    meds = _query(
        store,
        "SELECT s.label AS subject, m.night_date, m.name, m.dose, m.dose_unit, m.time_hhmm "
        "FROM diary_medications m JOIN subjects s ON s.id = m.subject_id "
        f"WHERE 1 = 1{where}{rng.replace('d.', 'm.')} ORDER BY m.night_date, m.idx",
        [*params, *rparams],
    )
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for m in meds:
        key = (m.pop("subject"), m.pop("night_date"))
        by_key.setdefault(key, []).append(m)
    for r in rows:
        r["medications"] = by_key.get((r["subject"], r["night_date"]), [])
    return rows


def delete_diary_night(store: Store, subject: str, night_date: str) -> bool:
    """Delete one evening entry (with its medications); True when there was one."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=False)
        if subject_id is None:
            return False
        cur = conn.execute(
            "DELETE FROM diary_nights WHERE subject_id = ? AND night_date = ?",
            [subject_id, night_date],
        )
        return cur.rowcount > 0


# --- dated entries --------------------------------------------------------------------------


def upsert_lab(store: Store, subject: str, lab_date: str, values: Mapping[str, Any]) -> None:
    """Set lab results of one date (columns of :data:`LAB_COLUMNS`; others are kept)."""
    unknown = set(values) - set(LAB_COLUMNS)
    if unknown:
        raise StorageError(f"not lab columns: {sorted(unknown)}", path=store.path)
    ensure_diary_schema(store)
    now = _now()
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=True)
        conn.execute(
            "INSERT INTO diary_labs (subject_id, lab_date, updated_utc) VALUES (?, ?, ?) "
            "ON CONFLICT (subject_id, lab_date) DO NOTHING",
            [subject_id, lab_date, now],
        )
        cols = [c for c in LAB_COLUMNS if c in values]
        if cols:
            conn.execute(
                f"UPDATE diary_labs SET {', '.join(f'{c} = ?' for c in cols)}, updated_utc = ? "
                "WHERE subject_id = ? AND lab_date = ?",
                [
                    *[
                        ("" if values[c] is None else values[c]) if c == "note" else values[c]
                        for c in cols
                    ],
                    now,
                    subject_id,
                    lab_date,
                ],
            )


def get_labs(
    store: Store, subject: str | None = None, *, start: str | None = None, end: str | None = None
) -> list[dict[str, Any]]:
    """Lab results in date order (``subject``, ``lab_date`` and :data:`LAB_COLUMNS`)."""
    if not _has_tables(store):
        return []
    where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
    rng, rparams = _range_sql("l.lab_date", start, end)
    return _query(
        store,
        f"SELECT s.label AS subject, l.lab_date, {', '.join('l.' + c for c in LAB_COLUMNS)} "
        f"FROM diary_labs l JOIN subjects s ON s.id = l.subject_id WHERE 1 = 1 {where}{rng} "
        "ORDER BY s.label, l.lab_date",
        [*params, *rparams],
    )


def delete_lab(store: Store, subject: str, lab_date: str) -> bool:
    """Delete the lab results of one date; True when there were some."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=False)
        cur = conn.execute(
            "DELETE FROM diary_labs WHERE subject_id = ? AND lab_date = ?", [subject_id, lab_date]
        )
        return cur.rowcount > 0


def add_pregnancy(store: Store, subject: str, entry_date: str, week: int) -> None:
    """Record the pregnancy week on a date (replacing the entry of that date)."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=True)
        conn.execute(
            "INSERT INTO diary_pregnancy (subject_id, entry_date, week) VALUES (?, ?, ?) "
            "ON CONFLICT (subject_id, entry_date) DO UPDATE SET week = excluded.week",
            [subject_id, entry_date, int(week)],
        )


def get_pregnancies(store: Store, subject: str | None = None) -> list[dict[str, Any]]:
    """Pregnancy entries (``subject``, ``entry_date``, ``week``) in date order."""
    if not _has_tables(store):
        return []
    where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
    return _query(
        store,
        "SELECT s.label AS subject, p.entry_date, p.week FROM diary_pregnancy p "
        f"JOIN subjects s ON s.id = p.subject_id WHERE 1 = 1 {where} "
        "ORDER BY s.label, p.entry_date",
        params,
    )


def delete_pregnancy(store: Store, subject: str, entry_date: str) -> bool:
    """Delete the pregnancy entry of one date; True when there was one."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=False)
        cur = conn.execute(
            "DELETE FROM diary_pregnancy WHERE subject_id = ? AND entry_date = ?",
            [subject_id, entry_date],
        )
        return cur.rowcount > 0


def add_treatment(
    store: Store,
    subject: str,
    name: str,
    start_date: str,
    stop_date: str | None = None,
    note: str = "",
) -> int:
    """Add a treatment; returns its id."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        subject_id = _subject_id(conn, subject, create=True)
        cur = conn.execute(
            "INSERT INTO diary_treatments (subject_id, name, start_date, stop_date, note, "
            "updated_utc) VALUES (?, ?, ?, ?, ?, ?)",
            [subject_id, name, start_date, stop_date, note, _now()],
        )
        return int(cur.lastrowid or 0)


def set_treatment(store: Store, treatment_id: int, values: Mapping[str, Any]) -> None:
    """Change a treatment's ``name``, ``start_date``, ``stop_date`` or ``note``.

    Raises
    ------
    StorageError
        There is no such treatment.
    """
    allowed = ("name", "start_date", "stop_date", "note")
    cols = [c for c in allowed if c in values]
    ensure_diary_schema(store)
    with _write(store) as conn:
        row = conn.execute("SELECT 1 FROM diary_treatments WHERE id = ?", [int(treatment_id)])
        if row.fetchone() is None:
            raise StorageError(f"there is no treatment {treatment_id}", path=store.path)
        if cols:
            conn.execute(
                f"UPDATE diary_treatments SET {', '.join(f'{c} = ?' for c in cols)}, "
                "updated_utc = ? WHERE id = ?",
                [*[values[c] for c in cols], _now(), int(treatment_id)],
            )


def get_treatments(store: Store, subject: str | None = None) -> list[dict[str, Any]]:
    """Treatments (``id``, ``subject``, ``name``, ``start_date``, ``stop_date``, ``note``)."""
    if not _has_tables(store):
        return []
    where, params = ("AND s.label = ?", [subject]) if subject is not None else ("", [])
    return _query(
        store,
        "SELECT t.id, s.label AS subject, t.name, t.start_date, t.stop_date, t.note "
        f"FROM diary_treatments t JOIN subjects s ON s.id = t.subject_id WHERE 1 = 1 {where} "
        "ORDER BY s.label, t.start_date, t.id",
        params,
    )


def delete_treatment(store: Store, treatment_id: int) -> bool:
    """Delete a treatment; True when there was one."""
    ensure_diary_schema(store)
    with _write(store) as conn:
        cur = conn.execute("DELETE FROM diary_treatments WHERE id = ?", [int(treatment_id)])
        return cur.rowcount > 0
