"""Diary storage: round trips, add/edit/delete semantics, migration, exports."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rls_monitor import diary
from rls_monitor.diary import DiaryEntry, LabResult, PregnancyEntry, Treatment
from rls_monitor.errors import StorageError
from rls_monitor.storage import Store
from tests.diary.conftest import DAY, add_scored_night, full_entry

FULL = full_entry("P01")


def test_full_entry_round_trip(store: Store) -> None:
    diary.add_entry(store, FULL)
    assert diary.get_entry(store, "P01", DAY) == FULL
    assert diary.list_entries(store, "P01") == [FULL]
    assert diary.get_entry(store, "P01", DAY + timedelta(days=1)) is None


def test_empty_entry_round_trip(store: Store) -> None:
    empty = DiaryEntry("P02", DAY)
    diary.add_entry(store, empty)
    assert diary.get_entry(store, "P02", DAY) == empty


def test_add_twice_refused_then_replace(store: Store) -> None:
    diary.add_entry(store, FULL)
    with pytest.raises(StorageError, match="already a diary entry.*diary edit"):
        diary.add_entry(store, FULL)
    other = DiaryEntry("P01", DAY, alcohol_units=3.0)
    diary.add_entry(store, other, replace_existing=True)
    assert diary.get_entry(store, "P01", DAY) == other


def test_edit_changes_only_given_fields(store: Store) -> None:
    diary.add_entry(store, FULL)
    new = diary.edit_entry(store, "P01", DAY, {"alcohol_units": 4.0, "caffeine_last_hhmm": None})
    stored = diary.get_entry(store, "P01", DAY)
    assert stored == new
    assert stored is not None and stored.alcohol_units == 4.0
    assert stored.caffeine_last_hhmm is None and stored.medications == FULL.medications
    cleared = diary.edit_entry(store, "P01", DAY, {"medications": (), "note": None})
    assert cleared.medications == () and cleared.note == ""
    assert diary.get_entry(store, "P01", DAY) == cleared


def test_edit_missing_and_unknown_field(store: Store) -> None:
    with pytest.raises(StorageError, match="no diary entry"):
        diary.edit_entry(store, "P01", DAY, {"alcohol_units": 1.0})
    diary.add_entry(store, FULL)
    with pytest.raises(Exception, match="unknown diary fields"):
        diary.edit_entry(store, "P01", DAY, {"wine": 1.0})


def test_delete(store: Store) -> None:
    diary.add_entry(store, FULL)
    assert diary.delete_entry(store, "P01", DAY)
    assert not diary.delete_entry(store, "P01", DAY)
    assert diary.list_entries(store) == []


def test_date_range_and_subjects(store: Store) -> None:
    for i in range(5):
        diary.add_entry(store, DiaryEntry("P01", DAY + timedelta(days=i), caffeine_cups=i))
    diary.add_entry(store, DiaryEntry("P02", DAY, caffeine_cups=9))
    got = diary.list_entries(store, "P01", start=DAY + timedelta(days=1), end="2026-03-03")
    assert [e.caffeine_cups for e in got] == [1.0, 2.0]
    assert len(diary.list_entries(store)) == 6


def test_dated_entries_round_trip(store: Store) -> None:
    lab = LabResult("P01", DAY, 45.0, 12.9, 88.0, "fasting")
    diary.add_lab(store, lab)
    assert diary.list_labs(store, "P01") == [lab]
    diary.add_lab(store, LabResult("P01", DAY, ferritin_ng_per_ml=50.0))
    assert diary.list_labs(store, "P01")[0].haemoglobin_g_per_dl == 12.9  # kept
    assert diary.list_labs(store, "P01")[0].ferritin_ng_per_ml == 50.0
    preg = PregnancyEntry("P01", DAY, 24)
    diary.add_pregnancy(store, preg)
    assert diary.list_pregnancies(store, "P01") == [preg]
    t = diary.add_treatment(store, Treatment(0, "P01", "vein ablation", DAY, None, "left leg"))
    assert t.id > 0 and diary.list_treatments(store, "P01") == [t]
    stopped = diary.stop_treatment(store, t.id, DAY + timedelta(days=30))
    assert diary.list_treatments(store, "P01") == [stopped]
    with pytest.raises(StorageError, match="no treatment 999"):
        diary.stop_treatment(store, 999, DAY)


def test_subject_deleted_nights_keep_diary(store: Store) -> None:
    night = add_scored_night(store, "P01", DAY, 20.0)
    diary.add_entry(store, FULL)
    store.delete_night(night)
    assert diary.get_entry(store, "P01", DAY) == FULL


def test_export_columns(store: Store) -> None:
    n1 = add_scored_night(store, "P01", DAY, 20.0)
    n2 = add_scored_night(store, "P01", DAY + timedelta(days=1), 12.0)
    n3 = add_scored_night(store, "P01", DAY - timedelta(days=10), 12.0)
    diary.add_entry(store, FULL)
    diary.add_lab(store, LabResult("P01", DAY - timedelta(days=5), 45.0, 12.9, 88.0))
    diary.add_pregnancy(store, PregnancyEntry("P01", DAY, 24))
    diary.add_treatment(store, Treatment(0, "P01", "iron infusion", DAY, None))
    cols = diary.diary_columns_for_nights(store, [n1, n2, n3])
    assert set(cols) == {n1, n2, n3}
    assert all(tuple(c) == diary.EXPORT_COLUMNS for c in cols.values())
    row = cols[n1]
    assert row["diary_date"] == DAY.isoformat()
    for name in (
        "caffeine_cups",
        "caffeine_last_hhmm",
        "alcohol_units",
        "nicotine",
        "exercise_min",
        "exercise_hhmm",
        "symptoms_0_10",
        "rested_0_10",
        "iron_supplement",
        "compression_stockings",
        "note",
    ):
        assert row[f"diary_{name}"] == getattr(FULL, name), name
    assert row["diary_medications"] == "pramipexole 0.25 mg at 21:30; ferrous sulfate 1 tablet"
    assert [diary.parse_medication(m) for m in row["diary_medications"].split("; ")] == list(
        FULL.medications
    )
    assert row["diary_ferritin_ng_per_ml"] == 45.0
    assert row["diary_ferritin_date"] == (DAY - timedelta(days=5)).isoformat()
    assert row["diary_egfr_ml_per_min_1_73m2"] == 88.0
    assert row["diary_pregnancy_week"] == 24
    assert row["diary_treatments"] == f"iron infusion (since {DAY})"
    assert cols[n2]["diary_caffeine_cups"] is None and cols[n2]["diary_pregnancy_week"] == 24
    assert cols[n3]["diary_ferritin_ng_per_ml"] is None and cols[n3]["diary_treatments"] is None
