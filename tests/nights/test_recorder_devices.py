"""Whole simulated nights from the bands people can buy or build, through the real host.

Each family's simulated device (:mod:`firmware_host.devices`, or our band on the Nordic UART
Service) sits behind bleak's ``backend=`` hook; the host reaches it with the real
``BleakScanner``, ``BleakClient`` and ``establish_connection`` and that family's driver. The
stored samples are the device's, its gaps and reconnections are counted, and the score is that
of the device's samples scored directly.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.link.transports.simulated import DEFAULT_EPOCH
from rls_monitor.nights.recorder import NightRecorder
from rls_monitor.nights.status import format_link_report, format_status_line
from rls_monitor.simulation import (
    VENDOR_FS_HZ,
    build_simulated_links,
    record_simulated_night_async,
    simulated_streams,
)
from rls_monitor.storage import Store
from tests.nights.simulated_links import FAST, clean_score

NIGHT_S = 600.0
DRIVERS = {"movesense": "movesense-gsp/1", "polar": "polar-pmd/1", "nus": "rls-band-nus/1"}


def setup_for(band: str, seed: int, faults: Any = None) -> Any:
    fs_hz = VENDOR_FS_HZ if band in ("movesense", "polar") else 50.0
    sources = simulated_streams(None, duration_s=NIGHT_S, bilateral=False, seed=seed, fs_hz=fs_hz)
    return build_simulated_links(
        sources, speed=math.inf, link="ble", config=FAST, faults=faults, band=band
    )


def sent_ranges(night: Any) -> list[tuple[int, int]]:
    """The device's delivered samples as merged contiguous ranges."""
    out: list[list[int]] = []
    for a, b in night.sent:
        if out and out[-1][1] == a:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def device_g(setup: Any) -> tuple[np.ndarray, float, float]:
    counts = np.asarray(setup.sources["left"][0 : len(setup.sources["left"])])
    night = setup.drivers["left"]
    lsb_g = night.lsb_g if hasattr(night, "sent") else night.band.lsb_g
    fs_hz = night.fs_hz if hasattr(night, "sent") else night.band.fs_hz
    return counts, lsb_g, fs_hz


@pytest.mark.parametrize("band", ["movesense", "polar"])
async def test_a_vendor_night_stores_the_devices_samples_and_scores_as_them(
    tmp_path: Path, band: str
) -> None:
    setup = setup_for(band, seed=7)
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=FAST, setup=setup)
    counts, lsb_g, fs_hz = device_g(setup)
    ((first, stop),) = sent_ranges(setup.drivers["left"])  # one run, no gap
    assert stop == len(counts)
    with Store(tmp_path / "n.sqlite") as store:
        stored_g = store.read_accel_g(result.night_id, 0)
        night = store.get_night(result.night_id)
        saved = store.get_result(result.night_id)
    expected_g = counts[first:].astype(np.float64) * lsb_g
    assert stored_g.shape == expected_g.shape
    assert np.array_equal(stored_g, expected_g.astype(np.float32))
    assert night.fs_hz == fs_hz and night.status == "complete"
    device = night.metadata["devices"]["left"]
    assert device["driver"] == DRIVERS[band]
    assert device["family"] == band and device["model"] and device["firmware"]
    assert device["capabilities"]["resend_after_gap"] is False
    clean = clean_score(counts[first:], lsb_g, fs_hz)
    assert saved is not None
    assert saved["movements"] == clean["movements"]
    assert saved["indices"] == clean["indices"]
    status = result.status.bands[0]
    assert status.counts.sample_gaps == 0 and status.counts.link_losses == 0
    assert status.battery_pct == 87.0
    assert status.counts.bad_frames_total == 0
    # the device's time stamps, fitted against the host's clock, put the first sample at its
    # true time (within one step of the simulated device at --speed max)
    clock = night.metadata["clock"]["left"]
    true_first_s = DEFAULT_EPOCH.timestamp() + first / fs_hz
    assert abs(datetime.fromisoformat(clock["first_sample_utc"]).timestamp() - true_first_s) < 1.0


