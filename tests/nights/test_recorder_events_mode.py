"""``record --on-device``: the simulated band in events mode through the real links, end to end.

The band runs its integer pipeline (``firmware_host.processing``) and sends only EVENT and SUMMARY
frames; the host scores the night from them, stores it marked as scored on the band, and a later
sync of the band's flash fills the same night with its raw samples for a rescore on the host.
Nights here are 1-2 h of simulated signal at ``--speed max`` (a few seconds each).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from rls_monitor.cli.record import record_command
from rls_monitor.detection.movements import BAND_PIPELINE
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.link.transports import LinkConfig
from rls_monitor.nights.recorder import NightRecorder, StopSignal
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.simulation import (
    build_simulated_links,
    record_simulated_night_async,
    simulated_sources,
)
from rls_monitor.storage import Store

FAST = SessionConfig(
    link=LinkConfig(backoff_initial_s=0.01, backoff_max_s=0.05, watchdog_s=0.5, scan_timeout_s=2.0),
    rescore_interval_s=0.5,
    housekeeping_interval_s=0.25,
    max_sync_rtt_s=60.0,
)
NIGHT_S = 2 * 3600.0


def _source(seed: int, duration_s: float = NIGHT_S) -> tuple[Any, float, float]:
    return simulated_sources(None, duration_s=duration_s, bilateral=False, seed=seed)["left"]


def _host_score(counts: Any, lsb_g: float, fs_hz: float, detector: Any = None) -> Any:
    """The host's score of the raw samples (with the band's own detector: BAND_PIPELINE)."""
    return score(Recording.from_counts(counts, lsb_g, fs_hz, side="left"), detector=detector)


async def _record(db: Path, link: str, *, on_device: bool, seed: int = 3, **kw: Any) -> Any:
    return await record_simulated_night_async(
        db, duration_s=NIGHT_S, link=link, seed=seed, config=FAST, on_device=on_device, **kw
    )


@pytest.mark.parametrize("link", ["ble", "serial"])
async def test_events_mode_uses_50x_fewer_radio_bytes_than_raw_streaming(
    tmp_path: Path, link: str
) -> None:
    raw = await _record(tmp_path / "raw.sqlite", link, on_device=False)
    events = await _record(tmp_path / "events.sqlite", link, on_device=True)
    raw_bytes = raw.link_report()["left"]["bytes_received"]
    event_bytes = events.link_report()["left"]["bytes_received"]
    hours = NIGHT_S / 3600.0
    assert raw_bytes / hours > 50 * (event_bytes / hours), (raw_bytes, event_bytes)
    # the raw night really streamed its samples and the events night really did not
    assert raw.status.bands[0].samples == pytest.approx(NIGHT_S * 50.0, abs=50)
    assert events.status.bands[0].samples == 0


@pytest.mark.parametrize("seed", [3, 11])
async def test_band_scored_plm_index_agrees_with_the_host_within_5_percent(
    tmp_path: Path, seed: int
) -> None:
    counts, lsb_g, fs_hz = _source(seed)
    result = await _record(tmp_path / "n.sqlite", "ble", on_device=True, seed=seed)
    # the band runs the host's detector as BAND_PIPELINE sets it (no artefact rule)
    host = _host_score(counts, lsb_g, fs_hz, BAND_PIPELINE)
    band = result.score
    assert band.source["scored_on"] == "band"
    assert host.counts["plm"] >= 10  # an ordinary night with PLMs to compare
    assert band.plm_per_h == pytest.approx(host.plm_per_h, rel=0.05)
    assert band.duration_s == pytest.approx(NIGHT_S, abs=60.0)
    with Store(tmp_path / "n.sqlite") as store:
        night = store.get_night(result.night_id)
        meta = store.night_metadata(result.night_id)
        stored = store.get_result(result.night_id)
    assert night.status == "complete"
    assert meta["mode"] == "events" and meta["scored_on"] == "band"
    assert meta["raw_samples"] is False
    assert meta["events_start"]["left"]["first_event_seq"] == 0
    assert stored is not None
    assert stored["source"]["scored_on"] == "band"
    assert stored["indices"]["plm_per_h"] == pytest.approx(band.plm_per_h)


async def test_events_mode_survives_link_losses(tmp_path: Path) -> None:
    """Event frames sent while the link was down are replayed on reconnection: none is lost."""
    from firmware_host import protocol as p

    def faults(side: str, band: Any) -> None:
        band.faults.drop_link_at_s.extend([900.0, 2400.0, 4000.0, 6100.0])

    sources = {"left": _source(5)}
    setup = build_simulated_links(
        sources, speed=float("inf"), link="ble", config=FAST, faults=faults
    )
    lossy = await record_simulated_night_async(
        tmp_path / "n.sqlite", config=FAST, on_device=True, setup=setup
    )
    report = lossy.link_report()["left"]
    assert report["link_losses"] >= 4
    assert report["frames_lost"] == 0
    sent = [p.decode_frame(f) for f in setup.drivers["left"].band.event_frames]
    lms = [f for f in sent if isinstance(f, p.EventFrame) and f.kind in (0, 1)]
    minutes = [f for f in sent if isinstance(f, p.SummaryFrame)]
    assert lossy.score.source["n_events"] == len(lms)
    assert lossy.score.source["n_minutes"] == len(minutes)
    host = _host_score(*sources["left"])
    assert lossy.score.plm_per_h == pytest.approx(host.plm_per_h, rel=0.05)


async def test_events_night_then_sync_then_rescore_gives_the_host_score(tmp_path: Path) -> None:
    """Scored on the band overnight; in the morning the raw samples are synced into the same
    night and a rescore gives exactly the host's score of the band's source."""
    db = tmp_path / "n.sqlite"
    duration_s = 3600.0
    sources = simulated_sources(None, duration_s=duration_s, bilateral=False, seed=7)
    setup = build_simulated_links(sources, speed=float("inf"), link="ble", config=FAST)
    try:
        night = await record_simulated_night_async(
            db, config=FAST, on_device=True, setup=setup, link="ble"
        )
        assert night.score.source["scored_on"] == "band"
        with Store(db) as store:
            recorder = NightRecorder(
                store,
                setup.links,
                config=FAST,
                clock=setup.clock,
                sync_to_end=True,
                start="oldest",
            )
            synced = await recorder.run(StopSignal())
            assert synced.night_id == night.night_id  # the same night, not a new one
            meta = store.night_metadata(night.night_id)
            assert meta["raw_samples"] is True and meta["scored_on"] == "host"
            stored = np.asarray(store.read_samples(night.night_id, 0))
            counts, lsb_g, fs_hz = sources["left"]
            np.testing.assert_array_equal(stored, counts)
            rescored, _ = rescore_night(store, night.night_id, calibration="none")
    finally:
        for close in setup.cleanup:
            close()
    host = _host_score(counts, lsb_g, fs_hz)
    assert rescored.counts == host.counts
    assert rescored.indices == host.indices
    assert rescored.source.get("scored_on") != "band"


def test_cli_record_on_device(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    result = CliRunner().invoke(
        record_command,
        [
            *("--simulate", "--duration", "1800", "--speed", "max", "--on-device"),
            *("--db", str(db), "--json", "--quiet"),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["score"]["source"]["scored_on"] == "band"
    assert payload["link"]["left"]["samples"] == 0
