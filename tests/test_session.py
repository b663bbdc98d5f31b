"""The recording session end to end: a simulated band through real links into a real store.

Short nights (10-20 min of signal) at ``--speed max``; the fault-injection suite is in
``test_fault_injection.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_host.band import SimulatedBand
from firmware_host.ble_air import SimAir
from rls_monitor.errors import DeviceNotFound
from rls_monitor.link.pairing import pair_band
from rls_monitor.link.transports import LinkConfig
from rls_monitor.link.transports.ble import BleTransport
from rls_monitor.link.transports.simulated import DEFAULT_EPOCH, BandDriver, SimulatedBandPeripheral
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.session import (
    BandLink,
    DeviceMismatch,
    NightRecorder,
    NightStatus,
    SessionClock,
    SessionConfig,
    StopSignal,
    format_night_report,
    format_status_line,
    record_night_async,
    record_simulated_night_async,
    simulated_sources,
    sync_night_async,
)
from rls_monitor.storage import Store
from tests.link.transports.conftest import record_until_band_done

FAST = SessionConfig(
    link=LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.5, scan_timeout_s=2.0),
    rescore_interval_s=0.5,
    housekeeping_interval_s=0.25,
    max_sync_rtt_s=60.0,
)
DURATION_S = 900.0


def _source(seed: int = 5, duration_s: float = DURATION_S) -> tuple[Any, float, float]:
    return simulated_sources(None, duration_s=duration_s, bilateral=False, seed=seed)["left"]


def _clean_score(counts: Any, lsb_g: float, fs_hz: float) -> dict[str, Any]:
    return score(Recording.from_counts(counts, lsb_g, fs_hz, side="left")).to_dict()


@pytest.mark.parametrize("link", ["ble", "serial"])
async def test_a_simulated_night_arrives_bit_identical_and_scores_as_the_source(
    tmp_path: Path, link: str
) -> None:
    statuses: list[NightStatus] = []
    result = await record_simulated_night_async(
        tmp_path / "n.sqlite",
        duration_s=DURATION_S,
        link=link,
        seed=5,
        config=FAST,
        on_status=statuses.append,
    )
    counts, lsb_g, fs_hz = _source()
    with Store(tmp_path / "n.sqlite") as store:
        stored = store.read_samples(result.night_id, 0)
        night = store.get_night(result.night_id)
        saved = store.get_result(result.night_id)
        minutes = store.get_minutes(result.night_id)
    assert stored.dtype == np.int16 and np.array_equal(stored, counts)
    # a recorded night is summarised like an imported one: a row per minute, posture, in bed
    assert len(minutes) == int(np.ceil(len(counts) / fs_hz / 60.0))
    assert any(m["in_bed"] for m in minutes) and all(m["posture"] for m in minutes)
    assert night.status == "complete" and night.fs_hz == fs_hz and night.lsb_g == lsb_g
    clean = _clean_score(counts, lsb_g, fs_hz)
    assert saved is not None
    assert saved["movements"] == clean["movements"]
    assert saved["indices"] == clean["indices"]
    band = result.status.bands[0]
    assert band.samples == len(counts) and band.frames_lost == 0
    assert band.counts.time_syncs >= 1 and band.battery_pct is not None
    assert statuses and statuses[-1].finished
    assert "LMs so far" in format_status_line(statuses[-1])
    assert f"Night {result.night_id}" in format_night_report(result)


async def test_two_bands_make_one_bilateral_night(tmp_path: Path) -> None:
    result = await record_simulated_night_async(
        tmp_path / "n.sqlite", duration_s=600.0, bilateral=True, seed=2, config=FAST
    )
    sources = simulated_sources(None, duration_s=600.0, bilateral=True, seed=2)
    with Store(tmp_path / "n.sqlite") as store:
        night = store.get_night(result.night_id)
        assert night.sides == ("left", "right")
        for channel, side in enumerate(("left", "right")):
            assert np.array_equal(store.read_samples(result.night_id, channel), sources[side][0])
    assert result.score is not None and result.score.sides is not None


def _air_with_band(
    counts: Any, lsb_g: float, fs_hz: float, device_id: str, address: str
) -> tuple[SimAir, BandDriver]:
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id=device_id)
    driver = BandDriver(band, speed=math.inf)
    air = SimAir()
    air.add(SimulatedBandPeripheral(driver, address=address))
    return air, driver


async def test_pairing_remembers_the_band_and_refuses_another_one(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    counts, lsb_g, fs_hz = _source(duration_s=120.0)
    address = "C0:FF:EE:12:34:56"
    air, driver = _air_with_band(counts, lsb_g, fs_hz, "RLS-00000000CAFE0001", address)
    paired = await pair_band(
        db, f"ble:{address}", side="left", subject="P01", backend=air.backend, config=FAST.link
    )
    assert driver.band.stats.commands == 0  # read from the INFO characteristic, no GET_INFO
    assert (paired.device_id, paired.side, paired.subject) == (
        "RLS-00000000CAFE0001",
        "left",
        "P01",
    )
    assert paired.serial and paired.firmware

    # the same address now answers with another band: refused, nothing stored
    impostor_air, _ = _air_with_band(counts, lsb_g, fs_hz, "RLS-00000000BADBAD02", address)
    with pytest.raises(DeviceMismatch, match="not the paired") as info:
        await record_night_async(db, [f"ble:{address}"], backend=impostor_air.backend, config=FAST)
    assert info.value.found == "RLS-00000000BADBAD02"
    with Store(db) as store:
        assert all(n.n_samples == 0 for n in store.list_nights())

    # a band that was never paired is refused before connecting
    with pytest.raises(DeviceNotFound, match="not a paired band"):
        await record_night_async(db, ["ble:C0:FF:EE:00:00:99"], backend=air.backend, config=FAST)


async def test_morning_sync_downloads_a_night_recorded_without_host(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    counts, lsb_g, fs_hz = _source(seed=9, duration_s=DURATION_S)
    address = "C0:FF:EE:00:00:42"
    air, driver = _air_with_band(counts, lsb_g, fs_hz, "RLS-SYNC", address)
    driver.step(DURATION_S + 10.0)  # the night passes with no host: all in flash
    assert driver.finished
    result = await sync_night_async(
        db, f"ble:{address}", require_pairing=False, backend=air.backend, config=FAST
    )
    with Store(db) as store:
        assert np.array_equal(store.read_samples(result.night_id, 0), counts)
        assert store.get_night(result.night_id).source == "sync"
    assert result.score is not None


async def test_an_interrupted_night_is_continued_by_the_next_recording(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    counts, lsb_g, fs_hz = _source(seed=4)
    air, driver = _air_with_band(counts, lsb_g, fs_hz, "RLS-RESUME", "C0:FF:EE:00:00:07")

    def recorder(store: Store) -> NightRecorder:
        transport = BleTransport("C0:FF:EE:00:00:07", backend=air.backend, config=FAST.link)
        return NightRecorder(
            store,
            [BandLink(transport, side="left", device_id="RLS-RESUME")],
            config=FAST,
            clock=SessionClock(driver.now_unix_s),
            start="oldest",
        )

    with Store(db) as store:
        first = recorder(store)
        task = asyncio.get_running_loop().create_task(first.run(StopSignal()))
        while first.writer is None or first.writer.stored["left"] < 10_000:
            await asyncio.sleep(0.01)
        task.cancel()  # the host dies mid-night
        await asyncio.gather(task, return_exceptions=True)
        assert first.night_id is not None
        store.mark_interrupted(first.night_id)  # what the next start finds

    with Store(db) as store:
        second = recorder(store)
        stop = StopSignal()

        async def stop_when_done() -> None:
            while not (
                driver.finished and second.sessions[0].tracker.next_seq >= driver.band.frames_total
            ):
                await asyncio.sleep(0.02)
            stop.set()

        watcher = asyncio.get_running_loop().create_task(stop_when_done())
        result = await second.run(stop)
        await watcher
        assert result.resumed and result.night_id == first.night_id
        assert np.array_equal(store.read_samples(result.night_id, 0), counts)
        assert store.get_night(result.night_id).status == "complete"


def test_the_final_score_reads_float32_g_equal_to_the_counts_with_gaps_held(
    tmp_path: Path,
) -> None:
    """``Store.read_accel_g`` (what the session scores from) equals the int16 path bit for bit,
    lost samples held over as ``read_samples`` does."""
    from datetime import UTC, datetime

    from rls_monitor.storage import Channel

    counts, lsb_g, fs_hz = _source(seed=6, duration_s=120.0)
    with Store(tmp_path / "n.sqlite") as store:
        night = store.create_night(
            "P1",
            fs_hz=fs_hz,
            lsb_g=lsb_g,
            start_utc=datetime(2026, 1, 1, tzinfo=UTC),
            channels=[Channel(side="left", device="D")],
            source="session",
        )
        store.append_samples(night, 0, counts[:1000])
        store.append_samples(night, 1500, counts[1500:])  # samples 1000-1499 lost
        accel = store.read_accel_g(night, 0)
        held = store.read_samples(night, 0)
    assert accel.dtype == np.float32 and accel.shape == counts.shape
    expected = Recording.from_counts(held, lsb_g, fs_hz).accel_g
    np.testing.assert_array_equal(accel, expected)
    np.testing.assert_array_equal(accel[1000:1500], np.repeat(accel[999:1000], 500, axis=0))


class _BadFramePeripheral(SimulatedBandPeripheral):
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


async def test_bad_frames_silences_and_drift_are_counted_and_survived(tmp_path: Path) -> None:
    """Bad frames of every kind are counted by kind and dropped, never fatal; a band that goes
    silent without a disconnect event is reconnected by the watchdog; the band's 150 ppm clock
    drift is fitted and its ticks map the night's first sample to the right UTC."""
    counts, lsb_g, fs_hz = _source(seed=12)
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id="RLS-BAD-FRAMES")
    band.faults.silent_at_s = [200.0, 600.0]
    band.drift_ppm = 150.0
    driver = BandDriver(band, speed=math.inf)
    air = SimAir()
    peripheral = _BadFramePeripheral(driver, address="C0:FF:EE:00:00:0B")
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
    clean = _clean_score(counts, lsb_g, fs_hz)
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
    counts, lsb_g, fs_hz = _source(seed=13, duration_s=600.0)
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
