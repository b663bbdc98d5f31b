"""The simulated Movesense sensor's side of GSP: its answers and data frames, by hand."""

from __future__ import annotations

import asyncio
import struct

import numpy as np

from firmware_host.devices.movesense import NOTIFY_UUID, MovesensePeripheral
from firmware_host.devices.sensor import SensorNight


class Recorder:
    """A central's end of the connection: keeps what the peripheral notifies."""

    mtu = 247

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def notify(self, uuid: str, data: bytes) -> bool:
        self.sent.append((uuid, data))
        return True

    def drop(self) -> None:
        return None


def sensor() -> tuple[MovesensePeripheral, Recorder]:
    counts = np.array([[0, 0, 1024], [0, -512, 1024]] * 8, dtype=np.int16)
    night = SensorNight(counts, lsb_g=1 / 1024, fs_hz=52.0)
    peripheral = MovesensePeripheral(night, clock_start_ms=1000)
    central = Recorder()
    peripheral.connection = central
    peripheral.on_subscribe(NOTIFY_UUID, True)
    return peripheral, central


def test_hello_subscribe_and_unknown_path() -> None:
    peripheral, central = sensor()
    asyncio.run(peripheral.on_write("", bytes([0, 3])))
    asyncio.run(peripheral.on_write("", bytes([1, 4]) + b"/Meas/Acc/104"))
    asyncio.run(peripheral.on_write("", bytes([1, 5]) + b"/Meas/Acc/52"))
    assert [d for _, d in central.sent] == [
        bytes.fromhex("01 03 c8 00"),  # 200
        bytes.fromhex("01 04 94 01"),  # 404: not the rate it streams
        bytes.fromhex("01 05 c8 00"),
    ]
    assert peripheral.streaming and peripheral.data_ref == 5


def test_data_frame_is_timestamp_then_float32_m_per_s2() -> None:
    peripheral, _ = sensor()
    peripheral.data_ref = 5
    counts = np.array([[0, 0, 1024], [0, -512, 1024]], dtype=np.int16)
    frame = peripheral.encode_block(52, counts)  # 1 s after the night's start
    assert frame[:6] == bytes.fromhex("02 05") + struct.pack("<I", 2000)
    assert frame[6:] == bytes.fromhex("00000000 00000000 0ae81c41 00000000 0ae89cc0 0ae81c41")


def test_one_notification_fits_the_mtu() -> None:
    peripheral, _ = sensor()
    assert peripheral.block_samples_for(247) == 8
    assert peripheral.block_samples_for(23) == 1
