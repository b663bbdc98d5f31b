"""The plain-text summary of a score, as the CLI prints it (:func:`format_summary`)."""

from __future__ import annotations

import math
from typing import Any

from rls_monitor.detection.series import get_rules
from rls_monitor.scoring.result import ScoreResult

__all__ = ["artefacts_line", "format_summary", "not_recorded_line"]


def _fmt(x: Any, unit: str = "", digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}{unit}"
    return f"{x}{unit}"


def _hm(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def not_recorded_line(result: ScoreResult) -> str:
    """A sentence on what was not recorded (gaps), or "" when everything was.

    Parameters
    ----------
    result : ScoreResult

    Returns
    -------
    str
        E.g. ``"Not recorded: 0 h 10 min in 1 gap (not counted as time in bed; 2 movements at
        its edges not counted)"``.
    """
    post = result.posture or {}
    seconds = float(post.get("not_recorded_s", 0.0) or 0.0)
    if seconds <= 0:
        return ""
    n = int(post.get("gaps", 0) or 0)
    edge = int(post.get("excluded_not_recorded", 0) or 0)
    # under a minute in all (a damaged block or two): seconds, not "0 h 00 min"
    amount = _hm(seconds) if seconds >= 59.5 else f"{seconds:.1f} s"
    text = f"Not recorded: {amount} in {n} gap{'' if n == 1 else 's'} (not counted as time in bed"
    if edge:
        text += f"; {edge} movement{'' if edge == 1 else 's'} at the edges not counted"
    return text + ")"


def artefacts_line(result: ScoreResult) -> str:
    """A sentence on the candidate movements rejected as artefacts, or "" when none were.

    Parameters
    ----------
    result : ScoreResult

    Returns
    -------
    str
        E.g. ``"Not counted as leg movements: 12 artefacts (9 vibration, 2 impulse, 1 periodic):
        the band moved but the shank did not turn"``.
    """
    art = result.artefacts or {}
    counts = {k: int(v) for k, v in (art.get("counts") or {}).items() if int(v)}
    total = sum(counts.values())
    if not total:
        return ""
    parts = ", ".join(f"{n} {reason}" for reason, n in counts.items())
    noun = "artefact" if total == 1 else "artefacts"
    return (
        f"Not counted as leg movements: {total} {noun} ({parts}): the band moved but the shank "
        "did not turn"
    )


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
    gap_line = not_recorded_line(result)
    if gap_line:
        lines.append(gap_line)
    if result.posture is not None:
        lines.append(
            f"Turn-overs: {result.posture.get('turnovers', 0)} "
            f"({result.posture.get('excluded_posture_changes', 0)} movements excluded as posture changes)"
        )
    art_line = artefacts_line(result)
    if art_line:
        lines.append(art_line)
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
