"""Tonight's night in a background thread: its live status, a clean Stop, the night stored."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.nights.status import NightStatus, format_status_line
from rls_monitor.storage import Store
from rls_monitor.web.recording import (
    MIN_RESCORE_INTERVAL_S,
    NightRun,
    live_rescore_interval_s,
    status_dict,
)


def test_status_dict_before_the_first_status() -> None:
    assert status_dict(None) == {"night": None, "line": "starting", "bands": []}


def test_a_whole_simulated_night_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    run = NightRun(db, speed=math.inf, duration_s=600.0, seed=1).start()
    assert run.wait(120.0)
    snap = run.snapshot()
    assert snap["finished"] and not snap["running"] and snap["error"] is None
    assert snap["simulated"] and snap["scored"]
    (band,) = snap["bands"]
    assert band["samples"] == 600 * 50
    with Store(db, create=False, readonly=True) as store:
        info = store.get_night(snap["night"])
    assert info.status == "complete" and info.n_samples == 600 * 50
    assert info.lm_count == snap["lm_count"]


def test_stop_ends_the_night_cleanly_and_it_is_stored(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    run = NightRun(db, speed=600.0, duration_s=8 * 3600.0).start()
    deadline = time.monotonic() + 60.0
    seen: list[int] = []
    while time.monotonic() < deadline:
        snap = run.snapshot()
        if snap["bands"] and snap["bands"][0]["samples"] > 0:
            seen.append(snap["bands"][0]["samples"])
            if len(seen) >= 2 and seen[-1] > seen[0]:
                break
        time.sleep(0.2)
    assert len(seen) >= 2 and seen[-1] > seen[0], "the status did not advance"
    version = run.version
    run.stop()
    assert run.wait(60.0)
    snap = run.snapshot()
    assert run.version > version
    assert snap["finished"] and snap["error"] is None
    samples = snap["bands"][0]["samples"]
    assert seen[-1] <= samples < 8 * 3600 * 50  # stopped well before the night's end
    with Store(db, create=False, readonly=True) as store:
        info = store.get_night(snap["night"])
    assert info.status == "complete" and info.n_samples == samples
    assert info.rules == "wasm2016" and info.lm_count is not None  # scored


def test_the_status_line_is_the_clis(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=math.inf, duration_s=300.0).start()
    assert run.wait(120.0)
    assert run.result is not None and isinstance(run.result.status, NightStatus)
    assert run.snapshot()["line"] == format_status_line(run.result.status)


def test_a_night_that_cannot_start_says_why(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=math.inf, duration_s=10.0).start()
    assert run.wait(60.0)
    snap = run.snapshot()
    assert (
        not snap["finished"] and snap["error"] == "a simulated night lasts at least 120 s; got 10.0"
    )


def test_speed_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="speed"):
        NightRun(tmp_path / "n.sqlite", speed=0.0)


def test_the_live_rescore_interval_follows_the_speed() -> None:
    assert live_rescore_interval_s(1.0) == SessionConfig().rescore_interval_s == 120.0
    assert live_rescore_interval_s(60.0) == 2.0
    assert live_rescore_interval_s(600.0) == MIN_RESCORE_INTERVAL_S
    assert live_rescore_interval_s(math.inf) == MIN_RESCORE_INTERVAL_S
    assert NightRun(Path("n.sqlite"), speed=1.0).first_count() == (
        "first count after 2 min of recording"
    )
    assert NightRun(Path("n.sqlite"), speed=math.inf).first_count() == "first count after 2 s"
    assert NightRun(Path("n.sqlite"), specs=["serial:/dev/x"]).first_count() == (
        "first count after 2 min of recording"
    )


def test_movements_so_far_come_while_the_night_runs_at_full_speed(tmp_path: Path) -> None:
    run = NightRun(tmp_path / "n.sqlite", speed=math.inf, duration_s=16 * 3600.0).start()
    try:
        first = run.snapshot()
        assert first.get("lm_count") is None
        assert first["first_count"] == "first count after 2 s"
        deadline = time.monotonic() + 60.0
        counted = None
        while time.monotonic() < deadline and run.running:
            snap = run.snapshot()
            if snap.get("lm_count") is not None:
                counted = snap
                break
            time.sleep(0.05)
        assert counted is not None, "no live count before the night ended"
        assert counted["running"] and not counted["finished"]
        assert counted["bands"][0]["samples"] < 16 * 3600 * 50
    finally:
        run.stop()
        assert run.wait(120.0)
