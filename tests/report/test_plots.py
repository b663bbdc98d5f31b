"""The report's plots: what their legends count."""

from __future__ import annotations

import re

import pytest

from rls_monitor.export import NightRecord, load_nights
from rls_monitor.report.plots import timeline_figure
from rls_monitor.storage import Store
from tests.export.nightstore import FixtureStore, make_store


@pytest.fixture(scope="module")
def night_record(tmp_path_factory: pytest.TempPathFactory) -> NightRecord:
    stored: FixtureStore = make_store(tmp_path_factory.mktemp("one") / "n.sqlite", (4,))
    with Store(stored.path, readonly=True) as store:
        (rec,) = load_nights(store, night=stored.night_ids[0])
    return rec


def test_timeline_legend_says_what_each_count_counts(night_record: NightRecord) -> None:
    """A PLM is also a CLM: the legend's rows say "not PLM" / "not CLM", and add up to the LMs."""
    fig = timeline_figure(night_record)
    texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().texts]
    counts = dict(
        (m.group(1), int(m.group(2)))
        for t in texts
        if (m := re.fullmatch(r"(LMs not CLM|CLMs not PLM|PLMs|PLM series): (\d+)", t))
    )
    assert set(counts) == {"LMs not CLM", "CLMs not PLM", "PLMs", "PLM series"}, texts
    c = night_record.result["counts"]
    assert counts["PLMs"] == c["plm"] > 0
    assert counts["CLMs not PLM"] == c["clm"] - c["plm"]
    assert counts["LMs not CLM"] == c["lm"] - c["clm"]
    assert sum(counts[k] for k in ("LMs not CLM", "CLMs not PLM", "PLMs")) == c["lm"]
    assert not any(re.fullmatch(r"CLM \(\d+\)", t) for t in texts)
