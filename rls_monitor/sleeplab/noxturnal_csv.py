"""Noxturnal's event export (CSV or text), read as scored events.

What a real export looks like (French Noxturnal, the files published with the rsleep R package's
tests; UTF-16 LE with a byte-order mark, CRLF line ends, a trailing delimiter on every row)::

    Heure de début,Heure de fin,Événement,Durée,
    [],[],[],[s],
    25/07/2018 23:45:40,25/07/2018 23:45:40,Début de l'analyse,0,
    26/07/2018 00:21:35,26/07/2018 00:21:38,MJ,2.722,
    26/07/2018 00:25:14,26/07/2018 00:25:26,Micro-éveil,11.841,
    26/07/2018 01:07:48,26/07/2018 01:08:08,A. Obstructive,20.088,

That is: a header row naming the start, end, event and duration columns in the software's
language; a units row (``[]``, ``[s]``, ``[hh:mm:ss]``: every cell in brackets), skipped; then one
row per event with clock times to the second and the duration to the millisecond. Stages are rows
of their own (``N2``, ``REM``, ``Éveil``), one per 30 s epoch; a vendor's ``PLM`` series rows are
ignored (we score the series from the single leg movements).

Read here, and what was assumed where no public export confirms it:

- Encoding: UTF-16 with a byte-order mark (LE or BE), UTF-8 with or without one, or UTF-16
  without a mark when the text has NUL bytes in every other place. Anything else is refused.
- Delimiter: the one of ``,`` ``;`` and tab found most often in the header row. With ``;`` or a
  tab, a decimal comma in the duration is read as a decimal point (assumed, for locales that
  write ``2,722``).
- Columns, found by name in English, French, German, Spanish, Icelandic and Scandinavian
  (assumed names except the French): start (``Start Time``, ``Heure de début``, ``Startzeit``,
  ``Hora de inicio``, ...), end, event, duration. A start column and an event column are required;
  then an end or a duration column. Units written into a header cell (``Duration [s]``) are
  allowed.
- Times: ``dd/mm/yyyy HH:MM:SS`` (the French export), ``yyyy-mm-dd``, ``dd.mm.yyyy`` and
  ``mm/dd/yyyy`` dates (day-first or month-first is decided for the whole file: the reading that
  parses every date and spans the least time wins, day-first on a tie), optional fractional
  seconds and ``AM``/``PM``; a clock time without a date (a night crosses midnight: a start more
  than 12 h before the one above it is on the next day; an end before its start is on the next
  day); or plain seconds from the recording start.
- Time zero: the export does not say when the recording started, so clock times are counted from
  the earliest start in the file (the ``Analysis start`` / ``Début de l'analyse`` row when there is
  one), given as ``metadata["start_local"]`` (the local clock; no time zone is known, so
  ``start_utc`` stays unset). The recording length is the end of the last event
  (``duration_derived``).
- Onsets are as precise as the clock (1 s in the real exports); an offset is onset + duration when
  the duration column is there (1 ms), else the end clock time.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList
from rls_monitor.sleeplab.collect import LabelledEvent, gather_events
from rls_monitor.sleeplab.export_file import decode_export_text, read_export_bytes
from rls_monitor.sleeplab.labels import EventLabel, label_table, normalise_label

__all__ = ["is_noxturnal_export", "read_noxturnal_csv"]

_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "start": (
        "start time",
        "start",
        "starttime",
        "begin",
        "heure de début",
        "début",
        "startzeit",
        "beginn",
        "anfang",
        "hora de inicio",
        "hora inicio",
        "inicio",
        "upphafstími",
        "upphaf",
        "starttid",
        "starttijd",
        "ora di inizio",
    ),
    "end": (
        "end time",
        "end",
        "stop time",
        "endtime",
        "heure de fin",
        "fin",
        "endzeit",
        "ende",
        "hora de fin",
        "hora final",
        "lokatími",
        "endir",
        "sluttid",
        "eindtijd",
        "ora di fine",
    ),
    "event": (
        "event",
        "event type",
        "events",
        "name",
        "événement",
        "evenement",
        "ereignis",
        "evento",
        "atburður",
        "händelse",
        "hændelse",
        "hendelse",
        "gebeurtenis",
    ),
    "duration": (
        "duration",
        "durée",
        "duree",
        "dauer",
        "duración",
        "duracion",
        "tímalengd",
        "lengd",
        "varaktighet",
        "varighed",
        "varighet",
        "duur",
        "durata",
    ),
}

_TIME = re.compile(
    r"^(?:(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})[ T]+)?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}(?:[.,]\d+)?))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?$"
)
_DATE = re.compile(r"^(\d{1,4})([./-])(\d{1,2})[./-](\d{1,4})$")
_HALF_DAY_S = 12 * 3600.0
_EPOCH = datetime(1970, 1, 1)


def _column_name(cell: str) -> str:
    name = normalise_label(re.sub(r"[\[(][^\])]*[\])]\s*$", "", cell))
    for key, names in _COLUMNS.items():
        if name in names:
            return key
    return ""


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass(frozen=True)
class _Layout:
    header_line: int  # 0-based index into the text's lines
    delimiter: str
    columns: dict[str, int]


def _layout(lines: Sequence[str]) -> _Layout | None:
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        delimiter = _delimiter(line)
        cells = next(csv.reader([line], delimiter=delimiter))
        columns: dict[str, int] = {}
        for j, cell in enumerate(cells):
            key = _column_name(cell)
            if key and key not in columns:
                columns[key] = j
        if "start" in columns and "event" in columns:
            return _Layout(i, delimiter, columns)
        return None
    return None


def is_noxturnal_export(path: str | Path) -> bool:
    """Whether ``path`` looks like a Noxturnal event export (by its header row); never raises."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(8192)
    except OSError:
        return False
    if len(data) % 2 and (data[:2] in (b"\xff\xfe", b"\xfe\xff")):
        data = data[:-1]
    try:
        text, _ = decode_export_text(data, path)
    except RecordingError:
        try:
            text = data.decode("utf-8", errors="ignore")
        except ValueError:
            return False
    return _layout(text.splitlines()[:5]) is not None


