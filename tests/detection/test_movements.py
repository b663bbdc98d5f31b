"""Leg-movement detector: vectorised == loop reference, invariances, simulated and real nights."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.detection import (
    DetectorConfig,
    PostureConfig,
    detect_leg_movements,
    detect_posture,
    f1_score,
    match_events,
)
from rls_monitor.detection.movements import (
    activity_envelope,
    activity_envelopes,
    movement_thresholds,
    score_envelope,
)
from rls_monitor.errors import ConfigError, DetectionError, UnitsError
from rls_monitor.recording import Recording
from rls_monitor.scoring import score
from tests.detection.conftest import simulated_night
from tests.oracles.movements import (
    reference_activity_envelope,
    reference_activity_envelopes,
    reference_detect_leg_movements,
    reference_noise_floor,
    reference_score_envelope,
)

DAPHNET = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ankle_walking"


# ----------------------------------------------------------------------------------------
# vectorised state machine == sample-by-sample reference


@st.composite
def envelopes(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, int | None]:
    m = draw(st.integers(1, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # quiet noise with bursts of random length and height, and runs of exact threshold values
    env = rng.gamma(2.0, 1.5, m).astype(np.float32)
    for _ in range(int(rng.integers(0, 8))):
        a = int(rng.integers(0, m))
        b = min(m, a + int(rng.integers(1, 40)))
        env[a:b] += np.float32(rng.uniform(0, 30))
    onset = np.full(m, np.float32(draw(st.sampled_from([6.0, 8.0, 12.0]))))
    ratio = draw(st.sampled_from([0.1, 0.25, 0.5, 1.0]))
    offset = (onset * np.float32(ratio)).astype(np.float32)
    if draw(st.booleans()):  # thresholds varying per block, as the adaptive floor makes them
        step = rng.uniform(0.5, 2.0, m // 20 + 1).astype(np.float32)
        onset = (onset * np.repeat(step, 20)[:m]).astype(np.float32)
        offset = (offset * np.repeat(step, 20)[:m]).astype(np.float32)
    if draw(st.booleans()):  # ties with the thresholds
        ties = rng.random(m) < 0.2
        env[ties] = offset[ties]
    quiet_n = draw(st.integers(1, 15))
    min_n = draw(st.integers(1, 15))
    morph = draw(st.sampled_from([None, 1, 3, 5, 11, 13]))
    return env, onset, offset, quiet_n, min_n, morph


@settings(max_examples=300, deadline=None)
@given(envelopes())
def test_state_machine_matches_reference(case) -> None:
    env, on, off, quiet_n, min_n, morph = case
    got = score_envelope(env, on, off, quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    ref = reference_score_envelope(env, on, off, quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])


@settings(max_examples=300, deadline=None)
@given(envelopes(), st.integers(1, 30), st.integers(0, 2**32 - 1), st.booleans())
def test_block_thresholds_equal_thresholds_spread_over_the_samples(
    case, block_n: int, seed: int, with_report: bool
) -> None:
    """Thresholds given once per block (as the detector gives them) score exactly as the same
    values repeated over every sample of their block, the last block possibly partial."""
    env, _on, _off, quiet_n, min_n, morph = case
    rng = np.random.default_rng(seed)
    n_blocks = -(-env.size // block_n)
    on_b = rng.uniform(4.0, 14.0, n_blocks).astype(np.float32)
    off_b = (on_b * np.float32(rng.choice([0.1, 0.25, 0.5, 1.0]))).astype(np.float32)
    on_s, off_s = np.repeat(on_b, block_n)[: env.size], np.repeat(off_b, block_n)[: env.size]
    ties = rng.random(env.size) < 0.1
    env[ties] = off_s[ties]
    rep = (env * rng.uniform(0.3, 1.1, env.size)).astype(np.float32) if with_report else None
    kw = dict(quiet_n=quiet_n, min_n=min_n, morphology_n=morph, report_mg=rep)
    spread = score_envelope(env, on_s, off_s, **kw)
    blocks = score_envelope(env, on_b, off_b, block_n=block_n, **kw)
    np.testing.assert_array_equal(blocks[0], spread[0])
    np.testing.assert_array_equal(blocks[1], spread[1])


def test_block_thresholds_must_cover_the_envelope() -> None:
    env = np.zeros(10, np.float32)
    with pytest.raises(DetectionError, match="ceil"):
        score_envelope(
            env,
            np.ones(3, np.float32),
            np.ones(3, np.float32),
            quiet_n=1,
            min_n=1,
            morphology_n=None,
            block_n=5,
        )


def _second_envelope(env: np.ndarray, offset: np.ndarray, seed: int) -> np.ndarray:
    """An envelope mostly at or below ``env`` (as the two-pass envelopes are), with ties at
    the offset threshold on about a tenth of the samples."""
    rng = np.random.default_rng(seed)
    second = (env * rng.uniform(0.3, 1.1, env.size)).astype(np.float32)
    ties = rng.random(env.size) < 0.1
    second[ties] = offset[ties]
    return second


@settings(max_examples=300, deadline=None)
@given(envelopes(), st.integers(0, 2**32 - 1))
def test_state_machine_with_quiet_envelope_matches_reference(case, seed: int) -> None:
    """A separate quiet envelope (offsets, morphology; onsets need a sample that is not quiet)."""
    env, on, off, quiet_n, min_n, morph = case
    # the quiet envelope of the two-pass detector is mostly at or below the onset envelope
    quiet = _second_envelope(env, off, seed)
    kw = dict(quiet_n=quiet_n, min_n=min_n, morphology_n=morph, quiet_mg=quiet)
    got = score_envelope(env, on, off, **kw)
    ref = reference_score_envelope(env, on, off, **kw)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    # the quiet envelope equal to the envelope is the one-envelope machine
    same = score_envelope(env, on, off, quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    again = score_envelope(
        env, on, off, quiet_n=quiet_n, min_n=min_n, morphology_n=morph, quiet_mg=env.copy()
    )
    np.testing.assert_array_equal(same[0], again[0])
    np.testing.assert_array_equal(same[1], again[1])


@settings(max_examples=300, deadline=None)
@given(envelopes(), st.integers(0, 2**32 - 1))
def test_state_machine_with_report_envelope_matches_reference(case, seed: int) -> None:
    """The ``quiet_offset`` hybrid: LMs decided on one envelope, offsets reported from another."""
    env, on, off, quiet_n, min_n, morph = case
    rep = _second_envelope(env, off, seed)
    kw = dict(quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    plain = score_envelope(env, on, off, **kw)
    got = score_envelope(env, on, off, report_mg=rep, **kw)
    ref = reference_score_envelope(env, on, off, report_mg=rep, **kw)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    # the same LMs, never longer, never shorter than the minimum
    np.testing.assert_array_equal(got[0], plain[0])
    assert (got[1] <= plain[1]).all()
    assert (got[1] - got[0] >= min_n).all()
    # the envelope itself as the report envelope changes nothing
    same = score_envelope(env, on, off, report_mg=env.copy(), **kw)
    np.testing.assert_array_equal(same[1], plain[1])


def _ringing_tail(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds 5/2 mg, an LM at samples 3-7 whose envelope rings above the offset threshold
    until sample 20, and a quiet envelope without the tail: ``(on, off, env, quiet)``."""
    on = np.full(m, 5, np.float32)
    off = np.full(m, 2, np.float32)
    env = np.zeros(m, np.float32)
    env[3:8] = 9
    env[8:20] = 3  # a ringing tail above the offset threshold
    quiet = env.copy()
    quiet[8:20] = 1  # ... that the quiet envelope does not have
    return on, off, env, quiet


