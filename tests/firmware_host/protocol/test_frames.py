"""Frames (firmware_host.protocol.frames): golden vectors, round trips, malformed frames, fuzzing."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol as p
from firmware_host.protocol.framing import (
    cobs_decode,
    cobs_encode,
)
from tests.firmware_host.protocol.vectors import (
    DATA_RAW,
    FMT,
    GOLDEN,
    formats,
    reseal,
    u32,
)


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
    reason=st.sampled_from(list(p.EndReason)),
    cmd_id=st.integers(0, 0xFFFF),
    a=u32,
    b=u32,
)
def test_end_round_trip(seq: int, reason: p.EndReason, cmd_id: int, a: int, b: int) -> None:
    raw = p.encode_end(seq, reason, cmd_id=cmd_id, first_seq=a, stop_seq=b)
    assert p.decode_frame(raw) == p.EndFrame(p.END, 0, seq, reason, cmd_id, a, b)


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
