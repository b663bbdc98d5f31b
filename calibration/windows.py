"""Still windows: the per-window means and SDs both calibrations start from.

Windows are non-overlapping and computed by reshaping the signal (no loop over samples); a trailing
part shorter than one window is ignored. A window is *still* when the SD of every axis is below a
threshold and every axis' mean is within bounds; still windows can be pooled across recordings
(:meth:`StillWindows.concatenate`), which an ankle band worn only in bed needs to cover the sphere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from calibration.errors import CalibrationValueError, check_positive

__all__ = ["StillWindows", "still_windows", "window_stats"]


def _as_accel(accel_g: ArrayLike) -> NDArray[np.float64]:
    accel = np.asarray(accel_g, dtype=np.float64)
    if accel.ndim != 2 or accel.shape[1] != 3:
        raise CalibrationValueError(f"accel_g must have shape (n, 3); got {accel.shape}")
    return accel


def _samples_per_window(fs_hz: float, window_s: float) -> int:
    check_positive("fs_hz", fs_hz)
    check_positive("window_s", window_s)
    n = round(fs_hz * window_s)
    if n < 2:
        raise CalibrationValueError(
            f"a window of {window_s} s at {fs_hz} Hz holds fewer than 2 samples"
        )
    return int(n)


def window_stats(
    accel_g: ArrayLike,
    fs_hz: float,
    window_s: float,
    temperature_degc: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64] | None]:
    """Mean and SD of each axis in non-overlapping windows.

    Parameters
    ----------
    accel_g : array_like, shape (n, 3)
        Acceleration in g.
    fs_hz : float
        Sample rate in Hz.
    window_s : float
        Window length in s.
    temperature_degc : array_like, shape (n,), optional
        Temperature per sample in degrees Celsius; its window means are returned.

    Returns
    -------
    mean_g : ndarray, shape (k, 3)
        Mean of each axis per window, in g.
    sd_g : ndarray, shape (k, 3)
        Standard deviation of each axis per window, in g.
    temperature_degc : ndarray, shape (k,) or None
        Mean temperature per window.

    Raises
    ------
    CalibrationValueError
        If the shapes or the rate are wrong.
    """
    accel = _as_accel(accel_g)
    per = _samples_per_window(fs_hz, window_s)
    k = len(accel) // per
    blocks = accel[: k * per].reshape(k, per, 3)
    mean = blocks.mean(axis=1)
    sd = blocks.std(axis=1)
    temp_mean = None
    if temperature_degc is not None:
        temp = np.asarray(temperature_degc, dtype=np.float64)
        if temp.shape != (len(accel),):
            raise CalibrationValueError(
                f"temperature_degc must have one value per sample ({len(accel)}); got {temp.shape}"
            )
        temp_mean = temp[: k * per].reshape(k, per).mean(axis=1)
    return mean, sd, temp_mean


@dataclass(frozen=True, eq=False)
class StillWindows:
    """Still windows of one or more recordings.

    Attributes
    ----------
    mean_g : ndarray, shape (k, 3)
        Mean acceleration of each still window, in g.
    sd_g : ndarray, shape (k, 3)
        SD of each axis in each still window, in g.
    start_s : ndarray, shape (k,)
        Start of each window from the start of its recording, in s.
    temperature_degc : ndarray, shape (k,) or None
        Mean temperature of each window, when known for all of them.
    window_s : float
        Window length in s.
    n_windows_total : int
        Windows examined (still or not).
    """

    mean_g: NDArray[np.float64]
    sd_g: NDArray[np.float64]
    start_s: NDArray[np.float64]
    temperature_degc: NDArray[np.float64] | None
    window_s: float
    n_windows_total: int

    def __len__(self) -> int:
        return len(self.mean_g)

    @property
    def duration_s(self) -> float:
        """Total still time in s."""
        return float(len(self) * self.window_s)

    @classmethod
    def concatenate(cls, parts: Sequence[StillWindows]) -> StillWindows:
        """Pool the still windows of several recordings (for example several nights).

        Parameters
        ----------
        parts : sequence of StillWindows
            Windows of equal length; temperature is kept only if every part has it.

        Returns
        -------
        StillWindows

        Raises
        ------
        CalibrationValueError
            If ``parts`` is empty or the window lengths differ.
        """
        if not parts:
            raise CalibrationValueError("no still windows to pool")
        lengths = {p.window_s for p in parts}
        if len(lengths) != 1:
            raise CalibrationValueError(
                f"cannot pool windows of different lengths: {sorted(lengths)}"
            )
        temps = [p.temperature_degc for p in parts]
        return cls(
            mean_g=np.concatenate([p.mean_g for p in parts]).reshape(-1, 3),
            sd_g=np.concatenate([p.sd_g for p in parts]).reshape(-1, 3),
            start_s=np.concatenate([p.start_s for p in parts]),
            temperature_degc=None
            if any(t is None for t in temps)
            else np.concatenate([t for t in temps if t is not None]),
            window_s=parts[0].window_s,
            n_windows_total=sum(p.n_windows_total for p in parts),
        )


def still_windows(
    accel_g: ArrayLike,
    fs_hz: float,
    *,
    window_s: float = 10.0,
    max_sd_g: float = 0.013,
    max_abs_mean_g: float = 2.0,
    temperature_degc: ArrayLike | None = None,
) -> StillWindows:
    """Find the still windows of a recording.

    Parameters
    ----------
    accel_g : array_like, shape (n, 3)
        Acceleration in g (raw, i.e. not yet calibrated).
    fs_hz : float
        Sample rate in Hz.
    window_s : float, default 10
        Window length in s (van Hees et al. 2014 use 10 s).
    max_sd_g : float, default 0.013
        A window is still when the SD of every axis is below this, in g (13 mg).
    max_abs_mean_g : float, default 2
        ... and the absolute mean of every axis is below this, in g (drops clipped or broken data).
    temperature_degc : array_like, shape (n,), optional
        Temperature per sample, in degrees Celsius.

    Returns
    -------
    StillWindows

    Raises
    ------
    CalibrationValueError
        If the shapes, the rate or the window length are wrong.

    References
    ----------
    van Hees VT et al. Autocalibration of accelerometer data for free-living physical activity
    assessment using local gravity and temperature. J Appl Physiol 2014;117:738-744.

    Examples
    --------
    >>> import numpy as np
    >>> still = still_windows(np.tile([0.0, 0.0, 1.0], (1000, 1)), fs_hz=50.0)
    >>> len(still), still.mean_g[0].tolist()
    (2, [0.0, 0.0, 1.0])
    """
    mean, sd, temp = window_stats(accel_g, fs_hz, window_s, temperature_degc)
    keep = np.all(sd < max_sd_g, axis=1) & np.all(np.abs(mean) < max_abs_mean_g, axis=1)
    keep &= np.all(np.isfinite(mean), axis=1)
    starts = np.arange(len(mean), dtype=np.float64) * (round(fs_hz * window_s) / fs_hz)
    return StillWindows(
        mean_g=mean[keep],
        sd_g=sd[keep],
        start_s=starts[keep],
        temperature_degc=None if temp is None else temp[keep],
        window_s=float(window_s),
        n_windows_total=len(mean),
    )
