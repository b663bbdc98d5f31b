"""The command line: help everywhere, every command in the README, one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rls_monitor.cli import main

REPO = Path(__file__).resolve().parents[1]


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


def test_unknown_rules_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("time,x,y,z\n0,0,0,1\n")
    result = CliRunner().invoke(main, ["score", str(path), "--rules", "mine"])
    assert result.exit_code == 1 and "'wasm2016', 'aasm'" in result.output
