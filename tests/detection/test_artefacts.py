"""Artefacts among the candidate movements (rls_monitor/detection/artefacts.py): physics on
synthetic signals, the loop twin, and nights of the model with each kind of artefact."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rls_monitor.detection import artefact_outcomes, detect_leg_movements, detect_posture
from rls_monitor.detection.artefacts import ArtefactConfig, classify_candidates
from rls_monitor.detection.movements import DetectorConfig
from rls_monitor.detection.posture import PostureConfig
from rls_monitor.errors import ConfigError
from rls_monitor.recording import Recording
from rls_monitor.scoring import format_summary, score
from tests.detection.conftest import simulated_night
from tests.oracles.artefacts import reference_classify_candidates

LYING = PostureConfig(shank_axis=(1.0, 0.0, 0.0), min_lying_bout_s=60.0)


def _lying(fs_hz: float, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    n = int(duration_s * fs_hz)
    a = np.zeros((n, 3), np.float64)
    a[:, 2] = 1.0
    a += rng.normal(0.0, 0.004, (n, 3))
    return a


def _leg_movement(a: np.ndarray, fs_hz: float, t0: float, t1: float, tilt_deg: float) -> None:
    """2.5 Hz shaking of 60 mg while the shank turns by ``tilt_deg`` and back."""
    i0, i1 = int(t0 * fs_hz), int(t1 * fs_hz)
    t = np.arange(i1 - i0) / fs_hz
    bump = np.sin(np.pi * t / (t1 - t0)) ** 2
    tilt = np.radians(tilt_deg) * bump
    a[i0:i1, 0] += np.sin(tilt)
    a[i0:i1, 2] += np.cos(tilt) - 1.0
    a[i0:i1, 1] += 0.06 * bump * np.sin(2 * np.pi * 2.5 * t)


def _vibration(a: np.ndarray, fs_hz: float, t0: float, t1: float, rng: np.random.Generator) -> None:
    """A partner on the mattress: 1-8 Hz noise of 30 mg, no turn."""
    i0, i1 = int(t0 * fs_hz), int(t1 * fs_hz)
    n = i1 - i0
    spec = np.fft.rfft(rng.standard_normal((n, 3)), axis=0)
    f = np.fft.rfftfreq(n, 1.0 / fs_hz)
    spec[(f < 1.0) | (f > 8.0)] = 0.0
    x = np.fft.irfft(spec, n=n, axis=0)
    x *= 0.03 / np.abs(x).max()
    a[i0:i1] += x * np.sin(np.pi * np.arange(n) / n)[:, None]


def _knock(a: np.ndarray, fs_hz: float, t0: float) -> None:
    """30 ms, 500 mg, along y."""
    i0 = int(t0 * fs_hz)
    w = max(2, int(0.03 * fs_hz))
    a[i0 : i0 + w, 1] += 0.5 * np.sin(np.pi * np.arange(w) / w)


def _machine(a: np.ndarray, fs_hz: float, t0: float, period_s: float, n_bursts: int) -> None:
    """Bursts of 4 s of 6 Hz at 25 mg every ``period_s``."""
    for k in range(n_bursts):
        i0 = int((t0 + k * period_s) * fs_hz)
        n = int(4.0 * fs_hz)
        t = np.arange(n) / fs_hz
        a[i0 : i0 + n, 1] += 0.025 * np.sin(2 * np.pi * 6.0 * t) * np.clip(t / 0.3, 0, 1)


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_leg_movements_are_kept_and_artefacts_rejected_with_their_reason(fs_hz: float) -> None:
    rng = np.random.default_rng(1)
    a = _lying(fs_hz, 600.0, rng)
    for t0 in (40.0, 100.0, 160.0):
        _leg_movement(a, fs_hz, t0, t0 + 2.0, 3.0)
    _leg_movement(a, fs_hz, 220.0, 220.7, 1.5)  # short and small: still a leg movement
    _vibration(a, fs_hz, 260.0, 270.0, rng)
    _knock(a, fs_hz, 300.0)
    _machine(a, fs_hz, 330.0, 25.0, 8)
    a32 = a.astype(np.float32)
    lms = detect_leg_movements(a32, fs_hz, posture=detect_posture(a32, fs_hz, LYING))
    np.testing.assert_allclose(lms.onset_s, [40.0, 100.0, 160.0, 220.0], atol=0.35)
    assert np.all(lms.rotation_deg > 0.45)
    rej = lms.rejected
    why = dict(zip(np.round(rej.onset_s).astype(int).tolist(), rej.reason.tolist(), strict=True))
    assert [why[t] for t in why if 259 <= t <= 271] == ["vibration"]
    assert [why[t] for t in why if 299 <= t <= 301] == ["impulse"]
    machine = [why[t] for t in why if 329 <= t <= 510]
    assert len(machine) == 8 and set(machine) == {"periodic"}
    assert np.all(rej.rotation_deg < 0.45) or "impulse" in rej.reason


def test_a_periodic_artefact_never_becomes_a_plm_series() -> None:
    """The machine's bursts are spaced like a PLM series (4 s bursts every 25 s)."""
    rng = np.random.default_rng(2)
    fs = 50.0
    a = _lying(fs, 900.0, rng)
    _machine(a, fs, 60.0, 25.0, 24)
    rec = Recording(a.astype(np.float32), fs_hz=fs, side="left")
    result = score(rec, posture=LYING)
    assert result.counts["lm"] == 0 and result.counts["plm"] == 0
    assert result.artefacts is not None and result.artefacts["counts"]["periodic"] == 24
    assert "24 artefacts (24 periodic)" in format_summary(result)
    # without the rule the same bursts are a PLM series
    off = score(
        rec, posture=LYING, detector=DetectorConfig(artefacts=ArtefactConfig(enabled=False))
    )
    assert off.counts["plm"] >= 20 and off.artefacts is None


