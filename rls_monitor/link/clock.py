"""The band's clock against the host's: sync points fitted by a line.

:class:`ClockFit` maps band ticks (unwrapped past 2**32) to UTC with the band's drift corrected;
:class:`SessionClock` is the host's time source (real, or simulated in tests and replays).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np


@dataclass
class ClockFit:
    """Map the band's tick counter to UTC with a straight line fitted to sync points.

    Each time sync gives a pair (band tick, host UTC at the middle of the round trip). With one
    point the band's nominal tick rate is used; with two or more, a least-squares line, so a band
    clock that runs fast or slow (drift, in ppm) is corrected. Points are weighted equally; a
    sync whose round trip took longer than ``max_rtt_s`` is ignored (its midpoint is uncertain).

    Parameters
    ----------
    tick_hz : float
        The band's nominal tick rate, in Hz.
    max_rtt_s : float
        The longest acceptable round trip of a sync exchange, in seconds.
    max_points : int
        Only the most recent points are kept.
    max_drift_ppm : float
        A fitted drift beyond this (no crystal is that far off: the host clock jumped, or the
        band runs in accelerated simulated time) is not believed: the nominal rate is used,
        anchored at the latest point.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC).timestamp()
    >>> fit = ClockFit(tick_hz=1000.0)
    >>> fit.add(0, t0)
    True
    >>> fit.add(3_600_000, t0 + 3600.036)   # the band is 10 ppm slow
    True
    >>> round(fit.drift_ppm, 3)
    -10.0
    >>> round(fit.to_unix_s(1_800_000) - t0, 3)
    1800.018
    """

    tick_hz: float
    max_rtt_s: float = 2.0
    max_points: int = 512
    max_drift_ppm: float = 1000.0
    _ticks: list[float] = field(default_factory=list, repr=False)
    _unix: list[float] = field(default_factory=list, repr=False)

    def add(self, tick: int, unix_s: float, rtt_s: float = 0.0) -> bool:
        """Add a sync point; return whether it was accepted."""
        if rtt_s > self.max_rtt_s or not math.isfinite(unix_s):
            return False
        self._ticks.append(float(tick))
        self._unix.append(float(unix_s))
        if len(self._ticks) > self.max_points:
            del self._ticks[0], self._unix[0]
        return True

    @property
    def points(self) -> int:
        """Number of sync points in the fit."""
        return len(self._ticks)

    def _line(self) -> tuple[float, float, float]:
        """(tick0, unix0, seconds per tick)."""
        if not self._ticks:
            raise ValueError("no sync point yet")
        t = np.asarray(self._ticks)
        u = np.asarray(self._unix)
        t0, u0 = float(t.mean()), float(u.mean())
        span = float(t.max() - t.min())
        if len(t) < 2 or span < self.tick_hz:  # under a second of span: keep the nominal rate
            return t0, u0, 1.0 / self.tick_hz
        dt = t - t0
        slope = float(np.dot(dt, u - u0) / np.dot(dt, dt))
        drift = 1.0 / (slope * self.tick_hz) - 1.0 if slope > 0 else math.inf
        if abs(drift) * 1e6 > self.max_drift_ppm:
            # no crystal drifts that much: the host clock jumped, or the band's time is simulated
            # faster than real time; keep the nominal rate anchored at the latest point
            return float(t[-1]), float(u[-1]), 1.0 / self.tick_hz
        return t0, u0, slope

    @property
    def drift_ppm(self) -> float:
        """How much the band's clock runs slow (negative) or fast (positive), in ppm."""
        _, _, slope = self._line()
        return (1.0 / (slope * self.tick_hz) - 1.0) * 1e6

    def to_unix_s(self, tick: int | float) -> float:
        """UTC of a band tick, as Unix seconds."""
        t0, u0, slope = self._line()
        return u0 + (float(tick) - t0) * slope

    def to_utc(self, tick: int | float) -> datetime:
        """UTC of a band tick, as an aware ``datetime``."""
        return datetime.fromtimestamp(self.to_unix_s(tick), tz=UTC)


class SessionClock:
    """The host's UTC clock as the session sees it.

    The real clock by default; an accelerated simulation passes ``now_unix_s`` so that host time
    runs with the simulated band's true time (a sync exchange then measures the band's drift,
    not the acceleration).

    Parameters
    ----------
    now_unix_s : callable, optional
        Returns the current UTC as Unix seconds; default ``time.time``.
    """

    def __init__(self, now_unix_s: Callable[[], float] | None = None) -> None:
        self._now = now_unix_s or time.time

    def now_unix_s(self) -> float:
        """Current UTC, Unix seconds."""
        return self._now()
