"""Series rules: from leg movements to candidate and periodic leg movements (vectorised).

The steps, each a pure NumPy function on arrays of times in seconds from the recording start:

1. :func:`prepare_movements` -- per leg, movements that start less than 0.5 s after the previous one
   ends are merged and movements shorter than 0.5 s are dropped (the preparation PLMScoRe applies
   before the WASM rules, and what the EMG offset rule already implies).
2. Bilateral scoring (when both a left and a right leg are given) -- WASM 2016: monolateral LMs on
   both legs that overlap, or where the next starts less than 0.5 s after the previous one ends, form
   one bilateral LM; AASM: LMs on the two legs whose onsets are less than 5 s apart count as one.
3. Candidate LMs (CLM) -- WASM 2016: 0.5-10 s monolateral, 0.5-15 s and at most 4 monolateral parts
   bilateral; AASM: an LM of 0.5-10 s (each part, when bilateral).
4. PLM series (:func:`periodic_series`) -- WASM 2016: >= 4 consecutive CLMs with 10 <= IMI <= 90 s,
   IMI onset to onset; AASM: >= 4 consecutive LMs with 5 <= IMI <= 90 s.

No Python loop runs over movements: groups are found with cumulative maxima and cumulative sums,
and series as run lengths of the "good interval" vector. The tests check every step against a
loop-based twin (the oracle in ``tests/oracles/series.py``).

All comparisons of times carry a tolerance of :data:`TIME_TOL_S` (1 microsecond) in the direction
that makes a time written as a decimal (``10.0``, ``0.5``) behave as written, whatever binary
rounding the subtraction produced.

References
----------
.. [1] Ferri R, Fulda S, Allen RP, et al. World Association of Sleep Medicine (WASM) 2016 standards
   for recording and scoring leg movements in polysomnograms developed by a joint task force from
   the International and the European Restless Legs Syndrome Study Groups (IRLSSG and EURLSSG).
   Sleep Med. 2016;26:86-95.
.. [2] Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events, version 2.5.
   American Academy of Sleep Medicine, 2018 (movement rules, periodic limb movements in sleep).
.. [3] Fulda S. PLMScoRe (R package): WASM 2016 leg-movement indices from scored events.
   https://github.com/Steph-Fulda/PLMScoRe
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rls_monitor.errors import ConfigError, check_option

__all__ = [
    "LEG_CODES",
    "RULE_SETS",
    "TIME_TOL_S",
    "PreparedMovements",
    "RuleSet",
    "SeriesResult",
    "get_rules",
    "merge_bilateral",
    "periodic_series",
    "prepare_movements",
    "score_series",
    "side_codes",
]

TIME_TOL_S = 1e-6
"""Tolerance of every time comparison, in seconds (see the module docstring)."""

UNKNOWN, LEFT, RIGHT, BILATERAL = 0, 1, 2, 3
LEG_CODES: Mapping[str, int] = MappingProxyType(
    {"unknown": UNKNOWN, "left": LEFT, "right": RIGHT, "bilateral": BILATERAL}
)
"""Integer codes of the leg a movement came from (``bilateral`` only for scored LMs)."""
LEG_NAMES = ("unknown", "left", "right", "bilateral")


@dataclass(frozen=True)
class RuleSet:
    """The numbers of one scoring standard.

    Parameters
    ----------
    name : str
        Short name carried by every output (``"wasm2016"``, ``"aasm"``).
    title : str
        Human-readable name with its source.
    merge_gap_s : float
        Same-leg movements starting less than this after the previous one ends are merged, s.
    min_duration_s : float
        Movements shorter than this (after merging) are dropped, s.
    max_clm_mono_s : float
        Longest monolateral candidate LM, s.
    bilateral : {"gap", "onset"}
        How two legs combine: ``"gap"`` (WASM 2016: overlap or a gap < ``bilateral_gap_s`` between
        the end of one and the start of the next) or ``"onset"`` (AASM: onsets < ``bilateral_onset_s``
        apart, one movement of each leg).
    bilateral_gap_s : float
        Gap for ``bilateral="gap"``, s.
    bilateral_onset_s : float
        Onset difference for ``bilateral="onset"``, s.
    max_clm_bilateral_s : float
        Longest bilateral candidate LM (first onset to last offset), s.
    max_bilateral_parts : int
        Most monolateral parts a bilateral candidate LM may have.
    imi_min_s, imi_max_s : float
        Inter-movement intervals (onset to onset) allowed inside a PLM series, inclusive, s.
    min_series_length : int
        Fewest consecutive candidate LMs that make a PLM series.
    respiratory_anchor : {"end", "event"}
        Window of respiratory association: around the END of the event (WASM 2016) or around the
        whole event (AASM).
    respiratory_before_s, respiratory_after_s : float
        Extent of that window before its anchor start and after its anchor end, s.
    arousal_gap_s : float
        An LM and an arousal are associated when they overlap or one starts less than this after
        the other ends, s.
    """

    name: str
    title: str
    merge_gap_s: float = 0.5
    min_duration_s: float = 0.5
    max_clm_mono_s: float = 10.0
    bilateral: Literal["gap", "onset"] = "gap"
    bilateral_gap_s: float = 0.5
    bilateral_onset_s: float = 5.0
    max_clm_bilateral_s: float = 15.0
    max_bilateral_parts: int = 4
    imi_min_s: float = 10.0
    imi_max_s: float = 90.0
    min_series_length: int = 4
    respiratory_anchor: Literal["end", "event"] = "end"
    respiratory_before_s: float = 2.0
    respiratory_after_s: float = 10.25
    arousal_gap_s: float = 0.5

    def __post_init__(self) -> None:
        check_option("bilateral", self.bilateral, ("gap", "onset"))
        check_option("respiratory_anchor", self.respiratory_anchor, ("end", "event"))
        if self.min_series_length < 2:
            raise ConfigError(
                f"min_series_length must be at least 2; got {self.min_series_length}",
                name="min_series_length",
                value=self.min_series_length,
            )
        if not 0 <= self.imi_min_s <= self.imi_max_s:
            raise ConfigError(
                f"need 0 <= imi_min_s <= imi_max_s; got {self.imi_min_s}, {self.imi_max_s}",
                name="imi_min_s",
                value=self.imi_min_s,
            )


WASM2016 = RuleSet(
    name="wasm2016",
    title="WASM/IRLSSG 2016 (Ferri et al., Sleep Med 2016;26:86-95)",
)
AASM = RuleSet(
    name="aasm",
    title="AASM scoring manual (v2.5, 2018), periodic limb movements",
    max_clm_mono_s=10.0,
    bilateral="onset",
    bilateral_onset_s=5.0,
    max_clm_bilateral_s=float("inf"),
    max_bilateral_parts=2,
    imi_min_s=5.0,
    imi_max_s=90.0,
    respiratory_anchor="event",
    respiratory_before_s=0.5,
    respiratory_after_s=0.5,
)
RULE_SETS: Mapping[str, RuleSet] = MappingProxyType({"wasm2016": WASM2016, "aasm": AASM})
"""The rule sets by name."""


def get_rules(rules: str | RuleSet) -> RuleSet:
    """Return the :class:`RuleSet` named ``rules`` (a ``RuleSet`` is returned as is).

    Raises
    ------
    ConfigError
        If the name is not one of :data:`RULE_SETS`.
    """
    if isinstance(rules, RuleSet):
        return rules
    check_option("rules", rules, tuple(RULE_SETS))
    return RULE_SETS[rules]


def side_codes(side: ArrayLike | None, n: int) -> NDArray[np.int8]:
    """Leg codes (:data:`LEG_CODES`) of ``n`` movements from labels, codes or ``None``.

    Parameters
    ----------
    side : array-like of str or int, or None
        ``"left"``/``"right"``/``"unknown"`` (``"l"``, ``"r"``, ``""`` accepted), codes 0-2, or
        ``None`` for one unknown leg.
    n : int
        Number of movements.

    Raises
    ------
    ConfigError
        On a length mismatch, an unknown label, or a mix of known and unknown legs.
    """
    if side is None:
        return np.zeros(n, dtype=np.int8)
    arr = np.asarray(side)
    if arr.shape != (n,):
        raise ConfigError(f"side must have shape ({n},); got {arr.shape}", name="side")
    if arr.dtype.kind in "iu":
        codes = arr.astype(np.int64)
        if codes.size and (codes.min() < 0 or codes.max() > RIGHT):
            raise ConfigError("side codes must be 0 (unknown), 1 (left) or 2 (right)", name="side")
        out = codes.astype(np.int8)
    else:
        aliases = {"l": LEFT, "left": LEFT, "r": RIGHT, "right": RIGHT, "": UNKNOWN}
        aliases["unknown"] = UNKNOWN
        uniq_raw, inverse = np.unique(arr.astype(str), return_inverse=True)
        uniq = [str(u).strip().lower() for u in uniq_raw.tolist()]
        bad = [u for u in uniq if u not in aliases]
        if bad:
            raise ConfigError(
                f"side must be one of 'left', 'right', 'unknown'; got {bad[0]!r}",
                name="side",
                value=bad[0],
                allowed=("left", "right", "unknown"),
            )
        table = np.array([aliases[u] for u in uniq], dtype=np.int8)
        out = table[inverse.reshape(-1)]
    if out.size and (out == UNKNOWN).any() and (out != UNKNOWN).any():
        raise ConfigError(
            "side mixes movements of a known leg with movements of an unknown leg", name="side"
        )
    return out


def _times(onset_s: ArrayLike, offset_s: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    on = np.asarray(onset_s, dtype=np.float64).reshape(-1)
    off = np.asarray(offset_s, dtype=np.float64).reshape(-1)
    if on.shape != off.shape:
        raise ConfigError(
            f"onset_s and offset_s must have the same length; got {on.size} and {off.size}",
            name="offset_s",
        )
    if not (np.isfinite(on).all() and np.isfinite(off).all()):
        raise ConfigError("onset_s and offset_s must be finite numbers", name="onset_s")
    bad = np.flatnonzero(off < on)
    if bad.size:
        i = int(bad[0])
        raise ConfigError(
            f"offset_s before onset_s in movement {i}: {off[i]} < {on[i]}", name="offset_s"
        )
    return on, off


@dataclass(frozen=True, eq=False)
class PreparedMovements:
    """Movements per leg after merging close ones and dropping short ones.

    Attributes
    ----------
    onset_s, offset_s : ndarray of float64, shape (m,)
        Times of the movements that remain, s, sorted by onset, then offset, then leg.
    side : ndarray of int8, shape (m,)
        Leg codes (:data:`LEG_CODES`).
    source : ndarray of int64, shape (n,)
        For each input row, the index of the prepared movement it ended in, -1 if dropped.
    n_merged : int
        Input rows merged into a neighbour.
    n_dropped : int
        Prepared movements dropped as shorter than the minimum (input rows: ``source == -1``).
    """

    onset_s: NDArray[np.float64]
    offset_s: NDArray[np.float64]
    side: NDArray[np.int8]
    source: NDArray[np.int64]
    n_merged: int
    n_dropped: int

    @property
    def duration_s(self) -> NDArray[np.float64]:
        """Durations, s."""
        return self.offset_s - self.onset_s


def prepare_movements(
    onset_s: ArrayLike,
    offset_s: ArrayLike,
    side: ArrayLike | None = None,
    *,
    rules: str | RuleSet = "wasm2016",
) -> PreparedMovements:
    """Merge same-leg movements less than ``merge_gap_s`` apart, then drop short ones.

    Parameters
    ----------
    onset_s, offset_s : array-like of float, shape (n,)
        Movement times, s from the recording start, in any order.
    side : array-like of str or int, shape (n,), or None
        Leg of each movement (see :func:`side_codes`); ``None`` for one leg.
    rules : str or RuleSet
        ``"wasm2016"`` or ``"aasm"``.

    Returns
    -------
    PreparedMovements

    Raises
    ------
    ConfigError
        Unknown rule set, mismatched lengths, non-finite times, an offset before its onset.

    References
    ----------
    Ferri et al. 2016 (WASM), section on LM definition; PLMScoRe's preparation of scored events.

    Examples
    --------
    >>> p = prepare_movements([0.0, 2.2, 10.0], [2.0, 3.0, 10.3])
    >>> p.onset_s.tolist(), p.offset_s.tolist(), p.source.tolist()
    ([0.0], [3.0], [0, 0, -1])
    """
    rs = get_rules(rules)
    on, off = _times(onset_s, offset_s)
    n = on.size
    legs = side_codes(side, n)
    # Sort by leg, then onset, then offset: each leg's movements are contiguous and in time order.
    order = np.lexsort((off, on, legs))
    on_s, off_s, leg_s = on[order], off[order], legs[order]
    # Latest end so far within each leg (a loop over at most three legs, not over movements).
    prev_end = np.empty(n, dtype=np.float64)
    for leg in np.unique(leg_s).tolist():
        sel = leg_s == leg
        prev_end[sel] = np.maximum.accumulate(off_s[sel])
    new = np.ones(n, dtype=bool)
    new[1:] = (leg_s[1:] != leg_s[:-1]) | (on_s[1:] - prev_end[:-1] >= rs.merge_gap_s - TIME_TOL_S)
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    g_on = on_s[starts]
    g_off = np.maximum.reduceat(off_s, starts) if n else off_s[:0]
    g_leg = leg_s[starts]
    keep = (g_off - g_on) >= rs.min_duration_s - TIME_TOL_S
    # Order what remains by onset, offset, leg; map every input row to its prepared index.
    kept = np.flatnonzero(keep)
    final_order = kept[np.lexsort((g_leg[kept], g_off[kept], g_on[kept]))]
    rank = np.full(starts.size, -1, dtype=np.int64)
    rank[final_order] = np.arange(final_order.size)
    source = np.empty(n, dtype=np.int64)
    source[order] = rank[group]
    return PreparedMovements(
        onset_s=g_on[final_order],
        offset_s=g_off[final_order],
        side=g_leg[final_order].astype(np.int8),
        source=source,
        n_merged=int(n - starts.size),
        n_dropped=int(starts.size - kept.size),
    )


def merge_bilateral(
    onset_s: NDArray[np.float64],
    offset_s: NDArray[np.float64],
    side: NDArray[np.int8],
    *,
    rules: str | RuleSet = "wasm2016",
) -> NDArray[np.int64]:
    """Group prepared movements of two legs into scored LMs.

    Parameters
    ----------
    onset_s, offset_s : ndarray of float64, shape (m,)
        Prepared movements sorted by onset (as :func:`prepare_movements` returns them), s.
    side : ndarray of int8, shape (m,)
        Leg codes. Without both a left and a right leg, every movement is its own LM.
    rules : str or RuleSet
        WASM 2016: a movement joins the current LM when it overlaps it or starts less than 0.5 s
        after the latest end so far (chains of any length; the part limit is applied by the CLM
        rule). AASM: a movement joins the previous one when their onsets are less than 5 s apart
        and they are on different legs, in pairs (one movement of each leg), taken greedily in
        onset order.

    Returns
    -------
    ndarray of int64, shape (m,)
        Index of the scored LM each movement belongs to (non-decreasing, 0-based).
    """
    rs = get_rules(rules)
    m = onset_s.size
    link = np.zeros(m, dtype=bool)
    two_legs = bool((side == LEFT).any() and (side == RIGHT).any())
    if m > 1 and two_legs:
        if rs.bilateral == "gap":
            latest_end = np.maximum.accumulate(offset_s)
            link[1:] = onset_s[1:] - latest_end[:-1] < rs.bilateral_gap_s - TIME_TOL_S
        else:
            can = np.zeros(m, dtype=bool)
            can[1:] = (onset_s[1:] - onset_s[:-1] < rs.bilateral_onset_s - TIME_TOL_S) & (
                side[1:] != side[:-1]
            )
            # Greedy pairs: in a run of possible links, the 1st, 3rd, 5th ... link.
            idx = np.arange(m)
            last_break = np.maximum.accumulate(np.where(can, 0, idx))
            link = can & ((idx - last_break - 1) % 2 == 0)
    return np.cumsum(~link) - 1


def periodic_series(
    onset_s: NDArray[np.float64],
    candidate: NDArray[np.bool_],
    *,
    rules: str | RuleSet = "wasm2016",
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Mark the LMs that belong to PLM series.

    Parameters
    ----------
    onset_s : ndarray of float64, shape (k,)
        Onsets of all scored LMs in order, s.
    candidate : ndarray of bool, shape (k,)
        Which LMs are candidates (CLM). A non-candidate ends a series and is never a PLM.
    rules : str or RuleSet
        WASM 2016: >= 4 consecutive CLMs with 10 <= IMI <= 90 s. AASM: >= 4 consecutive LMs with
        5 <= IMI <= 90 s. Under both, an IMI below the lower bound ends the series and the later
        LM may start the next one (WASM 2016 says so; the AASM manual does not say, and we apply
        the same rule rather than skipping the early movement); an IMI above 90 s ends it too.

    Returns
    -------
    plm : ndarray of bool, shape (k,)
    series : ndarray of int64, shape (k,)
        Series number of each LM (0, 1, ... in time order), -1 outside series.

    Examples
    --------
    >>> plm, series = periodic_series(np.arange(5) * 20.0, np.ones(5, bool))
    >>> plm.tolist(), series.tolist()
    ([True, True, True, True, True], [0, 0, 0, 0, 0])
    """
    rs = get_rules(rules)
    k = onset_s.size
    plm = np.zeros(k, dtype=bool)
    series = np.full(k, -1, dtype=np.int64)
    if k < 2:
        return plm, series
    imi = np.diff(onset_s)
    ok = (
        (imi >= rs.imi_min_s - TIME_TOL_S)
        & (imi <= rs.imi_max_s + TIME_TOL_S)
        & candidate[1:]
        & candidate[:-1]
    )
    edges = np.diff(np.concatenate(([0], ok.astype(np.int8), [0])))
    run_start = np.flatnonzero(edges == 1)  # first good interval (= first movement of the run)
    run_stop = np.flatnonzero(edges == -1)  # one past the last good interval (= last movement)
    long = (run_stop - run_start) >= rs.min_series_length - 1
    run_start, run_stop = run_start[long], run_stop[long]
    if run_start.size == 0:
        return plm, series
    # Movements run_start..run_stop (inclusive) form one series; runs never share a movement.
    mark = np.zeros(k + 1, dtype=np.int64)
    sid = np.arange(1, run_start.size + 1)
    np.add.at(mark, run_start, sid)
    np.add.at(mark, run_stop + 1, -sid)
    level = np.cumsum(mark)[:k]
    plm = level > 0
    series = level - 1
    return plm, series


