"""Diary model: validation with clear messages, parsing, night dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rls_monitor.diary import (
    DiaryEntry,
    LabResult,
    Medication,
    PregnancyEntry,
    Treatment,
    night_date_of,
    parse_date,
    parse_hhmm,
    parse_medication,
)
from rls_monitor.errors import ConfigError

DAY = date(2026, 3, 1)


def test_ferritin_out_of_range_names_field_range_and_value() -> None:
    with pytest.raises(ConfigError) as err:
        LabResult("P01", DAY, ferritin_ng_per_ml=4000)
    msg = str(err.value)
    assert "ferritin_ng_per_ml" in msg and "2000" in msg and "4000" in msg and "ng/mL" in msg
    assert err.value.name == "ferritin_ng_per_ml" and err.value.value == 4000


@pytest.mark.parametrize("text", ["25:00", "24:00", "12:60", "7pm", "", "12"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ConfigError, match="HH:MM"):
        DiaryEntry("P01", DAY, caffeine_last_hhmm=text)


def test_time_normalised() -> None:
    assert parse_hhmm("7:05") == "07:05"
    assert DiaryEntry("P01", DAY, exercise_hhmm="18:30").exercise_hhmm == "18:30"


def test_dose_without_unit_refused() -> None:
    with pytest.raises(ConfigError, match="no unit") as err:
        parse_medication("pramipexole 0.25")
    assert err.value.name == "dose_unit"


def test_unknown_unit_refused() -> None:
    with pytest.raises(ConfigError, match="dose unit of pramipexole must be one of"):
        parse_medication("pramipexole 0.25 spoons")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pramipexole 0.25 mg 21:30", Medication("pramipexole", 0.25, "mg", "21:30")),
        ("ropinirole 0.5mg at 21:00", Medication("ropinirole", 0.5, "mg", "21:00")),
        ("rotigotine patch 2 mg/24h", Medication("rotigotine patch", 2.0, "mg/24h", None)),
        ("gabapentin enacarbil 600 mg", Medication("gabapentin enacarbil", 600.0, "mg", None)),
        ("ferrous sulfate 1 tablet 08:00", Medication("ferrous sulfate", 1.0, "tablet", "08:00")),
        ("pregabalin 75,5 mg", Medication("pregabalin", 75.5, "mg", None)),
    ],
)
def test_parse_medication(text: str, expected: Medication) -> None:
    assert parse_medication(text) == expected


def test_medication_bad_time_and_dose() -> None:
    with pytest.raises(ConfigError, match="time of pramipexole"):
        parse_medication("pramipexole 0.25 mg 25:00")
    with pytest.raises(ConfigError, match="dose"):
        Medication("x", 0.0, "mg")
    with pytest.raises(ConfigError, match="must not contain ';'"):
        Medication("a; b", 1.0, "mg")
    assert Medication("x", 250.0, "ug").dose_mg == pytest.approx(0.25)
    assert Medication("x", 1.0, "tablet").dose_mg is None


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("symptoms_0_10", 11, "from 0 to 10"),
        ("symptoms_0_10", 2.5, "whole number"),
        ("rested_0_10", -1, "from 0 to 10"),
        ("caffeine_cups", 31, "from 0 to 30"),
        ("alcohol_units", float("nan"), "alcohol_units"),
        ("exercise_min", "ten", "must be a number"),
        ("nicotine", "maybe", "yes or no"),
        ("note", "x" * 2001, "at most 2000"),
    ],
)
def test_entry_validation(field: str, value: object, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment) as err:
        DiaryEntry("P01", DAY, **{field: value})  # type: ignore[arg-type]
    assert err.value.name == field


def test_other_validation() -> None:
    with pytest.raises(ConfigError, match="subject"):
        DiaryEntry("  ", DAY)
    with pytest.raises(ConfigError, match="date YYYY-MM-DD"):
        parse_date("2026-02-30")
    with pytest.raises(ConfigError, match="haemoglobin"):
        LabResult("P01", DAY, haemoglobin_g_per_dl=40)
    with pytest.raises(ConfigError, match="egfr"):
        LabResult("P01", DAY, egfr_ml_per_min_1_73m2=0)
    with pytest.raises(ConfigError, match="pregnancy_week"):
        PregnancyEntry("P01", DAY, 50)
    with pytest.raises(ConfigError, match="before the start"):
        Treatment(0, "P01", "iron infusion", DAY, DAY - timedelta(days=1))


def test_pregnancy_span() -> None:
    start, end = PregnancyEntry("P01", DAY, 10).span()
    assert start == DAY - timedelta(weeks=10) and end == start + timedelta(weeks=42)


@pytest.mark.parametrize(
    ("start", "tz", "expected"),
    [
        (datetime(2026, 3, 1, 22, 30, tzinfo=UTC), UTC, date(2026, 3, 1)),
        (datetime(2026, 3, 2, 1, 30, tzinfo=UTC), UTC, date(2026, 3, 1)),
        # 23:00 in UTC+10 is 13:00 UTC the same day
        (datetime(2026, 3, 1, 13, 0, tzinfo=UTC), timezone(timedelta(hours=10)), date(2026, 3, 1)),
        # 22:00 in UTC-8 is 06:00 UTC the next day
        (datetime(2026, 3, 2, 6, 0, tzinfo=UTC), timezone(timedelta(hours=-8)), date(2026, 3, 1)),
    ],
)
def test_night_date_of(start: datetime, tz: timezone, expected: date) -> None:
    assert night_date_of(start, tz) == expected


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("caffeine_cups", " 2,5 ", 2.5),
        ("alcohol_units", "3", 3.0),
        ("symptoms_0_10", "7", 7),
        ("caffeine_last_hhmm", "7:05", "07:05"),
        ("nicotine", "Yes", True),
        ("iron_supplement", "n", False),
        ("note", "  kept as typed ", "  kept as typed "),
        ("exercise_min", "   ", None),
        ("note", "", None),
    ],
)
def test_parse_entry_text(field: str, text: str, value: object) -> None:
    from rls_monitor.diary import parse_entry_text

    assert parse_entry_text(field, text) == value


def test_parse_entry_text_medications_and_refusals() -> None:
    from rls_monitor.diary import parse_entry_text

    meds = parse_entry_text("medications", "pramipexole 0.25 mg 21:30; ropinirole 0.5mg\n")
    assert [str(m) for m in meds] == ["pramipexole 0.25 mg at 21:30", "ropinirole 0.5 mg"]
    for field, text, message in (
        ("symptoms_0_10", "2.5", "symptoms_0_10: must be a whole number; got '2.5'"),
        ("caffeine_cups", "two", "caffeine_cups: must be a number; got 'two'"),
        ("nicotine", "maybe", "nicotine: answer yes or no; got 'maybe'"),
        ("exercise_hhmm", "25:00", "exercise_hhmm: must be a clock time HH:MM"),
        ("medications", "pramipexole 0.25", "has no unit"),
        ("shoe_size", "42", "unknown diary field 'shoe_size'"),
    ):
        with pytest.raises(ConfigError) as err:
            parse_entry_text(field, text)
        assert message in str(err.value), field


def test_parse_number_text_checks_the_form_only() -> None:
    from rls_monitor.diary.model import parse_number_text

    assert parse_number_text("ferritin_ng_per_ml", " 48,5 ") == 48.5
    assert parse_number_text("week", "20", integer=True) == 20
    assert parse_number_text("week", "") is None
    with pytest.raises(ConfigError, match=r"^week: must be a whole number; got '2\.5'$"):
        parse_number_text("week", "2.5", integer=True)
    with pytest.raises(ConfigError, match=r"^egfr: must be a number; got 'abc'$"):
        parse_number_text("egfr", "abc")


def test_lab_result_needs_one_result_named_as_the_caller_names_them() -> None:
    from rls_monitor.diary.model import LAB_RESULTS, lab_result

    lab = lab_result("P1", "2026-03-01", {"ferritin_ng_per_ml": 48.0}, "fasting")
    assert lab.ferritin_ng_per_ml == 48.0 and lab.haemoglobin_g_per_dl is None
    assert lab.note == "fasting"
    empty = dict.fromkeys(LAB_RESULTS)
    with pytest.raises(ConfigError, match=r"^give at least one of ferritin_ng_per_ml, "):
        lab_result("P1", "2026-03-01", empty)
    labels = dict(zip(LAB_RESULTS, ("A", "B", "C"), strict=True))
    with pytest.raises(ConfigError, match=r"^give at least one of A, B, C$"):
        lab_result("P1", "2026-03-01", empty, labels=labels)
    with pytest.raises(ConfigError, match="ferritin_ng_per_ml: must be from 1 to 2000"):
        lab_result("P1", "2026-03-01", {"ferritin_ng_per_ml": 4000.0})
    with pytest.raises(ConfigError, match="lab result must be one of"):
        lab_result("P1", "2026-03-01", {"iron": 1.0})
