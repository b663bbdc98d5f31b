"""One band's recording (firmware_host.signal_model.render): sensor resolution, gravity at rest, the
band's orientation on the leg, turn-overs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware_host.signal_model import (
    night_config,
    simulate_night,
)
from tests.firmware_host.signal_model.nights import (
    SHORT_S,
    busy_config,
    corrected,
    mask_of,
    night,
    quiet_lying_mask,
)


@pytest.mark.parametrize(("range_g", "bits"), [(8.0, 16), (8.0, 12), (2.0, 12), (16.0, 14)])
def test_counts_fit_the_sensor_resolution(range_g: float, bits: int) -> None:
    config = night_config(duration_s=600.0, range_g=range_g, resolution_bits=bits)
    sim = simulate_night(config, seed=1)
    full = 2 ** (bits - 1)
    assert sim.lsb_g == 2 * range_g / 2**bits
    assert math.frexp(sim.lsb_g)[0] == 0.5  # a power of two
    assert sim.counts.min() >= -full and sim.counts.max() <= full - 1
    if range_g == 2.0:  # heel strikes exceed 2 g: the sensor saturates, it does not wrap
        assert np.abs(sim.accel_g).max() >= 1.99


@pytest.mark.parametrize("difficulty", ["easy", "ordinary", "hard"])
def test_magnitude_is_one_g_at_rest_in_bed(difficulty: str) -> None:
    sim = night(difficulty)
    cfg = sim.config
    quiet = quiet_lying_mask(sim)
    assert quiet.mean() > 0.3
    raw = np.linalg.norm(sim.accel_g[quiet].astype(np.float64), axis=1)
    errors_g = math.sqrt(3) * cfg.offset_mg_max / 1000 + cfg.scale_error_max + cfg.drift_mg / 1000
    noise_g = 5 * cfg.noise_mg / 1000 + 2 * sim.lsb_g
    assert np.all(np.abs(raw - 1.0) < errors_g + noise_g)
    fixed = np.linalg.norm(corrected(sim)[quiet], axis=1)
    assert abs(np.mean(fixed) - 1.0) < 1e-3 + sim.truth.drift_peak_g
    assert np.std(fixed) < 1.5 * cfg.noise_mg / 1000 + sim.truth.drift_peak_g


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_shank_axis_against_gravity(seed: int) -> None:
    sim = simulate_night(night_config("easy", duration_s=SHORT_S, drift_mg=0.0), seed=seed)
    t = sim.truth
    acc = corrected(sim)
    quiet = quiet_lying_mask(sim)
    n, fs = acc.shape[0], sim.fs_hz
    # lying: the shank is horizontal up to its incline
    for start, end, incline in zip(
        t.lying.start_s, t.lying.end_s, t.lying.incline_deg, strict=True
    ):
        sel = quiet & mask_of(n, fs, np.array([start]), np.array([end]))
        if sel.sum() < 10 * fs:
            continue
        g = acc[sel].mean(axis=0)
        elevation = math.degrees(math.asin(np.dot(g, t.shank_axis) / np.linalg.norm(g)))
        assert elevation == pytest.approx(incline, abs=1.5)
        assert abs(elevation) <= 25.0
    # upright: the shank is roughly vertical (ankle -> knee points up)
    for start, end, posture in zip(
        t.upright.start_s, t.upright.end_s, t.upright.posture, strict=True
    ):
        sel = mask_of(n, fs, np.array([start + 4.0]), np.array([end - 4.0]))
        if sel.sum() < 5 * fs:
            continue
        g = acc[sel].mean(axis=0)
        cos_angle = np.dot(g, t.shank_axis) / np.linalg.norm(g)
        limit = {"standing": 8.0, "walking": 20.0, "sitting": 28.0}[str(posture)]
        assert cos_angle > math.cos(math.radians(limit)), (posture, cos_angle)


def test_no_sensor_axis_is_guaranteed_along_the_shank() -> None:
    axes = np.array(
        [simulate_night(night_config(duration_s=300.0), seed=s).truth.shank_axis for s in range(40)]
    )
    dominant = np.argmax(np.abs(axes), axis=1)
    assert len(set(dominant)) >= 2
    assert np.abs(axes).max(axis=1).min() < 0.9


def test_posture_changes_turn_the_leg() -> None:
    sim = simulate_night(busy_config(turnover_per_h=10.0), seed=0)
    t = sim.truth
    assert len(t.posture_changes) > 0
    acc = corrected(sim)
    fs = sim.fs_hz
    for k in range(len(t.lying) - 1):
        end, nxt = t.lying.end_s[k], t.lying.start_s[k + 1]
        if end != nxt:  # across an upright period
            continue
        before = acc[round((end - 8.0) * fs) : round((end - 4.0) * fs)].mean(axis=0)
        after = acc[round((end + 4.0) * fs) : round((end + 8.0) * fs)].mean(axis=0)
        droll = abs((t.lying.roll_deg[k + 1] - t.lying.roll_deg[k] + 180.0) % 360.0 - 180.0)
        angle = math.degrees(
            math.acos(
                np.clip(
                    np.dot(before, after) / np.linalg.norm(before) / np.linalg.norm(after), -1, 1
                )
            )
        )
        if droll > 40.0:
            assert angle > 20.0
