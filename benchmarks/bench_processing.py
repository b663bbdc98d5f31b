"""The band's on-device pipeline (event mode) on whole simulated nights against the host detector.

For each difficulty, a full night at 50 Hz: the band pipeline in blocks (as a sensor FIFO delivers
them), its EVENT/SUMMARY frames decoded and scored on the host, against ``rls_monitor.score`` on
the raw recording. Prints LM agreement (F1, 0.5 s tolerance), PLM index both ways, time in bed,
radio bytes per hour against raw streaming at ATT MTU 247, pipeline state bytes, operations per
sample and the speed of the block and per-sample paths.

Run with ``python -m benchmarks processing`` or
``python benchmarks/bench_processing.py [hours] [seeds]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from firmware_host.event_mode import raw_bytes_per_hour, run_event_mode
from firmware_host.processing import Pipeline
from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.detection import f1_score, match_events
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from rls_monitor.scoring.band_events import decode_band_events, lying_movements, score_band_events


def one_night(difficulty: str, seed: int, hours: float) -> dict[str, float]:
    """Band vs host on one simulated night."""
    night = simulate_night(night_config(difficulty, duration_s=hours * 3600.0), seed=seed)
    t0 = time.perf_counter()
    frames, band = run_event_mode(night.counts, night.fs_hz, night.lsb_g)
    t_band = time.perf_counter() - t0
    events = decode_band_events(frames, start_tick=0, duration_s=night.duration_s)
    inside, turn = lying_movements(events)
    keep = inside & ~turn
    ours = score_band_events(events)
    t0 = time.perf_counter()
    host = score(Recording(night.accel_g, night.fs_hz))
    t_host = time.perf_counter() - t0
    host_on = np.array([m.onset_s for m in host.movements])
    tp, fp, fn = match_events(host_on, events.onset_s[keep], 0.5)
    truth = night.truth.movements.onset_s
    return {
        "f1": f1_score(tp, fp, fn),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "host_plm": host.plm_per_h or 0.0,
        "band_plm": ours.plm_per_h or 0.0,
        "host_bed_h": host.in_bed_s / 3600,
        "band_bed_h": ours.in_bed_s / 3600,
        "ratio": raw_bytes_per_hour(night.fs_hz) / (band.bytes_sent / hours),
        "bytes_h": band.bytes_sent / hours,
        "t_band": t_band,
        "t_host": t_host,
        "f1_truth_band": f1_score(*match_events(truth, events.onset_s[keep], 0.5)),
        "f1_truth_host": f1_score(*match_events(truth, host_on, 0.5)),
    }


def main(hours: float = 8.0, seeds: int = 1) -> None:
    """Print the table (full nights by default)."""
    print(f"{hours:g} h nights at 50 Hz, seeds 0..{seeds - 1}")
    print(
        "difficulty seed |  F1 (tp/fp/fn) | PLM/h host band (diff) | bed h host band | "
        "B/h  ratio | truth F1 band host | band s host s"
    )
    for difficulty in ("easy", "ordinary", "hard"):
        for seed in range(seeds):
            r = one_night(difficulty, seed, hours)
            diff = 100 * (r["band_plm"] - r["host_plm"]) / r["host_plm"] if r["host_plm"] else 0.0
            print(
                f"{difficulty:>10} {seed:4d} | {r['f1']:.3f} ({r['tp']}/{r['fp']}/{r['fn']}) | "
                f"{r['host_plm']:6.2f} {r['band_plm']:6.2f} ({diff:+.1f} %) | "
                f"{r['host_bed_h']:.2f} {r['band_bed_h']:.2f} | {r['bytes_h']:.0f} "
                f"{r['ratio']:.0f}x | {r['f1_truth_band']:.3f} {r['f1_truth_host']:.3f} | "
                f"{r['t_band']:.1f} {r['t_host']:.1f}",
                flush=True,
            )
    pipe = Pipeline(50.0, 2.0**-12)
    ops = pipe.ops_per_sample()
    print(f"state: {pipe.state_bytes()} bytes at 50 Hz (budget 4096)")
    print("ops per input sample at 50 Hz: " + ", ".join(f"{k} {v:.1f}" for k, v in ops.items()))
    night = simulate_night(night_config("ordinary", duration_s=600.0), seed=1)
    t0 = time.perf_counter()
    for x, y, z in night.counts.tolist():
        pipe.process_sample(x, y, z)
    t_sample = time.perf_counter() - t0
    print(
        f"per-sample path: {night.counts.shape[0] / t_sample:,.0f} samples/s "
        "(the reference; the block path is the one to use on the host)"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(float(args[0]) if args else 8.0, int(args[1]) if len(args) > 1 else 1)
