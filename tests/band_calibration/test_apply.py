"""Applying a calibration: miscalibrated nights corrected score like clean ones; in place or a copy.

The evidence of issue 6 "detector results on miscalibrated simulated nights, with calibration
applied, match the clean nights'": the same seed gives the same night (movements, postures and
noise draws) with or without the band's errors, so the clean night, the miscalibrated night
corrected with its true errors and the one corrected with a six-pose fit of a bench recording of
the same band differ only by the int16 quantisation of the readings and the residual of the fit.

"""

from __future__ import annotations

import numpy as np
import pytest

from calibration import Calibration
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
from rls_monitor.band_calibration.six_pose import guided_six_pose
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult, score

# --- miscalibrated nights score like clean ones --------------------------------------------------


def _matched_onsets(a: ScoreResult, b: ScoreResult, tol_s: float) -> int:
    """Movements of ``a`` with a movement of ``b`` starting within ``tol_s``."""
    on_b = np.array([m.onset_s for m in b.movements])
    if on_b.size == 0:
        return 0
    return sum(bool(np.min(np.abs(on_b - m.onset_s)) <= tol_s) for m in a.movements)


def _median_peak_error(a: ScoreResult, b: ScoreResult, tol_s: float) -> float:
    """Median relative difference of ``peak_mg`` over b's movements matched to a's by onset."""
    onset_a = np.array([m.onset_s for m in a.movements])
    peak_a = np.array([m.peak_mg for m in a.movements])
    errors = []
    for m in b.movements:
        j = int(np.argmin(np.abs(onset_a - m.onset_s)))
        if abs(onset_a[j] - m.onset_s) <= tol_s:
            errors.append(abs(m.peak_mg / peak_a[j] - 1.0))
    return float(np.median(errors))


@pytest.mark.parametrize("seed", [2, 3])
def test_miscalibrated_night_with_calibration_scores_like_the_clean_night(seed: int) -> None:
    common = {"duration_s": 2400.0}
    clean = simulate_night(
        night_config("ordinary", offset_mg_max=0.0, scale_error_max=0.0, **common), seed=seed
    )
    bad = simulate_night(
        night_config("ordinary", offset_mg_max=100.0, scale_error_max=0.05, **common), seed=seed
    )
    assert np.max(np.abs(bad.truth.offset_g)) > 0.03  # really miscalibrated
    true = Calibration(offset_g=-bad.truth.offset_g, scale=1.0 / bad.truth.scale, method="six-pose")
    bench = SimulatedSixPoseBand(bad.truth.offset_g * 1000, bad.truth.scale, seed=seed)
    fitted, _ = guided_six_pose(bench.capture)
    reference = score(Recording(clean.accel_g, clean.fs_hz))
    assert reference.counts["lm"] >= 8
    raw = Recording(bad.accel_g, bad.fs_hz)
    for calibration in (true, fitted):
        result = score(apply_calibration(raw, calibration))
        assert abs(result.counts["lm"] - reference.counts["lm"]) <= 1
        assert result.counts["plm"] == reference.counts["plm"]
        assert result.counts["series"] == reference.counts["series"]
        assert result.in_bed_s == pytest.approx(reference.in_bed_s, abs=60.0)
        assert result.plm_per_h == pytest.approx(reference.plm_per_h, abs=0.1)
        matched = _matched_onsets(reference, result, tol_s=0.1)
        assert matched >= reference.counts["lm"] - 1
        # the amplitudes in mg are the clean night's again (counts barely depend on calibration)
        assert _median_peak_error(reference, result, tol_s=0.1) < 0.003
    # ... and not without calibration: the same comparison on the raw samples is off by ~1-2 %


def test_apply_calibration_in_place_gives_the_copys_values_in_the_same_array() -> None:
    """``in_place``: what a night's scoring uses (no second copy of the night); same values."""
    rng = np.random.default_rng(11)
    accel = rng.normal(0.0, 0.3, (5000, 3)).astype(np.float32)
    cal = Calibration(
        offset_g=np.array([0.02, -0.01, 0.03]),
        scale=np.array([1.01, 0.97, 1.02]),
        method="six-pose",
    )
    rec = Recording(accel.copy(), 50.0)
    copy = apply_calibration(rec, cal)
    np.testing.assert_array_equal(rec.accel_g, accel)  # a copy leaves the recording alone
    same = apply_calibration(rec, cal, in_place=True)
    assert np.shares_memory(same.accel_g, rec.accel_g)
    np.testing.assert_array_equal(same.accel_g, copy.accel_g)
    assert same.metadata["calibration"] == "six-pose"
