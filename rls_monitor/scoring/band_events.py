"""Score a night from the band's own events (event mode): EVENT/SUMMARY frames -> PLM indices.

In event mode (issue 7) the band runs ``firmware_host.processing`` and sends leg movements, posture
changes and lying bouts as EVENT frames and per-minute SUMMARY frames. This module turns those
frames into movements (:func:`decode_band_events`) and scores them with the same series rules and
indices as a recording (:func:`score_band_events`), applying the host detector's context rules:
only LMs entirely inside a lying bout, at least ``bed_edge_s`` from its ends, count; LMs that
overlap a posture change (padded by ``turnover_pad_s``) are excluded. The result is marked as
scored on the band (``source["kind"] == "band-events"``, ``source["scored_on"] == "band"``); a later
sync of the raw samples allows rescoring on the host.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from firmware_host import protocol as p
from firmware_host.processing import (
    KIND_IN_BED,
    KIND_LM,
    KIND_LONG,
    KIND_OUT_OF_BED,
    KIND_POSTURE,
)
from rls_monitor.detection.indices import compute_indices, limitations
from rls_monitor.detection.series import get_rules, score_series
from rls_monitor.errors import ConfigError, FrameError
from rls_monitor.scoring.result import ScoreResult, build_result, lm_peaks, scored_movements

__all__ = ["BandEvents", "decode_band_events", "lying_movements", "score_band_events"]

F64 = NDArray[np.float64]
_TICK_WRAP = 1 << 32


@dataclass(frozen=True)
class BandEvents:
    """What the band sent in event mode, in seconds from the recording start.

    Attributes
    ----------
    onset_s, offset_s, peak_mg : ndarray of float64, shape (k,)
        Leg movements (kinds 0 and 1), sorted by onset.
    long : ndarray of bool, shape (k,)
        Longer than 10 s (kind 1).
    posture_onset_s, posture_offset_s : ndarray of float64
        Turn-overs (kind 2).
    bed_start_s, bed_end_s : ndarray of float64
        Lying bouts (kinds 3 and 4; a bout still open ends at ``duration_s``).
    minutes : list of SummaryFrame
        The per-minute summaries, in order.
    duration_s : float
        Recording length (s).
    """

    onset_s: F64
    offset_s: F64
    peak_mg: F64
    long: NDArray[np.bool_]
    posture_onset_s: F64
    posture_offset_s: F64
    bed_start_s: F64
    bed_end_s: F64
    minutes: list[p.SummaryFrame]
    duration_s: float

    @property
    def in_bed_s(self) -> float:
        """Total time in lying bouts (s)."""
        return float(np.sum(self.bed_end_s - self.bed_start_s))


def decode_band_events(
    frames: Iterable[bytes | p.Frame],
    *,
    start_tick: int | None,
    duration_s: float,
    tick_hz: int = p.TICK_HZ,
) -> BandEvents:
    """Decode EVENT and SUMMARY frames into movements, turn-overs and lying bouts.

    Parameters
    ----------
    frames : iterable of bytes or decoded frames
        The band's frames in any order (others, e.g. STATUS, are ignored).
    start_tick : int or None
        Band tick of the first sample of events mode (the session knows it from SET_MODE and
        its time sync). ``None``: the tick of the SUMMARY with the lowest sequence number, taken
        as minute 0 (right when no frame was lost: the session fills gaps by catch-up).
    duration_s : float
        Length of the recording (s).
    tick_hz : int
        Rate of the band's tick counter (Hz).

    Returns
    -------
    BandEvents

    Raises
    ------
    FrameError
        A frame that does not decode.
    ConfigError
        A negative or non-finite duration, or ``start_tick=None`` without a first SUMMARY.
    """
    if not (math.isfinite(duration_s) and duration_s >= 0):
        raise ConfigError(f"duration_s must be >= 0; got {duration_s!r}", name="duration_s")
    events: list[p.EventFrame] = []
    minutes: list[p.SummaryFrame] = []
    for fr in frames:
        if isinstance(fr, bytes | bytearray | memoryview):
            try:
                fr = p.decode_frame(fr)
            except p.ProtocolError as exc:
                raise FrameError(f"band event frame does not decode: {exc}") from exc
        if isinstance(fr, p.EventFrame):
            events.append(fr)
        elif isinstance(fr, p.SummaryFrame):
            minutes.append(fr)
    events.sort(key=lambda e: e.seq)
    minutes.sort(key=lambda s: s.seq)
    if start_tick is None:
        if not minutes:
            raise ConfigError(
                "start_tick is needed: no SUMMARY frame arrived", name="start_tick", value=None
            )
        start_tick = minutes[0].start_tick

    def t_of(tick: int) -> float:
        return ((tick - start_tick) % _TICK_WRAP) / tick_hz

    lm = [e for e in events if e.kind in (KIND_LM, KIND_LONG)]
    lm.sort(key=lambda e: e.onset_tick)
    onset = np.array([t_of(e.onset_tick) for e in lm], np.float64)
    offset = onset + np.array([e.duration_ms / 1000.0 for e in lm], np.float64)
    turns = [e for e in events if e.kind == KIND_POSTURE]
    t_on = np.array(sorted(t_of(e.onset_tick) for e in turns), np.float64)
    t_off = t_on + np.array(
        [e.duration_ms / 1000.0 for e in sorted(turns, key=lambda e: t_of(e.onset_tick))]
    )
    starts: list[float] = []
    ends: list[float] = []
    open_at: float | None = None
    for e in sorted(
        (e for e in events if e.kind in (KIND_IN_BED, KIND_OUT_OF_BED)), key=lambda e: e.seq
    ):
        t = t_of(e.onset_tick)
        if e.kind == KIND_IN_BED and open_at is None:
            open_at = t
        elif e.kind == KIND_OUT_OF_BED and open_at is not None:
            starts.append(open_at)
            ends.append(max(open_at, t))
            open_at = None
    if open_at is not None:
        starts.append(open_at)
        ends.append(max(open_at, duration_s))
    return BandEvents(
        onset_s=onset,
        offset_s=offset,
        peak_mg=np.array([float(e.peak_mg) for e in lm], np.float64),
        long=np.array([e.kind == KIND_LONG for e in lm], bool),
        posture_onset_s=t_on,
        posture_offset_s=np.asarray(t_off, np.float64).reshape(-1),
        bed_start_s=np.array(starts, np.float64),
        bed_end_s=np.array(ends, np.float64),
        minutes=minutes,
        duration_s=float(duration_s),
    )


def lying_movements(
    band: BandEvents, *, bed_edge_s: float = 5.0, turnover_pad_s: float = 1.0
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which LMs count: inside a lying bout away from its edges, and not a posture change.

    Returns
    -------
    inside : ndarray of bool, shape (k,)
        Entirely inside a bout, ``bed_edge_s`` from its ends (the host detector's rule).
    posture_change : ndarray of bool, shape (k,)
        Overlapping a turn-over widened by ``turnover_pad_s``.
    """
    on, off = band.onset_s, band.offset_s
    bs = band.bed_start_s + bed_edge_s
    be = band.bed_end_s - bed_edge_s
    k = np.searchsorted(bs, on, side="right") - 1
    inside = (k >= 0) & (off <= be[np.maximum(k, 0)]) if bs.size else np.zeros(on.size, bool)
    t_on = band.posture_onset_s - turnover_pad_s
    t_off = band.posture_offset_s + turnover_pad_s
    j = np.searchsorted(t_on, off, side="left") - 1
    turn = (j >= 0) & (on < t_off[np.maximum(j, 0)]) if t_on.size else np.zeros(on.size, bool)
    return np.asarray(inside, bool), np.asarray(turn, bool)


