"""Series rules and indices on a large event list: vectorised vs the loop-based reference.

Builds a synthetic event list of many nights' worth of LMs on two legs (periodic runs at 15-40 s
IMI, short-interval clusters, isolated and long movements), checks that the vectorised scorer and
the reference agree, and prints median times of each and their ratio.

Run with ``python -m benchmarks series`` or ``python benchmarks/bench_series.py [n_movements]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from rls_monitor.detection.indices import compute_indices
from rls_monitor.detection.series import score_series
from tests.oracles.series import reference_score_series


def make_events(
    n: int, seed: int = 7
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.str_]]:
    """``n`` monolateral LMs on two legs with a realistic mix of intervals and durations."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(4, size=n, p=[0.6, 0.2, 0.15, 0.05])
    gap = np.select(
        [kind == 0, kind == 1, kind == 2],
        [rng.uniform(15, 40, n), rng.uniform(0.2, 9, n), rng.uniform(90, 600, n)],
        rng.uniform(0, 1.0, n),
    )
    onset = np.cumsum(gap)
    duration = np.where(rng.random(n) < 0.05, rng.uniform(10, 20, n), rng.uniform(0.3, 5, n))
    side = np.where(rng.random(n) < 0.5, "left", "right")
    return onset, onset + duration, side


def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(n: int = 20_000) -> None:
    """Time vectorised vs reference scoring (series + indices) and print the ratio."""
    onset, offset, side = make_events(n)
    duration_s = float(offset.max())
    for rules in ("wasm2016", "aasm"):
        vec = score_series(onset, offset, side, rules=rules)
        ref = reference_score_series(onset, offset, side, rules=rules)
        agree = vec.plm.tolist() == [lm.plm for lm in ref] and vec.series.tolist() == [
            lm.series for lm in ref
        ]

        def series_vec(rules: str = rules) -> None:
            score_series(onset, offset, side, rules=rules)

        def series_ref(rules: str = rules) -> None:
            reference_score_series(onset, offset, side, rules=rules)

        def indices(vec: object = vec) -> None:
            compute_indices(vec, duration_s=duration_s)  # type: ignore[arg-type]

        t_vec = _median_time(series_vec, 7)
        t_ref = _median_time(series_ref, 3)
        t_idx = _median_time(indices, 7)
        print(
            f"{rules:9s} n={n} movements -> {vec.onset_s.size} LMs, {int(vec.plm.sum())} PLM, "
            f"{vec.n_series} series; vectorised == reference: {agree}"
        )
        print(
            f"{'':9s} series rules: vectorised {t_vec * 1e3:.1f} ms, reference {t_ref * 1e3:.1f} ms "
            f"(ratio {t_ref / t_vec:.0f}x); indices {t_idx * 1e3:.1f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
