"""The record / sync / scan / pair commands, driven through click's runner."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from rls_monitor.cli import main
from rls_monitor.cli.record import pair_command, record_command, scan_command, sync_command
from rls_monitor.cli.score import score_command
from rls_monitor.cli.store import nights_command, show_command
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
    ("band", "device", "words"),
    [
        ("movesense", "movesense-223430000101", "this device cannot resend"),
        ("polar", "polar-B5A73F21", "this device cannot resend"),
        ("nus", "SIM-LEFT-0001", "filled by resend"),
    ],
)
def test_record_simulate_any_band_family(
    tmp_path: Path, band: str, device: str, words: str
) -> None:
    db = tmp_path / "n.sqlite"
    result = CliRunner().invoke(
        record_command,
        [
            *("--simulate", "--band", band, "--link", "ble", "--duration", "600"),
            *("--speed", "max", "--db", str(db), "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"left band {device}" in result.output and words in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of"),
        (["--ble", "AA:BB:CC:DD:EE:FF", "--simulate"], "exactly one of"),
        (["--simulate", "--speed", "fast"], "--speed must be"),
        (["--simulate", "--speed", "-2"], "--speed must be"),
        (["--simulate", "--band", "polar", "--link", "serial"], "BLE only"),
        (["--simulate", "--band", "garmin"], "garmin"),
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


def test_simulated_nights_follow_one_another_and_record_ends_with_shows_summary(
    tmp_path: Path,
) -> None:
    """Two `record --simulate` nights fall on two evenings; the second is compared with the
    first; `record` prints the same morning summary as `show` (one function), after its link
    report; in a pipe the status comes as whole lines, never glued to the next output."""
    db = tmp_path / "n.sqlite"
    runner = CliRunner()
    args = ["--simulate", "--duration", "900", "--speed", "max", "--db", str(db)]
    first = runner.invoke(record_command, [*args, "--quiet"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(record_command, [*args, "--seed", "5"])  # with the status lines
    assert second.exit_code == 0, second.output
    nights = json.loads(runner.invoke(nights_command, ["--json", "--db", str(db)]).output)
    starts = [datetime.fromisoformat(n["start_utc"]) for n in nights]
    assert len(starts) == 2 and timedelta(hours=23) < starts[1] - starts[0] < timedelta(hours=25)
    assert starts[0].astimezone().strftime("%H:%M") == "22:30"
    shown = runner.invoke(show_command, ["2", "--db", str(db)])
    assert shown.exit_code == 0
    assert (
        "Previous nights: median PLM index" in shown.output
        and "over the last 1 night;" in shown.output
    )
    assert shown.output in second.stdout  # the same words and numbers
    assert second.stdout.startswith("Night 2 recorded:\n  left band SIM-LEFT-0001: 0:15:00")
    status_lines = second.stderr.splitlines(keepends=True)
    assert status_lines and all(line.endswith("\n") for line in status_lines)
    assert all(line.startswith("night ") and "LMs so far" in line for line in status_lines)
    assert len(status_lines) <= 3  # rate-limited: the first, (at most one a minute), the last
    assert "closed" in status_lines[-1] and "900 samples" not in status_lines[-1]


@pytest.mark.parametrize(
    ("duration", "message"), [("1e9", "flash holds"), ("10", "at least 120 s")]
)
def test_a_simulated_night_the_band_cannot_record_is_refused(
    tmp_path: Path, duration: str, message: str
) -> None:
    result = CliRunner().invoke(
        main, ["record", "--simulate", "--duration", duration, "--db", str(tmp_path / "n.sqlite")]
    )
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "n.sqlite").exists()
