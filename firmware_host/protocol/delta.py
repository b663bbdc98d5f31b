"""Delta compression of DATA samples: the payload of a DATA frame with ``FLAG_DELTA``.

:func:`delta_encode` packs the differences between consecutive samples of each axis in the
smallest bit width that holds them all; :func:`delta_decode` expands them again, exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["delta_decode", "delta_encode"]


def delta_encode(samples: NDArray[np.int16]) -> bytes:
    """Delta-compress int16 samples: the payload of a DATA frame with ``FLAG_DELTA``.

    Layout: the first sample raw (int16 x, y, z), one byte ``w`` (1-16), then the
    ``3 (n - 1)`` differences to the previous value of the same axis, in sample order x, y, z,
    each as a ``w``-bit two's-complement number, packed least-significant bit first into
    bytes (the last byte zero-padded). Differences wrap modulo 2**16, so ``w = 16`` can carry
    any jump; ``w`` is the smallest width that holds every difference.

    Parameters
    ----------
    samples : ndarray, shape (n, 3), int16
        ``n >= 1`` samples.

    Returns
    -------
    bytes
        ``7 + ceil(3 (n - 1) w / 8)`` bytes.

    Raises
    ------
    ValueError
        For an empty or wrongly shaped block.
    """
    arr = np.asarray(samples, dtype=np.int16)
    if arr.ndim != 2 or arr.shape[1] != 3 or len(arr) == 0:
        raise ValueError(f"samples must have shape (n >= 1, 3), got {arr.shape}")
    wide = arr.astype(np.int64)
    diff = (wide[1:] - wide[:-1]).ravel()
    d = ((diff + 32768) & 0xFFFF) - 32768  # wrap to int16
    mag = np.where(d >= 0, d, ~d)
    width = int(mag.max(initial=0)).bit_length() + 1
    bits = ((d[:, None] >> np.arange(width)) & 1).astype(np.uint8).ravel()
    packed = np.packbits(bits, bitorder="little").tobytes()
    return arr[0].astype("<i2").tobytes() + bytes([width]) + packed


def delta_decode(data: bytes, count: int) -> NDArray[np.int16]:
    """Expand a :func:`delta_encode` payload of ``count`` samples.

    Raises
    ------
    ValueError
        For a width outside 1-16 or a length that does not match ``count`` and the width.
    """
    if count < 1 or len(data) < 7:
        raise ValueError(f"a delta payload of {count} samples needs at least 7 bytes")
    width = data[6]
    if not 1 <= width <= 16:
        raise ValueError(f"delta width {width} is outside 1-16")
    m = 3 * (count - 1)
    expected = 7 + (m * width + 7) // 8
    if len(data) != expected:
        raise ValueError(f"delta payload of {len(data)} bytes, expected {expected}")
    first = np.frombuffer(data[:6], dtype="<i2").astype(np.int64)
    unpacked = np.unpackbits(np.frombuffer(data[7:], dtype=np.uint8), bitorder="little")
    bits = unpacked[: m * width].reshape(m, width).astype(np.int64)
    d = bits @ (np.int64(1) << np.arange(width, dtype=np.int64))
    d = np.where(d >= 1 << (width - 1), d - (1 << width), d).reshape(-1, 3)
    values = np.concatenate([first[None, :], first[None, :] + np.cumsum(d, axis=0)])
    return (((values + 32768) & 0xFFFF) - 32768).astype(np.int16)
