"""The label tables: one per format, localised Noxturnal labels, and a user's label file."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError, RecordingError
from rls_monitor.sleeplab.labels import (
    EDF_LABELS,
    FORMATS,
    NOXTURNAL_LABELS,
    NSRR_LABELS,
    PROFUSION_LABELS,
    EventLabel,
    label_table,
    normalise_label,
    read_label_file,
)


@pytest.mark.parametrize(
    ("label", "want"),
    [
        ("Éveil", EventLabel("stage", stage="W")),
        ("MJ", EventLabel("lm")),
        ("Micro-éveil", EventLabel("arousal")),
        ("A. Obstructive", EventLabel("apnea")),
        ("A. Centrale", EventLabel("apnea")),
        ("Hypopnée", EventLabel("hypopnea")),
        ("REM", EventLabel("stage", stage="R")),
        ("Wach", EventLabel("stage", stage="W")),
        ("Beinbewegung links", EventLabel("lm", side="left")),
        ("Weckreaktion", EventLabel("arousal")),
        ("Hypopnoe", EventLabel("hypopnea")),
        ("Vigilia", EventLabel("stage", stage="W")),
        ("Movimiento de pierna derecha", EventLabel("lm", side="right")),
        ("Microdespertar", EventLabel("arousal")),
        ("Hipopnea", EventLabel("hypopnea")),
        ("Vaka", EventLabel("stage", stage="W")),
        ("Fótahreyfing", EventLabel("lm")),
        ("Benrörelse", EventLabel("lm")),
        ("limb movement (LEFT)", EventLabel("lm", side="left")),
        ("RERA", EventLabel("rera")),
    ],
)
def test_noxturnal_labels_in_several_languages(label: str, want: EventLabel) -> None:
    assert label_table("noxturnal").lookup(label) == want


@pytest.mark.parametrize("label", ["PLM", "Gauche", "Droite", "Désat", "Notification", ""])
def test_series_positions_and_notes_are_not_events(label: str) -> None:
    """A vendor's PLM series and the French body positions 'Gauche'/'Droite' map to nothing."""
    assert label_table("noxturnal").lookup(label) is None


def test_one_table_per_format() -> None:
    assert FORMATS == ("edf", "noxturnal", "nsrr", "profusion")
    assert EDF_LABELS["sleep stage 4"] == EventLabel("stage", stage="N3")
    assert NSRR_LABELS["stage 4 sleep|4"] == EventLabel("stage", stage="N3")
    assert PROFUSION_LABELS["limb movement (right)"] == EventLabel("lm", side="right")
    assert NOXTURNAL_LABELS["mj"] == EventLabel("lm")
    assert label_table("nsrr").lookup("Periodic leg movement - left|PLM (Left)") is None
    assert label_table("nsrr").lookup("Limb movement - left") == EventLabel("lm", side="left")
    assert label_table("nsrr").lookup("Movement") is None
    with pytest.raises(ConfigError, match="format must be one of"):
        label_table("embla")


def test_normalise_label() -> None:
    assert normalise_label("  Sleep\tstage  W ") == "sleep stage w"


def test_event_label_is_checked() -> None:
    with pytest.raises(ConfigError, match="type must be one of"):
        EventLabel("plm")
    with pytest.raises(ConfigError, match="stage must be one of"):
        EventLabel("stage", stage="S2")
    with pytest.raises(ConfigError, match="side must be one of"):
        EventLabel("lm", side="both")


def test_label_file_extends_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "# our lab\nlabel,type,side\nBein li,lm,left\nBein re,lm,R\n"
        "Schlafstadium 2,stage,N2\nSchlafstadium 4,stage,N4\nWeck,arousal\nMJ,lm,left\n",
        encoding="utf-8",
    )
    extra = read_label_file(path)
    table = label_table("noxturnal", extra)
    assert table.lookup("bein li") == EventLabel("lm", side="left")
    assert table.lookup("Bein re") == EventLabel("lm", side="right")
    assert table.lookup("Schlafstadium 4") == EventLabel("stage", stage="N3")
    assert table.lookup("Weck") == EventLabel("arousal")
    assert table.lookup("MJ") == EventLabel("lm", side="left")  # the user's wins
    assert label_table("noxturnal").lookup("MJ") == EventLabel("lm")


def test_label_file_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("Bein, links;lm;left\n", encoding="utf-8")
    assert read_label_file(path) == {"bein, links": EventLabel("lm", side="left")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Bein li,leg\n", "line 1: type must be one of"),
        ("ok,arousal\nBein li,lm,both\n", "line 2: side must be left, right or empty"),
        ("S2,stage,S2\n", "line 1: stage must be one of"),
        ("lonely\n", "line 1: a row needs a label and a type"),
    ],
)
def test_bad_label_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RecordingError, match=message):
        read_label_file(path)


def test_missing_label_file(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="no such label file"):
        read_label_file(tmp_path / "none.csv")
