"""Indices of a scored night: counts, rates, IMI statistics, periodicity, per-hour table.

Everything here is pure and works on a :class:`~rls_monitor.detection.series.SeriesResult`. The
figures come out as plain, JSON-ready dictionaries (floats rounded to the precision they carry,
``None`` where a figure is undefined), each labelled with the rule set that produced it.

The primary rate of an ankle band is **per hour in bed** (lying), not per hour of sleep: the band
knows no sleep stages. When sleep stages are given (an event list from a polysomnogram),
:func:`sleep_indices` adds the PLMS and PLMW indices.

References
----------
.. [1] Ferri R, Fulda S, Allen RP, et al. WASM 2016 standards for recording and scoring leg
   movements in polysomnograms. Sleep Med. 2016;26:86-95.
.. [2] Ferri R, Zucconi M, Manconi M, et al. New approaches to the study of periodic leg movements
   during sleep in restless legs syndrome. Sleep. 2006;29(6):759-769 (periodicity index, IMI
   histograms).
.. [3] Berry RB, et al. The AASM Manual for the Scoring of Sleep and Associated Events, v2.5, 2018.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rls_monitor.detection.series import (
    BILATERAL,
    LEFT,
    LEG_NAMES,
    RIGHT,
    TIME_TOL_S,
    RuleSet,
    SeriesResult,
    get_rules,
)
from rls_monitor.errors import ConfigError

__all__ = [
    "SLEEP_STAGES",
    "STAGES",
    "NightIndices",
    "StageEpochs",
    "arousal_associated",
    "compute_indices",
    "duration_summary",
    "imi_histograms",
    "imi_statistics",
    "limitations",
    "per_hour_table",
    "periodicity_index",
    "respiratory_related",
    "series_summary",
    "side_counts",
    "sleep_indices",
]

STAGES = ("W", "N1", "N2", "N3", "R", "?")
"""Sleep stage labels (AASM); ``"?"`` is an unscored epoch."""
SLEEP_STAGES = ("N1", "N2", "N3", "R")

PERIODICITY_MIN_LM_PER_H = 10.0
"""Below this many LM per hour the periodicity index is flagged not interpretable (Ferri 2006)."""

HOUR_S = 3600.0


def _r(x: float | None, digits: int = 3) -> float | None:
    """Round for the report; ``None`` for undefined values."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


def _per_h(count: int, time_s: float) -> float | None:
    return _r(count / (time_s / HOUR_S), 3) if time_s > 0 else None


# --- IMI statistics -----------------------------------------------------------------------------


def periodicity_index(onset_s: ArrayLike) -> float | None:
    """Periodicity index, interval form (Ferri et al. 2006).

    Parameters
    ----------
    onset_s : array-like of float, shape (k,)
        Onsets of all scored LMs in time order, s.

    Returns
    -------
    float or None
        The number of IMIs with 10 < IMI <= 90 s that sit in runs of >= 3 consecutive such IMIs,
        divided by all IMIs (k - 1); ``None`` with fewer than two LMs.

    References
    ----------
    Ferri R, et al. Sleep. 2006;29(6):759-769.

    Examples
    --------
    >>> periodicity_index([0, 20, 40, 60, 200, 205])
    0.6
    """
    on = np.asarray(onset_s, dtype=np.float64)
    if on.size < 2:
        return None
    imi = np.diff(on)
    good = (imi > 10.0 + TIME_TOL_S) & (imi <= 90.0 + TIME_TOL_S)
    edges = np.diff(np.concatenate(([0], good.astype(np.int8), [0])))
    lengths = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    in_runs = int(lengths[lengths >= 3].sum())
    return in_runs / imi.size