@dataclass(frozen=True, eq=False)
class SeriesResult:
    """Scored LMs of one night under one rule set.

    Attributes
    ----------
    rules : str
        Name of the rule set.
    onset_s, offset_s : ndarray of float64, shape (k,)
        Scored LMs (bilateral LMs merged), s, in onset order.
    side : ndarray of int8, shape (k,)
        Leg codes; 3 (``"bilateral"``) for LMs with parts on both legs.
    n_parts : ndarray of int64, shape (k,)
        Monolateral movements in each LM.
    clm, plm : ndarray of bool, shape (k,)
        Candidate LM; member of a PLM series.
    series : ndarray of int64, shape (k,)
        Series number, -1 outside series.
    part_of : ndarray of int64, shape (m,)
        For each prepared movement, the scored LM it is part of.
    prepared : PreparedMovements
        The monolateral movements after preparation.
    """

    rules: str
    onset_s: NDArray[np.float64]
    offset_s: NDArray[np.float64]
    side: NDArray[np.int8]
    n_parts: NDArray[np.int64]
    clm: NDArray[np.bool_]
    plm: NDArray[np.bool_]
    series: NDArray[np.int64]
    part_of: NDArray[np.int64]
    prepared: PreparedMovements

    @property
    def duration_s(self) -> NDArray[np.float64]:
        """Durations of the scored LMs, s."""
        return self.offset_s - self.onset_s

    @property
    def imi_s(self) -> NDArray[np.float64]:
        """Inter-movement intervals, onset to onset, s, shape (k - 1,)."""
        return np.diff(self.onset_s)

    @property
    def n_series(self) -> int:
        """Number of PLM series."""
        return int(self.series.max() + 1) if self.series.size else 0

    def side_labels(self) -> list[str]:
        """Leg of each scored LM as text."""
        return [LEG_NAMES[c] for c in self.side.tolist()]

    def with_candidates(self, candidate: NDArray[np.bool_]) -> SeriesResult:
        """The same LMs with another candidate mask (e.g. respiratory-related CLMs removed)."""
        cand = np.asarray(candidate, dtype=bool)
        if cand.shape != self.clm.shape:
            raise ConfigError(f"candidate must have shape {self.clm.shape}", name="candidate")
        plm, series = periodic_series(self.onset_s, cand, rules=self.rules)
        return SeriesResult(
            rules=self.rules,
            onset_s=self.onset_s,
            offset_s=self.offset_s,
            side=self.side,
            n_parts=self.n_parts,
            clm=cand,
            plm=plm,
            series=series,
            part_of=self.part_of,
            prepared=self.prepared,
        )


