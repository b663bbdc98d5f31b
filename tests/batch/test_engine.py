"""The batch engine: workers score, one writer stores (rls_monitor/batch/engine.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.batch import BatchProgress, rescore_all, run_batch
from rls_monitor.batch.engine import BatchReport, Failure
from rls_monitor.batch.files import file_sha256
from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.storage import Channel, Store
from tests.batch.conftest import Cohort, make_cohort

_SOURCE_KEYS = {"source_sha256", "source_path"}


def _by_source(store: Store) -> dict[str, int]:
    return {str(n.metadata.get("source_path")): n.id for n in store.list_nights()}


def test_every_readable_file_is_stored_and_the_rest_are_listed(
    cohort: Cohort, tmp_path: Path
) -> None:
    seen: list[BatchProgress] = []
    with Store(tmp_path / "b.sqlite") as store:
        report = run_batch(store, [cohort.root], jobs=1, progress=seen.append)
        assert sorted(Path(p) for p, _ in report.stored) == cohort.good
        assert {Path(f.item): f.reason for f in report.failures}.keys() == cohort.bad.keys()
        for f in report.failures:
            assert "\n" not in f.reason and cohort.bad[Path(f.item)] in f.reason
        assert not report.ok
        nights = store.list_nights()
        assert len(nights) == len(cohort.good) and all(n.status == "complete" for n in nights)
        subjects = {Path(str(n.metadata["source_path"])).stem: n.subject for n in nights}
        assert all(stem == subject for stem, subject in subjects.items())
        assert store.check().ok
    assert seen[0].done == 0 and seen[-1].done == seen[-1].total == len(cohort.good) + 3
    assert seen[-1].stored == len(cohort.good) and seen[-1].failed == 3


def test_a_batch_night_is_the_night_import_makes(cohort: Cohort, tmp_path: Path) -> None:
    with Store(tmp_path / "batch.sqlite") as batch, Store(tmp_path / "one.sqlite") as one:
        run_batch(batch, cohort.good, jobs=1, subject_from="folder")
        by_source = _by_source(batch)
        for path in cohort.good:
            a = by_source[str(path)]
            b = import_recording(one, path, subject=path.parent.name).night_id
            np.testing.assert_array_equal(batch.read_samples(a), one.read_samples(b))
            assert batch.sample_gaps(a).tolist() == one.sample_gaps(b).tolist()
            assert batch.get_result(a) == one.get_result(b)
            assert batch.get_minutes(a) == one.get_minutes(b)
            meta_a = {k: v for k, v in batch.night_metadata(a).items() if k not in _SOURCE_KEYS}
            meta_b = {k: v for k, v in one.night_metadata(b).items() if k not in _SOURCE_KEYS}
            assert meta_a == meta_b
            assert batch.get_night(a).subject == one.get_night(b).subject == path.parent.name


def test_a_second_run_does_only_what_is_left(cohort: Cohort, tmp_path: Path) -> None:
    with Store(tmp_path / "b.sqlite") as store:
        first = run_batch(store, [cohort.good[0]], jobs=1)
        assert len(first.stored) == 1
        again = run_batch(store, [cohort.root], jobs=1)
        assert [Path(p) for p, _ in again.skipped] == [cohort.good[0]]
        assert again.skipped[0][1] == first.stored[0][1]
        assert sorted(Path(p) for p, _ in again.stored) == cohort.good[1:]
        assert len(store.list_nights()) == len(cohort.good)


def test_the_same_content_twice_in_one_run_is_stored_once(cohort: Cohort, tmp_path: Path) -> None:
    copy = cohort.root / "copy_of_first.csv"
    copy.write_bytes(cohort.good[0].read_bytes())
    with Store(tmp_path / "b.sqlite") as store:
        report = run_batch(store, [*cohort.good, copy], jobs=1)
        assert len(report.stored) == len(cohort.good)
        assert report.skipped == [(str(copy.resolve()), None)] or report.skipped == [
            (str(cohort.good[0]), None)
        ]


def test_a_night_left_half_written_by_a_killed_run_is_stored_again(
    cohort: Cohort, tmp_path: Path
) -> None:
    path = cohort.good[0]
    db = tmp_path / "b.sqlite"
    with Store(db) as store:
        # what a writer killed between its first and its last step leaves behind
        night = store.create_night(
            "P01",
            fs_hz=50.0,
            lsb_g=2**-12,
            channels=[Channel()],
            metadata={"source_sha256": file_sha256(path)},
        )
        store.append_samples(night, 0, np.zeros((500, 3), np.int16))
        store.mark_interrupted(night)
        report = run_batch(store, [path], jobs=1)
        assert len(report.stored) == 1
        (stored,) = store.list_nights()
        assert stored.id == report.stored[0][1] and stored.status == "complete"
        assert stored.n_samples > 500 and store.get_result(stored.id) is not None
        assert store.check().ok


def test_a_store_that_cannot_be_written_stops_the_run_and_keeps_what_was_stored(
    cohort: Cohort, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rls_monitor.batch.engine as engine

    real = engine.store_prepared
    calls = {"n": 0}

    def full_disk(store: Store, night: object, subject: str) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise StorageError("database or disk is full", path=store.path)
        return real(store, night, subject)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "store_prepared", full_disk)
    with Store(tmp_path / "b.sqlite") as store:
        with pytest.raises(StorageError, match="disk is full"):
            run_batch(store, cohort.good, jobs=1)
        nights = store.list_nights()
        assert len(nights) == 1 and nights[0].status == "complete"


def test_two_local_workers_store_the_same_nights(cohort: Cohort, tmp_path: Path) -> None:
    with Store(tmp_path / "one.sqlite") as one, Store(tmp_path / "two.sqlite") as two:
        run_batch(one, cohort.good, jobs=1)
        report = run_batch(two, [cohort.root], jobs=2)
        assert len(report.stored) == len(cohort.good) and len(report.failures) == 3
        a, b = _by_source(one), _by_source(two)
        assert a.keys() == b.keys()
        for source, night in a.items():
            assert one.get_result(night) == two.get_result(b[source])
            np.testing.assert_array_equal(one.read_samples(night), two.read_samples(b[source]))


def test_rescore_all_equals_rescoring_each_night(tmp_path: Path) -> None:
    cohort = make_cohort(tmp_path / "c", n_nights=2)
    with Store(tmp_path / "b.sqlite") as store:
        run_batch(store, cohort.good, jobs=1)
        unchanged = rescore_all(store, jobs=1)
        assert len(unchanged.unchanged) == len(cohort.good) and not unchanged.stored
        changed = rescore_all(store, rules="aasm", jobs=2)
        assert len(changed.stored) == len(cohort.good) and changed.ok
        ids = [n.id for n in store.list_nights()]
        results = {i: store.get_result(i) for i in ids}
        for i in ids:
            result, was_changed = rescore_night(store, i, "aasm")
            assert not was_changed and result.to_dict() == results[i]


def test_bad_options(tmp_path: Path) -> None:
    with Store(tmp_path / "b.sqlite") as store:
        with pytest.raises(ConfigError, match="rules"):
            run_batch(store, [tmp_path], rules="x")
        with pytest.raises(ConfigError, match="jobs"):
            run_batch(store, [tmp_path], jobs=0)
        with pytest.raises(ConfigError, match="subject_from"):
            run_batch(store, [tmp_path], subject_from="name")


def test_failure_list_is_csv_a_spreadsheet_cannot_run(tmp_path: Path) -> None:
    report = BatchReport(failures=[Failure("=cmd|' /C calc'!A0.csv", "empty file")])
    path = report.write_failures_csv(tmp_path / "f.csv")
    assert path.read_text().splitlines() == ["item,reason", "'=cmd|' /C calc'!A0.csv,empty file"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.dumps(report.failures[0].reason)


def test_channels_name_the_acceleration_of_edf_files_only(tmp_path: Path) -> None:
    """A PSG folder whose EDF labels the reader does not know: --channels reads them; a CSV
    beside them is read as it is."""
    from rls_monitor.recording import Recording, write_csv
    from tests.recording.edf_writer import still_edf

    root = tmp_path / "psg"
    root.mkdir()
    accel = still_edf(root / "S01.edf", ["Tibia 0", "Tibia 1", "Tibia 2"], duration_s=300, seed=4)
    write_csv(Recording(accel.astype(np.float32), fs_hz=25.0), root / "S02.csv")
    with Store(tmp_path / "without.sqlite") as store:
        plain = run_batch(store, [root], jobs=1)
    assert len(plain.stored) == 1
    (failure,) = plain.failures
    assert failure.item.endswith("S01.edf") and "--channels" in failure.reason
    with Store(tmp_path / "with.sqlite") as store:
        named = run_batch(store, [root], jobs=1, channels=("Tibia 0", "Tibia 1", "Tibia 2"))
        assert len(named.stored) == 2 and not named.failures
        assert {n.source for n in store.list_nights()} >= {"S01.edf", "S02.csv"}
