"""Loop-based twin of :func:`rls_monitor.detection.artefacts.classify_candidates`.

Written from the definitions in that module's docstring, sample by sample in plain Python:
the working signal is the block mean of ``k`` input samples; the running median takes
``median_n`` working samples centred on each (indices clipped to the signal); the running mean
takes ``average_n`` medians centred on each (clipped to the signal); the baseline is the mean of
the medians over the ``baseline_n`` samples before the onset (the first median when the onset is
the first sample); the rotation is the largest angle between the running mean and the baseline
during the candidate.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.detection.artefacts import ArtefactConfig, CandidateVerdicts

__all__ = ["reference_classify_candidates"]


def _odd(n: int) -> int:
    return n if n % 2 else n + 1


def reference_classify_candidates(
    accel_g: NDArray[np.float32],
    k: int,
    fs_work_hz: float,
    on_i: NDArray[np.int64],
    off_i: NDArray[np.int64],
    *,
    skip: NDArray[np.bool_] | None = None,
    config: ArtefactConfig | None = None,
) -> CandidateVerdicts:
    """As :func:`~rls_monitor.detection.artefacts.classify_candidates`, with loops only."""
    cfg = config or ArtefactConfig()
    c = len(on_i)
    rotation = [math.nan] * c
    reason = [""] * c
    if c == 0 or not cfg.enabled:
        return CandidateVerdicts(np.array(rotation), np.array(reason, dtype="<U9"))
    m = accel_g.shape[0] // k
    med_n = _odd(max(1, round(cfg.median_s * fs_work_hz)))
    avg_n = _odd(max(1, round(cfg.average_s * fs_work_hz)))
    base_n = max(1, round(cfg.baseline_s * fs_work_hz))
    hm, ha = med_n // 2, avg_n // 2

    block: dict[int, list[float]] = {}

    def work(t: int) -> list[float]:
        if t not in block:
            block[t] = [
                float(sum(np.float32(accel_g[t * k + j, axis]) for j in range(k)) / k)
                for axis in range(3)
            ]
        return block[t]

    med_cache: dict[int, list[float]] = {}

    def median(t: int) -> list[float]:
        if t not in med_cache:
            taps = [work(min(max(t + d, 0), m - 1)) for d in range(-hm, hm + 1)]
            med_cache[t] = [sorted(v[axis] for v in taps)[hm] for axis in range(3)]
        return med_cache[t]

    def mean_of(values: Any, a: int, b: int) -> list[float]:
        vals = [values(t) for t in range(a, b)]
        return [sum(v[axis] for v in vals) / len(vals) for axis in range(3)]

    def angle(u: list[float], v: list[float]) -> float:
        dot = sum(x * y for x, y in zip(u, v, strict=True))
        nu = math.sqrt(sum(x * x for x in u))
        nv = math.sqrt(sum(x * x for x in v))
        cos = dot / max(nu * nv, 1e-12)
        return math.degrees(math.acos(min(1.0, max(-1.0, cos))))

    def dist(u: list[float], v: list[float]) -> float:
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(u, v, strict=True)))

    free = [False] * c
    for i in range(c):
        on, off = int(on_i[i]), max(int(off_i[i]), int(on_i[i]) + 1)
        turns = []
        for values in (work, median):
            base = mean_of(values, max(on - base_n, 0), on) if on > 0 else values(0)
            worst = -math.inf

            def once(u: int, values: Any = values) -> list[float]:
                return mean_of(values, max(u - ha, 0), min(u + ha, m - 1) + 1)

            for t in range(on, min(off, m)):
                smooth = mean_of(once, max(t - ha, 0), min(t + ha, m - 1) + 1)  # the mean twice
                worst = max(worst, angle(smooth, base))
            turns.append((worst, base))
        (rot_mean, base_raw), (rot_med, _) = turns
        if rot_mean == -math.inf:
            continue
        rotation[i] = rot_mean
        dyn = [dist(work(t), base_raw) for t in range(on, min(off, m))]
        impulse = sum(1 for x in dyn if x >= 0.5 * max(dyn)) <= cfg.impulse_max_s * fs_work_hz
        judged = skip is None or not bool(skip[i])
        if judged and (
            rot_mean < cfg.min_rotation_deg or (impulse and rot_med < cfg.min_rotation_deg)
        ):
            if impulse:
                reason[i] = "impulse"
            else:
                reason[i] = "vibration"
                free[i] = True
    # periodic: runs of rotation-free, non-impulse candidates at a steady interval
    which = [i for i in range(c) if free[i]]
    times = [int(on_i[i]) / fs_work_hz for i in which]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    similar = [False] * len(gaps)
    for g in range(1, len(gaps)):
        steady = abs(gaps[g] / max(gaps[g - 1], 1e-9) - 1.0) <= 2.0 * cfg.periodic_max_cv
        short = (
            gaps[g] <= cfg.periodic_max_interval_s and gaps[g - 1] <= cfg.periodic_max_interval_s
        )
        if steady and short:
            similar[g] = similar[g - 1] = True
    g = 0
    while g < len(gaps):
        if not similar[g]:
            g += 1
            continue
        a = g
        while g < len(gaps) and similar[g]:
            g += 1
        run = gaps[a:g]
        if g - a + 1 >= cfg.periodic_min_run:
            mean = sum(run) / len(run)
            sd = math.sqrt(sum((x - mean) ** 2 for x in run) / len(run))
            if sd / max(mean, 1e-9) <= cfg.periodic_max_cv:
                for j in range(a, g + 1):
                    reason[which[j]] = "periodic"
    return CandidateVerdicts(np.array(rotation), np.array(reason, dtype="<U9"))
