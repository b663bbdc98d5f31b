"""Which diary factors go with better or worse nights: statistics over one patient's nights.

Pure statistics (NumPy, SciPy; no I/O). :func:`analyse` takes a :class:`NightTable` (the nightly
PLM index per hour in bed and the diary factors of each night, built from the store by
:func:`rls_monitor.diary.table.night_table`, or simulated by
:func:`rls_monitor.diary.stats.simulate_nights`) and returns :class:`Insights`:

- **flags** (alcohol yes/no, iron supplement, a medication taken...): with at least
  ``min_nights_each`` nights with and without, the difference in mean PLM index (with minus
  without) with a studentized bootstrap 95 % confidence interval and a two-sided Mann-Whitney U
  test;
- **dose-response** for numeric factors (cups of coffee, units of alcohol, minutes of exercise,
  dose of a medication in mg) with enough nights and spread: Spearman's rank correlation, and the
  Theil-Sen slope (with its 95 % interval) times the factor's interquartile range as the effect;
- **before/after** around each treatment start (nights within ``treatment_window_days`` before
  against after, same statistics as flags);
- **ferritin** against the mean PLM index of the nights around each lab date.

p-values of every test are corrected together by Holm's step-down method; lines are ordered by
the size of the effect (PLM/h). Every line says that it is an association over this patient's
nights, not a cause, and factors with too few nights say so instead of a number.

References
----------
Efron B, Tibshirani RJ. An Introduction to the Bootstrap. Chapman & Hall, 1993 (ch. 12:
bootstrap-t intervals).
Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.
Allen RP, Picchietti DL, Auerbach M, et al. Evidence-based and consensus clinical practice
guidelines for the iron treatment of restless legs syndrome/Willis-Ekbom disease in adults and
children: an IRLSSG task force report. Sleep Med 2018;41:27-44 (ferritin <= 75 ng/mL).
Ferri R, et al. World Association of Sleep Medicine (WASM) 2016 standards for recording and scoring
leg movements in polysomnograms. Sleep Med 2016;26:86-95 (the PLM index).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from rls_monitor.diary.stats import (
    NightTable,
    bootstrap_difference_ci,
    holm_adjust,
)
from rls_monitor.errors import ConfigError

__all__ = [
    "ASSOCIATION_CAVEAT",
    "FERRITIN_IRON_THRESHOLD_NG_PER_ML",
    "InsightLine",
    "Insights",
    "InsightsConfig",
    "analyse",
    "insights_table",
]

#: Said of every result.
ASSOCIATION_CAVEAT = (
    "An association over this patient's nights, not proof of a cause; a monitoring aid, not a "
    "diagnosis: discuss any change with your doctor."
)
#: Ferritin at or below which the IRLSSG task force (Allen et al. 2018) advises considering
#: iron treatment in adults with RLS, ng/mL.
FERRITIN_IRON_THRESHOLD_NG_PER_ML = 75.0


@dataclass(frozen=True)
class InsightsConfig:
    """Settings of :func:`analyse`.

    Attributes
    ----------
    min_nights_each : int
        Nights needed with and without a flag (and before and after a treatment start).
    min_nights_numeric : int
        Nights with a recorded value needed for a dose-response line.
    min_distinct_numeric : int
        Distinct values a numeric factor needs.
    n_boot : int
        Bootstrap resamples.
    confidence : float
        Level of the confidence intervals (0.95: 95 %).
    alpha : float
        Level at which a Holm-adjusted p-value is called a clear association.
    seed : int
        Seed of the bootstrap (results are reproducible).
    treatment_window_days : int
        Days before and after a treatment start compared.
    ferritin_window_days : int
        Nights within this many days of a lab date are set against its ferritin.
    min_labs : int
        Ferritin results (each with nights around it) needed for a rank correlation.
    """

    min_nights_each: int = 5
    min_nights_numeric: int = 10
    min_distinct_numeric: int = 3
    n_boot: int = 2000
    confidence: float = 0.95
    alpha: float = 0.05
    seed: int = 0
    treatment_window_days: int = 28
    ferritin_window_days: int = 14
    min_labs: int = 5

    def __post_init__(self) -> None:
        if not 0.5 < self.confidence < 1.0:
            raise ConfigError(
                f"confidence must be between 0.5 and 1; got {self.confidence!r}",
                name="confidence",
                value=self.confidence,
            )
        if not 0.0 < self.alpha < 1.0:
            raise ConfigError(f"alpha must be in (0, 1); got {self.alpha!r}", name="alpha")
        for name in ("min_nights_each", "min_labs", "min_distinct_numeric"):
            if getattr(self, name) < 2:
                raise ConfigError(
                    f"{name} must be at least 2; got {getattr(self, name)!r}", name=name
                )
        if self.min_nights_numeric < 4:
            raise ConfigError(
                f"min_nights_numeric must be at least 4; got {self.min_nights_numeric!r}",
                name="min_nights_numeric",
            )
        if self.n_boot < 200:
            raise ConfigError(f"n_boot must be at least 200; got {self.n_boot!r}", name="n_boot")


@dataclass(frozen=True)
class InsightLine:
    """One factor's result.

    Attributes
    ----------
    factor : str
        The factor (``"alcohol"``, ``"medication: pramipexole (mg)"``, ``"treatment: ..."``,
        ``"ferritin"``).
    kind : {"flag", "dose-response", "before/after", "ferritin"}
    enough : bool
        False when there were too few nights (then every number is ``None``).
    n_with, n_without : int
        Nights with and without the flag (after and before a treatment start); for
        dose-response and ferritin, ``n_with`` is the number of nights (or labs) and
        ``n_without`` 0.
    mean_with_per_h, mean_without_per_h : float or None
        Mean PLM index of each group, /h.
    effect_per_h : float or None
        With minus without (after minus before); for dose-response, the Theil-Sen slope times
        the factor's interquartile range; for ferritin, the slope times the ferritin range.
    ci_low_per_h, ci_high_per_h : float or None
        Its confidence interval.
    statistic : float or None
        Mann-Whitney U, or Spearman's rho.
    p_value, p_holm : float or None
        Two-sided p-value and Holm's adjusted one (over every tested line).
    unit : str
        The factor's unit (numeric factors).
    slope_per_unit : float or None
        Theil-Sen slope, PLM/h per unit of the factor (dose-response, ferritin).
    text : str
        The sentence shown to the patient and the clinician.
    """

    factor: str
    kind: str
    enough: bool
    n_with: int
    n_without: int
    mean_with_per_h: float | None = None
    mean_without_per_h: float | None = None
    effect_per_h: float | None = None
    ci_low_per_h: float | None = None
    ci_high_per_h: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    p_holm: float | None = None
    unit: str = ""
    slope_per_unit: float | None = None
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "factor": self.factor,
            "kind": self.kind,
            "enough": self.enough,
            "n_with": self.n_with,
            "n_without": self.n_without,
            "mean_with_per_h": self.mean_with_per_h,
            "mean_without_per_h": self.mean_without_per_h,
            "effect_per_h": self.effect_per_h,
            "ci_low_per_h": self.ci_low_per_h,
            "ci_high_per_h": self.ci_high_per_h,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_holm": self.p_holm,
            "unit": self.unit,
            "slope_per_unit": self.slope_per_unit,
            "text": self.text,
        }


@dataclass(frozen=True)
class Insights:
    """Every line of the analysis of one subject's nights.

    Attributes
    ----------
    subject : str or None
    n_nights : int
        Nights analysed (scored nights; those with a diary entry are ``n_with_diary``).
    n_with_diary : int
    first_date, last_date : datetime.date or None
    lines : tuple of InsightLine
        Tested lines ordered by the size of the effect, then lines with too few nights.
    notes : tuple of str
        General remarks (too few nights overall, ferritin below the iron threshold...).
    config : InsightsConfig
    """

    subject: str | None
    n_nights: int
    n_with_diary: int
    first_date: date | None
    last_date: date | None
    lines: tuple[InsightLine, ...]
    notes: tuple[str, ...] = ()
    config: InsightsConfig = field(default_factory=InsightsConfig)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (what ``rls-monitor insights --json`` prints)."""
        return {
            "subject": self.subject,
            "n_nights": self.n_nights,
            "n_with_diary": self.n_with_diary,
            "first_date": None if self.first_date is None else self.first_date.isoformat(),
            "last_date": None if self.last_date is None else self.last_date.isoformat(),
            "caveat": ASSOCIATION_CAVEAT,
            "confidence": self.config.confidence,
            "correction": "holm",
            "lines": [line.to_dict() for line in self.lines],
            "notes": list(self.notes),
        }

    def format(self) -> str:
        """The insights as plain text, one paragraph per line."""
        head = (
            f"Insights for {self.subject or 'this patient'}: {self.n_nights} scored "
            f"night{'' if self.n_nights == 1 else 's'}"
            + (
                f" from {self.first_date} to {self.last_date}"
                if self.first_date is not None
                else ""
            )
            + f", {self.n_with_diary} with a diary entry."
        )
        out = [head, ASSOCIATION_CAVEAT, ""]
        out += [f"- {line.text}" for line in self.lines]
        if self.notes:
            out.append("")
            out += [f"Note: {n}" for n in self.notes]
        return "\n".join(out)


