"""Loop-based oracles of the posture and leg-movement detectors (slow, obviously correct).

Every function here walks the signal one sample (or one epoch, one block) at a time in plain
Python, in the words of :mod:`rls_monitor.detection.movements` and
:mod:`rls_monitor.detection.posture`, so that the vectorised code can be checked against it
(hypothesis property tests) and the benchmark can report the speed-up. Never use them on a whole
night in production: they run at roughly 10^5 samples per second.

What is shared with the vectorised code and what is not
--------------------------------------------------------
- Shared: the band-pass design (the SOS coefficients of :func:`scipy.signal.butter` and the
  steady-state initial conditions of :func:`scipy.signal.sosfilt_zi`, which the detector takes
  too), but not its computation: the detector runs ``scipy.signal.sosfilt`` chunk by chunk,
  this twin runs the biquads sample by sample. Shared: the configuration dataclass and the
  rounding helpers
  (:func:`~rls_monitor.detection.movements.samples_for`,
  :func:`~rls_monitor.detection.signal.decimation_factor`,
  :func:`~rls_monitor.detection.signal.epoch_starts`).
- Computed here with loops, in float64: block averaging (running sums), the band-pass as
  per-sample biquad difference equations (direct form II transposed), forwards and on the
  time-reversed signal, the vector magnitudes and their per-sample minimum (the quiet
  envelope), the centred moving average with ``scipy.ndimage``'s ``reflect`` edges (a running
  sum), the delay shifts, the block means and their rolling percentile, the thresholds, the LM
  state machine, the morphology rule, the lying-bout context, turn-overs and peaks; for posture,
  the epoch means and SDs, the elevation of the shank, its running median, the lying decision
  and the gap filling / short-bout pruning.

The vectorised detector band-passes in float64 but keeps its block means and envelopes in
float32, this one computes everything in float64: envelopes agree to about 1e-6 relative, so
a sample lying within that of a threshold may cross it in one and not in the other. The tests
say how they allow for it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from rls_monitor.detection.artefacts import RejectedCandidates
from rls_monitor.detection.movements import DetectorConfig, LegMovements, samples_for
from rls_monitor.detection.posture import Posture, PostureConfig
from rls_monitor.detection.signal import check_accel, decimation_factor, epoch_starts
from rls_monitor.errors import DetectionError
from tests.oracles.artefacts import reference_classify_candidates

__all__ = [
    "reference_activity_envelope",
    "reference_activity_envelopes",
    "reference_detect_leg_movements",
    "reference_fill_and_prune",
    "reference_lying",
    "reference_noise_floor",
    "reference_posture",
    "reference_score_envelope",
]


def _reference_biquads(
    work: list[list[float]], sos: list[list[float]], zi_unit: list[list[float]]
) -> list[float]:
    """Band-pass of every axis, one sample at a time, and the vector magnitude in mg.

    Cascaded biquads in direct form II transposed, started in the steady state of the first
    sample (as ``sosfilt`` with ``sosfilt_zi * x[0]``).
    """
    state = [[[z[0] * work[0][ax], z[1] * work[0][ax]] for z in zi_unit] for ax in range(3)]
    mag: list[float] = []
    for row in work:
        power = 0.0
        for ax in range(3):
            x = row[ax]
            for (b0, b1, b2, _a0, a1, a2), z in zip(sos, state[ax], strict=True):
                y = b0 * x + z[0]
                z[0] = b1 * x - a1 * y + z[1]
                z[1] = b2 * x - a2 * y
                x = y
            power += x * x
        mag.append(1000.0 * math.sqrt(power))
    return mag


def _reference_moving_average(values: list[float], w: int) -> list[float]:
    """Centred moving average of ``w`` (odd) samples, edges mirrored as ``scipy.ndimage``'s
    ``reflect`` (x[-1] = x[0], x[m] = x[m - 1]), as a running sum."""
    m = len(values)
    h = w // 2

    def at(i: int) -> float:
        while i < 0 or i >= m:
            i = -i - 1 if i < 0 else 2 * m - i - 1
        return values[i]

    running = sum(at(i) for i in range(-h, h + 1))
    out = [running / w]
    for j in range(1, m):
        running += at(j + h) - at(j - h - 1)
        out.append(running / w)
    return out


def reference_activity_envelopes(
    accel_g: NDArray[np.float32], fs_hz: float, config: DetectorConfig | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """The onset and quiet envelopes (mg), one sample at a time (twin of ``activity_envelopes``).

    Parameters
    ----------
    accel_g : ndarray, shape (n, 3)
        Acceleration (g), validated.
    fs_hz : float
        Sampling rate (Hz).
    config : DetectorConfig, optional

    Returns
    -------
    onset_mg : ndarray of float64, shape (n // k,)
        The causal pass's magnitude, smoothed, then advanced by the group delay (the tail
        repeats the last value); on the working grid of ``k = decimation_factor(fs_hz,
        working_rate_hz)``.
    quiet_mg : ndarray of float64, shape (n // k,)
        With ``quiet_offset`` or ``two_pass_offset``, per sample the smaller of the causal
        pass advanced by the delay and the time-reversed pass delayed by it (edges repeat the
        end values), then smoothed; otherwise ``onset_mg`` itself.
    fs_work_hz : float
        Working rate (Hz).

    Raises
    ------
    DetectionError
        If the working rate is too low for the band.
    """
    cfg = config or DetectorConfig()
    k = decimation_factor(fs_hz, cfg.working_rate_hz)
    fw = fs_hz / k
    if cfg.band_hz[1] >= fw / 2:
        raise DetectionError(
            f"the band's upper edge {cfg.band_hz[1]:g} Hz needs a rate above "
            f"{2 * cfg.band_hz[1]:g} Hz; got {fs_hz:g} Hz"
        )
    rows: list[list[float]] = np.asarray(accel_g, dtype=np.float64).tolist()
    m = len(rows) // k
    if m == 0:
        return np.zeros(0), np.zeros(0), fw
    # 1. block averaging: the mean of each block of k samples (trailing partial block dropped)
    work: list[list[float]] = []
    for b in range(m):
        sums = [0.0, 0.0, 0.0]
        for i in range(b * k, b * k + k):
            for ax in range(3):
                sums[ax] += rows[i][ax]
        work.append([s / k for s in sums])
    # 2. band-pass forwards, and backwards in time (the reversed signal, reversed back)
    sos64 = signal.butter(cfg.filter_order, cfg.band_hz, btype="band", fs=fw, output="sos")
    sos: list[list[float]] = sos64.tolist()
    zi_unit: list[list[float]] = signal.sosfilt_zi(sos64).tolist()
    fwd = _reference_biquads(work, sos, zi_unit)
    # 3. the low-pass group delay, sqrt(2) / (2 pi f_high) s: the causal pass runs late by it,
    # the reversed pass early
    w = samples_for(cfg.envelope_s, fw, odd=True)
    delay = min(round(math.sqrt(2.0) / (2.0 * math.pi * cfg.band_hz[1]) * fw), m // 2)
    smooth = _reference_moving_average(fwd, w)
    onset = np.array([smooth[min(j + delay, m - 1)] for j in range(m)], dtype=np.float64)
    if not (cfg.two_pass_offset or cfg.quiet_offset):
        return onset, onset, fw
    back = _reference_biquads(work[::-1], sos, zi_unit)[::-1]
    quiet_raw = [min(fwd[min(j + delay, m - 1)], back[max(j - delay, 0)]) for j in range(m)]
    quiet = _reference_moving_average(quiet_raw, w)
    return onset, np.array(quiet, dtype=np.float64), fw


def reference_activity_envelope(
    accel_g: NDArray[np.float32], fs_hz: float, config: DetectorConfig | None = None
) -> tuple[NDArray[np.float64], float]:
    """The onset envelope of :func:`reference_activity_envelopes` (mg) and the working rate."""
    onset, _quiet, fw = reference_activity_envelopes(accel_g, fs_hz, config)
    return onset, fw


def reference_detect_leg_movements(
    accel_g: NDArray[np.float32],
    fs_hz: float,
    *,
    posture: Posture | None = None,
    config: DetectorConfig | None = None,
) -> LegMovements:
    """Leg movements while lying, with loops only (twin of ``detect_leg_movements``).

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration (g), sensor axes.
    fs_hz : float
        Sampling rate (Hz).
    posture : Posture, optional
        The lying epochs and turn-overs; computed with the vectorised
        :func:`~rls_monitor.detection.posture.detect_posture` when not given (use
        :func:`reference_lying` to check its lying decision).
    config : DetectorConfig, optional

    Returns
    -------
    LegMovements
        Same fields as the vectorised detector's, computed in float64.

    Raises
    ------
    DetectionError, UnitsError
        As :func:`~rls_monitor.detection.movements.detect_leg_movements`.
    """
    from rls_monitor.detection.posture import detect_posture

    cfg = config or DetectorConfig()
    a = check_accel(accel_g, fs_hz)
    n = a.shape[0]
    if posture is None:
        posture = detect_posture(a, fs_hz)
    elif abs(posture.duration_s - n / fs_hz) > max(posture.epoch_s, 1.0):
        raise DetectionError(
            f"posture covers {posture.duration_s:.1f} s but the signal is {n / fs_hz:.1f} s"
        )
    env, quiet, fw = reference_activity_envelopes(a, fs_hz, cfg)
    m = env.size
    # 5. noise floor per block (of the onset envelope) and the thresholds
    block_n = max(1, round(cfg.floor_block_s * fw))
    window_blocks = max(1, round(cfg.floor_window_s / cfg.floor_block_s))
    floor = reference_noise_floor(
        env, block_n, window_blocks, cfg.floor_percentile, cfg.floor_min_mg
    ).tolist()
    onset_b = [max(cfg.onset_factor * f, f + cfg.onset_min_mg) for f in floor]
    offset_b = [f + cfg.offset_ratio * (o - f) for f, o in zip(floor, onset_b, strict=True)]
    last_block = len(floor) - 1
    onset_t = np.array([onset_b[min(j // block_n, last_block)] for j in range(m)])
    offset_t = np.array([offset_b[min(j // block_n, last_block)] for j in range(m)])
    # 6. the state machine and the morphology rule
    on_i, off_i = reference_score_envelope(
        env,
        onset_t,
        offset_t,
        quiet_n=samples_for(cfg.quiet_s, fw),
        min_n=samples_for(cfg.min_duration_s + cfg.envelope_s, fw),
        morphology_n=samples_for(cfg.morphology_s, fw, odd=True) if cfg.morphology else None,
        quiet_mg=quiet if cfg.two_pass_offset else None,
        report_mg=quiet if cfg.quiet_offset and not cfg.two_pass_offset else None,
    )
    # 7. context: inside a lying bout, bed_edge_s away from its ends; turn-overs
    bouts: list[tuple[float, float]] = []
    lying = [bool(x) for x in posture.lying]
    e = 0
    while e < len(lying):
        if not lying[e]:
            e += 1
            continue
        s = e
        while e < len(lying) and lying[e]:
            e += 1
        bouts.append((s * posture.epoch_s, min(e * posture.epoch_s, posture.duration_s)))
    turns = list(
        zip(posture.turnovers.onset_s.tolist(), posture.turnovers.offset_s.tolist(), strict=True)
    )
    envl = env.tolist()
    cand: list[tuple[int, int, bool]] = []
    for i0, i1 in zip(on_i.tolist(), off_i.tolist(), strict=True):
        t0, t1 = i0 / fw, i1 / fw
        if not any(b0 + cfg.bed_edge_s <= t0 and t1 <= b1 - cfg.bed_edge_s for b0, b1 in bouts):
            continue
        turn = any(
            c0 - cfg.turnover_pad_s < t1 and t0 < c1 + cfg.turnover_pad_s for c0, c1 in turns
        )
        cand.append((i0, i1, turn))
    # 8. artefacts: candidates that do not turn the shank
    verdicts = reference_classify_candidates(
        a,
        decimation_factor(fs_hz, cfg.working_rate_hz),
        fw,
        np.array([x[0] for x in cand], dtype=np.int64),
        np.array([x[1] for x in cand], dtype=np.int64),
        skip=np.array([x[2] for x in cand], dtype=bool),
        config=cfg.artefacts,
    )
    out: dict[str, list[float]] = {
        k: [] for k in ("on", "off", "peak", "turn", "thon", "thoff", "rot")
    }
    rej: dict[str, list[Any]] = {k: [] for k in ("on", "off", "peak", "rot", "why")}
    for j, (i0, i1, turn) in enumerate(cand):
        if verdicts.reason[j]:
            rej["on"].append(i0 / fw)
            rej["off"].append(i1 / fw)
            rej["peak"].append(max(envl[i0:i1]))
            rej["rot"].append(float(verdicts.rotation_deg[j]))
            rej["why"].append(str(verdicts.reason[j]))
            continue
        out["on"].append(i0 / fw)
        out["off"].append(i1 / fw)
        out["peak"].append(max(envl[i0:i1]))
        out["turn"].append(float(turn))
        out["thon"].append(onset_b[min(i0 // block_n, last_block)])
        out["thoff"].append(offset_b[min(i0 // block_n, last_block)])
        out["rot"].append(float(verdicts.rotation_deg[j]))
    return LegMovements(
        onset_s=np.array(out["on"], dtype=np.float64),
        offset_s=np.array(out["off"], dtype=np.float64),
        peak_mg=np.array(out["peak"], dtype=np.float64),
        posture_change=np.array(out["turn"], dtype=bool),
        onset_threshold_mg=np.array(out["thon"], dtype=np.float64),
        offset_threshold_mg=np.array(out["thoff"], dtype=np.float64),
        noise_floor_mg=np.array(floor, dtype=np.float32),
        floor_block_s=block_n / fw,
        fs_hz=fw,
        rotation_deg=np.array(out["rot"], dtype=np.float64),
        rejected=RejectedCandidates(
            onset_s=np.array(rej["on"], dtype=np.float64),
            offset_s=np.array(rej["off"], dtype=np.float64),
            peak_mg=np.array(rej["peak"], dtype=np.float64),
            rotation_deg=np.array(rej["rot"], dtype=np.float64),
            reason=np.array(rej["why"], dtype="<U9"),
        ),
    )


def reference_fill_and_prune(
    lying: NDArray[np.bool_],
    walking: NDArray[np.bool_],
    *,
    epoch_s: float,
    max_gap_s: float,
    min_lying_bout_s: float,
) -> NDArray[np.bool_]:
    """Lying-bout smoothing, one run at a time (twin of the posture detector's step 4).

    A non-lying gap strictly inside lying (neither at the start nor at the end of the signal),
    shorter than ``max_gap_s`` and without a walking epoch, becomes lying; then every lying bout
    shorter than ``min_lying_bout_s`` is dropped.

    Parameters
    ----------
    lying, walking : ndarray of bool, shape (n_epochs,)
    epoch_s, max_gap_s, min_lying_bout_s : float
        Epoch length, longest gap filled and shortest bout kept (s).

    Returns
    -------
    ndarray of bool, shape (n_epochs,)
    """
    out = [bool(x) for x in lying]
    walk = [bool(x) for x in walking]
    n = len(out)
    filled = out[:]
    e = 0
    while e < n:
        if out[e]:
            e += 1
            continue
        s = e
        while e < n and not out[e]:
            e += 1
        if s > 0 and e < n and (e - s) * epoch_s < max_gap_s and not any(walk[s:e]):
            for i in range(s, e):
                filled[i] = True
    e = 0
    while e < n:
        if not filled[e]:
            e += 1
            continue
        s = e
        while e < n and filled[e]:
            e += 1
        if (e - s) * epoch_s < min_lying_bout_s:
            for i in range(s, e):
                filled[i] = False
    return np.array(filled, dtype=bool)


def reference_lying(
    accel_g: NDArray[np.float32],
    fs_hz: float,
    *,
    shank_axis: NDArray[np.float64],
    walking: NDArray[np.bool_],
    config: PostureConfig | None = None,
) -> NDArray[np.bool_]:
    """The lying decision per epoch, with loops (twin of ``detect_posture``'s steps 1 and 4).

    The shank axis and the walking epochs are inputs (learning them is a handful of matrix
    operations and one FFT per walking bout, not a loop over samples): pass those of a
    :class:`~rls_monitor.detection.posture.Posture` to check its ``lying``.

    Parameters
    ----------
    accel_g : ndarray, shape (n, 3)
        Acceleration (g).
    fs_hz : float
        Sampling rate (Hz).
    shank_axis : ndarray of float64, shape (3,)
        Unit shank axis in the sensor frame.
    walking : ndarray of bool, shape (n_epochs,)
        Walking epochs.
    config : PostureConfig, optional

    Returns
    -------
    ndarray of bool, shape (n_epochs,)
        Lying epochs: the elevation of the shank (from each epoch's mean acceleration), median
        smoothed with ``nearest`` edges, below ``lying_max_deg``; not walking; gaps filled and
        short bouts pruned by :func:`reference_fill_and_prune`.
    """
    cfg = config or PostureConfig()
    rows: list[list[float]] = np.asarray(accel_g, dtype=np.float64).tolist()
    n = len(rows)
    starts = [*epoch_starts(n, fs_hz, cfg.epoch_s).tolist(), n]
    axis = [float(x) for x in shank_axis]
    walk = [bool(x) for x in walking]
    elev: list[float] = []
    for e in range(len(starts) - 1):
        sums = [0.0, 0.0, 0.0]
        for i in range(starts[e], starts[e + 1]):
            for ax in range(3):
                sums[ax] += rows[i][ax]
        mean = [s / (starts[e + 1] - starts[e]) for s in sums]
        norm = math.sqrt(sum(v * v for v in mean))
        dot = sum(v * c for v, c in zip(mean, axis, strict=True)) / (norm if norm > 0 else 1.0)
        elev.append(math.degrees(math.asin(min(1.0, max(-1.0, dot)))))
    size = max(1, round(cfg.smooth_s / cfg.epoch_s) | 1)
    half = size // 2
    n_ep = len(elev)
    raw: list[bool] = []
    for e in range(n_ep):
        window = sorted(elev[min(max(j, 0), n_ep - 1)] for j in range(e - half, e + half + 1))
        raw.append(abs(window[half]) < cfg.lying_max_deg and not walk[e])
    pruned = reference_fill_and_prune(
        np.array(raw, dtype=bool),
        np.array(walk, dtype=bool),
        epoch_s=cfg.epoch_s,
        max_gap_s=cfg.max_gap_s,
        min_lying_bout_s=cfg.min_lying_bout_s,
    )
    return np.array([p and not w for p, w in zip(pruned, walk, strict=True)], dtype=bool)


def reference_posture(
    accel_g: NDArray[np.float32],
    fs_hz: float,
    posture: Posture,
    config: PostureConfig | None = None,
) -> Posture:
    """``posture`` with its ``lying`` replaced by :func:`reference_lying` (same axis, walking).

    Parameters
    ----------
    accel_g : ndarray, shape (n, 3)
    fs_hz : float
    posture : Posture
        From the vectorised detector on the same signal.
    config : PostureConfig, optional
        The configuration it was computed with.

    Returns
    -------
    Posture
    """
    lying = reference_lying(
        accel_g, fs_hz, shank_axis=posture.shank_axis, walking=posture.walking, config=config
    )
    return replace(posture, lying=lying)


def reference_score_envelope(
    envelope_mg: NDArray[np.floating[Any]],
    onset_mg: NDArray[np.floating[Any]],
    offset_mg: NDArray[np.floating[Any]],
    *,
    quiet_n: int,
    min_n: int,
    morphology_n: int | None,
    quiet_mg: NDArray[np.floating[Any]] | None = None,
    report_mg: NDArray[np.floating[Any]] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The LM state machine, one sample at a time (same contract as ``score_envelope``).

    A sample is *quiet* when ``quiet_mg`` (``envelope_mg`` when not given) is at or below
    ``offset_mg``. Idle: the first sample with ``envelope_mg`` above ``onset_mg`` that is not
    quiet starts an LM. Active: a run of ``quiet_n`` quiet samples ends it at the run's first
    sample; the end of the signal ends it there. Then LMs shorter than ``min_n`` samples are
    dropped and, with ``morphology_n``, those without a window of that many samples whose
    median of ``quiet_mg - offset`` is at or above zero. With ``report_mg``, each LM ``[a, b)``
    left is then reported to end at the first ``i`` from ``a + min_n`` to ``b`` where
    ``report_mg`` is at or below ``offset_mg`` for ``quiet_n`` samples inside the signal (WASM
    2016: the start of at least 0.5 s at or below the offset threshold), or at ``b``.

    Parameters
    ----------
    envelope_mg, onset_mg, offset_mg : ndarray, shape (m,)
    quiet_n, min_n : int
    morphology_n : int or None
    quiet_mg, report_mg : ndarray, shape (m,), optional

    Returns
    -------
    onset, offset : ndarray of int64
    """
    env = [float(v) for v in envelope_mg]
    qenv = env if quiet_mg is None else [float(v) for v in quiet_mg]
    on_t = [float(v) for v in onset_mg]
    off_t = [float(v) for v in offset_mg]
    m = len(env)
    onsets: list[int] = []
    offsets: list[int] = []
    active = False
    start = 0
    quiet_run = 0
    for i in range(m):
        quiet = qenv[i] <= off_t[i]
        if not active:
            if env[i] > on_t[i] and not quiet:
                active, start, quiet_run = True, i, 0
            continue
        if quiet:
            quiet_run += 1
            if quiet_run == quiet_n:
                onsets.append(start)
                offsets.append(i - quiet_n + 1)
                active = False
        else:
            quiet_run = 0
    if active:
        onsets.append(start)
        offsets.append(m)
    keep_on: list[int] = []
    keep_off: list[int] = []
    for a, b in zip(onsets, offsets, strict=True):
        if b - a < min_n:
            continue
        if morphology_n is not None:
            w = morphology_n
            ok = False
            for s in range(a, b - w + 1):
                diffs = [qenv[j] - off_t[j] for j in range(s, s + w)]
                if float(np.median(diffs)) >= 0.0:
                    ok = True
                    break
            if not ok:
                continue
        if report_mg is not None:
            for i in range(a + min_n, b + 1):
                if i + quiet_n <= m and all(
                    float(report_mg[j]) <= off_t[j] for j in range(i, i + quiet_n)
                ):
                    b = i
                    break
        keep_on.append(a)
        keep_off.append(b)
    return np.array(keep_on, dtype=np.int64), np.array(keep_off, dtype=np.int64)


def reference_noise_floor(
    envelope_mg: NDArray[np.floating[Any]],
    block_n: int,
    window_blocks: int,
    percentile: float,
    floor_min_mg: float,
) -> NDArray[np.float64]:
    """Rolling percentile of block means, one block at a time.

    Block ``b`` is the mean of samples ``b * block_n ..`` (the last block padded with the last
    value); its floor is the ``percentile`` of the block means in the centred window of
    ``window_blocks`` blocks (``scipy.ndimage`` centring: ``window_blocks // 2`` before),
    the ends repeating the first and last block, and at least ``floor_min_mg``.

    Returns
    -------
    ndarray of float64, shape (n_blocks,)
    """
    m = len(envelope_mg)
    n_blocks = max(1, -(-m // block_n))
    means = []
    for b in range(n_blocks):
        vals = [float(envelope_mg[min(j, m - 1)]) for j in range(b * block_n, (b + 1) * block_n)]
        means.append(sum(vals) / block_n)
    half = window_blocks // 2
    out = np.empty(n_blocks)
    for b in range(n_blocks):
        win = [
            means[min(max(j, 0), n_blocks - 1)] for j in range(b - half, b - half + window_blocks)
        ]
        out[b] = max(_percentile_lower_rank(win, percentile), floor_min_mg)
    return out


def _percentile_lower_rank(values: list[float], percentile: float) -> float:
    """``scipy.ndimage.percentile_filter``'s rank: ``int(size * percentile / 100)``, clipped."""
    ordered = sorted(values)
    rank = int(len(ordered) * percentile / 100.0)
    return ordered[min(rank, len(ordered) - 1)]