def score_band_events(
    band: BandEvents,
    rules: str = "wasm2016",
    *,
    bed_edge_s: float = 5.0,
    turnover_pad_s: float = 1.0,
    device_id: str = "",
) -> ScoreResult:
    """Score PLM series and indices from the band's events, marked as scored on the band.

    Parameters
    ----------
    band : BandEvents
        From :func:`decode_band_events`.
    rules : {"wasm2016", "aasm"}
    bed_edge_s, turnover_pad_s : float
        The host detector's context rules (s).
    device_id : str
        Recorded in ``source``.

    Returns
    -------
    ScoreResult
        Rates per hour in bed (the band's lying bouts); ``source["kind"] == "band-events"``.

    Raises
    ------
    ConfigError
        Unknown rule set.

    References
    ----------
    Ferri R, et al. WASM 2016 standards. Sleep Med. 2016;26:86-95.
    """
    rs = get_rules(rules)
    inside, turn = lying_movements(band, bed_edge_s=bed_edge_s, turnover_pad_s=turnover_pad_s)
    keep = inside & ~turn
    series = score_series(band.onset_s[keep], band.offset_s[keep], None, rules=rs)
    epoch_s = 1.0
    n_ep = max(1, math.ceil(band.duration_s / epoch_s - 1e-9))
    mask = np.zeros(n_ep + 1, np.int64)
    for s, e in zip(band.bed_start_s, band.bed_end_s, strict=True):
        a, b = round(s / epoch_s), round(e / epoch_s)
        mask[min(a, n_ep)] += 1
        mask[min(b, n_ep)] -= 1
    in_bed_epochs = np.cumsum(mask)[:n_ep] > 0
    in_bed_s = min(band.in_bed_s, band.duration_s)
    ni = compute_indices(
        series,
        duration_s=band.duration_s,
        in_bed_s=in_bed_s,
        in_bed_epochs=in_bed_epochs,
        epoch_s=epoch_s,
    )
    limits = limitations("recording", rules=rs.name, lm_per_h=ni.indices["lm_per_h"])
    limits.insert(
        0,
        "Scored on the band (event mode): leg movements were detected by the band's integer "
        "pipeline; a sync of the raw samples allows rescoring on the host.",
    )
    return build_result(
        series,
        ni,
        duration_s=band.duration_s,
        in_bed_s=in_bed_s,
        movements=scored_movements(series, peak_mg=lm_peaks(series, band.peak_mg[keep])),
        limits=limits,
        source={
            "kind": "band-events",
            "scored_on": "band",
            "device": device_id,
            "side": "unknown",
            "fs_hz": None,
            "n_events": int(band.onset_s.size),
            "n_minutes": len(band.minutes),
        },
        posture={
            "in_bed_s": round(in_bed_s, 3),
            "epoch_s": epoch_s,
            "turnovers": int(band.posture_onset_s.size),
            "excluded_posture_changes": int((inside & turn).sum()),
            "excluded_out_of_bed": int((~inside).sum()),
        },
    )
