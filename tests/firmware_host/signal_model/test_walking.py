"""Walking at the ankle (firmware_host.signal_model.walking), also against a real ankle recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from firmware_host.signal_model import (
    night_config,
    simulate_night,
)
from tests.firmware_host.signal_model.nights import (
    mask_of,
    night,
)


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


DAPHNET = (
    Path(__file__).resolve().parents[3].parent / "shared/data/ankle_walking/daphnet_S01R02.txt"
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
