"""The canvas one leg is drawn on: per-sample elevation, roll and linear acceleration.

:class:`LegCanvas` holds the leg's orientation (deg) and linear acceleration (g, leg frame) per
sample; the renderers add postures, walking and movements to it, and
:func:`firmware_host.signal_model.render.render_band` turns it into sensor counts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LegCanvas"]


class LegCanvas:
    """Per-sample elevation, roll (deg) and linear acceleration (g, leg frame) of one leg."""

    def __init__(self, n: int, fs_hz: float) -> None:
        self.n = n
        self.fs_hz = fs_hz
        self.elev = np.zeros(n, dtype=np.float32)
        self.roll = np.zeros(n, dtype=np.float32)
        self.lin = np.zeros((n, 3), dtype=np.float32)

    def idx(self, t_s: float) -> int:
        """Sample index of time ``t_s`` (s), rounded and clipped to ``0 .. n``."""
        return int(min(max(round(t_s * self.fs_hz), 0), self.n))
