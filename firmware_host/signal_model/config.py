"""The parameters of a simulated night: :class:`NightConfig` and the difficulty presets.

:func:`night_config` makes a :class:`NightConfig` from a preset (``"easy"``, ``"ordinary"``,
``"hard"``, ``"none"``) with overrides. What the parameters model is described in
:mod:`firmware_host.signal_model`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["NightConfig", "night_config"]


@dataclass(frozen=True)
class NightConfig:
    """Parameters of a simulated night. Defaults give an ordinary 8 h night at 50 Hz.

    Rates are per hour of bed time; ranges are ``(low, high)`` tuples drawn uniformly unless
    stated otherwise. See :mod:`firmware_host.signal_model` for the model and where the values
    come from.
    """

    duration_s: float = 8 * 3600.0
    fs_hz: float = 50.0
    range_g: float = 8.0
    resolution_bits: int = 14
    # sensor
    noise_mg: float = 4.0
    offset_mg_max: float = 30.0
    scale_error_max: float = 0.02
    drift_mg: float = 3.0
    band_strap_deg_max: float = 180.0
    band_yaw_deg_max: float = 180.0
    band_tilt_deg_sd: float = 6.0
    # leg movements
    plm_series_per_h: float = 1.5
    series_length_median: float = 12.0
    series_length_range: tuple[int, int] = (4, 60)
    imi_median_s: float = 26.0
    imi_sigma: float = 0.3
    imi_jitter: float = 0.12
    isolated_lm_per_h: float = 6.0
    cluster_per_h: float = 1.0
    cluster_size: tuple[int, int] = (2, 3)
    long_lm_per_h: float = 0.3
    long_duration_s: tuple[float, float] = (10.5, 30.0)
    lm_duration_median_s: float = 2.5
    lm_duration_sigma: float = 0.45
    peak_median_mg: float = 70.0
    peak_sigma: float = 0.5
    peak_min_mg: float = 20.0
    burst_fraction: float = 0.15
    lm_rotation_deg_median: float = 3.0
    twitch_per_h: float = 2.0
    # posture
    turnover_per_h: float = 3.0
    turnover_duration_s: tuple[float, float] = (2.0, 6.0)
    turnover_peak_mg: tuple[float, float] = (80.0, 400.0)
    lying_incline_deg: tuple[float, float] = (0.0, 20.0)
    roll_jitter_deg: float = 15.0
    # upright periods
    prelude_s: tuple[float, float] = (180.0, 420.0)
    morning_s: tuple[float, float] = (120.0, 300.0)
    bathroom_trips: tuple[int, int] = (1, 3)
    bathroom_trip_s: tuple[float, float] = (120.0, 360.0)
    walk_cadence_hz: tuple[float, float] = (0.8, 1.1)
    walk_swing_deg: tuple[float, float] = (20.0, 30.0)
    # bedroom artefacts (firmware_host.signal_model.artefacts): none by default
    partner_per_h: float = 0.0
    partner_duration_s: tuple[float, float] = (2.0, 20.0)
    partner_peak_mg: tuple[float, float] = (5.0, 40.0)
    pet_per_h: float = 0.0
    pet_peak_mg: tuple[float, float] = (40.0, 150.0)
    machine_per_h: float = 0.0
    machine_bursts: tuple[int, int] = (6, 30)
    machine_burst_s: tuple[float, float] = (2.0, 6.0)
    machine_period_s: tuple[float, float] = (15.0, 40.0)
    machine_peak_mg: tuple[float, float] = (5.0, 25.0)
    knock_per_h: float = 0.0
    knock_peak_mg: tuple[float, float] = (150.0, 600.0)

    def __post_init__(self) -> None:
        _check(self.duration_s >= 120.0, "duration_s", "at least 120 s", self.duration_s)
        _check(10.0 <= self.fs_hz <= 1000.0, "fs_hz", "in 10..1000 Hz", self.fs_hz)
        _check(
            8 <= self.resolution_bits <= 16 and int(self.resolution_bits) == self.resolution_bits,
            "resolution_bits",
            "an integer in 8..16",
            self.resolution_bits,
        )
        mant, _ = math.frexp(self.range_g)
        _check(
            self.range_g >= 1.0 and mant == 0.5,
            "range_g",
            "a power of two >= 1 (2, 4, 8, 16 g ...)",
            self.range_g,
        )
        for name in (
            "noise_mg",
            "offset_mg_max",
            "scale_error_max",
            "drift_mg",
            "band_tilt_deg_sd",
            "plm_series_per_h",
            "isolated_lm_per_h",
            "cluster_per_h",
            "long_lm_per_h",
            "twitch_per_h",
            "turnover_per_h",
            "roll_jitter_deg",
            "imi_sigma",
            "imi_jitter",
            "lm_duration_sigma",
            "peak_sigma",
            "lm_rotation_deg_median",
            "partner_per_h",
            "pet_per_h",
            "machine_per_h",
            "knock_per_h",
        ):
            value = getattr(self, name)
            _check(math.isfinite(value) and value >= 0.0, name, "finite and >= 0", value)
        _check(0.0 <= self.burst_fraction <= 1.0, "burst_fraction", "in 0..1", self.burst_fraction)
        _check(self.scale_error_max < 0.5, "scale_error_max", "below 0.5", self.scale_error_max)
        _check(
            0.0 <= self.band_strap_deg_max <= 180.0 and 0.0 <= self.band_yaw_deg_max <= 180.0,
            "band_strap_deg_max/band_yaw_deg_max",
            "in 0..180 deg",
            (self.band_strap_deg_max, self.band_yaw_deg_max),
        )
        _check(
            self.series_length_median >= 4.0,
            "series_length_median",
            ">= 4",
            self.series_length_median,
        )
        _check(10.0 <= self.imi_median_s <= 90.0, "imi_median_s", "in 10..90 s", self.imi_median_s)
        _check(
            0.5 <= self.lm_duration_median_s <= 10.0,
            "lm_duration_median_s",
            "in 0.5..10 s",
            self.lm_duration_median_s,
        )
        _check(self.peak_median_mg > 0.0, "peak_median_mg", "> 0", self.peak_median_mg)
        _check(self.peak_min_mg > 0.0, "peak_min_mg", "> 0", self.peak_min_mg)
        _range(self.series_length_range, "series_length_range", 4, 200)
        _range(self.cluster_size, "cluster_size", 2, 10)
        _range(self.long_duration_s, "long_duration_s", 10.01, 120.0)
        _range(self.turnover_duration_s, "turnover_duration_s", 0.5, 30.0)
        _range(self.turnover_peak_mg, "turnover_peak_mg", 0.0, 3000.0)
        _range(self.lying_incline_deg, "lying_incline_deg", -30.0, 45.0)
        _range(self.prelude_s, "prelude_s", 0.0, 7200.0)
        _range(self.morning_s, "morning_s", 0.0, 7200.0)
        _range(self.bathroom_trips, "bathroom_trips", 0, 10)
        _range(self.bathroom_trip_s, "bathroom_trip_s", 10.0, 3600.0)
        _range(self.walk_cadence_hz, "walk_cadence_hz", 0.3, 2.0)
        _range(self.walk_swing_deg, "walk_swing_deg", 0.0, 60.0)
        _range(self.partner_duration_s, "partner_duration_s", 0.5, 60.0)
        _range(self.partner_peak_mg, "partner_peak_mg", 0.0, 1000.0)
        _range(self.pet_peak_mg, "pet_peak_mg", 0.0, 3000.0)
        _range(self.machine_bursts, "machine_bursts", 1, 500)
        _range(self.machine_burst_s, "machine_burst_s", 0.5, 60.0)
        _range(self.machine_period_s, "machine_period_s", 1.0, 600.0)
        _range(self.machine_peak_mg, "machine_peak_mg", 0.0, 500.0)
        _range(self.knock_peak_mg, "knock_peak_mg", 0.0, 3000.0)

    @property
    def lsb_g(self) -> float:
        """Weight of one count in g: ``2 * range_g / 2**resolution_bits`` (a power of two)."""
        return 2.0 * self.range_g / float(2**self.resolution_bits)


def _check(ok: bool, name: str, allowed: str, given: object) -> None:
    if not ok:
        raise ValueError(f"{name} must be {allowed}; got {given!r}")


def _range(pair: Sequence[float], name: str, low: float, high: float) -> None:
    ok = (
        len(pair) == 2
        and all(math.isfinite(float(v)) for v in pair)
        and low <= pair[0] <= pair[1] <= high
    )
    _check(ok, name, f"a (low, high) pair with {low} <= low <= high <= {high}", pair)


_PRESETS: dict[str, dict[str, Any]] = {
    "easy": dict(
        noise_mg=2.0,
        offset_mg_max=15.0,
        scale_error_max=0.01,
        drift_mg=0.0,
        plm_series_per_h=1.5,
        isolated_lm_per_h=4.0,
        cluster_per_h=0.3,
        long_lm_per_h=0.1,
        peak_median_mg=110.0,
        peak_sigma=0.35,
        peak_min_mg=45.0,
        burst_fraction=0.05,
        lm_duration_median_s=2.5,
        lm_duration_sigma=0.35,
        imi_jitter=0.08,
        twitch_per_h=0.0,
        turnover_per_h=2.0,
        roll_jitter_deg=10.0,
    ),
    "ordinary": {},
    "hard": dict(
        noise_mg=8.0,
        offset_mg_max=60.0,
        scale_error_max=0.04,
        drift_mg=10.0,
        plm_series_per_h=2.5,
        isolated_lm_per_h=10.0,
        cluster_per_h=3.0,
        long_lm_per_h=1.0,
        peak_median_mg=35.0,
        peak_sigma=0.8,
        peak_min_mg=10.0,
        burst_fraction=0.3,
        lm_duration_sigma=0.6,
        imi_sigma=0.4,
        imi_jitter=0.2,
        lm_rotation_deg_median=2.0,
        twitch_per_h=8.0,
        turnover_per_h=6.0,
        roll_jitter_deg=25.0,
        band_tilt_deg_sd=10.0,
    ),
    # an ordinary night with a restless bed partner (8 disturbances per hour)
    "partner": dict(partner_per_h=8.0),
    # an ordinary night in a real bedroom: partner, pet, a periodic machine, the band knocking
    "bedroom": dict(partner_per_h=6.0, pet_per_h=0.5, machine_per_h=0.4, knock_per_h=3.0),
    "none": dict(
        plm_series_per_h=0.0,
        isolated_lm_per_h=0.0,
        cluster_per_h=0.0,
        long_lm_per_h=0.0,
        twitch_per_h=0.0,
    ),
}


def night_config(difficulty: str = "ordinary", **overrides: Any) -> NightConfig:
    """Make a :class:`NightConfig` from a preset, with overrides.

    Parameters
    ----------
    difficulty : {"easy", "ordinary", "hard", "partner", "bedroom", "none"}
        ``"easy"``: strong movements (~110 mg), low noise (2 mg), few clusters, long LMs and posture
        changes. ``"ordinary"``: the defaults of :class:`NightConfig` (LMs ~70 mg, noise 4 mg).
        ``"hard"``: noise 8 mg, weak movements (median 35 mg, some at 10-20 mg), more clusters, long
        LMs, bursts, twitches and posture changes, larger sensor errors and drift. ``"partner"``: an
        ordinary night with a restless bed partner (8 mattress disturbances per hour).
        ``"bedroom"``: an ordinary night with every artefact of
        :mod:`firmware_host.signal_model.artefacts` (partner 6/h, pet 0.5/h, a periodic machine
        0.4 sessions/h, the band knocking 3/h); add them to any preset with the ``*_per_h``
        overrides. ``"none"``: an
        ordinary night with no leg movements (and no twitches) at all; posture changes and walking
        remain.
    **overrides
        Any field of :class:`NightConfig`, e.g. ``duration_s=1800.0``.

    Returns
    -------
    NightConfig

    Raises
    ------
    ValueError
        If ``difficulty`` is not a preset, an override is not a field, or a value is out of range.

    Examples
    --------
    >>> night_config("hard", duration_s=1800.0).noise_mg
    8.0
    """
    if difficulty not in _PRESETS:
        raise ValueError(f"difficulty must be one of {sorted(_PRESETS)}; got {difficulty!r}")
    names = {f.name for f in dataclasses.fields(NightConfig)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ValueError(f"unknown NightConfig field(s) {unknown}; allowed: {sorted(names)}")
    return NightConfig(**{**_PRESETS[difficulty], **overrides})
