"""read_event_file picks the reader by suffix and content; is_event_file tells events from samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.events import write_event_list
from rls_monitor.sleeplab import EventLabel, is_event_file, read_event_file
from tests.sleeplab.exports import (
    assert_same_events,
    known_night,
    write_edf_annotations,
    write_noxturnal_csv,
    write_nsrr_xml,
    write_profusion_xml,
)


@pytest.mark.parametrize(
    ("name", "write", "fmt"),
    [
        ("a.xml", write_nsrr_xml, "nsrr"),
        ("b.xml", write_profusion_xml, "profusion"),
        ("c.edf", write_edf_annotations, "edf"),
        ("d.txt", write_noxturnal_csv, "noxturnal"),
    ],
)
def test_each_format_by_suffix_and_content(tmp_path: Path, name: str, write, fmt: str) -> None:
    known = known_night(whole_seconds=fmt == "noxturnal")
    path = write(known, tmp_path / name)
    assert is_event_file(path)
    events = read_event_file(path)
    assert events.metadata["format"] == fmt
    assert_same_events(events, known)


def test_our_event_list_csv(tmp_path: Path) -> None:
    known = known_night()
    path = write_event_list(known, tmp_path / "ours.csv")
    assert is_event_file(path)
    assert_same_events(read_event_file(path), known, atol_s=1e-3)


def test_labels_reach_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "p.xml"
    path.write_text(
        "<CMPStudyConfig><ScoredEvents><ScoredEvent><Name>PLM-Bein</Name><Start>3</Start>"
        "<Duration>2</Duration></ScoredEvent></ScoredEvents></CMPStudyConfig>"
    )
    with pytest.raises(RecordingError, match="no scored events this reader knows"):
        read_event_file(path)
    assert read_event_file(path, {"PLM-Bein": EventLabel("lm")}).n_lm == 1


def test_samples_are_not_event_files(tmp_path: Path) -> None:
    import edfio
    import numpy as np

    csv = tmp_path / "samples.csv"
    csv.write_text("time,x,y,z\n0,0,0,1\n")
    edf = tmp_path / "accel.edf"
    edfio.Edf([edfio.EdfSignal(np.zeros(10), sampling_frequency=1, label="X")]).write(edf)
    assert not is_event_file(csv)
    assert not is_event_file(edf)
    assert not is_event_file(tmp_path / "absent.xml")
    assert not is_event_file(tmp_path / "night.cwa")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.xml", "<Other/>", "neither NSRR"),
        ("x.json", "{}", "not an event file this reads"),
        ("absent.edf", None, "no such file"),
    ],
)
def test_refusals_are_one_line(
    tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(RecordingError, match=message) as err:
        read_event_file(path)
    assert "\n" not in str(err.value)
