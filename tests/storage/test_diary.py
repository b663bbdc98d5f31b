"""The diary tables of the store: the migration, read-only stores without a diary."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rls_monitor import diary
from rls_monitor.diary import LabResult
from rls_monitor.errors import StorageError
from rls_monitor.storage import Store
from rls_monitor.storage.diary_schema import DIARY_TABLES, apply_diary_schema
from tests.diary.conftest import DAY, full_entry

FULL = full_entry("P01")


def test_migration_is_idempotent_and_store_stays_sound(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite"
    with Store(path) as store:
        store.ensure_diary_schema()
        assert store.diary_schema_present()
        apply_diary_schema(store.db)  # a second time: no error
        diary.add_entry(store, FULL)
        report = store.check()
        assert report.ok, report.problems
        tables = {r["name"] for r in store.db.query("SELECT name FROM sqlite_master")}
        assert set(DIARY_TABLES) <= tables
    with Store(path, readonly=True) as ro:
        assert diary.list_entries(ro, "P01") == [FULL]


def test_read_only_store_without_diary_reads_empty(tmp_path: Path) -> None:
    """A file whose diary tables are gone reads as an empty diary read-only; read-write heals it.

    The store's migrations always create the diary, so the tables are dropped by hand (a file
    damaged or edited by another tool) to reach this path.
    """
    path = tmp_path / "old.sqlite"
    with Store(path) as store:
        diary.add_entry(store, FULL)
        diary.add_lab(store, LabResult("P01", DAY, 45.0, None, None))
    with sqlite3.connect(path) as conn:
        for table in DIARY_TABLES:
            conn.execute(f"DROP TABLE {table}")
    with Store(path, readonly=True) as ro:
        assert not ro.diary_schema_present()
        assert diary.list_entries(ro) == [] and diary.list_labs(ro) == []
        assert diary.get_entry(ro, "P01", DAY) is None
        with pytest.raises(StorageError, match="read-only"):
            diary.add_entry(ro, FULL)
        with pytest.raises(StorageError, match="no diary yet"):
            ro.ensure_diary_schema()
    with Store(path) as rw:
        assert diary.list_entries(rw) == []  # first use read-write creates the tables
        assert rw.diary_schema_present()
        diary.add_entry(rw, FULL)
        assert diary.get_entry(rw, "P01", DAY) == FULL
