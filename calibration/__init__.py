"""Accelerometer calibration: static six-pose and free-living auto-calibration.

Pure NumPy/SciPy, no I/O; imports neither ``rls_monitor`` nor ``firmware_host``.

- :class:`Calibration` (:mod:`calibration.model`): offset, scale, optional cross-axis matrix and
  temperature term, with the error before/after in mg; ``apply``, ``to_dict``/``from_dict``.
- :func:`fit_six_pose` (:mod:`calibration.static`): bench calibration from the six poses.
- :func:`fit_auto` / :func:`fit_auto_from_windows` (:mod:`calibration.autocal`): van Hees et al.
  2014 auto-calibration from still windows of free-living data, poolable across nights.
"""

from __future__ import annotations

from calibration.autocal import AutoCalConfig, AutoCalResult, fit_auto, fit_auto_from_windows
from calibration.errors import CalibrationFitError, CalibrationValueError
from calibration.model import Calibration
from calibration.static import POSES, StaticConfig, find_poses, fit_six_pose
from calibration.windows import StillWindows, still_windows, window_stats

__all__ = [
    "POSES",
    "AutoCalConfig",
    "AutoCalResult",
    "Calibration",
    "CalibrationFitError",
    "CalibrationValueError",
    "StaticConfig",
    "StillWindows",
    "find_poses",
    "fit_auto",
    "fit_auto_from_windows",
    "fit_six_pose",
    "still_windows",
    "window_stats",
]
