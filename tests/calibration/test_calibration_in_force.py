"""Guided six-pose procedure, miscalibrated nights vs clean ones, and the calibrate CLI with a store.

The evidence of issue 6 "detector results on miscalibrated simulated nights, with calibration
applied, match the clean nights'": the same seed gives the same night (movements, postures and
noise draws) with or without the band's errors, so the clean night, the miscalibrated night
corrected with its true errors and the one corrected with a six-pose fit of a bench recording of
the same band differ only by the int16 quantisation of the readings and the residual of the fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synth_calibration import free_living, random_directions

from calibration import Calibration
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
from rls_monitor.band_calibration.six_pose import PoseCheck, check_pose, guided_six_pose
from rls_monitor.cli.calibrate import calibrate
from rls_monitor.errors import CalibrationError
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.summary import night_json
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult, score
from rls_monitor.storage import Store

# --- the guided procedure -----------------------------------------------------------------------


def test_guided_procedure_rejects_a_moved_pose_asks_again_and_recovers_the_errors() -> None:
    band = SimulatedSixPoseBand(
        offset_mg=(95.0, -70.0, 40.0), scale=(1.05, 0.95, 1.02), moved={"+y": 2}, seed=4
    )
    prompts: list[tuple[str, int]] = []
    verdicts: list[PoseCheck] = []
    fitted, checks = guided_six_pose(
        band.capture,
        prompt=lambda pose, text, attempt: prompts.append((pose, attempt)),
        report=lambda check, attempt: verdicts.append(check),
    )
    assert [c.pose for c in checks if not c.ok] == ["+y", "+y"]
    assert all("moved" in c.reason for c in checks if not c.ok)
    assert ("+y", 3) in prompts and len(prompts) == 8 and verdicts == checks
    true = band.true_correction
    np.testing.assert_allclose(fitted.offset_g * 1000, true.offset_g * 1000, atol=2.0)
    np.testing.assert_allclose(fitted.scale, true.scale, rtol=0.002)
    assert fitted.error_before_mg > 20 and fitted.error_after_mg < 2


def test_guided_procedure_gives_up_after_max_attempts() -> None:
    band = SimulatedSixPoseBand(moved={"-z": 5}, seed=1)
    with pytest.raises(CalibrationError, match=r"pose -z rejected 2 times.*moved"):
        guided_six_pose(band.capture, max_attempts=2)


def test_check_pose_names_the_wrong_orientation() -> None:
    band = SimulatedSixPoseBand(seed=2)
    check = check_pose(band.capture("+x"), "-y")
    assert not check.ok and "pose -y not seen" in check.reason and "+x" in check.reason


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
    assert _median_peak_error(reference, score(raw), tol_s=0.1) > 0.006


# --- the CLI with a store --------------------------------------------------------------------------


def test_cli_simulate_saves_to_the_device_and_shows_its_history(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    runner = CliRunner()
    out = runner.invoke(
        calibrate, ["--simulate", "--yes", "--json", "--device", "B1", "--seed", "3", "--db", db]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["saved"] and data["device"] == "B1" and data["method"] == "six-pose"
    np.testing.assert_allclose(data["offset_mg"], data["true_offset_mg"], atol=2.0)
    np.testing.assert_allclose(data["scale"], data["true_scale"], rtol=0.002)
    assert any(not a["ok"] for a in data["attempts"])  # one pose was fidgeted and asked again
    shown = runner.invoke(calibrate, ["--device", "B1", "--json", "--db", db])
    assert shown.exit_code == 0, shown.output
    dev = json.loads(shown.stdout)
    assert dev["calibration"]["offset_mg"] == data["offset_mg"]
    assert [h["accepted"] for h in dev["history"]] == [True]
    text = runner.invoke(calibrate, ["--simulate", "--yes", "--db", db])
    assert text.exit_code == 0 and "Pose +x" in text.output and "rejected" in text.output


def _import(store: Store, accel: np.ndarray, fs_hz: float, device: str) -> int:
    rec = Recording(accel.astype(np.float32), fs_hz, device_id=device)
    return import_recording(store, rec, scorer=lambda r, rules: score(r, rules=rules)).night_id


def test_cli_auto_refuses_an_ankle_night_and_keeps_the_previous(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite")
    night = simulate_night(night_config("ordinary", duration_s=1800.0), seed=1)
    previous = Calibration(
        offset_g=np.array([0.01, 0.0, 0.0]), scale=np.array([1.0, 1.0, 1.0]), method="six-pose"
    )
    with Store(db) as store:
        store.add_calibration("ANKLE", previous.to_dict())
        night_id = _import(store, night.accel_g, night.fs_hz, "ANKLE")
    runner = CliRunner()
    out = runner.invoke(calibrate, ["--auto", str(night_id), "--json", "--db", db])
    assert out.exit_code == 0, out.output  # a refusal is an outcome, not an error
    data = json.loads(out.stdout)
    assert data["accepted"] is False and data["reason"]
    assert data["calibration"] == previous.to_dict() and data["nights"] == [night_id]
    text = runner.invoke(calibrate, ["--auto", "--device", "ANKLE", "--db", db])
    assert text.exit_code == 0 and "Not accepted" in text.output and "stays in force" in text.output
    with Store(db) as store:
        history = store.calibration_history("ANKLE")
        in_force = store.get_device("ANKLE")
    assert [h["accepted"] for h in history] == [True, False, False]
    assert in_force is not None and in_force["calibration"] == previous.to_dict()


def test_cli_auto_pools_the_device_nights_and_the_next_import_uses_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    offset_g = np.array([0.06, -0.04, 0.03])
    scale = np.array([1.03, 0.97, 1.01])  # the correction's scale (synth_calibration's model)
    db = str(tmp_path / "db.sqlite")
    with Store(db) as store:
        # two "nights" of one band, each seeing only half of the sphere: pooled they cover it
        for half in (1.0, -1.0):
            dirs = random_directions(rng, 40)
            dirs[:, 2] = half * np.abs(dirs[:, 2])
            accel, _, _ = free_living(rng, offset_g, scale, directions=dirs, fs_hz=25.0)
            _import(store, accel, 25.0, "POOL")
    runner = CliRunner()
    one = json.loads(runner.invoke(calibrate, ["--auto", "1", "--json", "--db", db]).stdout)
    assert one["accepted"] is False and "coverage" in one["reason"]
    out = runner.invoke(calibrate, ["--auto", "--device", "POOL", "--json", "--db", db])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["accepted"] is True and data["nights"] == [1, 2] and data["reason"] == ""
    np.testing.assert_allclose(data["calibration"]["offset_mg"], offset_g * 1000, atol=2.0)
    np.testing.assert_allclose(data["calibration"]["scale"], scale, rtol=0.002)
    assert data["error_after_mg"] < 2 < data["error_before_mg"]
    with Store(db) as store:
        accel, _, _ = free_living(rng, offset_g, scale, directions=random_directions(rng, 10))
        night_id = _import(store, np.repeat(accel, 3, axis=0), 30.0, "POOL")
        assert night_json(store, night_id)["calibration"] == data["calibration"]


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
