"""Event matching for detector evaluation: true versus detected onsets (pure)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from rls_monitor.errors import ConfigError

__all__ = ["f1_score", "match_events"]


def match_events(
    true_onset_s: ArrayLike, pred_onset_s: ArrayLike, tolerance_s: float
) -> tuple[int, int, int]:
    """Match detected onsets to true onsets one-to-one within a tolerance.

    Greedy in time order: both lists are sorted, and each true event takes the earliest
    unmatched detection within ``tolerance_s`` of it (the optimal one-to-one matching for
    intervals of equal width on a line).

    Parameters
    ----------
    true_onset_s : array-like of float, shape (a,)
        True onsets (s).
    pred_onset_s : array-like of float, shape (b,)
        Detected onsets (s).
    tolerance_s : float
        Largest ``|true - detected|`` of a match (s), >= 0.

    Returns
    -------
    tp, fp, fn : int
        Matched pairs, unmatched detections, unmatched true events.

    Raises
    ------
    ConfigError
        If ``tolerance_s`` is negative or not finite.

    Examples
    --------
    >>> match_events([10.0, 20.0, 30.0], [10.3, 19.0, 30.1, 45.0], 0.5)
    (2, 2, 1)
    """
    tol = float(tolerance_s)
    if not (np.isfinite(tol) and tol >= 0):
        raise ConfigError(f"tolerance_s must be >= 0; got {tolerance_s!r}", name="tolerance_s")
    t = np.sort(np.asarray(true_onset_s, dtype=np.float64).reshape(-1))
    p = np.sort(np.asarray(pred_onset_s, dtype=np.float64).reshape(-1))
    i = j = tp = 0
    while i < t.size and j < p.size:  # loop over events, not samples
        if p[j] < t[i] - tol:
            j += 1
        elif p[j] > t[i] + tol:
            i += 1
        else:
            tp += 1
            i += 1
            j += 1
    return tp, int(p.size - tp), int(t.size - tp)


def f1_score(tp: int, fp: int, fn: int) -> float:
    """F1 = 2 tp / (2 tp + fp + fn); 1.0 when there is nothing to find and nothing found.

    Examples
    --------
    >>> f1_score(9, 1, 0)
    0.9473684210526315
    """
    denom = 2 * tp + fp + fn
    return 1.0 if denom == 0 else 2.0 * tp / denom