def test_report_envelope_moves_only_the_offset() -> None:
    on, off, env, rep = _ringing_tail(40)
    kw = dict(quiet_n=3, min_n=2, morphology_n=None)
    on_i, off_i = score_envelope(env, on, off, report_mg=rep, **kw)  # type: ignore[arg-type]
    assert on_i.tolist() == [3] and off_i.tolist() == [8]
    # never before onset + min_n: a movement kept thanks to the tail ends at the minimum
    on_i, off_i = score_envelope(env, on, off, report_mg=rep, quiet_n=3, min_n=9,
                                 morphology_n=None)  # fmt: skip
    assert on_i.tolist() == [3] and off_i.tolist() == [12]
    # a quiet run that does not fit in the signal does not end the LM
    env2, rep2 = env.copy(), rep.copy()
    env2[30:] = 9
    rep2[30:38] = 9
    rep2[38:] = 0
    on_i, off_i = score_envelope(env2, on, off, report_mg=rep2, quiet_n=3, min_n=2,
                                 morphology_n=None)  # fmt: skip
    assert on_i.tolist() == [3, 30] and off_i.tolist() == [8, 40]


def test_quiet_envelope_ends_a_movement_the_onset_envelope_would_prolong() -> None:
    on, off, env, quiet = _ringing_tail(30)
    on_i, off_i = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=None)
    assert on_i.tolist() == [3] and off_i.tolist() == [20]
    on_i, off_i = score_envelope(
        env, on, off, quiet_n=3, min_n=2, morphology_n=None, quiet_mg=quiet
    )
    assert on_i.tolist() == [3] and off_i.tolist() == [8]
    # a sample above the onset threshold that is quiet is not an onset
    quiet[3:8] = 1
    on_i, _ = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=None, quiet_mg=quiet)
    assert on_i.size == 0


