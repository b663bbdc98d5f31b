"""Pairing kept in full, through the command line and a real pseudo-terminal serial link.

``rls-monitor pair`` remembers the band's address, device id, serial, model, leg side and subject;
``record`` takes its subject from the pairing; a band that is not the paired one (swapped at the
same port) or a port never paired is refused with a one-line message and a non-zero exit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from firmware_host.band import SimulatedBand
from rls_monitor.cli import main
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.pairing import find_pairing
from rls_monitor.link.transports import LinkConfig
from rls_monitor.link.transports.simulated import BandDriver, PtyBand
from rls_monitor.nights.record import record_night_async
from rls_monitor.simulation import simulated_sources
from rls_monitor.storage import Store

FAST = SessionConfig(
    link=LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.5),
    rescore_interval_s=1e9,
    housekeeping_interval_s=0.25,
    max_sync_rtt_s=60.0,
)


def _band(device_id: str, serial: str) -> SimulatedBand:
    counts, lsb_g, fs_hz = simulated_sources(None, duration_s=600.0, bilateral=False, seed=2)[
        "left"
    ]
    return SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs_hz, device_id=device_id, serial=serial)


@pytest.fixture
def port() -> Iterator[tuple[str, BandDriver]]:
    driver = BandDriver(_band("RLS-00000000CAFE0001", "SN-0001"), speed=60.0)
    with PtyBand(driver) as pty:
        yield pty.port, driver


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_pair_keeps_everything_and_record_takes_the_subject(
    tmp_path: Path, port: tuple[str, BandDriver]
) -> None:
    path, _driver = port
    db = tmp_path / "n.sqlite"
    runner = CliRunner()
    paired = runner.invoke(
        main,
        [
            "pair",
            "--serial",
            path,
            "--side",
            "right",
            "--subject",
            "P-042",
            "--db",
            str(db),
            "--json",
        ],
    )
    assert paired.exit_code == 0, paired.output
    shown = json.loads(paired.output)
    assert shown["device_id"] == "RLS-00000000CAFE0001" and shown["serial"] == "SN-0001"

    # a new process (a new Store) sees the whole pairing
    with Store(db) as store:
        kept = find_pairing(store, f"serial:{path}")
    assert kept is not None
    assert (kept.device_id, kept.serial, kept.side, kept.subject) == (
        "RLS-00000000CAFE0001",
        "SN-0001",
        "right",
        "P-042",
    )
    assert kept.model == "RLS band (simulated)" and kept.firmware

    async def short_night() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.call_later(1.5, stop.set)
        result = await record_night_async(db, [f"serial:{path}"], config=FAST, stop=stop)
        return result.night_id

    night_id = asyncio.run(short_night())
    with Store(db) as store:
        night = store.get_night(night_id)
    assert night.subject == "P-042"  # from the pairing, no --subject given


def test_record_refuses_a_swapped_band_and_an_unpaired_port(
    tmp_path: Path, port: tuple[str, BandDriver]
) -> None:
    path, driver = port
    db = tmp_path / "n.sqlite"
    runner = CliRunner()
    paired = runner.invoke(
        main, ["pair", "--serial", path, "--side", "left", "--subject", "P-7", "--db", str(db)]
    )
    assert paired.exit_code == 0, paired.output

    # another band now answers at the paired port: refused, one line, nothing stored
    impostor = _band("RLS-00000000BADBAD02", "SN-9999")
    with driver.lock:
        impostor.connect(att_mtu=None)
        driver.band = impostor
    refused = runner.invoke(main, ["record", "--serial", path, "--db", str(db), "--quiet"])
    assert refused.exit_code != 0
    lines = _lines(refused.output)
    assert len(lines) == 1, refused.output
    assert "RLS-00000000BADBAD02" in lines[0] and "not the paired" in lines[0]
    with Store(db) as store:
        assert all(n.n_samples == 0 for n in store.list_nights())

    # a port that was never paired: refused before connecting
    other = runner.invoke(
        main, ["record", "--serial", "/dev/null-band", "--db", str(db), "--quiet"]
    )
    assert other.exit_code != 0
    lines = _lines(other.output)
    assert len(lines) == 1 and "not a paired band" in lines[0], other.output
