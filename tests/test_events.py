"""The event-list CSV reader: what it accepts, round trips, and its errors with line numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList, read_event_list, write_event_list

FULL = """\
# duration_s: 3600
# start_utc: 2026-11-24T22:30:00Z
# epoch_s: 30
# scorer: lab A
type,onset_s,offset_s,side,stage
stage,0,,,W
stage,30,,,N2
stage,60,90,,REM
lm,42.10,43.90,left,
lm,61.35,63.00,R,
arousal,62.0,66.5,,
hypopnea,100.0,118.0,,
obstructive_apnea,200,215,,
rera,300,310,,
"""


def _write(tmp_path: Path, text: str, name: str = "events.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_every_kind_of_row(tmp_path: Path) -> None:
    ev = read_event_list(_write(tmp_path, FULL))
    assert ev.onset_s.tolist() == [42.10, 61.35]
    assert ev.offset_s.tolist() == [43.90, 63.00]
    assert ev.side == ("left", "right") and ev.two_legs
    assert ev.duration_s == 3600.0 and not ev.duration_derived
    assert ev.start_utc == datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    assert ev.stages is not None
    assert ev.stages.stage == ("W", "N2", "R") and ev.stages.epoch_s == 30.0
    assert ev.arousal_onset_s.tolist() == [62.0]
    assert ev.respiratory_type == ("hypopnea", "apnea", "rera")
    assert ev.metadata["scorer"] == "lab A"


def test_minimal_file_and_derived_duration(tmp_path: Path) -> None:
    ev = read_event_list(_write(tmp_path, "onset_s,offset_s\n10,12\n30,31.5\n"))
    assert ev.n_lm == 2 and ev.side is None
    assert ev.duration_derived and ev.duration_s == 31.5


def test_duration_column_instead_of_offset(tmp_path: Path) -> None:
    ev = read_event_list(_write(tmp_path, "# duration_s: 100\nonset_s,duration_s\n10,2\n"))
    assert ev.offset_s.tolist() == [12.0]


def test_semicolon_bom_blank_lines_and_extra_columns(tmp_path: Path) -> None:
    text = "\ufeff# duration_s: 100\n\nonset_s;offset_s;scorer\n10;12;x\n\n30;31;y\n"
    ev = read_event_list(_write(tmp_path, text))
    assert ev.onset_s.tolist() == [10.0, 30.0]
    assert ev.metadata["ignored_columns"] == "scorer"


def test_header_only_with_duration_is_a_night_without_lms(tmp_path: Path) -> None:
    ev = read_event_list(_write(tmp_path, "# duration_s: 28800\nonset_s,offset_s\n"))
    assert ev.n_lm == 0 and ev.duration_s == 28800.0


def test_round_trip(tmp_path: Path) -> None:
    ev = read_event_list(_write(tmp_path, FULL))
    back = read_event_list(write_event_list(ev, tmp_path / "out.csv"))
    assert back.onset_s.tolist() == ev.onset_s.tolist()
    assert back.offset_s.tolist() == ev.offset_s.tolist()
    assert back.side == ev.side and back.duration_s == ev.duration_s
    assert back.start_utc == ev.start_utc
    assert back.stages is not None and ev.stages is not None
    assert back.stages.stage == ev.stages.stage
    assert back.respiratory_type == ev.respiratory_type
    assert back.arousal_offset_s.tolist() == ev.arousal_offset_s.tolist()
    assert back.metadata["scorer"] == "lab A"


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        ("", None, "empty"),
        ("\n\n# duration_s: 5\n", None, "no header"),
        ("onset,offset\n1,2\n", 1, "must name onset_s"),
        ("onset_s,offset_s\n1,2\n3,x\n", 3, "offset_s is not a number"),
        ("onset_s,offset_s\n1,2\n5,4\n", 3, "offset before onset"),
        ("onset_s,offset_s\n-1,2\n", 2, "negative"),
        ("type,onset_s,offset_s\nlm,1,2\nsnore,3,4\n", 3, "unknown type 'snore'"),
        ("onset_s,offset_s,side\n1,2,left\n3,4,middle\n", 3, "unknown side 'middle'"),
        ("onset_s,offset_s,side\n1,2,left\n3,4,\n", 3, "no side"),
        ("type,onset_s,stage\nstage,0,S5\n", 2, "unknown stage 'S5'"),
        ("type,onset_s,stage\nstage,0,W\nstage,20,N1\n", 3, "overlaps"),
        ("type,onset_s,offset_s,stage\nstage,0,20,W\n", 2, "must last epoch_s"),
        ("type,onset_s\narousal,5\n", 2, "needs offset_s"),
        ("onset_s,offset_s\n1,2,3\n", 2, "3 fields"),
        ("onset_s,offset_s\n,2\n", 2, "onset_s is empty"),
        ("onset_s,offset_s\n", None, "no events and no"),
        ("# duration_s: ten\nonset_s,offset_s\n1,2\n", 1, "duration_s is not a number"),
        ("# start_utc: yesterday\nonset_s,offset_s\n1,2\n", 1, "ISO 8601"),
        ("# duration_s: 10\nonset_s,offset_s\n1,20\n", None, "past the recording"),
        ("onset_s,onset_s\n1,2\n", 1, "appears twice"),
    ],
)
def test_errors_name_the_line(tmp_path: Path, text: str, line: int | None, match: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(RecordingError, match=match) as info:
        read_event_list(p)
    assert info.value.path == p
    if line is not None:
        assert info.value.line == line
        assert f"line {line}" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such file"):
        read_event_list(tmp_path / "nope.csv")


def test_event_list_validation() -> None:
    with pytest.raises(RecordingError, match="before"):
        EventList(np.array([5.0]), np.array([4.0]))
    with pytest.raises(RecordingError, match="same length"):
        EventList(np.array([5.0]), np.array([6.0, 7.0]))
    with pytest.raises(RecordingError, match="side"):
        EventList(np.array([5.0]), np.array([6.0]), side=("up",))
    ev = EventList(np.array([5.0]), np.array([6.0]), side=("unknown",))
    assert ev.side is None and ev.duration_s == 6.0 and ev.duration_derived
