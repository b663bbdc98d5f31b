"""Codec tier: golden vectors, round trips, malformed frames, COBS stream decoding."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from firmware_host.protocol.framing import CobsDecodeError, CobsDecoder, cobs_decode, cobs_encode, crc16

FMT = p.SampleFormat(50.0, 8.0, 16)

# The golden vectors of docs/protocol.md (hex of whole frames, CRC included).
GOLDEN = {
    "data": "110005000000e8030000e2010100feff00109bf7",
    "data2": "110104030201d0c0b0a0e202000000000010ffff000100f0863f",
    "status": "12002a00000040e201005703fa004e0c9873",
    "response": "13002a000000010700002a000000000000000260",
    "end": "16002a0000000008000a000000140000004846",
    "event": "14000300000088130000dc05780000c84687",
    "summary": "15000400000000f0000003020c00b4000150b9f4",
    "cmd_start": "18010700000000007062",
    "cmd_resend": "180608000a000000140000009453",
    "cmd_sync": "18040900901066415944060041af",
    "cmd_info": "1807010005ac",
    "cobs_data": "02110205010103e8030104e2010103feff04109bf7",
    "data_delta": "118005000000e8030000e2030100feff00100502e82f14bfbf",
}


def crc16_reference(data: bytes) -> int:
    """Bit-by-bit CRC-16/CCITT-FALSE, independent of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def reseal(body: bytes) -> bytes:
    """A frame body with a fresh, valid CRC (to test checks behind the CRC)."""
    return body + struct.pack("<H", crc16_reference(body))


# ---------------------------------------------------------------------------------------------
# golden vectors
# ---------------------------------------------------------------------------------------------


def test_crc_check_value_and_reference() -> None:
    assert crc16(b"123456789") == 0x29B1
    for hexa in GOLDEN.values():
        raw = bytes.fromhex(hexa)
        if hexa == GOLDEN["cobs_data"]:
            continue
        assert crc16_reference(raw[:-2]) == struct.unpack("<H", raw[-2:])[0]


def test_golden_data_frame() -> None:
    raw = p.encode_data(5, 1000, FMT, np.array([[1, -2, 4096]], np.int16))
    assert raw.hex() == GOLDEN["data"]
    assert len(raw) == 20  # one sample fills a notification at ATT MTU 23
    f = p.decode_frame(bytes.fromhex(GOLDEN["data"]))
    assert isinstance(f, p.DataFrame)
    assert (f.type, f.flags, f.seq, f.tick, f.count) == (p.DATA, 0, 5, 1000, 1)
    assert f.format == FMT and f.format.lsb_g == 2.0**-12
    assert f.samples.tolist() == [[1, -2, 4096]]


def test_golden_data_frame_two_samples_resent() -> None:
    samples = np.array([[0, 0, 4096], [-1, 256, -4096]], np.int16)
    raw = p.encode_data(0x01020304, 0xA0B0C0D0, FMT, samples, flags=p.FLAG_RESENT)
    assert raw.hex() == GOLDEN["data2"]
    f = p.decode_frame(raw)
    assert isinstance(f, p.DataFrame) and f.resent and f.seq == 0x01020304
    assert f.tick == 0xA0B0C0D0
    np.testing.assert_array_equal(f.samples, samples)


def test_golden_delta_frame() -> None:
    samples = np.array([[1, -2, 4096], [3, -2, 4090], [2, 0, 4100]], np.int16)
    raw = p.encode_data(5, 1000, FMT, samples, delta=True)
    assert raw.hex() == GOLDEN["data_delta"]
    assert raw[12 + 6] == 5  # bit width of the differences (2, 0, -6), (-1, 2, 10)
    f = p.decode_frame(raw)
    assert isinstance(f, p.DataFrame) and f.flags == p.FLAG_DELTA and f.count == 3
    np.testing.assert_array_equal(f.samples, samples)


def test_delta_is_only_used_when_smaller() -> None:
    noisy = np.random.default_rng(0).integers(-32768, 32768, (38, 3)).astype(np.int16)
    assert p.decode_frame(p.encode_data(0, 0, FMT, noisy, delta=True)).flags == 0
    quiet = (np.random.default_rng(0).normal(0, 16, (38, 3)) + np.array([0, 0, 4096])).astype(
        np.int16
    )
    raw = p.encode_data(0, 0, FMT, quiet, delta=True)
    assert len(raw) < 0.55 * len(p.encode_data(0, 0, FMT, quiet))  # about 4 mg of noise
    one = p.encode_data(0, 0, FMT, quiet[:1], delta=True)
    assert p.decode_frame(one).flags == 0


