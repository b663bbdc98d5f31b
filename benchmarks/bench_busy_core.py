"""Benchmark of score() idle and beside a process that keeps one core busy.

Run as ``python -m benchmarks.bench_busy_core``. On an 8 h, 50 Hz simulated night ("ordinary"):

- :func:`rls_monitor.scoring.score` of the recording, median over ``repeats`` runs, on a machine
  left alone (*idle*);
- the same beside a *busy* process: a child Python process spinning a busy loop (bounded in
  time, killed after the runs), which keeps one core busy as other work on a laptop or a batch
  worker would;
- the ratio busy / idle (target under 1.2x).

Scoring must not depend on how many BLAS threads there are: multi-threaded OpenBLAS threads
spin waiting for each other, and beside one busy process a parallel matrix product in the
scoring path made it about 10x slower (1,559 ms against 68 ms idle before issue 13). So the
runs take place in a child process started with the default thread settings of a user's
machine (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` removed from its
environment), not the one-thread setting the other benchmarks use.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that limit the thread pools; removed for the measuring child."""

SPIN_CODE = (
    "import sys, time\n"
    "end = time.monotonic() + float(sys.argv[1])\n"
    "while time.monotonic() < end:\n"
    "    pass\n"
)
"""The busy process: a busy loop that ends by itself after ``argv[1]`` seconds."""


def _time_runs(run: Callable[[], object], repeats: int) -> list[float]:
    """Wall times (s) of ``repeats`` calls of ``run`` after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return times


def measure(repeats: int, hours: float, fs_hz: float, spin_limit_s: float) -> dict[str, object]:
    """Time score() idle, then beside a busy child process (run in the measuring child).

    Parameters
    ----------
    repeats : int
        Runs of ``score()`` per condition.
    hours, fs_hz : float
        Length (h) and rate (Hz) of the simulated night.
    spin_limit_s : float
        Longest life of the busy process (s); it is killed as soon as the runs are done.

    Returns
    -------
    dict
        ``idle_s`` and ``busy_s`` (lists of wall times, s), the night's LM count, the numbers of
        CPUs and the BLAS library NumPy uses.
    """
    import numpy as np

    from firmware_host.signal_model import night_config, simulate_night
    from rls_monitor.recording import Recording
    from rls_monitor.scoring import score

    night = simulate_night(night_config("ordinary", duration_s=hours * 3600.0, fs_hz=fs_hz), seed=1)
    rec = Recording(night.accel_g, fs_hz=night.fs_hz, side="left")
    lm = score(rec).counts["lm"]
    idle = _time_runs(lambda: score(rec), repeats)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN_CODE, f"{spin_limit_s:g}"])
    try:
        time.sleep(0.3)  # let it reach its loop
        busy = _time_runs(lambda: score(rec), repeats)
    finally:
        spinner.kill()
        spinner.wait()
    blas = "unknown"
    config = np.show_config(mode="dicts")
    if isinstance(config, dict):
        dep = config.get("Build Dependencies", {}).get("blas", {})
        blas = f"{dep.get('name', '?')} {dep.get('version', '')}".strip()
    return {
        "idle_s": idle,
        "busy_s": busy,
        "lm": lm,
        "cpus": os.cpu_count(),
        "blas": blas,
    }


def main(
    repeats: int = 7, hours: float = 8.0, fs_hz: float = 50.0, spin_limit_s: float = 120.0
) -> None:
    """Print score()'s median idle, beside a busy core, and the ratio.

    Parameters
    ----------
    repeats : int
        Runs of ``score()`` per condition (the medians are reported).
    hours, fs_hz : float
        Length (h) and rate (Hz) of the simulated night.
    spin_limit_s : float
        Longest life of the busy process (s); it is killed after the runs.
    """
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    args = json.dumps([repeats, hours, fs_hz, spin_limit_s])
    code = (
        "import json, sys\n"
        "from benchmarks.bench_busy_core import measure\n"
        "print(json.dumps(measure(*json.loads(sys.argv[1]))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, args], env=env, capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    idle = statistics.median(got["idle_s"])
    busy = statistics.median(got["busy_s"])
    print(
        f"{hours:g} h at {fs_hz:g} Hz ({got['lm']} LMs); default thread settings, "
        f"{got['cpus']} CPUs, BLAS {got['blas']}"
    )
    print(
        f"score() idle: median {idle * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(got['idle_s']) * 1e3:.1f}, max {max(got['idle_s']) * 1e3:.1f})"
    )
    print(
        f"score() beside a busy core: median {busy * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(got['busy_s']) * 1e3:.1f}, max {max(got['busy_s']) * 1e3:.1f})"
    )
    print(f"ratio busy / idle: {busy / idle:.2f}x (target < 1.2x)")


if __name__ == "__main__":
    main()
