"""A store with fixed simulated nights, for the export and report tests.

The nights come from the signal model (seeded, so always the same samples). They are scored by
:func:`rls_monitor.scoring.score` when the detector is available, otherwise from the simulator's
true movements as an event list; either way the tests compare what is exported with what the
store holds, so both paths test the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.events import EventList
from rls_monitor.nights.importing import import_recording
from rls_monitor.recording import Recording
from rls_monitor.scoring import ScoreResult, score
from rls_monitor.storage import Store

SUBJECT = "P01-Jane-Doe"
DEVICE = "AA:BB:CC:DD:EE:01"
START_UTC = datetime(2026, 11, 24, 22, 15, 3, 250000, tzinfo=UTC)
FS_HZ = 25.0
CALIBRATION = {
    "method": "six-pose",
    "offset_mg": [12.0, -8.0, 20.0],
    "scale": [1.01, 0.99, 1.02],
    "matrix": None,
}


@dataclass(frozen=True)
class FixtureStore:
    path: Path
    night_ids: list[int]
    counts: dict[int, Any]


def _scorer(truth: Any, duration_s: float) -> Any:
    def scorer(source: Recording, rules: str) -> ScoreResult:
        try:
            return score(source, rules=rules)
        except ImportError:
            events = EventList(truth.onset_s, truth.offset_s, duration_s=duration_s)
            return score(events, rules=rules)

    return scorer


def make_store(
    path: Path, seeds: Sequence[int] = (4,), duration_s: float = 2700.0, *, calibrated: bool = False
) -> FixtureStore:
    """A store with one simulated night per seed, of subject :data:`SUBJECT`, one a day.

    The default seeds give nights with PLM series (seed 4, 45 min: 3 series; seeds 12, 15, 19,
    20 min: one or two). With ``calibrated``, the band has the six-pose :data:`CALIBRATION` in force
    before the import, so the nights are scored with it and record it.
    """
    ids: list[int] = []
    counts: dict[int, Any] = {}
    with Store(path) as store:
        if calibrated:  # in force before the import, which scores with it and records it
            store.add_calibration(DEVICE, CALIBRATION, source="test fixture")
        for k, seed in enumerate(seeds):
            night = simulate_night(
                night_config("ordinary", duration_s=duration_s, fs_hz=FS_HZ), seed=seed
            )
            rec = Recording.from_counts(
                night.counts,
                night.lsb_g,
                night.fs_hz,
                device_id=DEVICE,
                side="left",
                start_utc=START_UTC + timedelta(days=k, minutes=7 * k),
            )
            imported = import_recording(
                store, rec, subject=SUBJECT, scorer=_scorer(night.truth.movements, duration_s)
            )
            ids.append(imported.night_id)
            counts[imported.night_id] = night.counts
    return FixtureStore(path, ids, counts)