def test_every_rejected_candidate_is_in_the_result_with_its_reason() -> None:
    rng = np.random.default_rng(3)
    fs = 50.0
    a = _lying(fs, 400.0, rng)
    _leg_movement(a, fs, 50.0, 52.0, 3.0)
    _vibration(a, fs, 100.0, 106.0, rng)
    _knock(a, fs, 200.0)
    result = score(Recording(a.astype(np.float32), fs_hz=fs, side="right"), posture=LYING)
    d = result.to_dict()
    assert d["counts"]["lm"] == 1
    rows = d["artefacts"]["rejected"]
    assert [r["reason"] for r in rows] == ["artefact: vibration", "artefact: impulse"]
    assert all(r["side"] == "right" for r in rows)
    # the vibration did not turn the band; the knock's mean turn may be larger (its median's not)
    assert rows[0]["rotation_deg"] < 0.45
    assert d["artefacts"]["counts"] == {"vibration": 1, "impulse": 1, "periodic": 0}
    assert "not part of WASM 2016" in d["artefacts"]["rule"]
    assert type(result).from_dict(d).artefacts == d["artefacts"]


def test_config_is_checked() -> None:
    with pytest.raises(ConfigError, match="median_s"):
        ArtefactConfig(median_s=0.0)
    with pytest.raises(ConfigError, match="min_rotation_deg"):
        ArtefactConfig(min_rotation_deg=-1.0)
    with pytest.raises(ConfigError, match="periodic_min_run"):
        ArtefactConfig(periodic_min_run=1)


@st.composite
def candidates(
    draw: st.DrawFn,
) -> tuple[np.ndarray, int, float, np.ndarray, np.ndarray, np.ndarray]:
    """A short signal with random bursts (some turning the band), and random candidates."""
    fs_work = draw(st.sampled_from([20.0, 25.0, 21.5]))
    k = draw(st.sampled_from([1, 2, 4]))
    m = draw(st.integers(40, 600))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = m * k
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    a = np.tile(q[:, 0], (n, 1)) + rng.normal(0.0, 0.004, (n, 3))
    t = np.arange(n) / (fs_work * k)
    for _ in range(int(rng.integers(0, 6))):
        t0 = float(rng.uniform(0, t[-1]))
        d = float(rng.choice([0.05, 0.3, 1.0, 4.0]))
        sel = (t >= t0) & (t < t0 + d)
        a[sel] += float(rng.uniform(0.01, 0.3)) * np.outer(
            np.sin(2 * np.pi * float(rng.uniform(1, 9)) * t[sel]), rng.normal(size=3)
        )
        if rng.random() < 0.5 and sel.any():
            tilt = np.radians(rng.uniform(0.1, 5.0)) * np.sin(np.pi * (t[sel] - t0) / d) ** 2
            a[sel] += np.outer(np.cos(tilt) - 1.0, q[:, 0]) + np.outer(np.sin(tilt), q[:, 1])
    n_c = int(rng.integers(0, 10))
    edges = np.sort(rng.choice(np.arange(m + 1), size=2 * n_c, replace=False)) if n_c else []
    on = np.asarray(edges[0::2], np.int64)
    off = np.asarray(edges[1::2], np.int64)
    skip = rng.random(on.size) < 0.2
    return a.astype(np.float32), k, fs_work, on, off, skip


