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


@pytest.mark.parametrize("name", [f[0] for f in FILES])
def test_equals_actfast_sample_for_sample(name: str) -> None:
    """actfast (a maintained reader) agrees on every real file; ours is kept for damaged ones."""
    actfast = pytest.importorskip("actfast")
    path = device_file(name)
    theirs = actfast.read(str(path))["timeseries"]["high_frequency"]
    ours = read_cwa(path, resample=False)
    np.testing.assert_array_equal(ours.accel_g, np.asarray(theirs["acceleration"], np.float32))
    first_ns = int(np.asarray(theirs["datetime"])[0])
    assert ours.start_utc is not None
    assert abs(ours.start_utc.timestamp() - first_ns / 1e9) < 1e-5
    # the rate measured from the block times: the same as actfast's per-sample times give
    times_s = np.asarray(theirs["datetime"], np.float64) / 1e9
    their_fs = (len(times_s) - 1) / (times_s[-1] - times_s[0])
    assert float(ours.metadata["measured_fs_hz"]) == pytest.approx(their_fs, rel=2e-3)


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


GGIR_FILE = "ggirread_ax3_testfile.cwa"  # 145 blocks of 120 packed samples at 100 Hz
BLOCK_SAMPLES = 120


def _damaged(tmp_path: Path, edit: str, block: int) -> Path:
    """A copy of the GGIR file with one data block damaged as real files are."""
    data = bytearray(device_file(GGIR_FILE).read_bytes())
    at = 1024 + 512 * block
    if edit == "flipped byte":
        data[at + 100] ^= 0x5A
    elif edit == "zeroed sector":
        data[at : at + 512] = bytes(512)
    elif edit == "foreign block":
        data[at : at + 2] = b"XX"
    elif edit == "cut sector":
        del data[at : at + 512]
    return _copy(tmp_path, bytes(data))


@pytest.mark.parametrize("edit", ["flipped byte", "zeroed sector", "foreign block", "cut sector"])
@pytest.mark.parametrize("block", [7, 100])
def test_a_damaged_block_becomes_a_gap_and_the_rest_is_read(
    tmp_path: Path, edit: str, block: int
) -> None:
    path = _damaged(tmp_path, edit, block)
    clean = read_cwa(device_file(GGIR_FILE), resample=False)
    rec = read_cwa(path, resample=False)
    assert rec.metadata["damaged_blocks"] == ("0" if edit == "cut sector" else "1")
    assert rec.metadata["holes"] == "1"
    # as recorded: the block's samples are placeholders, every other sample is the clean file's
    assert rec.n_samples == clean.n_samples
    assert rec.gaps.tolist() == [[block * BLOCK_SAMPLES, (block + 1) * BLOCK_SAMPLES]]
    recorded = rec.recorded_mask()
    np.testing.assert_array_equal(rec.accel_g[recorded], clean.accel_g[recorded])
    assert np.all(np.isfinite(rec.accel_g))
    # on the uniform grid: the gap covers the block's 1.2 s, the rest matches the clean grid
    grid = read_cwa(path)
    clean_grid = read_cwa(device_file(GGIR_FILE))
    assert grid.start_utc == clean_grid.start_utc
    assert abs(grid.n_samples - clean_grid.n_samples) <= 1
    assert len(grid.gaps) == 1
    assert grid.not_recorded_s == pytest.approx(BLOCK_SAMPLES / 98.86, abs=0.03)
    both = grid.recorded_mask()[: clean_grid.n_samples]
    np.testing.assert_allclose(
        grid.accel_g[: clean_grid.n_samples][both], clean_grid.accel_g[both], atol=1e-2
    )
    # through the public reader and the scorer, the gap is not counted as time in bed
    assert read_recording(path).not_recorded_s == grid.not_recorded_s


def test_a_damaged_first_or_last_block_is_dropped_without_a_gap(tmp_path: Path) -> None:
    clean = read_cwa(device_file(GGIR_FILE), resample=False)
    head = read_cwa(_damaged(tmp_path, "flipped byte", 0), resample=False)
    assert head.metadata["damaged_blocks"] == "1" and len(head.gaps) == 0
    np.testing.assert_array_equal(head.accel_g, clean.accel_g[BLOCK_SAMPLES:])
    assert head.start_utc is not None and clean.start_utc is not None
    assert (head.start_utc - clean.start_utc).total_seconds() == pytest.approx(1.21, abs=0.02)
    tail = read_cwa(_damaged(tmp_path, "flipped byte", 144), resample=False)
    assert tail.metadata["damaged_blocks"] == "1" and len(tail.gaps) == 0
    np.testing.assert_array_equal(tail.accel_g, clean.accel_g[:-BLOCK_SAMPLES])


def test_several_damaged_blocks_in_a_row_are_one_gap(tmp_path: Path) -> None:
    data = bytearray(device_file(GGIR_FILE).read_bytes())
    for block in (50, 51, 52):
        data[1024 + 512 * block + 300] ^= 0xFF
    rec = read_cwa(_copy(tmp_path, bytes(data)), resample=False)
    assert rec.metadata["damaged_blocks"] == "3"
    assert rec.gaps.tolist() == [[50 * BLOCK_SAMPLES, 53 * BLOCK_SAMPLES]]


def test_a_file_with_no_sound_block_is_refused(tmp_path: Path) -> None:
    data = bytearray(device_file(GGIR_FILE).read_bytes())
    for block in range(145):
        data[1024 + 512 * block + 40] ^= 0x01
    with pytest.raises(RecordingError, match="none of its 145 data blocks passes its checksum"):
        read_cwa(_copy(tmp_path, bytes(data)))


def test_sequence_numbers_that_go_backwards_are_refused(tmp_path: Path) -> None:
    data = device_file(GGIR_FILE).read_bytes()
    blocks = [data[1024 + 512 * k : 1024 + 512 * (k + 1)] for k in range(145)]
    swapped = data[:1024] + b"".join([*blocks[:5], blocks[6], blocks[5], *blocks[7:]])
    with pytest.raises(RecordingError, match="sequence numbers go backwards at block 6"):
        read_cwa(_copy(tmp_path, swapped))


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