@pytest.mark.parametrize("band", ["movesense", "polar"])
async def test_a_dropped_vendor_link_is_reconnected_and_its_gap_counted(
    tmp_path: Path, band: str
) -> None:
    def faults(side: str, night: Any) -> None:
        night.drops_at_s = [150.0, 400.0]
        night.out_of_range_s = 15.0

    setup = setup_for(band, seed=8, faults=faults)
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=FAST, setup=setup)
    counts, lsb_g, _ = device_g(setup)
    runs = sent_ranges(setup.drivers["left"])
    assert len(runs) == 3  # the device sent three runs around two drops
    first = runs[0][0]
    missing = sum(b[0] - a[1] for a, b in itertools.pairwise(runs))
    status = result.status.bands[0]
    assert status.counts.link_losses == 2 and status.counts.reconnects == 2
    assert status.counts.sample_gaps == 2 and status.counts.samples_missing == missing
    with Store(tmp_path / "n.sqlite") as store:
        stored = store.read_samples(result.night_id, 0)
        factor = round(lsb_g / store.get_night(result.night_id).lsb_g)
    for a, b in runs:  # every sample the device sent is stored where it belongs
        assert np.array_equal(stored[a - first : b - first], counts[a:b] * factor)
    assert "this device cannot resend" in format_link_report(result)
    assert "2 gaps (no resend)" in format_status_line(result.status)


async def test_our_band_over_nus_resends_what_a_drop_missed(tmp_path: Path) -> None:
    def faults(side: str, band: Any) -> None:
        band.faults.drop_link_at_s = [120.0, 380.0]

    setup = setup_for("nus", seed=9, faults=faults)
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=FAST, setup=setup)
    counts, lsb_g, fs_hz = device_g(setup)
    with Store(tmp_path / "n.sqlite") as store:
        stored = store.read_samples(result.night_id, 0)
        night = store.get_night(result.night_id)
        saved = store.get_result(result.night_id)
    assert np.array_equal(stored, counts)  # bit identical: the band resent from its flash
    status = result.status.bands[0]
    assert status.counts.link_losses == 2 and status.frames_lost == 0
    assert night.metadata["devices"]["left"]["driver"] == DRIVERS["nus"]
    clean = clean_score(counts, lsb_g, fs_hz)
    assert saved is not None and saved["indices"] == clean["indices"]


async def test_one_leg_movesense_the_other_polar_is_one_bilateral_night(tmp_path: Path) -> None:
    sources = simulated_streams(
        None, duration_s=NIGHT_S, bilateral=True, seed=10, fs_hz=VENDOR_FS_HZ
    )
    setup = build_simulated_links(
        sources,
        speed=math.inf,
        link="ble",
        config=FAST,
        band={"left": "movesense", "right": "polar"},
    )
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=FAST, setup=setup)
    assert result.score is not None and result.score.sides is not None
    with Store(tmp_path / "n.sqlite") as store:
        devices = store.get_night(result.night_id).metadata["devices"]
    assert devices["left"]["family"] == "movesense" and devices["right"]["family"] == "polar"


def test_a_vendor_device_refuses_events_mode_and_sync(tmp_path: Path) -> None:
    setup = setup_for("polar", seed=1)
    with Store(tmp_path / "n.sqlite") as store:
        with pytest.raises(ConfigError, match="without --on-device"):
            NightRecorder(store, setup.links, config=FAST, on_device=True)
        with pytest.raises(ConfigError, match="record it live"):
            NightRecorder(store, setup.links, config=FAST, sync_to_end=True)


def test_a_vendor_band_is_ble_only() -> None:
    sources = simulated_streams(None, duration_s=NIGHT_S, bilateral=False, seed=1)
    with pytest.raises(ConfigError, match="BLE only"):
        build_simulated_links(sources, speed=math.inf, link="serial", config=FAST, band="polar")


