"""The report's plots, drawn with matplotlib's object API (no pyplot, no global backend).

Every function returns a :class:`matplotlib.figure.Figure` that the caller renders (PNG for the
HTML page, a PDF page). Colours: PLM red, CLM blue, LM grey; PLM series shaded in light red.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from numpy.typing import NDArray

from rls_monitor.diary.insights import Insights
from rls_monitor.diary.stats import NightTable
from rls_monitor.export.records import NightRecord

__all__ = [
    "ADULT_REFERENCE_PER_H",
    "REFERENCE_NOTE",
    "diary_timeline_figure",
    "imi_histogram_figure",
    "nights_overview_figure",
    "pooled_histograms",
    "timeline_figure",
    "trend_figure",
]

ADULT_REFERENCE_PER_H = 15.0
"""Adult PLMS-index reference line (ICSD-3), per hour."""
REFERENCE_NOTE = (
    "15/h: adult PLMS-index reference (ICSD-3), EMG-based; not validated for an ankle accelerometer"
)

PLM_COLOUR = "#c0392b"
CLM_COLOUR = "#2e6fba"
LM_COLOUR = "#7f7f7f"
SERIES_COLOUR = "#f5b7b1"
POSTURE_COLOURS = {
    "supine": "#4c72b0",
    "left": "#55a868",
    "right": "#8172b2",
    "prone": "#ccb974",
    "upright": "#dd8452",
    "sitting": "#dd8452",
    "standing": "#dd8452",
    "walking": "#c44e52",
}


def _figure(fig: Figure | SubFigure | None, size_in: tuple[float, float]) -> Figure | SubFigure:
    """The figure to draw into: the caller's (e.g. a subfigure of a PDF page) or a new one."""
    if fig is not None:
        return fig
    return Figure(figsize=size_in, layout="constrained")


def _movement_arrays(result: Mapping[str, Any]) -> dict[str, Any]:
    moves = list(result.get("movements") or [])
    return {
        "onset_s": np.array([float(m["onset_s"]) for m in moves], dtype=np.float64),
        "offset_s": np.array([float(m["offset_s"]) for m in moves], dtype=np.float64),
        "plm": np.array([bool(m.get("plm")) for m in moves], dtype=bool),
        "clm": np.array([bool(m.get("clm")) for m in moves], dtype=bool),
        "series": np.array([int(m.get("series", -1)) for m in moves], dtype=np.int64),
    }


def _series_spans(arrays: Mapping[str, Any]) -> list[tuple[float, float]]:
    series = arrays["series"]
    spans = []
    for sid in np.unique(series[series >= 0]):
        sel = series == sid
        spans.append((float(arrays["onset_s"][sel].min()), float(arrays["offset_s"][sel].max())))
    return spans


def _clock_formatter(rec: NightRecord) -> FuncFormatter:
    start = rec.start_local

    def fmt(x: float, _pos: int | None = None) -> str:
        if start is None:
            return f"{x:g} h"
        return (start + timedelta(hours=x)).strftime("%H:%M")

    return FuncFormatter(fmt)


