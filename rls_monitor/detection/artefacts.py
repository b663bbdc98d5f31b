"""Candidate leg movements that are not the leg moving: bed vibration, knocks, machines (vectorised).

An ankle band in a real bedroom is shaken by more than its own leg: a bed partner turning over,
a pet jumping on the bed, a fan, a washing machine or a train, the band knocking against the other
leg or the bed frame. The envelope of the detector (:mod:`rls_monitor.detection.movements`) rises
for all of them. What tells a leg movement from them is physics:

- **A leg movement turns the shank.** Dorsiflexion with knee and hip flexion (the triple flexion of
  a periodic limb movement) tilts the ankle's long axis by a few degrees, and the gravity vector
  the band reads turns with it (3 deg is 52 mg). A mattress that vibrates under a still leg moves
  the band up and down and sideways, but does not turn it: the vibration averages out over a
  second, gravity stays where it was. So each candidate gets a **rotation**: the largest angle
  between the gravity vector before its onset (the mean over ``baseline_s`` before it) and the
  gravity vector during it (a running mean of ``average_s``, 0.75 s, applied twice: a 1.5 s
  triangular window, whose side lobes keep a few percent at most of vibration of 2 Hz and above,
  aliased machine frequencies and a pet's bounces included, where one 1 s mean let a tenth
  through; a 2 s window would keep less vibration but flatten the turn of short movements). A candidate that turns the band by
  less than ``min_rotation_deg`` (0.45 deg, about 8 mg of gravity: several times the noise of
  that mean at 4-8 mg sensor noise, and under the turn of 99 % of the simulated movements of
  hard nights) is rejected as an artefact.
- **A knock is not a turn either**, but a 600 mg impulse of 30 ms leaves a bump in a running
  mean. So a short candidate (its dynamic acceleration above half its peak for at most
  ``impulse_max_s``, 0.25 s, in all) is also judged on a second rotation, taken after a running
  *median* of ``median_s`` (0.3 s) that removes such impulses, and is rejected when that one is
  under the minimum too.
- **Why it was rejected** is kept with it, for the clinician and the report:

  - ``impulse``: a short one: a sharp knock, the band hitting the other leg or the bed frame, a
    pet landing;
  - ``periodic``: one of at least ``periodic_min_run`` rotation-free candidates in a row whose
    onsets follow each other at a steady interval (coefficient of variation under
    ``periodic_max_cv``): a machine. A periodic artefact must never become a PLM series, and
    with its rotation-free bursts rejected it cannot;
  - ``vibration``: the rest (a partner, a pet, traffic).

Candidates flagged as turn-overs are left to the posture rule. Not done here: the coincidence of
the same vibration at both ankles (two bands) and the band's integer pipeline
(``firmware_host.processing``), which does not get this rejection: it has no gravity estimate
per candidate within its budget (see ``docs/scoring.md``); a night scored on the band is
rescored by the host with it when the raw samples are synced.

The computation touches only the samples around the candidates (a few percent of a night): their
block means on the working grid are gathered once, then the running median and mean are cumulative
sums and a sorted gather, with no Python loop over samples. The loop twin of it is
``tests/oracles/artefacts.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import ConfigError

__all__ = [
    "ARTEFACT_REASONS",
    "ArtefactConfig",
    "CandidateVerdicts",
    "RejectedCandidates",
    "classify_candidates",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

ARTEFACT_REASONS = ("vibration", "impulse", "periodic")
"""Why a candidate was rejected; reported as ``"artefact: <reason>"``."""


@dataclass(frozen=True)
class ArtefactConfig:
    """Parameters of :func:`classify_candidates` (see the module docstring).

    Attributes
    ----------
    enabled : bool
        Reject artefacts at all (off: every candidate is kept, as before this rule).
    min_rotation_deg : float
        Least turn of the gravity vector during a leg movement (deg).
    median_s, average_s : float
        Running median (impulses) and running mean (vibration, applied twice) of the
        acceleration (s).
    baseline_s : float
        The gravity vector before a candidate: the mean over this long before its onset (s).
    impulse_max_s : float
        Rejected as ``impulse`` when the dynamic acceleration is above half its peak for at
        most this long in all (s).
    periodic_min_run : int
        Rotation-free candidates in a row that make a ``periodic`` artefact.
    periodic_max_cv : float
        Largest coefficient of variation of their onset intervals.
    periodic_max_interval_s : float
        Longest interval between the onsets of such a run (s).
    """

    enabled: bool = True
    min_rotation_deg: float = 0.45
    median_s: float = 0.3
    average_s: float = 0.75
    baseline_s: float = 1.0
    impulse_max_s: float = 0.25
    periodic_min_run: int = 4
    periodic_max_cv: float = 0.12
    periodic_max_interval_s: float = 120.0

    def __post_init__(self) -> None:
        for name in (
            "median_s",
            "average_s",
            "baseline_s",
            "impulse_max_s",
            "periodic_max_interval_s",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be > 0; got {value!r}", name=name, value=value)
        for name in ("min_rotation_deg", "periodic_max_cv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be >= 0; got {value!r}", name=name, value=value)
        if int(self.periodic_min_run) != self.periodic_min_run or self.periodic_min_run < 2:
            raise ConfigError(
                f"periodic_min_run must be an integer >= 2; got {self.periodic_min_run!r}",
                name="periodic_min_run",
                value=self.periodic_min_run,
            )


@dataclass(frozen=True)
class CandidateVerdicts:
    """What :func:`classify_candidates` found for each candidate.

    Attributes
    ----------
    rotation_deg : ndarray of float64, shape (k,)
        Largest turn of the gravity vector (its running mean) during the candidate (deg).
    reason : ndarray of str, shape (k,)
        ``""`` for a leg movement, else one of :data:`ARTEFACT_REASONS`.
    """

    rotation_deg: F64
    reason: NDArray[np.str_]

    @property
    def rejected(self) -> NDArray[np.bool_]:
        """True for the candidates rejected as artefacts."""
        return np.asarray(self.reason != "", dtype=bool)


@dataclass(frozen=True)
class RejectedCandidates:
    """Candidates the detector found and rejected as artefacts (not leg movements).

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (r,)
        On the working grid (s from the first sample).
    peak_mg : ndarray of float64, shape (r,)
        Largest envelope value (mg).
    rotation_deg : ndarray of float64, shape (r,)
        Largest turn of the gravity vector (deg), under the rule's minimum.
    reason : ndarray of str, shape (r,)
        ``vibration``, ``impulse`` or ``periodic``
        (:data:`rls_monitor.detection.artefacts.ARTEFACT_REASONS`).
    """

    onset_s: F64
    offset_s: F64
    peak_mg: F64
    rotation_deg: F64
    reason: NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.onset_s.size)

    @classmethod
    def empty(cls) -> RejectedCandidates:
        """No rejected candidates."""
        z = np.zeros(0)
        return cls(z, z.copy(), z.copy(), z.copy(), np.zeros(0, dtype="<U9"))


def _odd(n: int) -> int:
    return n if n % 2 else n + 1


def _ranges(start: I64, stop: I64) -> tuple[I64, I64]:
    """All integers of the ranges ``[start, stop)``, concatenated, and each range's offset."""
    length = np.maximum(stop - start, 0)
    offset = np.concatenate(([0], np.cumsum(length)))
    idx = np.arange(int(offset[-1]), dtype=np.int64) - np.repeat(offset[:-1] - start, length)
    return idx, offset


