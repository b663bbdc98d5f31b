"""Crash safety: a writer killed with SIGKILL at random points, and two processes at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.storage import Store

REPO = Path(__file__).resolve().parents[2]

# The writer: resumes night 1 (creating it the first time) and appends deterministic samples in
# random-sized chunks as fast as it can, printing the sequence number each append committed.
WRITER = r"""
import sys
import numpy as np
from rls_monitor.storage import Store

def counts(start, n):
    i = np.arange(start, start + n, dtype=np.int64)[:, None]
    return (((i * 7 + np.array([0, 13, 29])) % 2001) - 1000).astype(np.int16)

path, seed, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
with Store(path, block_s=0.2, max_blocks_per_transaction=4) as store:
    nights = store.list_nights()
    if nights:
        night = nights[0].id
        seq = store.resume_night(night)
    else:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12, source="kill-test")
        seq = 0
    print("ready", seq, flush=True)
    while seq < limit:
        n = int(rng.integers(1, 120))
        store.append_samples(night, seq, counts(seq, n))
        seq += n
        print("committed", seq, flush=True)
    store.finish_night(night)
print("done", flush=True)
"""


def _counts(start: int, n: int) -> np.ndarray:
    i = np.arange(start, start + n, dtype=np.int64)[:, None]
    return (((i * 7 + np.array([0, 13, 29])) % 2001) - 1000).astype(np.int16)


def _spawn(script: Path, *args: object) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen(
        [sys.executable, str(script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_at_random_points_never_loses_committed_samples(
    tmp_path: Path, db_path: Path
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = np.random.default_rng(7)
    committed = 0
    kills = 0
    for round_ in range(20):
        proc = _spawn(script, db_path, round_, 10**9)
        assert proc.stdout is not None
        ready = proc.stdout.readline().split()
        assert ready and ready[0] == "ready", proc.stderr.read() if proc.stderr else ""
        assert int(ready[1]) >= committed  # the resumed night holds every committed sample
        time.sleep(float(rng.uniform(0.0, 0.15)))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        kills += 1
        # only whole lines: the kill may land in the middle of the child printing one
        lines = [
            ln.split()
            for ln in out.splitlines(keepends=True)
            if ln.startswith("committed") and ln.endswith("\n") and len(ln.split()) == 2
        ]
        if lines:
            committed = max(committed, int(lines[-1][1]))
        with Store(db_path) as store:  # a later process: recovers, checks, reads
            night = store.list_nights()[0]
            assert night.status == "interrupted"
            report = store.check()
            assert report.ok, report.problems
            samples = store.read_samples(night.id, fill_gaps=False)
            assert samples.shape[0] >= committed
            np.testing.assert_array_equal(samples, _counts(0, samples.shape[0]))
            committed = samples.shape[0]
    assert kills == 20
    assert committed > 0
    with Store(db_path) as store:  # an interrupted night can be closed
        night = store.list_nights()[0]
        store.finish_night(night.id)
        assert store.get_night(night.id).status == "complete"


def test_a_writer_and_a_reader_at_the_same_time(tmp_path: Path, db_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    Store(db_path).close()
    proc = _spawn(script, db_path, 1, 30000)
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("ready")
    reads = 0
    while proc.poll() is None or reads == 0:
        with Store(db_path, readonly=reads % 2 == 1) as store:
            nights = store.list_nights()
            if nights:
                samples = store.read_samples(nights[0].id)
                np.testing.assert_array_equal(samples, _counts(0, samples.shape[0]))
                assert nights[0].status in ("recording", "complete")
            reads += 1
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "done" in out
    with Store(db_path) as store:
        assert store.check().ok
        assert store.list_nights()[0].status == "complete"
        assert store.read_samples(1).shape[0] >= 30000
    assert reads > 1
