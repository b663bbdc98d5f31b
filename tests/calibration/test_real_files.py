"""Calibration on the real device files in ``../shared/data/device_formats``.

These recordings are short (18 s to 5 min) and each sees one to three orientations, so the
auto-calibration cannot cover the sphere and must refuse, saying why, and keep the previous
calibration. The figures measured here (still-window |a| before calibration) are in
docs/calibration.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration import AutoCalConfig, Calibration, still_windows
from rls_monitor.band_calibration.apply import apply_calibration
from rls_monitor.band_calibration.fit import (
    auto_calibrate,
    fit_static_from_recording,
    read_with_temperature,
)
from rls_monitor.errors import CalibrationError

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "device_formats"
FILES = ["skdh_ax3_sample.cwa", "ggirread_ax3_testfile.cwa", "skdh_gnactv_sample.bin"]


def _read(name: str) -> tuple[object, np.ndarray | None]:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"shared test data not available: {path} (see /work/shared/data/README.md)")
    return read_with_temperature(path)


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("window_s", [10.0, 2.0])
def test_auto_calibration_refuses_with_a_reason_and_keeps_the_previous(
    name: str, window_s: float
) -> None:
    rec, temp = _read(name)
    previous = Calibration(offset_g=np.zeros(3), scale=np.ones(3), method="six-pose")
    result = auto_calibrate(
        rec,  # type: ignore[arg-type]
        temperatures_degc=[temp],
        previous=previous,
        config=AutoCalConfig(window_s=window_s),
    )
    assert not result.accepted
    assert result.reason.startswith(("too few still windows", "poor coverage"))
    assert result.calibration is previous
    unchanged = apply_calibration(rec, result.calibration)  # type: ignore[arg-type]
    np.testing.assert_array_equal(unchanged.accel_g, rec.accel_g)  # type: ignore[attr-defined]


def test_uncalibrated_ax3_still_magnitude_is_off_by_tens_of_mg() -> None:
    """The raw AX3 file's still periods read 1.035-1.040 g: why calibration matters."""
    rec, _ = _read("skdh_ax3_sample.cwa")
    windows = still_windows(rec.accel_g, rec.fs_hz, window_s=2.0)  # type: ignore[attr-defined]
    error_mg = np.abs(np.linalg.norm(windows.mean_g, axis=1) - 1.0) * 1000
    assert len(windows) >= 20
    assert 20.0 < float(error_mg.mean()) < 60.0
    assert float(error_mg.max()) < 60.0


def test_static_fit_on_a_free_living_file_names_the_missing_poses() -> None:
    rec, _ = _read("skdh_ax3_sample.cwa")
    with pytest.raises(CalibrationError, match=r"pose \+x was never held still"):
        fit_static_from_recording(rec)  # type: ignore[arg-type]
