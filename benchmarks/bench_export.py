"""Benchmark of the clinician outputs: CSV export of 1,000 nights, report on 30 nights, EDF+.

Run with ``python -m benchmarks export`` (or ``make bench``). Prints figures; asserts nothing.
Targets (issue 5): a report for 30 nights under 5 s; a CSV export of 1,000 nights under 1 s.

One simulated 8 h, 50 Hz night is imported and scored; its score and per-minute rows are then
saved for 1,000 nights (no samples), one a day, so every night has a full night's movements.
Times are medians of a few runs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.export import export, load_nights
from rls_monitor.nights.importing import import_recording
from rls_monitor.recording import Recording
from rls_monitor.report import write_report
from rls_monitor.storage import Store

START = datetime(2026, 1, 1, 22, 30, tzinfo=UTC)
N_NIGHTS = 1000
N_REPORT = 30


class _Timing(float):
    """Median wall-clock seconds; ``cpu_s`` is the median CPU time of this process."""

    cpu_s: float

    def __format__(self, spec: str) -> str:
        return f"{float(self):{spec}} s wall, {self.cpu_s:{spec}} s CPU"


def _median_s(func: Callable[[], object], runs: int) -> _Timing:
    """Median wall and CPU time of a few runs (CPU time is less disturbed by a busy machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    out = _Timing(statistics.median(wall))
    out.cpu_s = statistics.median(cpu)
    return out


def _build(path: Path) -> int:
    sim = simulate_night(night_config("ordinary", duration_s=8 * 3600.0, fs_hz=50.0), seed=5)
    rec = Recording.from_counts(
        sim.counts, sim.lsb_g, sim.fs_hz, start_utc=START, side="left", device_id="AA:00:01"
    )
    with Store(path) as store:
        start = time.perf_counter()
        first = import_recording(store, rec, subject="P01").night_id
        print(f"  one 8 h night imported and scored in {time.perf_counter() - start:.1f} s")
        result = store.get_result(first)
        minutes = store.get_minutes(first)
        assert result is not None
        print(
            f"  its score: {len(result['movements'])} movements, "
            f"{result['counts']['series']} series, {len(minutes)} minutes"
        )
        start = time.perf_counter()
        for k in range(1, N_NIGHTS):
            night = store.create_night(
                "P01", fs_hz=50.0, lsb_g=sim.lsb_g, start_utc=START + timedelta(days=k)
            )
            store.save_score(night, result, minutes=minutes)
            store.finish_night(night, end_utc=START + timedelta(days=k, hours=8))
        print(f"  {N_NIGHTS - 1} more scored nights saved in {time.perf_counter() - start:.1f} s")
    return first


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        db = Path(tmp) / "nights.sqlite"
        first = _build(db)
        with Store(db, readonly=True) as store:
            for fmt in ("csv", "json"):
                out = Path(tmp) / f"nights.{fmt}"
                secs = _median_s(partial(export, store, out, fmt), 5)
                print(
                    f"  {fmt.upper()} export of {N_NIGHTS} nights: median {secs:.3f} "
                    f"({out.stat().st_size / 1e3:.0f} kB)"
                    + ("  [target < 1 s]" if fmt == "csv" else "")
                )
            out = Path(tmp) / "moves.csv"
            secs = _median_s(lambda: export(store, out, "csv", movements=True), 3)
            print(
                f"  CSV export of every movement ({out.stat().st_size / 1e6:.1f} MB): "
                f"median {secs:.2f}"
            )
            edf = Path(tmp) / "night.edf"
            secs = _median_s(lambda: export(store, edf, "edf", night=first), 3)
            print(
                f"  EDF+ export of the 8 h night: median {secs:.2f} "
                f"({edf.stat().st_size / 1e6:.1f} MB)"
            )
            ids = [n.id for n in store.list_nights()][:N_REPORT]
            last_day = START + timedelta(days=N_REPORT - 1)

            def report(suffix: str) -> None:
                records = load_nights(
                    store,
                    subject="P01",
                    date_from=START.date(),
                    date_to=last_day.date(),
                    tz=UTC,
                )
                assert [r.night_id for r in records] == ids
                write_report(records, Path(tmp) / f"month{suffix}")

            for suffix in (".html", ".pdf"):
                secs = _median_s(partial(report, suffix), 3)
                print(
                    f"  report on {N_REPORT} nights ({suffix[1:]}): median {secs:.2f} "
                    "[target < 5 s]"
                )

            def one(suffix: str) -> None:
                write_report(load_nights(store, night=first, tz=UTC), Path(tmp) / f"n{suffix}")

            for suffix in (".html", ".pdf"):
                secs = _median_s(partial(one, suffix), 3)
                print(f"  report on one 8 h night ({suffix[1:]}): median {secs:.2f}")


if __name__ == "__main__":
    main()