def score_series(
    onset_s: ArrayLike,
    offset_s: ArrayLike,
    side: ArrayLike | None = None,
    *,
    rules: str | RuleSet = "wasm2016",
) -> SeriesResult:
    """Score leg movements into candidate and periodic leg movements.

    Parameters
    ----------
    onset_s, offset_s : array-like of float, shape (n,)
        Monolateral leg movements, s from the recording start, in any order.
    side : array-like of str or int, shape (n,), or None
        Leg of each movement. With both ``"left"`` and ``"right"`` present, bilateral scoring is
        used; ``None`` (or all ``"unknown"``) means one leg.
    rules : str or RuleSet
        ``"wasm2016"`` (default) or ``"aasm"``.

    Returns
    -------
    SeriesResult

    Raises
    ------
    ConfigError
        Unknown rule set or malformed arrays.

    References
    ----------
    Ferri et al., Sleep Med 2016;26:86-95 (WASM/IRLSSG 2016); AASM scoring manual v2.5 (2018).

    Examples
    --------
    >>> onsets = np.array([0.0, 20.0, 40.0, 60.0, 80.0])
    >>> r = score_series(onsets, onsets + 2.0)
    >>> int(r.plm.sum()), r.n_series
    (5, 1)
    """
    rs = get_rules(rules)
    prep = prepare_movements(onset_s, offset_s, side, rules=rs)
    part_of = merge_bilateral(prep.onset_s, prep.offset_s, prep.side, rules=rs)
    m = prep.onset_s.size
    starts = np.flatnonzero(np.diff(np.concatenate(([-1], part_of))) != 0)
    if m:
        onset = prep.onset_s[starts]
        offset = np.maximum.reduceat(prep.offset_s, starts)
        side_min = np.minimum.reduceat(prep.side, starts)
        side_max = np.maximum.reduceat(prep.side, starts)
        longest_part = np.maximum.reduceat(prep.duration_s, starts)
    else:
        onset = offset = longest_part = np.zeros(0)
        side_min = side_max = np.zeros(0, dtype=np.int8)
    n_parts = np.diff(np.append(starts, m)).astype(np.int64)
    legs = np.where(side_min == side_max, side_min, BILATERAL).astype(np.int8)
    duration = offset - onset
    mono = n_parts == 1
    clm = np.where(
        mono,
        duration <= rs.max_clm_mono_s + TIME_TOL_S,
        (n_parts <= rs.max_bilateral_parts)
        & (duration <= rs.max_clm_bilateral_s + TIME_TOL_S)
        & (longest_part <= rs.max_clm_mono_s + TIME_TOL_S if rs.bilateral == "onset" else True),
    )
    clm &= duration >= rs.min_duration_s - TIME_TOL_S
    plm, series = periodic_series(onset, clm, rules=rs)
    return SeriesResult(
        rules=rs.name,
        onset_s=onset,
        offset_s=offset,
        side=legs,
        n_parts=n_parts,
        clm=clm,
        plm=plm,
        series=series,
        part_of=part_of.astype(np.int64),
        prepared=prep,
    )