def _fmt(x: float, digits: int = 1) -> str:
    return f"{x:+.{digits}f}" if x != 0 else f"{0:.{digits}f}"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _group_line(
    factor: str,
    kind: str,
    with_: NDArray[np.float64],
    without: NDArray[np.float64],
    cfg: InsightsConfig,
    rng: np.random.Generator,
    labels: tuple[str, str],
) -> InsightLine:
    n1, n0 = int(with_.size), int(without.size)
    if n1 < cfg.min_nights_each or n0 < cfg.min_nights_each:
        return InsightLine(
            factor,
            kind,
            False,
            n1,
            n0,
            text=(
                f"{factor}: too few nights to say anything ({n1} {labels[0]}, {n0} {labels[1]}; "
                f"at least {cfg.min_nights_each} of each are needed)."
            ),
        )
    lo, hi = bootstrap_difference_ci(
        with_, without, n_boot=cfg.n_boot, confidence=cfg.confidence, rng=rng
    )
    if np.ptp(np.r_[with_, without]) == 0:
        u, p = n1 * n0 / 2.0, 1.0
    else:
        res = stats.mannwhitneyu(with_, without, alternative="two-sided")
        u, p = float(res.statistic), float(res.pvalue)
    return InsightLine(
        factor,
        kind,
        True,
        n1,
        n0,
        mean_with_per_h=float(with_.mean()),
        mean_without_per_h=float(without.mean()),
        effect_per_h=float(with_.mean() - without.mean()),
        ci_low_per_h=lo,
        ci_high_per_h=hi,
        statistic=u,
        p_value=p,
    )


