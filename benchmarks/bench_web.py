"""Benchmark of the web page: the trend page over a year of nights; the live status stream's CPU.

Run with ``python -m benchmarks web`` (or ``make bench``). Prints figures; asserts nothing.
Targets (issue 17): the trend page over 365 stored nights renders in under 300 ms (median of
the whole request: the store read, the diary join, the insights, the SVG and the template);
the live status costs under 1 % of a core (the CPU time of the thread that serves the
server-sent events of a night recorded at real speed, over 20 s, beside the recorder's own).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from rls_monitor.diary.model import DiaryEntry
from rls_monitor.diary.records import add_entry
from rls_monitor.diary.stats import simulate_nights
from rls_monitor.storage import Store

SUBJECT = "simulated"


def year_store(
    path: Path, n_nights: int = 365, *, last: date | None = None, subject: str = SUBJECT
) -> Path:
    """Fill a store with ``n_nights`` scored nights and their diary evenings, fast.

    The nights and the diary are :func:`rls_monitor.diary.stats.simulate_nights` (PLM index
    and evening factors; alcohol truly adds 6 /h); each night is stored with its summary score
    (no samples), as a year of imported nights looks to the trend page.

    Parameters
    ----------
    path : Path
        The store (created when missing).
    n_nights : int
        Consecutive nights.
    last : date, optional
        The evening of the last night (default: yesterday).
    subject : str
        The nights' subject.

    Returns
    -------
    Path
    """
    last = last or date.today() - timedelta(days=1)
    first = last - timedelta(days=n_nights - 1)
    table = simulate_nights(n_nights, effects={"alcohol": 6.0}, seed=17, start=first)
    in_bed_h = 7.5
    with Store(path) as store:
        for i, day in enumerate(table.dates):
            start = datetime(day.year, day.month, day.day, 22, 30, tzinfo=UTC)
            night = store.create_night(subject, fs_hz=50.0, lsb_g=2**-12, start_utc=start)
            store.finish_night(night, start + timedelta(hours=in_bed_h), compact=False)
            plm_per_h = float(table.plm_per_h[i])
            plm = round(plm_per_h * in_bed_h)
            store.save_score(
                night,
                {
                    "rules": "wasm2016",
                    "duration_s": in_bed_h * 3600,
                    "in_bed_s": in_bed_h * 3600,
                    "counts": {"lm": plm, "clm": plm, "plm": plm, "series": 1},
                    "indices": {"lm_per_h": plm_per_h, "plm_per_h": plm_per_h},
                    "movements": [],
                },
            )
            f = {k: float(v[i]) for k, v in table.factors.items()}
            add_entry(
                store,
                DiaryEntry(
                    subject=subject,
                    night_date=day,
                    caffeine_cups=f["caffeine_cups"],
                    alcohol_units=f["alcohol_units"],
                    nicotine=bool(f["nicotine"]),
                    exercise_min=f["exercise_min"],
                    symptoms_0_10=int(f["symptoms_0_10"]),
                    iron_supplement=bool(f["iron_supplement"]),
                    compression_stockings=bool(f["compression_stockings"]),
                ),
                replace_existing=True,
            )
    return path


def _trend_ms(db: Path, runs: int = 15) -> list[float]:
    from starlette.testclient import TestClient

    from rls_monitor.web.app import create_app
    from rls_monitor.web.security import RunSecrets

    secrets = RunSecrets()
    app = create_app(db, secrets=secrets)
    times = []
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        client.get(f"/?token={secrets.token}")
        first = client.get("/trend")
        assert first.status_code == 200 and first.text.count('class="night"') >= 365
        for _ in range(runs):
            start = time.perf_counter()
            r = client.get("/trend")
            times.append((time.perf_counter() - start) * 1e3)
            assert r.status_code == 200
    return times


def _stream_cpu(db: Path, seconds: float = 20.0) -> tuple[float, int]:
    """CPU share of one core used by the thread serving the live stream, and events sent."""
    from rls_monitor.web.recording import NightRun
    from rls_monitor.web.tonight import status_events

    run = NightRun(db, speed=1.0, duration_s=3600.0).start()
    out: dict[str, float] = {}

    def serve() -> None:
        async def main() -> None:
            n = 0
            cpu0, wall0 = time.thread_time(), time.perf_counter()
            async for _ in status_events(run):
                n += 1
                if time.perf_counter() - wall0 >= seconds:
                    break
            out["cpu"] = time.thread_time() - cpu0
            out["wall"] = time.perf_counter() - wall0
            out["events"] = n

        asyncio.run(main())

    thread = threading.Thread(target=serve)
    thread.start()
    thread.join()
    run.stop()
    run.wait(60.0)
    return out["cpu"] / out["wall"], int(out["events"])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        db = Path(tmp) / "year.sqlite"
        start = time.perf_counter()
        year_store(db, 365)
        print(f"store of 365 nights with diary built in {time.perf_counter() - start:.1f} s")
        times = _trend_ms(db)
        print(
            f"trend page over 365 nights: median {statistics.median(times):.0f} ms, "
            f"min {min(times):.0f} ms, max {max(times):.0f} ms over {len(times)} requests "
            "(target < 300 ms)"
        )
        share, events = _stream_cpu(Path(tmp) / "live.sqlite")
        print(
            f"live status stream: {share:.2%} of a core over 20 s ({events} events; target < 1 %)"
        )


if __name__ == "__main__":
    main()
