"""The detector in a real bedroom: artefacts rejected and leaked, LM F1 and PLM-index error.

Run with ``python -m benchmarks artefacts`` (or ``make bench``). Prints figures; asserts nothing.
For nights of the model with each kind of artefact (``firmware_host.signal_model.artefacts``) at
25, 50 and 100 Hz, and for quiet and hard nights: how many artefacts of each kind the detector
rejected (and with which reason) and how many became LMs; LM F1 against the true movements
(0.5 s onset tolerance); the PLM index against the one the true movements give; the time of
``score()``. With ``--quick`` fewer nights.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from firmware_host.signal_model import night_config, simulate_night
from firmware_host.signal_model.artefacts import ARTEFACT_KINDS
from rls_monitor.detection import artefact_outcomes, match_events
from rls_monitor.events import EventList
from rls_monitor.recording import Recording
from rls_monitor.scoring import score

# (label, preset, overrides): one kind of artefact at a time, then all of them, quiet and hard
NIGHTS = [
    ("quiet", "ordinary", {}),
    ("partner 8/h", "ordinary", {"partner_per_h": 8.0}),
    ("pet 2/h", "ordinary", {"pet_per_h": 2.0}),
    ("machine 0.5/h", "ordinary", {"machine_per_h": 0.5}),
    ("knock 4/h", "ordinary", {"knock_per_h": 4.0}),
    ("bedroom", "bedroom", {}),
    ("hard", "hard", {}),
    ("hard + partner", "hard", {"partner_per_h": 8.0}),
]


@dataclass
class NightFigures:
    """What one night gave."""

    f1: float
    tp: int
    fp: int
    fn: int
    plm_per_h: float
    true_plm_per_h: float
    score_s: float
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, outcome)
    machine_plm: int = 0  # LMs in PLM series made of a machine's bursts


def evaluate_night(
    preset: str, fs_hz: float, seed: int, hours: float, **overrides: float
) -> NightFigures:
    """Simulate, score and compare one night with its truth."""
    night = simulate_night(
        night_config(preset, duration_s=hours * 3600.0, fs_hz=fs_hz, **overrides), seed=seed
    )
    rec = Recording.from_counts(night.counts, night.lsb_g, night.fs_hz, side="left")
    start = time.perf_counter()
    result = score(rec)
    score_s = time.perf_counter() - start
    truth = night.truth.movements
    lm_on = np.array([m.onset_s for m in result.movements], dtype=np.float64)
    lm_off = np.array([m.offset_s for m in result.movements], dtype=np.float64)
    tp, fp, fn = match_events(truth.onset_s, lm_on, 0.5)
    f1 = 2 * tp / max(2 * tp + fp + fn, 1)
    true_result = score(EventList(truth.onset_s, truth.offset_s, duration_s=night.duration_s))
    true_per_h = true_result.counts["plm"] / (night.truth.in_bed_s() / 3600.0)
    rejected = (result.artefacts or {}).get("rejected", [])
    art = night.truth.artefacts
    outcomes = artefact_outcomes(
        art.onset_s,
        art.offset_s,
        truth.onset_s,
        truth.offset_s,
        lm_on,
        lm_off,
        [r["onset_s"] for r in rejected],
        [r["offset_s"] for r in rejected],
        [r["reason"].removeprefix("artefact: ") for r in rejected],
    )
    out = NightFigures(f1, tp, fp, fn, result.plm_per_h or 0.0, true_per_h, score_s)
    lying = night.truth.lying
    for a, b, kind, outcome in zip(art.onset_s, art.offset_s, art.kind, outcomes, strict=True):
        if np.any((lying.start_s <= a) & (b <= lying.end_s)):
            out.outcomes[(str(kind), outcome)] += 1
    machine = art.kind == "machine"
    out.machine_plm = sum(
        1
        for m in result.movements
        if m.plm
        and np.any(
            (art.onset_s[machine] < m.offset_s + 0.5) & (art.offset_s[machine] > m.onset_s - 0.5)
        )
        and not np.any((truth.onset_s < m.offset_s + 0.5) & (truth.offset_s > m.onset_s - 0.5))
    )
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    seeds = range(1) if quick else range(2)
    hours = 4.0 if quick else 8.0
    print(
        f"  {len(seeds)} seed(s) per cell, {hours:g} h nights; artefacts in bed: rejected "
        "(reason) / became LMs; LM F1; PLM index measured vs true"
    )
    times: list[float] = []
    for label, preset, overrides in NIGHTS:
        for fs_hz in (25.0, 50.0, 100.0):
            figs = [evaluate_night(preset, fs_hz, s, hours, **overrides) for s in seeds]
            times += [f.score_s for f in figs if fs_hz == 50.0]
            outcomes: Counter[tuple[str, str]] = sum((f.outcomes for f in figs), Counter())
            parts = []
            for kind in ARTEFACT_KINDS:
                mine = {o: n for (k, o), n in outcomes.items() if k == kind}
                if mine:
                    detail = ", ".join(f"{n} {o}" for o, n in sorted(mine.items()))
                    parts.append(f"{kind} {sum(mine.values())}: {detail}")
            tp = sum(f.tp for f in figs)
            fp = sum(f.fp for f in figs)
            fn = sum(f.fn for f in figs)
            f1 = 2 * tp / max(2 * tp + fp + fn, 1)
            worst = min(f.f1 for f in figs)
            err = max(abs(f.plm_per_h - f.true_plm_per_h) for f in figs)
            in_series = sum(f.machine_plm for f in figs)
            print(
                f"  {label:15s} {fs_hz:5.0f} Hz: F1 {f1:.3f} (worst {worst:.3f}), "
                f"PLM/h error up to {err:.1f}; "
                + ("; ".join(parts) if parts else "no artefacts")
                + (f"; machine LMs in PLM series: {in_series}" if in_series else "")
            )
    if times:
        print(
            f"  score() of a {hours:g} h 50 Hz night with artefacts: median "
            f"{statistics.median(times) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
