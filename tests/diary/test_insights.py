"""Insights: statistics against simulated weeks with known truth, calibration over seeds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pytest

from rls_monitor.diary.insights import ASSOCIATION_CAVEAT, InsightsConfig, analyse, insights_table
from rls_monitor.diary.stats import NightTable, bootstrap_difference_ci, simulate_nights

FAST = InsightsConfig(n_boot=500)


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


def test_one_night_is_one_night() -> None:
    """Found on the README walk: "1 scored nights", "1 distinct values"."""
    text = analyse(simulate_nights(1, seed=0), FAST).format()
    assert ": 1 scored night " in text and "Only 1 scored night:" in text
    assert "1 distinct value;" in text
    assert "1 scored nights" not in text and "1 distinct values" not in text


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


def test_insights_reproducible() -> None:
    t = simulate_nights(40, effects={"exercise": -5.0}, seed=11)
    a, b = analyse(t, FAST), analyse(t, FAST)
    assert a.to_dict() == b.to_dict()
    assert list(itertools.islice((ln.factor for ln in a.lines), 1))
