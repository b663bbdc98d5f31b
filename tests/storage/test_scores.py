"""Scores: a night's result, movements and minutes round-trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from rls_monitor.errors import ConfigError, StorageError
from rls_monitor.storage import Store


def test_scores_round_trip(db_path: Path) -> None:
    result = {
        "rules": "wasm2016",
        "duration_s": 600.0,
        "in_bed_s": 540.0,
        "counts": {"lm": 2, "clm": 2, "plm": 0, "series": 0},
        "indices": {"lm_per_h": 13.3, "plm_per_h": 0.0},
        "movements": [
            {
                "onset_s": 1.0,
                "offset_s": 2.5,
                "duration_s": 1.5,
                "side": "left",
                "clm": True,
                "plm": False,
                "series": 0,
                "peak_mg": 80.0,
            },
            {
                "onset_s": 70.0,
                "offset_s": 71.0,
                "side": "left",
                "clm": True,
                "plm": False,
                "series": 0,
            },
        ],
    }
    with Store(db_path) as store:
        night = store.create_night("P01", fs_hz=50.0, lsb_g=2**-12)
        store.save_score(night, result, minutes=[{"minute": 0, "start_s": 0.0, "in_bed": True}])
        assert store.get_result(night) == result
        rows = store.get_movements(night)
        assert [r["onset_s"] for r in rows] == [1.0, 70.0]
        assert rows[0]["peak_mg"] == 80.0 and rows[1]["peak_mg"] is None
        assert rows[1]["duration_s"] == 1.0
        assert store.get_minutes(night)[0]["in_bed"] is True
        info = store.get_night(night)
        assert (info.lm_count, info.plm_per_h, info.rules) == (2, 0.0, "wasm2016")
        with pytest.raises(ConfigError):
            store.save_score(night, {"rules": "wasm2016"})
        with pytest.raises(StorageError, match="no night 99"):
            store.get_result(99)
