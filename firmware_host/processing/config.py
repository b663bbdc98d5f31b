"""The pipeline's parameters: :class:`PipelineConfig` and the fixed sizes of its state.

The sizes (:data:`GRAVITY_N` taps, :data:`ENVELOPE_N` samples, :data:`FLOOR_BLOCKS` blocks, the
fixed-point fractions) are compile-time constants of a C port; :class:`PipelineConfig` holds the
parameters in physical units, converted to integers once when a
:class:`~firmware_host.processing.pipeline.Pipeline` is made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "ENVELOPE_N",
    "ENV_LAG",
    "EPOCH_SHIFT",
    "FLOOR_BLOCKS",
    "FLOOR_FRAC",
    "FLOOR_RANK_PERCENT",
    "GRAVITY_N",
    "Q_LAG",
    "Q_LOUD",
    "TAP_SHIFT",
    "PipelineConfig",
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
TAP_SHIFT = 14
"""Band-pass taps are Q14 integers."""
ENV_LAG = ENVELOPE_N // 2 + 1
"""Lag of the envelope behind the working samples: the centred window j - 2 .. j + 2, shifted 1
sample (the filter's delay)."""
# the quiet envelope: q[j] = round(mean of qraw[j - 2 .. j + 2]), qraw[t] = min(fwd magnitude at
# t + 1, reversed magnitude at t - 1) (both filters' one-sample delay removed); the reversed FIR
# output at t needs working samples t .. t + GRAVITY_N - 1, so q[j] is made with sample
# j + Q_LAG, when the FIR ring holds them
Q_LAG = GRAVITY_N
"""Lag of the quiet envelope behind the working samples (the reversed FIR's length)."""
Q_LOUD = 255
"""Quiet-envelope ring values are u8, saturated: 255 ("loud") never counts as quiet."""


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
