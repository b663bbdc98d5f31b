"""Test helper: a known night of scored events, and writers of it in each vendor's layout.

The writers follow the layouts described in the readers' docstrings (and, for Noxturnal, the
real French exports published with the rsleep R package's tests); each test checks the head of
what they write against text typed by hand, so a writer cannot drift to match a reader.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.events import EventList
from rls_monitor.scoring import score

EPOCH_S = 30.0
# 80 epochs (40 min): wake, N1, N2 (a PLM series), wake after sleep onset (a series), N3, REM
STAGE_RUNS = [("W", 6), ("N1", 2), ("N2", 32), ("W", 6), ("N3", 14), ("R", 20)]


def known_night(*, whole_seconds: bool = False) -> EventList:
    """The known list: stages, two-sided LMs in sleep and wake, arousals, respiratory events.

    ``whole_seconds`` floors every onset to the second (what a format with a 1 s clock keeps),
    durations unchanged.
    """
    stages = [s for s, n in STAGE_RUNS for _ in range(n)]
    lm_on = [300.25 + 22.5 * k for k in range(10)]  # N2: a PLM series
    lm_on += [1210.5 + 25.0 * k for k in range(6)]  # wake after sleep onset: PLMW
    lm_on += [1900.75, 2100.125]  # REM, isolated
    lm_dur = [round(1.5 + 0.137 * k, 3) for k in range(len(lm_on))]
    sides = tuple("left" if k % 3 else "right" for k in range(len(lm_on)))
    ar = [(302.0, 306.5), (1500.0, 1510.25), (2099.5, 2104.0)]
    resp = [(350.0, 366.5, "apnea"), (1400.0, 1420.0, "hypopnea"), (1600.0, 1612.5, "rera")]

    def t(x: float) -> float:
        return float(math.floor(x)) if whole_seconds else x

    return EventList(
        onset_s=np.array([t(x) for x in lm_on]),
        offset_s=np.array([t(x) + d for x, d in zip(lm_on, lm_dur, strict=True)]),
        side=sides,
        duration_s=len(stages) * EPOCH_S,
        stages=StageEpochs(
            np.arange(len(stages), dtype=np.float64) * EPOCH_S, tuple(stages), EPOCH_S
        ),
        arousal_onset_s=np.array([t(a) for a, _ in ar]),
        arousal_offset_s=np.array([t(a) + (b - a) for a, b in ar]),
        respiratory_onset_s=np.array([t(a) for a, _, _ in resp]),
        respiratory_offset_s=np.array([t(a) + (b - a) for a, b, _ in resp]),
        respiratory_type=tuple(k for _, _, k in resp),
    )


def unsided(events: EventList) -> EventList:
    """The same list with the LMs' sides forgotten (a format that has none)."""
    return dataclasses.replace(events, side=None)


def assert_same_events(got: EventList, want: EventList, *, atol_s: float = 1e-6) -> None:
    """Same LMs (onsets, offsets, sides), stages, arousals and respiratory events."""
    np.testing.assert_allclose(got.onset_s, want.onset_s, atol=atol_s, rtol=0)
    np.testing.assert_allclose(got.offset_s, want.offset_s, atol=atol_s, rtol=0)
    assert got.side == want.side
    assert (got.stages is None) == (want.stages is None)
    if got.stages is not None and want.stages is not None:
        assert got.stages.stage == want.stages.stage
        assert got.stages.epoch_s == want.stages.epoch_s
        np.testing.assert_allclose(got.stages.onset_s, want.stages.onset_s, atol=atol_s, rtol=0)
    np.testing.assert_allclose(got.arousal_onset_s, want.arousal_onset_s, atol=atol_s, rtol=0)
    np.testing.assert_allclose(got.arousal_offset_s, want.arousal_offset_s, atol=atol_s, rtol=0)
    np.testing.assert_allclose(
        got.respiratory_onset_s, want.respiratory_onset_s, atol=atol_s, rtol=0
    )
    np.testing.assert_allclose(
        got.respiratory_offset_s, want.respiratory_offset_s, atol=atol_s, rtol=0
    )
    assert got.respiratory_type == want.respiratory_type


def score_without_source(events: EventList) -> dict[str, Any]:
    """The score of ``events`` minus what names the file (source, software, limitations)."""
    out = score(events).to_dict()
    for key in ("source", "software", "limitations"):
        out.pop(key, None)
    return out