@settings(max_examples=60, deadline=None)
@given(candidates(), st.sampled_from([0.45, 2.0]))
def test_vectorised_equals_the_loop_twin(case, min_rotation_deg: float) -> None:
    a, k, fs_work, on, off, skip = case
    cfg = ArtefactConfig(min_rotation_deg=min_rotation_deg, periodic_min_run=3, periodic_max_cv=0.5)
    got = classify_candidates(a, k, fs_work, on, off, skip=skip, config=cfg)
    ref = reference_classify_candidates(a, k, fs_work, on, off, skip=skip, config=cfg)
    np.testing.assert_allclose(got.rotation_deg, ref.rotation_deg, rtol=1e-5, atol=1e-4)
    near = np.abs(np.nan_to_num(got.rotation_deg, nan=-1.0) - min_rotation_deg) < 1e-3
    np.testing.assert_array_equal(got.reason[~near], ref.reason[~near])


def test_turned_off_it_keeps_every_candidate() -> None:
    night = simulated_night("ordinary", 50.0, 3, 1800.0)
    post = detect_posture(night.accel_g, 50.0)
    on = detect_leg_movements(night.accel_g, 50.0, posture=post)
    off = detect_leg_movements(
        night.accel_g,
        50.0,
        posture=post,
        config=replace(DetectorConfig(), artefacts=ArtefactConfig(enabled=False)),
    )
    assert len(off.rejected) == 0
    assert len(on) + len(on.rejected) == len(off)


def _outcomes(
    preset: str, fs_hz: float, seed: int, hours: float, **kw: float
) -> tuple[float, list[str], list[str]]:
    from firmware_host.signal_model import night_config, simulate_night
    from rls_monitor.detection import match_events

    night = simulate_night(
        night_config(preset, duration_s=hours * 3600.0, fs_hz=fs_hz, **kw), seed=seed
    )
    result = score(Recording.from_counts(night.counts, night.lsb_g, night.fs_hz, side="left"))
    truth = night.truth.movements
    lm_on = np.array([m.onset_s for m in result.movements])
    lm_off = np.array([m.offset_s for m in result.movements])
    tp, fp, fn = match_events(truth.onset_s, lm_on, 0.5)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    rej = (result.artefacts or {}).get("rejected", [])
    art = night.truth.artefacts
    outcomes = artefact_outcomes(
        art.onset_s,
        art.offset_s,
        truth.onset_s,
        truth.offset_s,
        lm_on,
        lm_off,
        [r["onset_s"] for r in rej],
        [r["offset_s"] for r in rej],
        [r["reason"].removeprefix("artefact: ") for r in rej],
    )
    plm_from_machine = [
        "machine"
        for m in result.movements
        if m.plm
        and not np.any(np.abs(truth.onset_s - m.onset_s) <= 0.5)
        and np.any(
            (art.kind == "machine")
            & (art.onset_s < m.offset_s + 0.5)
            & (art.offset_s > m.onset_s - 0.5)
        )
    ]
    return f1, outcomes, plm_from_machine


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_nights_with_a_restless_partner(fs_hz: float) -> None:
    """8 disturbances an hour through the mattress: F1 >= 0.97, none becomes an LM."""
    f1, outcomes, _ = _outcomes("partner", fs_hz, 1, 2.0)
    assert f1 >= 0.97
    assert outcomes.count("LM") == 0
    assert sum(o.startswith("rejected: ") for o in outcomes) >= 3


@pytest.mark.parametrize("fs_hz", [25.0, 50.0, 100.0])
def test_nights_in_a_real_bedroom(fs_hz: float) -> None:
    """Partner, pet, machine and knocks: F1 >= 0.97, no PLM from a machine, knocks impulses."""
    f1, outcomes, from_machine = _outcomes("bedroom", fs_hz, 2, 2.0)
    assert f1 >= 0.97
    assert outcomes.count("LM") <= 1
    assert from_machine == []


def test_quiet_nights_stay_quiet() -> None:
    f1, outcomes, _ = _outcomes("ordinary", 50.0, 1, 2.0)
    assert f1 >= 0.99 and outcomes == []
