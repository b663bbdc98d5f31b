"""The night's timeline (firmware_host.signal_model.timeline): it tiles the night, movements overlap
nothing else.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.firmware_host.signal_model.nights import (
    PRESETS,
    night,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_timeline_tiles_the_night(seed: int) -> None:
    sim = night("ordinary", seed)
    t = sim.truth
    starts = np.concatenate([t.lying.start_s, t.upright.start_s])
    ends = np.concatenate([t.lying.end_s, t.upright.end_s])
    order = np.argsort(starts)
    starts, ends = starts[order], ends[order]
    assert starts[0] == 0.0 and ends[-1] == pytest.approx(sim.duration_s)
    np.testing.assert_allclose(starts[1:], ends[:-1])
    assert np.all(ends > starts)
    assert t.in_bed_s() == pytest.approx(np.sum(t.lying.end_s - t.lying.start_s))
    assert 0.6 * sim.duration_s < t.in_bed_s() < sim.duration_s
    assert t.upright.walking.any() and (~t.upright.walking).any()
    np.testing.assert_array_equal(t.upright.walking, t.upright.posture == "walking")
    assert set(t.lying.posture) <= {"supine", "left", "right", "prone"}
    # posture changes sit at the boundaries between lying periods
    for on, off in zip(t.posture_changes.onset_s, t.posture_changes.offset_s, strict=True):
        assert 2.0 - 0.05 <= off - on <= 6.0 + 0.05
        assert np.any(np.isclose(t.lying.end_s, 0.5 * (on + off), atol=0.03))


@pytest.mark.parametrize("difficulty", PRESETS)
@pytest.mark.parametrize("seed", [0, 1])
def test_movements_do_not_overlap_anything(difficulty: str, seed: int) -> None:
    t = night(difficulty, seed).truth
    m = t.movements
    assert np.all(np.diff(m.onset_s) > 0)
    # separate movements are never closer than the 0.5 s that the offset rule merges
    assert np.all(m.onset_s[1:] - m.offset_s[:-1] >= 1.0)
    for on, off in zip(t.posture_changes.onset_s, t.posture_changes.offset_s, strict=True):
        assert not np.any((m.onset_s < off) & (m.offset_s > on))
    for on, off in zip(t.upright.start_s, t.upright.end_s, strict=True):
        assert not np.any((m.onset_s < off) & (m.offset_s > on))
    for on, off in zip(t.twitches.onset_s, t.twitches.offset_s, strict=True):
        assert not np.any((m.onset_s < off + 1.0) & (m.offset_s > on - 1.0))
        assert 0.05 <= off - on < 0.5
