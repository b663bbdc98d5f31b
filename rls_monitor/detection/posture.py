"""Posture at the ankle: in bed (shank horizontal), lying posture and turn-overs (pure, vectorised).

An ankle band cannot see the trunk, but it sees whether the **shank** is horizontal: lying in bed
it is (within ~20 deg), sitting, standing and walking it is within ~30 deg of vertical. The band's
mounting is unknown (straps rotate, some bands clip to the shoe), so no sensor axis is assumed to
run along the shank: the shank axis (ankle -> knee, sensor frame) is learned from the recording.

Method
------
1. Per epoch (``epoch_s``, 1 s by default): the mean acceleration (the gravity direction when
   still, "specific force", +1 g pointing up) and the total dynamic SD (mg, rotation-invariant).
2. *Walking*: bouts of sustained activity (epoch SD above ``walk_min_sd_mg`` for at least
   ``walk_min_s``) whose acceleration magnitude is periodic at a stride (autocorrelation above
   ``walk_min_autocorr`` at a lag of 0.5-2.0 s; gait at the ankle has one stride per 0.9-1.3 s).
   Averaged over whole strides, the acceleration during walking points along the shank (the
   swing is symmetric about a forward lean of a few degrees).
3. *Shank axis*, in order of preference (``Posture.shank_axis_source``):

   - ``"given"``: ``PostureConfig.shank_axis``, when the mounting is known;
   - ``"walking"``: the mean acceleration over the walking bouts (error: the forward lean,
     about 3-8 deg; on simulated nights 5-9 deg);
   - ``"lying-plane"``: turning over in bed rotates the leg about its long axis, so the gravity
     directions of quiet lying epochs (supine, side, prone) lie on a circle whose pole is the
     shank axis: the normal is the eigenvector of the smallest eigenvalue of their second-moment
     matrix (an SVD plane fit through the origin), refitted three times on the epochs it calls
     lying. It is used without walking, when the epochs spread around the circle (middle
     eigenvalue at least ``plane_min_spread``, i.e. at least two postures some way apart). The
     shank rests 0-20 deg above horizontal, differently in each episode, so the circle is blurred:
     errors of 10-25 deg on simulated nights (enough for the lying decision, not for fine angles).
     Its sign is taken from quiet upright epochs (gravity points ankle -> knee when standing);
     when the night holds none, ``Posture.axis_sign_known`` is False and left/right and
     supine/prone may be mirrored;
   - ``"standing"``: without walking and with a single lying posture, the mean direction of the
     quiet epochs more than 60 deg away from the dominant (lying) direction;
   - ``"default"``: nothing to learn from (e.g. a short signal in one posture): the sensor ``x``
     axis, as most bands are labelled; the lying decision is then unreliable.

4. *Lying* = elevation of the shank axis above the horizontal plane, ``|asin(g . axis)|``,
   median-smoothed over ``smooth_s``, below ``lying_max_deg`` (45 deg: lying shanks rest within
   about 20 deg of horizontal, sitting ones within about 25 deg of vertical); walking epochs are
   never lying; gaps shorter than ``max_gap_s`` inside lying are filled (a knee lifted for a
   moment is not getting up) and lying bouts shorter than ``min_lying_bout_s`` (5 min) are
   dropped: *going to bed is not a two-minute lie-down*. Time in bed is the denominator of every
   index, so a bout must look like a bed period, not like a band lying on a table while it is
   being strapped on, a leg up on a sofa for a minute or a stumble. Actigraphy detectors of the
   sleep period work in blocks of tens of minutes (van Hees et al. 2018, HDCZA: 30 min); 5 min
   is conservative, well below any real bed period, and a night's bathroom trips leave bed
   periods of an hour or more on either side. The real Daphnet walking recording (an ankle band
   handled for ~90 s on a table before it is strapped on, and put down again at the end) read
   as 150 s in bed with the former 60 s minimum and reads as none with 5 min. A recording
   shorter than 5 min therefore has no time in bed (pass a smaller ``min_lying_bout_s`` to
   score short test signals). The rule does **not** refuse a lying period for being very still:
   a sleeping ankle can be as still as a band off the leg (see ``docs/calibration.md``), so
   stillness is not evidence of non-wear at the ankle.
5. *Posture label*: the roll of gravity about the shank axis. Roll 0 ("supine", knee-cap up) is
   a convention: ``PostureConfig.supine_direction`` (the gravity direction in the sensor frame
   when lying on the back, e.g. from a pose held at bedtime) if given, otherwise the most frequent
   lying orientation of the night (supine is the commonest sleeping position of the leg, but not
   in every night). With ``y = supine x axis`` the roll is ``atan2(g . y, g . supine)``: within
   45 deg of 0 supine, of +90 "left", of -90 "right", of 180 prone. Left and right are
   meaningful only when the leg (left/right) and the strap's orientation are known; otherwise
   read them as "side A / side B".
6. *Turn-overs*: stable lying stretches (quiet epochs whose roll differs from both neighbours by
   less than ``stable_max_deg``, at least ``stable_min_s`` long); consecutive stretches in one bed
   bout whose circular-mean rolls differ by more than ``turnover_min_deg`` mark a turn-over from
   the end of the first to the start of the second.

References
----------
.. [1] Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for recording
   and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95 (time in bed as the
   denominator for leg actigraphy).
.. [2] van Hees VT, et al. Estimating sleep parameters using an accelerometer without sleep
   diary. Sci Rep 2018;8:12975 (HDCZA: sleep-period blocks of at least 30 min).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rls_monitor.detection.signal import check_accel, epoch_starts, epoch_stats, runs
from rls_monitor.errors import ConfigError

__all__ = [
    "POSTURES",
    "SHANK_AXIS_SOURCES",
    "Posture",
    "PostureConfig",
    "Turnovers",
    "detect_posture",
    "fill_and_prune",
]

logger = logging.getLogger(__name__)

F64 = NDArray[np.float64]

POSTURES = ("upright", "supine", "left", "right", "prone", "unknown")
"""Posture labels of :attr:`Posture.posture`."""

SHANK_AXIS_SOURCES = ("given", "walking", "lying-plane", "standing", "default")
"""Values of :attr:`Posture.shank_axis_source`, most to least trusted."""


@dataclass(frozen=True)
class PostureConfig:
    """Parameters of :func:`detect_posture`.

    Attributes
    ----------
    epoch_s : float
        Epoch length of the posture decision (s).
    lying_max_deg : float
        Largest elevation of the shank above (or below) horizontal that counts as lying (deg).
    smooth_s : float
        Length of the median filter on the elevation (s).
    min_lying_bout_s : float
        Lying bouts shorter than this are not time in bed (s); 5 min, see the module docstring.
    max_gap_s : float
        Non-lying gaps inside lying shorter than this are filled, unless walking (s).
    quiet_max_sd_mg : float
        Largest epoch SD of a quiet (still) epoch (mg); sensor noise is 2-8 mg per axis.
    walk_min_sd_mg : float
        Smallest epoch SD of walking (mg); gait at the ankle gives 300-1000 mg, leg movements in
        bed 20-150 mg.
    walk_min_s : float
        Shortest walking bout (s).
    walk_min_autocorr : float
        Smallest autocorrelation of the magnitude at a stride lag (0.5-2 s) for walking.
    plane_min_spread : float
        Smallest middle eigenvalue of the lying directions' second-moment matrix for a plane fit
        (0.1 is e.g. 10 % of the quiet lying time a quarter turn away from the rest).
    stable_max_deg : float
        Largest roll change between neighbouring epochs of a stable lying stretch (deg).
    stable_min_s : float
        Shortest stable stretch on each side of a turn-over (s).
    turnover_min_deg : float
        Smallest roll change between stable stretches that is a turn-over (deg).
    shank_axis : tuple of 3 float or None
        The shank axis (ankle -> knee) in the sensor frame, when the mounting is known.
    supine_direction : tuple of 3 float or None
        The gravity direction (sensor frame) when lying on the back, when known.
    """

    epoch_s: float = 1.0
    lying_max_deg: float = 45.0
    smooth_s: float = 5.0
    min_lying_bout_s: float = 300.0
    max_gap_s: float = 15.0
    quiet_max_sd_mg: float = 30.0
    walk_min_sd_mg: float = 150.0
    walk_min_s: float = 8.0
    walk_min_autocorr: float = 0.2
    plane_min_spread: float = 0.1
    stable_max_deg: float = 10.0
    stable_min_s: float = 3.0
    turnover_min_deg: float = 45.0
    shank_axis: tuple[float, float, float] | None = None
    supine_direction: tuple[float, float, float] | None = None

    def __post_init__(self) -> None:
        positive = (
            "epoch_s",
            "smooth_s",
            "quiet_max_sd_mg",
            "walk_min_sd_mg",
            "walk_min_s",
            "stable_max_deg",
            "stable_min_s",
        )
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be > 0; got {value!r}", name=name, value=value)
        for name in ("min_lying_bout_s", "max_gap_s", "walk_min_autocorr", "plane_min_spread"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be >= 0; got {value!r}", name=name, value=value)
        for name in ("lying_max_deg", "turnover_min_deg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value < 90):
                raise ConfigError(
                    f"{name} must be in (0, 90) deg; got {value!r}", name=name, value=value
                )
        for name in ("shank_axis", "supine_direction"):
            vec = getattr(self, name)
            if vec is None:
                continue
            arr = np.asarray(vec, dtype=np.float64)
            if arr.shape != (3,) or not np.isfinite(arr).all() or np.linalg.norm(arr) == 0:
                raise ConfigError(
                    f"{name} must be 3 finite numbers, not all zero; got {vec!r}",
                    name=name,
                    value=vec,
                )


@dataclass(frozen=True)
class Turnovers:
    """Turn-overs in bed (posture changes while lying), sorted.

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (k,)
        End of the stable posture before and start of the stable posture after (s).
    from_posture, to_posture : ndarray of str, shape (k,)
    rotation_deg : ndarray of float64, shape (k,)
        Signed roll change about the shank axis (deg, -180..180).
    """

    onset_s: F64
    offset_s: F64
    from_posture: NDArray[np.str_]
    to_posture: NDArray[np.str_]
    rotation_deg: F64

    def __len__(self) -> int:
        return int(self.onset_s.size)


@dataclass(frozen=True)
class Posture:
    """Posture per epoch: in bed (lying), posture label and turn-overs.

    Attributes
    ----------
    epoch_s : float
        Epoch length (s); epoch ``e`` holds the samples with ``floor(t / epoch_s) == e``.
    duration_s : float
        Length of the signal (s); the last epoch may be partial.
    lying : ndarray of bool, shape (n_epochs,)
        Shank horizontal: in bed.
    posture : ndarray of str, shape (n_epochs,)
        One of :data:`POSTURES` per epoch.
    elevation_deg : ndarray of float64, shape (n_epochs,)
        Elevation of the shank axis above horizontal (deg, smoothed; 90 standing).
    roll_deg : ndarray of float64, shape (n_epochs,)
        Roll about the shank axis relative to the supine convention (deg, -180..180).
    shank_axis : ndarray of float64, shape (3,)
        Unit vector ankle -> knee in the sensor frame.
    shank_axis_source : str
        How it was learned, one of :data:`SHANK_AXIS_SOURCES`.
    axis_sign_known : bool
        False when the axis direction (ankle -> knee vs knee -> ankle) could not be told.
    walking : ndarray of bool, shape (n_epochs,)
        Epochs in walking bouts.
    turnovers : Turnovers
    """

    epoch_s: float
    duration_s: float
    lying: NDArray[np.bool_]
    posture: NDArray[np.str_]
    elevation_deg: F64
    roll_deg: F64
    shank_axis: F64
    shank_axis_source: str
    axis_sign_known: bool
    walking: NDArray[np.bool_]
    turnovers: Turnovers = field(repr=False)

    @property
    def in_bed_s(self) -> float:
        """Total time lying (s)."""
        lengths = np.clip(self.duration_s - np.arange(self.lying.size) * self.epoch_s, 0.0, None)
        return float(np.minimum(lengths, self.epoch_s)[self.lying].sum())

    def lying_mask(self, n_samples: int, fs_hz: float) -> NDArray[np.bool_]:
        """Lying per sample of a signal of ``n_samples`` at ``fs_hz`` starting at the same time.

        Parameters
        ----------
        n_samples : int
        fs_hz : float
            Sampling rate of that signal (Hz).

        Returns
        -------
        ndarray of bool, shape (n_samples,)
            False beyond the last epoch.
        """
        if n_samples <= 0:
            return np.zeros(0, dtype=bool)
        starts = epoch_starts(n_samples, fs_hz, self.epoch_s)
        counts = np.diff(np.append(starts, n_samples))
        lying = np.zeros(starts.size, dtype=bool)
        k = min(starts.size, self.lying.size)
        lying[:k] = self.lying[:k]
        return np.repeat(lying, counts)


def _unit(v: F64) -> F64:
    return np.asarray(v / np.linalg.norm(v), dtype=np.float64)


def _circ_diff_deg(a: F64, b: F64) -> F64:
    return np.asarray((a - b + 180.0) % 360.0 - 180.0, dtype=np.float64)


def _walking_epochs(
    accel_g: NDArray[np.float32],
    fs_hz: float,
    starts: NDArray[np.int64],
    sd_mg: F64,
    cfg: PostureConfig,
) -> NDArray[np.bool_]:
    from scipy import ndimage  # imported when scoring starts, not with the package

    n_ep = sd_mg.size
    active = sd_mg > cfg.walk_min_sd_mg
    # close one- or two-epoch pauses (a freeze, a turn)
    gap = max(1, round(2.0 / cfg.epoch_s))
    active = ndimage.binary_closing(active, structure=np.ones(2 * gap + 1, bool)) | active
    walking = np.zeros(n_ep, dtype=bool)
    s, e = runs(active)
    min_ep = cfg.walk_min_s / cfg.epoch_s
    ends = np.append(starts, accel_g.shape[0])
    lo, hi = max(1, int(0.5 * fs_hz)), math.ceil(2.0 * fs_hz)
    for i0, i1 in zip(s[(e - s) >= min_ep], e[(e - s) >= min_ep], strict=True):  # few bouts
        seg = accel_g[ends[i0] : ends[i1]]
        mag = np.sqrt(np.einsum("ij,ij->i", seg, seg, dtype=np.float64))
        mag -= mag.mean()
        m = mag.size
        if m <= hi + 1:
            continue
        spec = np.fft.rfft(mag, 2 * m)
        ac = np.fft.irfft(spec * np.conj(spec))[: hi + 1]
        if ac[0] <= 0:
            continue
        norm = ac / ac[0] * m / (m - np.arange(hi + 1))  # unbiased
        if float(norm[lo : hi + 1].max()) >= cfg.walk_min_autocorr:
            walking[i0:i1] = True
    return walking


def _learn_axis(
    d: F64,
    mean_g: F64,
    count: F64,
    quiet: NDArray[np.bool_],
    walking: NDArray[np.bool_],
    cfg: PostureConfig,
) -> tuple[F64, str, bool]:
    if cfg.shank_axis is not None:
        return _unit(np.asarray(cfg.shank_axis, dtype=np.float64)), "given", True
    sin_lying = math.sin(math.radians(cfg.lying_max_deg))
    min_epochs = max(3, round(10.0 / cfg.epoch_s))
    up: F64 | None = None
    if walking.sum() * cfg.epoch_s >= cfg.walk_min_s:
        up = _unit((mean_g[walking] * count[walking, None]).sum(axis=0))
    qd = d[quiet]
    cand = np.ones(qd.shape[0], bool) if up is None else np.abs(qd @ up) < sin_lying
    normal: F64 | None = None
    for _ in range(3):
        if cand.sum() < min_epochs:
            break
        pts = qd[cand]
        w, v = np.linalg.eigh(pts.T @ pts / pts.shape[0])
        if w[1] < cfg.plane_min_spread:
            break
        normal = np.asarray(v[:, 0], dtype=np.float64)
        cand = np.abs(qd @ normal) < sin_lying
    if up is not None:
        return up, "walking", True
    if normal is not None:
        upright = np.abs(qd @ normal) >= sin_lying
        if upright.sum() >= min_epochs:
            sign = 1.0 if float(np.sum(qd[upright] @ normal)) >= 0 else -1.0
            return normal * sign, "lying-plane", True
        return normal, "lying-plane", False
    if qd.shape[0] >= min_epochs:
        w, v = np.linalg.eigh(qd.T @ qd)
        dominant = v[:, 2]
        far = np.abs(qd @ dominant) < 0.5
        if far.sum() >= min_epochs:
            axis = qd[far].mean(axis=0)
            return _unit(axis), "standing", True
    return np.array([1.0, 0.0, 0.0]), "default", False


def _paint(n: int, start: NDArray[np.int64], end: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Boolean vector of length ``n``, True on the intervals ``[start, end)``."""
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, start, 1)
    np.add.at(delta, end, -1)
    return np.cumsum(delta[:-1]) > 0


