"""Compumedics Profusion XML: the known night written as Profusion does reads back the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab import read_profusion_xml
from rls_monitor.sleeplab.profusion_xml import PROFUSION_STAGE_CODES
from tests.sleeplab.exports import (
    assert_same_events,
    known_night,
    score_without_source,
    write_profusion_xml,
)

GOLDEN_HEAD = """\
<?xml version="1.0" encoding="UTF-8"?>
<CMPStudyConfig>
<EpochLength>30</EpochLength>
<ScoredEvents>
<ScoredEvent><Name>Limb Movement (Right)</Name><Start>300.25</Start><Duration>1.5</Duration>\
<Input>Leg</Input></ScoredEvent>
<ScoredEvent><Name>Arousal (ASDA)</Name><Start>302</Start><Duration>4.5</Duration>\
<Input>Leg</Input></ScoredEvent>
"""


def test_round_trip_and_score(tmp_path: Path) -> None:
    known = known_night()
    path = write_profusion_xml(known, tmp_path / "night.xml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(GOLDEN_HEAD)
    assert "<SleepStages>\n<SleepStage>0</SleepStage>\n" in text
    assert text.count("<SleepStage>5</SleepStage>") == 20
    events = read_profusion_xml(path)
    assert_same_events(events, known)
    assert events.duration_s == 2400.0
    assert score_without_source(events) == score_without_source(known)


def test_stage_codes() -> None:
    assert PROFUSION_STAGE_CODES["4"] == "N3" and PROFUSION_STAGE_CODES["5"] == "R"
    assert PROFUSION_STAGE_CODES["9"] == "?"


def test_n4_is_n3_and_unscored_epochs(tmp_path: Path) -> None:
    path = tmp_path / "rk.xml"
    path.write_text(
        "<CMPStudyConfig><EpochLength>20</EpochLength><ScoredEvents/><SleepStages>"
        + "".join(f"<SleepStage>{c}</SleepStage>" for c in "0123459")
        + "</SleepStages></CMPStudyConfig>",
        encoding="utf-8",
    )
    events = read_profusion_xml(path)
    assert events.stages is not None
    assert events.stages.stage == ("W", "N1", "N2", "N3", "N3", "R", "?")
    assert events.stages.epoch_s == 20.0 and events.duration_s == 140.0
    assert events.n_lm == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace("<SleepStage>5</SleepStage>", "<SleepStage>7</SleepStage>", 1),
            "SleepStage 61: unknown stage code '7'",
        ),
        (lambda t: t[: len(t) - 200], "not well-formed XML"),
        (
            lambda t: t.replace(
                "<CMPStudyConfig>", '<!DOCTYPE c SYSTEM "http://x/c.dtd">\n<CMPStudyConfig>'
            ),
            "DTD or an entity",
        ),
        (lambda t: t.replace("<Name>Arousal (ASDA)</Name>", "<Name></Name>", 1), "has no Name"),
        (lambda t: t.replace("<Duration>4.5</Duration>", "<Duration>nan</Duration>", 1), ">= 0"),
        (lambda t: t.replace("CMPStudyConfig", "StudyConfig"), "not a Profusion export"),
    ],
    ids=["stage-code", "truncated", "dtd", "no-name", "nan", "root"],
)
def test_malformed_files_are_one_line_errors(tmp_path: Path, change, message: str) -> None:
    path = write_profusion_xml(known_night(), tmp_path / "night.xml")
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RecordingError, match=message) as err:
        read_profusion_xml(path)
    assert "\n" not in str(err.value)


def test_wrong_encoding_is_one_line(tmp_path: Path) -> None:
    """Latin-1 bytes in a file declared UTF-8 are not XML; one line."""
    path = tmp_path / "latin.xml"
    path.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?><CMPStudyConfig><ScoredEvents><ScoredEvent>'
        b"<Name>R\xe9veil</Name><Start>1</Start><Duration>2</Duration></ScoredEvent>"
        b"</ScoredEvents></CMPStudyConfig>"
    )
    with pytest.raises(RecordingError, match="not well-formed XML") as err:
        read_profusion_xml(path)
    assert "\n" not in str(err.value)


def test_recording_start_time_gives_the_length(tmp_path: Path) -> None:
    path = write_profusion_xml(known_night(), tmp_path / "night.xml")
    start = (
        "<ScoredEvent><Name>Recording Start Time</Name><Start>0</Start>"
        "<Duration>3000.0</Duration><Input></Input></ScoredEvent>"
    )
    text = path.read_text(encoding="utf-8").replace("<ScoredEvents>", "<ScoredEvents>" + start)
    path.write_text(text, encoding="utf-8")
    events = read_profusion_xml(path)
    assert events.duration_s == 3000.0 and "unknown_labels" not in events.metadata
