"""The leg movements planned for a night: episodes of the PLM disorder model and their placement.

:func:`draw_episodes` draws a bed span's LM episodes (periodic series, isolated LMs, clusters,
long movements; Poisson per hour, durations and peaks lognormal, some movements in bursts), each
a list of :class:`PlannedMovement` with onsets relative to the episode; :func:`place_episodes`
packs them into the bed span with the guards (:data:`LM_EPISODE_GUARD_S`,
:data:`BED_EDGE_GUARD_S`) that keep the truth unambiguous under the scoring rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.config import NightConfig

__all__ = [
    "BED_EDGE_GUARD_S",
    "LM_EPISODE_GUARD_S",
    "PlannedMovement",
    "draw_episodes",
    "place_episodes",
]

F64 = NDArray[np.float64]

LM_EPISODE_GUARD_S = 95.0
"""Quiet time between LM episodes (last offset to next onset), so nothing chains into a series."""

BED_EDGE_GUARD_S = 50.0
"""Quiet time between the ends of a bed span and its first/last LM."""


@dataclass
class PlannedMovement:
    """One leg movement of the plan (subject level), before it is drawn on a leg.

    Attributes
    ----------
    onset_s, offset_s : float
        Start and end (s; relative to the episode until placed, then from the night's start).
    peak_mg : float
        Planned peak of the linear acceleration (mg).
    kind : str
        One of ``MOVEMENT_KINDS``.
    series_id : int
        Periodic series index once placed, -1 for the other kinds.
    bursts : list of (float, float)
        Relative (start, end) of the sub-bursts (s), one pair when the movement is not split.
    rotation_deg : float
        Tilt of the shank during the movement (deg).
    leg : str
        ``"L"``, ``"R"`` or ``"B"`` (both legs).
    lead : str
        The leg that starts first when bilateral.
    """

    onset_s: float
    offset_s: float
    peak_mg: float
    kind: str
    series_id: int
    bursts: list[tuple[float, float]]  # relative (start, end) of sub-bursts
    rotation_deg: float
    leg: str = "L"  # L, R or B (both)
    lead: str = "L"  # the leg that starts first when bilateral


def _lognormal(rng: np.random.Generator, median: float, sigma: float, size: int = 1) -> F64:
    return np.asarray(median * np.exp(sigma * rng.standard_normal(size)), dtype=np.float64)


def _series_times(rng: np.random.Generator, config: NightConfig, n_mov: int) -> tuple[F64, F64]:
    """Relative onsets and durations of a periodic series of ``n_mov`` movements."""
    base = float(np.clip(_lognormal(rng, config.imi_median_s, config.imi_sigma)[0], 12.0, 80.0))
    imi = base * (1.0 + config.imi_jitter * rng.standard_normal(n_mov - 1))
    imi = np.clip(imi, 12.0, 88.0)
    onsets = np.concatenate([[0.0], np.cumsum(imi)])
    dur = _lognormal(rng, config.lm_duration_median_s, config.lm_duration_sigma, n_mov)
    room = np.append(imi - 3.0, 10.0)
    dur = np.clip(dur, 0.5, np.minimum(10.0, room))
    return onsets, dur


def _make_bursts(
    rng: np.random.Generator, duration_s: float, burst_fraction: float
) -> list[tuple[float, float]]:
    if duration_s < 1.2 or rng.random() >= burst_fraction:
        return [(0.0, duration_s)]
    n_parts = int(rng.integers(2, 4)) if duration_s >= 2.0 else 2
    gaps = rng.uniform(0.08, 0.25, n_parts - 1)
    active = duration_s - gaps.sum()
    if active < 0.3 * n_parts:
        return [(0.0, duration_s)]
    lengths = rng.dirichlet(np.full(n_parts, 4.0)) * active
    lengths = np.maximum(lengths, 0.15)
    lengths *= active / lengths.sum()
    out: list[tuple[float, float]] = []
    t = 0.0
    for k in range(n_parts):
        out.append((t, t + float(lengths[k])))
        t += float(lengths[k]) + (float(gaps[k]) if k < n_parts - 1 else 0.0)
    out[-1] = (out[-1][0], duration_s)
    return out


def draw_episodes(
    rng: np.random.Generator, config: NightConfig, hours: float
) -> list[list[PlannedMovement]]:
    """Draw the LM episodes of ``hours`` of bed time, in random order.

    Parameters
    ----------
    rng : numpy.random.Generator
    config : NightConfig
        Rates per hour, durations, peaks and burst fraction.
    hours : float
        Bed time the rates apply to (h).

    Returns
    -------
    list of list of PlannedMovement
        Each episode (a periodic series, an isolated LM, a cluster or a long movement) with
        onsets relative to the episode's start.
    """
    episodes: list[list[PlannedMovement]] = []

    def peaks(n: int) -> F64:
        # movements of one episode resemble each other: 60 % of the log-variance is shared
        shared = config.peak_sigma * math.sqrt(0.6) * float(rng.standard_normal())
        p = _lognormal(rng, config.peak_median_mg, config.peak_sigma * math.sqrt(0.4), n)
        return np.clip(p * math.exp(shared), config.peak_min_mg, 1500.0)

    def rotations(n: int) -> F64:
        return np.clip(_lognormal(rng, config.lm_rotation_deg_median, 0.5, n), 0.0, 15.0)

    def build(kind: str, onsets: F64, durs: F64, sid: int) -> list[PlannedMovement]:
        pk = peaks(onsets.size)
        rot = rotations(onsets.size)
        return [
            PlannedMovement(
                float(on),
                float(on + d),
                float(p),
                kind,
                sid,
                _make_bursts(rng, float(d), config.burst_fraction),
                float(r),
            )
            for on, d, p, r in zip(onsets, durs, pk, rot, strict=True)
        ]

    lo_len, hi_len = config.series_length_range
    for _ in range(rng.poisson(config.plm_series_per_h * hours)):
        n_mov = int(
            np.clip(round(_lognormal(rng, config.series_length_median, 0.6)[0]), lo_len, hi_len)
        )
        onsets, durs = _series_times(rng, config, n_mov)
        episodes.append(build("periodic", onsets, durs, -2))  # id assigned when placed
    for _ in range(rng.poisson(config.isolated_lm_per_h * hours)):
        d = np.clip(
            _lognormal(rng, config.lm_duration_median_s, config.lm_duration_sigma), 0.5, 10.0
        )
        episodes.append(build("isolated", np.zeros(1), d, -1))
    lo_c, hi_c = config.cluster_size
    for _ in range(rng.poisson(config.cluster_per_h * hours)):
        n_mov = int(rng.integers(lo_c, hi_c + 1))
        imi = rng.uniform(3.0, 9.5, n_mov - 1)
        onsets = np.concatenate([[0.0], np.cumsum(imi)])
        durs = _lognormal(rng, 1.5, 0.4, n_mov)
        durs = np.clip(durs, 0.5, np.append(imi - 2.5, 10.0))
        episodes.append(build("cluster", onsets, durs, -1))
    for _ in range(rng.poisson(config.long_lm_per_h * hours)):
        d = np.array([rng.uniform(*config.long_duration_s)])
        episodes.append(build("long", np.zeros(1), d, -1))
    order = rng.permutation(len(episodes))
    return [episodes[i] for i in order]


def place_episodes(
    rng: np.random.Generator,
    episodes: list[list[PlannedMovement]],
    start_s: float,
    end_s: float,
    next_series: list[int],
) -> list[PlannedMovement]:
    """Pack episodes into ``[start_s, end_s)`` with the guards; drop or cut what does not fit.

    Parameters
    ----------
    rng : numpy.random.Generator
    episodes : list of list of PlannedMovement
        From :func:`draw_episodes`; their times are shifted in place.
    start_s, end_s : float
        The bed span (s).
    next_series : list of one int
        The next periodic series id, advanced in place for each series placed.

    Returns
    -------
    list of PlannedMovement
        The movements kept, in time order, with times from the night's start.
    """
    available = end_s - start_s - 2 * BED_EDGE_GUARD_S
    kept: list[list[PlannedMovement]] = []
    used = 0.0
    for ep in episodes:
        need = LM_EPISODE_GUARD_S if kept else 0.0
        span = ep[-1].offset_s
        if used + need + span <= available:
            kept.append(ep)
            used += need + span
        elif ep[0].kind == "periodic":
            room = available - used - need
            fit = [k for k, ev in enumerate(ep) if ev.offset_s <= room]
            if len(fit) >= 4:
                ep = ep[: fit[-1] + 1]
                kept.append(ep)
                used += need + ep[-1].offset_s
    if not kept:
        return []
    slack = max(available - used, 0.0)
    gaps = rng.dirichlet(np.ones(len(kept) + 1)) * slack
    t = start_s + BED_EDGE_GUARD_S
    out: list[PlannedMovement] = []
    for k, ep in enumerate(kept):
        t += float(gaps[k]) + (LM_EPISODE_GUARD_S if k else 0.0)
        sid = -1
        if ep[0].kind == "periodic":
            sid = next_series[0]
            next_series[0] += 1
        for ev in ep:
            ev.onset_s += t
            ev.offset_s += t
            ev.series_id = sid
            out.append(ev)
        t = ep[-1].offset_s
    return out
