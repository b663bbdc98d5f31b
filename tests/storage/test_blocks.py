"""Sample blocks: exact round trips, checksums, compression."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage.blocks import CODECS, crc32_counts, decode_block, encode_block

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
    data, crc = encode_block(np.zeros((10, 3), np.int16))
    with pytest.raises(StorageError, match="expected 66"):
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
