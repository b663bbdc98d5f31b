"""The night recorder end to end: a simulated band through real links into a real store.

Short nights (10-20 min of signal) at ``--speed max``; the fault-injection night is in
``test_record_faults.py``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.link.clock import SessionClock
from rls_monitor.link.transports.ble import BleTransport
from rls_monitor.nights.recorder import BandLink, NightRecorder, StopSignal
from rls_monitor.nights.status import NightStatus, format_link_report, format_status_line
from rls_monitor.recording import Recording
from rls_monitor.simulation import record_simulated_night_async, simulated_sources
from rls_monitor.storage import Store
from tests.nights.simulated_links import DURATION_S, FAST, air_with_band, clean_score, source


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
    counts, lsb_g, fs_hz = source()
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
    clean = clean_score(counts, lsb_g, fs_hz)
    assert saved is not None
    assert saved["movements"] == clean["movements"]
    assert saved["indices"] == clean["indices"]
    band = result.status.bands[0]
    assert band.samples == len(counts) and band.frames_lost == 0
    assert band.counts.time_syncs >= 1 and band.battery_pct is not None
    assert statuses and statuses[-1].finished
    assert "LMs so far" in format_status_line(statuses[-1])
    assert f"Night {result.night_id}" in format_link_report(result)


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


async def test_an_interrupted_night_is_continued_by_the_next_recording(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    counts, lsb_g, fs_hz = source(seed=4)
    air, driver = air_with_band(counts, lsb_g, fs_hz, "RLS-RESUME", "C0:FF:EE:00:00:07")

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
    from datetime import UTC

    from rls_monitor.storage import Channel

    counts, lsb_g, fs_hz = source(seed=6, duration_s=120.0)
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
