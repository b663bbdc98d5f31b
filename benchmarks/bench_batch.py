"""Benchmark of batch runs: nights per minute on 1 and 2 local workers, and on a 2-worker Dask
LocalCluster against 2 local processes; peak memory per worker.

Run with ``python -m benchmarks batch`` (or ``make bench``). Prints figures; asserts nothing.
The nights: ``N_NIGHTS`` simulated 8 h, 50 Hz nights written as CSV files (what a cohort folder
holds), each imported into a fresh store by :func:`rls_monitor.batch.run_batch`.
"""

from __future__ import annotations

import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.batch import run_batch
from rls_monitor.batch.runners import DaskRunner, InlineRunner, PoolRunner
from rls_monitor.recording import Recording, write_csv
from rls_monitor.storage import Store

N_NIGHTS = 6
START = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)


def _folder(root: Path) -> Path:
    root.mkdir()
    for k in range(N_NIGHTS):
        sim = simulate_night(night_config("ordinary", duration_s=8 * 3600.0, fs_hz=50.0), seed=k)
        rec = Recording.from_counts(sim.counts, sim.lsb_g, sim.fs_hz, start_utc=START, side="left")
        write_csv(rec, root / f"P{k:02d}.csv")
    return root


def _run(folder: Path, db: Path, runner: Any) -> float:
    with Store(db) as store:
        start = time.perf_counter()
        report = run_batch(store, [folder], runner=runner)
        elapsed = time.perf_counter() - start
    assert len(report.stored) == N_NIGHTS, report.failures
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        start = time.perf_counter()
        folder = _folder(tmp / "cohort")
        print(
            f"  {N_NIGHTS} nights of 8 h at 50 Hz written as CSV in {time.perf_counter() - start:.1f} s"
        )
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t1 = _run(folder, tmp / "one.sqlite", InlineRunner())
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"  1 worker (this process): {60 * N_NIGHTS / t1:.1f} nights/min ({t1:.1f} s); "
            f"peak RSS of the process {rss1 / 1024:.0f} MB (was {rss0 / 1024:.0f} MB before)"
        )
        pool = PoolRunner(2)
        try:
            t2 = _run(folder, tmp / "two.sqlite", pool)
        finally:
            pool.close()
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            f"  2 local workers: {60 * N_NIGHTS / t2:.1f} nights/min ({t2:.1f} s); "
            f"scaling 2 vs 1: {t1 / t2:.2f}x; peak RSS of a worker {child / 1024:.0f} MB"
        )
        try:
            import distributed
        except ImportError:
            print("  Dask: not installed (pip install 'rls-monitor[cluster]')")
            return
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
        try:
            td = _run(folder, tmp / "dask.sqlite", DaskRunner(client))
            memory = client.run(lambda dask_worker: dask_worker.monitor.get_process_memory())
        finally:
            client.close()
            cluster.close()
        worst = max(memory.values()) / 2**20 if memory else float("nan")
        print(
            f"  2-worker Dask LocalCluster: {60 * N_NIGHTS / td:.1f} nights/min ({td:.1f} s); "
            f"overhead vs 2 local processes: {td / t2:.2f}x; worker memory at the end {worst:.0f} MB"
        )


if __name__ == "__main__":
    main()
