"""The plain CSV recording format: :func:`read_csv` and :func:`write_csv`.

The format
----------
::

    # fs_hz: 50
    # device: band-0042
    # side: left
    # start_utc: 2026-11-24T22:30:00Z
    time,x,y,z
    0.00,0.012,-0.981,0.104
    0.02,0.013,-0.979,0.101

- Optional leading ``# key: value`` metadata lines. Known keys: ``fs_hz``, ``device``, ``side``
  (``left``/``right``/``unknown``), ``start_utc`` (ISO 8601; a time without a UTC offset is taken as
  UTC), ``units`` (``g``, the default, ``mg`` or ``m/s^2``: values are converted to g). Other keys are
  kept in :attr:`Recording.metadata`.
- A header ``time,x,y,z``; time in seconds, either relative to the start or Unix epoch seconds (values
  above 10^8 are taken as epoch time and give ``start_utc`` when the metadata does not); acceleration in g.

Documented handling of imperfect files:

- an empty file, a file with no header or no data rows: :class:`~rls_monitor.errors.RecordingError`;
- a malformed row (wrong number of fields, text where a number belongs) in the middle of the file:
  an error naming the line; a *last* row cut short (a recording stopped mid-write) is dropped and
  counted in ``metadata["dropped_rows"]``;
- timestamps that go backwards or repeat: an error naming the line;
- the sample rate: ``fs_hz`` from the metadata when given, else a robust fit of time against sample
  index (:func:`fit_rate`), snapped to the nearest round rate (30, 31.25, 64 Hz, ...) when every
  timestamp still lies on its grid. Timestamps rounded to 1 ms or 10 ms (0.000, 0.033, 0.067, ... at
  30 Hz; 15 and 16 ms steps at 64 Hz) are put on the right grid at any rate where the rounding is
  under half a sample period (10 ms up to 90 Hz, and 100 Hz); a fitted rate that disagrees with a
  stated ``fs_hz`` by more than 1 % is an error ("wrong sample rate"). A timestamp may sit up to a
  quarter of a period, or the clock's own rounding, off its grid point;
- gaps: a stretch of missing rows, or of rows with missing values (empty or ``nan``) in x, y or z,
  is missing samples, counted in ``metadata["missing_samples"]``. One of up to ``max_gap_s``
  (default 1 s) is filled by linear interpolation (``metadata["interpolated_samples"]``); a longer
  one is kept as a gap (:attr:`Recording.gaps`: not recorded, not time in bed, shown in the summary
  and the exports); missing samples at the start or the end are not part of the recording (the
  start time moves to the first recorded sample). Timestamps that go backwards or repeat, or two
  that fall on one sample, are an error naming the line;
- units: acceleration whose median magnitude is about 1000 (mg) or about 9.81 (m/s^2) instead of
  about 1 (g) is refused with a :class:`~rls_monitor.errors.UnitsError` that says so and how to fix it
  (add ``# units: mg``).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import RecordingError, UnitsError
from rls_monitor.recording.model import SIDE_ALIASES, Recording, fill_gaps, gap_mask

__all__ = ["fit_rate", "read_csv", "timestamp_quantum_s", "write_csv"]

log = logging.getLogger(__name__)

_EPOCH_THRESHOLD_S = 1e8
_G_M_S2 = 9.80665
_UNITS = {"g": 1.0, "mg": 1e-3, "m/s^2": 1.0 / _G_M_S2, "m/s2": 1.0 / _G_M_S2}

_META_RE = re.compile(r"^#\s*([A-Za-z0-9_./^ -]+?)\s*:\s*(.*?)\s*$")


def read_csv(path: str | Path, *, max_gap_s: float = 1.0) -> Recording:
    """Read a recording in the plain CSV format.

    The format and the handling of imperfect files are described in the module docstring.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    max_gap_s : float
        Longest stretch of missing samples, in seconds, filled by linear interpolation.

    Returns
    -------
    Recording

    Raises
    ------
    RecordingError
        For an empty, malformed or irregular file (the message names the line).
    UnitsError
        When the acceleration is plainly not in g.
    """
    path = Path(path)
    try:
        with path.open("r", encoding="utf-8", newline="") as fh:
            metadata, header_line, n_pre = _read_preamble(fh, path)
        size = path.stat().st_size
        with path.open("rb") as fb:
            fb.seek(max(0, size - 4096))
            tail = fb.read()
    except UnicodeDecodeError as exc:
        raise RecordingError("not a text CSV file (cannot decode as UTF-8)", path=path) from exc
    except OSError as exc:
        raise RecordingError(f"cannot read: {exc.strerror or exc}", path=path) from exc

    columns = [c.strip().lower() for c in header_line.split(",")]
    if columns[:4] != ["time", "x", "y", "z"]:
        raise RecordingError(
            f"header must start with 'time,x,y,z'; got {header_line.strip()!r}",
            path=path,
            line=n_pre,
        )
    n_cols = len(columns)
    first_data_line = n_pre  # line number of the header; data row i is on line n_pre + 1 + i

    # A last row cut short (a recording stopped mid-write) is dropped, not an error.
    max_rows: int | None = None
    dropped = 0
    stripped_tail = tail.rstrip(b"\r\n \t")
    last_line = stripped_tail.rsplit(b"\n", 1)[-1]
    if not tail.endswith(b"\n") and last_line.count(b",") != n_cols - 1:
        with path.open("rb") as fb:
            n_lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fb.read(1 << 20), b""))
        max_rows = n_lines - n_pre
        dropped = 1
        log.info("%s: dropped a last row cut short", path)
        if max_rows <= 0:
            raise RecordingError("no complete data rows after the header", path=path)

    data = _parse_rows(path, n_pre, max_rows, n_cols, first_data_line)
    time_s = data[:, 0]
    accel = data[:, 1:4]

    units = metadata.pop("units", "g").strip().lower()
    if units not in _UNITS:
        raise RecordingError(f"units must be one of {', '.join(_UNITS)}; got {units!r}", path=path)
    accel = accel * _UNITS[units]

    start_utc = _parse_start(metadata.pop("start_utc", None), path)
    if np.isnan(time_s).any():
        first_missing = int(np.flatnonzero(np.isnan(time_s))[0])
        raise RecordingError(
            "missing timestamp", path=path, line=first_data_line + 1 + first_missing
        )
    if time_s[0] > _EPOCH_THRESHOLD_S:
        if start_utc is None:
            start_utc = datetime.fromtimestamp(float(time_s[0]), tz=UTC)
        time_s = time_s - time_s[0]

    fs_text = metadata.pop("fs_hz", None)
    fs_hz = _rate(time_s, fs_text, path, first_data_line)
    accel, gaps, n_filled, n_missing = _regularise(
        time_s, accel, fs_hz, max_gap_s, path, first_data_line
    )
    _check_units(accel[~gap_mask(gaps, accel.shape[0])], path)
    # The recording starts at its first recorded sample and ends at its last one.
    if gaps.size and gaps[-1, 1] == accel.shape[0]:
        accel, gaps = accel[: gaps[-1, 0]], gaps[:-1]
    if gaps.size and gaps[0, 0] == 0:
        first = int(gaps[0, 1])
        accel, gaps = accel[first:], gaps[1:] - first
        if start_utc is not None:
            start_utc += timedelta(seconds=first / fs_hz)

    side = metadata.pop("side", "unknown")
    if side.strip().lower() not in SIDE_ALIASES:
        raise RecordingError(f"side must be left, right or unknown; got {side!r}", path=path)
    device_id = metadata.pop("device", "")
    metadata["format"] = "csv"
    if dropped:
        metadata["dropped_rows"] = str(dropped)
    if n_filled:
        metadata["interpolated_samples"] = str(n_filled)
    if n_missing:
        metadata["missing_samples"] = str(n_missing)
    if gaps.size:
        log.info("%s: %d gaps kept as not recorded", path, len(gaps))
    return Recording(
        accel.astype(np.float32),
        fs_hz,
        start_utc=start_utc,
        device_id=device_id,
        side=side,
        metadata=metadata,
        gaps=gaps,
    )


def _read_preamble(fh: Any, path: Path) -> tuple[dict[str, str], str, int]:
    """Read ``# key: value`` lines and the header; return metadata, header and its line number."""
    metadata: dict[str, str] = {}
    line_no = 0
    for raw in fh:
        line_no += 1
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            match = _META_RE.match(line)
            if match:
                metadata[match.group(1).strip().lower()] = match.group(2)
            continue
        return metadata, line, line_no
    if line_no == 0:
        raise RecordingError("empty file", path=path)
    raise RecordingError("no header line 'time,x,y,z' and no data", path=path)


