"""The storage commands through click's runner, with the CLI's error handling."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import rls_monitor.nights.importing
import rls_monitor.nights.rescore
import rls_monitor.nights.score
from rls_monitor.cli import ErrorReportingGroup as _Group
from rls_monitor.cli.store import (
    db_group,
    import_command,
    nights_command,
    rescore_command,
    show_command,
)
from rls_monitor.recording import write_csv
from rls_monitor.storage import Store
from rls_monitor.storage.migrations import SCHEMA_VERSION
from tests.storage.conftest import (
    db_path,
    simulated_recording,
    threshold_scorer,
)

#: The fixtures of the folder these tests came from (their conftest is not this folder's).
FIXTURES = (db_path,)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> click.Group:
    """A group holding the storage commands, handling errors as ``rls-monitor`` does."""

    def stand_in(source: Any, rules: str, posture: Any = None) -> Any:
        return threshold_scorer(source, rules)

    monkeypatch.setattr(rls_monitor.nights.score, "_default_scorer", stand_in)
    group = _Group("rls-monitor")
    for command in (import_command, nights_command, show_command, rescore_command, db_group):
        group.add_command(command)
    return group


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    return write_csv(simulated_recording(1200.0), tmp_path / "night.csv")


def test_import_nights_show_rescore_check(cli: click.Group, db_path: Path, csv_path: Path) -> None:
    run = CliRunner().invoke
    db = ["--db", str(db_path)]
    res = run(cli, ["import", str(csv_path), "--subject", "P01", *db])
    assert res.exit_code == 0, res.output
    assert re.fullmatch(
        r"Stored night 1: 0 h 20 min, \d+ LMs?, PLM \d+\.\d per hour in bed \(WASM 2016\)\n",
        res.output,
    )
    res = run(cli, ["import", str(csv_path), "--subject", "P02", "--again", "--json", *db])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["night"] == 2 and data["subject"] == "P02" and data["status"] == "complete"

    res = run(cli, ["nights", *db])
    assert res.exit_code == 0 and "P01" in res.output and "P02" in res.output
    res = run(cli, ["nights", "--subject", "P02", "--json", *db])
    assert [n["night"] for n in json.loads(res.output)] == [2]

    res = run(cli, ["show", "1", *db])
    assert res.exit_code == 0, res.output
    assert "PLM index:" in res.output and "not a diagnosis" in res.output
    res = run(cli, ["show", "1", "--json", *db])
    shown = json.loads(res.output)
    assert shown["night"] == 1 and shown["rules"] == "wasm2016"
    assert shown["counts"] == threshold_scorer(simulated_recording(1200.0), "wasm2016").counts

    res = run(cli, ["rescore", "--all", "--jobs", "1", *db])
    assert res.exit_code == 0, res.output
    assert "0 updated, 2 unchanged, 0 failed" in res.output
    res = run(cli, ["rescore", "1", "--rules", "aasm", *db])
    assert res.exit_code == 0 and "updated" in res.output and "[aasm]" in res.output

    res = run(cli, ["db", "check", *db])
    assert res.exit_code == 0 and res.output.strip().endswith("OK")
    res = run(cli, ["db", "info", "--json", *db])
    assert json.loads(res.output)["n_nights"] == 2
    res = run(cli, ["db", "version", *db])
    assert res.output.strip() == str(SCHEMA_VERSION)


def test_env_var_gives_the_default_database(
    cli: click.Group, db_path: Path, csv_path: Path
) -> None:
    res = CliRunner(env={"RLS_MONITOR_DB": str(db_path)}).invoke(cli, ["import", str(csv_path)])
    assert res.exit_code == 0, res.output
    assert db_path.exists()


def test_errors_are_one_line(cli: click.Group, db_path: Path, tmp_path: Path) -> None:
    run = CliRunner().invoke
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database\n")
    res = run(cli, ["nights", "--db", str(foreign)])
    assert res.exit_code == 1 and "not an SQLite database" in res.output
    assert foreign.read_text() == "not a database\n"
    res = run(cli, ["show", "3", "--db", str(db_path)])
    assert res.exit_code == 1 and "no database" in res.output
    Store(db_path).close()
    res = run(cli, ["show", "3", "--db", str(db_path)])
    assert res.exit_code == 1 and "no night 3" in res.output
    res = run(cli, ["rescore", "--db", str(db_path)])
    assert res.exit_code == 2 and "--all" in res.output
    res = run(cli, ["rescore", "--all", "--rules", "x", "--db", str(db_path)])
    assert res.exit_code == 2 and "wasm2016" in res.output


def test_db_check_reports_a_damaged_block(cli: click.Group, db_path: Path, csv_path: Path) -> None:
    run = CliRunner().invoke
    assert run(cli, ["import", str(csv_path), "--db", str(db_path)]).exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE sample_blocks SET crc32 = crc32 + 1 WHERE first_seq = 0")
    conn.commit()
    conn.close()
    res = run(cli, ["db", "check", "--db", str(db_path)])
    assert res.exit_code == 1
    assert "PROBLEM" in res.output and "CRC-32" in res.output
    res = run(cli, ["db", "check", "--json", "--db", str(db_path)])
    assert json.loads(res.output)["ok"] is False


@pytest.mark.parametrize(
    "command", [import_command, nights_command, show_command, rescore_command, db_group]
)
def test_every_command_has_help(command: click.Command) -> None:
    res = CliRunner().invoke(command, ["--help"])
    assert res.exit_code == 0 and "Usage" in res.output


def test_db_close_an_interrupted_night(cli: click.Group, db_path: Path) -> None:
    rec = simulated_recording(600.0)
    counts, lsb_g, _ = rec.to_counts()
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=rec.fs_hz, lsb_g=lsb_g)
        store.append_samples(night, 0, counts)
        res = CliRunner().invoke(cli, ["db", "close", str(night), "--db", str(db_path)])
        assert res.exit_code == 2 and "still being recorded" in res.output
        store.mark_interrupted(night)
    res = CliRunner().invoke(cli, ["db", "close", str(night), "--db", str(db_path)])
    assert res.exit_code == 0, res.output
    assert "complete" in res.output and "[wasm2016]" in res.output


@pytest.mark.parametrize("choice", ["stored", "latest", "none"])
def test_rescore_and_import_pass_the_calibration_choice(
    cli: click.Group,
    db_path: Path,
    csv_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    choice: str,
) -> None:
    seen: dict[str, Any] = {}
    real_import = rls_monitor.nights.importing.import_recording
    real_rescore = rls_monitor.nights.rescore.rescore_night

    def spy_import(*args: Any, **kwargs: Any) -> Any:
        seen["import"] = kwargs["calibration"]
        return real_import(*args, **kwargs)

    def spy_rescore(*args: Any, **kwargs: Any) -> Any:
        seen["rescore"] = kwargs["calibration"]
        return real_rescore(*args, **kwargs)

    monkeypatch.setattr(rls_monitor.nights.importing, "import_recording", spy_import)
    monkeypatch.setattr(rls_monitor.nights.rescore, "rescore_night", spy_rescore)
    db = ["--db", str(db_path)]
    res = CliRunner().invoke(cli, ["import", str(csv_path), "--calibration", "none", *db])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(cli, ["rescore", "1", "--calibration", choice, *db])
    assert res.exit_code == 0, res.output
    # No calibration exists for this band, so every choice scores the raw samples: unchanged.
    assert "unchanged" in res.output
    assert seen == {"import": "none", "rescore": choice}


def test_the_same_file_is_stored_once_unless_again(
    cli: click.Group, db_path: Path, csv_path: Path, tmp_path: Path
) -> None:
    run = CliRunner().invoke
    db = ["--db", str(db_path)]
    assert run(cli, ["import", str(csv_path), "--subject", "P01", *db]).exit_code == 0
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(csv_path.read_bytes())  # same content, another name: still the same night
    res = run(cli, ["import", str(copy), *db])
    assert res.exit_code == 0, res.output
    assert res.output == (
        "renamed.csv is already stored as night 1 (same content, subject P01); nothing imported "
        "(--again stores it once more).\n"
    )
    res = run(cli, ["import", str(copy), "--json", *db])
    assert json.loads(res.output)["already_stored"] is True and json.loads(res.output)["night"] == 1
    res = run(cli, ["import", str(copy), "--again", *db])
    assert res.exit_code == 0 and res.output.startswith("Stored night 2: ")
    assert [n["night"] for n in json.loads(run(cli, ["nights", "--json", *db]).output)] == [1, 2]


@pytest.mark.parametrize(
    "args", [["nights"], ["nights", "--json"], ["show", "1"], ["show", "1", "--json"]]
)
def test_a_command_that_only_reads_creates_nothing(
    cli: click.Group, tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.sqlite"
    res = CliRunner().invoke(cli, [*args, "--db", str(missing)])
    assert res.exit_code == 1
    assert res.stderr == (
        f"Error: there is no database at {missing}: nothing was recorded or imported there yet "
        "(--db or RLS_MONITOR_DB name another)\n"
    )
    assert not (tmp_path / "no").exists()


def test_import_refuses_an_event_file_pointing_to_score(
    cli: click.Group, db_path: Path, tmp_path: Path
) -> None:
    """The store keeps recordings: a sleep lab's event export is refused in one line."""
    from tests.sleeplab.exports import known_night, write_profusion_xml

    path = write_profusion_xml(known_night(), tmp_path / "export.xml")
    res = CliRunner().invoke(cli, ["import", str(path), "--db", str(db_path)])
    assert res.exit_code == 1 and res.output.count("\n") == 1
    assert "rescore it with `rls-monitor score export.xml`" in res.output
    assert not db_path.exists()
