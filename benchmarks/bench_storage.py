"""Benchmark of the store: an 8 h, 50 Hz night imported and scored; bytes per night; listing.

Run with ``python -m benchmarks storage`` (or ``make bench``). Prints figures; asserts nothing.
Every codec of ``CODECS`` is measured on the simulated nights; the store and the real files use
the default (``CODECS[0]``, ``p16s-zlib``).
Targets (issue 3): database bytes per night under 40 % of the raw int16 size; listing 1,000 nights
and exporting their summaries under 1 s.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from firmware_host.signal_model import night_config, simulate_night
from rls_monitor.nights.importing import import_recording
from rls_monitor.nights.summary import format_nights, summaries
from rls_monitor.recording import Recording, read_recording
from rls_monitor.storage import CODECS, Store, encode_block

REAL_FILES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "device_formats"
START = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)


def _ratio(counts: Any, fs_hz: float, codec: str) -> tuple[float, float]:
    block = max(1, round(60 * fs_hz))
    start = time.perf_counter()
    size = sum(
        len(encode_block(counts[i : i + block], codec)[0]) for i in range(0, len(counts), block)
    )
    return size / counts.nbytes, time.perf_counter() - start


def _import_night(tmp: Path, difficulty: str) -> None:
    sim = simulate_night(night_config(difficulty, duration_s=8 * 3600.0, fs_hz=50.0), seed=11)
    rec = Recording.from_counts(sim.counts, sim.lsb_g, sim.fs_hz, start_utc=START, side="left")
    raw = sim.counts.nbytes
    for codec in CODECS:
        ratio, secs = _ratio(sim.counts, sim.fs_hz, codec)
        print(
            f"  {difficulty} night, codec {codec}: blocks {ratio:.1%} of raw int16 ({secs:.2f} s)"
        )
    path = tmp / f"{difficulty}.sqlite"
    with Store(path) as store:
        start = time.perf_counter()
        night = store.create_night("P01", fs_hz=rec.fs_hz, lsb_g=sim.lsb_g, start_utc=START)
        store.append_samples(night, 0, sim.counts)
        t_store = time.perf_counter() - start
        start = time.perf_counter()
        store.read_samples(night)
        t_read = time.perf_counter() - start
        store.delete_night(night)
        start = time.perf_counter()
        try:
            import_recording(store, rec, subject="P01")
            scored = f"import + score {time.perf_counter() - start:.2f} s"
        except Exception as exc:  # the detector may not be there yet
            scored = f"scoring unavailable ({type(exc).__name__}: {exc})"
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.db.execute("VACUUM")
        size = path.stat().st_size
    print(
        f"  {difficulty} 8 h 50 Hz night: store {t_store:.2f} s, read back {t_read:.2f} s; "
        f"{scored}; database {size / 1e6:.2f} MB = {size / raw:.1%} of raw int16 "
        f"({raw / 1e6:.2f} MB)"
    )


def _real_files() -> None:
    if not REAL_FILES.is_dir():
        print("  real device files: ../shared/data absent, skipped")
        return
    for path in sorted(REAL_FILES.glob("*.cwa")):
        rec = read_recording(path)
        counts, lsb_g, exact = rec.to_counts()
        ratio, _ = _ratio(counts, rec.fs_hz, CODECS[0])
        print(
            f"  {path.name}: {rec.fs_hz:g} Hz, {lsb_g * 1e3:.3g} mg/count (exact={exact}): "
            f"blocks {ratio:.1%} of raw int16"
        )


def _listing(tmp: Path, n_nights: int = 1000) -> None:
    sim = simulate_night(night_config("ordinary", duration_s=600.0, fs_hz=50.0), seed=1)
    result: dict[str, Any] = {
        "rules": "wasm2016",
        "duration_s": 28800.0,
        "in_bed_s": 27000.0,
        "counts": {"lm": 400, "clm": 380, "plm": 300, "series": 12},
        "indices": {"lm_per_h": 53.3, "plm_per_h": 40.0, "periodicity_index": 0.6},
        "movements": [
            {
                "onset_s": 60.0 + 25.0 * i,
                "offset_s": 62.0 + 25.0 * i,
                "side": "left",
                "clm": True,
                "plm": i % 4 != 0,
                "series": i // 30,
                "peak_mg": 70.0,
            }
            for i in range(400)
        ],
    }
    path = tmp / "many.sqlite"
    with Store(path) as store:
        start = time.perf_counter()
        for i in range(n_nights):
            night = store.create_night(
                f"P{i % 20:02d}", fs_hz=50.0, lsb_g=sim.lsb_g, start_utc=START + timedelta(days=i)
            )
            store.append_samples(night, 0, sim.counts[:3000])
            store.save_score(night, result)
            store.finish_night(night)
        t_fill = time.perf_counter() - start
    with Store(path) as store:
        start = time.perf_counter()
        nights = store.list_nights()
        t_list = time.perf_counter() - start
        start = time.perf_counter()
        text = json.dumps(summaries(store))
        t_export = time.perf_counter() - start
        start = time.perf_counter()
        table = format_nights(nights)
        t_table = time.perf_counter() - start
        start = time.perf_counter()
        report = store.check()
        t_check = time.perf_counter() - start
    print(
        f"  {n_nights} nights (each 400 movements, 1 min of samples): written in {t_fill:.1f} s; "
        f"list {t_list * 1e3:.0f} ms, list + export summaries as JSON {t_export * 1e3:.0f} ms "
        f"({len(text) / 1e3:.0f} kB), text table {t_table * 1e3:.0f} ms ({len(table.splitlines())} "
        f"lines), db check {t_check:.2f} s (ok={report.ok})"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("sample blocks and import of an 8 h night:")
        for difficulty in ("easy", "ordinary", "hard"):
            _import_night(tmp, difficulty)
        print("real device files:")
        _real_files()
        print("listing:")
        _listing(tmp)


if __name__ == "__main__":
    main()
