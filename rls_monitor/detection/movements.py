"""Leg movements (LM) from an ankle accelerometer: the WASM/AASM EMG rules transposed (vectorised).

The EMG rules (WASM/IRLSSG 2016 and AASM): an LM starts when the tibialis EMG rises 8 uV above
its resting level and ends at the start of a period of at least 0.5 s that does not exceed 2 uV
above resting; it lasts at least 0.5 s; computerised detectors must also check its morphology
(a 0.5 s window whose median amplitude is at least the offset threshold). Here the EMG amplitude
is replaced by an **activity envelope** of the ankle's dynamic acceleration, in mg:

1. *Working rate*: the signal is block-averaged by ``floor(fs_hz / working_rate_hz)`` (50 Hz ->
   25 Hz, 100 Hz -> 20 Hz, 25 Hz unchanged); leg movements are 0.3-8 Hz.
2. *Gravity removal*: a Butterworth band-pass ``band_hz`` (0.3-8 Hz; PAM-RL uses 0.3-20 Hz,
   an Axivity ankle study 0.1-10 Hz), order ``filter_order``, per axis, in float64
   (``scipy.signal.butter`` second-order sections run by ``sosfilt``), run twice:
   a causal pass (started in the steady state of the first sample) and the same
   filter on the time-reversed signal (started in the steady state of the last sample); the
   group delay in the pass band (about ``sqrt(2) / (2 pi f_high)`` s, ~30 ms at 8 Hz) is
   compensated by shifting each output. The passband keeps the transient tilt of the shank
   that a leg movement causes (a few degrees, 20-90 mg of gravity change over 0.2-0.5 s), so
   the slow orientation change adds to the envelope.
3. *Envelopes*: the vector magnitude of the band-passed acceleration (independent of the band's
   orientation), in mg, smoothed by a centred moving average of ``envelope_s`` (0.15 s). The
   high-pass edge makes the causal pass ring for 1.5-2 s after the tilt of a movement returns:
   offsets on it come ~2 s late on simulated nights (median +1.9 s, whatever the movement's
   strength), so durations are overstated and 8-10 s movements can turn into non-CLMs. So the
   reversed pass is computed too: it rings before the onset instead, and the *quiet envelope*,
   the smaller of the two passes per sample, falls at the true offset; the *onset envelope*
   stays the causal one, and the thresholds come from its floor. See
   :func:`activity_envelopes`. With ``quiet_offset`` and ``two_pass_offset`` both off, both
   envelopes are the causal one (the offsets of earlier versions).
4. *Adaptive noise floor* (the "resting level"): the ``floor_percentile`` (10th) percentile of
   ``floor_block_s`` (1 s) block means of the onset envelope over a centred ``floor_window_s``
   (60 s) window, held per block, at least ``floor_min_mg``. Sensor noise of 2-8 mg per axis gives
   floors of about 2-7 mg; 60 s windows stay at rest even inside dense PLM series.
5. *Thresholds* (per block): ``onset_mg = max(onset_factor * floor, floor + onset_min_mg)``
   (x 2, at least 8 mg above the floor; x 3 before the artefact rule of step 8, and still on the
   band: :data:`BAND_PIPELINE`; PAM-RL uses a fixed 200 mg on its own scale, ankle
   studies 15-30 mg, an open-source ankle app floor x 8 with a 20 mg minimum: our envelope is
   smoothed and band-limited, so its floor is lower); ``offset_mg = floor + offset_ratio *
   (onset_mg - floor)`` (0.25: the EMG rules' 2 uV / 8 uV).
6. *Rules* (the *decision envelope* is the onset envelope by default, the quiet envelope with
   ``two_pass_offset``): onset at the first sample where the onset envelope is above
   ``onset_mg`` (and the decision envelope above ``offset_mg``); the LM ends at the start of the
   first run of at least ``quiet_s`` (0.5 s) with the decision envelope at or below
   ``offset_mg`` (this merges bursts less than 0.5 s apart); an LM running into the end of the
   signal ends there; duration at least ``min_duration_s`` (0.5 s) plus ``envelope_s`` (the
   moving average widens every event by its length, so a 0.2 s twitch would otherwise last
   0.5 s); with ``morphology`` (WASM 2016 computerised detection) the LM must hold a window of
   ``morphology_s`` (0.5 s, an odd number of samples) whose median decision envelope is at or
   above the offset threshold. Durations in samples are rounded up on the working grid (0.5 s
   at 25 Hz is 13 samples, 0.52 s). *Reported offset* (``quiet_offset``, the default): the
   WASM 2016 offset rule (the LM ends at the start of a period of at least 0.5 s that does not
   exceed the offset threshold) applied to the quiet envelope, from onset + the minimum
   duration on: the first sample ``i`` there from which the quiet envelope stays at or below
   ``offset_mg`` for ``quiet_s``, or the decision's end if none comes first. Which LMs exist,
   their onsets and their count are the causal detector's; only the offsets (so durations, the
   10 s CLM limit and the bilateral merge) change. On simulated 8 h nights (3 seeds, 25/50/100
   Hz) the median offset error against the truth goes from +1.9..+2.0 s to -0.02..-0.04 s
   (easy, ordinary; -0.05..-0.12 s hard) with the same F1; ``two_pass_offset`` is as unbiased
   but loses weak movements on hard nights (F1 0.64-0.93 against 0.74-0.95), which only
   reached the minimum duration thanks to the ringing tail. See ``docs/scoring.md``.
7. *Context*: only LMs entirely inside a lying bout of the posture, at least ``bed_edge_s`` from
   its ends (getting into bed is not an LM), are returned; those overlapping a turn-over (padded
   by ``turnover_pad_s``) are flagged ``posture_change``.
8. *Artefacts*: a candidate that does not turn the shank (bed vibration, a knock, a machine) is
   rejected and kept with its reason (:mod:`rls_monitor.detection.artefacts`). With it the onset
   threshold came down from 3 to 2 times the floor (the noise it lets through does not turn the
   shank either): hard nights' F1 0.76/0.87/0.95 -> 0.92/0.95/0.97 at 25/50/100 Hz.

About 40 % of EMG-scored LMs (toe and ankle movements without a leg movement) produce no
detectable acceleration at the ankle (Terrill 2013, secondary): an ankle band under-counts them.

The state machine of step 6 is vectorised (run lengths with ``np.diff``/``np.flatnonzero``, a
``searchsorted`` for the first onset of each active stretch, cumulative sums for the morphology
windows over the samples of the candidate LMs only); the tests check it against a
sample-by-sample twin of it and of the whole detector (the loop-based oracles in
``tests/oracles/movements.py``). SciPy does the signal processing (``scipy.signal`` for the
band-pass, ``scipy.ndimage`` for the moving average and the rolling percentile), imported when
a detection starts rather than with the package, so that importing ``rls_monitor`` (the CLI, the
nights API) does not load it.

References
----------
.. [1] Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for recording
   and scoring leg movements in polysomnograms developed by a joint task force from the IRLSSG,
   the EURLSSG and the WASM. Sleep Med 2016;26:86-95.
.. [2] Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events, v2.5.
   American Academy of Sleep Medicine, 2018.
.. [3] Sforza E, et al. Validation of the PAM-RL ankle actigraph. Sleep Med 2005 (secondary).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rls_monitor.detection.artefacts import (
    ArtefactConfig,
    RejectedCandidates,
    classify_candidates,
)
from rls_monitor.detection.posture import Posture, detect_posture
from rls_monitor.detection.signal import (
    block_mean_transposed,
    check_accel,
    decimation_factor,
    runs,
)
from rls_monitor.errors import ConfigError, DetectionError

__all__ = [
    "BandPass",
    "DetectorConfig",
    "Envelope",
    "LegMovements",
    "activity_envelope",
    "activity_envelopes",
    "band_pass_design",
    "detect_leg_movements",
    "movement_thresholds",
    "samples_for",
    "score_envelope",
]

logger = logging.getLogger(__name__)

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class DetectorConfig:
    """Parameters of :func:`detect_leg_movements` (see the module docstring for the sources).

    Attributes
    ----------
    working_rate_hz : float
        Lowest working rate after block averaging (Hz).
    band_hz : tuple of float
        Band-pass edges (Hz); the upper edge must be below half the working rate.
    filter_order : int
        Butterworth order of the band-pass (per edge).
    envelope_s : float
        Moving-average length of the envelope (s).
    floor_block_s, floor_window_s : float
        Block length and window of the rolling noise floor (s).
    floor_percentile : float
        Percentile of the block means taken as the floor (0-100).
    floor_min_mg : float
        Lowest floor (mg).
    onset_factor : float
        Onset threshold as a multiple of the floor (> 1); 2 with the artefact rule, 3 without
        (:data:`BAND_PIPELINE`).
    onset_min_mg : float
        Onset threshold at least this far above the floor (mg).
    offset_ratio : float
        Offset threshold: floor plus this fraction of (onset - floor), in (0, 1).
    quiet_s : float
        Quiet period that ends an LM (s); 0.5 s in the standards.
    min_duration_s : float
        Shortest LM (s); 0.5 s in the standards.
    morphology : bool
        Apply the WASM 2016 morphology rule.
    morphology_s : float
        Window of the morphology rule (s).
    bed_edge_s : float
        LMs within this of the start or end of a lying bout are not returned (s).
    turnover_pad_s : float
        LMs overlapping a turn-over widened by this on both sides are posture changes (s).
    quiet_offset : bool
        (Default) Decide onsets, candidates, the minimum duration and the morphology rule on
        the causal envelope, then *report* the offset from the quiet envelope of
        :func:`activity_envelopes` (the smaller of a causal and a time-reversed band-pass): the
        start of the first run of ``quiet_s`` at or below the offset threshold (WASM 2016: an
        LM ends at the start of at least 0.5 s without EMG above 2 uV over resting) that begins
        at or after onset + the minimum duration, and no later than the causal offset. The
        causal envelope's high-pass ringing otherwise makes offsets ~2 s late. The band's
        pipeline (``firmware_host.processing``) applies the same rule; see ``docs/scoring.md``.
        ``False`` (with ``two_pass_offset`` off) gives the causal offsets of earlier versions.
    two_pass_offset : bool
        Take offsets *and* the decisions (end of the candidate, minimum duration, morphology)
        from the quiet envelope; overrides ``quiet_offset``. Loses weak movements on noisy
        nights (the ringing tail made them last the minimum duration); off by default.
    artefacts : ArtefactConfig
        The rejection of candidates that do not turn the shank (bed vibration, knocks,
        machines): :mod:`rls_monitor.detection.artefacts`. ``ArtefactConfig(enabled=False)``
        keeps every candidate.
    """

    working_rate_hz: float = 20.0
    band_hz: tuple[float, float] = (0.3, 8.0)
    filter_order: int = 2
    envelope_s: float = 0.15
    floor_block_s: float = 1.0
    floor_window_s: float = 60.0
    floor_percentile: float = 10.0
    floor_min_mg: float = 0.5
    onset_factor: float = 2.0
    onset_min_mg: float = 8.0
    offset_ratio: float = 0.25
    quiet_s: float = 0.5
    min_duration_s: float = 0.5
    morphology: bool = True
    morphology_s: float = 0.5
    bed_edge_s: float = 5.0
    turnover_pad_s: float = 1.0
    quiet_offset: bool = True
    two_pass_offset: bool = False
    artefacts: ArtefactConfig = field(default_factory=ArtefactConfig)

    def __post_init__(self) -> None:
        lo, hi = self.band_hz
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
            raise ConfigError(
                f"band_hz must be (low, high) with 0 < low < high; got {self.band_hz!r}",
                name="band_hz",
                value=self.band_hz,
            )
        if hi >= self.working_rate_hz / 2:
            raise ConfigError(
                f"band_hz upper edge {hi:g} Hz must be below half the working rate "
                f"({self.working_rate_hz:g} Hz)",
                name="band_hz",
                value=self.band_hz,
            )
        if self.filter_order not in (1, 2, 3, 4):
            raise ConfigError(
                f"filter_order must be 1..4; got {self.filter_order!r}",
                name="filter_order",
                value=self.filter_order,
                allowed=(1, 2, 3, 4),
            )
        for name in (
            "working_rate_hz",
            "envelope_s",
            "floor_block_s",
            "floor_window_s",
            "floor_min_mg",
            "quiet_s",
            "min_duration_s",
            "morphology_s",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be > 0; got {value!r}", name=name, value=value)
        for name in ("onset_min_mg", "bed_edge_s", "turnover_pad_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ConfigError(f"{name} must be >= 0; got {value!r}", name=name, value=value)
        if not (0 <= self.floor_percentile <= 100):
            raise ConfigError(
                f"floor_percentile must be in 0..100; got {self.floor_percentile!r}",
                name="floor_percentile",
                value=self.floor_percentile,
            )
        if not (math.isfinite(self.onset_factor) and self.onset_factor > 1):
            raise ConfigError(
                f"onset_factor must be > 1; got {self.onset_factor!r}",
                name="onset_factor",
                value=self.onset_factor,
            )
        if not (0 < self.offset_ratio < 1):
            raise ConfigError(
                f"offset_ratio must be in (0, 1); got {self.offset_ratio!r}",
                name="offset_ratio",
                value=self.offset_ratio,
            )


#: The host detector as the band's own pipeline (``firmware_host.processing``, its C port) runs
#: it: onset at 3 times the floor, no artefact rule (no gravity estimate per candidate within the
#: band's budget; without the rule 2 times lets noise through: hard nights at 25 Hz, F1 0.72
#: against 0.76).
BAND_PIPELINE = DetectorConfig(onset_factor=3.0, artefacts=ArtefactConfig(enabled=False))


@dataclass(frozen=True)
class Envelope:
    """Activity envelope and thresholds on the working grid.

    Attributes
    ----------
    envelope_mg : ndarray of float32, shape (m,)
        Smoothed vector magnitude of the band-passed acceleration (mg).
    fs_hz : float
        Working rate (Hz); sample ``j`` is at ``j / fs_hz`` s.
    floor_mg, onset_mg, offset_mg : ndarray of float32, shape (n_blocks,)
        Noise floor and thresholds per floor block (mg).
    block_n : int
        Working samples per floor block.
    """

    envelope_mg: F32
    fs_hz: float
    floor_mg: F32
    onset_mg: F32
    offset_mg: F32
    block_n: int


@dataclass(frozen=True)
class LegMovements:
    """Leg movements of one leg while lying, sorted by onset.

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (k,)
        Start and end of each LM (s from the first sample), on the working grid.
    peak_mg : ndarray of float64, shape (k,)
        Largest envelope value within the LM (mg; smoothed, so below the raw peak).
    posture_change : ndarray of bool, shape (k,)
        The LM overlaps a turn-over: a posture change, not an LM for PLM scoring.
    onset_threshold_mg, offset_threshold_mg : ndarray of float64, shape (k,)
        Thresholds in force at each onset (mg).
    noise_floor_mg : ndarray of float32, shape (n_blocks,)
        The noise floor per ``floor_block_s`` block (mg), over the whole signal.
    floor_block_s : float
        Block length of ``noise_floor_mg`` (s).
    fs_hz : float
        Working rate the times are quantised to (Hz).
    rotation_deg : ndarray of float64, shape (k,)
        Largest turn of the gravity vector during each LM (deg; NaN for one with no sample):
        :mod:`rls_monitor.detection.artefacts`.
    rejected : RejectedCandidates
        The candidates rejected as artefacts (not LMs), with their reasons.
    """

    onset_s: F64
    offset_s: F64
    peak_mg: F64
    posture_change: NDArray[np.bool_]
    onset_threshold_mg: F64
    offset_threshold_mg: F64
    noise_floor_mg: F32
    floor_block_s: float
    fs_hz: float
    rotation_deg: F64 = field(default_factory=lambda: np.zeros(0))
    rejected: RejectedCandidates = field(default_factory=lambda: RejectedCandidates.empty())

    def __len__(self) -> int:
        return int(self.onset_s.size)

    @property
    def duration_s(self) -> F64:
        """Duration of each LM (s)."""
        return np.asarray(self.offset_s - self.onset_s, dtype=np.float64)


def samples_for(duration_s: float, fs_hz: float, *, odd: bool = False) -> int:
    """Samples needed to span at least ``duration_s`` at ``fs_hz`` (rounded up, at least 1).

    Parameters
    ----------
    duration_s : float
    fs_hz : float
    odd : bool
        Round up to an odd number (for a window with a middle sample).

    Returns
    -------
    int
    """
    n = max(1, math.ceil(duration_s * fs_hz - 1e-9))
    if odd and n % 2 == 0:
        n += 1
    return n


_CHUNK_WORK = 1 << 15
"""Working samples per chunk of the band-pass (a ``(3, 32768)`` block: 400 kB of float32 block
means, filtered in float64)."""


@dataclass(frozen=True)
class BandPass:
    """The detector's Butterworth band-pass at one working rate, as second-order sections.

    Attributes
    ----------
    sos : ndarray of float64, shape (n_sections, 6)
        ``scipy.signal.butter(order, band_hz, btype="band", fs=fs_work_hz, output="sos")``.
    zi_unit : ndarray of float64, shape (n_sections, 2)
        ``scipy.signal.sosfilt_zi(sos)``: the state in steady state under a unit input (scaled
        by a sample's value, it starts the filter as if the signal had always been there).
    """

    sos: F64
    zi_unit: F64


def band_pass_design(order: int, band_hz: tuple[float, float], fs_work_hz: float) -> BandPass:
    """The detector's Butterworth band-pass at the working rate (``scipy.signal.butter``).

    Parameters
    ----------
    order : int
        Order of the low-pass prototype (``2 * order`` poles, ``order`` sections).
    band_hz : tuple of float
        Lower and upper -3 dB edges (Hz), ``0 < low < high < fs_work_hz / 2``.
    fs_work_hz : float
        Working rate (Hz).

    Returns
    -------
    BandPass
    """
    from scipy import signal  # imported when scoring starts, not with the package

    sos = np.asarray(
        signal.butter(order, band_hz, btype="band", fs=fs_work_hz, output="sos"), np.float64
    )
    zi_unit = np.asarray(signal.sosfilt_zi(sos), np.float64)
    return BandPass(sos=sos, zi_unit=zi_unit)


def _band_pass_magnitude_mg(
    accel_g: F32, k: int, m: int, design: BandPass, *, backwards: bool
) -> F32:
    """Vector magnitude (mg) of the band-pass of the working signal, shape (m,).

    The working signal (block means of ``k`` samples) is made and filtered in chunks by
    ``scipy.signal.sosfilt``, carrying the filter's state (``zi``) from chunk to chunk, so the
    values are those of one pass over the whole signal without holding it as a ``(3, m)``
    array. The filter starts in the steady state of the first working sample (the
    ``sosfilt_zi`` state scaled by it); ``backwards`` runs it on the time-reversed signal (from
    the last sample, over the chunks from the end) and returns the result in forward time
    order. The filter and the squares run in float64 (``filt[0]**2 + filt[1]**2 +
    filt[2]**2``), rounded to float32 once.
    """
    from scipy import signal  # imported when scoring starts, not with the package

    out = np.empty(m, np.float32)
    first = m - 1 if backwards else 0
    x0 = block_mean_transposed(accel_g[first * k : (first + 1) * k], k)[:, 0].astype(np.float64)
    state = design.zi_unit[:, None, :] * x0[None, :, None]  # (n_sections, 3, 2)
    # a loop over chunks (~18 per 8 h), not samples; backwards, they end at m, m - chunk, ...
    chunks = (
        [(max(0, c1 - _CHUNK_WORK), c1) for c1 in range(m, 0, -_CHUNK_WORK)]
        if backwards
        else [(c0, min(m, c0 + _CHUNK_WORK)) for c0 in range(0, m, _CHUNK_WORK)]
    )
    for c0, c1 in chunks:
        work = block_mean_transposed(accel_g[c0 * k : c1 * k], k).astype(np.float64)
        target = out[c0:c1]
        if backwards:
            work, target = work[:, ::-1], target[::-1]
        filt, state = signal.sosfilt(design.sos, work, axis=1, zi=state)
        filt *= filt
        power = filt[0]
        power += filt[1]
        power += filt[2]
        target[:] = power
    np.sqrt(out, out=out)
    out *= np.float32(1000.0)
    return out


def activity_envelopes(
    accel_g: F32, fs_hz: float, config: DetectorConfig | None = None
) -> tuple[F32, F32, float]:
    """The two activity envelopes of the dynamic acceleration (mg) on the working grid.

    A causal band-pass rings after a movement ends: a leg movement tilts the shank by a few
    degrees (tens of mg of gravity) and the 0.3 Hz high-pass edge turns its return into a tail
    of 1.5-2 s above the offset threshold, whatever the movement's strength, so offsets taken on
    the causal envelope come about 2 s late (simulated nights: median +1.9 s). The same filter
    run backwards in time rings *before* the movement instead. Hence two envelopes:

    - the *onset envelope*: the causal pass, delay-compensated, smoothed; it rises
      at the onset, and its peak is the reported ``peak_mg``;
    - the *quiet envelope*: per sample the smaller of the causal and the time-reversed pass (each
      with its group delay removed), smoothed; it falls at the offset, rises at the onset, and
      stays low elsewhere. The offset rule and the morphology rule use it.

    The noise floor and thresholds come from the onset envelope. (Taking them from the quiet
    envelope, or using it for the onset too, was tried on simulated nights: lower floors gave
    noise detections at 25 Hz, and later onsets of weak movements.)

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration (g), validated.
    fs_hz : float
        Sampling rate (Hz).
    config : DetectorConfig, optional

    Returns
    -------
    onset_mg, quiet_mg : ndarray of float32, shape (m,)
        ``m = n // k`` with ``k`` the decimation factor. With neither
        ``DetectorConfig.quiet_offset`` nor ``two_pass_offset`` the two are the same array (the
        causal envelope).
    fs_work_hz : float
        Working rate ``fs_hz / k`` (Hz).

    Raises
    ------
    DetectionError
        If the working rate is too low for the band.
    """
    from scipy import ndimage  # imported when scoring starts, not with the package

    cfg = config or DetectorConfig()
    k = decimation_factor(fs_hz, cfg.working_rate_hz)
    fw = fs_hz / k
    if cfg.band_hz[1] >= fw / 2:
        raise DetectionError(
            f"the band's upper edge {cfg.band_hz[1]:g} Hz needs a rate above "
            f"{2 * cfg.band_hz[1]:g} Hz; got {fs_hz:g} Hz"
        )
    # Chunks of the working signal, block-averaged from the input as they are needed: the
    # working signal is never held whole as a (3, m) array, nor its filtered copies. The
    # causal pass runs forwards over the chunks, the reversed pass backwards over the reversed
    # chunks, each carrying its filter state, so the values are those of whole-signal passes.
    m = accel_g.shape[0] // k
    band = band_pass_design(cfg.filter_order, (float(cfg.band_hz[0]), float(cfg.band_hz[1])), fw)
    both = cfg.two_pass_offset or cfg.quiet_offset
    fwd = _band_pass_magnitude_mg(accel_g, k, m, band, backwards=False)
    w = samples_for(cfg.envelope_s, fw, odd=True)
    # the low-pass group delay at low frequency, sqrt(2) / (2 pi f_high) s: the causal pass is
    # advanced by it (the tail repeats the last value), the reversed pass delayed (the head
    # repeats the first value)
    delay = min(round(math.sqrt(2.0) / (2.0 * math.pi * cfg.band_hz[1]) * fw), m // 2)
    spare = np.empty_like(fwd)
    quiet: F32 | None = None
    if both:
        # the reversed pass, kept in forward time order
        back = _band_pass_magnitude_mg(accel_g, k, m, band, backwards=True)
        quiet_raw = spare
        if delay > 0:
            np.minimum(fwd[2 * delay :], back[: m - 2 * delay], out=quiet_raw[delay : m - delay])
            quiet_raw[:delay] = np.minimum(fwd[delay : 2 * delay], back[0])
            quiet_raw[m - delay :] = np.minimum(fwd[m - 1], back[m - 2 * delay : m - delay])
        else:
            np.minimum(fwd, back, out=quiet_raw)
        # the moving average, in the reversed pass's place
        quiet = ndimage.uniform_filter1d(quiet_raw, w, output=back)
        del back, quiet_raw
    env = ndimage.uniform_filter1d(fwd, w, output=spare)
    if delay > 0:  # advanced into the causal pass's place (no overlapping copy)
        fwd[:-delay] = env[delay:]
        fwd[-delay:] = env[-1]
        env = fwd
    del fwd, spare
    return env, env if quiet is None else quiet, fw


def activity_envelope(
    accel_g: F32, fs_hz: float, config: DetectorConfig | None = None
) -> tuple[F32, float]:
    """The onset envelope of :func:`activity_envelopes` (mg) and the working rate (Hz)."""
    env, _quiet, fw = activity_envelopes(accel_g, fs_hz, config)
    return env, fw


def movement_thresholds(
    envelope_mg: F32, fs_hz: float, config: DetectorConfig | None = None
) -> Envelope:
    """Adaptive noise floor and onset/offset thresholds of an envelope.

    Parameters
    ----------
    envelope_mg : ndarray of float32, shape (m,)
        Envelope on the working grid (mg).
    fs_hz : float
        Working rate (Hz).
    config : DetectorConfig, optional

    Returns
    -------
    Envelope
    """
    from scipy import ndimage  # imported when scoring starts, not with the package

    cfg = config or DetectorConfig()
    m = envelope_mg.size
    block_n = max(1, round(cfg.floor_block_s * fs_hz))
    n_blocks = max(1, -(-m // block_n))
    padded = np.empty(n_blocks * block_n, np.float32)
    padded[:m] = envelope_mg
    padded[m:] = envelope_mg[-1] if m else 0.0
    means = padded.reshape(n_blocks, block_n).mean(axis=1, dtype=np.float64)
    win = max(1, round(cfg.floor_window_s / cfg.floor_block_s))
    floor = ndimage.percentile_filter(means, cfg.floor_percentile, size=win, mode="nearest")
    floor = np.maximum(floor, cfg.floor_min_mg)
    onset = np.maximum(cfg.onset_factor * floor, floor + cfg.onset_min_mg)
    offset = floor + cfg.offset_ratio * (onset - floor)
    return Envelope(
        envelope_mg=envelope_mg,
        fs_hz=float(fs_hz),
        floor_mg=floor.astype(np.float32),
        onset_mg=onset.astype(np.float32),
        offset_mg=offset.astype(np.float32),
        block_n=block_n,
    )


def _per_sample_le(x: F32, thr: F32, block_n: int) -> NDArray[np.bool_]:
    """``x <= thr`` sample by sample, ``thr`` holding one value per ``block_n`` samples (the
    comparison is made block-wise, broadcasting each value; no per-sample threshold array)."""
    if block_n == 1:
        return np.asarray(x <= thr)
    m = x.size
    whole = m // block_n
    out = np.empty(m, np.bool_)
    np.less_equal(
        x[: whole * block_n].reshape(whole, block_n),
        thr[:whole, None],
        out=out[: whole * block_n].reshape(whole, block_n),
    )
    if whole * block_n < m:
        np.less_equal(x[whole * block_n :], thr[whole], out=out[whole * block_n :])
    return out


def score_envelope(
    envelope_mg: F32,
    onset_mg: F32,
    offset_mg: F32,
    *,
    quiet_n: int,
    min_n: int,
    morphology_n: int | None,
    quiet_mg: F32 | None = None,
    report_mg: F32 | None = None,
    block_n: int | None = None,
) -> tuple[I64, I64]:
    """The LM state machine on an envelope, vectorised: onsets and offsets in samples.

    Parameters
    ----------
    envelope_mg : ndarray of float32, shape (m,)
        Activity envelope (mg) tested against ``onset_mg``.
    onset_mg, offset_mg : ndarray of float32, shape (m,), or (ceil(m / block_n),) with ``block_n``
        Thresholds per sample (mg), ``offset_mg <= onset_mg``; with ``block_n``, one value per
        block of ``block_n`` samples (the adaptive floor's blocks), which gives the same result
        as the values spread over the samples without holding them per sample.
    quiet_n : int
        Samples of a quiet run (``quiet_mg`` at or below ``offset_mg``) that ends an LM.
    min_n : int
        Fewest samples of an LM.
    morphology_n : int or None
        Odd window (samples) of the morphology rule: some window inside the LM must have a
        median of ``quiet_mg - offset`` at or above 0; ``None`` skips the rule.
    quiet_mg : ndarray of float32, shape (m,), optional
        The envelope of the offset and morphology rules (the quiet envelope of
        :func:`activity_envelopes`); ``envelope_mg`` when not given. An onset is a sample with
        ``envelope_mg`` above ``onset_mg`` that is not quiet.
    report_mg : ndarray of float32, shape (m,), optional
        The envelope the *reported* offset is taken from, once the LMs are decided (the
        ``quiet_offset`` hybrid): an LM ``[a, b)`` kept by the rules above ends instead at the
        first ``i`` in ``[a + min_n, b]`` from which ``report_mg`` stays at or below
        ``offset_mg`` for ``quiet_n`` samples inside the signal (the WASM 2016 offset: the
        start of at least 0.5 s at or below the offset threshold), or at ``b`` if there is
        none. Onsets, the LMs kept and their number do not change.
    block_n : int, optional
        Samples per threshold value (see ``onset_mg``); per-sample thresholds when not given.

    Returns
    -------
    onset, offset : ndarray of int64, shape (k,)
        Sample of the onset and the first sample after the LM (the start of the quiet run, or
        ``m``).

    Raises
    ------
    DetectionError
        If the shapes differ, ``offset_mg > onset_mg`` somewhere, or a length is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> env = np.float32([0, 0, 9, 9, 9, 1, 9, 9, 0, 0, 0, 0])
    >>> on, off = np.full(12, 5, np.float32), np.full(12, 2, np.float32)
    >>> score_envelope(env, on, off, quiet_n=3, min_n=2, morphology_n=3)
    (array([2]), array([8]))
    """
    env = np.asarray(envelope_mg)
    m = env.size
    qenv = env if quiet_mg is None else np.asarray(quiet_mg)
    bn = 1 if block_n is None else int(block_n)
    if bn < 1:
        raise DetectionError("block_n must be positive")
    n_thr = m if block_n is None else max(1, -(-m // bn))
    if onset_mg.shape != (n_thr,) or offset_mg.shape != (n_thr,) or qenv.shape != (m,):
        raise DetectionError(
            "envelopes must have the shape (m,) and thresholds (m,) or (ceil(m / block_n),)"
        )
    if quiet_n < 1 or min_n < 1 or (morphology_n is not None and morphology_n < 1):
        raise DetectionError("quiet_n, min_n and morphology_n must be positive")
    if (offset_mg > onset_mg).any():
        raise DetectionError("the offset threshold must not exceed the onset threshold")
    quiet = _per_sample_le(qenv, offset_mg, bn)
    qs, qe = runs(quiet)
    long_run = (qe - qs) >= quiet_n
    qs, qe = qs[long_run], qe[long_run]
    # active stretches between long quiet runs; each holds at most one LM
    st_start = np.concatenate([[0], qe]).astype(np.int64)
    st_end = np.concatenate([qs, [m]]).astype(np.int64)
    above = np.flatnonzero(~_per_sample_le(env, onset_mg, bn) & ~quiet)
    if above.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    j = np.searchsorted(above, st_start)
    first = above[np.minimum(j, above.size - 1)]
    has = (j < above.size) & (first < st_end)
    onset, offset = first[has].astype(np.int64), st_end[has]
    keep = (offset - onset) >= min_n
    onset, offset = onset[keep], offset[keep]
    if morphology_n is not None and onset.size:
        # Only the samples of the candidate LMs are looked at (a night holds a few hundred
        # LMs, a few per cent of its samples): they are gathered end to end, and a window
        # of w samples starting at position p of the gathered vector counts when it lies
        # inside one LM, i.e. p in [start, start + length - w] of that LM.
        w = int(morphology_n)
        need = w // 2 + 1
        length = offset - onset
        ok = length >= w
        if ok.any():
            on_c, len_c = onset[ok], length[ok]
            seg = np.cumsum(len_c) - len_c  # start of each LM in the gathered vector
            idx = np.arange(int(len_c.sum()), dtype=np.int64) + np.repeat(on_c - seg, len_c)
            strong = np.concatenate(
                [[0], np.cumsum(qenv[idx] >= offset_mg[idx // bn], dtype=np.int64)]
            )
            good = (strong[w:] - strong[:-w]) >= need  # window starting at p
            gc = np.concatenate([[0], np.cumsum(good, dtype=np.int64)])
            ok[ok] = (gc[seg + len_c - w + 1] - gc[seg]) > 0
        onset, offset = onset[ok], offset[ok]
    if report_mg is not None and onset.size:
        rep = np.asarray(report_mg)
        if rep.shape != (m,):
            raise DetectionError("report_mg must have the shape (m,) of the envelope")
        # i starts a run of quiet_n samples at or below the offset threshold, inside the signal,
        # when it lies in [rs, re - quiet_n] of a run [rs, re) of such samples: the first such
        # i at or after t is max(t, rs) of the first run with re - quiet_n >= t (the runs
        # are sorted and disjoint), so only the runs are held, not every start
        rs, re = runs(_per_sample_le(rep, offset_mg, bn))
        long_rep = (re - rs) >= quiet_n
        rs, last = rs[long_rep], re[long_rep] - quiet_n
        if rs.size:
            first_ok = onset + min_n
            t = np.searchsorted(last, first_ok)
            tt = np.minimum(t, rs.size - 1)
            cand = np.maximum(rs[tt], first_ok)
            offset = np.where((t < rs.size) & (cand <= offset), cand, offset).astype(np.int64)
    return onset, offset


def detect_leg_movements(
    accel_g: NDArray[np.float32],
    fs_hz: float,
    *,
    posture: Posture | None = None,
    config: DetectorConfig | None = None,
) -> LegMovements:
    """Detect leg movements while lying, flagging turn-overs.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration in g, sensor axes (any mounting).
    fs_hz : float
        Sampling rate (Hz), 10-1000 (typically 25-100).
    posture : Posture, optional
        From :func:`~rls_monitor.detection.posture.detect_posture` on the same signal; computed
        with the default configuration when not given.
    config : DetectorConfig, optional

    Returns
    -------
    LegMovements
        The LMs entirely inside lying bouts, with ``posture_change`` set on turn-overs.

    Raises
    ------
    DetectionError
        If the rate is out of range, the signal is shorter than 10 s, not ``(n, 3)`` or not
        finite, or the posture is of another signal.
    UnitsError
        If the signal is plainly in mg rather than g.

    References
    ----------
    .. [1] Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in
       polysomnograms. Sleep Med 2016;26:86-95.

    Examples
    --------
    >>> import numpy as np
    >>> from rls_monitor.detection.posture import PostureConfig, detect_posture
    >>> fs = 50.0
    >>> t = np.arange(int(300 * fs)) / fs
    >>> a = np.zeros((t.size, 3), np.float32)
    >>> a[:, 2] = 1.0  # lying still, x along the shank
    >>> burst = (t >= 150) & (t < 152)
    >>> a[burst, 2] += np.float32(0.05) * np.sin(2 * np.pi * 3 * t[burst]).astype(np.float32)
    >>> p = detect_posture(a, fs, PostureConfig(shank_axis=(1.0, 0.0, 0.0)))
    >>> lms = detect_leg_movements(a, fs, posture=p)
    >>> len(lms), bool(abs(lms.onset_s[0] - 150.0) < 0.3)
    (1, True)
    """
    cfg = config or DetectorConfig()
    a = check_accel(accel_g, fs_hz)
    n = a.shape[0]
    if posture is None:
        posture = detect_posture(a, fs_hz)
    elif abs(posture.duration_s - n / fs_hz) > max(posture.epoch_s, 1.0):
        raise DetectionError(
            f"posture covers {posture.duration_s:.1f} s but the signal is {n / fs_hz:.1f} s"
        )
    env_mg, quiet_mg, fw = activity_envelopes(a, fs_hz, cfg)
    th = movement_thresholds(env_mg, fw, cfg)
    on_i, off_i = score_envelope(
        env_mg,
        th.onset_mg,
        th.offset_mg,
        block_n=th.block_n,
        quiet_n=samples_for(cfg.quiet_s, fw),
        min_n=samples_for(cfg.min_duration_s + cfg.envelope_s, fw),
        morphology_n=samples_for(cfg.morphology_s, fw, odd=True) if cfg.morphology else None,
        quiet_mg=quiet_mg if cfg.two_pass_offset else None,
        report_mg=quiet_mg if cfg.quiet_offset and not cfg.two_pass_offset else None,
    )
    del quiet_mg
    onset_s = on_i / fw
    offset_s = off_i / fw
    # keep LMs inside lying bouts, away from their edges
    lying = posture.lying
    bs, be = runs(lying)
    bout_start_s = bs * posture.epoch_s + cfg.bed_edge_s
    bout_end_s = np.minimum(be * posture.epoch_s, posture.duration_s) - cfg.bed_edge_s
    k = np.searchsorted(bout_start_s, onset_s, side="right") - 1
    inside = k >= 0
    kk = np.maximum(k, 0)
    if bs.size:
        inside &= offset_s <= bout_end_s[kk]
    else:
        inside[:] = False
    onset_s, offset_s, on_i, off_i = onset_s[inside], offset_s[inside], on_i[inside], off_i[inside]
    # turn-overs
    tv = posture.turnovers
    t_on = tv.onset_s - cfg.turnover_pad_s
    t_off = tv.offset_s + cfg.turnover_pad_s
    j = np.searchsorted(t_on, offset_s, side="left") - 1  # last turn-over starting before offset
    posture_change = (
        (j >= 0) & (onset_s < t_off[np.maximum(j, 0)])
        if t_on.size
        else (np.zeros(onset_s.size, bool))
    )
    # artefacts: candidates that do not turn the shank (rls_monitor.detection.artefacts)
    verdicts = classify_candidates(
        a,
        decimation_factor(fs_hz, cfg.working_rate_hz),
        fw,
        on_i,
        off_i,
        skip=np.asarray(posture_change, dtype=bool),
        config=cfg.artefacts,
    )
    # peaks: max of the envelope over [onset, offset)
    if on_i.size:
        bounds = np.empty(2 * on_i.size, np.int64)
        bounds[0::2], bounds[1::2] = on_i, off_i
        ext = np.append(env_mg, np.float32(0.0))
        peak = np.maximum.reduceat(ext, bounds)[0::2].astype(np.float64)
    else:
        peak = np.zeros(0)
    blk = np.minimum(on_i // th.block_n, th.onset_mg.size - 1)
    out = verdicts.rejected
    keep = ~out
    logger.debug(
        "leg movements: %d while lying (%d turn-overs), %d artefacts rejected",
        int(keep.sum()),
        int(np.asarray(posture_change)[keep].sum()),
        int(out.sum()),
    )
    return LegMovements(
        onset_s=onset_s[keep].astype(np.float64),
        offset_s=offset_s[keep].astype(np.float64),
        peak_mg=peak[keep],
        posture_change=np.asarray(posture_change, dtype=bool)[keep],
        onset_threshold_mg=th.onset_mg[blk][keep].astype(np.float64),
        offset_threshold_mg=th.offset_mg[blk][keep].astype(np.float64),
        noise_floor_mg=th.floor_mg,
        floor_block_s=th.block_n / fw,
        fs_hz=fw,
        rotation_deg=verdicts.rotation_deg[keep],
        rejected=RejectedCandidates(
            onset_s=onset_s[out].astype(np.float64),
            offset_s=offset_s[out].astype(np.float64),
            peak_mg=peak[out],
            rotation_deg=verdicts.rotation_deg[out],
            reason=verdicts.reason[out],
        ),
    )
