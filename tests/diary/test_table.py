"""The analysis join: the night table from the store (and its report figure), and its validation."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.figure import Figure

from rls_monitor import diary
from rls_monitor.diary import DiaryEntry, LabResult, Medication, Treatment
from rls_monitor.diary.insights import ASSOCIATION_CAVEAT, InsightsConfig, analyse, insights_table
from rls_monitor.diary.stats import NightTable, simulate_nights
from rls_monitor.errors import ConfigError
from rls_monitor.report.plots import diary_timeline_figure
from rls_monitor.storage import Store
from tests.diary.conftest import add_nights

FAST = InsightsConfig(n_boot=500)


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
