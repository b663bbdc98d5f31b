"""Event matching for detector evaluation: true versus detected onsets, and what became of known
artefacts (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rls_monitor.errors import ConfigError

__all__ = ["artefact_outcomes", "f1_score", "match_events"]


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


def artefact_outcomes(
    artefact_onset_s: ArrayLike,
    artefact_offset_s: ArrayLike,
    true_onset_s: ArrayLike,
    true_offset_s: ArrayLike,
    lm_onset_s: ArrayLike,
    lm_offset_s: ArrayLike,
    rejected_onset_s: ArrayLike,
    rejected_offset_s: ArrayLike,
    rejected_reason: Sequence[str],
    *,
    tolerance_s: float = 0.5,
) -> list[str]:
    """What became of each known artefact: rejected (and why), an LM, or nothing.

    Parameters
    ----------
    artefact_onset_s, artefact_offset_s : array-like of float, shape (a,)
        The artefacts (the simulator's truth).
    true_onset_s, true_offset_s : array-like of float, shape (t,)
        The true leg movements: an artefact overlapping one (within ``tolerance_s``) is
        ``"beside a leg movement"``, whatever was detected there.
    lm_onset_s, lm_offset_s : array-like of float, shape (k,)
        The detected LMs.
    rejected_onset_s, rejected_offset_s : array-like of float, shape (r,)
        The rejected candidates, with ``rejected_reason`` (``vibration``, ``impulse``, ...).
    tolerance_s : float
        How near counts as overlapping (s).

    Returns
    -------
    list of str
        Per artefact: ``"beside a leg movement"``, ``"LM"`` (it became an LM: a false one),
        ``"rejected: <reason>"``, or ``"not a candidate"`` (the detector never rose for it).

    Examples
    --------
    >>> artefact_outcomes([10.0, 50.0, 90.0], [15.0, 52.0, 91.0], [200.0], [202.0],
    ...                   [50.5], [51.5], [10.2], [14.0], ["vibration"])
    ['rejected: vibration', 'LM', 'not a candidate']
    """
    tol = float(tolerance_s)
    a0 = np.asarray(artefact_onset_s, np.float64).reshape(-1)
    a1 = np.asarray(artefact_offset_s, np.float64).reshape(-1)

    def overlaps(on: ArrayLike, off: ArrayLike) -> NDArray[np.bool_]:
        on_ = np.asarray(on, np.float64).reshape(-1)
        off_ = np.asarray(off, np.float64).reshape(-1)
        if on_.size == 0:
            return np.zeros((a0.size, 0), bool)
        return (on_[None, :] < a1[:, None] + tol) & (off_[None, :] > a0[:, None] - tol)

    near_true: NDArray[np.bool_] = np.asarray(
        overlaps(true_onset_s, true_offset_s).any(axis=1), bool
    )
    as_lm: NDArray[np.bool_] = np.asarray(overlaps(lm_onset_s, lm_offset_s).any(axis=1), bool)
    rej = overlaps(rejected_onset_s, rejected_offset_s)
    reasons = list(rejected_reason)
    out = []
    for i in range(a0.size):  # one entry per artefact (tens a night), not per sample
        if near_true[i]:
            out.append("beside a leg movement")
        elif as_lm[i]:
            out.append("LM")
        elif rej.shape[1] and rej[i].any():
            out.append(f"rejected: {reasons[int(np.flatnonzero(rej[i])[0])]}")
        else:
            out.append("not a candidate")
    return out
