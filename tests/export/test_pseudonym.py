"""--pseudonymise: labels become keyed hashes, dates move back by whole weeks, nothing leaks."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.export import Pseudonymiser, export
from rls_monitor.export.pseudonym import MAX_SHIFT_WEEKS, MIN_SHIFT_WEEKS
from rls_monitor.storage import Store
from tests.export.nightstore import DEVICE, START_UTC, SUBJECT, FixtureStore


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_labels_and_dates(three_nights: FixtureStore, tmp_path: Path) -> None:
    with Store(three_nights.path, readonly=True) as store:
        export(store, tmp_path / "plain.csv", "csv")
        export(store, tmp_path / "p1.csv", "csv", pseudonymise=True)
        export(store, tmp_path / "p2.csv", "csv", pseudonymise=True)
        export(store, tmp_path / "m.csv", "csv", pseudonymise=True, movements=True)
    plain, p1, p2 = (_rows(tmp_path / n) for n in ("plain.csv", "p1.csv", "p2.csv"))
    for name in ("p1.csv", "p2.csv", "m.csv"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert SUBJECT not in text and DEVICE not in text and "Jane" not in text
    assert len({r["subject"] for r in p1}) == 1  # one subject stays one pseudonym
    assert p1[0]["subject"].startswith("S-") and p1[0]["subject"] != p2[0]["subject"]
    for a, b in zip(plain, p1, strict=True):
        shift = _when(b["start_utc"]) - _when(a["start_utc"])
        assert shift.days % 7 == 0 and shift.seconds == 0 and shift.microseconds == 0
        assert MIN_SHIFT_WEEKS * 7 <= -shift.days <= MAX_SHIFT_WEEKS * 7
        assert _when(b["start_local"]).weekday() == _when(a["start_local"]).weekday()
        assert _when(b["start_local"]).time() == _when(a["start_local"]).time()
        assert b["start_local"][-6:] == a["start_local"][-6:]  # same UTC offset
        assert b["plm_per_h"] == a["plm_per_h"] and b["lm_count"] == a["lm_count"]
    gaps = [_when(r["start_utc"]) for r in plain]
    pgaps = [_when(r["start_utc"]) for r in p1]
    assert [y - x for x, y in pairwise(gaps)] == [y - x for x, y in pairwise(pgaps)]


def test_a_shared_salt_links_exports(three_nights: FixtureStore, tmp_path: Path) -> None:
    with Store(three_nights.path, readonly=True) as store:
        export(store, tmp_path / "a.csv", "csv", pseudonymise=True, salt="study-42-secret")
        export(store, tmp_path / "b.csv", "csv", pseudonymise=True, salt="study-42-secret")
        with pytest.raises(ConfigError, match="salt"):
            export(store, tmp_path / "c.csv", "csv", salt="study-42-secret")
    assert _rows(tmp_path / "a.csv")[0]["subject"] == _rows(tmp_path / "b.csv")[0]["subject"]


def test_edf_patient_field_is_the_pseudonym(one_night: FixtureStore, tmp_path: Path) -> None:
    with Store(one_night.path, readonly=True) as store:
        export(
            store,
            tmp_path / "p.edf",
            "edf",
            night=one_night.night_ids[0],
            pseudonymise=True,
            salt="k" * 12,
        )
    head = (tmp_path / "p.edf").read_bytes()[:256].decode("ascii")
    assert SUBJECT not in head and "Jane" not in head
    assert Pseudonymiser(b"k" * 12, 0).subject(SUBJECT) in head
    # the start date (recording field and header field) is the shifted one, nowhere the true one
    shifted = (START_UTC + timedelta(days=Pseudonymiser.random("k" * 12).shift_days)).date()
    recording, startdate = head[88:168], head[168:176]
    assert recording.startswith(f"Startdate {shifted.strftime('%d-%b-%Y').upper()} ")
    assert startdate == shifted.strftime("%d.%m.%y")
    assert "2026" not in recording and "24.11.26" not in head


def test_a_shared_salt_gives_one_date_shift(three_nights: FixtureStore, tmp_path: Path) -> None:
    salt = "study-42-secret"
    assert Pseudonymiser.random(salt) == Pseudonymiser.random(salt)
    assert Pseudonymiser.random(salt).shift_days != Pseudonymiser.random("other-salt").shift_days
    with Store(three_nights.path, readonly=True) as store:
        export(store, tmp_path / "n.csv", "csv", pseudonymise=True, salt=salt)
        export(store, tmp_path / "m.csv", "csv", pseudonymise=True, salt=salt, movements=True)
    starts = {r["night_id"]: r["night_date"] for r in _rows(tmp_path / "n.csv")}
    moves = {r["night_id"]: r["night_date"] for r in _rows(tmp_path / "m.csv")}
    assert moves == starts  # the two linked exports agree on every night's date


def test_pseudonymiser_rules() -> None:
    with pytest.raises(ConfigError):
        Pseudonymiser(b"short", 0)
    p = Pseudonymiser.random()
    assert p.shift_days % 7 == 0 and p.shift_days < 0
    when = datetime(2026, 11, 24, 22, 0)
    assert p.shift(when) - when == timedelta(days=p.shift_days)
    assert p.device("") == ""
