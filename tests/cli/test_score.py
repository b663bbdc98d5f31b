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
