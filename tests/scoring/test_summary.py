"""The plain-text summary (rls_monitor/scoring/summary.py)."""

from __future__ import annotations

import rls_monitor
from rls_monitor.scoring import format_summary, score
from tests.scoring.conftest import event_list


def test_summary_names_rules_and_index() -> None:
    text = format_summary(score(event_list([100, 120, 140, 160, 180])))
    assert "WASM/IRLSSG 2016" in text and "[wasm2016]" in text
    assert "PLM index [wasm2016]: 5.0 per hour of recording" in text
    assert "Limitations:" in text and rls_monitor.__version__ in text


def test_a_gap_under_a_minute_is_said_in_seconds() -> None:
    """A damaged block of a device file loses about a second: not "0 h 00 min"."""
    import numpy as np

    from rls_monitor.recording import Recording

    accel = np.zeros((6000, 3), np.float32)
    accel[:, 2] = 1.0
    for gaps, words in (
        ([[1000, 1060]], "1.2 s in 1 gap"),
        ([[1000, 4000]], "0 h 01 min in 1 gap"),
    ):
        text = format_summary(score(Recording(accel, fs_hz=50.0, gaps=gaps)))
        assert f"Not recorded: {words} (not counted as time in bed" in text