def _parse_rows(
    path: Path, n_pre: int, max_rows: int | None, n_cols: int, first_line: int
) -> NDArray[np.float64]:
    """Parse data rows: Arrow's C++ CSV parser first, a careful parser for errors.

    pyarrow reads an 8 h, 50 Hz night (70 MB) several times faster than ``numpy.loadtxt``; its float
    parsing rounds correctly, so values round-trip exactly. Any row it will not take (a wrong number
    of fields, text where a number belongs) sends the file to the careful parser, which names the line.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                skip_rows=n_pre, autogenerate_column_names=True, use_threads=False
            ),
            parse_options=pa_csv.ParseOptions(delimiter=","),
            convert_options=pa_csv.ConvertOptions(
                include_columns=[f"f{j}" for j in range(4)],
                column_types={f"f{j}": pa.float64() for j in range(4)},
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, ValueError):
        pass
    else:
        if max_rows is not None:
            table = table.slice(0, max_rows)
        if table.num_rows == 0:
            raise RecordingError("no data rows after the header", path=path)
        data = np.empty((table.num_rows, 4), dtype=np.float64)
        for j in range(4):
            data[:, j] = table.column(j).to_numpy(zero_copy_only=False)
        if not np.isinf(data).any():  # an infinity goes to the careful parser, which names its line
            return data
    with path.open("r", encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines()[n_pre:]
    if max_rows is not None:
        lines = lines[:max_rows]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise RecordingError("no data rows after the header", path=path)
    out = np.empty((len(lines), 4), dtype=np.float64)
    for i, row in enumerate(csv.reader(lines)):
        if len(row) != n_cols:
            raise RecordingError(
                f"expected {n_cols} fields, found {len(row)}", path=path, line=first_line + 1 + i
            )
        for j in range(4):
            cell = row[j].strip()
            if cell == "" or cell.lower() == "nan":
                out[i, j] = np.nan
                continue
            try:
                out[i, j] = float(cell)
            except ValueError:
                raise RecordingError(
                    f"not a number in column {('time', 'x', 'y', 'z')[j]}: {cell!r}",
                    path=path,
                    line=first_line + 1 + i,
                ) from None
            if not math.isfinite(out[i, j]):
                raise RecordingError(
                    f"infinite value in column {('time', 'x', 'y', 'z')[j]}",
                    path=path,
                    line=first_line + 1 + i,
                )
    return out


def _parse_start(text: str | None, path: Path) -> datetime | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise RecordingError(f"start_utc is not an ISO 8601 time: {text!r}", path=path) from None
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def _rate(time_s: NDArray[np.float64], fs_text: str | None, path: Path, first_line: int) -> float:
    """Sample rate from the metadata or from a fit of time against sample index, cross-checked."""
    steps = np.diff(time_s)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        raise RecordingError(
            "timestamps go backwards or repeat", path=path, line=first_line + 2 + int(bad[0])
        )
    fitted = fit_rate(time_s) if steps.size else math.nan
    if fs_text is not None:
        try:
            fs_hz = float(fs_text)
        except ValueError:
            raise RecordingError(f"fs_hz is not a number: {fs_text!r}", path=path) from None
        if not math.isfinite(fs_hz) or fs_hz <= 0:
            raise RecordingError(f"fs_hz must be positive; got {fs_text!r}", path=path)
        if steps.size and abs(fitted / fs_hz - 1.0) > 0.01:
            raise RecordingError(
                f"wrong sample rate: the metadata says {fs_hz:g} Hz but the timestamps are "
                f"{fitted:.4g} Hz",
                path=path,
            )
        return fs_hz
    if not steps.size:
        raise RecordingError("one sample and no fs_hz: the sample rate is unknown", path=path)
    quantum = timestamp_quantum_s(time_s)
    for candidate in _round_rates(fitted):
        if _max_residual(time_s, candidate) <= _tolerance_s(candidate, quantum):
            return candidate
    return fitted


def timestamp_quantum_s(time_s: NDArray[np.float64]) -> float:
    """The resolution the timestamps were rounded to: 1 s, 0.1 s, ..., 1 us, or 0 when finer.

    Parameters
    ----------
    time_s : ndarray of float
        Timestamps, s.

    Returns
    -------
    float
        The coarsest power of ten (down to 1 us) on whose grid every timestamp lies, else 0.
    """
    t = np.asarray(time_s, dtype=np.float64) - float(time_s[0])
    for quantum in (1.0, 0.1, 0.01, 0.001, 1e-4, 1e-5, 1e-6):
        scaled = t / quantum
        if float(np.abs(scaled - np.rint(scaled)).max()) < 1e-3:
            return quantum
    return 0.0


def fit_rate(time_s: NDArray[np.float64]) -> float:
    """The sample rate of increasing timestamps, fitted robustly to time against sample index.

    Timestamps rounded to a millisecond or ten (0.000, 0.033, 0.067, ... at 30 Hz) have steps that
    are themselves rounded, so no single step, nor their median, is the sample period. The fit
    trusts no single step. A first period comes from the mean span of 32 rows (the mean, not the
    median: rounded spans take only a few values, 350 or 360 ms for 32 samples at 90 Hz rounded to
    10 ms, while their mean telescopes to the span of the file). Then every timestamp gets its
    sample index and the period is the pooled least-squares slope of time on index, one intercept
    per stretch between long gaps, refined twice. Where the rounding is finer than half a period
    the index counts each step's samples (so missing samples and short holes are counted, not
    smeared into the slope); where it is coarser (90 Hz rounded to 10 ms) each index comes from
    the time itself over chunks of the file that grow sixteen-fold, each chunk's phase the
    circular mean of its fractional sample positions. Loop-free over samples (NumPy).

    Parameters
    ----------
    time_s : ndarray of float, shape (n,), n >= 2
        Strictly increasing timestamps, s.

    Returns
    -------
    float
        The fitted rate, Hz (not snapped to a round value).
    """
    t = np.asarray(time_s, dtype=np.float64) - float(time_s[0])
    n = t.size
    lag = min(32, n - 1)
    spans = t[lag:] - t[:-lag]
    typical = float(np.median(spans))
    spans = spans[(spans > 0.5 * typical) & (spans < 1.5 * typical)]
    period = float(spans.mean()) / lag
    steps = np.diff(t)
    ratio = steps[steps < 4.0 * period] / period
    exact_steps = ratio.size > 0 and float(np.abs(ratio - np.rint(ratio)).max()) < 0.1
    if exact_steps or timestamp_quantum_s(time_s) < 0.45 * period:
        counted = period
        for max_step in (4.0, 1e3, 1e6):
            k_steps = np.rint(steps / counted)
            breaks = (
                steps > max_step * counted
            )  # a stretch ends: its samples are not counted across
            seg = np.concatenate(([0], np.cumsum(breaks)))
            index = np.concatenate(([0.0], np.cumsum(np.where(breaks, 0.0, k_steps))))
            counted = _pooled_slope(index, t, seg, period)
        # Rounding to 10 ms near 100 Hz (96 Hz: steps of 10 and 20 ms) also reads as 100 Hz with
        # every 25th sample missing. Counting is kept unless more than 1 % of the steps skip one
        # or two samples; then the timestamps are taken as contiguous (the fewest missing samples).
        skips = (k_steps >= 2) & (k_steps <= 3) & ~breaks
        if float(skips.mean()) <= 0.01:
            return 1.0 / counted
    starts = np.flatnonzero(np.diff(t) > 2.5 * period) + 1
    seg_start = np.concatenate(([0], starts))
    seg_of = np.zeros(n, np.int64)
    seg_of[starts] = 1
    seg_of = np.cumsum(seg_of)
    row_in_seg = np.arange(n) - seg_start[seg_of]
    width = 256
    while True:
        _, chunk = np.unique(seg_of * (n // width + 2) + row_in_seg // width, return_inverse=True)
        first = np.flatnonzero(np.diff(np.concatenate(([-1], chunk))) != 0)
        u = (t - t[first][chunk]) / period
        angle = 2.0 * np.pi * u
        phase = np.arctan2(np.bincount(chunk, np.sin(angle)), np.bincount(chunk, np.cos(angle))) / (
            2.0 * np.pi
        )
        period = _pooled_slope(np.rint(u - phase[chunk]), t, chunk, period)
        if width >= n:
            return 1.0 / period
        width *= 16


def _pooled_slope(
    index: NDArray[np.float64], t: NDArray[np.float64], group: NDArray[np.int64], default: float
) -> float:
    """Least-squares slope of ``t`` on ``index`` with one intercept per group."""
    counts = np.bincount(group).astype(np.float64)
    counts[counts == 0] = 1.0
    di = index - (np.bincount(group, index) / counts)[group]
    dt = t - (np.bincount(group, t) / counts)[group]
    sxx = float(np.dot(di, di))
    return float(np.dot(di, dt)) / sxx if sxx > 0 else default


def _round_rates(fs_hz: float) -> list[float]:
    """Round rates within 0.1 % of a fitted one (30, 31.25, 20.375, ...), the nearest first."""
    out: list[float] = []
    for digits in (0, 1, 2, 3):
        candidate = float(round(fs_hz, digits))
        if candidate > 0 and abs(candidate / fs_hz - 1.0) < 1e-3 and candidate not in out:
            out.append(candidate)
    return sorted(out, key=lambda c: abs(c - fs_hz))


def _tolerance_s(fs_hz: float, quantum_s: float) -> float:
    """How far a timestamp may sit from its sample: a quarter period, or the rounding of the clock."""
    period = 1.0 / fs_hz
    return min(max(0.25 * period, 0.55 * quantum_s + 1e-9), 0.49 * period)


def _grid_index(
    time_s: NDArray[np.float64], fs_hz: float
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Sample index of every timestamp on the ``fs_hz`` grid, and each one's distance from it, s.

    The grid's phase is the circular mean of the timestamps' fractional sample positions, so a
    first timestamp that was rounded does not shift the grid.
    """
    u = (time_s - time_s[0]) * fs_hz
    angle = 2.0 * np.pi * u
    phase = float(np.arctan2(np.sin(angle).sum(), np.cos(angle).sum())) / (2.0 * np.pi)
    index = np.rint(u - phase).astype(np.int64)
    residual_s = (u - phase - index) / fs_hz
    index -= index[0]
    return index, residual_s


