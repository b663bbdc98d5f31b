"""Tests of the physical model of a night at the ankle (firmware_host.signal_model)."""

from __future__ import annotations

import dataclasses
import doctest
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt

from firmware_host import signal_model
from firmware_host.signal_model import (
    NightConfig,
    SimulatedNight,
    night_config,
    simulate_bilateral_night,
    simulate_night,
)

PRESETS = ("easy", "ordinary", "hard", "none")
SHORT_S = 2400.0  # 40 min nights keep the tests fast


def busy_config(difficulty: str = "ordinary", **extra: float) -> NightConfig:
    """A short night with enough of every kind of event to test."""
    rates = dict(plm_series_per_h=4.0, cluster_per_h=3.0, long_lm_per_h=2.0, twitch_per_h=6.0)
    if difficulty == "none":
        rates = {}
    return night_config(difficulty, **{"duration_s": SHORT_S, **rates, **extra})


@cache
def night(difficulty: str = "ordinary", seed: int = 0) -> SimulatedNight:
    return simulate_night(busy_config(difficulty), seed=seed)


@cache
def pair(seed: int = 0, fraction: float = 0.5) -> tuple[SimulatedNight, SimulatedNight]:
    return simulate_bilateral_night(busy_config(), seed=seed, bilateral_fraction=fraction)


def mask_of(n: int, fs: float, starts: NDArray[np.float64], ends: NDArray[np.float64]) -> NDArray:
    """Boolean mask of samples inside any ``[start, end)``."""
    edges = np.zeros(n + 1, dtype=np.int64)
    i0 = np.clip(np.round(starts * fs).astype(np.int64), 0, n)
    i1 = np.clip(np.round(ends * fs).astype(np.int64), 0, n)
    np.add.at(edges, i0, 1)
    np.add.at(edges, i1, -1)
    return np.cumsum(edges[:-1]) > 0


def quiet_lying_mask(sim: SimulatedNight, margin_s: float = 3.0) -> NDArray:
    """Lying samples away from movements, posture changes and twitches."""
    t = sim.truth
    n, fs = sim.counts.shape[0], sim.fs_hz
    lying = mask_of(n, fs, t.lying.start_s + margin_s, t.lying.end_s - margin_s)
    busy = mask_of(
        n,
        fs,
        np.concatenate([t.movements.onset_s, t.posture_changes.onset_s, t.twitches.onset_s])
        - margin_s,
        np.concatenate([t.movements.offset_s, t.posture_changes.offset_s, t.twitches.offset_s])
        + margin_s,
    )
    return lying & ~busy


def corrected(sim: SimulatedNight) -> NDArray[np.float64]:
    """Acceleration with the truth's offset and scale removed (drift stays)."""
    return (sim.accel_g.astype(np.float64) - sim.truth.offset_g) / sim.truth.scale


def wasm_plm(onset_s: NDArray, offset_s: NDArray) -> NDArray[np.bool_]:
    """Movements in PLM series under WASM 2016 (monolateral), straight from the rule text."""
    clm = (offset_s - onset_s) <= 10.0
    imi = np.diff(onset_s)
    ok = (imi >= 10.0) & (imi <= 90.0) & clm[1:] & clm[:-1]
    plm = np.zeros(onset_s.size, dtype=bool)
    k = 0
    while k < ok.size:
        if not ok[k]:
            k += 1
            continue
        j = k
        while j < ok.size and ok[j]:
            j += 1
        if j - k >= 3:
            plm[k : j + 1] = True
        k = j
    return plm


# ------------------------------------------------------------------------------------------
# API, determinism, shapes


def test_docstring_example_runs() -> None:
    result = doctest.testmod(signal_model, verbose=False)
    assert result.attempted >= 2
    assert result.failed == 0


def test_same_seed_same_night_other_seed_other_night() -> None:
    config = night_config("hard", duration_s=900.0)
    a = simulate_night(config, seed=7)
    b = simulate_night(config, seed=7)
    c = simulate_night(config, seed=8)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.truth.movements.onset_s, b.truth.movements.onset_s)
    np.testing.assert_array_equal(a.truth.shank_axis, b.truth.shank_axis)
    assert not np.array_equal(a.counts, c.counts)
    assert not np.allclose(a.truth.shank_axis, c.truth.shank_axis)


