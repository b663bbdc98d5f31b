"""The entry points of the model: :func:`simulate_night` and :func:`simulate_bilateral_night`,
and their streams, :func:`stream_night` and :func:`stream_bilateral_night`.

Each seeds ``numpy.random.default_rng(seed)``, spawns one generator for the night's plan
(:func:`firmware_host.signal_model.timeline.plan_night`) and one per band
(:class:`firmware_host.signal_model.render.BandStream`). A stream renders its samples window by
window on demand (what the simulated band records, however long the night); a simulated night is
its stream read whole, with the ground truth: the same seed gives the same samples either way.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.render import BandStream
from firmware_host.signal_model.timeline import plan_night
from firmware_host.signal_model.truth import SimulatedNight

__all__ = ["simulate_bilateral_night", "simulate_night", "stream_bilateral_night", "stream_night"]


def stream_night(config: NightConfig | None = None, *, seed: int = 0) -> BandStream:
    """The night :func:`simulate_night` makes, as a stream rendered on demand.

    ``stream[a:b]`` (or ``stream.read(a, b)``) gives the counts of samples ``a`` to ``b``, the
    same as ``simulate_night(config, seed=seed).counts[a:b]``; ``stream.truth()`` the truth.
    Only a window of the night is in memory at a time.

    Examples
    --------
    >>> from firmware_host.signal_model.config import night_config
    >>> stream = stream_night(night_config("ordinary", duration_s=1200.0), seed=3)
    >>> len(stream), stream[100:103].shape
    (60000, (3, 3))
    """
    config = _validated(config)
    plan_rng, band_rng = np.random.default_rng(seed).spawn(2)
    plan = plan_night(config, plan_rng, bilateral_fraction=0.0)
    for ev in plan.events:
        ev.leg = "L"
    plan.twitches = [(a, b, "L") for a, b, _ in plan.twitches]
    plan.artefacts = [
        dataclasses.replace(x, legs="L" if x.legs != "B" else "B") for x in plan.artefacts
    ]
    return BandStream(plan, config, band_rng, "L")


def stream_bilateral_night(
    config: NightConfig | None = None, *, seed: int = 0, bilateral_fraction: float = 0.5
) -> tuple[BandStream, BandStream]:
    """The two bands of :func:`simulate_bilateral_night`, as streams (left, right)."""
    config = _validated(config)
    if not (0.0 <= bilateral_fraction <= 1.0):
        raise ValueError(f"bilateral_fraction must be in 0..1; got {bilateral_fraction!r}")
    plan_rng, left_rng, right_rng = np.random.default_rng(seed).spawn(3)
    plan = plan_night(config, plan_rng, bilateral_fraction)
    return BandStream(plan, config, left_rng, "L"), BandStream(plan, config, right_rng, "R")


def simulate_night(config: NightConfig | None = None, *, seed: int = 0) -> SimulatedNight:
    """Simulate one night at one ankle (the left leg), with ground truth.

    Parameters
    ----------
    config : NightConfig, optional
        The night to simulate; ``night_config("ordinary")`` when omitted.
    seed : int
        Seed of ``numpy.random.default_rng``; the same config and seed give identical output.

    Returns
    -------
    SimulatedNight
        ``counts`` of shape ``(round(duration_s * fs_hz), 3)``, int16, and the truth.

    Raises
    ------
    ValueError
        If ``config`` is not a :class:`NightConfig`.

    References
    ----------
    Ferri R. et al., World Association of Sleep Medicine (WASM) 2016 standards for recording and
    scoring leg movements in polysomnograms, Sleep Med 2016;26:86-95 (LM duration and IMI rules
    the truth respects).

    Examples
    --------
    >>> from firmware_host.signal_model.config import night_config
    >>> night = simulate_night(night_config("none", duration_s=600.0), seed=1)
    >>> len(night.truth.movements), night.duration_s
    (0, 600.0)
    """
    config = _validated(config)
    stream = stream_night(config, seed=seed)
    counts = stream.read(0, stream.n_samples)
    return SimulatedNight(counts, config.lsb_g, config.fs_hz, config, stream.truth(), seed)


def simulate_bilateral_night(
    config: NightConfig | None = None, *, seed: int = 0, bilateral_fraction: float = 0.5
) -> tuple[SimulatedNight, SimulatedNight]:
    """Simulate the same night seen by a band on each ankle.

    Both bands share the night's timeline (postures, posture changes, upright periods, walking half
    a stride apart). Each movement of the plan is bilateral with probability
    ``bilateral_fraction`` (both legs; the second leg starts 0-1 s later, while the first still
    moves, and lasts 0.8-1.2 times as long), otherwise on one leg chosen at random. Each band has
    its own orientation on the leg, sensor errors and noise, and small per-leg differences of
    posture (roll +-4 deg, incline +-3 deg).

    Parameters
    ----------
    config : NightConfig, optional
        ``night_config("ordinary")`` when omitted.
    seed : int
        Seed of ``numpy.random.default_rng``.
    bilateral_fraction : float
        Fraction of movements made by both legs, in 0..1.

    Returns
    -------
    tuple of SimulatedNight
        ``(left, right)``. Each truth lists the movements of that leg; ``kind`` and ``series_id``
        describe the subject-level pattern (so a periodic series spread over both legs is periodic
        after the bilateral merge of the scoring rules, not necessarily on each leg alone), and
        ``bilateral`` marks the movements made by both legs.

    Raises
    ------
    ValueError
        If ``bilateral_fraction`` is outside 0..1 or ``config`` is not a :class:`NightConfig`.

    Examples
    --------
    >>> from firmware_host.signal_model.config import night_config
    >>> left, right = simulate_bilateral_night(night_config(duration_s=900.0), seed=2)
    >>> left.truth.leg, right.truth.leg, left.counts.shape == right.counts.shape
    ('left', 'right', True)
    """
    config = _validated(config)
    left, right = stream_bilateral_night(config, seed=seed, bilateral_fraction=bilateral_fraction)
    return (
        SimulatedNight(
            left.read(0, len(left)), config.lsb_g, config.fs_hz, config, left.truth(), seed
        ),
        SimulatedNight(
            right.read(0, len(right)), config.lsb_g, config.fs_hz, config, right.truth(), seed
        ),
    )


def _validated(config: NightConfig | None) -> NightConfig:
    if config is None:
        return NightConfig()
    if not isinstance(config, NightConfig):
        raise ValueError(f"config must be a NightConfig or None; got {type(config).__name__}")
    return config
