"""A seeded physical model of a night at the ankle, with ground truth.

This is the signal source of the simulated band and the ground truth for the detector tests. It
produces what a 3-axis accelerometer strapped to the lower leg (shank, just above the ankle) reads
during a night: int16 counts with an explicit ``lsb_g`` (g per count), together with the truth of
every leg movement (LM), posture change, lying and upright period, and the sensor errors applied.

Frames and conventions
----------------------
*Leg frame*: ``x`` along the shank from the ankle to the knee, ``z`` anterior (out of the front of
the shin), ``y = z cross x`` (lateral for the left leg). *World*: ``Z`` up. The accelerometer reads
specific force, so a still sensor reads +1 g pointing *up*. The orientation of the shank is given by
two angles: the elevation ``e`` of the ankle->knee axis above the horizontal (90 deg when standing)
and the roll ``r`` of the leg about its long axis (0 deg supine, knee-cap up; +90 deg lying on the
left side, -90 deg on the right, 180 deg prone). The "up" vector in the leg frame is then
``u = (sin e, cos e sin r, cos e cos r)``. The *sensor frame* is the band's: the board lies against
the skin, rotated around the shank by the strap angle, yawed in the plane of the skin by the way the
band was clipped, and tilted by the taper of the calf. A reading is
``a_sensor = R.T @ (u + a_lin)`` with ``R`` the (3, 3) matrix whose columns are the sensor axes in
the leg frame and ``a_lin`` the linear acceleration of the ankle in g.

Structure of a night
--------------------
1. *Prelude* (getting ready for bed): walking, standing, then sitting on the edge of the bed, then
   lying down. At most 8 % of the night.
2. *Bed spans* separated by 1-3 *bathroom trips* (sit up, sit on the edge, walk, stand or sit,
   walk back, sit, lie down; a few minutes each; fewer trips in short nights).
3. *Morning*: sit up, sit, walk, stand. At most 8 % of the night.

Inside a bed span the leg lies still in one posture (supine / left / right / prone, nominal roll
0 / +90 / -90 / 180 deg plus a per-episode offset N(0, ``roll_jitter_deg``), incline of the shank
``lying_incline_deg`` above horizontal) between *posture changes* (turn-overs: a 2-6 s rotation of
the leg about its long axis by 90-180 deg, a lift of the knee of 5-25 deg and 80-400 mg of
0.3-5 Hz movement; a few per hour). Posture changes are not LMs. Getting up and lying down are part
of the upright periods (``GroundTruth.upright``), not posture changes.

Leg movements (PLM disorder model)
----------------------------------
Episodes are drawn per hour of bed time (Poisson): *periodic series* (4-60 LMs, lognormal length
around ``series_length_median``; a per-series base IMI, lognormal around ``imi_median_s``
(~20-40 s, Ferri et al. 2006 report the RLS IMI peak at 15-30 s), clipped to 12-80 s, each IMI
jittered by ``imi_jitter`` and clipped to 12-88 s, so every IMI is inside the WASM 10-90 s window
even after a 1.5 s bilateral shift); *isolated* LMs; *clusters* of 2-3 LMs with IMI 3-9.5 s (short
interval peak of RLS); and *long* movements of 10.5-30 s (never CLMs). Every LM of the other kinds
lasts 0.5-10 s (lognormal, median ``lm_duration_median_s``, typically 1.5-5 s; within a series or a
cluster at most IMI - 3 s, so the quiet gap before the next onset is >= 3 s).

To keep the truth unambiguous under the scoring rules, episodes are separated by more than 95 s
(last offset to next onset) and kept 50 s from the ends of bed spans, so isolated LMs never chain
into unlabelled series, clusters and long LMs never extend a series, and a series never continues
across a bathroom trip. Posture changes are placed only in the free time between episodes. Hence
the movements in PLM series are exactly those of kind ``"periodic"`` under WASM 2016 and, since
clusters have at most 3 movements, under AASM (IMI 5-90 s) too (``cluster_size`` above 3 breaks
this for AASM). Movements of one episode share 60 % of the log-variance of their peak amplitude.

Waveform of one LM: knee/hip flexion with ankle dorsiflexion tilts the shank transiently: the
elevation changes by ``lm_rotation_deg_median`` (lognormal, a few degrees) and the roll by up to
40 % of that, rising over the first ~0.2-0.5 s and returning at the end. On top comes band-limited
(0.5-8 Hz) linear acceleration, mostly anterior, then along the shank, little lateral, shaped by an
envelope that rises in 0.08-0.25 s and decays in 0.2-0.6 s, modulated by +-20 %. Its peak vector
magnitude is ``peak_mg`` (lognormal with median ``peak_median_mg`` and log-SD ``peak_sigma``, at
least ``peak_min_mg``): 30-150 mg for ordinary movements, down to 10-20 mg in the hard preset.
Figures: PAM-RL uses 200/100 mg onset/offset thresholds on 0.3-20 Hz, other ankle studies
15-30 mg (see ``shared/docs/scoring-rules.md``); a few degrees of rotation give 20-90 mg of
gravity change. The truth's ``peak_mg`` is the peak of the linear part only.

*Onset and offset* in the truth are where the movement's envelope starts and ends (on the sample
grid). A threshold detector finds the onset up to ~0.1-0.25 s later (the rise) and the offset up to
~0.2-0.6 s earlier (the decay), more for weak movements; compare with a tolerance.

*Bursts*: a fraction ``burst_fraction`` of LMs (>= 1.2 s) consist of 2-3 sub-bursts separated by
silent gaps of 0.08-0.25 s with sharp (30-80 ms) edges next to the gaps, so the signal stays below
15 % of the movement's peak for less than the 0.5 s the offset rule needs (the band-limited carrier
itself has a crest factor of about 3, so a threshold near the typical amplitude may still split a
weak movement: that is part of the challenge). The scoring rules merge them;
the truth lists **one** movement from the onset of the first burst to the offset of the last, with
one ``peak_mg`` (the largest burst). The slow rotation spans the whole movement.

*Twitches* (``twitch_per_h``): 0.1-0.3 s jerks of 15-80 mg; shorter than 0.5 s they are not LMs
under any rule set. They are in ``GroundTruth.twitches``, not in ``movements``, so a detector that
scores them is wrong.

Walking at the ankle
--------------------
Stride (per-leg step) frequency ``walk_cadence_hz`` 0.8-1.1 Hz (0.87 Hz in the Daphnet ankle
recording in ``shared/data``), shank swing +-20-30 deg around a 3-8 deg forward lean, with a second
harmonic. The linear acceleration follows the swing: tangential ``-L theta''`` (L = 0.4 m, knee to
band) and centripetal ``L theta'^2``; the lift of the foot during swing (the last 40 % of the
stride, 5-10 cm, raised cosine: +-0.6-1.2 g vertical); a heel strike per stride when the ankle is
furthest forward (damped 10-13 Hz oscillation, 0.8-2.2 g along the shank); 0.05-0.15 g lateral
wobble; 0.08-0.2 g of broadband (1-12 Hz) irregularity; +-10 % stride-to-stride swing variation and
a wandering stride phase, so that the autocorrelation at one stride is about 0.65-0.85 (0.4-0.5 in
the Daphnet recording of Parkinson's patients). The magnitude then spans about 0.3-3 g, as in the
Daphnet ankle recording (1st, 5th, 95th and 99th percentiles 0.31, 0.56, 2.2 and 3.7 g). Standing
sways 1-2 deg at 0.05-0.5 Hz; sitting tilts the shank 0-25 deg from vertical.

Sensor
------
Per-axis offset uniform in +-``offset_mg_max`` (typical MEMS zero-g offsets are +-20-90 mg), scale
``1 + U(+-scale_error_max)`` (1-4 %), optional slow drift (ramp plus one slow sinusoid, peak about
``drift_mg``, zero mean over the night, so ``offset_g`` is the mean offset), white noise of SD
``noise_mg`` per axis (LIS3DH/BMA400-class parts: 1.5-6 mg rms at 50 Hz), quantisation to
``lsb_g = 2 * range_g / 2**resolution_bits`` and saturation at the full scale. ``range_g`` must be a
power of two so that ``lsb_g`` is one and ``counts * lsb_g`` is exact in float32. The default,
14 bits at +-8 g (0.98 mg per count), is what low-power wearable parts give (LIS2DW12 in its 14-bit
mode; 12-bit parts such as the BMA400, ADXL362 or the AX3's ADXL345 give 3.9 mg): finer counts would
only store more of the sensor's own noise.

The band's orientation on the leg (new each night): strap angle around the shank uniform in
+-``band_strap_deg_max``, in-plane yaw of the board uniform in +-``band_yaw_deg_max`` (so no sensor
axis is guaranteed to run along the shank) and a taper tilt N(0, ``band_tilt_deg_sd``).

Not modelled
------------
Sleep stages, arousals and respiratory events (no truth for PLMS vs PLMW or respiratory-related
LMs); short-IMI movements inside a series (an intrusion would end a WASM series); slow leg drift
while lying; cross-axis sensitivity and temperature dependence of the sensor; data loss (the
simulated band injects faults on its own).

Determinism and cost
--------------------
Everything is drawn from ``numpy.random.default_rng(seed)``: the same configuration and seed give
bit-identical counts. Loops run over events, never over samples; an 8 h night at 50 Hz
(1.44 M samples) takes well under 2 s and about 100 MB at peak.

Example
-------
>>> from firmware_host.signal_model import night_config, simulate_night
>>> night = simulate_night(night_config("ordinary", duration_s=1200.0), seed=3)
>>> night.counts.shape, night.counts.dtype.name, night.lsb_g
((60000, 3), 'int16', 0.0009765625)
>>> bool((night.truth.movements.offset_s > night.truth.movements.onset_s).all())
True
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BED_EDGE_GUARD_S",
    "LM_EPISODE_GUARD_S",
    "MOVEMENT_KINDS",
    "POSTURE_ROLL_DEG",
    "GroundTruth",
    "Intervals",
    "LyingPeriods",
    "NightConfig",
    "SimulatedNight",
    "TrueMovements",
    "UprightPeriods",
    "night_config",
    "simulate_bilateral_night",
    "simulate_night",
]

logger = logging.getLogger(__name__)

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

POSTURE_ROLL_DEG: dict[str, float] = {"supine": 0.0, "left": 90.0, "right": -90.0, "prone": 180.0}
"""Nominal roll of the shank about its long axis in each lying posture (deg)."""

MOVEMENT_KINDS = ("isolated", "periodic", "cluster", "long")
"""Values of ``TrueMovements.kind``."""

LM_EPISODE_GUARD_S = 95.0
"""Quiet time between LM episodes (last offset to next onset), so nothing chains into a series."""

BED_EDGE_GUARD_S = 50.0
"""Quiet time between the ends of a bed span and its first/last LM."""

_G_M_S2 = 9.80665
_SHANK_LEVER_M = 0.4
_POSTURES = ("supine", "left", "right", "prone")
_POSTURE_WEIGHTS = np.array([0.4, 0.25, 0.25, 0.1])


# --------------------------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class NightConfig:
    """Parameters of a simulated night. Defaults give an ordinary 8 h night at 50 Hz.

    Rates are per hour of bed time; ranges are ``(low, high)`` tuples drawn uniformly unless
    stated otherwise. See the module docstring for the model and where the values come from.
    """

    duration_s: float = 8 * 3600.0
    fs_hz: float = 50.0
    range_g: float = 8.0
    resolution_bits: int = 14
    # sensor
    noise_mg: float = 4.0
    offset_mg_max: float = 30.0
    scale_error_max: float = 0.02
    drift_mg: float = 3.0
    band_strap_deg_max: float = 180.0
    band_yaw_deg_max: float = 180.0
    band_tilt_deg_sd: float = 6.0
    # leg movements
    plm_series_per_h: float = 1.5
    series_length_median: float = 12.0
    series_length_range: tuple[int, int] = (4, 60)
    imi_median_s: float = 26.0
    imi_sigma: float = 0.3
    imi_jitter: float = 0.12
    isolated_lm_per_h: float = 6.0
    cluster_per_h: float = 1.0
    cluster_size: tuple[int, int] = (2, 3)
    long_lm_per_h: float = 0.3
    long_duration_s: tuple[float, float] = (10.5, 30.0)
    lm_duration_median_s: float = 2.5
    lm_duration_sigma: float = 0.45
    peak_median_mg: float = 70.0
    peak_sigma: float = 0.5
    peak_min_mg: float = 20.0
    burst_fraction: float = 0.15
    lm_rotation_deg_median: float = 3.0
    twitch_per_h: float = 2.0
    # posture
    turnover_per_h: float = 3.0
    turnover_duration_s: tuple[float, float] = (2.0, 6.0)
    turnover_peak_mg: tuple[float, float] = (80.0, 400.0)
    lying_incline_deg: tuple[float, float] = (0.0, 20.0)
    roll_jitter_deg: float = 15.0
    # upright periods
    prelude_s: tuple[float, float] = (180.0, 420.0)
    morning_s: tuple[float, float] = (120.0, 300.0)
    bathroom_trips: tuple[int, int] = (1, 3)
    bathroom_trip_s: tuple[float, float] = (120.0, 360.0)
    walk_cadence_hz: tuple[float, float] = (0.8, 1.1)
    walk_swing_deg: tuple[float, float] = (20.0, 30.0)

    def __post_init__(self) -> None:
        _check(self.duration_s >= 120.0, "duration_s", "at least 120 s", self.duration_s)
        _check(10.0 <= self.fs_hz <= 1000.0, "fs_hz", "in 10..1000 Hz", self.fs_hz)
        _check(
            8 <= self.resolution_bits <= 16 and int(self.resolution_bits) == self.resolution_bits,
            "resolution_bits",
            "an integer in 8..16",
            self.resolution_bits,
        )
        mant, _ = math.frexp(self.range_g)
        _check(
            self.range_g >= 1.0 and mant == 0.5,
            "range_g",
            "a power of two >= 1 (2, 4, 8, 16 g ...)",
            self.range_g,
        )
        for name in (
            "noise_mg",
            "offset_mg_max",
            "scale_error_max",
            "drift_mg",
            "band_tilt_deg_sd",
            "plm_series_per_h",
            "isolated_lm_per_h",
            "cluster_per_h",
            "long_lm_per_h",
            "twitch_per_h",
            "turnover_per_h",
            "roll_jitter_deg",
            "imi_sigma",
            "imi_jitter",
            "lm_duration_sigma",
            "peak_sigma",
            "lm_rotation_deg_median",
        ):
            value = getattr(self, name)
            _check(math.isfinite(value) and value >= 0.0, name, "finite and >= 0", value)
        _check(0.0 <= self.burst_fraction <= 1.0, "burst_fraction", "in 0..1", self.burst_fraction)
        _check(self.scale_error_max < 0.5, "scale_error_max", "below 0.5", self.scale_error_max)
        _check(
            0.0 <= self.band_strap_deg_max <= 180.0 and 0.0 <= self.band_yaw_deg_max <= 180.0,
            "band_strap_deg_max/band_yaw_deg_max",
            "in 0..180 deg",
            (self.band_strap_deg_max, self.band_yaw_deg_max),
        )
        _check(
            self.series_length_median >= 4.0,
            "series_length_median",
            ">= 4",
            self.series_length_median,
        )
        _check(10.0 <= self.imi_median_s <= 90.0, "imi_median_s", "in 10..90 s", self.imi_median_s)
        _check(
            0.5 <= self.lm_duration_median_s <= 10.0,
            "lm_duration_median_s",
            "in 0.5..10 s",
            self.lm_duration_median_s,
        )
        _check(self.peak_median_mg > 0.0, "peak_median_mg", "> 0", self.peak_median_mg)
        _check(self.peak_min_mg > 0.0, "peak_min_mg", "> 0", self.peak_min_mg)
        _range(self.series_length_range, "series_length_range", 4, 200)
        _range(self.cluster_size, "cluster_size", 2, 10)
        _range(self.long_duration_s, "long_duration_s", 10.01, 120.0)
        _range(self.turnover_duration_s, "turnover_duration_s", 0.5, 30.0)
        _range(self.turnover_peak_mg, "turnover_peak_mg", 0.0, 3000.0)
        _range(self.lying_incline_deg, "lying_incline_deg", -30.0, 45.0)
        _range(self.prelude_s, "prelude_s", 0.0, 7200.0)
        _range(self.morning_s, "morning_s", 0.0, 7200.0)
        _range(self.bathroom_trips, "bathroom_trips", 0, 10)
        _range(self.bathroom_trip_s, "bathroom_trip_s", 10.0, 3600.0)
        _range(self.walk_cadence_hz, "walk_cadence_hz", 0.3, 2.0)
        _range(self.walk_swing_deg, "walk_swing_deg", 0.0, 60.0)

    @property
    def lsb_g(self) -> float:
        """Weight of one count in g: ``2 * range_g / 2**resolution_bits`` (a power of two)."""
        return 2.0 * self.range_g / float(2**self.resolution_bits)


def _check(ok: bool, name: str, allowed: str, given: object) -> None:
    if not ok:
        raise ValueError(f"{name} must be {allowed}; got {given!r}")


def _range(pair: Sequence[float], name: str, low: float, high: float) -> None:
    ok = (
        len(pair) == 2
        and all(math.isfinite(float(v)) for v in pair)
        and low <= pair[0] <= pair[1] <= high
    )
    _check(ok, name, f"a (low, high) pair with {low} <= low <= high <= {high}", pair)


_PRESETS: dict[str, dict[str, Any]] = {
    "easy": dict(
        noise_mg=2.0,
        offset_mg_max=15.0,
        scale_error_max=0.01,
        drift_mg=0.0,
        plm_series_per_h=1.5,
        isolated_lm_per_h=4.0,
        cluster_per_h=0.3,
        long_lm_per_h=0.1,
        peak_median_mg=110.0,
        peak_sigma=0.35,
        peak_min_mg=45.0,
        burst_fraction=0.05,
        lm_duration_median_s=2.5,
        lm_duration_sigma=0.35,
        imi_jitter=0.08,
        twitch_per_h=0.0,
        turnover_per_h=2.0,
        roll_jitter_deg=10.0,
    ),
    "ordinary": {},
    "hard": dict(
        noise_mg=8.0,
        offset_mg_max=60.0,
        scale_error_max=0.04,
        drift_mg=10.0,
        plm_series_per_h=2.5,
        isolated_lm_per_h=10.0,
        cluster_per_h=3.0,
        long_lm_per_h=1.0,
        peak_median_mg=35.0,
        peak_sigma=0.8,
        peak_min_mg=10.0,
        burst_fraction=0.3,
        lm_duration_sigma=0.6,
        imi_sigma=0.4,
        imi_jitter=0.2,
        lm_rotation_deg_median=2.0,
        twitch_per_h=8.0,
        turnover_per_h=6.0,
        roll_jitter_deg=25.0,
        band_tilt_deg_sd=10.0,
    ),
    "none": dict(
        plm_series_per_h=0.0,
        isolated_lm_per_h=0.0,
        cluster_per_h=0.0,
        long_lm_per_h=0.0,
        twitch_per_h=0.0,
    ),
}


def night_config(difficulty: str = "ordinary", **overrides: Any) -> NightConfig:
    """Make a :class:`NightConfig` from a preset, with overrides.

    Parameters
    ----------
    difficulty : {"easy", "ordinary", "hard", "none"}
        ``"easy"``: strong movements (~110 mg), low noise (2 mg), few clusters, long LMs and posture
        changes. ``"ordinary"``: the defaults of :class:`NightConfig` (LMs ~70 mg, noise 4 mg).
        ``"hard"``: noise 8 mg, weak movements (median 35 mg, some at 10-20 mg), more clusters, long
        LMs, bursts, twitches and posture changes, larger sensor errors and drift. ``"none"``: an
        ordinary night with no leg movements (and no twitches) at all; posture changes and walking
        remain.
    **overrides
        Any field of :class:`NightConfig`, e.g. ``duration_s=1800.0``.

    Returns
    -------
    NightConfig

    Raises
    ------
    ValueError
        If ``difficulty`` is not a preset, an override is not a field, or a value is out of range.

    Examples
    --------
    >>> night_config("hard", duration_s=1800.0).noise_mg
    8.0
    """
    if difficulty not in _PRESETS:
        raise ValueError(f"difficulty must be one of {sorted(_PRESETS)}; got {difficulty!r}")
    names = {f.name for f in dataclasses.fields(NightConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown NightConfig field(s) {unknown}; allowed: {sorted(names)}")
    return NightConfig(**{**_PRESETS[difficulty], **overrides})


# --------------------------------------------------------------------------------------------
# ground truth and result


@dataclass(frozen=True)
class TrueMovements:
    """The true leg movements of one leg, sorted by onset.

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (m,)
        Start and end of each movement (s from the start of the recording, on the sample grid).
        A burst movement (sub-bursts with gaps < 0.5 s) is one movement from the first onset to the
        last offset.
    peak_mg : ndarray of float64, shape (m,)
        Peak magnitude of the linear (dynamic) acceleration of the movement (mg), without the
        gravity change caused by the shank's rotation.
    kind : ndarray of str, shape (m,)
        ``"isolated"``, ``"periodic"``, ``"cluster"`` (IMI < 10 s) or ``"long"`` (> 10 s).
    series_id : ndarray of int64, shape (m,)
        Index of the periodic series the movement belongs to, -1 for the other kinds.
    bilateral : ndarray of bool, shape (m,)
        True where the other leg moved too (only in :func:`simulate_bilateral_night`).
    """

    onset_s: F64
    offset_s: F64
    peak_mg: F64
    kind: NDArray[np.str_]
    series_id: NDArray[np.int64]
    bilateral: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.onset_s.size)

    @property
    def duration_s(self) -> F64:
        """Duration of each movement (s)."""
        return self.offset_s - self.onset_s


@dataclass(frozen=True)
class Intervals:
    """Time intervals ``[onset_s, offset_s)`` (s), sorted (posture changes, twitches)."""

    onset_s: F64
    offset_s: F64

    def __len__(self) -> int:
        return int(self.onset_s.size)


@dataclass(frozen=True)
class LyingPeriods:
    """Lying periods in one posture, ``[start_s, end_s)``; together they tile the time in bed.

    Consecutive periods meet at the middle of the posture change between them.

    Attributes
    ----------
    start_s, end_s : ndarray of float64, shape (p,)
    posture : ndarray of str, shape (p,)
        ``"supine"``, ``"left"``, ``"right"`` or ``"prone"``.
    roll_deg : ndarray of float64, shape (p,)
        Roll of the shank about its long axis (deg; nominal posture roll plus the episode's offset).
    incline_deg : ndarray of float64, shape (p,)
        Elevation of the ankle->knee axis above horizontal (deg) at rest.
    """

    start_s: F64
    end_s: F64
    posture: NDArray[np.str_]
    roll_deg: F64
    incline_deg: F64

    def __len__(self) -> int:
        return int(self.start_s.size)


@dataclass(frozen=True)
class UprightPeriods:
    """Upright (out of bed) periods, ``[start_s, end_s)``, split by activity.

    Getting up from the bed and lying down belong to the sitting period next to them.

    Attributes
    ----------
    start_s, end_s : ndarray of float64, shape (q,)
    walking : ndarray of bool, shape (q,)
    posture : ndarray of str, shape (q,)
        ``"sitting"``, ``"standing"`` or ``"walking"``.
    """

    start_s: F64
    end_s: F64
    walking: NDArray[np.bool_]
    posture: NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.start_s.size)


@dataclass(frozen=True)
class GroundTruth:
    """What really happened at one ankle during a simulated night.

    Attributes
    ----------
    movements : TrueMovements
        Leg movements of this leg (never overlapping each other, posture changes or upright time).
    posture_changes : Intervals
        Turn-overs in bed (not LMs).
    twitches : Intervals
        Jerks shorter than 0.5 s (not LMs under any rule set).
    lying : LyingPeriods
    upright : UprightPeriods
    shank_axis : ndarray of float64, shape (3,)
        Unit vector along the shank (ankle -> knee) in the sensor frame.
    rotation : ndarray of float64, shape (3, 3)
        Columns: the sensor axes in the leg frame (x ankle->knee, z anterior); ``sensor = leg @ R``
        for row vectors. ``shank_axis == rotation[0]``.
    offset_g : ndarray of float64, shape (3,)
        Mean zero-g offset added per sensor axis (g).
    scale : ndarray of float64, shape (3,)
        Gain per sensor axis (1 + error); ``reading = scale * true + offset + drift + noise``.
        In the van Hees convention ``true = (reading + o) * s`` the ideal corrections are
        ``o = -offset_g / scale`` and ``s = 1 / scale``.
    drift_peak_g : float
        Largest absolute drift about ``offset_g`` (g), 0 without drift.
    leg : str
        ``"left"`` or ``"right"``.
    """

    movements: TrueMovements
    posture_changes: Intervals
    twitches: Intervals
    lying: LyingPeriods
    upright: UprightPeriods
    shank_axis: F64
    rotation: F64
    offset_g: F64
    scale: F64
    drift_peak_g: float
    leg: str

    def in_bed_s(self) -> float:
        """Total lying time (s), posture changes in bed included."""
        return float(np.sum(self.lying.end_s - self.lying.start_s))


@dataclass(frozen=True)
class SimulatedNight:
    """A simulated recording from one ankle band and its ground truth.

    Attributes
    ----------
    counts : ndarray of int16, shape (n, 3)
        Raw sensor counts, sensor axes.
    lsb_g : float
        g per count (a power of two).
    fs_hz : float
        Sampling rate (Hz).
    config : NightConfig
    truth : GroundTruth
    seed : int
        The seed the night was made with.
    """

    counts: NDArray[np.int16]
    lsb_g: float
    fs_hz: float
    config: NightConfig
    truth: GroundTruth
    seed: int = field(default=0)

    @property
    def accel_g(self) -> F32:
        """Acceleration in g, ``counts * lsb_g`` as float32 (exact), shape (n, 3)."""
        return self.counts.astype(np.float32) * np.float32(self.lsb_g)

    @property
    def duration_s(self) -> float:
        """Length of the recording (s)."""
        return self.counts.shape[0] / self.fs_hz


# --------------------------------------------------------------------------------------------
# the plan of a night (subject level, shared by both legs)


@dataclass
class _Seg:
    kind: str  # lying | turn | sit | stand | walk | rise | liedown
    start_s: float
    end_s: float
    posture: str = ""
    roll_deg: float = 0.0
    incline_deg: float = 0.0


@dataclass
class _Event:
    onset_s: float
    offset_s: float
    peak_mg: float
    kind: str
    series_id: int
    bursts: list[tuple[float, float]]  # relative (start, end) of sub-bursts
    rotation_deg: float
    leg: str = "L"  # L, R or B (both)
    lead: str = "L"  # the leg that starts first when bilateral


@dataclass
class _Plan:
    segments: list[_Seg]
    events: list[_Event]
    twitches: list[tuple[float, float, str]]
    turnovers: list[tuple[float, float]]


def _lognormal(rng: np.random.Generator, median: float, sigma: float, size: int = 1) -> F64:
    return np.asarray(median * np.exp(sigma * rng.standard_normal(size)), dtype=np.float64)


def _split(rng: np.random.Generator, total: float, weights: Sequence[float]) -> F64:
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(rng.dirichlet(w * 12.0) * total, dtype=np.float64)


def _upright_routine(
    rng: np.random.Generator, start_s: float, total_s: float, which: str
) -> list[_Seg]:
    """Sub-segments of an upright period starting at ``start_s`` and lasting ``total_s``."""
    if which == "prelude":
        kinds = ["walk", "stand", "walk", "sit", "liedown"]
        weights = [0.35, 0.15, 0.15, 0.35, 0.0]
    elif which == "trip":
        middle = "stand" if rng.random() < 0.5 else "sit"
        kinds = ["rise", "sit", "walk", middle, "walk", "sit", "liedown"]
        weights = [0.0, 0.12, 0.2, 0.36, 0.2, 0.12, 0.0]
    else:
        kinds = ["rise", "sit", "walk", "stand"]
        weights = [0.0, 0.2, 0.5, 0.3]
    trans_s = float(min(rng.uniform(1.5, 3.0), 0.05 * total_s))
    n_trans = sum(k in ("rise", "liedown") for k in kinds)
    rest = total_s - n_trans * trans_s
    parts = _split(rng, rest, [w for w in weights if w > 0])
    out: list[_Seg] = []
    t = start_s
    j = 0
    for kind in kinds:
        if kind in ("rise", "liedown"):
            length = trans_s
        else:
            length = float(parts[j])
            j += 1
        out.append(_Seg(kind, t, t + length))
        t += length
    out[-1].end_s = start_s + total_s
    return out


def _series_times(rng: np.random.Generator, config: NightConfig, n_mov: int) -> tuple[F64, F64]:
    """Relative onsets and durations of a periodic series of ``n_mov`` movements."""
    base = float(np.clip(_lognormal(rng, config.imi_median_s, config.imi_sigma)[0], 12.0, 80.0))
    imi = base * (1.0 + config.imi_jitter * rng.standard_normal(n_mov - 1))
    imi = np.clip(imi, 12.0, 88.0)
    onsets = np.concatenate([[0.0], np.cumsum(imi)])
    dur = _lognormal(rng, config.lm_duration_median_s, config.lm_duration_sigma, n_mov)
    room = np.append(imi - 3.0, 10.0)
    dur = np.clip(dur, 0.5, np.minimum(10.0, room))
    return onsets, dur


def _make_bursts(
    rng: np.random.Generator, duration_s: float, burst_fraction: float
) -> list[tuple[float, float]]:
    if duration_s < 1.2 or rng.random() >= burst_fraction:
        return [(0.0, duration_s)]
    n_parts = int(rng.integers(2, 4)) if duration_s >= 2.0 else 2
    gaps = rng.uniform(0.08, 0.25, n_parts - 1)
    active = duration_s - gaps.sum()
    if active < 0.3 * n_parts:
        return [(0.0, duration_s)]
    lengths = rng.dirichlet(np.full(n_parts, 4.0)) * active
    lengths = np.maximum(lengths, 0.15)
    lengths *= active / lengths.sum()
    out: list[tuple[float, float]] = []
    t = 0.0
    for k in range(n_parts):
        out.append((t, t + float(lengths[k])))
        t += float(lengths[k]) + (float(gaps[k]) if k < n_parts - 1 else 0.0)
    out[-1] = (out[-1][0], duration_s)
    return out


def _episodes(rng: np.random.Generator, config: NightConfig, hours: float) -> list[list[_Event]]:
    """LM episodes (each a list of events with onsets relative to the episode start)."""
    episodes: list[list[_Event]] = []

    def peaks(n: int) -> F64:
        # movements of one episode resemble each other: 60 % of the log-variance is shared
        shared = config.peak_sigma * math.sqrt(0.6) * float(rng.standard_normal())
        p = _lognormal(rng, config.peak_median_mg, config.peak_sigma * math.sqrt(0.4), n)
        return np.clip(p * math.exp(shared), config.peak_min_mg, 1500.0)

    def rotations(n: int) -> F64:
        return np.clip(_lognormal(rng, config.lm_rotation_deg_median, 0.5, n), 0.0, 15.0)

    def build(kind: str, onsets: F64, durs: F64, sid: int) -> list[_Event]:
        pk = peaks(onsets.size)
        rot = rotations(onsets.size)
        return [
            _Event(
                float(on),
                float(on + d),
                float(p),
                kind,
                sid,
                _make_bursts(rng, float(d), config.burst_fraction),
                float(r),
            )
            for on, d, p, r in zip(onsets, durs, pk, rot, strict=True)
        ]

    lo_len, hi_len = config.series_length_range
    for _ in range(rng.poisson(config.plm_series_per_h * hours)):
        n_mov = int(
            np.clip(round(_lognormal(rng, config.series_length_median, 0.6)[0]), lo_len, hi_len)
        )
        onsets, durs = _series_times(rng, config, n_mov)
        episodes.append(build("periodic", onsets, durs, -2))  # id assigned when placed
    for _ in range(rng.poisson(config.isolated_lm_per_h * hours)):
        d = np.clip(
            _lognormal(rng, config.lm_duration_median_s, config.lm_duration_sigma), 0.5, 10.0
        )
        episodes.append(build("isolated", np.zeros(1), d, -1))
    lo_c, hi_c = config.cluster_size
    for _ in range(rng.poisson(config.cluster_per_h * hours)):
        n_mov = int(rng.integers(lo_c, hi_c + 1))
        imi = rng.uniform(3.0, 9.5, n_mov - 1)
        onsets = np.concatenate([[0.0], np.cumsum(imi)])
        durs = _lognormal(rng, 1.5, 0.4, n_mov)
        durs = np.clip(durs, 0.5, np.append(imi - 2.5, 10.0))
        episodes.append(build("cluster", onsets, durs, -1))
    for _ in range(rng.poisson(config.long_lm_per_h * hours)):
        d = np.array([rng.uniform(*config.long_duration_s)])
        episodes.append(build("long", np.zeros(1), d, -1))
    order = rng.permutation(len(episodes))
    return [episodes[i] for i in order]


def _place_episodes(
    rng: np.random.Generator,
    episodes: list[list[_Event]],
    start_s: float,
    end_s: float,
    next_series: list[int],
) -> list[_Event]:
    """Pack episodes into ``[start_s, end_s)`` with the guards; drop or cut what does not fit."""
    available = end_s - start_s - 2 * BED_EDGE_GUARD_S
    kept: list[list[_Event]] = []
    used = 0.0
    for ep in episodes:
        need = LM_EPISODE_GUARD_S if kept else 0.0
        span = ep[-1].offset_s
        if used + need + span <= available:
            kept.append(ep)
            used += need + span
        elif ep[0].kind == "periodic":
            room = available - used - need
            fit = [k for k, ev in enumerate(ep) if ev.offset_s <= room]
            if len(fit) >= 4:
                ep = ep[: fit[-1] + 1]
                kept.append(ep)
                used += need + ep[-1].offset_s
    if not kept:
        return []
    slack = max(available - used, 0.0)
    gaps = rng.dirichlet(np.ones(len(kept) + 1)) * slack
    t = start_s + BED_EDGE_GUARD_S
    out: list[_Event] = []
    for k, ep in enumerate(kept):
        t += float(gaps[k]) + (LM_EPISODE_GUARD_S if k else 0.0)
        sid = -1
        if ep[0].kind == "periodic":
            sid = next_series[0]
            next_series[0] += 1
        for ev in ep:
            ev.onset_s += t
            ev.offset_s += t
            ev.series_id = sid
            out.append(ev)
        t = ep[-1].offset_s
    return out


def _place_turnovers(
    rng: np.random.Generator,
    config: NightConfig,
    events: list[_Event],
    start_s: float,
    end_s: float,
) -> list[tuple[float, float]]:
    """Posture changes in the free time between LM episodes of a bed span."""
    n = int(rng.poisson(config.turnover_per_h * (end_s - start_s) / 3600.0))
    if n == 0:
        return []
    margin = 5.0
    lo = [start_s + 30.0] + [ev.offset_s + margin for ev in events]
    hi = [ev.onset_s - margin for ev in events] + [end_s - 30.0]
    free = [(a, b) for a, b in zip(lo, hi, strict=True) if b - a > 10.0]
    if not free:
        return []
    chosen: list[tuple[float, float]] = []
    for _ in range(4 * n):
        if len(chosen) >= n:
            break
        dur = float(rng.uniform(*config.turnover_duration_s))
        lengths = np.array([max(b - a - dur, 0.0) for a, b in free])
        if lengths.sum() <= 0.0:
            break
        k = int(rng.choice(len(free), p=lengths / lengths.sum()))
        t0 = free[k][0] + float(rng.uniform(0.0, lengths[k]))
        if all(t0 + dur + 60.0 < c0 or t0 > c1 + 60.0 for c0, c1 in chosen):
            chosen.append((t0, t0 + dur))
    return sorted(chosen)


def _next_posture(rng: np.random.Generator, previous: str | None) -> str:
    w = _POSTURE_WEIGHTS.copy()
    if previous is not None:
        w[_POSTURES.index(previous)] = 0.0
    return str(_POSTURES[int(rng.choice(len(_POSTURES), p=w / w.sum()))])


def _plan_night(config: NightConfig, rng: np.random.Generator, bilateral_fraction: float) -> _Plan:
    dur = config.duration_s
    prelude = min(float(rng.uniform(*config.prelude_s)), 0.08 * dur)
    morning = min(float(rng.uniform(*config.morning_s)), 0.08 * dur)
    n_trips = int(rng.integers(config.bathroom_trips[0], config.bathroom_trips[1] + 1))
    if dur < 6 * 3600.0:
        n_trips = int(rng.binomial(n_trips, dur / (8 * 3600.0)))
    trips = [min(float(rng.uniform(*config.bathroom_trip_s)), 0.1 * dur) for _ in range(n_trips)]
    bed_total = dur - prelude - morning - sum(trips)
    spans = rng.dirichlet(np.full(n_trips + 1, 4.0)) * bed_total

    segments: list[_Seg] = []
    events: list[_Event] = []
    turnovers: list[tuple[float, float]] = []
    twitches: list[tuple[float, float, str]] = []
    next_series = [0]
    posture: str | None = None

    t = 0.0
    if prelude > 0.0:
        segments += _upright_routine(rng, t, prelude, "prelude")
    t = prelude
    for k, span in enumerate(spans):
        a, b = t, t + float(span)
        hours = (b - a) / 3600.0
        eps = _episodes(rng, config, hours)
        evs = _place_episodes(rng, eps, a, b, next_series)
        turns = _place_turnovers(rng, config, evs, a, b)
        # lying segments and turn-overs
        bounds = [a] + [x for tt in turns for x in tt] + [b]
        for j in range(len(turns) + 1):
            posture = _next_posture(rng, posture)
            roll = POSTURE_ROLL_DEG[posture] + config.roll_jitter_deg * float(rng.standard_normal())
            incline = float(rng.uniform(*config.lying_incline_deg))
            segments.append(_Seg("lying", bounds[2 * j], bounds[2 * j + 1], posture, roll, incline))
            if j < len(turns):
                segments.append(_Seg("turn", turns[j][0], turns[j][1]))
        events += evs
        turnovers += turns
        # twitches in quiet time
        n_tw = int(rng.poisson(config.twitch_per_h * hours))
        busy = [(ev.onset_s, ev.offset_s) for ev in evs] + turns
        for _ in range(n_tw):
            t0 = float(rng.uniform(a + 5.0, max(b - 5.0, a + 5.0)))
            d = float(rng.uniform(0.1, 0.3))
            if all(t0 + d + 3.0 < s0 or t0 > s1 + 3.0 for s0, s1 in busy):
                busy.append((t0, t0 + d))
                twitches.append((t0, t0 + d, "L" if rng.random() < 0.5 else "R"))
        t = b
        if k < n_trips:
            segments += _upright_routine(rng, t, trips[k], "trip")
            t += trips[k]
            posture = None
    segments += _upright_routine(rng, t, dur - t, "morning")

    for ev in events:
        ev.lead = "L" if rng.random() < 0.5 else "R"
        ev.leg = "B" if rng.random() < bilateral_fraction else ev.lead
    return _Plan(segments, events, sorted(twitches), turnovers)


# --------------------------------------------------------------------------------------------
# rendering one band


def _smoothstep(x: F32) -> F32:
    """Minimum-jerk step, 0 -> 1 on x in [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    return np.asarray(x * x * x * (10.0 + x * (-15.0 + 6.0 * x)), dtype=np.float32)


def _bandlimited(
    rng: np.random.Generator, n: int, fs_hz: float, low_hz: float, high_hz: float, ndim: int = 3
) -> F32:
    """Gaussian noise band-limited to ``[low_hz, high_hz]`` (smooth edges), unit RMS per column."""
    pad = int(fs_hz)
    m = n + 2 * pad
    spec = np.fft.rfft(rng.standard_normal((m, ndim)), axis=0)
    f = np.fft.rfftfreq(m, 1.0 / fs_hz)
    gain = 1.0 / (1.0 + (low_hz / np.maximum(f, 1e-9)) ** 4) / (1.0 + (f / high_hz) ** 4)
    x = np.fft.irfft(spec * gain[:, None], n=m, axis=0)[pad : pad + n]
    rms = np.sqrt(np.mean(x * x, axis=0))
    return np.asarray(x / np.where(rms > 0.0, rms, 1.0), dtype=np.float32)


def _envelope(
    rng: np.random.Generator, n: int, fs_hz: float, bursts: list[tuple[float, float]]
) -> F32:
    """Amplitude envelope of a movement: rise, sustain with modulation, decay; zero in gaps."""
    t = (np.arange(n, dtype=np.float32) + 0.5) / np.float32(fs_hz)
    env = np.zeros(n, dtype=np.float32)
    last = len(bursts) - 1
    for k, (b0, b1) in enumerate(bursts):
        d = b1 - b0
        # the edges next to a gap inside a burst movement are sharp
        rise = min(float(rng.uniform(0.08, 0.25) if k == 0 else rng.uniform(0.03, 0.08)), 0.35 * d)
        decay = min(
            float(rng.uniform(0.2, 0.6) if k == last else rng.uniform(0.03, 0.08)), 0.45 * d
        )
        up = _smoothstep((t - b0) / np.float32(rise))
        down = _smoothstep((b1 - t) / np.float32(decay))
        level = float(rng.uniform(0.7, 1.0))
        env = np.maximum(env, level * up * down)
    if n > 4:
        mod = 1.0 + 0.2 * np.clip(_bandlimited(rng, n, fs_hz, 0.2, 1.5, 1)[:, 0], -2.0, 2.0) / 2.0
        env = env * mod.astype(np.float32)
    return env


def _bump(n: int, fs_hz: float, duration_s: float) -> F32:
    """A smooth 0 -> 1 -> 0 bump over ``n`` samples, for the slow rotation of a movement."""
    t = (np.arange(n, dtype=np.float32) + 0.5) / np.float32(fs_hz)
    edge = np.float32(min(0.5, 0.4 * duration_s))
    return _smoothstep(t / edge) * _smoothstep((np.float32(duration_s) - t) / edge)


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


class _Canvas:
    """Per-sample elevation, roll (deg) and linear acceleration (g, leg frame) of one leg."""

    def __init__(self, n: int, fs_hz: float) -> None:
        self.n = n
        self.fs_hz = fs_hz
        self.elev = np.zeros(n, dtype=np.float32)
        self.roll = np.zeros(n, dtype=np.float32)
        self.lin = np.zeros((n, 3), dtype=np.float32)

    def idx(self, t_s: float) -> int:
        return int(min(max(round(t_s * self.fs_hz), 0), self.n))


def _render_walk(
    canvas: _Canvas, rng: np.random.Generator, config: NightConfig, i0: int, i1: int, phase0: float
) -> None:
    n = i1 - i0
    if n <= 0:
        return
    fs = canvas.fs_hz
    t = np.arange(n, dtype=np.float64) / fs
    cadence = float(rng.uniform(*config.walk_cadence_hz))
    amp = math.radians(float(rng.uniform(*config.walk_swing_deg)))
    lean = math.radians(float(rng.uniform(3.0, 8.0)))
    h, c = float(rng.uniform(0.15, 0.35)), float(rng.uniform(0.0, 2 * math.pi))
    w = 2 * math.pi * cadence
    wobble = np.cumsum(rng.standard_normal(n)) * (0.08 / math.sqrt(fs))  # phase wander (rad)
    phi = w * t + phase0 + wobble
    ramp = np.minimum(1.0, np.minimum(t, t[-1] - t) / 1.0)
    ramp = np.clip(ramp, 0.0, 1.0)
    if n > 8:  # stride-to-stride variation of the swing
        ramp = ramp * (1.0 + 0.1 * np.clip(_bandlimited(rng, n, fs, 0.1, 1.0, 1)[:, 0], -2.5, 2.5))
    theta = ramp * amp * (np.sin(phi) + h * np.sin(2 * phi + c)) + lean
    dtheta = ramp * amp * w * (np.cos(phi) + 2 * h * np.cos(2 * phi + c))
    ddtheta = -ramp * amp * w * w * (np.sin(phi) + 4 * h * np.sin(2 * phi + c))
    roll = math.radians(float(rng.uniform(-10.0, 10.0)))
    canvas.elev[i0:i1] = np.degrees(np.pi / 2 - theta).astype(np.float32)
    canvas.roll[i0:i1] = np.float32(math.degrees(roll))
    lin = np.zeros((n, 3), dtype=np.float64)
    lin[:, 0] = _SHANK_LEVER_M * dtheta**2 / _G_M_S2
    lin[:, 2] = -_SHANK_LEVER_M * ddtheta / _G_M_S2
    lin[:, 1] = float(rng.uniform(0.05, 0.15)) * _bandlimited(rng, n, fs, 0.5, 4.0, 1)[:, 0]
    # irregular foot placement, shoe and soft tissue: broadband 1-12 Hz on every axis
    lin += float(rng.uniform(0.08, 0.2)) * _bandlimited(rng, n, fs, 1.0, min(12.0, 0.4 * fs))
    # heel strike when the ankle is furthest forward (theta lowest), once per stride
    hs = 1.5 * math.pi + 0.2 * float(rng.standard_normal())
    # swing (the last 40 % of the stride before heel strike): the foot is lifted by 5-10 cm,
    # a vertical acceleration of about +-0.6-1.2 g along the world vertical
    tau = np.mod((phi - hs) / (2 * math.pi), 1.0)
    swing_s = 0.4 / cadence
    lift_m = float(rng.uniform(0.05, 0.1))
    lift_g = np.where(
        tau >= 0.6,
        0.5 * lift_m * (2 * math.pi / swing_s) ** 2 * np.cos(2 * math.pi * (tau - 0.6) / 0.4),
        0.0,
    )
    lift_g *= ramp / _G_M_S2
    elev = np.pi / 2 - theta
    lin[:, 0] += lift_g * np.sin(elev)
    lin[:, 1] += lift_g * np.cos(elev) * math.sin(roll)
    lin[:, 2] += lift_g * np.cos(elev) * math.cos(roll)
    cycles = np.floor((phi - hs) / (2 * math.pi))
    strikes = np.flatnonzero(np.diff(cycles) > 0) + 1
    if strikes.size:
        imp = np.zeros(n, dtype=np.float64)
        imp[strikes] = rng.uniform(0.8, 2.2, strikes.size) * ramp[strikes]
        kt = np.arange(int(0.25 * fs)) / fs
        f_ring = float(rng.uniform(10.0, 13.0))
        kernel = np.exp(-kt / 0.03) * np.cos(2 * math.pi * min(f_ring, 0.45 * fs) * kt)
        ring = np.convolve(imp, kernel)[:n]
        lin[:, 0] += ring
        lin[:, 2] += 0.5 * np.roll(ring, 1)
    canvas.lin[i0:i1] += lin.astype(np.float32)


def _render_band(
    plan: _Plan,
    config: NightConfig,
    rng: np.random.Generator,
    leg: str,
) -> tuple[NDArray[np.int16], GroundTruth]:
    fs = config.fs_hz
    n = round(config.duration_s * fs)
    canvas = _Canvas(n, fs)
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
                sway = _bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                canvas.elev[i0:i1] += 0.5 * sway
                canvas.lin[i0:i1] += 0.003 * _bandlimited(rng, m, fs, 0.5, 5.0)
        elif seg.kind == "stand":
            canvas.elev[i0:i1] = 90.0 - float(rng.uniform(1.0, 5.0))
            canvas.roll[i0:i1] = float(rng.uniform(-10.0, 10.0))
            if m > 8:
                sway = _bandlimited(rng, m, fs, 0.05, 0.5, 1)[:, 0]
                canvas.elev[i0:i1] += float(rng.uniform(1.0, 2.0)) * sway
                canvas.lin[i0:i1] += 0.005 * _bandlimited(rng, m, fs, 0.5, 5.0)
        elif seg.kind == "walk":
            _render_walk(canvas, rng, config, i0, i1, phase0)
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
        s = _smoothstep((np.arange(j1 - j0, dtype=np.float32) + 0.5) / np.float32(j1 - j0))
        if seg.kind in ("turn", "rise", "liedown"):
            lift = float(rng.uniform(5.0, 25.0)) if seg.kind == "turn" else 0.0
            hump = np.clip(np.sin(np.pi * s), 0.0, 1.0).astype(np.float32)
            canvas.elev[j0:j1] = e0 + (e1 - e0) * s + lift * hump
            canvas.roll[j0:j1] = r0 + dr * s
            peak = float(rng.uniform(*config.turnover_peak_mg)) / 1000.0
            noise = _bandlimited(rng, j1 - j0, fs, 0.3, 5.0)
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
            onset, offset, peak, bursts = _other_leg_variant(rng, ev, leg)
        i0, i1 = canvas.idx(onset), canvas.idx(offset)
        if i1 - i0 < 2:
            continue
        real_peak = _render_movement(canvas, rng, i0, i1, bursts, peak, ev.rotation_deg)
        mv_rows.append((i0 / fs, i1 / fs, real_peak, ev.kind, ev.series_id, ev.leg == "B"))
    tw_rows: list[tuple[float, float]] = []
    for t0, t1, tw_leg in plan.twitches:
        if tw_leg != leg:
            continue
        i0, i1 = canvas.idx(t0), canvas.idx(t1)
        if i1 - i0 < 2:
            continue
        _render_movement(
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
        drift = _drift(rng, n, fs, config.drift_mg / 1000.0)
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
    rows: list[tuple[float, float, str, float, float]], plan: _Plan, fs: float
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


def _other_leg_variant(
    rng: np.random.Generator, ev: _Event, leg: str
) -> tuple[float, float, float, list[tuple[float, float]]]:
    """Timing of a bilateral movement on ``leg``: the leading leg keeps the plan's timing."""
    if leg == ev.lead:
        return ev.onset_s, ev.offset_s, ev.peak_mg, ev.bursts
    d = ev.offset_s - ev.onset_s
    delay = float(rng.uniform(0.0, min(1.0, 0.6 * d)))
    new_d = min(d * float(rng.uniform(0.8, 1.2)), d - delay + 1.0)
    if ev.kind == "long":
        new_d = max(new_d, 10.5)
    else:
        new_d = float(np.clip(new_d, 0.5, 10.0))
    peak = float(ev.peak_mg * math.exp(0.3 * rng.standard_normal()))
    return ev.onset_s + delay, ev.onset_s + delay + new_d, peak, [(0.0, new_d)]


def _render_movement(
    canvas: _Canvas,
    rng: np.random.Generator,
    i0: int,
    i1: int,
    bursts: list[tuple[float, float]],
    peak_mg: float,
    rotation_deg: float,
) -> float:
    """Add one movement to the canvas; return its peak linear acceleration (mg)."""
    n = i1 - i0
    fs = canvas.fs_hz
    duration = n / fs
    scale_t = duration / bursts[-1][1] if bursts[-1][1] > 0 else 1.0
    bursts = [(a * scale_t, b * scale_t) for a, b in bursts]
    env = _envelope(rng, n, fs, bursts)
    weights = np.abs(np.array([0.6, 0.25, 1.0]) + 0.2 * rng.standard_normal(3)).astype(np.float32)
    dyn = _bandlimited(rng, n, fs, 0.5, 8.0) * weights * env[:, None]
    norm = float(np.linalg.norm(dyn, axis=1).max())
    if norm > 0.0:
        dyn *= np.float32(peak_mg / 1000.0 / norm)
    canvas.lin[i0:i1] += dyn
    bump = _bump(n, fs, duration)
    sign = 1.0 if rng.random() < 0.8 else -1.0
    canvas.elev[i0:i1] += np.float32(sign * rotation_deg) * bump
    canvas.roll[i0:i1] += np.float32(rotation_deg * rng.uniform(-0.4, 0.4)) * bump
    return float(np.linalg.norm(dyn, axis=1).max() * 1000.0)


def _drift(rng: np.random.Generator, n: int, fs_hz: float, peak_g: float) -> F32:
    """Slow per-axis offset drift with zero mean: a ramp plus one slow sinusoid."""
    x = np.linspace(-1.0, 1.0, n, dtype=np.float32)[:, None]
    ramp = rng.uniform(-0.6, 0.6, 3).astype(np.float32)
    amp = rng.uniform(-0.4, 0.4, 3).astype(np.float32)
    cycles = rng.uniform(0.5, 2.0, 3).astype(np.float32)
    phase = rng.uniform(0.0, 2 * np.pi, 3).astype(np.float32)
    d = ramp * x + amp * np.sin(np.float32(np.pi) * cycles * x + phase)
    d -= d.mean(axis=0)
    return np.asarray(d * np.float32(peak_g), dtype=np.float32)


# --------------------------------------------------------------------------------------------
# public entry points


def simulate_night(config: NightConfig | None = None, *, seed: int = 0) -> SimulatedNight:
    """Simulate one night at one ankle (the left leg), with ground truth.

    Parameters
    ----------
    config : NightConfig, optional
        The night to simulate; ``night_config("ordinary")`` when omitted.
    seed : int
        Seed of ``numpy.random.default_rng``; the same config and seed give identical output.

    Returns
    -------
    SimulatedNight
        ``counts`` of shape ``(round(duration_s * fs_hz), 3)``, int16, and the truth.

    Raises
    ------
    ValueError
        If ``config`` is not a :class:`NightConfig`.

    References
    ----------
    Ferri R. et al., World Association of Sleep Medicine (WASM) 2016 standards for recording and
    scoring leg movements in polysomnograms, Sleep Med 2016;26:86-95 (LM duration and IMI rules
    the truth respects).

    Examples
    --------
    >>> night = simulate_night(night_config("none", duration_s=600.0), seed=1)
    >>> len(night.truth.movements), night.duration_s
    (0, 600.0)
    """
    config = _validated(config)
    root = np.random.default_rng(seed)
    plan_rng, band_rng = root.spawn(2)
    plan = _plan_night(config, plan_rng, bilateral_fraction=0.0)
    for ev in plan.events:
        ev.leg = "L"
    plan.twitches = [(a, b, "L") for a, b, _ in plan.twitches]
    counts, truth = _render_band(plan, config, band_rng, "L")
    return SimulatedNight(counts, config.lsb_g, config.fs_hz, config, truth, seed)


def simulate_bilateral_night(
    config: NightConfig | None = None, *, seed: int = 0, bilateral_fraction: float = 0.5
) -> tuple[SimulatedNight, SimulatedNight]:
    """Simulate the same night seen by a band on each ankle.

    Both bands share the night's timeline (postures, posture changes, upright periods, walking half
    a stride apart). Each movement of the plan is bilateral with probability
    ``bilateral_fraction`` (both legs; the second leg starts 0-1 s later, while the first still
    moves, and lasts 0.8-1.2 times as long), otherwise on one leg chosen at random. Each band has
    its own orientation on the leg, sensor errors and noise, and small per-leg differences of
    posture (roll +-4 deg, incline +-3 deg).

    Parameters
    ----------
    config : NightConfig, optional
        ``night_config("ordinary")`` when omitted.
    seed : int
        Seed of ``numpy.random.default_rng``.
    bilateral_fraction : float
        Fraction of movements made by both legs, in 0..1.

    Returns
    -------
    tuple of SimulatedNight
        ``(left, right)``. Each truth lists the movements of that leg; ``kind`` and ``series_id``
        describe the subject-level pattern (so a periodic series spread over both legs is periodic
        after the bilateral merge of the scoring rules, not necessarily on each leg alone), and
        ``bilateral`` marks the movements made by both legs.

    Raises
    ------
    ValueError
        If ``bilateral_fraction`` is outside 0..1 or ``config`` is not a :class:`NightConfig`.

    Examples
    --------
    >>> left, right = simulate_bilateral_night(night_config(duration_s=900.0), seed=2)
    >>> left.truth.leg, right.truth.leg, left.counts.shape == right.counts.shape
    ('left', 'right', True)
    """
    config = _validated(config)
    if not (0.0 <= bilateral_fraction <= 1.0):
        raise ValueError(f"bilateral_fraction must be in 0..1; got {bilateral_fraction!r}")
    root = np.random.default_rng(seed)
    plan_rng, left_rng, right_rng = root.spawn(3)
    plan = _plan_night(config, plan_rng, bilateral_fraction)
    left_counts, left_truth = _render_band(plan, config, left_rng, "L")
    right_counts, right_truth = _render_band(plan, config, right_rng, "R")
    return (
        SimulatedNight(left_counts, config.lsb_g, config.fs_hz, config, left_truth, seed),
        SimulatedNight(right_counts, config.lsb_g, config.fs_hz, config, right_truth, seed),
    )


def _validated(config: NightConfig | None) -> NightConfig:
    if config is None:
        return NightConfig()
    if not isinstance(config, NightConfig):
        raise ValueError(f"config must be a NightConfig or None; got {type(config).__name__}")
    return config
