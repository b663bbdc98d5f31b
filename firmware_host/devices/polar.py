"""A simulated Polar Verity Sense on its Polar Measurement Data (PMD) service.

Service ``FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8``: the control point ``FB005C81-...`` takes
``[op, measurement type, parameters]`` (1 get settings, 2 start, 3 stop) and answers by
indication ``[0xF0, op, type, status, more, parameters]``; ACC (type 2) data comes on
``FB005C82-...`` as delta-compressed frames of type 1: ``[2, u64 ns since 2000-01-01 of the last
sample, 0x81, reference x y z int16, blocks [bit width, count, deltas packed least significant
bit first]]``. Its samples are the night's counts; the factor it reports on start (float32 milli-g
per count) turns them into milli-g.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firmware_host.ble_air import SimCharacteristic
from firmware_host.devices.sensor import SensorNight, SensorPeripheral

__all__ = ["SERVICE_UUID", "PolarPeripheral", "encode_delta_frame"]

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"
EPOCH_2000_UNIX_S = 946_684_800
ACC = 2
#: Samples a delta block holds at most (the sensor splits longer runs).
BLOCK_SAMPLES = 16


def _width(deltas: NDArray[np.int64]) -> int:
    """Bits of the narrowest two's complement that holds every delta."""
    lo, hi = int(deltas.min()), int(deltas.max())
    width = 1
    while not (-(1 << (width - 1)) <= lo and hi <= (1 << (width - 1)) - 1):
        width += 1
    return width


def encode_delta_frame(counts: NDArray[np.int16]) -> bytes:
    """The content of a delta-compressed ACC frame (16-bit resolution) for ``counts``."""
    samples = counts.astype(np.int64)
    out = bytearray(counts[0].astype("<i2").tobytes())
    deltas = np.diff(samples, axis=0)
    for start in range(0, len(deltas), BLOCK_SAMPLES):
        block = deltas[start : start + BLOCK_SAMPLES]
        width = _width(block)
        bits = ((block.reshape(-1, 1) >> np.arange(width)) & 1).astype(np.uint8).ravel()
        out += bytes([width, len(block)]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


class PolarPeripheral(SensorPeripheral):
    """A Polar Verity Sense in the simulated air.

    Parameters
    ----------
    night : SensorNight
        What its accelerometer measures; ``fs_hz`` is the one rate it offers besides 26 and 104.
    epoch_unix_s : float
        True UTC of the night's start, Unix seconds (its clock's time stamps follow it).
    factor : float
        Milli-g per count it reports on start (``night.lsb_g * 1000``: its counts are the
        night's).
    **kwargs
        Passed to :class:`SensorPeripheral`.
    """

    service_uuid = SERVICE_UUID
    data_uuid = DATA_UUID

    def __init__(
        self,
        night: SensorNight,
        *,
        epoch_unix_s: float,
        address: str = "A0:9E:1A:00:00:01",
        serial: str = "B5A73F2D",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", f"Polar Sense {serial}")
        kwargs.setdefault("model", "Polar Sense")
        kwargs.setdefault("firmware", "2.1.8")
        super().__init__(night, address=address, serial=serial, **kwargs)
        self.epoch_ns = round((epoch_unix_s - EPOCH_2000_UNIX_S) * 1e9)
        self.factor = float(np.float32(night.lsb_g * 1000.0))
        self.commands: list[bytes] = []
        self.rates_hz = sorted({26, round(night.fs_hz), 104})

    def own_characteristics(self) -> list[SimCharacteristic]:
        return [
            SimCharacteristic(CONTROL_UUID, ("write", "indicate", "read")),
            SimCharacteristic(DATA_UUID, ("notify",)),
        ]

    def _answer(self, op: int, status: int, params: bytes = b"") -> None:
        self.notify(CONTROL_UUID, bytes([0xF0, op, ACC, status, 0]) + params)

    def _settings(self) -> bytes:
        rates = b"".join(struct.pack("<H", r) for r in self.rates_hz)
        return (
            bytes([0, len(self.rates_hz)])
            + rates
            + bytes([1, 1])
            + struct.pack("<H", 16)
            + bytes([2, 3])
            + struct.pack("<HHH", 2, 4, 8)
        )

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        self.commands.append(data)
        if len(data) < 2 or data[1] != ACC:
            self._answer(data[0] if data else 0, 2)  # invalid measurement type
            return
        op = data[0]
        if op == 1:
            self._answer(op, 0, self._settings())
        elif op == 2:
            rate = struct.unpack_from("<H", data, 4)[0] if len(data) >= 6 else 0
            if rate != round(self.night.fs_hz):
                self._answer(op, 3)  # not supported: the simulated night has one rate
                return
            self.streaming = True
            self._answer(op, 0, bytes([5, 1]) + struct.pack("<f", self.factor))
        elif op == 3:
            self.streaming = False
            self._answer(op, 0)
        else:
            self._answer(op, 1)

    async def on_connect(self, connection: Any) -> int:
        mtu = await super().on_connect(connection)
        # a frame's header (10) and reference (6), then blocks of at most 16 samples
        self.night.block_samples = max(2, min(32, (mtu - 3 - 16) // 5))
        return mtu

    def encode_block(self, first_index: int, counts: NDArray[np.int16]) -> bytes:
        last = first_index + len(counts) - 1
        stamp = self.epoch_ns + round(last * 1e9 / self.night.fs_hz)
        return struct.pack("<BQB", ACC, stamp, 0x81) + encode_delta_frame(counts)
