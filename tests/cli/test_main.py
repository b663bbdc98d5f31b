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
