"""Compumedics Profusion XML (``CMPStudyConfig``), read as scored events.

The layout::

    <CMPStudyConfig>
      <EpochLength>30</EpochLength>
      <ScoredEvents>
        <ScoredEvent>
          <Name>Limb Movement (Left)</Name><Start>42.1</Start><Duration>1.8</Duration>
          <Input>Leg L</Input>
        </ScoredEvent>
        ...
      </ScoredEvents>
      <SleepStages>
        <SleepStage>0</SleepStage>
        <SleepStage>2</SleepStage>
        ...
      </SleepStages>
    </CMPStudyConfig>

``Start`` and ``Duration`` are seconds from the recording start. ``SleepStages`` lists one code
per epoch of ``EpochLength`` s from the start: 0 W, 1 N1, 2 N2, 3 N3, 4 N4 (taken as N3, the
R&K stage 4 of older scorings), 5 R; 6 (movement time) and 9 (unscored) are unscored (``?``);
any other code is an error. The recording lasts as long as a ``Recording Start Time`` event
says when there is one (assumed: public readers of NSRR's Profusion files skip a first event,
as NSRR XML starts with that one), else the staged epochs (or to the last event, when
that is later; unknown without stages). Names are looked up in
:data:`~rls_monitor.sleeplab.labels.PROFUSION_LABELS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList
from rls_monitor.sleeplab.collect import LabelledEvent, gather_events
from rls_monitor.sleeplab.labels import EventLabel, label_table
from rls_monitor.sleeplab.xml_text import child_text, parse_xml, seconds_of, start_and_duration

__all__ = ["PROFUSION_STAGE_CODES", "read_profusion_xml"]

PROFUSION_STAGE_CODES: Mapping[str, str] = {
    "0": "W",
    "1": "N1",
    "2": "N2",
    "3": "N3",
    "4": "N3",
    "5": "R",
    "6": "?",
    "9": "?",
}
"""Profusion ``SleepStage`` codes and the stage each means."""

_STAGE_LABEL = "Profusion stage {}"


def read_profusion_xml(
    path: str | Path, labels: Mapping[str, EventLabel] | None = None
) -> EventList:
    """Read a Compumedics Profusion XML export.

    Parameters
    ----------
    path : str or Path
        The ``.xml`` file.
    labels : mapping of str to EventLabel, optional
        Names added to the Profusion table.

    Returns
    -------
    EventList

    Raises
    ------
    RecordingError
        Not well-formed XML, a DTD or entity, not a ``CMPStudyConfig``, an event without a name
        or with a start or duration that is not a number, an unknown stage code, no known event.
    """
    path = Path(path)
    root = parse_xml(path)
    if root.tag != "CMPStudyConfig":
        raise RecordingError(
            f"not a Profusion export: the root element is <{root.tag}>, not <CMPStudyConfig>",
            path=path,
        )
    epoch_text = child_text(root, "EpochLength")
    epoch_s = seconds_of(epoch_text, "EpochLength", "CMPStudyConfig", path) if epoch_text else 30.0
    if epoch_s <= 0:
        raise RecordingError("EpochLength must be > 0", path=path)
    rows: list[LabelledEvent] = []
    recording_s: float | None = None
    for i, event in enumerate(root.findall("./ScoredEvents/ScoredEvent"), start=1):
        where = f"ScoredEvent {i}"
        name = child_text(event, "Name")
        if not name:
            raise RecordingError(f"{where} has no Name", path=path)
        start, duration = start_and_duration(event, where, path)
        if name.casefold() == "recording start time":
            recording_s = duration
            continue
        rows.append(LabelledEvent(start, duration, name, where=where))
    codes = [(s.text or "").strip() for s in root.findall("./SleepStages/SleepStage")]
    stage_labels = {}
    for k, code in enumerate(codes):
        stage = PROFUSION_STAGE_CODES.get(code)
        if stage is None:
            raise RecordingError(
                f"SleepStage {k + 1}: unknown stage code {code!r} "
                f"(known: {', '.join(PROFUSION_STAGE_CODES)})",
                path=path,
            )
        label = _STAGE_LABEL.format(stage)
        stage_labels[label] = EventLabel("stage", stage=stage)
        rows.append(LabelledEvent(k * epoch_s, epoch_s, label, where=f"SleepStage {k + 1}"))
    ends = [r.onset_s + (r.duration_s or 0.0) for r in rows]
    duration_s = recording_s
    if duration_s is None and codes:
        duration_s = max([len(codes) * epoch_s, *ends])
    return gather_events(
        rows,
        label_table("profusion", {**dict(labels or {}), **stage_labels}),
        path=path,
        epoch_s=epoch_s,
        duration_s=duration_s,
        metadata={"n_stage_epochs": str(len(codes))},
    )