def fill_and_prune(
    lying: NDArray[np.bool_], walking: NDArray[np.bool_], cfg: PostureConfig
) -> NDArray[np.bool_]:
    """Lying bouts of a night: short gaps filled, short bouts dropped (step 4 of the module).

    Parameters
    ----------
    lying : ndarray of bool, shape (n_epochs,)
        The raw lying decision per epoch.
    walking : ndarray of bool, shape (n_epochs,)
        Walking epochs: a gap that holds one is never filled.
    cfg : PostureConfig
        ``epoch_s``, ``max_gap_s`` (gaps inside lying shorter than this are filled) and
        ``min_lying_bout_s`` (bouts shorter than this, after filling, are dropped).

    Returns
    -------
    ndarray of bool, shape (n_epochs,)
    """
    n = lying.size
    s, e = runs(~lying)
    walk_c = np.concatenate([[0], np.cumsum(walking)])
    inner = (s > 0) & (e < n) & ((e - s) * cfg.epoch_s < cfg.max_gap_s)
    inner &= (walk_c[e] - walk_c[s]) == 0
    out = lying | _paint(n, s[inner], e[inner])
    s, e = runs(out)
    short = (e - s) * cfg.epoch_s < cfg.min_lying_bout_s
    return out & ~_paint(n, s[short], e[short])