def imi_statistics(onset_s: ArrayLike) -> dict[str, Any]:
    """Counts and log-scale statistics of inter-movement intervals (onset to onset).

    Parameters
    ----------
    onset_s : array-like of float, shape (k,)
        Onsets of all scored LMs in time order, s.

    Returns
    -------
    dict
        ``n``, ``n_below_10s``, ``n_10_to_90s`` (10 <= IMI <= 90 s), ``n_above_90s``,
        ``geometric_mean_s`` (exp of the mean of ln IMI) and ``log_sd`` (SD of ln IMI, ddof 1),
        ``median_s``; ``None`` where undefined.
    """
    imi = np.diff(np.asarray(onset_s, dtype=np.float64))
    pos = imi[imi > 0]
    logs = np.log(pos)
    return {
        "n": int(imi.size),
        "n_below_10s": int((imi < 10.0 - TIME_TOL_S).sum()),
        "n_10_to_90s": int(((imi >= 10.0 - TIME_TOL_S) & (imi <= 90.0 + TIME_TOL_S)).sum()),
        "n_above_90s": int((imi > 90.0 + TIME_TOL_S).sum()),
        "geometric_mean_s": _r(math.exp(logs.mean())) if logs.size else None,
        "log_sd": _r(float(logs.std(ddof=1)), 4) if logs.size > 1 else None,
        "median_s": _r(float(np.median(imi))) if imi.size else None,
    }


def imi_histograms(onset_s: ArrayLike) -> dict[str, Any]:
    """IMI histograms as sleep medicine draws them.

    Parameters
    ----------
    onset_s : array-like of float, shape (k,)
        Onsets of all scored LMs in time order, s.

    Returns
    -------
    dict
        ``linear``: 2 s bins from 0 to 90 s (``edges_s``, ``counts``, ``above``: IMIs > 90 s);
        ``log``: bins 0.1 wide in ln(IMI / 1 s) from 0 to 4.5 (``edges_ln``, ``counts``,
        ``below``: IMI < 1 s, ``above``: IMI > e^4.5 s, ``ticks_s``: axis ticks at
        2, 10, 20, 40, 60, 90 s with ``ticks_ln``).

    References
    ----------
    Ferri R, et al. Sleep. 2006;29(6):759-769.
    """
    imi = np.diff(np.asarray(onset_s, dtype=np.float64))
    lin_edges = np.arange(0.0, 90.0 + 1.0, 2.0)
    lin_counts, _ = np.histogram(imi[imi <= 90.0], bins=lin_edges)
    log_edges = np.round(np.arange(0.0, 4.5 + 0.05, 0.1), 1)
    ln = np.log(imi[imi > 0])
    log_counts, _ = np.histogram(ln[(ln >= 0) & (ln <= 4.5)], bins=log_edges)
    ticks = [2, 10, 20, 40, 60, 90]
    return {
        "linear": {
            "edges_s": lin_edges.tolist(),
            "counts": lin_counts.astype(int).tolist(),
            "above": int((imi > 90.0).sum()),
        },
        "log": {
            "edges_ln": log_edges.tolist(),
            "counts": log_counts.astype(int).tolist(),
            "below": int((imi < 1.0).sum()),
            "above": int((ln > 4.5).sum()),
            "ticks_s": ticks,
            "ticks_ln": [round(math.log(t), 4) for t in ticks],
        },
    }


# --- summaries ----------------------------------------------------------------------------------


def _stats(values: NDArray[np.float64]) -> dict[str, Any]:
    if values.size == 0:
        return {"n": 0, "mean_s": None, "median_s": None, "min_s": None, "max_s": None}
    return {
        "n": int(values.size),
        "mean_s": _r(float(values.mean())),
        "median_s": _r(float(np.median(values))),
        "min_s": _r(float(values.min())),
        "max_s": _r(float(values.max())),
    }


def duration_summary(series: SeriesResult) -> dict[str, Any]:
    """Durations of all LMs, of CLMs and of PLMs (n, mean, median, min, max; s)."""
    dur = series.duration_s
    return {
        "lm": _stats(dur),
        "clm": _stats(dur[series.clm]),
        "plm": _stats(dur[series.plm]),
    }


