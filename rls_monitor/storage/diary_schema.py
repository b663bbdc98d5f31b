"""The night diary's tables in the rls-monitor database: their schema and its migration.

The queries on them are the :class:`Store` methods of :mod:`rls_monitor.storage.diary`.

The diary lives in the same SQLite file as the nights (see :mod:`rls_monitor.diary` for the model
and its validation):

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
``Store.ensure_diary_schema`` can also create them in a database opened read-write before that
migration is registered.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DIARY_MIGRATION_NAME",
    "DIARY_NIGHT_COLUMNS",
    "DIARY_TABLES",
    "LAB_COLUMNS",
    "apply_diary_schema",
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
