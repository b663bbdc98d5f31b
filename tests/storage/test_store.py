"""The store on real SQLite files: creation, refusal of foreign files, blocks, scores, checks."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage import APPLICATION_ID, SCHEMA_VERSION, Channel, Store


def _counts(n: int, start: int = 0) -> np.ndarray:
    i = np.arange(start, start + n, dtype=np.int64)[:, None]
    return (((i * 7 + np.array([0, 13, 29])) % 2001) - 1000).astype(np.int16)


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
        store.append_samples(night, 0, _counts(500))
        store.finish_night(night)
    with Store(db_path) as store:
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        np.testing.assert_array_equal(store.read_samples(night), _counts(500))
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
        store.append_samples(night, 0, _counts(20000))
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


def test_append_in_blocks_and_read_back(db_path: Path) -> None:
    with Store(db_path, block_s=2.0, max_blocks_per_transaction=3) as store:
        night = store.create_night("P01", fs_hz=25.0, lsb_g=2**-12)
        assert store.append_samples(night, 0, _counts(1234)) == 1234
        assert store.append_samples(night, 1234, _counts(66, 1234)) == 66
        assert store.next_seq(night) == 1300
        np.testing.assert_array_equal(store.read_samples(night), _counts(1300))
        n_blocks = store.db.execute("SELECT count(*) FROM sample_blocks").fetchone()[0]
        assert n_blocks == 25 + 2  # blocks of at most 50 samples: 24 + 34, then 50 + 16
        assert store.get_night(night).n_samples == 1300
        with pytest.raises(StorageError, match="overlap"):
            store.append_samples(night, 1299, _counts(5))


def test_a_gap_is_held_or_refused(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, _counts(10))
        store.append_samples(night, 15, _counts(5, 15))
        got = store.read_samples(night)
        assert got.shape == (20, 3)
        np.testing.assert_array_equal(got[10:15], np.repeat(_counts(10)[-1:], 5, axis=0))
        np.testing.assert_array_equal(got[15:], _counts(5, 15))
        with pytest.raises(StorageError, match="missing"):
            store.read_samples(night, fill_gaps=False)
        assert store.check().ok


def test_only_a_recording_night_takes_samples(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.finish_night(night)
        with pytest.raises(StorageError, match="complete, not recording"):
            store.append_samples(night, 0, _counts(10))
        assert store.resume_night(night) == 0
        store.append_samples(night, 0, _counts(10))
        with pytest.raises(StorageError, match="no channel 1"):
            store.append_samples(night, 0, _counts(10), channel=1)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"fs_hz": 0.0, "lsb_g": 1e-3}, "fs_hz"),
        ({"fs_hz": 50.0, "lsb_g": float("nan")}, "lsb_g"),
        ({"fs_hz": 50.0, "lsb_g": 1e-3, "channels": ()}, "channels"),
        ({"fs_hz": 50.0, "lsb_g": 1e-3, "channels": (Channel(side="middle"),)}, "side"),
    ],
)
def test_bad_night_arguments(db_path: Path, kwargs: dict, name: str) -> None:
    with Store(db_path) as store, pytest.raises(ConfigError) as info:
        store.create_night("P01", **kwargs)
    assert info.value.name == name


def test_two_legs_and_devices(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_device(
            "AA:01", name="band-L", firmware="1.2", calibration={"offset_g": [0.01, 0, 0]}
        )
        night = store.create_night(
            "P01",
            fs_hz=50.0,
            lsb_g=2**-12,
            channels=[Channel("left", "AA:01"), Channel("right", "AA:02")],
        )
        store.append_samples(night, 0, _counts(100), channel=0)
        store.append_samples(night, 0, _counts(80, 7), channel=1)
        info = store.get_night(night)
        assert info.devices == ("AA:01", "AA:02")
        assert info.sides == ("left", "right")
        assert info.n_samples == 80  # the shorter channel
        np.testing.assert_array_equal(store.read_samples(night, 1), _counts(80, 7))
        dev = store.get_device("AA:01")
        assert dev is not None and dev["calibration"] == {"offset_g": [0.01, 0, 0]}
        assert dev["firmware"] == "1.2" and dev["side"] == "left"
        store.upsert_device("AA:01", firmware="1.3")
        dev = store.get_device("AA:01")
        assert dev is not None and dev["firmware"] == "1.3" and dev["name"] == "band-L"
        store.delete_night(night)
        assert store.db.execute("SELECT count(*) FROM sample_blocks").fetchone()[0] == 0


def test_check_finds_a_corrupted_block(db_path: Path) -> None:
    with Store(db_path, block_s=60.0) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, _counts(10000))
        assert store.check().ok
        # Replace one block's data with a valid block of other samples: only the CRC can tell.
        from rls_monitor.storage import encode_block

        data, _ = encode_block(_counts(3000, 1))
        store.db.execute("UPDATE sample_blocks SET data = ? WHERE first_seq = 3000", [data])
        report = store.check()
        assert not report.ok
        assert any("block at sample 3000" in p and "CRC" in p for p in report.problems)
        assert store.check(deep=False).ok
        with pytest.raises(StorageError, match="block at sample 3000"):
            store.read_samples(night)
        store.db.execute("UPDATE night_devices SET n_samples = 5")
        assert any("blocks end at 10000" in p for p in store.check(deep=False).problems)


def test_scores_round_trip(db_path: Path) -> None:
    result = {
        "rules": "wasm2016",
        "duration_s": 600.0,
        "in_bed_s": 540.0,
        "counts": {"lm": 2, "clm": 2, "plm": 0, "series": 0},
        "indices": {"lm_per_h": 13.3, "plm_per_h": 0.0},
        "movements": [
            {
                "onset_s": 1.0,
                "offset_s": 2.5,
                "duration_s": 1.5,
                "side": "left",
                "clm": True,
                "plm": False,
                "series": 0,
                "peak_mg": 80.0,
            },
            {
                "onset_s": 70.0,
                "offset_s": 71.0,
                "side": "left",
                "clm": True,
                "plm": False,
                "series": 0,
            },
        ],
    }
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.save_score(night, result, minutes=[{"minute": 0, "start_s": 0.0, "in_bed": True}])
        assert store.get_result(night) == result
        rows = store.get_movements(night)
        assert [r["onset_s"] for r in rows] == [1.0, 70.0]
        assert rows[0]["peak_mg"] == 80.0 and rows[1]["peak_mg"] is None
        assert rows[1]["duration_s"] == 1.0
        assert store.get_minutes(night)[0]["in_bed"] is True
        info = store.get_night(night)
        assert (info.lm_count, info.plm_per_h, info.rules) == (2, 0.0, "wasm2016")
        with pytest.raises(ConfigError):
            store.save_score(night, {"rules": "wasm2016"})
        with pytest.raises(StorageError, match="no night 99"):
            store.get_result(99)


def test_list_nights_orders_filters_and_compares(db_path: Path) -> None:
    with Store(db_path) as store:
        ids = {}
        for day, subject in [(3, "A"), (1, "A"), (2, "B"), (4, "A")]:
            ids[day] = store.create_night(
                subject, fs_hz=50.0, lsb_g=2**-12, start_utc=datetime(2026, 11, day, 22, tzinfo=UTC)
            )
        assert [n.id for n in store.list_nights()] == [ids[1], ids[2], ids[3], ids[4]]
        assert [n.id for n in store.list_nights("A")] == [ids[1], ids[3], ids[4]]
        assert [n.id for n in store.list_nights("A", before=ids[4])] == [ids[1], ids[3]]
        assert [n.id for n in store.list_nights(limit=2)] == [ids[3], ids[4]]
        assert store.list_subjects() == ["A", "B"]


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
        store.append_samples(night, 0, _counts(100))
        with Store(db_path, readonly=True) as reader:
            np.testing.assert_array_equal(reader.read_samples(night), _counts(100))
            with pytest.raises(StorageError, match="read-only"):
                reader.mark_interrupted(night)


def test_finishing_compacts_small_blocks(db_path: Path) -> None:
    with Store(db_path, block_s=10.0) as store:  # blocks of 500 samples at 50 Hz
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        seq = 0
        for n in [37] * 40:  # a live session's small appends
            store.append_samples(night, seq, _counts(n, seq))
            seq += n
        store.append_samples(night, seq + 100, _counts(20, seq + 100))  # after a gap
        count = "SELECT count(*) FROM sample_blocks"
        assert store.db.execute(count).fetchone()[0] == 41
        store.finish_night(night)
        assert store.db.execute(count).fetchone()[0] == 3 + 1  # 1480 samples, then the tail
        got = store.read_samples(night)
        np.testing.assert_array_equal(got[:seq], _counts(seq))
        np.testing.assert_array_equal(got[seq + 100 :], _counts(20, seq + 100))
        assert store.check().ok
        assert store.compact_night(night) == 0


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


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunks=st.lists(st.tuples(st.integers(1, 400), st.integers(0, 30)), min_size=1, max_size=12),
    block_s=st.sampled_from([0.5, 2.0, 60.0]),
)
def test_any_chunking_reads_back_the_same_samples(
    tmp_path: Path, chunks: list[tuple[int, int]], block_s: float
) -> None:
    path = tmp_path / f"p{abs(hash((tuple(chunks), block_s)))}.sqlite"
    expected = []
    with Store(path, block_s=block_s, max_blocks_per_transaction=2) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        seq = 0
        for n, gap in chunks:
            seq += gap
            store.append_samples(night, seq, _counts(n, seq))
            expected.append((seq, n))
            seq += n
        for compact in (False, True):
            got = store.read_samples(night)
            assert got.shape == (seq, 3)
            for first, n in expected:
                np.testing.assert_array_equal(got[first : first + n], _counts(n, first))
            assert store.check().ok
            if not compact:
                store.finish_night(night)


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
