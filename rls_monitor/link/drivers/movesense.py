"""Movesense sensors over the GATT SensorData Protocol (GSP), written from Movesense's
published description of the ``gatt_sensordata_app``.

The sensor runs Movesense's GATT sensor-data firmware app, which offers service
``34802252-7185-4d5d-b431-630e7050e8f0``: the host writes commands to ``34800001-...`` and
receives notifications on ``34800002-...``.

Commands are ``[command, reference, payload...]``: 0 HELLO, 1 SUBSCRIBE (payload: the resource
path in ASCII, here ``/Meas/Acc/{rate}``), 2 UNSUBSCRIBE. Notifications are
``[type, reference, ...]``: type 1 is a command's result (a little-endian u16 HTTP-like status,
200 for success), type 2 is data of the subscription with that reference: a u32 timestamp in
milliseconds of the block's first sample, then float32 x, y, z in m/s^2 per sample.

A subscription ends with every disconnection: :meth:`MovesenseDriver.connect` subscribes again
after each reconnection. The sensor keeps nothing for the host to fetch again, so a gap of the
link is a gap of the night (counted, never filled).
"""

from __future__ import annotations

import struct
from typing import ClassVar

import numpy as np

from rls_monitor.errors import ConfigError, ConnectError
from rls_monitor.link.drivers.base import (
    Capabilities,
    DriverItem,
    DriverLink,
    SampleTimeline,
    VendorDriver,
    frame_error,
)
from rls_monitor.link.transports.ble import GattProfile
from rls_monitor.link.wire import BandInfo, DataBlock, Reply

__all__ = [
    "MOVESENSE_PROFILE",
    "MOVESENSE_RATES_HZ",
    "STANDARD_GRAVITY_MS2",
    "MovesenseDriver",
]

MOVESENSE_PROFILE = GattProfile(
    service_uuid="34802252-7185-4d5d-b431-630e7050e8f0",
    data_uuid="34800002-7185-4d5d-b431-630e7050e8f0",
    control_uuid="34800001-7185-4d5d-b431-630e7050e8f0",
    info_uuid="00002a25-0000-1000-8000-00805f9b34fb",
)
"""The GSP service: notify ``34800002``, write ``34800001``; "info" is the DIS serial number."""

#: Accelerometer rates the sensor offers, Hz.
MOVESENSE_RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)
#: m/s^2 in one g (the sensor reports m/s^2; the host works in g).
STANDARD_GRAVITY_MS2 = 9.80665

CMD_HELLO = 0
CMD_SUBSCRIBE = 1
CMD_UNSUBSCRIBE = 2
NOTE_RESULT = 1
NOTE_DATA = 2
SAMPLE_BYTES = 12
#: Samples whose magnitude is beyond this are not acceleration a leg makes (a corrupt frame).
MAX_ABS_G = 16.0


