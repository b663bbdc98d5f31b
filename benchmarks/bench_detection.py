"""Benchmark of posture + leg-movement detection against the loop reference, in one run.

Run as ``python -m benchmarks.bench_detection``. On an 8 h, 50 Hz simulated night ("ordinary"):

- the vectorised detector (:func:`~rls_monitor.detection.detect_posture` then
  :func:`~rls_monitor.detection.detect_leg_movements`): median over ``repeats`` runs;
- the loop reference of the same steps (:func:`reference_lying` for the lying decision,
  :func:`reference_detect_leg_movements` for the envelope, floor, rules and context) on a slice
  of ``slice_min`` minutes, timed and extrapolated per sample to the whole night (it is linear
  in the number of samples; a whole night would take minutes); 3 runs interleaved with the
  vectorised ones, so that a shared machine's load hits both alike;
- their ratio, and the peak memory of the vectorised run (tracemalloc, which sees NumPy's
  buffers) against the size of the recording (float32, n x 3).

One core: the thread pools are limited to one thread before NumPy is imported when this module
is run as a script; the detector barely uses BLAS anyway (``sosfilt``, the ``ndimage`` filters
and element-wise NumPy do not; its BLAS calls are the posture's products of the epochs' gravity
directions with one axis, n x 3 by 3, too small for OpenBLAS to split over threads, and a 3 x 3
eigen-decomposition; ``bench_busy_core`` scores beside a busy core with the default threads).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import TypeVar  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from firmware_host.signal_model import night_config, simulate_night  # noqa: E402
from rls_monitor.detection import (  # noqa: E402
    LegMovements,
    Posture,
    detect_leg_movements,
    detect_posture,
)
from tests.oracles.movements import (  # noqa: E402
    reference_detect_leg_movements,
    reference_posture,
)

T = TypeVar("T")


def reference_on_slice(
    a: NDArray[np.float32], fs: float, slice_min: float
) -> tuple[NDArray[np.float32], Posture, Callable[[], float]]:
    """The loop reference detector on a slice starting 1 h in, timed and extrapolated.

    Parameters
    ----------
    a : ndarray of float32, shape (n, 3)
        The whole night, g.
    fs : float
        Sample rate (Hz).
    slice_min : float
        Length of the slice (min); the slice starts 1 h in (lying, with movements).

    Returns
    -------
    part : ndarray of float32, shape (m, 3)
        The slice.
    part_post : Posture
        Its posture from the vectorised detector (shank axis and walking epochs; not timed).
    reference : callable
        Runs the reference on the slice and returns its time extrapolated per sample to the
        whole night (s).
    """
    i0 = int(3600 * fs)
    part = a[i0 : i0 + int(slice_min * 60 * fs)]
    part_post = detect_posture(part, fs)

    def reference() -> float:
        t0 = time.perf_counter()
        reference_detect_leg_movements(part, fs, posture=reference_posture(part, fs, part_post))
        return (time.perf_counter() - t0) * a.shape[0] / part.shape[0]

    return part, part_post, reference


def interleaved(
    run: Callable[[], T], reference: Callable[[], float], repeats: int
) -> tuple[T, list[float], list[float]]:
    """Time ``run`` ``repeats`` times after a warm-up, and ``reference`` after every second run
    (three times at most), interleaved so that both see the same load of a shared machine.

    Returns
    -------
    last : T
        What the last run returned.
    times, ref_times : list of float
        Wall times of the runs (s); what ``reference`` returned.
    """
    last = run()  # warm-up
    times: list[float] = []
    ref_times: list[float] = []
    for i in range(repeats):
        t0 = time.perf_counter()
        last = run()
        times.append(time.perf_counter() - t0)
        if i % 2 == 1 and len(ref_times) < 3:
            ref_times.append(reference())
    return last, times, ref_times


def main(
    repeats: int = 7, slice_min: float = 15.0, hours: float = 8.0, fs_hz: float = 50.0
) -> None:
    """Print the vectorised median, the reference's extrapolated time, the ratio and memory.

    Parameters
    ----------
    repeats : int
        Runs of the vectorised detector (the median is reported).
    slice_min : float
        Length of the slice the reference runs on (min).
    hours, fs_hz : float
        Length (h) and rate (Hz) of the simulated night.
    """
    night = simulate_night(night_config("ordinary", duration_s=hours * 3600.0, fs_hz=fs_hz), seed=1)
    a, fs = night.accel_g, night.fs_hz
    n = a.shape[0]
    part, part_post, reference = reference_on_slice(a, fs, slice_min)

    def run() -> tuple[Posture, LegMovements]:
        post = detect_posture(a, fs)
        return post, detect_leg_movements(a, fs, posture=post)

    (post, lms), times, ref_times = interleaved(run, reference, repeats)
    vec_s = statistics.median(times)
    ref_s = statistics.median(ref_times)
    tracemalloc.start()
    detect_leg_movements(a, fs, posture=detect_posture(a, fs))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ref_lms = reference_detect_leg_movements(
        part, fs, posture=reference_posture(part, fs, part_post)
    )
    vec_part = detect_leg_movements(part, fs, posture=part_post)
    same = len(vec_part) == len(ref_lms) and bool((vec_part.onset_s == ref_lms.onset_s).all())

    size = a.nbytes
    print(f"{hours:g} h at {fs:g} Hz: {n} samples, {size / 1e6:.1f} MB float32 (n x 3)")
    print(
        f"vectorised posture + leg movements: median {vec_s * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f})"
    )
    print(
        f"  {len(lms)} LMs, in bed {post.in_bed_s / 3600:.2f} h, {len(post.turnovers)} turn-overs"
    )
    print(
        f"loop reference (lying + envelope + floor + rules + context) on a {slice_min:g}-min "
        f"slice, extrapolated per sample to {hours:g} h: median {ref_s:.1f} s of "
        f"{len(ref_times)} (min {min(ref_times):.1f} s)"
    )
    print(f"  on the slice: {len(ref_lms)} LMs, identical to the vectorised detector: {same}")
    print(
        f"ratio reference / vectorised: {ref_s / vec_s:.0f}x of the medians, "
        f"{min(ref_times) / min(times):.0f}x of the best runs (target >= 100x)"
    )
    print(f"peak memory (tracemalloc): {peak / 1e6:.1f} MB = {peak / size:.2f}x the recording")


if __name__ == "__main__":
    main()
