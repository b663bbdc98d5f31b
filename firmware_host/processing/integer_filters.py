"""The pipeline's integer arithmetic: the Q14 band-pass FIR taps, an exact square root, C division.

Pure functions, no state: :func:`bandpass_taps` designs the FIR once per rate (a const table on a
band), :func:`isqrt_u32` is the vectorised integer square root of the block path and
:func:`trunc_div` is C's integer division (the per-sample path's square root is
:func:`math.isqrt`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_host.processing.config import TAP_SHIFT

__all__ = ["bandpass_taps", "isqrt_u32", "trunc_div"]


def isqrt_u32(x: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact integer square root (floor) of non-negative values below 2**32, vectorised.

    Parameters
    ----------
    x : ndarray of int64
        Values in ``0 .. 2**32 - 1``.

    Returns
    -------
    ndarray of int64
        ``floor(sqrt(x))``, equal to :func:`math.isqrt` element by element.

    Examples
    --------
    >>> isqrt_u32(np.array([0, 1, 3, 4, 2**32 - 1])).tolist()
    [0, 1, 1, 2, 65535]
    """
    r = np.sqrt(x.astype(np.float64)).astype(np.int64)
    r -= (r * r > x).astype(np.int64)
    r += ((r + 1) * (r + 1) <= x).astype(np.int64)
    return r


def bandpass_taps(
    fw_hz: float, n_taps: int = 64, band_hz: tuple[float, float] = (0.3, 8.0)
) -> NDArray[np.int32]:
    """Q14 FIR taps of the host's band-pass: the order-2 Butterworth's impulse response, truncated.

    The host detector filters with ``butter(2, band_hz, "band")`` (an IIR). Its impulse response
    (designed here by the bilinear transform in plain Python, no SciPy) is cut at ``n_taps``
    samples (2.56 s at 25 Hz, where it has decayed to a few percent), quantised to Q14 and
    corrected so that the taps sum to exactly 0 (gravity is removed exactly). A FIR keeps the
    block path exact: a convolution of integers is the same whatever the block sizes. On a band
    the taps are a const table computed once per rate.

    Parameters
    ----------
    fw_hz : float
        Working rate (Hz).
    n_taps : int
        Number of taps.
    band_hz : tuple of float
        Band edges (Hz).

    Returns
    -------
    ndarray of int32, shape (n_taps,)
        ``taps[i]`` multiplies the sample ``i`` steps back; sum 0; sum of magnitudes below
        ``4 * 2**14``,
        so that int16 samples accumulate in int32 without overflow.
    """
    fs2 = 2.0 * fw_hz
    wl = fs2 * math.tan(math.pi * band_hz[0] / fw_hz)
    wh = fs2 * math.tan(math.pi * band_hz[1] / fw_hz)
    bw, w0sq = wh - wl, wl * wh
    poles: list[complex] = []
    for ang in (3 * math.pi / 4, 5 * math.pi / 4):  # order-2 Butterworth prototype
        half = complex(math.cos(ang), math.sin(ang)) * bw / 2
        root = (half * half - w0sq) ** 0.5
        poles += [half + root, half - root]
    zp = [(fs2 + q) / (fs2 - q) for q in poles]
    a = np.real(np.poly(zp))
    b = np.real(np.poly([1.0, 1.0, -1.0, -1.0]))
    # unit gain at the centre frequency
    fc = math.atan(math.sqrt(w0sq) / fs2) / math.pi
    z = complex(math.cos(2 * math.pi * fc), math.sin(2 * math.pi * fc))
    gain = abs(np.polyval(b, z) / np.polyval(a, z))
    b = b / gain
    h = np.zeros(n_taps)
    x = np.zeros(n_taps)
    x[0] = 1.0
    for n in range(n_taps):  # direct-form difference equation on an impulse
        acc = sum(b[i] * x[n - i] for i in range(len(b)) if n - i >= 0)
        acc -= sum(a[i] * h[n - i] for i in range(1, len(a)) if n - i >= 0)
        h[n] = acc
    taps = np.round(h * (1 << TAP_SHIFT)).astype(np.int64)
    residual = int(taps.sum())  # the truncated tail; spread so that the taps sum to 0
    share = np.full(n_taps, residual // n_taps, np.int64)
    share[: residual - int(share.sum())] += 1
    taps -= share
    if int(np.abs(taps).sum()) >= 4 << TAP_SHIFT:
        raise ValueError("band-pass taps too large for int32 accumulation")
    return taps.astype(np.int32)


def trunc_div(a: int, b: int) -> int:
    """C integer division (truncation toward zero).

    Parameters
    ----------
    a, b : int
        Dividend and divisor (``b != 0``).

    Returns
    -------
    int
        ``a / b`` rounded toward zero, as C's ``/`` on integers.

    Examples
    --------
    >>> trunc_div(-7, 2), -7 // 2
    (-3, -4)
    """
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q