class MovesenseDriver(VendorDriver):
    """A Movesense sensor's accelerometer, subscribed at ``rate_hz``.

    Parameters
    ----------
    rate_hz : int
        One of :data:`MOVESENSE_RATES_HZ` (default 52 Hz).
    lsb_g : float
        g per count of the stored samples (default 1/4096 g: +-8 g in int16).

    Raises
    ------
    ConfigError
        An unsupported rate.
    """

    family: ClassVar[str] = "movesense"
    name: ClassVar[str] = "movesense-gsp/1"
    capabilities: ClassVar[Capabilities] = Capabilities(
        resend_after_gap=False, on_device_events=False, offline_recording=False, battery=True
    )

    def __init__(self, rate_hz: int = 52, *, lsb_g: float = 1.0 / 4096.0) -> None:
        if rate_hz not in MOVESENSE_RATES_HZ:
            raise ConfigError(
                f"a Movesense accelerometer rate is one of {MOVESENSE_RATES_HZ}; got {rate_hz!r}",
                name="rate_hz",
                value=rate_hz,
                allowed=MOVESENSE_RATES_HZ,
            )
        self.profile = MOVESENSE_PROFILE
        self.rate_hz = int(rate_hz)
        self.lsb_g = float(lsb_g)
        self.timeline = SampleTimeline(self.rate_hz, 1000.0)
        self._ref = 0
        self._data_ref: int | None = None
        self._last_ms: int | None = None

    @property
    def path(self) -> str:
        """The subscribed resource, e.g. ``/Meas/Acc/52``."""
        return f"/Meas/Acc/{self.rate_hz}"

    def _next_ref(self) -> int:
        self._ref = self._ref % 255 + 1
        return self._ref

    def reset(self) -> None:
        self._data_ref = None  # the timeline lasts: a gap is measured from the last block

    def _unwrap_ms(self, ms: int) -> int:
        last = self._last_ms
        if last is not None:
            ms += round((last - ms) / 2**32) * 2**32
        self._last_ms = ms
        return ms

    async def connect(self, link: DriverLink) -> BandInfo:
        """HELLO, then SUBSCRIBE to ``/Meas/Acc/{rate}``; the sensor streams from then on."""
        serial, model, firmware = await self.read_identity(link, "Movesense")
        ref = self._next_ref()
        reply = await link.request(bytes([CMD_HELLO, ref]), ref)
        if not reply.ok:
            raise ConnectError(f"the Movesense sensor refused HELLO (status {reply.result})")
        ref = self._next_ref()
        self._data_ref = ref  # its data may arrive right behind the answer
        reply = await link.request(bytes([CMD_SUBSCRIBE, ref]) + self.path.encode("ascii"), ref)
        if not reply.ok:
            self._data_ref = None
            raise ConnectError(
                f"the Movesense sensor refused SUBSCRIBE {self.path} (status {reply.result}; "
                "is its GATT sensor-data app installed?)"
            )
        battery = await self.read_battery(link)
        device_id = self.device_id_for(serial)
        return BandInfo(
            device_id=device_id,
            serial=serial,
            firmware=firmware,
            model=model,
            fs_hz=float(self.rate_hz),
            lsb_g=self.lsb_g,
            tick_hz=1000.0,
            frame_samples=1,
            battery_pct=battery,
        )

    async def stop(self, link: DriverLink) -> None:
        """UNSUBSCRIBE the accelerometer."""
        if self._data_ref is not None:
            await link.send(bytes([CMD_UNSUBSCRIBE, self._data_ref]))

    def decode(self, data: bytes) -> list[DriverItem]:
        """A command result becomes a :class:`Reply` (``cmd_id`` the reference), a data
        notification a :class:`DataBlock` of int16 counts.

        Raises
        ------
        FrameError
            ``Truncated``, ``BadLength``, ``UnknownType``, ``UnknownRef`` or ``BadValue``.
        """
        if len(data) < 2:
            raise frame_error("Truncated", f"{len(data)} bytes, a GSP notification has 2 or more")
        kind, ref = data[0], data[1]
        if kind == NOTE_RESULT:
            if len(data) < 4:
                raise frame_error("Truncated", "a command result without its status")
            (status,) = struct.unpack_from("<H", data, 2)
            return [Reply(ref, 200 <= status < 300, status, bytes(data[4:]), 0)]
        if kind != NOTE_DATA:
            raise frame_error("UnknownType", f"GSP notification type {kind}")
        if ref != self._data_ref:
            raise frame_error("UnknownRef", f"data of reference {ref}, not of our subscription")
        body = len(data) - 6
        if body < SAMPLE_BYTES or body % SAMPLE_BYTES:
            raise frame_error("BadLength", f"{len(data)} bytes is not 6 + 12 per sample")
        (ms,) = struct.unpack_from("<I", data, 2)
        ms2 = np.frombuffer(data, dtype="<f4", offset=6).reshape(-1, 3)
        g = ms2.astype(np.float64) / STANDARD_GRAVITY_MS2
        if not np.isfinite(g).all() or np.abs(g).max() > MAX_ABS_G:
            raise frame_error("BadValue", "a sample is not finite or beyond 16 g")
        counts = np.clip(np.rint(g / self.lsb_g), -32768, 32767).astype(np.int16)
        tick = self._unwrap_ms(int(ms))
        index = self.timeline.place(tick, len(counts))
        return [DataBlock(index, tick, counts, 0)]
