"""Sample blocks: append, read back, gaps, compaction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rls_monitor.errors import StorageError
from rls_monitor.storage import Store
from tests.storage.conftest import counts


def test_append_in_blocks_and_read_back(db_path: Path) -> None:
    with Store(db_path, block_s=2.0, max_blocks_per_transaction=3) as store:
        night = store.create_night("P01", fs_hz=25.0, lsb_g=2**-12)
        assert store.append_samples(night, 0, counts(1234)) == 1234
        assert store.append_samples(night, 1234, counts(66, 1234)) == 66
        assert store.next_seq(night) == 1300
        np.testing.assert_array_equal(store.read_samples(night), counts(1300))
        n_blocks = store.db.execute("SELECT count(*) FROM sample_blocks").fetchone()[0]
        assert n_blocks == 25 + 2  # blocks of at most 50 samples: 24 + 34, then 50 + 16
        assert store.get_night(night).n_samples == 1300
        with pytest.raises(StorageError, match="overlap"):
            store.append_samples(night, 1299, counts(5))


def test_a_gap_is_held_or_refused(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, counts(10))
        store.append_samples(night, 15, counts(5, 15))
        got = store.read_samples(night)
        assert got.shape == (20, 3)
        np.testing.assert_array_equal(got[10:15], np.repeat(counts(10)[-1:], 5, axis=0))
        np.testing.assert_array_equal(got[15:], counts(5, 15))
        with pytest.raises(StorageError, match="missing"):
            store.read_samples(night, fill_gaps=False)
        assert store.check().ok


def test_only_a_recording_night_takes_samples(db_path: Path) -> None:
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.finish_night(night)
        with pytest.raises(StorageError, match="complete, not recording"):
            store.append_samples(night, 0, counts(10))
        assert store.resume_night(night) == 0
        store.append_samples(night, 0, counts(10))
        with pytest.raises(StorageError, match="no channel 1"):
            store.append_samples(night, 0, counts(10), channel=1)


def test_finishing_compacts_small_blocks(db_path: Path) -> None:
    with Store(db_path, block_s=10.0) as store:  # blocks of 500 samples at 50 Hz
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        seq = 0
        for n in [37] * 40:  # a live session's small appends
            store.append_samples(night, seq, counts(n, seq))
            seq += n
        store.append_samples(night, seq + 100, counts(20, seq + 100))  # after a gap
        count = "SELECT count(*) FROM sample_blocks"
        assert store.db.execute(count).fetchone()[0] == 41
        store.finish_night(night)
        assert store.db.execute(count).fetchone()[0] == 3 + 1  # 1480 samples, then the tail
        got = store.read_samples(night)
        np.testing.assert_array_equal(got[:seq], counts(seq))
        np.testing.assert_array_equal(got[seq + 100 :], counts(20, seq + 100))
        assert store.check().ok
        assert store.compact_night(night) == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunks=st.lists(st.tuples(st.integers(1, 400), st.integers(0, 30)), min_size=1, max_size=12),
    block_s=st.sampled_from([0.5, 2.0, 60.0]),
)
def test_any_chunking_reads_back_the_same_samples(
    tmp_path: Path, chunks: list[tuple[int, int]], block_s: float
) -> None:
    path = tmp_path / f"p{abs(hash((tuple(chunks), block_s)))}.sqlite"
    expected = []
    with Store(path, block_s=block_s, max_blocks_per_transaction=2) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        seq = 0
        for n, gap in chunks:
            seq += gap
            store.append_samples(night, seq, counts(n, seq))
            expected.append((seq, n))
            seq += n
        for compact in (False, True):
            got = store.read_samples(night)
            assert got.shape == (seq, 3)
            for first, n in expected:
                np.testing.assert_array_equal(got[first : first + n], counts(n, first))
            assert store.check().ok
            if not compact:
                store.finish_night(night)
