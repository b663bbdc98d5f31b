"""Shared pieces of the recording tests: a fast session configuration, simulated sources, a band on simulated air."""

from __future__ import annotations

import math
import struct
from typing import Any

from firmware_host.band import SimulatedBand
from firmware_host.ble_air import SimAir
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.transports import LinkConfig
from rls_monitor.link.transports.simulated import BandDriver, SimulatedBandPeripheral
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.simulation import simulated_sources

FAST = SessionConfig(
    link=LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.5, scan_timeout_s=2.0),
    rescore_interval_s=0.5,
    housekeeping_interval_s=0.25,
    max_sync_rtt_s=60.0,
)


DURATION_S = 900.0


def source(seed: int = 5, duration_s: float = DURATION_S) -> tuple[Any, float, float]:
    return simulated_sources(None, duration_s=duration_s, bilateral=False, seed=seed)["left"]


def clean_score(counts: Any, lsb_g: float, fs_hz: float) -> dict[str, Any]:
    return score(Recording.from_counts(counts, lsb_g, fs_hz, side="left")).to_dict()


def air_with_band(
    counts: Any, lsb_g: float, fs_hz: float, device_id: str, address: str
) -> tuple[SimAir, BandDriver]:
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id=device_id)
    driver = BandDriver(band, speed=math.inf)
    air = SimAir()
    air.add(SimulatedBandPeripheral(driver, address=address))
    return air, driver


class BadFramePeripheral(SimulatedBandPeripheral):
    """The band's peripheral with a bad frame of each kind slipped in after every 40th DATA frame:
    another protocol version, a bad length, a bad CRC, an unknown type, and a well-formed DATA
    frame whose sequence number jumps absurdly far ahead."""

    KINDS = ("BadVersion", "BadLength", "BadCRC", "UnknownType", "absurd jump")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_frames = 0
        self.injected: dict[str, int] = dict.fromkeys(self.KINDS, 0)

    def _bad(self, frame: bytes) -> bytes:
        p = self.protocol

        def reseal(body: bytes) -> bytes:
            return body + struct.pack("<H", p.crc16(body))

        kind = self.KINDS[sum(self.injected.values()) % len(self.KINDS)]
        self.injected[kind] += 1
        body = frame[:-2]
        if kind == "BadVersion":
            return reseal(bytes([(2 << 4) | p.DATA]) + body[1:])
        if kind == "BadLength":
            return reseal(body[:-6])  # one sample short of what its header says
        if kind == "BadCRC":
            return body + bytes([frame[-2] ^ 0xFF, frame[-1]])
        if kind == "UnknownType":
            return reseal(bytes([(p.PROTOCOL_VERSION << 4) | 0xE]) + body[1:])
        data = p.decode_frame(frame)
        return bytes(p.encode_data(data.seq + (1 << 24), data.tick, data.format, data.samples))

    def _send(self, frame: bytes) -> None:
        super()._send(frame)
        if frame[0] == (self.protocol.PROTOCOL_VERSION << 4) | self.protocol.DATA:
            self.data_frames += 1
            if self.data_frames % 40 == 0:
                super()._send(self._bad(frame))
