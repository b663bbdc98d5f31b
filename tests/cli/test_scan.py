"""``rls-monitor scan`` through bleak's real scanner, with simulated bands in the air."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from firmware_host.band import SimulatedBand
from firmware_host.ble_air import SimAir
from rls_monitor.cli import main
from rls_monitor.link.transports import ble
from rls_monitor.link.transports.simulated import BandDriver, SimulatedBandPeripheral
from tests.link.transports.conftest import EchoPeripheral


def _air() -> SimAir:
    band = SimulatedBand(
        np.zeros((500, 3), np.int16), lsb_g=1 / 4096, fs_hz=50.0, device_id="RLS-00000000CAFE0001"
    )
    air = SimAir()
    air.add(SimulatedBandPeripheral(BandDriver(band), address="C0:FF:EE:00:00:07"))

    class HeartRateStrap(EchoPeripheral):
        def advertisement(self) -> tuple[list[str], dict[str, bytes], int]:
            return ["0000180d-0000-1000-8000-00805f9b34fb"], {}, -40

    air.add(HeartRateStrap("AA:BB:CC:DD:EE:02"))
    return air


@pytest.fixture
def simulated_radio(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's scan runs unchanged, but bleak's scanner hears the simulated air."""
    real_scan = ble.scan
    air = _air()

    async def scan_in_air(timeout_s: float = 5.0, **kwargs: Any) -> list[ble.FoundBand]:
        return await real_scan(min(timeout_s, 0.3), backend=air.backend, **kwargs)

    monkeypatch.setattr(ble, "scan", scan_in_air)


def test_scan_lists_our_bands_only(simulated_radio: None) -> None:
    result = CliRunner().invoke(main, ["scan", "--timeout", "0.3"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("C0:FF:EE:00:00:07") and "RLS-0001" in lines[0]
    assert "-55 dBm" in lines[0]


def test_scan_json(simulated_radio: None) -> None:
    result = CliRunner().invoke(main, ["scan", "--timeout", "0.3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"address": "C0:FF:EE:00:00:07", "name": "RLS-0001", "rssi_dbm": -55, "family": "rls"}
    ]


def test_scan_with_no_band_says_what_to_check(monkeypatch: pytest.MonkeyPatch) -> None:
    real_scan = ble.scan
    empty = SimAir()

    async def scan_empty(timeout_s: float = 5.0, **kwargs: Any) -> list[ble.FoundBand]:
        return await real_scan(0.2, backend=empty.backend, **kwargs)

    monkeypatch.setattr(ble, "scan", scan_empty)
    result = CliRunner().invoke(main, ["scan", "--timeout", "0.2"])
    assert result.exit_code == 0
    assert "No band found" in result.output and "charged" in result.output


def test_scan_names_the_family_of_every_supported_device(monkeypatch: pytest.MonkeyPatch) -> None:
    from firmware_host.devices.movesense import MovesensePeripheral
    from firmware_host.devices.polar import PolarPeripheral
    from firmware_host.devices.sensor import SensorNight
    from rls_monitor.link.transports.simulated import NusBandPeripheral

    air = _air()
    night = SensorNight(np.zeros((100, 3), np.int16), lsb_g=1 / 1024, fs_hz=52.0)
    air.add(MovesensePeripheral(night, address="0C:8C:DC:00:00:09"))
    air.add(PolarPeripheral(night, epoch_unix_s=1.8e9, address="A0:9E:1A:00:00:09"))
    band = SimulatedBand(np.zeros((500, 3), np.int16), lsb_g=1 / 4096, fs_hz=50.0, device_id="N1")
    air.add(NusBandPeripheral(BandDriver(band), address="C0:FF:EE:00:0E:09"))
    real_scan = ble.scan

    async def scan_in_air(timeout_s: float = 5.0, **kwargs: Any) -> list[ble.FoundBand]:
        return await real_scan(0.3, backend=air.backend, **kwargs)

    monkeypatch.setattr(ble, "scan", scan_in_air)
    result = CliRunner().invoke(main, ["scan", "--timeout", "0.3", "--json"])
    assert result.exit_code == 0, result.output
    families = {d["address"]: d["family"] for d in json.loads(result.output)}
    assert families == {
        "C0:FF:EE:00:00:07": "rls",
        "0C:8C:DC:00:00:09": "movesense",
        "A0:9E:1A:00:00:09": "polar",
        "C0:FF:EE:00:0E:09": "nus",
    }  # and not the heart-rate strap
    text = CliRunner().invoke(main, ["scan", "--timeout", "0.3"]).output
    assert any(line.endswith("polar") for line in text.splitlines())
