"""GATT fidelity: the BLE transport over real ATT traffic (bumble peripheral on a local link).

What the light simulated backend only imitates happens here for real: advertising reports, the
ATT MTU exchange, service and characteristic discovery, the CCCD write that subscribes,
notifications as large as the negotiated MTU allows, write with response, and a disconnect
initiated by the peripheral reaching bleak's disconnected callback.
"""

from __future__ import annotations

import importlib.metadata
import math
from pathlib import Path

import numpy as np
import pytest

from firmware_host.band import SimulatedBand
from rls_monitor.errors import LinkLost
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.transports import LinkConfig, LinkState
from rls_monitor.link.transports.ble import BleTransport, scan
from rls_monitor.link.transports.simulated import BandDriver, SimulatedBandPeripheral
from rls_monitor.simulation import simulated_sources
from rls_monitor.storage import Store
from tests.link.transports.conftest import TOY_PROFILE, EchoPeripheral, record_until_band_done

pytest.importorskip("bumble")
from tests.link.transports import bumble_backend


def test_bumble_is_the_pinned_version() -> None:
    assert importlib.metadata.version("bumble") == bumble_backend.BUMBLE_VERSION


async def test_real_att_exchange_end_to_end() -> None:
    echo = EchoPeripheral()
    air = bumble_backend.BumbleAir(echo)
    await air.start()
    found = await scan(0.3, backend=air.backend, service_uuid=TOY_PROFILE.service_uuid)
    assert [b.address for b in found] == [air.address]

    transport = BleTransport(
        air.address,
        backend=air.backend,
        profile=TOY_PROFILE,
        config=LinkConfig(scan_timeout_s=2.0, connect_attempts=2),
    )
    async with transport:
        assert transport.mtu == bumble_backend.REQUESTED_MTU - 3
        assert echo.mtu == bumble_backend.REQUESTED_MTU  # the peripheral saw the exchange
        assert air.cccd_writes == 1 and echo.subscribed
        assert await transport.read_info() == b"echo-info"
        await transport.send(bytes([4]))  # write with response
        frames = [await transport.receive(2.0) for _ in range(4)]
        assert [len(f.data) for f in frames if f] == [244] * 4
        assert [f.data[0] for f in frames if f] == [0, 1, 2, 3]
        assert air.handle is not None and air.handle.sizes == [244] * 4

        echo.connection.drop()  # LL terminate from the peripheral
        with pytest.raises(LinkLost, match="disconnected"):
            await transport.receive(2.0)
        assert transport.state is LinkState.LOST

        await transport.open()  # it advertises again; we reconnect over the same link
        assert transport.state is LinkState.CONNECTED
        await transport.send(bytes([1]))
        frame = await transport.receive(2.0)
        assert frame is not None and len(frame.data) == 244


async def test_a_night_over_real_att_with_the_bands_gatt_table(tmp_path: Path) -> None:
    """The simulated band's own GATT table over bumble: a short night, one link drop."""
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=300.0, bilateral=False, seed=6)[
        "left"
    ]
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-BUMBLE")
    band.faults.drop_link_at_s = [150.0]
    driver = BandDriver(band, speed=math.inf)
    peripheral = SimulatedBandPeripheral(driver)
    air = bumble_backend.BumbleAir(peripheral)
    await air.start()
    config = SessionConfig(
        link=LinkConfig(backoff_initial_s=0.01, watchdog_s=2.0, scan_timeout_s=3.0),
        rescore_interval_s=math.inf,
        housekeeping_interval_s=0.25,
        max_sync_rtt_s=60.0,
    )
    with Store(tmp_path / "n.sqlite") as store:
        transport = BleTransport(air.address, backend=air.backend, config=config.link)
        result = await record_until_band_done(store, transport, driver, band, config)
        assert np.array_equal(store.read_samples(result.night_id, 0), counts)
    assert transport.mtu == bumble_backend.REQUESTED_MTU - 3
    sizes = set(air.notified_sizes)
    # DATA frames fill the negotiated MTU: 14 bytes of overhead + 38 samples of 6 bytes
    assert max(sizes) == 14 + 38 * 6 <= transport.mtu
    assert result.status.bands[0].counts.link_losses >= 1
    assert len(band.link_drops_s) == 1
