"""Our protocol over the Nordic UART Service: frames split across notifications, commands cut
to the MTU, a broken frame counted without losing the next."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_host import protocol
from rls_monitor.errors import FrameError
from rls_monitor.link.drivers.nus import NusDriver
from rls_monitor.link.wire import DataBlock


def data_frame(seq: int) -> bytes:
    samples = np.arange(30, dtype=np.int16).reshape(10, 3) + seq
    return bytes(
        protocol.encode_data(seq, 1000 * seq, protocol.SampleFormat(50.0, 8.0, 16), samples)
    )


def stream(frames: list[bytes]) -> bytes:
    return b"".join(protocol.cobs_encode(f) + b"\x00" for f in frames)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=30))
def test_frames_survive_any_cut_into_notifications(cuts: list[int]) -> None:
    frames = [data_frame(seq) for seq in range(4)]
    data = stream(frames)
    driver = NusDriver()
    items = []
    i = 0
    for size in cuts * 50:
        if i >= len(data):
            break
        items += driver.decode(data[i : i + size])
        i += size
    items += driver.decode(data[i:])
    assert [b.seq for b in items if isinstance(b, DataBlock)] == [0, 1, 2, 3]


def test_broken_frame_is_counted_and_the_next_kept() -> None:
    good = data_frame(7)
    broken = bytearray(data_frame(8))
    broken[-1] ^= 0xFF  # CRC fails
    items = NusDriver().decode(stream([bytes(broken), good]) + b"\x05\x00\x00")
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["FrameError", "DataBlock", "FrameError"]
    assert isinstance(items[0], FrameError) and items[0].kind == "BadCRC"
    assert isinstance(items[2], FrameError) and items[2].kind == "BadCOBS"


def test_commands_are_cobs_framed_and_cut_to_the_mtu() -> None:
    driver = NusDriver()
    command = bytes(protocol.cmd_start_stream(3, 12345))
    writes = driver.outgoing(command, 5)
    assert all(len(w) <= 5 for w in writes)
    assert protocol.CobsDecoder().feed(b"".join(writes)) == [command]


def test_reset_starts_a_new_stream() -> None:
    driver = NusDriver()
    data = stream([data_frame(1)])
    assert driver.decode(data[:10]) == []
    driver.reset()
    assert [type(i).__name__ for i in driver.decode(data)] == ["DataBlock"]
