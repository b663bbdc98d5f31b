"""Indices: hand-computed counts, rates, IMI statistics, periodicity, per-hour table, stages."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.detection.indices import (
    StageEpochs,
    arousal_associated,
    compute_indices,
    imi_histograms,
    imi_statistics,
    limitations,
    per_hour_table,
    periodicity_index,
    respiratory_related,
    series_summary,
    side_counts,
    sleep_indices,
)
from rls_monitor.detection.series import SeriesResult, score_series
from rls_monitor.errors import ConfigError


def _series(
    onsets: Sequence[float],
    duration_s: float = 2.0,
    side: Sequence[str] | None = None,
    rules: str = "wasm2016",
) -> SeriesResult:
    on = np.asarray(onsets, dtype=float)
    return score_series(on, on + duration_s, side, rules=rules)


def test_counts_and_rates_per_hour_in_bed() -> None:
    # 9 LMs: a series of 5, an 11 s LM, 3 more CLMs (too few for a series).
    on = np.array([0, 20, 40, 60, 80, 1000, 2000, 2020, 2040.0])
    off = on + 2.0
    off[5] = on[5] + 11.0
    r = score_series(on, off)
    ni = compute_indices(r, duration_s=7200.0, in_bed_s=1800.0)
    assert ni.rules == "wasm2016"
    assert ni.counts == {"lm": 9, "clm": 8, "nonclm": 1, "plm": 5, "series": 1}
    assert ni.indices["lm_per_h"] == 18.0
    assert ni.indices["clm_per_h"] == 16.0
    assert ni.indices["plm_per_h"] == 10.0
    assert ni.indices["series_per_h"] == 2.0
    assert ni.indices["periodicity_interpretable"] is True
    assert ni.indices["per"] == "hour in bed"


def test_periodicity_index_interval_form() -> None:
    # IMIs 20 20 20 | 140 | 5 -> 3 of 5 IMIs in a run of >= 3.
    assert periodicity_index([0, 20, 40, 60, 200, 205]) == pytest.approx(0.6)
    # A run of only two good IMIs does not count.
    assert periodicity_index([0, 20, 40, 200]) == 0.0
    # IMI of exactly 10 s is not > 10 s.
    assert periodicity_index([0, 10, 20, 30, 40]) == 0.0
    assert periodicity_index([0, 90, 180, 270]) == 1.0
    assert periodicity_index([5.0]) is None


def test_periodicity_flagged_under_10_lm_per_h() -> None:
    r = _series([0, 20, 40, 60, 80])
    assert compute_indices(r, duration_s=3600.0).indices["periodicity_interpretable"] is False
    assert "periodicity index is not interpretable" in " ".join(limitations("events", lm_per_h=5))


def test_imi_statistics() -> None:
    stats = imi_statistics([0, 5, 25, 45, 145])  # IMIs 5, 20, 20, 100
    assert stats["n"] == 4
    assert (stats["n_below_10s"], stats["n_10_to_90s"], stats["n_above_90s"]) == (1, 2, 1)
    logs = np.log([5, 20, 20, 100])
    assert stats["geometric_mean_s"] == pytest.approx(math.exp(logs.mean()), abs=1e-3)
    assert stats["log_sd"] == pytest.approx(logs.std(ddof=1), abs=1e-4)
    assert imi_statistics([1.0])["geometric_mean_s"] is None


def test_histograms() -> None:
    h = imi_histograms([0, 0.5, 3.0, 23.0, 123.0])  # IMIs 0.5, 2.5, 20, 100
    lin = h["linear"]
    assert len(lin["edges_s"]) == 46 and len(lin["counts"]) == 45
    assert lin["counts"][0] == 1 and lin["counts"][1] == 1 and lin["counts"][10] == 1
    assert lin["above"] == 1
    log = h["log"]
    assert len(log["counts"]) == 45 and log["edges_ln"][-1] == 4.5
    assert log["below"] == 1 and log["above"] == 1
    assert log["counts"][int(math.log(2.5) / 0.1)] == 1
    assert log["counts"][int(math.log(20) / 0.1)] == 1
    assert log["ticks_s"] == [2, 10, 20, 40, 60, 90]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 20000), min_size=0, max_size=60))
def test_histograms_account_for_every_imi(gaps_cs: list[int]) -> None:
    on = np.concatenate(([0.0], np.cumsum(gaps_cs) / 100.0))
    h = imi_histograms(on)
    n = on.size - 1
    assert sum(h["linear"]["counts"]) + h["linear"]["above"] == n
    assert sum(h["log"]["counts"]) + h["log"]["below"] + h["log"]["above"] == n
    s = imi_statistics(on)
    assert s["n_below_10s"] + s["n_10_to_90s"] + s["n_above_90s"] == n


def test_per_hour_table_with_in_bed_epochs() -> None:
    # 2.5 h recording, 30 s epochs; in bed from 15 min to 2 h.
    duration = 9000.0
    epochs = np.zeros(300, bool)
    epochs[30:240] = True
    on = [1000, 1020, 1040, 1060, 4000, 8000]
    r = _series(on)
    table = per_hour_table(r, duration_s=duration, in_bed_epochs=epochs, epoch_s=30.0)
    assert [row["hour"] for row in table] == [0, 1, 2]
    assert [row["in_bed_min"] for row in table] == [45.0, 60.0, 0.0]
    assert [row["lm"] for row in table] == [4, 1, 1]
    assert [row["plm"] for row in table] == [4, 0, 0]
    assert table[0]["plm_per_h"] == pytest.approx(4 / 0.75, abs=1e-3)
    assert table[2]["plm_per_h"] is None
    ni = compute_indices(r, duration_s=duration, in_bed_epochs=epochs, epoch_s=30.0)
    assert ni.indices["plm_per_h"] == pytest.approx(4 / 1.75, abs=1e-3)


def test_series_summary() -> None:
    r = _series([0, 20, 40, 60, 80, 500, 520, 540, 560], duration_s=1.0)
    s = series_summary(r)
    assert s["n"] == 2 and s["lengths"] == [5, 4]
    assert s["durations_s"] == [81.0, 61.0]
    assert s["max_length"] == 5


def test_side_counts_only_with_two_legs() -> None:
    assert side_counts(_series([0, 20])) is None
    r = score_series([0, 0.5, 20, 40], [1, 1.5, 21, 41], ["left", "right", "right", "left"])
    c = side_counts(r)
    assert c is not None
    assert c["bilateral"]["lm"] == 1 and c["left"]["lm"] == 1 and c["right"]["lm"] == 1


@pytest.mark.parametrize(
    ("lm_on", "lm_off", "related"),
    [
        (96.0, 97.99, False),  # ends 2.01 s before the event's end
        (96.0, 98.0, True),  # ends exactly 2.0 s before the end (window edge included)
        (110.25, 111.0, True),  # starts exactly 10.25 s after the end
        (110.26, 111.0, False),  # starts 10.26 s after
        (99.0, 120.0, True),  # spans the window
    ],
)
def test_respiratory_window_edges_wasm(lm_on: float, lm_off: float, related: bool) -> None:
    # Hypopnea from 80 to 100 s: window 98.0 .. 110.25 s.
    got = respiratory_related([lm_on], [lm_off], [80.0], [100.0], rules="wasm2016")
    assert got.tolist() == [related]


def test_respiratory_window_aasm_is_around_the_event() -> None:
    # Event 80-100 s: AASM window 79.5 .. 100.5 s; an LM at 85 s is related under AASM but not
    # under WASM (which looks at 98 .. 110.25 s).
    assert respiratory_related([85], [86], [80], [100], rules="aasm").tolist() == [True]
    assert respiratory_related([85], [86], [80], [100], rules="wasm2016").tolist() == [False]
    assert respiratory_related([101], [102], [80], [100], rules="aasm").tolist() == [False]


def test_respiratory_many_events_vectorised_matches_loop(rng: np.random.Generator) -> None:
    on = np.sort(rng.uniform(0, 3000, 200))
    off = on + rng.uniform(0.5, 12, 200)
    e_on = np.sort(rng.uniform(0, 3000, 60))
    e_off = e_on + rng.uniform(10, 60, 60)
    got = respiratory_related(on, off, e_on, e_off)
    want = [
        any((a <= e + 10.25) and (b >= e - 2.0) for e in e_off)
        for a, b in zip(on, off, strict=True)
    ]
    assert got.tolist() == want


def test_arousal_association_either_order_and_gap() -> None:
    ar_on, ar_off = [100.0], [105.0]
    # LM ends 0.4 s before the arousal starts: associated; 0.5 s before: not.
    assert arousal_associated([98.0], [99.6], ar_on, ar_off).tolist() == [True]
    assert arousal_associated([98.0], [99.5], ar_on, ar_off).tolist() == [False]
    # LM starts 0.4 s after the arousal ends: associated; 0.6 s: not.
    assert arousal_associated([105.4], [106.0], ar_on, ar_off).tolist() == [True]
    assert arousal_associated([105.6], [106.0], ar_on, ar_off).tolist() == [False]
    # Overlap.
    assert arousal_associated([104.0], [110.0], ar_on, ar_off).tolist() == [True]
    assert arousal_associated([1.0], [2.0], [], []).tolist() == [False]


def test_plms_and_plmw_with_stages() -> None:
    # 20 epochs of 30 s: W W N2 ... N2 (epochs 2-11) W W W (12-14) R R R R R (15-19).
    stage = ("W", "W") + ("N2",) * 10 + ("W",) * 3 + ("R",) * 5
    stages = StageEpochs(onset_s=np.arange(20, dtype=np.float64) * 30.0, stage=stage)
    # One series of 8 LMs at 20 s IMI starting at 200 s (N2) and crossing into wake at 360 s.
    on = 200.0 + 20.0 * np.arange(10)  # 200 .. 380
    r = _series(list(on))
    assert r.plm.all()
    s = sleep_indices(r, stages)
    assert s["sleep_s"] == 450.0 and s["waso_s"] == 90.0 and s["wake_s"] == 150.0
    assert s["sleep_onset_s"] == 60.0
    # Onsets 200..340 are in N2 (before 360), 360 and 380 in wake.
    assert s["plms"] == 8 and s["plmw"] == 2
    assert s["plms_per_h"] == pytest.approx(8 / (450 / 3600), abs=1e-3)
    assert s["plmw_per_h"] == pytest.approx(2 / (90 / 3600), abs=1e-3)
    assert s["plmw_denominator"] == "wake after sleep onset"
    assert s["plm_by_stage"]["N2"] == 8 and s["plm_by_stage"]["W"] == 2


def test_stage_at_epoch_boundaries_and_unscored() -> None:
    stages = StageEpochs(onset_s=np.array([0.0, 30.0, 90.0]), stage=("W", "N1", "R"))
    assert stages.stage_at([0.0, 29.999, 30.0, 59.9, 60.0, 95.0, 120.0]) == [
        "W",
        "W",
        "N1",
        "N1",
        "?",
        "R",
        "?",
    ]


def test_stage_epochs_validation() -> None:
    with pytest.raises(ConfigError, match="stage must be one of"):
        StageEpochs(onset_s=np.array([0.0]), stage=("N4",))
    with pytest.raises(ConfigError, match="overlap"):
        StageEpochs(onset_s=np.array([0.0, 10.0]), stage=("W", "W"))


def test_limitations_for_recordings_name_the_essentials() -> None:
    text = " ".join(limitations("recording", rules="wasm2016")).lower()
    for phrase in ("sleep stages", "per hour in bed", "respiratory", "arousal", "toe", "15"):
        assert phrase in text
    assert "aasm" in " ".join(limitations("recording", rules="aasm")).lower()


def test_negative_duration_is_config_error() -> None:
    with pytest.raises(ConfigError):
        compute_indices(_series([0]), duration_s=-1.0)


def test_arousal_many_events_vectorised_matches_loop(rng: np.random.Generator) -> None:
    on = np.round(np.sort(rng.uniform(0, 3000, 300)), 1)
    off = on + np.round(rng.uniform(0.5, 12, 300), 1)
    a_on = np.round(np.sort(rng.uniform(0, 3000, 80)), 1)
    a_off = a_on + np.round(rng.uniform(3, 15, 80), 1)
    got = arousal_associated(on, off, a_on, a_off)
    want = [
        any((c - b < 0.5 - 1e-9) and (a - d < 0.5 - 1e-9) for c, d in zip(a_on, a_off, strict=True))
        for a, b in zip(on, off, strict=True)
    ]
    assert got.tolist() == want
