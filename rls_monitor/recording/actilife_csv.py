"""Reader of ActiGraph's ActiLife CSV exports (``.csv`` with ActiLife's 10-line header).

The layout, as ActiLife 6 writes it::

    ------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format M/d/yyyy at 30 Hz  Filter Normal -----------
    Serial Number: NEO1F18120387
    Start Time 10:00:00
    Start Date 6/6/2017
    Epoch Period (hh:mm:ss) 00:00:00
    Download Time 15:04:51
    Download Date 6/7/2017
    Current Memory Address: 0
    Current Battery Voltage: 4.21     Mode = 12
    --------------------------------------------------
    Timestamp,Accelerometer X,Accelerometer Y,Accelerometer Z
    6/6/2017 10:00:00.000,0.012,-0.023,0.996

- The first line names the device, the ActiLife and firmware versions, the date format of the
  header and the time stamps (a .NET pattern such as ``M/d/yyyy``, ``d/M/yyyy`` or ``dd.MM.yyyy``,
  following the exporting computer's locale) and the sample rate.
- ``Epoch Period`` is ``00:00:00`` for a raw export (acceleration in g at the device's rate). Any
  other period is an epoch-count export: activity counts summed per epoch, not acceleration, from
  which no leg movement can be scored; it is refused with a message that says so.
- The column header is optional (ActiLife can leave it out), and so is the ``Timestamp`` column. The
  acceleration columns are found by name (``Accelerometer X`` ...), else taken as the last three.
  A locale that writes decimal commas separates fields with ``;``.
- Times are the device's local time; the export does not say its time zone, so the start is taken
  as UTC and ``metadata["time_zone"]`` says so.

A raw export has one row per sample and no holes (ActiLife fills Idle Sleep Mode with the last
sample): the rows are taken as uniform at the stated rate from the header's start. When there are
time stamps, the first must be the header's start and the last must lie where the row count puts
it (within a second); otherwise the file is refused as not one continuous export.

References
----------
ActiGraph, "What does the raw data CSV file look like?" (ActiLife 6 user manual, raw data export);
ActiGraph, ``gt3x`` file format description, https://github.com/actigraph/GT3X-File-Format.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from rls_monitor.errors import RecordingError
from rls_monitor.recording.model import Recording

__all__ = ["is_actilife_csv", "read_actilife_csv"]

log = logging.getLogger(__name__)

_FIRST_LINE_RE = re.compile(r"^-+\s*Data File Created By ActiGraph", re.IGNORECASE)
_HEADER_LINES = 10
_TITLE_RE = re.compile(
    r"ActiGraph\s+(?P<device>\S+)?\s*ActiLife\s+v?(?P<actilife>[\w.]+)\s+Firmware\s+v?(?P<firmware>[\w.]+)"
    r".*?date format\s+(?P<date_format>\S+).*?at\s+(?P<rate>\d+(?:\.\d+)?)\s*Hz",
    re.IGNORECASE,
)


def is_actilife_csv(first_line: str) -> bool:
    """Whether a CSV file's first line is ActiLife's export header.

    Parameters
    ----------
    first_line : str

    Returns
    -------
    bool

    Examples
    --------
    >>> is_actilife_csv("------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 ...")
    True
    >>> is_actilife_csv("time,x,y,z")
    False
    """
    return bool(_FIRST_LINE_RE.match(first_line.lstrip("\ufeff")))


def _strptime_pattern(dotnet: str) -> str:
    """A .NET date pattern (``M/d/yyyy``, ``dd.MM.yyyy``) as a :func:`time.strptime` pattern."""
    out = re.sub(r"y{4}|y{2}", lambda m: "%Y" if len(m.group()) == 4 else "%y", dotnet)
    out = re.sub(r"M{1,2}", "%m", out)
    return re.sub(r"d{1,2}", "%d", out)


def _value(lines: list[str], key: str, path: Path) -> str:
    for line in lines[1:_HEADER_LINES]:
        if line.lower().startswith(key.lower()):
            return line[len(key) :].strip().lstrip(":").strip()
    raise RecordingError(f"the ActiLife CSV header has no {key!r} line", path=path)


def _when(date_text: str, time_text: str, date_pattern: str, path: Path, what: str) -> datetime:
    text = f"{date_text.strip()} {time_text.strip()}"
    for fmt in (f"{date_pattern} %H:%M:%S.%f", f"{date_pattern} %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise RecordingError(
        f"the ActiLife {what} {text!r} does not match the file's date format "
        f"({date_pattern.replace('%', '')})",
        path=path,
    )


def _stamp(text: str, date_pattern: str, path: Path, what: str) -> datetime:
    date_text, _, time_text = text.strip().partition(" ")
    return _when(date_text, time_text, date_pattern, path, what)


def read_actilife_csv(path: str | Path) -> Recording:
    """Read an ActiLife raw CSV export.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8, with or without a byte-order mark).

    Returns
    -------
    Recording
        Acceleration in g (float32, (n, 3)) at the header's rate, ``start_utc`` from the header's
        start date and time (local time, taken as UTC), ``device_id`` ``"ActiGraph-<serial>"`` and
        ``metadata`` (format, device model, ActiLife and firmware versions, battery, download time).

    Raises
    ------
    RecordingError
        If the file is not an ActiLife export, is an epoch-count export, has a malformed header or
        row, or its time stamps disagree with its rows (see the module docstring).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        raise RecordingError("not a text CSV file (cannot decode as UTF-8)", path=path) from exc
    except OSError as exc:
        raise RecordingError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    lines = text.splitlines()
    if not lines or not is_actilife_csv(lines[0]):
        raise RecordingError("not an ActiLife CSV export (no ActiLife header line)", path=path)
    if len(lines) < _HEADER_LINES:
        raise RecordingError(
            f"truncated ActiLife CSV: {len(lines)} of its {_HEADER_LINES} header lines", path=path
        )
    title = _TITLE_RE.search(lines[0])
    if title is None:
        raise RecordingError(
            "the ActiLife header line gives no date format or sample rate", path=path, line=1
        )
    epoch = _value(lines, "Epoch Period (hh:mm:ss)", path)
    if epoch.strip() not in ("00:00:00", "0:00:00"):
        raise RecordingError(
            f"an ActiLife epoch-count export ({epoch} epochs): it holds activity counts per "
            "epoch, not acceleration in g, and leg movements cannot be scored from it; give the "
            ".gt3x file, or export the raw data from ActiLife (a raw CSV has an Epoch Period of "
            "00:00:00)",
            path=path,
            line=5,
        )
    fs_hz = float(title.group("rate"))
    if not 1.0 <= fs_hz <= 1000.0:
        raise RecordingError(f"implausible ActiLife sample rate {fs_hz:g} Hz", path=path, line=1)
    date_pattern = _strptime_pattern(title.group("date_format"))
    start_utc = _when(
        _value(lines, "Start Date", path),
        _value(lines, "Start Time", path),
        date_pattern,
        path,
        "start",
    )
    serial = _value(lines, "Serial Number", path)

    body = lines[_HEADER_LINES:]
    while body and not body[-1].strip():
        body.pop()
    if not body:
        raise RecordingError("the ActiLife CSV export holds no samples", path=path)
    delimiter = ";" if body[0].count(";") > body[0].count(",") else ","
    has_header = bool(re.search(r"[A-Za-z]", body[0]))
    columns = [c.strip().lower() for c in body[0].split(delimiter)] if has_header else []
    rows = body[1:] if has_header else body
    first_row_line = _HEADER_LINES + (2 if has_header else 1)
    if not rows:
        raise RecordingError("the ActiLife CSV export holds no samples", path=path)
    n_fields = len(rows[0].split(delimiter))
    with_time = bool(re.match(r"\s*\d+[/.\-]\d+[/.\-]\d+\s", rows[0]))
    if columns and all(f"accelerometer {a}" in columns for a in "xyz"):
        use = [columns.index(f"accelerometer {a}") for a in "xyz"]
    elif columns and "axis1" in columns:
        raise RecordingError(
            "an ActiLife epoch-count export (Axis1 counts, not acceleration in g); give the "
            ".gt3x file, or export the raw data from ActiLife",
            path=path,
        )
    else:
        start_col = 1 if with_time else 0
        if n_fields - start_col < 3:
            raise RecordingError(
                f"an ActiLife row needs three acceleration values; line {first_row_line} has "
                f"{n_fields - start_col}",
                path=path,
                line=first_row_line,
            )
        use = [start_col, start_col + 1, start_col + 2]
    numeric = "\n".join(rows)
    if delimiter == ";":
        numeric = numeric.replace(",", ".")
    try:
        values = np.loadtxt(
            io.StringIO(numeric),
            delimiter=delimiter,
            usecols=use,
            dtype=np.float64,
            ndmin=2,
        )
    except ValueError as exc:
        line = _bad_line(rows, delimiter, use, n_fields)
        raise RecordingError(
            f"malformed ActiLife row at line {first_row_line + line}",
            path=path,
            line=first_row_line + line,
        ) from exc
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(values), axis=1))[0])
        raise RecordingError(
            f"malformed ActiLife row at line {first_row_line + bad} (not a number)",
            path=path,
            line=first_row_line + bad,
        )
    n = len(values)
    if with_time:
        stamp_col = rows[0].split(delimiter)[0]
        first_t = _stamp(stamp_col, date_pattern, path, "first time stamp")
        last_t = _stamp(rows[-1].split(delimiter)[0], date_pattern, path, "last time stamp")
        if abs((first_t - start_utc).total_seconds()) > 1.0:
            raise RecordingError(
                f"the first time stamp ({stamp_col.strip()}) is not the header's start "
                f"({start_utc:%Y-%m-%d %H:%M:%S})",
                path=path,
                line=first_row_line,
            )
        span_s = (last_t - first_t).total_seconds()
        expected_s = (n - 1) / fs_hz
        if abs(span_s - expected_s) > 1.0:
            raise RecordingError(
                f"the time stamps span {span_s:.1f} s but {n} rows at {fs_hz:g} Hz span "
                f"{expected_s:.1f} s: not one continuous raw export",
                path=path,
            )
    device = title.group("device") or ""
    metadata = {
        "format": "actilife-csv",
        "device_model": device,
        "actilife_version": title.group("actilife"),
        "firmware": title.group("firmware"),
        "date_format": title.group("date_format"),
        "serial_number": serial,
        "time_zone": "not stated in the export (device local time, taken as UTC)",
    }
    for key, name in (("Current Battery Voltage", "battery_v"), ("Download Date", "download_date")):
        try:
            metadata[name] = _value(lines, key, path).split()[0]
        except (RecordingError, IndexError):
            pass
    recording = Recording(
        accel_g=values.astype(np.float32),
        fs_hz=fs_hz,
        start_utc=start_utc,
        device_id=f"ActiGraph-{serial}" if serial else "ActiGraph",
        metadata={k: v for k, v in metadata.items() if v},
    )
    log.debug("read %s: %d samples at %g Hz", path, n, fs_hz)
    return recording


def _bad_line(rows: list[str], delimiter: str, use: list[int], n_fields: int) -> int:
    """Index of the first row :func:`numpy.loadtxt` could not take (for the error message)."""
    for i, row in enumerate(rows):
        fields = row.split(delimiter)
        if len(fields) != n_fields:
            return i
        try:
            [float(fields[k].replace(",", ".")) for k in use]
        except ValueError:
            return i
    return 0
