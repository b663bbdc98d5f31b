"""Benchmarks of the link and the recording session (run with ``make bench`` or directly).

1. End-to-end throughput of an accelerated replay: a simulated 8 h, 50 Hz night streamed at
   ``--speed max`` through the simulated BLE backend (bleak's front-end) and through a pty serial
   link into SQLite, scored at the end. Target: at least 3,000x real time.
2. CPU per hour of live 100 Hz streaming: a band streaming in real time (speed 1) for
   ``LIVE_S`` seconds through the BLE backend; the process CPU time (host and simulated band
   together: an upper bound for the host) scaled to one hour. Target: under 1 % of one core.
3. Memory over a whole night: resident set size sampled during the 8 h night in a fresh
   process. Target: flat, under 150 MB.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NIGHT_S = 8 * 3600.0
LIVE_S = float(os.environ.get("RLS_BENCH_LIVE_S", 20.0))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _night(
    link: str, duration_s: float, fs_hz: float = 50.0, speed: float = math.inf
) -> dict[str, Any]:
    from rls_monitor.session import SessionConfig, record_simulated_night_async, simulated_sources
    from rls_monitor.transports import LinkConfig

    rss: list[float] = []
    progress: list[float] = []

    def on_status(status: Any) -> None:
        rss.append(_rss_mb())
        progress.append(status.bands[0].recorded_s if status.bands else 0.0)

    cfg = SessionConfig(link=LinkConfig(scan_timeout_s=5.0), rescore_interval_s=math.inf)
    with tempfile.TemporaryDirectory() as tmp:
        sources = simulated_sources(
            None, duration_s=duration_s, bilateral=False, seed=1, fs_hz=fs_hz
        )
        cpu0, t0 = time.process_time(), time.perf_counter()
        result = asyncio.run(
            record_simulated_night_async(
                Path(tmp) / "bench.sqlite",
                duration_s=duration_s,
                speed=speed,
                link=link,
                seed=1,
                config=cfg,
                on_status=on_status,
            )
        )
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        db_bytes = (Path(tmp) / "bench.sqlite").stat().st_size
    band = result.status.bands[0]
    return {
        "link": link,
        "night_s": duration_s,
        "fs_hz": fs_hz,
        "samples": band.samples,
        "complete": band.samples == len(sources["left"][0]),
        "elapsed_s": round(elapsed, 2),
        "x_real_time": round(duration_s / elapsed),
        "cpu_s": round(cpu, 2),
        "frames": band.counts.frames_received,
        "db_mb": round(db_bytes / 1e6, 2),
        "rss_mb_quartiles": _quartiles(rss),
        "peak_rss_mb": round(max(rss, default=_rss_mb()), 1),
    }


def _quartiles(values: list[float]) -> list[float]:
    if not values:
        return []
    n = len(values)
    return [round(values[min(n - 1, int(q * n))], 1) for q in (0.25, 0.5, 0.75, 0.999)]


def live_cpu() -> dict[str, Any]:
    """CPU of ``LIVE_S`` seconds of live 100 Hz streaming, scaled to an hour."""
    from rls_monitor.session import SessionConfig, StopSignal, record_simulated_night_async
    from rls_monitor.transports import LinkConfig

    async def run(db: Path) -> tuple[float, float, int]:
        stop = StopSignal()
        cfg = SessionConfig(link=LinkConfig(scan_timeout_s=5.0), rescore_interval_s=math.inf)
        task = asyncio.get_running_loop().create_task(
            record_simulated_night_async(
                db,
                duration_s=LIVE_S + 60.0,
                speed=1.0,
                link="ble",
                seed=2,
                config=cfg,
                stop=stop,
                fs_hz=100.0,
            )
        )
        await asyncio.sleep(2.0)  # connected and streaming
        cpu0, t0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(LIVE_S)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
        stop.set()
        result = await task
        return cpu, wall, result.status.bands[0].samples

    with tempfile.TemporaryDirectory() as tmp:
        cpu, wall, samples = asyncio.run(run(Path(tmp) / "live.sqlite"))
    per_hour = cpu / wall * 3600.0
    return {
        "fs_hz": 100.0,
        "measured_s": round(wall, 1),
        "cpu_s": round(cpu, 3),
        "samples": samples,
        "cpu_s_per_hour": round(per_hour, 1),
        "percent_of_one_core": round(100.0 * cpu / wall, 3),
    }


def memory_of_a_night() -> dict[str, Any]:
    """Peak RSS of a fresh process recording an 8 h night (the whole night's footprint)."""
    code = (
        "import json, resource, sys; sys.path.insert(0, sys.argv[1]);"
        "from benchmarks.bench_link import _night;"
        "r = _night('ble', 8 * 3600.0);"
        "r['ru_maxrss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
        "print(json.dumps(r))"
    )
    repo = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", code, repo], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Run the link benchmarks and print their figures."""
    for link in ("ble", "serial"):
        r = _night(link, NIGHT_S)
        print(
            f"8 h 50 Hz night over {link}: {r['elapsed_s']} s, {r['x_real_time']}x real time, "
            f"{r['samples']} samples (complete: {r['complete']}), {r['frames']} frames, "
            f"CPU {r['cpu_s']} s, peak RSS {r['peak_rss_mb']} MB",
            flush=True,
        )
    m = memory_of_a_night()
    print(
        f"memory over an 8 h night (fresh process): RSS at 25/50/75/100 % of the night "
        f"{m['rss_mb_quartiles']} MB, ru_maxrss {m['ru_maxrss_mb']:.1f} MB",
        flush=True,
    )
    c = live_cpu()
    print(
        f"live 100 Hz streaming over BLE: {c['cpu_s']} s CPU in {c['measured_s']} s "
        f"({c['percent_of_one_core']} % of one core, {c['cpu_s_per_hour']} s per hour; "
        "host and simulated band together)",
        flush=True,
    )


if __name__ == "__main__":
    main()
