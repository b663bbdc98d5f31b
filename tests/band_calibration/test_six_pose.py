"""The guided six-pose procedure with a simulated band: moved poses asked again, the fit, the verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from rls_monitor.band_calibration.simulated import SimulatedSixPoseBand
from rls_monitor.band_calibration.six_pose import PoseCheck, check_pose, guided_six_pose
from rls_monitor.errors import CalibrationError


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
