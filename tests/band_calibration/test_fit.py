"""Fitting from recordings on the host: the six-pose fit of a file, auto-calibration of one device."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.fit import (
    auto_calibrate,
    fit_static_from_file,
    fit_static_from_recording,
)
from rls_monitor.errors import CalibrationError, RLSMonitorError
from rls_monitor.recording import Recording
from tests.calibration.synth_calibration import (
    six_pose_csv,
)

FIXTURES = (six_pose_csv,)


def test_host_glue(six_pose_csv: Path) -> None:
    cal = fit_static_from_file(six_pose_csv)
    from rls_monitor.recording import read_recording

    rec = read_recording(six_pose_csv)
    calibrated = apply_calibration(rec, cal)
    assert calibrated.metadata["calibration"] == "six-pose"
    assert json.loads(calibrated.metadata["calibration_json"])["method"] == "six-pose"
    assert calibrated.device_id == rec.device_id and calibrated.fs_hz == rec.fs_hz
    # a calibrated recording's still poses read 1 g
    again = fit_static_from_recording(calibrated)
    assert again.error_before_mg < 2.0
    with pytest.raises(CalibrationError, match="missing"):
        fit_static_from_recording(Recording(rec.accel_g[:2000], fs_hz=rec.fs_hz))


def test_auto_calibrate_refuses_mixed_devices() -> None:
    a = Recording(np.zeros((1000, 3), dtype=np.float32), fs_hz=10.0, device_id="A")
    b = Recording(np.zeros((1000, 3), dtype=np.float32), fs_hz=10.0, device_id="B")
    with pytest.raises(CalibrationError, match="one device"):
        auto_calibrate([a, b])
    assert issubclass(CalibrationError, RLSMonitorError)
