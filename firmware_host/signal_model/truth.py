"""The ground truth of a simulated night and the night itself (:class:`SimulatedNight`).

What really happened at one ankle: the leg movements (:class:`TrueMovements`), posture changes
and twitches (:class:`Intervals`), lying and upright periods, the band's orientation on the leg
and the sensor errors applied (:class:`GroundTruth`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.artefacts import ArtefactIntervals
from firmware_host.signal_model.config import NightConfig

__all__ = [
    "MOVEMENT_KINDS",
    "GroundTruth",
    "Intervals",
    "LyingPeriods",
    "SimulatedNight",
    "TrueMovements",
    "UprightPeriods",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


MOVEMENT_KINDS = ("isolated", "periodic", "cluster", "long")
"""Values of ``TrueMovements.kind``."""


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
    artefacts : ArtefactIntervals
        What shook this band but was not its leg moving (bed partner, pet, machine, knocks:
        :mod:`firmware_host.signal_model.artefacts`); none unless the night asks for them.
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
    artefacts: ArtefactIntervals = field(default_factory=ArtefactIntervals.empty)

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
