"""The waveform of a leg movement (firmware_host.signal_model.lm_waveform)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_host.signal_model import (
    simulate_night,
)
from tests.firmware_host.signal_model.nights import (
    busy_config,
    highpass_energy,
    mask_of,
    night,
    quiet_lying_mask,
)


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
