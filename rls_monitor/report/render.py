"""Report content (tables, texts) and its two renderings: self-contained HTML and PDF.

:func:`report_content` gathers what a report says, as plain data; :func:`render_html` and
:func:`render_pdf` lay the same content out, so the numbers in both are the store's numbers,
formatted by one function (:func:`fmt`).
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import rls_monitor
from rls_monitor.errors import ConfigError
from rls_monitor.export.records import NightRecord

if TYPE_CHECKING:
    from rls_monitor.diary.section import DiarySection

__all__ = [
    "DISCLAIMER",
    "PER_HOUR_HEADERS",
    "ReportContent",
    "figure_png",
    "fmt",
    "render_html",
    "render_pdf",
    "report_content",
    "variability",
]

DISCLAIMER = (
    "A monitoring aid, not a diagnosis. Leg movements are scored from an ankle accelerometer "
    "with rules written for tibialis EMG; the figures are not a polysomnography result. "
    "Discuss any finding or change with a physician."
)
TREND_NOTE = "Read a trend only over at least 3 nights, better 5 to 7."

_RULE_TITLES = {"wasm2016": "WASM/IRLSSG 2016", "aasm": "AASM scoring manual"}


def fmt(value: Any, digits: int = 1, unit: str = "") -> str:
    """A number as the report shows it (``n/a`` when unknown).

    Examples
    --------
    >>> fmt(27.0), fmt(0.625, 2), fmt(None), fmt(12), fmt(3.5, 1, " h")
    ('27.0', '0.62', 'n/a', '12', '3.5 h')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value}{unit}"
    return f"{float(value):.{digits}f}{unit}"