def _dose_line(
    factor: str, unit: str, x: NDArray[np.float64], y: NDArray[np.float64], cfg: InsightsConfig
) -> InsightLine:
    seen = np.isfinite(x)
    x, y = x[seen], y[seen]
    n = int(x.size)
    values, counts = np.unique(x, return_counts=True) if n else (np.array([]), np.array([0]))
    if (
        n < cfg.min_nights_numeric
        or values.size < cfg.min_distinct_numeric
        or n - counts.max() < cfg.min_nights_each
    ):
        return InsightLine(
            factor,
            "dose-response",
            False,
            n,
            0,
            unit=unit,
            text=(
                f"{factor}: too few nights or too little spread for a dose-response ({n} night{'' if n == 1 else 's'}, "
                f"{values.size} distinct value{'' if values.size == 1 else 's'}; at least {cfg.min_nights_numeric} nights, "
                f"{cfg.min_distinct_numeric} values and {cfg.min_nights_each} nights away from "
                "the most common value are needed)."
            ),
        )
    if np.ptp(y) == 0:
        rho, p = 0.0, 1.0
    else:
        res = stats.spearmanr(x, y)
        rho, p = float(res.statistic), float(res.pvalue)
    ts = stats.theilslopes(y, x, alpha=cfg.confidence)
    q25, q75 = np.percentile(x, [25, 75])
    spread = float(q75 - q25) or float(np.std(x))
    return InsightLine(
        factor,
        "dose-response",
        True,
        n,
        0,
        effect_per_h=float(ts.slope) * spread,
        ci_low_per_h=float(ts.low_slope) * spread,
        ci_high_per_h=float(ts.high_slope) * spread,
        statistic=rho,
        p_value=p,
        unit=unit,
        slope_per_unit=float(ts.slope),
    )


