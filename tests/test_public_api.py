"""The public API is what we mean it to be."""

from __future__ import annotations

import numpy as np

import rls_monitor


def test_public_names() -> None:
    assert set(rls_monitor.__all__) == {
        "EventList",
        "RLSMonitorError",
        "Recording",
        "ScoreResult",
        "__version__",
        "format_summary",
        "read_event_list",
        "read_recording",
        "score",
        "write_csv",
    }
    for name in rls_monitor.__all__:
        assert getattr(rls_monitor, name) is not None


def test_every_public_function_has_a_numpy_docstring() -> None:
    for name in ("read_recording", "score", "read_event_list", "write_csv"):
        doc = getattr(rls_monitor, name).__doc__ or ""
        assert "Parameters\n" in doc and "Returns\n" in doc, name


def test_score_to_dict_has_the_documented_shape() -> None:
    events = rls_monitor.EventList(
        np.array([100.0, 120.0, 140.0, 160.0, 400.0]),
        np.array([102.0, 122.5, 141.0, 163.0, 401.0]),
        duration_s=3600.0,
    )
    out = rls_monitor.score(events, rules="wasm2016").to_dict()
    assert out["rules"] == "wasm2016"
    assert {"duration_s", "in_bed_s", "movements", "counts", "indices"} <= set(out)
    assert set(out["counts"]) >= {"lm", "clm", "plm", "series"}
    assert set(out["indices"]) >= {"lm_per_h", "plm_per_h", "periodicity_index"}
    assert set(out["movements"][0]) >= {"onset_s", "offset_s", "side", "clm", "plm", "series"}
    assert out["counts"]["plm"] == 4 and out["counts"]["series"] == 1
