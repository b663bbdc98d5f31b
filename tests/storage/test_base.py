"""The store's base: opening, the application_id guard, migrations, locks, read-only opening, errors and recovery."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rls_monitor.errors import StorageError
from rls_monitor.storage import APPLICATION_ID, SCHEMA_VERSION, Store
from tests.storage.conftest import counts


def test_new_file_is_private_wal_and_versioned(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        info = store.info()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert info["journal_mode"] == "wal"
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(
        SCHEMA_VERSION
    )
    conn.close()


def test_reopening_keeps_data_and_foreign_keys_are_on(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, counts(500))
        store.finish_night(night)
    with Store(db_path) as store:
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        np.testing.assert_array_equal(store.read_samples(night), counts(500))
        assert store.get_night(night).status == "complete"


@pytest.mark.parametrize(
    "content",
    [b"subject,onset_s\nP01,1.0\n", b"\x00" * 4096, bytes(range(256)) * 8],
    ids=["csv", "zeros", "binary"],
)
def test_a_file_that_is_not_sqlite_is_refused_and_untouched(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(StorageError, match="not an SQLite database"):
        Store(db_path)
    assert db_path.read_bytes() == content


@pytest.mark.parametrize(
    "statements",
    [
        # another program's tables and rows
        [
            "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO photos (name) VALUES ('beach')",
        ],
        # no tables yet, but another program's file (its own user_version)
        ["PRAGMA user_version = 7"],
    ],
    ids=["tables", "user-version"],
)
def test_a_foreign_sqlite_file_is_refused_and_untouched(
    db_path: Path, statements: list[str]
) -> None:
    conn = sqlite3.connect(db_path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StorageError, match="another program"):
        Store(db_path)
    assert db_path.read_bytes() == before


def test_a_truncated_database_gives_a_clear_error(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, counts(20000))
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db_path.read_bytes()
    db_path.write_bytes(data[:100] + b"\xa5" * (len(data) - 100))
    with pytest.raises(StorageError, match="not a readable rls-monitor database|malformed"):
        with Store(db_path) as store:
            store.list_nights()
    assert db_path.read_bytes()[100:] == b"\xa5" * (len(data) - 100)  # not written
    # nor left with -wal / -shm files beside it that were not there before
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


def test_a_reader_never_removes_the_live_wal_of_a_database_being_created(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that opens the file while a recorder is creating it (empty, WAL mode just set,
    the WAL still empty) is refused, and leaves the recorder's -wal and -shm alone: removing
    them would send everything the recorder writes next into unlinked files."""
    db_path.touch()  # the recorder has created the file ...
    writer = sqlite3.connect(db_path)
    original = Store._check_ours

    def writer_sets_wal_meanwhile(self: Store, created: bool) -> None:
        # ... and switches it to WAL between the reader's look at the side files and its check
        assert writer.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
        original(self, created)

    monkeypatch.setattr(Store, "_check_ours", writer_sets_wal_meanwhile)
    with pytest.raises(StorageError, match="no rls-monitor data yet"):
        Store(db_path, readonly=True)
    monkeypatch.undo()
    assert Path(f"{db_path}-wal").exists() and Path(f"{db_path}-shm").exists()
    writer.execute("CREATE TABLE t (x)")
    writer.execute("INSERT INTO t VALUES (1)")
    writer.commit()
    reader = sqlite3.connect(db_path)  # what the writer wrote is there for others to read
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    reader.close()
    writer.close()


def test_an_empty_file_is_initialised(db_path: Path) -> None:
    db_path.touch()
    with Store(db_path) as store:
        assert store.list_nights() == []


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="newer"):
        Store(db_path)


def test_missing_file_without_create(db_path: Path) -> None:
    with pytest.raises(StorageError, match="no database"):
        Store(db_path, create=False)
    assert not db_path.exists()