def series_summary(series: SeriesResult) -> dict[str, Any]:
    """Number and length of the PLM series.

    Returns
    -------
    dict
        ``n``; ``lengths`` (movements per series) and ``durations_s`` (first onset to last offset)
        in time order; ``median_length``, ``max_length``, ``median_duration_s``, and
        ``total_duration_s``.
    """
    ids = series.series[series.series >= 0]
    if ids.size == 0:
        return {
            "n": 0,
            "lengths": [],
            "durations_s": [],
            "median_length": None,
            "max_length": None,
            "median_duration_s": None,
            "total_duration_s": 0.0,
        }
    n = int(ids.max()) + 1
    idx = np.flatnonzero(series.series >= 0)
    starts = idx[np.flatnonzero(np.diff(np.concatenate(([-1], series.series[idx]))) != 0)]
    lengths = np.bincount(ids, minlength=n)
    ends = starts + lengths - 1
    durations = series.offset_s[ends] - series.onset_s[starts]
    return {
        "n": n,
        "lengths": lengths.astype(int).tolist(),
        "durations_s": [_r(float(d)) for d in durations],
        "median_length": _r(float(np.median(lengths)), 1),
        "max_length": int(lengths.max()),
        "median_duration_s": _r(float(np.median(durations))),
        "total_duration_s": _r(float(durations.sum())),
    }


def side_counts(series: SeriesResult) -> dict[str, dict[str, int]] | None:
    """LM, CLM and PLM counts by leg (left, right, bilateral), or ``None`` without two legs."""
    legs = set(series.prepared.side.tolist())
    if not (LEFT in legs and RIGHT in legs):
        return None
    out: dict[str, dict[str, int]] = {}
    for code in (LEFT, RIGHT, BILATERAL):
        sel = series.side == code
        out[LEG_NAMES[code]] = {
            "lm": int(sel.sum()),
            "clm": int((sel & series.clm).sum()),
            "plm": int((sel & series.plm).sum()),
        }
    return out


def _in_bed_before(
    t_s: NDArray[np.float64], in_bed: NDArray[np.bool_] | None, epoch_s: float, duration_s: float
) -> NDArray[np.float64]:
    """Seconds in bed in [0, t) for each t."""
    t = np.clip(t_s, 0.0, duration_s)
    if in_bed is None:
        return t
    n = in_bed.size
    starts = np.arange(n) * epoch_s
    lengths = np.clip(duration_s - starts, 0.0, epoch_s)
    cum = np.concatenate(([0.0], np.cumsum(np.where(in_bed, lengths, 0.0))))
    i = np.clip(np.floor(t / epoch_s).astype(np.int64), 0, n)
    partial = np.zeros_like(t)
    inside = i < n
    partial[inside] = np.where(in_bed[i[inside]], t[inside] - starts[i[inside]], 0.0)
    return cum[i] + partial


def per_hour_table(
    series: SeriesResult,
    *,
    duration_s: float,
    in_bed_epochs: ArrayLike | None = None,
    epoch_s: float = 30.0,
) -> list[dict[str, Any]]:
    """One row per hour of the recording (hour 0 starts at the recording start).

    Parameters
    ----------
    series : SeriesResult
    duration_s : float
        Recording length, s.
    in_bed_epochs : array-like of bool, shape (n_epochs,), or None
        In bed (lying) per epoch from the recording start; ``None``: in bed throughout.
    epoch_s : float
        Epoch length of ``in_bed_epochs``, s.

    Returns
    -------
    list of dict
        ``hour``, ``start_s``, ``in_bed_min``, ``lm``, ``clm``, ``plm``, ``plm_per_h`` (per hour in
        bed within that hour; ``None`` when not in bed at all).
    """
    mask = None if in_bed_epochs is None else np.asarray(in_bed_epochs, dtype=bool).reshape(-1)
    n_hours = max(1, math.ceil(duration_s / HOUR_S - 1e-9)) if duration_s > 0 else 0
    bounds = np.arange(n_hours + 1) * HOUR_S
    bed = np.diff(_in_bed_before(bounds.astype(np.float64), mask, epoch_s, duration_s))
    hour = np.clip(np.floor(series.onset_s / HOUR_S).astype(np.int64), 0, max(n_hours - 1, 0))
    lm = np.bincount(hour, minlength=n_hours)
    clm = np.bincount(hour[series.clm], minlength=n_hours)
    plm = np.bincount(hour[series.plm], minlength=n_hours)
    return [
        {
            "hour": h,
            "start_s": float(bounds[h]),
            "in_bed_min": _r(float(bed[h]) / 60.0, 2),
            "lm": int(lm[h]),
            "clm": int(clm[h]),
            "plm": int(plm[h]),
            "plm_per_h": _per_h(int(plm[h]), float(bed[h])),
        }
        for h in range(n_hours)
    ]