def _turnovers(
    roll: F64,
    lying: NDArray[np.bool_],
    quiet: NDArray[np.bool_],
    labels: NDArray[np.str_],
    cfg: PostureConfig,
) -> Turnovers:
    n = roll.size
    ok = lying & quiet & np.isfinite(roll)
    r = np.where(ok, roll, 0.0)
    prev = np.abs(_circ_diff_deg(r[1:], r[:-1])) < cfg.stable_max_deg
    both = np.zeros(n, bool)
    both[1:-1] = prev[:-1] & prev[1:]
    stable = ok & both
    stable[1:-1] &= ok[:-2] & ok[2:]
    s, e = runs(stable)
    keep = (e - s) * cfg.epoch_s >= cfg.stable_min_s
    s, e = s[keep], e[keep]
    empty = Turnovers(
        np.zeros(0), np.zeros(0), np.zeros(0, dtype="<U7"), np.zeros(0, dtype="<U7"), np.zeros(0)
    )
    if s.size < 2:
        return empty
    # circular mean roll of each stable stretch
    rad = np.radians(r)
    cc = np.concatenate([[0.0], np.cumsum(np.cos(rad))])
    sc = np.concatenate([[0.0], np.cumsum(np.sin(rad))])
    mean_roll = np.degrees(np.arctan2(sc[e] - sc[s], cc[e] - cc[s]))
    jump = _circ_diff_deg(mean_roll[1:], mean_roll[:-1])
    bout = np.cumsum(np.diff(lying.astype(np.int8), prepend=np.int8(0)) == 1)
    same_bout = bout[s[1:]] == bout[e[:-1] - 1]
    # no non-lying epoch between the two stretches
    lying_c = np.concatenate([[0], np.cumsum(~lying)])
    same_bout &= (lying_c[s[1:]] - lying_c[e[:-1]]) == 0
    hit = same_bout & (np.abs(jump) > cfg.turnover_min_deg)
    if not hit.any():
        return empty
    i = np.flatnonzero(hit)
    return Turnovers(
        onset_s=e[i].astype(np.float64) * cfg.epoch_s,
        offset_s=s[i + 1].astype(np.float64) * cfg.epoch_s,
        from_posture=labels[e[i] - 1].astype("<U7"),
        to_posture=labels[s[i + 1]].astype("<U7"),
        rotation_deg=jump[i],
    )


