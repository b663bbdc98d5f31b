"""The band's on-device leg-movement pipeline, written as firmware would be (event mode, issue 7).

Integer arithmetic only: int16 counts in, int32 sums (int64 only for products of two squared
magnitudes in the once-a-second posture code), shifts and multiply-shifts instead of divisions in
the per-sample path, fixed-size state allocated in
:meth:`Pipeline.__init__` (numpy arrays of fixed size and plain ints; nothing grows), no SciPy.
A C port is a transliteration of :meth:`Pipeline.process_sample` and ``_end_of_block``.

Stages (``fw`` is the working rate, ``k`` the decimation factor, as in the host detector)
----------------------------------------------------------------------------------------
1. *Decimation*: sums of ``k = floor(fs_hz / 20)`` samples, shifted right by
   ``s = floor(log2 k)`` (50 Hz -> 25 Hz, 100 Hz -> 20 Hz).
2. *Band-pass* (gravity removal): a 64-tap FIR (2.56 s at 25 Hz) whose Q14 taps are the host's
   order-2 Butterworth 0.3-8 Hz impulse response, truncated and corrected to sum to exactly 0
   (:func:`bandpass_taps`); int16 samples accumulate in int32 (the taps' absolute sum is below 4).
   The output keeps ``frac`` fractional bits so that one envelope unit is about 0.25 mg
   (14-bit sensors have ~1 mg counts), rounded, clamped to int16.
3. *Envelope*: the rounded ``isqrt(dx^2 + dy^2 + dz^2)`` (uint32 in), averaged over 5 samples
   (0.2 s, the host's 0.15 s rounded up to an odd count; ``/5`` as ``* 52429 >> 18``), centred
   and shifted by one sample as the host compensates the filter's delay.
4. *Adaptive noise floor*, exactly the host's: the 10th percentile (7th smallest of 60) of the
   1-s block means of the envelope (quarter units) over a **centred** 60-block window, the first
   block repeated before the start and the last after the end (``mode="nearest"``), at least
   0.5 mg. To centre it, the LM rules run on the envelope 30 s late (a ring of 750 uint16: the
   largest piece of state); events leave the band 30 s after they end, which does not matter
   for a night's scoring.
5. *Thresholds* per block, as the host: ``onset = max(3 * floor, floor + 8 mg)``,
   ``offset = floor + (onset - floor) >> 2`` (ratio 0.25), in quarter units.
6. *LM rules*, exactly the host's (``rls_monitor.detection.movements.score_envelope``): onset at
   the first sample above ``onset``; the LM ends at the start of the first run of ``quiet_n``
   samples (0.5 s rounded up) at or below ``offset``; at least ``min_n`` samples (0.5 s plus the
   envelope's 0.15 s, as the host); the WASM 2016 morphology rule (some window of ``morph_n``
   samples, odd, inside the LM with at least ``morph_n // 2 + 1`` samples at or above
   ``offset``: its median) with a bit mask of the last ``morph_n`` samples and a popcount.
   The *reported* offset, as the host's default (``DetectorConfig.quiet_offset``), is the WASM
   2016 offset on the *quiet envelope*: the start of the first run of ``quiet_n`` samples at or
   below ``offset`` that begins at or after onset + ``min_n`` (a counter running beside the
   rules; the causal offset when there is none). An LM longer than 10 s (reported duration) is
   sent as ``KIND_LONG``.
6a. *Quiet envelope*: the causal FIR rings for ~2 s after a movement's tilt returns, which makes
   the causal offsets ~2 s late. The same FIR applied backwards in time (``sum taps[i] *
   w[t + i]``, from the 64 working samples the FIR ring already holds, so 2.56 s late at 25 Hz)
   rings before movements instead; per sample the smaller of the two magnitudes (each with its
   one-sample delay removed), averaged over 5 samples like the envelope, is the quiet envelope
   (the host's, up to the FIR approximation; the host's reversed pass runs over the whole night).
   It is saturated to u8 (255 = loud; one unit is ~0.25 mg, so only offset thresholds above
   ~63 mg lose it) and brought to the LM rules, 30 s late, by a delay line of ``delay_n - 61``
   bytes. The last 61 samples of a recording have no reversed pass (their causal offset stands).
7. *Posture* per 1-s epoch: the epoch's gravity (sum of working samples ``>> 4``); *walking* =
   runs of at least 8 epochs whose mean envelope exceeds 150 mg (the host's walking SD and bout
   length; no autocorrelation); the **shank axis** is learned on the band as the mean gravity
   direction over walking bouts (the host's ``"walking"`` source; the prelude of a night walks
   to bed), or given by the host (``PipelineConfig.shank_axis_q14``, e.g. from the previous
   night's host scoring; this needs a protocol command, see ``docs/protocol.md``). *Lying* =
   elevation of the axis under 45 deg (``2 (g.a)^2 < |g|^2 |a|^2``) and not walking, majority of
   5 epochs (the host's 5-s median), gaps under 15 s filled, bouts of at least 300 s kept (the host's 5-min minimum): sent
   as ``KIND_IN_BED`` / ``KIND_OUT_OF_BED`` events dated to the bout's first / first non-lying
   epoch. Until an axis is known, lying is unknown (no bouts); the host's lying-plane fit for
   nights without walking is not on the band.
8. *Turn-overs*: stable stretches (at least 3 quiet lying epochs, each within 10 deg of the
   previous); consecutive stretches in one bed bout whose directions across the shank axis differ
   by more than 45 deg give a ``KIND_POSTURE`` event from the end of the first to the start of the
   second (the host flags LMs overlapping it, padded by 1 s, as posture changes).
9. *Per-minute summary* (60 blocks): LMs sent in the minute, mean and largest block-mean
   activity (mg), posture label, percentage of still blocks (block mean at or below ``offset``).

The block API :meth:`Pipeline.process_block` runs stages 1-3 and 6 as numpy integer vector
operations (cumulative sums for the moving sums, ``flatnonzero``/``searchsorted`` jumps for the
state machine, a loop over transitions, not samples) and is exactly equivalent to feeding
:meth:`Pipeline.process_sample` one sample at a time, whatever the block sizes (property-tested).
The FIRs are ``np.convolve`` on int64 (exact), the state machine runs once per 1-s segment of
constant thresholds. The per-block stages 4-5 and 7-9 are the same code in both paths. State is
3.4 KiB at 25 and 50 Hz, 2.9 KiB at 100 Hz (:meth:`Pipeline.state_bytes`; 2.6 KiB before the
quiet envelope); the per-sample cost is counted in :meth:`Pipeline.ops_per_sample`.

Times are in working samples from the first sample (``j / fw`` s); :mod:`firmware_host.event_mode`
turns them into band ticks and frames.

References
----------
.. [1] Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for recording
   and scoring leg movements in polysomnograms. Sleep Med 2016;26:86-95 (onset/offset rules,
   0.5 s quiet period, computerised-detection morphology rule).
.. [2] Sforza E, et al. Validation of the PAM-RL ankle actigraph. Sleep Med 2005 (an ankle
   actigraph's on-device thresholds; secondary).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ENVELOPE_N",
    "GRAVITY_N",
    "KIND_IN_BED",
    "KIND_LM",
    "KIND_LONG",
    "KIND_OUT_OF_BED",
    "KIND_POSTURE",
    "POSTURE_CODES",
    "BandEvent",
    "MinuteSummary",
    "Pipeline",
    "PipelineConfig",
    "isqrt_u32",
]

GRAVITY_N = 64
"""Taps of the band-pass FIR (working samples, a power of two for the ring index)."""
ENVELOPE_N = 5
"""Length of the envelope moving average (working samples)."""
FLOOR_BLOCKS = 60
"""Blocks (1 s) in the noise-floor ring."""
FLOOR_RANK_PERCENT = 10
"""Percentile of the noise floor."""
FLOOR_FRAC = 2
"""Fractional bits of the block means, floor and thresholds (quarter envelope units)."""
EPOCH_SHIFT = 4
"""Epoch gravity = sum of the block's working samples >> EPOCH_SHIFT."""
_DIR_SHIFT = 2  # further shift of epoch gravity for direction tests (keeps products in int64)

