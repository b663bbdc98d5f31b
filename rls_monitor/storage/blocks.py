"""Raw sample blocks: int16 counts, predicted per axis, byte-shuffled and compressed.

A block holds ``n`` consecutive samples of one band (``(n, 3)`` int16 counts). The stored bytes
are made in five steps, each exactly invertible:

1. **prediction per axis**, in 16-bit wrap-around arithmetic (so every value stays an int16,
   nothing can overflow and every residual decodes exactly):

   - *delta*: the first sample as is, then the difference to the previous sample;
   - *segment mean* (codec ``"p16s-zlib"`` only): the axis is cut into segments of ``L = 2**p``
     samples (the last one may be shorter); each sample is stored as its difference to the floor
     mean of its segment, and the segment means are stored once, delta-encoded. The signal at
     rest is gravity plus white sensor noise, and a delta doubles the noise variance where a
     mean over 64 samples adds only 1/64 of it; the means cost a few bits per segment. Decoding
     is a cumulative sum of the means and one addition, with no recursion over samples.

2. **zigzag**: signed residuals to unsigned (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), so a small
   residual has a zero high byte whatever its sign;
3. **axis-major**: all x residuals, then all y, then all z (then, for the segment mean, the x,
   y and z segment means);
4. **byte shuffle**: all low bytes, then all high bytes (the high bytes are then almost all
   zero, which the compressor folds away);
5. **compression**: for codec ``"p16s-zlib"`` (the default), one predictor byte (0: delta;
   ``p`` = 1-15: segment mean of ``2**p`` samples) followed by a zlib stream (level 6); the
   encoder tries each predictor and zlib strategy of :data:`P16_CANDIDATES` and keeps the
   smallest (the ``Z_RLE`` strategy, runs only and no string matching, is both smaller and
   several times faster on noise-like residuals; any zlib decoder reads every strategy). The older codecs, still read and written
   exactly as before, are delta + zlib level 6 (default strategy) for ``"d16s-zlib"`` and
   delta + LZMA for ``"d16s-lzma"``.

The checksum is the CRC-32 of the *raw* little-endian int16 bytes (row-major, x y z per sample),
so it checks the whole round trip, not only the compressed bytes.
"""

from __future__ import annotations

import lzma
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import ConfigError, StorageError

__all__ = [
    "CODECS",
    "DEFAULT_CODEC",
    "P16_CANDIDATES",
    "crc32_counts",
    "decode_block",
    "encode_block",
]

#: The codecs this version can read and write (the default first).
CODECS = ("p16s-zlib", "d16s-zlib", "d16s-lzma")
#: The codec new blocks are written with (see ``docs/storage.md`` for the measured comparison).
DEFAULT_CODEC = "p16s-zlib"
#: What the ``"p16s-zlib"`` encoder tries on each block, keeping the smallest result: pairs of
#: predictor (0: delta, ``p`` > 0: segment mean of ``2**p`` samples; the decoder reads any ``p``
#: from 0 to 15) and zlib strategy (the encoder's choice alone: any zlib decoder reads every one).
#: The segment mean wins on white sensor noise (the simulated nights); the delta with zlib's
#: default string matching wins on real AX3 files, whose counts are smoother and repeat.
P16_CANDIDATES: tuple[tuple[int, int], ...] = (
    (0, zlib.Z_DEFAULT_STRATEGY),
    (0, zlib.Z_RLE),
    (6, zlib.Z_RLE),
)

_LE_I16 = np.dtype("<i2")


def _as_counts(counts: NDArray[np.integer[Any]]) -> NDArray[np.int16]:
    a = np.asarray(counts)
    if a.ndim != 2 or a.shape[1] != 3:
        raise ConfigError(f"counts must have shape (n, 3); got {a.shape}", name="counts")
    if a.dtype != np.int16:
        if not np.issubdtype(a.dtype, np.integer):
            raise ConfigError(f"counts must be integers; got dtype {a.dtype}", name="counts")
        if a.size and (a.min() < -32768 or a.max() > 32767):
            raise ConfigError("counts do not fit int16", name="counts")
        a = a.astype(np.int16)
    return np.ascontiguousarray(a, dtype=_LE_I16)


