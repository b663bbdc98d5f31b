"""Movesense GSP frames: golden notifications decoded by hand, the connect sequence, fuzz."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.errors import ConfigError, ConnectError, FrameError
from rls_monitor.link.drivers.base import SERIAL_NUMBER_UUID
from rls_monitor.link.drivers.movesense import MovesenseDriver
from rls_monitor.link.wire import DataBlock, Reply
from tests.link.drivers.conftest import ScriptedLink

# data of reference 5: t = 1000 ms (e8 03 00 00), samples (0, 0, +1 g) and (0, -0.5 g, +1 g):
# 9.80665 m/s^2 is the float32 0x411ce80a, -4.903325 is 0xc09ce80a
GOLDEN_DATA = bytes.fromhex(
    "02 05 e8 03 00 00 00 00 00 00 00 00 00 00 0a e8 1c 41 00 00 00 00 0a e8 9c c0 0a e8 1c 41"
)


def driver_subscribed(ref: int = 5) -> MovesenseDriver:
    d = MovesenseDriver(52)
    d._data_ref = ref  # as connect() leaves it
    return d


def test_golden_data_notification() -> None:
    (block,) = driver_subscribed().decode(GOLDEN_DATA)
    assert isinstance(block, DataBlock)
    assert block.tick == 1000
    assert block.seq == 52  # 1.000 s at 52 Hz
    assert block.samples.tolist() == [[0, 0, 4096], [0, -2048, 4096]]  # 1/4096 g counts


def test_golden_command_result() -> None:
    (reply,) = MovesenseDriver().decode(bytes.fromhex("01 07 c8 00"))  # 200 for ref 7
    assert reply == Reply(7, True, 200, b"", 0)
    (reply,) = MovesenseDriver().decode(bytes.fromhex("01 07 f4 01"))  # 500
    assert not reply.ok and reply.result == 500


def test_millisecond_counter_wraps() -> None:
    d = driver_subscribed()
    late = bytearray(GOLDEN_DATA)
    late[2:6] = (2**32 - 20).to_bytes(4, "little")
    (a,) = d.decode(bytes(late))
    early = bytearray(GOLDEN_DATA)
    early[2:6] = (19).to_bytes(4, "little")  # 39 ms later, past the wrap
    (b,) = d.decode(bytes(early))
    assert isinstance(a, DataBlock) and isinstance(b, DataBlock)
    assert b.tick - a.tick == 39
    assert b.seq == a.seq + 2


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"\x02", "Truncated"),
        (b"\x01\x05\xc8", "Truncated"),
        (b"\x07\x05\x00\x00", "UnknownType"),
        (GOLDEN_DATA[:-1], "BadLength"),
        (GOLDEN_DATA[:6], "BadLength"),
        (b"\x02\x09" + GOLDEN_DATA[2:], "UnknownRef"),
        (GOLDEN_DATA[:6] + bytes.fromhex("0000c07f 00000000 00000000"), "BadValue"),  # NaN
    ],
)
def test_refused_frames(frame: bytes, kind: str) -> None:
    with pytest.raises(FrameError) as info:
        driver_subscribed().decode(frame)
    assert info.value.kind == kind


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_fuzzed_notifications_decode_or_are_refused(data: bytes) -> None:
    try:
        items = driver_subscribed().decode(data)
    except FrameError as exc:
        assert exc.kind
        return
    assert len(items) == 1


def test_connect_says_hello_then_subscribes() -> None:
    d = MovesenseDriver(104)

    def answer(cmd: bytes) -> bytes:
        return bytes([1, cmd[1], 200, 0])

    link = ScriptedLink(answer, d.decode, {SERIAL_NUMBER_UUID: b"223430000123"})
    info = asyncio.run(d.connect(link))
    assert link.sent[0] == b"\x00\x01"
    assert link.sent[1] == b"\x01\x02/Meas/Acc/104"
    assert (info.device_id, info.fs_hz, info.tick_hz, info.frame_samples) == (
        "movesense-223430000123",
        104.0,
        1000.0,
        1,
    )
    asyncio.run(d.stop(link))
    assert link.sent[-1] == b"\x02\x02"  # unsubscribe the data reference


def test_connect_refused_subscription() -> None:
    d = MovesenseDriver()

    def answer(cmd: bytes) -> bytes:  # 404 to SUBSCRIBE, 200 to HELLO
        return bytes([1, cmd[1]]) + (404 if cmd[0] == 1 else 200).to_bytes(2, "little")

    link = ScriptedLink(answer, d.decode)
    with pytest.raises(ConnectError, match="SUBSCRIBE .*404"):
        asyncio.run(d.connect(link))


def test_rate_is_checked() -> None:
    with pytest.raises(ConfigError, match="13"):
        MovesenseDriver(50)


def test_counts_round_trip_float32() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(-8 * 4096, 8 * 4096, size=(19, 3))
    ms2 = (counts / 4096.0 * 9.80665).astype("<f4")
    frame = bytes([2, 5]) + (0).to_bytes(4, "little") + ms2.tobytes()
    (block,) = driver_subscribed().decode(frame)
    assert isinstance(block, DataBlock)
    assert np.array_equal(block.samples, np.clip(counts, -32768, 32767))
