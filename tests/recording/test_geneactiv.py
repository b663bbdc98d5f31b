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


def test_equals_actfast_sample_for_sample() -> None:
    """actfast (a maintained reader) agrees on the real file; ours is kept for damaged ones."""
    actfast = pytest.importorskip("actfast")
    theirs = actfast.read(str(device_file(NAME)))["timeseries"]["high_frequency"]
    ours = read_geneactiv_bin(device_file(NAME))
    np.testing.assert_allclose(ours.accel_g, np.asarray(theirs["acceleration"]), atol=1e-6)
    # actfast gives the page's local time as it stands; ours applies the file's "GMT -04:00"
    first_ns = int(np.asarray(theirs["datetime"])[0])
    assert ours.start_utc is not None
    assert ours.start_utc.timestamp() - first_ns / 1e9 == 4 * 3600.0


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


def _longer(lines: list[str], n_pages: int) -> list[str]:
    """The real file made ``n_pages`` long: its pages repeated, renumbered and retimed (6 s each)."""
    first = lines.index("Recorded Data")
    head = [
        f"Number of Pages:{n_pages}" if x.startswith("Number of Pages") else x
        for x in lines[:first]
    ]
    pages = [lines[first + 10 * (k % 3) : first + 10 * (k % 3) + 10] for k in range(n_pages)]
    out = list(head)
    for k, page in enumerate(pages):
        page = list(page)
        page[2] = f"Sequence Number:{k}"
        page[3] = (
            f"Page Time:2019-05-21 16:{16 + (43 + 6 * k) // 60:02d}:{(43 + 6 * k) % 60:02d}:500"
        )
        out += page
    return out


def test_a_damaged_first_page_is_skipped(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    lines[68] = lines[68][:-7]  # page 0's data line cut short
    rec = read_geneactiv_bin(_write(tmp_path, lines))
    clean = read_geneactiv_bin(device_file(NAME))
    assert rec.metadata["damaged_pages"] == "1" and len(rec.gaps) == 0
    np.testing.assert_array_equal(rec.accel_g, clean.accel_g[300:])
    assert rec.start_utc == datetime(2019, 5, 21, 20, 16, 50, tzinfo=UTC)  # page 1


def test_damaged_bytes_lose_only_their_page(tmp_path: Path) -> None:
    clean = read_geneactiv_bin(device_file(NAME))
    data = bytearray(device_file(NAME).read_bytes())
    start = data.index(b"Recorded Data")
    data[len(data) - 200] ^= 0xFF  # in the last page's hexadecimal data
    path = tmp_path / "flipped.bin"
    path.write_bytes(bytes(data))
    rec = read_geneactiv_bin(path)
    assert rec.metadata["damaged_pages"] == "1"
    np.testing.assert_array_equal(rec.accel_g, clean.accel_g[:600])
    data = bytearray(device_file(NAME).read_bytes())
    data[start + 2] ^= 0x20  # "Recorded Data" -> "ReCorded Data": page 0 is lost
    path.write_bytes(bytes(data))
    rec = read_geneactiv_bin(path)
    assert rec.metadata["damaged_pages"] == "1"
    np.testing.assert_array_equal(rec.accel_g, clean.accel_g[300:])


@pytest.mark.parametrize("damage", ["bad hex", "cut sector", "lost marker", "page removed"])
def test_a_damaged_page_in_the_middle_is_a_gap(tmp_path: Path, damage: str) -> None:
    lines = _longer(_lines(device_file(NAME)), 7)
    clean = read_geneactiv_bin(_write(tmp_path, lines))
    assert clean.n_samples == 7 * 300 and len(clean.gaps) == 0
    first = lines.index("Recorded Data")
    page3 = first + 30
    if damage == "bad hex":
        lines[page3 + 9] = lines[page3 + 9][:100] + "zz" + lines[page3 + 9][102:]
    elif damage == "cut sector":  # 512 bytes gone from the middle of the page
        text = "\n".join(lines[page3 : page3 + 10])
        cut = text[:300] + text[812:]
        lines[page3 : page3 + 10] = cut.split("\n")
    elif damage == "lost marker":
        lines[page3] = "Recorded Dat"
    else:
        del lines[page3 : page3 + 10]
    rec = read_geneactiv_bin(_write(tmp_path, lines))
    assert rec.metadata["damaged_pages"] == "1"
    assert rec.n_samples == clean.n_samples
    assert rec.gaps.tolist() == [[900, 1200]]
    assert rec.not_recorded_s == pytest.approx(6.0)
    keep = rec.recorded_mask()
    np.testing.assert_array_equal(rec.accel_g[keep], clean.accel_g[keep])
    assert rec.start_utc == clean.start_utc


def test_a_file_with_no_readable_page(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    for k in range(3):
        lines[68 + 10 * k] = "not hex"
    with pytest.raises(RecordingError, match="none of its 3 pages can be read"):
        read_geneactiv_bin(_write(tmp_path, lines))


def test_out_of_order_page(tmp_path: Path) -> None:
    lines = _lines(device_file(NAME))
    lines[71] = "Sequence Number:5"
    with pytest.raises(RecordingError, match="page 2 has sequence number 2 after 5"):
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
