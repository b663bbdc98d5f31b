"""Event lists: leg movements scored elsewhere (e.g. exported from PSG software), to rescore.

The same rule engine that scores the band's recordings scores an :class:`EventList`, so a sleep
laboratory can rescore the LMs of its polysomnography software by the WASM 2016 (or AASM) series
rules, with sleep stages (PLMS / PLMW indices), respiratory events (respiratory-related CLMs) and
arousals (arousal-associated LMs) when it has them.

The event-list CSV format (``docs/scoring.md`` has the full description)::

    # duration_s: 28800
    # start_utc: 2026-11-24T22:30:00Z
    # epoch_s: 30
    type,onset_s,offset_s,side,stage
    stage,0,,,W
    stage,30,,,N1
    lm,42.10,43.90,left,
    lm,61.35,63.00,right,
    arousal,62.0,66.5,,
    hypopnea,100.0,118.0,,

- Optional ``# key: value`` lines before the header: ``duration_s`` (recording length, s; without
  it the length is taken as the end of the last event and the result says so), ``start_utc``
  (ISO 8601, a time without offset is UTC), ``epoch_s`` (stage epoch length, default 30); other
  keys are kept in :attr:`EventList.metadata`. Other ``#`` lines are comments; blank lines are
  skipped.
- A header naming at least ``onset_s``; ``offset_s`` (or ``duration_s``) is needed for every row
  that is not a stage. Optional columns: ``type`` (default ``lm``), ``side`` (``left``/``right``,
  ``l``/``r``, empty for unknown), ``stage``. Other columns are ignored. The delimiter is a comma
  (a semicolon or a tab is accepted when the header uses it).
- ``type``: ``lm``; ``stage`` (``W``, ``N1``, ``N2``, ``N3``, ``R``; ``Wake``, ``REM``, ``N4``
  (taken as N3) and ``?`` for unscored accepted); ``arousal``; respiratory events ``apnea``
  (also ``obstructive_apnea``, ``central_apnea``, ``mixed_apnea``), ``hypopnea``, ``rera``.
- Times in seconds from the recording start, >= 0.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.errors import ConfigError, RecordingError
from rls_monitor.recording import SIDE_ALIASES

__all__ = [
    "EVENT_TYPES",
    "RESPIRATORY_TYPES",
    "STAGE_ALIASES",
    "EventList",
    "read_event_list",
    "write_event_list",
]

RESPIRATORY_TYPES = ("apnea", "hypopnea", "rera")
"""Respiratory event types (apneas of every kind are ``apnea``)."""
EVENT_TYPES = ("lm", "stage", "arousal", *RESPIRATORY_TYPES)
"""Values of the ``type`` column."""

_TYPE_ALIASES = {
    "lm": "lm",
    "leg_movement": "lm",
    "stage": "stage",
    "arousal": "arousal",
    "apnea": "apnea",
    "obstructive_apnea": "apnea",
    "central_apnea": "apnea",
    "mixed_apnea": "apnea",
    "hypopnea": "hypopnea",
    "rera": "rera",
}
STAGE_ALIASES: Mapping[str, str] = {
    "w": "W",
    "wake": "W",
    "n1": "N1",
    "n2": "N2",
    "n3": "N3",
    "n4": "N3",
    "r": "R",
    "rem": "R",
    "?": "?",
    "unscored": "?",
}
"""Stage words accepted (lower case) and the stage each means (``N4`` is N3)."""


def _floats(x: ArrayLike | None) -> NDArray[np.float64]:
    if x is None:
        return np.zeros(0, dtype=np.float64)
    return np.asarray(x, dtype=np.float64).reshape(-1)


@dataclass(frozen=True, eq=False)
class EventList:
    """Leg movements (and optional stages, arousals, respiratory events) of one recording.

    Parameters
    ----------
    onset_s, offset_s : array-like of float, shape (n,)
        Monolateral leg movements, s from the recording start.
    side : sequence of str, shape (n,), or None
        ``"left"``, ``"right"`` or ``"unknown"`` per LM; ``None``: one leg, unknown.
    duration_s : float or None
        Recording length, s; ``None``: the end of the last event (``duration_derived`` is then
        True).
    start_utc : datetime or None
        Start of the recording (UTC).
    stages : StageEpochs or None
        Scored sleep stages.
    arousal_onset_s, arousal_offset_s : array-like of float
        Arousals, s.
    respiratory_onset_s, respiratory_offset_s : array-like of float
        Apneas, hypopneas and RERAs, s.
    respiratory_type : sequence of str
        ``apnea``, ``hypopnea`` or ``rera`` per respiratory event.
    metadata : mapping of str to str
        Anything else the source said.

    Raises
    ------
    RecordingError
        Times that are negative, not finite, an offset before its onset, events past
        ``duration_s``, unknown sides or respiratory types, or lengths that differ.
    """

    onset_s: NDArray[np.float64]
    offset_s: NDArray[np.float64]
    side: tuple[str, ...] | None = None
    duration_s: float | None = None
    start_utc: datetime | None = None
    stages: StageEpochs | None = None
    arousal_onset_s: NDArray[np.float64] = field(default_factory=lambda: _floats(None))
    arousal_offset_s: NDArray[np.float64] = field(default_factory=lambda: _floats(None))
    respiratory_onset_s: NDArray[np.float64] = field(default_factory=lambda: _floats(None))
    respiratory_offset_s: NDArray[np.float64] = field(default_factory=lambda: _floats(None))
    respiratory_type: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    duration_derived: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        for on_name, off_name in (
            ("onset_s", "offset_s"),
            ("arousal_onset_s", "arousal_offset_s"),
            ("respiratory_onset_s", "respiratory_offset_s"),
        ):
            on = _floats(getattr(self, on_name))
            off = _floats(getattr(self, off_name))
            if on.shape != off.shape:
                raise RecordingError(f"{on_name} and {off_name} must have the same length")
            if not (np.isfinite(on).all() and np.isfinite(off).all()):
                raise RecordingError(f"{on_name} and {off_name} must be finite")
            if (on < 0).any():
                raise RecordingError(f"{on_name} must be >= 0 (seconds from the start)")
            bad = np.flatnonzero(off < on)
            if bad.size:
                i = int(bad[0])
                raise RecordingError(
                    f"{off_name} before {on_name} in event {i}: {off[i]} < {on[i]}"
                )
            object.__setattr__(self, on_name, on)
            object.__setattr__(self, off_name, off)
        n = self.onset_s.size
        if self.side is not None:
            sides = tuple(str(s).strip().lower() for s in self.side)
            if len(sides) != n:
                raise RecordingError(f"side must have {n} values; got {len(sides)}")
            bad_side = [s for s in sides if s not in SIDE_ALIASES]
            if bad_side:
                raise RecordingError(f"side must be left, right or unknown; got {bad_side[0]!r}")
            norm = tuple(SIDE_ALIASES[s] for s in sides)
            known = {s for s in norm if s != "unknown"}
            if known and "unknown" in norm:
                raise RecordingError("some leg movements have a side and others do not")
            object.__setattr__(self, "side", norm if known else None)
        rtypes = tuple(str(t).strip().lower() for t in self.respiratory_type)
        if not rtypes and self.respiratory_onset_s.size:
            rtypes = ("apnea",) * self.respiratory_onset_s.size
        if len(rtypes) != self.respiratory_onset_s.size:
            raise RecordingError("respiratory_type must have one value per respiratory event")
        bad_type = [t for t in rtypes if _TYPE_ALIASES.get(t) not in RESPIRATORY_TYPES]
        if bad_type:
            raise RecordingError(f"unknown respiratory event type {bad_type[0]!r}")
        object.__setattr__(self, "respiratory_type", tuple(_TYPE_ALIASES[t] for t in rtypes))
        if self.start_utc is not None:
            s = self.start_utc
            object.__setattr__(
                self, "start_utc", s.replace(tzinfo=UTC) if s.tzinfo is None else s.astimezone(UTC)
            )
        object.__setattr__(self, "metadata", dict(self.metadata))
        last = self.last_event_s
        if self.duration_s is None:
            object.__setattr__(self, "duration_s", last)
            object.__setattr__(self, "duration_derived", True)
        else:
            dur = float(self.duration_s)
            if not (math.isfinite(dur) and dur >= 0):
                raise RecordingError(f"duration_s must be a number >= 0; got {self.duration_s!r}")
            if last > dur + 1e-6:
                raise RecordingError(
                    f"events run to {last:g} s, past the recording's duration_s = {dur:g} s"
                )
            object.__setattr__(self, "duration_s", dur)

    @property
    def last_event_s(self) -> float:
        """End of the last event of any kind (LM, arousal, respiratory, stage epoch), s."""
        ends = [
            self.offset_s,
            self.arousal_offset_s,
            self.respiratory_offset_s,
        ]
        if self.stages is not None and self.stages.onset_s.size:
            ends.append(self.stages.onset_s + self.stages.epoch_s)
        allv = np.concatenate(ends)
        return float(allv.max()) if allv.size else 0.0

    @property
    def n_lm(self) -> int:
        """Number of leg movements listed."""
        return int(self.onset_s.size)

    @property
    def two_legs(self) -> bool:
        """Whether movements of both a left and a right leg are listed."""
        return self.side is not None and {"left", "right"} <= set(self.side)


# --- reading ------------------------------------------------------------------------------------


def _parse_float(text: str, what: str, path: Path, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RecordingError(f"{what} is not a number: {text!r}", path=path, line=line) from None
    if not math.isfinite(value):
        raise RecordingError(f"{what} is not a finite number: {text!r}", path=path, line=line)
    return value


def _parse_start(text: str, path: Path, line: int) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RecordingError(
            f"start_utc is not an ISO 8601 time: {text!r}", path=path, line=line
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def read_event_list(path: str | Path) -> EventList:
    """Read an event-list CSV (see the module docstring and ``docs/scoring.md``).

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    EventList

    Raises
    ------
    RecordingError
        The file cannot be read, is empty, has no header with ``onset_s``, or a row has a bad
        value (the message names the line): a number that is not one, an offset before its onset,
        an unknown ``type``, ``side`` or ``stage``, a missing offset, overlapping stage epochs, or
        no event and no ``duration_s``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "lms.csv"
    >>> _ = p.write_text("# duration_s: 600\\nonset_s,offset_s\\n10,12\\n30,31.5\\n")
    >>> ev = read_event_list(p)
    >>> ev.n_lm, ev.duration_s, ev.duration_derived
    (2, 600.0, False)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RecordingError("no such file", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"cannot read the file: {exc}", path=path) from exc
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise RecordingError("the file is empty", path=path)

    meta: dict[str, str] = {}
    meta_line: dict[str, int] = {}
    header_at = None
    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("#"):
            body = s.lstrip("#").strip()
            if ":" in body:
                key, _, value = body.partition(":")
                key = key.strip().lower()
                if key and " " not in key:
                    meta[key] = value.strip()
                    meta_line[key] = i + 1
            continue
        header_at = i
        break
    if header_at is None:
        raise RecordingError("no header line (expected one naming onset_s)", path=path)

    header_text = lines[header_at]
    delimiter = ","
    if "," not in header_text:
        delimiter = ";" if ";" in header_text else ("\t" if "\t" in header_text else ",")
    header = [h.strip().lower() for h in next(csv.reader([header_text], delimiter=delimiter))]
    if "onset_s" not in header:
        raise RecordingError(
            f"the header must name onset_s; got {', '.join(header)}", path=path, line=header_at + 1
        )
    dup = sorted({h for h in header if h and header.count(h) > 1})
    if dup:
        raise RecordingError(f"column {dup[0]!r} appears twice", path=path, line=header_at + 1)
    col = {name: header.index(name) for name in header}
    known_cols = {"type", "onset_s", "offset_s", "duration_s", "side", "stage"}
    ignored = [h for h in header if h not in known_cols]

    duration_s = None
    if "duration_s" in meta:
        duration_s = _parse_float(meta["duration_s"], "duration_s", path, meta_line["duration_s"])
        if duration_s < 0:
            raise RecordingError("duration_s must be >= 0", path=path, line=meta_line["duration_s"])
    start_utc = (
        _parse_start(meta["start_utc"], path, meta_line["start_utc"])
        if "start_utc" in meta
        else None
    )
    epoch_s = 30.0
    if "epoch_s" in meta:
        epoch_s = _parse_float(meta["epoch_s"], "epoch_s", path, meta_line["epoch_s"])
        if epoch_s <= 0:
            raise RecordingError("epoch_s must be > 0", path=path, line=meta_line["epoch_s"])

    lm_on: list[float] = []
    lm_off: list[float] = []
    lm_side: list[str] = []
    lm_lines: list[int] = []
    ar_on: list[float] = []
    ar_off: list[float] = []
    re_on: list[float] = []
    re_off: list[float] = []
    re_type: list[str] = []
    stages: list[tuple[float, str, int]] = []

    body = "\n".join(lines[header_at + 1 :])
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    for offset, row in enumerate(reader):
        line = header_at + 2 + offset
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) > len(header):
            raise RecordingError(
                f"{len(row)} fields but the header has {len(header)}", path=path, line=line
            )

        def cell(name: str, row: list[str] = row) -> str:
            j = col.get(name)
            return row[j].strip() if j is not None and j < len(row) else ""

        kind_text = cell("type").lower() or "lm"
        kind = _TYPE_ALIASES.get(kind_text)
        if kind is None:
            raise RecordingError(
                f"unknown type {kind_text!r} (allowed: {', '.join(EVENT_TYPES)})",
                path=path,
                line=line,
            )
        onset_text = cell("onset_s")
        if not onset_text:
            raise RecordingError("onset_s is empty", path=path, line=line)
        onset = _parse_float(onset_text, "onset_s", path, line)
        if onset < 0:
            raise RecordingError(f"onset_s is negative: {onset_text}", path=path, line=line)
        off_text, dur_text = cell("offset_s"), cell("duration_s")
        offset_val: float | None = None
        if off_text:
            offset_val = _parse_float(off_text, "offset_s", path, line)
        elif dur_text:
            offset_val = onset + _parse_float(dur_text, "duration_s", path, line)
        if offset_val is not None and offset_val < onset:
            raise RecordingError(
                f"offset before onset ({offset_val:g} < {onset:g})", path=path, line=line
            )

        if kind == "stage":
            stage_text = cell("stage")
            stage = STAGE_ALIASES.get(stage_text.lower())
            if stage is None:
                raise RecordingError(
                    f"unknown stage {stage_text!r} (allowed: W, N1, N2, N3, R, ?)",
                    path=path,
                    line=line,
                )
            if offset_val is not None and abs(offset_val - onset - epoch_s) > 1e-3:
                raise RecordingError(
                    f"a stage epoch must last epoch_s = {epoch_s:g} s; got {offset_val - onset:g} s",
                    path=path,
                    line=line,
                )
            stages.append((onset, stage, line))
            continue
        if offset_val is None:
            raise RecordingError(f"{kind} row needs offset_s (or duration_s)", path=path, line=line)
        if kind == "lm":
            side_text = cell("side").lower()
            side = SIDE_ALIASES.get(side_text)
            if side is None:
                raise RecordingError(
                    f"unknown side {side_text!r} (allowed: left, right, or empty)",
                    path=path,
                    line=line,
                )
            lm_on.append(onset)
            lm_off.append(offset_val)
            lm_side.append(side)
            lm_lines.append(line)
        elif kind == "arousal":
            ar_on.append(onset)
            ar_off.append(offset_val)
        else:
            re_on.append(onset)
            re_off.append(offset_val)
            re_type.append(kind)

    if not (lm_on or ar_on or re_on or stages) and duration_s is None:
        raise RecordingError("no events and no '# duration_s:' line: nothing to score", path=path)
    known_sides = {s for s in lm_side if s != "unknown"}
    if known_sides and "unknown" in lm_side:
        line = lm_lines[lm_side.index("unknown")]
        raise RecordingError(
            "this leg movement has no side while others have one", path=path, line=line
        )

    stage_epochs = None
    if stages:
        stages.sort(key=lambda t: t[0])
        for (a, _, _), (b, _, line) in itertools.pairwise(stages):
            if b - a < epoch_s - 1e-6:
                raise RecordingError(
                    f"stage epoch at {b:g} s overlaps the one at {a:g} s (epoch_s = {epoch_s:g})",
                    path=path,
                    line=line,
                )
        stage_epochs = StageEpochs(
            onset_s=np.array([s[0] for s in stages]),
            stage=tuple(s[1] for s in stages),
            epoch_s=epoch_s,
        )
    extra = {k: v for k, v in meta.items() if k not in {"duration_s", "start_utc", "epoch_s"}}
    extra["file"] = path.name
    if ignored:
        extra["ignored_columns"] = ",".join(ignored)
    try:
        return EventList(
            onset_s=np.array(lm_on, dtype=np.float64),
            offset_s=np.array(lm_off, dtype=np.float64),
            side=tuple(lm_side) if known_sides else None,
            duration_s=duration_s,
            start_utc=start_utc,
            stages=stage_epochs,
            arousal_onset_s=np.array(ar_on, dtype=np.float64),
            arousal_offset_s=np.array(ar_off, dtype=np.float64),
            respiratory_onset_s=np.array(re_on, dtype=np.float64),
            respiratory_offset_s=np.array(re_off, dtype=np.float64),
            respiratory_type=tuple(re_type),
            metadata=extra,
        )
    except (RecordingError, ConfigError) as exc:
        raise RecordingError(str(exc), path=path) from exc


