"""Benchmarks of the link and the recording session, measured in one run (``make bench`` or
``python -m benchmarks.bench_link``).

1. End-to-end throughput of an accelerated replay: a simulated 8 h, 50 Hz night streamed at
   ``--speed max`` through the simulated BLE backend (bleak's front-end) and through a pty serial
   link into SQLite, scored at the end. Target: at least 3,000x real time.
2. CPU per hour of live 100 Hz streaming: a host process recording a band (in this process,
   behind a pty) streaming in real time for ``LIVE_S`` seconds; the host's own CPU time while
   streaming, scaled to one hour. Target: under 1 % of one core.
3. Peak memory over a whole night: a host process records an 8 h, 100 Hz night over a pty, and
   scores and stores it; its peak resident set size is its own ``VmHWM`` (read from
   ``/proc/self/status`` before it exits; ``RUSAGE_CHILDREN`` ``ru_maxrss`` is printed beside it).
   Target: flat while streaming, under 200 MB. Then the same for the longest night the band's
   flash keeps, 12 h, at 100 Hz (4.3 million samples, 3x the 8 h 50 Hz night), and the
   rescoring of a stored 8 h night with a calibration (what a calibrated band's final scoring
   adds).

The host processes are started first, while this process is still small: Linux carries a
parent's peak RSS over ``fork``/``exec`` into the child's ``ru_maxrss``, so a host started from a
process that already holds a simulated 8 h night would report the parent's peak, not its own.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

NIGHT_S = 8 * 3600.0
MEMORY_FS_HZ = 100.0
"""Rate of the 8 h night whose memory is measured, recorded and scored (Hz)."""
MEMORY_TARGET_MB = 200.0
"""The host's memory goal over that night, recorded and scored (MB resident)."""
LIVE_S = float(os.environ.get("RLS_BENCH_LIVE_S", 20.0))


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _night(
    link: str, duration_s: float, fs_hz: float = 50.0, speed: float = math.inf
) -> dict[str, Any]:
    from rls_monitor.link.band_session import SessionConfig
    from rls_monitor.link.transports import LinkConfig
    from rls_monitor.simulation import record_simulated_night_async, simulated_sources

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


def live_cpu(host: subprocess.Popen[str] | None = None) -> dict[str, Any]:
    """Host CPU while streaming 100 Hz live (speed 1) for ``LIVE_S`` s, scaled to one hour.

    The band runs in this process behind a pty; the host is a separate process, so its CPU
    time is the host's alone (start-up and the final scoring excluded).
    """
    m = _host_over_pty(duration_s=600.0, fs_hz=100.0, speed=1.0, run_s=LIVE_S, host=host)
    share = m["stream_cpu_s"] / m["stream_wall_s"] if m["stream_wall_s"] else math.nan
    return {
        "fs_hz": 100.0,
        "measured_s": round(m["stream_wall_s"], 1),
        "cpu_s": round(m["stream_cpu_s"], 3),
        "cpu_s_per_hour": round(share * 3600.0, 1),
        "percent_of_one_core": round(100.0 * share, 3),
    }


HOST = r"""
import asyncio, json, resource, signal, sys, time
from rls_monitor.link.band_session import SessionConfig
from rls_monitor.nights.record import record_night_async
from rls_monitor.link.transports import LinkConfig

async def main() -> None:
    db, port = sys.stdin.readline().split("\t")
    sys.argv[1:] = [db, port.strip()]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    rss = []
    cpu = []
    def on_status(status):
        with open("/proc/self/statm") as fh:
            rss.append(int(fh.read().split()[1]) * 4096 / 1e6)
        cpu.append((time.perf_counter(), time.process_time(), status.bands[0].samples))
    cfg = SessionConfig(link=LinkConfig(watchdog_s=5.0), rescore_interval_s=float("inf"))
    await record_night_async(sys.argv[1], ["serial:" + sys.argv[2]], require_pairing=False,
                             config=cfg, stop=stop, start="oldest", on_status=on_status)
    n = len(rss)
    streaming = [c for c in cpu if c[2] > 0][4:-4]  # skip start-up and the final scoring
    wall = streaming[-1][0] - streaming[0][0] if len(streaming) > 1 else 0.0
    used = streaming[-1][1] - streaming[0][1] if len(streaming) > 1 else 0.0
    with open("/proc/self/status") as fh:
        hwm = [int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM")]
    print(json.dumps({"rss": [round(rss[min(n - 1, int(q * n))], 1) for q in (0.1, 0.25, 0.5, 0.75, 0.9)],
                      "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "vm_hwm_mb": hwm[0] if hwm else None,
                      "stream_wall_s": wall, "stream_cpu_s": used}))

asyncio.run(main())
"""


