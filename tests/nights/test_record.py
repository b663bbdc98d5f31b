"""record_night_async and sync_night_async with a paired band on simulated air."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import DeviceMismatch, DeviceNotFound
from rls_monitor.link.pairing import pair_band
from rls_monitor.nights.record import record_night_async, sync_night_async
from rls_monitor.storage import Store
from tests.nights.simulated_links import DURATION_S, FAST, air_with_band, source


async def test_pairing_remembers_the_band_and_refuses_another_one(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    counts, lsb_g, fs_hz = source(duration_s=120.0)
    address = "C0:FF:EE:12:34:56"
    air, driver = air_with_band(counts, lsb_g, fs_hz, "RLS-00000000CAFE0001", address)
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
    impostor_air, _ = air_with_band(counts, lsb_g, fs_hz, "RLS-00000000BADBAD02", address)
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
    counts, lsb_g, fs_hz = source(seed=9, duration_s=DURATION_S)
    address = "C0:FF:EE:00:00:42"
    air, driver = air_with_band(counts, lsb_g, fs_hz, "RLS-SYNC", address)
    driver.step(DURATION_S + 10.0)  # the night passes with no host: all in flash
    assert driver.finished
    result = await sync_night_async(
        db, f"ble:{address}", require_pairing=False, backend=air.backend, config=FAST
    )
    with Store(db) as store:
        assert np.array_equal(store.read_samples(result.night_id, 0), counts)
        assert store.get_night(result.night_id).source == "sync"
    assert result.score is not None
