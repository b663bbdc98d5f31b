"""NSRR XML: the known night written in NSRR's layout reads back the same, and scores the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab import read_nsrr_xml
from tests.sleeplab.exports import (
    assert_same_events,
    known_night,
    score_without_source,
    write_nsrr_xml,
)

GOLDEN_HEAD = """\
<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<PSGAnnotation>
<SoftwareVersion>Compumedics</SoftwareVersion>
<EpochLength>30</EpochLength>
<ScoredEvents>
<ScoredEvent>
<EventType/>
<EventConcept>Recording Start Time</EventConcept>
<Start>0</Start>
<Duration>2400</Duration>
<ClockTime>00.00.00 23.40.00</ClockTime>
</ScoredEvent>
<ScoredEvent>
<EventType>Limb Movement|Limb Movement</EventType>
<EventConcept>Limb movement - right|Limb Movement (Right)</EventConcept>
<Start>300.25</Start>
<Duration>1.5</Duration>
</ScoredEvent>
"""


def test_round_trip_and_score(tmp_path: Path) -> None:
    known = known_night()
    path = write_nsrr_xml(known, tmp_path / "night.xml")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(GOLDEN_HEAD)
    assert "<EventConcept>Stage 2 sleep|2</EventConcept>\n<Start>240</Start>\n<Duration>960" in text
    events = read_nsrr_xml(path)
    assert_same_events(events, known)
    assert events.duration_s == 2400.0 and not events.duration_derived
    assert events.metadata["clock_time"] == "00.00.00 23.40.00"
    assert "unknown_labels" not in events.metadata
    assert score_without_source(events) == score_without_source(known)


def test_unknown_concepts_are_counted_not_fatal(tmp_path: Path) -> None:
    path = write_nsrr_xml(known_night(), tmp_path / "night.xml")
    extra = (
        "<ScoredEvent><EventType>Desaturation|Desaturation</EventType>"
        "<EventConcept>SpO2 desaturation|SpO2 desaturation</EventConcept>"
        "<Start>10</Start><Duration>12</Duration></ScoredEvent>\n"
    )
    text = path.read_text(encoding="utf-8").replace(
        "</ScoredEvents>", extra * 2 + "</ScoredEvents>"
    )
    path.write_text(text, encoding="utf-8")
    events = read_nsrr_xml(path)
    assert events.metadata["unknown_labels"] == "SpO2 desaturation|SpO2 desaturation (2)"
    assert events.metadata["n_unknown"] == "2"
    assert events.n_lm == known_night().n_lm


def test_a_name_part_alone_matches(tmp_path: Path) -> None:
    """Older NSRR files write the concept's name part only; it matches the same row."""
    path = write_nsrr_xml(known_night(), tmp_path / "night.xml")
    text = path.read_text(encoding="utf-8").replace(
        "Limb movement - left|Limb Movement (Left)", "Limb movement - left"
    )
    path.write_text(text, encoding="utf-8")
    assert read_nsrr_xml(path).side == known_night().side


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t[: len(t) // 2], "not well-formed XML"),
        (
            lambda t: t.replace(
                "<PSGAnnotation>",
                '<!DOCTYPE PSGAnnotation [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                "<PSGAnnotation>",
            ),
            "DTD or an entity",
        ),
        (lambda t: t.replace("Stage 2 sleep|2", "Stage 7 sleep|7", 1), "unknown stage"),
        (lambda t: t.replace("<Start>300.25</Start>", "<Start>abc</Start>"), "not a number"),
        (lambda t: t.replace("<Start>300.25</Start>", "<Start>-3</Start>"), ">= 0"),
        (lambda t: t.replace("PSGAnnotation", "Annotations"), "not an NSRR"),
        (lambda t: t.encode("utf-8").decode("latin-1").replace("UTF-8", "UTF-16"), "XML"),
    ],
    ids=["truncated", "external-entity", "unknown-stage", "bad-start", "negative", "root", "enc"],
)
def test_malformed_files_are_one_line_errors(tmp_path: Path, change, message: str) -> None:
    path = write_nsrr_xml(known_night(), tmp_path / "night.xml")
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RecordingError, match=message) as err:
        read_nsrr_xml(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_entity_expansion_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        "<PSGAnnotation><ScoredEvents>&lol2;</ScoredEvents></PSGAnnotation>"
    )
    path = tmp_path / "bomb.xml"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(RecordingError, match="DTD or an entity"):
        read_nsrr_xml(path)
