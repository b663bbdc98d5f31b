"""The export and report commands: options, output files, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rls_monitor.cli import main as real_main
from rls_monitor.cli.export import export_command, report_command
from tests.export.conftest import one_night, three_nights
from tests.export.nightstore import SUBJECT, FixtureStore

#: The fixtures of the folder these tests came from (their conftest is not this folder's).
FIXTURES = (one_night, three_nights)


@pytest.fixture
def cli() -> click.Group:
    """The real command group, with the two commands registered if the coordinator has not yet."""
    if "export" in real_main.commands and "report" in real_main.commands:
        return real_main
    group = type(real_main)("rls-monitor", commands=dict(real_main.commands))
    group.add_command(export_command)
    group.add_command(report_command)
    return group


def test_export_csv_to_stdout_and_file(
    cli: click.Group, three_nights: FixtureStore, tmp_path: Path
) -> None:
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "export",
            "--db",
            str(three_nights.path),
            "--format",
            "csv",
            "-o",
            "-",
            "--subject",
            SUBJECT,
        ],
    )
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [int(r["night_id"]) for r in rows] == three_nights.night_ids
    out = tmp_path / "m.json"
    res = runner.invoke(
        cli,
        [
            "export",
            "--db",
            str(three_nights.path),
            "--format",
            "json",
            "-o",
            str(out),
            "--movements",
            "--from",
            "2026-11-25",
            "--to",
            "2026-11-26",
            "--tz",
            "UTC",
            "--pseudonymise",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "pseudonymised" in res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["table"] == "movements" and doc["pseudonymised"] is True
    assert {r["night_id"] for r in doc["rows"]} <= set(three_nights.night_ids[1:])
    assert all(r["subject"].startswith("S-") for r in doc["rows"])


def test_export_edf_and_report(cli: click.Group, one_night: FixtureStore, tmp_path: Path) -> None:
    runner = CliRunner()
    night = str(one_night.night_ids[0])
    res = runner.invoke(
        cli,
        [
            "export",
            "--db",
            str(one_night.path),
            "--format",
            "edf",
            "--night",
            night,
            "-o",
            str(tmp_path / "n.edf"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "n.edf").read_bytes()[:8] == b"0       "
    res = runner.invoke(
        cli, ["report", night, "--db", str(one_night.path), "-o", str(tmp_path / "n.html")]
    )
    assert res.exit_code == 0, res.output
    assert "<!DOCTYPE html>" in (tmp_path / "n.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["export", "--format", "edf", "-o", "-", "--night", "1"], "EDF+ is binary", 2),
        (["export", "--format", "edf", "-o", "{tmp}/x.edf"], "one night", 2),
        (["export", "--format", "csv", "-o", "{tmp}/x.csv", "--night", "99"], "no night 99", 1),
        (["export", "--format", "csv", "-o", "{tmp}/x.csv", "--subject", "nobody"], "no scored", 1),
        (
            ["export", "--format", "csv", "-o", "{tmp}/x.csv", "--tz", "Mars/Olympus"],
            "unknown time zone",
            2,
        ),
        (["report", "-o", "{tmp}/x.html"], "NIGHT id or --subject", 2),
        (["report", "1", "-o", "{tmp}/x.txt"], ".html or .pdf", 2),
        (["report", "1", "--from", "2026-11-01", "-o", "{tmp}/x.html"], "--from/--to", 2),
        (["report", "--subject", "nobody", "-o", "{tmp}/x.html"], "no scored", 1),
    ],
)
def test_errors_are_one_line(
    cli: click.Group,
    three_nights: FixtureStore,
    tmp_path: Path,
    args: list[str],
    message: str,
    status: int,
) -> None:
    """Usage errors exit with 2 (as click's own), failures with 1; nothing is left behind."""
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = CliRunner().invoke(cli, [*args, "--db", str(three_nights.path)])
    assert res.exit_code == status, res.output
    assert message in res.stderr and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("x.")]


def test_help(cli: click.Group) -> None:
    for name in ("export", "report"):
        res = CliRunner().invoke(cli, [name, "--help"])
        assert res.exit_code == 0 and "--db" in res.output