def detect_posture(
    accel_g: NDArray[np.float32], fs_hz: float, config: PostureConfig | None = None
) -> Posture:
    """Find the time in bed, the lying posture and the turn-overs from an ankle band.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration in g, sensor axes (any mounting on the shank).
    fs_hz : float
        Sampling rate (Hz), 10-1000 (typically 25-100).
    config : PostureConfig, optional
        Parameters; defaults as documented in :class:`PostureConfig`.

    Returns
    -------
    Posture
        Per-epoch lying, labels, elevation and roll; the learned shank axis and its source; the
        turn-overs.

    Raises
    ------
    DetectionError
        If the rate is out of range, the signal is shorter than 10 s, not ``(n, 3)`` or not
        finite.
    UnitsError
        If the signal is plainly in mg rather than g.

    Notes
    -----
    See the module docstring for the method and the conventions (supine, left, right).

    Examples
    --------
    >>> import numpy as np
    >>> still = np.tile(np.float32([0.0, 0.0, 1.0]), (50 * 600, 1))  # x along the shank, lying
    >>> p = detect_posture(still, 50.0, PostureConfig(shank_axis=(1.0, 0.0, 0.0)))
    >>> p.in_bed_s, str(p.posture[0]), len(p.turnovers)
    (600.0, 'supine', 0)
    """
    from scipy import ndimage  # imported when scoring starts, not with the package

    cfg = config or PostureConfig()
    a = check_accel(accel_g, fs_hz)
    n = a.shape[0]
    starts = epoch_starts(n, fs_hz, cfg.epoch_s)
    mean_g, sd_mg, count = epoch_stats(a, fs_hz, cfg.epoch_s)
    norm = np.linalg.norm(mean_g, axis=1)
    valid = np.abs(norm - 1.0) < 0.5
    d = mean_g / np.where(norm > 0, norm, 1.0)[:, None]
    quiet = valid & (sd_mg < cfg.quiet_max_sd_mg) & (np.abs(norm - 1.0) < 0.15)
    walking = _walking_epochs(a, fs_hz, starts, sd_mg, cfg)
    axis, source, sign_known = _learn_axis(d, mean_g, count, quiet, walking, cfg)

    elev = np.degrees(np.arcsin(np.clip(d @ axis, -1.0, 1.0)))
    size = max(1, round(cfg.smooth_s / cfg.epoch_s) | 1)
    elev_s = ndimage.median_filter(elev, size=size, mode="nearest")
    lying_raw = (np.abs(elev_s) < cfg.lying_max_deg) & ~walking
    lying = fill_and_prune(lying_raw, walking, cfg) & ~walking

    # roll about the shank axis relative to the supine convention
    helper = np.eye(3)[int(np.argmin(np.abs(axis)))]
    e1 = _unit(helper - (helper @ axis) * axis)
    e2 = np.cross(axis, e1)
    phi = np.degrees(np.arctan2(d @ e2, d @ e1))
    if cfg.supine_direction is not None:
        sup = np.asarray(cfg.supine_direction, dtype=np.float64)
        zero = math.degrees(math.atan2(float(sup @ e2), float(sup @ e1)))
    else:
        ref = lying & quiet
        if not ref.any():
            ref = lying
        if ref.any():
            hist = np.bincount(
                (np.floor((phi[ref] + 180.0) / 10.0).astype(np.int64)) % 36, minlength=36
            ).astype(np.float64)
            smooth = ndimage.convolve1d(hist, np.array([1.0, 2.0, 1.0]), mode="wrap")
            zero = -180.0 + 10.0 * int(np.argmax(smooth)) + 5.0
            near = np.abs(_circ_diff_deg(phi[ref], np.full(int(ref.sum()), zero))) < 30.0
            if near.any():
                rr = np.radians(phi[ref][near])
                zero = math.degrees(math.atan2(np.sin(rr).sum(), np.cos(rr).sum()))
        else:
            zero = 0.0
    # y = supine x axis (the simulator's leg frame): +90 "left", -90 "right"
    roll = _circ_diff_deg(np.full(phi.size, zero), phi)
    labels = np.full(phi.size, "upright", dtype="<U7")
    ar = np.abs(roll)
    lab = np.where(ar <= 45.0, "supine", np.where(ar >= 135.0, "prone", ""))
    lab = np.where(lab == "", np.where(roll > 0, "left", "right"), lab)
    labels[lying] = lab[lying]
    labels[~valid] = "unknown"
    roll_out = np.where(lying, roll, np.nan)

    turn = _turnovers(roll, lying, quiet, labels, cfg)
    logger.debug(
        "posture: axis %s from %s, in bed %.0f s, %d turn-overs",
        np.round(axis, 3),
        source,
        float(lying.sum()) * cfg.epoch_s,
        len(turn),
    )
    return Posture(
        epoch_s=float(cfg.epoch_s),
        duration_s=n / float(fs_hz),
        lying=lying,
        posture=labels,
        elevation_deg=elev_s,
        roll_deg=roll_out,
        shank_axis=axis,
        shank_axis_source=source,
        axis_sign_known=sign_known,
        walking=walking,
        turnovers=turn,
    )
