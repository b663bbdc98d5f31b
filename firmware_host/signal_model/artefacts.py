"""What shakes the leg in a real bedroom but is not a leg movement: the artefacts of the model.

Each kind is drawn with its own physical parameters (:class:`~firmware_host.signal_model.config.
NightConfig`, ``*_per_h`` and the ranges beside them), has its own ground-truth label
(:class:`ArtefactIntervals`), and moves the band **without rotating the shank**: the leg is still,
the bed or the band moves.

``partner``
    A bed partner turning over or moving their own legs, carried through the mattress: 2-20 s
    (``partner_duration_s``) of broadband 1-10 Hz vibration, a few to tens of mg
    (``partner_peak_mg``), felt at both ankles at once. Rate ``partner_per_h``.
``pet``
    A pet jumping on the bed, a child climbing in: 1-4 impacts over 0.5-3 s, each a damped
    3-6 Hz bounce of the mattress (decay 0.15-0.4 s) of 40-150 mg (``pet_peak_mg``), at both
    ankles. Rate ``pet_per_h``.
``machine``
    A fan, a washing machine's drum, a passing train: a session of ``machine_bursts`` bursts of
    narrow-band vibration (one frequency in 3-12 Hz, below 0.4 of the sample rate) of 2-6 s
    (``machine_burst_s``), every ``machine_period_s`` (15-40 s, +-5 %), 5-25 mg
    (``machine_peak_mg``): a periodic artefact whose bursts are spaced like a PLM series.
    Sessions per hour ``machine_per_h``.
``knock``
    The band knocking against the other leg or the bed frame: a 10-40 ms half-sine impulse of
    150-600 mg (``knock_peak_mg``) with a 60-120 ms ring at 15-25 Hz (below 0.45 of the sample
    rate), at one ankle. Rate ``knock_per_h``.

Not modelled: the strap slipping (a lasting step of the band's orientation on the leg) and the
patient's own arm movements (a weaker ``partner``). The band is at rest before and after each
artefact, so the acceleration an artefact adds integrates to zero over it (no net change of
velocity). Artefacts fall anywhere in bed, over leg
movements too; the plan draws them from a generator of their own, after everything else, so a
night without artefacts is the same night it always was.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_host.signal_model.canvas import LegCanvas
from firmware_host.signal_model.config import NightConfig
from firmware_host.signal_model.waveforms import bandlimited

__all__ = [
    "ARTEFACT_KINDS",
    "ARTEFACT_REASONS",
    "ArtefactIntervals",
    "PlannedArtefact",
    "plan_artefacts",
    "render_artefact",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

ARTEFACT_KINDS = ("partner", "pet", "machine", "knock")
"""Values of ``ArtefactIntervals.kind``."""

ARTEFACT_REASONS = {
    "partner": "vibration",
    "pet": "vibration",
    "machine": "periodic",
    "knock": "impulse",
}
"""The reason a detector should give when it rejects each kind (``artefact: <reason>``)."""


@dataclass(frozen=True)
class PlannedArtefact:
    """One artefact of the night's plan.

    Attributes
    ----------
    onset_s, offset_s : float
        When it shakes the band (s from the start of the recording).
    kind : str
        One of :data:`ARTEFACT_KINDS`.
    legs : str
        ``"B"`` (the mattress: both ankles) or ``"L"``/``"R"`` (one band).
    session : int
        The machine session a burst belongs to (-1 for the other kinds).
    frequency_hz : float
        The machine's frequency (0 for the other kinds).
    """

    onset_s: float
    offset_s: float
    kind: str
    legs: str
    session: int = -1
    frequency_hz: float = 0.0


@dataclass(frozen=True)
class ArtefactIntervals:
    """The artefacts one band felt, sorted by onset (ground truth).

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (k,)
        On the sample grid.
    kind : ndarray of str, shape (k,)
        One of :data:`ARTEFACT_KINDS`.
    peak_mg : ndarray of float64, shape (k,)
        Peak magnitude of the acceleration it added (mg).
    """

    onset_s: F64
    offset_s: F64
    kind: NDArray[np.str_]
    peak_mg: F64

    def __len__(self) -> int:
        return int(self.onset_s.size)

    @classmethod
    def empty(cls) -> ArtefactIntervals:
        """No artefacts."""
        z = np.zeros(0, np.float64)
        return cls(z, z.copy(), np.zeros(0, dtype="<U8"), z.copy())


def _has_artefacts(config: NightConfig) -> bool:
    return any(
        getattr(config, f"{kind}_per_h") > 0.0 for kind in ("partner", "pet", "machine", "knock")
    )


def plan_artefacts(
    rng: np.random.Generator, config: NightConfig, lying: list[tuple[float, float]]
) -> list[PlannedArtefact]:
    """Draw the night's artefacts in the lying time.

    Parameters
    ----------
    rng : numpy.random.Generator
        The artefacts' own generator.
    config : NightConfig
    lying : list of (float, float)
        Lying segments ``(start_s, end_s)``.

    Returns
    -------
    list of PlannedArtefact
        Sorted by onset.
    """
    out: list[PlannedArtefact] = []
    if not _has_artefacts(config):
        return out
    session = 0
    for a, b in lying:
        hours = (b - a) / 3600.0
        if b - a < 30.0:
            continue
        for _ in range(int(rng.poisson(config.partner_per_h * hours))):
            d = float(rng.uniform(*config.partner_duration_s))
            t0 = float(rng.uniform(a, max(a, b - d)))
            out.append(PlannedArtefact(t0, min(t0 + d, b), "partner", "B"))
        for _ in range(int(rng.poisson(config.pet_per_h * hours))):
            d = float(rng.uniform(0.5, 3.0))
            t0 = float(rng.uniform(a, max(a, b - d)))
            out.append(PlannedArtefact(t0, min(t0 + d, b), "pet", "B"))
        for _ in range(int(rng.poisson(config.knock_per_h * hours))):
            t0 = float(rng.uniform(a, b - 1.0))
            leg = "L" if rng.random() < 0.5 else "R"
            out.append(PlannedArtefact(t0, t0 + 0.16, "knock", leg))
        for _ in range(int(rng.poisson(config.machine_per_h * hours))):
            period = float(rng.uniform(*config.machine_period_s))
            n_bursts = int(rng.integers(config.machine_bursts[0], config.machine_bursts[1] + 1))
            f_hz = float(rng.uniform(3.0, min(12.0, 0.4 * config.fs_hz)))
            t = float(rng.uniform(a, b))
            for _k in range(n_bursts):
                d = float(rng.uniform(*config.machine_burst_s))
                if t + d > b:
                    break
                out.append(PlannedArtefact(t, t + d, "machine", "B", session, f_hz))
                t += period * float(rng.uniform(0.95, 1.05))
            session += 1
    out.sort(key=lambda x: x.onset_s)
    return out


def _unit_direction(rng: np.random.Generator) -> F32:
    v = rng.standard_normal(3)
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


def render_artefact(
    canvas: LegCanvas, rng: np.random.Generator, artefact: PlannedArtefact, config: NightConfig
) -> float:
    """Draw one artefact on its own canvas (linear acceleration only: the shank does not turn).

    Parameters
    ----------
    canvas : LegCanvas
        The artefact's samples, changed in place.
    rng : numpy.random.Generator
        The artefact's own generator (each leg draws its own, so the two ankles feel the same
        mattress a little differently).
    artefact : PlannedArtefact
    config : NightConfig

    Returns
    -------
    float
        Peak magnitude of the acceleration added (mg).
    """
    n, fs = canvas.n, canvas.fs_hz
    t = np.arange(n, dtype=np.float64) / fs
    kind = artefact.kind
    if kind == "partner":
        high = min(10.0, 0.45 * fs)
        dyn = bandlimited(rng, n, fs, 1.0, high)
        # a few swells: the partner's movement is not one smooth push
        swell = bandlimited(rng, n, fs, 0.05, 0.6, 1)[:, 0]
        env = np.sin(np.pi * np.clip(t / max(t[-1], 1e-9), 0.0, 1.0)) ** 0.5
        env = env * (0.6 + 0.4 * np.tanh(np.abs(swell)))
        dyn *= env[:, None].astype(np.float32) * np.array([0.4, 0.5, 1.0], np.float32)
        peak = float(rng.uniform(*config.partner_peak_mg))
    elif kind == "pet":
        dyn = np.zeros((n, 3), np.float32)
        for _ in range(int(rng.integers(1, 5))):
            t0 = float(rng.uniform(0.0, max(t[-1] - 0.3, 0.0)))
            f_hz = float(rng.uniform(3.0, min(6.0, 0.45 * fs)))
            tau = float(rng.uniform(0.15, 0.4))
            dt = t - t0
            bounce = np.where(dt >= 0.0, np.exp(-dt / tau) * np.sin(2 * np.pi * f_hz * dt), 0.0)
            dyn += np.outer(bounce, _unit_direction(rng)).astype(np.float32) * np.float32(
                rng.uniform(0.5, 1.0)
            )
        peak = float(rng.uniform(*config.pet_peak_mg))
    elif kind == "machine":
        f_hz = artefact.frequency_hz
        ramp = np.clip(np.minimum(t, t[-1] - t) / 0.3, 0.0, 1.0)
        wave = np.sin(2 * np.pi * f_hz * t + float(rng.uniform(0, 2 * np.pi))) * ramp
        dyn = np.outer(wave, _unit_direction(rng)).astype(np.float32)
        peak = float(rng.uniform(*config.machine_peak_mg))
    elif kind == "knock":
        width = float(rng.uniform(0.01, 0.04))
        ring_f = float(rng.uniform(15.0, 25.0))
        ring_f = min(ring_f, 0.45 * fs)
        pulse = np.where(t < width, np.sin(np.pi * t / width), 0.0)
        ring_tau = float(rng.uniform(0.02, 0.04))
        ring = np.where(
            t >= width,
            -0.5 * np.exp(-(t - width) / ring_tau) * np.sin(2 * np.pi * ring_f * (t - width)),
            0.0,
        )
        dyn = np.outer(pulse + ring, _unit_direction(rng)).astype(np.float32)
        peak = float(rng.uniform(*config.knock_peak_mg))
    else:
        raise ValueError(f"unknown artefact kind {kind!r}")
    if n > 2:
        # the band is at rest before and after: its velocity does not change, so the acceleration
        # integrates to zero (an impact's push and the mattress's return); a smooth taper takes
        # away what the drawn shapes leave over
        taper = np.sin(np.pi * (np.arange(n) + 0.5) / n).astype(np.float32) ** 2
        dyn -= np.outer(taper, dyn.mean(axis=0) / taper.mean())
    norm = float(np.linalg.norm(dyn, axis=1).max()) if n else 0.0
    if norm > 0.0:
        dyn *= np.float32(peak / 1000.0 / norm)
    canvas.lin += dyn
    return float(np.linalg.norm(dyn, axis=1).max() * 1000.0) if n else 0.0