# --- sleep stages, respiratory events, arousals -------------------------------------------------


@dataclass(frozen=True, eq=False)
class StageEpochs:
    """Scored sleep stages.

    Parameters
    ----------
    onset_s : ndarray of float64, shape (n,)
        Start of each epoch, s from the recording start, increasing.
    stage : tuple of str
        ``W``, ``N1``, ``N2``, ``N3``, ``R`` or ``?`` (unscored) per epoch.
    epoch_s : float
        Epoch length, s (30 s in the AASM manual).

    Raises
    ------
    ConfigError
        Unknown stage labels, lengths that differ, epochs out of order or overlapping.
    """

    onset_s: NDArray[np.float64]
    stage: tuple[str, ...]
    epoch_s: float = 30.0

    def __post_init__(self) -> None:
        on = np.asarray(self.onset_s, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "onset_s", on)
        object.__setattr__(self, "stage", tuple(str(s) for s in self.stage))
        if len(self.stage) != on.size:
            raise ConfigError("stage and onset_s must have the same length", name="stage")
        bad = sorted(set(self.stage) - set(STAGES))
        if bad:
            raise ConfigError(
                f"stage must be one of {', '.join(STAGES)}; got {bad[0]!r}",
                name="stage",
                value=bad[0],
                allowed=STAGES,
            )
        if not (math.isfinite(self.epoch_s) and self.epoch_s > 0):
            raise ConfigError(f"epoch_s must be positive; got {self.epoch_s}", name="epoch_s")
        if on.size > 1 and (np.diff(on) < self.epoch_s - TIME_TOL_S).any():
            raise ConfigError("stage epochs must be in time order and not overlap", name="onset_s")

    def stage_at(self, t_s: ArrayLike) -> list[str]:
        """Stage of the epoch holding each time (``"?"`` outside every epoch)."""
        t = np.asarray(t_s, dtype=np.float64).reshape(-1)
        if self.onset_s.size == 0:
            return ["?"] * t.size
        i = np.searchsorted(self.onset_s, t + TIME_TOL_S, side="right") - 1
        inside = (i >= 0) & (t < self.onset_s[np.clip(i, 0, None)] + self.epoch_s - TIME_TOL_S)
        labels = np.asarray((*self.stage, "?"), dtype=object)
        return [str(s) for s in labels[np.where(inside, i, len(self.stage))]]


def _any_window_overlaps(
    onset_s: NDArray[np.float64],
    offset_s: NDArray[np.float64],
    w_start: NDArray[np.float64],
    w_end: NDArray[np.float64],
    *,
    closed: bool,
) -> NDArray[np.bool_]:
    """For each interval, whether any window overlaps it (vectorised with a running maximum)."""
    out = np.zeros(onset_s.size, dtype=bool)
    if w_start.size == 0 or onset_s.size == 0:
        return out
    order = np.argsort(w_start, kind="stable")
    ws, we = w_start[order], np.maximum.accumulate(w_end[order])
    tol = TIME_TOL_S if closed else -TIME_TOL_S
    # Windows starting no later than the interval's end (closed) or strictly before it (open).
    j = np.searchsorted(ws, offset_s + tol, side="right") - 1
    has = j >= 0
    out[has] = we[j[has]] >= onset_s[has] - tol if closed else we[j[has]] > onset_s[has] - tol
    return out


