"""Benchmark of the whole score of a night, against the loop reference pipeline, in one run.

Run as ``python -m benchmarks.bench_score``. On an 8 h, 50 Hz simulated night ("ordinary"):

- :func:`rls_monitor.scoring.score` of the :class:`~rls_monitor.recording.Recording` (posture,
  leg movements, series rules, indices, the result): median over ``repeats`` runs; target
  under 100 ms on one core;
- its peak memory (tracemalloc) against the recording's size (float32, n x 3); target < 10x;
- the loop reference pipeline: :func:`reference_lying` + :func:`reference_detect_leg_movements`
  on a slice of ``slice_min`` minutes, extrapolated per sample to the night (both are linear in
  the samples; 3 runs interleaved with those of ``score()``, so that a shared machine's load
  hits both alike), plus :func:`reference_score_series` on the whole night's movements (timed
  as is: it is per movement, not per sample); the ratio to ``score()``; target >= 100x;
- reading the night as a CSV file (written once with :func:`write_csv` to a temporary folder)
  with :func:`read_csv`: median of 3; target under 1 s.

One core: thread pools are limited to one thread before NumPy is imported when run as a script;
the scoring code is single-threaded anyway (see ``bench_detection``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.bench_detection import interleaved, reference_on_slice  # noqa: E402
from firmware_host.signal_model import night_config, simulate_night  # noqa: E402
from rls_monitor.detection import detect_leg_movements, detect_posture  # noqa: E402
from rls_monitor.recording import Recording, read_csv, write_csv  # noqa: E402
from rls_monitor.scoring import score  # noqa: E402
from tests.oracles.series import reference_score_series  # noqa: E402


def main(
    repeats: int = 7, slice_min: float = 15.0, hours: float = 8.0, fs_hz: float = 50.0
) -> None:
    """Print score()'s median time and memory, the reference ratio and the CSV read time.

    Parameters
    ----------
    repeats : int
        Runs of ``score()`` (the median is reported).
    slice_min : float
        Length of the slice the reference detection runs on (min).
    hours, fs_hz : float
        Length (h) and rate (Hz) of the simulated night.
    """
    night = simulate_night(night_config("ordinary", duration_s=hours * 3600.0, fs_hz=fs_hz), seed=1)
    rec = Recording(night.accel_g, fs_hz=night.fs_hz, side="left")
    a, fs = rec.accel_g, rec.fs_hz
    n = a.shape[0]
    size = a.nbytes
    # reference pipeline: detection on a slice (extrapolated) + series on the whole night
    _, _, reference_detection = reference_on_slice(a, fs, slice_min)
    result, times, ref_times = interleaved(lambda: score(rec), reference_detection, repeats)
    score_s = statistics.median(times)
    ref_detect_s = statistics.median(ref_times)
    tracemalloc.start()
    score(rec)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    lms = detect_leg_movements(a, fs, posture=detect_posture(a, fs))
    keep = ~lms.posture_change
    t0 = time.perf_counter()
    ref_lms = reference_score_series(lms.onset_s[keep], lms.offset_s[keep], rules="wasm2016")
    ref_series_s = time.perf_counter() - t0
    ref_s = ref_detect_s + ref_series_s
    ref_plm = sum(1 for m in ref_lms if m.plm)

    # CSV round trip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "night.csv"
        write_csv(rec, path)
        mb = path.stat().st_size / 1e6
        csv_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            back = read_csv(path)
            csv_times.append(time.perf_counter() - t0)
        exact = back.accel_g.shape == a.shape and bool(np.array_equal(back.accel_g, a))
    csv_s = statistics.median(csv_times)

    print(f"{hours:g} h at {fs:g} Hz: {n} samples, {size / 1e6:.1f} MB float32 (n x 3)")
    print(
        f"score(): median {score_s * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}; target < 100 ms)"
    )
    print(
        f"  {result.counts['lm']} LMs, {result.counts['plm']} PLMs, PLM index "
        f"{result.plm_per_h:.1f}/h, in bed {result.in_bed_s / 3600:.2f} h "
        f"(reference series on the same movements: {ref_plm} PLMs)"
    )
    print(f"peak memory (tracemalloc): {peak / 1e6:.1f} MB = {peak / size:.2f}x the recording")
    print(
        f"reference pipeline: detection {ref_detect_s:.1f} s (a {slice_min:g}-min slice "
        f"extrapolated per sample to {hours:g} h) + series {ref_series_s * 1e3:.0f} ms "
        f"(whole night) = {ref_s:.1f} s"
    )
    print(
        f"ratio reference / score(): {ref_s / score_s:.0f}x of the medians, "
        f"{(min(ref_times) + ref_series_s) / min(times):.0f}x of the best runs (target >= 100x)"
    )
    print(
        f"read_csv of the night ({mb:.0f} MB): median {csv_s:.2f} s of 3 "
        f"(target < 1 s); exact round trip: {exact}"
    )


if __name__ == "__main__":
    main()
