"""Shared signal helpers of the detectors: input checks, epochs, run lengths (pure, vectorised).

Everything here works on float32 acceleration in g, shape ``(n, 3)`` (sensor axes), and never
loops over samples in Python.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import DetectionError, UnitsError

__all__ = [
    "MAX_FS_HZ",
    "MIN_DURATION_S",
    "MIN_FS_HZ",
    "block_mean",
    "block_mean_transposed",
    "check_accel",
    "decimation_factor",
    "epoch_starts",
    "epoch_stats",
    "runs",
]

MIN_FS_HZ = 10.0
"""Lowest sampling rate the detectors accept (Hz): below it leg movements alias."""

MAX_FS_HZ = 1000.0
"""Highest sampling rate the detectors accept (Hz)."""

MIN_DURATION_S = 10.0
"""Shortest signal the detectors score (s): the noise floor and posture need some context."""

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

_CHUNK_N = 1 << 14
"""Samples per chunk of :func:`epoch_stats` (about 200 kB of float32 scratch)."""


def check_accel(accel_g: object, fs_hz: float, *, min_duration_s: float = MIN_DURATION_S) -> F32:
    """Validate a 3-axis acceleration signal and return it as float32 ``(n, 3)``.

    Parameters
    ----------
    accel_g : array-like, shape (n, 3)
        Acceleration in g, sensor axes. float32 input is used without a copy; other float
        dtypes are converted.
    fs_hz : float
        Sampling rate (Hz), :data:`MIN_FS_HZ` .. :data:`MAX_FS_HZ`.
    min_duration_s : float
        Shortest accepted signal (s).

    Returns
    -------
    ndarray of float32, shape (n, 3)

    Raises
    ------
    DetectionError
        If the rate is not finite or out of range, the shape is not ``(n, 3)``, the signal is
        shorter than ``min_duration_s`` or holds NaN or infinite values.
    UnitsError
        If the values are plainly not in g (a median magnitude above 20, e.g. mg).
    """
    try:
        fs = float(fs_hz)
    except (TypeError, ValueError) as exc:
        raise DetectionError(f"fs_hz must be a number; got {fs_hz!r}") from exc
    if not (math.isfinite(fs) and MIN_FS_HZ <= fs <= MAX_FS_HZ):
        raise DetectionError(
            f"fs_hz must be between {MIN_FS_HZ:g} and {MAX_FS_HZ:g} Hz; got {fs_hz!r}"
        )
    a = np.asarray(accel_g)
    if a.ndim != 2 or a.shape[1] != 3:
        raise DetectionError(f"accel_g must have shape (n, 3); got {a.shape}")
    if not np.issubdtype(a.dtype, np.floating):
        raise DetectionError(f"accel_g must be floating point (g); got dtype {a.dtype}")
    a = np.asarray(a, dtype=np.float32)
    duration_s = a.shape[0] / fs
    if duration_s < min_duration_s:
        raise DetectionError(
            f"signal too short: {a.shape[0]} samples at {fs:g} Hz is {duration_s:.2f} s; "
            f"at least {min_duration_s:g} s is needed"
        )
    if not np.isfinite(a).all():
        raise DetectionError("accel_g holds NaN or infinite values; fill or cut the gaps first")
    probe = a[:: max(1, a.shape[0] // 4096)]
    median_g = float(np.median(np.sqrt((probe.astype(np.float64) ** 2).sum(axis=1))))
    if median_g > 20.0:
        raise UnitsError(
            f"accel_g has a median magnitude of {median_g:.4g}: it looks like mg, not g "
            "(divide by 1000)"
        )
    return a


def decimation_factor(fs_hz: float, working_rate_hz: float) -> int:
    """Integer decimation factor bringing ``fs_hz`` down to no less than ``working_rate_hz``.

    Parameters
    ----------
    fs_hz : float
        Input rate (Hz).
    working_rate_hz : float
        Lowest acceptable working rate (Hz).

    Returns
    -------
    int
        ``max(1, floor(fs_hz / working_rate_hz))``.
    """
    return max(1, math.floor(fs_hz / working_rate_hz + 1e-9))


def block_mean(accel_g: F32, k: int) -> F32:
    """Mean of consecutive blocks of ``k`` samples (the trailing partial block is dropped).

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
    k : int
        Block length (samples), >= 1.

    Returns
    -------
    ndarray of float32, shape (n // k, 3)
        A new array when ``k > 1``; ``accel_g`` itself when ``k == 1``.
    """
    if k <= 1:
        return accel_g
    m = accel_g.shape[0] // k
    out = accel_g[0 : m * k : k].copy()
    for j in range(1, k):  # k is small (<= 50): a few passes over the whole signal
        out += accel_g[j : m * k : k]
    out *= np.float32(1.0 / k)
    return out


def block_mean_transposed(accel_g: F32, k: int) -> F32:
    """:func:`block_mean` written straight into a ``(3, m)`` array (the band-pass's layout).

    The same float32 operations in the same order (first block sample, then adding the others,
    then scaling by ``1 / k``), so the result equals ``block_mean(accel_g, k).T`` exactly; it
    saves the transposed copy of the whole signal.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
    k : int
        Block length (samples), >= 1.

    Returns
    -------
    ndarray of float32, shape (3, n // k)
        A new array (also when ``k == 1``).
    """
    m = accel_g.shape[0] // k
    src = accel_g[: m * k]
    work = np.empty((3, m), np.float32)
    if k == 1:
        work[:] = src.T
        return work
    np.add(src[0::k].T, src[1::k].T, out=work)
    for j in range(2, k):  # k is small (<= 50)
        work += src[j::k].T
    work *= np.float32(1.0 / k)
    return work


def epoch_starts(n_samples: int, fs_hz: float, epoch_s: float) -> NDArray[np.int64]:
    """First sample of each epoch: sample ``i`` at ``i / fs_hz`` s is in epoch ``floor(t / epoch_s)``.

    Parameters
    ----------
    n_samples : int
    fs_hz : float
        Sampling rate (Hz).
    epoch_s : float
        Epoch length (s).

    Returns
    -------
    ndarray of int64, shape (n_epochs,)
        Strictly increasing; the last epoch may be partial.
    """
    n_epochs = math.ceil(n_samples / fs_hz / epoch_s - 1e-9)
    starts = np.ceil(np.arange(n_epochs) * (epoch_s * fs_hz) - 1e-6).astype(np.int64)
    return starts[starts < n_samples]


def epoch_stats(accel_g: F32, fs_hz: float, epoch_s: float) -> tuple[F64, F64, F64]:
    """Mean acceleration and total dynamic SD per epoch.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration (g).
    fs_hz : float
        Sampling rate (Hz).
    epoch_s : float
        Epoch length (s).

    Returns
    -------
    mean_g : ndarray of float64, shape (n_epochs, 3)
        Mean acceleration of each epoch (g): the gravity direction when still.
    sd_mg : ndarray of float64, shape (n_epochs,)
        ``sqrt(sum over axes of the variance)`` within the epoch (mg), independent of the
        sensor's orientation.
    count : ndarray of float64, shape (n_epochs,)
        Samples per epoch.
    """
    n = accel_g.shape[0]
    starts = epoch_starts(n, fs_hz, epoch_s)
    count_i = np.diff(np.append(starts, n))
    count = count_i.astype(np.float64)
    n_ep = starts.size
    s1 = np.empty((n_ep, 3), np.float32)
    s2 = np.empty((n_ep, 3), np.float32)
    ref = np.empty((n_ep, 3), np.float32)
    # Chunks of whole epochs (~16 k samples), so that the scratch buffer stays in the cache; the
    # float32 sums are taken about each epoch's first sample, which keeps them accurate.
    longest = int(count_i.max()) if n_ep else 1
    per = max(1, _CHUNK_N // longest)
    buf = np.empty((max(_CHUNK_N, longest), 3), np.float32)
    for e0 in range(0, n_ep, per):  # a loop over chunks (~90 per 8 h at 50 Hz), not samples
        e1 = min(n_ep, e0 + per)
        r0 = int(starts[e0])
        r1 = int(starts[e1]) if e1 < n_ep else n
        centred = buf[: r1 - r0]
        ref[e0:e1] = accel_g[starts[e0:e1]]
        np.subtract(accel_g[r0:r1], np.repeat(ref[e0:e1], count_i[e0:e1], axis=0), out=centred)
        idx = starts[e0:e1] - r0
        np.add.reduceat(centred, idx, axis=0, out=s1[e0:e1])
        np.multiply(centred, centred, out=centred)
        np.add.reduceat(centred, idx, axis=0, out=s2[e0:e1])
    mean_c = s1.astype(np.float64) / count[:, None]
    var = np.clip(s2.astype(np.float64) / count[:, None] - mean_c * mean_c, 0.0, None)
    sd_mg = 1000.0 * np.sqrt(var.sum(axis=1))
    return mean_c + ref.astype(np.float64), sd_mg, count


def runs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Start and end (exclusive) indices of the runs of True in a boolean vector.

    Parameters
    ----------
    mask : ndarray of bool, shape (m,)

    Returns
    -------
    start, end : ndarray of int64
        ``mask[start[i]:end[i]]`` is all True and maximal.

    Examples
    --------
    >>> import numpy as np
    >>> runs(np.array([0, 1, 1, 0, 1], dtype=bool))
    (array([1, 4]), array([3, 5]))
    """
    m = np.asarray(mask, dtype=bool)
    d = np.diff(m.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(d == 1).astype(np.int64), np.flatnonzero(d == -1).astype(np.int64)