def _hm(seconds: Any) -> str:
    if seconds is None:
        return "n/a"
    minutes = round(float(seconds) / 60.0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def variability(records: Sequence[NightRecord]) -> dict[str, Any]:
    """Night-to-night variability of the PLM index and the periodicity index.

    Returns
    -------
    dict
        ``n`` nights with a PLM index; ``plm_mean_per_h``, ``plm_sd_per_h`` (ddof 1),
        ``plm_cv_pct`` (SD / mean), ``plm_median_per_h``, ``plm_min_per_h``, ``plm_max_per_h``,
        ``nights_above_15``; ``pi_mean``, ``pi_sd``. ``None`` where undefined.
    """

    def values(key: str) -> np.ndarray:
        out = [r.result.get("indices", {}).get(key) for r in records]
        return np.array([float(v) for v in out if v is not None], dtype=np.float64)

    plm = values("plm_per_h")
    pi = values("periodicity_index")
    mean = float(plm.mean()) if plm.size else None
    sd = float(plm.std(ddof=1)) if plm.size >= 2 else None
    return {
        "n": int(plm.size),
        "plm_mean_per_h": mean,
        "plm_sd_per_h": sd,
        "plm_cv_pct": (100.0 * sd / mean) if (sd is not None and mean) else None,
        "plm_median_per_h": float(np.median(plm)) if plm.size else None,
        "plm_min_per_h": float(plm.min()) if plm.size else None,
        "plm_max_per_h": float(plm.max()) if plm.size else None,
        "nights_above_15": int((plm > 15.0).sum()),
        "pi_mean": float(pi.mean()) if pi.size else None,
        "pi_sd": float(pi.std(ddof=1)) if pi.size >= 2 else None,
    }


@dataclass
class ReportContent:
    """What one report says, independent of the layout.

    Attributes
    ----------
    title : str
    subtitle : str
    single : bool
        One night (timeline, per-hour table) or several (trend, overview).
    indices : list of (key, label, value text)
        The headline figures.
    per_hour : list of dict
        The per-hour table (single night).
    nights : list of dict
        One row per night (several nights).
    variability : list of (key, label, value text)
        Night-to-night variability (several nights).
    limitations : list of str
    records : list of NightRecord
    diary : DiarySection or None
        The night diary and its insights (several nights of one subject), ``None`` or empty
        when the subject keeps no diary.
    """

    title: str
    subtitle: str
    single: bool
    indices: list[tuple[str, str, str]]
    per_hour: list[dict[str, str]]
    nights: list[dict[str, str]]
    variability: list[tuple[str, str, str]]
    limitations: list[str]
    records: list[NightRecord] = field(default_factory=list)
    diary: DiarySection | None = None

    @property
    def has_diary(self) -> bool:
        """True when the report has a diary section."""
        return self.diary is not None and not self.diary.empty


def _rules_text(rules: str) -> str:
    return f"{_RULE_TITLES.get(rules, rules)} [{rules}]"


def _night_indices(rec: NightRecord) -> list[tuple[str, str, str]]:
    r = rec.result
    c = r.get("counts") or {}
    i = r.get("indices") or {}
    imi = r.get("imi") or {}
    per = i.get("per", "hour in bed")
    pi_note = "" if i.get("periodicity_interpretable") else " (not interpretable: < 10 LM/h)"
    rows = [
        ("rules", "Rule set", _rules_text(rec.rules)),
        (
            "start_local",
            "Start (local)",
            rec.start_local.strftime("%Y-%m-%d %H:%M %Z") if rec.start_local else "n/a",
        ),
        ("duration", "Recording", _hm(r.get("duration_s"))),
        ("in_bed", "Time in bed", _hm(r.get("in_bed_s"))),
        ("lm_count", "LM", fmt(c.get("lm"))),
        ("lm_per_h", f"LM per {per}", fmt(i.get("lm_per_h"))),
        ("clm_count", "CLM", fmt(c.get("clm"))),
        ("plm_count", "PLM", fmt(c.get("plm"))),
        ("plm_per_h", f"PLM index (PLM per {per})", fmt(i.get("plm_per_h"))),
        ("series_count", "PLM series", fmt(c.get("series"))),
        ("periodicity_index", "Periodicity index", fmt(i.get("periodicity_index"), 2) + pi_note),
        (
            "imi_counts",
            "IMI < 10 s / 10-90 s / > 90 s",
            f"{fmt(imi.get('n_below_10s'))} / {fmt(imi.get('n_10_to_90s'))} / "
            f"{fmt(imi.get('n_above_90s'))}",
        ),
        ("imi_geometric_mean_s", "Geometric mean IMI", fmt(imi.get("geometric_mean_s"), 1, " s")),
    ]
    posture = r.get("posture") or {}
    if posture:
        rows.append(("turnovers", "Turn-overs (not scored)", fmt(posture.get("turnovers"))))
    art = r.get("artefacts") or {}
    if art:
        counts = art.get("counts") or {}
        rows.append(
            (
                "artefacts",
                "Artefacts (not scored: the shank did not turn)",
                f"{sum(int(v) for v in counts.values())} ("
                + ", ".join(f"{int(v)} {k}" for k, v in counts.items())
                + ")",
            )
        )
    sides = r.get("sides") or {}
    if sides:
        rows.append(
            (
                "sides",
                "LM left / right / bilateral",
                " / ".join(
                    fmt((sides.get(k) or {}).get("lm")) for k in ("left", "right", "bilateral")
                ),
            )
        )
    completeness = rec.completeness
    rows += [
        ("calibration", "Calibration", rec.calibration),
        (
            "completeness",
            "Data completeness",
            "n/a" if completeness is None else fmt(100.0 * completeness, 1, " %"),
        ),
        ("status", "Status", rec.status),
    ]
    return rows


def report_content(
    records: Sequence[NightRecord],
    *,
    title: str | None = None,
    diary: DiarySection | None = None,
) -> ReportContent:
    """The content of a report on one night or several.

    Parameters
    ----------
    records : sequence of NightRecord
        The nights, oldest first (at least one).
    title : str, optional
        Overrides the generated title.
    diary : DiarySection, optional
        The subject's diary over the same nights (:func:`rls_monitor.diary.diary_section`);
        a report on several nights shows it when it is not empty.

    Returns
    -------
    ReportContent

    Raises
    ------
    ConfigError
        No night.
    """
    recs = list(records)
    if not recs:
        raise ConfigError("a report needs at least one night", name="night")
    subjects = sorted({r.subject for r in recs})
    limitations: list[str] = []
    for r in recs:
        for s in r.result.get("limitations") or []:
            if s not in limitations and "monitoring aid" not in s.lower():
                limitations.append(str(s))
    if len(recs) == 1:
        rec = recs[0]
        day = rec.night_date.isoformat() if rec.night_date else "date unknown"
        per_hour = []
        for row in rec.result.get("per_hour") or []:
            start = ""
            if rec.start_local is not None:
                start = (rec.start_local + timedelta(seconds=float(row["start_s"]))).strftime(
                    "%H:%M"
                )
            per_hour.append(
                {
                    "hour": fmt(int(row["hour"]) + 1),
                    "start": start,
                    "in_bed_min": fmt(row.get("in_bed_min"), 0),
                    "lm": fmt(row.get("lm")),
                    "clm": fmt(row.get("clm")),
                    "plm": fmt(row.get("plm")),
                    "plm_per_h": fmt(row.get("plm_per_h")),
                }
            )
        return ReportContent(
            title=title or f"Leg movement report: night {rec.night_id}",
            subtitle=f"Subject {rec.subject}, night of {day}",
            single=True,
            indices=_night_indices(rec),
            per_hour=per_hour,
            nights=[],
            variability=[],
            limitations=limitations,
            records=recs,
        )
    nights = []
    for r in recs:
        i = r.result.get("indices") or {}
        c = r.result.get("counts") or {}
        nights.append(
            {
                "night": str(r.night_id),
                "date": r.night_date.isoformat() if r.night_date else "n/a",
                "in_bed": _hm(r.result.get("in_bed_s")),
                "lm_per_h": fmt(i.get("lm_per_h")),
                "plm": fmt(c.get("plm")),
                "plm_per_h": fmt(i.get("plm_per_h")),
                "periodicity_index": fmt(i.get("periodicity_index"), 2),
                "series": fmt(c.get("series")),
                "rules": r.rules,
            }
        )
    v = variability(recs)
    var_rows = [
        ("n", "Nights", fmt(v["n"])),
        ("plm_mean_per_h", "PLM index, mean", fmt(v["plm_mean_per_h"], 1, " /h")),
        ("plm_sd_per_h", "PLM index, SD night to night", fmt(v["plm_sd_per_h"], 1, " /h")),
        ("plm_cv_pct", "PLM index, coefficient of variation", fmt(v["plm_cv_pct"], 0, " %")),
        ("plm_median_per_h", "PLM index, median", fmt(v["plm_median_per_h"], 1, " /h")),
        (
            "plm_range",
            "PLM index, range",
            f"{fmt(v['plm_min_per_h'])} to {fmt(v['plm_max_per_h'])} /h",
        ),
        ("nights_above_15", "Nights above 15/h", fmt(v["nights_above_15"])),
        ("pi", "Periodicity index, mean +- SD", f"{fmt(v['pi_mean'], 2)} +- {fmt(v['pi_sd'], 2)}"),
    ]
    dates = [r.night_date for r in recs if r.night_date is not None]
    span = f"{min(dates).isoformat()} to {max(dates).isoformat()}" if dates else ""
    who = ", ".join(subjects)
    return ReportContent(
        title=title or f"Leg movement report: {len(recs)} night{'' if len(recs) == 1 else 's'}",
        subtitle=f"Subject {who}" + (f", nights of {span}" if span else ""),
        single=False,
        indices=[
            (
                "rules",
                "Rule sets",
                ", ".join(_rules_text(x) for x in sorted({r.rules for r in recs})),
            )
        ],
        per_hour=[],
        nights=nights,
        variability=var_rows,
        limitations=limitations,
        records=recs,
        diary=diary,
    )


# --- figures -------------------------------------------------------------------------------------


def _figures(content: ReportContent) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(id, caption, draw) of the report's plots, in order; ``draw(fig_or_None)`` draws one."""
    from rls_monitor.report.plots import (
        REFERENCE_NOTE,
        imi_histogram_figure,
        nights_overview_figure,
        pooled_histograms,
        timeline_figure,
        trend_figure,
    )

    recs = content.records
    if content.single:
        rec = recs[0]
        hist = rec.result.get("histograms") or {}
        return [
            (
                "timeline",
                "The night: posture, in bed, activity per minute, each leg movement "
                "(PLM red, CLM blue, other LM grey) and PLM series shaded.",
                lambda fig: timeline_figure(rec, fig=fig),
            ),
            (
                "imi",
                "Inter-movement intervals (onset to onset): 2 s bins from 0 to 90 s, and "
                "ln(IMI) bins 0.1 wide; the 10-90 s band is shaded.",
                lambda fig: imi_histogram_figure(hist, fig=fig),
            ),
        ]
    pooled = pooled_histograms(recs)
    return [
        (
            "trend",
            f"PLM index and periodicity index night by night. {REFERENCE_NOTE}. {TREND_NOTE}",
            lambda fig: trend_figure(recs, fig=fig),
        ),
        (
            "overview",
            "Leg movements of every night on a common clock.",
            lambda fig: nights_overview_figure(recs, fig=fig),
        ),
        (
            "imi",
            "Inter-movement intervals of all nights together.",
            lambda fig: imi_histogram_figure(
                pooled, title="Inter-movement intervals, all nights", fig=fig
            ),
        ),
    ]


DIARY_CAPTION = "Nightly PLM index beside the diary factors (associations, not causes)."
INSIGHT_HEADERS = (
    ("factor", "Factor"),
    ("nights", "Nights with / without"),
    ("PLM index", "PLM index"),
    ("difference", "Difference"),
    ("p (Holm)", "p (Holm)"),
    ("reading", "Reading"),
)
_INSIGHT_PDF_X = (0.07, 0.26, 0.35, 0.49, 0.76, 0.83)
_INSIGHT_PDF_CHARS = (32, 13, 22, 44, 9, 24)


def _diary_figure(content: ReportContent) -> tuple[str, str, Callable[[Any], Any]] | None:
    """(id, caption, draw) of the diary figure, ``None`` without a diary section."""
    section = content.diary
    if section is None or section.empty or content.single:
        return None
    from rls_monitor.report.plots import diary_timeline_figure

    return (
        "diary",
        DIARY_CAPTION,
        lambda fig: diary_timeline_figure(section.table, section.insights, fig=fig),
    )


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """A matplotlib figure (object API, no pyplot) as PNG bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    dpi : int
        Dots per inch.

    Returns
    -------
    bytes
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _png_base64(fig: Any, dpi: int) -> str:
    return base64.b64encode(figure_png(fig, dpi)).decode("ascii")


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1000px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.6em;margin-bottom:0.1em}h2{font-size:1.2em;margin-top:1.6em;
border-bottom:1px solid #ddd}
.subtitle{color:#555;margin-top:0}
.disclaimer{background:#fff4e5;border-left:4px solid #e67e22;padding:0.6em 1em;margin:1em 0}
table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:0.25em 0.6em;
text-align:left}th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1em 0}figure img{max-width:100%;height:auto}
figcaption{font-size:0.9em;color:#555}footer{margin-top:2em;font-size:0.85em;color:#666}
@media print{.disclaimer{break-inside:avoid}figure{break-inside:avoid}}
"""


def _table(
    headers: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, str]], table_id: str
) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in headers)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num" data-col="{html.escape(k)}">{html.escape(row.get(k, ""))}</td>'
            for k, _ in headers
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<table id="{table_id}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _kv_table(rows: Sequence[tuple[str, str, str]], table_id: str) -> str:
    body = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th>'
        f'<td data-key="{html.escape(key)}">{html.escape(value)}</td></tr>'
        for key, label, value in rows
    )
    return f'<table id="{table_id}"><tbody>{body}</tbody></table>'


