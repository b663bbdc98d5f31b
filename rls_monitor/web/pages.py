"""The reading pages: This morning (a night's summary) and Trend (the nights, the diary, insights).

This morning shows :func:`rls_monitor.nights.summary.night_json` of a night (what ``show
--json`` prints: the page's numbers are those), its timeline (the report's
:func:`~rls_monitor.report.plots.timeline_figure`) and its per-hour table. Trend shows the PLM
index night by night from :func:`rls_monitor.diary.table.night_table`, the diary's factors
marked under it, and :func:`rls_monitor.diary.insights.analyse` with its caveat.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response

from rls_monitor.errors import ConfigError
from rls_monitor.nights.summary import hours_minutes, night_json
from rls_monitor.storage import NightInfo, Store
from rls_monitor.web.page import read_store, render, route, state_of

__all__ = ["ROUTES", "TrendChart", "choose_subject", "trend_chart"]

_PLM_REFERENCE_PER_H = 15.0


def choose_subject(store: Store | None, given: str | None) -> str | None:
    """The subject a page shows: the one asked for, else the subject of the latest night, else
    the only one (``None`` for an empty store)."""
    if given:
        return given.strip() or None
    if store is None:
        return None
    nights = store.list_nights()
    if nights:
        return nights[-1].subject
    subjects = store.list_subjects()
    return subjects[0] if subjects else None


def _one(value: Any) -> str:
    return "-" if value is None else f"{float(value):.1f}"


def _night_choice(n: NightInfo) -> dict[str, Any]:
    when = n.start_utc.strftime("%a %d %b %Y") if n.start_utc else "date unknown"
    return {"id": n.id, "label": f"Night {n.id}, {when} ({n.subject})"}


def morning_page(request: Request) -> Response:
    """``GET /morning`` (the latest night) or ``/morning/{night}``: the morning summary."""
    from rls_monitor.export import load_nights
    from rls_monitor.report import DISCLAIMER, report_content
    from rls_monitor.report.render import PER_HOUR_HEADERS

    state = state_of(request)
    asked = request.path_params.get("night")
    with read_store(state.db_path) as store:
        nights = store.list_nights() if store is not None else []
        if store is None or not nights:
            return render(request, "morning.html", {"title": "This morning", "data": None})
        night_id = int(asked) if asked is not None else nights[-1].id
        data = night_json(store, night_id)
        info = store.get_night(night_id)
        records = load_nights(store, night=night_id, minutes=False)
    # the hour-by-hour table is the report's (local clock times, the same columns and figures)
    hours = report_content(records).per_hour if records else []
    indices = data.get("indices") or {}
    counts = data.get("counts") or {}
    summary = {
        "plm_per_h": indices.get("plm_per_h"),
        "plm_per_h_text": _one(indices.get("plm_per_h")),
        "in_bed_s": data.get("in_bed_s"),
        "in_bed_text": hours_minutes(data.get("in_bed_s")),
        "duration_text": hours_minutes(data.get("duration_s")),
        "lm": counts.get("lm"),
        "plm": counts.get("plm"),
        "series": counts.get("series"),
        "lm_per_h_text": _one(indices.get("lm_per_h")),
    }
    notes = [n for n in data.get("limitations") or [] if "not a diagnosis" not in n]
    return render(
        request,
        "morning.html",
        {
            "title": "This morning",
            "data": data,
            "info": info,
            "summary": summary,
            "hours": hours,
            "hour_headers": PER_HOUR_HEADERS,
            "notes": notes,
            "disclaimer": DISCLAIMER,
            "nights": [_night_choice(n) for n in reversed(nights)],
            "scored": data.get("rules") is not None,
        },
    )


def timeline_png(request: Request) -> Response:
    """``GET /morning/{night}/timeline.png``: the night's movements on its clock (the report's
    timeline figure)."""
    from rls_monitor.export import load_nights
    from rls_monitor.report.plots import timeline_figure
    from rls_monitor.report.render import figure_png

    state = state_of(request)
    night_id = int(request.path_params["night"])
    with read_store(state.db_path) as store:
        if store is None:
            raise ConfigError("nothing is stored yet", name="night")
        records = load_nights(store, night=night_id)
    if not records:
        raise ConfigError(f"night {night_id} is not scored yet", name="night")
    png = figure_png(timeline_figure(records[0], width_in=10.0), dpi=80)
    return Response(png, media_type="image/png")


class TrendChart:
    """The trend's drawing in SVG units: points, axis ticks, the reference line, factor marks.

    Parameters
    ----------
    dates : sequence of date
        Night dates, increasing.
    plm_per_h : ndarray
        PLM index per night, /h.
    marks : dict of str to ndarray of bool
        Per factor, the nights it is marked on.
    width, height : float
        Size of the plot area.
    """

    def __init__(
        self,
        dates: tuple[date, ...],
        plm_per_h: np.ndarray,
        marks: dict[str, np.ndarray],
        *,
        width: float = 900.0,
        height: float = 260.0,
    ) -> None:
        self.left, self.top, self.width, self.height = 160.0, 12.0, width, height
        n = len(dates)
        top_value = float(np.nanmax(plm_per_h)) if n else 0.0
        self.y_max = max(20.0, math.ceil(max(top_value, _PLM_REFERENCE_PER_H) / 10.0) * 10.0)
        if n:
            span = max(1, (dates[-1] - dates[0]).days)
            x = self.left + np.array([(d - dates[0]).days for d in dates]) / span * width
        else:
            x = np.zeros(0)
        y = self.top + height - plm_per_h / self.y_max * height
        self.points = [
            {"x": round(float(a), 1), "y": round(float(b), 1), "date": d.isoformat(), "v": v}
            for a, b, d, v in zip(x, y, dates, plm_per_h.tolist(), strict=True)
        ]
        self.polyline = " ".join(f"{p['x']},{p['y']}" for p in self.points)
        self.reference_y = round(self.top + height - _PLM_REFERENCE_PER_H / self.y_max * height, 1)
        self.y_ticks = [
            {"v": v, "y": round(self.top + height - v / self.y_max * height, 1)}
            for v in np.linspace(0.0, self.y_max, 5)
        ]
        step = max(1, n // 6)
        self.x_ticks = [
            {"x": p["x"], "label": p["date"]} for p in self.points[:: step if n > 1 else 1]
        ]
        self.rows = []
        row_y = self.top + height + 34.0
        for name, on in marks.items():
            xs = [round(float(a), 1) for a, m in zip(x, on, strict=True) if m]
            self.rows.append({"name": name, "y": row_y, "xs": xs})
            row_y += 18.0
        self.total_height = row_y + 6.0
        self.total_width = self.left + width + 40.0


def trend_chart(table: Any, **kwargs: Any) -> TrendChart:
    """The trend of a :class:`~rls_monitor.diary.stats.NightTable`, with every factor that
    marks at least one night (a flag that is yes, a number above zero); a number that marks
    the same nights as a flag (``alcohol_units`` and ``alcohol``) is drawn once, as the flag."""
    marks: dict[str, np.ndarray] = {}
    flags: list[np.ndarray] = []
    order = sorted(table.factors, key=lambda n: table.kinds.get(n) != "flag")  # flags first
    for name in order:
        values = table.factors[name]
        on = (values == 1.0) if table.kinds.get(name) == "flag" else (values > 0.0)
        on = np.asarray(on & ~np.isnan(values), dtype=bool)
        if not on.any():
            continue
        if table.kinds.get(name) == "flag":
            flags.append(on)
        elif any(np.array_equal(on, flag) for flag in flags):
            continue
        unit = table.units.get(name)
        marks[f"{name} ({unit})" if unit else name] = on
    return TrendChart(table.dates, np.asarray(table.plm_per_h, dtype=np.float64), marks, **kwargs)


def trend_page(request: Request) -> Response:
    """``GET /trend?subject=&from=&to=``: PLM index over nights, diary factors, insights."""
    from rls_monitor.diary.insights import (
        ASSOCIATION_CAVEAT,
        InsightsConfig,
        analyse,
        insights_table,
    )
    from rls_monitor.diary.model import parse_date
    from rls_monitor.diary.table import night_table

    state = state_of(request)
    q = request.query_params
    start = parse_date(q["from"], "from") if q.get("from") else None
    end = parse_date(q["to"], "to") if q.get("to") else None
    with read_store(state.db_path) as store:
        subject = choose_subject(store, q.get("subject"))
        subjects = store.list_subjects() if store is not None else []
        if store is None or subject is None:
            table = None
        else:
            table = night_table(store, subject, start=start, end=end)
    context: dict[str, Any] = {
        "title": "Trend",
        "subject": subject,
        "subjects": subjects,
        "start": "" if start is None else start.isoformat(),
        "end": "" if end is None else end.isoformat(),
        "caveat": ASSOCIATION_CAVEAT,
        "table": None,
    }
    if table is not None and table.n_nights:
        insights = analyse(table, InsightsConfig(seed=0))
        context.update(
            {
                "table": table,
                "chart": trend_chart(table),
                "insights": insights,
                "insight_rows": insights_table(insights),
                "nights": [
                    {"date": d.isoformat(), "night": int(i), "plm_per_h": float(v)}
                    for d, i, v in zip(table.dates, table.night_ids, table.plm_per_h, strict=True)
                ],
            }
        )
    return render(request, "trend.html", context)


ROUTES = [
    route("/morning", morning_page),
    route("/morning/{night:int}", morning_page),
    route("/morning/{night:int}/timeline.png", timeline_png),
    route("/trend", trend_page),
]
