"""The timeline of a night, shared by both legs: bed spans, upright routines, postures, turn-overs.

:func:`plan_night` lays out the prelude, the bed spans separated by bathroom trips and the
morning (:class:`Segment`), draws each bed span's postures, posture changes, leg movements
(:mod:`firmware_host.signal_model.lm_episodes`) and twitches, and returns the
:class:`NightPlan` that each band then renders (:mod:`firmware_host.signal_model.render`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.artefacts import PlannedArtefact, plan_artefacts
from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.lm_episodes import PlannedMovement, draw_episodes, place_episodes

__all__ = ["POSTURE_ROLL_DEG", "NightPlan", "Segment", "plan_night"]

F64 = NDArray[np.float64]

POSTURE_ROLL_DEG: dict[str, float] = {"supine": 0.0, "left": 90.0, "right": -90.0, "prone": 180.0}
"""Nominal roll of the shank about its long axis in each lying posture (deg)."""

_POSTURES = ("supine", "left", "right", "prone")
_POSTURE_WEIGHTS = np.array([0.4, 0.25, 0.25, 0.1])


@dataclass
class Segment:
    """A stretch of the night: ``kind`` is lying, turn, sit, stand, walk, rise or liedown.

    Lying segments carry their posture, roll and incline (deg); the others leave them empty.
    """

    kind: str  # lying | turn | sit | stand | walk | rise | liedown
    start_s: float
    end_s: float
    posture: str = ""
    roll_deg: float = 0.0
    incline_deg: float = 0.0


@dataclass
class NightPlan:
    """The night both legs share: segments, leg movements, twitches ``(start, end, leg)``,
    turn-overs ``(start, end)`` and bedroom artefacts, times in s from the start."""

    segments: list[Segment]
    events: list[PlannedMovement]
    twitches: list[tuple[float, float, str]]
    turnovers: list[tuple[float, float]]
    artefacts: list[PlannedArtefact] = field(default_factory=list)


def _split(rng: np.random.Generator, total: float, weights: Sequence[float]) -> F64:
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(rng.dirichlet(w * 12.0) * total, dtype=np.float64)


def _upright_routine(
    rng: np.random.Generator, start_s: float, total_s: float, which: str
) -> list[Segment]:
    """Sub-segments of an upright period starting at ``start_s`` and lasting ``total_s``."""
    if which == "prelude":
        kinds = ["walk", "stand", "walk", "sit", "liedown"]
        weights = [0.35, 0.15, 0.15, 0.35, 0.0]
    elif which == "trip":
        middle = "stand" if rng.random() < 0.5 else "sit"
        kinds = ["rise", "sit", "walk", middle, "walk", "sit", "liedown"]
        weights = [0.0, 0.12, 0.2, 0.36, 0.2, 0.12, 0.0]
    else:
        kinds = ["rise", "sit", "walk", "stand"]
        weights = [0.0, 0.2, 0.5, 0.3]
    trans_s = float(min(rng.uniform(1.5, 3.0), 0.05 * total_s))
    n_trans = sum(k in ("rise", "liedown") for k in kinds)
    rest = total_s - n_trans * trans_s
    parts = _split(rng, rest, [w for w in weights if w > 0])
    out: list[Segment] = []
    t = start_s
    j = 0
    for kind in kinds:
        if kind in ("rise", "liedown"):
            length = trans_s
        else:
            length = float(parts[j])
            j += 1
        out.append(Segment(kind, t, t + length))
        t += length
    out[-1].end_s = start_s + total_s
    return out


def _place_turnovers(
    rng: np.random.Generator,
    config: NightConfig,
    events: list[PlannedMovement],
    start_s: float,
    end_s: float,
) -> list[tuple[float, float]]:
    """Posture changes in the free time between LM episodes of a bed span."""
    n = int(rng.poisson(config.turnover_per_h * (end_s - start_s) / 3600.0))
    if n == 0:
        return []
    margin = 5.0
    lo = [start_s + 30.0] + [ev.offset_s + margin for ev in events]
    hi = [ev.onset_s - margin for ev in events] + [end_s - 30.0]
    free = [(a, b) for a, b in zip(lo, hi, strict=True) if b - a > 10.0]
    if not free:
        return []
    chosen: list[tuple[float, float]] = []
    for _ in range(4 * n):
        if len(chosen) >= n:
            break
        dur = float(rng.uniform(*config.turnover_duration_s))
        lengths = np.array([max(b - a - dur, 0.0) for a, b in free])
        if lengths.sum() <= 0.0:
            break
        k = int(rng.choice(len(free), p=lengths / lengths.sum()))
        t0 = free[k][0] + float(rng.uniform(0.0, lengths[k]))
        if all(t0 + dur + 60.0 < c0 or t0 > c1 + 60.0 for c0, c1 in chosen):
            chosen.append((t0, t0 + dur))
    return sorted(chosen)


def _next_posture(rng: np.random.Generator, previous: str | None) -> str:
    w = _POSTURE_WEIGHTS.copy()
    if previous is not None:
        w[_POSTURES.index(previous)] = 0.0
    return str(_POSTURES[int(rng.choice(len(_POSTURES), p=w / w.sum()))])


def plan_night(
    config: NightConfig, rng: np.random.Generator, bilateral_fraction: float
) -> NightPlan:
    """Plan a night: prelude, bed spans and bathroom trips, morning, and what happens in bed.

    Parameters
    ----------
    config : NightConfig
    rng : numpy.random.Generator
        The plan's own generator (the bands draw from theirs).
    bilateral_fraction : float
        Probability that a movement is made by both legs.

    Returns
    -------
    NightPlan
    """
    dur = config.duration_s
    prelude = min(float(rng.uniform(*config.prelude_s)), 0.08 * dur)
    morning = min(float(rng.uniform(*config.morning_s)), 0.08 * dur)
    n_trips = int(rng.integers(config.bathroom_trips[0], config.bathroom_trips[1] + 1))
    if dur < 6 * 3600.0:
        n_trips = int(rng.binomial(n_trips, dur / (8 * 3600.0)))
    trips = [min(float(rng.uniform(*config.bathroom_trip_s)), 0.1 * dur) for _ in range(n_trips)]
    bed_total = dur - prelude - morning - sum(trips)
    spans = rng.dirichlet(np.full(n_trips + 1, 4.0)) * bed_total

    segments: list[Segment] = []
    events: list[PlannedMovement] = []
    turnovers: list[tuple[float, float]] = []
    twitches: list[tuple[float, float, str]] = []
    next_series = [0]
    posture: str | None = None

    t = 0.0
    if prelude > 0.0:
        segments += _upright_routine(rng, t, prelude, "prelude")
    t = prelude
    for k, span in enumerate(spans):
        a, b = t, t + float(span)
        hours = (b - a) / 3600.0
        eps = draw_episodes(rng, config, hours)
        evs = place_episodes(rng, eps, a, b, next_series)
        turns = _place_turnovers(rng, config, evs, a, b)
        # lying segments and turn-overs
        bounds = [a] + [x for tt in turns for x in tt] + [b]
        for j in range(len(turns) + 1):
            posture = _next_posture(rng, posture)
            roll = POSTURE_ROLL_DEG[posture] + config.roll_jitter_deg * float(rng.standard_normal())
            incline = float(rng.uniform(*config.lying_incline_deg))
            segments.append(
                Segment("lying", bounds[2 * j], bounds[2 * j + 1], posture, roll, incline)
            )
            if j < len(turns):
                segments.append(Segment("turn", turns[j][0], turns[j][1]))
        events += evs
        turnovers += turns
        # twitches in quiet time
        n_tw = int(rng.poisson(config.twitch_per_h * hours))
        busy = [(ev.onset_s, ev.offset_s) for ev in evs] + turns
        for _ in range(n_tw):
            t0 = float(rng.uniform(a + 5.0, max(b - 5.0, a + 5.0)))
            d = float(rng.uniform(0.1, 0.3))
            if all(t0 + d + 3.0 < s0 or t0 > s1 + 3.0 for s0, s1 in busy):
                busy.append((t0, t0 + d))
                twitches.append((t0, t0 + d, "L" if rng.random() < 0.5 else "R"))
        t = b
        if k < n_trips:
            segments += _upright_routine(rng, t, trips[k], "trip")
            t += trips[k]
            posture = None
    segments += _upright_routine(rng, t, dur - t, "morning")

    for ev in events:
        ev.lead = "L" if rng.random() < 0.5 else "R"
        ev.leg = "B" if rng.random() < bilateral_fraction else ev.lead
    artefacts: list[PlannedArtefact] = []
    if any(getattr(config, f"{k}_per_h") > 0.0 for k in ("partner", "pet", "machine", "knock")):
        # their own generator, drawn last: a night without artefacts is unchanged
        art_rng = np.random.default_rng(int(rng.integers(0, 2**63)))
        lying = [(seg.start_s, seg.end_s) for seg in segments if seg.kind == "lying"]
        artefacts = plan_artefacts(art_rng, config, lying)
    return NightPlan(segments, events, sorted(twitches), turnovers, artefacts)