def _fmt(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _runs(events: EventList) -> list[tuple[float, float, str]]:
    """Stage runs: (onset, duration, stage) of consecutive epochs with one stage."""
    assert events.stages is not None
    out = []
    pairs = zip(events.stages.onset_s.tolist(), events.stages.stage, strict=True)
    for stage, group in itertools.groupby(pairs, key=lambda p: p[1]):
        onsets = [on for on, _ in group]
        out.append((onsets[0], len(onsets) * events.stages.epoch_s, stage))
    return out


def _scored(events: EventList, names: dict[str, Any]) -> list[tuple[float, float, Any]]:
    """(onset, duration, name) of every non-stage event, by time."""
    rows = []
    sides = events.side or ("unknown",) * events.n_lm
    for on, off, side in zip(events.onset_s, events.offset_s, sides, strict=True):
        rows.append((float(on), float(off - on), names[f"lm_{side}"]))
    for on, off in zip(events.arousal_onset_s, events.arousal_offset_s, strict=True):
        rows.append((float(on), float(off - on), names["arousal"]))
    for on, off, kind in zip(
        events.respiratory_onset_s,
        events.respiratory_offset_s,
        events.respiratory_type,
        strict=True,
    ):
        rows.append((float(on), float(off - on), names[kind]))
    return sorted(rows, key=lambda r: (r[0], r[1]))


# --- NSRR XML -----------------------------------------------------------------------------------

NSRR_STAGES = {
    "W": "Wake|0",
    "N1": "Stage 1 sleep|1",
    "N2": "Stage 2 sleep|2",
    "N3": "Stage 3 sleep|3",
    "R": "REM sleep|5",
}
NSRR_NAMES = {
    "lm_left": ("Limb Movement|Limb Movement", "Limb movement - left|Limb Movement (Left)"),
    "lm_right": ("Limb Movement|Limb Movement", "Limb movement - right|Limb Movement (Right)"),
    "lm_unknown": ("Limb Movement|Limb Movement", "Limb movement|Limb Movement"),
    "arousal": ("Arousals|Arousals", "Arousal|Arousal ()"),
    "apnea": ("Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea"),
    "hypopnea": ("Respiratory|Respiratory", "Hypopnea|Hypopnea"),
    "rera": ("Respiratory|Respiratory", "Respiratory effort related arousal|RERA"),
}


def _nsrr_event(kind: str, concept: str, start: float, duration: float) -> str:
    type_xml = f"<EventType>{kind}</EventType>" if kind else "<EventType/>"
    return (
        f"<ScoredEvent>\n{type_xml}\n<EventConcept>{concept}</EventConcept>\n"
        f"<Start>{_fmt(start)}</Start>\n<Duration>{_fmt(duration)}</Duration>\n</ScoredEvent>"
    )


def write_nsrr_xml(events: EventList, path: Path) -> Path:
    """``events`` as an NSRR annotation file (stage runs as multi-epoch events)."""
    start = _nsrr_event("", "Recording Start Time", 0, float(events.duration_s or 0))
    start = start.replace("</Duration>", "</Duration>\n<ClockTime>00.00.00 23.40.00</ClockTime>")
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        "<PSGAnnotation>",
        "<SoftwareVersion>Compumedics</SoftwareVersion>",
        f"<EpochLength>{_fmt(EPOCH_S)}</EpochLength>",
        "<ScoredEvents>",
        start,
    ]
    for on, dur, (kind, concept) in _scored(events, NSRR_NAMES):
        parts.append(_nsrr_event(kind, concept, on, dur))
    for on, dur, stage in _runs(events):
        parts.append(_nsrr_event("Stages|Stages", NSRR_STAGES[stage], on, dur))
    parts += ["</ScoredEvents>", "</PSGAnnotation>", ""]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# --- Profusion XML ------------------------------------------------------------------------------

PROFUSION_CODES = {"W": "0", "N1": "1", "N2": "2", "N3": "3", "R": "5"}
PROFUSION_NAMES = {
    "lm_left": "Limb Movement (Left)",
    "lm_right": "Limb Movement (Right)",
    "lm_unknown": "Limb Movement",
    "arousal": "Arousal (ASDA)",
    "apnea": "Obstructive Apnea",
    "hypopnea": "Hypopnea",
    "rera": "RERA",
}


def write_profusion_xml(events: EventList, path: Path) -> Path:
    """``events`` as a Compumedics Profusion XML export."""
    assert events.stages is not None
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<CMPStudyConfig>",
        f"<EpochLength>{_fmt(EPOCH_S)}</EpochLength>",
        "<ScoredEvents>",
    ]
    for on, dur, name in _scored(events, PROFUSION_NAMES):
        parts.append(
            f"<ScoredEvent><Name>{name}</Name><Start>{_fmt(on)}</Start>"
            f"<Duration>{_fmt(dur)}</Duration><Input>Leg</Input></ScoredEvent>"
        )
    parts += ["</ScoredEvents>", "<SleepStages>"]
    parts += [f"<SleepStage>{PROFUSION_CODES[s]}</SleepStage>" for s in events.stages.stage]
    parts += ["</SleepStages>", "</CMPStudyConfig>", ""]
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# --- Noxturnal CSV ------------------------------------------------------------------------------

