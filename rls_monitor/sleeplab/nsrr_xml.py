"""NSRR XML annotations (``PSGAnnotation``), read as scored events.

The layout (the National Sleep Research Resource's export of Compumedics, Embla and other
scorings)::

    <PSGAnnotation>
      <SoftwareVersion>Compumedics</SoftwareVersion>
      <EpochLength>30</EpochLength>
      <ScoredEvents>
        <ScoredEvent>
          <EventType/>
          <EventConcept>Recording Start Time</EventConcept>
          <Start>0</Start><Duration>28800.0</Duration>
          <ClockTime>00.00.00 22.30.00</ClockTime>
        </ScoredEvent>
        <ScoredEvent>
          <EventType>Stages|Stages</EventType><EventConcept>Wake|0</EventConcept>
          <Start>0</Start><Duration>90.0</Duration>
        </ScoredEvent>
        <ScoredEvent>
          <EventType>Limb Movement|Limb Movement</EventType>
          <EventConcept>Limb movement - left|Limb Movement (Left)</EventConcept>
          <Start>42.1</Start><Duration>1.8</Duration>
        </ScoredEvent>
        ...

``Start`` and ``Duration`` are seconds from the recording start; a stage event spans one or more
epochs of ``EpochLength`` s (30 when absent). The ``Recording Start Time`` event gives the
recording length. Concepts are looked up in :data:`~rls_monitor.sleeplab.labels.NSRR_LABELS`;
an event of type ``Stages`` whose concept is no known stage is an error (an unknown stage code),
any other unknown concept is ignored and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList
from rls_monitor.sleeplab.collect import LabelledEvent, gather_events
from rls_monitor.sleeplab.labels import EventLabel, label_table
from rls_monitor.sleeplab.xml_text import child_text, parse_xml, seconds_of, start_and_duration

__all__ = ["read_nsrr_xml"]


def read_nsrr_xml(path: str | Path, labels: Mapping[str, EventLabel] | None = None) -> EventList:
    """Read an NSRR XML annotation file.

    Parameters
    ----------
    path : str or Path
        The ``.xml`` file.
    labels : mapping of str to EventLabel, optional
        Concepts added to the NSRR table.

    Returns
    -------
    EventList
        ``duration_s`` from the ``Recording Start Time`` event when there is one;
        ``metadata["clock_time"]`` its clock time.

    Raises
    ------
    RecordingError
        Not well-formed XML, a DTD or entity, not a ``PSGAnnotation``, a ``ScoredEvent`` without
        a concept or with a start or duration that is not a number, an unknown stage, no known
        event.
    """
    path = Path(path)
    root = parse_xml(path)
    if root.tag != "PSGAnnotation":
        raise RecordingError(
            f"not an NSRR annotation file: the root element is <{root.tag}>, not <PSGAnnotation>",
            path=path,
        )
    table = label_table("nsrr", labels)
    epoch_text = child_text(root, "EpochLength")
    epoch_s = seconds_of(epoch_text, "EpochLength", "PSGAnnotation", path) if epoch_text else 30.0
    if epoch_s <= 0:
        raise RecordingError("EpochLength must be > 0", path=path)
    events = root.findall("./ScoredEvents/ScoredEvent")
    if not events:
        raise RecordingError("no <ScoredEvents>/<ScoredEvent> elements", path=path)
    rows: list[LabelledEvent] = []
    duration_s: float | None = None
    meta: dict[str, str] = {}
    for i, event in enumerate(events, start=1):
        where = f"ScoredEvent {i}"
        concept = child_text(event, "EventConcept")
        if not concept:
            raise RecordingError(f"{where} has no EventConcept", path=path)
        start, duration = start_and_duration(event, where, path)
        if concept.casefold() == "recording start time":
            duration_s = duration
            if child_text(event, "ClockTime"):
                meta["clock_time"] = child_text(event, "ClockTime")
            continue
        kind = child_text(event, "EventType").split("|", 1)[0].strip().casefold()
        label = table.lookup(concept)
        if kind == "stages" and (label is None or label.type != "stage"):
            raise RecordingError(f"{where}: unknown stage {concept!r}", path=path)
        rows.append(LabelledEvent(start, duration, concept, where=where))
    software = child_text(root, "SoftwareVersion")
    if software:
        meta["software"] = software
    return gather_events(
        rows, table, path=path, epoch_s=epoch_s, duration_s=duration_s, metadata=meta
    )
