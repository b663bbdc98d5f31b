"""GENEActiv .bin reader on the real file, and corrupted copies of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.recording import read_recording
from rls_monitor.recording.geneactiv import read_geneactiv_bin

from .conftest import device_file

NAME = "skdh_gnactv_sample.bin"


def test_real_file() -> None:
    rec, temp = read_geneactiv_bin(device_file(NAME), with_temperature=True)
    assert rec.fs_hz == 50.0
    assert rec.n_samples == 900 and rec.duration_s == pytest.approx(18.0)
    assert rec.device_id == "GENEActiv-051386"
    assert rec.side == "unknown" and rec.metadata["body_location"] == "back"
    # page time 16:16:43.500 in GMT -04:00
    assert rec.start_utc == datetime(2019, 5, 21, 20, 16, 43, 500000, tzinfo=UTC)
    assert rec.metadata["format"] == "geneactiv-bin"
    assert temp.shape == (900,)
    assert np.unique(temp).tolist() == pytest.approx([28.1, 28.2, 29.1])
    mag = np.linalg.norm(rec.accel_g, axis=1)
    assert float(np.median(mag)) == pytest.approx(1.0, abs=0.05)
    assert rec.accel_g.dtype == np.float32


def test_dispatch_by_suffix() -> None:
    rec = read_recording(device_file(NAME))
    assert rec.n_samples == 900


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").split("\n")


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "copy.bin"
    path.write_bytes("\n".join(lines).encode("latin-1"))
    return path


def test_truncated_mid_page(tmp_path: Path) -> None:
    data = device_file(NAME).read_bytes()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: len(data) - 5000])
    with pytest.raises(RecordingError, match="truncated GENEActiv file") as info:
        read_recording(path)
    assert info.value.path == path


def test_truncated_at_a_page_boundary(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    with pytest.raises(RecordingError, match="2 of the 3 pages"):
        read_geneactiv_bin(_write(tmp_path, lines[: 59 + 20]))


def test_data_line_cut_short(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    lines[68] = lines[68][:-7]
    with pytest.raises(RecordingError, match="page 0: data line of 3593"):
        read_geneactiv_bin(_write(tmp_path, lines))


def test_flipped_bytes(tmp_path: Path) -> None:
    data = bytearray(device_file(NAME).read_bytes())
    start = data.index(b"Recorded Data")
    data[len(data) - 200] ^= 0xFF  # in the last page's hexadecimal data
    path = tmp_path / "flipped.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match="not hexadecimal"):
        read_geneactiv_bin(path)
    data = bytearray(device_file(NAME).read_bytes())
    data[start + 2] ^= 0x20  # "Recorded Data" -> "ReCorded Data"
    path.write_bytes(bytes(data))
    with pytest.raises(RecordingError):
        read_geneactiv_bin(path)


def test_out_of_order_page(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    lines[71] = "Sequence Number:5"
    with pytest.raises(RecordingError, match="sequence number 5"):
        read_geneactiv_bin(_write(tmp_path, lines))


def test_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "foreign.bin"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(RecordingError, match="not a GENEActiv"):
        read_geneactiv_bin(path)


def test_missing_calibration(tmp_path: Path) -> None:
    lines = [line for line in _lines(device_file(NAME)) if not line.startswith("y gain")]
    with pytest.raises(RecordingError, match="'y gain'"):
        read_geneactiv_bin(_write(tmp_path, lines))
