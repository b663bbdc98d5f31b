"""The calibration kept per band in the store: the one in force, the history of attempts.

(The same functions with import and rescore: tests/storage/test_calibration_in_store.py.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calibration import Calibration
from rls_monitor.band_calibration.stored import calibration_in_force, save_calibration
from rls_monitor.storage import Store


def _cal(offset_x_g: float) -> Calibration:
    return Calibration(
        offset_g=np.array([offset_x_g, 0.0, 0.0]), scale=np.ones(3), method="six-pose"
    )


def test_a_refused_calibration_is_kept_in_the_history_not_in_force(tmp_path: Path) -> None:
    with Store(tmp_path / "n.sqlite") as store:
        assert calibration_in_force(store, "B1") is None  # an unknown band has none
        first = save_calibration(store, "B1", _cal(0.01), source="bench.csv")
        second = save_calibration(store, "B1", _cal(0.02), accepted=False, reason="poor coverage")
        assert second > first
        in_force = calibration_in_force(store, "B1")
        assert in_force is not None and in_force.to_dict() == _cal(0.01).to_dict()
        history = store.calibration_history("B1")
        assert [h["accepted"] for h in history] == [True, False]
        assert calibration_in_force(store, "B2") is None  # per band
