"""``rls-monitor calibrate --from-file`` with click's CliRunner, and the host glue."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from synth_calibration import six_pose_recording

from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.fit import (
    auto_calibrate,
    fit_static_from_file,
    fit_static_from_recording,
)
from rls_monitor.cli.calibrate import calibrate
from rls_monitor.errors import CalibrationError, RLSMonitorError
from rls_monitor.recording import Recording

OFFSET = np.array([0.062, -0.045, 0.018])
SCALE = np.array([1.021, 0.968, 1.004])


def _write_csv(path: Path, accel: np.ndarray, fs_hz: float = 50.0) -> Path:
    time_s = np.arange(len(accel)) / fs_hz
    lines = [
        f"# fs_hz: {fs_hz:g}",
        "# device: band-0042",
        "# side: left",
        "# start_utc: 2026-11-24T10:00:00Z",
        "time,x,y,z",
    ]
    lines += [
        f"{t:.3f},{x:.5f},{y:.5f},{z:.5f}" for t, (x, y, z) in zip(time_s, accel, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def six_pose_csv(tmp_path: Path) -> Path:
    raw = six_pose_recording(np.random.default_rng(21), OFFSET, SCALE, hold_s=12.0, move_s=2.0)
    return _write_csv(tmp_path / "six_pose.csv", raw)


def test_json_output(six_pose_csv: Path) -> None:
    result = CliRunner().invoke(calibrate, ["--from-file", str(six_pose_csv), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["offset_mg"]) == 3 and len(data["scale"]) == 3
    np.testing.assert_allclose(data["offset_mg"], OFFSET * 1000, atol=2.0)
    np.testing.assert_allclose(data["scale"], SCALE, rtol=0.002)
    assert data["error_after_mg"] < 10 < data["error_before_mg"]
    assert data["method"] == "six-pose"


def test_table_output_and_saved_file(six_pose_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "cal.json"
    result = CliRunner().invoke(
        calibrate, ["--from-file", str(six_pose_csv), "--cross-axis", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "offset (mg)" in result.output and "scale" in result.output
    assert "cross-axis" in result.output
    assert "+z" in result.output and "Mean error" in result.output
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["matrix"] is not None


def test_failed_fit_is_an_rls_monitor_error(tmp_path: Path) -> None:
    raw = six_pose_recording(np.random.default_rng(22), OFFSET, SCALE, poses=("+x", "-x", "+y"))
    path = _write_csv(tmp_path / "three_poses.csv", raw)
    result = CliRunner().invoke(calibrate, ["--from-file", str(path)])
    assert result.exit_code != 0
    assert isinstance(result.exception, CalibrationError)
    assert "pose -y is missing" in str(result.exception)


def test_without_a_source_is_a_usage_error() -> None:
    result = CliRunner().invoke(calibrate, [])
    assert result.exit_code == 2
    assert "--from-file" in result.output


def test_registered_in_the_main_group_gives_one_line_errors(tmp_path: Path) -> None:
    from rls_monitor.cli import main

    assert "calibrate" in main.commands
    result = CliRunner().invoke(main, ["calibrate", "--from-file", str(tmp_path / "none.csv")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error:") or "Error:" in result.stderr


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