@pytest.mark.parametrize("band", ["polar", "movesense", "nus"])
async def test_pair_then_record_a_device_of_any_family(tmp_path: Path, band: str) -> None:
    """``pair --band`` reads the device's identity through its family's profile; ``record``
    then takes the paired device (the family from the pairing, or given) and no other."""
    from rls_monitor.link.pairing import pair_band
    from rls_monitor.nights.record import record_night_async
    from rls_monitor.nights.recorder import StopSignal

    setup = setup_for(band, seed=12)
    transport = setup.links[0].transport
    air_backend = transport.backend  # type: ignore[attr-defined]
    address = transport.address  # type: ignore[attr-defined]
    db = tmp_path / "n.sqlite"
    paired = await pair_band(
        db,
        f"ble:{address}",
        side="left",
        subject="P7",
        backend=air_backend,
        config=FAST.link,
        band=band,
    )
    assert paired.device_id == setup.links[0].device_id
    stop = StopSignal()
    device = setup.drivers["left"]  # a SensorNight or our band's BandDriver: both keep time

    async def stop_soon() -> None:
        while device.true_time_s < 120.0:
            await asyncio.sleep(0.02)
        stop.set()

    watcher = asyncio.get_running_loop().create_task(stop_soon())
    result = await record_night_async(
        db,
        [f"ble:{address}"],
        config=FAST,
        backend=air_backend,
        stop=stop,
        bands=["nus"] if band == "nus" else None,
    )
    await watcher
    assert result.status.bands[0].device_id == paired.device_id
    assert result.status.bands[0].samples > 1000
    with Store(db) as store:
        assert store.get_night(result.night_id).metadata["devices"]["left"]["family"] == band


@pytest.mark.parametrize("band", ["movesense", "polar"])
async def test_fuzzed_vendor_frames_in_a_night_are_dropped_and_counted(
    tmp_path: Path, band: str
) -> None:
    """Truncated frames, frames of another type and absurd delta widths slipped into the
    stream: each is dropped and counted; the samples around them are the device's."""
    setup = setup_for(band, seed=13)
    peripheral = setup.links[0].transport.backend.client._air.peripherals[0]  # type: ignore[attr-defined]
    bad = {
        "movesense": [b"\x02", b"\x09\x01\x00\x00", b"\x02\x01" + b"\x00" * 7],
        "polar": [
            b"\x02\x00\x00",  # truncated
            b"\x05" + bytes(9) + b"\x00\x00\x00",  # a measurement type that is not ACC
            b"\x02" + bytes(8) + b"\x81" + bytes(6) + b"\x30\x02\x00\x00",  # 48-bit deltas
        ],
    }[band]
    encode = peripheral.encode_block
    sent = [0]

    def encode_with_garbage(first: int, counts: np.ndarray) -> bytes:
        sent[0] += 1
        if sent[0] % 25 == 0:
            peripheral.injected.extend(bad)
        return bytes(encode(first, counts))

    peripheral.encode_block = encode_with_garbage
    result = await record_simulated_night_async(tmp_path / "n.sqlite", config=FAST, setup=setup)
    counts, lsb_g, _ = device_g(setup)
    ((first, stop),) = sent_ranges(setup.drivers["left"])
    status = result.status.bands[0]
    injected = sent[0] // 25 * len(bad)
    assert injected > 10 and status.counts.bad_frames_total == injected
    with Store(tmp_path / "n.sqlite") as store:
        stored = store.read_samples(result.night_id, 0)
        factor = round(lsb_g / store.get_night(result.night_id).lsb_g)
    assert np.array_equal(stored, counts[first:stop] * factor)


async def test_a_night_our_band_recorded_alone_is_synced_over_nus(tmp_path: Path) -> None:
    from rls_monitor.nights.record import sync_night_async

    setup = setup_for("nus", seed=14)
    device = setup.drivers["left"]
    device.step(NIGHT_S + 10.0)  # the night passes with no host: all in its flash
    transport = setup.links[0].transport
    result = await sync_night_async(
        tmp_path / "n.sqlite",
        f"ble:{transport.address}",  # type: ignore[attr-defined]
        require_pairing=False,
        backend=transport.backend,  # type: ignore[attr-defined]
        config=FAST,
        band="nus",
    )
    counts, _, _ = device_g(setup)
    with Store(tmp_path / "n.sqlite") as store:
        assert np.array_equal(store.read_samples(result.night_id, 0), counts)
        assert store.get_night(result.night_id).source == "sync"
    with pytest.raises(ConfigError, match="record it live"):
        await sync_night_async(
            tmp_path / "m.sqlite", "ble:A0:9E:1A:00:00:01", band="polar", require_pairing=False
        )
