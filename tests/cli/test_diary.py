"""The diary and insights commands (click's CliRunner on the command objects)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner, Result

from rls_monitor import diary
from rls_monitor.cli import main
from rls_monitor.cli.diary import diary_group, insights_command
from rls_monitor.diary import DiaryEntry, Medication
from rls_monitor.errors import ConfigError
from rls_monitor.storage import Store
from rls_monitor.storage.diary_schema import DIARY_NIGHT_COLUMNS
from tests.diary.conftest import (
    DAY,
    add_nights,
    db_path,
    full_entry,
    store,
)

#: The fixtures of the folder these tests came from (their conftest is not this folder's).
FIXTURES = (db_path, store)

FULL_ARGS = [
    "--subject", "P07",
    "--date", "2026-03-01",
    "--caffeine-cups", "2.5",
    "--caffeine-last", "15:45",
    "--alcohol-units", "1.5",
    "--no-nicotine",
    "--exercise-min", "40",
    "--exercise-time", "18:05",
    "--symptoms", "7",
    "--rested", "3",
    "--medication", "pramipexole 0.25 mg 21:30",
    "--medication", "ferrous sulfate 1 tablet",
    "--iron",
    "--no-stockings",
    "--note", "long drive; legs bad from 20:00 — « très »",
]  # fmt: skip

FULL = full_entry("P07")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, db: Path, command: click.Command, args: list[str], **kw: Any) -> Result:
    return runner.invoke(command, [*args, "--db", str(db)], catch_exceptions=True, **kw)


def test_every_field_round_trips_through_the_cli(runner: CliRunner, db_path: Path) -> None:
    res = run(runner, db_path, diary_group, ["add", *FULL_ARGS, "--no-interactive", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == FULL.to_dict()
    with Store(db_path) as store:
        assert diary.get_entry(store, "P07", DAY) == FULL
        night = add_nights(store, "P07", DAY, [20.0])[0]
        cols = diary.diary_columns_for_nights(store, [night])[night]
    for name in DIARY_NIGHT_COLUMNS:
        assert cols[f"diary_{name}"] == getattr(FULL, name), name
    meds = cols["diary_medications"].split("; ")
    assert tuple(diary.parse_medication(m) for m in meds) == FULL.medications
    listed = run(runner, db_path, diary_group, ["list", "--subject", "P07", "--json"])
    assert json.loads(listed.output)["entries"] == [FULL.to_dict()]
    text = run(runner, db_path, diary_group, ["list"])
    assert "pramipexole 0.25 mg at 21:30" in text.output and "symptoms 7/10" in text.output


def test_edit_and_clear(runner: CliRunner, db_path: Path) -> None:
    run(runner, db_path, diary_group, ["add", *FULL_ARGS, "--no-interactive"])
    res = run(
        runner,
        db_path,
        diary_group,
        ["edit", "--subject", "P07", "--date", "2026-03-01", "--alcohol-units", "3",
         "--clear", "exercise_hhmm", "--no-medications", "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    with Store(db_path) as store:
        got = diary.get_entry(store, "P07", DAY)
    assert got is not None and got.alcohol_units == 3.0 and got.exercise_hhmm is None
    assert got.medications == () and got.symptoms_0_10 == 7
    bad = run(runner, db_path, diary_group, ["edit", "--subject", "P07", "--date", "2026-03-01",
                                             "--clear", "wine"])  # fmt: skip
    assert isinstance(bad.exception, ConfigError) and "unknown field 'wine'" in str(bad.exception)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--caffeine-last", "25:00"], "HH:MM between 00:00 and 23:59; got '25:00'"),
        (["--medication", "pramipexole 0.25"], "has no unit"),
        (["--symptoms", "12"], "from 0 to 10"),
        (["--date", "2026-13-01"], "date YYYY-MM-DD"),
    ],
)
def test_invalid_values_are_refused_clearly(
    runner: CliRunner, db_path: Path, args: list[str], fragment: str
) -> None:
    res = run(runner, db_path, diary_group, ["add", "--no-interactive", *args])
    assert isinstance(res.exception, ConfigError), res.output
    assert fragment in str(res.exception)
    with Store(db_path) as store:
        assert diary.list_entries(store) == []


@pytest.mark.parametrize("flags", [[], ["--no-interactive"]])
def test_add_with_nothing_given_is_refused(
    runner: CliRunner, db_path: Path, flags: list[str]
) -> None:
    """No field option and no terminal (CliRunner's stdin is not one): no empty entry."""
    res = run(runner, db_path, main, ["diary", "add", "--subject", "P09", *flags])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("Error: nothing was given") and res.stderr.count("\n") == 1
    with Store(db_path) as store:
        assert diary.list_entries(store) == []


def test_list_says_one_cup_and_one_unit(runner: CliRunner, db_path: Path) -> None:
    args = ["--subject", "P09", "--date", "2026-03-01", "--caffeine-cups", "1"]
    run(runner, db_path, diary_group, ["add", *args, "--alcohol-units", "1"])
    run(runner, db_path, diary_group, ["add", *args[:3], "2026-03-02", "--alcohol-units", "2"])
    out = run(runner, db_path, diary_group, ["list"]).output
    assert "caffeine 1 cup;" in out and "alcohol 1 unit\n" in out and "alcohol 2 units" in out


def test_lab_ferritin_4000_refused(runner: CliRunner, db_path: Path) -> None:
    res = run(runner, db_path, diary_group, ["lab", "--date", "2026-03-01", "--ferritin", "4000"])
    assert isinstance(res.exception, ConfigError)
    assert "ferritin_ng_per_ml: must be from 1 to 2000 ng/mL; got 4000.0" in str(res.exception)


def test_interactive_prompt(runner: CliRunner, db_path: Path) -> None:
    answers = "\n".join(
        [
            "2",  # caffeine cups
            "25:00",  # bad time: asked again
            "16:00",
            "",  # alcohol: skipped
            "y",  # nicotine
            "30",
            "07:15",
            "eight",  # not a number: asked again
            "8",
            "4",
            "n",  # iron
            "",  # stockings skipped
            "ropinirole 0.5",  # no unit: asked again
            "ropinirole 0.5 mg 21:00",
            "",  # no more medication
            "restless evening",
        ]
    )
    res = run(
        runner,
        db_path,
        diary_group,
        ["add", "--subject", "P09", "--date", "2026-03-01", "--interactive"],
        input=answers + "\n",
    )
    assert res.exit_code == 0, res.output
    with Store(db_path) as store:
        got = diary.get_entry(store, "P09", DAY)
    assert got == DiaryEntry(
        "P09",
        DAY,
        caffeine_cups=2,
        caffeine_last_hhmm="16:00",
        nicotine=True,
        exercise_min=30,
        exercise_hhmm="07:15",
        symptoms_0_10=8,
        rested_0_10=4,
        iron_supplement=False,
        medications=(Medication("ropinirole", 0.5, "mg", "21:00"),),
        note="restless evening",
    )


def test_dated_commands(runner: CliRunner, db_path: Path) -> None:
    res = run(runner, db_path, diary_group, ["lab", "--subject", "P07", "--date", "2026-03-01",
              "--ferritin", "45", "--haemoglobin", "12.5", "--egfr", "75"])  # fmt: skip
    assert res.exit_code == 0 and res.output == "Lab results of P07 on 2026-03-01 saved.\n"
    res = run(runner, db_path, diary_group, ["pregnancy", "--subject", "P07", "--date",
              "2026-03-01", "--week", "20"])  # fmt: skip
    assert res.exit_code == 0 and res.output == "Pregnancy week 20 on 2026-03-01 saved.\n"
    res = run(runner, db_path, diary_group, ["treatment", "start", "vein ablation", "--subject",
              "P07", "--date", "2026-03-05"])  # fmt: skip
    assert res.output.startswith("Treatment #1 vein ablation of P07 started on 2026-03-05")
    res = run(runner, db_path, diary_group, ["treatment", "start", "iron", "--subject", "P07",
              "--date", "2026-03-06", "--json"])  # fmt: skip
    assert json.loads(res.output)["id"] == 2 and json.loads(res.output)["name"] == "iron"
    tid = 1
    res = run(runner, db_path, diary_group, ["treatment", "stop", str(tid), "--date", "2026-03-04"])
    assert isinstance(res.exception, ConfigError) and "before the start" in str(res.exception)
    res = run(runner, db_path, diary_group, ["treatment", "stop", str(tid), "--date", "2026-04-01"])
    assert res.exit_code == 0, res.output
    assert res.output == "Treatment #1 vein ablation stopped: 2026-03-05 to 2026-04-01.\n"
    out = json.loads(run(runner, db_path, diary_group, ["list", "--json"]).output)
    assert out["labs"][0]["ferritin_ng_per_ml"] == 45.0
    assert out["labs"][0]["egfr_ml_per_min_1_73m2"] == 75.0
    assert out["pregnancy"] == [{"subject": "P07", "entry_date": "2026-03-01", "week": 20}]
    assert out["treatments"][0]["stop_date"] == "2026-04-01"


def test_insights_command(runner: CliRunner, db_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 40
    alcohol = rng.random(n) < 0.4
    plm = 12.0 + 12.0 * alcohol + rng.gamma(8.0, 0.5, n)
    with Store(db_path) as store:
        add_nights(store, "P07", DAY, plm.tolist())
        for i in range(n):
            diary.add_entry(
                store,
                DiaryEntry("P07", DAY + timedelta(days=i), alcohol_units=2.0 * float(alcohol[i])),
            )
    res = run(runner, db_path, insights_command, ["--subject", "P07", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n_nights"] == n and out["correction"] == "holm"
    top = out["lines"][0]
    assert top["factor"] in ("alcohol", "alcohol_units") and top["effect_per_h"] > 0
    assert top["p_holm"] < 0.05
    text = run(runner, db_path, insights_command, ["--subject", "P07", "--to", "2026-03-05"])
    assert "too few" in text.output and "not proof of a cause" in text.output