def classify_candidates(
    accel_g: NDArray[np.float32],
    k: int,
    fs_work_hz: float,
    on_i: I64,
    off_i: I64,
    *,
    skip: NDArray[np.bool_] | None = None,
    config: ArtefactConfig | None = None,
) -> CandidateVerdicts:
    """Tell leg movements from artefacts among the detector's candidates.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        The acceleration (g) at the input rate.
    k : int
        Decimation factor of the working grid (block means of ``k`` samples).
    fs_work_hz : float
        Working rate ``fs / k`` (Hz).
    on_i, off_i : ndarray of int64, shape (c,)
        Candidates on the working grid, ``[on, off)``, sorted.
    skip : ndarray of bool, shape (c,), optional
        Candidates not to judge (turn-overs): kept whatever their rotation.
    config : ArtefactConfig, optional

    Returns
    -------
    CandidateVerdicts
    """
    cfg = config or ArtefactConfig()
    c = int(on_i.size)
    rotation = np.full(c, np.nan)
    reason = np.full(c, "", dtype="<U9")
    if c == 0 or not cfg.enabled:
        return CandidateVerdicts(rotation, reason)
    judge = np.ones(c, bool) if skip is None else ~np.asarray(skip, bool)
    m = accel_g.shape[0] // k
    med_n = _odd(max(1, round(cfg.median_s * fs_work_hz)))
    avg_n = _odd(max(1, round(cfg.average_s * fs_work_hz)))
    base_n = max(1, round(cfg.baseline_s * fs_work_hz))
    ha = avg_n // 2
    on = on_i.astype(np.int64)
    off = np.maximum(off_i.astype(np.int64), on + 1)
    span = _Spans(on, off, m, base_n, ha)
    raw = span.block_means(accel_g, k)
    rot_mean, base_raw = span.max_turn(raw)
    rotation[:] = rot_mean
    # an impulse: the dynamic acceleration above half its peak for a short time only
    impulse = span.short(raw, base_raw, cfg.impulse_max_s * fs_work_hz)
    has = span.has
    still = judge & has & (rot_mean < cfg.min_rotation_deg)
    # the short ones that turned the running mean: judged again after a running median of med_n
    # samples, computed for their samples only
    again = np.flatnonzero(judge & has & impulse & ~still)
    knock = np.zeros(c, bool)
    if again.size:
        sub = _Spans(on[again], off[again], m, base_n, ha)
        med = sub.running_median(accel_g, k, med_n)
        knock[again] = sub.max_turn(med)[0] < cfg.min_rotation_deg
    artefact = still | knock
    reason[artefact] = "vibration"
    reason[artefact & impulse] = "impulse"
    periodic = _periodic_runs(on / fs_work_hz, artefact & ~impulse, cfg)
    reason[periodic] = "periodic"
    return CandidateVerdicts(rotation, reason)