def _max_residual(time_s: NDArray[np.float64], fs_hz: float) -> float:
    _, residual = _grid_index(time_s, fs_hz)
    return float(np.abs(residual).max()) if residual.size else 0.0


def _regularise(
    time_s: NDArray[np.float64],
    accel: NDArray[np.float64],
    fs_hz: float,
    max_gap_s: float,
    path: Path,
    first_line: int,
) -> tuple[NDArray[np.float64], NDArray[np.int64], int, int]:
    """Put the samples on a uniform grid; fill short holes, keep long ones as gaps.

    Returns the samples on the grid, the gaps (``[start, stop)`` sample indices), the number of
    samples filled by interpolation and the number of samples missing in all (filled or in a gap).
    """
    index, residual = _grid_index(time_s, fs_hz)
    tolerance = _tolerance_s(fs_hz, timestamp_quantum_s(time_s))
    if residual.size and float(np.abs(residual).max()) > tolerance:
        worst = int(np.argmax(np.abs(residual)))
        raise RecordingError(
            f"irregular timestamp ({time_s[worst]:.6g} s is {abs(residual[worst]) * 1e3:.3g} ms "
            f"off the {fs_hz:g} Hz grid)",
            path=path,
            line=first_line + 1 + worst,
        )
    if np.any(np.diff(index) <= 0):
        bad = int(np.flatnonzero(np.diff(index) <= 0)[0])
        raise RecordingError(
            "two timestamps fall on the same sample", path=path, line=first_line + 2 + bad
        )
    n = int(index[-1]) + 1
    no_gaps = np.zeros((0, 2), np.int64)
    if n == len(index) and not np.isnan(accel).any():
        return accel, no_gaps, 0, 0
    grid = np.full((n, 3), np.nan)
    grid[index] = accel
    absent = np.isnan(grid).any(axis=1)
    grid[absent] = np.nan
    edges = np.diff(np.concatenate(([0], absent.view(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if starts.size == absent.size or not (~absent).any():
        raise RecordingError("no acceleration values in the file", path=path)
    max_gap_samples = math.floor(max_gap_s * fs_hz + 1e-9)
    # A hole up to max_gap_s inside the recording is filled; a longer one, or one at either end
    # (nothing to interpolate from), is a gap: not recorded.
    is_gap = ((ends - starts) > max_gap_samples) | (starts == 0) | (ends == n)
    gaps = np.column_stack([starts[is_gap], ends[is_gap]]).astype(np.int64)
    in_gap = gap_mask(gaps, n)
    short = absent & ~in_gap
    good = np.flatnonzero(~absent)
    bad_idx = np.flatnonzero(short)
    for axis in range(3):
        grid[bad_idx, axis] = np.interp(bad_idx, good, grid[good, axis])
    filled = fill_gaps(grid, gaps).astype(np.float64) if gaps.size else grid
    return filled, gaps, int(bad_idx.size), int(absent.sum())


def _check_units(accel: NDArray[np.float64], path: Path) -> None:
    """Refuse acceleration that is plainly in mg or m/s^2 rather than g."""
    magnitude = float(np.median(np.sqrt(np.einsum("ij,ij->i", accel, accel))))
    if 300.0 <= magnitude <= 3000.0:
        raise UnitsError(
            f"acceleration looks like mg, not g (median |a| = {magnitude:.0f}); "
            "add '# units: mg' to the file or divide by 1000",
            path=path,
        )
    if 6.0 <= magnitude <= 14.0:
        raise UnitsError(
            f"acceleration looks like m/s^2, not g (median |a| = {magnitude:.2f}); "
            "add '# units: m/s^2' to the file",
            path=path,
        )
    if not 0.3 <= magnitude <= 3.0:
        raise UnitsError(
            f"implausible acceleration (median |a| = {magnitude:.3g}); expected about 1 g at rest",
            path=path,
        )


def write_csv(recording: Recording, path: str | Path) -> Path:
    """Write a recording in the plain CSV format, exactly readable by :func:`read_csv`.

    Values are written with 9 significant digits, which reproduces float32 exactly.

    Parameters
    ----------
    recording : Recording
        What to write.
    path : str or Path
        Destination file (overwritten).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    RecordingError
        If the file cannot be written.
    """
    path = Path(path)
    lines = [f"# fs_hz: {recording.fs_hz!r}"]
    if recording.device_id:
        lines.append(f"# device: {recording.device_id}")
    lines.append(f"# side: {recording.side}")
    if recording.start_utc is not None:
        lines.append(f"# start_utc: {recording.start_utc.isoformat().replace('+00:00', 'Z')}")
    for key, value in recording.metadata.items():
        if key in {"format", "fs_hz", "device", "side", "start_utc", "units"}:
            continue
        if re.fullmatch(r"[A-Za-z0-9_./^ -]+", key) and "\n" not in str(value):
            lines.append(f"# {key}: {value}")
    lines.append("time,x,y,z")
    data = np.column_stack([recording.time_s(), recording.accel_g.astype(np.float64)])
    # What was not recorded is written as empty values, so reading back gives the same gaps.
    data[~recording.recorded_mask(), 1:] = np.nan
    try:
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines) + "\n")
            if recording.gaps.size:
                text = io.StringIO()
                np.savetxt(text, data, fmt=["%.6f", "%.9g", "%.9g", "%.9g"], delimiter=",")
                fh.write(text.getvalue().replace("nan", ""))
            else:
                np.savetxt(fh, data, fmt=["%.6f", "%.9g", "%.9g", "%.9g"], delimiter=",")
    except OSError as exc:
        raise RecordingError(f"cannot write: {exc.strerror or exc}", path=path) from exc
    return path