@settings(deadline=None)
@given(
    n=st.integers(1, 83),
    step=st.sampled_from([0, 1, 30, 1000, 40000]),
    seed=st.integers(0, 2**31),
)
def test_delta_round_trip(n: int, step: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.integers(-step, step + 1, (n, 3)), axis=0) + rng.integers(-32768, 32768, 3)
    samples = (((walk + 32768) % 65536) - 32768).astype(np.int16)
    np.testing.assert_array_equal(p.delta_decode(p.delta_encode(samples), n), samples)
    f = p.decode_frame(p.encode_data(1, 2, FMT, samples, delta=True))
    assert isinstance(f, p.DataFrame)
    np.testing.assert_array_equal(f.samples, samples)


def test_golden_status_response_end_event_summary() -> None:
    status = p.encode_status(
        42,
        123456,
        battery_pct=87,
        state=p.STATE_STREAMING | p.STATE_RECORDING,
        flash_fill_permille=250,
        temperature_c=31.5,
    )
    assert status.hex() == GOLDEN["status"]
    s = p.decode_frame(status)
    assert isinstance(s, p.StatusFrame)
    assert (s.seq, s.tick, s.battery_pct, s.flash_fill_permille) == (42, 123456, 87, 250)
    assert s.streaming and s.temperature_c == pytest.approx(31.5)

    resp = p.encode_response(42, p.Op.START_STREAM, 7, p.Result.OK, struct.pack("<II", 42, 0))
    assert resp.hex() == GOLDEN["response"]
    r = p.decode_frame(resp)
    assert isinstance(r, p.ResponseFrame) and r.ok and not r.more
    assert (r.opcode, r.cmd_id, r.data) == (p.Op.START_STREAM, 7, struct.pack("<II", 42, 0))

    end = p.encode_end(42, p.EndReason.RESEND_DONE, cmd_id=8, first_seq=10, stop_seq=20)
    assert end.hex() == GOLDEN["end"]
    e = p.decode_frame(end)
    assert e == p.EndFrame(p.END, 0, 42, p.EndReason.RESEND_DONE, 8, 10, 20)

    ev = p.encode_event(3, 5000, 1500, 120, 0, 200)
    assert ev.hex() == GOLDEN["event"]
    assert p.decode_frame(ev) == p.EventFrame(p.EVENT, 0, 3, 5000, 1500, 120, 0, 200)

    sm = p.encode_summary(
        4,
        61440,
        lm_count=3,
        plm_count=2,
        mean_activity_mg=12,
        max_activity_mg=180,
        posture=1,
        still_pct=80,
    )
    assert sm.hex() == GOLDEN["summary"]
    assert p.decode_frame(sm) == p.SummaryFrame(p.SUMMARY, 0, 4, 61440, 3, 2, 12, 180, 1, 80)
    for raw in (status, resp, end, ev, sm):
        assert len(raw) <= 20  # every non-DATA frame fits ATT MTU 23 too


def test_golden_commands() -> None:
    assert p.cmd_start_stream(7, 0).hex() == GOLDEN["cmd_start"]
    assert p.cmd_resend(8, 10, 20).hex() == GOLDEN["cmd_resend"]
    assert p.cmd_sync_time(9, 1764000000.25).hex() == GOLDEN["cmd_sync"]
    assert p.cmd_get_info(1).hex() == GOLDEN["cmd_info"]
    c = p.decode_command(bytes.fromhex(GOLDEN["cmd_sync"]))
    assert c.opcode is p.Op.SYNC_TIME and c.cmd_id == 9
    assert struct.unpack("<q", c.args)[0] == 1764000000250000


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


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------

u32 = st.integers(0, 2**32 - 1)
formats = st.integers(0, 255).map(p.SampleFormat.from_code)