def _with_text(line: InsightLine, cfg: InsightsConfig) -> InsightLine:
    if not line.enough:
        return line
    pct = round(100 * cfg.confidence)
    effect = line.effect_per_h or 0.0
    ci = f"{pct} % CI {_fmt(line.ci_low_per_h or 0.0)} to {_fmt(line.ci_high_per_h or 0.0)}"
    ptxt = f"{_p_text(line.p_value or 1.0)}, Holm-adjusted {_p_text(line.p_holm or 1.0)[2:]}"
    clear = line.p_holm is not None and line.p_holm < cfg.alpha
    verdict = (
        "a clear association"
        if clear
        else "no clear association (this could be chance with this many nights)"
    )
    if line.kind in ("flag", "before/after"):
        what = "with" if line.kind == "flag" else "after the start"
        other = "without" if line.kind == "flag" else "before"
        direction = "higher" if effect > 0 else "lower"
        text = (
            f"{line.factor}: PLM index {abs(effect):.1f} /h {direction} on nights "
            f"{what} ({line.mean_with_per_h:.1f} /h, {line.n_with} night{'' if line.n_with == 1 else 's'}) than {other} "
            f"({line.mean_without_per_h:.1f} /h, {line.n_without} night{'' if line.n_without == 1 else 's'}); difference "
            f"{_fmt(effect)} /h ({ci}); Mann-Whitney {ptxt}: {verdict}."
        )
        if line.kind == "before/after":
            text += (
                " A before/after comparison also reflects anything else that changed then "
                "(season, other treatments, a bad spell that prompted the treatment)."
            )
    else:
        unit = _SINGULAR.get(line.unit, line.unit)
        per = f"{line.slope_per_unit:+.3g} /h per {unit}" if unit else ""
        text = (
            f"{line.factor}: Spearman rho {line.statistic:+.2f} over {line.n_with} "
            f"{'nights' if line.kind == 'dose-response' else 'lab results'}; PLM index "
            f"{per} (Theil-Sen), {_fmt(effect)} /h across the usual range "
            f"({ci}); {ptxt}: {verdict}."
        )
    text += " Association over this patient's nights, not a cause."
    return _replace_line(line, text=text)


_SINGULAR = {"cups": "cup", "units": "unit", "points": "point", "weeks": "week"}


def _replace_line(line: InsightLine, **changes: Any) -> InsightLine:
    from dataclasses import replace

    return replace(line, **changes)


