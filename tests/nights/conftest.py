"""Fixtures of the nights tests: databases on disk, short simulated nights, a stand-in scorer."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.ndimage import median_filter

from rls_monitor.events import EventList
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult, score


def detector_available() -> bool:
    """True when the real leg-movement detector has landed (``score`` of a recording works)."""
    try:
        detection = importlib.import_module("rls_monitor.detection")
    except ImportError:
        return False
    return hasattr(detection, "detect_leg_movements") and hasattr(detection, "detect_posture")


needs_detector = pytest.mark.skipif(
    not detector_available(),
    reason="rls_monitor.detection.detect_leg_movements is not there yet (detector issue)",
)


def threshold_scorer(source: Recording | Sequence[Recording], rules: str) -> ScoreResult:
    """A small deterministic stand-in for the detector: movements where the dynamic magnitude
    exceeds 20 mg for 0.5-10 s, scored by the real series rules (``score`` of an event list).

    Used so the nights tests do not depend on the detector being finished.
    """
    rec = source if isinstance(source, Recording) else source[0]
    mag = np.linalg.norm(rec.accel_g.astype(np.float64), axis=1)
    win = max(3, int(rec.fs_hz) | 1)
    dyn = np.abs(mag - median_filter(mag, size=win, mode="nearest")) * 1e3
    smooth = np.convolve(dyn, np.ones(win) / win, mode="same") > 10.0
    edges = np.flatnonzero(np.diff(np.r_[0, smooth.astype(np.int8), 0]))
    on, off = edges[0::2] / rec.fs_hz, edges[1::2] / rec.fs_hz
    keep = ((off - on) >= 0.5) & ((off - on) <= 10.0)
    events = EventList(
        onset_s=on[keep], offset_s=off[keep], duration_s=rec.duration_s, start_utc=rec.start_utc
    )
    return score(events, rules=rules)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a database file on disk (not yet created)."""
    return tmp_path / "nights.sqlite"


def simulated_recording(
    duration_s: float = 1200.0, seed: int = 0, fs_hz: float = 50.0
) -> Recording:
    """A short simulated night at one ankle (the signal model), as a Recording of int16 counts."""
    from firmware_host.signal_model import night_config, simulate_night

    cfg: Any = night_config(
        "easy",
        duration_s=duration_s,
        fs_hz=fs_hz,
        prelude_s=(30.0, 60.0),
        morning_s=(30.0, 60.0),
        plm_series_per_h=8.0,
        bathroom_trips=(0, 0),
    )
    night = simulate_night(cfg, seed=seed)
    return Recording.from_counts(
        night.counts,
        night.lsb_g,
        night.fs_hz,
        start_utc=datetime(2026, 11, 24, 22, 30, tzinfo=UTC),
        device_id="AA:BB:CC:00:00:01",
        side="left",
    )


@pytest.fixture
def recording() -> Recording:
    """A 20-minute simulated night with a PLM series (seed 0: 34 PLMs by the stand-in scorer)."""
    return simulated_recording()
