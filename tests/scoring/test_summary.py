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
