"""Labelled rows gathered into an event list: epochs, unknown labels, sides, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab.collect import LabelledEvent, gather_events
from rls_monitor.sleeplab.labels import label_table

P = Path("x.edf")


def test_stage_runs_are_cut_into_epochs_and_unknowns_counted() -> None:
    rows = [
        LabelledEvent(0, 90, "Sleep stage W"),
        LabelledEvent(90, None, "Sleep stage 2"),
        LabelledEvent(100, 2, "Leg movement"),
        LabelledEvent(5, 1, "Lights off"),
        LabelledEvent(6, 1, "Lights off"),
        LabelledEvent(7, 1, "Snore"),
    ]
    ev = gather_events(rows, label_table("edf"), path=P, duration_s=200)
    assert ev.stages is not None
    assert ev.stages.onset_s.tolist() == [0, 30, 60, 90]
    assert ev.stages.stage == ("W", "W", "W", "N2")
    assert ev.metadata["unknown_labels"] == "Lights off (2), Snore (1)"
    assert ev.metadata["n_unknown"] == "3" and ev.metadata["n_labelled"] == "5"
    assert ev.metadata["format"] == "edf" and ev.metadata["file"] == "x.edf"


def test_respiratory_kinds_and_sorting() -> None:
    rows = [
        LabelledEvent(50, 10, "Hypopnea"),
        LabelledEvent(10, 12, "Central apnea"),
        LabelledEvent(80, 5, "RERA"),
    ]
    ev = gather_events(rows, label_table("edf"), path=P)
    assert ev.respiratory_onset_s.tolist() == [10, 50, 80]
    assert ev.respiratory_type == ("apnea", "hypopnea", "rera")
    assert ev.duration_derived and ev.duration_s == 85


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([LabelledEvent(0, 1, "Snore")], "no scored events this reader knows .*'Snore'"),
        (
            [LabelledEvent(0, 1, "Limb movement (left)"), LabelledEvent(5, 1, "Limb movement")],
            "1 leg movements have a side and 1 have none",
        ),
        ([LabelledEvent(0, -1, "Arousal", where="line 3")], "line 3: duration is not"),
        ([LabelledEvent(0, 40, "Sleep stage W")], "not a whole number of 30 s epochs"),
        (
            [LabelledEvent(0, 30, "Sleep stage W"), LabelledEvent(10, 30, "Sleep stage 2")],
            "not overlap",
        ),
        ([LabelledEvent(300, 5, "Arousal")], "past the recording's duration_s"),
    ],
    ids=["unknown", "sides", "negative", "epochs", "overlap", "past-end"],
)
def test_errors_are_recording_errors(rows: list[LabelledEvent], message: str) -> None:
    with pytest.raises(RecordingError, match=message) as err:
        gather_events(rows, label_table("edf"), path=P, duration_s=100)
    assert str(err.value).startswith("x.edf: ")
