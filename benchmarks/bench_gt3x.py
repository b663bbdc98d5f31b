"""Benchmark of a real ActiGraph file: read, import and score the 13.6 h, 30 Hz Link .gt3x.

Run with ``python -m benchmarks gt3x`` (or ``make bench``). Prints medians of 3 runs; asserts
nothing. Target (issue 14): import and score in under 2 s. Skips without ``../shared``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from rls_monitor.nights.importing import import_recording
from rls_monitor.recording import read_recording
from rls_monitor.scoring import score
from rls_monitor.storage import Store

FILE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "device_formats"
    / "pygt3x_link_13h.gt3x"
)


def _median(fn: object, n: int = 3) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    if not FILE.is_file():
        print(f"  skipped: {FILE} is absent")
        return
    rec = read_recording(FILE)
    t_read = _median(lambda: read_recording(FILE))
    t_score = _median(lambda: score(rec))
    with tempfile.TemporaryDirectory() as tmp:
        runs = iter(range(10))

        def one_import() -> None:
            with Store(Path(tmp) / f"g{next(runs)}.sqlite") as store:
                import_recording(store, FILE)

        t_import = _median(one_import)
    print(
        f"  {rec.n_samples:,} samples, {rec.duration_s / 3600:.1f} h at {rec.fs_hz:g} Hz: read "
        f"{t_read:.2f} s, score {t_score:.2f} s, import (read, score, store) {t_import:.2f} s "
        "(median of 3; target under 2 s)"
    )


if __name__ == "__main__":
    main()
