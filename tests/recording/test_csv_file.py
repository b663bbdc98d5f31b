"""The plain CSV reader/writer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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


def test_long_gap_is_kept_as_a_gap(tmp_path: Path, rng: np.random.Generator) -> None:
    accel = _lying(400, rng)
    lines = _rows(accel, 50.0).splitlines(keepends=True)
    del lines[100:250]
    rec = read_csv(_write(tmp_path / "g.csv", "".join(lines)))
    assert rec.n_samples == 400
    assert rec.gaps.tolist() == [[100, 250]]
    assert rec.not_recorded_s == pytest.approx(3.0)
    assert rec.metadata["missing_samples"] == "150"
    recorded = rec.recorded_mask()
    assert np.allclose(rec.accel_g[recorded], accel[recorded], atol=1e-6)
    assert np.all(np.isfinite(rec.accel_g))
    back = read_csv(write_csv(rec, tmp_path / "again.csv"))
    assert back.gaps.tolist() == [[100, 250]]
    assert np.array_equal(back.accel_g[recorded], rec.accel_g[recorded])


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


def _rounded_times(n: int, fs_hz: float, offset_s: float, quantum_s: float) -> np.ndarray:
    t = offset_s + np.arange(n) / fs_hz
    return np.round(t / quantum_s) * quantum_s


def _write_times(path: Path, time_s: np.ndarray, accel: np.ndarray, decimals: int = 3) -> Path:
    body = "".join(
        f"{t:.{decimals}f},{a[0]:.6f},{a[1]:.6f},{a[2]:.6f}\n"
        for t, a in zip(time_s, accel, strict=True)
    )
    return _write(path, body)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fs_hz=st.one_of(
        st.sampled_from([25.0, 30.0, 32.0, 50.0, 64.0, 90.0, 100.0, 31.25, 12.5]),
        st.floats(20.0, 100.0).map(lambda f: round(f, 3)),
    ),
    quantum_s=st.sampled_from([0.001, 0.01]),
    offset_s=st.floats(0.0, 5000.0),
    duration_s=st.floats(30.0, 120.0),
)
def test_rate_fit_puts_rounded_times_on_the_right_grid(
    tmp_path: Path, fs_hz: float, quantum_s: float, offset_s: float, duration_s: float
) -> None:
    """Any rate, any rounding of the time column to 1 or 10 ms, any offset: the right grid.

    "Any" up to the point where rounding erases the grid: a rounding of more than 0.45 of a period
    (10 ms above 90 Hz, 100 Hz itself aside) leaves times that fit another rate as well.
    """
    assume(quantum_s * fs_hz <= 0.9 or fs_hz == 100.0)
    n = int(duration_s * fs_hz)
    rng = np.random.default_rng(n)
    accel = _lying(n, rng)
    time_s = _rounded_times(n, fs_hz, offset_s, quantum_s)
    rec = read_csv(_write_times(tmp_path / "r.csv", time_s, accel))
    assert rec.n_samples == n
    assert rec.gaps.size == 0 and "interpolated_samples" not in rec.metadata
    assert abs(rec.fs_hz / fs_hz - 1.0) < 2e-3 * (quantum_s / 0.001) / (n / fs_hz) + 1e-9
    assert np.allclose(rec.accel_g, accel, atol=1e-6)


@pytest.mark.parametrize("fs_hz", [25.0, 30.0, 32.0, 50.0, 64.0, 90.0, 100.0, 31.25])
@pytest.mark.parametrize("quantum_s", [0.001, 0.01])
def test_round_rates_are_recovered_exactly(
    tmp_path: Path, rng: np.random.Generator, fs_hz: float, quantum_s: float
) -> None:
    """A night-long file with ms-rounded times comes back at its nominal rate, not a rounded step."""
    n = int(fs_hz * 600)
    time_s = _rounded_times(n, fs_hz, 0.0, quantum_s)
    rec = read_csv(_write_times(tmp_path / "r.csv", time_s, _lying(n, rng)))
    assert rec.fs_hz == fs_hz and rec.n_samples == n


def test_64_hz_with_15_16_ms_steps(tmp_path: Path, rng: np.random.Generator) -> None:
    """Real gait sets at 64 Hz step 15 or 16 ms (times in whole ms): 64 Hz, not 62.5 Hz."""
    n = 64 * 4200 + 17  # past line 268,481, where the median-step grid of 62.5 Hz used to fail
    time_ms = np.floor(np.arange(n) * 1000.0 / 64.0)
    rec = read_csv(_write_times(tmp_path / "g.csv", time_ms / 1000.0, _lying(n, rng)))
    assert rec.fs_hz == 64.0 and rec.n_samples == n


def test_ten_minute_gap_in_a_rounded_file(tmp_path: Path, rng: np.random.Generator) -> None:
    fs_hz, n = 30.0, 30 * 1800
    time_s = _rounded_times(n, fs_hz, 12.3456, 0.001)
    keep = np.ones(n, bool)
    keep[30 * 300 : 30 * 900] = False
    accel = _lying(n, rng)
    rec = read_csv(_write_times(tmp_path / "g.csv", time_s[keep], accel[keep]))
    assert rec.fs_hz == 30.0 and rec.n_samples == n
    assert rec.gaps.tolist() == [[9000, 27000]]
    assert rec.not_recorded_s == pytest.approx(600.0)
    assert np.allclose(rec.accel_g[keep], accel[keep], atol=1e-6)


def test_nan_rows_are_missing_samples(tmp_path: Path, rng: np.random.Generator) -> None:
    """Empty or NaN values are missing samples: a short run is filled, a long one is a gap."""
    fs_hz, n = 50.0, 50 * 60
    accel = _lying(n, rng).astype(np.float64)
    accel[100:110] = np.nan  # 0.2 s: filled
    accel[1000:1200, 1] = np.nan  # 4 s: a gap
    accel[-5:] = np.nan  # at the end: not part of the recording
    accel[:3] = np.nan  # at the start: the recording starts later
    body = "".join(
        f"{i / fs_hz:.3f},{'' if np.isnan(a[0]) else f'{a[0]:.6f}'},{a[1]:.6f},{a[2]:.6f}\n"
        for i, a in enumerate(accel)
    )
    rec = read_csv(_write(tmp_path / "nan.csv", body, "# start_utc: 2026-11-24T22:30:00Z\n"))
    assert rec.n_samples == n - 8
    assert rec.start_utc == datetime(2026, 11, 24, 22, 30, 0, 60000, tzinfo=UTC)
    assert rec.gaps.tolist() == [[997, 1197]]
    assert rec.metadata["interpolated_samples"] == "10"
    assert rec.metadata["missing_samples"] == str(3 + 10 + 200 + 5)
    assert np.all(np.isfinite(rec.accel_g))


def test_epoch_times_rounded_to_ms(tmp_path: Path, rng: np.random.Generator) -> None:
    t0 = datetime(2026, 11, 24, 22, 30, 0, 123000, tzinfo=UTC).timestamp()
    n = 32 * 900
    time_s = _rounded_times(n, 32.0, t0, 0.001)
    rec = read_csv(_write_times(tmp_path / "e.csv", time_s, _lying(n, rng)))
    assert rec.fs_hz == 32.0 and rec.n_samples == n
    assert rec.start_utc is not None
    assert abs(rec.start_utc.timestamp() - t0) < 1e-3


def test_duplicated_time_is_refused_with_its_line(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 300
    time_s = _rounded_times(n, 30.0, 0.0, 0.001)
    time_s[150] = time_s[149]
    with pytest.raises(RecordingError, match="line 152: timestamps go backwards or repeat"):
        read_csv(_write_times(tmp_path / "d.csv", time_s, _lying(n, rng)))


def test_real_64_hz_gait_file_with_ms_times(tmp_path: Path, shared_data: Path) -> None:
    """Daphnet's ankle channels (64 Hz, times in whole ms, 15/16 ms steps, mg) as a user's CSV:
    read at 64 Hz with every row on its own sample, and about 1 g while standing still."""
    raw = np.loadtxt(shared_data / "ankle_walking" / "daphnet_S01R02.txt")
    path = tmp_path / "daphnet.csv"
    with path.open("w") as fh:
        fh.write("# units: mg\ntime,x,y,z\n")
        np.savetxt(
            fh, np.column_stack([raw[:, 0] / 1000.0, raw[:, 1:4]]), fmt="%.3f", delimiter=","
        )
    rec = read_csv(path)
    assert rec.fs_hz == 64.0
    assert rec.n_samples == raw.shape[0] and rec.gaps.size == 0
    assert rec.duration_s == pytest.approx((raw[-1, 0] - raw[0, 0]) / 1000.0, abs=0.02)
    np.testing.assert_allclose(rec.accel_g, raw[:, 1:4] / 1000.0, atol=1e-6)
    magnitude = np.linalg.norm(rec.accel_g[:640], axis=1)  # the first 10 s, before the walk
    assert float(np.median(magnitude)) == pytest.approx(1.0, abs=0.05)
