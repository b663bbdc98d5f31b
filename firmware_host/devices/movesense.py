"""A simulated Movesense sensor running the GATT sensor-data app (GSP).

Service ``34802252-7185-4d5d-b431-630e7050e8f0``: commands written to ``34800001-...``
(``[command, reference, payload]``: 0 HELLO, 1 SUBSCRIBE with an ASCII path, 2 UNSUBSCRIBE),
notifications on ``34800002-...`` (``[1, reference, u16 status]`` for a command's result,
``[2, reference, u32 ms of the first sample, float32 x, y, z m/s^2 per sample]`` for data).
Only ``/Meas/Acc/{rate}`` at the night's rate is offered; a subscription ends with the
connection, as on the real sensor.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from numpy.typing import NDArray

from firmware_host.ble_air import SimCharacteristic
from firmware_host.devices.sensor import SensorNight, SensorPeripheral

__all__ = ["SERVICE_UUID", "MovesensePeripheral"]

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"
STANDARD_GRAVITY_MS2 = 9.80665
#: Bytes of a data notification before its samples, and per sample.
HEADER_BYTES = 6
SAMPLE_BYTES = 12


class MovesensePeripheral(SensorPeripheral):
    """A Movesense sensor in the simulated air.

    Parameters
    ----------
    night : SensorNight
        What its accelerometer measures (its ``fs_hz`` is the subscribable rate).
    address : str
        Its address.
    serial : str
        Its serial number (the DIS serial characteristic).
    clock_start_ms : int
        Its millisecond counter at the night's start (the counter wraps at 2**32).
    **kwargs
        Passed to :class:`SensorPeripheral`.
    """

    service_uuid = SERVICE_UUID
    data_uuid = NOTIFY_UUID

    def __init__(
        self,
        night: SensorNight,
        *,
        address: str = "0C:8C:DC:00:00:01",
        serial: str = "223430000101",
        clock_start_ms: int = 123_456,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("name", f"Movesense {serial}")
        kwargs.setdefault("model", "Movesense MD")
        kwargs.setdefault("firmware", "2.2.1")
        super().__init__(night, address=address, serial=serial, **kwargs)
        self.clock_start_ms = clock_start_ms
        self.data_ref: int | None = None
        self.commands: list[bytes] = []

    def own_characteristics(self) -> list[SimCharacteristic]:
        return [
            SimCharacteristic(WRITE_UUID, ("write",)),
            SimCharacteristic(NOTIFY_UUID, ("notify",)),
        ]

    def _result(self, ref: int, status: int) -> None:
        self.notify(NOTIFY_UUID, struct.pack("<BBH", 1, ref, status))

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        self.commands.append(data)
        if len(data) < 2:
            return
        command, ref = data[0], data[1]
        if command == 0:
            self._result(ref, 200)
        elif command == 1:
            path = data[2:].decode("ascii", errors="replace")
            if path != f"/Meas/Acc/{round(self.night.fs_hz)}":
                self._result(ref, 404)
                return
            self.data_ref = ref
            self.streaming = True
            self._result(ref, 200)
        elif command == 2:
            self.streaming = self.streaming and ref != self.data_ref
            self._result(ref, 200)
        else:
            self._result(ref, 400)

    def block_samples_for(self, mtu: int) -> int:
        """Samples per notification that fit the ATT MTU (at most 8, as the sensor sends)."""
        return max(1, min(8, (mtu - 3 - HEADER_BYTES) // SAMPLE_BYTES))

    async def on_connect(self, connection: Any) -> int:
        mtu = await super().on_connect(connection)
        self.night.block_samples = self.block_samples_for(mtu)
        return mtu

    def encode_block(self, first_index: int, counts: NDArray[np.int16]) -> bytes:
        ms = (self.clock_start_ms + round(first_index * 1000.0 / self.night.fs_hz)) % 2**32
        ms2 = (counts.astype(np.float64) * self.night.lsb_g * STANDARD_GRAVITY_MS2).astype("<f4")
        return struct.pack("<BBI", 2, self.data_ref or 0, ms) + ms2.tobytes()
