"""The night parameters and presets (firmware_host.signal_model.config)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from firmware_host.signal_model import (
    NightConfig,
    night_config,
    simulate_bilateral_night,
    simulate_night,
)


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


def test_presets_order_difficulty() -> None:
    easy = simulate_night(night_config("easy", duration_s=3 * 3600.0), seed=5).truth
    hard = simulate_night(night_config("hard", duration_s=3 * 3600.0), seed=5).truth
    assert np.median(hard.movements.peak_mg) < np.median(easy.movements.peak_mg)
    assert hard.movements.peak_mg.min() < 25.0 <= easy.movements.peak_mg.min()
    assert len(hard.posture_changes) > len(easy.posture_changes)
    assert np.sum(hard.movements.kind == "cluster") > np.sum(easy.movements.kind == "cluster")
