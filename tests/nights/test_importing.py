"""Importing recordings into the store as scored nights (and reading them back)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.nights.score import load_recordings
from rls_monitor.recording import Recording, write_csv
from rls_monitor.storage import Store
from tests.storage.conftest import needs_detector, simulated_recording, threshold_scorer


def test_import_stores_bit_identical_counts_and_the_score(
    db_path: Path, recording: Recording
) -> None:
    with Store(db_path) as store:
        imported = import_recording(store, recording, subject="P01", scorer=threshold_scorer)
        info = store.get_night(imported.night_id)
        assert info.status == "complete"
        assert info.subject == "P01" and info.devices == ("AA:BB:CC:00:00:01",)
        assert recording.start_utc is not None
        assert info.end_utc == recording.start_utc + timedelta(seconds=recording.duration_s)
        counts, lsb_g, exact = recording.to_counts()
        assert exact and info.lsb_g == lsb_g
        np.testing.assert_array_equal(store.read_samples(imported.night_id), counts)
        rebuilt = load_recordings(store, imported.night_id)[0]
        np.testing.assert_array_equal(rebuilt.accel_g, recording.accel_g)
        expected = threshold_scorer(recording, "wasm2016").to_dict()
        assert store.get_result(imported.night_id) == expected
        assert imported.result.to_dict() == expected
        assert expected["counts"]["plm"] > 10  # the fixture night has a PLM series
        rows = store.get_movements(imported.night_id)
        assert len(rows) == expected["counts"]["lm"]
        assert sum(r["plm"] for r in rows) == info.plm_count == expected["counts"]["plm"]


def test_import_a_csv_file(db_path: Path, tmp_path: Path) -> None:
    rec = simulated_recording(300.0)
    path = write_csv(rec, tmp_path / "night.csv")
    with Store(db_path) as store:
        imported = import_recording(store, path, subject="P02", scorer=threshold_scorer)
        info = store.get_night(imported.night_id)
        assert info.source == "night.csv"
        np.testing.assert_array_equal(store.read_samples(info.id), rec.to_counts()[0])


@needs_detector
def test_import_with_the_real_detector(db_path: Path, recording: Recording) -> None:
    from rls_monitor.scoring import score

    with Store(db_path) as store:
        night = import_recording(store, recording, subject="P01")
        assert store.get_result(night.night_id) == score(recording).to_dict()
        _, changed = rescore_night(store, night.night_id)
        assert not changed


REAL_AX3 = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "device_formats"


@pytest.mark.skipif(
    not (REAL_AX3 / "skdh_ax3_sample.cwa").is_file(),
    reason="real recordings in ../shared/data are absent",
)
def test_import_a_real_ax3_recording(db_path: Path) -> None:
    from rls_monitor.recording import read_recording

    path = REAL_AX3 / "skdh_ax3_sample.cwa"
    rec = read_recording(path)
    with Store(db_path) as store:
        night = import_recording(store, path, subject="AX3", scorer=threshold_scorer)
        info = store.get_night(night.night_id)
        back = load_recordings(store, night.night_id)[0]
        assert store.check().ok
    assert info.fs_hz == rec.fs_hz and info.source == path.name
    assert back.n_samples == rec.n_samples
    # AX3 values are not on a power-of-two grid: stored to within half a count
    err = np.abs(back.accel_g.astype(np.float64) - rec.accel_g.astype(np.float64))
    assert float(err.max()) <= info.lsb_g / 2 + 1e-9


def test_a_file_with_a_long_gap_is_stored_with_its_gap(db_path: Path, tmp_path: Path) -> None:
    """A CSV with ten minutes missing: stored without them, read back with the same gap, scored
    the same as the file itself, and the gap is neither bed time nor stored samples."""
    from rls_monitor.recording import read_csv
    from rls_monitor.scoring import score

    rec = simulated_recording(1800.0, seed=3)
    path = write_csv(rec, tmp_path / "night.csv")
    lines = path.read_text().splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("time,"))
    first, last = header + 1 + int(600 * rec.fs_hz), header + 1 + int(1200 * rec.fs_hz)
    path.write_text("".join(lines[:first] + lines[last:]))
    from_file = read_csv(path)
    assert from_file.gaps.tolist() == [[30000, 60000]]
    with Store(db_path) as store:
        imported = import_recording(store, path, subject="P03")
        night = imported.night_id
        assert store.sample_gaps(night).tolist() == [[30000, 60000]]
        assert store.stored_samples([night])[night] == rec.n_samples - 30000
        back = load_recordings(store, night)[0]
        assert back.gaps.tolist() == [[30000, 60000]]
        counts, lsb_g, _ = from_file.to_counts()
        direct = score(Recording.from_counts(counts, lsb_g, from_file.fs_hz, gaps=from_file.gaps))
        np.testing.assert_array_equal(
            back.accel_g, Recording.from_counts(counts, lsb_g, 50.0, gaps=from_file.gaps).accel_g
        )
        assert np.all(np.isfinite(back.accel_g))
        stored = store.get_result(night)
        assert stored is not None
        assert stored["in_bed_s"] == direct.in_bed_s <= rec.duration_s - 570.0
        assert stored["counts"] == direct.to_dict()["counts"]
        assert stored["posture"]["not_recorded_s"] == 600.0
        again, _ = rescore_night(store, night)
        assert again.to_dict()["counts"] == direct.to_dict()["counts"]