def _fmt(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") if math.isfinite(x) else ""


def write_event_list(events: EventList, path: str | Path) -> Path:
    """Write ``events`` in the event-list CSV format; :func:`read_event_list` reads it back.

    Times are written to the millisecond.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    rows: list[tuple[float, int, Sequence[Any]]] = []
    sides = events.side or ("",) * events.n_lm
    for on, off, side in zip(events.onset_s, events.offset_s, sides, strict=True):
        rows.append((on, 1, ("lm", _fmt(on), _fmt(off), "" if side == "unknown" else side, "")))
    if events.stages is not None:
        for on, stage in zip(events.stages.onset_s, events.stages.stage, strict=True):
            rows.append((on, 0, ("stage", _fmt(on), "", "", stage)))
    for on, off in zip(events.arousal_onset_s, events.arousal_offset_s, strict=True):
        rows.append((on, 2, ("arousal", _fmt(on), _fmt(off), "", "")))
    for on, off, kind in zip(
        events.respiratory_onset_s,
        events.respiratory_offset_s,
        events.respiratory_type,
        strict=True,
    ):
        rows.append((on, 3, (kind, _fmt(on), _fmt(off), "", "")))
    rows.sort(key=lambda r: (r[0], r[1]))
    buf = io.StringIO()
    if not events.duration_derived and events.duration_s is not None:
        buf.write(f"# duration_s: {_fmt(events.duration_s)}\n")
    if events.start_utc is not None:
        buf.write(f"# start_utc: {events.start_utc.isoformat().replace('+00:00', 'Z')}\n")
    if events.stages is not None:
        buf.write(f"# epoch_s: {_fmt(events.stages.epoch_s)}\n")
    for key, value in sorted(events.metadata.items()):
        if key not in {"file", "ignored_columns"} and "\n" not in value:
            buf.write(f"# {key}: {value}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["type", "onset_s", "offset_s", "side", "stage"])
    for _, _, row in rows:
        writer.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path