def _clock_ticks_h(rec: NightRecord, duration_h: float) -> list[float]:
    """Tick positions (hours from the start) on round local clock times."""
    step_min = (
        10 if duration_h <= 1.0 else 15 if duration_h <= 2.0 else 30 if duration_h <= 4.0 else 60
    )
    start = rec.start_local
    offset_min = 0.0 if start is None else start.minute + start.second / 60.0
    first = (-offset_min) % step_min
    n = int((duration_h * 60.0 - first) // step_min) + 1
    return [(first + k * step_min) / 60.0 for k in range(max(n, 0))]


def _runs(values: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """(first, last + 1, value) of runs of equal consecutive values."""
    out: list[tuple[int, int, Any]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i, values[start]))
            start = i
    return out


def timeline_figure(
    rec: NightRecord, *, width_in: float = 10.0, fig: Figure | SubFigure | None = None
) -> Figure | SubFigure:
    """The night's timeline: posture, in bed, activity per minute, each LM, PLM series shaded.

    Parameters
    ----------
    rec : NightRecord
        The night (its score and per-minute rows).
    width_in : float
        Figure width, inches (of a new figure).
    fig : Figure or SubFigure, optional
        Draw into this (sub)figure instead of a new one.

    Returns
    -------
    Figure or SubFigure
        Four rows sharing a time axis in local clock time (hours from the start when the start
        is unknown).
    """
    result = rec.result
    duration_h = float(result.get("duration_s") or 0.0) / 3600.0
    fig = _figure(fig, (width_in, 4.6))
    axes = fig.subplots(4, 1, sharex=True, height_ratios=[0.5, 0.35, 1.3, 1.0])
    ax_post, ax_bed, ax_act, ax_lm = axes
    minutes = list(rec.minutes)
    t_h = np.array([float(m["start_s"]) / 3600.0 for m in minutes], dtype=np.float64)
    step_h = 1.0 / 60.0

    postures = [m.get("posture") for m in minutes]
    if minutes and any(p for p in postures):
        seen: dict[str, str] = {}
        for a, b, p in _runs(postures):
            if not p:
                continue
            colour = POSTURE_COLOURS.get(str(p), "#bbbbbb")
            seen[str(p)] = colour
            ax_post.axvspan(t_h[a], t_h[b - 1] + step_h, color=colour, lw=0)
        ax_post.legend(
            handles=[Patch(color=c, label=p) for p, c in seen.items()],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.2),
            fontsize=7,
            frameon=False,
        )
    else:
        ax_post.text(
            0.5,
            0.5,
            "posture not stored",
            transform=ax_post.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="#555555",
        )
    ax_post.set_yticks([])
    ax_post.set_ylabel("posture", rotation=0, ha="right", va="center", fontsize=8)

    beds = [m.get("in_bed") for m in minutes]
    if minutes and any(b is not None for b in beds):
        for a, b, v in _runs(beds):
            if v is None:
                continue
            ax_bed.axvspan(t_h[a], t_h[b - 1] + step_h, color="#5a9e6f" if v else "#d9d9d9", lw=0)
    else:
        ax_bed.text(
            0.5,
            0.5,
            "in bed not stored",
            transform=ax_bed.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="#555555",
        )
    ax_bed.set_yticks([])
    ax_bed.set_ylabel("in bed", rotation=0, ha="right", va="center", fontsize=8)

    arrays = _movement_arrays(result)
    spans = _series_spans(arrays)
    for ax in (ax_act, ax_lm):
        for s0, s1 in spans:
            ax.axvspan(s0 / 3600.0, s1 / 3600.0, color=SERIES_COLOUR, lw=0, zorder=0)
    activity = np.array(
        [np.nan if m.get("activity_mg") is None else float(m["activity_mg"]) for m in minutes],
        dtype=np.float64,
    )
    if minutes and np.isfinite(activity).any():
        ax_act.bar(
            t_h,
            np.nan_to_num(activity),
            width=step_h,
            align="edge",
            color="#34495e",
            lw=0,
            zorder=2,
        )
        ax_act.set_ylim(0, max(1.0, float(np.nanpercentile(activity, 99.5)) * 1.1))
    else:
        ax_act.text(
            0.5,
            0.5,
            "activity not stored",
            transform=ax_act.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="#555555",
        )
    ax_act.set_ylabel("activity\n(mg/min)", fontsize=8)
    ax_act.yaxis.set_major_locator(MaxNLocator(3))

    on_h = arrays["onset_s"] / 3600.0
    # each row counts what it draws: a PLM is also a CLM and an LM, so the rows say "not ..."
    # (the table beside the plot counts every CLM and every LM)
    kinds = (
        (~arrays["clm"], 0.3, LM_COLOUR, "LMs not CLM"),
        (arrays["clm"] & ~arrays["plm"], 0.6, CLM_COLOUR, "CLMs not PLM"),
        (arrays["plm"], 0.9, PLM_COLOUR, "PLMs"),
    )
    for sel, y, colour, label in kinds:
        n = int(sel.sum())
        ax_lm.vlines(
            on_h[sel], y - 0.12, y + 0.12, color=colour, lw=0.8, label=f"{label}: {n}", zorder=2
        )
    ax_lm.set_ylim(0, 1.1)
    ax_lm.set_yticks([0.3, 0.6, 0.9], ["LM only", "CLM only", "PLM"], fontsize=8)
    handles, _labels = ax_lm.get_legend_handles_labels()
    handles.append(Patch(color=SERIES_COLOUR, label=f"PLM series: {len(spans)}"))
    ax_lm.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False
    )
    ax_lm.set_xlim(0, max(duration_h, 1e-3))
    ax_lm.xaxis.set_major_formatter(_clock_formatter(rec))
    ax_lm.xaxis.set_major_locator(FixedLocator(_clock_ticks_h(rec, duration_h)))
    ax_lm.set_xlabel("local time" if rec.start_utc is not None else "hours from start", fontsize=8)
    fig.suptitle(f"Night timeline [{result.get('rules', '')}]", fontsize=10)
    return fig