def analyse(table: NightTable, config: InsightsConfig | None = None) -> Insights:
    """Which factors go with a higher or lower PLM index over one subject's nights.

    Parameters
    ----------
    table : NightTable
        Nights with their PLM index per hour in bed and diary factors.
    config : InsightsConfig, optional

    Returns
    -------
    Insights
        Tested lines ordered by ``|effect_per_h|`` (largest first), then lines with too few
        nights; p-values Holm-adjusted over every tested line. Factors recorded on no
        scored night get no line, only a note.

    Examples
    --------
    >>> from rls_monitor.diary.stats import simulate_nights
    >>> ins = analyse(simulate_nights(56, effects={"alcohol": 10.0}, seed=1))
    >>> ins.lines[0].factor, ins.lines[0].effect_per_h > 0
    ('alcohol', True)
    """
    cfg = config or InsightsConfig()
    rng = np.random.default_rng(cfg.seed)
    y = np.asarray(table.plm_per_h, dtype=np.float64)
    ok = np.isfinite(y)
    lines: list[InsightLine] = []
    unrecorded: list[str] = []
    for name, values in table.factors.items():
        v = np.asarray(values, dtype=np.float64)
        seen = ok & np.isfinite(v)
        if not seen.any():
            unrecorded.append(name)
            continue
        if table.kinds[name] == "flag":
            lines.append(
                _group_line(
                    name,
                    "flag",
                    y[seen & (v > 0)],
                    y[seen & (v <= 0)],
                    cfg,
                    rng,
                    ("with", "without"),
                )
            )
        else:
            lines.append(_dose_line(name, table.units.get(name, ""), v[ok], y[ok], cfg))
    ordinals = np.array([d.toordinal() for d in table.dates], dtype=np.int64)
    window = cfg.treatment_window_days
    for name, start, stop in table.treatments:
        s = start.toordinal()
        before = ok & (ordinals >= s - window) & (ordinals < s)
        after = ok & (ordinals >= s) & (ordinals < s + window)
        if stop is not None:
            after &= ordinals <= stop.toordinal()
        lines.append(
            _group_line(
                f"treatment: {name} (started {start.isoformat()})",
                "before/after",
                y[after],
                y[before],
                cfg,
                rng,
                ("after", "before"),
            )
        )
    notes: list[str] = []
    ferritin_line, ferritin_notes = _ferritin(table, ordinals, y, ok, cfg)
    notes += ferritin_notes
    if ferritin_line is not None:
        lines.append(ferritin_line)
    tested = [i for i, line in enumerate(lines) if line.enough and line.p_value is not None]
    adjusted = holm_adjust([lines[i].p_value or 1.0 for i in tested])
    for i, p in zip(tested, adjusted, strict=True):
        lines[i] = _replace_line(lines[i], p_holm=float(p))
    lines = [_with_text(line, cfg) for line in lines]
    lines.sort(key=lambda ln: (not ln.enough, -abs(ln.effect_per_h or 0.0), ln.factor))
    recorded = np.zeros(table.n_nights, dtype=bool)
    for values in table.factors.values():
        recorded |= np.isfinite(values)
    n_diary = int((recorded & ok).sum())
    if unrecorded and ok.any():
        notes.append("Not recorded on any scored night: " + ", ".join(unrecorded) + ".")
    if int(ok.sum()) < 2 * cfg.min_nights_each:
        notes.insert(
            0,
            f"Only {int(ok.sum())} scored night{'' if int(ok.sum()) == 1 else 's'}: too few to say anything about any factor "
            f"(at least {cfg.min_nights_each} nights with and {cfg.min_nights_each} without "
            "are needed for each).",
        )
    return Insights(
        subject=table.subject,
        n_nights=int(ok.sum()),
        n_with_diary=n_diary,
        first_date=table.dates[0] if table.dates else None,
        last_date=table.dates[-1] if table.dates else None,
        lines=tuple(lines),
        notes=tuple(notes),
        config=cfg,
    )


