"""read_event_file picks the reader by suffix and content; is_event_file tells events from samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.errors import RecordingError
from rls_monitor.events import EventList, write_event_list
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


def _random_night(draw: st.DrawFn) -> EventList:
    n_epochs = draw(st.integers(2, 60))
    stages = draw(
        st.lists(
            st.sampled_from(["W", "N1", "N2", "N3", "R"]), min_size=n_epochs, max_size=n_epochs
        )
    )
    length = n_epochs * 30
    gaps = draw(st.lists(st.integers(1, 40), max_size=25))
    durations = draw(st.lists(st.integers(500, 9_000), min_size=len(gaps), max_size=len(gaps)))
    two_sided = draw(st.booleans())
    on, off, side, t = [], [], [], 0
    for gap, ms in zip(gaps, durations, strict=True):
        t += gap + 10  # whole seconds, as Noxturnal's clock keeps them
        if t + ms / 1000 >= length:
            break
        on.append(float(t))
        off.append(t + ms / 1000)
        side.append(draw(st.sampled_from(["left", "right"])))
        t += 10
    ar = [(float(a), a + 3.5) for a in draw(st.lists(st.integers(0, length - 5), max_size=4))]
    resp_at = draw(st.lists(st.integers(0, length - 20), max_size=4))
    resp = sorted((float(a), draw(st.sampled_from(["apnea", "hypopnea", "rera"]))) for a in resp_at)
    return EventList(
        onset_s=np.array(on),
        offset_s=np.array(off),
        side=tuple(side) if two_sided and side else None,
        duration_s=float(length),
        stages=StageEpochs(np.arange(n_epochs, dtype=np.float64) * 30, tuple(stages)),
        arousal_onset_s=np.array(sorted(a for a, _ in ar)),
        arousal_offset_s=np.array(sorted(b for _, b in ar)),
        respiratory_onset_s=np.array([a for a, _ in resp]),
        respiratory_offset_s=np.array([a + 12.25 for a, _ in resp]),
        respiratory_type=tuple(k for _, k in resp),
    )


@pytest.mark.parametrize(
    "write",
    [write_nsrr_xml, write_profusion_xml, write_edf_annotations, write_noxturnal_csv],
    ids=["nsrr", "profusion", "edf", "noxturnal"],
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_night_round_trips(tmp_path: Path, write, data: st.DataObject) -> None:
    """Any night (LMs to the ms, stages, arousals, respiratory events) reads back the same."""
    known = data.draw(st.composite(_random_night)())
    path = write(known, tmp_path / ("night.txt" if write is write_noxturnal_csv else "night.x"))
    if write is write_nsrr_xml or write is write_profusion_xml:
        path = path.rename(path.with_suffix(".xml"))
    elif write is write_edf_annotations:
        path = path.rename(path.with_suffix(".edf"))
    assert_same_events(read_event_file(path), known)
