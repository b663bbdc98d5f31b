"""A stored night summarised: per-minute rows, the JSON of ``show --json``, the morning text.

Per-minute summaries hold a simple activity count, documented in ``docs/storage.md``:
``activity_mg`` = mean over the minute of | \\|a\\| - median over the minute of \\|a\\| |, in mg
(the dynamic part of the acceleration magnitude; insensitive to the band's orientation and to
calibration offsets that do not change within a minute).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rls_monitor.errors import ConfigError
from rls_monitor.nights.status import plural
from rls_monitor.scoring import ScoreResult
from rls_monitor.scoring.summary import artefacts_line, not_recorded_line
from rls_monitor.storage import NightInfo, Store

__all__ = [
    "format_night",
    "format_night_line",
    "format_nights",
    "hours_minutes",
    "minute_summaries",
    "night_json",
    "summaries",
]

_DISCLAIMER = "A monitoring aid, not a diagnosis: discuss any change with your doctor."
_COMPARE_NIGHTS = 7


def minute_summaries(
    counts: NDArray[np.integer[Any]],
    lsb_g: float,
    fs_hz: float,
    result: ScoreResult | None = None,
    *,
    posture: Any = None,
) -> list[dict[str, Any]]:
    """Per-minute rows of a night: activity count, LM and PLM counts, in bed.

    Parameters
    ----------
    counts : ndarray of int16, shape (n, 3)
        Raw counts.
    lsb_g : float
        g per count.
    fs_hz : float
        Sample rate, Hz.
    result : ScoreResult, optional
        The night's score, for ``lm_count`` and ``plm_count`` (by onset) and ``in_bed`` (from
        its per-hour table: a minute is in bed when its hour had any time in bed), unless
        ``posture`` is given.
    posture : rls_monitor.detection.Posture, optional
        Posture per epoch of the same samples: gives each minute's ``posture`` (the label held
        longest in the minute) and ``in_bed`` (lying for at least half of the minute).

    Returns
    -------
    list of dict
        ``minute`` (0-based), ``start_s``, ``activity_mg`` (see the module docstring),
        ``lm_count``, ``plm_count``, ``posture`` and ``in_bed`` (``None`` when unknown).

    Examples
    --------
    >>> import numpy as np
    >>> rows = minute_summaries(np.zeros((6000, 3), np.int16), 2**-12, 50.0)
    >>> len(rows), rows[0]["activity_mg"]
    (2, 0.0)
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[1] != 3:
        raise ConfigError(f"counts must have shape (n, 3); got {c.shape}", name="counts")
    per_min = max(1, round(60.0 * fs_hz))
    n = c.shape[0]
    n_min = math.ceil(n / per_min) if n else 0
    activity: list[float | None] = []
    if n_min:
        # an hour of minutes at a time, so the float64 magnitudes never hold a whole night
        chunk = 60 * per_min
        for first in range(0, n, chunk):
            part = c[first : first + chunk]
            mag = np.sqrt(np.sum(np.square(part.astype(np.float64)), axis=1)) * (lsb_g * 1e3)
            full = len(part) // per_min
            if full:
                m = mag[: full * per_min].reshape(full, per_min)
                act = np.mean(np.abs(m - np.median(m, axis=1, keepdims=True)), axis=1)
                activity += [round(float(v), 3) for v in act]
            if len(part) % per_min:
                tail = mag[full * per_min :]
                activity.append(round(float(np.mean(np.abs(tail - np.median(tail)))), 3))
    lm = np.zeros(n_min, dtype=np.int64)
    plm = np.zeros(n_min, dtype=np.int64)
    in_bed: list[bool | None] = [None] * n_min
    if result is not None and n_min:
        onset = np.array([m.onset_s for m in result.movements], dtype=np.float64)
        is_plm = np.array([m.plm for m in result.movements], dtype=bool)
        idx = np.clip((onset // 60.0).astype(np.int64), 0, n_min - 1)
        lm = np.bincount(idx, minlength=n_min)
        plm = np.bincount(idx[is_plm], minlength=n_min) if is_plm.any() else plm
        for row in result.per_hour if posture is None else ():
            h = int(row.get("hour", 0))
            bed = row.get("in_bed_min")
            if bed is None:
                continue
            for k in range(h * 60, min(n_min, (h + 1) * 60)):
                in_bed[k] = float(bed) > 0
    labels: list[str | None] = [None] * n_min
    if posture is not None and n_min and len(posture.lying):
        epoch_s = float(posture.epoch_s)
        minute_of_epoch = np.floor(np.arange(len(posture.lying)) * epoch_s / 60.0).astype(np.int64)
        ok = minute_of_epoch < n_min
        minute_of_epoch = minute_of_epoch[ok]
        lying = np.asarray(posture.lying, dtype=bool)[ok]
        names = np.asarray(posture.posture).astype(str)[ok]
        n_epochs = np.bincount(minute_of_epoch, minlength=n_min)
        n_lying = np.bincount(minute_of_epoch, weights=lying, minlength=n_min)
        uniq, code = np.unique(names, return_inverse=True)
        table = np.zeros((n_min, uniq.size), dtype=np.int64)
        np.add.at(table, (minute_of_epoch, code), 1)
        best = table.argmax(axis=1)
        for i in range(n_min):
            if n_epochs[i]:
                in_bed[i] = bool(n_lying[i] * 2 >= n_epochs[i])
                labels[i] = str(uniq[best[i]])
    return [
        {
            "minute": i,
            "start_s": i * per_min / fs_hz,
            "activity_mg": activity[i],
            "lm_count": int(lm[i]),
            "plm_count": int(plm[i]),
            "posture": labels[i],
            "in_bed": in_bed[i],
        }
        for i in range(n_min)
    ]


def night_json(store: Store, night_id: int) -> dict[str, Any]:
    """A stored night in the JSON shape of ``score --json``, plus its identity.

    Parameters
    ----------
    store : Store
    night_id : int

    Returns
    -------
    dict
        The saved ``ScoreResult.to_dict()`` with ``night``, ``subject``, ``device``, ``side``,
        ``status``, ``start_utc`` and ``end_utc`` added (``result`` keys are unchanged; a night
        not yet scored has only these keys and ``"rules": None``), and ``calibration``: the
        ``Calibration.to_dict()`` the score was computed with (first band; ``None`` for raw
        samples), with ``calibration_channels`` (one entry per band) for a two-band night.
    """
    info = store.get_night(night_id)
    out: dict[str, Any] = dict(store.get_result(night_id) or {"rules": None})
    out.update(
        {
            "night": info.id,
            "subject": info.subject,
            "device": ",".join(d for d in info.devices if d),
            "side": ",".join(info.sides),
            "status": info.status,
            "start_utc": None if info.start_utc is None else info.start_utc.isoformat(),
            "end_utc": None if info.end_utc is None else info.end_utc.isoformat(),
        }
    )
    cals = store.night_calibration(night_id)
    out["calibration"] = cals[0] if cals else None
    if len(info.sides) > 1:
        out["calibration_channels"] = [
            cals[k] if cals and k < len(cals) else None for k in range(len(info.sides))
        ]
    return out


def summaries(store: Store, subject: str | None = None) -> list[dict[str, Any]]:
    """Summary rows of every night (for listing and exporting), oldest first."""
    return [n.to_dict() for n in store.list_nights(subject)]


# --- text ---------------------------------------------------------------------------------------


def hours_minutes(seconds: float | None) -> str:
    """A length of time as the morning summary writes it (``-`` when unknown).

    Examples
    --------
    >>> hours_minutes(3137.0), hours_minutes(None)
    ('0 h 52 min', '-')
    """
    if seconds is None:
        return "-"
    minutes = round(seconds / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rules_title(rules: str | None) -> str:
    if not rules:
        return "not scored"
    try:
        from rls_monitor.detection.series import get_rules

        return f"{get_rules(rules).title} [{rules}]"
    except Exception:  # an unknown name is shown as stored
        return rules


_SHORT_RULES = {"wasm2016": "WASM 2016", "aasm": "AASM"}


def format_night_line(info: NightInfo) -> str:
    """A night in one sentence: length, LMs and the PLM index with its rule set.

    Examples
    --------
    ``Night 5: 8 h 00 min, 201 LMs, PLM 17.5 per hour in bed (WASM 2016)``
    """
    length_s = info.duration_s if info.duration_s is not None else info.recorded_s
    head = f"Night {info.id}: {hours_minutes(length_s)}"
    if info.lm_count is None:
        return f"{head}, not scored yet"
    rules = _SHORT_RULES.get(info.rules or "", info.rules or "?")
    return (
        f"{head}, {plural(info.lm_count, 'LM')}, PLM {_num(info.plm_per_h)} per hour in bed "
        f"({rules})"
    )


def format_nights(nights: Sequence[NightInfo]) -> str:
    """A table of nights, one a line (what ``rls-monitor nights`` prints)."""
    if not nights:
        return "No nights stored."
    head = f"{'night':>5}  {'subject':<10} {'start (UTC)':<16}  {'status':<11} {'in bed':>11}  "
    head += f"{'LM':>4} {'PLM':>4} {'PLM/h':>6}  rules"
    lines = [head]
    for n in nights:
        start = n.start_utc.strftime("%Y-%m-%d %H:%M") if n.start_utc else "-"
        lines.append(
            f"{n.id:>5}  {n.subject[:10]:<10} {start:<16}  {n.status:<11} {hours_minutes(n.in_bed_s):>11}  "
            f"{'-' if n.lm_count is None else n.lm_count:>4} "
            f"{'-' if n.plm_count is None else n.plm_count:>4} {_num(n.plm_per_h):>6}  "
            f"{n.rules or '-'}"
        )
    return "\n".join(lines)


def format_night(store: Store, night_id: int, *, bar_width: int = 30) -> str:
    """The morning summary of a night, as a patient reads it.

    Date and time in bed, leg movements, PLM count and index with the rule set named, a strip of
    PLM per hour (one bar per hour), a comparison with the median of the subject's previous
    nights (up to 7, same rule set) and the monitoring-aid disclaimer.

    Parameters
    ----------
    store : Store
    night_id : int
    bar_width : int
        Characters of the longest bar.

    Returns
    -------
    str
    """
    info = store.get_night(night_id)
    data = store.get_result(night_id)
    when = info.start_utc.strftime("%a %d %b %Y, %H:%M UTC") if info.start_utc else "start unknown"
    lines = [f"Night {info.id} of {info.subject}: {when} ({info.status})"]
    if info.status == "interrupted":
        lines.append(
            "  The recording stopped unexpectedly; figures cover the samples that were saved."
        )
    if data is None:
        lines.append(f"Not scored yet ({hours_minutes(info.recorded_s)} of samples stored).")
        lines.append(_DISCLAIMER)
        return "\n".join(lines)
    result = ScoreResult.from_dict(data)
    c, idx = result.counts, result.indices
    lines += [
        f"Time in bed:     {hours_minutes(result.in_bed_s)} (recording {hours_minutes(result.duration_s)})",
        *([gaps] if (gaps := not_recorded_line(result)) else []),
        f"Leg movements:   {c.get('lm', 0)} ({_num(idx.get('lm_per_h'))} per hour in bed)",
        f"Periodic (PLM):  {c.get('plm', 0)} in {c.get('series', 0)} series",
        f"PLM index:       {_num(idx.get('plm_per_h'))} per hour in bed, "
        f"rules {_rules_title(result.rules)}",
        *([art] if (art := artefacts_line(result)) else []),
    ]
    if result.per_hour:
        lines.append("PLM per hour, hour by hour:")
        values = [row.get("plm_per_h") for row in result.per_hour]
        top = max([float(v) for v in values if v is not None] + [1.0])
        for row, value in zip(result.per_hour, values, strict=True):
            start_s = float(row.get("start_s", 3600.0 * int(row.get("hour", 0))))
            if info.start_utc is not None:
                label = (info.start_utc + timedelta(seconds=start_s)).strftime("%H:%M")
            else:
                label = f"h{int(row.get('hour', 0)) + 1:>2}  "
            if value is None:
                lines.append(f"  {label}  {'(out of bed)':<{bar_width}}")
                continue
            bar = "#" * max(0, round(float(value) / top * bar_width))
            lines.append(f"  {label}  {bar:<{bar_width}} {float(value):5.1f}")
    lines.append(_compare(store, info, result))
    notes = [n for n in result.limitations if "not a diagnosis" not in n]
    if notes:
        lines.append("Notes:")
        lines += [f"  - {n}" for n in notes]
    lines.append(_DISCLAIMER)
    return "\n".join(lines)


def _compare(store: Store, info: NightInfo, result: ScoreResult) -> str:
    previous = [
        n.plm_per_h
        for n in store.list_nights(info.subject, before=info.id)
        if n.rules == result.rules and n.plm_per_h is not None
    ][-_COMPARE_NIGHTS:]
    if not previous:
        return "Previous nights: none scored with the same rules yet."
    median = statistics.median(previous)
    now = result.plm_per_h
    if now is None:
        return (
            f"Previous nights: median PLM index {median:.1f} /h over "
            f"{plural(len(previous), 'night')}."
        )
    diff = now - median
    trend = (
        "about the same as" if abs(diff) < 1.0 else ("higher than" if diff > 0 else "lower than")
    )
    return (
        f"Previous nights: median PLM index {median:.1f} /h over the last "
        f"{plural(len(previous), 'night')}; "
        f"this night ({now:.1f} /h) is {trend} usual ({diff:+.1f} /h)."
    )
