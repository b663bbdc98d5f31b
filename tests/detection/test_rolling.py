"""The detectors' rolling filters against the ``scipy.ndimage`` filters they replace.

The host scores nights without importing ``scipy.ndimage``; these filters must give the values
ndimage gives, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from rls_monitor.detection.movements import _moving_average
from rls_monitor.detection.signal import close_gaps, percentile_rank, rolling_rank


@st.composite
def lines(draw: st.DrawFn, max_n: int = 300) -> np.ndarray:
    """A float line with ties (rounded values) or without, some negative."""
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.gamma(1.0, 5.0, n) * rng.choice([1.0, 100.0, -1.0], n)
    if draw(st.booleans()):
        x = np.round(x)
    return x


@settings(max_examples=150, deadline=None)
@given(lines(), st.integers(1, 80), st.floats(0.0, 100.0))
def test_rolling_rank_is_percentile_filter(x: np.ndarray, size: int, percentile: float) -> None:
    got = rolling_rank(x, size, percentile_rank(size, percentile))
    ref = ndimage.percentile_filter(x, percentile, size=size, mode="nearest")
    np.testing.assert_array_equal(got, ref)


@settings(max_examples=100, deadline=None)
@given(lines(), st.integers(0, 20))
def test_rolling_rank_is_median_filter(x: np.ndarray, half: int) -> None:
    size = 2 * half + 1
    got = rolling_rank(x, size, size // 2)
    np.testing.assert_array_equal(got, ndimage.median_filter(x, size=size, mode="nearest"))


def test_rolling_rank_over_many_chunks_and_its_errors() -> None:
    """A line of several chunks (the floor of a 12 h night: 43,200 one-second blocks)."""
    rng = np.random.default_rng(4)
    x = rng.gamma(1.0, 5.0, 43_200)
    got = rolling_rank(x, 60, percentile_rank(60, 10.0))
    np.testing.assert_array_equal(got, ndimage.percentile_filter(x, 10.0, size=60, mode="nearest"))
    assert rolling_rank(np.zeros(0), 3, 1).shape == (0,)
    for size, rank in ((0, 0), (3, 3), (3, -1)):
        with pytest.raises(ValueError, match="rank"):
            rolling_rank(x, size, rank)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.booleans(), min_size=0, max_size=200), st.integers(0, 12))
def test_close_gaps_is_binary_closing(mask: list[bool], half: int) -> None:
    m = np.array(mask, dtype=bool)
    got = close_gaps(m, half)
    if half == 0 or m.size == 0:
        np.testing.assert_array_equal(got, m)
        return
    ref = ndimage.binary_closing(m, structure=np.ones(2 * half + 1, bool)) | m
    np.testing.assert_array_equal(got, ref)


@settings(max_examples=150, deadline=None)
@given(lines(max_n=400), st.integers(1, 500))
def test_moving_average_is_uniform_filter1d_at_any_length(x: np.ndarray, w: int) -> None:
    """Short lines and windows longer than the line (reflected more than once) included."""
    x32 = x.astype(np.float32)
    out = np.empty_like(x32)
    _moving_average(x32, w, out)
    np.testing.assert_array_equal(
        out.view(np.int32), ndimage.uniform_filter1d(x32, w).view(np.int32)
    )


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=3, max_size=60))
def test_circular_121_smoothing_is_convolve1d_wrap(counts: list[int]) -> None:
    """The roll-angle histogram's [1, 2, 1] circular smoothing in posture detection."""
    hist = np.array(counts, dtype=np.float64)
    got = np.roll(hist, 1) + 2.0 * hist + np.roll(hist, -1)
    ref = ndimage.convolve1d(hist, np.array([1.0, 2.0, 1.0]), mode="wrap")
    np.testing.assert_array_equal(got, ref)
