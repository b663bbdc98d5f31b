"""Six-position static calibration (bench): each axis held at +1 g and at -1 g.

The recording of the six poses is cut into short windows (default 1 s). A window is *still* when the
SD of every axis is below ``still_sd_mg`` (default 15 mg); it belongs to the pose of its dominant
gravity direction (+x, -x, +y, -y, +z, -z) when that axis reads at least ``min_axis_g`` (0.7 g).
Each pose uses its longest run of consecutive still windows, which must last at least
``min_still_s`` (10 s). A pose with no window is *missing*; a pose whose longest still run is too
short is reported as *moved* (when the band shook for >= 3 s while pointing within 15 degrees of
the pose's axis) or *too short* (otherwise).

Per-axis fit (the classic six-position formula, in the model of :mod:`calibration.model`)::

    offset_g[k] = -(m+[k] + m-[k]) / 2        scale[k] = 2 / (m+[k] - m-[k])

with ``m+`` / ``m-`` the mean of the +k / -k pose. With ``cross_axis=True`` the twelve-parameter
model ``x_cal = matrix @ (x + offset_g)`` is fitted by least squares of the six pose means onto the
ideal unit vectors (ST AN4508, NXP AN4399). The fit is accepted when ``| |a| - 1 g |`` is below
``accept_error_mg`` (10 mg) in every pose after calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from calibration.errors import CalibrationFitError, check_positive
from calibration.model import Calibration
from calibration.windows import StillWindows, still_windows, window_stats

__all__ = [
    "POSES",
    "StaticConfig",
    "StillPose",
    "StillWindows",
    "find_poses",
    "fit_six_pose",
    "still_windows",
]

POSES: tuple[str, ...] = ("+x", "-x", "+y", "-y", "+z", "-z")
"""The six poses, named by the axis that reads +1 g or -1 g."""

_IDEAL = np.array(
    [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], dtype=np.float64
)
_IN_PLACE_COS = float(np.cos(np.deg2rad(15.0)))  # a window within 15 degrees of the pose's axis
_MOVED_S = 3.0  # this much shaking within a pose (beyond the moves into and out of it) = "moved"


@dataclass(frozen=True)
class StaticConfig:
    """Settings of the six-position calibration.

    Attributes
    ----------
    window_s : float
        Window length for the still test, in s.
    still_sd_mg : float
        A window is still when every axis' SD is below this, in mg.
    min_still_s : float
        Each pose needs a still run at least this long, in s.
    min_axis_g : float
        A window belongs to a pose when its dominant axis reads at least this, in g.
    accept_error_mg : float
        Accept the fit only when ``| |a| - 1 g |`` is below this in every pose, in mg.
    """

    window_s: float = 1.0
    still_sd_mg: float = 15.0
    min_still_s: float = 10.0
    min_axis_g: float = 0.7
    accept_error_mg: float = 10.0

    def __post_init__(self) -> None:
        for name in ("window_s", "still_sd_mg", "min_still_s", "min_axis_g", "accept_error_mg"):
            check_positive(name, getattr(self, name))


@dataclass(frozen=True, eq=False)
class StillPose:
    """The still run used for one pose.

    Attributes
    ----------
    pose : str
        ``"+x"`` ... ``"-z"``.
    mean_g : ndarray, shape (3,)
        Mean acceleration over the run, in g.
    start_s, duration_s : float
        Start (from the recording start) and length of the run, in s.
    max_sd_mg : float
        Largest per-axis SD of a window in the run, in mg.
    problems : tuple of str
        Why the pose cannot be used (moved, too short); empty when it can.
    """

    pose: str
    mean_g: NDArray[np.float64]
    start_s: float
    duration_s: float
    max_sd_mg: float
    problems: tuple[str, ...] = field(default=())


def _runs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start and end (exclusive) indices of runs of True."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def find_poses(
    accel_g: ArrayLike, fs_hz: float, *, config: StaticConfig | None = None
) -> dict[str, StillPose]:
    """Find the still run of each of the six poses in a recording.

    Parameters
    ----------
    accel_g : array_like, shape (n, 3)
        Raw acceleration in g of a recording of the six poses (any order, with moves between).
    fs_hz : float
        Sample rate in Hz.
    config : StaticConfig, optional
        Thresholds; the defaults are described in the module docstring.

    Returns
    -------
    dict of str to StillPose
        One entry per pose seen; a pose with ``problems`` was found but cannot be used.

    Raises
    ------
    CalibrationValueError
        If the input has the wrong shape or the rate is not positive.
    """
    cfg = config or StaticConfig()
    mean, sd, _ = window_stats(accel_g, fs_hz, cfg.window_s)
    step_s = round(fs_hz * cfg.window_s) / fs_hz
    if len(mean) == 0:
        return {}
    axis = np.argmax(np.abs(mean), axis=1)
    value = mean[np.arange(len(mean)), axis]
    pose_idx = 2 * axis + (value < 0)
    oriented = np.abs(value) >= cfg.min_axis_g
    still = np.all(sd < cfg.still_sd_mg / 1000.0, axis=1)
    norm = np.linalg.norm(mean, axis=1)
    in_place = np.abs(value) >= _IN_PLACE_COS * np.where(norm > 0, norm, 1.0)
    found: dict[str, StillPose] = {}
    for p, name in enumerate(POSES):
        in_pose = oriented & (pose_idx == p)
        if not np.any(in_pose):
            continue
        starts, ends = _runs(in_pose & still)
        total_s = float(np.count_nonzero(in_pose) * step_s)
        worst_sd_mg = float(sd[in_pose].max() * 1000.0)
        if len(starts) == 0:
            found[name] = StillPose(
                name,
                mean[in_pose].mean(axis=0),
                float(np.flatnonzero(in_pose)[0] * step_s),
                0.0,
                worst_sd_mg,
                (
                    f"pose {name} was never held still ({total_s:.0f} s in the pose, "
                    f"SD up to {worst_sd_mg:.0f} mg; need >= {cfg.min_still_s:g} s with SD < "
                    f"{cfg.still_sd_mg:g} mg on every axis)",
                ),
            )
            continue
        best = int(np.argmax(ends - starts))
        a, b = int(starts[best]), int(ends[best])
        duration_s = float((b - a) * step_s)
        problems: tuple[str, ...] = ()
        if duration_s < cfg.min_still_s:
            # shaking in place keeps the mean along the pose's axis; a move between poses does not
            moving_s = float(np.count_nonzero(in_pose & ~still & in_place) * step_s)
            if moving_s >= _MOVED_S:
                problems = (
                    f"pose {name} moved: longest still period {duration_s:.0f} s, "
                    f"{moving_s:.0f} s moving in the pose (SD up to {worst_sd_mg:.0f} mg; need "
                    f">= {cfg.min_still_s:g} s with SD < {cfg.still_sd_mg:g} mg on every axis)",
                )
            else:
                problems = (
                    f"pose {name} held for only {duration_s:.0f} s (need >= {cfg.min_still_s:g} s "
                    "still)",
                )
        found[name] = StillPose(
            name,
            mean[a:b].mean(axis=0),
            float(a * step_s),
            duration_s,
            float(sd[a:b].max() * 1000.0),
            problems,
        )
    return found


def _pose_error_mg(mean_g: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.abs(np.linalg.norm(mean_g, axis=1) - 1.0) * 1000.0


def fit_six_pose(
    accel_g: ArrayLike,
    fs_hz: float,
    *,
    cross_axis: bool = False,
    config: StaticConfig | None = None,
) -> Calibration:
    """Fit offset and scale (optionally cross-axis terms) from a recording of the six poses.

    Parameters
    ----------
    accel_g : array_like, shape (n, 3)
        Raw acceleration in g: the band held still for at least 10 s with each axis pointing up
        and down in turn (+x, -x, +y, -y, +z, -z, any order, moves between them allowed).
    fs_hz : float
        Sample rate in Hz.
    cross_axis : bool, default False
        Fit the twelve-parameter model (3x3 gain/cross-axis matrix + offset) instead of the
        per-axis offset and scale.
    config : StaticConfig, optional
        Thresholds (window, still SD, minimum still time, acceptance error).

    Returns
    -------
    Calibration
        ``method="six-pose"``; ``error_before_mg`` / ``error_after_mg`` are the mean
        ``| |a| - 1 g |`` over the six poses; ``extra`` holds the error of each pose.

    Raises
    ------
    CalibrationFitError
        Naming the pose(s) that are missing or moved, or the pose still off by more than
        ``accept_error_mg`` after calibration (``reason`` and ``pose`` attributes).
    CalibrationValueError
        If the input has the wrong shape or rate.

    References
    ----------
    STMicroelectronics AN4508, "Parameters and calibration of a low-g 3-axis accelerometer" (2014).
    NXP AN4399, "High precision calibration of a three-axis accelerometer" (2015).

    Examples
    --------
    >>> import numpy as np
    >>> poses = np.repeat(np.vstack([np.eye(3), -np.eye(3)]), 750, axis=0)  # 15 s each at 50 Hz
    >>> raw = (poses / [1.02, 0.99, 1.0] - [0.05, 0.0, -0.02]).astype(np.float32)
    >>> cal = fit_six_pose(raw, fs_hz=50.0)
    >>> np.round(cal.offset_g, 3).tolist(), np.round(cal.scale, 3).tolist()
    ([0.05, -0.0, -0.02], [1.02, 0.99, 1.0])
    """
    cfg = config or StaticConfig()
    accel = np.asarray(accel_g, dtype=np.float64)
    poses = find_poses(accel, fs_hz, config=cfg)
    problems: list[tuple[str, str]] = []
    for name in POSES:
        if name not in poses:
            problems.append(
                (
                    name,
                    f"pose {name} is missing (no part of the recording has gravity along {name})",
                )
            )
        else:
            problems.extend((name, text) for text in poses[name].problems)
    if problems:
        reason = "; ".join(text for _, text in problems)
        raise CalibrationFitError(reason, pose=problems[0][0])

    means = np.vstack([poses[name].mean_g for name in POSES])
    matrix: NDArray[np.float64] | None = None
    if cross_axis:
        design = np.hstack([means, np.ones((6, 1))])
        params, *_ = np.linalg.lstsq(design, _IDEAL, rcond=None)
        fitted = np.asarray(params[:3].T, dtype=np.float64)
        matrix = fitted
        try:
            offset = np.linalg.solve(fitted, params[3])
        except np.linalg.LinAlgError as exc:
            raise CalibrationFitError("the cross-axis fit is singular") from exc
        scale = np.diag(fitted)
    else:
        plus, minus = means[0::2], means[1::2]
        m_plus, m_minus = np.diag(plus), np.diag(minus)
        span = m_plus - m_minus
        if np.any(span <= 0):
            raise CalibrationFitError("a pose's axis reads the wrong sign: axes swapped?")
        offset = -(m_plus + m_minus) / 2.0
        scale = 2.0 / span
    before = _pose_error_mg(means)
    candidate = Calibration(offset_g=offset, scale=scale, matrix=matrix, method="six-pose")
    after = _pose_error_mg(candidate.apply(means).astype(np.float64))
    # float32 rounding of apply() is ~0.06 mg at 1 g: far below the 10 mg criterion
    details = {
        "poses": list(POSES),
        "pose_error_before_mg": [round(float(v), 3) for v in before],
        "pose_error_after_mg": [round(float(v), 3) for v in after],
        "pose_still_s": [round(poses[name].duration_s, 1) for name in POSES],
        "cross_axis": bool(cross_axis),
    }
    worst = int(np.argmax(after))
    if after[worst] >= cfg.accept_error_mg:
        raise CalibrationFitError(
            f"pose {POSES[worst]} is still {after[worst]:.1f} mg off 1 g after calibration "
            f"(accept < {cfg.accept_error_mg:g} mg in every pose): poses not square to gravity?",
            pose=POSES[worst],
        )
    return Calibration(
        offset_g=offset,
        scale=scale,
        method="six-pose",
        error_before_mg=float(before.mean()),
        error_after_mg=float(after.mean()),
        n_points=6,
        matrix=matrix,
        extra=details,
    )
