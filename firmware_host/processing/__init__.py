"""The band's on-device leg-movement pipeline, written as firmware would be (event mode, issue 7).

Integer arithmetic only: int16 counts in, int32 sums (int64 only for products of two squared
magnitudes in the once-a-second posture code), shifts and multiply-shifts instead of divisions in
the per-sample path, fixed-size state allocated in
:meth:`Pipeline.__init__` (numpy arrays of fixed size and plain ints; nothing grows), no SciPy.
A C port is a transliteration of :meth:`Pipeline.process_sample` and ``_end_of_block`` with the
stage methods they call.

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
   5 epochs (the host's 5-s median), gaps under 15 s filled, bouts of at least 300 s kept (the
   host's 5-min minimum): sent as ``KIND_IN_BED`` / ``KIND_OUT_OF_BED`` events dated to the
   bout's first / first non-lying epoch. Until an axis is known, lying is unknown (no bouts);
   the host's lying-plane fit for nights without walking is not on the band.
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
Submodules
----------
config
    :class:`PipelineConfig` and the fixed sizes (:data:`GRAVITY_N`, :data:`ENVELOPE_N`, ...).
outputs
    :class:`BandEvent`, :class:`MinuteSummary` and :data:`POSTURE_CODES`.
integer_filters
    The Q14 band-pass taps (:func:`bandpass_taps`), :func:`isqrt_u32`, C division.
state
    The fixed-size state, its integer constants and budgets (``PipelineState``).
lm_rules
    Stages 4-6: noise floor, thresholds, the LM state machine (``LegMovementRules``).
posture
    Stages 7-8: posture, shank axis, lying bouts and turn-overs (``PostureRules``).
pipeline
    :class:`Pipeline`: stages 1-3, the per-block work and the minute summary (stage 9), joining
    the others.

Event kinds are the protocol's (:class:`firmware_host.protocol.codes.EventKind`); ``KIND_LM`` ...
``KIND_OUT_OF_BED`` are re-exported here from :mod:`firmware_host.protocol.codes` for the callers
that read a pipeline's events.
"""

from __future__ import annotations

from firmware_host.processing.config import (
    ENVELOPE_N,
    EPOCH_SHIFT,
    FLOOR_BLOCKS,
    FLOOR_FRAC,
    FLOOR_RANK_PERCENT,
    GRAVITY_N,
    TAP_SHIFT,
    PipelineConfig,
)
from firmware_host.processing.integer_filters import bandpass_taps, isqrt_u32
from firmware_host.processing.outputs import POSTURE_CODES, BandEvent, MinuteSummary
from firmware_host.processing.pipeline import Pipeline
from firmware_host.protocol.codes import (
    KIND_IN_BED,
    KIND_LM,
    KIND_LONG,
    KIND_OUT_OF_BED,
    KIND_POSTURE,
)

__all__ = [
    "ENVELOPE_N",
    "EPOCH_SHIFT",
    "FLOOR_BLOCKS",
    "FLOOR_FRAC",
    "FLOOR_RANK_PERCENT",
    "GRAVITY_N",
    "KIND_IN_BED",
    "KIND_LM",
    "KIND_LONG",
    "KIND_OUT_OF_BED",
    "KIND_POSTURE",
    "POSTURE_CODES",
    "TAP_SHIFT",
    "BandEvent",
    "MinuteSummary",
    "Pipeline",
    "PipelineConfig",
    "bandpass_taps",
    "isqrt_u32",
]
