"""Round trip: every diary field entered through ``rls-monitor diary`` comes back in exports.

The entry, the lab results, the pregnancy and the treatment are entered through the top-level
command group (``rls_monitor.cli.main``), the nights are exported as CSV and JSON through
``rls-monitor export``, and the diary columns are compared with what was entered and with what
the store returns.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rls_monitor import diary
from rls_monitor.cli import main
from rls_monitor.diary import EXPORT_COLUMNS
from rls_monitor.export import NIGHT_COLUMNS
from rls_monitor.storage import Store
from rls_monitor.storage.diary_schema import DIARY_NIGHT_COLUMNS
from tests.cli.test_diary import DAY, FULL, FULL_ARGS
from tests.diary.conftest import add_nights

FLAGS = ("nicotine", "iron_supplement", "compression_stockings")


def _cli(db: Path, *args: str) -> Result:
    res = CliRunner().invoke(main, [*args, "--db", str(db)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture
def entered(db_path: Path) -> dict[str, int]:
    """Three nights (the evening before, the entry's, the one after) and a full diary."""
    with Store(db_path) as store:
        before, night, after = add_nights(store, "P07", DAY - timedelta(days=1), [9.0, 21.0, 14.0])
    _cli(db_path, "diary", "add", *FULL_ARGS, "--no-interactive")
    _cli(db_path, "diary", "lab", "--subject", "P07", "--date", "2026-02-20",
         "--ferritin", "48.5", "--haemoglobin", "12.9", "--egfr", "71")  # fmt: skip
    _cli(db_path, "diary", "lab", "--subject", "P07", "--date", "2026-03-02", "--ferritin", "80")
    _cli(db_path, "diary", "pregnancy", "--subject", "P07", "--date", "2026-02-15", "--week", "20")
    _cli(db_path, "diary", "treatment", "start", "compression therapy",
         "--subject", "P07", "--date", "2026-02-27")  # fmt: skip
    return {"before": before, "night": night, "after": after}


def _export(
    db: Path, tmp: Path, fmt: str, *extra: str, subject: str = "P07"
) -> list[dict[str, Any]]:
    out = tmp / f"nights-{fmt}-{len(extra)}.{fmt}"
    _cli(db, "export", "--subject", subject, "--format", fmt, "-o", str(out), "--tz", "UTC", *extra)
    text = out.read_text(encoding="utf-8")
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    doc = json.loads(text)
    assert [c["name"] for c in doc["columns"]][-len(EXPORT_COLUMNS) :] == list(EXPORT_COLUMNS)
    rows: list[dict[str, Any]] = doc["rows"]
    return rows


def _csv_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def test_night_columns_end_with_the_diary_columns() -> None:
    names = [c.name for c in NIGHT_COLUMNS]
    assert tuple(names[-len(EXPORT_COLUMNS) :]) == EXPORT_COLUMNS
    units = {c.name: c.unit for c in NIGHT_COLUMNS}
    assert units["diary_ferritin_ng_per_ml"] == "ng/mL"
    assert units["diary_caffeine_last_hhmm"] == "HH:MM"
    assert units["diary_egfr_ml_per_min_1_73m2"] == "mL/min/1.73 m²"
    assert all(units[f"diary_{f}"] == "flag" for f in FLAGS)


def test_every_field_comes_back_in_csv_and_json(
    entered: dict[str, int], db_path: Path, tmp_path: Path
) -> None:
    night = entered["night"]
    with Store(db_path, readonly=True) as store:
        assert diary.get_entry(store, "P07", DAY) == FULL
        stored = diary.diary_columns_for_nights(store, list(entered.values()), tz=None)
    by_json = {r["night_id"]: r for r in _export(db_path, tmp_path, "json")}
    by_csv = {int(r["night_id"]): r for r in _export(db_path, tmp_path, "csv")}
    assert set(by_json) == set(by_csv) == set(entered.values())

    row = by_json[night]
    # every evening field, as entered (JSON keeps types: floats, ints, booleans, text)
    for name in DIARY_NIGHT_COLUMNS:
        assert row[f"diary_{name}"] == getattr(FULL, name), name
        assert by_csv[night][f"diary_{name}"] == _csv_value(name, getattr(FULL, name)), name
    for name in FLAGS:
        assert isinstance(row[f"diary_{name}"], bool)
    assert row["diary_note"] == "long drive; legs bad from 20:00 — « très »"
    # medications parse back to the very objects entered, in order, units included
    for cell in (row["diary_medications"], by_csv[night]["diary_medications"]):
        meds = tuple(diary.parse_medication(m) for m in cell.split("; "))
        assert meds == FULL.medications
    # dated entries: the latest lab on or before the evening, the pregnancy week that day,
    # the treatment running
    assert row["diary_date"] == row["night_date"] == "2026-03-01"
    assert row["diary_ferritin_ng_per_ml"] == 48.5
    assert row["diary_ferritin_date"] == "2026-02-20"
    assert row["diary_haemoglobin_g_per_dl"] == 12.9
    assert row["diary_egfr_ml_per_min_1_73m2"] == 71.0
    assert row["diary_pregnancy_week"] == 22
    assert row["diary_treatments"] == "compression therapy (since 2026-02-27)"
    assert by_csv[night]["diary_ferritin_ng_per_ml"] == "48.5"
    assert by_csv[night]["diary_pregnancy_week"] == "22"

    # the evening before has no entry: empty cells, not zeros (the treatment already runs)
    before = by_json[entered["before"]]
    assert before["diary_date"] == "2026-02-28"
    for name in DIARY_NIGHT_COLUMNS:
        assert before[f"diary_{name}"] is None, name
        assert by_csv[entered["before"]][f"diary_{name}"] == "", name
    assert before["diary_medications"] is None
    assert before["diary_treatments"] == "compression therapy (since 2026-02-27)"
    # the next night sees the new ferritin
    assert by_json[entered["after"]]["diary_ferritin_ng_per_ml"] == 80.0
    assert by_json[entered["after"]]["diary_ferritin_date"] == "2026-03-02"

    # the export and the store say the same for every night and column
    for night_id, cols in stored.items():
        assert {k: by_json[night_id][k] for k in EXPORT_COLUMNS} == cols


def test_pseudonymised_export_drops_the_note_and_shifts_diary_dates(
    entered: dict[str, int], db_path: Path, tmp_path: Path
) -> None:
    plain = {r["night_id"]: r for r in _export(db_path, tmp_path, "json")}
    for fmt in ("json", "csv"):
        rows = _export(db_path, tmp_path, fmt, "--pseudonymise")
        for r in rows:
            src = plain[int(r["night_id"])]
            assert r["diary_note"] in (None, ""), "a free note never leaves in a pseudonymised file"
            assert r["subject"] != "P07"
            shifted = date.fromisoformat(r["diary_date"])
            true = date.fromisoformat(src["diary_date"])
            assert shifted < true and (true - shifted).days % 7 == 0
            assert r["diary_date"] == r["night_date"]
            ferritin_shift = date.fromisoformat(src["diary_ferritin_date"]) - date.fromisoformat(
                r["diary_ferritin_date"]
            )
            assert ferritin_shift == true - shifted
            assert "2026" not in (r["diary_treatments"] or "")
            if fmt == "json":
                for name in DIARY_NIGHT_COLUMNS:
                    if name != "note":
                        assert r[f"diary_{name}"] == src[f"diary_{name}"], name
                assert r["diary_medications"] == src["diary_medications"]
        assert any(r["diary_medications"] for r in rows)
    text = (tmp_path / "nights-csv-1.csv").read_text(encoding="utf-8")
    assert "long drive" not in text and "très" not in text


def test_export_of_a_subject_without_diary_has_empty_diary_columns(
    tmp_path: Path,
) -> None:
    db = tmp_path / "plain.sqlite"
    with Store(db) as store:
        add_nights(store, "P09", date(2026, 4, 1), [5.0, 6.0])
    rows = _export(db, tmp_path, "json", subject="P09")
    assert len(rows) == 2
    for r in rows:
        assert r["diary_date"] == r["night_date"]
        assert all(r[k] is None for k in EXPORT_COLUMNS if k != "diary_date")
