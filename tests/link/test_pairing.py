"""Pairing through the Python API: a band's identity read over a real pseudo-terminal link and kept.

The command-line ``pair`` (and ``record`` taking its subject from the pairing, and refusing a
swapped band) is tested in ``tests/cli/test_pair.py``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from firmware_host.band import SimulatedBand
from rls_monitor.errors import ConfigError
from rls_monitor.link.pairing import PairedBand, find_pairing, pair_band
from rls_monitor.link.transports import LinkConfig
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.storage import Store

LINK = LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.5)


@pytest.fixture
def port() -> Iterator[str]:
    """A simulated band (device id RLS-00000000CAFE0002) on a pseudo-terminal."""
    counts = np.zeros((50 * 60, 3), dtype=np.int16)
    counts[:, 2] = 4096
    band = SimulatedBand(
        counts, lsb_g=1.0 / 4096.0, fs_hz=50.0, device_id="RLS-00000000CAFE0002", serial="SN-0002"
    )
    with PtyBand(BandDriver(band, speed=60.0)) as pty:
        yield pty.port


def test_pair_band_reads_the_identity_and_find_pairing_returns_it(
    tmp_path: Path, port: str
) -> None:
    db = tmp_path / "n.sqlite"
    paired = asyncio.run(pair_band(db, f"serial:{port}", side="left", subject=" P-9 ", config=LINK))
    assert paired.kind == "serial" and paired.address == port
    assert (paired.device_id, paired.serial, paired.side, paired.subject) == (
        "RLS-00000000CAFE0002",
        "SN-0002",
        "left",
        "P-9",
    )
    assert paired.model and paired.firmware
    assert json.loads(json.dumps(paired.to_dict())) == paired.to_dict()
    with Store(db) as store:
        assert find_pairing(store, f"serial:{port}") == paired
        assert find_pairing(store, "serial:/dev/never-paired") is None


@pytest.mark.parametrize(
    ("spec", "kwargs", "name"),
    [
        ("serial:/dev/null-band", {"side": "middle", "subject": "P-1"}, "side"),
        ("serial:/dev/null-band", {"side": "left", "subject": "  "}, "subject"),
        ("replay:night.jsonl", {"side": "left", "subject": "P-1"}, "spec"),
    ],
)
def test_pair_band_refuses_bad_arguments_before_connecting(
    tmp_path: Path, spec: str, kwargs: dict[str, str], name: str
) -> None:
    with pytest.raises(ConfigError) as info:
        asyncio.run(pair_band(tmp_path / "n.sqlite", spec, **kwargs))
    assert info.value.name == name
    assert not (tmp_path / "n.sqlite").exists()


def test_paired_band_defaults() -> None:
    band = PairedBand(kind="ble", address="AA:BB", device_id="RLS-1", side="right", subject="S")
    assert band.to_dict()["serial"] == "" and band.to_dict()["model"] == ""


def test_check_band_over_ble_reads_identity_battery_and_signal() -> None:
    """The web page's Check, over bleak with the simulated radio: RSSI from the advertising."""
    from firmware_host.ble_air import SimAir
    from rls_monitor.errors import DeviceNotFound
    from rls_monitor.link.pairing import check_band
    from rls_monitor.link.transports.simulated import SimulatedBandPeripheral

    counts = np.zeros((50 * 60, 3), dtype=np.int16)
    counts[:, 2] = 4096
    band = SimulatedBand(
        counts, lsb_g=1.0 / 4096.0, fs_hz=50.0, device_id="RLS-00000000CAFE0003", serial="SN-3"
    )
    air = SimAir()
    air.add(SimulatedBandPeripheral(BandDriver(band, speed=60.0), address="C0:FF:EE:00:00:03"))
    checked = asyncio.run(
        check_band("ble:C0:FF:EE:00:00:03", backend=air.backend, config=LINK, scan_s=0.3)
    )
    assert checked.device_id == "RLS-00000000CAFE0003"
    assert checked.rssi_dbm == -55  # what the simulated band advertises with
    assert checked.battery_pct is not None and 0 <= checked.battery_pct <= 100
    assert checked.answered_s is not None and checked.answered_s < 5.0
    # a band that is not advertising: the one line `pair` gives
    quick = LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, scan_timeout_s=0.5)
    with pytest.raises(DeviceNotFound) as info:
        asyncio.run(
            check_band("ble:C0:FF:EE:00:00:99", backend=air.backend, config=quick, scan_s=0.3)
        )
    assert "\n" not in str(info.value) and "C0:FF:EE:00:00:99" in str(info.value)
