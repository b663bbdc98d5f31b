"""One band's link over a night: bad frames, silences, drift and wrapping ticks counted and survived."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from firmware_host.band import SimulatedBand
from firmware_host.ble_air import SimAir
from rls_monitor.link.clock import SessionClock
from rls_monitor.link.transports.ble import BleTransport
from rls_monitor.link.transports.simulated import DEFAULT_EPOCH, BandDriver, SimulatedBandPeripheral
from rls_monitor.nights.recorder import BandLink, NightRecorder, StopSignal
from rls_monitor.storage import Store
from tests.link.transports.conftest import record_until_band_done
from tests.nights.simulated_links import FAST, BadFramePeripheral, clean_score, source


async def test_bad_frames_silences_and_drift_are_counted_and_survived(tmp_path: Path) -> None:
    """Bad frames of every kind are counted by kind and dropped, never fatal; a band that goes
    silent without a disconnect event is reconnected by the watchdog; the band's 150 ppm clock
    drift is fitted and its ticks map the night's first sample to the right UTC."""
    counts, lsb_g, fs_hz = source(seed=12)
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-BAD-FRAMES")
    band.faults.silent_at_s = [200.0, 600.0]
    band.drift_ppm = 150.0
    driver = BandDriver(band, speed=math.inf)
    air = SimAir()
    peripheral = BadFramePeripheral(driver, address="C0:FF:EE:00:00:0B")
    air.add(peripheral)
    config = dataclasses.replace(FAST, sync_interval_s=60.0)
    with Store(tmp_path / "n.sqlite") as store:
        transport = BleTransport(peripheral.address, backend=air.backend, config=config.link)
        result = await record_until_band_done(store, transport, driver, band, config)
        stored = store.read_samples(result.night_id, 0, fill_gaps=False)
        saved = store.get_result(result.night_id)
        clock = store.night_metadata(result.night_id)["clock"]["left"]

    assert all(n >= 2 for n in peripheral.injected.values()), peripheral.injected
    link = result.status.bands[0].counts
    tracker = result.status.bands[0].tracker
    for kind in ("BadVersion", "BadLength", "BadCRC", "UnknownType"):
        assert link.bad_frames.get(kind, 0) >= peripheral.injected[kind], link.bad_frames
    assert tracker.absurd_jumps >= peripheral.injected["absurd jump"]
    assert band.stats.silences == 2 and link.watchdog_resets >= 2
    assert link.link_losses >= 2 and tracker.frames_lost == 0
    assert np.array_equal(stored, counts)
    clean = clean_score(counts, lsb_g, fs_hz)
    assert saved is not None and saved["movements"] == clean["movements"]
    # time: the drift is seen, and the night's first sample is dated by the band's ticks
    # (at --speed max a sync point's midpoint is only good to the band's 1 s steps: the drift
    # estimate itself is checked against noisy sync points in test_sequencing)
    assert clock["sync_points"] >= 3 and clock["drift_ppm"] is not None
    first_utc = datetime.fromisoformat(clock["first_sample_utc"])
    assert abs((first_utc - DEFAULT_EPOCH).total_seconds()) < 2.0
    assert clock["first_sample_tick"] == 0


async def test_band_ticks_wrapping_past_2_32_mid_night_still_date_the_night(
    tmp_path: Path,
) -> None:
    counts, lsb_g, fs_hz = source(seed=13, duration_s=600.0)
    tick0 = 2**32 - 120 * 1024  # the band's u32 tick counter wraps 2 min into the night
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-WRAP", tick0=tick0)
    band.faults.drop_link_at_s = [300.0]  # a second connection, after the wrap: more syncs
    driver = BandDriver(band, speed=math.inf)
    air = SimAir()
    air.add(SimulatedBandPeripheral(driver, address="C0:FF:EE:00:00:0C"))
    with Store(tmp_path / "n.sqlite") as store:
        transport = BleTransport("C0:FF:EE:00:00:0C", backend=air.backend, config=FAST.link)
        recorder = NightRecorder(
            store,
            [BandLink(transport, side="left", device_id="RLS-WRAP")],
            config=FAST,
            clock=SessionClock(driver.now_unix_s),
            start="live",
        )
        stop = StopSignal()

        async def stop_when_done() -> None:
            while not driver.finished:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)
            stop.set()

        watcher = asyncio.get_running_loop().create_task(stop_when_done())
        result = await recorder.run(stop)
        await watcher
        clock = store.night_metadata(result.night_id)["clock"]["left"]
        night = store.get_night(result.night_id)
    assert clock["sync_points"] >= 2
    first_utc = datetime.fromisoformat(clock["first_sample_utc"])
    assert night.start_utc is not None
    assert abs((first_utc - night.start_utc).total_seconds()) < 2.0
    assert clock["first_sample_tick"] < 2**32 < clock["first_sample_tick"] + 600 * 1024
