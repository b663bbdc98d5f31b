"""The detectors' shared signal helpers (rls_monitor/detection/signal.py)."""

from __future__ import annotations

import numpy as np
import pytest

from rls_monitor.detection.signal import (
    block_mean,
    block_mean_transposed,
    epoch_starts,
    epoch_stats,
)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_transposed_block_mean_is_block_mean(k: int, rng: np.random.Generator) -> None:
    a = rng.normal(0.0, 1.0, (1001, 3)).astype(np.float32)
    np.testing.assert_array_equal(block_mean_transposed(a, k), block_mean(a, k).T)


@pytest.mark.parametrize(("fs_hz", "epoch_s", "n"), [(50.0, 1.0, 100_000), (64.0, 0.7, 40_001)])
def test_epoch_stats_match_float64(fs_hz: float, epoch_s: float, n: int) -> None:
    """Chunked float32 epoch sums == a float64 computation epoch by epoch."""
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 0.01, (n, 3)) + np.repeat(rng.normal(size=(n // 5000 + 1, 3)), 5000, 0)[:n]
    a32 = a.astype(np.float32)
    mean_g, sd_mg, count = epoch_stats(a32, fs_hz, epoch_s)
    starts = epoch_starts(n, fs_hz, epoch_s)
    ends = np.append(starts[1:], n)
    a64 = a32.astype(np.float64)
    want_mean = np.array([a64[s:e].mean(axis=0) for s, e in zip(starts, ends, strict=True)])
    want_sd = np.array(
        [1000 * np.sqrt(a64[s:e].var(axis=0).sum()) for s, e in zip(starts, ends, strict=True)]
    )
    np.testing.assert_array_equal(count, ends - starts)
    np.testing.assert_allclose(mean_g, want_mean, atol=1e-6)
    np.testing.assert_allclose(sd_mg, want_sd, rtol=1e-4, atol=0.01)
