"""Auto-calibration from free-living data (van Hees et al. 2014).

A still accelerometer reads 1 g whatever its orientation, so the means of still windows should lie
on the unit sphere; offset, scale and (optionally) a temperature term are fitted to put them there.

1. 10 s non-overlapping windows; keep those with SD < 13 mg on all three axes and |mean| < 2 g on
   every axis (:func:`still_windows`).
2. Coverage: on every axis some still window must read below -0.3 g and some above +0.3 g,
   otherwise the sphere is not constrained and nothing is fitted.
3. Model per axis (van Hees form, :mod:`calibration.model`)::

       x_cal[k] = (x[k] + offset_g[k]) * scale[k] + (T - T_ref) * temp_coef_g_per_degc[k]

   with ``T_ref`` the mean window temperature.
4. Iterate (at most 1000 times): project the calibrated window means onto the unit sphere; for
   each axis, weighted least squares of the projection on ``1``, the calibrated value and
   ``T - T_ref``; fold the coefficients into offset, scale and temperature term; weights
   ``min(1 / | |a| - 1 |, 100)``; stop when the weighted residual changes less than 1e-10.
5. Error = mean ``| |a| - 1 |`` over the still windows, in mg. Accept only if it decreased, ends
   under 10 mg, and the parameters are within OpenMovement's bounds (|scale - 1| <= 0.2,
   |offset| <= 0.41 g, |temp_coef| <= 0.02 g/degC).

An ankle band worn only in bed sees few orientations, so one night rarely covers the sphere: pool
the still windows of several nights (:meth:`StillWindows.concatenate`) and call
:func:`fit_auto_from_windows`; when the fit is refused, the previous calibration is kept.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from calibration.errors import CalibrationValueError, check_positive
from calibration.model import Calibration
from calibration.windows import StillWindows, still_windows

__all__ = [
    "AutoCalConfig",
    "AutoCalResult",
    "StillWindows",
    "fit_auto",
    "fit_auto_from_windows",
    "still_windows",
]

log = logging.getLogger(__name__)

_AXES = ("x", "y", "z")


@dataclass(frozen=True)
class AutoCalConfig:
    """Settings of the auto-calibration (defaults from van Hees et al. 2014 and OpenMovement).

    Attributes
    ----------
    window_s : float
        Window length, in s.
    max_sd_mg : float
        Still when the SD of every axis is below this, in mg.
    max_abs_mean_g : float
        ... and every axis' |mean| is below this, in g.
    min_coverage_g : float
        Every axis needs a still window below ``-min_coverage_g`` and one above it, in g.
    min_windows : int
        Fewest still windows to attempt a fit.
    max_iterations : int
        Iterations of the sphere fit.
    tolerance : float
        Stop when the weighted residual changes less than this.
    max_weight : float
        Cap of the ``1 / distance`` weights.
    accept_error_mg : float
        Accept only when the error after calibration is below this, in mg.
    max_scale_deviation : float
        Accept only when ``|scale - 1|`` is at most this on every axis.
    max_offset_g : float
        Accept only when ``|offset|`` is at most this on every axis, in g.
    max_temp_coef_g_per_degc : float
        Accept only when ``|temp_coef|`` is at most this on every axis, in g/degC.
    """

    window_s: float = 10.0
    max_sd_mg: float = 13.0
    max_abs_mean_g: float = 2.0
    min_coverage_g: float = 0.3
    min_windows: int = 10
    max_iterations: int = 1000
    tolerance: float = 1e-10
    max_weight: float = 100.0
    accept_error_mg: float = 10.0
    max_scale_deviation: float = 0.2
    max_offset_g: float = 0.41
    max_temp_coef_g_per_degc: float = 0.02

    def __post_init__(self) -> None:
        for name in (
            "window_s",
            "max_sd_mg",
            "max_abs_mean_g",
            "min_coverage_g",
            "tolerance",
            "max_weight",
            "accept_error_mg",
            "max_scale_deviation",
            "max_offset_g",
            "max_temp_coef_g_per_degc",
        ):
            check_positive(name, getattr(self, name))
        if self.min_windows < 1 or self.max_iterations < 1:
            raise CalibrationValueError("min_windows and max_iterations must be at least 1")


@dataclass(frozen=True, eq=False)
class AutoCalResult:
    """Outcome of an auto-calibration.

    Attributes
    ----------
    accepted : bool
        Whether the new calibration met every criterion.
    reason : str
        Why it was not accepted, in plain words ("" when accepted).
    calibration : Calibration
        The new calibration if accepted, else ``previous`` (or the identity).
    candidate : Calibration or None
        What the fit produced, accepted or not (None when no fit was attempted).
    n_windows : int
        Still windows used.
    n_windows_total : int
        Windows examined.
    coverage_g : ndarray, shape (3, 2)
        Lowest and highest still-window mean per axis, in g (NaN without still windows).
    error_before_mg, error_after_mg : float
        Mean ``| |a| - 1 g |`` over the still windows before (raw) and after the fit, in mg.
    error_previous_mg : float
        The same with ``previous`` applied (NaN without ``previous``).
    n_iterations : int
        Iterations of the sphere fit.
    """

    accepted: bool
    reason: str
    calibration: Calibration
    candidate: Calibration | None
    n_windows: int
    n_windows_total: int
    coverage_g: NDArray[np.float64]
    error_before_mg: float
    error_after_mg: float
    error_previous_mg: float = math.nan
    n_iterations: int = 0

    def to_dict(self) -> dict[str, object]:
        """A JSON-safe summary (errors in mg, coverage in g per axis)."""

        def num(value: float) -> float | None:
            return None if not math.isfinite(value) else round(float(value), 3)

        return {
            "accepted": self.accepted,
            "reason": self.reason,
            "n_windows": self.n_windows,
            "n_windows_total": self.n_windows_total,
            "coverage_g": {
                axis: [num(self.coverage_g[k, 0]), num(self.coverage_g[k, 1])]
                for k, axis in enumerate(_AXES)
            },
            "error_before_mg": num(self.error_before_mg),
            "error_after_mg": num(self.error_after_mg),
            "error_previous_mg": num(self.error_previous_mg),
            "n_iterations": self.n_iterations,
            "calibration": self.calibration.to_dict(),
        }


def _error_mg(points_g: NDArray[np.float64]) -> float:
    if len(points_g) == 0:
        return math.nan
    return float(np.mean(np.abs(np.linalg.norm(points_g, axis=1) - 1.0)) * 1000.0)


def _sphere_fit(
    means: NDArray[np.float64],
    temp: NDArray[np.float64] | None,
    cfg: AutoCalConfig,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int]:
    """Iterative weighted sphere fit; returns offset, scale, temp_coef, iterations."""
    n = len(means)
    offset = np.zeros(3)
    scale = np.ones(3)
    coef = np.zeros(3)
    d_temp = np.zeros(n) if temp is None else temp - temp.mean()
    weights = np.ones(n)
    previous_residual = math.inf
    iterations = 0
    for iterations in range(1, cfg.max_iterations + 1):  # noqa: B007 (count is returned)
        current = (means + offset) * scale + d_temp[:, None] * coef
        norm = np.linalg.norm(current, axis=1)
        norm[norm == 0] = 1e-12
        closest = current / norm[:, None]
        for k in range(3):
            if temp is None:
                design = np.column_stack([np.ones(n), current[:, k]])
            else:
                design = np.column_stack([np.ones(n), current[:, k], d_temp])
            sw = np.sqrt(weights)
            sol, *_ = np.linalg.lstsq(design * sw[:, None], closest[:, k] * sw, rcond=None)
            a, b = float(sol[0]), float(sol[1])
            c = float(sol[2]) if temp is not None else 0.0
            if b <= 0:  # degenerate axis: leave it for the acceptance checks
                continue
            # a + b * ((x + off) * s + dT * tc) + c * dT
            #   = (x + off + a / (b * s)) * (b * s) + dT * (b * tc + c)
            offset[k] += a / (b * scale[k])
            scale[k] *= b
            coef[k] = b * coef[k] + c
        current = (means + offset) * scale + d_temp[:, None] * coef
        distance = np.abs(np.linalg.norm(current, axis=1) - 1.0)
        residual = float(np.sum(weights * distance**2) / np.sum(weights))
        weights = np.minimum(1.0 / np.maximum(distance, 1e-300), cfg.max_weight)
        if abs(residual - previous_residual) < cfg.tolerance:
            break
        previous_residual = residual
    return offset, scale, coef, iterations


def fit_auto_from_windows(
    windows: StillWindows,
    *,
    previous: Calibration | None = None,
    use_temperature: bool = True,
    config: AutoCalConfig | None = None,
) -> AutoCalResult:
    """Auto-calibrate from still windows (of one recording or pooled over several).

    Parameters
    ----------
    windows : StillWindows
        From :func:`still_windows` (raw, uncalibrated acceleration), possibly pooled with
        :meth:`StillWindows.concatenate`.
    previous : Calibration, optional
        The calibration in use; it is returned in ``calibration`` when the fit is refused.
    use_temperature : bool, default True
        Fit the temperature term when the windows carry temperature.
    config : AutoCalConfig, optional
        Thresholds and bounds; the defaults are van Hees et al. 2014 and OpenMovement's.

    Returns
    -------
    AutoCalResult
        ``accepted`` and, if not, ``reason``; never raises for poor data.

    References
    ----------
    van Hees VT, Fang Z, Langford J, et al. Autocalibration of accelerometer data for free-living
    physical activity assessment using local gravity and temperature: an evaluation on four
    continents. J Appl Physiol 2014;117:738-744.
    """
    cfg = config or AutoCalConfig()
    fallback = previous or Calibration.identity()
    sd_ok = np.all(windows.sd_g < cfg.max_sd_mg / 1000.0, axis=1)
    mean_ok = np.all(np.abs(windows.mean_g) < cfg.max_abs_mean_g, axis=1)
    keep = sd_ok & mean_ok & np.all(np.isfinite(windows.mean_g), axis=1)
    means = windows.mean_g[keep]
    temp = None
    if use_temperature and windows.temperature_degc is not None:
        temp = windows.temperature_degc[keep]
        if len(temp) < 2 or not np.all(np.isfinite(temp)) or np.ptp(temp) == 0:
            temp = None  # a constant temperature cannot be fitted
    n = len(means)
    if n:
        coverage = np.column_stack([means.min(axis=0), means.max(axis=0)])
    else:
        coverage = np.full((3, 2), math.nan)
    before = _error_mg(means)
    prev_err = math.nan
    if previous is not None and n:
        prev_temp = None
        if previous.has_temperature and windows.temperature_degc is not None:
            prev_temp = windows.temperature_degc[keep]
        prev_err = _error_mg(previous.apply(means, prev_temp).astype(np.float64))

    def outcome(
        reason: str,
        candidate: Calibration | None = None,
        after: float = math.nan,
        iterations: int = 0,
    ) -> AutoCalResult:
        """Accepted when there is no ``reason`` (then ``candidate`` is in force), else refused."""
        accepted = not reason and candidate is not None
        if not accepted:
            log.info("auto-calibration not accepted: %s", reason)
        return AutoCalResult(
            accepted=accepted,
            reason=reason,
            calibration=candidate if accepted and candidate is not None else fallback,
            candidate=candidate,
            n_windows=n,
            n_windows_total=windows.n_windows_total,
            coverage_g=coverage,
            error_before_mg=before,
            error_after_mg=after,
            error_previous_mg=prev_err,
            n_iterations=iterations,
        )

    if n < cfg.min_windows:
        return outcome(
            f"too few still windows: {n} of {windows.n_windows_total} "
            f"(need at least {cfg.min_windows})"
        )
    poor = [
        f"{axis} spans {coverage[k, 0]:+.2f} to {coverage[k, 1]:+.2f} g"
        for k, axis in enumerate(_AXES)
        if not (coverage[k, 0] < -cfg.min_coverage_g and coverage[k, 1] > cfg.min_coverage_g)
    ]
    if poor:
        return outcome(
            "poor coverage of orientations: "
            + ", ".join(poor)
            + f" (every axis needs still windows below -{cfg.min_coverage_g:g} g and above "
            f"+{cfg.min_coverage_g:g} g; pool more nights)"
        )
    offset, scale, coef, iterations = _sphere_fit(means, temp, cfg)
    if not (np.all(np.isfinite(offset)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        return outcome("the sphere fit did not converge", iterations=iterations)
    candidate = Calibration(
        offset_g=offset,
        scale=scale,
        temp_coef_g_per_degc=None if temp is None else coef,
        temp_ref_degc=None if temp is None else float(temp.mean()),
        method="auto",
        error_before_mg=before,
        n_points=n,
    )
    after = _error_mg(candidate.apply(means, temp).astype(np.float64))
    candidate = replace(
        candidate,
        error_after_mg=after,
        extra={
            "n_iterations": iterations,
            "window_s": windows.window_s,
            "still_s": round(n * windows.window_s, 1),
        },
    )
    problems = []
    if not after < before:
        problems.append(f"the error did not decrease ({before:.1f} -> {after:.1f} mg)")
    if not after < cfg.accept_error_mg:
        problems.append(f"the error after is {after:.1f} mg (need < {cfg.accept_error_mg:g} mg)")
    if np.any(np.abs(scale - 1.0) > cfg.max_scale_deviation):
        problems.append(
            f"a scale is out of bounds ({', '.join(f'{v:.3f}' for v in scale)}; "
            f"allowed 1 +- {cfg.max_scale_deviation:g})"
        )
    if np.any(np.abs(offset) > cfg.max_offset_g):
        problems.append(
            f"an offset is out of bounds ({', '.join(f'{v * 1000:+.0f}' for v in offset)} mg; "
            f"allowed +-{cfg.max_offset_g * 1000:.0f} mg)"
        )
    if temp is not None and np.any(np.abs(coef) > cfg.max_temp_coef_g_per_degc):
        problems.append(
            f"a temperature coefficient is out of bounds "
            f"({', '.join(f'{v * 1000:+.1f}' for v in coef)} mg/degC; "
            f"allowed +-{cfg.max_temp_coef_g_per_degc * 1000:.0f} mg/degC)"
        )
    return outcome("; ".join(problems), candidate, after, iterations)


def fit_auto(
    accel_g: ArrayLike,
    fs_hz: float,
    *,
    temperature_degc: ArrayLike | None = None,
    previous: Calibration | None = None,
    config: AutoCalConfig | None = None,
) -> AutoCalResult:
    """Auto-calibrate from one free-living recording (van Hees et al. 2014).

    Parameters
    ----------
    accel_g : array_like, shape (n, 3)
        Raw acceleration in g.
    fs_hz : float
        Sample rate in Hz.
    temperature_degc : array_like, shape (n,), optional
        Device temperature per sample in degrees Celsius; adds the temperature term.
    previous : Calibration, optional
        The calibration in use, kept when the fit is refused.
    config : AutoCalConfig, optional
        Thresholds and bounds.

    Returns
    -------
    AutoCalResult

    Raises
    ------
    CalibrationValueError
        If the input has the wrong shape or rate (poor data is a refused result, not an error).

    References
    ----------
    van Hees VT et al. J Appl Physiol 2014;117:738-744.

    Examples
    --------
    >>> import numpy as np
    >>> flat = np.tile([0.0, 0.0, 1.0], (50 * 600, 1))  # 10 min lying still, one orientation
    >>> result = fit_auto(flat, fs_hz=50.0)
    >>> result.accepted, result.calibration.method
    (False, 'identity')
    """
    cfg = config or AutoCalConfig()
    windows = still_windows(
        accel_g,
        fs_hz,
        window_s=cfg.window_s,
        max_sd_g=cfg.max_sd_mg / 1000.0,
        max_abs_mean_g=cfg.max_abs_mean_g,
        temperature_degc=temperature_degc,
    )
    return fit_auto_from_windows(windows, previous=previous, config=cfg)
