"""Scoring a night: :func:`score` of a recording, a pair of recordings, or an event list.

- a :class:`~rls_monitor.recording.Recording` of one band: posture -> leg movements while lying
  (turn-overs are not LMs: they are excluded and counted) -> series -> indices, per hour in bed;
- a pair of recordings of the left and the right leg (same rate and start): bilateral scoring;
- an :class:`~rls_monitor.events.EventList` (LMs scored elsewhere, e.g. by PSG software), with
  optional sleep stages (PLMS / PLMW), respiratory events (PLM with and without
  respiratory-related CLMs) and arousals (arousal-associated LMs).

The detectors of ``rls_monitor.detection`` do the signal processing (with SciPy, loaded when the
first night is scored); the result is built by :mod:`rls_monitor.scoring.result`.

References
----------
Ferri R, et al. WASM 2016 standards for recording and scoring leg movements in polysomnograms.
Sleep Med. 2016;26:86-95. AASM Manual for the Scoring of Sleep and Associated Events, v2.5, 2018.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.detection.artefacts import ARTEFACT_REASONS, RejectedCandidates
from rls_monitor.detection.indices import (
    arousal_associated,
    compute_indices,
    limitations,
    respiratory_related,
    sleep_indices,
)
from rls_monitor.detection.movements import DetectorConfig
from rls_monitor.detection.posture import Posture, PostureConfig
from rls_monitor.detection.series import get_rules, score_series
from rls_monitor.errors import ConfigError
from rls_monitor.events import EventList
from rls_monitor.recording import Recording
from rls_monitor.scoring.result import ScoreResult, build_result, lm_peaks, scored_movements

__all__ = ["score"]


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
    return build_result(
        series,
        ni,
        duration_s=duration_s,
        in_bed_s=duration_s,
        movements=scored_movements(
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


#: LMs within this of a stretch that was not recorded are not counted: the recording's edge (s).
GAP_PAD_S = 1.0


def _without_gaps(post: Posture, rec: Recording) -> Posture:
    """The posture with every epoch that is more than half not recorded taken out of bed.

    Time that was not recorded (a device off, a damaged block, a hole in a file) is not time in
    bed: the PLM index is per hour in bed that was actually recorded.
    """
    if not rec.gaps.size or post.lying.size == 0:
        return post
    missing = ~rec.recorded_mask()
    epoch = np.minimum(
        (np.arange(rec.n_samples) / rec.fs_hz // post.epoch_s).astype(np.int64), post.lying.size - 1
    )
    n_missing = np.bincount(epoch, missing, minlength=post.lying.size)
    n_all = np.maximum(np.bincount(epoch, minlength=post.lying.size), 1)
    return dataclasses.replace(post, lying=post.lying & (n_missing / n_all <= 0.5))


def _near_gaps(
    onset_s: NDArray[np.float64], offset_s: NDArray[np.float64], rec: Recording
) -> NDArray[np.bool_]:
    """True for every movement overlapping a gap widened by :data:`GAP_PAD_S`."""
    if not rec.gaps.size or onset_s.size == 0:
        return np.zeros(onset_s.size, bool)
    g_on = rec.gaps[:, 0] / rec.fs_hz - GAP_PAD_S
    g_off = rec.gaps[:, 1] / rec.fs_hz + GAP_PAD_S
    # gaps are sorted and disjoint: the last gap starting before a movement ends is the only one
    # that can overlap it without an earlier one ending after the movement starts
    k = np.searchsorted(g_on, offset_s, side="right") - 1
    return (k >= 0) & (g_off[np.maximum(k, 0)] > onset_s)


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
    excluded_gaps = 0
    rejected: list[dict[str, Any]] = []
    artefact_rule = (detector or DetectorConfig()).artefacts
    for rec in recordings:
        if isinstance(posture, Posture):
            post = posture
        else:
            post = detect_posture(rec.accel_g, rec.fs_hz, config=posture)
        post = _without_gaps(post, rec)
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
        unrecorded = _near_gaps(on, off, rec)
        keep = ~turn & lying & ~unrecorded & (on < duration_s)
        excluded_turns += int(turn.sum())
        excluded_out_of_bed += int((~turn & ~lying & ~unrecorded).sum())
        excluded_gaps += int((~turn & unrecorded).sum())
        on_l.append(on[keep])
        off_l.append(np.minimum(off[keep], duration_s))
        peak_l.append(np.asarray(lms.peak_mg, dtype=np.float64)[keep])
        side_l += [rec.side] * int(keep.sum())
        rejected += _rejected_in_bed(lms.rejected, mask, epoch_s, rec, duration_s)
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
    lm_peak = lm_peaks(series, peaks)
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
    if any(r.gaps.size for r in recordings):
        posture_info["not_recorded_s"] = round(max(r.not_recorded_s for r in recordings), 3)
        posture_info["gaps"] = max(len(r.gaps) for r in recordings)
        posture_info["not_recorded"] = [
            [round(float(a) / r.fs_hz, 3), round(float(b) / r.fs_hz, 3)]
            for r in recordings
            for a, b in r.gaps
        ]
        posture_info["excluded_not_recorded"] = excluded_gaps
    rejected.sort(key=lambda r: (r["onset_s"], r["side"]))
    artefacts_info = None
    if artefact_rule.enabled:
        artefacts_info = {
            "rule": (
                "a candidate movement that does not turn the shank (gravity turns by less than "
                f"{artefact_rule.min_rotation_deg:g} deg) is an artefact, not an LM "
                "(rls-monitor's rule for an ankle accelerometer, not part of WASM 2016 or AASM)"
            ),
            "min_rotation_deg": artefact_rule.min_rotation_deg,
            "counts": {
                reason: sum(1 for r in rejected if r["reason"] == f"artefact: {reason}")
                for reason in ARTEFACT_REASONS
            },
            "rejected": rejected,
        }
    return build_result(
        series,
        ni,
        duration_s=duration_s,
        in_bed_s=in_bed_s,
        movements=scored_movements(series, peak_mg=lm_peak),
        limits=limits,
        source=source,
        posture=posture_info,
        artefacts=artefacts_info,
    )


def _rejected_in_bed(
    rejected: RejectedCandidates,
    mask: NDArray[np.bool_],
    epoch_s: float,
    rec: Recording,
    duration_s: float,
) -> list[dict[str, Any]]:
    """The rejected candidates that would have counted (in bed, recorded), as result rows."""
    on = np.asarray(rejected.onset_s, dtype=np.float64)
    off = np.asarray(rejected.offset_s, dtype=np.float64)
    epoch = np.clip((on // epoch_s).astype(np.int64), 0, max(mask.size - 1, 0))
    lying = mask[epoch] if mask.size else np.zeros(on.size, bool)
    use = lying & ~_near_gaps(on, off, rec) & (on < duration_s)
    return [
        {
            "onset_s": round(float(on[i]), 3),
            "offset_s": round(float(min(off[i], duration_s)), 3),
            "side": rec.side,
            "reason": f"artefact: {rejected.reason[i]}",
            "peak_mg": round(float(rejected.peak_mg[i]), 1),
            "rotation_deg": round(float(rejected.rotation_deg[i]), 2),
        }
        for i in np.flatnonzero(use)
    ]


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
