"""The public entry point: score a night by the WASM 2016 (or AASM) rules.

:func:`score` takes one of

- a :class:`~rls_monitor.recording.Recording` of one band: posture -> leg movements while lying
  (turn-overs are not LMs: they are excluded and counted) -> series -> indices, per hour in bed;
- a pair of recordings of the left and the right leg (same rate and start): bilateral scoring;
- an :class:`~rls_monitor.events.EventList` (LMs scored elsewhere, e.g. by PSG software), with
  optional sleep stages (PLMS / PLMW), respiratory events (PLM with and without
  respiratory-related CLMs) and arousals (arousal-associated LMs);

and returns a :class:`ScoreResult`, whose :meth:`ScoreResult.to_dict` is the JSON the store keeps and
the CLI prints (:func:`format_summary` gives the plain-text summary).

References
----------
Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in polysomnograms.
Sleep Med. 2016;26:86-95. AASM Manual for the Scoring of Sleep and Associated Events, v2.5, 2018.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

import rls_monitor
from rls_monitor.detection.indices import (
    NightIndices,
    arousal_associated,
    compute_indices,
    limitations,
    respiratory_related,
    sleep_indices,
)
from rls_monitor.detection.movements import DetectorConfig
from rls_monitor.detection.posture import Posture, PostureConfig
from rls_monitor.detection.series import (
    LEG_NAMES,
    RULE_SETS,
    SeriesResult,
    get_rules,
    score_series,
)
from rls_monitor.errors import ConfigError
from rls_monitor.events import EventList
from rls_monitor.recording import Recording

__all__ = ["RESULT_FORMAT", "ScoreResult", "ScoredMovement", "format_summary", "score"]

log = logging.getLogger(__name__)

RESULT_FORMAT = 1
"""Version of the layout of :meth:`ScoreResult.to_dict` (the ``format`` key)."""


def _r3(x: float) -> float:
    return round(float(x), 3)


@dataclass(frozen=True)
class ScoredMovement:
    """One scored leg movement.

    Attributes
    ----------
    onset_s, offset_s : float
        Times from the recording start, s (rounded to 1 ms).
    side : str
        ``left``, ``right``, ``bilateral`` or ``unknown``.
    clm, plm : bool
        Candidate LM; member of a PLM series.
    series : int
        Series number, -1 outside series.
    n_parts : int
        Monolateral movements merged into this LM.
    peak_mg : float or None
        Peak acceleration of the movement, mg (recordings only).
    respiratory : bool or None
        Respiratory-related (event lists with respiratory events only).
    arousal : bool or None
        Arousal-associated (event lists with arousals only).
    stage : str or None
        Sleep stage at the onset (event lists with stages only).
    """

    onset_s: float
    offset_s: float
    side: str
    clm: bool
    plm: bool
    series: int
    n_parts: int = 1
    peak_mg: float | None = None
    respiratory: bool | None = None
    arousal: bool | None = None
    stage: str | None = None

    @property
    def duration_s(self) -> float:
        """Duration, s."""
        return round(self.offset_s - self.onset_s, 3)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict, with ``duration_s`` and ``bilateral``; optional fields only when known."""
        out: dict[str, Any] = {
            "onset_s": self.onset_s,
            "offset_s": self.offset_s,
            "duration_s": self.duration_s,
            "side": self.side,
            "bilateral": self.side == "bilateral",
            "n_parts": self.n_parts,
            "clm": self.clm,
            "plm": self.plm,
            "series": self.series,
        }
        for key in ("peak_mg", "respiratory", "arousal", "stage"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoredMovement:
        """Inverse of :meth:`to_dict`."""
        return cls(
            onset_s=float(d["onset_s"]),
            offset_s=float(d["offset_s"]),
            side=str(d["side"]),
            clm=bool(d["clm"]),
            plm=bool(d["plm"]),
            series=int(d["series"]),
            n_parts=int(d.get("n_parts", 1)),
            peak_mg=None if d.get("peak_mg") is None else float(d["peak_mg"]),
            respiratory=d.get("respiratory"),
            arousal=d.get("arousal"),
            stage=d.get("stage"),
        )


_DICT_FIELDS = (
    "counts",
    "indices",
    "imi",
    "histograms",
    "series",
    "durations",
    "sides",
    "sleep",
    "respiratory",
    "arousals",
    "posture",
    "source",
    "software",
)


@dataclass(frozen=True)
class ScoreResult:
    """The score of one night under one rule set.

    Every figure carries the rule set (``rules``). Rates are per hour in bed (lying) for
    recordings and per hour of recording for event lists; ``sleep`` holds the PLMS / PLMW indices
    when sleep stages were given.

    Attributes
    ----------
    rules : str
        ``"wasm2016"`` or ``"aasm"``.
    duration_s, in_bed_s : float
        Recording length and time in bed, s.
    movements : tuple of ScoredMovement
        The scored LMs in time order.
    counts, indices, imi, histograms, series, durations : dict
        See :func:`rls_monitor.detection.indices.compute_indices`.
    per_hour : tuple of dict
        The per-hour table.
    sides : dict or None
        Left / right / bilateral counts with two legs.
    sleep, respiratory, arousals : dict or None
        Figures that need PSG channels (event lists that have them).
    posture : dict or None
        In-bed time and turn-overs excluded (recordings).
    limitations : tuple of str
        What the score cannot include, in plain sentences.
    source : dict
        ``kind`` (``recording``/``events``), ``device``, ``side``, ``fs_hz`` and more.
    software : dict
        ``name`` and ``version``.
    """

    rules: str
    duration_s: float
    in_bed_s: float
    movements: tuple[ScoredMovement, ...]
    counts: Mapping[str, int]
    indices: Mapping[str, Any]
    imi: Mapping[str, Any]
    histograms: Mapping[str, Any]
    per_hour: tuple[Mapping[str, Any], ...]
    series: Mapping[str, Any]
    durations: Mapping[str, Any]
    limitations: tuple[str, ...]
    source: Mapping[str, Any]
    software: Mapping[str, Any]
    sides: Mapping[str, Any] | None = None
    sleep: Mapping[str, Any] | None = None
    respiratory: Mapping[str, Any] | None = None
    arousals: Mapping[str, Any] | None = None
    posture: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def plm_per_h(self) -> float | None:
        """PLM per hour in bed (the primary figure)."""
        value = self.indices.get("plm_per_h")
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-serialisable dict (plain dicts, lists, str, int, float, bool, None).

        The same input gives the identical dict.
        """
        out: dict[str, Any] = {
            "format": RESULT_FORMAT,
            "rules": self.rules,
            "duration_s": _r3(self.duration_s),
            "in_bed_s": _r3(self.in_bed_s),
            "movements": [m.to_dict() for m in self.movements],
            "per_hour": [dict(row) for row in self.per_hour],
            "limitations": list(self.limitations),
        }
        for key in _DICT_FIELDS:
            value = getattr(self, key)
            out[key] = None if value is None else copy.deepcopy(dict(value))
        if self.extra:
            out["extra"] = copy.deepcopy(dict(self.extra))
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON with sorted keys."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreResult:
        """Rebuild a result from :meth:`to_dict` output (e.g. as kept by the store).

        Raises
        ------
        ConfigError
            If the dict is not a score result of a known format.
        """
        try:
            fmt = int(d.get("format", RESULT_FORMAT))
            if fmt != RESULT_FORMAT:
                raise ConfigError(
                    f"score result format {fmt} is not supported (expected {RESULT_FORMAT})",
                    name="format",
                    value=fmt,
                )
            rules = str(d["rules"])
            if rules not in RULE_SETS:
                raise ConfigError(f"unknown rule set {rules!r}", name="rules", value=rules)
            kwargs: dict[str, Any] = {
                key: (None if d.get(key) is None else copy.deepcopy(dict(d[key])))
                for key in _DICT_FIELDS
            }
            for key in ("counts", "indices", "imi", "histograms", "series", "durations"):
                if kwargs[key] is None:
                    raise ConfigError(f"score result lacks {key!r}", name=key)
            if kwargs["source"] is None or kwargs["software"] is None:
                raise ConfigError("score result lacks 'source' or 'software'", name="source")
            return cls(
                rules=rules,
                duration_s=float(d["duration_s"]),
                in_bed_s=float(d["in_bed_s"]),
                movements=tuple(ScoredMovement.from_dict(m) for m in d["movements"]),
                per_hour=tuple(dict(r) for r in d["per_hour"]),
                limitations=tuple(str(s) for s in d["limitations"]),
                extra=copy.deepcopy(dict(d.get("extra") or {})),
                **kwargs,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"not a score result: {exc!r}", name="result") from exc


# --- scoring ------------------------------------------------------------------------------------


def _software() -> dict[str, Any]:
    return {"name": "rls-monitor", "version": rls_monitor.__version__}


def _movements(
    series: SeriesResult,
    *,
    peak_mg: NDArray[np.float64] | None = None,
    respiratory: NDArray[np.bool_] | None = None,
    arousal: NDArray[np.bool_] | None = None,
    stage: Sequence[str] | None = None,
) -> tuple[ScoredMovement, ...]:
    sides = [LEG_NAMES[c] for c in series.side.tolist()]
    out = []
    for i in range(series.onset_s.size):
        out.append(
            ScoredMovement(
                onset_s=_r3(series.onset_s[i]),
                offset_s=_r3(series.offset_s[i]),
                side=sides[i],
                clm=bool(series.clm[i]),
                plm=bool(series.plm[i]),
                series=int(series.series[i]),
                n_parts=int(series.n_parts[i]),
                peak_mg=None if peak_mg is None else round(float(peak_mg[i]), 1),
                respiratory=None if respiratory is None else bool(respiratory[i]),
                arousal=None if arousal is None else bool(arousal[i]),
                stage=None if stage is None else stage[i],
            )
        )
    return tuple(out)


def _result(
    series: SeriesResult,
    ni: NightIndices,
    *,
    duration_s: float,
    in_bed_s: float,
    movements: tuple[ScoredMovement, ...],
    limits: list[str],
    source: dict[str, Any],
    **extra: Any,
) -> ScoreResult:
    return ScoreResult(
        rules=series.rules,
        duration_s=duration_s,
        in_bed_s=in_bed_s,
        movements=movements,
        counts=ni.counts,
        indices=ni.indices,
        imi=ni.imi,
        histograms=ni.histograms,
        per_hour=tuple(ni.per_hour),
        series=ni.series,
        durations=ni.durations,
        sides=ni.sides,
        limitations=tuple(limits),
        source=source,
        software=_software(),
        **extra,
    )


def _lm_peaks(series: SeriesResult, peak_mg: NDArray[np.float64]) -> NDArray[np.float64]:
    """Peak of each scored LM (mg): the largest peak of the input movements it holds.

    ``peak_mg`` is aligned with the movements given to :func:`score_series`; scored LMs that
    hold none of them (there are none today) keep 0.
    """
    lm_peak = np.zeros(series.onset_s.size)
    rows = series.prepared.source
    kept = rows >= 0
    if kept.any():
        np.maximum.at(lm_peak, series.part_of[rows[kept]], peak_mg[kept])
    return lm_peak


def _score_events(events: EventList, rules: str) -> ScoreResult:
    rs = get_rules(rules)
    series = score_series(events.onset_s, events.offset_s, events.side, rules=rs)
    duration_s = float(events.duration_s or 0.0)
    ni = compute_indices(series, duration_s=duration_s, in_bed_s=duration_s)
    has_stages = events.stages is not None
    has_resp = events.respiratory_onset_s.size > 0
    has_arousals = events.arousal_onset_s.size > 0

    stage_labels = events.stages.stage_at(series.onset_s) if events.stages is not None else None
    sleep = sleep_indices(series, events.stages) if events.stages is not None else None
    in_sleep = (
        np.isin(np.asarray(stage_labels, dtype=object), ("N1", "N2", "N3", "R"))
        if stage_labels is not None
        else None
    )

    resp_mask = None
    respiratory = None
    if has_resp:
        resp_mask = respiratory_related(
            series.onset_s,
            series.offset_s,
            events.respiratory_onset_s,
            events.respiratory_offset_s,
            rules=rs,
        )
        rclm = series.clm & resp_mask
        without = series.with_candidates(series.clm & ~resp_mask)
        n_wo = int(without.plm.sum())
        respiratory = {
            "rules": rs.name,
            "window": (
                f"{-rs.respiratory_before_s:+g} s .. {rs.respiratory_after_s:+g} s around the end "
                "of each event"
                if rs.respiratory_anchor == "end"
                else f"the event widened by {rs.respiratory_before_s:g} s on both sides"
            ),
            "n_events": int(events.respiratory_onset_s.size),
            "by_type": {
                t: int(sum(1 for x in events.respiratory_type if x == t))
                for t in ("apnea", "hypopnea", "rera")
            },
            "respiratory_clm": int(rclm.sum()),
            "plm_including": int(series.plm.sum()),
            "plm_excluding": n_wo,
            "plm_per_h_including": ni.indices["plm_per_h"],
            "plm_per_h_excluding": (
                round(n_wo / (duration_s / 3600.0), 3) if duration_s > 0 else None
            ),
            "series_excluding": without.n_series,
            "note": "excluding: respiratory-related CLMs are not candidates; they end a series",
        }
        if events.stages is not None:
            respiratory["plms_per_h_excluding"] = sleep_indices(without, events.stages)[
                "plms_per_h"
            ]

    arousal_mask = None
    arousals = None
    if has_arousals:
        arousal_mask = arousal_associated(
            series.onset_s,
            series.offset_s,
            events.arousal_onset_s,
            events.arousal_offset_s,
            gap_s=rs.arousal_gap_s,
        )
        n_plm_ar = int((series.plm & arousal_mask).sum())
        arousals = {
            "rules": rs.name,
            "n_arousals": int(events.arousal_onset_s.size),
            "lm_with_arousal": int(arousal_mask.sum()),
            "plm_with_arousal": n_plm_ar,
            "plm_with_arousal_per_h": (
                round(n_plm_ar / (duration_s / 3600.0), 3) if duration_s > 0 else None
            ),
        }
        if in_sleep is not None and sleep is not None and sleep["sleep_s"] > 0:
            n_s = int((series.plm & arousal_mask & in_sleep).sum())
            arousals["plms_with_arousal"] = n_s
            arousals["plms_arousal_per_h"] = round(n_s / (sleep["sleep_s"] / 3600.0), 3)

    ni.indices["per"] = "hour of recording"
    limits = limitations(
        "events",
        rules=rs.name,
        has_stages=has_stages,
        has_respiratory=has_resp,
        has_arousals=has_arousals,
        duration_derived=events.duration_derived,
        lm_per_h=ni.indices["lm_per_h"],
    )
    source = {
        "kind": "events",
        "device": events.metadata.get("device", ""),
        "side": "both" if events.two_legs else (events.side[0] if events.side else "unknown"),
        "fs_hz": None,
        "file": events.metadata.get("file", ""),
        "start_utc": None if events.start_utc is None else events.start_utc.isoformat(),
        "duration_derived": events.duration_derived,
        "n_events": events.n_lm,
    }
    return _result(
        series,
        ni,
        duration_s=duration_s,
        in_bed_s=duration_s,
        movements=_movements(
            series, respiratory=resp_mask, arousal=arousal_mask, stage=stage_labels
        ),
        limits=limits,
        source=source,
        sleep=sleep,
        respiratory=respiratory,
        arousals=arousals,
    )


def _count(x: Any) -> int:
    if x is None:
        return 0
    if isinstance(x, int | np.integer):
        return int(x)
    return len(x)


def _lying_epochs(post: Posture) -> tuple[NDArray[np.bool_], float]:
    return np.asarray(post.lying, dtype=bool).reshape(-1), float(post.epoch_s)


def _score_recordings(
    recordings: Sequence[Recording],
    rules: str,
    detector: DetectorConfig | None,
    posture: PostureConfig | Posture | None,
) -> ScoreResult:
    # Looked up at call time, so a caller (or a test) can swap the detector of the package.
    from rls_monitor.detection import detect_leg_movements, detect_posture

    rs = get_rules(rules)
    if len(recordings) == 2:
        a, b = recordings
        if {a.side, b.side} != {"left", "right"}:
            raise ConfigError(
                "two recordings must be of the left and the right leg; "
                f"got sides {a.side!r} and {b.side!r}",
                name="source",
            )
        if abs(a.fs_hz - b.fs_hz) > 1e-9:
            raise ConfigError(
                f"the two recordings have different rates: {a.fs_hz:g} and {b.fs_hz:g} Hz",
                name="source",
            )
        if (a.start_utc is None) != (b.start_utc is None) or (
            a.start_utc is not None
            and b.start_utc is not None
            and abs((a.start_utc - b.start_utc).total_seconds()) > 1.0 / a.fs_hz
        ):
            raise ConfigError("the two recordings must start at the same time", name="source")
    if len(recordings) > 1 and isinstance(posture, Posture):
        raise ConfigError("a computed posture can only be given with one recording", name="posture")
    duration_s = min(r.duration_s for r in recordings)
    on_l: list[NDArray[np.float64]] = []
    off_l: list[NDArray[np.float64]] = []
    peak_l: list[NDArray[np.float64]] = []
    side_l: list[str] = []
    masks: list[NDArray[np.bool_]] = []
    epoch_s = 30.0
    turnovers_by_leg: list[int] = []
    in_bed_each: list[float] = []
    excluded_turns = 0
    excluded_out_of_bed = 0
    for rec in recordings:
        if isinstance(posture, Posture):
            post = posture
        else:
            post = detect_posture(rec.accel_g, rec.fs_hz, config=posture)
        lms = detect_leg_movements(rec.accel_g, rec.fs_hz, posture=post, config=detector)
        mask, epoch_s = _lying_epochs(post)
        masks.append(mask)
        in_bed_each.append(float(post.in_bed_s))
        turnovers_by_leg.append(_count(getattr(post, "turnovers", None)))
        on = np.asarray(lms.onset_s, dtype=np.float64)
        off = np.asarray(lms.offset_s, dtype=np.float64)
        turn = np.asarray(lms.posture_change, dtype=bool)
        epoch = np.clip((on // epoch_s).astype(np.int64), 0, max(mask.size - 1, 0))
        lying = mask[epoch] if mask.size else np.zeros(on.size, bool)
        keep = ~turn & lying & (on < duration_s)
        excluded_turns += int(turn.sum())
        excluded_out_of_bed += int((~turn & ~lying).sum())
        on_l.append(on[keep])
        off_l.append(np.minimum(off[keep], duration_s))
        peak_l.append(np.asarray(lms.peak_mg, dtype=np.float64)[keep])
        side_l += [rec.side] * int(keep.sum())
    if len(recordings) == 2:
        n = min(m.size for m in masks)
        in_bed_mask = masks[0][:n] & masks[1][:n]
        in_bed_s = float(min(in_bed_mask.sum() * epoch_s, duration_s))
        sides: list[str] | None = side_l
    else:
        in_bed_mask = masks[0]
        in_bed_s = in_bed_each[0]
        sides = None if recordings[0].side == "unknown" else side_l
    onset = np.concatenate(on_l)
    offset = np.concatenate(off_l)
    peaks = np.concatenate(peak_l)
    series = score_series(onset, offset, sides, rules=rs)
    lm_peak = _lm_peaks(series, peaks)
    ni = compute_indices(
        series,
        duration_s=duration_s,
        in_bed_s=in_bed_s,
        in_bed_epochs=in_bed_mask,
        epoch_s=epoch_s,
    )
    limits = limitations("recording", rules=rs.name, lm_per_h=ni.indices["lm_per_h"])
    first = recordings[0]
    source = {
        "kind": "recording",
        "device": ",".join(r.device_id for r in recordings if r.device_id),
        "side": "both" if len(recordings) == 2 else first.side,
        "fs_hz": first.fs_hz,
        "start_utc": None if first.start_utc is None else first.start_utc.isoformat(),
        "n_recordings": len(recordings),
    }
    posture_info = {
        "in_bed_s": round(in_bed_s, 3),
        "epoch_s": epoch_s,
        # Both bands see the same turn of the body: the night's count is the larger of the two.
        "turnovers": max(turnovers_by_leg),
        "turnovers_by_leg": turnovers_by_leg,
        "excluded_posture_changes": excluded_turns,
        "excluded_out_of_bed": excluded_out_of_bed,
    }
    return _result(
        series,
        ni,
        duration_s=duration_s,
        in_bed_s=in_bed_s,
        movements=_movements(series, peak_mg=lm_peak),
        limits=limits,
        source=source,
        posture=posture_info,
    )


def score(
    source: Recording | EventList | Sequence[Recording],
    rules: str = "wasm2016",
    *,
    detector: DetectorConfig | None = None,
    posture: PostureConfig | Posture | None = None,
) -> ScoreResult:
    """Score a night: leg movements, PLM series and indices under one rule set.

    Parameters
    ----------
    source : Recording, EventList, or sequence of two Recording
        One band's recording; the left and right legs' recordings (same rate and start; each
        recording's ``side`` says which leg) for bilateral scoring; or an event list of LMs
        scored elsewhere.
    rules : {"wasm2016", "aasm"}
        The rule set (WASM/IRLSSG 2016 by default).
    detector : DetectorConfig, optional
        Configuration of the leg-movement detector
        (:func:`rls_monitor.detection.detect_leg_movements`); recordings only.
    posture : PostureConfig or Posture, optional
        A posture configuration for :func:`rls_monitor.detection.detect_posture`, or an
        already computed ``Posture`` (one recording only); recordings only.

    Returns
    -------
    ScoreResult

    Raises
    ------
    ConfigError
        Unknown rule set, a source of another type, two recordings that do not pair up.
    DetectionError
        A recording the detector cannot score.

    References
    ----------
    Ferri R, et al. Sleep Med. 2016;26:86-95 (WASM/IRLSSG 2016); AASM Manual v2.5 (2018).

    Examples
    --------
    >>> from rls_monitor.events import EventList
    >>> onsets = np.array([60.0, 80.0, 100.0, 120.0, 140.0])
    >>> result = score(EventList(onsets, onsets + 2.0, duration_s=3600.0))
    >>> result.counts["plm"], result.indices["plm_per_h"], result.rules
    (5, 5.0, 'wasm2016')
    """
    rs = get_rules(rules)
    if isinstance(source, EventList):
        if detector is not None or posture is not None:
            raise ConfigError(
                "detector and posture apply to recordings, not event lists", name="detector"
            )
        return _score_events(source, rs.name)
    if isinstance(source, Recording):
        return _score_recordings([source], rs.name, detector, posture)
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        recs = list(source)
        if len(recs) == 1 and isinstance(recs[0], Recording):
            return _score_recordings(recs, rs.name, detector, posture)
        if len(recs) == 2 and all(isinstance(r, Recording) for r in recs):
            return _score_recordings(recs, rs.name, detector, posture)
        raise ConfigError(
            "source must be a Recording, an EventList, or two Recordings (left and right); "
            f"got a sequence of {len(recs)}",
            name="source",
        )
    raise ConfigError(
        "source must be a Recording, an EventList, or two Recordings (left and right); "
        f"got {type(source).__name__}",
        name="source",
    )


# --- text summary -------------------------------------------------------------------------------


def _fmt(x: Any, unit: str = "", digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}{unit}"
    return f"{x}{unit}"


def _hm(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def format_summary(result: ScoreResult) -> str:
    """Plain-text summary of a result, as the CLI prints it (no colour, one item a line)."""
    rs = get_rules(result.rules)
    src = result.source
    idx = result.indices
    c = result.counts
    per = idx.get("per", "hour in bed")
    lines = [
        f"Rules: {rs.title} [{rs.name}]",
        f"Source: {src.get('kind')}"
        + (f", device {src['device']}" if src.get("device") else "")
        + (f", side {src['side']}" if src.get("side") else "")
        + (f", {src['fs_hz']:g} Hz" if src.get("fs_hz") else ""),
        f"Recording: {_hm(result.duration_s)}; in bed: {_hm(result.in_bed_s)}",
    ]
    if result.posture is not None:
        lines.append(
            f"Turn-overs: {result.posture.get('turnovers', 0)} "
            f"({result.posture.get('excluded_posture_changes', 0)} movements excluded as posture changes)"
        )
    lines += [
        f"LM: {c['lm']} ({_fmt(idx.get('lm_per_h'))}/h)   CLM: {c['clm']} "
        f"({_fmt(idx.get('clm_per_h'))}/h)   PLM: {c['plm']} ({_fmt(idx.get('plm_per_h'))}/h)",
        f"PLM index [{rs.name}]: {_fmt(idx.get('plm_per_h'))} per {per}",
        f"PLM series: {c['series']}"
        + (
            f" (median {_fmt(result.series.get('median_length'))} movements, "
            f"longest {result.series.get('max_length')})"
            if c["series"]
            else ""
        ),
        f"Periodicity index [{rs.name}]: {_fmt(idx.get('periodicity_index'), digits=2)}"
        + ("" if idx.get("periodicity_interpretable") else " (not interpretable: < 10 LM/h)"),
        f"IMI: {result.imi.get('n_below_10s')} < 10 s, {result.imi.get('n_10_to_90s')} 10-90 s, "
        f"{result.imi.get('n_above_90s')} > 90 s; geometric mean "
        f"{_fmt(result.imi.get('geometric_mean_s'), ' s')}",
    ]
    if result.sides:
        parts = ", ".join(f"{k} {v['lm']} LM / {v['plm']} PLM" for k, v in result.sides.items())
        lines.append(f"By leg: {parts}")
    if result.sleep:
        s = result.sleep
        lines.append(
            f"PLMS index [{rs.name}]: {_fmt(s.get('plms_per_h'))}/h of sleep; PLMW index: "
            f"{_fmt(s.get('plmw_per_h'))}/h of wake after sleep onset"
        )
    if result.respiratory:
        r = result.respiratory
        lines.append(
            f"Respiratory-related CLM: {r['respiratory_clm']}; PLM/h without them: "
            f"{_fmt(r.get('plm_per_h_excluding'))} (with: {_fmt(r.get('plm_per_h_including'))})"
        )
    if result.arousals:
        a = result.arousals
        lines.append(
            f"Arousal-associated LM: {a['lm_with_arousal']}; PLM with arousal: "
            f"{a['plm_with_arousal']}"
        )
    if result.per_hour:
        lines.append("Hour  in bed  LM  CLM  PLM  PLM/h")
        for row in result.per_hour:
            lines.append(
                f"{row['hour']:>4}  {_fmt(row['in_bed_min'], ' m', 0):>6}  {row['lm']:>2}  "
                f"{row['clm']:>3}  {row['plm']:>3}  {_fmt(row['plm_per_h']):>5}"
            )
    lines.append("Limitations:")
    lines += [f"- {s}" for s in result.limitations]
    sw = result.software
    lines.append(f"{sw.get('name')} {sw.get('version')}")
    return "\n".join(lines)