@settings(deadline=None)
@given(
    seq=u32,
    tick=u32,
    fmt=formats,
    flags=st.sampled_from([0, p.FLAG_RESENT, p.FLAG_RESUMED, p.FLAG_RESENT | p.FLAG_RESUMED]),
    n=st.integers(0, p.max_samples_per_frame(None)),
    seed=st.integers(0, 2**31),
)
def test_data_round_trip(
    seq: int, tick: int, fmt: p.SampleFormat, flags: int, n: int, seed: int
) -> None:
    samples = np.random.default_rng(seed).integers(-32768, 32768, (n, 3)).astype(np.int16)
    raw = p.encode_data(seq, tick, fmt, samples, flags=flags)
    assert len(raw) == p.DATA_OVERHEAD + 6 * n <= p.MAX_FRAME_LEN
    f = p.decode_frame(raw)
    assert isinstance(f, p.DataFrame)
    assert (f.seq, f.tick, f.format, f.flags) == (seq, tick, fmt, flags)
    np.testing.assert_array_equal(f.samples, samples)
    assert p.decode_frame(cobs_decode(cobs_encode(raw))) == f


@settings(deadline=None)
@given(
    seq=u32,
    tick=u32,
    battery=st.integers(0, 100),
    state=st.integers(0, 255),
    fill=st.integers(0, 1000),
    temp=st.integers(-4000, 8000),
)
def test_status_round_trip(
    seq: int, tick: int, battery: int, state: int, fill: int, temp: int
) -> None:
    raw = p.encode_status(
        seq,
        tick,
        battery_pct=battery,
        state=state,
        flash_fill_permille=fill,
        temperature_c=temp / 100,
    )
    assert p.decode_frame(raw) == p.StatusFrame(
        p.STATUS, 0, seq, tick, battery, state, fill, temp / 100
    )


@settings(deadline=None)
@given(
    seq=u32,
    op=st.sampled_from(list(p.Op)),
    cmd_id=st.integers(0, 0xFFFF),
    result=st.sampled_from(list(p.Result)),
    data=st.binary(max_size=600),
    max_len=st.integers(13, p.MAX_FRAME_LEN),
)
def test_response_split_round_trip(
    seq: int, op: p.Op, cmd_id: int, result: p.Result, data: bytes, max_len: int
) -> None:
    parts = p.split_response(seq, op, cmd_id, result, data, max_frame_len=max_len)
    assert all(len(part) <= max_len for part in parts)
    asm = p.ResponseAssembler()
    done = [asm.feed(f) for f in map(p.decode_frame, parts) if isinstance(f, p.ResponseFrame)]
    assert done[:-1] == [None] * (len(parts) - 1)
    whole = done[-1]
    assert whole is not None
    assert (whole.opcode, whole.cmd_id, whole.result, whole.data) == (op, cmd_id, result, data)


@settings(deadline=None)
@given(
    seq=u32,
    reason=st.sampled_from(list(p.EndReason)),
    cmd_id=st.integers(0, 0xFFFF),
    a=u32,
    b=u32,
)
def test_end_round_trip(seq: int, reason: p.EndReason, cmd_id: int, a: int, b: int) -> None:
    raw = p.encode_end(seq, reason, cmd_id=cmd_id, first_seq=a, stop_seq=b)
    assert p.decode_frame(raw) == p.EndFrame(p.END, 0, seq, reason, cmd_id, a, b)


@settings(deadline=None)
@given(cmd_id=st.integers(0, 0xFFFF), a=u32, b=u32, unix_s=st.floats(0, 4e9), fmt=formats)
def test_command_round_trips(
    cmd_id: int, a: int, b: int, unix_s: float, fmt: p.SampleFormat
) -> None:
    cases = [
        (p.cmd_start_stream(cmd_id, a), p.Op.START_STREAM, struct.pack("<I", a)),
        (p.cmd_stop_stream(cmd_id), p.Op.STOP_STREAM, b""),
        (p.cmd_set_format(cmd_id, fmt, 20), p.Op.SET_FORMAT, bytes([fmt.code, 20])),
        (p.cmd_get_status(cmd_id), p.Op.GET_STATUS, b""),
        (p.cmd_resend(cmd_id, a, b), p.Op.RESEND, struct.pack("<II", a, b)),
        (p.cmd_get_info(cmd_id), p.Op.GET_INFO, b""),
        (p.cmd_set_mode(cmd_id, p.Mode.EVENTS), p.Op.SET_MODE, b"\x01"),
        (p.cmd_erase(cmd_id), p.Op.ERASE, struct.pack("<I", p.ERASE_MAGIC)),
    ]
    for raw, op, args in cases:
        assert p.decode_command(raw) == p.Command(op, cmd_id, args)
    sync = p.decode_command(p.cmd_sync_time(cmd_id, unix_s))
    assert abs(struct.unpack("<q", sync.args)[0] / 1e6 - unix_s) <= 1e-6