def respiratory_related(
    onset_s: ArrayLike,
    offset_s: ArrayLike,
    event_onset_s: ArrayLike,
    event_offset_s: ArrayLike,
    *,
    rules: str | RuleSet = "wasm2016",
) -> NDArray[np.bool_]:
    """Which LMs are respiratory-related.

    Parameters
    ----------
    onset_s, offset_s : array-like of float, shape (k,)
        LMs, s.
    event_onset_s, event_offset_s : array-like of float, shape (e,)
        Apneas, hypopneas and RERAs, s.
    rules : str or RuleSet
        WASM 2016: an LM overlapping the window from 2.0 s before to 10.25 s after the END of a
        respiratory event (edges included). AASM: an LM overlapping the event itself widened by
        0.5 s on both sides.

    Returns
    -------
    ndarray of bool, shape (k,)

    References
    ----------
    Ferri et al. 2016 (WASM), respiratory-related LMs; AASM manual v2.5, movement rules.
    """
    rs = get_rules(rules)
    on = np.asarray(onset_s, dtype=np.float64).reshape(-1)
    off = np.asarray(offset_s, dtype=np.float64).reshape(-1)
    e_on = np.asarray(event_onset_s, dtype=np.float64).reshape(-1)
    e_off = np.asarray(event_offset_s, dtype=np.float64).reshape(-1)
    anchor_start = e_off if rs.respiratory_anchor == "end" else e_on
    return _any_window_overlaps(
        on,
        off,
        anchor_start - rs.respiratory_before_s,
        e_off + rs.respiratory_after_s,
        closed=True,
    )


def arousal_associated(
    onset_s: ArrayLike,
    offset_s: ArrayLike,
    arousal_onset_s: ArrayLike,
    arousal_offset_s: ArrayLike,
    *,
    gap_s: float = 0.5,
) -> NDArray[np.bool_]:
    """Which LMs are associated with an arousal.

    An LM and an arousal are associated when they overlap or when one starts less than ``gap_s``
    after the other ends, in either order (WASM 2016 and AASM).

    Returns
    -------
    ndarray of bool, shape (k,)
    """
    on = np.asarray(onset_s, dtype=np.float64).reshape(-1)
    off = np.asarray(offset_s, dtype=np.float64).reshape(-1)
    a_on = np.asarray(arousal_onset_s, dtype=np.float64).reshape(-1)
    a_off = np.asarray(arousal_offset_s, dtype=np.float64).reshape(-1)
    return _any_window_overlaps(on, off, a_on - gap_s, a_off + gap_s, closed=False)


