"""One band's recording of a planned night: the leg drawn on a canvas, then read by the sensor.

:func:`render_band` draws a :class:`~firmware_host.signal_model.timeline.NightPlan` for one leg
(steady segments, transitions, leg movements and twitches), applies the band's orientation on the
leg and the sensor's errors, noise, quantisation and saturation, and returns the counts with the
:class:`~firmware_host.signal_model.truth.GroundTruth`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.lm_waveform import other_leg_variant, render_movement
from firmware_host.signal_model.timeline import NightPlan
from firmware_host.signal_model.truth import (
    GroundTruth,
    Intervals,
    LyingPeriods,
    TrueMovements,
    UprightPeriods,
)
from firmware_host.signal_model.walking import render_walk
from firmware_host.signal_model.waveforms import bandlimited, sensor_drift, smoothstep

__all__ = ["render_band"]

F64 = NDArray[np.float64]


def _rotation_matrix(rng: np.random.Generator, config: NightConfig) -> F64:
    """Columns: sensor axes in the leg frame (strap about x, taper tilt about y, yaw about z)."""
    strap = math.radians(rng.uniform(-config.band_strap_deg_max, config.band_strap_deg_max))
    tilt = math.radians(config.band_tilt_deg_sd * rng.standard_normal())
    yaw = math.radians(rng.uniform(-config.band_yaw_deg_max, config.band_yaw_deg_max))
    cs, ss = math.cos(strap), math.sin(strap)
    ct, st = math.cos(tilt), math.sin(tilt)
    cy, sy = math.cos(yaw), math.sin(yaw)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cs, -ss], [0.0, ss, cs]])
    ry = np.array([[ct, 0.0, st], [0.0, 1.0, 0.0], [-st, 0.0, ct]])
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    return np.asarray(rx @ ry @ rz, dtype=np.float64)


def render_band(
    plan: NightPlan,
    config: NightConfig,
    rng: np.random.Generator,
    leg: str,
) -> tuple[NDArray[np.int16], GroundTruth]:
    """Draw ``plan`` on one leg and read it with that leg's band.

    Parameters
    ----------
    plan : NightPlan
    config : NightConfig
    rng : numpy.random.Generator
        The band's own generator (orientation, sensor errors, noise, per-leg variation).
    leg : {"L", "R"}

    Returns
    -------
    counts : ndarray of int16, shape (n, 3)
        Sensor counts, ``n = round(duration_s * fs_hz)``.
    truth : GroundTruth
    """
    fs = config.fs_hz
    n = round(config.duration_s * fs)
    canvas = LegCanvas(n, fs)
    phase0 = 0.0 if leg == "L" else math.pi  # the legs walk half a stride apart

    lying_truth: list[tuple[float, float, str, float, float]] = []
    upright_truth: list[tuple[float, float, str]] = []
    segs = plan.segments
    # 1. steady segments
    for seg in segs:
        i0, i1 = canvas.idx(seg.start_s), canvas.idx(seg.end_s)
        m = i1 - i0
        if seg.kind == "lying":
            roll = seg.roll_deg + 4.0 * float(rng.standard_normal())
            incline = seg.incline_deg + 3.0 * float(rng.standard_normal())
            canvas.elev[i0:i1] = incline
            canvas.roll[i0:i1] = roll
            lying_truth.append((i0 / fs, i1 / fs, seg.posture, roll, incline))
        elif seg.kind in ("sit", "rise", "liedown"):
            tilt = float(rng.uniform(0.0, 25.0))
            canvas.elev[i0:i1] = 90.0 - tilt
            canvas.roll[i0:i1] = float(rng.uniform(-20.0, 20.0))
            if m > 8:
                sway = bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                canvas.elev[i0:i1] += 0.5 * sway
                canvas.lin[i0:i1] += 0.003 * bandlimited(rng, m, fs, 0.5, 5.0)
        elif seg.kind == "stand":
            canvas.elev[i0:i1] = 90.0 - float(rng.uniform(1.0, 5.0))
            canvas.roll[i0:i1] = float(rng.uniform(-10.0, 10.0))
            if m > 8:
                sway = bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                canvas.elev[i0:i1] += float(rng.uniform(1.0, 2.0)) * sway
                canvas.lin[i0:i1] += 0.005 * bandlimited(rng, m, fs, 0.5, 5.0)
        elif seg.kind == "walk":
            render_walk(canvas, rng, config, i0, i1, phase0)
        if seg.kind in ("sit", "stand", "walk", "rise", "liedown"):
            name = {"stand": "standing", "walk": "walking"}.get(seg.kind, "sitting")
            if upright_truth and upright_truth[-1][2] == name and upright_truth[-1][1] == i0 / fs:
                upright_truth[-1] = (upright_truth[-1][0], i1 / fs, name)
            else:
                upright_truth.append((i0 / fs, i1 / fs, name))

    # 2. transitions: turn-overs (between lying), getting up / lying down, and changes of activity
    for k, seg in enumerate(segs):
        i0, i1 = canvas.idx(seg.start_s), canvas.idx(seg.end_s)
        m = i1 - i0
        if m <= 1 or k == 0:
            continue
        prev_kind = segs[k - 1].kind
        if seg.kind in ("turn", "rise"):
            j0, j1 = i0, i1  # from the previous segment's end to the next one's start
        elif seg.kind == "liedown":
            j0, j1 = i0, min(i1, n - 1)
        elif seg.kind != prev_kind and seg.kind != "lying" and prev_kind not in ("turn", "rise"):
            j0, j1 = i0, i0 + min(int(1.5 * fs), m // 3)  # blend into the new activity
        else:
            continue
        if j1 - j0 < 2 or j0 == 0 or j1 >= n:
            continue
        e0, e1 = float(canvas.elev[j0 - 1]), float(canvas.elev[j1])
        r0, r1 = float(canvas.roll[j0 - 1]), float(canvas.roll[j1])
        dr = (r1 - r0 + 180.0) % 360.0 - 180.0
        if abs(abs(dr) - 180.0) < 1.0:
            dr = 180.0 if rng.random() < 0.5 else -180.0
        s = smoothstep((np.arange(j1 - j0, dtype=np.float32) + 0.5) / np.float32(j1 - j0))
        if seg.kind in ("turn", "rise", "liedown"):
            lift = float(rng.uniform(5.0, 25.0)) if seg.kind == "turn" else 0.0
            hump = np.clip(np.sin(np.pi * s), 0.0, 1.0).astype(np.float32)
            canvas.elev[j0:j1] = e0 + (e1 - e0) * s + lift * hump
            canvas.roll[j0:j1] = r0 + dr * s
            peak = float(rng.uniform(*config.turnover_peak_mg)) / 1000.0
            noise = bandlimited(rng, j1 - j0, fs, 0.3, 5.0)
            env = np.sqrt(np.clip(hump, 0.0, 1.0))[:, None]
            dyn = noise * env
            dyn *= np.float32(peak / max(float(np.linalg.norm(dyn, axis=1).max()), 1e-9))
            canvas.lin[j0:j1] += dyn
        else:
            canvas.elev[j0:j1] = e0 + (canvas.elev[j0:j1] - e0) * s
            canvas.roll[j0:j1] = r0 + (canvas.roll[j0:j1] - r0) * s

    # 3. leg movements of this leg
    mv_rows: list[tuple[float, float, float, str, int, bool]] = []
    for ev in plan.events:
        if ev.leg not in (leg, "B"):
            continue
        onset, offset, peak, bursts = ev.onset_s, ev.offset_s, ev.peak_mg, ev.bursts
        if ev.leg == "B":
            onset, offset, peak, bursts = other_leg_variant(rng, ev, leg)
        i0, i1 = canvas.idx(onset), canvas.idx(offset)
        if i1 - i0 < 2:
            continue
        real_peak = render_movement(canvas, rng, i0, i1, bursts, peak, ev.rotation_deg)
        mv_rows.append((i0 / fs, i1 / fs, real_peak, ev.kind, ev.series_id, ev.leg == "B"))
    tw_rows: list[tuple[float, float]] = []
    for t0, t1, tw_leg in plan.twitches:
        if tw_leg != leg:
            continue
        i0, i1 = canvas.idx(t0), canvas.idx(t1)
        if i1 - i0 < 2:
            continue
        render_movement(
            canvas, rng, i0, i1, [(0.0, (i1 - i0) / fs)], float(rng.uniform(15.0, 80.0)), 0.3
        )
        tw_rows.append((i0 / fs, i1 / fs))

    # 4. physics -> sensor
    rotation = _rotation_matrix(rng, config)
    e = np.radians(canvas.elev)
    r = np.radians(canvas.roll)
    ce = np.cos(e)
    f_leg = canvas.lin
    f_leg[:, 0] += np.sin(e)
    f_leg[:, 1] += ce * np.sin(r)
    f_leg[:, 2] += ce * np.cos(r)
    del canvas
    f_sensor = f_leg @ rotation.astype(np.float32)
    offset_g = rng.uniform(-1.0, 1.0, 3) * config.offset_mg_max / 1000.0
    scale = 1.0 + rng.uniform(-1.0, 1.0, 3) * config.scale_error_max
    f_sensor *= scale.astype(np.float32)
    f_sensor += offset_g.astype(np.float32)
    drift_peak = 0.0
    if config.drift_mg > 0.0:
        drift = sensor_drift(rng, n, fs, config.drift_mg / 1000.0)
        drift_peak = float(np.abs(drift).max())
        f_sensor += drift
    f_sensor += rng.standard_normal((n, 3), dtype=np.float32) * np.float32(config.noise_mg / 1000.0)
    f_sensor *= np.float32(1.0 / config.lsb_g)
    full = 2 ** (config.resolution_bits - 1)
    np.rint(f_sensor, out=f_sensor)
    np.clip(f_sensor, -full, full - 1, out=f_sensor)
    counts = f_sensor.astype(np.int16)

    mv_rows.sort()
    truth = GroundTruth(
        movements=TrueMovements(
            onset_s=np.array([m[0] for m in mv_rows], dtype=np.float64),
            offset_s=np.array([m[1] for m in mv_rows], dtype=np.float64),
            peak_mg=np.array([m[2] for m in mv_rows], dtype=np.float64),
            kind=np.array([m[3] for m in mv_rows], dtype="<U8"),
            series_id=np.array([m[4] for m in mv_rows], dtype=np.int64),
            bilateral=np.array([m[5] for m in mv_rows], dtype=np.bool_),
        ),
        posture_changes=Intervals(
            onset_s=np.array([_on_grid(a, fs) for a, _ in plan.turnovers], dtype=np.float64),
            offset_s=np.array([_on_grid(b, fs) for _, b in plan.turnovers], dtype=np.float64),
        ),
        twitches=Intervals(
            onset_s=np.array([a for a, _ in tw_rows], dtype=np.float64),
            offset_s=np.array([b for _, b in tw_rows], dtype=np.float64),
        ),
        lying=_lying_periods(lying_truth, plan, fs),
        upright=UprightPeriods(
            start_s=np.array([u[0] for u in upright_truth], dtype=np.float64),
            end_s=np.array([u[1] for u in upright_truth], dtype=np.float64),
            walking=np.array([u[2] == "walking" for u in upright_truth], dtype=np.bool_),
            posture=np.array([u[2] for u in upright_truth], dtype="<U8"),
        ),
        shank_axis=rotation[0].copy(),
        rotation=rotation,
        offset_g=offset_g,
        scale=scale,
        drift_peak_g=drift_peak,
        leg="left" if leg == "L" else "right",
    )
    return counts, truth


def _on_grid(t_s: float, fs_hz: float) -> float:
    """``t_s`` rounded to the sample grid (s)."""
    return round(t_s * fs_hz) / fs_hz


def _lying_periods(
    rows: list[tuple[float, float, str, float, float]], plan: NightPlan, fs: float
) -> LyingPeriods:
    """Lying periods meeting at the middle of the turn-overs between them."""
    starts = np.array([r[0] for r in rows], dtype=np.float64)
    ends = np.array([r[1] for r in rows], dtype=np.float64)
    for a, b in plan.turnovers:
        mid = _on_grid(0.5 * (a + b), fs)
        ta, tb = _on_grid(a, fs), _on_grid(b, fs)
        ends[np.isclose(ends, ta, rtol=0.0, atol=1e-6)] = mid
        starts[np.isclose(starts, tb, rtol=0.0, atol=1e-6)] = mid
    return LyingPeriods(
        start_s=starts,
        end_s=ends,
        posture=np.array([r[2] for r in rows], dtype="<U8"),
        roll_deg=np.array([r[3] for r in rows], dtype=np.float64),
        incline_deg=np.array([r[4] for r in rows], dtype=np.float64),
    )