def test_bilateral_is_deterministic() -> None:
    config = night_config(duration_s=900.0)
    (l1, r1), (l2, r2) = (simulate_bilateral_night(config, seed=4) for _ in range(2))
    np.testing.assert_array_equal(l1.counts, l2.counts)
    np.testing.assert_array_equal(r1.counts, r2.counts)


@pytest.mark.parametrize("difficulty", PRESETS)
def test_shapes_dtypes_and_counts(difficulty: str) -> None:
    sim = night(difficulty)
    n = round(SHORT_S * sim.fs_hz)
    assert sim.counts.shape == (n, 3)
    assert sim.counts.dtype == np.int16
    accel = sim.accel_g
    assert accel.dtype == np.float32 and accel.shape == (n, 3)
    assert sim.duration_s == pytest.approx(SHORT_S)
    assert sim.lsb_g == 2.0**-10 and sim.fs_hz == 50.0  # 14 bits at +-8 g
    # counts * lsb is exact, and counts = round(accel / lsb)
    np.testing.assert_array_equal(
        np.rint(accel / np.float32(sim.lsb_g)).astype(np.int16), sim.counts
    )
    assert np.all(np.isfinite(accel))
    t = sim.truth
    for arr in (t.movements.onset_s, t.movements.offset_s, t.movements.peak_mg):
        assert arr.dtype == np.float64
    assert t.movements.series_id.dtype == np.int64
    assert t.shank_axis.shape == (3,) and t.offset_g.shape == (3,) and t.scale.shape == (3,)
    assert np.linalg.norm(t.shank_axis) == pytest.approx(1.0)
    np.testing.assert_allclose(t.rotation @ t.rotation.T, np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(t.rotation[0], t.shank_axis)


@pytest.mark.parametrize(("range_g", "bits"), [(8.0, 16), (8.0, 12), (2.0, 12), (16.0, 14)])
def test_counts_fit_the_sensor_resolution(range_g: float, bits: int) -> None:
    config = night_config(duration_s=600.0, range_g=range_g, resolution_bits=bits)
    sim = simulate_night(config, seed=1)
    full = 2 ** (bits - 1)
    assert sim.lsb_g == 2 * range_g / 2**bits
    assert math.frexp(sim.lsb_g)[0] == 0.5  # a power of two
    assert sim.counts.min() >= -full and sim.counts.max() <= full - 1
    if range_g == 2.0:  # heel strikes exceed 2 g: the sensor saturates, it does not wrap
        assert np.abs(sim.accel_g).max() >= 1.99


def test_presets_and_validation() -> None:
    assert night_config() == NightConfig()
    assert night_config("hard").noise_mg > night_config("easy").noise_mg
    assert night_config("hard").peak_median_mg < night_config("easy").peak_median_mg
    assert night_config("ordinary", noise_mg=1.0).noise_mg == 1.0
    with pytest.raises(ValueError, match="difficulty"):
        night_config("nightmare")
    with pytest.raises(ValueError, match="unknown NightConfig field"):
        night_config("easy", noise=3.0)
    with pytest.raises(ValueError, match="range_g"):
        NightConfig(range_g=6.0)
    with pytest.raises(ValueError, match="resolution_bits"):
        NightConfig(resolution_bits=20)
    with pytest.raises(ValueError, match="noise_mg"):
        NightConfig(noise_mg=-1.0)
    with pytest.raises(ValueError, match="duration_s"):
        NightConfig(duration_s=10.0)
    with pytest.raises(ValueError, match="bilateral_fraction"):
        simulate_bilateral_night(night_config(duration_s=600.0), bilateral_fraction=1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        NightConfig().noise_mg = 1.0  # type: ignore[misc]


# ------------------------------------------------------------------------------------------
# timeline and truth


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_timeline_tiles_the_night(seed: int) -> None:
    sim = night("ordinary", seed)
    t = sim.truth
    starts = np.concatenate([t.lying.start_s, t.upright.start_s])
    ends = np.concatenate([t.lying.end_s, t.upright.end_s])
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    assert starts[0] == 0.0 and ends[-1] == pytest.approx(sim.duration_s)
    np.testing.assert_allclose(starts[1:], ends[:-1])
    assert np.all(ends > starts)
    assert t.in_bed_s() == pytest.approx(np.sum(t.lying.end_s - t.lying.start_s))
    assert 0.6 * sim.duration_s < t.in_bed_s() < sim.duration_s
    assert t.upright.walking.any() and (~t.upright.walking).any()
    np.testing.assert_array_equal(t.upright.walking, t.upright.posture == "walking")
    assert set(t.lying.posture) <= {"supine", "left", "right", "prone"}
    # posture changes sit at the boundaries between lying periods
    for on, off in zip(t.posture_changes.onset_s, t.posture_changes.offset_s, strict=True):
        assert 2.0 - 0.05 <= off - on <= 6.0 + 0.05
        assert np.any(np.isclose(t.lying.end_s, 0.5 * (on + off), atol=0.03))


@pytest.mark.parametrize("difficulty", PRESETS)
@pytest.mark.parametrize("seed", [0, 1])
def test_movements_do_not_overlap_anything(difficulty: str, seed: int) -> None:
    t = night(difficulty, seed).truth
    m = t.movements
    assert np.all(np.diff(m.onset_s) > 0)
    # separate movements are never closer than the 0.5 s that the offset rule merges
    assert np.all(m.onset_s[1:] - m.offset_s[:-1] >= 1.0)
    for on, off in zip(t.posture_changes.onset_s, t.posture_changes.offset_s, strict=True):
        assert not np.any((m.onset_s < off) & (m.offset_s > on))
    for on, off in zip(t.upright.start_s, t.upright.end_s, strict=True):
        assert not np.any((m.onset_s < off) & (m.offset_s > on))
    for on, off in zip(t.twitches.onset_s, t.twitches.offset_s, strict=True):
        assert not np.any((m.onset_s < off + 1.0) & (m.offset_s > on - 1.0))
        assert 0.05 <= off - on < 0.5


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


def test_presets_order_difficulty() -> None:
    easy = simulate_night(night_config("easy", duration_s=3 * 3600.0), seed=5).truth
    hard = simulate_night(night_config("hard", duration_s=3 * 3600.0), seed=5).truth
    assert np.median(hard.movements.peak_mg) < np.median(easy.movements.peak_mg)
    assert hard.movements.peak_mg.min() < 25.0 <= easy.movements.peak_mg.min()
    assert len(hard.posture_changes) > len(easy.posture_changes)
    assert np.sum(hard.movements.kind == "cluster") > np.sum(easy.movements.kind == "cluster")


# ------------------------------------------------------------------------------------------
# physics


@pytest.mark.parametrize("difficulty", ["easy", "ordinary", "hard"])
def test_magnitude_is_one_g_at_rest_in_bed(difficulty: str) -> None:
    sim = night(difficulty)
    cfg = sim.config
    quiet = quiet_lying_mask(sim)
    assert quiet.mean() > 0.3
    raw = np.linalg.norm(sim.accel_g[quiet].astype(np.float64), axis=1)
    errors_g = math.sqrt(3) * cfg.offset_mg_max / 1000 + cfg.scale_error_max + cfg.drift_mg / 1000
    noise_g = 5 * cfg.noise_mg / 1000 + 2 * sim.lsb_g
    assert np.all(np.abs(raw - 1.0) < errors_g + noise_g)
    fixed = np.linalg.norm(corrected(sim)[quiet], axis=1)
    assert abs(np.mean(fixed) - 1.0) < 1e-3 + sim.truth.drift_peak_g
    assert np.std(fixed) < 1.5 * cfg.noise_mg / 1000 + sim.truth.drift_peak_g


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_shank_axis_against_gravity(seed: int) -> None:
    sim = simulate_night(night_config("easy", duration_s=SHORT_S, drift_mg=0.0), seed=seed)
    t = sim.truth
    acc = corrected(sim)
    quiet = quiet_lying_mask(sim)
    n, fs = acc.shape[0], sim.fs_hz
    # lying: the shank is horizontal up to its incline
    for start, end, incline in zip(
        t.lying.start_s, t.lying.end_s, t.lying.incline_deg, strict=True
    ):
        sel = quiet & mask_of(n, fs, np.array([start]), np.array([end]))
        if sel.sum() < 10 * fs:
            continue
        g = acc[sel].mean(axis=0)
        elevation = math.degrees(math.asin(np.dot(g, t.shank_axis) / np.linalg.norm(g)))
        assert elevation == pytest.approx(incline, abs=1.5)
        assert abs(elevation) <= 25.0
    # upright: the shank is roughly vertical (ankle -> knee points up)
    for start, end, posture in zip(
        t.upright.start_s, t.upright.end_s, t.upright.posture, strict=True
    ):
        sel = mask_of(n, fs, np.array([start + 4.0]), np.array([end - 4.0]))
        if sel.sum() < 5 * fs:
            continue
        g = acc[sel].mean(axis=0)
        cos_angle = np.dot(g, t.shank_axis) / np.linalg.norm(g)
        limit = {"standing": 8.0, "walking": 20.0, "sitting": 28.0}[str(posture)]
        assert cos_angle > math.cos(math.radians(limit)), (posture, cos_angle)


def test_no_sensor_axis_is_guaranteed_along_the_shank() -> None:
    axes = np.array(
        [simulate_night(night_config(duration_s=300.0), seed=s).truth.shank_axis for s in range(40)]
    )
    dominant = np.argmax(np.abs(axes), axis=1)
    assert len(set(dominant)) >= 2
    assert np.abs(axes).max(axis=1).min() < 0.9


def highpass_energy(sim: SimulatedNight) -> NDArray[np.float64]:
    sos = butter(4, 0.5, btype="highpass", fs=sim.fs_hz, output="sos")
    hp = sosfiltfilt(sos, sim.accel_g.astype(np.float64), axis=0)
    return np.sum(hp * hp, axis=1)


@pytest.mark.parametrize(
    ("difficulty", "ratio"), [("easy", 50.0), ("ordinary", 10.0), ("hard", 2.0)]
)
def test_movements_are_where_the_dynamic_acceleration_is(difficulty: str, ratio: float) -> None:
    sim = night(difficulty)
    t = sim.truth
    energy = highpass_energy(sim)
    n, fs = energy.size, sim.fs_hz
    inside = mask_of(n, fs, t.movements.onset_s, t.movements.offset_s)
    quiet = quiet_lying_mask(sim, margin_s=1.0)
    assert energy[inside].mean() > ratio * energy[quiet].mean()
    # nearly every movement stands out of the noise on its own
    floor = np.percentile(energy[quiet], 99)
    peaks = np.array(
        [
            energy[round(a * fs) : round(b * fs)].max()
            for a, b in zip(t.movements.onset_s, t.movements.offset_s, strict=True)
        ]
    )
    share = np.mean(peaks > floor)
    assert share > (0.99 if difficulty != "hard" else 0.8)


def test_peak_mg_is_the_linear_acceleration_peak() -> None:
    config = busy_config(noise_mg=0.0, drift_mg=0.0, lm_rotation_deg_median=0.0)
    sim = simulate_night(config, seed=3)
    t = sim.truth
    energy = highpass_energy(sim)
    fs = sim.fs_hz
    for a, b, peak in zip(
        t.movements.onset_s, t.movements.offset_s, t.movements.peak_mg, strict=True
    ):
        seen_mg = 1000 * math.sqrt(energy[round(a * fs) : round(b * fs)].max())
        assert 0.6 * peak < seen_mg < 1.4 * peak + 2.0


def test_posture_changes_turn_the_leg() -> None:
    sim = simulate_night(busy_config(turnover_per_h=10.0), seed=0)
    t = sim.truth
    assert len(t.posture_changes) > 0
    acc = corrected(sim)
    fs = sim.fs_hz
    for k in range(len(t.lying) - 1):
        end, nxt = t.lying.end_s[k], t.lying.start_s[k + 1]
        if end != nxt:  # across an upright period
            continue
        before = acc[round((end - 8.0) * fs) : round((end - 4.0) * fs)].mean(axis=0)
        after = acc[round((end + 4.0) * fs) : round((end + 8.0) * fs)].mean(axis=0)
        droll = abs((t.lying.roll_deg[k + 1] - t.lying.roll_deg[k] + 180.0) % 360.0 - 180.0)
        angle = math.degrees(
            math.acos(
                np.clip(
                    np.dot(before, after) / np.linalg.norm(before) / np.linalg.norm(after), -1, 1
                )
            )
        )
        if droll > 40.0:
            assert angle > 20.0


def test_walking_is_strong_and_periodic() -> None:
    sim = night("ordinary")
    t = sim.truth
    fs = sim.fs_hz
    mag = np.linalg.norm(sim.accel_g.astype(np.float64), axis=1)
    found = 0
    for start, end in zip(
        t.upright.start_s[t.upright.walking], t.upright.end_s[t.upright.walking], strict=True
    ):
        if end - start < 15.0:
            continue
        x = mag[round((start + 2) * fs) : round((end - 2) * fs)]
        assert np.percentile(x, 99) > 1.5
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[x.size - 1 :] / np.dot(x, x)
        lags = np.arange(ac.size) / fs
        band = (lags >= 0.85) & (lags <= 1.3)  # one stride at 0.8-1.1 Hz
        assert ac[band].max() > 0.3
        found += 1
    assert found >= 1


# ------------------------------------------------------------------------------------------
# two bands


@pytest.mark.parametrize("seed", [0, 1])
def test_bilateral_pair_consistency(seed: int) -> None:
    left, right = pair(seed)
    lt, rt = left.truth, right.truth
    assert (lt.leg, rt.leg) == ("left", "right")
    assert left.counts.shape == right.counts.shape
    np.testing.assert_array_equal(lt.lying.start_s, rt.lying.start_s)
    np.testing.assert_array_equal(lt.lying.posture, rt.lying.posture)
    np.testing.assert_array_equal(lt.upright.start_s, rt.upright.start_s)
    np.testing.assert_array_equal(lt.upright.walking, rt.upright.walking)
    np.testing.assert_array_equal(lt.posture_changes.onset_s, rt.posture_changes.onset_s)
    assert not np.allclose(lt.shank_axis, rt.shank_axis)
    assert not np.allclose(lt.offset_g, rt.offset_g)
    lm, rm = lt.movements, rt.movements
    assert lm.bilateral.any() and ((~lm.bilateral).any() or (~rm.bilateral).any())
    # every bilateral movement has an overlapping twin on the other leg, onsets < 1.5 s apart
    for a, b in ((lm, rm), (rm, lm)):
        for k in np.flatnonzero(a.bilateral):
            overlap = (b.onset_s < a.offset_s[k]) & (b.offset_s > a.onset_s[k]) & b.bilateral
            assert overlap.sum() == 1
            j = int(np.flatnonzero(overlap)[0])
            assert abs(b.onset_s[j] - a.onset_s[k]) <= 1.05
            assert b.kind[j] == a.kind[k] and b.series_id[j] == a.series_id[k]
        # one-leg movements have no twin
        for k in np.flatnonzero(~a.bilateral):
            assert not np.any((b.onset_s < a.offset_s[k] + 0.5) & (b.offset_s > a.onset_s[k] - 0.5))
    # after merging bilateral pairs, the series still follow the WASM timing
    merged_on = np.concatenate([lm.onset_s, rm.onset_s[~rm.bilateral]])
    merged_kind = np.concatenate([lm.kind, rm.kind[~rm.bilateral]])
    merged_sid = np.concatenate([lm.series_id, rm.series_id[~rm.bilateral]])
    order = np.argsort(merged_on)
    merged_on, merged_kind, merged_sid = merged_on[order], merged_kind[order], merged_sid[order]
    for sid in np.unique(merged_sid[merged_sid >= 0]):
        imi = np.diff(merged_on[merged_sid == sid])
        assert np.all((imi >= 10.0) & (imi <= 90.0))


def test_bilateral_fraction_extremes() -> None:
    left, right = pair(2, 1.0)
    assert len(left.truth.movements) == len(right.truth.movements) > 0
    assert left.truth.movements.bilateral.all()
    left, right = pair(2, 0.0)
    assert not left.truth.movements.bilateral.any()
    assert len(left.truth.movements) > 0 and len(right.truth.movements) > 0


# ------------------------------------------------------------------------------------------
# invariants over many nights


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    difficulty=st.sampled_from(PRESETS),
    duration_s=st.floats(300.0, 1800.0),
    fs_hz=st.sampled_from([25.0, 50.0, 100.0]),
)
def test_invariants_hold_for_any_seed(
    seed: int, difficulty: str, duration_s: float, fs_hz: float
) -> None:
    config = busy_config(difficulty, duration_s=duration_s, fs_hz=fs_hz)
    sim = simulate_night(config, seed=seed)
    t, m = sim.truth, sim.truth.movements
    assert sim.counts.shape == (round(duration_s * fs_hz), 3)
    assert np.all(np.isfinite(sim.accel_g))
    assert np.all(m.onset_s[1:] - m.offset_s[:-1] >= 1.0)
    np.testing.assert_array_equal(wasm_plm(m.onset_s, m.offset_s), m.kind == "periodic")
    lying = mask_of(sim.counts.shape[0], fs_hz, t.lying.start_s, t.lying.end_s)
    for on, off in zip(m.onset_s, m.offset_s, strict=True):
        assert lying[round(on * fs_hz) : round(off * fs_hz)].all()
    assert t.in_bed_s() > 0.5 * duration_s
    if difficulty == "none":
        assert len(m) == 0


def test_burst_movements_are_never_quiet_for_half_a_second() -> None:
    config = busy_config(noise_mg=0.0, drift_mg=0.0, burst_fraction=1.0)
    sim = simulate_night(config, seed=5)
    fs = sim.fs_hz
    magnitude_mg = 1000.0 * np.sqrt(highpass_energy(sim))
    m = sim.truth.movements
    longest = []
    for a, b, peak in zip(m.onset_s, m.offset_s, m.peak_mg, strict=True):
        quiet = magnitude_mg[round(a * fs) : round(b * fs)] < 0.15 * peak
        loud = np.flatnonzero(~quiet)
        inner = np.concatenate([[0], quiet[loud[0] : loud[-1] + 1].astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(inner))
        runs = edges[1::2] - edges[::2]
        longest.append(runs.max() / fs if runs.size else 0.0)
    assert max(longest) < 0.5
    assert np.mean(np.array(longest) > 0.1) > 0.3  # and most of them do have gaps


DAPHNET = (
    Path(__file__).resolve().parents[2].parent / "shared/data/ankle_walking/daphnet_S01R02.txt"
)


def stride_lag_s(magnitude: NDArray, fs_hz: float) -> tuple[float, float]:
    """Lag (s) and height of the highest autocorrelation peak between 0.4 and 2 s."""
    x = magnitude - magnitude.mean()
    ac = np.correlate(x, x, mode="full")[x.size - 1 :] / np.dot(x, x)
    lags = np.arange(ac.size) / fs_hz
    band = (lags >= 0.4) & (lags <= 2.0)
    k = int(np.argmax(ac[band]))
    return float(lags[band][k]), float(ac[band][k])


@pytest.mark.skipif(not DAPHNET.exists(), reason=f"real ankle walking data not found at {DAPHNET}")
def test_walking_resembles_a_real_ankle_recording() -> None:
    """Daphnet S01R02 (Bächlin et al. 2010): ankle sensor in mg at 64 Hz, label 1 = walking."""
    data = np.loadtxt(DAPHNET)
    real = np.linalg.norm(data[data[:, 10] == 1, 1:4] / 1000.0, axis=1)
    real_lag, _ = stride_lag_s(real[: 64 * 30], 64.0)
    sim = simulate_night(night_config(duration_s=3600.0), seed=0)
    t, fs = sim.truth, sim.fs_hz
    mag = np.linalg.norm(sim.accel_g.astype(np.float64), axis=1)
    walking = mask_of(
        mag.size, fs, t.upright.start_s[t.upright.walking], t.upright.end_s[t.upright.walking]
    )
    simulated = mag[walking]
    for x in (real, simulated):
        p5, p95 = np.percentile(x, [5, 95])
        assert p5 < 0.95 and 1.6 < p95 < 3.2
    longest = int(np.argmax(t.upright.end_s - t.upright.start_s + 1e9 * t.upright.walking))
    a, b = t.upright.start_s[longest] + 2.0, t.upright.end_s[longest] - 2.0
    sim_lag, height = stride_lag_s(mag[round(a * fs) : round(b * fs)], fs)
    assert 0.85 <= real_lag <= 1.3 and 0.85 <= sim_lag <= 1.3
    assert height < 0.95  # not a perfectly regular machine
