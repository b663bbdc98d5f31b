"""Axivity CWA reader on the real AX3 files, and corrupted copies of them."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.recording import read_recording
from rls_monitor.recording.axivity import rate_from_code, read_cwa

from .conftest import device_file

# file, rate (Hz), duration (s, from the README), device id, side
FILES = [
    ("skdh_ax3_sample.cwa", 200.0, 298.0, "AX3-51888", "unknown"),
    ("ggirread_ax3_testfile.cwa", 100.0, 176.0, "AX3-39434", "right"),
]


@pytest.mark.parametrize(("name", "fs_hz", "duration_s", "device", "side"), FILES)
def test_real_file(name: str, fs_hz: float, duration_s: float, device: str, side: str) -> None:
    rec, temp = read_cwa(device_file(name), with_temperature=True)
    assert rec.fs_hz == fs_hz
    assert rec.duration_s == pytest.approx(duration_s, abs=1.5)
    assert rec.accel_g.dtype == np.float32 and rec.accel_g.shape[1] == 3
    assert rec.device_id == device and rec.side == side
    assert rec.start_utc is not None and rec.start_utc.tzinfo is not None
    assert datetime(2015, 1, 1, tzinfo=UTC) < rec.start_utc < datetime(2026, 1, 1, tzinfo=UTC)
    assert rec.metadata["format"] == "axivity-cwa"
    # the true rate of an AX3 is a little off its configured rate
    assert float(rec.metadata["measured_fs_hz"]) == pytest.approx(fs_hz, rel=0.03)
    assert temp.shape == (rec.n_samples,)
    assert 15.0 < float(temp.min()) <= float(temp.max()) < 40.0
    # the still parts read about 1 g (uncalibrated AX3: within 10 %)
    mag = np.linalg.norm(rec.accel_g, axis=1)
    assert 0.9 < float(np.median(mag)) < 1.1
    assert float(np.abs(rec.accel_g).max()) <= 8.0 + 1e-6  # +-8 g range


def test_ggirread_file_metadata_and_start() -> None:
    rec = read_recording(device_file("ggirread_ax3_testfile.cwa"))
    assert rec.metadata["body_location"] == "right wrist"
    assert rec.metadata["subject_code"] == "26"
    assert rec.start_utc is not None
    assert rec.start_utc.replace(microsecond=0) == datetime(2019, 2, 26, 10, 55, 6, tzinfo=UTC)


def test_without_resampling_the_samples_are_as_recorded() -> None:
    path = device_file("skdh_ax3_sample.cwa")
    raw = read_cwa(path, resample=False)
    assert raw.n_samples == 490 * 120  # every block full
    assert raw.metadata["resampled"] == "no"
    resampled = read_cwa(path)
    np.testing.assert_allclose(resampled.accel_g[0], raw.accel_g[0])


def test_rate_codes() -> None:
    assert rate_from_code(74) == (100.0, 8)
    assert rate_from_code(75) == (200.0, 8)
    assert rate_from_code(0x0A | 0xC0) == (100.0, 2)


def _copy(tmp_path: Path, data: bytes, name: str = "copy.cwa") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("cut", "match"),
    [
        (100, "header block is incomplete"),
        (1024 + 512 * 3 + 200, "cut short"),
        (40, "not an Axivity"),
    ],
)
def test_truncated_file(tmp_path: Path, cut: int, match: str) -> None:
    data = device_file("ggirread_ax3_testfile.cwa").read_bytes()
    path = _copy(tmp_path, data[:cut])
    with pytest.raises(RecordingError, match=match) as info:
        read_recording(path)
    assert info.value.path == path


@pytest.mark.parametrize("offset", [1024 + 512 * 7 + 100, 1024 + 512 * 20 + 40, 1024 + 14])
def test_flipped_bytes_fail_the_checksum(tmp_path: Path, offset: int) -> None:
    data = bytearray(device_file("ggirread_ax3_testfile.cwa").read_bytes())
    data[offset] ^= 0x5A
    with pytest.raises(RecordingError, match="bad checksum at block"):
        read_cwa(_copy(tmp_path, bytes(data)))


def test_missing_block_is_reported(tmp_path: Path) -> None:
    data = device_file("ggirread_ax3_testfile.cwa").read_bytes()
    without = data[: 1024 + 512 * 5] + data[1024 + 512 * 6 :]
    with pytest.raises(RecordingError, match="missing data before block 5"):
        read_cwa(_copy(tmp_path, without))


def test_foreign_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not an Axivity"):
        read_cwa(_copy(tmp_path, b"time,x,y,z\n0,0,0,1\n" * 100))
    data = device_file("ggirread_ax3_testfile.cwa").read_bytes()
    with pytest.raises(RecordingError, match="no data blocks"):
        read_cwa(_copy(tmp_path, data[:1024] + b"\xff" * 1024))
    with pytest.raises(RecordingError, match="no such file|cannot read"):
        read_cwa(tmp_path / "absent.cwa")


def test_trailing_erased_blocks_are_ignored(tmp_path: Path) -> None:
    data = device_file("ggirread_ax3_testfile.cwa").read_bytes()
    rec = read_cwa(_copy(tmp_path, data + b"\xff" * 512 * 3), resample=False)
    assert (
        rec.n_samples
        == read_cwa(device_file("ggirread_ax3_testfile.cwa"), resample=False).n_samples
    )


def _block(sequence: int, samples: np.ndarray, *, fmt: int = 0x32, rate: int = 74) -> bytes:
    """A 512-byte CWA data block with 16-bit samples, valid checksum (for a synthetic file)."""
    body = bytearray(512)
    ts = (19 << 26) | (3 << 22) | (4 << 17) | (5 << 12) | (6 << 6) | (7 + sequence)
    struct.pack_into(
        "<HHHIIIHHBBBBhH",
        body,
        0,
        0x5841,
        508,
        0,
        1,
        sequence,
        ts,
        0,
        300,
        0,
        0,
        rate,
        fmt,
        0,
        len(samples),
    )
    raw = np.asarray(samples, dtype="<i2").tobytes()
    body[30 : 30 + len(raw)] = raw
    words = np.frombuffer(bytes(body[:510]), dtype="<u2")
    struct.pack_into("<H", body, 510, (-int(words.sum())) & 0xFFFF)
    return bytes(body)


def test_unpacked_16_bit_samples(tmp_path: Path) -> None:
    header = bytearray(b"\xff" * 1024)
    struct.pack_into("<HHBHIH", header, 0, 0x444D, 1020, 0, 1234, 1, 0xFFFF)
    header[36] = 74
    counts = np.array([[0, 0, 256], [256, -256, 128]] * 40, dtype=np.int16)  # 80 samples
    data = bytes(header) + _block(0, counts) + _block(1, counts)
    rec = read_cwa(_copy(tmp_path, data), resample=False)
    assert rec.n_samples == 160
    np.testing.assert_allclose(rec.accel_g[:2], np.array([[0, 0, 1], [1, -1, 0.5]]))
    assert rec.start_utc == datetime(2019, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert rec.device_id == "AX3-1234"
