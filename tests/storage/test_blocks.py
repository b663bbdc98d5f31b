"""Sample blocks: exact round trips, checksums, compression."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.blocks import (
    CODECS,
    DEFAULT_CODEC,
    P16_CANDIDATES,
    crc32_counts,
    decode_block,
    encode_block,
)

from .conftest import simulated_recording


@settings(max_examples=60, deadline=None)
@given(
    counts=arrays(np.int16, st.tuples(st.integers(0, 300), st.just(3))),
    codec=st.sampled_from(CODECS),
)
def test_round_trip_is_exact(counts: np.ndarray, codec: str) -> None:
    data, crc = encode_block(counts, codec)
    back = decode_block(data, counts.shape[0], crc, codec)
    assert back.dtype == np.int16
    np.testing.assert_array_equal(back, counts)
    assert crc == crc32_counts(counts)


def test_extremes_wrap_without_loss() -> None:
    counts = np.array([[32767, -32768, 0], [-32768, 32767, -1], [32767, -32768, 1]], np.int16)
    data, crc = encode_block(counts)
    np.testing.assert_array_equal(decode_block(data, 3, crc), counts)


def test_new_blocks_use_the_predictor_codec() -> None:
    assert DEFAULT_CODEC == "p16s-zlib" == CODECS[0]
    assert {"d16s-zlib", "d16s-lzma"} <= set(CODECS)


def _p16(counts: np.ndarray, p: int, strategy: int = zlib.Z_RLE) -> bytes:
    """A ``p16s-zlib`` block forced to predictor ``p`` (the encoder picks the smallest)."""
    import rls_monitor.storage.blocks as blocks

    saved = blocks.P16_CANDIDATES
    blocks.P16_CANDIDATES = ((p, strategy),)
    try:
        data, _ = encode_block(counts, "p16s-zlib")
    finally:
        blocks.P16_CANDIDATES = saved
    assert data[0] == p
    return data


_EXTREMES = st.sampled_from([-32768, -32767, -1, 0, 1, 32766, 32767])
_COUNTS = st.one_of(
    arrays(np.int16, st.tuples(st.integers(0, 300), st.just(3))),
    arrays(np.int16, st.tuples(st.integers(0, 300), st.just(3)), elements=_EXTREMES),
    st.integers(0, 300).flatmap(  # constant blocks
        lambda n: arrays(np.int16, (n, 3), elements=_EXTREMES, fill=st.nothing()).map(
            lambda a: np.broadcast_to(a[:1], a.shape).copy() if len(a) else a
        )
    ),
    st.integers(0, 2).flatmap(lambda n: arrays(np.int16, (n, 3))),  # length 0, 1, 2
)


@settings(max_examples=300, deadline=None)
@given(counts=_COUNTS, p=st.sampled_from([0, 1, 2, 3, 5, 6, 7, 9, 15]))
def test_every_p16_predictor_round_trips_exactly(counts: np.ndarray, p: int) -> None:
    data = _p16(counts, p)
    back = decode_block(data, counts.shape[0], crc32_counts(counts), "p16s-zlib")
    assert back.dtype == np.int16 and back.shape == counts.shape
    np.testing.assert_array_equal(back, counts)


@settings(max_examples=100, deadline=None)
@given(counts=_COUNTS, codec=st.sampled_from(CODECS))
def test_every_codec_round_trips_extremes_constants_and_tiny_blocks(
    counts: np.ndarray, codec: str
) -> None:
    data, crc = encode_block(counts, codec)
    np.testing.assert_array_equal(decode_block(data, counts.shape[0], crc, codec), counts)


def test_p16_picks_the_smaller_predictor() -> None:
    rng = np.random.default_rng(3)
    still = (np.array([100, -4000, 1500]) + rng.normal(0, 8, (3000, 3))).astype(np.int16)
    ramp = np.cumsum(rng.integers(-3000, 3000, (3000, 3)), axis=0).astype(np.int16)
    data_still, _ = encode_block(still)
    data_ramp, _ = encode_block(ramp)
    assert data_still[0] == 6 and data_ramp[0] == 0
    for counts, data in ((still, data_still), (ramp, data_ramp)):
        assert len(data) == min(len(_p16(counts, p, s)) for p, s in P16_CANDIDATES)
        np.testing.assert_array_equal(decode_block(data, 3000, crc32_counts(counts)), counts)


# Blocks written by the d16s encoders of the previous version (before p16s-zlib): they must read
# back exactly, whatever the encoders of this version do.
_OLD_COUNTS = np.array(
    [[0, 0, 0], [32767, -32768, 5], [-32768, 32767, -5], [1000, -1000, 16384],
     [1001, -999, 16383], [-1, 1, 0], [7, 8, 9]],
    np.int16,
)  # fmt: skip
_OLD_BLOCKS = {
    "d16s-zlib": "789c63f8c7a4cf745980e13fa311d3053e062e612ec6bf420cff197e30b033c028068606867a0600"
    "f0c80a59",
    "d16s-lzma": "01002900fe022f02d31000ff013202d00e000a130a01fd1200ff00f800070000ff00f80007000000"
    "0080007f0000",
}


@pytest.mark.parametrize("codec", sorted(_OLD_BLOCKS))
def test_blocks_of_the_old_codecs_still_decode(codec: str) -> None:
    data = bytes.fromhex(_OLD_BLOCKS[codec])
    back = decode_block(data, 7, 122033938, codec)
    np.testing.assert_array_equal(back, _OLD_COUNTS)
    assert crc32_counts(_OLD_COUNTS) == 122033938


def test_p16_refuses_a_bad_predictor_byte_or_empty_block() -> None:
    counts = np.arange(30, dtype=np.int16).reshape(10, 3)
    data = _p16(counts, 6)
    with pytest.raises(StorageError, match="predictor"):
        decode_block(b"\x10" + data[1:], 10, None, "p16s-zlib")
    with pytest.raises(StorageError, match="predictor"):
        decode_block(b"", 10, None, "p16s-zlib")
    with pytest.raises(StorageError, match="expected"):  # predictor byte changed: sizes differ
        decode_block(b"\x00" + data[1:], 10, None, "p16s-zlib")
    with pytest.raises(StorageError, match="decompress"):
        decode_block(data[:1] + b"garbage", 10, None, "p16s-zlib")


def test_checksum_catches_a_flipped_byte() -> None:
    counts = np.arange(300, dtype=np.int16).reshape(100, 3)
    data, crc = encode_block(counts, "d16s-lzma")
    with pytest.raises(StorageError, match="CRC-32"):
        decode_block(data, 100, crc ^ 1, "d16s-lzma")
    broken = bytearray(data)
    broken[len(broken) // 2] ^= 0xFF
    with pytest.raises(StorageError):
        decode_block(bytes(broken), 100, crc, "d16s-lzma")


def test_wrong_sample_count_and_codec_are_refused() -> None:
    data, crc = encode_block(np.zeros((10, 3), np.int16), "d16s-zlib")
    with pytest.raises(StorageError, match="expected 66"):
        decode_block(data, 11, crc, "d16s-zlib")
    data, crc = encode_block(np.zeros((10, 3), np.int16))
    with pytest.raises(StorageError, match="expected"):
        decode_block(data, 11, crc)
    with pytest.raises(StorageError, match="unknown block codec"):
        decode_block(data, 10, crc, "zstd")
    with pytest.raises(ConfigError, match="codec"):
        encode_block(np.zeros((10, 3), np.int16), "zstd")


@pytest.mark.parametrize(
    "bad", [np.zeros((5, 2), np.int16), np.zeros((5, 3)), np.full((2, 3), 40000, np.int32)]
)
def test_bad_arrays_are_refused(bad: np.ndarray) -> None:
    with pytest.raises(ConfigError):
        encode_block(bad)


def test_simulated_night_compresses_to_under_half_of_int16() -> None:
    # 16-bit counts at 0.244 mg with a few mg of sensor noise: the noise alone carries about 7
    # bits per value, so lossless coding cannot go much below 45 %; see docs/storage.md.
    counts = simulated_recording(600.0).to_counts()[0]
    stored = sum(len(encode_block(counts[i : i + 3000])[0]) for i in range(0, len(counts), 3000))
    assert stored < 0.5 * counts.nbytes
