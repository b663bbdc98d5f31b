"""Fixtures of the diary tests: a store on disk with the diary tables, scored nights."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from rls_monitor.diary import DiaryEntry, Medication
from rls_monitor.storage import Store
from rls_monitor.storage.diary_schema import apply_diary_schema

#: The evening of the full diary entry.
DAY = date(2026, 3, 1)


def full_entry(subject: str) -> DiaryEntry:
    """A diary entry on :data:`DAY` with every field set (two medications, a non-ASCII note)."""
    return DiaryEntry(
        subject=subject,
        night_date=DAY,
        caffeine_cups=2.5,
        caffeine_last_hhmm="15:45",
        alcohol_units=1.5,
        nicotine=False,
        exercise_min=40.0,
        exercise_hhmm="18:05",
        symptoms_0_10=7,
        rested_0_10=3,
        medications=(
            Medication("pramipexole", 0.25, "mg", "21:30"),
            Medication("ferrous sulfate", 1.0, "tablet", None),
        ),
        iron_supplement=True,
        compression_stockings=False,
        note="long drive; legs bad from 20:00 — « très »",
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database file with the diary migration applied explicitly."""
    path = tmp_path / "diary.sqlite"
    with Store(path) as store:
        if not store.diary_schema_present():
            conn = store.db.conn
            conn.execute("BEGIN IMMEDIATE")
            apply_diary_schema(store.db)
            conn.execute("COMMIT")
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as s:
        yield s


def add_scored_night(
    store: Store,
    subject: str,
    evening: date,
    plm_per_h: float,
    *,
    rules: str = "wasm2016",
    in_bed_h: float = 7.5,
) -> int:
    """A complete night starting at 22:30 UTC on ``evening`` with a stored score."""
    start = datetime(evening.year, evening.month, evening.day, 22, 30, tzinfo=UTC)
    night = store.create_night(subject, fs_hz=50.0, lsb_g=2**-12, start_utc=start)
    store.finish_night(night, start + timedelta(hours=in_bed_h), compact=False)
    plm = round(plm_per_h * in_bed_h)
    store.save_score(
        night,
        {
            "rules": rules,
            "duration_s": in_bed_h * 3600,
            "in_bed_s": in_bed_h * 3600,
            "counts": {"lm": plm, "clm": plm, "plm": plm, "series": 1},
            "indices": {"lm_per_h": plm_per_h, "plm_per_h": plm_per_h},
            "movements": [],
        },
    )
    return night


def add_nights(store: Store, subject: str, first: date, plm_per_h: Sequence[float]) -> list[int]:
    """Consecutive scored nights from ``first``."""
    return [
        add_scored_night(store, subject, first + timedelta(days=i), float(v))
        for i, v in enumerate(plm_per_h)
    ]
