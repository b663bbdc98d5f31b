"""Raw sample blocks: int16 counts, delta-encoded per axis, byte-shuffled and compressed.

A block holds ``n`` consecutive samples of one band (``(n, 3)`` int16 counts). The stored bytes
are made in four steps, each exactly invertible:

1. **delta per axis**: the first sample as is, then the difference to the previous sample, in
   16-bit wrap-around arithmetic (so every value stays an int16 and nothing can overflow);
2. **zigzag**: signed deltas to unsigned (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), so a small
   delta has a zero high byte whatever its sign;
3. **axis-major**: all x deltas, then all y, then all z;
4. **byte shuffle**: all low bytes, then all high bytes (the high bytes are then almost all
   zero, which the compressor folds away);
5. **compression**: zlib (level 6) for codec ``"d16s-zlib"``, or LZMA for ``"d16s-lzma"``.

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
    "crc32_counts",
    "decode_block",
    "encode_block",
]

#: The codecs this version can read and write.
CODECS = ("d16s-zlib", "d16s-lzma")
#: The codec new blocks are written with (see ``docs/storage.md`` for the measured comparison).
DEFAULT_CODEC = "d16s-zlib"

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
    codec : {"d16s-zlib", "d16s-lzma"}
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
    u = a.view(np.uint16)
    delta = np.empty_like(u)
    if u.shape[0]:
        delta[0] = u[0]
        np.subtract(u[1:], u[:-1], out=delta[1:])  # wraps modulo 2**16
    sd = delta.view(np.int16)
    zz = (sd.astype(np.uint16) << np.uint16(1)) ^ (sd >> 15).view(np.uint16)
    raw = np.ascontiguousarray(zz.T).astype("<u2").view(np.uint8).reshape(-1, 2)
    shuffled = np.concatenate([raw[:, 0], raw[:, 1]]).tobytes()
    if codec == "d16s-zlib":
        data = zlib.compress(shuffled, 6)
    elif codec == "d16s-lzma":
        data = lzma.compress(shuffled, format=lzma.FORMAT_RAW, filters=_LZMA_FILTERS)
    else:
        raise ConfigError(
            f"codec must be one of {', '.join(CODECS)}; got {codec!r}",
            name="codec",
            value=codec,
            allowed=CODECS,
        )
    return data, zlib.crc32(a.tobytes()) & 0xFFFFFFFF


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
    try:
        if codec == "d16s-zlib":
            shuffled = zlib.decompress(data)
        elif codec == "d16s-lzma":
            shuffled = lzma.decompress(data, format=lzma.FORMAT_RAW, filters=_LZMA_FILTERS)
        else:
            raise StorageError(f"unknown block codec {codec!r} (written by a newer version?)")
    except (zlib.error, lzma.LZMAError) as exc:
        raise StorageError(f"sample block does not decompress: {exc}") from exc
    if len(shuffled) != n_samples * 6:
        raise StorageError(
            f"sample block holds {len(shuffled)} bytes; expected {n_samples * 6} "
            f"for {n_samples} samples"
        )
    b = np.frombuffer(shuffled, dtype=np.uint8)
    half = n_samples * 3
    lo = b[:half].astype(np.uint16)
    hi = b[half:].astype(np.uint16)
    zz = (lo | (hi << np.uint16(8))).reshape(3, n_samples).T
    delta = (zz >> np.uint16(1)) ^ (np.uint16(0) - (zz & np.uint16(1)))
    u = np.cumsum(delta, axis=0, dtype=np.uint16)  # wraps modulo 2**16, inverse of the delta
    counts = np.ascontiguousarray(u.view(np.int16))
    if crc32 is not None and (zlib.crc32(counts.astype(_LE_I16).tobytes()) & 0xFFFFFFFF) != crc32:
        raise StorageError("sample block fails its CRC-32 checksum")
    return counts