def imi_histogram_figure(
    histograms: Mapping[str, Any],
    *,
    title: str = "Inter-movement intervals",
    width_in: float = 10.0,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """IMI histograms as sleep medicine draws them.

    Parameters
    ----------
    histograms : mapping
        The score's ``histograms`` (``linear``: 2 s bins 0-90 s; ``log``: ln(IMI) bins 0.1 wide
        with ticks at 2, 10, 20, 40, 60, 90 s).
    title : str
        Figure title (the rule set is appended).
    width_in : float
        Figure width, inches (of a new figure).
    fig : Figure or SubFigure, optional
        Draw into this (sub)figure instead of a new one.

    Returns
    -------
    Figure or SubFigure
        Left: linear bins; right: ln(IMI) bins with the ticks labelled in seconds.

    References
    ----------
    Ferri R, et al. Sleep. 2006;29(6):759-769.
    """
    fig = _figure(fig, (width_in, 3.0))
    ax_lin, ax_log = fig.subplots(1, 2)
    lin = histograms.get("linear") or {}
    edges = np.asarray(lin.get("edges_s") or np.arange(0, 92, 2), dtype=np.float64)
    counts = np.asarray(lin.get("counts") or np.zeros(edges.size - 1), dtype=np.float64)
    ax_lin.bar(
        edges[:-1],
        counts,
        width=np.diff(edges),
        align="edge",
        color="#2e6fba",
        edgecolor="white",
        lw=0.4,
    )
    ax_lin.set_xlim(0, 90)
    ax_lin.set_xticks(np.arange(0, 91, 10))
    ax_lin.set_xlabel("IMI (s), 2 s bins", fontsize=8)
    ax_lin.set_ylabel("count", fontsize=8)
    above = lin.get("above")
    if above:
        ax_lin.text(
            0.98,
            0.95,
            f"> 90 s: {above}",
            transform=ax_lin.transAxes,
            ha="right",
            va="top",
            fontsize=8,
        )
    ax_lin.axvspan(10, 90, color="#eeeeee", zorder=0)
    lg = histograms.get("log") or {}
    ledges = np.asarray(lg.get("edges_ln") or np.round(np.arange(0, 4.55, 0.1), 1), np.float64)
    lcounts = np.asarray(lg.get("counts") or np.zeros(ledges.size - 1), dtype=np.float64)
    ax_log.bar(
        ledges[:-1],
        lcounts,
        width=np.diff(ledges),
        align="edge",
        color="#c0392b",
        edgecolor="white",
        lw=0.4,
    )
    ticks_s = list(lg.get("ticks_s") or [2, 10, 20, 40, 60, 90])
    ticks_ln = list(lg.get("ticks_ln") or [math.log(t) for t in ticks_s])
    ax_log.set_xticks(ticks_ln, [str(t) for t in ticks_s])
    ax_log.set_xlim(0, 4.5)
    ax_log.set_xlabel("IMI (s), ln(IMI) bins 0.1 wide", fontsize=8)
    ax_log.axvspan(math.log(10), math.log(90), color="#eeeeee", zorder=0)
    for ax in (ax_lin, ax_log):
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(f"{title} [{histograms.get('rules', '')}]", fontsize=10)
    return fig


def pooled_histograms(records: Sequence[NightRecord]) -> dict[str, Any]:
    """The IMI histograms of several nights added bin by bin (same bins in every night).

    Returns
    -------
    dict
        The shape of a score's ``histograms``; ``rules`` joins the rule sets present.
    """
    lin_edges = None
    log_edges = None
    lin = None
    log = None
    above = 0
    log_extra: dict[str, Any] = {}
    rules = sorted({r.rules for r in records})
    for rec in records:
        h = rec.result.get("histograms") or {}
        li, lo = h.get("linear") or {}, h.get("log") or {}
        if "counts" in li:
            c = np.asarray(li["counts"], dtype=np.int64)
            lin = c if lin is None else lin + c
            lin_edges = li.get("edges_s")
            above += int(li.get("above") or 0)
        if "counts" in lo:
            c = np.asarray(lo["counts"], dtype=np.int64)
            log = c if log is None else log + c
            log_edges = lo.get("edges_ln")
            log_extra = {"ticks_s": lo.get("ticks_s"), "ticks_ln": lo.get("ticks_ln")}
    return {
        "rules": "+".join(rules),
        "linear": {
            "edges_s": lin_edges,
            "counts": None if lin is None else lin.tolist(),
            "above": above,
        },
        "log": {
            "edges_ln": log_edges,
            "counts": None if log is None else log.tolist(),
            **log_extra,
        },
    }


def _night_indices(records: Sequence[NightRecord], key: str) -> NDArray[np.float64]:
    """One stored index per night (``result["indices"][key]``), NaN where a night has none."""
    return np.array(
        [
            np.nan if (v := r.result.get("indices", {}).get(key)) is None else float(v)
            for r in records
        ],
        dtype=np.float64,
    )


def trend_figure(
    records: Sequence[NightRecord],
    *,
    width_in: float = 10.0,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """PLM index and periodicity index night by night, with the 15/h adult reference line.

    Parameters
    ----------
    records : sequence of NightRecord
        The nights, oldest first.
    width_in : float
        Figure width, inches (of a new figure).
    fig : Figure or SubFigure, optional
        Draw into this (sub)figure instead of a new one.

    Returns
    -------
    Figure or SubFigure
        Top: PLM per hour in bed per night, the mean +- SD band and the reference line labelled
        as EMG-based and not validated for this device; bottom: periodicity index.
    """
    fig = _figure(fig, (width_in, 4.4))
    ax, ax_pi = fig.subplots(2, 1, sharex=True, height_ratios=[2.0, 1.0])
    x = np.arange(len(records))
    plm = _night_indices(records, "plm_per_h")
    pi = _night_indices(records, "periodicity_index")
    finite = plm[np.isfinite(plm)]
    if finite.size >= 2:
        mean, sd = float(finite.mean()), float(finite.std(ddof=1))
        ax.axhspan(
            max(0.0, mean - sd),
            mean + sd,
            color="#d6e4f0",
            lw=0,
            label=f"mean {mean:.1f} +- SD {sd:.1f} /h",
        )
        ax.axhline(mean, color="#2e6fba", lw=0.8, ls=":")
    ax.plot(x, plm, "o-", color=PLM_COLOUR, ms=4, lw=1.2, label="PLM per hour in bed")
    ax.axhline(ADULT_REFERENCE_PER_H, color="black", lw=1.0, ls="--", label=REFERENCE_NOTE)
    top = max(ADULT_REFERENCE_PER_H * 1.5, float(np.nanmax(plm)) * 1.45 if finite.size else 0.0)
    ax.set_ylim(-0.03 * top, top)
    ax.set_ylabel("PLM / h in bed", fontsize=8)
    ax.legend(fontsize=7, loc="upper left", frameon=False)
    ax_pi.plot(x, pi, "s-", color="#555555", ms=3, lw=1.0)
    ax_pi.set_ylim(-0.03, 1.03)
    ax_pi.set_ylabel("periodicity\nindex", fontsize=8)
    labels = []
    for r in records:
        day = r.night_date
        labels.append(day.strftime("%d %b") if day is not None else f"#{r.night_id}")
    step = max(1, math.ceil(len(records) / 15))
    ax_pi.set_xticks(x[::step], labels[::step], rotation=45, ha="right", fontsize=7)
    for a in (ax, ax_pi):
        a.tick_params(labelsize=7)
    rules = "+".join(sorted({r.rules for r in records}))
    fig.suptitle(f"Night-to-night trend [{rules}]", fontsize=10)
    return fig


def nights_overview_figure(
    records: Sequence[NightRecord],
    *,
    width_in: float = 10.0,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """One row per night on a common local clock (18:00-12:00): each LM, PLM series shaded.

    Parameters
    ----------
    records : sequence of NightRecord
        The nights, oldest first.
    width_in : float
        Figure width, inches (of a new figure).
    fig : Figure or SubFigure, optional
        Draw into this (sub)figure instead of a new one.

    Returns
    -------
    Figure or SubFigure
    """
    height = min(9.0, 1.2 + 0.22 * len(records))
    fig = _figure(fig, (width_in, height))
    ax = fig.subplots()
    segments: list[NDArray[np.float64]] = []
    colours: list[NDArray[np.str_]] = []
    for row, rec in enumerate(records):
        y = len(records) - 1 - row
        start = rec.start_local
        base_h = 0.0
        if start is not None:
            base_h = start.hour + start.minute / 60.0 + start.second / 3600.0
            if base_h < 12.0:
                base_h += 24.0
            base_h -= 18.0
        dur_h = float(rec.result.get("duration_s") or 0.0) / 3600.0
        ax.broken_barh([(base_h, dur_h)], (y - 0.12, 0.24), color="#cccccc", lw=0, zorder=1)
        arrays = _movement_arrays(rec.result)
        spans = [(base_h + a / 3600.0, (b - a) / 3600.0) for a, b in _series_spans(arrays)]
        if spans:
            ax.broken_barh(spans, (y - 0.35, 0.7), color=SERIES_COLOUR, lw=0, zorder=2)
        on = base_h + arrays["onset_s"] / 3600.0
        seg = np.empty((on.size, 2, 2))
        seg[:, :, 0] = on[:, None]
        seg[:, 0, 1] = y - 0.3
        seg[:, 1, 1] = y + 0.3
        segments.append(seg)
        colours.append(
            np.where(arrays["plm"], PLM_COLOUR, np.where(arrays["clm"], CLM_COLOUR, LM_COLOUR))
        )
    if segments:
        ax.add_collection(
            LineCollection(
                list(np.concatenate(segments)),
                colors=np.concatenate(colours).tolist(),
                linewidths=0.6,
                zorder=3,
                rasterized=True,  # thousands of ticks: an image inside a PDF, not paths
            )
        )
    ax.set_xlim(0, 18)
    ax.set_xticks(range(0, 19, 2), [f"{(18 + h) % 24:02d}:00" for h in range(0, 19, 2)])
    ax.set_yticks(
        range(len(records)),
        [
            (r.night_date.isoformat() if r.night_date is not None else f"#{r.night_id}")
            for r in reversed(records)
        ],
        fontsize=7,
    )
    ax.set_ylim(-0.7, len(records) - 0.3)
    ax.set_xlabel("local time", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(
        handles=[
            Patch(color=PLM_COLOUR, label="PLM"),
            Patch(color=CLM_COLOUR, label="CLM not PLM"),
            Patch(color=LM_COLOUR, label="LM not CLM"),
            Patch(color=SERIES_COLOUR, label="PLM series"),
        ],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=7,
        frameon=False,
    )
    fig.suptitle("Leg movements night by night", fontsize=10)
    return fig


def diary_timeline_figure(
    table: NightTable,
    insights: Insights | None = None,
    *,
    fig: Figure | SubFigure | None = None,
    max_factors: int = 8,
) -> Figure | SubFigure:
    """The nightly PLM index and the diary factors on one time axis (the report's figure).

    Top panel: PLM index per hour in bed per night, treatment starts as vertical lines, ferritin
    on a second axis. Below, one row per factor: filled marks where a flag was yes, marks sized by
    the value for numeric factors (empty where not recorded).

    Parameters
    ----------
    table : NightTable
    insights : Insights, optional
        When given, factors are ordered as in the insights (strongest association first).
    fig : matplotlib.figure.Figure, optional
        Draw into this figure (a new one otherwise; no pyplot).
    max_factors : int
        Most factor rows drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    numeric_twin = {"caffeine", "alcohol", "exercise"}
    names = [
        n
        for n in table.factors
        if n not in numeric_twin and not n.endswith("(mg)") and np.isfinite(table.factors[n]).any()
    ]
    if insights is not None:
        order = {line.factor: i for i, line in enumerate(insights.lines)}
        names.sort(key=lambda n: order.get(n, len(order)))
    names = names[:max_factors]
    if fig is None:
        fig = Figure(figsize=(10.0, 3.0 + 0.4 * len(names)), layout="constrained")
    heights = [3.0] + [0.5] * len(names)
    axes = fig.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
    axes = np.atleast_1d(axes)
    x = np.array([np.datetime64(d.isoformat()) for d in table.dates], dtype="datetime64[D]")
    top = axes[0]
    top.plot(x, table.plm_per_h, "o-", color="C0", ms=3, lw=1)
    top.set_ylabel("PLM index (/h in bed)")
    top.set_title(
        f"Nightly PLM index and diary{f' - {table.subject}' if table.subject else ''}"
        " (associations, not causes)"
    )
    for t_name, t_start, _ in table.treatments:
        top.axvline(np.datetime64(t_start.isoformat()), color="C3", lw=1, ls="--")
        top.annotate(
            t_name,
            (np.datetime64(t_start.isoformat()), 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color="C3",
            va="top",
            rotation=90,
        )
    ferritin = list(table.ferritin)
    if ferritin:
        twin = top.twinx()
        twin.plot(
            [np.datetime64(d.isoformat()) for d, _ in ferritin],
            [v for _, v in ferritin],
            "s--",
            color="C2",
            ms=4,
            lw=1,
        )
        twin.set_ylabel("ferritin (ng/mL)", color="C2")
    for ax, name in zip(axes[1:], names, strict=True):
        v = table.factors[name]
        seen = np.isfinite(v)
        if table.kinds[name] == "flag":
            on = seen & (v > 0)
            ax.scatter(x[on], np.zeros(on.sum()), marker="s", s=18, color="C1")
            off = seen & (v <= 0)
            ax.scatter(x[off], np.zeros(off.sum()), marker="s", s=18, facecolor="none", ec="0.6")
        else:
            top_v = np.nanmax(v[seen]) if seen.any() else 1.0
            size = 4 + 40 * np.where(seen, v, 0) / (top_v if top_v > 0 else 1.0)
            ax.scatter(x[seen], np.zeros(seen.sum()), s=size[seen], color="C4")
        ax.set_yticks([])
        label = name if table.kinds[name] == "flag" else f"{name} ({table.units[name]})"
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=7)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=8)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes[-1].set_xlabel("night (date of the evening)")
    return fig
