"""The Recording type and its int16 quantisation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.errors import RecordingError
from rls_monitor.recording.model import Recording, quantise


def test_recording_validates() -> None:
    with pytest.raises(RecordingError, match="shape"):
        Recording(np.zeros((10, 2), dtype=np.float32), 50.0)
    with pytest.raises(RecordingError, match="fs_hz"):
        Recording(np.zeros((10, 3), dtype=np.float32), 0.0)
    with pytest.raises(RecordingError, match="side"):
        Recording(np.zeros((10, 3), dtype=np.float32), 50.0, side="middle")


@settings(max_examples=50, deadline=None)
@given(
    k=st.integers(min_value=6, max_value=14),
    values=st.lists(st.integers(min_value=-2000, max_value=2000), min_size=3, max_size=60),
)
def test_quantise_recovers_band_counts(k: int, values: list[int]) -> None:
    counts = np.resize(np.array(values, dtype=np.int16), (len(values) // 3 * 3,)).reshape(-1, 3)
    accel = (counts.astype(np.float32) * np.float32(2.0**-k)).astype(np.float32)
    again, lsb_g, exact = quantise(accel)
    assert exact
    assert np.array_equal(again.astype(np.float32) * np.float32(lsb_g), accel)


def test_quantise_off_grid_values() -> None:
    accel = np.array([[0.1, -0.3, 0.95]], dtype=np.float32)
    counts, lsb_g, exact = quantise(accel)
    assert not exact and lsb_g == 2.0**-15
    assert np.allclose(counts * lsb_g, accel, atol=lsb_g)
