"""Posture: learned shank axis, time in bed, labels and turn-overs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.detection import PostureConfig, detect_posture
from rls_monitor.detection.posture import fill_and_prune
from rls_monitor.errors import ConfigError, DetectionError
from tests.detection.conftest import simulated_night
from tests.oracles.movements import reference_fill_and_prune, reference_lying


def _truth_lying(night, n_epochs: int) -> np.ndarray:
    t = np.arange(n_epochs) + 0.5
    lying = np.zeros(n_epochs, bool)
    for a, b in zip(night.truth.lying.start_s, night.truth.lying.end_s, strict=True):
        lying |= (t >= a) & (t < b)
    return lying


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
@pytest.mark.parametrize("difficulty", ["easy", "ordinary", "hard", "none"])
def test_in_bed_and_axis_on_simulated_nights(difficulty: str, fs_hz: float) -> None:
    night = simulated_night(difficulty, fs_hz, 21)
    post = detect_posture(night.accel_g, fs_hz)
    angle = np.degrees(np.arccos(np.clip(post.shank_axis @ night.truth.shank_axis, -1, 1)))
    assert post.shank_axis_source == "walking"
    assert angle < 12.0
    assert abs(post.in_bed_s - night.truth.in_bed_s()) < 0.02 * night.truth.in_bed_s()
    truth = _truth_lying(night, post.lying.size)
    assert (truth != post.lying).mean() < 0.02
    assert not (post.lying & post.walking).any()
    # no walking epoch of the truth is ever in bed
    t = np.arange(post.lying.size) + 0.5
    up = night.truth.upright
    for a, b, walking in zip(up.start_s, up.end_s, up.walking, strict=True):
        if walking:
            assert not post.lying[(t >= a + 2) & (t < b - 2)].any()


def test_relative_roll_and_turnovers() -> None:
    night = simulated_night("ordinary", 50.0, 11)
    post = detect_posture(night.accel_g, 50.0)
    lp = night.truth.lying
    t = np.arange(post.lying.size) + 0.5
    offsets = []
    for a, b, roll in zip(lp.start_s, lp.end_s, lp.roll_deg, strict=True):
        sel = post.lying & (t >= a + 10) & (t < b - 10)
        if sel.any():
            offsets.append(((np.nanmedian(post.roll_deg[sel]) - roll + 180) % 360) - 180)
    # the zero of the roll is a convention, but the rotations between postures are measured
    spread = ((np.asarray(offsets) - offsets[0] + 180) % 360) - 180
    assert np.abs(spread).max() < 30.0, offsets
    tv = night.truth.posture_changes
    assert len(post.turnovers) == len(tv) > 0
    np.testing.assert_allclose(post.turnovers.onset_s, tv.onset_s, atol=4.0)


def _still(direction: tuple[float, float, float], seconds: float, fs: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    d = np.asarray(direction, np.float32) / np.linalg.norm(direction)
    return (
        np.tile(d, (int(seconds * fs), 1)) + rng.normal(0, 0.003, (int(seconds * fs), 3))
    ).astype(np.float32)


def test_given_axis_standing_and_lying() -> None:
    fs = 50.0
    # two-minute test signals: allow lying bouts of a minute (a bed period needs 5 min)
    cfg = PostureConfig(shank_axis=(0.0, 1.0, 0.0), min_lying_bout_s=60.0)
    stand = detect_posture(_still((0, 1, 0), 120, fs), fs, cfg)
    assert stand.in_bed_s == 0.0 and set(stand.posture) == {"upright"}
    lie = detect_posture(_still((1, 0, 0), 120, fs), fs, cfg)
    assert lie.in_bed_s == 120.0
    assert lie.shank_axis_source == "given"
    mask = lie.lying_mask(int(120 * fs), fs)
    assert mask.shape == (6000,) and mask.all()


def test_supine_convention_and_sides() -> None:
    fs = 50.0
    axis = (1.0, 0.0, 0.0)
    cfg = PostureConfig(shank_axis=axis, supine_direction=(0.0, 0.0, 1.0))
    parts = [_still(d, 120, fs) for d in [(0, 0, 1), (0, 1, 0), (0, -1, 0), (0, 0, -1)]]
    post = detect_posture(np.concatenate(parts), fs, cfg)
    # y = supine x axis = (0, 0, 1) x (1, 0, 0) = (0, 1, 0): +90 "left"
    assert [str(post.posture[60 + 120 * k]) for k in range(4)] == [
        "supine",
        "left",
        "right",
        "prone",
    ]
    assert len(post.turnovers) == 3
    np.testing.assert_allclose(np.abs(post.turnovers.rotation_deg), [90, 180, 90], atol=5)


def test_lying_plane_without_walking() -> None:
    """A night in bed only: the axis is the pole of the lying directions."""
    fs = 25.0
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    axis = q[:, 0]
    parts = [
        _still(tuple(q[:, 1] * np.cos(r) + q[:, 2] * np.sin(r)), 300, fs)
        for r in (0, 1.6, 3.1, 0.1)
    ]
    post = detect_posture(np.concatenate(parts), fs)
    assert post.shank_axis_source == "lying-plane"
    assert abs(float(post.shank_axis @ axis)) > 0.99
    assert post.in_bed_s == pytest.approx(1200.0)


def test_errors() -> None:
    with pytest.raises(DetectionError):
        detect_posture(np.zeros((100, 3), np.float32), 50.0)
    with pytest.raises(ConfigError):
        PostureConfig(lying_max_deg=95.0)
    with pytest.raises(ConfigError):
        PostureConfig(shank_axis=(0.0, 0.0, 0.0))


def test_short_lie_down_is_not_time_in_bed() -> None:
    """Going to bed is not a two-minute lie-down: lying bouts under 5 min are not in bed."""
    fs = 25.0
    cfg = PostureConfig(shank_axis=(0.0, 1.0, 0.0))
    walk_free = [_still((0, 1, 0), 120, fs), _still((1, 0, 0), 240, fs), _still((0, 1, 0), 120, fs)]
    post = detect_posture(np.concatenate(walk_free), fs, cfg)
    assert post.in_bed_s == 0.0
    night = [_still((0, 1, 0), 120, fs), _still((1, 0, 0), 330, fs), _still((0, 1, 0), 120, fs)]
    post = detect_posture(np.concatenate(night), fs, cfg)
    assert abs(post.in_bed_s - 330.0) <= 3.0
    with pytest.raises(ConfigError):
        PostureConfig(min_lying_bout_s=-1.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=300),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.5, 1.0, 2.0]),
    st.floats(0.0, 30.0),
    st.floats(0.0, 400.0),
)
def test_bout_smoothing_matches_loop_reference(
    lying: list[bool], seed: int, epoch_s: float, max_gap_s: float, min_bout_s: float
) -> None:
    rng = np.random.default_rng(seed)
    lying_a = np.asarray(lying, dtype=bool)
    walking = rng.random(lying_a.size) < rng.choice([0.0, 0.05, 0.3])
    cfg = PostureConfig(epoch_s=epoch_s, max_gap_s=max_gap_s, min_lying_bout_s=min_bout_s)
    got = fill_and_prune(lying_a, walking, cfg)
    ref = reference_fill_and_prune(
        lying_a, walking, epoch_s=epoch_s, max_gap_s=max_gap_s, min_lying_bout_s=min_bout_s
    )
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize(("difficulty", "fs_hz"), [("ordinary", 25.0), ("hard", 100.0)])
def test_lying_decision_matches_loop_reference(difficulty: str, fs_hz: float) -> None:
    """Epoch means, elevation, running median, lying, gaps and bouts, with loops: the same."""
    night = simulated_night(difficulty, fs_hz, 21)
    post = detect_posture(night.accel_g, fs_hz)
    ref = reference_lying(night.accel_g, fs_hz, shank_axis=post.shank_axis, walking=post.walking)
    assert post.lying.any() and not post.lying.all()
    np.testing.assert_array_equal(post.lying, ref)


def test_lying_decision_matches_loop_reference_any_orientation() -> None:
    fs = 50.0
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    dirs = [q[:, 0], q[:, 1], q[:, 1] * 0.9 + q[:, 0] * 0.44, q[:, 2], q[:, 0]]
    a = np.concatenate(
        [_still(tuple(d), s, fs) for d, s in zip(dirs, (90, 200, 150, 100, 60), strict=True)]
    )
    cfg = PostureConfig(shank_axis=tuple(q[:, 0]), min_lying_bout_s=120.0)
    post = detect_posture(a, fs, cfg)
    ref = reference_lying(a, fs, shank_axis=post.shank_axis, walking=post.walking, config=cfg)
    assert post.lying.any()
    np.testing.assert_array_equal(post.lying, ref)