NOXTURNAL = {
    "en": {
        "header": ["Start Time", "End Time", "Event", "Duration"],
        "date": "%m/%d/%Y",
        "stages": {"W": "Wake", "N1": "N1", "N2": "N2", "N3": "N3", "R": "REM"},
        "names": {
            "lm_left": "Limb Movement (Left)",
            "lm_right": "Limb Movement (Right)",
            "lm_unknown": "Limb Movement",
            "arousal": "Arousal",
            "apnea": "A. Obstructive",
            "hypopnea": "Hypopnea",
            "rera": "RERA",
        },
        "extra": "Analysis Start",
    },
    "de": {
        "header": ["Startzeit", "Endzeit", "Ereignis", "Dauer"],
        "date": "%d.%m.%Y",
        "stages": {"W": "Wach", "N1": "N1", "N2": "N2", "N3": "N3", "R": "REM"},
        "names": {
            "lm_left": "Beinbewegung links",
            "lm_right": "Beinbewegung rechts",
            "lm_unknown": "Beinbewegung",
            "arousal": "Weckreaktion",
            "apnea": "A. Obstruktiv",
            "hypopnea": "Hypopnoe",
            "rera": "RERA",
        },
        "extra": "Analysebeginn",
    },
    "fr": {
        "header": ["Heure de début", "Heure de fin", "Événement", "Durée"],
        "date": "%d/%m/%Y",
        "stages": {"W": "Éveil", "N1": "N1", "N2": "N2", "N3": "N3", "R": "REM"},
        "names": {
            "lm_left": "MJ gauche",
            "lm_right": "MJ droite",
            "lm_unknown": "MJ",
            "arousal": "Micro-éveil",
            "apnea": "A. Obstructive",
            "hypopnea": "Hypopnée",
            "rera": "RERA",
        },
        "extra": "Début de l'analyse",
    },
}


def write_noxturnal_csv(
    events: EventList,
    path: Path,
    *,
    language: str = "en",
    encoding: str = "utf-16",
    start: datetime = datetime(2026, 12, 31, 23, 40, 0),
    with_date: bool = True,
    units_row: bool = True,
    delimiter: str = ",",
) -> Path:
    """``events`` as a Noxturnal event export (times to the second, durations to the ms).

    ``encoding``: ``utf-16`` (little-endian with a mark, as Noxturnal writes), ``utf-16-be``
    (big-endian with a mark) or ``utf-8``. With ``;`` as delimiter durations get a decimal comma.
    """
    lang = NOXTURNAL[language]
    names = lang["names"]
    assert isinstance(names, dict)
    stages = lang["stages"]
    assert isinstance(stages, dict)
    rows: list[tuple[float, float, str]] = [(0.0, 0.0, str(lang["extra"]))]
    assert events.stages is not None
    for on, st in zip(events.stages.onset_s.tolist(), events.stages.stage, strict=True):
        rows.append((on, events.stages.epoch_s, stages[st]))
    rows += _scored(events, names)
    rows.sort(key=lambda r: r[0])
    fmt = f"{lang['date']} %H:%M:%S" if with_date else "%H:%M:%S"

    def clock(t: float) -> str:
        return (start + timedelta(seconds=math.floor(t + 1e-9))).strftime(fmt)

    def dur(d: float) -> str:
        text = f"{d:.3f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if delimiter != "," else text

    header = lang["header"]
    assert isinstance(header, list)
    lines = [delimiter.join(header) + delimiter]
    if units_row:
        lines.append(delimiter.join(["[]", "[]", "[]", "[s]"]) + delimiter)
    for on, d, name in rows:
        lines.append(delimiter.join([clock(on), clock(on + d), name, dur(d)]) + delimiter)
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-16":
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    elif encoding == "utf-16-be":
        path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    else:
        path.write_bytes(text.encode(encoding))
    return path


# --- EDF+ ---------------------------------------------------------------------------------------

EDF_STAGES = {
    "W": "Sleep stage W",
    "N1": "Sleep stage N1",
    "N2": "Sleep stage N2",
    "N3": "Sleep stage N3",
    "R": "Sleep stage R",
}
EDF_NAMES = {
    "lm_left": "Limb movement (left)",
    "lm_right": "Limb movement (right)",
    "lm_unknown": "Limb movement",
    "arousal": "Arousal",
    "apnea": "Obstructive apnea",
    "hypopnea": "Hypopnea",
    "rera": "RERA",
}


def write_edf_annotations(events: EventList, path: Path) -> Path:
    """``events`` as the annotations of an EDF+ file with one 1 Hz signal of the night's length."""
    import edfio

    n = round(float(events.duration_s or 0))
    rows = [(on, d, EDF_STAGES[s]) for on, d, s in _runs(events)]
    rows += _scored(events, EDF_NAMES)
    edf = edfio.Edf(
        [edfio.EdfSignal(np.zeros(n), sampling_frequency=1, label="Leg EMG")],
        starttime=datetime(2026, 12, 31, 23, 40).time(),
        annotations=[edfio.EdfAnnotation(on, d, text) for on, d, text in sorted(rows)],
    )
    edf.write(path)
    return path