def sleep_indices(series: SeriesResult, stages: StageEpochs) -> dict[str, Any]:
    """PLMS and PLMW indices from scored sleep stages.

    Each LM takes the stage of the epoch holding its onset; series may cross wake/sleep changes
    (WASM 2016). Sleep is N1, N2, N3 and R.

    Returns
    -------
    dict
        ``rules``; ``sleep_s`` (total sleep time), ``sleep_onset_s``, ``waso_s`` (wake after sleep
        onset), ``wake_s`` (all wake epochs); ``plms``, ``plms_per_h`` (PLMs in sleep per hour of
        sleep), ``lms_per_h``, ``clms_per_h``; ``plmw``, ``plmw_per_h`` (PLMs in wake after sleep
        onset per hour of wake after sleep onset, the denominator WASM 2016 uses), and
        ``plmw_total_wake_per_h`` (all PLMs in wake per hour of all wake); ``plm_by_stage``; and
        ``lm_unstaged`` (LMs outside every scored epoch).
    """
    st = np.asarray(stages.stage, dtype=object)
    is_sleep = np.isin(st, SLEEP_STAGES)
    is_wake = st == "W"
    sleep_s = float(is_sleep.sum()) * stages.epoch_s
    sleep_onset = float(stages.onset_s[np.argmax(is_sleep)]) if is_sleep.any() else None
    after = (
        stages.onset_s >= sleep_onset - TIME_TOL_S
        if sleep_onset is not None
        else np.zeros(st.size, bool)
    )
    waso_s = float((is_wake & after).sum()) * stages.epoch_s
    wake_s = float(is_wake.sum()) * stages.epoch_s
    lm_stage = np.asarray(stages.stage_at(series.onset_s), dtype=object)
    lm_sleep = np.isin(lm_stage, SLEEP_STAGES)
    lm_wake = lm_stage == "W"
    lm_after = (
        series.onset_s >= sleep_onset - TIME_TOL_S
        if sleep_onset is not None
        else np.zeros(lm_stage.size, bool)
    )
    plms = int((series.plm & lm_sleep).sum())
    plmw_waso = int((series.plm & lm_wake & lm_after).sum())
    plmw_all = int((series.plm & lm_wake).sum())
    return {
        "rules": series.rules,
        "epoch_s": stages.epoch_s,
        "sleep_s": sleep_s,
        "sleep_onset_s": sleep_onset,
        "waso_s": waso_s,
        "wake_s": wake_s,
        "lms_per_h": _per_h(int(lm_sleep.sum()), sleep_s),
        "clms_per_h": _per_h(int((series.clm & lm_sleep).sum()), sleep_s),
        "plms": plms,
        "plms_per_h": _per_h(plms, sleep_s),
        "plmw": plmw_waso,
        "plmw_per_h": _per_h(plmw_waso, waso_s),
        "plmw_denominator": "wake after sleep onset",
        "plmw_total_wake": plmw_all,
        "plmw_total_wake_per_h": _per_h(plmw_all, wake_s),
        "plm_by_stage": {s: int((series.plm & (lm_stage == s)).sum()) for s in STAGES},
        "lm_unstaged": int((lm_stage == "?").sum()),
    }


# --- limitations --------------------------------------------------------------------------------


def limitations(
    kind: str,
    *,
    rules: str = "wasm2016",
    has_stages: bool = False,
    has_respiratory: bool = False,
    has_arousals: bool = False,
    duration_derived: bool = False,
    lm_per_h: float | None = None,
) -> list[str]:
    """Plain sentences of what the score cannot include.

    Parameters
    ----------
    kind : {"recording", "events"}
        An ankle accelerometer recording, or an event list scored elsewhere.
    rules : str
        Rule set name (named in the sentences).
    has_stages, has_respiratory, has_arousals : bool
        Which extra channels an event list brought.
    duration_derived : bool
        The recording length was not given and was taken from the last event.
    lm_per_h : float or None
        LM per hour in bed, to flag a periodicity index that cannot be interpreted.
    """
    rs = get_rules(rules)
    out: list[str] = []
    if kind == "recording":
        out += [
            "Scored from an ankle accelerometer, not tibialis EMG: the "
            f"{rs.title} thresholds are transposed from EMG to acceleration.",
            "No sleep stages: rates are per hour in bed (lying), not per hour of sleep, "
            "so the PLM index here is not a PLMS index.",
            "No respiratory or arousal channel: respiratory-related and arousal-associated "
            "leg movements cannot be identified or excluded.",
            "Small toe and ankle movements that produce little acceleration are not seen; "
            "an ankle band under-counts them compared with EMG.",
            "The clinical reference line of 15 PLM per hour is EMG-based (ICSD-3, PLMS index "
            "in adults) and has not been validated for this device.",
            "Turn-overs (posture changes) are not scored as leg movements.",
        ]
    else:
        if not has_stages:
            out.append(
                "No sleep stages were given: rates are per hour of recording, not per hour "
                "of sleep."
            )
        if not has_respiratory:
            out.append(
                "No respiratory events were given: respiratory-related leg movements "
                "cannot be identified or excluded."
            )
        if not has_arousals:
            out.append("No arousals were given: arousal association is not reported.")
        out.append(
            f"Leg movements were scored elsewhere; only the {rs.title} series rules were "
            "applied here."
        )
    if duration_derived:
        out.append(
            "The recording length was not given; it was taken as the end of the last event, "
            "which can overstate the rates."
        )
    if lm_per_h is not None and lm_per_h < PERIODICITY_MIN_LM_PER_H:
        out.append(
            f"Fewer than {PERIODICITY_MIN_LM_PER_H:g} LM per hour: the periodicity index "
            "is not interpretable."
        )
    out.append("A monitoring aid, not a diagnosis.")
    return out