KIND_LM = 0
"""A leg movement of at most 10 s (EVENT kind)."""
KIND_LONG = 1
"""A movement longer than 10 s (never a CLM)."""
KIND_POSTURE = 2
"""A turn-over: from the end of one stable lying posture to the start of the next."""
KIND_IN_BED = 3
"""A lying bout starts (duration 0)."""
KIND_OUT_OF_BED = 4
"""A lying bout ends (duration 0)."""

POSTURE_CODES = {"unknown": 0, "supine": 1, "prone": 2, "left": 3, "right": 4, "upright": 5}
"""SUMMARY posture codes (``firmware_host.protocol.SummaryFrame.posture``)."""

_IDLE, _ACTIVE = 0, 1
TAP_SHIFT = 14
"""Band-pass taps are Q14 integers."""
_ENV_LAG = ENVELOPE_N // 2 + 1  # centred window j - 2 .. j + 2, shifted 1 sample (filter delay)
_MAG_MAX = 50000  # magnitudes are clamped so that ((sum + 2) * _DIV5) >> 18 == (sum + 2) // 5
_DIV5 = 52429  # ceil(2**18 / 5)
_DEG10_NUM, _DEG10_DEN = 970, 1000  # cos^2(10 deg) = 0.9698
# the quiet envelope: q[j] = round(mean of qraw[j - 2 .. j + 2]), qraw[t] = min(fwd magnitude at
# t + 1, reversed magnitude at t - 1) (both filters' one-sample delay removed); the reversed FIR
# output at t needs working samples t .. t + GRAVITY_N - 1, so q[j] is made with sample
# j + _Q_LAG, when the FIR ring holds them
_Q_LAG = GRAVITY_N
_Q_LOUD = 255  # quiet-envelope ring values are u8, saturated: 255 never counts as quiet


class BandEvent(NamedTuple):
    """One event of the pipeline, in working samples from the first sample.

    Attributes
    ----------
    kind : int
        ``KIND_LM``, ``KIND_LONG``, ``KIND_POSTURE``, ``KIND_IN_BED`` or ``KIND_OUT_OF_BED``.
    start : int
        Onset (working samples).
    duration : int
        Working samples (0 for bed events).
    peak_mg : int
        Largest envelope value inside an LM (mg), 0 otherwise.
    """

    kind: int
    start: int
    duration: int
    peak_mg: int


class MinuteSummary(NamedTuple):
    """One minute (60 blocks of 1 s) of the pipeline.

    Attributes
    ----------
    minute : int
        Minute index from the first working sample.
    lm_count : int
        LM events sent during the minute.
    mean_activity_mg, max_activity_mg : int
        Mean and largest 1-s block mean of the envelope (mg).
    posture : int
        :data:`POSTURE_CODES` of the minute's last epoch.
    still_pct : int
        Percent of blocks whose mean envelope is at or below the offset threshold.
    """

    minute: int
    lm_count: int
    mean_activity_mg: int
    max_activity_mg: int
    posture: int
    still_pct: int


