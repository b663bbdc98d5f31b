"""The statistics under the insights: Holm's adjustment and the studentized bootstrap interval."""

from __future__ import annotations

import numpy as np
import pytest

from rls_monitor.diary.insights import InsightsConfig
from rls_monitor.diary.stats import bootstrap_difference_ci, holm_adjust
from rls_monitor.errors import ConfigError

FAST = InsightsConfig(n_boot=500)


def _holm_reference(p: list[float]) -> list[float]:
    """Holm by its definition: reject in order while p_(k) <= alpha / (m - k)."""
    m = len(p)
    out = []
    for i in range(m):
        # smallest alpha at which hypothesis i is rejected by the step-down procedure
        order = sorted(range(m), key=lambda j: (p[j], j))
        rank = order.index(i)
        out.append(min(1.0, max((m - k) * p[order[k]] for k in range(rank + 1))))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_holm_matches_definition(seed: int) -> None:
    p = np.random.default_rng(seed).random(7).tolist()
    assert np.allclose(holm_adjust(p), _holm_reference(p))


def test_holm_small_cases() -> None:
    assert holm_adjust([]).size == 0
    assert holm_adjust([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])


def test_bootstrap_ci_is_seeded_and_sensible() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 30), rng.normal(7, 2, 25)
    lo, hi = bootstrap_difference_ci(a, b, rng=5)
    assert (lo, hi) == bootstrap_difference_ci(a, b, rng=5)
    assert lo < a.mean() - b.mean() < hi and lo > 0
    with pytest.raises(ConfigError):
        bootstrap_difference_ci(a[:1], b)
