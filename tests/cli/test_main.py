"""The command line as a whole: help everywhere, every command in the README, the version, usage errors."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rls_monitor.cli import main

REPO = Path(__file__).resolve().parents[2]


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        names.append(full)
        if isinstance(command, click.Group):
            names.extend(_commands(command, prefix=f"{full} "))
    return names


COMMANDS = _commands(main)


def test_there_are_commands() -> None:
    assert "score" in COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) >= 3


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"rls-monitor {re.escape(command)}\b", readme), command


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "rls-monitor" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["score", "{csv}"],
        ["import", "{csv}"],
        ["rescore", "--all"],
        ["insights"],
    ],
)
def test_unknown_rules_are_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    """A rule set we do not know is wrong usage (exit 2, as the README says), named with the choices."""
    path = tmp_path / "x.csv"
    path.write_text("time,x,y,z\n0,0,0,1\n")
    argv = [a.format(csv=path) for a in args] + ["--rules", "mine"]
    if args[0] != "score":
        argv += ["--db", str(tmp_path / "n.sqlite")]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 2, result.output
    assert "'mine' is not one of 'wasm2016', 'aasm'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "n.sqlite").exists()


#: One exit rule for every command (README "Errors"): 2 for wrong usage, click's own or ours
#: (a value not allowed, options that contradict each other), 1 for a failure.
USAGE_ERRORS = [
    ["score"],  # click: missing argument
    ["nights", "--no-such-option"],  # click: unknown option
    ["show", "three"],  # click: not an integer
    ["record"],  # ours: none of --ble, --serial, --simulate
    ["record", "--simulate", "--speed", "fast"],
    ["record", "--simulate", "--duration", "1e9"],  # longer than the band's flash holds
    ["record", "--simulate", "--duration", "10"],
    ["simulate", "{tmp}/s.csv", "--duration", "1e9"],
    ["rescore"],  # neither NIGHT nor --all
    ["report", "-o", "{tmp}/x.html"],  # neither NIGHT nor --subject
    ["report", "1", "-o", "{tmp}/x.txt"],  # not .html or .pdf
    ["export", "--format", "edf", "-o", "-", "--night", "1"],
    ["diary", "add", "--subject", "me"],  # nothing given, no terminal
    ["diary", "edit", "--subject", "me", "--date", "2026-03-01"],  # nothing to change
    ["calibrate", "--from-file", "{tmp}/s.csv", "--simulate"],
]
FAILURES = [
    ["show", "99"],  # no such night
    ["export", "--format", "csv", "--night", "99", "-o", "{tmp}/x.csv"],
    ["report", "--subject", "nobody", "-o", "{tmp}/x.html"],  # no night matches
    ["score", "{tmp}/bad.csv"],  # an unreadable file
    ["nights", "--db", "{tmp}/no/such/dir/x.sqlite"],  # no database there: none is created
    ["show", "1", "--db", "{tmp}/no/x.sqlite"],
    ["export", "--format", "csv", "-o", "{tmp}/x.csv", "--db", "{tmp}/no/x.sqlite"],
    ["report", "1", "-o", "{tmp}/x.html", "--db", "{tmp}/no/x.sqlite"],
    ["insights", "--db", "{tmp}/no/x.sqlite"],
    ["diary", "list", "--db", "{tmp}/no/x.sqlite"],
]


@pytest.fixture
def store_with_a_night(tmp_path: Path) -> Path:
    from rls_monitor.nights.importing import import_recording
    from rls_monitor.storage import Store
    from tests.storage.conftest import simulated_recording, threshold_scorer

    db = tmp_path / "n.sqlite"
    with Store(db) as store:
        import_recording(store, simulated_recording(600.0), subject="me", scorer=threshold_scorer)
    (tmp_path / "bad.csv").write_text("time,x,y,z\n0,zero,0,1\n")
    return db


@pytest.mark.parametrize(
    ("args", "status"), [(a, 2) for a in USAGE_ERRORS] + [(a, 1) for a in FAILURES]
)
def test_one_exit_rule_for_every_command(
    store_with_a_night: Path, args: list[str], status: int
) -> None:
    tmp = store_with_a_night.parent
    argv = [a.replace("{tmp}", str(tmp)) for a in args]
    if "--db" not in argv and argv[0] not in ("score", "simulate", "nights"):
        argv += ["--db", str(store_with_a_night)]
    before = sorted(p.name for p in tmp.rglob("*"))
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == status, (argv, result.output)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr  # one line says what is wrong (click adds its usage)
    after = sorted(p.name for p in tmp.rglob("*") if not p.name.endswith(("-wal", "-shm")))
    assert after == [n for n in before if not n.endswith(("-wal", "-shm"))]
