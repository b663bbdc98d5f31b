"""Applying a calibration to a recording (pure: no store, no link)."""

from __future__ import annotations

from numpy.typing import ArrayLike

import calibration as cal
from calibration import Calibration
from rls_monitor.errors import CalibrationError
from rls_monitor.recording import Recording

__all__ = ["apply_calibration"]


def apply_calibration(
    recording: Recording,
    calibration: Calibration,
    *,
    temperature_degc: ArrayLike | float | None = None,
    in_place: bool = False,
) -> Recording:
    """A calibrated copy of a recording.

    Parameters
    ----------
    recording : Recording
        Raw acceleration.
    calibration : Calibration
        What to apply.
    temperature_degc : array_like of shape (n,) or float, optional
        Device temperature for a calibration with a temperature term.
    in_place : bool, default False
        Calibrate the recording's own samples instead of a copy (the recording passed in then
        holds calibrated samples too): a night's scoring never holds two copies of the night.

    Returns
    -------
    Recording
        Same rate, start, device and side; ``metadata["calibration"]`` names the method and
        ``metadata["calibration_json"]`` holds the parameters.

    Raises
    ------
    CalibrationError
        If the temperature does not match the recording.
    """
    import json

    try:
        target = recording.accel_g if in_place and recording.accel_g.flags.writeable else None
        accel = calibration.apply(recording.accel_g, temperature_degc, out=target)
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"cannot apply the calibration: {exc.reason}") from exc
    metadata = dict(recording.metadata)
    metadata["calibration"] = calibration.method
    metadata["calibration_json"] = json.dumps(calibration.to_dict(), separators=(",", ":"))
    return Recording(
        accel_g=accel,
        fs_hz=recording.fs_hz,
        start_utc=recording.start_utc,
        device_id=recording.device_id,
        side=recording.side,
        metadata=metadata,
    )
