"""Benchmark of score() idle and beside a process that keeps one core busy.

Run as ``python -m benchmarks.bench_busy_core``. On an 8 h, 50 Hz simulated night ("ordinary"):

- :func:`rls_monitor.scoring.score` of the recording, median over ``repeats`` runs, on a machine
  left alone (*idle*);
- the same beside a *busy* process: a child Python process spinning a busy loop (bounded in
  time, killed after the runs), which keeps one core busy as other work on a laptop or a batch
  worker would;
- the ratio busy / idle (target under 1.2x), with the CPU time of each run (a process whose
  threads spin against the busy one burns more CPU, not only more wall time);
- a control: the same beside the busy process with one BLAS thread (``OPENBLAS_NUM_THREADS=1``
  and the like). Scoring that does not depend on the BLAS threads takes the same time either
  way; on a machine that other work keeps busy too (a shared 2-core one), the busy/idle ratio
  also holds the share of the cores the extra process takes, which this control shows apart.

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
from typing import Any

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables that limit the thread pools; removed for the measuring child."""

SPIN_CODE = (
    "import sys, time\n"
    "end = time.monotonic() + float(sys.argv[1])\n"
    "while time.monotonic() < end:\n"
    "    pass\n"
)
"""The busy process: a busy loop that ends by itself after ``argv[1]`` seconds."""


def _time_runs(run: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU times (s; CPU of every thread of the process) of ``repeats`` calls of ``run``
    after one warm-up call."""
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def measure(repeats: int, hours: float, fs_hz: float, spin_limit_s: float) -> dict[str, Any]:
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
        ``idle_s`` and ``busy_s`` (lists of wall times, s), ``idle_cpu_s`` and ``busy_cpu_s``
        (the process's CPU times, s), the night's LM count, the number of CPUs and the BLAS
        library NumPy uses.
    """
    import numpy as np

    from firmware_host.signal_model import night_config, simulate_night
    from rls_monitor.recording import Recording
    from rls_monitor.scoring import score

    night = simulate_night(night_config("ordinary", duration_s=hours * 3600.0, fs_hz=fs_hz), seed=1)
    rec = Recording(night.accel_g, fs_hz=night.fs_hz, side="left")
    lm = score(rec).counts["lm"]
    idle, idle_cpu = _time_runs(lambda: score(rec), repeats)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN_CODE, f"{spin_limit_s:g}"])
    try:
        time.sleep(0.3)  # let it reach its loop
        busy, busy_cpu = _time_runs(lambda: score(rec), repeats)
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
        "idle_cpu_s": idle_cpu,
        "busy_cpu_s": busy_cpu,
        "lm": lm,
        "cpus": os.cpu_count(),
        "blas": blas,
    }


def main(
    repeats: int = 7, hours: float = 8.0, fs_hz: float = 50.0, spin_limit_s: float = 120.0
) -> None:
    """Print score()'s median idle, beside a busy core, the ratio, and the one-thread control.

    Parameters
    ----------
    repeats : int
        Runs of ``score()`` per condition (the medians are reported).
    hours, fs_hz : float
        Length (h) and rate (Hz) of the simulated night.
    spin_limit_s : float
        Longest life of the busy process (s); it is killed after the runs.
    """
    base = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    default = _child(base, repeats, hours, fs_hz, spin_limit_s)
    one = _child(
        {**base, **dict.fromkeys(THREAD_VARIABLES, "1")}, repeats, hours, fs_hz, spin_limit_s
    )
    med = statistics.median
    idle, busy = med(default["idle_s"]), med(default["busy_s"])
    print(
        f"{hours:g} h at {fs_hz:g} Hz ({default['lm']} LMs); default thread settings, "
        f"{default['cpus']} CPUs, BLAS {default['blas']}"
    )
    print(
        f"score() idle: median {idle * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(default['idle_s']) * 1e3:.1f}, max {max(default['idle_s']) * 1e3:.1f}); "
        f"CPU {med(default['idle_cpu_s']) * 1e3:.1f} ms"
    )
    print(
        f"score() beside a busy core: median {busy * 1e3:.1f} ms over {repeats} runs "
        f"(min {min(default['busy_s']) * 1e3:.1f}, max {max(default['busy_s']) * 1e3:.1f}); "
        f"CPU {med(default['busy_cpu_s']) * 1e3:.1f} ms"
    )
    print(f"ratio busy / idle: {busy / idle:.2f}x (target < 1.2x)")
    one_busy = med(one["busy_s"])
    print(
        f"  control, one BLAS thread (OPENBLAS_NUM_THREADS=1 ...): idle "
        f"{med(one['idle_s']) * 1e3:.1f} ms, beside a busy core {one_busy * 1e3:.1f} ms; "
        f"default / one thread beside a busy core: {busy / one_busy:.2f}x (1.0: scoring does "
        "not depend on the BLAS threads; a busy/idle ratio above it is the other processes' "
        "share of the cores)"
    )


def _child(
    env: dict[str, str], repeats: int, hours: float, fs_hz: float, spin_limit_s: float
) -> dict[str, Any]:
    """:func:`measure` in a fresh Python process with the environment ``env``."""
    code = (
        "import json, sys\n"
        "from benchmarks.bench_busy_core import measure\n"
        "print(json.dumps(measure(*json.loads(sys.argv[1]))))\n"
    )
    args = json.dumps([repeats, hours, fs_hz, spin_limit_s])
    out = subprocess.run(
        [sys.executable, "-c", code, args], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
