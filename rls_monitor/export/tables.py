"""Night and movement tables: stable, documented columns with units, written as CSV or JSON.

:data:`NIGHT_COLUMNS` and :data:`MOVEMENT_COLUMNS` are the column dictionaries (name, unit,
description); ``docs/exports.md`` lists them and a test keeps the two in step. Column names never
change meaning; new columns are only appended.

Conventions: times inside a night in seconds from the recording start (``_s``); wall-clock times
as ISO 8601, ``*_utc`` in UTC with a ``Z``, ``*_local`` with the local UTC offset, and the zone's
name in ``timezone``; rates per hour in bed (``_per_h``); CSV writes booleans as ``1``/``0`` and
unknown values as an empty cell, JSON as ``true``/``false`` and ``null``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import rls_monitor
from rls_monitor.diary.columns import DIARY_EXPORT_COLUMNS
from rls_monitor.errors import ConfigError, RLSMonitorError
from rls_monitor.export.files import private_output
from rls_monitor.export.pseudonym import Pseudonymiser
from rls_monitor.export.records import NightRecord

__all__ = [
    "EXPORT_FORMAT_VERSION",
    "MOVEMENT_COLUMNS",
    "NIGHT_COLUMNS",
    "Column",
    "csv_text",
    "movement_rows",
    "night_row",
    "night_rows",
    "write_table",
]

EXPORT_FORMAT_VERSION = 1
"""Version of the export layout (the JSON ``format_version`` and the CSV's columns)."""


@dataclass(frozen=True)
class Column:
    """One exported column.

    Attributes
    ----------
    name : str
        Column name (with its unit as a suffix where it has one).
    unit : str
        Unit, ``""`` for counts, labels and flags.
    description : str
        What the value is.
    """

    name: str
    unit: str
    description: str


def _c(name: str, unit: str, description: str) -> Column:
    return Column(name, unit, description)


NIGHT_COLUMNS: tuple[Column, ...] = (
    _c("night_id", "", "Night number in the store"),
    _c("subject", "", "Subject's pseudonymous label (a keyed hash with --pseudonymise)"),
    _c("night_date", "date", "Local date of the night's evening (local start minus 12 h)"),
    _c("start_utc", "ISO 8601 UTC", "Start of the recording"),
    _c("end_utc", "ISO 8601 UTC", "End of the recording"),
    _c("start_local", "ISO 8601 with offset", "Start of the recording, local time"),
    _c("end_local", "ISO 8601 with offset", "End of the recording, local time"),
    _c("timezone", "", "Local time zone (IANA name or UTC offset)"),
    _c("rules", "", "Rule set of every count and index: wasm2016 or aasm"),
    _c("index_per", "", "Denominator of the indices (hour in bed for a band)"),
    _c("duration_s", "s", "Length of the scored recording"),
    _c("in_bed_s", "s", "Time in bed (lying)"),
    _c("in_bed_h", "h", "Time in bed (lying), hours"),
    _c("lm_count", "", "Leg movements (LM)"),
    _c("clm_count", "", "Candidate leg movements (CLM)"),
    _c("nonclm_count", "", "LMs that are not candidates (too long, too many parts)"),
    _c("plm_count", "", "Periodic leg movements (PLM)"),
    _c("series_count", "", "PLM series"),
    _c("lm_per_h", "1/h", "LM index: LM per hour in bed"),
    _c("clm_per_h", "1/h", "CLM per hour in bed"),
    _c("plm_per_h", "1/h", "PLM index: PLM per hour in bed (the primary figure)"),
    _c("series_per_h", "1/h", "PLM series per hour in bed"),
    _c("plm_fraction", "", "PLM / LM (0..1)"),
    _c("periodicity_index", "", "Periodicity index, interval form (Ferri 2006), 0..1"),
    _c("periodicity_interpretable", "flag", "1 when LM/h >= 10 (else the PI means little)"),
    _c("imi_n", "", "Inter-movement intervals (onset to onset) of consecutive LMs"),
    _c("imi_below_10s", "", "IMIs < 10 s"),
    _c("imi_10_to_90s", "", "IMIs 10-90 s"),
    _c("imi_above_90s", "", "IMIs > 90 s"),
    _c("imi_geometric_mean_s", "s", "Geometric mean IMI (exp of mean ln IMI)"),
    _c("imi_log_sd", "ln s", "Standard deviation of ln IMI"),
    _c("imi_median_s", "s", "Median IMI"),
    _c("series_median_length", "", "Median PLMs per series"),
    _c("series_max_length", "", "Longest series, PLMs"),
    _c("lm_median_duration_s", "s", "Median LM duration"),
    _c("plm_median_duration_s", "s", "Median PLM duration"),
    _c("lm_left", "", "LMs of the left leg only (two bands)"),
    _c("lm_right", "", "LMs of the right leg only (two bands)"),
    _c("lm_bilateral", "", "Bilateral LMs (two bands)"),
    _c("plm_left", "", "PLMs of the left leg only (two bands)"),
    _c("plm_right", "", "PLMs of the right leg only (two bands)"),
    _c("plm_bilateral", "", "Bilateral PLMs (two bands)"),
    _c("turnovers", "", "Posture changes in bed (not scored as LM)"),
    _c("device", "", "Band address(es), ';'-separated (keyed hash with --pseudonymise)"),
    _c("side", "", "Leg(s) of the band(s): left, right, both, unknown"),
    _c("fs_hz", "Hz", "Sample rate"),
    _c("calibration", "", "Calibration the score was computed with: none, six-pose, auto, mixed"),
    _c("status", "", "complete, interrupted or recording"),
    _c("completeness_pct", "%", "Samples stored / samples expected between start and end"),
    _c("data_lost_s", "s", "Time of samples missing between start and end"),
    _c("source", "", "Where the night came from: recording or events"),
    _c("software_version", "", "rls-monitor version that scored the night"),
    # the night diary; empty where nothing was recorded
    *(_c(name, unit, description) for name, unit, description in DIARY_EXPORT_COLUMNS),
)

MOVEMENT_COLUMNS: tuple[Column, ...] = (
    _c("night_id", "", "Night number in the store"),
    _c("subject", "", "Subject's pseudonymous label (a keyed hash with --pseudonymise)"),
    _c("night_date", "date", "Local date of the night's evening"),
    _c("rules", "", "Rule set: wasm2016 or aasm"),
    _c("movement", "", "Movement number within the night, from 1, in time order"),
    _c("onset_s", "s", "Onset, from the recording start"),
    _c("offset_s", "s", "Offset, from the recording start"),
    _c("duration_s", "s", "Duration"),
    _c("onset_utc", "ISO 8601 UTC", "Onset, wall clock"),
    _c("onset_local", "ISO 8601 with offset", "Onset, local time"),
    _c("hour", "", "Hour of the recording the onset falls in, from 0 (per-hour table)"),
    _c("side", "", "left, right, bilateral or unknown"),
    _c("n_parts", "", "Monolateral movements merged into this LM"),
    _c("clm", "flag", "1 for a candidate LM"),
    _c("plm", "flag", "1 for a PLM (member of a PLM series)"),
    _c("series_no", "", "PLM series number within the night, from 1 (empty outside series)"),
    _c("imi_s", "s", "Interval from the previous LM's onset (empty for the first)"),
    _c("peak_mg", "mg", "Peak acceleration of the movement"),
    _c("posture", "", "Posture at the onset, when the store has it"),
)

NIGHT_COLUMN_NAMES = tuple(c.name for c in NIGHT_COLUMNS)
MOVEMENT_COLUMN_NAMES = tuple(c.name for c in MOVEMENT_COLUMNS)


def _utc(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _local(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat(timespec="milliseconds")


def _zone_name(rec: NightRecord, start: datetime | None) -> str:
    key = getattr(rec.tz, "key", None)
    if key:
        return str(key)
    offset = start.utcoffset() if start is not None else rec.tz.utcoffset(None)
    if rec.tz is UTC or offset == timedelta(0):
        return "UTC"
    return _offset_text(offset)


def _offset_text(offset: timedelta | None) -> str:
    if offset is None:
        return ""
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class _Clock:
    """Wall-clock times of one night, shifted consistently when pseudonymising.

    The local times keep the UTC offset of the recording's start (a fixed offset), so a shifted
    night never gains or loses an hour at a daylight-saving change.
    """

    def __init__(self, rec: NightRecord, pseudo: Pseudonymiser | None) -> None:
        self.start_local: datetime | None = None
        if rec.start_utc is not None:
            local = rec.start_utc.astimezone(rec.tz)
            fixed = local.astimezone(timezone(local.utcoffset() or timedelta(0)))
            self.start_local = pseudo.shift(fixed) if pseudo is not None else local
        self.tz_name = _zone_name(rec, rec.start_local)
        self.fixed = pseudo is not None

    def local(self, offset_s: float) -> datetime | None:
        if self.start_local is None:
            return None
        when = self.start_local + timedelta(seconds=offset_s)
        if self.fixed:
            return when
        return when.astimezone(self.start_local.tzinfo)


def _get(d: Mapping[str, Any] | None, *keys: str) -> Any:
    cur: Any = d
    for key in keys:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def night_row(rec: NightRecord, pseudo: Pseudonymiser | None = None) -> dict[str, Any]:
    """One row of the night table.

    Parameters
    ----------
    rec : NightRecord
        The night.
    pseudo : Pseudonymiser, optional
        Replace labels and shift dates.

    Returns
    -------
    dict
        Keyed by the names of :data:`NIGHT_COLUMNS`, in that order; ``None`` where unknown.
    """
    r = rec.result
    counts = r.get("counts") or {}
    idx = r.get("indices") or {}
    imi = r.get("imi") or {}
    series = r.get("series") or {}
    sides = r.get("sides") or {}
    clock = _Clock(rec, pseudo)
    duration_s = float(r.get("duration_s") or 0.0)
    in_bed_s = r.get("in_bed_s")
    end_offset_s = (
        (rec.end_utc - rec.start_utc).total_seconds()
        if rec.end_utc is not None and rec.start_utc is not None
        else duration_s
    )
    start_local = clock.local(0.0)
    end_local = clock.local(end_offset_s) if rec.start_utc is not None else None
    completeness = rec.completeness
    lost_s = None
    if completeness is not None and rec.fs_hz:
        lost_s = round(max(0.0, end_offset_s - rec.n_samples / rec.fs_hz), 3)
    subject = pseudo.subject(rec.subject) if pseudo is not None else rec.subject
    devices = [pseudo.device(d) for d in rec.devices] if pseudo is not None else list(rec.devices)
    side_set = {s for s in rec.sides if s}
    side = "both" if {"left", "right"} <= side_set else (rec.sides[0] if rec.sides else None)
    day = None
    if start_local is not None:
        day = (start_local - timedelta(hours=12)).date().isoformat()
    row = {
        "night_id": rec.night_id,
        "subject": subject,
        "night_date": day,
        "start_utc": _utc(start_local),
        "end_utc": _utc(end_local),
        "start_local": _local(start_local),
        "end_local": _local(end_local),
        "timezone": clock.tz_name if start_local is not None else None,
        "rules": r.get("rules"),
        "index_per": idx.get("per"),
        "duration_s": duration_s,
        "in_bed_s": in_bed_s,
        "in_bed_h": None if in_bed_s is None else round(float(in_bed_s) / 3600.0, 3),
        "lm_count": counts.get("lm"),
        "clm_count": counts.get("clm"),
        "nonclm_count": counts.get("nonclm"),
        "plm_count": counts.get("plm"),
        "series_count": counts.get("series"),
        "lm_per_h": idx.get("lm_per_h"),
        "clm_per_h": idx.get("clm_per_h"),
        "plm_per_h": idx.get("plm_per_h"),
        "series_per_h": idx.get("series_per_h"),
        "plm_fraction": idx.get("plm_fraction"),
        "periodicity_index": idx.get("periodicity_index"),
        "periodicity_interpretable": idx.get("periodicity_interpretable"),
        "imi_n": imi.get("n"),
        "imi_below_10s": imi.get("n_below_10s"),
        "imi_10_to_90s": imi.get("n_10_to_90s"),
        "imi_above_90s": imi.get("n_above_90s"),
        "imi_geometric_mean_s": imi.get("geometric_mean_s"),
        "imi_log_sd": imi.get("log_sd"),
        "imi_median_s": imi.get("median_s"),
        "series_median_length": series.get("median_length"),
        "series_max_length": series.get("max_length"),
        "lm_median_duration_s": _get(r.get("durations"), "lm", "median_s"),
        "plm_median_duration_s": _get(r.get("durations"), "plm", "median_s"),
        "lm_left": _get(sides, "left", "lm"),
        "lm_right": _get(sides, "right", "lm"),
        "lm_bilateral": _get(sides, "bilateral", "lm"),
        "plm_left": _get(sides, "left", "plm"),
        "plm_right": _get(sides, "right", "plm"),
        "plm_bilateral": _get(sides, "bilateral", "plm"),
        "turnovers": _get(r.get("posture"), "turnovers"),
        "device": ";".join(devices) if devices else None,
        "side": side,
        "fs_hz": rec.fs_hz,
        "calibration": rec.calibration,
        "status": rec.status,
        "completeness_pct": None if completeness is None else round(100.0 * completeness, 2),
        "data_lost_s": lost_s,
        "source": _get(r.get("source"), "kind"),
        "software_version": _get(r.get("software"), "version"),
    }
    return row


def night_rows(
    records: Iterable[NightRecord], pseudo: Pseudonymiser | None = None
) -> list[dict[str, Any]]:
    """Rows of the night table, one per record (see :func:`night_row`)."""
    return [night_row(rec, pseudo) for rec in records]


def movement_rows(rec: NightRecord, pseudo: Pseudonymiser | None = None) -> list[dict[str, Any]]:
    """Rows of the movement table of one night, in time order.

    Parameters
    ----------
    rec : NightRecord
        The night.
    pseudo : Pseudonymiser, optional
        Replace labels and shift dates.

    Returns
    -------
    list of dict
        Keyed by the names of :data:`MOVEMENT_COLUMNS`, in that order.
    """
    r = rec.result
    clock = _Clock(rec, pseudo)
    subject = pseudo.subject(rec.subject) if pseudo is not None else rec.subject
    start_local = clock.local(0.0)
    day = None if start_local is None else (start_local - timedelta(hours=12)).date().isoformat()
    rules = r.get("rules")
    postures = rec.movement_postures
    out: list[dict[str, Any]] = []
    previous: float | None = None
    for i, m in enumerate(r.get("movements") or []):
        onset_s = float(m["onset_s"])
        local = clock.local(onset_s)
        series = int(m.get("series", -1))
        out.append(
            {
                "night_id": rec.night_id,
                "subject": subject,
                "night_date": day,
                "rules": rules,
                "movement": i + 1,
                "onset_s": m["onset_s"],
                "offset_s": m["offset_s"],
                "duration_s": m.get("duration_s", round(m["offset_s"] - m["onset_s"], 3)),
                "onset_utc": _utc(local),
                "onset_local": _local(local),
                "hour": int(onset_s // 3600.0),
                "side": m.get("side"),
                "n_parts": m.get("n_parts", 1),
                "clm": bool(m.get("clm")),
                "plm": bool(m.get("plm")),
                "series_no": series + 1 if series >= 0 else None,
                "imi_s": None if previous is None else round(onset_s - previous, 3),
                "peak_mg": m.get("peak_mg"),
                "posture": postures[i] if i < len(postures) else m.get("posture"),
            }
        )
        previous = onset_s
    return out


#: First characters that make a spreadsheet read a cell as a formula (or strip it to one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, str):
        return csv_text(value)
    return value


def csv_text(text: str) -> str:
    """A text cell that a spreadsheet cannot take for a formula (CSV injection).

    Text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, which spreadsheets show as text; text that is a plain number (``-3.5``) is
    kept, and numbers are never text here.

    Examples
    --------
    >>> csv_text('=HYPERLINK("http://x")'), csv_text("-3.5"), csv_text("P01")
    ('\'=HYPERLINK("http://x")', '-3.5', 'P01')
    """
    if not text.startswith(FORMULA_PREFIXES):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    path: str | Path,
    fmt: str,
    *,
    table: str,
    pseudonymised: bool = False,
    rules: Sequence[str] = (),
) -> Path:
    """Write rows as CSV or JSON.

    Parameters
    ----------
    rows : iterable of mapping
        Rows keyed by column name.
    columns : sequence of Column
        The columns, in order.
    path : str or Path
        The file to write (``-`` is not accepted here: the CLI handles standard output).
    fmt : {"csv", "json"}
        CSV: a header of column names, one line per row (UTF-8, ``\\n`` line ends). JSON: an
        object with ``format``, ``format_version``, ``table``, ``exported_utc``, ``software``,
        ``pseudonymised``, ``columns`` (name, unit, description) and ``rows`` (list of objects).
    table : str
        ``nights`` or ``movements``.
    pseudonymised : bool
        Recorded in the JSON header.
    rules : sequence of str
        Rule sets present, recorded in the JSON header.

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        Unknown format.
    RLSMonitorError
        The file cannot be written.
    """
    path = Path(path)
    names = [c.name for c in columns]
    if fmt not in ("csv", "json"):
        raise ConfigError(
            f"format must be one of 'csv', 'json', 'edf'; got {fmt!r}",
            name="format",
            value=fmt,
            allowed=("csv", "json", "edf"),
        )
    try:
        with private_output(path):
            _write_table_file(rows, columns, names, path, fmt, table, pseudonymised, rules)
    except OSError as exc:
        raise RLSMonitorError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _write_table_file(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[Column],
    names: list[str],
    path: Path,
    fmt: str,
    table: str,
    pseudonymised: bool,
    rules: Sequence[str],
) -> None:
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            fh.write(table_csv(rows, names))
        return
    doc = {
        "format": "rls-monitor-export",
        "format_version": EXPORT_FORMAT_VERSION,
        "table": table,
        "exported_utc": _utc(datetime.now(UTC)),
        "software": {"name": "rls-monitor", "version": rls_monitor.__version__},
        "pseudonymised": pseudonymised,
        "rules": sorted(set(rules)),
        "columns": [
            {"name": c.name, "unit": c.unit, "description": c.description} for c in columns
        ],
        "rows": [{k: _json_value(row.get(k)) for k in names} for row in rows],
    }
    with path.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
        fh.write("\n")


def table_csv(rows: Iterable[Mapping[str, Any]], names: Sequence[str]) -> str:
    """Rows as CSV text with a header line (see :func:`write_table`)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([_csv_value(row.get(k)) for k in names] for row in rows)
    return buf.getvalue()
