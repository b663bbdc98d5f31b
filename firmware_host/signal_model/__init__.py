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

Bedroom artefacts
-----------------
What shakes the band but is not its leg moving (:mod:`firmware_host.signal_model.artefacts`, none
by default; the ``"partner"`` and ``"bedroom"`` presets, or ``partner_per_h``, ``pet_per_h``,
``machine_per_h`` and ``knock_per_h`` on any preset): a bed partner's movements through the
mattress, a pet jumping on the bed, a fan or washing machine (periodic bursts spaced like a PLM
series) and the band knocking; each with its truth label in ``GroundTruth.artefacts``. None turns
the shank.

Not modelled
------------
Sleep stages, arousals and respiratory events (no truth for PLMS vs PLMW or respiratory-related
LMs); short-IMI movements inside a series (an intrusion would end a WASM series); slow leg drift
while lying; cross-axis sensitivity and temperature dependence of the sensor; data loss (the
simulated band injects faults on its own).

Determinism and cost
--------------------
Everything is drawn from ``numpy.random.default_rng(seed)``: the same configuration and seed give
bit-identical counts. The plan of the night (cheap: events, not samples) is drawn whole; the
samples are rendered window by window (:class:`~firmware_host.signal_model.render.BandStream`),
every segment, transition, movement, twitch and block of sensor noise drawing from its own
generator seeded from the band's, so a window is the same whichever windows came before:
:func:`stream_night` gives the night on demand (the simulated band records from it), and
:func:`simulate_night` is that stream read whole. Loops run over events and windows, never over
samples; an 8 h night at 50 Hz (1.44 M samples) takes about 1 s, and a stream holds about
2 MB (a 22-minute window) whatever the night's length. (Before the nights were streamed, the
same seed gave other samples: the random draws were made in one sequence over the whole night.)

Submodules
----------
config
    :class:`NightConfig` and the presets (:func:`night_config`).
truth
    :class:`GroundTruth` and its parts, :class:`SimulatedNight`.
lm_episodes
    The planned leg movements: episodes and their placement in bed spans.
timeline
    The night's plan shared by both legs: segments, postures, turn-overs, twitches.
waveforms
    Signal shapes: smooth steps, band-limited noise, envelopes, drift.
canvas
    The per-sample canvas one leg is drawn on.
walking
    Walking at the ankle.
lm_waveform
    The waveform of one leg movement.
render
    One band's recording of a plan: canvas -> sensor counts and truth.
night
    :func:`simulate_night`, :func:`simulate_bilateral_night` and their streams.

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

from firmware_host.signal_model.config import NightConfig, night_config
from firmware_host.signal_model.lm_episodes import BED_EDGE_GUARD_S, LM_EPISODE_GUARD_S
from firmware_host.signal_model.night import (
    simulate_bilateral_night,
    simulate_night,
    stream_bilateral_night,
    stream_night,
)
from firmware_host.signal_model.render import BandStream
from firmware_host.signal_model.timeline import POSTURE_ROLL_DEG
from firmware_host.signal_model.truth import (
    MOVEMENT_KINDS,
    GroundTruth,
    Intervals,
    LyingPeriods,
    SimulatedNight,
    TrueMovements,
    UprightPeriods,
)

__all__ = [
    "BED_EDGE_GUARD_S",
    "LM_EPISODE_GUARD_S",
    "MOVEMENT_KINDS",
    "POSTURE_ROLL_DEG",
    "BandStream",
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
    "stream_bilateral_night",
    "stream_night",
]
