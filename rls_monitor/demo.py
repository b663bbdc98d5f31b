"""``make demo``: the main job end to end on the simulated band.

Makes a simulated 8 h night with ground truth (``firmware_host.signal_model``), writes it as a
recording file, reads it back, scores it by WASM/IRLSSG 2016 and prints the morning summary, then
compares the result with the ground truth the simulator knows.

Run with ``python -m rls_monitor.demo [--hours H] [--seed N] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rls_monitor.errors import RLSMonitorError


def run(hours: float, seed: int, out_dir: Path) -> int:
    """Simulate, write, read, score and compare one night; return a process exit status."""
    from firmware_host.signal_model import night_config, simulate_night
    from rls_monitor.detection.evaluation import match_events
    from rls_monitor.events import EventList
    from rls_monitor.recording import Recording, read_recording, write_csv
    from rls_monitor.scoring import format_summary, score

    started = time.perf_counter()
    night = simulate_night(night_config("ordinary", duration_s=hours * 3600.0), seed=seed)
    recording = Recording.from_counts(
        night.counts, night.lsb_g, night.fs_hz, device_id="simulated-band", side="left"
    )
    path = write_csv(recording, out_dir / f"simulated_night_seed{seed}.csv")
    print(f"Simulated a {hours:g} h night at {night.fs_hz:g} Hz -> {path}")

    recording = read_recording(path)
    result = score(recording, rules="wasm2016")
    print()
    print(format_summary(result))

    truth = night.truth.movements
    true_events = EventList(truth.onset_s, truth.offset_s, duration_s=night.duration_s)
    true_result = score(true_events, rules="wasm2016").to_dict()
    found = result.to_dict()
    pred_onset_s = np.array([m["onset_s"] for m in found["movements"]], dtype=np.float64)
    tp, fp, fn = match_events(truth.onset_s, pred_onset_s, 0.5)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    true_in_bed_s = night.truth.in_bed_s()
    true_plm_per_h = true_result["counts"]["plm"] / (true_in_bed_s / 3600.0)
    print()
    print("Against the simulator's ground truth (WASM 2016):")
    print(f"  leg movements: {tp} found, {fp} false, {fn} missed (F1 {f1:.3f}, 0.5 s tolerance)")
    print(
        f"  time in bed: {found['in_bed_s'] / 3600:.2f} h measured, {true_in_bed_s / 3600:.2f} h true"
    )
    print(
        f"  PLM index: {found['indices']['plm_per_h']:.1f}/h measured, {true_plm_per_h:.1f}/h true"
    )
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(prog="python -m rls_monitor.demo", description=__doc__)
    parser.add_argument("--hours", type=float, default=8.0, help="length of the night (h)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated night")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files it writes")
    args = parser.parse_args(argv)
    try:
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            return run(args.hours, args.seed, args.out)
        with tempfile.TemporaryDirectory(prefix="rls-monitor-demo-") as tmp:
            return run(args.hours, args.seed, Path(tmp))
    except RLSMonitorError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
