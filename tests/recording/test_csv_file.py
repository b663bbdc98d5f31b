"""The plain CSV reader/writer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError, UnitsError
from rls_monitor.recording import Recording, read_csv, read_recording, write_csv


def _lying(n: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array([0.05, -0.2, 0.97])
    return (base + rng.normal(0, 0.005, (n, 3))).astype(np.float32)


def _write(path: Path, body: str, meta: str = "") -> Path:
    path.write_text(meta + "time,x,y,z\n" + body)
    return path


def _rows(accel: np.ndarray, fs_hz: float, t0: float = 0.0) -> str:
    return "".join(
        f"{t0 + i / fs_hz:.6f},{a[0]:.6f},{a[1]:.6f},{a[2]:.6f}\n" for i, a in enumerate(accel)
    )


def test_round_trip_is_exact(tmp_path: Path, rng: np.random.Generator) -> None:
    counts = rng.integers(-6000, 6000, (2000, 3)).astype(np.int16)
    start = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    rec = Recording.from_counts(counts, 2**-12, 50.0, start_utc=start, device_id="b1", side="left")
    back = read_recording(write_csv(rec, tmp_path / "n.csv"))
    assert np.array_equal(back.accel_g, rec.accel_g)
    assert back.fs_hz == 50.0 and back.start_utc == start
    assert back.device_id == "b1" and back.side == "left"
    again, lsb_g, exact = back.to_counts()
    assert exact and lsb_g == 2**-12 and np.array_equal(again, counts)


def test_metadata_and_relative_time(tmp_path: Path, rng: np.random.Generator) -> None:
    meta = "# fs_hz: 25\n# device: band-7\n# side: R\n# start_utc: 2026-01-02T03:04:05\n# note: x\n"
    rec = read_csv(_write(tmp_path / "a.csv", _rows(_lying(100, rng), 25.0), meta))
    assert rec.fs_hz == 25.0 and rec.n_samples == 100 and rec.duration_s == 4.0
    assert rec.side == "right" and rec.device_id == "band-7"
    assert rec.start_utc == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert rec.metadata["note"] == "x"


def test_epoch_time_gives_start(tmp_path: Path, rng: np.random.Generator) -> None:
    rec = read_csv(_write(tmp_path / "e.csv", _rows(_lying(200, rng), 50.0, t0=1764000000.0)))
    assert rec.fs_hz == 50.0
    assert rec.start_utc == datetime.fromtimestamp(1764000000.0, tz=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "no data rows"),
        ("0,0,0,1\n0.02,0,0\n0.04,0,0,1\n", "line 3"),
        ("0,0,0,1\n0.02,0,zero,1\n0.04,0,0,1\n", "not a number in column y"),
        ("0,0,0,1\n0.02,0,0,1\n0.01,0,0,1\n", "backwards"),
    ],
)
def test_malformed_files(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(RecordingError, match=message):
        read_csv(_write(tmp_path / "bad.csv", body))


def test_empty_file_and_bad_header(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(RecordingError, match="empty file"):
        read_csv(tmp_path / "empty.csv")
    (tmp_path / "hdr.csv").write_text("t,a,b,c\n0,0,0,1\n")
    with pytest.raises(RecordingError, match="header must start"):
        read_csv(tmp_path / "hdr.csv")


def test_truncated_last_row_is_dropped(tmp_path: Path, rng: np.random.Generator) -> None:
    path = tmp_path / "cut.csv"
    path.write_text("time,x,y,z\n" + _rows(_lying(50, rng), 50.0) + "1.000000,0.01")
    rec = read_csv(path)
    assert rec.n_samples == 50 and rec.metadata["dropped_rows"] == "1"


def test_wrong_sample_rate_is_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    path = _write(tmp_path / "r.csv", _rows(_lying(100, rng), 25.0), "# fs_hz: 50\n")
    with pytest.raises(RecordingError, match="wrong sample rate.*50 Hz.*25 Hz"):
        read_csv(path)


def test_short_gaps_and_nans_are_filled(tmp_path: Path, rng: np.random.Generator) -> None:
    accel = _lying(100, rng)
    lines = _rows(accel, 50.0).splitlines(keepends=True)
    del lines[10:15]  # 0.1 s of samples missing
    lines[40] = "0.900000,nan,0.1,0.9\n"
    lines[41] = "0.920000,,0.1,0.9\n"
    rec = read_csv(_write(tmp_path / "g.csv", "".join(lines)))
    assert rec.n_samples == 100
    assert rec.metadata["interpolated_samples"] == "7"
    assert np.all(np.isfinite(rec.accel_g))


def test_long_gap_is_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    lines = _rows(_lying(400, rng), 50.0).splitlines(keepends=True)
    del lines[100:250]
    with pytest.raises(RecordingError, match=r"gap of 3 s at 2\.000 s"):
        read_csv(_write(tmp_path / "g.csv", "".join(lines)))


def test_irregular_timestamp_is_refused(tmp_path: Path, rng: np.random.Generator) -> None:
    lines = _rows(_lying(100, rng), 50.0).splitlines(keepends=True)
    lines[20] = "0.413000" + lines[20][8:]
    with pytest.raises(RecordingError, match="line 22: irregular timestamp"):
        read_csv(_write(tmp_path / "j.csv", "".join(lines)))


def test_small_jitter_is_accepted(tmp_path: Path, rng: np.random.Generator) -> None:
    lines = _rows(_lying(100, rng), 50.0).splitlines(keepends=True)
    lines[20] = "0.404000" + lines[20][8:]
    assert read_csv(_write(tmp_path / "j.csv", "".join(lines))).n_samples == 100


@pytest.mark.parametrize(("factor", "unit"), [(1000.0, "mg"), (9.80665, "m/s\\^2")])
def test_wrong_units_are_detected(
    tmp_path: Path, rng: np.random.Generator, factor: float, unit: str
) -> None:
    path = _write(tmp_path / "u.csv", _rows(_lying(100, rng) * factor, 50.0))
    with pytest.raises(UnitsError, match=f"looks like {unit}"):
        read_csv(path)


def test_units_metadata_converts(tmp_path: Path, rng: np.random.Generator) -> None:
    accel = _lying(100, rng)
    rec = read_csv(_write(tmp_path / "mg.csv", _rows(accel * 1000, 50.0), "# units: mg\n"))
    assert np.allclose(rec.accel_g, accel, atol=1e-6)


def test_binary_garbage_is_a_recording_error(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(bytes(range(256)) * 4)
    with pytest.raises(RecordingError):
        read_csv(tmp_path / "b.csv")