PER_HOUR_HEADERS = (
    ("hour", "Hour"),
    ("start", "From"),
    ("in_bed_min", "In bed (min)"),
    ("lm", "LM"),
    ("clm", "CLM"),
    ("plm", "PLM"),
    ("plm_per_h", "PLM/h in bed"),
)
NIGHT_HEADERS = (
    ("night", "Night"),
    ("date", "Date"),
    ("in_bed", "In bed"),
    ("lm_per_h", "LM/h"),
    ("plm", "PLM"),
    ("plm_per_h", "PLM/h"),
    ("periodicity_index", "Periodicity index"),
    ("series", "Series"),
    ("rules", "Rules"),
)


def render_html(content: ReportContent, path: str | Path, *, dpi: int = 100) -> Path:
    """Write the report as one self-contained HTML file (plots embedded as base64 PNG).

    Parameters
    ----------
    content : ReportContent
    path : str or Path
    dpi : int
        Resolution of the embedded plots.

    Returns
    -------
    Path
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(content.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(content.title)}</h1>",
        f'<p class="subtitle">{e(content.subtitle)}</p>',
        f'<p class="disclaimer" id="disclaimer">{e(DISCLAIMER)}</p>',
    ]
    if content.single:
        parts += ["<h2>Indices</h2>", _kv_table(content.indices, "indices")]
    else:
        parts += [
            "<h2>Nights</h2>",
            _kv_table(content.indices, "indices"),
            _table(NIGHT_HEADERS, content.nights, "nights"),
            "<h2>Night-to-night variability</h2>",
            _kv_table(content.variability, "variability"),
            f"<p>{e(TREND_NOTE)}</p>",
        ]

    def figure(fig_id: str, caption: str, draw: Callable[[Any], Any]) -> str:
        data = _png_base64(draw(None), dpi)
        return (
            f'<figure id="fig-{fig_id}"><img alt="{e(caption)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{e(caption)}</figcaption></figure>'
        )

    for fig_id, caption, draw in _figures(content):
        parts.append(figure(fig_id, caption, draw))
    diary_fig = _diary_figure(content)
    if diary_fig is not None and content.diary is not None:
        section = content.diary
        parts += [
            '<section id="diary"><h2>Night diary</h2>',
            figure(*diary_fig),
            "<h3>Insights</h3>",
            _table(INSIGHT_HEADERS, section.rows, "insights"),
            f'<p class="caveat" id="insights-caveat">{e(section.caveat)}</p>',
        ]
        if section.notes:
            parts.append('<ul id="insights-notes">')
            parts += [f"<li>{e(n)}</li>" for n in section.notes]
            parts.append("</ul>")
        parts.append("</section>")
    if content.single:
        parts += ["<h2>Per hour</h2>", _table(PER_HOUR_HEADERS, content.per_hour, "per-hour")]
    parts.append('<h2>What this score cannot include</h2><ul id="limitations">')
    parts += [f"<li>{e(s)}</li>" for s in content.limitations]
    parts.append("</ul>")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        f"<footer>Made by rls-monitor {e(rls_monitor.__version__)} on {e(now)}. "
        f"{e(DISCLAIMER)}</footer></body></html>"
    )
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


# --- PDF -----------------------------------------------------------------------------------------

_A4_IN = (8.27, 11.69)


def _text_page(content: ReportContent) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=_A4_IN)
    y = 0.95
    fig.text(0.07, y, content.title, fontsize=16, weight="bold", va="top")
    y -= 0.035
    fig.text(0.07, y, content.subtitle, fontsize=10, color="#444444", va="top")
    y -= 0.03
    disclaimer = textwrap.fill(DISCLAIMER, 100)
    fig.text(
        0.07,
        y,
        disclaimer,
        fontsize=8.5,
        va="top",
        color="#8a4b08",
        bbox={"facecolor": "#fff4e5", "edgecolor": "#e67e22", "pad": 6},
    )
    y -= 0.075
    rows = content.indices if content.single else content.indices + content.variability
    for _key, label, value in rows:
        fig.text(0.07, y, label, fontsize=9, va="top")
        fig.text(0.5, y, value, fontsize=9, va="top")
        y -= 0.019
    if not content.single:
        y -= 0.015
        fig.text(0.07, y, TREND_NOTE, fontsize=8, va="top", color="#444444")
        y -= 0.025
        y = _pdf_table(fig, NIGHT_HEADERS, content.nights, y)
    return fig, y


def _pdf_table(
    fig: Any, headers: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, str]], y: float
) -> float:
    n = len(headers)
    xs = [0.07 + i * (0.86 / n) for i in range(n)]
    size = 8 if len(rows) <= 30 else 6.5
    step = 0.016 if len(rows) <= 30 else 0.012
    for x, (_, label) in zip(xs, headers, strict=True):
        fig.text(x, y, label, fontsize=size, weight="bold", va="top")
    y -= step
    for row in rows:
        for x, (key, _) in zip(xs, headers, strict=True):
            fig.text(x, y, row.get(key, ""), fontsize=size, va="top")
        y -= step
        if y < 0.04:
            break
    return y


def _diary_page(content: ReportContent) -> Any:
    """The PDF's diary page: the timeline figure above, the insights table and caveat below."""
    from matplotlib.figure import Figure

    diary_fig = _diary_figure(content)
    section = content.diary
    if diary_fig is None or section is None:
        return None
    page = Figure(figsize=_A4_IN, layout="constrained")
    grid: Any = page.subfigures(2, 1, height_ratios=[1.0, 1.0])
    top, bottom = list(grid)
    top.suptitle("Night diary", fontsize=12, weight="bold", x=0.02, ha="left")
    diary_fig[2](top)
    top.supxlabel(diary_fig[1], fontsize=7, color="#444444")
    y = 0.97
    bottom.text(0.07, y, "Insights", fontsize=11, weight="bold", va="top")
    y -= 0.05
    size = 6.5
    line = 0.026  # one text line at this size, in this subfigure's height
    columns = list(zip(_INSIGHT_PDF_X, _INSIGHT_PDF_CHARS, INSIGHT_HEADERS, strict=True))

    def cells(texts: Sequence[str], weight: str) -> None:
        nonlocal y
        lines = 1
        for (x, chars, _), text in zip(columns, texts, strict=True):
            wrapped = textwrap.fill(text, chars) if text else ""
            bottom.text(x, y, wrapped, fontsize=size, weight=weight, va="top", linespacing=1.2)
            lines = max(lines, wrapped.count("\n") + 1)
        y -= line * lines + 0.008

    cells([label for _, label in INSIGHT_HEADERS], "bold")
    for n, row in enumerate(section.rows):
        if y < 0.28:
            bottom.text(
                0.07,
                y,
                f"... and {len(section.rows) - n} more rows (see the HTML report)",
                fontsize=size,
                va="top",
            )
            y -= line
            break
        cells([row.get(key, "") for key, _ in INSIGHT_HEADERS], "normal")
    y -= 0.02
    for text in (section.caveat, *section.notes):
        wrapped = textwrap.fill(text, 110)
        bottom.text(0.07, y, wrapped, fontsize=7.5, va="top", color="#444444")
        y -= 0.035 * (wrapped.count("\n") + 1) + 0.01
    return page