def test_a_locked_database_gives_a_storage_error(db_path: Path) -> None:
    Store(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with Store(db_path, busy_timeout_s=0.1, recover=False) as store:
            with pytest.raises(StorageError, match="locked"):
                store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_readonly_store_reads_but_does_not_write(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, counts(100))
        with Store(db_path, readonly=True) as reader:
            np.testing.assert_array_equal(reader.read_samples(night), counts(100))
            with pytest.raises(StorageError, match="read-only"):
                reader.mark_interrupted(night)


def test_a_new_migration_upgrades_an_old_file(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rls_monitor.storage import base as db_module
    from rls_monitor.storage.migrations import MIGRATIONS, SCHEMA_VERSION, Migration

    # A file written by a release that knew only the first migration.
    with monkeypatch.context() as old_release:
        old_release.setattr(db_module, "MIGRATIONS", MIGRATIONS[:1])
        old_release.setattr(db_module, "SCHEMA_VERSION", 1)
        with Store(db_path) as store:
            assert store.schema_version == 1
            night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
    # Today's release upgrades it in place, keeping what was there.
    with Store(db_path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.get_night(night).subject == "P01"
        assert store.check().ok
    # A future migration is applied once only.
    applied: list[int] = []
    future = SCHEMA_VERSION + 1

    def step(db: Any) -> None:
        applied.append(future)
        db.execute("ALTER TABLE nights ADD COLUMN future_note TEXT")

    monkeypatch.setattr(db_module, "MIGRATIONS", (*MIGRATIONS, Migration(future, "future", step)))
    monkeypatch.setattr(db_module, "SCHEMA_VERSION", future)
    with Store(db_path) as store:
        assert store.schema_version == future
        store.db.execute("UPDATE nights SET future_note = 'slept badly'")
    with Store(db_path) as store:
        assert store.schema_version == future
    assert applied == [future]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("file is not a database", "not a readable rls-monitor database"),
        ("database disk image is malformed", "not a readable rls-monitor database"),
        ("database is locked", "locked by another process"),
        ("database or disk is full", "disk is full"),
        ("disk I/O error", "cannot read or write"),
        ("no such table: nights", "database error"),
    ],
)
def test_sqlite_errors_become_storage_errors(message: str, expected: str) -> None:
    from rls_monitor.storage.base import translate_sqlite_error

    err = translate_sqlite_error(sqlite3.OperationalError(message), Path("x.sqlite"))
    assert isinstance(err, StorageError) and expected in str(err)
    assert err.path == Path("x.sqlite")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times need /proc")
def test_a_writer_whose_process_id_was_reused_is_taken_as_gone(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
    # after a power cut the writer's process id belongs to a program started since its last write
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.2)
        conn = sqlite3.connect(db_path)
        old = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
        conn.execute(
            "UPDATE nights SET writer_pid = ?, heartbeat_utc = ? WHERE id = ?",
            [other.pid, old, night],
        )
        conn.commit()
        conn.close()
        with Store(db_path, stale_after_s=3600.0) as store:  # written 10 min ago: not stale yet
            assert store.get_night(night).status == "recording"
        with Store(db_path) as store:
            assert store.get_night(night).status == "interrupted"
        # a live writer that has not written for a while (its process older than its last
        # write) keeps its night
        with Store(db_path) as store:
            night2 = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        conn = sqlite3.connect(db_path)
        conn.execute("UPDATE nights SET writer_pid = ? WHERE id = ?", [other.pid, night2])
        conn.commit()
        conn.close()
        with Store(db_path, stale_after_s=0.0) as store:
            assert store.get_night(night2).status == "recording"
    finally:
        other.kill()
        other.wait()


def test_a_lock_is_told_by_its_result_code_not_only_its_words(tmp_path: Path) -> None:
    from rls_monitor.storage.base import translate_sqlite_error

    path = tmp_path / "held.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as real:
            other.execute("INSERT INTO t VALUES (1)")
    finally:
        other.close()
        holder.execute("ROLLBACK")
        holder.close()
    assert real.value.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    assert "locked by another process" in str(translate_sqlite_error(real.value, path))
    # a localised or reworded message with the same code is still a lock
    reworded = sqlite3.OperationalError("la base de données est verrouillée")
    reworded.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert "locked by another process" in str(translate_sqlite_error(reworded, path))
