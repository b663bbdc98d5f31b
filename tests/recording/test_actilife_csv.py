"""ActiLife CSV exports: a hand-checked raw export, the real .gt3x exported as ActiLife does, the
localised variants, and the epoch-count export that must be refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.recording import read_recording
from rls_monitor.recording.actigraph import read_gt3x
from rls_monitor.recording.actilife_csv import is_actilife_csv, read_actilife_csv

from .conftest import device_file

GOLDEN = """\
------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal -----------
Serial Number: NEO1F18120387
Start Time 10:00:00
Start Date 6/13/2017
Epoch Period (hh:mm:ss) 00:00:00
Download Time 15:04:51
Download Date 6/14/2017
Current Memory Address: 0
Current Battery Voltage: 4.21     Mode = 12
--------------------------------------------------
Timestamp,Accelerometer X,Accelerometer Y,Accelerometer Z
6/13/2017 10:00:00.000,0.012,-0.023,0.996
6/13/2017 10:00:00.033,0.015,-0.020,1.004
6/13/2017 10:00:00.067,-0.008,0.031,0.988
6/13/2017 10:00:00.100,0.000,0.000,1.000
"""

EPOCH = """\
------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal -----------
Serial Number: NEO1F18120387
Start Time 10:00:00
Start Date 6/13/2017
Epoch Period (hh:mm:ss) 00:01:00
Download Time 15:04:51
Download Date 6/14/2017
Current Memory Address: 0
Current Battery Voltage: 4.21     Mode = 12
--------------------------------------------------
Axis1,Axis2,Axis3,Steps,Lux,Inclinometer Off,Inclinometer Standing,Inclinometer Sitting,Inclinometer Lying
12,30,5,0,0,0,0,60,0
"""


def _write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_first_line_tells_an_actilife_export() -> None:
    assert is_actilife_csv(GOLDEN.splitlines()[0])
    assert is_actilife_csv("\ufeff" + GOLDEN.splitlines()[0])
    assert not is_actilife_csv("time,x,y,z")
    assert not is_actilife_csv("# fs_hz: 50")


def test_a_raw_export_checked_by_hand(tmp_path: Path) -> None:
    rec = read_recording(_write(tmp_path, GOLDEN))
    assert rec.fs_hz == 30.0 and rec.n_samples == 4
    assert rec.start_utc == datetime(2017, 6, 13, 10, 0, 0, tzinfo=UTC)
    assert rec.device_id == "ActiGraph-NEO1F18120387"
    np.testing.assert_array_equal(
        rec.accel_g,
        np.array(
            [[0.012, -0.023, 0.996], [0.015, -0.020, 1.004], [-0.008, 0.031, 0.988], [0, 0, 1]],
            np.float32,
        ),
    )
    meta = rec.metadata
    assert meta["format"] == "actilife-csv" and meta["device_model"] == "GT3X+"
    assert meta["actilife_version"] == "6.13.3" and meta["firmware"] == "2.5.0"
    assert meta["battery_v"] == "4.21" and "taken as UTC" in meta["time_zone"]


def test_an_epoch_count_export_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RecordingError) as info:
        read_recording(_write(tmp_path, EPOCH))
    text = str(info.value)
    assert "epoch-count export (00:01:00 epochs)" in text
    assert "not acceleration in g" in text and "export the raw data" in text
    assert "\n" not in text


def _actilife_text(
    accel: np.ndarray,
    start: datetime,
    fs_hz: float,
    *,
    date_format: str = "M/d/yyyy",
    timestamps: bool = True,
    column_header: bool = True,
    delimiter: str = ",",
    decimal: str = ".",
) -> str:
    """Acceleration written as ActiLife 6 writes a raw export (values to 3 decimals)."""

    def day(t: datetime) -> str:  # .NET's yyyy, MM (zero-padded), M, dd (zero-padded), d
        parts = {"yyyy": f"{t.year}", "MM": f"{t.month:02d}", "M": f"{t.month}"}
        parts |= {"dd": f"{t.day:02d}", "d": f"{t.day}"}
        return re.sub(r"yyyy|MM|M|dd|d", lambda m: parts[m.group()], date_format)

    head = [
        "------------ Data File Created By ActiGraph GT3X ActiLife v6.13.4 Firmware v1.7.1 "
        f"date format {date_format} at {fs_hz:g} Hz  Filter Normal -----------",
        "Serial Number: TAS1F06180456",
        f"Start Time {start:%H:%M:%S}",
        f"Start Date {day(start)}",
        "Epoch Period (hh:mm:ss) 00:00:00",
        "Download Time 12:00:00",
        f"Download Date {day(start + timedelta(days=1))}",
        "Current Memory Address: 0",
        "Current Battery Voltage: 4,16     Mode = 12"
        if decimal == ","
        else "Current Battery Voltage: 4.16     Mode = 12",
        "--------------------------------------------------",
    ]
    names = ["Accelerometer X", "Accelerometer Y", "Accelerometer Z"]
    if timestamps:
        names = ["Timestamp", *names]
    if column_header:
        head.append(delimiter.join(names))
    values = np.char.mod("%.3f", np.round(accel.astype(np.float64), 3))
    if decimal == ",":
        values = np.char.replace(values, ".", ",")
    cols = [values[:, 0], values[:, 1], values[:, 2]]
    if timestamps:
        offsets_ms = np.rint(np.arange(len(accel)) * 1000.0 / fs_hz).astype(np.int64)
        stamps = [
            f"{day(t)} {t:%H:%M:%S}.{t.microsecond // 1000:03d}"
            for t in (start + timedelta(milliseconds=int(ms)) for ms in offsets_ms)
        ]
        cols = [np.array(stamps), *cols]
    rows = cols[0]
    for col in cols[1:]:
        rows = np.char.add(np.char.add(rows, delimiter), col)
    return "\n".join([*head, *rows.tolist()]) + "\n"


@pytest.fixture(scope="module")
def link_hour() -> tuple[np.ndarray, datetime, float]:
    """The first hour of the real 13.6 h ActiGraph Link file (30 Hz)."""
    rec = read_gt3x(device_file("pygt3x_link_13h.gt3x"))
    assert rec.start_utc is not None
    return rec.accel_g[: 3600 * 30], rec.start_utc, rec.fs_hz


@pytest.mark.parametrize(
    "variant",
    [
        {},
        {"date_format": "dd.MM.yyyy", "delimiter": ";", "decimal": ","},
        {"date_format": "d/M/yyyy", "timestamps": False},
        {"date_format": "yyyy-MM-dd", "column_header": False},
    ],
    ids=["us", "german", "uk-no-time-column", "iso-no-header"],
)
def test_the_real_link_file_as_actilife_exports_it(
    tmp_path: Path, link_hour: tuple[np.ndarray, datetime, float], variant: dict[str, object]
) -> None:
    accel, start, fs_hz = link_hour
    path = _write(tmp_path, _actilife_text(accel, start, fs_hz, **variant))  # type: ignore[arg-type]
    rec = read_recording(path)
    assert rec.fs_hz == fs_hz and rec.n_samples == len(accel)
    assert rec.start_utc == start.replace(tzinfo=UTC)
    assert rec.device_id == "ActiGraph-TAS1F06180456"
    np.testing.assert_allclose(rec.accel_g, accel, atol=5e-4 + 1e-6)
    assert rec.duration_s == pytest.approx(3600.0)


def test_time_stamps_that_disagree_with_the_rows_are_refused(tmp_path: Path) -> None:
    lines = GOLDEN.splitlines()
    lines[-1] = "6/13/2017 10:00:05.100,0.000,0.000,1.000"  # 5 s missing before the last row
    with pytest.raises(RecordingError, match="not one continuous raw export"):
        read_actilife_csv(_write(tmp_path, "\n".join(lines)))
    lines = GOLDEN.splitlines()
    lines[11] = "6/13/2017 11:00:00.000,0.012,-0.023,0.996"
    with pytest.raises(RecordingError, match="is not the header's start"):
        read_actilife_csv(_write(tmp_path, "\n".join(lines)))


def test_bad_rows_and_headers_are_one_line(tmp_path: Path) -> None:
    lines = GOLDEN.splitlines()
    lines[13] = "6/13/2017 10:00:00.067,abc,0.031,0.988"
    with pytest.raises(RecordingError, match="malformed ActiLife row at line 14") as info:
        read_actilife_csv(_write(tmp_path, "\n".join(lines)))
    assert info.value.line == 14
    with pytest.raises(RecordingError, match="header lines"):
        read_actilife_csv(_write(tmp_path, "\n".join(GOLDEN.splitlines()[:4])))
    lines = GOLDEN.splitlines()
    lines[3] = "Start Date 13/6/2017"  # not M/d/yyyy
    with pytest.raises(RecordingError, match="does not match the file's date format"):
        read_actilife_csv(_write(tmp_path, "\n".join(lines)))
    with pytest.raises(RecordingError, match="holds no samples"):
        read_actilife_csv(_write(tmp_path, "\n".join(GOLDEN.splitlines()[:11])))
