"""The planned leg movements (firmware_host.signal_model.lm_episodes): timing rules, series statistics."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_host.signal_model import (
    night_config,
    simulate_night,
)
from tests.firmware_host.signal_model.nights import (
    night,
    wasm_plm,
)


@pytest.mark.parametrize("difficulty", ["easy", "ordinary", "hard"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_timing_rules(difficulty: str, seed: int) -> None:
    m = night(difficulty, seed).truth.movements
    assert len(m) > 0
    assert set(m.kind) <= {"isolated", "periodic", "cluster", "long"}
    dur = m.duration_s
    long = m.kind == "long"
    assert np.all((dur[~long] >= 0.5 - 1e-9) & (dur[~long] <= 10.0 + 1e-9))
    assert np.all(dur[long] > 10.0)
    np.testing.assert_array_equal(m.series_id >= 0, m.kind == "periodic")
    for sid in np.unique(m.series_id[m.series_id >= 0]):
        idx = np.flatnonzero(m.series_id == sid)
        assert idx.size >= 4
        np.testing.assert_array_equal(np.diff(idx), 1)  # nothing else inside a series
        imi = np.diff(m.onset_s[idx])
        assert np.all((imi >= 10.0) & (imi <= 90.0)), imi
    clusters = np.flatnonzero(m.kind == "cluster")
    if clusters.size:
        imis = np.diff(m.onset_s)
        inside = [i for i in clusters[:-1] if m.kind[i + 1] == "cluster"]
        assert any(imis[i] < 10.0 for i in inside)
    # the truth is unambiguous under WASM 2016: PLM by the rules == kind "periodic"
    np.testing.assert_array_equal(wasm_plm(m.onset_s, m.offset_s), m.kind == "periodic")


def test_series_statistics_look_like_plmd() -> None:
    config = night_config(duration_s=4 * 3600.0, isolated_lm_per_h=0.0, cluster_per_h=0.0)
    m = simulate_night(config, seed=11).truth.movements
    imis = [np.diff(m.onset_s[m.series_id == s]) for s in np.unique(m.series_id[m.series_id >= 0])]
    imi = np.concatenate(imis)
    assert 18.0 <= np.median(imi) <= 40.0
    assert 1.5 <= np.median(m.duration_s) <= 4.0
    assert 30.0 <= np.median(m.peak_mg) <= 150.0


def test_none_preset_has_no_movements() -> None:
    for seed in (0, 1):
        t = night("none", seed).truth
        assert len(t.movements) == 0 and len(t.twitches) == 0
        assert t.in_bed_s() > 0.0
