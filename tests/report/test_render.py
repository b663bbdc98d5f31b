"""Reports checked as a person sees them: the PDF rendered to PNG, the HTML in headless Chromium.

The rendering tools are system programs (poppler's ``pdftoppm``/``pdftotext``, ``chromium``);
tests that need one skip with a reason when it is missing.
"""

from __future__ import annotations

import base64
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rls_monitor.errors import ConfigError
from rls_monitor.export import NightRecord, load_nights
from rls_monitor.report import DISCLAIMER, fmt, variability, write_report
from rls_monitor.report.plots import (
    ADULT_REFERENCE_PER_H,
    REFERENCE_NOTE,
    imi_histogram_figure,
    trend_figure,
)
from rls_monitor.storage import Store
from tests.export.nightstore import SUBJECT, FixtureStore, make_store
from tests.report.rendering import (
    Cells,
    chromium_dom,
    chromium_screenshot,
    non_white_fraction,
    png_pixels,
    require_tool,
)


@pytest.fixture(scope="module")
def one_night(tmp_path_factory: pytest.TempPathFactory) -> FixtureStore:
    return make_store(tmp_path_factory.mktemp("one") / "n.sqlite", (4,))


@pytest.fixture(scope="module")
def five_nights(tmp_path_factory: pytest.TempPathFactory) -> FixtureStore:
    return make_store(tmp_path_factory.mktemp("five") / "n.sqlite", (12, 15, 19, 2, 4), 1200.0)


@pytest.fixture(scope="module")
def night_record(one_night: FixtureStore) -> NightRecord:
    with Store(one_night.path, readonly=True) as store:
        (rec,) = load_nights(store, night=one_night.night_ids[0])
    return rec


@pytest.fixture(scope="module")
def records(five_nights: FixtureStore) -> list[NightRecord]:
    with Store(five_nights.path, readonly=True) as store:
        return load_nights(store, subject=SUBJECT)


def test_single_night_html_in_chromium(night_record: NightRecord, tmp_path: Path) -> None:
    path = write_report([night_record], tmp_path / "night.html")
    source = path.read_text(encoding="utf-8")
    assert "http://" not in source and "https://" not in source  # self-contained
    dom = chromium_dom(path, tmp_path)
    assert f"<title>Leg movement report: night {night_record.night_id}</title>" in dom
    parser = Cells()
    parser.feed(dom)
    r = night_record.result
    assert parser.cells["plm_per_h"] == [fmt(r["indices"]["plm_per_h"])]
    assert parser.cells["lm_count"] == [fmt(r["counts"]["lm"])]
    assert parser.cells["series_count"] == [fmt(r["counts"]["series"])]
    assert parser.cells["periodicity_index"][0].startswith(
        fmt(r["indices"]["periodicity_index"], 2)
    )
    assert r["rules"] in parser.cells["rules"][0]
    per_hour_plm = parser.cells["col:plm"]
    assert per_hour_plm == [fmt(row["plm"]) for row in r["per_hour"]]
    assert DISCLAIMER in re.sub(r"\s+", " ", dom)
    assert "cannot include" in dom
    # every embedded plot has ink: no empty figure
    assert len(parser.images) == 2
    for src in parser.images:
        assert src.startswith("data:image/png;base64,")
        img = png_pixels(base64.b64decode(src.split(",", 1)[1]))
        assert non_white_fraction(img) > 0.03
    shot = chromium_screenshot(path, tmp_path)
    assert non_white_fraction(shot) > 0.05