@settings(deadline=None)
@given(
    device_id=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=32),
    fmt=formats,
    n=st.integers(1, 83),
    capacity=u32,
)
def test_info_round_trip(device_id: str, fmt: p.SampleFormat, n: int, capacity: int) -> None:
    info = p.BandInfo(device_id, "RLS band", "SN-1", "1.2.3", fmt, n, p.TICK_HZ, capacity)
    assert p.decode_info(p.encode_info(info)) == info


def test_info_rejects_bad_strings_and_truncation() -> None:
    with pytest.raises(ValueError, match="device_id"):
        p.encode_info(p.BandInfo("", "m", "s", "f", FMT, 1))
    with pytest.raises(ValueError, match="device_id"):
        p.encode_info(p.BandInfo("x" * 33, "m", "s", "f", FMT, 1))
    raw = p.encode_info(p.BandInfo("RLS-0011223344556677", "m", "s", "1.0", FMT, 38))
    with pytest.raises(p.BadLength):
        p.decode_info(raw[:-1])


def test_sample_formats() -> None:
    codes = {p.SampleFormat.from_code(c).code for c in range(256)}
    assert codes == set(range(256))
    for c in range(256):
        lsb = p.SampleFormat.from_code(c).lsb_g
        assert lsb == 2.0 ** round(np.log2(lsb))  # a power of two
    assert p.SampleFormat.from_lsb(50.0, 2.0**-12) == FMT
    assert p.SampleFormat.from_lsb(50.0, 2.0**-8) == p.SampleFormat(50.0, 8.0, 12)
    assert p.SampleFormat.from_lsb(50.0, 2.0**-8, range_g=2.0) == p.SampleFormat(50.0, 2.0, 10)
    with pytest.raises(ValueError, match="lsb_g"):
        p.SampleFormat.from_lsb(50.0, 0.001)
    with pytest.raises(ValueError, match="rate_hz"):
        p.SampleFormat(51.0)


def test_max_samples_per_frame() -> None:
    assert [p.max_samples_per_frame(m) for m in (23, 27, 185, 247, 517, None)] == [
        1,
        1,
        28,
        38,
        83,
        83,
    ]
    for mtu in range(23, 600):
        n = p.max_samples_per_frame(mtu)
        frame = p.encode_data(0, 0, FMT, np.zeros((n, 3), np.int16))
        assert len(frame) <= mtu - 3
        assert len(frame) + 6 > min(mtu - 3, p.MAX_FRAME_LEN)  # one more would not fit
    with pytest.raises(ValueError, match="23"):
        p.max_samples_per_frame(22)


# ---------------------------------------------------------------------------------------------
# malformed frames
# ---------------------------------------------------------------------------------------------

DATA_RAW = bytes.fromhex(GOLDEN["data2"])


