"""Benchmark of sleep-lab event exports: read and score a full night in each format.

Run with ``python -m benchmarks sleeplab``. A simulated 8 h night (960 stage epochs, 640 leg
movements on two legs, arousals and respiratory events) is written by the test writers of
``tests/sleeplab/exports.py`` as NSRR XML, Profusion XML, EDF+ annotations and a UTF-16
Noxturnal export; prints the median of 5 reads and of 5 scorings. Asserts nothing; no target.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rls_monitor.detection.indices import StageEpochs
from rls_monitor.events import EventList
from rls_monitor.scoring import score
from rls_monitor.sleeplab import read_event_file
from tests.sleeplab.exports import (
    write_edf_annotations,
    write_noxturnal_csv,
    write_nsrr_xml,
    write_profusion_xml,
)


def _night() -> EventList:
    rng = np.random.default_rng(14)
    n_epochs = 960
    stages = rng.choice(["W", "N1", "N2", "N3", "R"], n_epochs, p=[0.15, 0.1, 0.45, 0.15, 0.15])
    onsets = np.cumsum(rng.integers(15, 60, 640)).astype(np.float64)
    onsets = onsets[onsets < n_epochs * 30 - 20]
    ar = np.sort(rng.choice(np.arange(0, n_epochs * 30 - 20, 7), 120, replace=False))
    resp = np.sort(rng.choice(np.arange(0, n_epochs * 30 - 40, 11), 200, replace=False))
    return EventList(
        onset_s=onsets,
        offset_s=onsets + rng.integers(500, 9000, onsets.size) / 1000,
        side=tuple(rng.choice(["left", "right"], onsets.size)),
        duration_s=n_epochs * 30.0,
        stages=StageEpochs(np.arange(n_epochs, dtype=np.float64) * 30, tuple(stages)),
        arousal_onset_s=ar.astype(np.float64),
        arousal_offset_s=ar + 4.5,
        respiratory_onset_s=resp.astype(np.float64),
        respiratory_offset_s=resp + 15.25,
        respiratory_type=tuple(rng.choice(["apnea", "hypopnea", "rera"], resp.size)),
    )


def _median(fn: Callable[[], object], n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    night = _night()
    writers = {
        "NSRR XML": (write_nsrr_xml, "night.xml"),
        "Profusion XML": (write_profusion_xml, "night_p.xml"),
        "EDF+ annotations": (write_edf_annotations, "night.edf"),
        "Noxturnal UTF-16": (write_noxturnal_csv, "night.csv"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (write, file_name) in writers.items():
            path = write(night, Path(tmp) / file_name)
            events = read_event_file(path)
            t_read = _median(lambda path=path: read_event_file(path))  # type: ignore[misc]
            t_score = _median(lambda events=events: score(events))  # type: ignore[misc]
            print(
                f"  {name:17s} {path.stat().st_size / 1e3:7.0f} kB, {events.n_lm} LM: read "
                f"{t_read * 1e3:6.1f} ms, score {t_score * 1e3:5.1f} ms (medians of 5)"
            )


if __name__ == "__main__":
    main()