def render_pdf(content: ReportContent, path: str | Path) -> Path:
    """Write the report as PDF (A4 pages drawn with matplotlib, text kept as text).

    Parameters
    ----------
    content : ReportContent
    path : str or Path

    Returns
    -------
    Path
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    path = Path(path)
    with (
        matplotlib.rc_context({"pdf.fonttype": 42}),
        PdfPages(
            path,
            metadata={"Title": content.title, "Creator": f"rls-monitor {rls_monitor.__version__}"},
        ) as pdf,
    ):
        first, y = _text_page(content)
        if content.single and content.per_hour:
            y -= 0.02
            first.text(0.07, y, "Per hour", fontsize=11, weight="bold", va="top")
            y -= 0.025
            y = _pdf_table(first, PER_HOUR_HEADERS, content.per_hour, y)
        pdf.savefig(first)
        figures = _figures(content)
        for k in range(0, len(figures), 2):
            pair = figures[k : k + 2]
            page = Figure(figsize=_A4_IN, layout="constrained")
            grid: Any = page.subfigures(2, 1, height_ratios=[1.0, 0.8])
            subs = list(grid)
            for sub, (_fig_id, caption, draw) in zip(subs, pair, strict=False):
                draw(sub)
                sub.supxlabel(textwrap.fill(caption, 120), fontsize=7, color="#444444")
            pdf.savefig(page)
        diary_page = _diary_page(content)
        if diary_page is not None:
            pdf.savefig(diary_page)
        last = Figure(figsize=_A4_IN)
        y = 0.95
        last.text(0.07, y, "What this score cannot include", fontsize=12, weight="bold", va="top")
        y -= 0.035
        for s in content.limitations:
            wrapped = textwrap.fill(s, 100)
            last.text(0.07, y, "- " + wrapped, fontsize=9, va="top")
            y -= 0.018 * (wrapped.count("\n") + 1) + 0.006
        y -= 0.02
        last.text(0.07, y, textwrap.fill(DISCLAIMER, 100), fontsize=9, va="top", color="#8a4b08")
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        last.text(
            0.07,
            0.03,
            f"Made by rls-monitor {rls_monitor.__version__} on {now}.",
            fontsize=7,
            color="#666666",
        )
        pdf.savefig(last)
    return path