# --- everything ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NightIndices:
    """All figures of one night under one rule set (plain JSON-ready values)."""

    rules: str
    counts: dict[str, int]
    indices: dict[str, Any]
    imi: dict[str, Any]
    histograms: dict[str, Any]
    per_hour: list[dict[str, Any]]
    series: dict[str, Any]
    durations: dict[str, Any]
    sides: dict[str, dict[str, int]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def compute_indices(
    series: SeriesResult,
    *,
    duration_s: float,
    in_bed_s: float | None = None,
    in_bed_epochs: Sequence[bool] | NDArray[np.bool_] | None = None,
    epoch_s: float = 30.0,
) -> NightIndices:
    """Counts, rates, IMI statistics and the per-hour table of one scored night.

    Parameters
    ----------
    series : SeriesResult
        The scored LMs.
    duration_s : float
        Recording length, s.
    in_bed_s : float or None
        Time in bed (lying), s; by default the in-bed epochs' total, or ``duration_s``.
    in_bed_epochs : array-like of bool, shape (n_epochs,), or None
        In bed per epoch from the recording start, for the per-hour table.
    epoch_s : float
        Epoch length of ``in_bed_epochs``, s.

    Returns
    -------
    NightIndices
        ``counts``: ``lm``, ``clm``, ``nonclm``, ``plm``, ``series``; ``indices`` per hour in
        bed: ``lm_per_h``, ``clm_per_h``, ``plm_per_h``, ``series_per_h``, ``plm_fraction``
        (PLM / LM), ``periodicity_index`` (interval form over all LMs) and
        ``periodicity_interpretable`` (False under 10 LM/h), and ``per`` naming the denominator.

    Raises
    ------
    ConfigError
        On a negative duration.
    """
    if not (math.isfinite(duration_s) and duration_s >= 0):
        raise ConfigError(f"duration_s must be >= 0; got {duration_s}", name="duration_s")
    mask = None if in_bed_epochs is None else np.asarray(in_bed_epochs, dtype=bool).reshape(-1)
    if in_bed_s is None:
        in_bed_s = float(_in_bed_before(np.array([duration_s]), mask, epoch_s, duration_s)[0])
    n_lm = int(series.onset_s.size)
    n_clm = int(series.clm.sum())
    n_plm = int(series.plm.sum())
    n_series = series.n_series
    pi = periodicity_index(series.onset_s)
    lm_per_h = n_lm / (in_bed_s / HOUR_S) if in_bed_s > 0 else None
    counts = {"lm": n_lm, "clm": n_clm, "nonclm": n_lm - n_clm, "plm": n_plm, "series": n_series}
    indices = {
        "rules": series.rules,
        "per": "hour in bed",
        "lm_per_h": _per_h(n_lm, in_bed_s),
        "clm_per_h": _per_h(n_clm, in_bed_s),
        "plm_per_h": _per_h(n_plm, in_bed_s),
        "series_per_h": _per_h(n_series, in_bed_s),
        "plm_fraction": _r(n_plm / n_lm, 4) if n_lm else None,
        "periodicity_index": _r(pi, 4),
        "periodicity_index_form": "intervals (Ferri 2006)",
        "periodicity_interpretable": bool(
            lm_per_h is not None and lm_per_h >= PERIODICITY_MIN_LM_PER_H
        ),
    }
    return NightIndices(
        rules=series.rules,
        counts=counts,
        indices=indices,
        imi={"rules": series.rules, **imi_statistics(series.onset_s)},
        histograms={"rules": series.rules, **imi_histograms(series.onset_s)},
        per_hour=per_hour_table(series, duration_s=duration_s, in_bed_epochs=mask, epoch_s=epoch_s),
        series=series_summary(series),
        durations=duration_summary(series),
        sides=side_counts(series),
    )
