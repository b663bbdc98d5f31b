"""Helpers shared by the detection tests."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest


@lru_cache(maxsize=16)
def simulated_night(difficulty: str, fs_hz: float, seed: int, duration_s: float = 1800.0) -> Any:
    """A seeded simulated night (``firmware_host.signal_model``), 30 min by default (cached: tests must not modify it)."""
    sm = pytest.importorskip("firmware_host.signal_model")
    return sm.simulate_night(
        sm.night_config(difficulty, duration_s=duration_s, fs_hz=fs_hz), seed=seed
    )
