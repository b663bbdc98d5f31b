"""Walking at the ankle: the shank's swing, heel strikes, foot lift and irregularity.

:func:`render_walk` draws a walking stretch on a
:class:`~firmware_host.signal_model.canvas.LegCanvas` (the model is described in
:mod:`firmware_host.signal_model`, "Walking at the ankle").
"""

from __future__ import annotations

import math

import numpy as np

from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.waveforms import bandlimited

__all__ = ["render_walk"]

_G_M_S2 = 9.80665
_SHANK_LEVER_M = 0.4


def render_walk(
    canvas: LegCanvas,
    rng: np.random.Generator,
    config: NightConfig,
    i0: int,
    i1: int,
    phase0: float,
) -> None:
    """Draw walking on samples ``[i0, i1)`` of ``canvas`` (in place).

    Parameters
    ----------
    canvas : LegCanvas
    rng : numpy.random.Generator
    config : NightConfig
        Cadence and swing ranges.
    i0, i1 : int
        Sample range.
    phase0 : float
        Stride phase at ``i0`` (rad; the legs walk half a stride apart).
    """
    n = i1 - i0
    if n <= 0:
        return
    fs = canvas.fs_hz
    t = np.arange(n, dtype=np.float64) / fs
    cadence = float(rng.uniform(*config.walk_cadence_hz))
    amp = math.radians(float(rng.uniform(*config.walk_swing_deg)))
    lean = math.radians(float(rng.uniform(3.0, 8.0)))
    h, c = float(rng.uniform(0.15, 0.35)), float(rng.uniform(0.0, 2 * math.pi))
    w = 2 * math.pi * cadence
    wobble = np.cumsum(rng.standard_normal(n)) * (0.08 / math.sqrt(fs))  # phase wander (rad)
    phi = w * t + phase0 + wobble
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 1.0)
    ramp = np.clip(ramp, 0.0, 1.0)
    if n > 8:  # stride-to-stride variation of the swing
        ramp = ramp * (1.0 + 0.1 * np.clip(bandlimited(rng, n, fs, 0.1, 1.0, 1)[:, 0], -2.5, 2.5))
    theta = ramp * amp * (np.sin(phi) + h * np.sin(2 * phi + c)) + lean
    dtheta = ramp * amp * w * (np.cos(phi) + 2 * h * np.cos(2 * phi + c))
    ddtheta = -ramp * amp * w * w * (np.sin(phi) + 4 * h * np.sin(2 * phi + c))
    roll = math.radians(float(rng.uniform(-10.0, 10.0)))
    canvas.elev[i0:i1] = np.degrees(np.pi / 2 - theta).astype(np.float32)
    canvas.roll[i0:i1] = np.float32(math.degrees(roll))
    lin = np.zeros((n, 3), dtype=np.float64)
    lin[:, 0] = _SHANK_LEVER_M * dtheta**2 / _G_M_S2
    lin[:, 2] = -_SHANK_LEVER_M * ddtheta / _G_M_S2
    lin[:, 1] = float(rng.uniform(0.05, 0.15)) * bandlimited(rng, n, fs, 0.5, 4.0, 1)[:, 0]
    # irregular foot placement, shoe and soft tissue: broadband 1-12 Hz on every axis
    lin += float(rng.uniform(0.08, 0.2)) * bandlimited(rng, n, fs, 1.0, min(12.0, 0.4 * fs))
    # heel strike when the ankle is furthest forward (theta lowest), once per stride
    hs = 1.5 * math.pi + 0.2 * float(rng.standard_normal())
    # swing (the last 40 % of the stride before heel strike): the foot is lifted by 5-10 cm,
    # a vertical acceleration of about +-0.6-1.2 g along the world vertical
    tau = np.mod((phi - hs) / (2 * math.pi), 1.0)
    swing_s = 0.4 / cadence
    lift_m = float(rng.uniform(0.05, 0.1))
    lift_g = np.where(
        tau >= 0.6,
        0.5 * lift_m * (2 * math.pi / swing_s) ** 2 * np.cos(2 * math.pi * (tau - 0.6) / 0.4),
        0.0,
    )
    lift_g *= ramp / _G_M_S2
    elev = np.pi / 2 - theta
    lin[:, 0] += lift_g * np.sin(elev)
    lin[:, 1] += lift_g * np.cos(elev) * math.sin(roll)
    lin[:, 2] += lift_g * np.cos(elev) * math.cos(roll)
    cycles = np.floor((phi - hs) / (2 * math.pi))
    strikes = np.flatnonzero(np.diff(cycles) > 0) + 1
    if strikes.size:
        imp = np.zeros(n, dtype=np.float64)
        imp[strikes] = rng.uniform(0.8, 2.2, strikes.size) * ramp[strikes]
        kt = np.arange(int(0.25 * fs)) / fs
        f_ring = float(rng.uniform(10.0, 13.0))
        kernel = np.exp(-kt / 0.03) * np.cos(2 * math.pi * min(f_ring, 0.45 * fs) * kt)
        ring = np.convolve(imp, kernel)[:n]
        lin[:, 0] += ring
        lin[:, 2] += 0.5 * np.roll(ring, 1)
    canvas.lin[i0:i1] += lin.astype(np.float32)