def crc32_counts(counts: NDArray[np.integer[Any]]) -> int:
    """CRC-32 of the raw little-endian int16 bytes of ``counts`` (row-major).

    Parameters
    ----------
    counts : ndarray of int16, shape (n, 3)
        Raw counts.

    Returns
    -------
    int
        The unsigned CRC-32 (``zlib.crc32``).

    Examples
    --------
    >>> import numpy as np
    >>> crc32_counts(np.zeros((0, 3), dtype=np.int16))
    0
    """
    return zlib.crc32(_as_counts(counts).tobytes()) & 0xFFFFFFFF


def encode_block(counts: NDArray[np.integer[Any]], codec: str = DEFAULT_CODEC) -> tuple[bytes, int]:
    """Encode a block of counts for storage.

    Parameters
    ----------
    counts : ndarray of int16, shape (n, 3)
        Raw counts of ``n`` consecutive samples.
    codec : {"p16s-zlib", "d16s-zlib", "d16s-lzma"}
        The codec.

    Returns
    -------
    data : bytes
        The encoded block.
    crc32 : int
        CRC-32 of the raw int16 bytes (see :func:`crc32_counts`).

    Raises
    ------
    ConfigError
        If the array is not ``(n, 3)`` integers fitting int16, or the codec is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.arange(30, dtype=np.int16).reshape(10, 3)
    >>> data, crc = encode_block(c)
    >>> bool((decode_block(data, 10, crc) == c).all())
    True
    """
    a = _as_counts(counts)
    u = a.view(np.uint16).T  # (3, n), axis-major
    if codec == "p16s-zlib":
        best = b""
        shuffled_by_p: dict[int, bytes] = {}
        for p, strategy in P16_CANDIDATES:
            if p not in shuffled_by_p:
                values = _delta(u) if p == 0 else _segment_mean_residuals(u, 1 << p)
                shuffled_by_p[p] = _shuffle(values)
            shuffled = shuffled_by_p[p]
            co = zlib.compressobj(6, zlib.DEFLATED, 15, 8, strategy)
            candidate = bytes([p]) + co.compress(shuffled) + co.flush()
            if not best or len(candidate) < len(best):
                best = candidate
        data = best
    elif codec == "d16s-zlib":
        data = zlib.compress(_shuffle(_delta(u)), 6)
    elif codec == "d16s-lzma":
        data = lzma.compress(_shuffle(_delta(u)), format=lzma.FORMAT_RAW, filters=_LZMA_FILTERS)
    else:
        raise ConfigError(
            f"codec must be one of {', '.join(CODECS)}; got {codec!r}",
            name="codec",
            value=codec,
            allowed=CODECS,
        )
    return data, zlib.crc32(a.tobytes()) & 0xFFFFFFFF


def _delta(u: NDArray[np.uint16]) -> NDArray[np.uint16]:
    """Per-axis delta of ``(3, n)`` uint16 values, wrapping modulo 2**16."""
    delta = np.empty_like(u)
    if u.shape[1]:
        delta[:, 0] = u[:, 0]
        np.subtract(u[:, 1:], u[:, :-1], out=delta[:, 1:])
    return delta


