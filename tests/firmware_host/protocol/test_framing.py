"""CRC-16 and COBS (firmware_host.protocol.framing): check values, reference vectors, the stream decoder."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from firmware_host.protocol.framing import (
    CobsDecodeError,
    CobsDecoder,
    cobs_decode,
    cobs_encode,
    crc16,
)
from tests.firmware_host.protocol.vectors import (
    FMT,
    GOLDEN,
    crc16_reference,
)


def test_crc_check_value_and_reference() -> None:
    assert crc16(b"123456789") == 0x29B1
    for hexa in GOLDEN.values():
        raw = bytes.fromhex(hexa)
        if hexa == GOLDEN["cobs_data"]:
            continue
        assert crc16_reference(raw[:-2]) == struct.unpack("<H", raw[-2:])[0]


def test_golden_cobs() -> None:
    data = bytes.fromhex(GOLDEN["data"])
    assert cobs_encode(data).hex() == GOLDEN["cobs_data"]
    assert cobs_decode(bytes.fromhex(GOLDEN["cobs_data"])) == data


@pytest.mark.parametrize(
    ("plain", "encoded"),
    [
        (b"", b"\x01"),
        (b"\x00", b"\x01\x01"),
        (b"\x00\x00", b"\x01\x01\x01"),
        (b"\x11\x22\x00\x33", b"\x03\x11\x22\x02\x33"),
        (b"\x11\x22\x33\x44", b"\x05\x11\x22\x33\x44"),
        (b"\x11\x00\x00\x00", b"\x02\x11\x01\x01\x01"),
        (bytes(range(1, 255)), b"\xff" + bytes(range(1, 255)) + b"\x01"),
        (bytes(range(0, 255)), b"\x01\xff" + bytes(range(1, 255)) + b"\x01"),
        (bytes(range(1, 256)), b"\xff" + bytes(range(1, 255)) + b"\x02\xff"),
    ],
)
def test_cobs_reference_vectors(plain: bytes, encoded: bytes) -> None:
    """The examples of the COBS paper / Wikipedia."""
    assert cobs_encode(plain) == encoded
    assert cobs_decode(encoded) == plain


@settings(deadline=None)
@given(st.binary(max_size=1200))
def test_cobs_round_trip(data: bytes) -> None:
    enc = cobs_encode(data)
    assert 0 not in enc
    assert len(enc) <= len(data) + 1 + len(data) // 254
    assert cobs_decode(enc) == data


@pytest.mark.parametrize("bad", [b"\x05\x11\x22", b"\x03\x11\x00\x22", b"\x00"])
def test_cobs_decode_errors(bad: bytes) -> None:
    with pytest.raises(CobsDecodeError):
        cobs_decode(bad)


def _stream(frames: list[bytes]) -> bytes:
    return b"".join(cobs_encode(f) + b"\x00" for f in frames)


FRAMES = [
    p.encode_data(i, 100 * i, FMT, np.full((i % 5, 3), i - 2, np.int16)) for i in range(6)
] + [bytes.fromhex(GOLDEN["status"]), bytes(300)]


def test_cobs_decoder_split_at_every_boundary() -> None:
    stream = _stream(FRAMES)
    for cut in range(len(stream) + 1):
        d = CobsDecoder()
        got = d.feed(stream[:cut]) + d.feed(stream[cut:])
        assert got == FRAMES
        assert d.errors == 0 and d.pending == 0


def test_cobs_decoder_byte_by_byte_and_three_way_splits() -> None:
    stream = _stream(FRAMES[:4])
    d = CobsDecoder()
    got = [f for b in stream for f in d.feed(bytes([b]))]
    assert got == FRAMES[:4]
    for i in range(0, len(stream), 3):
        for j in range(i, len(stream), 5):
            d = CobsDecoder()
            assert d.feed(stream[:i]) + d.feed(stream[i:j]) + d.feed(stream[j:]) == FRAMES[:4]


def test_cobs_decoder_resyncs_after_garbage() -> None:
    d = CobsDecoder()
    garbage = b"\x07\x01\x02"  # a code running past its block
    stream = garbage + b"\x00" + _stream(FRAMES[:2]) + b"\x09\x01\x00" + _stream(FRAMES[2:4])
    got = d.feed(stream)
    assert got == FRAMES[:4]
    assert d.errors == 2
    assert d.dropped_bytes == len(garbage) + 2
    # a frame cut by line noise: starts mid-frame (joined to the next delimiter)
    stream = _stream(FRAMES[:3])
    d = CobsDecoder()
    got = d.feed(stream[5:])
    assert got[-2:] == FRAMES[1:3]


def test_cobs_decoder_overlong_garbage_is_dropped() -> None:
    d = CobsDecoder(max_block=50)
    assert d.feed(b"\x01" * 30) == []
    assert d.feed(b"\x02" * 300) == []
    assert d.errors == 1 and d.pending == 0
    assert d.feed(b"\x00" + _stream(FRAMES[:1])) == FRAMES[:1]
    assert d.errors == 1


def test_cobs_decoder_then_frame_decoder_drops_corrupted_frames() -> None:
    frames = [p.encode_data(i, i, FMT, np.full((3, 3), i, np.int16)) for i in range(20)]
    stream = bytearray(_stream(frames))
    stream[40] ^= 0x10  # corrupt one byte of the third frame or so
    d = CobsDecoder()
    good, bad = [], 0
    for block in d.feed(bytes(stream)):
        try:
            good.append(p.decode_frame(block))
        except p.ProtocolError:
            bad += 1
    assert d.errors + bad >= 1
    assert len(good) >= 18
    assert [f.seq for f in good] == sorted(f.seq for f in good)
