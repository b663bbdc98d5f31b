"""Fitting a calibration from recordings: the six-pose bench fit and van Hees auto-calibration.

- :func:`fit_static_from_recording` / :func:`fit_static_from_file`: six-pose bench calibration
  of a recording of the six poses;
- :func:`recording_still_windows` and :func:`auto_calibrate`: van Hees auto-calibration from one or
  several recordings (their still windows are pooled, as an ankle band worn in bed needs);
- :func:`read_with_temperature`: a recording and, for device files that carry it, the temperature
  per sample.

A refused auto-calibration is not an error but an :class:`~calibration.AutoCalResult` with
``accepted=False`` and a ``reason``, keeping the previous calibration.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

import calibration as cal
from calibration import AutoCalConfig, AutoCalResult, Calibration, StaticConfig, StillWindows
from rls_monitor.errors import CalibrationError
from rls_monitor.recording import Recording, read_recording

__all__ = [
    "auto_calibrate",
    "fit_static_from_file",
    "fit_static_from_recording",
    "read_with_temperature",
    "recording_still_windows",
]

log = logging.getLogger(__name__)


def fit_static_from_recording(
    recording: Recording, *, cross_axis: bool = False, config: StaticConfig | None = None
) -> Calibration:
    """Fit the six-pose calibration from a recording of the band held in the six poses.

    Parameters
    ----------
    recording : Recording
        Raw acceleration in g with each axis held up and down, still for >= 10 s per pose.
    cross_axis : bool, default False
        Fit the twelve-parameter model with cross-axis terms.
    config : calibration.StaticConfig, optional
        Thresholds of the pose finder and the acceptance criterion.

    Returns
    -------
    Calibration
        ``method="six-pose"``, with the mean error over the poses before and after in mg.

    Raises
    ------
    CalibrationError
        Naming the missing or moved pose, or the pose still off after the fit.
    """
    try:
        return cal.fit_six_pose(
            recording.accel_g, recording.fs_hz, cross_axis=cross_axis, config=config
        )
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"six-pose calibration failed: {exc.reason}") from exc


def fit_static_from_file(
    path: str | Path, *, cross_axis: bool = False, config: StaticConfig | None = None
) -> Calibration:
    """Read a recording of the six poses (any format :func:`read_recording` reads) and fit it.

    Parameters
    ----------
    path : str or Path
        The recording.
    cross_axis : bool, default False
        Fit the cross-axis terms too.
    config : calibration.StaticConfig, optional
        Thresholds.

    Returns
    -------
    Calibration

    Raises
    ------
    RecordingError
        If the file cannot be read.
    CalibrationError
        If the fit fails (see :func:`fit_static_from_recording`).
    """
    return fit_static_from_recording(read_recording(path), cross_axis=cross_axis, config=config)


def recording_still_windows(
    recording: Recording,
    *,
    temperature_degc: ArrayLike | None = None,
    config: AutoCalConfig | None = None,
) -> StillWindows:
    """The still windows of one recording, to pool across nights.

    Parameters
    ----------
    recording : Recording
        Raw (uncalibrated) acceleration.
    temperature_degc : array_like, shape (n,), optional
        Temperature per sample.
    config : calibration.AutoCalConfig, optional
        Window length and still thresholds.

    Returns
    -------
    calibration.StillWindows

    Raises
    ------
    CalibrationError
        If the temperature does not match the recording or the rate is too low for a window.
    """
    cfg = config or AutoCalConfig()
    try:
        return cal.still_windows(
            recording.accel_g,
            recording.fs_hz,
            window_s=cfg.window_s,
            max_sd_g=cfg.max_sd_mg / 1000.0,
            max_abs_mean_g=cfg.max_abs_mean_g,
            temperature_degc=temperature_degc,
        )
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"cannot find still windows: {exc.reason}") from exc


def auto_calibrate(
    recordings: Recording | Sequence[Recording],
    *,
    temperatures_degc: Sequence[NDArray[np.float32] | None] | None = None,
    previous: Calibration | None = None,
    extra_windows: Sequence[StillWindows] = (),
    config: AutoCalConfig | None = None,
) -> AutoCalResult:
    """Auto-calibrate (van Hees et al. 2014) from the pooled still windows of recordings.

    Parameters
    ----------
    recordings : Recording or sequence of Recording
        Raw recordings of one device (for example several nights).
    temperatures_degc : sequence of (ndarray or None), optional
        Temperature per sample of each recording; the temperature term is fitted only when every
        recording has it.
    previous : Calibration, optional
        The calibration in use; kept when the fit is refused.
    extra_windows : sequence of StillWindows, optional
        Still windows kept from earlier nights (e.g. from the store) to pool with these.
    config : calibration.AutoCalConfig, optional
        Thresholds and bounds.

    Returns
    -------
    calibration.AutoCalResult
        ``accepted``, ``reason``, ``calibration`` (new or ``previous``), coverage and errors in mg.

    Raises
    ------
    CalibrationError
        If the recordings are from different devices, or their inputs are malformed.
    """
    recs = [recordings] if isinstance(recordings, Recording) else list(recordings)
    if not recs and not extra_windows:
        raise CalibrationError("auto-calibration needs at least one recording")
    devices = {r.device_id for r in recs if r.device_id}
    if len(devices) > 1:
        raise CalibrationError(
            f"auto-calibration pools one device's recordings; got {', '.join(sorted(devices))}"
        )
    temps: Sequence[NDArray[np.float32] | None] = temperatures_degc or [None] * len(recs)
    if len(temps) != len(recs):
        raise CalibrationError(f"got {len(temps)} temperature series for {len(recs)} recordings")
    parts = [
        recording_still_windows(r, temperature_degc=t, config=config)
        for r, t in zip(recs, temps, strict=True)
    ]
    try:
        pooled = StillWindows.concatenate([*extra_windows, *parts])
        result = cal.fit_auto_from_windows(pooled, previous=previous, config=config)
    except cal.CalibrationValueError as exc:
        raise CalibrationError(f"auto-calibration failed: {exc.reason}") from exc
    log.info(
        "auto-calibration of %d recording(s): %s",
        len(recs),
        "accepted" if result.accepted else result.reason,
    )
    return result


def read_with_temperature(path: str | Path) -> tuple[Recording, NDArray[np.float32] | None]:
    """Read a recording and, for Axivity and GENEActiv files, the temperature per sample.

    Parameters
    ----------
    path : str or Path
        Any file :func:`read_recording` reads.

    Returns
    -------
    recording : Recording
    temperature_degc : ndarray of float32, shape (n,), or None
        None for formats without temperature (CSV).

    Raises
    ------
    RecordingError
        If the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".cwa" and path.is_file():
        from rls_monitor.recording.axivity import read_cwa

        return read_cwa(path, with_temperature=True)
    if suffix == ".bin" and path.is_file():
        from rls_monitor.recording.geneactiv import read_geneactiv_bin

        return read_geneactiv_bin(path, with_temperature=True)
    return read_recording(path), None