@settings(max_examples=60, deadline=None)
@given(
    st.integers(5, 3000),
    st.integers(0, 2**32 - 1),
    st.integers(1, 90),
    st.floats(0.0, 100.0),
)
def test_noise_floor_matches_reference(m: int, seed: int, window_s: int, pct: float) -> None:
    env = np.random.default_rng(seed).gamma(2.0, 2.0, m).astype(np.float32)
    cfg = DetectorConfig(floor_window_s=float(window_s), floor_percentile=pct)
    th = movement_thresholds(env, 20.0, cfg)
    ref = reference_noise_floor(env, th.block_n, window_s, pct, cfg.floor_min_mg)
    np.testing.assert_allclose(th.floor_mg, ref, rtol=1e-5)
    assert (th.offset_mg <= th.onset_mg).all()
    assert (th.offset_mg > th.floor_mg).all()


# ----------------------------------------------------------------------------------------
# the whole detector == the loop reference (block mean, biquads, envelope, floor, rules)


@st.composite
def lying_signals(draw: st.DrawFn) -> tuple[np.ndarray, float]:
    """A short lying signal at a random rate, any band orientation, with injected bursts."""
    fs_hz = draw(st.sampled_from([25.0, 32.0, 40.0, 50.0, 64.0, 75.0, 100.0]))
    duration_s = draw(st.floats(20.0, 90.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = int(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = np.tile(q[:, 0], (n, 1))  # gravity in a random sensor direction
    a += rng.normal(0.0, draw(st.floats(0.001, 0.008)), (n, 3))
    for _ in range(draw(st.integers(0, 6))):
        t0 = float(rng.uniform(0.0, duration_s))
        dur = float(rng.choice([0.1, 0.3, 0.6, 1.0, 3.0, 12.0])) * float(rng.uniform(0.7, 1.4))
        sel = (t >= t0) & (t < t0 + dur)
        amp_g = float(rng.uniform(0.005, 0.15))
        f_hz = float(rng.uniform(0.5, 6.0))
        a[sel] += amp_g * np.outer(np.sin(2 * np.pi * f_hz * t[sel]), rng.normal(size=3))
        # half of them turn the shank (leg movements), the rest only shake it (artefacts)
        if rng.random() < 0.5 and sel.any():
            tilt = np.radians(rng.uniform(0.2, 6.0)) * np.sin(np.pi * (t[sel] - t0) / dur) ** 2
            a[sel] += np.outer(np.cos(tilt) - 1.0, q[:, 0]) + np.outer(np.sin(tilt), q[:, 1])
    return a.astype(np.float32), fs_hz


def _matched_within(got: np.ndarray, ref: np.ndarray, step: float) -> bool:
    return got.shape == ref.shape and bool(np.all(np.abs(got - ref) <= step + 1e-9))


@settings(max_examples=40, deadline=None)
@given(lying_signals(), st.booleans())
def test_detector_matches_loop_reference(case, morphology: bool) -> None:
    """Vectorised detection == the sample-by-sample reference, to one working sample.

    The reference computes in float64, the detector keeps its block means and envelopes in
    float32 (its band-pass runs in float64); their envelopes differ by about 1e-4 mg (1e-5 of a
    10 mg threshold). A sample within that distance of
    a threshold can therefore be above it in one and not in the other, moving an onset or an
    offset by one working sample; so the times are compared to one working sample, the count
    and everything else exactly. On the seeded nights below the two agree exactly.
    """
    a, fs = case
    post = detect_posture(a, fs, PostureConfig(shank_axis=(1.0, 0.0, 0.0), min_lying_bout_s=0))
    cfg = DetectorConfig(bed_edge_s=0.0, morphology=morphology)
    # the whole signal lies in one bout whatever the orientation: decide lying by hand
    post = replace(post, lying=np.ones_like(post.lying))
    got = detect_leg_movements(a, fs, posture=post, config=cfg)
    ref = reference_detect_leg_movements(a, fs, posture=post, config=cfg)
    env, fw = activity_envelope(a, fs, cfg)
    env_ref, fw_ref = reference_activity_envelope(a, fs, cfg)
    assert fw == fw_ref == got.fs_hz == ref.fs_hz
    np.testing.assert_allclose(env, env_ref, rtol=1e-3, atol=0.05)
    np.testing.assert_allclose(got.noise_floor_mg, ref.noise_floor_mg, rtol=1e-3, atol=0.05)
    step = 1.0 / fw
    assert len(got) == len(ref), (got.onset_s, ref.onset_s)
    assert _matched_within(got.onset_s, ref.onset_s, step), (got.onset_s, ref.onset_s)
    assert _matched_within(got.offset_s, ref.offset_s, step), (got.offset_s, ref.offset_s)
    np.testing.assert_array_equal(got.posture_change, ref.posture_change)
    np.testing.assert_allclose(got.peak_mg, ref.peak_mg, rtol=1e-3, atol=0.05)


@pytest.mark.parametrize(
    ("difficulty", "fs_hz"), [("ordinary", 25.0), ("hard", 50.0), ("easy", 100.0)]
)
def test_detector_matches_loop_reference_on_simulated_nights(difficulty: str, fs_hz: float) -> None:
    """20 min of a simulated night with walking, lying, LMs and turn-overs: exact agreement."""
    night = simulated_night(difficulty, fs_hz, 3, 1200.0)
    post = detect_posture(night.accel_g, fs_hz)
    got = detect_leg_movements(night.accel_g, fs_hz, posture=post)
    ref = reference_detect_leg_movements(night.accel_g, fs_hz, posture=post)
    assert len(got) > 0
    np.testing.assert_array_equal(got.onset_s, ref.onset_s)
    np.testing.assert_array_equal(got.offset_s, ref.offset_s)
    np.testing.assert_array_equal(got.posture_change, ref.posture_change)
    np.testing.assert_allclose(got.onset_threshold_mg, ref.onset_threshold_mg, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(lying_signals(), st.booleans(), st.booleans())
def test_two_pass_detector_matches_loop_reference(case, morphology: bool, two: bool) -> None:
    """``two_pass_offset`` and the default ``quiet_offset``: both envelopes and the detection
    == the loop reference."""
    a, fs = case
    post = detect_posture(a, fs, PostureConfig(shank_axis=(1.0, 0.0, 0.0), min_lying_bout_s=0))
    post = replace(post, lying=np.ones_like(post.lying))
    cfg = DetectorConfig(bed_edge_s=0.0, morphology=morphology, two_pass_offset=two)
    env, quiet, fw = activity_envelopes(a, fs, cfg)
    env_ref, quiet_ref, fw_ref = reference_activity_envelopes(a, fs, cfg)
    assert fw == fw_ref
    np.testing.assert_allclose(env, env_ref, rtol=1e-3, atol=0.05)
    np.testing.assert_allclose(quiet, quiet_ref, rtol=1e-3, atol=0.05)
    got = detect_leg_movements(a, fs, posture=post, config=cfg)
    ref = reference_detect_leg_movements(a, fs, posture=post, config=cfg)
    step = 1.0 / fw
    assert len(got) == len(ref), (got.onset_s, ref.onset_s)
    assert _matched_within(got.onset_s, ref.onset_s, step), (got.onset_s, ref.onset_s)
    assert _matched_within(got.offset_s, ref.offset_s, step), (got.offset_s, ref.offset_s)


def test_one_pass_envelopes_are_one_array(rng: np.random.Generator) -> None:
    a = _lying_signal(50.0, 60.0, [(20.0, 22.0, 0.06)], rng)
    env, quiet, _ = activity_envelopes(a, 50.0, DetectorConfig(quiet_offset=False))
    assert quiet is env
    env2, quiet2, _ = activity_envelopes(a, 50.0, DetectorConfig(two_pass_offset=True))
    np.testing.assert_array_equal(env2, env)  # the onset envelope does not change
    assert float(quiet2.mean()) < float(env.mean())
    env3, quiet3, _ = activity_envelopes(a, 50.0)  # the default (quiet_offset) has both
    np.testing.assert_array_equal(env3, env)
    np.testing.assert_array_equal(quiet3, quiet2)


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_two_pass_offsets_are_on_time(fs_hz: float) -> None:
    """The causal envelope rings ~2 s past a movement's end; the quiet envelope does not.

    ``causal``: both options off (offsets ~2 s late); ``two``: ``two_pass_offset``;
    ``default``: ``quiet_offset``, whose onsets are the causal detector's.
    """
    cfgs = {
        "causal": DetectorConfig(quiet_offset=False),
        "two": DetectorConfig(two_pass_offset=True),
        "default": DetectorConfig(),
    }
    err: dict[str, list[float]] = {name: [] for name in cfgs}
    onsets: dict[str, list[float]] = {name: [] for name in cfgs}
    for name, cfg in cfgs.items():
        for seed in (11, 12):
            night = simulated_night("ordinary", fs_hz, seed)
            lms = detect_leg_movements(night.accel_g, fs_hz, config=cfg)
            onsets[name] += lms.onset_s.tolist()
            truth = night.truth.movements
            for on, off in zip(lms.onset_s, lms.offset_s, strict=True):
                j = int(np.argmin(np.abs(truth.onset_s - on)))
                if abs(truth.onset_s[j] - on) < 0.5:
                    err[name].append(off - float(truth.offset_s[j]))
    assert float(np.median(err["causal"])) > 1.0  # the known bias of the causal offsets
    assert onsets["default"] == onsets["causal"]  # the hybrid keeps the causal decisions
    for name in ("two", "default"):
        assert len(err[name]) > 20
        assert abs(float(np.median(err[name]))) < 0.25
        assert float(np.percentile(np.abs(err[name]), 75)) < 0.5


@settings(max_examples=100, deadline=None)
@given(envelopes(), st.sampled_from([2.0**-10, 0.5, 4.0, 1024.0]))
def test_state_machine_unit_scaling(case, scale: float) -> None:
    """mg -> g (or any power-of-two scale) of envelope and thresholds changes nothing."""
    env, on, off, quiet_n, min_n, morph = case
    s = np.float32(scale)
    a = score_envelope(env, on, off, quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    b = score_envelope(env * s, on * s, off * s, quiet_n=quiet_n, min_n=min_n, morphology_n=morph)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_state_machine_rules_by_hand() -> None:
    on = np.full(30, 5, np.float32)
    off = np.full(30, 2, np.float32)
    env = np.zeros(30, np.float32)
    env[3:6] = 9  # burst
    env[6:8] = 1  # quiet for 2 samples < quiet_n = 3: the burst continues
    env[8:10] = 9
    env[20:21] = 9  # a single-sample twitch: shorter than min_n
    on_i, off_i = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=None)
    assert on_i.tolist() == [3] and off_i.tolist() == [10]
    # the twitch with a tail above the offset threshold is long enough but fails morphology
    env[21:24] = 2.5
    env[21:24:2] = 0.0
    on_i, off_i = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=None)
    assert on_i.tolist() == [3, 20]
    on_i, off_i = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=5)
    assert on_i.tolist() == [3]
    # an LM running into the end of the signal ends there
    env[27:] = 9
    on_i, off_i = score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=None)
    assert on_i[-1] == 27 and off_i[-1] == 30


# ----------------------------------------------------------------------------------------
# synthetic signals


def _lying_signal(
    fs_hz: float,
    duration_s: float,
    bursts_s: list[tuple[float, float, float]],
    rng: np.random.Generator,
    tilt_deg: float = 3.0,
) -> np.ndarray:
    n = int(duration_s * fs_hz)
    t = np.arange(n) / fs_hz
    a = np.zeros((n, 3), np.float32)
    a[:, 2] = 1.0
    a += rng.normal(0, 0.003, (n, 3)).astype(np.float32)
    for t0, t1, amp_g in bursts_s:
        sel = (t >= t0) & (t < t1)
        a[sel, 2] += (amp_g * np.sin(2 * np.pi * 2.5 * t[sel])).astype(np.float32)
        a[sel, 1] += (0.5 * amp_g * np.sin(2 * np.pi * 1.7 * t[sel])).astype(np.float32)
        # a leg movement turns the shank: gravity tilts by up to tilt_deg and back
        tilt = np.radians(tilt_deg) * np.sin(np.pi * (t[sel] - t0) / (t1 - t0)) ** 2
        a[sel, 0] += np.sin(tilt).astype(np.float32)
        a[sel, 2] += (np.cos(tilt) - 1.0).astype(np.float32)
    return a


# Short test signals are one lying bout of a few minutes: below the 5-min minimum of a bed period.
SHORT_LYING = PostureConfig(shank_axis=(1.0, 0.0, 0.0), min_lying_bout_s=60.0)

# (onset s, offset s, amplitude g); the last one is a twitch (0.1 s, 20 mg): not an LM.
# Limitation: the band-pass rings for ~0.3 s, so twitches above ~40 mg can pass 0.5 s.
BURSTS = [(60.0, 62.5, 0.06), (90.0, 91.0, 0.06), (130.0, 135.0, 0.06), (180.0, 180.1, 0.02)]


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 64.0, 100.0])
def test_synthetic_bursts_found(fs_hz: float, rng: np.random.Generator) -> None:
    a = _lying_signal(fs_hz, 240.0, BURSTS, rng)
    post = detect_posture(a, fs_hz, SHORT_LYING)
    lms = detect_leg_movements(a, fs_hz, posture=post)
    assert len(lms) == 3, lms.onset_s
    np.testing.assert_allclose(lms.onset_s, [60.0, 90.0, 130.0], atol=0.3)
    # abrupt edges make the band-pass ring: offsets come up to ~1 s late on this square burst
    np.testing.assert_allclose(lms.offset_s, [62.5, 91.0, 135.0], atol=1.0)
    assert not lms.posture_change.any()
    assert (lms.peak_mg > lms.onset_threshold_mg).all()
    assert (lms.offset_threshold_mg < lms.onset_threshold_mg).all()
    assert 1.0 < float(np.median(lms.noise_floor_mg)) < 10.0


