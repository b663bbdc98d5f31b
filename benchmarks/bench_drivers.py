"""Host CPU while streaming each device family live at its native rate (``make bench`` or
``python -m benchmarks.bench_drivers``).

For each family (our band over the Nordic UART Service at 50 Hz, Movesense and Polar Verity Sense
at 52 Hz), a simulated device streams in real time (speed 1) through the simulated BLE air and
bleak's front-end into a real session and store, for ``RLS_BENCH_LIVE_S`` seconds (default 20)
from 4 s after the first samples arrived. The figure is CPU time over the wall time of that
window, taken on the event loop's thread (``time.thread_time``: bleak's callbacks, the driver,
the session and the store all run there; a BLAS pool's idle spinning after the simulated night's
rendering is not the host's), less the CPU time spent inside the simulated device's own code
(its night's rendering and stepping, its frames' encoding, timed around those calls): what is left is the host's (bleak's
front-end, the driver, the session, the store). Both are printed. Target: host under 1 % of one
core.

The drivers' decoding alone is timed too: microseconds per notification, and the share of a core
that decoding a device's native notification rate takes.
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

LIVE_S = float(os.environ.get("RLS_BENCH_LIVE_S", 20.0))
TARGET_PERCENT = 1.0
WARM_UP_S = 4.0
FAMILIES = ("nus", "movesense", "polar")


def live(family: str, live_s: float = LIVE_S) -> dict[str, Any]:
    """Stream ``family`` live for ``live_s`` seconds; this process's CPU share meanwhile."""
    from rls_monitor.link.band_session import SessionConfig
    from rls_monitor.link.transports import LinkConfig
    from rls_monitor.nights.recorder import StopSignal
    from rls_monitor.simulation import record_simulated_night_async

    stop = StopSignal()
    marks: list[tuple[float, float, int, float]] = []
    device_cpu = [0.0]

    def timed(obj: Any, name: str) -> None:
        """Count the CPU time of ``obj.name`` calls as the simulated device's."""
        inner = getattr(obj, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c = time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                device_cpu[0] += time.thread_time() - c

        setattr(obj, name, wrapper)

    def faults(side: str, device: Any) -> None:
        # the device objects the simulation builds: a vendor's night, or our band's model
        timed(device, "advance")
        if hasattr(device, "handle_command"):
            timed(device, "handle_command")

    def on_status(status: Any) -> None:
        if stop.is_set() or status.finished:
            return  # the final scoring is not streaming
        samples = status.bands[0].samples if status.bands else 0
        if samples > 0:
            marks.append((time.perf_counter(), time.thread_time(), samples, device_cpu[0]))
            if marks[-1][0] - marks[0][0] >= live_s + WARM_UP_S:
                stop.set()

    cfg = SessionConfig(link=LinkConfig(watchdog_s=10.0), rescore_interval_s=math.inf)
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(
            record_simulated_night_async(
                Path(tmp) / "bench.sqlite",
                duration_s=max(600.0, 3 * live_s),
                speed=1.0,
                link="ble",
                band=family,
                config=cfg,
                stop=stop,
                on_status=on_status,
                faults=faults,
            )
        )
    # from WARM_UP_S after the first samples: the night's opening (imports, the store) is past
    start = next(m for m in marks if m[0] - marks[0][0] >= WARM_UP_S)
    (w0, c0, s0, d0), (w1, c1, s1, d1) = start, marks[-1]
    device_share = (d1 - d0) / (w1 - w0)
    total = (c1 - c0) / (w1 - w0)
    share = max(0.0, total - device_share)
    band = result.status.bands[0]
    return {
        "family": family,
        "fs_hz": round((s1 - s0) / (w1 - w0), 1),
        "measured_s": round(w1 - w0, 1),
        "cpu_s": round(c1 - c0, 3),
        "percent_of_one_core_with_device": round(100.0 * total, 3),
        "percent_of_one_core": round(100.0 * share, 3),
        "target_percent": TARGET_PERCENT,
        "met": 100.0 * share < TARGET_PERCENT,
        "notifications": band.counts.frames_received,
        "bad_frames": band.counts.bad_frames_total,
    }


def decode_cost() -> list[dict[str, Any]]:
    """Microseconds per notification of each vendor driver's decoding, and the share of a core
    at the device's native notification rate."""
    import struct

    import numpy as np

    from firmware_host.devices.polar import encode_delta_frame
    from rls_monitor.link.drivers.movesense import MovesenseDriver
    from rls_monitor.link.drivers.polar import PolarDriver

    rng = np.random.default_rng(0)
    counts = np.cumsum(rng.integers(-20, 21, size=(32, 3)), axis=0).astype(np.int16)
    movesense = MovesenseDriver(52)
    movesense._data_ref = 1  # as after SUBSCRIBE
    ms2 = (counts[:8] / 4096.0 * 9.80665).astype("<f4")
    polar = PolarDriver(52)
    cases = [
        ("movesense", movesense, 8, lambda k: struct.pack("<BBI", 2, 1, 154 * k) + ms2.tobytes()),
        (
            "polar",
            polar,
            32,
            lambda k: (
                struct.pack("<BQB", 2, 10**12 + k * 615_384_615, 0x81) + encode_delta_frame(counts)
            ),
        ),
    ]
    out = []
    for name, driver, per_frame, make in cases:
        frames = [make(k) for k in range(2000)]
        t0 = time.perf_counter()
        for frame in frames:
            driver.decode(frame)
        per_us = (time.perf_counter() - t0) / len(frames) * 1e6
        rate = 52.0 / per_frame
        out.append(
            {
                "family": name,
                "samples_per_notification": per_frame,
                "us_per_notification": round(per_us, 1),
                "percent_of_one_core_at_52_hz": round(per_us * 1e-6 * rate * 100.0, 4),
            }
        )
    return out


def main() -> None:
    for row in decode_cost():
        print(row, flush=True)
    for family in FAMILIES:
        print(live(family), flush=True)


if __name__ == "__main__":
    main()
