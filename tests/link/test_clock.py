"""ClockFit: the band's drift recovered from sync points."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from rls_monitor.link.clock import ClockFit

T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("drift_ppm", [-80.0, -20.0, 0.0, 35.0, 120.0])
def test_clock_fit_recovers_drift_from_noisy_sync_points(drift_ppm: float) -> None:
    rng = np.random.default_rng(7)
    tick_hz = 32768.0
    fit = ClockFit(tick_hz=tick_hz)
    for k in range(17):  # a sync every 30 min over 8 h
        true_s = k * 1800.0
        tick = round(true_s * tick_hz * (1 + drift_ppm * 1e-6))
        jitter = rng.normal(0, 0.01)  # 10 ms of round-trip noise
        assert fit.add(tick, T0 + true_s + jitter, rtt_s=0.05)
    assert fit.drift_ppm == pytest.approx(drift_ppm, abs=2.0)
    probe_tick = round(4.25 * 3600 * tick_hz * (1 + drift_ppm * 1e-6))
    assert fit.to_unix_s(probe_tick) - T0 == pytest.approx(4.25 * 3600, abs=0.05)


def test_clock_fit_with_one_point_uses_the_nominal_rate() -> None:
    fit = ClockFit(tick_hz=1000.0)
    fit.add(5000, T0)
    assert fit.to_unix_s(65000) == pytest.approx(T0 + 60.0)
    assert fit.to_utc(5000) == datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


def test_clock_fit_ignores_slow_round_trips_and_implausible_drift() -> None:
    fit = ClockFit(tick_hz=1000.0, max_rtt_s=1.0)
    assert not fit.add(0, T0, rtt_s=3.0)
    assert fit.points == 0
    # band time simulated 100x faster than the host clock: not a drift any crystal has
    fit.add(0, T0)
    fit.add(3_600_000, T0 + 36.0)
    assert fit.drift_ppm == pytest.approx(0.0)
    assert fit.to_unix_s(3_601_000) == pytest.approx(T0 + 37.0)


def test_clock_fit_needs_a_point() -> None:
    with pytest.raises(ValueError, match="no sync point"):
        ClockFit(tick_hz=1000.0).to_unix_s(0)
