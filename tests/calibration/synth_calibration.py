"""Synthetic accelerometer data with known calibration errors (for the calibration tests).

The sensor model is the inverse of :class:`calibration.Calibration`: a true acceleration ``g_true``
(in g) is read as ``raw = g_true / scale - offset`` (per axis), or ``raw = inv(M) @ g_true - offset``
with a cross-axis matrix, plus a temperature drift ``- temp_coef * (T - T_ref) / scale``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

POSE_VECTORS = {
    "+x": (1.0, 0.0, 0.0),
    "-x": (-1.0, 0.0, 0.0),
    "+y": (0.0, 1.0, 0.0),
    "-y": (0.0, -1.0, 0.0),
    "+z": (0.0, 0.0, 1.0),
    "-z": (0.0, 0.0, -1.0),
}


def sensor(
    true_g: NDArray[np.float64],
    offset_g: NDArray[np.float64],
    scale: NDArray[np.float64],
    matrix: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Raw readings of a sensor whose correct calibration is (offset_g, scale or matrix)."""
    if matrix is not None:
        return true_g @ np.linalg.inv(matrix).T - offset_g
    return true_g / scale - offset_g


def tilt(
    rng: np.random.Generator, vector: NDArray[np.float64], max_deg: float
) -> NDArray[np.float64]:
    """A unit vector within ``max_deg`` of ``vector``."""
    v = np.asarray(vector, dtype=np.float64) + rng.normal(0, np.deg2rad(max_deg) / 2, 3)
    return v / np.linalg.norm(v)


def six_pose_recording(
    rng: np.random.Generator,
    offset_g: NDArray[np.float64],
    scale: NDArray[np.float64],
    *,
    matrix: NDArray[np.float64] | None = None,
    fs_hz: float = 50.0,
    hold_s: float = 15.0,
    move_s: float = 3.0,
    noise_g: float = 0.003,
    tilt_deg: float = 0.5,
    poses: tuple[str, ...] = ("+x", "-x", "+y", "-y", "+z", "-z"),
    shaken: dict[str, float] | None = None,
) -> NDArray[np.float32]:
    """A recording of the six poses, each held ``hold_s``, with moves of ``move_s`` between.

    ``shaken`` maps a pose to the seconds of its hold that are still; the rest is shaken (SD ~50 mg).
    """
    shaken = shaken or {}
    parts = []
    n_hold = round(hold_s * fs_hz)
    n_move = round(move_s * fs_hz)
    previous = None
    for name in poses:
        direction = tilt(rng, np.array(POSE_VECTORS[name]), tilt_deg)
        if previous is not None:
            # a move: rotate from the previous pose to this one, with hand tremor
            frac = np.linspace(0, 1, n_move)[:, None]
            path = (1 - frac) * previous + frac * direction
            path /= np.linalg.norm(path, axis=1, keepdims=True)
            parts.append(path + rng.normal(0, 0.08, (n_move, 3)))
        hold = np.tile(direction, (n_hold, 1))
        if name in shaken:
            still = round(shaken[name] * fs_hz)
            hold[still:] += rng.normal(0, 0.05, (n_hold - still, 3))
        parts.append(hold)
        previous = direction
    true_g = np.vstack(parts)
    raw = sensor(true_g, offset_g, scale, matrix) + rng.normal(0, noise_g, true_g.shape)
    return raw.astype(np.float32)


def random_directions(rng: np.random.Generator, n: int) -> NDArray[np.float64]:
    """Unit vectors spread uniformly on the sphere."""
    v = rng.normal(size=(n, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def free_living(
    rng: np.random.Generator,
    offset_g: NDArray[np.float64],
    scale: NDArray[np.float64],
    *,
    directions: NDArray[np.float64],
    fs_hz: float = 10.0,
    window_s: float = 10.0,
    noise_g: float = 0.003,
    moving_every: int = 3,
    temp_coef_g_per_degc: NDArray[np.float64] | None = None,
    temperature_range_degc: tuple[float, float] = (22.0, 34.0),
) -> tuple[NDArray[np.float32], NDArray[np.float32], float]:
    """Free-living data: one still 10 s window per direction, with a moving window every few.

    Returns the raw acceleration, the temperature per sample and the reference temperature
    (the mean over the still windows).
    """
    per = round(fs_hz * window_s)
    chunks = []
    temps = []
    still_temps = []
    for i, direction in enumerate(directions):
        temp = rng.uniform(*temperature_range_degc)
        chunks.append(np.tile(direction, (per, 1)) + rng.normal(0, noise_g, (per, 3)))
        temps.append(np.full(per, temp))
        still_temps.append(temp)
        if moving_every and i % moving_every == 0:
            chunks.append(np.tile(direction, (per, 1)) + rng.normal(0, 0.3, (per, 3)))
            temps.append(np.full(per, temp))
    true_g = np.vstack(chunks)
    temperature = np.concatenate(temps)
    t_ref = float(np.mean(still_temps))
    raw = sensor(true_g, offset_g, scale)
    if temp_coef_g_per_degc is not None:
        raw = raw - (temperature - t_ref)[:, None] * temp_coef_g_per_degc / scale
    return raw.astype(np.float32), temperature.astype(np.float32), t_ref


def write_band_csv(path: Path, accel: np.ndarray, fs_hz: float = 50.0) -> Path:
    """Write ``accel`` (g, shape (n, 3)) as a recording CSV of band-0042 (left leg) at ``path``."""
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


# The band of the six-pose file tests: its true offset (g) and scale per axis.
OFFSET = np.array([0.062, -0.045, 0.018])
SCALE = np.array([1.021, 0.968, 1.004])


@pytest.fixture
def six_pose_csv(tmp_path: Path) -> Path:
    """A six-pose recording of the band above, written as our CSV (12 s per pose)."""
    raw = six_pose_recording(np.random.default_rng(21), OFFSET, SCALE, hold_s=12.0, move_s=2.0)
    return write_band_csv(tmp_path / "six_pose.csv", raw)
