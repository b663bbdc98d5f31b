"""The waveform of one leg movement on one leg: tilt of the shank plus band-limited acceleration.

:func:`render_movement` adds a movement (or a twitch) to a
:class:`~firmware_host.signal_model.canvas.LegCanvas`; :func:`other_leg_variant` times a
bilateral movement on the leg that follows.
"""

from __future__ import annotations

import math

import numpy as np

from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.lm_episodes import PlannedMovement
from firmware_host.signal_model.waveforms import bandlimited, movement_envelope, smooth_bump

__all__ = ["other_leg_variant", "render_movement"]


def other_leg_variant(
    rng: np.random.Generator, ev: PlannedMovement, leg: str
) -> tuple[float, float, float, list[tuple[float, float]]]:
    """Timing of a bilateral movement on ``leg``: the leading leg keeps the plan's timing.

    Parameters
    ----------
    rng : numpy.random.Generator
    ev : PlannedMovement
        A movement with ``leg == "B"``.
    leg : {"L", "R"}

    Returns
    -------
    onset_s, offset_s, peak_mg : float
        The movement on this leg (the following leg starts 0-1 s later, lasts 0.8-1.2 times as
        long).
    bursts : list of (float, float)
        Its sub-bursts (one, on the following leg).
    """
    if leg == ev.lead:
        return ev.onset_s, ev.offset_s, ev.peak_mg, ev.bursts
    d = ev.offset_s - ev.onset_s
    delay = float(rng.uniform(0.0, min(1.0, 0.6 * d)))
    new_d = min(d * float(rng.uniform(0.8, 1.2)), d - delay + 1.0)
    if ev.kind == "long":
        new_d = max(new_d, 10.5)
    else:
        new_d = float(np.clip(new_d, 0.5, 10.0))
    peak = float(ev.peak_mg * math.exp(0.3 * rng.standard_normal()))
    return ev.onset_s + delay, ev.onset_s + delay + new_d, peak, [(0.0, new_d)]


def render_movement(
    canvas: LegCanvas,
    rng: np.random.Generator,
    i0: int,
    i1: int,
    bursts: list[tuple[float, float]],
    peak_mg: float,
    rotation_deg: float,
) -> float:
    """Add one movement to the canvas; return its peak linear acceleration (mg).

    Parameters
    ----------
    canvas : LegCanvas
        Changed in place on samples ``[i0, i1)``.
    rng : numpy.random.Generator
    i0, i1 : int
        Sample range of the movement.
    bursts : list of (float, float)
        Sub-bursts (s from the onset), stretched to the sample range.
    peak_mg : float
        Peak of the linear acceleration to scale to (mg).
    rotation_deg : float
        Tilt of the shank (elevation; the roll turns by up to 40 % of it).

    Returns
    -------
    float
        The peak linear acceleration drawn (mg).
    """
    n = i1 - i0
    fs = canvas.fs_hz
    duration = n / fs
    scale_t = duration / bursts[-1][1] if bursts[-1][1] > 0 else 1.0
    bursts = [(a * scale_t, b * scale_t) for a, b in bursts]
    env = movement_envelope(rng, n, fs, bursts)
    weights = np.abs(np.array([0.6, 0.25, 1.0]) + 0.2 * rng.standard_normal(3)).astype(np.float32)
    dyn = bandlimited(rng, n, fs, 0.5, 8.0) * weights * env[:, None]
    norm = float(np.linalg.norm(dyn, axis=1).max())
    if norm > 0.0:
        dyn *= np.float32(peak_mg / 1000.0 / norm)
    canvas.lin[i0:i1] += dyn
    bump = smooth_bump(n, fs, duration)
    sign = 1.0 if rng.random() < 0.8 else -1.0
    canvas.elev[i0:i1] += np.float32(sign * rotation_deg) * bump
    canvas.roll[i0:i1] += np.float32(rotation_deg * rng.uniform(-0.4, 0.4)) * bump
    return float(np.linalg.norm(dyn, axis=1).max() * 1000.0)