def _segments(n: int, length: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Start index and size of each segment of ``length`` samples (the last may be shorter)."""
    starts = np.arange(0, n, length, dtype=np.intp)
    sizes = np.diff(np.append(starts, n))
    return starts, sizes


def _segment_mean_residuals(u: NDArray[np.uint16], length: int) -> NDArray[np.uint16]:
    """Residuals to the floor mean of each segment, then the delta-encoded segment means.

    ``u`` is ``(3, n)`` (int16 counts viewed as uint16); returns ``(3, n + n_segments)``.
    """
    n = u.shape[1]
    if n == 0:
        return u.copy()
    starts, sizes = _segments(n, length)
    sums = np.add.reduceat(u.view(np.int16).astype(np.int64), starts, axis=1)
    means = np.floor_divide(sums, sizes).astype(np.int16).view(np.uint16)  # within int16 range
    residual = u - np.repeat(means, sizes, axis=1)  # wraps modulo 2**16
    return np.concatenate([residual, _delta(means)], axis=1)


def _shuffle(values: NDArray[np.uint16]) -> bytes:
    """Zigzag (as int16), then all low bytes and all high bytes of the row-major values."""
    sd = np.ascontiguousarray(values).view(np.int16)
    zz = (sd.astype(np.uint16) << np.uint16(1)) ^ (sd >> 15).view(np.uint16)
    raw = zz.astype("<u2").view(np.uint8).reshape(-1, 2)
    return np.concatenate([raw[:, 0], raw[:, 1]]).tobytes()


def _unshuffle(shuffled: bytes, rows: int) -> NDArray[np.uint16]:
    """Inverse of :func:`_shuffle`: ``(rows, m)`` uint16 values (two's complement residuals)."""
    b = np.frombuffer(shuffled, dtype=np.uint8)
    half = len(b) // 2
    lo = b[:half].astype(np.uint16)
    hi = b[half:].astype(np.uint16)
    zz = (lo | (hi << np.uint16(8))).reshape(rows, -1)
    return (zz >> np.uint16(1)) ^ (np.uint16(0) - (zz & np.uint16(1)))


_LZMA_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 6}]


def decode_block(
    data: bytes, n_samples: int, crc32: int | None = None, codec: str = DEFAULT_CODEC
) -> NDArray[np.int16]:
    """Decode a stored block back to counts, verifying its size and checksum.

    Parameters
    ----------
    data : bytes
        The encoded block (from :func:`encode_block`).
    n_samples : int
        Number of samples the block holds.
    crc32 : int, optional
        Expected CRC-32 of the raw int16 bytes; checked when given.
    codec : str
        The codec the block was written with.

    Returns
    -------
    ndarray of int16, shape (n_samples, 3)

    Raises
    ------
    StorageError
        If the block does not decompress, has the wrong size, or fails its checksum.
    """
    p = 0
    try:
        if codec == "p16s-zlib":
            if not data or data[0] > 15:
                raise StorageError(
                    "sample block has no valid predictor byte "
                    f"({data[0] if data else 'empty block'})"
                )
            p = data[0]
            shuffled = zlib.decompress(data[1:])
        elif codec == "d16s-zlib":
            shuffled = zlib.decompress(data)
        elif codec == "d16s-lzma":
            shuffled = lzma.decompress(data, format=lzma.FORMAT_RAW, filters=_LZMA_FILTERS)
        else:
            raise StorageError(f"unknown block codec {codec!r} (written by a newer version?)")
    except (zlib.error, lzma.LZMAError) as exc:
        raise StorageError(f"sample block does not decompress: {exc}") from exc
    n_segments = 0 if p == 0 else -(-n_samples // (1 << p))
    expected = (n_samples + n_segments) * 6
    if len(shuffled) != expected:
        raise StorageError(
            f"sample block holds {len(shuffled)} bytes; expected {expected} for {n_samples} samples"
        )
    values = _unshuffle(shuffled, 3)
    if p == 0:
        u = np.cumsum(values, axis=1, dtype=np.uint16)  # wraps modulo 2**16, inverse of the delta
    else:
        means = np.cumsum(values[:, n_samples:], axis=1, dtype=np.uint16)
        _, sizes = _segments(n_samples, 1 << p)
        u = values[:, :n_samples] + np.repeat(means, sizes, axis=1)  # wraps modulo 2**16
    counts = np.ascontiguousarray(u.T).view(np.int16)
    if crc32 is not None and (zlib.crc32(counts.astype(_LE_I16).tobytes()) & 0xFFFFFFFF) != crc32:
        raise StorageError("sample block fails its CRC-32 checksum")
    return counts
