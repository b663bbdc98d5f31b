"""Each family's simulated device over real ATT (a bumble peripheral on an in-process link):
MTU exchange, discovery of the vendor's service and the Device Information service, CCCD writes
(Polar's control point answers by indication), notifications, writes with response, then a whole
short night through the family's driver."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_host.band import SimulatedBand
from firmware_host.devices.movesense import MovesensePeripheral
from firmware_host.devices.polar import PolarPeripheral
from firmware_host.devices.sensor import SensorNight
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.clock import SessionClock
from rls_monitor.link.drivers.families import make_driver
from rls_monitor.link.transports import LinkConfig
from rls_monitor.link.transports.ble import BleTransport
from rls_monitor.link.transports.simulated import BandDriver, NusBandPeripheral
from rls_monitor.nights.recorder import BandLink
from rls_monitor.simulation import (
    VENDOR_FS_HZ,
    SimulatedSetup,
    record_simulated_night_async,
    simulated_streams,
)
from rls_monitor.storage import Store

pytest.importorskip("bumble")
from tests.link.transports import bumble_backend

CONFIG = SessionConfig(
    link=LinkConfig(backoff_initial_s=0.01, watchdog_s=2.0, scan_timeout_s=3.0),
    rescore_interval_s=math.inf,
    housekeeping_interval_s=0.25,
    max_sync_rtt_s=60.0,
)
NIGHT_S = 240.0


@pytest.mark.parametrize("family", ["movesense", "polar", "nus"])
async def test_a_night_over_real_att(tmp_path: Path, family: str) -> None:
    fs_hz = VENDOR_FS_HZ if family != "nus" else 50.0
    source, lsb_g, rate = simulated_streams(
        None, duration_s=NIGHT_S, bilateral=False, seed=4, fs_hz=fs_hz
    )["left"]
    counts = np.asarray(source[0 : len(source)])
    device: Any
    peripheral: Any
    if family == "nus":
        device = BandDriver(SimulatedBand(counts, lsb_g=lsb_g, fs_hz=rate, device_id="RLS-NUS"))
        peripheral = NusBandPeripheral(device)
    else:
        device = SensorNight(counts, lsb_g=lsb_g, fs_hz=rate, epoch_unix_s=1.8e9)
        kind = MovesensePeripheral if family == "movesense" else PolarPeripheral
        extra = {} if family == "movesense" else {"epoch_unix_s": 1.8e9}
        peripheral = kind(device, **extra)
    air = bumble_backend.BumbleAir(peripheral)
    await air.start()
    driver = make_driver(family)
    transport = BleTransport(
        air.address, backend=air.backend, config=CONFIG.link, profile=driver.profile
    )
    setup = SimulatedSetup(
        drivers={"left": device},
        links=[BandLink(transport, side="left", driver=driver)],
        clock=SessionClock(device.now_unix_s),
        cleanup=[],
        sources={"left": counts},
    )
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=CONFIG, setup=setup)
    assert transport.mtu == bumble_backend.REQUESTED_MTU - 3
    assert air.cccd_writes >= 1 and max(air.notified_sizes) <= transport.mtu
    with Store(tmp_path / "n.sqlite") as store:
        stored = store.read_samples(result.night_id, 0)
        meta = store.get_night(result.night_id).metadata["devices"]["left"]
    assert meta["family"] == family
    if family == "nus":
        assert np.array_equal(stored, counts)
    else:
        (first, _), *_ = device.sent
        factor = round(lsb_g / (1 / 4096)) if family == "movesense" else 1
        assert np.array_equal(stored, counts[first:] * factor)
        assert meta["model"] in ("Movesense MD", "Polar Sense")
        assert result.status.bands[0].device_id.startswith(f"{family}-")