class _Spans:
    """The working-grid samples the candidates ``[on, off)`` need, concatenated.

    For each candidate: ``base_n`` samples before its onset (its baseline), itself, and the reach
    of two running means of ``2 * ha + 1`` samples on both sides, clipped to the signal's ``m``
    samples (a running median gathers its own reach beyond them).
    """

    def __init__(self, on: I64, off: I64, m: int, base_n: int, ha: int) -> None:
        self.c = int(on.size)
        self.m = m
        self.on, self.off = on, off
        self.r0 = np.maximum(on - base_n - 2 * ha, 0)
        self.r1 = np.minimum(off + 2 * ha, m)
        self.idx, self.offset = _ranges(self.r0, self.r1)
        self.seg = np.repeat(np.arange(self.c), self.r1 - self.r0)
        self.pos = np.arange(self.idx.size)
        lo = self.offset[:-1][self.seg]
        hi = self.offset[1:][self.seg] - 1
        self.window_a = np.maximum(self.pos - ha, lo)
        self.window_b = np.minimum(self.pos + ha, hi) + 1
        self.base_a = self.offset[:-1] + np.maximum(on - base_n, self.r0) - self.r0
        self.base_b = self.offset[:-1] + np.maximum(on, self.r0 + 1) - self.r0
        self.d_idx, self.d_off = _ranges(
            self.offset[:-1] + on - self.r0, self.offset[:-1] + np.minimum(off, self.r1) - self.r0
        )
        self.has = np.diff(self.d_off) > 0
        self.starts = self.d_off[:-1][self.has]
        self.d_seg = np.repeat(np.arange(self.c), np.diff(self.d_off))

    def _gather(self, accel_g: NDArray[np.float32], k: int, pad: int) -> NDArray[np.float32]:
        """Block means (float32) at the samples, and ``pad`` beyond each region's ends."""
        ext, _ = _ranges(self.r0 - pad, self.r1 + pad)
        np.clip(ext, 0, self.m - 1, out=ext)
        out = np.zeros((ext.size, 3), np.float32)
        for j in range(k):  # k <= 50 passes over a few percent of the night
            out += accel_g[ext * k + j]
        out *= np.float32(1.0 / k)
        return out

    def block_means(self, accel_g: NDArray[np.float32], k: int) -> F64:
        """The working signal at the samples (float64)."""
        return self._gather(accel_g, k, 0).astype(np.float64)

    def running_median(self, accel_g: NDArray[np.float32], k: int, med_n: int) -> F64:
        """The running median of ``med_n`` working samples at the samples (float64)."""
        hm = med_n // 2
        ext = self._gather(accel_g, k, hm)
        core = self.pos + 2 * hm * self.seg  # each sample's first window sample in ``ext``
        window = np.lib.stride_tricks.sliding_window_view(ext, med_n, axis=0)[core]
        window.sort(axis=-1)  # (samples, 3, med_n), a copy: the window axis last
        return window[:, :, hm].astype(np.float64)

    def max_turn(self, values: F64) -> tuple[F64, F64]:
        """Largest angle (deg) per candidate between the running mean (twice) of ``values``
        during it and its baseline (the mean before the onset); NaN when it has no sample."""
        a, b = self.window_a, self.window_b
        width = (b - a)[:, None]
        csum = np.concatenate((np.zeros((1, 3)), np.cumsum(values, axis=0)))
        once = (csum[b] - csum[a]) / width
        csum_once = np.concatenate((np.zeros((1, 3)), np.cumsum(once, axis=0)))
        d = self.d_idx
        g = (csum_once[b[d]] - csum_once[a[d]]) / width[d]
        base = (csum[self.base_b] - csum[self.base_a]) / (self.base_b - self.base_a)[:, None]
        gb = base[self.d_seg]
        cos = np.einsum("ij,ij->i", g, gb) / np.maximum(
            np.linalg.norm(g, axis=1) * np.linalg.norm(gb, axis=1), 1e-12
        )
        angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        out = np.full(self.c, np.nan)
        if self.starts.size:
            out[self.has] = np.maximum.reduceat(angle, self.starts)
        return out, base

    def short(self, values: F64, base: F64, max_n: float) -> NDArray[np.bool_]:
        """Candidates whose ``|values - base|`` is at or above half its peak for <= max_n samples."""
        out = np.zeros(self.c, bool)
        if not self.starts.size:
            return out
        dyn = np.linalg.norm(values[self.d_idx] - base[self.d_seg], axis=1)
        peak = np.maximum.reduceat(dyn, self.starts)
        high = dyn >= 0.5 * np.repeat(peak, np.diff(self.d_off)[self.has])
        out[self.has] = np.add.reduceat(high.astype(np.int64), self.starts) <= max_n
        return out


