"""Insights: statistics against simulated weeks with known truth, calibration over seeds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.figure import Figure

from rls_monitor import diary
from rls_monitor.diary import DiaryEntry, LabResult, Medication, Treatment
from rls_monitor.diary.insights import (
    ASSOCIATION_CAVEAT,
    InsightsConfig,
    NightTable,
    analyse,
    bootstrap_difference_ci,
    holm_adjust,
    insights_table,
    simulate_nights,
)
from rls_monitor.errors import ConfigError
from rls_monitor.report.plots import diary_timeline_figure
from rls_monitor.storage import Store
from tests.diary.conftest import add_nights

FAST = InsightsConfig(n_boot=500)


def _holm_reference(p: list[float]) -> list[float]:
    """Holm by its definition: reject in order while p_(k) <= alpha / (m - k)."""
    m = len(p)
    out = []
    for i in range(m):
        # smallest alpha at which hypothesis i is rejected by the step-down procedure
        order = sorted(range(m), key=lambda j: (p[j], j))
        rank = order.index(i)
        out.append(min(1.0, max((m - k) * p[order[k]] for k in range(rank + 1))))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_holm_matches_definition(seed: int) -> None:
    p = np.random.default_rng(seed).random(7).tolist()
    assert np.allclose(holm_adjust(p), _holm_reference(p))


def test_holm_small_cases() -> None:
    assert holm_adjust([]).size == 0
    assert holm_adjust([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])


def test_bootstrap_ci_is_seeded_and_sensible() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 2, 30), rng.normal(7, 2, 25)
    lo, hi = bootstrap_difference_ci(a, b, rng=5)
    assert (lo, hi) == bootstrap_difference_ci(a, b, rng=5)
    assert lo < a.mean() - b.mean() < hi and lo > 0
    with pytest.raises(ConfigError):
        bootstrap_difference_ci(a[:1], b)


@pytest.mark.parametrize("n_nights", [20, 56])
def test_no_effect_intervals_cover_zero_95_percent(n_nights: int) -> None:
    """Calibration: with no true effect, the 95 % CI of each flag covers 0 in ~95 % of seeds."""
    covered = total = 0
    for seed in range(300):
        table = simulate_nights(n_nights, seed=seed)
        for name in ("alcohol", "iron_supplement"):
            flag = table.factors[name] > 0
            a, b = table.plm_per_h[flag], table.plm_per_h[~flag]
            if a.size < 5 or b.size < 5:
                continue
            lo, hi = bootstrap_difference_ci(a, b, n_boot=1000, rng=seed)
            covered += lo <= 0.0 <= hi
            total += 1
    assert total > 450
    assert 0.92 <= covered / total <= 0.98


def test_no_effect_reported_intervals_cover_zero_95_percent() -> None:
    """The same calibration end to end: the intervals ``analyse`` reports, every flag and slope."""
    covered: dict[str, list[int]] = {}
    for seed in range(120):
        ins = analyse(simulate_nights(56, seed=2000 + seed), InsightsConfig(n_boot=500, seed=seed))
        for ln in ins.lines:
            if ln.enough and ln.ci_low_per_h is not None and ln.ci_high_per_h is not None:
                hit_total = covered.setdefault(ln.kind, [0, 0])
                hit_total[0] += ln.ci_low_per_h <= 0.0 <= ln.ci_high_per_h
                hit_total[1] += 1
    assert set(covered) == {"flag", "dose-response"}
    for kind, (hits, total) in covered.items():
        assert total > 400, kind
        assert 0.92 <= hits / total <= 0.98, (kind, hits / total)


def test_no_effect_rarely_called_clear() -> None:
    """Family-wise: with no true effect, Holm keeps false 'clear' findings rare."""
    false_alarms = sum(
        any(line.p_holm is not None and line.p_holm < 0.05 for line in analyse(
            simulate_nights(42, seed=seed), FAST).lines)
        for seed in range(60)
    )  # fmt: skip
    assert false_alarms <= 8  # about 5 % expected (Holm is conservative)


@pytest.mark.parametrize(
    ("factor", "size"), [("alcohol", 8.0), ("iron_supplement", -6.0), ("nicotine", 9.0)]
)
def test_true_factor_named_with_right_sign(factor: str, size: float) -> None:
    hits = wrong_seeds = 0
    seeds = range(15)
    for seed in seeds:
        ins = analyse(simulate_nights(56, effects={factor: size}, seed=seed), FAST)
        clear = [ln for ln in ins.lines if ln.p_holm is not None and ln.p_holm < 0.05]
        named = [ln for ln in clear if ln.factor.startswith(factor.split("_")[0])]
        wrong = [ln for ln in clear if not ln.factor.startswith(factor.split("_")[0])]
        if named and all(np.sign(ln.effect_per_h or 0) == np.sign(size) for ln in named):
            hits += 1
        wrong_seeds += bool(wrong)
    assert hits >= 12
    assert wrong_seeds <= 3  # another factor called clear (Holm: ~5 % of seeds expected)


def test_dose_response_named() -> None:
    ins = analyse(simulate_nights(56, effects={"caffeine_cups": 4.0}, seed=2), FAST)
    line = next(ln for ln in ins.lines if ln.factor == "caffeine_cups")
    assert line.kind == "dose-response" and line.statistic is not None and line.statistic > 0.3
    assert line.slope_per_unit == pytest.approx(4.0, abs=2.5)
    assert line.p_holm is not None and line.p_holm < 0.05
    assert "Spearman" in line.text and "not a cause" in line.text


def test_too_few_nights_say_so() -> None:
    ins = analyse(simulate_nights(8, seed=0), FAST)
    assert ins.notes and "too few" in ins.notes[0]
    assert all(not ln.enough and "too few" in ln.text for ln in ins.lines)
    assert all(ln.effect_per_h is None and ln.p_value is None for ln in ins.lines)
    rows = insights_table(ins)
    assert all(r["reading"] == "too few nights to say anything" for r in rows)


def test_every_line_is_an_association() -> None:
    ins = analyse(simulate_nights(56, effects={"alcohol": 8.0}, seed=4), FAST)
    assert all("not a cause" in ln.text or "too few" in ln.text for ln in ins.lines)
    assert ASSOCIATION_CAVEAT in ins.format()
    tested = [ln for ln in ins.lines if ln.enough]
    effects = [abs(ln.effect_per_h or 0.0) for ln in tested]
    assert effects == sorted(effects, reverse=True)
    assert ins.to_dict()["lines"][0]["factor"] == tested[0].factor
    rows = insights_table(ins)
    assert len(rows) == len(ins.lines) and rows[0]["reading"].startswith("clear association")


def _table_with(plm: np.ndarray, start: date = date(2026, 1, 1), **kw: object) -> NightTable:
    n = plm.size
    return NightTable(
        subject="T",
        night_ids=np.arange(n, dtype=np.int64),
        dates=tuple(start + timedelta(days=i) for i in range(n)),
        plm_per_h=plm.astype(np.float64),
        factors={},
        kinds={},
        units={},
        **kw,  # type: ignore[arg-type]
    )


def test_before_after_treatment() -> None:
    rng = np.random.default_rng(0)
    plm = np.r_[rng.gamma(8, 3.0, 30), rng.gamma(8, 1.5, 30)]  # mean 24 then 12
    start = date(2026, 1, 1) + timedelta(days=30)
    ins = analyse(_table_with(plm, treatments=(("iron infusion", start, None),)), FAST)
    (line,) = ins.lines
    assert line.kind == "before/after" and line.n_with == 28 and line.n_without == 28
    assert line.effect_per_h is not None and line.effect_per_h < -6
    assert line.ci_high_per_h is not None and line.ci_high_per_h < 0
    assert "before/after comparison also reflects" in line.text
    early = analyse(_table_with(plm, treatments=(("x", date(2026, 1, 3), None),)), FAST)
    assert not early.lines[0].enough and "2 before" in early.lines[0].text


def test_ferritin_against_plm() -> None:
    rng = np.random.default_rng(1)
    plm = rng.gamma(8, 2.5, 120)
    start = date(2026, 1, 1)
    labs = tuple((start + timedelta(days=20 * k + 5), 30.0 + 25 * k) for k in range(6))
    ins = analyse(_table_with(plm, ferritin=labs), FAST)
    (line,) = ins.lines
    assert line.kind == "ferritin" and line.enough and line.n_with == 6
    assert line.unit == "ng/mL" and line.p_value is not None
    low = analyse(_table_with(plm, ferritin=labs[:2]), FAST)
    assert not low.lines[0].enough and "too few lab results" in low.lines[0].text
    assert any("75 ng/mL" in n for n in low.notes)  # 55 ng/mL last: iron threshold note


def test_night_table_from_store_and_figure(store: Store) -> None:
    table_sim = simulate_nights(30, effects={"alcohol": 10.0}, seed=7)
    day0 = table_sim.dates[0]
    add_nights(store, "P01", day0, table_sim.plm_per_h.tolist())
    add_nights(store, "P02", day0, [5.0, 6.0])
    for i, d in enumerate(table_sim.dates):
        meds = (Medication("pramipexole", 0.125 * (1 + i % 3), "mg", "21:00"),) if i % 2 else ()
        diary.add_entry(
            store,
            DiaryEntry(
                "P01",
                d,
                alcohol_units=float(table_sim.factors["alcohol_units"][i]),
                caffeine_cups=float(table_sim.factors["caffeine_cups"][i]),
                medications=meds,
            ),
        )
    diary.add_treatment(store, Treatment(0, "P01", "stockings", day0 + timedelta(days=15)))
    diary.add_lab(store, LabResult("P01", day0, ferritin_ng_per_ml=40.0))
    with pytest.raises(ConfigError, match="several subjects"):
        diary.night_table(store)
    table = diary.night_table(store, "P01")
    assert table.n_nights == 30 and table.dates == table_sim.dates
    assert np.allclose(table.plm_per_h, table_sim.plm_per_h)
    assert np.array_equal(table.factors["alcohol"], table_sim.factors["alcohol"])
    assert table.kinds["medication: pramipexole (mg)"] == "numeric"
    assert np.nansum(table.factors["medication: pramipexole"]) == 15
    assert np.isnan(table.factors["nicotine"]).all()
    assert table.treatments[0][0] == "stockings" and table.ferritin == ((day0, 40.0),)
    ins = analyse(table, FAST)
    assert ins.lines[0].factor in ("alcohol", "alcohol_units") and ins.n_with_diary == 30
    assert all(ln.factor != "nicotine" for ln in ins.lines)
    assert any(n.startswith("Not recorded on any scored night:") and "nicotine" in n
               for n in ins.notes)  # fmt: skip
    part = diary.night_table(store, "P01", start=day0 + timedelta(days=10), end="2099-01-01")
    assert part.n_nights == 20
    fig = diary_timeline_figure(table, ins)
    assert isinstance(fig, Figure) and len(fig.axes) >= 4
    assert "associations, not causes" in fig.axes[0].get_title()
    section = diary.diary_section(store, "P01", config=FAST)
    assert not section.empty and section.caveat == ASSOCIATION_CAVEAT
    assert section.rows == insights_table(section.insights)
    parent = Figure()
    (sub,) = parent.subfigures(1, 1, squeeze=False)[0]
    assert diary_timeline_figure(section.table, fig=sub) is sub


def test_night_table_validation() -> None:
    with pytest.raises(ConfigError, match="shape"):
        NightTable("x", np.zeros(2, np.int64), (date(2026, 1, 1),), np.zeros(2), {}, {}, {})
    with pytest.raises(ConfigError, match="kind"):
        _ = NightTable(
            "x", np.zeros(1, np.int64), (date(2026, 1, 1),), np.zeros(1),
            {"a": np.zeros(1)}, {}, {},
        )  # fmt: skip
    with pytest.raises(ConfigError, match="unknown factor"):
        simulate_nights(10, effects={"wine": 1.0})
    with pytest.raises(ConfigError, match="confidence"):
        InsightsConfig(confidence=1.5)


def test_insights_reproducible() -> None:
    t = simulate_nights(40, effects={"exercise": -5.0}, seed=11)
    a, b = analyse(t, FAST), analyse(t, FAST)
    assert a.to_dict() == b.to_dict()
    assert list(itertools.islice((ln.factor for ln in a.lines), 1))
