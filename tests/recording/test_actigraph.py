"""ActiGraph .gt3x (rls_monitor/recording/actigraph.py) against ActiGraph's own reader pygt3x
(GPL-3: a test-time reference only, never imported by the package)."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.recording import read_recording

LINK = "device_formats/pygt3x_link_13h.gt3x"


@pytest.fixture(scope="module")
def link_file() -> Path:
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / LINK
    if not path.is_file():
        pytest.skip(f"real recordings not available: {path} is absent (a user's own clone)")
    return path


def test_the_13_hour_link_file_equals_pygt3x_sample_for_sample(link_file: Path) -> None:
    pygt3x_reader = pytest.importorskip("pygt3x.reader")
    rec = read_recording(link_file)
    with pygt3x_reader.FileReader(str(link_file)) as reader:
        frame = reader.to_pandas(calibrate=False)  # counts: the file's scale is 256 per g
    assert rec.fs_hz == 30.0
    assert rec.n_samples == len(frame) == 1_467_810
    theirs = frame[["X", "Y", "Z"]].to_numpy(dtype=np.float64) / 256.0
    assert float(np.abs(rec.accel_g - theirs).max()) < 1e-6
    first = datetime.fromtimestamp(float(frame.index[0]), tz=UTC)
    assert rec.start_utc is not None and abs((rec.start_utc - first).total_seconds()) < 1e-3
    # Idle Sleep Mode: the seconds pygt3x flags are the ones held at the last sample
    idle = frame["IdleSleepMode"].to_numpy(dtype=bool)
    assert round(float(rec.metadata["idle_sleep_s"]) * rec.fs_hz) == int(idle.sum())
    assert rec.gaps.size == 0
    assert rec.duration_s == pytest.approx(13.6 * 3600, rel=0.01)
    # a still device reads about 1 g
    still = np.linalg.norm(rec.accel_g[idle], axis=1)
    assert float(np.median(still)) == pytest.approx(1.0, abs=0.05)


def test_bad_copies_get_one_line(link_file: Path, tmp_path: Path) -> None:
    data = link_file.read_bytes()
    cut = tmp_path / "cut.gt3x"
    cut.write_bytes(data[: len(data) // 2])
    not_zip = tmp_path / "text.gt3x"
    not_zip.write_text("hello")
    no_log = tmp_path / "nolog.gt3x"
    with zipfile.ZipFile(link_file) as src, zipfile.ZipFile(no_log, "w") as dst:
        dst.writestr("info.txt", src.read("info.txt"))
    for path in (cut, not_zip, no_log):
        with pytest.raises(RecordingError) as info:
            read_recording(path)
        assert "\n" not in str(info.value) and str(path) in str(info.value)


# ActiGraph's own unit test of the NHANES layout (NHANES-GT3X-File-Format, MIT licence,
# LibraryTests.ValidZipFileSampleActivityParses): three 36-bit samples (12-bit Y, X, Z) in 14
# bytes, at 30 Hz with a scale of 341 counts per g, and the values ActiGraph's reader gives.
NHANES_BYTES = bytes.fromhex("006008EBD007009EBF007008EBF0")
NHANES_INFO = """Serial Number: NEO1C16110020
Firmware: 2.2.0
Battery Voltage: 4.25
Sample Rate: 30
Start Date: 634556532600000000
Stop Date: 0
Download Date: 634570285571111563
Board Revision: 2
Subject Name: john doe
"""
NHANES_EXPECTED_G = [(0.023, 0.018, -0.947), (0.026, 0.021, -0.941), (0.023, 0.021, -0.941)]


def _nhanes_file(path: Path, activity: bytes = NHANES_BYTES, info: str = NHANES_INFO) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("activity.bin", activity)
        z.writestr("lux.bin", b"")
        z.writestr("info.txt", info)
    return path


def test_the_nhanes_layout_gives_actigraphs_published_values(tmp_path: Path) -> None:
    rec = read_recording(_nhanes_file(tmp_path / "nhanes.gt3x"))
    assert rec.fs_hz == 30.0 and rec.n_samples == 3
    np.testing.assert_array_equal(np.round(rec.accel_g.astype(np.float64), 3), NHANES_EXPECTED_G)
    assert rec.metadata["layout"] == "activity.bin (NHANES)"
    assert rec.metadata["scale_counts_per_g"] == "341"
    # Start Date in .NET ticks (100 ns since 0001-01-01), local time with no zone stated
    assert rec.start_utc == datetime(2011, 10, 31, 10, 21, tzinfo=UTC)
    assert rec.device_id == "NEO1C16110020"


def test_bad_nhanes_copies_get_one_line(tmp_path: Path) -> None:
    no_rate = NHANES_INFO.replace("Sample Rate: 30\n", "")
    for k, path in enumerate(
        [
            _nhanes_file(tmp_path / "norate.gt3x", info=no_rate),
            _nhanes_file(tmp_path / "nostart.gt3x", info=NHANES_INFO.replace("Start Date", "X")),
            _nhanes_file(tmp_path / "empty.gt3x", activity=b""),
        ]
    ):
        with pytest.raises(RecordingError) as info:
            read_recording(path)
        assert "\n" not in str(info.value), k
