"""Labelled rows of a sleep-lab export, gathered into one :class:`~rls_monitor.events.EventList`.

Every reader of this package turns its file into :class:`LabelledEvent` rows (onset, duration,
the vendor's label) and hands them to :func:`gather_events` with its format's
:class:`~rls_monitor.sleeplab.labels.LabelTable`: the labels are looked up, stage events are cut
into epochs, unknown labels are counted, and the event list is built.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.errors import ConfigError, RecordingError
from rls_monitor.events import EventList
from rls_monitor.sleeplab.labels import LabelTable

__all__ = ["LabelledEvent", "gather_events"]

_TOL_S = 1e-3


@dataclass(frozen=True)
class LabelledEvent:
    """One row of an export.

    Parameters
    ----------
    onset_s : float
        s from the recording start.
    duration_s : float or None
        s; None when the file gives none (a stage then lasts one epoch).
    label : str
        The vendor's label, as written.
    where : str
        Where in the file (e.g. ``"line 12"``, ``"ScoredEvent 4"``), for error messages.
    """

    onset_s: float
    duration_s: float | None
    label: str
    where: str = ""


def _epochs(row: LabelledEvent, epoch_s: float, path: Path) -> list[float]:
    """Onsets of the stage epochs a stage event covers (one when it has no duration)."""
    if row.duration_s is None or row.duration_s <= _TOL_S:
        return [row.onset_s]
    n = row.duration_s / epoch_s
    if abs(n - round(n)) * epoch_s > _TOL_S or round(n) < 1:
        raise RecordingError(
            f"{row.where}: stage {row.label!r} lasts {row.duration_s:g} s, not a whole number "
            f"of {epoch_s:g} s epochs",
            path=path,
        )
    return [row.onset_s + k * epoch_s for k in range(round(n))]


def gather_events(
    rows: Iterable[LabelledEvent],
    table: LabelTable,
    *,
    path: Path,
    epoch_s: float = 30.0,
    duration_s: float | None = None,
    start_utc: datetime | None = None,
    metadata: Mapping[str, str] | None = None,
) -> EventList:
    """Build the event list of an export's rows.

    Parameters
    ----------
    rows : iterable of LabelledEvent
        The export's events, any order.
    table : LabelTable
        The format's labels (with the user's).
    path : Path
        The file, for messages and ``metadata["file"]``.
    epoch_s : float
        Stage epoch length, s.
    duration_s : float or None
        Recording length, s, when the file says it (else the end of the last event).
    start_utc : datetime or None
        Start of the recording, when the file gives it in UTC.
    metadata : mapping, optional
        Added to the event list's metadata, with ``format``, ``file``, ``n_labelled`` and, when
        there are any, ``unknown_labels`` (``label (count)``, most frequent first, comma
        separated) and ``n_unknown``.

    Returns
    -------
    EventList

    Raises
    ------
    RecordingError
        No known event at all (the message lists the most frequent unknown labels), a stage
        event that is not a whole number of epochs, overlapping stage epochs, a negative
        duration, or leg movements of which some have a side and others not.
    """
    lm: list[tuple[float, float, str]] = []
    arousals: list[tuple[float, float]] = []
    resp: list[tuple[float, float, str]] = []
    stages: dict[float, str] = {}
    unknown: Counter[str] = Counter()
    for row in rows:
        if row.duration_s is not None and (not math.isfinite(row.duration_s) or row.duration_s < 0):
            raise RecordingError(
                f"{row.where}: duration is not a number >= 0: {row.duration_s}", path=path
            )
        if not math.isfinite(row.onset_s) or row.onset_s < 0:
            raise RecordingError(
                f"{row.where}: onset is not a time >= 0 from the start: {row.onset_s}", path=path
            )
        label = table.lookup(row.label)
        if label is None:
            unknown[row.label.strip()] += 1
            continue
        if label.type == "stage":
            for onset in _epochs(row, epoch_s, path):
                stages[round(onset, 6)] = label.stage
            continue
        end = row.onset_s + (row.duration_s or 0.0)
        if label.type == "lm":
            lm.append((row.onset_s, end, label.side))
        elif label.type == "arousal":
            arousals.append((row.onset_s, end))
        else:
            resp.append((row.onset_s, end, label.type))

    n_known = len(lm) + len(arousals) + len(resp) + len(stages)
    if n_known == 0:
        seen = ", ".join(f"{k!r}" for k, _ in unknown.most_common(5)) or "none"
        raise RecordingError(
            f"no scored events this reader knows ({table.format} labels; "
            f"labels found: {seen}); add labels with --event-labels FILE",
            path=path,
        )
    lm.sort()
    arousals.sort()
    resp.sort()
    sides = [s for _, _, s in lm]
    n_sided = sum(s != "unknown" for s in sides)
    if 0 < n_sided < len(sides):
        raise RecordingError(
            f"{n_sided} leg movements have a side and {len(sides) - n_sided} have none; "
            "give the unsided label a side with --event-labels FILE (label,lm,left)",
            path=path,
        )
    meta = {"format": table.format, "file": path.name, "n_labelled": str(n_known)}
    meta.update(metadata or {})
    if unknown:
        meta["unknown_labels"] = ", ".join(f"{k} ({n})" for k, n in unknown.most_common())
        meta["n_unknown"] = str(sum(unknown.values()))
    stage_epochs = None
    try:
        if stages:
            onsets = sorted(stages)
            stage_epochs = StageEpochs(
                onset_s=np.array(onsets, dtype=np.float64),
                stage=tuple(stages[t] for t in onsets),
                epoch_s=epoch_s,
            )
        return EventList(
            onset_s=np.array([a for a, _, _ in lm], dtype=np.float64),
            offset_s=np.array([b for _, b, _ in lm], dtype=np.float64),
            side=tuple(sides) if n_sided else None,
            duration_s=duration_s,
            start_utc=start_utc,
            stages=stage_epochs,
            arousal_onset_s=np.array([a for a, _ in arousals], dtype=np.float64),
            arousal_offset_s=np.array([b for _, b in arousals], dtype=np.float64),
            respiratory_onset_s=np.array([a for a, _, _ in resp], dtype=np.float64),
            respiratory_offset_s=np.array([b for _, b, _ in resp], dtype=np.float64),
            respiratory_type=tuple(t for _, _, t in resp),
            metadata=meta,
        )
    except (ConfigError, RecordingError) as exc:
        raise RecordingError(str(exc), path=path) from exc
