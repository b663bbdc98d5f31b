"""Benchmark of posture + leg-movement detection on an 8 h, 50 Hz simulated night.

Run as ``python -m benchmarks.bench_detection``.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.detection import detect_leg_movements, detect_posture
from rls_monitor.detection.movements import (
    DetectorConfig,
    activity_envelope,
    movement_thresholds,
    samples_for,
)
from rls_monitor.detection.reference_movements import reference_score_envelope


def main(repeats: int = 7) -> None:
    """Print median time, the reference's extrapolated time, the ratio and peak memory."""
    night = simulate_night(night_config("ordinary", duration_s=8 * 3600.0, fs_hz=50.0), seed=1)
    a, fs = night.accel_g, night.fs_hz
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        post = detect_posture(a, fs)
        lms = detect_leg_movements(a, fs, posture=post)
        times.append(time.perf_counter() - t0)
    vec_s = statistics.median(times)
    tracemalloc.start()
    detect_leg_movements(a, fs, posture=detect_posture(a, fs))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cfg = DetectorConfig()
    env, fw = activity_envelope(a, fs, cfg)
    th = movement_thresholds(env, fw, cfg)
    sl = slice(0, int(1800 * fw))  # 30 min of the working grid
    t0 = time.perf_counter()
    reference_score_envelope(
        env[sl],
        th.per_sample(th.onset_mg)[sl],
        th.per_sample(th.offset_mg)[sl],
        quiet_n=samples_for(cfg.quiet_s, fw),
        min_n=samples_for(cfg.min_duration_s + cfg.envelope_s, fw),
        morphology_n=samples_for(cfg.morphology_s, fw, odd=True),
    )
    ref_slice_s = time.perf_counter() - t0
    ref_s = ref_slice_s * env.size / (sl.stop - sl.start)
    size = a.nbytes
    print(f"8 h at 50 Hz: {a.shape[0]} samples, {size / 1e6:.1f} MB float32")
    print(f"posture + leg movements: median {vec_s * 1e3:.1f} ms over {repeats} runs")
    print(
        f"  {len(lms)} LMs, in bed {post.in_bed_s / 3600:.2f} h, {len(post.turnovers)} turn-overs"
    )
    print(
        f"reference state machine (envelope given): {ref_slice_s:.2f} s on 30 min, "
        f"{ref_s:.1f} s extrapolated to 8 h"
    )
    print(f"ratio reference / vectorised (whole pipeline): {ref_s / vec_s:.0f}x")
    print(f"peak memory (tracemalloc): {peak / 1e6:.1f} MB = {peak / size:.1f}x the recording")
    _ = np.zeros(0)


if __name__ == "__main__":
    main()
