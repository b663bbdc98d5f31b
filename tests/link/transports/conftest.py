"""Fixtures of the transport tests: a minimal echo peripheral for link-level checks, and a
night recorded from one band until it has sent everything."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from firmware_host.band import SimulatedBand
from firmware_host.ble_air import SimCharacteristic
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.clock import SessionClock
from rls_monitor.link.transports.base import Transport
from rls_monitor.link.transports.ble import GattProfile
from rls_monitor.link.transports.simulated import BandDriver
from rls_monitor.nights.recorder import BandLink, NightRecorder, NightResult, StopSignal
from rls_monitor.storage import Store


async def record_until_band_done(
    store: Store,
    transport: Transport,
    driver: BandDriver,
    band: SimulatedBand,
    config: SessionConfig,
) -> NightResult:
    """Record the band's whole flash (from its oldest frame) and stop once every frame is in."""
    recorder = NightRecorder(
        store,
        [BandLink(transport, side="left", device_id=band.device_id)],
        config=config,
        clock=SessionClock(driver.now_unix_s),
        start="oldest",
    )
    stop = StopSignal()

    async def stop_when_done() -> None:
        session = recorder.sessions[0]
        while not (driver.finished and session.tracker.next_seq >= band.frames_total):
            await asyncio.sleep(0.02)
        stop.set()

    watcher = asyncio.get_running_loop().create_task(stop_when_done())
    result = await recorder.run(stop)
    await watcher
    return result


TOY_PROFILE = GattProfile(
    service_uuid="7d3a0001-5c1e-4b7a-9a53-2f2b1c0e4d01",
    data_uuid="7d3a0002-5c1e-4b7a-9a53-2f2b1c0e4d01",
    control_uuid="7d3a0003-5c1e-4b7a-9a53-2f2b1c0e4d01",
    info_uuid="7d3a0004-5c1e-4b7a-9a53-2f2b1c0e4d01",
)


class EchoPeripheral:
    """Answers every write with ``count`` notifications of the largest size the MTU allows."""

    def __init__(self, address: str = "AA:BB:CC:DD:EE:01", *, services: bool = True) -> None:
        self.address = address
        self.local_name = "echo"
        self.connection: Any = None
        self.subscribed = False
        self.writes: list[bytes] = []
        self.services = services
        self.mtu = 0

    @property
    def advertising(self) -> bool:
        return self.connection is None

    def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
        return [TOY_PROFILE.service_uuid], {}, -60

    def gatt_table(self) -> dict[str, list[SimCharacteristic]]:
        if not self.services:
            return {"0000180f-0000-1000-8000-00805f9b34fb": []}
        p = TOY_PROFILE
        return {
            p.service_uuid: [
                SimCharacteristic(p.data_uuid, ("notify",)),
                SimCharacteristic(p.control_uuid, ("write",)),
                SimCharacteristic(p.info_uuid, ("read",)),
            ]
        }

    async def on_connect(self, connection: Any) -> int:
        self.connection = connection
        self.mtu = int(getattr(connection, "mtu", 247))
        return self.mtu

    async def on_disconnect(self) -> None:
        self.connection = None
        self.subscribed = False

    def on_read(self, char_uuid: str) -> bytes:
        return b"echo-info"

    async def on_write(self, char_uuid: str, data: bytes) -> None:
        self.writes.append(data)
        count = data[0] if data else 1
        payload = self.mtu - 3
        for i in range(count):
            self.connection.notify(TOY_PROFILE.data_uuid, bytes([i]) * payload)

    def on_subscribe(self, char_uuid: str, enabled: bool) -> None:
        self.subscribed = enabled


@pytest.fixture
def echo() -> EchoPeripheral:
    return EchoPeripheral()
