"""Noxturnal's event export: UTF-16 or UTF-8, localised, a units row, a night over midnight."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import RecordingError
from rls_monitor.sleeplab import read_noxturnal_csv
from rls_monitor.sleeplab.noxturnal_csv import is_noxturnal_export
from tests.sleeplab.exports import (
    assert_same_events,
    known_night,
    score_without_source,
    unsided,
    write_noxturnal_csv,
)

# The head of the French export as Noxturnal writes it (compare the rsleep test files):
# UTF-16 LE with its mark, CRLF, a trailing comma, the units row, day-first dates.
GOLDEN_FR = (
    "\ufeffHeure de début,Heure de fin,Événement,Durée,\r\n"
    "[],[],[],[s],\r\n"
    "31/12/2026 23:40:00,31/12/2026 23:40:00,Début de l'analyse,0,\r\n"
    "31/12/2026 23:40:00,31/12/2026 23:40:30,Éveil,30,\r\n"
)
GOLDEN_DE_MIDNIGHT = (
    "Startzeit;Endzeit;Ereignis;Dauer;\r\n[];[];[];[s];\r\n23:40:00;23:40:00;Analysebeginn;0;\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8"])
@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_round_trip_and_score(tmp_path: Path, language: str, encoding: str) -> None:
    known = known_night(whole_seconds=True)
    path = write_noxturnal_csv(known, tmp_path / "events.csv", language=language, encoding=encoding)
    events = read_noxturnal_csv(path)
    assert_same_events(events, known)
    assert events.duration_s == known.duration_s and events.duration_derived
    assert events.metadata["start_local"] == "2026-12-31T23:40:00"  # the night crosses midnight
    assert events.metadata["encoding"] == ("utf-8" if encoding == "utf-8" else "utf-16")
    assert events.metadata["n_unknown"] == "1"  # the analysis-start row
    assert score_without_source(events) == score_without_source(known)


def test_golden_french_head(tmp_path: Path) -> None:
    path = write_noxturnal_csv(known_night(whole_seconds=True), tmp_path / "fr.csv", language="fr")
    data = path.read_bytes()
    assert data[:2] == b"\xff\xfe"
    assert data.decode("utf-16").startswith(GOLDEN_FR.lstrip("\ufeff"))
    assert "01/01/2027 00:05:00,01/01/2027 00:05:30,N3,30,\r\n" in data.decode("utf-16")


def test_clock_times_without_dates_cross_midnight(tmp_path: Path) -> None:
    """German, ';' and decimal commas, no dates: times after midnight are the next day."""
    known = known_night(whole_seconds=True)
    path = write_noxturnal_csv(
        known,
        tmp_path / "de.txt",
        language="de",
        with_date=False,
        delimiter=";",
        encoding="utf-8",
    )
    text = path.read_bytes().decode("utf-8")
    assert text.startswith(GOLDEN_DE_MIDNIGHT)
    assert "23:45:00;23:45:01;Beinbewegung rechts;1,5;\r\n" in text
    assert "00:00:00;00:00:30;Wach;30;\r\n00:00:10;00:00:12;Beinbewegung links;2,87;" in text
    events = read_noxturnal_csv(path)
    assert_same_events(events, known)
    assert events.metadata["clock_start"] == "23:40:00"
    assert events.metadata["delimiter"] == ";"


def test_no_units_row_and_unsided_french_lms(tmp_path: Path) -> None:
    known = unsided(known_night(whole_seconds=True))
    path = write_noxturnal_csv(known, tmp_path / "fr.csv", language="fr", units_row=False)
    events = read_noxturnal_csv(path)
    assert_same_events(events, known)
    assert events.side is None


def test_month_first_dates_are_told_from_day_first(tmp_path: Path) -> None:
    """01/02 -> 02/02 is one day day-first but a month month-first: day-first wins."""
    known = known_night(whole_seconds=True)
    path = write_noxturnal_csv(
        known, tmp_path / "fr.csv", language="fr", start=datetime(2026, 2, 1, 23, 40)
    )
    assert_same_events(read_noxturnal_csv(path), known)
    us = write_noxturnal_csv(
        known, tmp_path / "en.csv", language="en", start=datetime(2026, 2, 1, 23, 40)
    )
    assert "02/01/2026 23:40:00" in us.read_bytes().decode("utf-16")
    assert_same_events(read_noxturnal_csv(us), known)  # month-first: Feb 1 -> Feb 2


def test_seconds_columns(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "Start Time,End Time,Event\n[s],[s],[]\n10.5,12.25,Limb Movement\n40,41,Arousal\n",
        encoding="utf-8",
    )
    events = read_noxturnal_csv(path)
    assert events.onset_s.tolist() == [10.5] and events.offset_s.tolist() == [12.25]
    assert events.arousal_onset_s.tolist() == [40.0]


def test_fractional_seconds_and_am_pm(tmp_path: Path) -> None:
    path = tmp_path / "ampm.csv"
    path.write_text(
        "Start Time,End Time,Event\n"
        "11:59:59.500 PM,12:00:01.250 AM,Limb Movement\n"
        "12:00:30 AM,12:01:00 AM,N2\n",
        encoding="utf-8",
    )
    events = read_noxturnal_csv(path)
    np.testing.assert_allclose(events.offset_s, [1.75])
    assert events.stages is not None and events.stages.onset_s.tolist() == [30.5]


def test_user_labels_extend_the_table(tmp_path: Path) -> None:
    from rls_monitor.sleeplab import EventLabel

    path = tmp_path / "x.csv"
    path.write_text(
        "Start Time,End Time,Event,Duration\n22:00:00,22:00:02,Bein li,2\n", encoding="utf-8"
    )
    with pytest.raises(RecordingError, match="no scored events this reader knows"):
        read_noxturnal_csv(path)
    events = read_noxturnal_csv(path, {"Bein li": EventLabel("lm", side="left")})
    assert events.side == ("left",)


def test_is_noxturnal_export(tmp_path: Path) -> None:
    path = write_noxturnal_csv(known_night(whole_seconds=True), tmp_path / "a.csv")
    assert is_noxturnal_export(path)
    other = tmp_path / "b.csv"
    other.write_text("onset_s,offset_s\n1,2\n", encoding="utf-8")
    assert not is_noxturnal_export(other)
    assert not is_noxturnal_export(tmp_path / "absent.csv")


def _bytes_of(tmp_path: Path, **kw: object) -> bytes:
    path = write_noxturnal_csv(known_night(whole_seconds=True), tmp_path / "n.csv", **kw)  # type: ignore[arg-type]
    return path.read_bytes()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda b: b.decode("utf-16").encode("latin-1"), "neither UTF-16 nor UTF-8"),
        (lambda b: b[: len(b) // 2 + 1], "neither UTF-16 nor UTF-8"),
        (
            lambda b: (
                b.decode("utf-16")
                .replace(
                    "31/12/2026 23:45:00,31/12/2026 23:45:01,MJ droite,1.5,", "31/12/2026 23:45:00"
                )
                .encode("utf-16")
            ),
            "line 15: 1 fields, the header needs 4",
        ),
        (
            lambda b: b.decode("utf-16").replace(",30,\r\n", ",3O,\r\n", 1).encode("utf-16"),
            "duration is not a number",
        ),
        (
            lambda b: (
                b.decode("utf-16")
                .replace(
                    "31/12/2026 23:41:00,31/12/2026 23:41:30",
                    "31/12/2026 25:41:00,31/12/2026 23:41:30",
                    1,
                )
                .encode("utf-16")
            ),
            "start time does not read",
        ),
        (lambda b: b"\xff\xfe" + "Zeit,Ding\r\n1,2\r\n".encode("utf-16-le"), "no Noxturnal header"),
        (lambda b: b"", "empty"),
        (
            lambda b: b.decode("utf-16").replace("MJ gauche", "MJ", 1).encode("utf-16"),
            "have a side and 1 have none",
        ),
    ],
    ids=[
        "latin-1",
        "cut-utf-16",
        "cut-line",
        "bad-duration",
        "bad-time",
        "no-header",
        "empty",
        "mixed-sides",
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(make(_bytes_of(tmp_path, language="fr")))
    with pytest.raises(RecordingError, match=message) as err:
        read_noxturnal_csv(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_cut_line_names_its_line(tmp_path: Path) -> None:
    text = "Start Time,End Time,Event,Duration\n[],[],[],[s]\n22:00:00,22:00:02,LM,2\n22:00:10\n"
    path = tmp_path / "cut.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordingError, match=r"line 4: 1 fields, the header needs 4"):
        read_noxturnal_csv(path)


# Rows typed as the real French exports have them (rsleep's test files): an analysis start of
# no duration, positions named Gauche/Dos, a vendor PLM series row, desaturations, notes.
REAL_LAYOUT_FR = """\
Heure de début,Heure de fin,Événement,Durée,
[],[],[],[s],
25/07/2018 23:45:40,25/07/2018 23:45:40,Début de l'analyse,0,
25/07/2018 23:45:40,25/07/2018 23:46:10,Éveil,30,
25/07/2018 23:46:10,25/07/2018 23:46:40,N1,30,
25/07/2018 23:46:10,26/07/2018 00:32:50,Gauche,2800,
25/07/2018 23:46:40,25/07/2018 23:47:10,N2,30,
25/07/2018 23:46:41,25/07/2018 23:46:44,MJ,2.722,
25/07/2018 23:46:41,25/07/2018 23:48:48,PLM,126.925,
25/07/2018 23:46:50,25/07/2018 23:47:02,Micro-éveil,11.841,
25/07/2018 23:46:55,25/07/2018 23:47:15,A. Obstructive,20.088,
25/07/2018 23:47:05,25/07/2018 23:47:20,Désat,15,
25/07/2018 23:47:10,25/07/2018 23:47:40,REM,30,
25/07/2018 23:47:12,25/07/2018 23:47:30,Hypopnée,18.238,
25/07/2018 23:47:30,25/07/2018 23:47:30,Notification,1,
"""


def test_the_real_french_layout(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xff\xfe" + REAL_LAYOUT_FR.replace("\n", "\r\n").encode("utf-16-le"))
    events = read_noxturnal_csv(path)
    assert events.stages is not None
    assert events.stages.stage == ("W", "N1", "N2", "R")
    assert events.stages.onset_s.tolist() == [0.0, 30.0, 60.0, 90.0]
    assert events.onset_s.tolist() == [61.0] and events.offset_s.tolist() == [63.722]
    assert events.side is None
    assert events.arousal_onset_s.tolist() == [70.0]
    assert events.respiratory_type == ("apnea", "hypopnea")
    assert events.metadata["start_local"] == "2018-07-25T23:45:40"
    assert events.metadata["unknown_labels"] == (
        "Début de l'analyse (1), Gauche (1), PLM (1), Désat (1), Notification (1)"
    )
    # the length is the end of the last scored event (the last stage epoch), said to be derived;
    # rows of unknown labels (the Gauche position runs to 2830 s) do not count
    assert events.duration_s == 120.0 and events.duration_derived


def test_tab_delimited_big_endian_text_without_units_row(tmp_path: Path) -> None:
    known = known_night(whole_seconds=True)
    path = write_noxturnal_csv(
        known, tmp_path / "events.txt", encoding="utf-16-be", delimiter="\t", units_row=False
    )
    assert path.read_bytes()[:2] == b"\xfe\xff"
    events = read_noxturnal_csv(path)
    assert_same_events(events, known)
    assert events.metadata["delimiter"] == "tab"
