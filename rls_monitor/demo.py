"""``make demo``: the main job end to end on the simulated band.

1. A simulated band (``firmware_host.band.SimulatedBand``, playing a simulated 8 h night with ground
   truth from ``firmware_host.signal_model``) sits on the master end of a real pseudo-terminal; the
   host opens the slave end with pyserial, exactly as it would open ``/dev/ttyACM0``, and records the
   night (handshake, time sync, COBS frames, gap detection and resends) into a SQLite store,
   accelerated as fast as the machine allows.
2. The night is scored by WASM/IRLSSG 2016 and the morning summary a patient reads is printed.
3. The stored samples are checked bit for bit against what the band played, and the result is
   compared with the simulator's ground truth.
4. A clinician's report (HTML) and a CSV export are written beside the database, and a trend
   report over the nights: the two evenings before were simulated nights too (imported as
   recordings, quicker than recording them), so the morning summary compares the night with them.

Run with ``python -m rls_monitor.demo [--hours H] [--seed N] [--out DIR] [--link serial|ble]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from rls_monitor.errors import RLSMonitorError

#: Simulated nights stored before the demo's recorded one, so that it shows a short trend.
EARLIER_NIGHTS = 2
DEMO_SUBJECT = "simulated"


def _earlier_nights(db_path: Path, hours: float, seed: int) -> None:
    """The evenings before: simulated nights imported into the store, one an evening."""
    from rls_monitor.nights.importing import import_recording
    from rls_monitor.simulation import next_evening, simulated_recording
    from rls_monitor.storage import Store

    today = datetime.now().astimezone().date()
    with Store(db_path) as store:
        for k in range(EARLIER_NIGHTS):
            start = next_evening(
                [n.start_utc for n in store.list_nights() if n.start_utc is not None],
                today=today - timedelta(days=EARLIER_NIGHTS - k),
            )
            rec = simulated_recording(
                duration_s=hours * 3600.0, seed=seed + 100 + k, start_utc=start
            )
            imported = import_recording(store, rec, subject=DEMO_SUBJECT)
            print(
                f"  {start.astimezone():%a %d %b}: night {imported.night_id}, "
                f"PLM index {imported.result.plm_per_h or 0.0:.1f} /h",
                flush=True,
            )


def run(hours: float, seed: int, out_dir: Path, link: str) -> int:
    """Record, score, check and report one simulated night; return a process exit status."""
    from firmware_host.signal_model import night_config, simulate_night
    from rls_monitor.detection.evaluation import match_events
    from rls_monitor.events import EventList
    from rls_monitor.export import export
    from rls_monitor.export.records import load_nights
    from rls_monitor.nights.summary import format_night
    from rls_monitor.report import write_report
    from rls_monitor.scoring import score
    from rls_monitor.simulation import record_simulated_night
    from rls_monitor.storage import Store

    db_path = out_dir / "rls-monitor-demo.sqlite"
    for stale in (
        db_path,
        db_path.with_name(db_path.name + "-wal"),
        db_path.with_name(db_path.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)  # the demo's own database from an earlier run
    duration_s = hours * 3600.0
    print(f"The {EARLIER_NIGHTS} evenings before: simulated {hours:g} h nights, imported ...")
    _earlier_nights(db_path, hours, seed)
    print(
        f"Recording tonight's simulated {hours:g} h night over a {link} link "
        f"({'pseudo-terminal, pyserial' if link == 'serial' else 'bleak, simulated backend'}) "
        f"into {db_path} ...",
        flush=True,
    )
    started = time.perf_counter()
    night_id = record_simulated_night(
        db_path, duration_s=duration_s, speed="max", link=link, seed=seed, subject=DEMO_SUBJECT
    )
    recorded_s = time.perf_counter() - started
    print(f"Recorded in {recorded_s:.1f} s ({duration_s / recorded_s:,.0f}x real time).\n")

    with Store(db_path) as store:
        print(format_night(store, night_id))
        stored = store.read_samples(night_id)
        stored_result = store.get_result(night_id)
        if stored_result is None:
            print(f"Error: night {night_id} was recorded but not scored", file=sys.stderr)
            return 1
        result = stored_result
        records = load_nights(store, night=night_id)
        report_path = write_report(records, out_dir / f"night{night_id}-report.html")
        csv_path = out_dir / f"night{night_id}-movements.csv"
        export(store, csv_path, "csv", night=night_id, movements=True)
        trend_path = write_report(
            load_nights(store, subject=DEMO_SUBJECT), out_dir / "trend-report.html"
        )

    truth_night = simulate_night(night_config("ordinary", duration_s=duration_s), seed=seed)
    identical = stored.shape == truth_night.counts.shape and bool(
        np.array_equal(stored, truth_night.counts)
    )
    truth = truth_night.truth.movements
    true_events = EventList(truth.onset_s, truth.offset_s, duration_s=truth_night.duration_s)
    true_plm = score(true_events, rules="wasm2016").to_dict()["counts"]["plm"]
    true_in_bed_s = truth_night.truth.in_bed_s()
    pred_onset_s = np.array([m["onset_s"] for m in result["movements"]], dtype=np.float64)
    tp, fp, fn = match_events(truth.onset_s, pred_onset_s, 0.5)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)

    print("\nChecks against what the band played and the simulator's ground truth:")
    print(
        f"  stored samples: {len(stored):,} x 3, "
        f"{'bit-identical to' if identical else 'DIFFERENT FROM'} the band's source"
    )
    print(f"  leg movements: {tp} found, {fp} false, {fn} missed (F1 {f1:.3f}, 0.5 s tolerance)")
    print(
        f"  time in bed: {result['in_bed_s'] / 3600:.2f} h measured, {true_in_bed_s / 3600:.2f} h true"
    )
    print(
        f"  PLM index [wasm2016]: {result['indices']['plm_per_h']:.1f}/h measured, "
        f"{true_plm / (true_in_bed_s / 3600.0):.1f}/h from the true movements"
    )
    print(
        f"\nClinician's report: {report_path}\nTrend report:       {trend_path}"
        f"\nMovements as CSV:   {csv_path}"
    )
    print(f"Done in {time.perf_counter() - started:.1f} s.")
    return 0 if identical else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point of the demo."""
    parser = argparse.ArgumentParser(prog="python -m rls_monitor.demo", description=__doc__)
    parser.add_argument("--hours", type=float, default=8.0, help="length of the night (h)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated night")
    parser.add_argument("--link", choices=("serial", "ble"), default="serial", help="the link")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the database, report and export"
    )
    args = parser.parse_args(argv)
    try:
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            return run(args.hours, args.seed, args.out, args.link)
        with tempfile.TemporaryDirectory(prefix="rls-monitor-demo-") as tmp:
            return run(args.hours, args.seed, Path(tmp), args.link)
    except RLSMonitorError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
