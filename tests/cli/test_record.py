"""The record / sync / scan / pair commands, driven through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rls_monitor.cli.record import pair_command, record_command, scan_command, sync_command
from rls_monitor.cli.score import score_command
from rls_monitor.cli.store import show_command
from rls_monitor.recording import Recording, write_csv
from rls_monitor.simulation import simulated_sources


def test_record_simulate_then_show_equals_score_of_the_file(tmp_path: Path) -> None:
    """The link changes nothing: record --simulate FILE, then show --json == score FILE --json."""
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=1800.0, bilateral=False, seed=3)[
        "left"
    ]
    path = tmp_path / "night.csv"
    write_csv(Recording.from_counts(counts, lsb_g, fs_hz, side="left"), path)
    db = tmp_path / "n.sqlite"
    runner = CliRunner()
    rec = runner.invoke(
        record_command,
        ["--simulate", str(path), "--speed", "max", "--db", str(db), "--json", "--quiet"],
    )
    assert rec.exit_code == 0, rec.output
    night = json.loads(rec.output)["night"]
    shown = runner.invoke(show_command, [str(night), "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    scored = runner.invoke(score_command, [str(path), "--json"])
    assert scored.exit_code == 0, scored.output
    a, b = json.loads(shown.output), json.loads(scored.output)
    assert len(b["movements"]) >= 20 and b["counts"]["plm"] >= 10  # something to compare
    assert a["movements"] == b["movements"]
    assert a["indices"] == b["indices"]
    assert a["counts"] == b["counts"]


def test_record_simulate_prints_the_morning_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        record_command,
        [
            *("--simulate", "--duration", "600", "--speed", "max", "--link", "serial"),
            *("--db", str(tmp_path / "n.sqlite"), "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Night 1" in result.output and "0 frames lost" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of"),
        (["--ble", "AA:BB:CC:DD:EE:FF", "--simulate"], "exactly one of"),
        (["--simulate", "--speed", "fast"], "--speed must be"),
        (["--simulate", "--speed", "-2"], "--speed must be"),
    ],
)
def test_record_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(record_command, [*args, "--db", str(tmp_path / "n.sqlite")])
    assert result.exit_code != 0
    assert message in result.output or message in str(result.exception)


@pytest.mark.parametrize("command", [record_command, sync_command, scan_command, pair_command])
def test_every_command_has_help(command: object) -> None:
    result = CliRunner().invoke(command, ["--help"])  # type: ignore[arg-type]
    assert result.exit_code == 0 and "Usage" in result.output
