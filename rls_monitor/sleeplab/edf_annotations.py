"""EDF+ annotations of a polysomnogram, read as scored events (edfio).

Each EDF+ annotation (onset, duration, text) is looked up in the EDF label table
(:data:`~rls_monitor.sleeplab.labels.EDF_LABELS`): ``Sleep stage W`` / ``1`` ... ``4`` /
``N1`` ... ``N3`` / ``R`` (a stage annotation may span several 30 s epochs), ``Limb movement
(left)``, ``Arousal``, ``Obstructive apnea``, ``Hypopnea``, ``RERA``, ... Times are the
annotations' own (s from the file's start, to EDF+'s 100 ns); the recording length is the file's.

Empty annotations are the timekeeping of EDF+ data records, not events: a file with only those
(such as an EDF+ written by Noxturnal without its scoring) holds no scored events and is refused
with a one-line message that says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList
from rls_monitor.sleeplab.collect import LabelledEvent, gather_events
from rls_monitor.sleeplab.labels import EventLabel, label_table

__all__ = ["read_edf_annotations", "scored_annotation_count"]


def _start_text(edf: Any) -> str:
    """The start as the file keeps it: local date and time, or the time alone when the date
    is anonymised (``X`` in an EDF+ header)."""
    try:
        return str(edf.startdatetime.isoformat())
    except Exception:  # edfio's AnonymizedDateError and a date it cannot read
        return str(edf.starttime.isoformat())


def _annotations(path: Path) -> tuple[list[tuple[float, float | None, str]], float, str]:
    import edfio

    try:
        edf = edfio.read_edf(path, lazy_load_data=True)
        notes = [(float(a.onset), a.duration, str(a.text)) for a in edf.annotations]
        duration_s = float(edf.duration)
        start = _start_text(edf)
    except FileNotFoundError:
        raise RecordingError("no such file", path=path) from None
    except Exception as exc:  # edfio raises ValueError and friends for files it cannot parse
        raise RecordingError(f"not a readable EDF file ({exc})".splitlines()[0], path=path) from exc
    return (
        [(on, None if d is None else float(d), text) for on, d, text in notes],
        duration_s,
        start,
    )


def scored_annotation_count(
    path: str | Path, labels: Mapping[str, EventLabel] | None = None
) -> int:
    """How many of the EDF+ file's annotations are scored events the label table knows.

    Raises
    ------
    RecordingError
        Not a readable EDF file.
    """
    table = label_table("edf", labels)
    notes, _, _ = _annotations(Path(path))
    return sum(1 for _, _, text in notes if text.strip() and table.lookup(text) is not None)


def read_edf_annotations(
    path: str | Path, labels: Mapping[str, EventLabel] | None = None
) -> EventList:
    """Read the scored events of an EDF+ file's annotations.

    Parameters
    ----------
    path : str or Path
        An EDF+ file (``.edf``).
    labels : mapping of str to EventLabel, optional
        Labels added to the EDF table (see :func:`~rls_monitor.sleeplab.read_label_file`).

    Returns
    -------
    EventList
        With ``duration_s`` the file's length, ``metadata["start_local"]`` its start (local
        clock time, as EDF keeps it), and the unknown labels counted.

    Raises
    ------
    RecordingError
        Not a readable EDF file; no annotation with text (no scored events); no annotation the
        table knows; an event past the end of the file.
    """
    path = Path(path)
    notes, duration_s, start = _annotations(path)
    texts = [n for n in notes if n[2].strip()]
    if not texts:
        raise RecordingError(
            f"no scored events: its {len(notes)} EDF+ annotations have no text "
            "(data-record timekeeping only); export the scoring with the file to rescore it",
            path=path,
        )
    rows = [
        LabelledEvent(on, d, text, where=f"annotation {i + 1} at {on:g} s")
        for i, (on, d, text) in enumerate(texts)
    ]
    return gather_events(
        rows,
        label_table("edf", labels),
        path=path,
        duration_s=duration_s,
        metadata={"start_local": start, "n_empty_annotations": str(len(notes) - len(texts))},
    )
