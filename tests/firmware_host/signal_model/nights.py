"""Simulated nights and masks shared by the signal-model tests (cached: tests must not modify them)."""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt

from firmware_host.signal_model import (
    NightConfig,
    SimulatedNight,
    night_config,
    simulate_bilateral_night,
    simulate_night,
)

PRESETS = ("easy", "ordinary", "hard", "none")


SHORT_S = 2400.0  # 40 min nights keep the tests fast


def busy_config(difficulty: str = "ordinary", **extra: float) -> NightConfig:
    """A short night with enough of every kind of event to test."""
    rates = dict(plm_series_per_h=4.0, cluster_per_h=3.0, long_lm_per_h=2.0, twitch_per_h=6.0)
    if difficulty == "none":
        rates = {}
    return night_config(difficulty, **{"duration_s": SHORT_S, **rates, **extra})


@cache
def night(difficulty: str = "ordinary", seed: int = 0) -> SimulatedNight:
    return simulate_night(busy_config(difficulty), seed=seed)


@cache
def pair(seed: int = 0, fraction: float = 0.5) -> tuple[SimulatedNight, SimulatedNight]:
    return simulate_bilateral_night(busy_config(), seed=seed, bilateral_fraction=fraction)


def mask_of(n: int, fs: float, starts: NDArray[np.float64], ends: NDArray[np.float64]) -> NDArray:
    """Boolean mask of samples inside any ``[start, end)``."""
    edges = np.zeros(n + 1, dtype=np.int64)
    i0 = np.clip(np.round(starts * fs).astype(np.int64), 0, n)
    i1 = np.clip(np.round(ends * fs).astype(np.int64), 0, n)
    np.add.at(edges, i0, 1)
    np.add.at(edges, i1, -1)
    return np.cumsum(edges[:-1]) > 0


def quiet_lying_mask(sim: SimulatedNight, margin_s: float = 3.0) -> NDArray:
    """Lying samples away from movements, posture changes and twitches."""
    t = sim.truth
    n, fs = sim.counts.shape[0], sim.fs_hz
    lying = mask_of(n, fs, t.lying.start_s + margin_s, t.lying.end_s - margin_s)
    busy = mask_of(
        n,
        fs,
        np.concatenate([t.movements.onset_s, t.posture_changes.onset_s, t.twitches.onset_s])
        - margin_s,
        np.concatenate([t.movements.offset_s, t.posture_changes.offset_s, t.twitches.offset_s])
        + margin_s,
    )
    return lying & ~busy


def corrected(sim: SimulatedNight) -> NDArray[np.float64]:
    """Acceleration with the truth's offset and scale removed (drift stays)."""
    return (sim.accel_g.astype(np.float64) - sim.truth.offset_g) / sim.truth.scale


def wasm_plm(onset_s: NDArray, offset_s: NDArray) -> NDArray[np.bool_]:
    """Movements in PLM series under WASM 2016 (monolateral), straight from the rule text."""
    clm = (offset_s - onset_s) <= 10.0
    imi = np.diff(onset_s)
    ok = (imi >= 10.0) & (imi <= 90.0) & clm[1:] & clm[:-1]
    plm = np.zeros(onset_s.size, dtype=bool)
    k = 0
    while k < ok.size:
        if not ok[k]:
            k += 1
            continue
        j = k
        while j < ok.size and ok[j]:
            j += 1
        if j - k >= 3:
            plm[k : j + 1] = True
        k = j
    return plm


def highpass_energy(sim: SimulatedNight) -> NDArray[np.float64]:
    sos = butter(4, 0.5, btype="highpass", fs=sim.fs_hz, output="sos")
    hp = sosfiltfilt(sos, sim.accel_g.astype(np.float64), axis=0)
    return np.sum(hp * hp, axis=1)