@pytest.mark.parametrize(
    ("raw", "error", "attrs"),
    [
        (b"", p.BadLength, {"length": 0, "expected": 8}),
        (DATA_RAW[:7], p.BadLength, {"length": 7}),
        (DATA_RAW[:-1], p.BadCRC, {}),
        (bytes([DATA_RAW[0]]) + bytes([DATA_RAW[1] ^ 1]) + DATA_RAW[2:], p.BadCRC, {}),
        (reseal(bytes([0x21]) + DATA_RAW[1:-2]), p.BadVersion, {"found": 2, "expected": 1}),
        (reseal(bytes([0x17]) + DATA_RAW[1:-2]), p.UnknownType, {"type_code": 7}),
        (reseal(bytes([0x18]) + DATA_RAW[1:-2]), p.UnknownType, {"type_code": 8}),  # a command
        (reseal(DATA_RAW[:-2] + b"\x00"), p.BadLength, {"expected": len(DATA_RAW)}),
        (reseal(DATA_RAW[:-8]), p.BadLength, {"expected": len(DATA_RAW)}),
        (reseal(DATA_RAW[:11] + b"\x03" + DATA_RAW[12:-2]), p.BadLength, {"expected": 32}),
        (reseal(DATA_RAW[:10]), p.BadLength, {"expected": p.DATA_OVERHEAD}),
        (reseal(bytes([0x11, p.FLAG_DELTA]) + DATA_RAW[2:-2]), p.UnsupportedFrame, {"flags": 0x80}),
        (reseal(bytes.fromhex(GOLDEN["data_delta"])[:-3]), p.BadLength, {"expected": 25}),
        (reseal(bytes.fromhex(GOLDEN["data_delta"])[:-2] + b"\x00"), p.BadLength, {"expected": 25}),
        (reseal(bytes.fromhex(GOLDEN["data_delta"])[:14]), p.BadLength, {"expected": 21}),
        (reseal(bytes.fromhex(GOLDEN["status"])[:-3]), p.BadLength, {"expected": 18}),
        (reseal(bytes.fromhex(GOLDEN["end"])[:-1]), p.BadLength, {"expected": 19}),
        (reseal(bytes.fromhex(GOLDEN["response"])[:9]), p.BadLength, {"expected": 12}),
        (reseal(bytes([0x11]) + bytes(511)), p.BadLength, {"expected": 512}),
    ],
)
def test_malformed_frames_raise_the_right_error(
    raw: bytes, error: type, attrs: dict[str, int]
) -> None:
    with pytest.raises(error) as info:
        p.decode_frame(raw)
    exc = info.value
    assert isinstance(exc, p.ProtocolError)
    assert exc.length == len(raw)
    assert exc.kind in {"length", "crc", "version", "type", "unsupported"}
    for name, value in attrs.items():
        assert getattr(exc, name) == value


def test_every_single_bit_flip_is_caught() -> None:
    for i in range(len(DATA_RAW) * 8):
        bad = bytearray(DATA_RAW)
        bad[i // 8] ^= 1 << (i % 8)
        with pytest.raises(p.BadCRC):
            p.decode_frame(bytes(bad))


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"\x18\x01\x07", p.BadLength),
        (bytes.fromhex(GOLDEN["cmd_start"])[:-1] + b"\x00", p.BadCRC),
        (reseal(b"\x28\x01\x07\x00" + bytes(4)), p.BadVersion),
        (reseal(b"\x11\x01\x07\x00" + bytes(4)), p.UnknownType),
        (reseal(b"\x18\x7f\x07\x00"), p.UnknownOpcode),
        (reseal(b"\x18\x01\x07\x00" + bytes(3)), p.BadLength),
        (reseal(b"\x18\x02\x07\x00" + bytes(1)), p.BadLength),
    ],
)
def test_malformed_commands(raw: bytes, error: type) -> None:
    with pytest.raises(error):
        p.decode_command(raw)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_decode_frame_raises_only_protocol_errors(data: bytes) -> None:
    # the resealed forms pass the CRC and test the rest (the last one: delta-compressed DATA)
    for raw in (data, reseal(data), reseal(b"\x11\x80" + data)):
        try:
            frame = p.decode_frame(raw)
        except p.ProtocolError:
            continue
        assert isinstance(frame, p.Frame)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_fuzz_decode_command_raises_only_protocol_errors(data: bytes) -> None:
    for raw in (data, reseal(data), reseal(b"\x18" + data)):
        try:
            cmd = p.decode_command(raw)
        except p.ProtocolError:
            continue
        assert isinstance(cmd.opcode, p.Op)


# ---------------------------------------------------------------------------------------------
# COBS
# ---------------------------------------------------------------------------------------------


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


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(2, 83),
    width=st.integers(0, 20),
    seed=st.integers(0, 2**31),
    extra=st.integers(-1, 1),
)
def test_fuzz_delta_payloads(n: int, width: int, seed: int, extra: int) -> None:
    """Any bits of the right length decode; a wrong length or width raises ProtocolError."""
    size = 7 + (3 * (n - 1) * width + 7) // 8 + extra
    body = bytearray(
        np.random.default_rng(seed).integers(0, 256, max(size, 0), dtype=np.uint8).tobytes()
    )
    if len(body) > 6:
        body[6] = width
    raw = reseal(struct.pack("<BBIIBB", 0x11, p.FLAG_DELTA, 1, 2, FMT.code, n) + bytes(body))
    if 1 <= width <= 16 and extra == 0 and len(raw) <= p.MAX_FRAME_LEN:
        f = p.decode_frame(raw)
        assert isinstance(f, p.DataFrame) and f.samples.shape == (n, 3)
    else:
        with pytest.raises(p.ProtocolError):
            p.decode_frame(raw)