def spawn_host() -> subprocess.Popen[str]:
    """Start a host process that waits for ``DB<TAB>PORT`` on its standard input.

    Start it while this process is small (see the module's notes on ``ru_maxrss``).
    """
    repo = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": repo}
    return subprocess.Popen(
        [sys.executable, "-c", HOST],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _host_over_pty(
    *,
    duration_s: float,
    fs_hz: float,
    speed: float,
    run_s: float | None = None,
    host: subprocess.Popen[str] | None = None,
) -> dict[str, Any]:
    """Run a host process recording a simulated band (in this process) over a pty.

    Until the night is stored whole (or for ``run_s`` seconds), then SIGINT (Ctrl-C); returns
    what the host measured of itself, and its peak RSS from ``RUSAGE_CHILDREN``.
    """
    import resource

    from firmware_host.band import SimulatedBand
    from rls_monitor.link.transports.simulated import BandDriver, PtyBand
    from rls_monitor.simulation import simulated_sources
    from rls_monitor.storage import Store

    if host is None:
        host = spawn_host()
    counts, lsb_g, fs = simulated_sources(
        None, duration_s=duration_s, bilateral=False, seed=3, fs_hz=fs_hz
    )["left"]
    band = SimulatedBand(counts, lsb_g=lsb_g, fs_hz=fs, device_id="RLS-BENCH")
    driver = BandDriver(band, speed=speed, step_s=2.0)
    with tempfile.TemporaryDirectory() as tmp, PtyBand(driver) as pty:
        db = Path(tmp) / "bench.sqlite"
        assert host.stdin is not None
        host.stdin.write(f"{db}\t{pty.port}\n")
        host.stdin.flush()
        t0 = time.perf_counter()
        while True:
            time.sleep(0.2)
            if run_s is not None:
                if time.perf_counter() - t0 >= run_s + 3.0:
                    break
            elif db.exists():
                try:
                    with Store(db, readonly=True) as store:
                        nights = store.list_nights()
                        if nights and nights[-1].n_samples >= len(counts):
                            break
                except Exception:  # the host is still creating the file
                    pass
            if host.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError(f"host stopped: {host.stderr.read() if host.stderr else ''}")
        host.send_signal(signal.SIGINT)
        out, err = host.communicate(timeout=120)
    if host.returncode != 0:
        raise RuntimeError(err)
    result = dict(json.loads(out.strip().splitlines()[-1]))
    # the largest peak of the children waited for so far (the hosts; the band is a thread)
    result["children_ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def memory_of_a_night(host: subprocess.Popen[str] | None = None) -> dict[str, Any]:
    """Memory of a host process recording an 8 h, 100 Hz night over a pty (band in this process).

    The host's resident set size is sampled twice a second while it streams; its peak
    (``ru_maxrss`` and ``VmHWM``) includes the final scoring of the whole night.
    """
    return _host_over_pty(duration_s=NIGHT_S, fs_hz=MEMORY_FS_HZ, speed=math.inf, host=host)


RESCORE = r"""
import json, sys
import numpy as np
from calibration import Calibration
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.storage import Store
cal = Calibration(offset_g=np.array([0.012, -0.021, 0.035]), scale=np.array([1.02, 0.98, 1.01]),
                  method="six-pose")
with Store(sys.argv[1]) as store:
    rescore_night(store, 1, "wasm2016", calibration=cal)
with open("/proc/self/status") as fh:
    print(json.dumps([int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM")][0]))
"""


def memory_of_a_calibrated_rescore(duration_s: float = NIGHT_S, fs_hz: float = 50.0) -> float:
    """Peak RSS (MB, its own ``VmHWM``) of a process rescoring a stored night with a calibration.

    A band with a calibration in force has it applied before every scoring, the final one of a
    recording included; this is that step alone, in a fresh process, on an 8 h 50 Hz night
    stored by this one.
    """
    import datetime as dt

    from rls_monitor.simulation import simulated_sources
    from rls_monitor.storage import Store

    counts, lsb_g, fs = simulated_sources(
        None, duration_s=duration_s, bilateral=False, seed=3, fs_hz=fs_hz
    )["left"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cal.sqlite"
        with Store(db) as store:
            night = store.create_night(
                "P01",
                fs_hz=fs,
                lsb_g=lsb_g,
                start_utc=dt.datetime(2026, 12, 6, 22, 30, tzinfo=dt.UTC),
            )
            store.append_samples(night, 0, counts)
            store.finish_night(night)
        del counts
        repo = str(Path(__file__).resolve().parents[1])
        out = subprocess.run(
            [sys.executable, "-c", RESCORE, str(db)],
            env={**os.environ, "PYTHONPATH": repo},
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    """Run the link benchmarks and print their figures."""
    # the host processes first, while this process is small (ru_maxrss is inherited over exec)
    memory_host, long_host, cpu_host = spawn_host(), spawn_host(), spawn_host()
    m = memory_of_a_night(memory_host)
    print(
        f"host process recording an 8 h {MEMORY_FS_HZ:g} Hz night over a pty: RSS at "
        f"10/25/50/75/90 % of the night {m['rss']} MB; peak over the whole night with the final "
        f"scoring: {m['vm_hwm_mb']:.1f} MB (the host's own VmHWM; target: flat, under "
        f"{MEMORY_TARGET_MB:g} MB)",
        flush=True,
    )
    print(
        f"  (RUSAGE_CHILDREN ru_maxrss {m['children_ru_maxrss_mb']:.1f} MB: the same figure when "
        "this benchmark runs alone; after other benchmarks in one process it carries their peak)",
        flush=True,
    )
    worst = _host_over_pty(duration_s=12 * 3600.0, fs_hz=100.0, speed=math.inf, host=long_host)
    print(
        f"  the longest night the band keeps (12 h) at 100 Hz: RSS while streaming "
        f"{worst['rss']} MB, peak with the final scoring {worst['vm_hwm_mb']:.1f} MB "
        "(streaming is flat; the final scoring holds the whole night, float32 x 3 and the "
        "detector's arrays, about 15 bytes a sample)",
        flush=True,
    )
    print(
        f"  rescoring a stored 8 h 50 Hz night with a calibration (applied in place, in chunks): "
        f"peak {memory_of_a_calibrated_rescore():.1f} MB",
        flush=True,
    )
    c = live_cpu(cpu_host)
    print(
        f"live 100 Hz streaming over a pty, host process alone: {c['cpu_s']} s CPU in "
        f"{c['measured_s']} s ({c['percent_of_one_core']} % of one core, "
        f"{c['cpu_s_per_hour']} s per hour)",
        flush=True,
    )
    for link in ("ble", "serial"):
        r = _night(link, NIGHT_S)
        print(
            f"8 h 50 Hz night over {link}: {r['elapsed_s']} s, {r['x_real_time']}x real time, "
            f"{r['samples']} samples (complete: {r['complete']}), {r['frames']} frames, "
            f"CPU {r['cpu_s']} s, peak RSS {r['peak_rss_mb']} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
