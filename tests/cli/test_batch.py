"""``rls-monitor batch`` and ``rescore --all`` as a researcher runs them, in real processes,
including a batch killed with SIGKILL and run again (rls_monitor/cli/batch.py)."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rls_monitor.storage import Store
from tests.batch.conftest import make_cohort

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "rls_monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def test_batch_in_a_pipe(tmp_path: Path) -> None:
    cohort = make_cohort(tmp_path / "cohort", n_nights=2)
    db = tmp_path / "c.sqlite"
    res = _cli(
        "batch", str(cohort.root), "--db", str(db), "--jobs", "2",
        "--cohort-table", "cohort.csv", "--subject-from", "folder", cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 1, res.stderr
    n = len(cohort.good)
    assert f"{n} nights stored, 0 already stored, 3 failed" in res.stdout
    assert "Traceback" not in res.stderr
    assert "Importing:" in res.stderr and "\r" not in res.stderr  # plain lines in a pipe
    for path, message in cohort.bad.items():
        (line,) = [x for x in res.stderr.splitlines() if x.startswith(f"failed: {path}: ")]
        assert message in line
        assert f"{path}: {path}" not in res.stderr
    with (tmp_path / "batch-failures.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["item"] for r in rows) == sorted(str(p) for p in cohort.bad)
    with (tmp_path / "cohort.csv").open() as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == n and {r["subject"] for r in table} == {p.parent.name for p in cohort.good}
    assert all(r["completeness_pct"] == "100.0" for r in table)
    # the real AX3 file is 3 minutes on a desk: no time in bed, so no index (not a zero)
    assert all((r["plm_per_h"] != "") == (float(r["in_bed_s"]) > 0) for r in table)
    assert (tmp_path / "cohort.csv").stat().st_mode & 0o777 == 0o600

    again = _cli("batch", str(cohort.root), "--db", str(db), "--jobs", "1", cwd=tmp_path)
    assert f"0 nights stored, {n} already stored, 3 failed" in again.stdout

    res = _cli("rescore", "--all", "--rules", "aasm", "--db", str(db), "--jobs", "2", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"{n} updated, 0 unchanged, 0 failed" in res.stdout
    # the plain progress line of a pipe says what was done to each night
    assert f"Rescoring: {n} of {n} done ({n} rescored, 0 skipped, 0 failed" in res.stderr
    assert _cli("db", "check", "--db", str(db), cwd=tmp_path).returncode == 0


def test_batch_killed_and_run_again_stores_every_file_once(tmp_path: Path) -> None:
    cohort = make_cohort(tmp_path / "cohort", n_nights=6, duration_s=900.0)
    db = tmp_path / "c.sqlite"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rls_monitor", "batch", str(cohort.root), "--db", str(db),
         "--jobs", "1"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if db.exists():
                try:
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
                        (done,) = con.execute(
                            "SELECT count(*) FROM nights WHERE status = 'complete'"
                        ).fetchone()
                except sqlite3.Error:
                    continue
                if done >= 2:
                    break
        else:
            raise AssertionError("the batch stored nothing in 300 s")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with Store(db, readonly=True) as store:
        before = {
            n.metadata.get("source_path") for n in store.list_nights() if n.status == "complete"
        }
    assert 2 <= len(before) < len(cohort.good)

    res = _cli("batch", str(cohort.root), "--db", str(db), "--jobs", "2", cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    with Store(db) as store:
        nights = store.list_nights()
        sources = [n.metadata.get("source_path") for n in nights]
        assert sorted(sources) == sorted(str(p) for p in cohort.good)  # each once
        assert all(n.status == "complete" for n in nights)
        assert store.check().ok
    assert f"{len(before)} already stored" in res.stdout
