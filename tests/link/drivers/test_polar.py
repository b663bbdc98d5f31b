"""Polar PMD frames: golden raw and delta frames decoded by hand, settings, the start/stop
sequence, fuzzed frames refused and counted."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.errors import ConfigError, FrameError
from rls_monitor.link.drivers.polar import (
    PolarDriver,
    decode_delta_frame,
    decode_raw_frame,
    decode_settings,
    encode_settings,
)
from rls_monitor.link.wire import DataBlock, Reply
from tests.link.drivers.conftest import ScriptedLink

STAMP = "00 ca 9a 3b 00 00 00 00"  # 1 000 000 000 ns after 2000-01-01, little-endian u64

# reference (100, -200, 1000) as int16; one block: width 3, 2 samples, deltas (1, -1, 2) and
# (-4, 3, 0): 3-bit two's complement 001 111 010 100 011 000, least significant bit first:
# bits 0-7 = 1,0,0,1,1,1,0,1 -> 0xb9; bits 8-15 = 0,0,0,1,1,1,0,0 -> 0x38; bits 16-17 -> 0x00
GOLDEN_DELTA = bytes.fromhex("02" + STAMP + "81" + " 64 00 38 ff e8 03" + " 03 02 b9 38 00")
GOLDEN_SAMPLES = [[100, -200, 1000], [101, -201, 1002], [97, -198, 1002]]

# raw type 1: int16 x, y, z: (1, -1, 1000) and (-32768, 32767, 0)
GOLDEN_RAW = bytes.fromhex("02" + STAMP + "01" + " 01 00 ff ff e8 03 00 80 ff 7f 00 00")


def started(factor: float = 0.5, rate_hz: int = 52) -> PolarDriver:
    d = PolarDriver(rate_hz)
    d.factor = factor
    return d


def test_golden_delta_frame() -> None:
    assert decode_delta_frame(GOLDEN_DELTA[10:]).tolist() == GOLDEN_SAMPLES
    (block,) = started().decode(GOLDEN_DELTA)
    assert isinstance(block, DataBlock)
    assert block.samples.tolist() == GOLDEN_SAMPLES
    # the stamp is of the last sample: the first is two periods of 1/52 s earlier
    assert block.tick == round(1e9 - 2e9 / 52) == 961_538_462
    assert block.seq == 50  # round(0.9615 s * 52 Hz)


def test_golden_raw_frame() -> None:
    assert decode_raw_frame(GOLDEN_RAW[10:], 1).tolist() == [[1, -1, 1000], [-32768, 32767, 0]]
    # type 0 (int8) and type 2 (int24, little-endian, sign-extended)
    assert decode_raw_frame(bytes([0xFF, 0x01, 0x80]), 0).tolist() == [[-1, 1, -128]]
    assert decode_raw_frame(bytes.fromhex("ffffff 010000 00ff7f"), 2).tolist() == [
        [-1, 1, 0x7FFF00]
    ]


def test_factor_gives_lsb_and_samples_stay_counts() -> None:
    d = PolarDriver()
    link = ScriptedLink(polar_answer(factor=0.5), d.decode)
    info = asyncio.run(d.connect(link))
    assert info.lsb_g == 0.0005  # factor 0.5 mG per count
    (block,) = d.decode(GOLDEN_DELTA)
    assert isinstance(block, DataBlock)
    assert (block.samples * info.lsb_g).tolist()[0] == [0.05, -0.1, 0.5]  # g


def test_settings_golden() -> None:
    offered = bytes.fromhex("00 02 34 00 68 00  01 01 10 00  02 03 02 00 04 00 08 00")
    assert decode_settings(offered) == {0: [52, 104], 1: [16], 2: [2, 4, 8]}
    assert decode_settings(bytes.fromhex("05 01 00 00 00 3f")) == {5: [0.5]}
    assert encode_settings({0: 52, 1: 16, 2: 8}) == bytes.fromhex(
        "00 01 34 00 01 01 10 00 02 01 08 00"
    )
    with pytest.raises(FrameError):
        decode_settings(bytes.fromhex("09 01 00 00"))


def polar_answer(factor: float = 1.0) -> object:
    import struct

    def answer(cmd: bytes) -> bytes:
        op = cmd[0]
        if op == 1:
            params = bytes.fromhex("00 03 1a 00 34 00 68 00  01 01 10 00  02 03 02 00 04 00 08 00")
        elif op == 2:
            params = bytes([5, 1]) + struct.pack("<f", factor)
        else:
            params = b""
        return bytes([0xF0, op, 2, 0, 0]) + params

    return answer


def test_connect_reads_settings_starts_and_stops() -> None:
    d = PolarDriver(50, range_g=8)
    link = ScriptedLink(
        polar_answer(), d.decode, {"00002a24-0000-1000-8000-00805f9b34fb": b"Polar Sense"}
    )
    info = asyncio.run(d.connect(link))
    assert link.sent[0] == bytes([1, 2])
    # the offered rate nearest 50 Hz is 52; 16 bits; 8 g
    assert link.sent[1] == bytes([2, 2]) + bytes.fromhex("00 01 34 00 01 01 10 00 02 01 08 00")
    assert (info.fs_hz, info.tick_hz, info.model) == (52.0, 1e9, "Polar Sense")
    asyncio.run(d.stop(link))
    assert link.sent[-1] == bytes([3, 2])


def test_answer_in_parts_is_reassembled() -> None:
    d = PolarDriver()
    assert d.decode(bytes([0xF0, 1, 2, 0, 1, 0, 1])) == []
    (reply,) = d.decode(bytes([0xF0, 1, 2, 0, 0, 0x34, 0]))
    assert reply == Reply(1, True, 0, bytes([0, 1, 0x34, 0]), 0)


def test_period_follows_the_stamps() -> None:
    d = started()
    (a,) = d.decode(GOLDEN_DELTA)
    later = bytearray(GOLDEN_DELTA)
    later[1:9] = (1_000_000_000 + 3 * 19_230_769).to_bytes(8, "little")
    (b,) = d.decode(bytes(later))
    assert isinstance(a, DataBlock) and isinstance(b, DataBlock)
    assert b.seq == a.seq + 3


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"", "Truncated"),
        (GOLDEN_DELTA[:9], "Truncated"),
        (b"\x05" + GOLDEN_DELTA[1:], "UnknownType"),  # a PPG frame: not ours
        (GOLDEN_DELTA[:9] + b"\x85" + GOLDEN_DELTA[10:], "UnknownType"),
        (GOLDEN_RAW[:9] + b"\x07" + GOLDEN_RAW[10:], "UnknownType"),
        (GOLDEN_RAW[:-1], "BadLength"),
        (GOLDEN_DELTA[:-1], "Truncated"),
        (GOLDEN_DELTA[:16] + b"\x28\x02" + GOLDEN_DELTA[18:], "BadDeltaWidth"),  # 40 bits
        (GOLDEN_DELTA[:16] + b"\x00\x02" + GOLDEN_DELTA[18:], "BadDeltaWidth"),
        (bytes([0xF0, 1]), "Truncated"),
        (GOLDEN_DELTA[:10] + bytes.fromhex("ff 7f 00 00 00 00 02 01 01"), "BadValue"),
    ],
)
def test_refused_frames(frame: bytes, kind: str) -> None:
    with pytest.raises(FrameError) as info:
        started().decode(frame)
    assert info.value.kind == kind


def test_every_truncation_is_refused_or_a_prefix() -> None:
    for n in range(len(GOLDEN_DELTA)):
        try:
            items = started().decode(GOLDEN_DELTA[:n])
        except FrameError:
            continue
        (block,) = items
        assert isinstance(block, DataBlock)
        assert block.samples.tolist() == GOLDEN_SAMPLES[: len(block.samples)]


@st.composite
def delta_frames(draw: st.DrawFn) -> tuple[bytes, np.ndarray]:
    """A valid delta frame of random blocks, and the samples it encodes."""
    ref = draw(st.lists(st.integers(-2000, 2000), min_size=3, max_size=3))
    out = bytearray(np.array(ref, dtype="<i2").tobytes())
    samples = [ref]
    for _ in range(draw(st.integers(0, 4))):
        width = draw(st.integers(1, 12))
        count = draw(st.integers(0, 6))
        lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        deltas = draw(st.lists(st.integers(lo, hi), min_size=3 * count, max_size=3 * count))
        bits = []
        for v in deltas:
            bits += [(v >> k) & 1 for k in range(width)]
        packed = np.packbits(np.array(bits, dtype=np.uint8), bitorder="little").tobytes()
        out += bytes([width, count]) + packed
        for i in range(count):
            prev = samples[-1]
            samples.append([prev[c] + deltas[3 * i + c] for c in range(3)])
    return bytes(out), np.array(samples)


@settings(max_examples=200, deadline=None)
@given(delta_frames())
def test_delta_frames_decode_exactly(case: tuple[bytes, np.ndarray]) -> None:
    content, samples = case
    assert np.array_equal(decode_delta_frame(content), samples)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=250), st.sampled_from([0x00, 0x01, 0x02, 0x81, 0x80, 0x7F]))
def test_fuzzed_frames_decode_or_are_refused(tail: bytes, frame_type: int) -> None:
    frame = bytes.fromhex("02" + STAMP) + bytes([frame_type]) + tail
    try:
        items = started().decode(frame)
    except FrameError as exc:
        assert exc.kind
        return
    (block,) = items
    assert isinstance(block, DataBlock) and block.samples.shape[1] == 3


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120))
def test_any_bytes_decode_or_are_refused(data: bytes) -> None:
    try:
        started().decode(data)
    except FrameError as exc:
        assert exc.kind


def test_bad_options() -> None:
    with pytest.raises(ConfigError, match="rate_hz"):
        PolarDriver(0)
