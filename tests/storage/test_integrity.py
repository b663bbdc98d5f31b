"""The integrity check."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import StorageError
from rls_monitor.storage import Store
from tests.storage.conftest import counts


def test_check_finds_a_corrupted_block(db_path: Path) -> None:
    with Store(db_path, block_s=60.0) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.append_samples(night, 0, counts(10000))
        assert store.check().ok
        # Replace one block's data with a valid block of other samples: only the CRC can tell.
        from rls_monitor.storage import encode_block

        data, _ = encode_block(counts(3000, 1))
        store.db.execute("UPDATE sample_blocks SET data = ? WHERE first_seq = 3000", [data])
        report = store.check()
        assert not report.ok
        assert any("block at sample 3000" in p and "CRC" in p for p in report.problems)
        assert store.check(deep=False).ok
        with pytest.raises(StorageError, match="block at sample 3000"):
            store.read_samples(night)
        store.db.execute("UPDATE night_devices SET n_samples = 5")
        assert any("blocks end at 10000" in p for p in store.check(deep=False).problems)
