"""Van Hees auto-calibration on simulated free-living data with known errors."""

from __future__ import annotations

import numpy as np
import pytest

from calibration import (
    AutoCalConfig,
    Calibration,
    StillWindows,
    fit_auto,
    fit_auto_from_windows,
    still_windows,
)
from tests.calibration.synth_calibration import free_living, random_directions


@pytest.mark.parametrize("seed", range(5))
def test_known_offsets_and_scales_are_recovered(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    offset = rng.uniform(-0.1, 0.1, 3)
    scale = 1 + rng.uniform(-0.05, 0.05, 3)
    raw, _, _ = free_living(rng, offset, scale, directions=random_directions(rng, 120))
    result = fit_auto(raw, 10.0)
    assert result.accepted, result.reason
    assert result.reason == ""
    assert result.n_windows == 120
    cal = result.calibration
    assert cal.method == "auto"
    assert np.max(np.abs(cal.offset_g - offset)) * 1000 < 2.0
    assert np.max(np.abs(cal.scale / scale - 1)) < 0.002
    assert result.error_after_mg < 1.0 < result.error_before_mg
    assert np.all(result.coverage_g[:, 0] < -0.3) and np.all(result.coverage_g[:, 1] > 0.3)
    assert 1 < result.n_iterations <= 1000


@pytest.mark.parametrize("seed", range(8))
def test_errors_at_the_limits_are_recovered(seed: int) -> None:
    """The corners of the promised range: every offset +-100 mg and every scale 1 +- 5 %."""
    rng = np.random.default_rng(600 + seed)
    offset = rng.choice([-0.1, 0.1], 3)
    scale = 1 + rng.choice([-0.05, 0.05], 3)
    raw, _, _ = free_living(rng, offset, scale, directions=random_directions(rng, 120))
    result = fit_auto(raw, 10.0)
    assert result.accepted, result.reason
    assert np.max(np.abs(result.calibration.offset_g - offset)) * 1000 < 2.0
    assert np.max(np.abs(result.calibration.scale / scale - 1)) < 0.002


def test_temperature_term_is_recovered() -> None:
    rng = np.random.default_rng(11)
    offset = np.array([0.03, -0.05, 0.08])
    scale = np.array([1.02, 0.97, 1.01])
    coef = np.array([0.0015, -0.001, 0.002])  # g/degC
    raw, temp, t_ref = free_living(
        rng, offset, scale, directions=random_directions(rng, 200), temp_coef_g_per_degc=coef
    )
    result = fit_auto(raw, 10.0, temperature_degc=temp)
    assert result.accepted, result.reason
    cal = result.calibration
    assert cal.temp_coef_g_per_degc is not None and cal.temp_ref_degc is not None
    assert cal.temp_ref_degc == pytest.approx(t_ref, abs=0.01)
    np.testing.assert_allclose(cal.temp_coef_g_per_degc, coef, atol=5e-5)
    assert np.max(np.abs(cal.offset_g - offset)) * 1000 < 2.0
    assert np.max(np.abs(cal.scale / scale - 1)) < 0.002
    # ignoring the temperature leaves a larger error
    plain = fit_auto(raw, 10.0)
    assert plain.error_after_mg > result.error_after_mg


def _lying_still(rng: np.random.Generator, n: int) -> np.ndarray:
    """Directions of a foot lying in bed: near +z, rolling a little to the sides."""
    v = np.column_stack([rng.normal(0, 0.15, n), rng.normal(0, 0.15, n), np.ones(n)])
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_poor_coverage_is_refused_and_the_previous_calibration_kept() -> None:
    rng = np.random.default_rng(12)
    raw, _, _ = free_living(
        rng, np.array([0.05, 0, 0]), np.ones(3), directions=_lying_still(rng, 60)
    )
    previous = Calibration(offset_g=np.array([0.01, 0.0, 0.0]), scale=np.ones(3), method="six-pose")
    result = fit_auto(raw, 10.0, previous=previous)
    assert not result.accepted
    assert "poor coverage" in result.reason and "x spans" in result.reason
    assert "z spans" in result.reason  # z never reads below -0.3 g
    assert result.calibration is previous
    assert result.candidate is None
    assert result.n_windows == 60
    assert np.isfinite(result.error_previous_mg)


def test_too_few_windows_without_previous_gives_identity() -> None:
    flat = np.tile([0.0, 0.0, 1.0], (10 * 10 * 5, 1))
    result = fit_auto(flat, 10.0)
    assert not result.accepted
    assert "too few still windows: 5" in result.reason
    assert result.calibration.method == "identity"


def test_pooling_nights_covers_the_sphere() -> None:
    rng = np.random.default_rng(13)
    offset = np.array([-0.04, 0.06, 0.03])
    scale = np.array([1.03, 0.98, 1.0])
    directions = random_directions(rng, 160)
    upper = directions[directions[:, 2] > 0]
    lower = directions[directions[:, 2] <= 0]
    nights = [free_living(rng, offset, scale, directions=d)[0] for d in (upper, lower)]
    parts = [still_windows(night, 10.0) for night in nights]
    for part in parts:
        assert not fit_auto_from_windows(part).accepted
    pooled = StillWindows.concatenate(parts)
    assert len(pooled) == len(directions)
    result = fit_auto_from_windows(pooled)
    assert result.accepted, result.reason
    assert np.max(np.abs(result.calibration.offset_g - offset)) * 1000 < 2.0
    assert np.max(np.abs(result.calibration.scale / scale - 1)) < 0.002


def test_error_left_after_the_fit_is_refused_and_the_previous_kept() -> None:
    """Good coverage but window magnitudes no per-axis model can fit (+-40 mg at random)."""
    rng = np.random.default_rng(15)
    directions = random_directions(rng, 120)
    magnitude = 1.0 + rng.choice([-0.04, 0.04], len(directions))
    windows = StillWindows(
        mean_g=directions * magnitude[:, None],
        sd_g=np.full((len(directions), 3), 0.003),
        start_s=np.arange(len(directions), dtype=np.float64) * 10.0,
        temperature_degc=None,
        window_s=10.0,
        n_windows_total=len(directions),
    )
    previous = Calibration(offset_g=np.zeros(3), scale=np.ones(3), method="six-pose")
    result = fit_auto_from_windows(windows, previous=previous)
    assert not result.accepted
    assert "the error after is" in result.reason and "need < 10 mg" in result.reason
    assert result.error_after_mg >= 10.0
    assert result.calibration is previous
    assert result.candidate is not None and result.candidate.method == "auto"


def test_out_of_bounds_offset_is_refused() -> None:
    rng = np.random.default_rng(14)
    raw, _, _ = free_living(
        rng, np.array([0.5, 0.0, 0.0]), np.ones(3), directions=random_directions(rng, 80)
    )
    result = fit_auto(raw, 10.0, config=AutoCalConfig(max_abs_mean_g=2.0))
    assert not result.accepted
    assert "offset is out of bounds" in result.reason
    assert result.candidate is not None  # the fit was made, and is reported
    assert result.calibration.method == "identity"


def test_moving_windows_are_not_used() -> None:
    rng = np.random.default_rng(15)
    raw, _, _ = free_living(
        rng, np.zeros(3), np.ones(3), directions=random_directions(rng, 30), moving_every=1
    )
    windows = still_windows(raw, 10.0)
    assert windows.n_windows_total == 60
    assert len(windows) == 30
    assert np.all(windows.sd_g < 0.013)


def test_summary_is_json_safe() -> None:
    import json

    rng = np.random.default_rng(16)
    raw, _, _ = free_living(rng, np.zeros(3), np.ones(3), directions=_lying_still(rng, 12))
    data = json.loads(json.dumps(fit_auto(raw, 10.0).to_dict()))
    assert data["accepted"] is False
    assert set(data["coverage_g"]) == {"x", "y", "z"}
    assert data["calibration"]["method"] == "identity"