def _periodic_runs(onset_s: F64, free: NDArray[np.bool_], cfg: ArtefactConfig) -> NDArray[np.bool_]:
    """Rotation-free candidates in runs of at least ``periodic_min_run`` at a steady interval.

    A run is consecutive rotation-free candidates (in the order of all candidates) whose
    successive onset intervals are each within ``periodic_max_cv`` (relative) of the run's
    median interval and under ``periodic_max_interval_s``.
    """
    out = np.zeros(onset_s.size, bool)
    which = np.flatnonzero(free)
    if which.size < cfg.periodic_min_run:
        return out
    t = onset_s[which]
    gaps = np.diff(t)
    # neighbours of similar spacing: the ratio of consecutive intervals near 1
    similar = np.zeros(gaps.size, bool)
    if gaps.size >= 2:
        ratio = gaps[1:] / np.maximum(gaps[:-1], 1e-9)
        steady = np.abs(ratio - 1.0) <= 2.0 * cfg.periodic_max_cv
        short = (gaps[1:] <= cfg.periodic_max_interval_s) & (
            gaps[:-1] <= cfg.periodic_max_interval_s
        )
        similar[1:] |= steady & short
        similar[:-1] |= steady & short
    # runs of similar gaps: a run of g gaps links g + 1 candidates
    edges = np.diff(np.concatenate(([0], similar.astype(np.int8), [0])))
    run_a = np.flatnonzero(edges == 1)
    run_b = np.flatnonzero(edges == -1)
    for a, b in zip(run_a.tolist(), run_b.tolist(), strict=True):  # runs of candidates, few
        if b - a + 1 < cfg.periodic_min_run:
            continue
        run_gaps = gaps[a:b]
        cv = float(np.std(run_gaps) / max(float(np.mean(run_gaps)), 1e-9))
        if cv <= cfg.periodic_max_cv:
            out[which[a : b + 1]] = True
    return out
