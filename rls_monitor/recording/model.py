"""The Recording: 3-axis acceleration of one band for one night, and its int16 quantisation.

A :class:`Recording` holds acceleration in g as float32 ``(n, 3)`` in the sensor's own axes, the sample
rate ``fs_hz``, the UTC start time, the device id, the leg side, the stretches that were not recorded
(``gaps``) and free-form metadata. :func:`fill_gaps` puts placeholders in those stretches so the array
stays finite; :func:`quantise` finds the int16 count scale a band would store acceleration in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import RecordingError

__all__ = ["SIDES", "SIDE_ALIASES", "Recording", "fill_gaps", "gap_mask", "quantise"]

SIDES = ("left", "right", "unknown")
"""Allowed values of :attr:`Recording.side`."""

#: Side spellings accepted in files (CSV metadata, event lists), lower-cased, to the side.
SIDE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "l": "left",
        "left": "left",
        "r": "right",
        "right": "right",
        "": "unknown",
        "unknown": "unknown",
    }
)


@dataclass(frozen=True, eq=False)
class Recording:
    """Acceleration of one band over one recording.

    Parameters
    ----------
    accel_g : ndarray of float32, shape (n, 3)
        Acceleration in g in the sensor's axes, uniformly sampled.
    fs_hz : float
        Sample rate in Hz.
    start_utc : datetime or None
        Time of the first sample, timezone-aware UTC; ``None`` when unknown.
    device_id : str
        The band's device id ("" when unknown).
    side : {"left", "right", "unknown"}
        The leg the band was worn on.
    metadata : mapping of str to str
        Anything else the source said (file format, firmware, counters of repaired samples, ...).
    gaps : array-like of int, shape (k, 2), optional
        Stretches that were not recorded, as ``[start, stop)`` sample indices, sorted and not
        overlapping (a device switched off, a damaged block, a long hole in a file's time column).
        Sample ``i`` stays at ``i / fs_hz`` s across them; whatever the values inside were, they
        are replaced by placeholders (:func:`fill_gaps`), and scoring counts none of that time as
        time in bed.

    Raises
    ------
    RecordingError
        If the array has the wrong shape, the rate is not a positive finite number, or the gaps
        are not sorted, disjoint stretches inside the recording.

    Examples
    --------
    >>> import numpy as np
    >>> rec = Recording(np.zeros((500, 3), dtype=np.float32), fs_hz=50.0)
    >>> rec.duration_s
    10.0
    """

    accel_g: NDArray[np.float32]
    fs_hz: float
    start_utc: datetime | None = None
    device_id: str = ""
    side: str = "unknown"
    metadata: Mapping[str, str] = field(default_factory=dict)
    gaps: NDArray[np.int64] = field(default_factory=lambda: np.zeros((0, 2), np.int64))

    def __post_init__(self) -> None:
        accel = np.asarray(self.accel_g)
        if accel.ndim != 2 or accel.shape[1] != 3:
            raise RecordingError(f"acceleration must have shape (n, 3); got {accel.shape}")
        if accel.dtype != np.float32:
            accel = accel.astype(np.float32)
        object.__setattr__(self, "accel_g", accel)
        fs = float(self.fs_hz)
        if not math.isfinite(fs) or fs <= 0:
            raise RecordingError(f"fs_hz must be a positive number; got {self.fs_hz!r}")
        object.__setattr__(self, "fs_hz", fs)
        side = SIDE_ALIASES.get(str(self.side).strip().lower(), str(self.side).strip().lower())
        if side not in SIDES:
            raise RecordingError(f"side must be one of {', '.join(SIDES)}; got {self.side!r}")
        object.__setattr__(self, "side", side)
        if self.start_utc is not None:
            start = self.start_utc
            start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
            object.__setattr__(self, "start_utc", start)
        object.__setattr__(self, "metadata", dict(self.metadata))
        gaps = _checked_gaps(self.gaps, int(accel.shape[0]))
        object.__setattr__(self, "gaps", gaps)
        if gaps.size:  # the same placeholders whoever built it, so every copy scores the same
            object.__setattr__(self, "accel_g", fill_gaps(accel, gaps))

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.accel_g.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds (``n_samples / fs_hz``)."""
        return self.n_samples / self.fs_hz

    @property
    def not_recorded_s(self) -> float:
        """Total length of the :attr:`gaps`, in seconds."""
        return float(np.sum(self.gaps[:, 1] - self.gaps[:, 0])) / self.fs_hz

    def recorded_mask(self) -> NDArray[np.bool_]:
        """True for every sample that was recorded (outside the :attr:`gaps`)."""
        return ~gap_mask(self.gaps, self.n_samples)

    def time_s(self) -> NDArray[np.float64]:
        """Time of every sample in seconds from the first one."""
        return np.arange(self.n_samples, dtype=np.float64) / self.fs_hz

    def to_counts(self, lsb_g: float | None = None) -> tuple[NDArray[np.int16], float, bool]:
        """Integer counts of this recording, as a band or the store keeps them.

        See :func:`quantise`.
        """
        if lsb_g is None and "lsb_g" in self.metadata:
            lsb_g = float(self.metadata["lsb_g"])
        return quantise(self.accel_g, lsb_g)

    @classmethod
    def from_counts(
        cls, counts: NDArray[np.integer[Any]], lsb_g: float, fs_hz: float, **kwargs: Any
    ) -> Recording:
        """Build a recording from integer counts and the size of one count in g.

        Parameters
        ----------
        counts : ndarray of int, shape (n, 3)
            Raw sensor counts.
        lsb_g : float
            g per count.
        fs_hz : float
            Sample rate in Hz.
        **kwargs
            ``start_utc``, ``device_id``, ``side``, ``metadata``, ``gaps`` as for :class:`Recording`.
        """
        accel = np.asarray(counts).astype(np.float32)  # one float32 copy, scaled in place
        accel *= np.float32(lsb_g)
        metadata = dict(kwargs.pop("metadata", {}) or {})
        metadata.setdefault("lsb_g", repr(float(lsb_g)))
        return cls(accel, fs_hz, metadata=metadata, **kwargs)


def _checked_gaps(gaps: Any, n_samples: int) -> NDArray[np.int64]:
    g = np.asarray(gaps, dtype=np.int64)
    if g.size == 0:
        return np.zeros((0, 2), np.int64)
    if g.ndim != 2 or g.shape[1] != 2:
        raise RecordingError(f"gaps must have shape (k, 2); got {g.shape}")
    if np.any(g[:, 1] <= g[:, 0]) or np.any(g[:, 0] < 0) or np.any(g[:, 1] > n_samples):
        raise RecordingError(
            f"every gap must be a non-empty stretch inside the {n_samples} samples"
        )
    if np.any(g[1:, 0] < g[:-1, 1]):
        raise RecordingError("gaps must be sorted and must not overlap")
    g = g.copy()
    g.setflags(write=False)
    return g


def gap_mask(gaps: NDArray[np.integer[Any]], n_samples: int) -> NDArray[np.bool_]:
    """A boolean mask of the samples inside ``gaps``.

    Parameters
    ----------
    gaps : ndarray of int, shape (k, 2)
        ``[start, stop)`` sample indices, sorted and disjoint.
    n_samples : int
        Length of the mask.

    Returns
    -------
    ndarray of bool, shape (n_samples,)
    """
    g = np.asarray(gaps, dtype=np.int64).reshape(-1, 2)
    edges = np.zeros(n_samples + 1, np.int64)
    np.add.at(edges, np.clip(g[:, 0], 0, n_samples), 1)
    np.add.at(edges, np.clip(g[:, 1], 0, n_samples), -1)
    return np.cumsum(edges[:-1]) > 0


def fill_gaps(
    accel_g: NDArray[np.floating[Any]], gaps: NDArray[np.integer[Any]]
) -> NDArray[np.float32]:
    """Placeholders for the samples that were not recorded: a straight line across each gap.

    Each gap is filled by linear interpolation between the recorded sample before it and the one
    after it (the first or last recorded sample at the ends), so the array stays finite and the
    detector's high-pass filter sees no step where the recording resumes. What is inside a gap is
    not data: scoring excludes it.

    Parameters
    ----------
    accel_g : ndarray, shape (n, 3)
        Acceleration with anything (even NaN) inside the gaps.
    gaps : ndarray of int, shape (k, 2)
        ``[start, stop)`` sample indices, sorted and disjoint.

    Returns
    -------
    ndarray of float32, shape (n, 3)
        A copy with the gaps filled (all zeros when nothing was recorded).
    """
    out = np.array(accel_g, dtype=np.float32)
    n = out.shape[0]
    missing = gap_mask(gaps, n)
    if not missing.any():
        return out
    good = np.flatnonzero(~missing)
    bad = np.flatnonzero(missing)
    if good.size == 0:
        out[:] = 0.0
        return out
    for axis in range(out.shape[1]):
        out[bad, axis] = np.interp(bad, good, out[good, axis].astype(np.float64))
    return out


def quantise(
    accel_g: NDArray[np.floating[Any]], lsb_g: float | None = None
) -> tuple[NDArray[np.int16], float, bool]:
    """Convert acceleration in g to int16 counts.

    Parameters
    ----------
    accel_g : ndarray, shape (n, 3)
        Acceleration in g.
    lsb_g : float, optional
        Size of one count in g. When omitted, the coarsest power of two between 2**-6 and 2**-16 g on
        whose grid every value lies exactly is used (so counts made by a band come back unchanged);
        when the values lie on no such grid, the finest power of two that keeps every value in int16
        (2**-12 g, 0.244 mg, for a +-8 g signal).

    Returns
    -------
    counts : ndarray of int16, shape (n, 3)
    lsb_g : float
        g per count.
    exact : bool
        True when ``counts * lsb_g`` reproduces ``accel_g`` exactly.

    Raises
    ------
    RecordingError
        When the values do not fit int16 at the given ``lsb_g``, or are not finite.
    """
    a = np.asarray(accel_g, dtype=np.float64)
    if a.size and not np.all(np.isfinite(a)):
        raise RecordingError("acceleration contains NaN or infinite values")
    peak = float(np.max(np.abs(a))) if a.size else 0.0
    if lsb_g is None:
        fit_k = 16 if peak == 0 else min(16, math.floor(math.log2(32767.0 / peak)))
        lsb_g = 2.0**-fit_k
        for k in range(6, fit_k + 1):
            scaled = a * 2.0**k
            if np.array_equal(scaled, np.round(scaled)):
                lsb_g = 2.0**-k
                break
    scaled = a / lsb_g
    counts_f = np.round(scaled)
    if counts_f.size and (counts_f.max() > 32767 or counts_f.min() < -32768):
        raise RecordingError(
            f"acceleration of {peak:.3f} g does not fit int16 at {lsb_g!r} g/count"
        )
    exact = bool(np.array_equal(counts_f, scaled))
    return counts_f.astype(np.int16), float(lsb_g), exact
