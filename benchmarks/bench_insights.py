"""Benchmark of the diary insights: power, calibration and false alarms on simulated weeks; speed.

Run with ``python -m benchmarks insights`` (or ``make bench``). Prints figures; asserts nothing.

- power: the share of seeds in which the truly effective factor (a flag, or its numeric twin) is
  called a clear association (Holm-adjusted p < 0.05) with the right sign, by effect size and
  number of nights (base PLM index 15 /h, night-to-night CV 35 %);
- coverage: the share of seeds in which the 95 % bootstrap-t interval of a flag without effect
  covers zero;
- family-wise false alarms: the share of seeds with no true effect in which any line is clear;
- the time :func:`rls_monitor.diary.insights.analyse` takes for a year of nights.
"""

from __future__ import annotations

import time

import numpy as np

from rls_monitor.diary.insights import InsightsConfig, analyse
from rls_monitor.diary.stats import bootstrap_difference_ci, simulate_nights


def _power(factor: str, size: float, n_nights: int, seeds: int, cfg: InsightsConfig) -> float:
    base = factor.split("_")[0]
    hits = 0
    for seed in range(seeds):
        ins = analyse(simulate_nights(n_nights, effects={factor: size}, seed=seed), cfg)
        named = [
            ln
            for ln in ins.lines
            if ln.factor.startswith(base) and ln.p_holm is not None and ln.p_holm < 0.05
        ]
        hits += bool(named) and all(np.sign(ln.effect_per_h or 0) == np.sign(size) for ln in named)
    return hits / seeds


def _coverage(n_nights: int, seeds: int) -> tuple[float, int]:
    covered = total = 0
    for seed in range(seeds):
        t = simulate_nights(n_nights, seed=seed)
        for name in ("alcohol", "nicotine", "iron_supplement", "compression_stockings"):
            flag = t.factors[name] > 0
            a, b = t.plm_per_h[flag], t.plm_per_h[~flag]
            if a.size < 5 or b.size < 5:
                continue
            lo, hi = bootstrap_difference_ci(a, b, n_boot=2000, rng=seed)
            covered += lo <= 0.0 <= hi
            total += 1
    return covered / total, total


def main() -> None:
    cfg = InsightsConfig(n_boot=1000)
    seeds = 100
    print(f"power (share of {seeds} seeds: true factor clear after Holm, right sign):")
    for factor, size in (("alcohol", 4.0), ("alcohol", 6.0), ("alcohol", 8.0), ("nicotine", 8.0)):
        cells = [f"{n} nights {_power(factor, size, n, seeds, cfg):.0%}" for n in (28, 56, 84)]
        print(f"  {factor} {size:+.0f} /h on 15 /h: " + ", ".join(cells))
    print(
        "  iron_supplement -5 /h: "
        + ", ".join(
            f"{n} nights {_power('iron_supplement', -5.0, n, seeds, cfg):.0%}" for n in (28, 56)
        )
    )
    print(
        "  caffeine_cups +3 /h per cup (dose-response): "
        + ", ".join(
            f"{n} nights {_power('caffeine_cups', 3.0, n, seeds, cfg):.0%}" for n in (28, 56)
        )
    )
    print("coverage of the 95 % CI with no true effect (flags with >= 5 nights each):")
    for n in (14, 28, 56, 112):
        cov, total = _coverage(n, 1000)
        print(f"  {n} nights: {cov:.3f} over {total} intervals")
    alarms = sum(
        any(ln.p_holm is not None and ln.p_holm < 0.05 for ln in analyse(
            simulate_nights(56, seed=s), cfg).lines)
        for s in range(200)
    )  # fmt: skip
    print(f"family-wise false alarms, 56 nights, no effect: {alarms / 200:.1%} of 200 seeds")
    year = simulate_nights(365, effects={"alcohol": 6.0}, seed=1)
    start = time.perf_counter()
    analyse(year, InsightsConfig())
    print(f"analyse(), 365 nights, 2000 resamples: {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