@dataclass(frozen=True)
class PipelineConfig:
    """Parameters of the band pipeline (physical units; converted to integers once).

    Attributes
    ----------
    onset_factor_x4 : int
        Onset threshold as a multiple of the floor, times 4 (12: x3, as the host).
    onset_min_mg, floor_min_mg : float
        Onset at least this far above the floor; lowest floor (mg).
    offset_shift : int
        Offset = floor + (onset - floor) >> offset_shift (2: ratio 0.25).
    quiet_s, min_duration_s, morphology_s : float
        The standards' 0.5 s (rounded up to working samples; morphology to an odd number).
    envelope_s : float
        Added to ``min_duration_s``, as the host does: the envelope's moving average widens
        every event by its length (s).
    long_s : float
        Movements longer than this are ``KIND_LONG`` (10 s: not CLMs).
    walk_min_mg, walk_min_epochs : float, int
        Walking: block-mean envelope above this for at least this many 1-s epochs.
    quiet_epoch_mg : float
        Largest block-mean envelope of a quiet (stable-posture) epoch (mg).
    max_gap_epochs, min_bout_epochs : int
        Lying gaps shorter than this are filled; bouts shorter than this are dropped (epochs).
    turnover_min_deg : float
        Smallest direction change across the shank axis that is a turn-over (deg).
    shank_axis_q14 : tuple of 3 int or None
        The shank axis (ankle -> knee) in sensor axes, unit vector times 16384, when the host
        knows it; otherwise the band learns it from walking.
    """

    onset_factor_x4: int = 12
    onset_min_mg: float = 8.0
    floor_min_mg: float = 0.5
    offset_shift: int = 2
    quiet_s: float = 0.5
    min_duration_s: float = 0.5
    morphology_s: float = 0.5
    envelope_s: float = 0.15
    long_s: float = 10.0
    walk_min_mg: float = 150.0
    walk_min_epochs: int = 8
    quiet_epoch_mg: float = 30.0
    max_gap_epochs: int = 15
    min_bout_epochs: int = 300
    turnover_min_deg: float = 45.0
    shank_axis_q14: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if not 4 < self.onset_factor_x4 <= 64:
            raise ValueError(f"onset_factor_x4 must be in 5..64; got {self.onset_factor_x4!r}")
        if self.offset_shift not in (1, 2, 3, 4):
            raise ValueError(f"offset_shift must be 1..4; got {self.offset_shift!r}")
        for name in ("quiet_s", "min_duration_s", "morphology_s", "long_s", "walk_min_mg"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be > 0; got {value!r}")
        if self.shank_axis_q14 is not None and (
            len(self.shank_axis_q14) != 3 or not any(self.shank_axis_q14)
        ):
            raise ValueError(f"shank_axis_q14 must be 3 ints, not all 0; got {self.shank_axis_q14}")


def isqrt_u32(x: NDArray[np.int64]) -> NDArray[np.int64]:
    """Exact integer square root (floor) of non-negative values below 2**32, vectorised.

    Parameters
    ----------
    x : ndarray of int64
        Values in ``0 .. 2**32 - 1``.

    Returns
    -------
    ndarray of int64
        ``floor(sqrt(x))``, equal to :func:`math.isqrt` element by element.

    Examples
    --------
    >>> isqrt_u32(np.array([0, 1, 3, 4, 2**32 - 1])).tolist()
    [0, 1, 1, 2, 65535]
    """
    r = np.sqrt(x.astype(np.float64)).astype(np.int64)
    r -= (r * r > x).astype(np.int64)
    r += ((r + 1) * (r + 1) <= x).astype(np.int64)
    return r


def bandpass_taps(
    fw_hz: float, n_taps: int = 64, band_hz: tuple[float, float] = (0.3, 8.0)
) -> NDArray[np.int32]:
    """Q14 FIR taps of the host's band-pass: the order-2 Butterworth's impulse response, truncated.

    The host detector filters with ``butter(2, band_hz, "band")`` (an IIR). Its impulse response
    (designed here by the bilinear transform in plain Python, no SciPy) is cut at ``n_taps``
    samples (2.56 s at 25 Hz, where it has decayed to a few percent), quantised to Q14 and
    corrected so that the taps sum to exactly 0 (gravity is removed exactly). A FIR keeps the
    block path exact: a convolution of integers is the same whatever the block sizes. On a band
    the taps are a const table computed once per rate.

    Parameters
    ----------
    fw_hz : float
        Working rate (Hz).
    n_taps : int
        Number of taps.
    band_hz : tuple of float
        Band edges (Hz).

    Returns
    -------
    ndarray of int32, shape (n_taps,)
        ``taps[i]`` multiplies the sample ``i`` steps back; sum 0; sum of magnitudes below
        ``4 * 2**14``,
        so that int16 samples accumulate in int32 without overflow.
    """
    fs2 = 2.0 * fw_hz
    wl = fs2 * math.tan(math.pi * band_hz[0] / fw_hz)
    wh = fs2 * math.tan(math.pi * band_hz[1] / fw_hz)
    bw, w0sq = wh - wl, wl * wh
    poles: list[complex] = []
    for ang in (3 * math.pi / 4, 5 * math.pi / 4):  # order-2 Butterworth prototype
        half = complex(math.cos(ang), math.sin(ang)) * bw / 2
        root = (half * half - w0sq) ** 0.5
        poles += [half + root, half - root]
    zp = [(fs2 + q) / (fs2 - q) for q in poles]
    a = np.real(np.poly(zp))
    b = np.real(np.poly([1.0, 1.0, -1.0, -1.0]))
    # unit gain at the centre frequency
    fc = math.atan(math.sqrt(w0sq) / fs2) / math.pi
    z = complex(math.cos(2 * math.pi * fc), math.sin(2 * math.pi * fc))
    gain = abs(np.polyval(b, z) / np.polyval(a, z))
    b = b / gain
    h = np.zeros(n_taps)
    x = np.zeros(n_taps)
    x[0] = 1.0
    for n in range(n_taps):  # direct-form difference equation on an impulse
        acc = sum(b[i] * x[n - i] for i in range(len(b)) if n - i >= 0)
        acc -= sum(a[i] * h[n - i] for i in range(1, len(a)) if n - i >= 0)
        h[n] = acc
    taps = np.round(h * (1 << TAP_SHIFT)).astype(np.int64)
    residual = int(taps.sum())  # the truncated tail; spread so that the taps sum to 0
    share = np.full(n_taps, residual // n_taps, np.int64)
    share[: residual - int(share.sum())] += 1
    taps -= share
    if int(np.abs(taps).sum()) >= 4 << TAP_SHIFT:
        raise ValueError("band-pass taps too large for int32 accumulation")
    return taps.astype(np.int32)


def _samples_for(duration_s: float, fw: float, *, odd: bool = False) -> int:
    n = max(1, math.ceil(duration_s * fw - 1e-9))
    if odd and n % 2 == 0:
        n += 1
    return n


def _tdiv(a: int, b: int) -> int:
    """C integer division (truncation toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class Pipeline:
    """The on-device pipeline: int16 counts in, events and minute summaries out.

    Parameters
    ----------
    fs_hz : float
        Sample rate (Hz); the working rate ``fs_hz / floor(fs_hz / 20)`` must be 20-32 Hz
        (e.g. 25, 50, 100, 200 Hz).
    lsb_g : float
        g per count.
    config : PipelineConfig, optional

    Raises
    ------
    ValueError
        For a rate or an ``lsb_g`` the pipeline cannot run at.

    Examples
    --------
    >>> import numpy as np
    >>> pipe = Pipeline(50.0, 2.0**-12)
    >>> still = np.tile(np.int16([0, 0, 4096]), (50 * 20, 1))
    >>> pipe.process_block(still)
    []
    >>> pipe.state_bytes() <= 4096
    True
    """

    def __init__(self, fs_hz: float, lsb_g: float, config: PipelineConfig | None = None) -> None:
        cfg = config or PipelineConfig()
        if not (math.isfinite(fs_hz) and 20.0 <= fs_hz <= 2000.0):
            raise ValueError(f"fs_hz must be 20..2000 Hz; got {fs_hz!r}")
        if not (math.isfinite(lsb_g) and 0 < lsb_g < 0.1):
            raise ValueError(f"lsb_g must be in (0, 0.1) g; got {lsb_g!r}")
        self.config = cfg
        self.fs_hz = float(fs_hz)
        self.lsb_g = float(lsb_g)
        k = max(1, math.floor(fs_hz / 20.0 + 1e-9))
        self.k = k
        self.fw = fs_hz / k
        if not 20.0 - 1e-9 <= self.fw <= 32.0 + 1e-9:
            raise ValueError(f"working rate {self.fw:g} Hz is outside 20..32 Hz (fs {fs_hz:g})")
        self.shift = k.bit_length() - 1
        mg_per_w = lsb_g * 1000.0 * (1 << self.shift) / k  # mg per working-sample unit
        #: fractional bits kept after the band-pass, so that an envelope unit is ~0.25 mg
        self.frac = min(4, max(0, round(math.log2(mg_per_w / 0.25))))
        self.d_shift = TAP_SHIFT - self.frac
        #: mg per envelope unit (float, used only to set the integer constants below)
        self.mg_per_unit = mg_per_w / (1 << self.frac)
        mpu = self.mg_per_unit
        # integer constants (a C port has them as #defines)
        self.block_n = round(self.fw)
        self.quiet_n = _samples_for(cfg.quiet_s, self.fw)
        # the host adds the envelope's length: the average widens every event by it
        self.min_n = _samples_for(cfg.min_duration_s + cfg.envelope_s, self.fw)
        self.morph_n = _samples_for(cfg.morphology_s, self.fw, odd=True)
        self.morph_need = self.morph_n // 2 + 1
        self.long_n = round(cfg.long_s * self.fw)
        self.onset_min_u = max(1, round(cfg.onset_min_mg / mpu))
        self.floor_min_u = max(1, round(cfg.floor_min_mg / mpu))
        self.walk_u = round(cfg.walk_min_mg / mpu)
        self.quiet_ep_u = round(cfg.quiet_epoch_mg / mpu)
        self.mg_q16 = round(mpu * 65536)  # mg = (units * mg_q16) >> 16
        c = math.cos(math.radians(cfg.turnover_min_deg))
        self.turn_num, self.turn_den = round(c * c * 1000), 1000
        self.env_delay = _ENV_LAG  # env sample j is made with working sample j + 3

        # ---- state: fixed-size arrays and scalars (see state_layout) ----
        self.dec_acc = np.zeros(3, np.int32)
        self.dec_n = 0
        self.hist = np.zeros((GRAVITY_N, 3), np.int32)  # working samples, ring
        self.hist_pos = 0
        #: Q14 band-pass taps (a const table in flash in C, not state)
        self.taps = bandpass_taps(self.fw, GRAVITY_N)
        self._taps64 = self.taps.astype(np.int64)
        self.mag_ring = np.zeros(ENVELOPE_N, np.uint16)
        self.mag_pos = 0
        self.mag_sum = 0
        self.n_work = 0  # working samples seen (u32)
        self.n_env = 0  # envelope samples made (u32)
        # block (1 s) accumulators
        self.blk_n = 0
        self.blk_env = 0  # u32
        self.blk_grav = np.zeros(3, np.int32)
        self.floor_ring = np.zeros(FLOOR_BLOCKS, np.uint16)
        self.floor_pos = 0
        self.n_push = 0  # block means pushed (padding included)
        self.delay_n = (FLOOR_BLOCKS // 2) * self.block_n
        self.env_ring = np.zeros(self.delay_n, np.uint16)  # the envelope of the last 30 s
        self.ring_pos = 0
        # quiet envelope (offsets): forward magnitudes of the last GRAVITY_N samples, the
        # 5-sample ring of qraw, and a delay line bringing q[j] to the LM rules with env[j]
        self.fmag_ring = np.zeros(GRAVITY_N, np.uint16)
        self.qraw_ring = np.zeros(ENVELOPE_N, np.uint16)
        self.qraw_pos = 0
        self.qraw_sum = 0  # u32
        self.q_len = self.delay_n - (_Q_LAG - _ENV_LAG)
        self.q_ring = np.full(self.q_len, _Q_LOUD, np.uint8)
        self.q_pos = 0
        self.have_floor = 0
        self.floor_u = 0
        self.on_u = 0
        self.off_u = 0
        # LM state machine
        self.state = _IDLE
        self.onset = 0
        self.qstart = 0
        self.quiet = 0
        self.morph = 0
        self.morph_q = 0
        self.peak = 0
        self.sbits = 0
        self.qrun = 0  # quiet-envelope run inside the current LM
        self.qfound = 0  # its reported offset is known
        self.qoff = 0
        # posture
        self.axis = np.zeros(3, np.int32)  # Q14
        self.axis_known = 0
        if cfg.shank_axis_q14 is not None:
            v = [int(a) for a in cfg.shank_axis_q14]
            norm = math.isqrt(sum(a * a for a in v))
            self.axis[:] = [_tdiv(a << 14, norm) for a in v]
            self.axis_known = 2  # given: never relearned
        self.axis_acc = np.zeros(3, np.int64)
        self.walk_run = 0
        self.walk_sum = np.zeros(3, np.int32)
        self.lie_bits = 0  # last 5 raw lying decisions (bit 0 newest)
        self.act_bits = 0  # last 5 "active" decisions
        self.in_bed = 0
        self.cand_start = 0
        self.cand_len = 0
        self.gap = 0
        self.prev_g = np.zeros(3, np.int32)
        self.prev_ok = 0
        self.st_len = 0
        self.st_start = 0
        self.st_dir = np.zeros(3, np.int32)  # sum of the first 3 epochs of the current stretch
        self.last_dir = np.zeros(3, np.int32)  # latest epochs of the last confirmed stretch
        self.last_end = 0
        self.have_last = 0
        self.broken = 1
        self.ref = np.zeros(3, np.int32)  # supine reference across the axis
        self.have_ref = 0
        self.posture = 0
        # minute summary
        self.min_blocks = 0
        self.min_act = 0  # u32
        self.min_max = 0
        self.min_still = 0
        self.min_lm = 0
        self.minute = 0
        self._out: list[BandEvent | MinuteSummary] = []  # output queue, drained every call

    # ------------------------------------------------------------------ budgets

    def state_layout(self) -> list[tuple[str, str, int]]:
        """The pipeline state as C would declare it: ``(name, ctype, bytes)``.

        Arrays count their ``nbytes``; scalars their declared C type (``u8`` flags and small
        counters, ``u16``/``i16`` thresholds and samples, ``u32``/``i32`` sums and sample
        indices).
        """
        arrays = [(name, getattr(self, name)) for name in _STATE_ARRAYS]
        out = [(name, f"{a.dtype.name}[{a.size}]", int(a.nbytes)) for name, a in arrays]
        sizes = {"u8": 1, "u16": 2, "i16": 2, "u32": 4, "i32": 4}
        out += [(name, ctype, sizes[ctype]) for name, ctype in _STATE_SCALARS]
        return out

    def state_bytes(self) -> int:
        """Bytes of pipeline state (:meth:`state_layout` summed); the budget is 4096."""
        return sum(b for _, _, b in self.state_layout())

    def ops_per_sample(self) -> dict[str, float]:
        """Integer operations per input sample, counted statically on the worst code path.

        Classes: ``mac`` (multiply-accumulate, one cycle on a Cortex-M4), ``mul``, ``add``
        (add/sub), ``shift``, ``cmp`` (compare and branch), ``load_store`` (array accesses).
        Per input sample: the decimation sums (3 add, 3 load, 1 cmp). Per working sample
        (divided by ``k``): the FIR, 3 x ``GRAVITY_N`` MACs with their loads, one ring store;
        rounding (add, shift) and clamp (2 cmp) per axis; squares (3 mac); the square root of a
        u32 by the bitwise method (16 iterations of add, shift, cmp, sub) and its rounding (mul,
        sub, cmp, add); the envelope ring (add, sub, load, store, cmp) and ``/5`` (add, mul,
        shift); the 30-s delay ring (load, store, cmp); block accumulators (4 add, cmp); the LM
        state machine's worst path (shift, or, and, 6 cmp, 3 add, popcount as 10 shift/add).
        The quiet envelope (offsets), per working sample: the reversed FIR (3 x ``GRAVITY_N``
        MACs and loads), its rounding, clamp, squares and square root as above, the forward
        magnitude ring (store, load, and), the minimum (cmp), its 5-sample ring and ``/5`` (2
        add, mul, shift, 2 load/store, cmp), saturation to u8 (cmp), the delay line (load,
        store, cmp) and the quiet-run counter of the LM rules (2 cmp, 2 add, shift, 3 cmp).
        Per block (divided by ``k * block_n``): the percentile by selection on a copy of the 60
        block means (60 load/store, ~120 cmp), thresholds (~10), posture (~40 mul, 40 add, 20
        cmp) and the summary (~10).

        Returns
        -------
        dict of str to float
            Operations per input sample by class, and ``total``.
        """
        nt = GRAVITY_N
        per_raw = {"mac": 0, "mul": 0, "add": 3, "shift": 0, "cmp": 1, "load_store": 3}
        fir_mag = {  # one band-pass FIR and its magnitude (forward, or reversed in time)
            "mac": 3 * nt + 3,
            "mul": 1,
            "add": 3 + 2 * 16 + 2,
            "shift": 3 + 16,
            "cmp": 3 * 2 + 16 + 1,
            "load_store": 3 * nt,
        }
        per_work = {
            "mac": 2 * fir_mag["mac"],
            "mul": 2 * fir_mag["mul"] + 1 + 1,
            "add": 2 * fir_mag["add"] + 2 + 1 + 1 + 4 + 3 + 5 + 2 + 2,
            "shift": 2 * fir_mag["shift"] + 1 + 1 + 5 + 1 + 1,
            "cmp": 2 * fir_mag["cmp"] + 1 + 1 + 1 + 6 + 1 + 1 + 1 + 1 + 5,
            "load_store": 2 * fir_mag["load_store"] + 3 + 2 + 2 + 2 + 2 + 2,
        }
        per_block = {"mac": 0, "mul": 40, "add": 50, "shift": 10, "cmp": 150, "load_store": 70}
        out: dict[str, float] = {}
        for c in per_raw:
            out[c] = per_raw[c] + per_work[c] / self.k + per_block[c] / (self.k * self.block_n)
        out["total"] = sum(out.values())
        return out

    # ------------------------------------------------------------------ per-sample path

    def process_sample(self, x: int, y: int, z: int) -> list[BandEvent | MinuteSummary]:
        """Feed one sample of int16 counts (the firmware's per-sample interrupt work).

        Returns
        -------
        list
            Events and summaries completed by this sample (usually empty).
        """
        acc = self.dec_acc
        acc[0] += x
        acc[1] += y
        acc[2] += z
        self.dec_n += 1
        if self.dec_n == self.k:
            s = self.shift
            w = (int(acc[0]) >> s, int(acc[1]) >> s, int(acc[2]) >> s)
            acc[:] = 0
            self.dec_n = 0
            self._work(w)
        return self._drain()

    def _work(self, w: tuple[int, int, int]) -> None:
        hist = self.hist
        if self.n_work == 0:
            hist[:] = w
        p = self.hist_pos
        hist[p] = w
        p = (p + 1) & (GRAVITY_N - 1)
        self.hist_pos = p
        d2 = 0
        order = (p - 1 - np.arange(GRAVITY_N)) & (GRAVITY_N - 1)  # newest first
        accs = self._taps64 @ hist[order].astype(np.int64)  # 3 x 64 MACs, int32 in C
        for a in range(3):
            acc = int(accs[a])
            d = (acc + (1 << (self.d_shift - 1))) >> self.d_shift  # rounded
            d = -32767 if d < -32767 else (32767 if d > 32767 else d)
            d2 += d * d
        r = math.isqrt(d2)
        m = min(r + (d2 - r * r > r), _MAG_MAX)  # rounded square root
        mp = self.mag_pos
        self.mag_sum += m - int(self.mag_ring[mp])
        self.mag_ring[mp] = m
        self.mag_pos = 0 if mp + 1 == ENVELOPE_N else mp + 1
        env = ((self.mag_sum + 2) * _DIV5) >> 18  # round(sum / 5)
        n = self.n_work
        self.fmag_ring[n & (GRAVITY_N - 1)] = m
        qd = _Q_LOUD  # q[n - 3 - delay_n], for the LM rules
        if n >= GRAVITY_N - 1:
            # reversed FIR at t = n - 63 over w[t .. n], oldest first (p is the oldest)
            fwd_order = (p + np.arange(GRAVITY_N)) & (GRAVITY_N - 1)
            baccs = self._taps64 @ hist[fwd_order].astype(np.int64)  # 3 x 64 MACs
            b2 = 0
            for a in range(3):
                d = (int(baccs[a]) + (1 << (self.d_shift - 1))) >> self.d_shift
                d = -32767 if d < -32767 else (32767 if d > 32767 else d)
                b2 += d * d
            r = math.isqrt(b2)
            bm = min(r + (b2 - r * r > r), _MAG_MAX)
            fm = int(self.fmag_ring[(n - (GRAVITY_N - 3)) & (GRAVITY_N - 1)])  # fwd at n - 61
            qraw = bm if bm < fm else fm  # qraw[n - 62]
            qp = self.qraw_pos
            self.qraw_sum += qraw - int(self.qraw_ring[qp])
            self.qraw_ring[qp] = qraw
            self.qraw_pos = 0 if qp + 1 == ENVELOPE_N else qp + 1
            jq = n - _Q_LAG  # q[jq] = round(mean of qraw[jq - 2 .. jq + 2])
            if jq >= 0:
                q = ((self.qraw_sum + 2) * _DIV5) >> 18
                q = _Q_LOUD if jq < ENVELOPE_N // 2 + 1 or q > _Q_LOUD else q
                qpos = self.q_pos
                qd = int(self.q_ring[qpos])  # q[jq - q_len] = q[n - 3 - delay_n]
                self.q_ring[qpos] = q
                self.q_pos = 0 if qpos + 1 == self.q_len else qpos + 1
        j = n - self.env_delay
        self.n_work += 1
        if j >= 0:
            g_at = hist[(p - 1 - _ENV_LAG) & (GRAVITY_N - 1)]  # w[n - 3]
            self._env_sample(j, env, g_at, qd)

    def _env_sample(self, j: int, v: int, g_at: NDArray[np.int32], qd: int) -> None:
        self.n_env = j + 1
        self.blk_env += v
        self.blk_grav += g_at
        if v > self.min_max:
            self.min_max = v
        rp = self.ring_pos
        if j >= self.delay_n:  # the LM rules run 30 s late, when the centred floor is known
            self._lm_step(j - self.delay_n, int(self.env_ring[rp]), qd)
        self.env_ring[rp] = v
        self.ring_pos = 0 if rp + 1 == self.delay_n else rp + 1
        self.blk_n += 1
        if self.blk_n == self.block_n:
            self._end_of_block()

    def _lm_step(self, j: int, v: int, qv: int) -> None:
        """One sample of the LM state machine (envelope ``v``, quiet envelope ``qv`` (u8, 255
        = loud) at working sample ``j``)."""
        off = self.off_u
        v4 = v << FLOOR_FRAC  # thresholds carry FLOOR_FRAC fractional bits
        self.sbits = ((self.sbits << 1) | (v4 >= off)) & ((1 << self.morph_n) - 1)
        if self.state == _IDLE and v4 > self.on_u:
            self.state = _ACTIVE
            self.onset = j
            self.peak = 0
            self.quiet = 0
            self.morph = 0
            self.morph_q = 0
            self.qrun = 0
            self.qfound = 0
        if self.state == _ACTIVE:
            if v > self.peak:
                self.peak = v
            if not self.qfound:  # the reported offset: first quiet run from onset + min_n
                self.qrun = self.qrun + 1 if qv < _Q_LOUD and (qv << FLOOR_FRAC) <= off else 0
                if self.qrun >= self.quiet_n and j >= self.onset + self.min_n + self.quiet_n - 1:
                    self.qfound = 1
                    self.qoff = max(j - self.qrun + 1, self.onset + self.min_n)
            if v4 <= off:
                if self.quiet == 0:
                    self.qstart = j
                    self.morph_q = self.morph
                self.quiet += 1
            else:
                self.quiet = 0
            if j - self.onset + 1 >= self.morph_n and self.sbits.bit_count() >= self.morph_need:
                self.morph = 1
            if self.quiet >= self.quiet_n:
                self._end_lm(self.qstart, self.morph_q)

    def _end_lm(self, offset: int, morph: int) -> None:
        """End the LM at ``offset`` (the causal rule's); report the quiet envelope's offset."""
        self.state = _IDLE
        if offset - self.onset >= self.min_n and morph:
            dur = (self.qoff if self.qfound else offset) - self.onset
            kind = KIND_LONG if dur > self.long_n else KIND_LM
            self._out.append(BandEvent(kind, self.onset, dur, (self.peak * self.mg_q16) >> 16))
            self.min_lm += 1

    # ------------------------------------------------------------------ block path

    def process_block(self, counts: NDArray[np.int16]) -> list[BandEvent | MinuteSummary]:
        """Feed a block of samples; identical to :meth:`process_sample` on each row in turn.

        Parameters
        ----------
        counts : ndarray of int16, shape (n, 3)
            Samples, sensor axes; any ``n`` (0 included).

        Returns
        -------
        list
            Events and summaries completed in the block, in the order they completed.

        Raises
        ------
        ValueError
            If ``counts`` is not ``(n, 3)`` integers.
        """
        raw = np.asarray(counts)
        if raw.ndim != 2 or raw.shape[1] != 3 or not np.issubdtype(raw.dtype, np.integer):
            raise ValueError(f"counts must be integer (n, 3); got {raw.dtype} {raw.shape}")
        n = raw.shape[0]
        if n == 0:
            return self._drain()
        k = self.k
        cs = np.zeros((n + 1, 3), np.int64)
        np.cumsum(raw, axis=0, dtype=np.int64, out=cs[1:])
        total = self.dec_n + n
        m = total // k
        if m == 0:
            self.dec_acc += cs[n].astype(np.int32)
            self.dec_n = total
            return self._drain()
        ends = np.arange(1, m + 1) * k - self.dec_n
        starts = np.maximum(ends - k, 0)
        sums = cs[ends] - cs[starts]
        sums[0] += self.dec_acc
        self.dec_acc[:] = cs[n] - cs[ends[-1]]
        self.dec_n = total - m * k
        self._work_block(sums >> self.shift)
        return self._drain()

    def _work_block(self, w: NDArray[np.int64]) -> None:
        m = w.shape[0]
        if self.n_work == 0:
            self.hist[:] = w[0]
        order = (np.arange(GRAVITY_N) + self.hist_pos) & (GRAVITY_N - 1)
        ext = np.concatenate([self.hist[order].astype(np.int64), w])  # oldest first
        idx = np.arange(m)
        d = np.empty((m, 3), np.int64)
        taps = self.taps.astype(np.int64)
        for a in range(3):
            acc = np.convolve(ext[:, a], taps, mode="valid")[1:]
            d[:, a] = (acc + (1 << (self.d_shift - 1))) >> self.d_shift
        np.clip(d, -32767, 32767, out=d)
        d2 = np.einsum("ij,ij->i", d, d)
        r = isqrt_u32(d2)
        mag = np.minimum(r + (d2 - r * r > r), _MAG_MAX)  # rounded square root
        morder = (np.arange(ENVELOPE_N) + self.mag_pos) % ENVELOPE_N
        mext = np.concatenate([self.mag_ring[morder].astype(np.int64), mag])
        mcs = np.concatenate([[0], np.cumsum(mext)])
        env = ((mcs[idx + ENVELOPE_N + 1] - mcs[idx + 1] + 2) * _DIV5) >> 18
        g_at = ext[idx + GRAVITY_N - _ENV_LAG]  # w[n - 3]
        qd = self._quiet_block(ext, mag)
        # save the rings in order (position 0 = oldest)
        self.hist[:] = ext[-GRAVITY_N:]
        self.hist_pos = 0
        self.mag_ring[:] = mext[-ENVELOPE_N:]
        self.mag_pos = 0
        self.mag_sum = int(mext[-ENVELOPE_N:].sum())
        first_j = self.n_work - self.env_delay
        self.n_work += m
        skip = max(0, -first_j)
        if skip >= m:
            return
        self._env_block(first_j + skip, env[skip:], g_at[skip:], qd[skip:])

    def _quiet_block(self, ext: NDArray[np.int64], fmag: NDArray[np.int64]) -> NDArray[np.int64]:
        """The quiet envelope of a block (as ``_work``), vectorised; updates its rings.

        ``ext`` holds the previous ``GRAVITY_N`` working samples and the block's ``m`` (oldest
        first), ``fmag`` the block's forward magnitudes. Returns, per working sample ``n`` of
        the block, ``q[n - 3 - delay_n]`` (255 where it does not exist).
        """
        m = fmag.size
        n0 = self.n_work
        nn = n0 + np.arange(m)
        gm = GRAVITY_N - 1
        # forward magnitudes of samples n0 - 64 .. n0 + m - 1
        fext = np.concatenate([self.fmag_ring[(n0 + np.arange(GRAVITY_N)) & gm], fmag])
        self.fmag_ring[(nn[-GRAVITY_N:]) & gm] = fmag[-GRAVITY_N:]
        qd = np.full(m, _Q_LOUD, np.int64)
        sel = nn >= GRAVITY_N - 1  # samples with a reversed FIR output (t = n - 63)
        if not sel.any():
            return qd
        d = np.empty((m, 3), np.int64)
        for a in range(3):  # reversed FIR: w[t .. t + 63] . taps
            acc = np.convolve(ext[:, a], self._taps64[::-1], mode="valid")[1:]
            d[:, a] = (acc + (1 << (self.d_shift - 1))) >> self.d_shift
        np.clip(d, -32767, 32767, out=d)
        b2 = np.einsum("ij,ij->i", d, d)
        r = isqrt_u32(b2)
        bmag = np.minimum(r + (b2 - r * r > r), _MAG_MAX)
        k0 = int(np.argmax(sel))
        qraw = np.minimum(bmag[k0:], fext[np.arange(k0, m) + 3])  # fwd at n - 61
        order = (np.arange(ENVELOPE_N) + self.qraw_pos) % ENVELOPE_N
        rext = np.concatenate([self.qraw_ring[order].astype(np.int64), qraw])
        rcs = np.concatenate([[0], np.cumsum(rext)])
        c = qraw.size
        ci = np.arange(c)
        qsum = rcs[ci + ENVELOPE_N + 1] - rcs[ci + 1]  # the ring's sum after each qraw
        self.qraw_ring[:] = rext[-ENVELOPE_N:]
        self.qraw_pos = 0
        self.qraw_sum = int(rext[-ENVELOPE_N:].sum())
        jq = nn[k0:] - _Q_LAG
        has = jq >= 0
        if not has.any():
            return qd
        k1 = int(np.argmax(has))
        q = ((qsum[k1:] + 2) * _DIV5) >> 18
        jqs = jq[k1:]
        q = np.where((jqs < ENVELOPE_N // 2 + 1) | (q > _Q_LOUD), _Q_LOUD, q)
        ql = self.q_len
        qorder = (np.arange(ql) + self.q_pos) % ql
        qext = np.concatenate([self.q_ring[qorder].astype(np.int64), q])
        qd[k0 + k1 :] = qext[: q.size]  # read before write: q[jq - q_len]
        self.q_ring[:] = qext[-ql:]
        self.q_pos = 0
        return qd

    def _env_block(
        self, j0: int, env: NDArray[np.int64], g_at: NDArray[np.int64], qd: NDArray[np.int64]
    ) -> None:
        """Envelope samples ``j0 ..``: per segment inside one 1-s block, vectorised."""
        dn = self.delay_n
        order = (np.arange(dn) + self.ring_pos) % dn
        dext = np.concatenate([self.env_ring[order].astype(np.int64), env])  # env[j0 - dn + i]
        pos = 0
        total = env.size
        while pos < total:
            take = min(self.block_n - self.blk_n, total - pos)
            seg = env[pos : pos + take]
            self.blk_env += int(seg.sum())
            self.blk_grav += g_at[pos : pos + take].sum(axis=0).astype(np.int32)
            self.min_max = max(self.min_max, int(seg.max()))
            jd = j0 + pos - dn  # segments never straddle a block, and dn is whole blocks
            if jd >= 0:
                self._lm_segment(jd, dext[pos : pos + take], qd[pos : pos + take])
            self.n_env = j0 + pos + take
            self.blk_n += take
            pos += take
            if self.blk_n == self.block_n:
                self._end_of_block()
        self.env_ring[:] = dext[-dn:]
        self.ring_pos = 0

    def _lm_segment(self, j0: int, e: NDArray[np.int64], qv: NDArray[np.int64]) -> None:
        """The LM state machine over a segment with constant thresholds (vectorised)."""
        n = e.size
        on, off = self.on_u, self.off_u
        w = self.morph_n
        e4 = e << FLOOR_FRAC
        strong = (e4 >= off).astype(np.int64)
        prev = (self.sbits >> np.arange(w - 2, -1, -1)) & 1 if w > 1 else np.zeros(0, np.int64)
        sext = np.concatenate([prev, strong])
        scs = np.concatenate([[0], np.cumsum(sext)])
        good = (scs[np.arange(n) + w] - scs[np.arange(n)]) >= self.morph_need
        gcs = np.concatenate([[0], np.cumsum(good)])  # any good window ending in [a, b)
        bits = sext[-w:]
        self.sbits = int((bits << np.arange(bits.size - 1, -1, -1)).sum())
        quiet = e4 <= off
        above = np.flatnonzero(e4 > on)
        nq_idx = np.where(~quiet, np.arange(n), -1)
        last_reset = np.maximum.accumulate(nq_idx)  # last non-quiet index <= i (or -1)
        qquiet = (qv < _Q_LOUD) & ((qv << FLOOR_FRAC) <= off)
        q_reset = np.maximum.accumulate(np.where(~qquiet, np.arange(n), -1))
        p = 0
        while p < n:
            if self.state == _IDLE:
                t = int(np.searchsorted(above, p))
                if t >= above.size:
                    return
                p = int(above[t])
                self.state = _ACTIVE
                self.onset = j0 + p
                self.peak = 0
                self.quiet = 0
                self.morph = 0
                self.morph_q = 0
                self.qrun = 0
                self.qfound = 0
            # ACTIVE from p: running quiet count c_i for i >= p
            ii = np.arange(p, n)
            lr = last_reset[p:]
            c = np.where(lr >= p, ii - lr, self.quiet + ii - p + 1)
            c = np.where(quiet[p:], c, 0)
            hit = np.flatnonzero(c >= self.quiet_n)
            end = p + int(hit[0]) + 1 if hit.size else n  # the LM's samples in the segment
            if not self.qfound:  # the reported offset: first quiet run from onset + min_n
                iq = np.arange(p, end)
                lq = q_reset[p:end]
                cq = np.where(lq >= p, iq - lq, self.qrun + iq - p + 1)
                cq = np.where(qquiet[p:end], cq, 0)
                ok = (cq >= self.quiet_n) & (j0 + iq >= self.onset + self.min_n + self.quiet_n - 1)
                fq = np.flatnonzero(ok)
                if fq.size:
                    f = int(fq[0])
                    self.qfound = 1
                    self.qoff = max(j0 + p + f - int(cq[f]) + 1, self.onset + self.min_n)
                elif cq.size:
                    self.qrun = int(cq[-1])
            lo_win = max(p, self.onset - j0 + w - 1)  # windows ending at >= lo_win are valid
            if hit.size:
                i = p + int(hit[0])
                ci = int(c[i - p])
                qs = i - ci + 1  # local start of the quiet run (may be < p: carried)
                if qs >= p:
                    hi = qs  # windows ending at <= qs - 1
                    morph_q = self.morph or (hi > lo_win and gcs[hi] - gcs[lo_win] > 0)
                    qstart = j0 + qs
                else:
                    morph_q = self.morph_q
                    qstart = self.qstart
                self.peak = max(self.peak, int(e[p : i + 1].max()))
                self._end_lm(qstart, int(bool(morph_q)))
                p = i + 1
                continue
            # the segment ends inside the LM
            self.peak = max(self.peak, int(e[p:].max()))
            c_last = int(c[-1])
            if c_last > 0:
                qs = n - c_last
                if qs >= p:
                    hi = qs
                    self.morph_q = int(
                        bool(self.morph or (hi > lo_win and gcs[hi] - gcs[lo_win] > 0))
                    )
                    self.qstart = j0 + qs
            self.quiet = c_last
            if not self.morph and n > lo_win and gcs[n] - gcs[lo_win] > 0:
                self.morph = 1
            return

    # ------------------------------------------------------------------ per-block work

    def _end_of_block(self) -> None:
        """Once per 1-s block: floor and thresholds, posture, turn-overs, minute summary."""
        block = self.n_env // self.block_n - 1
        mean4 = ((self.blk_env << FLOOR_FRAC) + self.block_n // 2) // self.block_n
        mean = mean4 >> FLOOR_FRAC
        g = self.blk_grav >> EPOCH_SHIFT
        self.blk_n = 0
        self.blk_env = 0
        self.blk_grav[:] = 0
        self._floor_push(mean4)
        self._posture_epoch(block, g, mean)
        # minute summary
        self.min_blocks += 1
        self.min_act += mean
        if mean4 <= self.off_u:
            self.min_still += 1
        if self.min_blocks == 60:
            mq = self.mg_q16
            self._out.append(
                MinuteSummary(
                    self.minute,
                    self.min_lm,
                    ((self.min_act // 60) * mq) >> 16,
                    (self.min_max * mq) >> 16,
                    self.posture,
                    (self.min_still * 100) // 60,
                )
            )
            self.minute += 1
            self.min_blocks = self.min_act = self.min_max = self.min_still = self.min_lm = 0

    def _floor_push(self, mean4: int) -> None:
        """Add a block mean to the floor ring; once 60 are in, set the thresholds of the block
        29 blocks back (the host's centred window; the first block is repeated 30 times before
        it, as the host's ``mode="nearest"``)."""
        value = min(mean4, 65535)
        for _ in range(FLOOR_BLOCKS // 2 + 1 if self.n_push == 0 else 1):
            self.floor_ring[self.floor_pos] = value
            self.floor_pos = (self.floor_pos + 1) % FLOOR_BLOCKS
            self.n_push += 1
        if self.n_push < FLOOR_BLOCKS:
            return
        rank = FLOOR_BLOCKS * FLOOR_RANK_PERCENT // 100
        kth = int(np.partition(self.floor_ring, rank)[rank])  # C: selection on a copy of 60
        fl = max(kth, self.floor_min_u << FLOOR_FRAC)
        on = max((self.config.onset_factor_x4 * fl) >> 2, fl + (self.onset_min_u << FLOOR_FRAC))
        self.floor_u = fl
        self.on_u = on
        self.off_u = fl + ((on - fl) >> self.config.offset_shift)
        self.have_floor = 1

    def _perp(self, v: NDArray[np.int32]) -> tuple[int, int, int]:
        x, y, z = (int(a) >> _DIR_SHIFT for a in v)
        if not self.axis_known:
            return x, y, z
        ax, ay, az = (int(a) for a in self.axis)
        c = (x * ax + y * ay + z * az) >> 14
        return x - ((c * ax) >> 14), y - ((c * ay) >> 14), z - ((c * az) >> 14)

    @staticmethod
    def _angle_over(p: tuple[int, int, int], q: tuple[int, int, int], num: int, den: int) -> bool:
        """True when the angle between p and q exceeds acos(sqrt(num / den)) (<= 90 deg)."""
        dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2]
        if dot <= 0:
            return True
        pp = p[0] * p[0] + p[1] * p[1] + p[2] * p[2]
        qq = q[0] * q[0] + q[1] * q[1] + q[2] * q[2]
        return den * dot * dot < num * pp * qq

    def _posture_epoch(self, e: int, g: NDArray[np.int32], act: int) -> None:
        cfg = self.config
        active = act > self.walk_u
        # shank axis from walking bouts
        if active:
            self.walk_run += 1
            if self.walk_run < cfg.walk_min_epochs:
                self.walk_sum += g
            elif self.walk_run == cfg.walk_min_epochs:
                self.axis_acc += self.walk_sum.astype(np.int64) + g
            else:
                self.axis_acc += g
        else:
            if self.walk_run >= cfg.walk_min_epochs and self.axis_known != 2:
                v = [int(a) for a in self.axis_acc]
                norm = math.isqrt(sum(a * a for a in v))
                if norm:
                    self.axis[:] = [_tdiv(a << 14, norm) for a in v]
                    self.axis_known = 1
            self.walk_run = 0
            self.walk_sum[:] = 0
        # lying (raw) and its 5-epoch majority, 2 epochs late
        lying = 0
        if self.axis_known:
            gi = [int(a) >> _DIR_SHIFT for a in g]
            dot = sum(gi[i] * int(self.axis[i]) for i in range(3)) >> 14
            gg = gi[0] * gi[0] + gi[1] * gi[1] + gi[2] * gi[2]
            lying = int(2 * dot * dot < gg and self.walk_run < cfg.walk_min_epochs)
        self.lie_bits = ((self.lie_bits << 1) | lying) & 0x1F
        walking = self.walk_run >= cfg.walk_min_epochs
        self.act_bits = ((self.act_bits << 1) | int(walking)) & 0x1F
        smooth = int(self.lie_bits.bit_count() >= 3)
        self._bout_epoch(e - 2, smooth, (self.act_bits >> 2) & 1)
        # stable stretches and turn-overs
        ok = int(lying and act < self.quiet_ep_u)
        gp = self._perp(g)
        if ok and self.prev_ok and not self._angle_over(gp, self._perp(self.prev_g), 970, 1000):
            if self.st_len == 0:
                self.st_start = e - 1
                self.st_len = 1
                self.st_dir[:] = self.prev_g >> _DIR_SHIFT
            self.st_len += 1
            if self.st_len <= 3:
                self.st_dir += g >> _DIR_SHIFT
            if self.st_len == 3:
                new = self._perp(self.st_dir << _DIR_SHIFT)
                if self.have_last and not self.broken:
                    old = self._perp(self.last_dir << _DIR_SHIFT)
                    if self._angle_over(new, old, self.turn_num, self.turn_den):
                        b = self.block_n
                        start = self.last_end * b
                        self._out.append(
                            BandEvent(KIND_POSTURE, start, self.st_start * b - start, 0)
                        )
                if not self.have_ref and self.axis_known:
                    self.ref[:] = new
                    self.have_ref = 1
            if self.st_len >= 3:
                self.last_dir[:] = (self.prev_g + g) >> _DIR_SHIFT
                self.last_end = e + 1
                self.have_last = 1
                self.broken = 0
        else:
            self.st_len = 0
        self.prev_ok = ok
        self.prev_g[:] = g
        self.posture = self._label(lying, gp)

    def _label(self, lying: int, gp: tuple[int, int, int]) -> int:
        if not self.axis_known:
            return POSTURE_CODES["unknown"]
        if not lying:
            return POSTURE_CODES["upright"]
        if not self.have_ref:
            return POSTURE_CODES["unknown"]
        r = [int(a) for a in self.ref]
        a = [int(v) for v in self.axis]
        y = (  # a x r, across the shank: the "left" direction of the band's convention
            (a[1] * r[2] - a[2] * r[1]) >> 14,
            (a[2] * r[0] - a[0] * r[2]) >> 14,
            (a[0] * r[1] - a[1] * r[0]) >> 14,
        )
        c = gp[0] * r[0] + gp[1] * r[1] + gp[2] * r[2]
        s = gp[0] * y[0] + gp[1] * y[1] + gp[2] * y[2]
        if abs(s) <= abs(c):
            return POSTURE_CODES["supine"] if c > 0 else POSTURE_CODES["prone"]
        return POSTURE_CODES["left"] if s > 0 else POSTURE_CODES["right"]

    def _bout_epoch(self, e: int, lying: int, walking: int) -> None:
        if e < 0:
            return
        cfg = self.config
        b = self.block_n
        if self.in_bed:
            if lying:
                self.gap = 0
            else:
                self.gap += 1
                if self.gap >= cfg.max_gap_epochs or walking:
                    self._out.append(BandEvent(KIND_OUT_OF_BED, (e - self.gap + 1) * b, 0, 0))
                    self.in_bed = 0
                    self.broken = 1  # no turn-over across a bed exit
                    self.cand_len = 0
                    self.gap = 0
        elif lying:
            if self.cand_len > 0:
                self.cand_len += self.gap + 1
            else:
                self.cand_start = e
                self.cand_len = 1
            self.gap = 0
            if self.cand_len >= cfg.min_bout_epochs:
                self._out.append(BandEvent(KIND_IN_BED, self.cand_start * b, 0, 0))
                self.in_bed = 1
                self.cand_len = 0
        elif self.cand_len > 0:
            self.gap += 1
            if self.gap >= cfg.max_gap_epochs or walking:
                self.cand_len = 0
                self.gap = 0

    # ------------------------------------------------------------------ end and output

    def flush(self) -> list[BandEvent | MinuteSummary]:
        """End of recording: an LM running into the end ends there; an open bed bout closes.

        Returns
        -------
        list
            The last events.
        """
        m = self.n_env
        dn, b = self.delay_n, self.block_n
        if m > 0:
            last_v = int(self.env_ring[(self.ring_pos - 1) % dn])
            if self.blk_n:  # the partial last block, padded with the last value (as the host)
                total = self.blk_env + (b - self.blk_n) * last_v
                pad = ((total << FLOOR_FRAC) + b // 2) // b
            else:
                pad = int(self.floor_ring[(self.floor_pos - 1) % FLOOR_BLOCKS])
            order = (np.arange(dn) + self.ring_pos) % dn
            delayed = self.env_ring[order]  # env[m - dn .. m - 1]
            # q[jd] for jd < nq is in the delay line (oldest at q_pos: q[nq - q_len]); the last
            # _Q_LAG - _ENV_LAG samples have no reversed pass: loud (the causal offset stands)
            nq, ql = max(0, self.n_work - _Q_LAG), self.q_len
            for jd in range(max(0, m - dn), m):
                while self.n_push - FLOOR_BLOCKS < jd // b:  # windows padded on the right
                    self._floor_push(pad)
                back = jd - (nq - ql)
                qv = int(self.q_ring[(self.q_pos + back) % ql]) if 0 <= back < ql else _Q_LOUD
                self._lm_step(jd, int(delayed[jd - (m - dn)]), qv)
        if self.state == _ACTIVE:
            self._end_lm(m, self.morph)
        if self.in_bed:
            last = self.n_env // self.block_n - 2  # epochs through the smoothing so far
            self._out.append(BandEvent(KIND_OUT_OF_BED, max(0, last - self.gap) * self.block_n,
                                       0, 0))  # fmt: skip
            self.in_bed = 0
        return self._drain()

    def _drain(self) -> list[BandEvent | MinuteSummary]:
        out = self._out
        if out:
            self._out = []
        return out

    @property
    def shank_axis(self) -> tuple[float, float, float] | None:
        """The shank axis in use (unit vector), or None while unknown."""
        if not self.axis_known:
            return None
        x, y, z = (int(a) / 16384.0 for a in self.axis)
        return (x, y, z)


_STATE_ARRAYS = (
    "dec_acc", "hist", "env_ring", "fmag_ring", "qraw_ring", "q_ring", "mag_ring", "blk_grav", "floor_ring", "axis", "axis_acc",
    "walk_sum", "prev_g", "st_dir", "last_dir", "ref",
)  # fmt: skip
_STATE_SCALARS = (
    ("dec_n", "u8"), ("hist_pos", "u8"), ("mag_pos", "u8"), ("mag_sum", "u32"),
    ("n_work", "u32"), ("n_env", "u32"), ("blk_n", "u8"), ("blk_env", "u32"),
    ("floor_pos", "u8"), ("n_push", "u32"), ("ring_pos", "u16"), ("have_floor", "u8"),
    ("floor_u", "u32"), ("on_u", "u32"), ("off_u", "u32"), ("state", "u8"), ("onset", "u32"), ("qstart", "u32"),
    ("quiet", "u16"), ("morph", "u8"), ("morph_q", "u8"), ("peak", "u16"), ("sbits", "u32"),
    ("axis_known", "u8"), ("walk_run", "u16"), ("lie_bits", "u8"), ("act_bits", "u8"),
    ("in_bed", "u8"), ("cand_start", "u32"), ("cand_len", "u16"), ("gap", "u16"),
    ("prev_ok", "u8"), ("st_len", "u32"), ("st_start", "u32"), ("last_end", "u32"),
    ("have_last", "u8"), ("broken", "u8"), ("have_ref", "u8"), ("posture", "u8"),
    ("min_blocks", "u8"), ("min_act", "u32"), ("min_max", "u16"), ("min_still", "u8"),
    ("min_lm", "u8"), ("minute", "u16"), ("qraw_pos", "u8"), ("qraw_sum", "u32"),
    ("q_pos", "u16"), ("qrun", "u16"), ("qfound", "u8"), ("qoff", "u32"),
)  # fmt: skip
