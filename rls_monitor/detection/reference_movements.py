"""Loop-based reference twins of the leg-movement detector (slow, obviously correct).

Used by the tests to check :func:`rls_monitor.detection.movements.score_envelope` and
:func:`rls_monitor.detection.movements.movement_thresholds` sample by sample; never use them on
a whole night.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["reference_noise_floor", "reference_score_envelope"]


def reference_score_envelope(
    envelope_mg: NDArray[np.float32],
    onset_mg: NDArray[np.float32],
    offset_mg: NDArray[np.float32],
    *,
    quiet_n: int,
    min_n: int,
    morphology_n: int | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The LM state machine, one sample at a time (same contract as ``score_envelope``).

    Idle: the first sample above ``onset_mg`` starts an LM. Active: a run of ``quiet_n``
    samples at or below ``offset_mg`` ends it at the run's first sample; the end of the signal
    ends it there. Then LMs shorter than ``min_n`` samples are dropped and, with
    ``morphology_n``, those without a window of that many samples whose median of
    ``envelope - offset`` is at or above zero.

    Parameters
    ----------
    envelope_mg, onset_mg, offset_mg : ndarray, shape (m,)
    quiet_n, min_n : int
    morphology_n : int or None

    Returns
    -------
    onset, offset : ndarray of int64
    """
    env = [float(v) for v in envelope_mg]
    on_t = [float(v) for v in onset_mg]
    off_t = [float(v) for v in offset_mg]
    m = len(env)
    onsets: list[int] = []
    offsets: list[int] = []
    active = False
    start = 0
    quiet_run = 0
    for i in range(m):
        if not active:
            if env[i] > on_t[i]:
                active, start, quiet_run = True, i, 0
            continue
        if env[i] <= off_t[i]:
            quiet_run += 1
            if quiet_run == quiet_n:
                onsets.append(start)
                offsets.append(i - quiet_n + 1)
                active = False
        else:
            quiet_run = 0
    if active:
        onsets.append(start)
        offsets.append(m)
    keep_on: list[int] = []
    keep_off: list[int] = []
    for a, b in zip(onsets, offsets, strict=True):
        if b - a < min_n:
            continue
        if morphology_n is not None:
            w = morphology_n
            ok = False
            for s in range(a, b - w + 1):
                diffs = [env[j] - off_t[j] for j in range(s, s + w)]
                if float(np.median(diffs)) >= 0.0:
                    ok = True
                    break
            if not ok:
                continue
        keep_on.append(a)
        keep_off.append(b)
    return np.array(keep_on, dtype=np.int64), np.array(keep_off, dtype=np.int64)


def reference_noise_floor(
    envelope_mg: NDArray[np.float32],
    block_n: int,
    window_blocks: int,
    percentile: float,
    floor_min_mg: float,
) -> NDArray[np.float64]:
    """Rolling percentile of block means, one block at a time.

    Block ``b`` is the mean of samples ``b * block_n ..`` (the last block padded with the last
    value); its floor is the ``percentile`` of the block means in the centred window of
    ``window_blocks`` blocks (``scipy.ndimage`` centring: ``window_blocks // 2`` before),
    the ends repeating the first and last block, and at least ``floor_min_mg``.

    Returns
    -------
    ndarray of float64, shape (n_blocks,)
    """
    m = len(envelope_mg)
    n_blocks = max(1, -(-m // block_n))
    means = []
    for b in range(n_blocks):
        vals = [float(envelope_mg[min(j, m - 1)]) for j in range(b * block_n, (b + 1) * block_n)]
        means.append(sum(vals) / block_n)
    half = window_blocks // 2
    out = np.empty(n_blocks)
    for b in range(n_blocks):
        win = [
            means[min(max(j, 0), n_blocks - 1)] for j in range(b - half, b - half + window_blocks)
        ]
        out[b] = max(_percentile_lower_rank(win, percentile), floor_min_mg)
    return out


def _percentile_lower_rank(values: list[float], percentile: float) -> float:
    """``scipy.ndimage.percentile_filter``'s rank: ``int(size * percentile / 100)``, clipped."""
    ordered = sorted(values)
    rank = int(len(ordered) * percentile / 100.0)
    return ordered[min(rank, len(ordered) - 1)]
