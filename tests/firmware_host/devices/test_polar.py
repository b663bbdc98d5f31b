"""The simulated Polar Verity Sense's side of PMD: settings, start, stop, delta frames."""

from __future__ import annotations

import asyncio
import struct

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host.devices.polar import CONTROL_UUID, DATA_UUID, PolarPeripheral, encode_delta_frame
from firmware_host.devices.sensor import SensorNight
from tests.firmware_host.devices.test_movesense import Recorder


def polar() -> tuple[PolarPeripheral, Recorder]:
    night = SensorNight(np.zeros((100, 3), np.int16), lsb_g=1 / 1024, fs_hz=52.0)
    peripheral = PolarPeripheral(night, epoch_unix_s=946_684_800 + 1.0)
    central = Recorder()
    peripheral.connection = central
    peripheral.on_subscribe(CONTROL_UUID, True)
    peripheral.on_subscribe(DATA_UUID, True)
    return peripheral, central


def test_settings_start_and_stop_answers() -> None:
    peripheral, central = polar()
    asyncio.run(peripheral.on_write(CONTROL_UUID, bytes([1, 2])))
    start = bytes([2, 2]) + bytes.fromhex("00 01 34 00 01 01 10 00 02 01 08 00")
    asyncio.run(peripheral.on_write(CONTROL_UUID, start))
    asyncio.run(peripheral.on_write(CONTROL_UUID, bytes([3, 2])))
    answers = [d for _, d in central.sent]
    assert answers[0] == bytes.fromhex(
        "f0 01 02 00 00  00 03 1a 00 34 00 68 00  01 01 10 00  02 03 02 00 04 00 08 00"
    )
    # start: success and the factor, 1000/1024 mG per count (float32 0.9765625 = 0x3f7a0000)
    assert answers[1] == bytes.fromhex("f0 02 02 00 00 05 01 00 00 7a 3f")
    assert answers[2] == bytes.fromhex("f0 03 02 00 00") and not peripheral.streaming


def test_wrong_measurement_type_is_refused() -> None:
    peripheral, central = polar()
    asyncio.run(peripheral.on_write(CONTROL_UUID, bytes([2, 5])))
    assert central.sent[-1][1] == bytes.fromhex("f0 02 02 02 00")


def test_delta_frame_golden() -> None:
    counts = np.array([[100, -200, 1000], [101, -201, 1002], [97, -198, 1002]], np.int16)
    assert encode_delta_frame(counts) == bytes.fromhex("64 00 38 ff e8 03 03 02 b9 38 00")


def test_frame_stamp_is_the_last_samples_ns_since_2000() -> None:
    peripheral, _ = polar()
    frame = peripheral.encode_block(0, np.zeros((3, 3), np.int16))
    (stamp,) = struct.unpack_from("<Q", frame, 1)
    assert frame[0] == 2 and frame[9] == 0x81
    assert stamp == 1_000_000_000 + round(2e9 / 52)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(st.integers(-32768, 32767), min_size=3, max_size=3), min_size=1, max_size=40)
)
def test_delta_frames_hold_any_int16_samples(rows: list[list[int]]) -> None:
    """What the device packs, bit by bit (width, count, least significant bit first)."""
    counts = np.array(rows, dtype=np.int16)
    content = encode_delta_frame(counts)
    assert np.array_equal(np.frombuffer(content[:6], "<i2"), counts[0])
    i, last, n = 6, counts[0].astype(np.int64), 1
    while i < len(content):
        width, count = content[i], content[i + 1]
        n_bytes = -(-width * count * 3 // 8)
        bits = np.unpackbits(
            np.frombuffer(content[i + 2 : i + 2 + n_bytes], np.uint8), bitorder="little"
        )
        values = bits[: width * count * 3].reshape(-1, width) @ (1 << np.arange(width))
        values = np.where(values >= 1 << (width - 1), values - (1 << width), values).reshape(-1, 3)
        for delta in values:
            last = last + delta
            assert np.array_equal(last, counts[n])
            n += 1
        i += 2 + n_bytes
    assert n == len(counts)
