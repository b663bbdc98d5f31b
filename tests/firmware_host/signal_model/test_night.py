"""The entry points (firmware_host.signal_model.night): API, determinism, shapes, bilateral pairs,
invariants over many nights.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_host import signal_model
from firmware_host.signal_model import (
    night_config,
    simulate_bilateral_night,
    simulate_night,
)
from tests.firmware_host.signal_model.nights import (
    PRESETS,
    SHORT_S,
    busy_config,
    mask_of,
    night,
    pair,
    wasm_plm,
)


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


def test_a_stream_is_the_night_window_by_window_in_any_order() -> None:
    """``stream_night`` renders on demand the samples ``simulate_night`` gives whole: any slice,
    in any order, across window boundaries, for one band and for two."""
    from firmware_host.signal_model import stream_bilateral_night, stream_night
    from firmware_host.signal_model.render import WINDOW_SAMPLES

    config = night_config("ordinary", duration_s=2 * 3600.0)
    whole = simulate_night(config, seed=11)
    stream = stream_night(config, seed=11)
    assert len(stream) == len(whole.counts) and stream.lsb_g == whole.lsb_g
    w = WINDOW_SAMPLES
    for a, b in [(w - 5, w + 5), (0, 3), (3 * w + 17, 3 * w + 40_000), (w, 2 * w), (7, 200_000)]:
        np.testing.assert_array_equal(stream[a:b], whole.counts[a:b])
    np.testing.assert_array_equal(stream.truth().movements.onset_s, whole.truth.movements.onset_s)
    np.testing.assert_array_equal(stream.truth().movements.peak_mg, whole.truth.movements.peak_mg)
    left, right = simulate_bilateral_night(config, seed=5)
    s_left, s_right = stream_bilateral_night(config, seed=5)
    np.testing.assert_array_equal(s_right[w - 100 : w + 100], right.counts[w - 100 : w + 100])
    np.testing.assert_array_equal(s_left[len(s_left) - 9 :], left.counts[-9:])


def test_a_long_stream_holds_one_window() -> None:
    """A 31 h night (what the band's flash holds) is ready at once and never rendered whole."""
    import time
    import tracemalloc

    from firmware_host.signal_model import stream_night

    tracemalloc.start()
    started = time.perf_counter()
    stream = stream_night(night_config("ordinary", duration_s=31 * 3600.0), seed=2)
    first = stream[0:1000]
    ready_s = time.perf_counter() - started
    middle = stream[3_000_000:3_001_000]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert first.shape == (1000, 3) and middle.shape == (1000, 3)
    assert ready_s < 5.0  # on a loaded machine; a whole 31 h render takes about 4 s and 500 MB
    assert peak < 40e6, peak  # the whole night's counts alone would be 33 MB, its canvas 110 MB
