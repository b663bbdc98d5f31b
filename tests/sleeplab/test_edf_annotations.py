"""EDF+ annotations: the known night written as EDF+ annotations, and the real Nox EDF+."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab import read_edf_annotations
from rls_monitor.sleeplab.edf_annotations import scored_annotation_count
from tests.sleeplab.exports import (
    assert_same_events,
    known_night,
    score_without_source,
    write_edf_annotations,
)

REAL_NOX = "psg/nox_a1_subject1_120s_legEMG.edf"


def test_round_trip_and_score(tmp_path: Path) -> None:
    known = known_night()
    path = write_edf_annotations(known, tmp_path / "night.edf")
    data = path.read_bytes()
    # the time-stamped annotation lists (TALs) as EDF+ writes them: +onset 0x15 duration 0x14 text
    assert b"+0\x15180\x14Sleep stage W\x14" in data
    assert b"+300.25\x151.5\x14Limb movement (right)\x14" in data
    assert b"+350\x1516.5\x14Obstructive apnea\x14" in data
    events = read_edf_annotations(path)
    assert_same_events(events, known, atol_s=1e-6)
    assert events.duration_s == 2400.0 and not events.duration_derived
    assert events.metadata["start_local"] == "23:40:00"  # edfio writes an anonymised date
    assert score_without_source(events) == score_without_source(known)
    assert scored_annotation_count(path) == 30  # 6 stage runs and 24 events


def test_stage_annotations_of_several_epochs_and_rk_stages(tmp_path: Path) -> None:
    import edfio
    import numpy as np

    path = tmp_path / "rk.edf"
    edfio.Edf(
        [edfio.EdfSignal(np.zeros(180), sampling_frequency=1, label="EMG")],
        annotations=[
            edfio.EdfAnnotation(0, 60, "Sleep stage 2"),
            edfio.EdfAnnotation(60, 30, "Sleep stage 4"),
            edfio.EdfAnnotation(90, 30, "Sleep stage R"),
            edfio.EdfAnnotation(120, 30, "Movement time"),
            edfio.EdfAnnotation(150, 30, "REM"),
            edfio.EdfAnnotation(70, 1.25, "Limb movement"),
        ],
    ).write(path)
    events = read_edf_annotations(path)
    assert events.stages is not None
    assert events.stages.stage == ("N2", "N2", "N3", "R", "R")  # "REM": a bare stage code
    assert events.stages.onset_s.tolist() == [0, 30, 60, 90, 150]
    assert events.onset_s.tolist() == [70.0] and events.side is None
    assert events.metadata["unknown_labels"] == "Movement time (1)"


def test_a_stage_that_is_not_whole_epochs_is_refused(tmp_path: Path) -> None:
    import edfio
    import numpy as np

    path = tmp_path / "odd.edf"
    edfio.Edf(
        [edfio.EdfSignal(np.zeros(100), sampling_frequency=1, label="EMG")],
        annotations=[edfio.EdfAnnotation(0, 45, "Sleep stage W")],
    ).write(path)
    with pytest.raises(RecordingError, match="not a whole number of 30 s epochs"):
        read_edf_annotations(path)


def test_the_real_nox_edf_opens_and_says_it_holds_no_scored_events(shared_data: Path) -> None:
    path = shared_data / REAL_NOX
    assert scored_annotation_count(path) == 0
    with pytest.raises(RecordingError) as err:
        read_edf_annotations(path)
    message = str(err.value)
    assert "\n" not in message
    assert re.search(r"no scored events: its 12 EDF\+ annotations have no text", message)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda b: b[:300], "not a readable EDF file"),
        (lambda b: b"0       " + b"garbage" * 40, "not a readable EDF file"),
    ],
    ids=["truncated", "not-edf"],
)
def test_bad_files_are_one_line(tmp_path: Path, make, message: str) -> None:
    good = write_edf_annotations(known_night(), tmp_path / "good.edf")
    path = tmp_path / "bad.edf"
    path.write_bytes(make(good.read_bytes()))
    with pytest.raises(RecordingError, match=message) as err:
        read_edf_annotations(path)
    assert "\n" not in str(err.value)
