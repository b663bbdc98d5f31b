"""Summaries of stored nights: minutes, the JSON of ``show``, the morning text, the listing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.summary import (
    format_night,
    format_nights,
    minute_summaries,
    night_json,
    summaries,
)
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult
from rls_monitor.storage import Store
from tests.storage.conftest import simulated_recording, threshold_scorer


def test_show_json_is_the_score_json_plus_identity(db_path: Path, recording: Recording) -> None:
    with Store(db_path) as store:
        night = import_recording(store, recording, subject="P01", scorer=threshold_scorer)
        data = night_json(store, night.night_id)
    score_json = json.loads(json.dumps(threshold_scorer(recording, "wasm2016").to_dict()))
    identity = {"night", "subject", "device", "side", "status", "start_utc", "end_utc"}
    identity.add("calibration")
    assert {k: v for k, v in data.items() if k not in identity} == score_json
    assert data["night"] == night.night_id and data["subject"] == "P01"
    assert data["status"] == "complete" and data["device"] == "AA:BB:CC:00:00:01"
    ScoreResult.from_dict(data)  # still a score result


def test_minute_summaries() -> None:
    fs_hz, lsb_g = 50.0, 2**-12
    counts = np.zeros((int(150 * fs_hz), 3), np.int16)
    counts[:, 2] = round(1.0 / lsb_g)
    t = np.arange(int(60 * fs_hz)) / fs_hz
    counts[3000:6000, 0] = np.round(0.1 / lsb_g * np.sin(2 * np.pi * 2 * t)).astype(np.int16)
    rows = minute_summaries(counts, lsb_g, fs_hz)
    assert [r["minute"] for r in rows] == [0, 1, 2]
    assert rows[2]["start_s"] == 120.0
    assert rows[0]["activity_mg"] == 0.0 and rows[2]["activity_mg"] == 0.0
    # |a| = sqrt(1 + (0.1 sin)^2): about 0.5 * 0.01 g of dynamic magnitude around its median
    assert 1.0 < rows[1]["activity_mg"] < 5.0
    assert all(r["in_bed"] is None and r["lm_count"] == 0 for r in rows)
    with pytest.raises(ConfigError):
        minute_summaries(np.zeros((10, 2), np.int16), lsb_g, fs_hz)


def test_minutes_carry_the_movements(db_path: Path, recording: Recording) -> None:
    with Store(db_path) as store:
        night = import_recording(store, recording, scorer=threshold_scorer)
        minutes = store.get_minutes(night.night_id)
    assert len(minutes) == 20
    assert sum(m["lm_count"] for m in minutes) == night.result.counts["lm"]
    assert sum(m["plm_count"] for m in minutes) == night.result.counts["plm"]
    # posture from the posture detector: the simulated night is mostly in bed, lying
    assert sum(bool(m["in_bed"]) for m in minutes) >= 15
    assert {m["posture"] for m in minutes} <= {
        "upright",
        "supine",
        "left",
        "right",
        "prone",
        "unknown",
    }
    assert sum(m["posture"] != "upright" for m in minutes) >= 15
    with Store(db_path) as store:
        rows = store.get_movements(night.night_id)
    assert rows and all(r["posture"] is not None for r in rows)


def test_morning_summary_compares_with_previous_nights(db_path: Path) -> None:
    with Store(db_path) as store:
        ids = []
        for day in range(4):
            rec = simulated_recording(1200.0, seed=0)
            rec = Recording.from_counts(
                *rec.to_counts()[:2],
                rec.fs_hz,
                start_utc=rec.start_utc + timedelta(days=day),  # type: ignore[operator]
                side="left",
            )
            ids.append(
                import_recording(store, rec, subject="P01", scorer=threshold_scorer).night_id
            )
        text = format_night(store, ids[-1])
        first = format_night(store, ids[0])
        listing = format_nights(store.list_nights())
        rows = summaries(store, "P01")
    assert "Night 4 of P01" in text and "Time in bed:" in text
    assert "PLM index:" in text and "[wasm2016]" in text
    assert "median PLM index" in text and "over the last 3" in text and "about the same" in text
    assert "22:30  #" in text  # the per-hour strip starts at the clock hour of the start
    assert "monitoring aid, not a diagnosis" in text
    assert "none scored with the same rules" in first
    assert len(listing.splitlines()) == 5
    assert [r["night"] for r in rows] == ids


def test_minute_posture_is_the_majority_of_its_epochs() -> None:
    from types import SimpleNamespace

    fs_hz = 10.0
    counts = np.zeros((int(180 * fs_hz), 3), np.int16)
    lying = np.r_[np.zeros(50, bool), np.ones(10, bool), np.ones(60, bool), np.zeros(60, bool)]
    labels = ["upright"] * 50 + ["supine"] * 10 + ["left"] * 40 + ["supine"] * 20 + ["upright"] * 60
    posture = SimpleNamespace(epoch_s=1.0, lying=lying, posture=np.array(labels))
    rows = minute_summaries(counts, 2**-12, fs_hz, posture=posture)
    assert [r["in_bed"] for r in rows] == [False, True, False]
    assert [r["posture"] for r in rows] == ["upright", "left", "upright"]