def test_time_shift_invariance(rng: np.random.Generator) -> None:
    """Prepending quiet samples shifts every movement by exactly that time."""
    fs = 50.0
    a = _lying_signal(fs, 240.0, BURSTS, rng)
    post_cfg = SHORT_LYING
    cfg = DetectorConfig(bed_edge_s=0.0)
    base = detect_leg_movements(a, fs, posture=detect_posture(a, fs, post_cfg), config=cfg)
    shift_s = 60.0
    pre = a[: int(shift_s * fs)].copy()
    pre[:, :] = a[:1]  # perfectly still lying
    pre += rng.normal(0, 0.003, pre.shape).astype(np.float32)
    b = np.concatenate([pre, a])
    moved = detect_leg_movements(b, fs, posture=detect_posture(b, fs, post_cfg), config=cfg)
    assert len(moved) == len(base) == 3
    step = 1.0 / base.fs_hz
    np.testing.assert_allclose(moved.onset_s - shift_s, base.onset_s, atol=step + 1e-9)
    np.testing.assert_allclose(moved.offset_s - shift_s, base.offset_s, atol=step + 1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rotation_invariance(seed: int) -> None:
    """Any rotation of the band (180 deg included) gives the same movements."""
    night = simulated_night("ordinary", 50.0, seed, 1200.0)
    a = night.accel_g
    rot = np.random.default_rng(seed).normal(size=(3, 3))
    q, r = np.linalg.qr(rot)
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    flip = np.diag([-1.0, -1.0, 1.0])  # 180 deg about z
    lms0 = detect_leg_movements(a, night.fs_hz)
    for rmat in (q, flip):
        b = (a.astype(np.float64) @ rmat.T).astype(np.float32)
        lms1 = detect_leg_movements(b, night.fs_hz)
        tp, fp, fn = match_events(lms0.onset_s, lms1.onset_s, 1.0 / lms0.fs_hz + 1e-9)
        assert fp + fn <= 1, (tp, fp, fn)


# ----------------------------------------------------------------------------------------
# simulated nights


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
@pytest.mark.parametrize(
    ("difficulty", "min_f1"), [("easy", 0.97), ("ordinary", 0.93), ("hard", 0.6)]
)
def test_f1_on_simulated_nights(difficulty: str, min_f1: float, fs_hz: float) -> None:
    tp = fp = fn = 0
    for seed in (11, 12):
        night = simulated_night(difficulty, fs_hz, seed)
        lms = detect_leg_movements(night.accel_g, fs_hz)
        pred = lms.onset_s[~lms.posture_change]
        counts = match_events(night.truth.movements.onset_s, pred, 0.5)
        tp, fp, fn = tp + counts[0], fp + counts[1], fn + counts[2]
    assert tp > 20
    assert f1_score(tp, fp, fn) >= min_f1, (tp, fp, fn)


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_no_movements_in_a_quiet_night(fs_hz: float) -> None:
    night = simulated_night("none", fs_hz, 5)
    lms = detect_leg_movements(night.accel_g, fs_hz)
    assert int((~lms.posture_change).sum()) == 0, lms.onset_s[~lms.posture_change]


def test_turnovers_are_flagged_not_counted() -> None:
    night = simulated_night("ordinary", 50.0, 11)
    lms = detect_leg_movements(night.accel_g, 50.0)
    truth = night.truth.posture_changes
    _tp, fp, fn = match_events(truth.onset_s, lms.onset_s[lms.posture_change], 3.0)
    assert len(truth) > 0
    assert fn == 0 and fp == 0


def test_movements_only_while_lying() -> None:
    night = simulated_night("hard", 50.0, 8)
    post = detect_posture(night.accel_g, 50.0)
    lms = detect_leg_movements(night.accel_g, 50.0, posture=post)
    ep = np.floor(lms.onset_s / post.epoch_s).astype(int)
    assert post.lying[ep].all()
    ep_end = np.minimum(np.floor(lms.offset_s / post.epoch_s).astype(int), post.lying.size - 1)
    assert post.lying[ep_end].all()


# ----------------------------------------------------------------------------------------
# real walking recording and errors


def _daphnet() -> tuple[np.ndarray, np.ndarray, float]:
    path = DAPHNET / "daphnet_S01R02.txt"
    if not path.is_file():
        pytest.skip(f"real recordings not available: {path} is absent (a user's own clone)")
    data = np.loadtxt(path)
    t_s = (data[:, 0] - data[0, 0]) / 1000.0
    fs = (t_s.size - 1) / t_s[-1]
    # column 1-3: the ankle sensor (shank), in mg; column 10: the experiment's label
    return (data[:, 1:4] / 1000.0).astype(np.float32), data[:, 10], float(fs)


def test_daphnet_labelled_part_has_no_leg_movements() -> None:
    accel, label, fs = _daphnet()
    inside = np.flatnonzero(label > 0)  # label 0: "not in the experiment"
    accel = accel[inside[0] : inside[-1] + 1]
    post = detect_posture(accel, fs)
    assert post.in_bed_s == 0.0
    assert post.walking.sum() * post.epoch_s > 100.0
    assert len(detect_leg_movements(accel, fs, posture=post)) == 0


def test_daphnet_whole_file_no_time_in_bed_no_plm() -> None:
    """The whole file, handling before and after the experiment included: nobody went to bed.

    The band lies on a table for ~90 s while it is handled before it is strapped on (and ~60 s
    at the end): horizontal, so it reads as lying, but far shorter than the 5-min minimum of a
    bed period. With the former 1-min minimum this file read as 151 s in bed.
    """
    accel, _label, fs = _daphnet()
    assert accel.shape[0] / fs > 800.0
    post = detect_posture(accel, fs)
    assert post.in_bed_s == 0.0
    assert post.shank_axis_source == "walking"
    result = score(Recording(accel, fs_hz=fs))
    assert result.in_bed_s == 0.0
    assert result.counts["lm"] == 0 and result.counts["plm"] == 0
    d = result.to_dict()
    assert d["movements"] == [] and d["counts"]["series"] == 0
    # the bed-time rule is what makes the difference: with a 1-min minimum the table reads as bed
    short = detect_posture(accel, fs, PostureConfig(min_lying_bout_s=60.0))
    assert short.in_bed_s > 60.0


def test_bad_input_raises(rng: np.random.Generator) -> None:
    a = _lying_signal(50.0, 30.0, [], rng)
    with pytest.raises(DetectionError, match="fs_hz"):
        detect_leg_movements(a, 5.0)
    with pytest.raises(DetectionError, match="fs_hz"):
        detect_leg_movements(a, float("nan"))
    with pytest.raises(DetectionError, match="too short"):
        detect_leg_movements(a[:100], 50.0)
    with pytest.raises(DetectionError, match="shape"):
        detect_leg_movements(a[:, :2], 50.0)
    with pytest.raises(UnitsError, match="mg"):
        detect_leg_movements((a * 1000.0).astype(np.float32), 50.0)
    bad = a.copy()
    bad[5, 1] = np.nan
    with pytest.raises(DetectionError, match="NaN"):
        detect_leg_movements(bad, 50.0)
    post = detect_posture(a, 50.0)
    with pytest.raises(DetectionError, match="posture"):
        detect_leg_movements(a[: 50 * 20], 50.0, posture=post)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"band_hz": (8.0, 0.3)},
        {"band_hz": (0.3, 12.0)},
        {"onset_factor": 1.0},
        {"offset_ratio": 1.0},
        {"quiet_s": 0.0},
        {"filter_order": 7},
        {"floor_percentile": 120.0},
    ],
)
def test_bad_config_raises(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        DetectorConfig(**kwargs)  # type: ignore[arg-type]


def test_envelope_is_float32_and_orientation_free(rng: np.random.Generator) -> None:
    a = _lying_signal(50.0, 60.0, [(20.0, 22.0, 0.06)], rng)
    env, fw = activity_envelope(a, 50.0)
    assert env.dtype == np.float32 and fw == 25.0 and env.size == a.shape[0] // 2
    env2, _ = activity_envelope(a[:, [2, 0, 1]], 50.0)
    np.testing.assert_allclose(env, env2, atol=1e-3)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_detector_band_edges_are_minus_3_db(order: int) -> None:
    """The detector's band (0.3-8 Hz at its 20 Hz working rate): -3 dB at both edges, 0 dB between."""
    from scipy import signal

    from rls_monitor.detection.movements import band_pass_design

    design = band_pass_design(order, (0.3, 8.0), 20.0)
    assert design.sos.shape == (order, 6) and design.zi_unit.shape == (order, 2)
    f_hz = np.array([0.0, 0.3, np.sqrt(0.3 * 8.0), 8.0, 10.0])
    _, h = signal.sosfreqz(design.sos, worN=f_hz, fs=20.0)
    gain = np.abs(h)
    np.testing.assert_allclose(gain[[1, 3]], 1 / np.sqrt(2), rtol=1e-9)
    assert gain[0] < 1e-12 and gain[4] < 1e-12  # zeros at DC and at Nyquist
    assert 0.99 < gain[2] <= 1.0 + 1e-12


@pytest.mark.parametrize("fs", [25.0, 50.0, 100.0])
def test_constant_signal_has_no_envelope(fs: float) -> None:
    """Started in the steady state of its first sample, the band-pass passes no gravity: a
    constant (still, tilted) signal has an envelope of 0, from the first sample on."""
    a = np.tile(np.array([0.3, -0.2, 0.93], np.float32), (int(fs * 120), 1))
    for cfg in (DetectorConfig(), DetectorConfig(filter_order=4, quiet_offset=False)):
        env, quiet, _fw = activity_envelopes(a, fs, cfg)
        assert float(np.abs(env).max()) < 1e-9 and float(np.abs(quiet).max()) < 1e-9


@pytest.mark.parametrize("fs", [25.0, 50.0, 100.0])
def test_chunked_band_pass_is_whole_signal_pass(fs: float, rng: np.random.Generator) -> None:
    """Envelopes from the chunked passes equal those of whole-signal passes, bit for bit.

    The whole-signal passes are ``scipy.signal.sosfilt`` in float64 over the whole ``(3, m)``
    working signal, with SciPy's design (``butter``, ``sosfilt_zi``): the detector's chunks,
    each started from the state (``zi``) the previous one returned, give the same values.
    """
    import math

    from scipy import ndimage, signal

    from rls_monitor.detection.movements import (
        DetectorConfig,
        activity_envelopes,
        samples_for,
    )
    from rls_monitor.detection.signal import block_mean_transposed, decimation_factor

    n = int(fs * 3600)
    a = rng.normal(0.0, 0.01, (n, 3)).astype(np.float32)
    a[:, 2] += 1.0
    cfg = DetectorConfig()
    k = decimation_factor(fs, cfg.working_rate_hz)
    fw = fs / k
    work = block_mean_transposed(a, k)
    m = work.shape[1]
    sos = signal.butter(cfg.filter_order, cfg.band_hz, btype="band", fs=fw, output="sos")
    zi_unit = np.asarray(signal.sosfilt_zi(sos), dtype=np.float64)

    def mag(x: np.ndarray) -> np.ndarray:
        x64 = x.astype(np.float64)
        zi = zi_unit[:, None, :] * x64[None, :, :1]
        f = np.asarray(signal.sosfilt(sos, x64, axis=1, zi=zi)[0], np.float64)
        f *= f
        return np.sqrt((f[0] + f[1] + f[2]).astype(np.float32)) * np.float32(1000.0)

    fwd = mag(work)
    back = mag(np.ascontiguousarray(work[:, ::-1]))[::-1]
    w = samples_for(cfg.envelope_s, fw, odd=True)
    d = min(round(math.sqrt(2.0) / (2.0 * math.pi * cfg.band_hz[1]) * fw), m // 2)
    q = np.empty_like(fwd)
    q[d : m - d] = np.minimum(fwd[2 * d :], back[: m - 2 * d])
    q[:d] = np.minimum(fwd[d : 2 * d], back[0])
    q[m - d :] = np.minimum(fwd[m - 1], back[m - 2 * d : m - d])
    env = ndimage.uniform_filter1d(fwd, w)
    env = np.concatenate([env[d:], np.full(d, env[-1], np.float32)])
    got_env, got_quiet, got_fw = activity_envelopes(a, fs, cfg)
    assert got_fw == fw
    np.testing.assert_array_equal(got_env, env)
    np.testing.assert_array_equal(got_quiet, ndimage.uniform_filter1d(q, w))
