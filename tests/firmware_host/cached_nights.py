"""Simulated nights shared by the firmware_host tests (cached: tests must not modify them)."""

from __future__ import annotations

from functools import lru_cache

from firmware_host.signal_model import SimulatedNight, night_config, simulate_night


@lru_cache(maxsize=8)
def cached_night(difficulty: str, seed: int, duration_s: float = 1800.0) -> SimulatedNight:
    """The night ``simulate_night(night_config(difficulty, duration_s=...), seed=seed)``."""
    return simulate_night(night_config(difficulty, duration_s=duration_s), seed=seed)
