"""Signal shapes of the model: smooth steps, band-limited noise, movement envelopes, sensor drift.

Stateless functions of a random generator and a length; the renderers
(:mod:`firmware_host.signal_model.render`, :mod:`~firmware_host.signal_model.walking`,
:mod:`~firmware_host.signal_model.lm_waveform`) build a night from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "bandlimited",
    "movement_envelope",
    "sensor_drift",
    "sensor_drift_params",
    "sensor_drift_shape",
    "smooth_bump",
    "smoothstep",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


def smoothstep(x: F32) -> F32:
    """Minimum-jerk step, 0 -> 1 on x in [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x * x * x * (10.0 + x * (-15.0 + 6.0 * x)), dtype=np.float32)


def bandlimited(
    rng: np.random.Generator, n: int, fs_hz: float, low_hz: float, high_hz: float, ndim: int = 3
) -> F32:
    """Gaussian noise band-limited to ``[low_hz, high_hz]`` (smooth edges), unit RMS per column.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Samples.
    fs_hz, low_hz, high_hz : float
        Sample rate and band edges (Hz).
    ndim : int
        Columns.

    Returns
    -------
    ndarray of float32, shape (n, ndim)
    """
    pad = int(fs_hz)
    m = n + 2 * pad
    spec = np.fft.rfft(rng.standard_normal((m, ndim)), axis=0)
    f = np.fft.rfftfreq(m, 1.0 / fs_hz)
    gain = 1.0 / (1.0 + (low_hz / np.maximum(f, 1e-9)) ** 4) / (1.0 + (f / high_hz) ** 4)
    x = np.fft.irfft(spec * gain[:, None], n=m, axis=0)[pad : pad + n]
    rms = np.sqrt(np.mean(x * x, axis=0))
    return np.asarray(x / np.where(rms > 0.0, rms, 1.0), dtype=np.float32)


def movement_envelope(
    rng: np.random.Generator, n: int, fs_hz: float, bursts: list[tuple[float, float]]
) -> F32:
    """Amplitude envelope of a movement: rise, sustain with modulation, decay; zero in gaps.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Samples of the movement.
    fs_hz : float
        Sample rate (Hz).
    bursts : list of (float, float)
        Sub-bursts, (start, end) in s from the movement's onset.

    Returns
    -------
    ndarray of float32, shape (n,)
        Up to about 1.2 (level 0.7-1, modulated by +-20 %).
    """
    t = (np.arange(n, dtype=np.float32) + 0.5) / np.float32(fs_hz)
    env = np.zeros(n, dtype=np.float32)
    last = len(bursts) - 1
    for k, (b0, b1) in enumerate(bursts):
        d = b1 - b0
        # the edges next to a gap inside a burst movement are sharp
        rise = min(float(rng.uniform(0.08, 0.25) if k == 0 else rng.uniform(0.03, 0.08)), 0.35 * d)
        decay = min(
            float(rng.uniform(0.2, 0.6) if k == last else rng.uniform(0.03, 0.08)), 0.45 * d
        )
        up = smoothstep((t - b0) / np.float32(rise))
        down = smoothstep((b1 - t) / np.float32(decay))
        level = float(rng.uniform(0.7, 1.0))
        env = np.maximum(env, level * up * down)
    if n > 4:
        mod = 1.0 + 0.2 * np.clip(bandlimited(rng, n, fs_hz, 0.2, 1.5, 1)[:, 0], -2.0, 2.0) / 2.0
        env = env * mod.astype(np.float32)
    return env


def smooth_bump(n: int, fs_hz: float, duration_s: float) -> F32:
    """A smooth 0 -> 1 -> 0 bump over ``n`` samples, for the slow rotation of a movement."""
    t = (np.arange(n, dtype=np.float32) + 0.5) / np.float32(fs_hz)
    edge = np.float32(min(0.5, 0.4 * duration_s))
    return smoothstep(t / edge) * smoothstep((np.float32(duration_s) - t) / edge)


def sensor_drift(rng: np.random.Generator, n: int, fs_hz: float, peak_g: float) -> F32:
    """Slow per-axis offset drift with zero mean: a ramp plus one slow sinusoid.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Samples.
    fs_hz : float
        Sample rate (Hz; the shape spans the ``n`` samples whatever the rate).
    peak_g : float
        Scale of the drift (g).

    Returns
    -------
    ndarray of float32, shape (n, 3)
    """
    d = sensor_drift_shape(sensor_drift_params(rng), np.arange(n), n)
    d -= d.mean(axis=0)
    return np.asarray(d * peak_g, dtype=np.float32)


def sensor_drift_params(rng: np.random.Generator) -> F64:
    """The random shape of a drift (:func:`sensor_drift`): rows ramp, amplitude, cycles, phase."""
    return np.array(
        [
            rng.uniform(-0.6, 0.6, 3),
            rng.uniform(-0.4, 0.4, 3),
            rng.uniform(0.5, 2.0, 3),
            rng.uniform(0.0, 2 * np.pi, 3),
        ]
    )


def sensor_drift_shape(params: F64, index: NDArray[np.integer[Any]], n: int) -> F64:
    """The drift's shape (before its mean is removed and it is scaled) at samples ``index`` of
    ``n``: ``ramp * x + amp * sin(pi * cycles * x + phase)``, ``x`` from -1 to 1 over the night.

    Any range of samples can be evaluated alone (a stream renders a night window by window).
    """
    ramp, amp, cycles, phase = params
    x = (-1.0 + 2.0 * np.asarray(index, dtype=np.float64) / max(n - 1, 1))[:, None]
    return np.asarray(ramp * x + amp * np.sin(np.pi * cycles * x + phase), dtype=np.float64)
