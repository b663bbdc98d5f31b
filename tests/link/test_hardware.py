"""A real band, only when asked for: ``pytest --band-address ADDR`` or ``--serial-port PORT``;
``--band-family movesense|polar|nus`` for a band of another family than ours (BLE only).

Without either option these tests are skipped (``tests/conftest.py``). With one, they talk to the
band through the same code as ``rls-monitor``: read its identity, scan for it over BLE, and
record a minute of samples into a real SQLite file, which must come back complete and pass the
store's integrity check. The band must be charged, awake and not connected to another host.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.nights.record import record_night_async
from rls_monitor.storage import Store

pytestmark = pytest.mark.hardware

RECORD_S = 60.0


@pytest.fixture
def family(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--band-family"))


@pytest.fixture
def band_spec(request: pytest.FixtureRequest) -> str:
    address = request.config.getoption("--band-address")
    port = request.config.getoption("--serial-port")
    return f"ble:{address}" if address else f"serial:{port}"


async def test_the_band_tells_who_it_is(band_spec: str, family: str) -> None:
    from rls_monitor.link.pairing import read_band_info

    info = await read_band_info(band_spec, band=family)
    if family in ("movesense", "polar"):  # known by its Device Information service
        assert info.device_id.startswith(f"{family}-") and info.serial
    else:
        assert info.device_id and info.fs_hz > 0 and info.lsb_g > 0


async def test_scan_hears_the_band(request: pytest.FixtureRequest, family: str) -> None:
    address = request.config.getoption("--band-address")
    if not address:
        pytest.skip("scanning needs --band-address (a BLE band)")
    from rls_monitor.link.drivers.families import family_of_services, service_uuids
    from rls_monitor.link.transports.ble import scan

    found = await scan(10.0, service_uuids=list(service_uuids().values()))
    heard = {b.address.lower(): family_of_services(list(b.service_uuids)) for b in found}
    assert heard.get(address.lower()) == family


async def test_a_minute_is_recorded_complete(band_spec: str, family: str, tmp_path: Path) -> None:
    db = tmp_path / "hardware.sqlite"
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(RECORD_S, stop.set)
    result = await record_night_async(
        db, [band_spec], require_pairing=False, stop=stop, bands=[family]
    )
    with Store(db, readonly=True) as store:
        night = store.get_night(result.night_id)
        samples = store.read_samples(result.night_id, 0, fill_gaps=False)
        assert store.check().ok
    assert night.status == "complete"
    # at least 90 % of a minute at the band's rate, every sample from the band, none made up
    assert len(samples) >= 0.9 * RECORD_S * night.fs_hz
    assert samples.dtype == np.int16
    still_g = np.linalg.norm(samples[-int(night.fs_hz) :].astype(np.float64), axis=1) * night.lsb_g
    assert 0.5 < float(np.median(still_g)) < 2.0  # gravity is there: ~1 g, whatever the pose
