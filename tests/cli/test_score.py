"""``rls-monitor score``: errors are one line and a non-zero exit status."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from rls_monitor.cli import main


def test_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("time,x,y,z\n0,0,0,1\n0.02,0,oops,1\n0.04,0,0,1\n")
    result = CliRunner().invoke(main, ["score", str(bad)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "Traceback" not in result.output


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["score", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_channels_of_an_edf(tmp_path: Path) -> None:
    """--channels picks an EDF's acceleration channels; a wrong count is a usage error (2)."""
    from tests.recording.edf_writer import still_edf

    path = tmp_path / "lab.edf"
    still_edf(path, ["Tibia 0", "Tibia 1", "Tibia 2"])
    runner = CliRunner()
    refused = runner.invoke(main, ["score", str(path)])
    assert refused.exit_code == 1 and "--channels" in refused.output
    ok = runner.invoke(
        main, ["score", str(path), "--channels", "Tibia 0,Tibia 1,Tibia 2", "--json"]
    )
    assert ok.exit_code == 0, ok.output
    assert '"fs_hz": 25' in ok.output
    usage = runner.invoke(main, ["score", str(path), "--channels", "Tibia 0,Tibia 1"])
    assert usage.exit_code == 2 and "three channel labels" in usage.output
    stored = runner.invoke(
        main,
        [
            "import",
            str(path),
            "--channels",
            "Tibia 0,Tibia 1,Tibia 2",
            "--db",
            str(tmp_path / "s.sqlite"),
        ],
    )
    assert stored.exit_code == 0 and stored.output.startswith("Stored night 1"), stored.output


def test_a_sleep_lab_export_is_scored_as_events(tmp_path: Path) -> None:
    """An NSRR XML export: exit 0, PLMS/PLMW, respiratory and arousal lines shown."""
    from tests.sleeplab.exports import known_night, write_nsrr_xml

    path = write_nsrr_xml(known_night(), tmp_path / "export.xml")
    result = CliRunner().invoke(main, ["score", str(path)])
    assert result.exit_code == 0, result.output
    assert "Source: events" in result.output
    assert "PLMS index [wasm2016]: 17.6/h of sleep; PLMW index: 120.0/h" in result.output
    assert "Respiratory-related CLM: 1" in result.output
    assert "Arousal-associated LM: 2" in result.output


def test_a_noxturnal_export_with_event_labels(tmp_path: Path) -> None:
    """UTF-16 Noxturnal export; a label only the user's --event-labels file knows."""
    from tests.sleeplab.exports import known_night, write_noxturnal_csv

    path = write_noxturnal_csv(known_night(whole_seconds=True), tmp_path / "nox.csv", language="de")
    text = path.read_bytes().decode("utf-16")
    text = text.replace("Beinbewegung links", "Bein li").replace("Beinbewegung rechts", "Bein re")
    path.write_bytes(text.encode("utf-16"))
    runner = CliRunner()
    unlabelled = runner.invoke(main, ["score", str(path)])
    assert unlabelled.exit_code == 0, unlabelled.output
    assert "LM: 0 (0.0/h)" in unlabelled.output
    labels = tmp_path / "labels.csv"
    labels.write_text("label,type,side\nBein li,lm,left\nBein re,lm,right\n", encoding="utf-8")
    ok = runner.invoke(main, ["score", str(path), "--event-labels", str(labels), "--json"])
    assert ok.exit_code == 0, ok.output
    assert '"plms": 10' in ok.output and '"kind": "events"' in ok.output


def test_a_bad_export_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "export.xml"
    bad.write_text("<PSGAnnotation><ScoredEvents><ScoredEvent>")
    result = CliRunner().invoke(main, ["score", str(bad)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "not well-formed XML" in result.output
    labels = tmp_path / "labels.csv"
    labels.write_text("x,plm\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(bad), "--event-labels", str(labels)])
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "line 1: type must be one of" in result.output


def test_the_real_nox_edf_without_scoring_is_a_recording(shared_data: Path) -> None:
    """Its EDF+ annotations hold no scored events, so `score` reads its samples instead."""
    result = CliRunner().invoke(
        main, ["score", str(shared_data / "psg/nox_a1_subject1_120s_legEMG.edf"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"kind": "recording"' in result.output
