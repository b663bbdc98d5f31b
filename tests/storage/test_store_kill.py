"""Crash safety: a writer killed with SIGKILL at random points, and two processes at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
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


# The whole life of recorded nights, over and over: a new file (schema migrations), a night,
# live-sized appends (many small blocks), closing (compaction rewrites the blocks in one
# transaction), scoring (score, movements and minutes in one transaction).
LIFECYCLE = r"""
import sys
import numpy as np
from rls_monitor.events import EventList
from rls_monitor.nights.rescore import rescore_night
from rls_monitor.scoring import score
from rls_monitor.storage import Store

def counts(start, n):
    i = np.arange(start, start + n, dtype=np.int64)[:, None]
    return (((i * 7 + np.array([0, 13, 29])) % 2001) - 1000).astype(np.int16)

def scorer(rec, rules):
    onsets = np.arange(10.0, 110.0, 20.0)
    return score(EventList(onsets, onsets + 2.0, duration_s=rec.duration_s), rules=rules)

path, seed, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
print("ready", flush=True)
with Store(path, block_s=30.0, max_blocks_per_transaction=2) as store:
    while True:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12, source="kill-test")
        seq = 0
        while seq < total:
            n = min(int(rng.integers(20, 400)), total - seq)
            store.append_samples(night, seq, counts(seq, n))
            seq += n
            print("committed", night, seq, flush=True)
        store.finish_night(night)
        print("finished", night, flush=True)
        rescore_night(store, night, scorer=scorer, calibration="none")
        print("scored", night, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_anywhere_in_the_life_of_a_night(tmp_path: Path) -> None:
    script = tmp_path / "lifecycle.py"
    script.write_text(LIFECYCLE)
    total = 6000  # 2 min at 50 Hz: about 30 appends, then closing and scoring
    rng = np.random.default_rng(11)
    seen: Counter[str] = Counter()
    for round_ in range(16):
        db_path = tmp_path / f"life-{round_ // 4}.sqlite"  # a new file every 4th round
        proc = _spawn(script, db_path, round_, total)
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("ready")
        # a new file: kill early, while it is being created and migrated
        time.sleep(float(rng.uniform(0.0, 0.03 if round_ % 4 == 0 else 0.8)))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        assert proc.returncode == -signal.SIGKILL, err
        committed: dict[int, int] = {}
        finished: set[int] = set()
        scored: set[int] = set()
        phase = "opening or creating the file"
        for line in out.splitlines(keepends=True):
            words = line.split()
            if not line.endswith("\n") or len(words) < 2:
                continue  # the kill landed in the middle of printing this line
            if words[0] == "committed" and len(words) == 3:
                committed[int(words[1])] = int(words[2])
                phase = "appending or closing"
            elif words[0] == "finished":
                finished.add(int(words[1]))
                phase = "scoring"
            elif words[0] == "scored":
                scored.add(int(words[1]))
                phase = "starting the next night"
        seen[phase] += 1
        if not db_path.exists():
            continue
        with Store(db_path) as store:  # a later process: opens, recovers, checks, reads
            report = store.check()
            assert report.ok, report.problems
            for info in store.list_nights():
                samples = store.read_samples(info.id, fill_gaps=False)
                np.testing.assert_array_equal(samples, _counts(0, samples.shape[0]))
                assert samples.shape[0] >= committed.get(info.id, 0)
                result = store.get_result(info.id)
                if info.id in finished:
                    assert info.status == "complete" and samples.shape[0] == total
                if info.id in scored:
                    assert result is not None
                if result is not None:  # a score is saved whole or not at all
                    assert len(store.get_movements(info.id)) == result["counts"]["lm"] == 5
                    assert len(store.get_minutes(info.id)) == 2
                if info.status == "interrupted":
                    seen["nights interrupted"] += 1
                    store.finish_night(info.id)  # an interrupted night can be closed
                    assert store.check().ok
    print(dict(seen))  # where the kills landed (pytest -s)
    assert sum(v for k, v in seen.items() if k != "nights interrupted") == 16
    assert seen["nights interrupted"] >= 1
