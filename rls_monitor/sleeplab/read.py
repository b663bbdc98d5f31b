"""One entry point for sleep-lab event exports: :func:`read_event_file` picks the reader.

By suffix and content:

- ``.edf``: the EDF+ annotations (:mod:`~rls_monitor.sleeplab.edf_annotations`);
- ``.xml``: by its root element, ``<PSGAnnotation>`` NSRR XML, ``<CMPStudyConfig>`` Compumedics
  Profusion XML;
- ``.csv``, ``.txt`` (or ``.tsv``): a Noxturnal export when its header row names a start and an
  event column in one of the languages the reader knows, else our own event-list CSV
  (:func:`rls_monitor.events.read_event_list`, the one with ``onset_s``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList, read_event_list
from rls_monitor.sleeplab.edf_annotations import read_edf_annotations, scored_annotation_count
from rls_monitor.sleeplab.labels import EventLabel
from rls_monitor.sleeplab.noxturnal_csv import is_noxturnal_export, read_noxturnal_csv
from rls_monitor.sleeplab.nsrr_xml import read_nsrr_xml
from rls_monitor.sleeplab.profusion_xml import read_profusion_xml
from rls_monitor.sleeplab.xml_text import root_tag

__all__ = ["EVENT_FILE_SUFFIXES", "is_event_file", "read_event_file"]

EVENT_FILE_SUFFIXES = (".edf", ".xml", ".csv", ".txt", ".tsv")
"""Suffixes :func:`read_event_file` reads."""

_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def _names_onset_s(path: Path) -> bool:
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                text = line.strip()
                if text and not text.startswith("#"):
                    cells = text.replace(";", ",").replace("\t", ",").split(",")
                    return "onset_s" in [c.strip().lower() for c in cells]
    except OSError:
        return False
    return False


def is_event_file(path: str | Path, labels: Mapping[str, EventLabel] | None = None) -> bool:
    """Whether ``path`` holds scored events rather than samples; never raises.

    True for ``.xml``; for a ``.csv``/``.txt``/``.tsv`` with a Noxturnal header or one naming
    ``onset_s``; for an ``.edf`` whose EDF+ annotations hold at least one scored event the EDF
    label table (with ``labels``) knows (an EDF without them is a recording).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return False
    if suffix == ".xml":
        return True
    if suffix in _TEXT_SUFFIXES:
        return is_noxturnal_export(path) or _names_onset_s(path)
    if suffix == ".edf":
        try:
            return scored_annotation_count(path, labels) > 0
        except RecordingError:
            return False
    return False


def read_event_file(path: str | Path, labels: Mapping[str, EventLabel] | None = None) -> EventList:
    """Read a sleep lab's event export (or our event-list CSV) as an :class:`EventList`.

    Parameters
    ----------
    path : str or Path
        ``.edf`` (EDF+ annotations), ``.xml`` (NSRR or Profusion), ``.csv``/``.txt``/``.tsv``
        (Noxturnal or our event list).
    labels : mapping of str to EventLabel, optional
        Labels added to the format's table (:func:`~rls_monitor.sleeplab.read_label_file`).
        Our own event-list CSV has fixed type names and takes none.

    Returns
    -------
    EventList

    Raises
    ------
    RecordingError
        No such file, a suffix or XML root this reads not, or what the format's reader raises;
        one line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "night.xml"
    >>> _ = p.write_text(
    ...     "<CMPStudyConfig><EpochLength>30</EpochLength><ScoredEvents><ScoredEvent>"
    ...     "<Name>Limb Movement (Left)</Name><Start>31</Start><Duration>2</Duration>"
    ...     "</ScoredEvent></ScoredEvents><SleepStages><SleepStage>0</SleepStage>"
    ...     "<SleepStage>2</SleepStage></SleepStages></CMPStudyConfig>"
    ... )
    >>> ev = read_event_file(p)
    >>> ev.side, ev.stages.stage, ev.duration_s
    (('left',), ('W', 'N2'), 60.0)
    """
    path = Path(path)
    if not path.exists():
        raise RecordingError("no such file", path=path)
    suffix = path.suffix.lower()
    if suffix == ".edf":
        return read_edf_annotations(path, labels)
    if suffix == ".xml":
        root = root_tag(path)
        if root == "PSGAnnotation":
            return read_nsrr_xml(path, labels)
        if root == "CMPStudyConfig":
            return read_profusion_xml(path, labels)
        raise RecordingError(
            f"an XML file whose root is <{root or '?'}>: neither NSRR (<PSGAnnotation>) nor "
            "Profusion (<CMPStudyConfig>)",
            path=path,
        )
    if suffix in _TEXT_SUFFIXES:
        if is_noxturnal_export(path):
            return read_noxturnal_csv(path, labels)
        return read_event_list(path)
    raise RecordingError(
        f"not an event file this reads ({', '.join(EVENT_FILE_SUFFIXES)}); got {suffix or 'no suffix'}",
        path=path,
    )