@dataclass(frozen=True)
class _Clock:
    date: tuple[str, str, str, str] | None  # (a, separator, b, c) as written
    second_of_day: float


def _parse_clock(text: str) -> _Clock | float | None:
    """A clock time, plain seconds, or None when ``text`` is neither."""
    t = text.strip()
    m = _TIME.match(t)
    if m is None:
        try:
            value = float(t.replace(",", "."))
        except ValueError:
            return None
        return value if math.isfinite(value) else None
    h, mi = int(m["h"]), int(m["m"])
    s = float((m["s"] or "0").replace(",", "."))
    ampm = (m["ampm"] or "").replace(".", "").lower()
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h > 23 or mi > 59 or s >= 61:
        return None
    day = None
    if m["date"]:
        dm = _DATE.match(m["date"])
        if dm is None:
            return None
        day = (dm[1], dm[2], dm[3], dm[4])
    return _Clock(day, h * 3600.0 + mi * 60.0 + s)


def _as_date(parts: tuple[str, str, str, str], order: str) -> date | None:
    a, _, b, c = parts
    try:
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        if order == "dmy":
            return date(int(c), int(b), int(a))
        return date(int(c), int(a), int(b))
    except ValueError:
        return None


def _date_order(all_dates: list[tuple[str, str, str, str]]) -> str:
    """``dmy`` or ``mdy``: the reading that parses every date and spans the least time."""
    best = ("dmy", math.inf)
    for order in ("dmy", "mdy"):
        days = [_as_date(d, order) for d in all_dates]
        if any(d is None for d in days):
            continue
        ok = [d for d in days if d is not None]
        span = (max(ok) - min(ok)).days if ok else 0
        if span < best[1]:
            best = (order, span)
    return best[0] if best[1] < math.inf else ""