def test_single_night_pdf_rendered(night_record: NightRecord, tmp_path: Path) -> None:
    pdftotext = require_tool("pdftotext")
    pdftoppm = require_tool("pdftoppm")
    path = write_report([night_record], tmp_path / "night.pdf")
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    r = night_record.result
    assert f"Leg movement report: night {night_record.night_id}" in flat
    assert re.search(
        rf"PLM index \(PLM per [a-z ]+\)\s+{re.escape(fmt(r['indices']['plm_per_h']))}", flat
    )
    assert "A monitoring aid, not a diagnosis" in flat
    assert "Night timeline" in flat and "Inter-movement intervals" in flat
    assert "Per hour" in flat
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True, timeout=60
    )
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3
    plots = png_pixels(pages[1].read_bytes())
    h = plots.shape[0]
    # the timeline (upper half) and the histograms (lower part) both have ink
    assert non_white_fraction(plots[: h // 2]) > 0.05
    assert non_white_fraction(plots[h // 2 :]) > 0.05


def test_several_nights_trend_html_and_pdf(records: list[NightRecord], tmp_path: Path) -> None:
    assert len(records) == 5
    path = write_report(records, tmp_path / "week.html")
    dom = chromium_dom(path, tmp_path)
    parser = Cells()
    parser.feed(dom)
    assert parser.cells["col:plm_per_h"] == [fmt(r.result["indices"]["plm_per_h"]) for r in records]
    v = variability(records)
    assert parser.cells["plm_mean_per_h"] == [fmt(v["plm_mean_per_h"], 1, " /h")]
    assert v["n"] == 5 and v["plm_sd_per_h"] is not None
    assert REFERENCE_NOTE in dom
    assert len(parser.images) == 3
    for src in parser.images:
        assert non_white_fraction(png_pixels(base64.b64decode(src.split(",", 1)[1]))) > 0.02
    pdftotext = require_tool("pdftotext")
    pdf = write_report(records, tmp_path / "week.pdf")
    text = re.sub(
        r"\s+",
        " ",
        subprocess.run(
            [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
        ).stdout,
    )
    assert "Night-to-night trend" in text and "not validated for an ankle accelerometer" in text
    for r in records:
        assert fmt(r.result["indices"]["plm_per_h"]) in text


def test_report_refuses_bad_requests(night_record: NightRecord, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.html or \.pdf"):
        write_report([night_record], tmp_path / "r.docx")
    with pytest.raises(ConfigError, match="no scored night"):
        write_report([], tmp_path / "r.html")


def test_report_without_minutes_says_so(night_record: NightRecord, tmp_path: Path) -> None:
    import dataclasses

    bare = dataclasses.replace(night_record, minutes=(), start_utc=None)
    path = write_report([bare], tmp_path / "bare.html")
    text = path.read_text(encoding="utf-8")
    assert "Leg movement report" in text and "n/a" in text


def test_imi_histograms_have_the_bins_sleep_medicine_uses(night_record: NightRecord) -> None:
    hist = night_record.result["histograms"]
    fig = imi_histogram_figure(hist)
    ax_lin, ax_log = fig.axes[:2]
    (lin,) = ax_lin.containers
    assert [round(b.get_x(), 6) for b in lin] == [2.0 * k for k in range(45)]  # 0-90 s
    assert {round(b.get_width(), 6) for b in lin} == {2.0}
    assert [b.get_height() for b in lin] == hist["linear"]["counts"]
    assert ax_lin.get_xlim() == (0.0, 90.0)
    (log,) = ax_log.containers
    assert [round(b.get_x(), 6) for b in log] == [round(0.1 * k, 6) for k in range(45)]
    assert {round(b.get_width(), 6) for b in log} == {0.1}  # ln(IMI) bins 0.1 wide
    assert [b.get_height() for b in log] == hist["log"]["counts"]
    ticks = [t.get_text() for t in ax_log.get_xticklabels()]
    assert ticks == ["2", "10", "20", "40", "60", "90"]
    np.testing.assert_allclose(
        ax_log.get_xticks(), [math.log(t) for t in (2, 10, 20, 40, 60, 90)], atol=1e-4
    )
    assert sum(hist["linear"]["counts"]) > 10  # a night with movements, not empty bins


def test_trend_draws_the_15_per_hour_reference_line(records: list[NightRecord]) -> None:
    fig = trend_figure(records)
    ax = fig.axes[0]
    flat = [
        line
        for line in ax.get_lines()
        if len(set(line.get_ydata())) == 1 and line.get_ydata()[0] == ADULT_REFERENCE_PER_H
    ]
    assert ADULT_REFERENCE_PER_H == 15.0 and len(flat) == 1
    assert flat[0].get_linestyle() == "--" and flat[0].get_label() == REFERENCE_NOTE
    assert REFERENCE_NOTE in [t.get_text() for t in ax.get_legend().get_texts()]
    lo, hi = ax.get_ylim()
    assert lo < 15.0 < hi  # the line is inside the plot
    plotted = [line for line in ax.get_lines() if line.get_label() == "PLM per hour in bed"]
    assert list(plotted[0].get_ydata()) == [r.result["indices"]["plm_per_h"] for r in records]
