"""Helpers shared by the scoring tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from rls_monitor.events import EventList


def event_list(
    onsets: list[float], duration_s: float = 3600.0, dur: float = 2.0, **kw: Any
) -> EventList:
    """LMs at ``onsets`` (s), each lasting ``dur`` s, over a recording of ``duration_s``."""
    on = np.asarray(onsets, dtype=float)
    return EventList(on, on + dur, duration_s=duration_s, **kw)