def _number(text: str, delimiter: str) -> float:
    t = text.strip()
    if delimiter != ",":
        t = t.replace(",", ".")
    value = float(t)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def read_noxturnal_csv(
    path: str | Path, labels: Mapping[str, EventLabel] | None = None
) -> EventList:
    """Read a Noxturnal event export (see the module docstring for the layout).

    Parameters
    ----------
    path : str or Path
        The ``.csv`` or ``.txt`` export.
    labels : mapping of str to EventLabel, optional
        Labels added to the Noxturnal table.

    Returns
    -------
    EventList
        Times from the earliest start in the file; ``metadata`` has ``start_local`` (when the
        file has dates) or ``clock_start``, ``encoding``, ``delimiter`` and the unknown labels.

    Raises
    ------
    RecordingError
        One line naming the line of the file: not UTF-16 or UTF-8 text, no header with start and
        event columns, no end or duration column, a time or duration that does not read, dates in
        no one day order, times and seconds mixed, an end before its start, no known event.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "events.csv"
    >>> text = "Start Time,End Time,Event,Duration\\n[],[],[],[s]\\n"
    >>> text += "23:59:50,23:59:52,Limb Movement,2.5\\n00:00:20,00:00:50,N2,30\\n"
    >>> _ = p.write_bytes(text.encode("utf-16"))
    >>> ev = read_noxturnal_csv(p)
    >>> ev.onset_s.tolist(), ev.offset_s.tolist(), ev.stages.onset_s.tolist()
    ([0.0], [2.5], [30.0])
    """
    path = Path(path)
    text, encoding = decode_export_text(read_export_bytes(path), path)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise RecordingError("the file is empty", path=path)
    layout = _layout(lines)
    if layout is None:
        raise RecordingError(
            "no Noxturnal header row (a start time and an event column)", path=path, line=1
        )
    cols = layout.columns
    if "end" not in cols and "duration" not in cols:
        raise RecordingError(
            "the header has neither an end time nor a duration column",
            path=path,
            line=layout.header_line + 1,
        )

    # (line, label, start, end, duration) as written
    raw: list[tuple[int, str, _Clock | float, _Clock | float | None, float | None]] = []
    n_cols = max(cols.values()) + 1
    for i in range(layout.header_line + 1, len(lines)):
        row_text = lines[i]
        if not row_text.strip():
            continue
        cells = [c.strip() for c in next(csv.reader([row_text], delimiter=layout.delimiter))]
        filled = [c for c in cells if c]
        if filled and all(c.startswith("[") and c.endswith("]") for c in filled):
            continue  # the units row
        if len(cells) < n_cols:
            raise RecordingError(
                f"{len(cells)} fields, the header needs {n_cols} (a cut line?)",
                path=path,
                line=i + 1,
            )
        label = cells[cols["event"]]
        start = _parse_clock(cells[cols["start"]])
        if start is None:
            raise RecordingError(
                f"start time does not read: {cells[cols['start']]!r}", path=path, line=i + 1
            )
        end: _Clock | float | None = None
        if "end" in cols and cells[cols["end"]]:
            end = _parse_clock(cells[cols["end"]])
            if end is None:
                raise RecordingError(
                    f"end time does not read: {cells[cols['end']]!r}", path=path, line=i + 1
                )
        duration = None
        if "duration" in cols and cells[cols["duration"]]:
            try:
                duration = _number(cells[cols["duration"]], layout.delimiter)
            except ValueError:
                raise RecordingError(
                    f"duration is not a number: {cells[cols['duration']]!r}",
                    path=path,
                    line=i + 1,
                ) from None
            if duration < 0:
                raise RecordingError(f"negative duration: {duration:g}", path=path, line=i + 1)
        if end is None and duration is None:
            raise RecordingError("no end time and no duration", path=path, line=i + 1)
        raw.append((i + 1, label, start, end, duration))
    if not raw:
        raise RecordingError("no event rows after the header", path=path)

    times = [t for _, _, s, e, _ in raw for t in (s, e) if t is not None]
    clocks = [t for t in times if isinstance(t, _Clock)]
    if clocks and len(clocks) != len(times):
        line = next(n for n, _, s, _, _ in raw if not isinstance(s, _Clock))
        raise RecordingError("clock times and plain seconds are mixed", path=path, line=line)
    meta = {
        "encoding": encoding,
        "delimiter": {"\t": "tab"}.get(layout.delimiter, layout.delimiter),
    }

    starts: list[float] = []
    ends: list[float | None] = []
    if clocks:
        dated = [c.date for c in clocks if c.date is not None]
        if dated and len(dated) != len(clocks):
            raise RecordingError("some times have a date and others not", path=path)
        order = _date_order(dated) if dated else ""
        if dated and not order:
            raise RecordingError(
                "the dates read neither day-first nor month-first throughout", path=path
            )
        day = 0
        previous = -math.inf
        base: datetime | None = None
        absolute: list[tuple[float, float | None]] = []
        for line, _, s, e, _ in raw:
            assert isinstance(s, _Clock)
            if s.date is not None:
                d = _as_date(s.date, order)
                assert d is not None
                stamp = datetime(d.year, d.month, d.day) + timedelta(seconds=s.second_of_day)
                base = stamp if base is None else min(base, stamp)
                s_abs = (stamp - _EPOCH).total_seconds()
            else:
                if s.second_of_day < previous - _HALF_DAY_S:
                    day += 1
                previous = s.second_of_day
                s_abs = day * 86400.0 + s.second_of_day
            e_abs = None
            if isinstance(e, _Clock):
                if e.date is not None:
                    d = _as_date(e.date, order)
                    assert d is not None
                    e_day = datetime(d.year, d.month, d.day) + timedelta(seconds=e.second_of_day)
                    e_abs = (e_day - _EPOCH).total_seconds()
                else:
                    e_abs = s_abs - s.second_of_day + e.second_of_day
                    if e_abs < s_abs:
                        e_abs += 86400.0
                if e_abs < s_abs:
                    raise RecordingError("the end is before the start", path=path, line=line)
            absolute.append((s_abs, e_abs))
        t0 = min(a for a, _ in absolute)
        starts = [a - t0 for a, _ in absolute]
        ends = [None if b is None else b - t0 for _, b in absolute]
        if base is not None:
            meta["start_local"] = base.isoformat()
        else:
            first = raw[min(range(len(raw)), key=lambda k: absolute[k][0])][2]
            assert isinstance(first, _Clock)
            meta["clock_start"] = str(timedelta(seconds=round(first.second_of_day, 3)))
    else:
        for line, _, s, e, _ in raw:
            assert not isinstance(s, _Clock) and not isinstance(e, _Clock)
            if s < 0 or (e is not None and e < s):
                raise RecordingError("times must be >= 0 and end after start", path=path, line=line)
            starts.append(float(s))
            ends.append(None if e is None else float(e))

    rows = []
    for (line, label, _, _, duration), onset, end_s in zip(raw, starts, ends, strict=True):
        if duration is None:
            assert end_s is not None
            duration = end_s - onset
        rows.append(LabelledEvent(onset, round(duration, 6), label, where=f"line {line}"))
    table = label_table("noxturnal", labels)
    stage_durations = Counter(
        r.duration_s
        for r in rows
        if r.duration_s and (lab := table.lookup(r.label)) is not None and lab.type == "stage"
    )
    epoch_s = stage_durations.most_common(1)[0][0] if stage_durations else 30.0
    return gather_events(rows, table, path=path, epoch_s=float(epoch_s or 30.0), metadata=meta)
