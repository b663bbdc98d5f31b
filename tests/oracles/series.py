"""Loop-based twin of :mod:`rls_monitor.detection.series`, written to be obviously correct.

Each function walks the movements one at a time, in the words of the standard, with plain Python
lists. It is slow and exists for the tests (vectorised == reference) and the benchmark. The same
time tolerance :data:`~rls_monitor.detection.series.TIME_TOL_S` is used.

References
----------
Ferri R, et al. WASM 2016 standards for scoring leg movements. Sleep Med. 2016;26:86-95.
AASM Manual for the Scoring of Sleep and Associated Events, v2.5, 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from rls_monitor.detection.series import (
    BILATERAL,
    LEFT,
    RIGHT,
    TIME_TOL_S,
    RuleSet,
    get_rules,
    side_codes,
)

__all__ = ["ReferenceLM", "reference_score_series"]

TOL = TIME_TOL_S


@dataclass
class _Move:
    onset_s: float
    offset_s: float
    side: int
    rows: list[int]


@dataclass
class ReferenceLM:
    """One scored LM of the reference scorer."""

    onset_s: float
    offset_s: float
    side: int
    n_parts: int
    clm: bool
    plm: bool = False
    series: int = -1


def _prepare(
    onset_s: list[float], offset_s: list[float], sides: list[int], rs: RuleSet
) -> list[_Move]:
    """Merge same-leg movements starting < merge_gap_s after the previous end; drop short ones."""
    kept: list[_Move] = []
    for leg in sorted(set(sides)):
        rows = [i for i in range(len(onset_s)) if sides[i] == leg]
        rows.sort(key=lambda i: (onset_s[i], offset_s[i]))
        current: _Move | None = None
        for i in rows:
            if current is not None and onset_s[i] - current.offset_s < rs.merge_gap_s - TOL:
                current.offset_s = max(current.offset_s, offset_s[i])
                current.rows.append(i)
            else:
                if current is not None:
                    kept.append(current)
                current = _Move(onset_s[i], offset_s[i], leg, [i])
        if current is not None:
            kept.append(current)
    kept = [m for m in kept if m.offset_s - m.onset_s >= rs.min_duration_s - TOL]
    kept.sort(key=lambda m: (m.onset_s, m.offset_s, m.side))
    return kept


def _bilateral_groups(moves: list[_Move], rs: RuleSet) -> list[list[_Move]]:
    """Group the prepared movements of two legs into LMs."""
    legs = {m.side for m in moves}
    if not (LEFT in legs and RIGHT in legs):
        return [[m] for m in moves]
    groups: list[list[_Move]] = []
    for m in moves:
        if not groups:
            groups.append([m])
            continue
        group = groups[-1]
        if rs.bilateral == "gap":
            latest_end = max(p.offset_s for p in group)
            joins = m.onset_s - latest_end < rs.bilateral_gap_s - TOL
        else:
            prev = group[-1]
            joins = (
                len(group) == 1
                and prev.side != m.side
                and m.onset_s - prev.onset_s < rs.bilateral_onset_s - TOL
            )
        if joins:
            group.append(m)
        else:
            groups.append([m])
    return groups


def _is_candidate(group: list[_Move], rs: RuleSet) -> bool:
    onset = group[0].onset_s
    offset = max(p.offset_s for p in group)
    duration = offset - onset
    if duration < rs.min_duration_s - TOL:
        return False
    if len(group) == 1:
        return duration <= rs.max_clm_mono_s + TOL
    if len(group) > rs.max_bilateral_parts:
        return False
    if duration > rs.max_clm_bilateral_s + TOL:
        return False
    if rs.bilateral == "onset":
        return all(p.offset_s - p.onset_s <= rs.max_clm_mono_s + TOL for p in group)
    return True


def reference_series(lms: list[ReferenceLM], rs: RuleSet) -> None:
    """Mark PLM series in place: walk the LMs, collecting a run of good intervals."""
    run: list[int] = []
    next_series = 0

    def close() -> None:
        nonlocal next_series
        if len(run) >= rs.min_series_length:
            for j in run:
                lms[j].plm = True
                lms[j].series = next_series
            next_series += 1

    for i, lm in enumerate(lms):
        if not lm.clm:
            close()
            run = []
            continue
        if run:
            imi = lm.onset_s - lms[run[-1]].onset_s
            # run[-1] is always i - 1 here: a non-candidate empties the run.
            if rs.imi_min_s - TOL <= imi <= rs.imi_max_s + TOL:
                run.append(i)
                continue
            close()
        run = [i]
    close()


def reference_score_series(
    onset_s: ArrayLike,
    offset_s: ArrayLike,
    side: ArrayLike | None = None,
    *,
    rules: str | RuleSet = "wasm2016",
) -> list[ReferenceLM]:
    """Score movements like :func:`~rls_monitor.detection.series.score_series`, with loops.

    Returns
    -------
    list of ReferenceLM
        The scored LMs in onset order.
    """
    rs = get_rules(rules)
    on = [float(x) for x in np.asarray(onset_s, dtype=np.float64).reshape(-1).tolist()]
    off = [float(x) for x in np.asarray(offset_s, dtype=np.float64).reshape(-1).tolist()]
    sides = [int(c) for c in side_codes(side, len(on)).tolist()]
    moves = _prepare(on, off, sides, rs)
    lms: list[ReferenceLM] = []
    for group in _bilateral_groups(moves, rs):
        legs = {p.side for p in group}
        lms.append(
            ReferenceLM(
                onset_s=group[0].onset_s,
                offset_s=max(p.offset_s for p in group),
                side=legs.pop() if len(legs) == 1 else BILATERAL,
                n_parts=len(group),
                clm=_is_candidate(group, rs),
            )
        )
    reference_series(lms, rs)
    return lms
