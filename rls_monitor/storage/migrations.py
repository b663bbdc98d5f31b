"""Versioned schema migrations of the rls-monitor database.

Each migration is a numbered function applied once, in order, inside one ``BEGIN IMMEDIATE``
transaction together with the update of ``meta.schema_version``; a database is therefore always at
exactly one version. A database at a newer version than this software knows is refused (never
downgraded). Add a migration by appending to :data:`MIGRATIONS`; never edit a released one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rls_monitor.storage.diary_schema import DIARY_MIGRATION_NAME, apply_diary_schema

__all__ = ["APPLICATION_ID", "MIGRATIONS", "SCHEMA_VERSION", "Migration"]

#: ``PRAGMA application_id`` of an rls-monitor database ("RLSM" in ASCII).
APPLICATION_ID = 0x524C534D


@dataclass(frozen=True)
class Migration:
    """One schema step.

    Attributes
    ----------
    version : int
        The schema version after this step.
    name : str
        What the step does, in a few words.
    apply : callable
        ``apply(db)`` with a ``sqlite_utils.Database``; runs inside the migration's transaction.
    """

    version: int
    name: str
    apply: Callable[[Any], None]


_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE subjects (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    created_utc TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    side TEXT NOT NULL DEFAULT 'unknown' CHECK (side IN ('left', 'right', 'unknown')),
    firmware TEXT NOT NULL DEFAULT '',
    calibration_json TEXT,
    updated_utc TEXT NOT NULL
);
CREATE TABLE nights (
    id INTEGER PRIMARY KEY,
    subject_id INTEGER NOT NULL REFERENCES subjects(id),
    start_utc TEXT,
    end_utc TEXT,
    fs_hz REAL NOT NULL CHECK (fs_hz > 0),
    lsb_g REAL NOT NULL CHECK (lsb_g > 0),
    n_samples INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'recording'
        CHECK (status IN ('recording', 'complete', 'interrupted')),
    source TEXT NOT NULL DEFAULT '',
    metadata_json TEXT NOT NULL DEFAULT '{}',
    writer_host TEXT,
    writer_pid INTEGER,
    heartbeat_utc TEXT,
    rules TEXT,
    duration_s REAL,
    in_bed_s REAL,
    lm_count INTEGER,
    clm_count INTEGER,
    plm_count INTEGER,
    series_count INTEGER,
    lm_per_h REAL,
    plm_per_h REAL,
    periodicity_index REAL,
    result_json TEXT,
    scored_utc TEXT,
    created_utc TEXT NOT NULL,
    updated_utc TEXT NOT NULL
);
CREATE INDEX nights_subject_start ON nights(subject_id, start_utc);
CREATE TABLE night_devices (
    night_id INTEGER NOT NULL REFERENCES nights(id) ON DELETE CASCADE,
    channel INTEGER NOT NULL CHECK (channel >= 0),
    device_id INTEGER REFERENCES devices(id),
    side TEXT NOT NULL DEFAULT 'unknown' CHECK (side IN ('left', 'right', 'unknown')),
    n_samples INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (night_id, channel)
);
CREATE TABLE sample_blocks (
    night_id INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    first_seq INTEGER NOT NULL CHECK (first_seq >= 0),
    n_samples INTEGER NOT NULL CHECK (n_samples > 0),
    codec TEXT NOT NULL,
    crc32 INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (night_id, channel, first_seq),
    FOREIGN KEY (night_id, channel) REFERENCES night_devices(night_id, channel) ON DELETE CASCADE
);
CREATE TABLE movements (
    night_id INTEGER NOT NULL REFERENCES nights(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    onset_s REAL NOT NULL,
    offset_s REAL NOT NULL,
    duration_s REAL NOT NULL,
    peak_mg REAL,
    side TEXT NOT NULL,
    n_parts INTEGER NOT NULL DEFAULT 1,
    clm INTEGER NOT NULL,
    plm INTEGER NOT NULL,
    series INTEGER NOT NULL,
    posture TEXT,
    PRIMARY KEY (night_id, idx)
);
CREATE TABLE minutes (
    night_id INTEGER NOT NULL REFERENCES nights(id) ON DELETE CASCADE,
    minute INTEGER NOT NULL,
    start_s REAL NOT NULL,
    activity_mg REAL,
    lm_count INTEGER NOT NULL DEFAULT 0,
    plm_count INTEGER NOT NULL DEFAULT 0,
    posture TEXT,
    in_bed INTEGER,
    PRIMARY KEY (night_id, minute)
);
"""


def _v1(db: Any) -> None:
    for statement in _V1.split(";"):
        if statement.strip():
            db.execute(statement)


_V3 = """
CREATE TABLE calibrations (
    id INTEGER PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    created_utc TEXT NOT NULL,
    method TEXT NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    error_before_mg REAL,
    error_after_mg REAL,
    calibration_json TEXT
);
CREATE INDEX calibrations_device ON calibrations(device_id, id);
ALTER TABLE nights ADD COLUMN calibration_json TEXT
"""


def _v3(db: Any) -> None:
    """Calibration history per device; the calibration each night was scored with."""
    for statement in _V3.split(";"):
        if statement.strip():
            db.execute(statement)


_V4 = """
ALTER TABLE devices ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN serial TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN model TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN paired_utc TEXT
"""


def _v4(db: Any) -> None:
    """Pairing kept in full: the band's device id, serial, model, subject and when it was paired."""
    for statement in _V4.split(";"):
        if statement.strip():
            db.execute(statement)


#: Every migration, in order. ``SCHEMA_VERSION`` is the last one's version.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "devices, subjects, nights, sample blocks, movements, minutes", _v1),
    Migration(2, DIARY_MIGRATION_NAME, apply_diary_schema),
    Migration(3, "calibration history per device, calibration of each night's score", _v3),
    Migration(4, "pairing: device id, serial, model and subject of each paired band", _v4),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