def _ferritin(
    table: NightTable,
    ordinals: NDArray[np.int64],
    y: NDArray[np.float64],
    ok: NDArray[np.bool_],
    cfg: InsightsConfig,
) -> tuple[InsightLine | None, list[str]]:
    notes: list[str] = []
    if not table.ferritin:
        return None, notes
    last_date, last = table.ferritin[-1]
    if last <= FERRITIN_IRON_THRESHOLD_NG_PER_ML:
        notes.append(
            f"The latest ferritin ({last:g} ng/mL on {last_date.isoformat()}) is at or below "
            f"{FERRITIN_IRON_THRESHOLD_NG_PER_ML:g} ng/mL, the level under which the IRLSSG "
            "task force (2018) advises considering iron treatment in RLS: discuss it with your "
            "doctor."
        )
    w = cfg.ferritin_window_days
    xs: list[float] = []
    ys: list[float] = []
    for day, value in table.ferritin:
        near = ok & (np.abs(ordinals - day.toordinal()) <= w)
        if near.any():
            xs.append(value)
            ys.append(float(y[near].mean()))
    factor = f"ferritin (mean PLM index of the nights within {w} days of each lab)"
    if len(xs) < cfg.min_labs or len(set(xs)) < 3:
        return (
            InsightLine(
                factor,
                "ferritin",
                False,
                len(xs),
                0,
                unit="ng/mL",
                text=(
                    f"ferritin: too few lab results with nights around them to say anything "
                    f"({len(xs)}; at least {cfg.min_labs} with different values are needed)."
                ),
            ),
            notes,
        )
    x_arr, y_arr = np.array(xs), np.array(ys)
    res = stats.spearmanr(x_arr, y_arr)
    ts = stats.theilslopes(y_arr, x_arr, alpha=cfg.confidence)
    spread = float(np.percentile(x_arr, 75) - np.percentile(x_arr, 25)) or float(x_arr.std())
    return (
        InsightLine(
            factor,
            "ferritin",
            True,
            len(xs),
            0,
            effect_per_h=float(ts.slope) * spread,
            ci_low_per_h=float(ts.low_slope) * spread,
            ci_high_per_h=float(ts.high_slope) * spread,
            statistic=float(res.statistic),
            p_value=float(res.pvalue),
            unit="ng/mL",
            slope_per_unit=float(ts.slope),
        ),
        notes,
    )


def insights_table(insights: Insights) -> list[dict[str, str]]:
    """Rows of the report's insights table (every cell formatted text).

    Columns: ``factor``, ``nights`` (with / without), ``PLM index`` (means, /h),
    ``difference`` (effect with its confidence interval, /h), ``p (Holm)``, ``reading`` (a
    clear association, no clear association, or too few nights). The report prints
    :data:`ASSOCIATION_CAVEAT` under the table.

    Parameters
    ----------
    insights : Insights

    Returns
    -------
    list of dict of str to str
    """
    rows: list[dict[str, str]] = []
    pct = round(100 * insights.config.confidence)
    for line in insights.lines:
        if not line.enough:
            rows.append(
                {
                    "factor": line.factor,
                    "nights": f"{line.n_with} / {line.n_without}"
                    if line.kind in ("flag", "before/after")
                    else str(line.n_with),
                    "PLM index": "",
                    "difference": "",
                    "p (Holm)": "",
                    "reading": "too few nights to say anything",
                }
            )
            continue
        if line.kind in ("flag", "before/after"):
            nights = f"{line.n_with} / {line.n_without}"
            means = f"{line.mean_with_per_h:.1f} vs {line.mean_without_per_h:.1f} /h"
        else:
            nights = str(line.n_with)
            means = f"rho {line.statistic:+.2f}"
        rows.append(
            {
                "factor": line.factor,
                "nights": nights,
                "PLM index": means,
                "difference": (
                    f"{_fmt(line.effect_per_h or 0.0)} /h ({pct} % CI "
                    f"{_fmt(line.ci_low_per_h or 0.0)} to {_fmt(line.ci_high_per_h or 0.0)})"
                ),
                "p (Holm)": f"{line.p_holm:.3f}" if line.p_holm is not None else "",
                "reading": (
                    "clear association (not a cause)"
                    if line.p_holm is not None and line.p_holm < insights.config.alpha
                    else "no clear association"
                ),
            }
        )
    return rows
